#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Accuracy and consistency of vcores in one table: the labelled
# comparisons of the vcore/accounting and vcore/accuracy groups (each
# measured against its truth: cpu.stat times the factor, the limit, the
# other run, the other CPU class). Not a test: 'make bench-vcore' runs it
# in an icount VM with two cores of two SMT threads.

here=$(cd "$(dirname "$0")/.." && pwd)
VC_FIGURES=$(mktemp)
export VC_FIGURES

"$here/suite.sh" vcore/accounting vcore/accuracy >"$VC_FIGURES.tap"
grep -E '^(not ok|ok .*# SKIP)' "$VC_FIGURES.tap"

echo "# vcore accuracy, $(uname -r), $(nproc) CPUs, guest time from icount"
printf "%-66s %12s %12s %8s %6s\n" figure measured truth error bound
awk -F'|' '{ printf "%-66s %12s %12s %7s%% %5s%%\n", $1, $2, $3, $4, $5 }' "$VC_FIGURES"
rm -f "$VC_FIGURES" "$VC_FIGURES.tap"
