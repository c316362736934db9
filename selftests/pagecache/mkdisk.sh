#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Make the ext4 image the page-cache tests and benchmark run on, on the
# host (the guest's root disk is read-only): a sparse file, so
# its size costs nothing until written.
#
# Usage: selftests/pagecache/mkdisk.sh FILE [SIZE_MIB]   (default 4096)

set -euo pipefail
img=${1:?usage: mkdisk.sh FILE [SIZE_MIB]}
size=${2:-4096}
mkdir -p "$(dirname "$img")"
rm -f "$img"
truncate -s "${size}M" "$img"
mkfs.ext4 -q -F -L pagecache "$img"
echo "$img"
