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
grep -E '^(not )?ok' "$out/unit.tap" | grep -v '^ok' || true

echo "  TEST    VM selftests (stock 7.x, 6.12, debug)"
selftests/run.sh --log-dir "$out"
selftests/summary.sh "$out"
