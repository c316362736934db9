#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# How the disk's readahead window meets a small page-cache limit: a
# sequential reader of a FILE_MIB file in a cgroup limited to LIMIT_MIB,
# for several read_ahead_kb values, against no limit. Prints what the
# reader brought into the page cache (pages reclaimed plus pages left,
# from the module's counters), how much of it memory.stat counted as
# refaults (pages read again soon after reclaim took them) and its wall
# time. A measurement, not a test (Documentation/pagecache.rst,
# "Readahead"). Runs in the VM, on the virtio disk:
#
#   selftests/pagecache/mkdisk.sh build/pagecache/disk.img
#   selftests/vm/run-vm.sh --disk build/pagecache/disk.img --name ra \
#       -- selftests/pagecache/readahead.sh [LIMIT_MIB [FILE_MIB]]

set -euo pipefail
. "$(dirname "$0")/../lib.sh"

LIMIT_MIB=${1:-16}
FILE_MIB=${2:-160}
FS=/tmp/readahead-fs

modprobe virtio_blk 2>/dev/null || true
modprobe ext4 2>/dev/null || true
wait_for 10 test -b /dev/vda ||
	{ echo "readahead.sh needs a virtio disk (run-vm.sh --disk)" >&2; exit 1; }
mkdir -p "$FS"
mountpoint -q "$FS" || mount -t ext4 /dev/vda "$FS"
load_module
dd if=/dev/zero of="$FS/file" bs=1M count="$FILE_MIB" status=none
sync
grep -qw memory "$CGROOT/cgroup.subtree_control" ||
	echo +memory >"$CGROOT/cgroup.subtree_control"
cg=$CGROOT/stratos-readahead
rmdir "$cg" 2>/dev/null || true

# one LIMIT_MIB|none: read the file once in a fresh cgroup, print
# "MiB-added seconds MiB-refaulted".
one() {
	local t0 t1 added=- refaults

	mkdir "$cg"
	[ "$1" = none ] || stratosctl pagecache set "$cg" "${1}M"
	echo 3 >/proc/sys/vm/drop_caches
	t0=$(date +%s%N)
	sh -c 'echo $$ >"$0/cgroup.procs" && exec dd if="$1" of=/dev/null bs=1M status=none' \
		"$cg" "$FS/file"
	t1=$(date +%s%N)
	refaults=$(awk '$1 == "workingset_refault_file" { print $2 }' "$cg/memory.stat")
	if [ "$1" != none ]; then
		added=$(stratosctl -j pagecache show "$cg" |
			jq '(.reclaimed + .current) / 1048576 | floor')
		stratosctl pagecache del "$cg"
	fi
	rmdir "$cg"
	awk -v a="$added" -v t=$((t1 - t0)) -v r="$refaults" \
		-v p="$(getconf PAGESIZE)" 'BEGIN { printf "%s %.2f %d", a, t / 1e9, r * p / 1048576 }'
}

dev=/sys/block/vda/queue
ra0=$(cat "$dev/read_ahead_kb")
printf '%s MiB file, %s MiB limit, kernel %s (read_ahead_kb %s, max_sectors_kb %s)\n\n' \
	"$FILE_MIB" "$LIMIT_MIB" "$(uname -r)" "$ra0" "$(cat "$dev/max_sectors_kb")"
printf '%-14s %-10s %-14s %-10s %s\n' read_ahead_kb "MiB added" "MiB refaulted" seconds "seconds, no limit"
for ra in 128 1024 4096 "$ra0"; do
	echo "$ra" >"$dev/read_ahead_kb"
	limited=$(one "$LIMIT_MIB")
	alone=$(one none)
	read -r added secs refaulted <<<"$limited"
	printf '%-14s %-10s %-14s %-10s %s\n' "$ra" "$added" "$refaulted" "$secs" "$(echo "$alone" | cut -d' ' -f2)"
done
echo "$ra0" >"$dev/read_ahead_kb"
