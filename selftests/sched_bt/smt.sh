# SPDX-License-Identifier: GPL-2.0
#
# scx_bt's SMT expeller (issue 6): no offline work on a CPU whose SMT
# sibling runs online work. Needs a sched_ext kernel and SMT siblings (run
# the VM with --threads 2). TCG vCPUs share no execution units, so this
# checks behaviour (who ran where), not interference. Sourced by suite.sh.

. "$SELFTESTS/sched_bt/bt-lib.sh"

# sibling_of CPU: the other thread of CPU's core, or nothing.
sibling_of() {
	tr ',-' '  ' <"/sys/devices/system/cpu/cpu$1/topology/thread_siblings_list" |
		awk -v c="$1" '{ for (i = 1; i <= NF; i++) if ($i != c) print $i }'
}

test_smt_expeller() {
	local sib off on p o a0 b0 a1 b1 on_ms off_ms
	have_sched_ext || skip "kernel without sched_ext"
	sib=$(sibling_of 0)
	[ -n "$sib" ] || skip "no SMT siblings (run the VM with --threads 2)"
	trap 'stratosctl bt disable >/dev/null 2>&1; bt_cleanup' EXIT
	load_module
	off=$(bt_cg off)
	on=$(bt_cg on)
	stratosctl cgroup set "$off" class=offline
	p=$(hog "$off" "$sib")
	o=$(hog "$on" 0)
	stratosctl bt enable smt-expel on
	sleep 0.5
	a0=$(runtime_ns "$p"); b0=$(runtime_ns "$o")
	sleep 2
	a1=$(runtime_ns "$p"); b1=$(runtime_ns "$o")
	off_ms=$(((a1 - a0) / 1000000)); on_ms=$(((b1 - b0) / 1000000))
	echo "expeller on: offline on CPU $sib ran $off_ms ms beside $on_ms ms online on CPU 0"
	stratosctl -j bt stats
	# Only the starvation guard lets it in: well under 5%.
	[ $((off_ms * 20)) -lt "$on_ms" ] || fail "offline ran beside an online sibling"
	stratosctl bt set smt-expel off
	sleep 0.5
	a0=$(runtime_ns "$p")
	sleep 2
	off_ms=$((($(runtime_ns "$p") - a0) / 1000000))
	echo "expeller off: offline ran $off_ms ms"
	[ $((off_ms * 2)) -gt "$on_ms" ] || fail "offline starved with the expeller off"
	# A free core: offline work runs there at full speed.
	kill "$o"
}

run_test "smt: offline work leaves the sibling of online work" test_smt_expeller
stratosctl bt disable >/dev/null 2>&1 || true
unload_module
