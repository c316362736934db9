# SPDX-License-Identifier: GPL-2.0
#
# vcore limits: cpu.max restored afterwards, bad input, removal while
# limited. The accuracy of limits is in vcore/accuracy. Sourced by
# suite.sh; see common.sh for the VM it expects.
#
#   CPU    0     1     2     3
#   idle   1.0   1.0   0.6   0.6     (busy factors equal: no SMT penalty,
#   busy   1.0   1.0   0.6   0.6      so only the CPU class matters here)

. "$SELFTESTS/vcore/common.sh"

# vc_quota_writes CGROUP_DIR: the limit's count of cpu.max writes.
vc_quota_writes() {
	stratosctl -j vcore show "$1" | jq -e .quota_writes
}

test_vcore_limit_restore() {
	local cg w
	trap vc_limit_cleanup EXIT
	load_module
	vc_cpu_controller
	cg=$(cg_create lim)
	echo "300000 100000" >"$cg/cpu.max"
	stratosctl vcore limit "$cg" 0.5
	sleep 0.3
	[ "$(cat "$cg/cpu.max")" != "300000 100000" ] || fail "cpu.max untouched"
	# The loop counts its writes: one at least; a new limit is another.
	w=$(vc_quota_writes "$cg")
	[ "$w" -ge 1 ] || fail "quota_writes $w after setting a limit"
	stratosctl vcore show "$cg" | grep -Eq " writes [1-9][0-9]*( |$)" ||
		fail "no writes in: $(stratosctl vcore show "$cg")"
	stratosctl vcore limit "$cg" 0.25
	sleep 0.3
	[ "$(vc_quota_writes "$cg")" -gt "$w" ] ||
		fail "quota_writes stayed $w after the limit halved"
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

run_test "vcore limit restores cpu.max" test_vcore_limit_restore
run_test "vcore limit bad input" test_vcore_limit_bad_input
