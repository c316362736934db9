# SPDX-License-Identifier: GPL-2.0
#
# vcore accuracy under load: limits held to 1.0 vcore +/- 3% on fast and
# slow CPUs and across a move, and calibration finding an EMULATED slow
# CPU class (slow-work.py does twice the work per unit on CPUs 2-3, since
# the VM's vCPUs all run at the same real speed). These compare CPU time
# with guest wall time, so a busy host (TCG vCPUs are host threads with no
# steal accounting) skews them: run them on a quiet host. Sourced by
# suite.sh; see common.sh for the VM it expects.
#
#   CPU    0     1     2     3
#   idle   1.0   1.0   0.6   0.6     (busy factors equal: no SMT penalty,
#   busy   1.0   1.0   0.6   0.6      so only the CPU class matters here)

. "$SELFTESTS/vcore/common.sh"

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
	mv=$(vc_mvcores "$1" 6)
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
	taskset -pc 3 "$BASHPID" >/dev/null
	# Fast CPUs: 1.0 vcore is 1.0 CPU of the two.
	vc_hogs "$cg" 0-1 2
	sleep 4
	vc_expect_one_vcore "$cg" "on CPUs 0-1"
	[ "$(cut -d' ' -f1 "$cg/cpu.max")" -le 105000 ] ||
		fail "quota on fast CPUs: $(cat "$cg/cpu.max")"
	# Move to the slow CPUs: about 1.67 CPUs buy 1.0 vcore.
	taskset -pc 0 "$BASHPID" >/dev/null
	for p in $(cat "$cg/cgroup.procs"); do
		taskset -apc 2-3 "$p" >/dev/null
	done
	sleep 4
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
	taskset -pc 0 "$BASHPID" >/dev/null
	vc_hogs "$cg" 2-3 3
	sleep 4
	vc_expect_one_vcore "$cg" "pinned to CPUs 2-3"
}

test_vcore_calibrate_emulated_slow_class() {
	local json i2
	vc_need_smt
	trap vc_reset_factors EXIT
	load_module
	json=$(SLOW_CPUS=2-3 SLOW_SCALE=2 stratosctl -j vcore calibrate seconds 0.5 \
		apply workload "$SELFTESTS/vcore/slow-work.py" 2>/dev/null)
	echo "$json"
	i2=$(stratosctl -j vcore factors show 2 | jq '.[0].idle_ppm')
	# Applied: CPU 2 does half the work per CPU-second of the fastest.
	vc_close "$i2" 500000 10 || fail "emulated slow CPU not found at 0.5"
	[ "$(stratosctl -j vcore factors show 0 | jq '.[0].idle_ppm')" -ge 900000 ] ||
		fail "fast CPU below 0.9"
}

run_test "vcore limit 1.0 on fast CPUs, then moved to slow ones" test_vcore_limit_fast_slow_move
run_test "vcore limit 1.0 on slow CPUs" test_vcore_limit_slow
run_test "vcore calibrate finds an emulated slow class" test_vcore_calibrate_emulated_slow_class
