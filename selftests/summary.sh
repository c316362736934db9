#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Count the TAP results in DIR/*.tap, list the failures and print the
# closing "N passed, N failed" line. Exits non-zero on any failure, or if
# nothing ran at all.

dir=${1:?usage: summary.sh DIR}
passed=0 failed=0 skipped=0
for tap in "$dir"/*.tap; do
	[ -f "$tap" ] || continue
	p=$(grep -E '^ok' "$tap" | grep -vc '# SKIP')
	s=$(grep -Ec '^ok .*# SKIP' "$tap")
	f=$(grep -Ec '^not ok' "$tap")
	passed=$((passed + p)) skipped=$((skipped + s)) failed=$((failed + f))
	grep -E '^not ok' "$tap" | sed "s|^|  FAIL $(basename "$tap" .tap): |"
	grep -E '^ok .*# SKIP' "$tap" | sed "s|^|  SKIP $(basename "$tap" .tap): |"
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
