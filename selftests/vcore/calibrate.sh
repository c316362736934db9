# SPDX-License-Identifier: GPL-2.0
#
# vcore calibration: the built-in workload, the reference score, progress
# and bad input. Measuring an (emulated) slow class is in vcore/accuracy.
# Sourced by suite.sh.

. "$SELFTESTS/vcore/common.sh"

test_vcore_calibrate_builtin() {
	local json err ref
	vc_need_cpus 2
	trap vc_reset_factors EXIT
	load_module
	err=$(mktemp)
	# Text mode shows progress on stderr.
	stratosctl vcore calibrate 0-1 seconds 0.2 2>"$err"
	cat "$err"
	grep -q 'calibrate: CPU 1, sibling 0 busy (2/2)' "$err" ||
		fail "no progress shown"
	json=$(stratosctl -j vcore calibrate 0-1 seconds 0.3 2>/dev/null)
	echo "$json"
	[ "$(echo "$json" | jq '.cpus | length')" = 2 ] || fail "not 2 CPUs"
	# Without a reference the fastest CPU is 1.0 and the rest at most that.
	echo "$json" | jq -e '[.cpus[].idle_ppm] | max == 1000000' >/dev/null ||
		fail "fastest CPU is not 1.0"
	echo "$json" | jq -e 'all(.cpus[]; .busy_ppm <= .idle_ppm and .score_idle > 0)' >/dev/null ||
		fail "scores or factors inconsistent"
	# With a cluster reference, each factor is its score over it.
	ref=$(echo "$json" | jq '.cpus[0].score_idle * 3')
	json=$(stratosctl -j vcore calibrate 0 seconds 0.3 reference "$ref" 2>/dev/null)
	echo "$json"
	[ "$(echo "$json" | jq .reference)" = "$ref" ] || fail "reference not used"
	echo "$json" | jq -e '.cpus[0] | (.idle_ppm - .score_idle / '"$ref"' * 1000000) | fabs < 1000' >/dev/null ||
		fail "factor is not score / reference"
}

# A workload may print the CPU seconds it counted its units in after them
# (its start-up left out); a figure above the CPU time it used is not
# believed, and the whole CPU time counts then.
test_vcore_calibrate_workload_own_time() {
	local own json
	vc_need_cpus 1
	load_module
	own=$(mktemp)
	cat >"$own" <<-'EOF'
	#!/usr/bin/python3
	import sys, time
	end = time.process_time() + 0.3
	while time.process_time() < end:
	    pass
	print(600, sys.argv[1])
	EOF
	chmod +x "$own"
	json=$(stratosctl -j vcore calibrate 0 workload "$own" 0.1 2>/dev/null)
	echo "$json"
	echo "$json" | jq -e '.cpus[0].score_idle == 6000' >/dev/null ||
		fail "600 units in the workload's own 0.1 s did not score 6000"
	json=$(stratosctl -j vcore calibrate 0 workload "$own" 50 2>/dev/null)
	echo "$json"
	echo "$json" | jq -e '.cpus[0].score_idle < 2000' >/dev/null ||
		fail "a workload claiming more CPU time than it used was believed"
	rm -f "$own"
}

test_vcore_calibrate_bad_input() {
	load_module
	expect_exit 2 stratosctl vcore calibrate seconds 0
	expect_exit 2 stratosctl vcore calibrate reference -5
	expect_exit 2 stratosctl vcore calibrate frobnicate
	expect_exit 2 stratosctl vcore calibrate 5-2
	expect_exit 1 stratosctl vcore calibrate 0 seconds 0.1 workload /bin/false
	expect_output 'printed no work units' \
		stratosctl vcore calibrate 0 seconds 0.1 workload /bin/false
	expect_exit 4 setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$STRATOSCTL" vcore calibrate 0 seconds 0.1 apply
}

run_test "vcore calibrate, built-in workload" test_vcore_calibrate_builtin
run_test "vcore calibrate, workload's own CPU time" test_vcore_calibrate_workload_own_time
run_test "vcore calibrate bad input" test_vcore_calibrate_bad_input
