# SPDX-License-Identifier: GPL-2.0
#
# vcore limits: a CPU-bound cgroup held to 1.0 vcore on fast and on slow
# CPUs and across a move between them; cpu.max restored afterwards; bad
# input. Sourced by suite.sh; see common.sh for the VM it expects.
#
#   CPU    0     1     2     3
#   idle   1.0   1.0   0.6   0.6     (busy factors equal: no SMT penalty,
#   busy   1.0   1.0   0.6   0.6      so only the CPU class matters here)

. "$SELFTESTS/vcore/common.sh"

vc_limit_setup() {
	stratosctl vcore factors set 0-1 idle 1 busy 1
	stratosctl vcore factors set 2-3 idle 0.6 busy 0.6
	mkdir -p "$CGTEST"
	echo +cpu >"$CGTEST/cgroup.subtree_control"
}

vc_limit_cleanup() {
	local p
	for p in $(jobs -p); do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	cg_cleanup
	load_module
	vc_reset_factors
}

# vc_hogs CGROUP_DIR CPUS N: N busy loops in the cgroup, allowed on CPUS.
vc_hogs() {
	local i
	for i in $(seq "$3"); do
		taskset -c "$2" sh -c 'echo $$ >"$1/cgroup.procs" &&
			exec sh -c "while :; do :; done"' sh "$1" &
	done
}

# vc_mvcores CGROUP_DIR SECONDS: mean millivcores used over SECONDS.
vc_mvcores() {
	stratosctl -j vcore show "$1" interval "$2" | jq .mvcores
}

vc_expect_one_vcore() {
	local mv
	mv=$(vc_mvcores "$1" 5)
	echo "$2: $mv mvcores, cpu.max $(cat "$1/cpu.max")"
	vc_close "$mv" 1000 3 || fail "$2: not 1.0 vcore +/- 3%"
}

test_vcore_limit_fast_slow_move() {
	local cg p
	vc_need_smt
	trap vc_limit_cleanup EXIT
	load_module
	vc_limit_setup
	cg=$(cg_create lim)
	stratosctl vcore limit "$cg" 1.0
	expect_output 'limit 1.000' stratosctl vcore show "$cg"
	taskset -pc 3 $$ >/dev/null
	# Fast CPUs: 1.0 vcore is 1.0 CPU of the two.
	vc_hogs "$cg" 0-1 2
	sleep 2
	vc_expect_one_vcore "$cg" "on CPUs 0-1"
	[ "$(cut -d' ' -f1 "$cg/cpu.max")" -le 105000 ] ||
		fail "quota on fast CPUs: $(cat "$cg/cpu.max")"
	# Move to the slow CPUs: about 1.67 CPUs buy 1.0 vcore.
	taskset -pc 0 $$ >/dev/null
	for p in $(cat "$cg/cgroup.procs"); do
		taskset -apc 2-3 "$p" >/dev/null
	done
	sleep 3
	vc_expect_one_vcore "$cg" "moved to CPUs 2-3"
	[ "$(cut -d' ' -f1 "$cg/cpu.max")" -ge 155000 ] ||
		fail "quota on slow CPUs: $(cat "$cg/cpu.max")"
}

test_vcore_limit_slow() {
	local cg
	vc_need_smt
	trap vc_limit_cleanup EXIT
	load_module
	vc_limit_setup
	cg=$(cg_create lim)
	stratosctl vcore limit "$cg" 1
	taskset -pc 0 $$ >/dev/null
	vc_hogs "$cg" 2-3 3
	sleep 3
	vc_expect_one_vcore "$cg" "pinned to CPUs 2-3"
}

test_vcore_limit_restore() {
	local cg
	trap vc_limit_cleanup EXIT
	load_module
	vc_limit_setup
	cg=$(cg_create lim)
	echo "300000 100000" >"$cg/cpu.max"
	stratosctl vcore limit "$cg" 0.5
	sleep 0.3
	[ "$(cat "$cg/cpu.max")" != "300000 100000" ] || fail "cpu.max untouched"
	stratosctl vcore limit "$cg" 0.25
	stratosctl vcore limit "$cg" none
	[ "$(cat "$cg/cpu.max")" = "300000 100000" ] ||
		fail "lifting the limit left cpu.max at $(cat "$cg/cpu.max")"
	# Lifting it leaves the accounting; unaccounting a limited cgroup restores.
	stratosctl vcore show "$cg" >/dev/null
	stratosctl vcore limit "$cg" 0.5
	stratosctl vcore unaccount "$cg"
	[ "$(cat "$cg/cpu.max")" = "300000 100000" ] || fail "unaccount did not restore"
	# So does unloading the module.
	stratosctl vcore limit "$cg" 0.5
	rmmod stratos
	[ "$(cat "$cg/cpu.max")" = "300000 100000" ] || fail "rmmod did not restore"
}

test_vcore_limit_bad_input() {
	local cg
	trap vc_limit_cleanup EXIT
	load_module
	vc_limit_setup
	cg=$(cg_create lim)
	expect_exit 2 stratosctl vcore limit "$cg" 0
	expect_output "invalid limit '0'" stratosctl vcore limit "$cg" 0
	expect_exit 2 stratosctl vcore limit "$cg" 0.001
	expect_exit 2 stratosctl vcore limit "$cg" 99999
	expect_exit 2 stratosctl vcore limit "$cg" -1
	expect_exit 2 stratosctl vcore limit "$cg" lots
	expect_exit 2 stratosctl vcore limit "$cg"
	# Above what the node has: the kernel says how much that is.
	expect_exit 1 stratosctl vcore limit "$cg" 500
	expect_output 'above the node.s 3.200 vcores' stratosctl vcore limit "$cg" 500
	[ "$(stratosctl -j vcore show | jq length)" = 0 ] ||
		fail "a refused limit left accounting behind"
	[ "$(cat "$cg/cpu.max")" = "max 100000" ] || fail "cpu.max changed"
	# The root cgroup has no cpu.max to drive.
	expect_exit 1 stratosctl vcore limit "$CGROOT" 1
	# Not root: refused.
	expect_exit 4 setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$STRATOSCTL" vcore limit "$cg" 1
	# Removed while limited: the entry goes, nothing is left behind.
	stratosctl vcore limit "$cg" 1
	rmdir "$cg"
	sleep 0.5
	[ "$(stratosctl -j vcore show | jq length)" = 0 ] ||
		fail "a removed limited cgroup is still listed"
}

run_test "vcore limit 1.0 on fast CPUs, then moved to slow ones" test_vcore_limit_fast_slow_move
run_test "vcore limit 1.0 on slow CPUs" test_vcore_limit_slow
run_test "vcore limit restores cpu.max" test_vcore_limit_restore
run_test "vcore limit bad input" test_vcore_limit_bad_input
