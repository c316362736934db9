#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the VM selftest suite on every test kernel and collect TAP logs:
#
#   stock   trixie-backports 7.x (sched_ext): the primary target
#   6.12    trixie's stock kernel (no sched_ext): the fallback paths
#   debug   7.x with KASAN, lockdep, kmemleak, panic_on_warn: the same
#           suite plus race tests and the netlink fuzzer
#
# The debug run is the slowest, so it starts first and the two stock runs
# go one after the other beside it: two guests at a time for two cores.
#
# Usage: selftests/run.sh [--log-dir DIR] [--kernels "stock 6.12 debug"]
#                         [--fuzz-count N]

set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)

logdir=$top/build/check
kernels="debug stock 6.12"
fuzz_count=${STRATOS_FUZZ_COUNT:-100000}
while [ $# -gt 0 ]; do
	case "$1" in
	--log-dir) logdir=$2; shift 2 ;;
	--kernels) kernels=$2; shift 2 ;;
	--fuzz-count) fuzz_count=$2; shift 2 ;;
	*) echo "usage: $0 [--log-dir DIR] [--kernels LIST] [--fuzz-count N]" >&2
	   exit 2 ;;
	esac
done
mkdir -p "$logdir"

groups_for() {
	case "$1" in
	stock) echo "core/registry core/netlink core/race" ;;
	6.12) echo "core/registry core/netlink" ;;
	debug) echo "core/registry core/netlink core/race core/fuzz" ;;
	esac
}

timeout_for() {
	case "$1" in
	debug) echo 2400 ;;
	*) echo 900 ;;
	esac
}

# run_kernel K: one boot, its TAP in $logdir/K.tap, plus one test line for
# the run itself (guest finished, kernel log clean).
run_kernel() {
	local k=$1 tap=$logdir/$1.tap err=$logdir/$1.err rc
	rm -f "$tap" "$err"
	"$here/vm/run-vm.sh" --quiet --kernel "$k" --name "check-$k" \
		--timeout "$(timeout_for "$k")" -- \
		"STRATOS_FUZZ_COUNT=$fuzz_count selftests/suite.sh $(groups_for "$k")" \
		>/dev/null 2>"$err"
	rc=$?
	cp "$top/build/vm/check-$k/result/output" "$tap" 2>/dev/null ||
		echo "# $k: no test output" >"$tap"
	if grep -q "stratos-vm: FAIL" "$err"; then
		echo "not ok - $k: guest finished with a clean kernel log" >>"$tap"
		sed 's/^/# /' "$err" >>"$tap"
	else
		echo "ok - $k: guest finished with a clean kernel log" >>"$tap"
	fi
	echo "# $k: run-vm exit $rc" >>"$tap"
	echo "  VM      $k: $(grep -c '^ok' "$tap") ok, $(grep -c '^not ok' "$tap") not ok"
}

pids=()
for k in $kernels; do
	if [ "$k" = debug ]; then
		run_kernel debug &
		pids+=($!)
	fi
done
for k in $kernels; do
	[ "$k" = debug ] || run_kernel "$k"
done
for p in "${pids[@]}"; do
	wait "$p"
done
exit 0
