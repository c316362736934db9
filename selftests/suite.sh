#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The VM selftest suite: runs the named test groups (files under
# selftests/, e.g. core/registry) in one boot and prints TAP. Exits non-zero
# if any test failed.
#
# Usage (inside the VM): selftests/suite.sh GROUP...

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

tap_header
echo "# kernel $(uname -r), $(nproc) CPUs"
for group in "$@"; do
	[ -f "$here/$group.sh" ] || { echo "Bail out! no test group '$group'"; exit 1; }
	echo "# group $group"
	. "$here/$group.sh"
done
tap_plan
[ "$tap_failed" = 0 ]
