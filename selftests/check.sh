#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: host unit tests, then the VM selftests on every test kernel,
# then one summary line. The artefacts are built by make beforehand.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
out=build/check
rm -rf "$out"
mkdir -p "$out"

echo "  TEST    host unit tests"
make -s unit-test >"$out/unit.tap" 2>&1
rc=$?
# A program that does not build, or crashes before its TAP, prints no
# "not ok" of its own: make's status stands for it.
if [ "$rc" = 0 ]; then
	echo "ok - host unit tests: make unit-test exited 0" >>"$out/unit.tap"
else
	echo "not ok - host unit tests: make unit-test exited $rc (its output: $out/unit.tap)" >>"$out/unit.tap"
fi
grep -E '^(not )?ok' "$out/unit.tap" | grep -v '^ok' || true

echo "  TEST    VM selftests (stock 7.x, 6.12, debug)"
selftests/run.sh --log-dir "$out"
selftests/summary.sh "$out"
