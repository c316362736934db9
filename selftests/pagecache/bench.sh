#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Page-cache limit benchmark (make bench-pagecache): runs in the VM, on
# ext4 on the virtio disk, and prints one table comparing, side by side in
# one boot,
#   stratos   stratosctl pagecache set JOB LIMIT (mode sync)
#   poller    a 100 ms shell loop reading memory.stat, writing memory.reclaim
#   mem.high  memory.high set once to the job's anon usage plus LIMIT
#   none      no limit
# on two workloads: a pure stream of a file 8x the limit, and a job whose
# anonymous memory grows while it streams (touch 128M, stream half, touch
# 256M more, stream the rest). An online cgroup re-reads a hot file the
# whole time; its share of the hot file still cached at the end is shown.
#
# Usage (in the VM): selftests/pagecache/bench.sh [LIMIT_MIB] [FILE_MIB]

set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"

LIMIT_MIB=${1:-64}
FILE_MIB=${2:-$((LIMIT_MIB * 8))}
HOT_MIB=32
# A python3 interpreter's own anonymous memory, generously.
PY_ANON=$((16 << 20))
JOB_TIMEOUT=${PC_BENCH_TIMEOUT:-60}
MIB=$((1 << 20))
LIMIT=$((LIMIT_MIB * MIB))
FS=/tmp/pagecache-fs
CG=$CGROOT/pc-bench
SAMPLE=$here/pc_sample.py
# shellcheck disable=SC2016
PC_IN=(sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"')

setup() {
	modprobe ext4 2>/dev/null || true
	modprobe virtio_blk 2>/dev/null || true
	for _ in $(seq 50); do [ -b /dev/vda ] && break; sleep 0.1; done
	[ -b /dev/vda ] || { echo "bench-pagecache needs a virtio disk (/dev/vda)" >&2; exit 1; }
	mkdir -p "$FS"
	mountpoint -q "$FS" || mount -t ext4 /dev/vda "$FS"
	for f in stream:$FILE_MIB hot:$HOT_MIB; do
		if [ "$(stat -c %s "$FS/${f%%:*}" 2>/dev/null)" != $((${f#*:} * MIB)) ]; then
			dd if=/dev/zero of="$FS/${f%%:*}" bs=1M count="${f#*:}" status=none
		fi
	done
	sync
	load_module
	mkdir -p "$CG"
	echo +memory >"$CG/cgroup.subtree_control"
}

# The job: python, so that anon touching and streaming are one process
# timed by itself. Prints its time and its streaming throughput.
job() {
	python3 - "$1" "$2" <<'EOF'
import sys, time
path, kind = sys.argv[1], sys.argv[2]
buf = bytearray(1 << 20)
hold = []
def stream(f, n):
    got = 0
    while got < n:
        r = f.readinto(buf)
        if not r:
            break
        got += r
    return got
t0 = time.monotonic()
size = 0
spent = 0.0
with open(path, "rb", buffering=0) as f:
    total = f.seek(0, 2)
    f.seek(0)
    if kind == "grow":
        hold.append(b"a" * (128 << 20))
    s = time.monotonic()
    size += stream(f, total // 2 if kind == "grow" else total)
    spent += time.monotonic() - s
    if kind == "grow":
        hold.append(b"b" * (256 << 20))
        s = time.monotonic()
        size += stream(f, total)
        spent += time.monotonic() - s
t = time.monotonic() - t0
print("%.2f %.1f" % (t, size / spent / 1e6 if spent else 0))
EOF
}

poller() {
	local cg=$1 file
	while :; do
		file=$(awk '$1 == "file" { print $2 }' "$cg/memory.stat")
		if [ "$file" -gt "$LIMIT" ]; then
			echo "$((file - LIMIT)) swappiness=0" >"$cg/memory.reclaim" 2>/dev/null || true
		fi
		sleep 0.1
	done
}

online() {
	while :; do
		cat "$FS/hot" >/dev/null
		sleep 0.05
	done
}

pressure_us() {
	awk '/^some/ { sub("total=", "", $5); print $5 }' "$1/memory.pressure"
}

# run CONFIG WORKLOAD: one measurement; appends a result line.
run() {
	local conf=$1 kind=$2 job_cg=$CG/job-$1-$2 on_cg=$CG/online-$1-$2
	local out res spid opid ppid="" rc=0 hot t tput peak high psi
	echo "bench-pagecache: $conf $kind" >&2
	mkdir -p "$job_cg" "$on_cg"
	echo 1 >/proc/sys/vm/drop_caches
	"${PC_IN[@]}" "$on_cg" bash -c "$(declare -f online); FS=$FS online" &
	opid=$!
	sleep 2
	case $conf in
	stratos) stratosctl pagecache set "$job_cg" "${LIMIT_MIB}M" ;;
	poller) poller "$job_cg" & ppid=$! ;;
	# Set once, before the job starts: its anon then is the interpreter
	# (PY_ANON) plus, for the growing job, its first 128 MiB.
	mem.high)
		if [ "$kind" = grow ]; then
			echo $((PY_ANON + 128 * MIB + LIMIT)) >"$job_cg/memory.high"
		else
			echo $((PY_ANON + LIMIT)) >"$job_cg/memory.high"
		fi ;;
	esac
	out=$(mktemp)
	python3 "$SAMPLE" "$job_cg" >"$out" 2>"$out.err" &
	spid=$!
	for _ in $(seq 600); do
		grep -q sampling "$out.err" && break
		sleep 0.1
	done
	res=$(timeout "$JOB_TIMEOUT" "${PC_IN[@]}" "$job_cg" bash -c \
		"$(declare -f job); job $FS/stream $kind") || rc=$?
	kill -TERM "$spid"
	wait "$spid" || true
	[ -n "$ppid" ] && kill "$ppid"
	hot=$(python3 "$here/pc_resident.py" "$FS/hot")
	kill "$opid"
	wait "$opid" 2>/dev/null || true
	peak=$(awk '{ print $2 }' "$out")
	high=$(awk '$1 == "high" { print $2 }' "$job_cg/memory.events")
	psi=$(pressure_us "$job_cg")
	if [ "$rc" = 0 ]; then
		t=${res% *}
		tput=${res#* }
	else
		t=">$JOB_TIMEOUT"
		tput=-
	fi
	[ "$conf" = stratos ] && stratosctl pagecache clear "$job_cg"
	echo "$conf $kind $(((peak - LIMIT) / MIB)) $tput $t $high $((psi / 1000)) $hot" >>"$RESULTS"
	# A job stuck in memory.high throttling dies with its cgroup.
	echo 1 >"$job_cg/cgroup.kill" 2>/dev/null || true
	sleep 1
	rmdir "$job_cg" "$on_cg" 2>/dev/null || true
	rm -f "$out" "$out.err"
}

table() {
	local kind row
	printf '\n%s MiB limit, %s MiB file, %s vCPUs, kernel %s\n' \
		"$LIMIT_MIB" "$FILE_MIB" "$(nproc)" "$(uname -r)"
	for kind in stream grow; do
		printf '\nworkload: %s\n' "$kind"
		printf '%-34s %10s %10s %10s %10s\n' "" stratos poller mem.high none
		for row in "3:peak file over limit (MiB)" "4:reader throughput (MB/s)" \
			   "5:job completion (s)" "6:memory.high events" \
			   "7:memory pressure some (ms)" "8:online hot file cached (%)"; do
			printf '%-34s' "${row#*:}"
			for conf in stratos poller mem.high none; do
				printf ' %10s' "$(awk -v c="$conf" -v k="$kind" -v f="${row%%:*}" \
					'$1 == c && $2 == k { print $f }' "$RESULTS")"
			done
			printf '\n'
		done
	done
}

RESULTS=$(mktemp)
# Stray background jobs would hold the console pipe open and stall the VM.
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
setup
for kind in stream grow; do
	for conf in stratos poller mem.high none; do
		run "$conf" "$kind"
	done
done
table
rmdir "$CG" 2>/dev/null || true
