#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Who counts an offline task's CPU time right while the SMT expeller kicks
# it in and out: the kernel (the task's schedstat runtime, its cgroup's
# cpu.stat usage_usec) or scx_bt (bt stats runtime_ns)? Run by 'make
# bench-bt-acct' in a VM whose two vCPUs are SMT siblings. nginx and wrk
# (think time 0-8 ms) run on CPU 0; an offline task pinned to CPU 1 counts
# its loops, which is the work it got done whoever accounts it. Windows of
# SECS with the expeller off and on, twice each. With it off the task runs
# all the time: its loops per window are what a full CPU does, and the
# expeller-on rows' loops say how long it really ran there.
#
# Usage (in the VM): selftests/sched_bt/bench-acct.sh [SECS]

set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
. "$here/bt-lib.sh"
. "$here/bench-lib.sh"

secs=${1:-${BENCH_SECS:-6}}
OFF_CG=$CGROOT/stratos-acct
ON_CG=$CGROOT/stratos-acct-on
CTR=/dev/shm/stratos-acct
svc_dir=

cleanup() {
	kill_cg "$ON_CG"
	stratosctl bt disable >/dev/null 2>&1
	kill_cg "$OFF_CG"
	[ -z "$svc_dir" ] || rm -rf "$svc_dir"
	rm -f "$CTR"
	unload_module
}

# The counter: a loop that publishes its count in shared memory every
# 1024 rounds, so that reading it costs the loop nothing.
counter() {
	head -c 8 /dev/zero >"$CTR"
	in_cg "$OFF_CG" taskset -c 1 python3 -c '
import mmap, struct, sys
f = open(sys.argv[1], "r+b")
m = mmap.mmap(f.fileno(), 8)
n = 0
while True:
    n += 1
    if n & 1023 == 0:
        m[0:8] = struct.pack("Q", n)
' "$CTR"
}

loops() {
	python3 -c 'import struct, sys; print(struct.unpack("Q", open(sys.argv[1], "rb").read(8))[0])' "$CTR"
}

# figures PID: "loops schedstat_ns bt_stats_ns cpu_stat_us" now.
figures() {
	echo "$(loops) $(runtime_ns "$1")" \
		"$(bt_stat "$OFF_CG" runtime_ns) $(cg_usage_us "$OFF_CG")"
}

have_sched_ext || { echo "kernel without sched_ext"; exit 1; }
sib=$(cat /sys/devices/system/cpu/cpu0/topology/thread_siblings_list)
[ "$sib" = 0-1 ] || [ "$sib" = 0,1 ] ||
	{ echo "CPUs 0 and 1 are not SMT siblings ($sib): boot with --threads 2"; exit 1; }
trap cleanup EXIT
load_module
mkdir "$OFF_CG" "$ON_CG"
stratosctl cgroup set "$OFF_CG" class=offline
stratosctl bt enable smt-expel off >/dev/null
svc_start || exit 1
counter
pid=$!
sleep 2
echo "# $(uname -r), CPUs 0-1 SMT siblings, nginx on CPU 0, counting offline task on CPU 1, ${secs} s per row"
printf "%-10s %9s %8s %13s %13s %13s\n" mode loops_k ran_ms schedstat_ms bt_stats_ms cpu_stat_ms
full=
for mode in off on off on; do
	stratosctl bt set smt-expel "$mode" >/dev/null
	sleep 1
	read -r l0 s0 b0 u0 <<<"$(figures "$pid")"
	sleep "$secs"
	read -r l1 s1 b1 u1 <<<"$(figures "$pid")"
	# The loops of the last expeller-off window are a full CPU's.
	[ "$mode" = off ] && full=$((l1 - l0))
	printf "%-10s %9d %8d %13d %13d %13d\n" "expel-$mode" $(((l1 - l0) / 1000)) \
		$(((l1 - l0) * secs * 1000 / full)) $(((s1 - s0) / 1000000)) \
		$(((b1 - b0) / 1000000)) $(((u1 - u0) / 1000))
done
