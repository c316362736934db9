#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Count the TAP results in DIR/*.tap, list the skips, the slowest tests and
# the failures, and print the closing "N passed, N failed" line. "not ok
# ... # TODO" is a known, documented defect that a test detected (lib.sh):
# listed, not a failure. Exits non-zero on any failure, or if nothing ran
# at all.
#
# CI shows only the end of this output, so the failures come last, just
# above the totals, each with the diagnostics that say why.

dir=${1:?usage: summary.sh DIR}
passed=0 failed=0 skipped=0 todo=0
for tap in "$dir"/*.tap; do
	[ -f "$tap" ] || continue
	p=$(grep -E '^ok' "$tap" | grep -vc '# SKIP')
	s=$(grep -Ec '^ok .*# SKIP' "$tap")
	f=$(grep -E '^not ok' "$tap" | grep -vc '# TODO')
	t=$(grep -Ec '^not ok .*# TODO' "$tap")
	passed=$((passed + p)) skipped=$((skipped + s)) failed=$((failed + f))
	todo=$((todo + t))
	grep -E '^ok .*# SKIP' "$tap" | sed "s|^|  SKIP $(basename "$tap" .tap): |"
done
# The slowest tests, to keep a warm make check short. The guest measures
# them; under icount its clock follows executed instructions, not the
# host's: the stock-icount job, whose end-to-end case read 234 s, took
# 149 s of the host's in all.
echo "  slowest:"
for tap in "$dir"/*.tap; do
	[ -f "$tap" ] || continue
	awk -v job="$(basename "$tap" .tap)" '
		/^(not )?ok/ { name = $0; sub(/^(not )?ok [0-9]+ - /, "", name) }
		/^# time [0-9]+ s$/ {
			printf "%6d s  %s: %s%s\n", $3, job, name,
			       job ~ /icount/ ? " (guest time)" : ""
		}' "$tap"
done | sort -rn | head -n 8
# A test's failure is explained by the last lines of its diagnostics. A
# boot's kernel log verdict (run.sh) carries the report itself, which
# says what went wrong at its head: the report's first 30 lines, without
# the unreliable "? " frames of its call trace.
for tap in "$dir"/*.tap; do
	[ -f "$tap" ] || continue
	awk -v job="$(basename "$tap" .tap)" '
		function flush(i, lo, hi) {
			lo = n > 6 ? n - 6 : 0
			hi = n
			if (klog) {
				lo = 0
				hi = n > 30 ? 30 : n
			}
			for (i = lo; i < hi; i++)
				print "        " d[i]
			n = 0
		}
		/^not ok .*# TODO/ { flush(); print "  TODO " job ": " $0; on = 1; klog = 0; next }
		/^not ok/ {
			flush(); print "  FAIL " job ": " $0; on = 1
			klog = /guest finished with a clean kernel log/
			next
		}
		/^#  +\? / && on && klog { next }
		/^# / && on { d[n++] = $0; next }
		{ if (on) flush(); on = 0 }
		END { if (on) flush() }' "$tap"
done
echo "$passed passed, $failed failed, $skipped skipped, $todo known defects (TODO)"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
