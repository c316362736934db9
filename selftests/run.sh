#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the VM selftest suite on every test kernel and collect TAP logs.
#
#   stock   trixie-backports 7.x (sched_ext): the primary target
#   6.12    trixie's stock kernel (no sched_ext): the fallback paths
#   debug   7.x with KASAN, lockdep, kmemleak, panic_on_warn: the whole
#           suite again, plus the netlink fuzzer
#
# Each job is one boot: a kernel, a VM shape and the test groups it runs.
# Jobs are kept to a few minutes each, so that two of them keep both host
# cores busy to the end and a boot lost to the emulator (below) costs
# little to repeat.
# The shape serves every group in the job: two sockets of one core with two
# SMT threads each, one NUMA node per socket (SMT-aware scheduling and
# vcore accounting need siblings), and an ext4 scratch disk for the
# page-cache tests. Two jobs run at a time, one per host core.
#
# Usage: selftests/run.sh [--log-dir DIR] [--kernels "stock 6.12 debug"]
#                         [--fuzz-count N] [--job NAME]

set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)

logdir=$top/build/check
kernels="6.12 debug stock"
fuzz_count=${STRATOS_FUZZ_COUNT:-15000}
one=
while [ $# -gt 0 ]; do
	case "$1" in
	--log-dir) logdir=$2; shift 2 ;;
	--kernels) kernels=$2; shift 2 ;;
	--fuzz-count) fuzz_count=$2; shift 2 ;;
	--job) one=$2; shift 2 ;;
	*) echo "usage: $0 [--log-dir DIR] [--kernels LIST] [--fuzz-count N] [--job NAME]" >&2
	   exit 2 ;;
	esac
done
mkdir -p "$logdir"

CORE="core/registry core/netlink core/race"
BT="sched_bt/offline sched_bt/scx_bt sched_bt/smt"
VCORE="vcore/factors vcore/accounting vcore/limit vcore/calibrate vcore/reclaim"
# Work per guest CPU-second must be the same on every vCPU and in every
# run: only an icount VM (guest time follows executed instructions) gives
# that on a shared host.
VCORE_ICOUNT="vcore/accuracy"
PAGECACHE="pagecache/pagecache"

# job NAME: "KERNEL TIMEOUT GROUPS...", in the order they should start.
job() {
	case "$1" in
	debug-core)	echo "debug 2400 $CORE core/fuzz" ;;
	debug-bt)	echo "debug 2400 $BT" ;;
	debug-mem)	echo "debug 2400 $PAGECACHE $VCORE" ;;
	stock-bt)	echo "stock 1500 $BT" ;;
	stock)		echo "stock 1500 $CORE $PAGECACHE $VCORE" ;;
	stock-icount)	echo "stock+icount 900 $VCORE_ICOUNT" ;;
	6.12)		echo "6.12 1200 $CORE $BT $PAGECACHE $VCORE" ;;
	esac
}

# An order that keeps both slots busy to the end (by measured durations).
jobs_for() {
	local k
	for k in $kernels; do
		case "$k" in
		debug) echo debug-mem debug-bt debug-core ;;
		stock) echo stock stock-bt stock-icount ;;
		*) echo "$k" ;;
		esac
	done
}

# Only groups that exist in this tree: features land one by one.
existing_groups() {
	local g
	for g in "$@"; do
		[ -f "$here/$g.sh" ] && printf '%s ' "$g"
	done
}

# run_job NAME: one boot, its TAP in $logdir/NAME.tap, plus one test line
# for the run itself (the guest finished and its kernel log is clean).
run_job() {
	local name=$1 spec kernel timeout groups tap err rc disk env retried=0
	local icount= mem
	spec=$(job "$name")
	read -r kernel timeout groups <<<"$spec"
	# Guest time from executed instructions only, idle time included
	# (sleep=off): host load then cannot reach the measurements at all.
	[ "${kernel%+icount}" = "$kernel" ] || { kernel=${kernel%+icount}; icount=--icount-warp; }
	groups=$(existing_groups $groups)
	tap=$logdir/$name.tap
	err=$logdir/$name.err
	disk=$top/build/vm/disk-$name.img
	"$here/pagecache/mkdisk.sh" "$disk" 4096 >/dev/null 2>&1 || disk=
	env="STRATOS_FUZZ_COUNT=$fuzz_count"
	# kmemleak's scans before power-off walk every page of the guest: the
	# debug jobs need no more memory than 2 GiB.
	mem=3072
	[ "$kernel" = debug ] && mem=2048
	# Races are the debug kernel's to find (its detectors see them):
	# the other kernels run the race loops for less time.
	[ "$kernel" = debug ] || env+=" RACE_SECONDS=8"
	# The page-cache protection measurement is a figure of the primary
	# kernel: 6.12 runs the same hooks through the correctness cases, and
	# the debug kernel, which streams files several times slower, runs
	# those on half the file.
	[ "$kernel" = stock ] ||
		env+=" PC_ONLY='set_show|bad|reader|writer|hierarchy|removed|unload'"
	[ "$kernel" = debug ] && env+=" PC_STREAM_MIB=128"
	boot_job() {
		"$here/vm/run-vm.sh" --quiet --kernel "$kernel" $icount \
			--name "check-$name" --sockets 2 --threads 2 --cpus 4 \
			--numa 2 --mem "$mem" ${disk:+--disk "$disk"} \
			--timeout "$timeout" -- \
			"$env selftests/suite.sh $groups" >/dev/null 2>"$err"
	}
	boot_job
	rc=$?
	# Known emulator fault, not ours: under multi-threaded TCG a vCPU can
	# execute a stale int3 from kernel text patching (the static keys
	# sched_ext flips on enable and disable, e.g. in update_rq_clock())
	# after the patch completed, and the kernel oopses on it. Such a run
	# proves nothing either way: boot the job again (three times at
	# most), and say so in its log.
	while [ "$retried" -lt 3 ] &&
	      grep -q "Oops: int3" "$top/build/vm/check-$name/console.log" 2>/dev/null; do
		retried=$((retried + 1))
		cp "$top/build/vm/check-$name/console.log" "$logdir/$name.int3-console-$retried.log"
		"$here/pagecache/mkdisk.sh" "$disk" 4096 >/dev/null 2>&1 || disk=
		boot_job
		rc=$?
	done
	rm -f "$disk"
	if ! cp "$top/build/vm/check-$name/result/output" "$tap" 2>/dev/null; then
		echo "# $name: no test output" >"$tap"
	fi
	if grep -q "stratos-vm: FAIL" "$err"; then
		echo "not ok - $name: guest finished with a clean kernel log" >>"$tap"
		sed 's/^/# /' "$err" >>"$tap"
	else
		echo "ok - $name: guest finished with a clean kernel log" >>"$tap"
	fi
	echo "# $name: run-vm exit $rc" >>"$tap"
	[ "$retried" = 0 ] || echo "# $name: booted again $retried time(s) after an emulator int3 fault (console logs: $logdir/$name.int3-console-*.log)" >>"$tap"
	printf '  VM      %-16s %3d ok, %d not ok\n' "$name" \
		"$(grep -c '^ok' "$tap")" "$(grep -c '^not ok' "$tap")"
}

if [ -n "$one" ]; then
	run_job "$one"
	exit 0
fi

jobs_for | tr ' ' '\n' | grep . |
	xargs -P 2 -I{} "$0" --log-dir "$logdir" --fuzz-count "$fuzz_count" --job {}
exit 0
