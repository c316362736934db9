#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo, run inside the VM by 'make demo': load stratos.ko, show what it
# reports about this kernel, make a cgroup offline, run batch work in it
# beside online work, and show what the offline class did. The selftest
# "core: make demo runs" runs it too, so that it keeps working.
set -euo pipefail
. /src/selftests/lib.sh

demo=$CGROOT/demo
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	if [ -d /sys/module/stratos ]; then
		"$STRATOSCTL" bt disable >/dev/null 2>&1 || true
	fi
	rmdir "$demo/batch" "$demo" 2>/dev/null || true
	if [ -d /sys/module/stratos ]; then
		rmmod stratos || true
	fi
}
trap cleanup EXIT

# busy CGROUP: a busy loop started inside CGROUP; prints its pid.
busy() {
	bash -c 'echo $$ >"$1/cgroup.procs"; while :; do :; done' busy "$1" \
		>/dev/null 2>&1 &
	echo $!
}

echo "== loading $STRATOS_BUILD/stratos.ko"
insmod "$STRATOS_BUILD/stratos.ko"
echo "== stratosctl info"
stratosctl info

echo "== stratosctl cgroup set /demo/batch class offline weight 50"
mkdir -p "$demo/batch"
# The offline class needs the cpu controller on the cgroup (its fallback
# is cpu.idle), as a pod's cgroup has it under an agent.
echo +cpu >"$demo/cgroup.subtree_control"
stratosctl cgroup set /demo/batch class offline weight 50
stratosctl cgroup list

ext=0
stratosctl info | grep -q '^features.* sched_ext' && ext=1
if [ "$ext" = 1 ]; then
	echo "== stratosctl bt enable: the offline class's BPF scheduler"
	stratosctl bt enable
else
	echo "== no sched_ext in this kernel: offline cgroups use cpu.idle"
fi
stratosctl bt status

echo "== a batch busy loop on every CPU, and one online busy loop"
for _ in $(seq "$(nproc)"); do
	pids+=("$(busy "$demo/batch")")
done
pids+=("$(busy "$CGROOT")")
sleep 3
echo "online loop: $(awk '{ print $14 + $15 }' "/proc/${pids[-1]}/stat") ticks of CPU in 3 s (a whole CPU: $((3 * $(getconf CLK_TCK))))"
echo "batch policy: $(awk '/^policy/ { print $3 }' "/proc/${pids[0]}/sched") (7 is SCHED_EXT, 0 SCHED_NORMAL under cpu.idle)"
[ "$ext" = 0 ] || stratosctl bt stats

echo "== removing the cgroup removes its entry"
for p in "${pids[@]}"; do
	kill "$p"
done
wait 2>/dev/null || true
pids=()
stratosctl bt disable >/dev/null 2>&1 || true
rmdir "$demo/batch" "$demo"
sleep 0.5
stratosctl cgroup list
rmmod stratos
echo "== done"
