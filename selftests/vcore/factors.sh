# SPDX-License-Identifier: GPL-2.0
#
# vcore capacity factors: defaults, setting by hand, runtime changes and
# bad input. Sourced by suite.sh; see common.sh for the VM it expects.

. "$SELFTESTS/vcore/common.sh"

test_vcore_factor_defaults() {
	local json n
	load_module
	vc_reset_factors
	json=$(stratosctl -j vcore factors)
	echo "$json"
	n=$(echo "$json" | jq length)
	[ "$n" -ge "$(nproc)" ] || fail "$n CPUs reported, $(nproc) online"
	# x86 without hybrid capacities: cpu_capacity is 1024, one vcore.
	echo "$json" | jq -e 'all(.[]; .default_idle_ppm == 1000000)' >/dev/null ||
		fail "default idle factor is not cpu_capacity/1024"
	echo "$json" | jq -e 'all(.[]; .idle_ppm == .default_idle_ppm and .busy_ppm == .default_busy_ppm)' >/dev/null ||
		fail "factors are not the defaults after reset"
	# With an SMT sibling the busy default is 5/8 of idle, without it equal.
	echo "$json" | jq -e 'all(.[]; if .sibling != null then .default_busy_ppm == 625000 else .default_busy_ppm == .default_idle_ppm end)' >/dev/null ||
		fail "busy default wrong"
}

test_vcore_factor_set_show() {
	local json
	vc_need_cpus 3
	trap vc_reset_factors EXIT
	load_module
	stratosctl vcore factors set 0 idle 1.25 busy 0.75
	stratosctl vcore factors set 1-2 idle=0.5 busy=0.4
	json=$(stratosctl -j vcore factors show 0-2)
	echo "$json"
	[ "$(echo "$json" | jq length)" = 3 ] || fail "show 0-2 did not list 3 CPUs"
	[ "$(echo "$json" | jq '.[0].idle_ppm, .[0].busy_ppm' | xargs)" = "1250000 750000" ] ||
		fail "CPU 0 factors not set"
	[ "$(echo "$json" | jq '.[1].idle_ppm' )" = 500000 ] || fail "CPU 1 idle"
	expect_output 'idle 1.250 busy 0.750' stratosctl vcore factors show 0
	# A factor left out keeps its value.
	stratosctl vcore factors set 0 busy 0.5
	expect_output 'idle 1.250 busy 0.500' stratosctl vcore factors show 0
	stratosctl vcore factors reset 0
	expect_output 'idle 1.000 busy 0.625' stratosctl vcore factors show 0
}

test_vcore_factor_bad_input() {
	local off=
	trap 'vc_reset_factors; [ -z "$off" ] || echo 1 >/sys/devices/system/cpu/cpu$off/online' EXIT
	load_module
	vc_reset_factors
	expect_exit 2 stratosctl vcore factors set 0 idle 0
	expect_output 'out of range' stratosctl vcore factors set 0 idle 0
	expect_exit 2 stratosctl vcore factors set 0 idle 4.5
	expect_exit 2 stratosctl vcore factors set 0 idle -1
	expect_exit 2 stratosctl vcore factors set 0 idle 1.0000001
	expect_exit 2 stratosctl vcore factors set 0 idle abc
	expect_exit 2 stratosctl vcore factors set 0 idle 0.5 busy 0.6
	expect_output 'above idle' stratosctl vcore factors set 0 idle 0.5 busy 0.6
	expect_exit 2 stratosctl vcore factors set 0
	expect_exit 2 stratosctl vcore factors set 3-1 idle 1
	expect_exit 2 stratosctl vcore factors set 0 speed 1
	# The kernel judges a busy factor above the CPU's current idle factor.
	stratosctl vcore factors set 0 idle 0.5 busy 0.5
	expect_exit 1 stratosctl vcore factors set 0 busy 0.9
	expect_output 'busy-sibling factor 900000 above idle factor 500000' \
		stratosctl vcore factors set 0 busy 0.9
	# Unknown CPU.
	expect_exit 1 stratosctl vcore factors set 4000 idle 1
	expect_output 'no such CPU' stratosctl vcore factors set 4000 idle 1
	# Offline CPU: the kernel refuses it by name.
	if [ -w /sys/devices/system/cpu/cpu3/online ]; then
		off=3
		echo 0 >/sys/devices/system/cpu/cpu3/online
		expect_exit 1 stratosctl vcore factors set 3 idle 1
		expect_output 'CPU 3 is offline' stratosctl vcore factors set 3 idle 1
	fi
	# 'all' passes over offline CPUs.
	stratosctl vcore factors set all idle 1 busy 0.5
	if [ -n "$off" ]; then
		echo 1 >/sys/devices/system/cpu/cpu3/online
		off=
	fi
	# Nothing was changed by the refused requests but the accepted ones.
	expect_output 'idle 1.000 busy 0.500' stratosctl vcore factors show 0
	# Changes need CAP_NET_ADMIN.
	expect_exit 4 setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$STRATOSCTL" vcore factors set 0 idle 1
	# Reading does not.
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$STRATOSCTL" vcore factors show 0 >/dev/null
}

test_vcore_help() {
	expect_output 'Usage' stratosctl vcore help
	expect_output 'factors set CPUS' stratosctl vcore factors -h
	expect_output 'calibrate' stratosctl help vcore
	expect_exit 2 stratosctl vcore frobnicate
}

run_test "vcore factor defaults from cpu_capacity" test_vcore_factor_defaults
run_test "vcore factors set and show" test_vcore_factor_set_show
run_test "vcore factors bad input" test_vcore_factor_bad_input
run_test "vcore help" test_vcore_help
