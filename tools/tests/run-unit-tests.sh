#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run the unit test programs given as arguments. Each prints TAP; this
# passes it through and closes with "unit-test: N passed, N failed".
# Exits 1 if any check failed or any program failed or crashed.

passed=0
failed=0
status=0

for t in "$@"; do
	echo "# $(basename "$t")"
	out=$("$t")
	rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | grep -c '^ok ')
	f=$(printf '%s\n' "$out" | grep -c '^not ok ')
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$rc" -ne 0 ]; then
		status=1
		[ "$f" -gt 0 ] || { echo "not ok - $(basename "$t") exited with status $rc"; failed=$((failed + 1)); }
	fi
done

echo "unit-test: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || status=1
exit $status
