#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The offline-class benchmark (issue 6), run in the VM by 'make bench-bt'
# (2 vCPUs, QEMU icount mode, so guest time follows executed instructions).
# Prints one table: online wakeup latency (cyclictest --policy=other) and
# the offline work done beside it, for
#   alone    no offline work
#   cfs      offline hogs as plain CFS tasks
#   idle     offline hogs in a cpu.idle=1 cgroup (mainline)
#   scx_bt   offline hogs in an offline cgroup under scx_bt
# pinned:   one cyclictest thread and one hog on CPU 0, CPU 1 idle
# unpinned: two cyclictest threads and two hogs, nothing pinned
# "offline" is the hogs' CPU time per wall second, in CPUs.
#
# The hogs' cgroup sits directly under the root, beside the online task:
# cpu.idle (and so the fallback) ranks a cgroup only against its siblings.
#
# Usage (in the VM): selftests/sched_bt/bench.sh [LOOPS]

set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
. "$here/bt-lib.sh"

loops=${1:-${BENCH_LOOPS:-5000}}
hogs=()

# latency THREADS PIN: p50 p99 p99.9 (us) of a cyclictest run.
latency() {
	local threads=$1 pin=$2 aff=
	[ "$pin" = 1 ] && aff="-a 0"
	# shellcheck disable=SC2086
	cyclictest --policy=other -q -m -i 1000 -t "$threads" $aff \
		-l "$loops" -h 30000 2>/dev/null |
	awk '
		/^[0-9]/ { for (i = 2; i <= NF; i++) n[$1 + 0] += $i }
		END {
			for (v in n) total += n[v]
			split("50 99 99.9", q, " ")
			for (k = 1; k <= 3; k++) {
				want = total * q[k] / 100; acc = 0
				for (v = 0; v <= 30000; v++) {
					acc += n[v]
					if (acc >= want) { printf "%d ", v; break }
				}
			}
		}'
}

start_hogs() {
	local cg=$1 n=$2 pin=$3 i
	hogs=()
	for i in $(seq "$n"); do
		if [ "$pin" = 1 ]; then
			hogs+=("$(hog "$cg" 0)")
		else
			hogs+=("$(hog "$cg")")
		fi
	done
}

hog_ns() {
	local p t=0
	for p in "${hogs[@]}"; do t=$((t + $(runtime_ns "$p"))); done
	echo $t
}

BENCH_CG=$CGROOT/stratos-bench

bench_cleanup() {
	[ -d "$BENCH_CG" ] || return 0
	echo 1 >"$BENCH_CG/cgroup.kill"
	while grep -q "populated 1" "$BENCH_CG/cgroup.events"; do sleep 0.1; done
	rmdir "$BENCH_CG"
}

# row MODE PIN: one table row.
row() {
	local mode=$1 pin=$2 cg= n=1 r0 r1 t0 t1 lat off
	[ "$pin" = 1 ] || n=2
	[ "$mode" = alone ] || { cg=$BENCH_CG; mkdir "$cg"; }
	case $mode in
	idle) echo 1 >"$cg/cpu.idle" ;;
	scx_bt) stratosctl cgroup set "$cg" class=offline
		stratosctl bt enable >/dev/null ;;
	esac
	hogs=()
	[ -n "$cg" ] && start_hogs "$cg" "$n" "$pin"
	sleep 0.5
	r0=$(hog_ns); t0=$(date +%s%N)
	lat=$(latency "$n" "$pin")
	r1=$(hog_ns); t1=$(date +%s%N)
	off=$(awk -v r=$((r1 - r0)) -v t=$((t1 - t0)) 'BEGIN { printf "%.2f", r / t }')
	[ -n "$cg" ] || off=-
	printf "%-9s %-7s %8s %8s %8s %8s\n" \
		"$([ "$pin" = 1 ] && echo pinned || echo unpinned)" "$mode" $lat "$off"
	[ "$mode" = scx_bt ] && stratosctl bt disable >/dev/null
	bench_cleanup
}

load_module
# The first cyclictest run of a boot reads high: warm up, discard.
latency 1 1 >/dev/null
echo "# $(uname -r), $(nproc) CPUs, cyclictest --policy=other -i 1000 -l $loops"
printf "%-9s %-7s %8s %8s %8s %8s\n" setup mode p50_us p99_us p99.9_us offline
for pin in 1 0; do
	for mode in alone cfs idle scx_bt; do
		row "$mode" "$pin"
	done
done
unload_module
