#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Overhead of vcore accounting on context switches: 'perf bench sched
# pipe' and hackbench, without stratos.ko and with it loaded and the
# benchmark's own cgroup accounted, interleaved A/B over ROUNDS rounds in
# one boot; prints the medians and their ratio. For scale, pipe also runs
# with the sched:sched_switch trace event enabled (tracing off, module
# unloaded): what watching every switch costs a tracing-based accountant
# before it does any work. Not a test: run it with 'make bench-vcore',
# which boots an icount VM (guest time follows executed instructions, so
# host load does not leak into the figures).

here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/lib.sh"

ROUNDS=${ROUNDS:-5}
PIPE_LOOPS=${PIPE_LOOPS:-20000}
HB_LOOPS=${HB_LOOPS:-100}
out=$(mktemp -d)
trace=/sys/kernel/tracing

pipe_once() {
	perf bench sched pipe -l "$PIPE_LOOPS" 2>/dev/null |
		awk '/Total time/ { print $3 }'
}

hb_once() {
	hackbench -p -g 1 -l "$HB_LOOPS" 2>/dev/null | awk '/^Time/ { print $2 }'
}

switch_event() {
	echo 0 >"$trace/tracing_on"
	echo "$1" >"$trace/events/sched/sched_switch/enable"
}

# Both modes run in the same cgroup: a nested cgroup with the cpu and
# memory controllers costs a context switch more than the root does (group
# scheduling, memcg charging of pipe buffers), and that is not ours to
# count.
cg=$(cg_create bench)
echo $$ >"$cg/cgroup.procs"

# run MODE: one round of each benchmark in MODE (off or on).
run() {
	if [ "$1" = on ]; then
		load_module
		stratosctl vcore account "$cg"
	else
		unload_module
	fi
	pipe_once >>"$out/pipe.$1"
	hb_once >>"$out/hb.$1"
}

median() {
	sort -g "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# row LABEL FILE-WITHOUT FILE-WITH
row() {
	local off on
	off=$(median "$out/$2")
	on=$(median "$out/$3")
	awk -v n="$1" -v a="$off" -v b="$on" \
		'BEGIN { printf "%-44s %10.4f %10.4f %8.4f\n", n, a, b, b / a }'
}

for _ in $(seq "$ROUNDS"); do
	run off
	switch_event 1
	pipe_once >>"$out/pipe.trace"
	switch_event 0
	run on
done
echo $$ >"$CGROOT/cgroup.procs"
cg_cleanup
unload_module

echo "# vcore accounting overhead, $(uname -r), $(nproc) CPUs, $ROUNDS rounds, medians (s)"
printf "%-44s %10s %10s %8s\n" benchmark without with ratio
row "perf bench sched pipe -l $PIPE_LOOPS" pipe.off pipe.on
row "hackbench -p -g 1 -l $HB_LOOPS" hb.off hb.on
row "pipe, sched_switch trace event instead" pipe.off pipe.trace
rm -rf "$out"
