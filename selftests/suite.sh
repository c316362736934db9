#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The VM selftest suite: runs the named test groups (files under
# selftests/, e.g. core/registry) in one boot and prints TAP. Exits non-zero
# if any test failed.
#
# Usage (inside the VM): selftests/suite.sh GROUP...

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

# Keep the tracepoints stratos.ko attaches to enabled for the whole suite
# (run-vm.sh enables them at boot, on one CPU; this is for other boots),
# with tracing itself off so that nothing is recorded. Loading or unloading
# the module then adds or removes a probe without flipping the tracepoints'
# static keys. The suite loads and unloads it hundreds of times, and each
# flip patches kernel text, which trips a fault of multi-threaded TCG (QEMU
# 7.2): a vCPU executes a stale int3 after the patch completed and the
# guest oopses in __schedule() or kernel_clone(). The module's behaviour is
# the same either way. (sched_ext's own keys, flipped by scx_bt, remain.)
hold_tracepoints() {
	local t=/sys/kernel/tracing ev

	[ -d "$t/events" ] || return 0
	echo 0 >"$t/tracing_on"
	for ev in sched/sched_switch sched/sched_waking sched/sched_process_fork \
		  cgroup/cgroup_attach_task cgroup/cgroup_rmdir; do
		echo 1 >"$t/events/$ev/enable" 2>/dev/null || true
	done
}

hold_tracepoints
tap_header
echo "# kernel $(uname -r), $(nproc) CPUs"
for group in "$@"; do
	[ -f "$here/$group.sh" ] || { echo "Bail out! no test group '$group'"; exit 1; }
	echo "# group $group"
	# shellcheck source=/dev/null # one of the groups, by name
	. "$here/$group.sh"
done
tap_plan
[ "$tap_failed" = 0 ]
