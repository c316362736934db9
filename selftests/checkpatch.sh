#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# checkpatch.pl --strict on the module sources, with the script from the
# debug kernel's source tree. Runs inside the build chroot (make checkpatch).
set -e
tree=$(ls -d /cache/linux-debug-*/ 2>/dev/null | head -n1)
[ -n "$tree" ] || { echo "checkpatch: build the debug kernel first (make debug-kernel)" >&2; exit 1; }
cd /src
exec perl "$tree/scripts/checkpatch.pl" --strict --no-tree --terse \
	-f kmod/*.[ch] include/uapi/linux/stratos.h
