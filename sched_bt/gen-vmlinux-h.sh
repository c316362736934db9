#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Write vmlinux.h for a target kernel from its BTF. Runs inside the build
# root (selftests/vm/in-root.sh), where the Debian kernel image lives.
#
# Usage: gen-vmlinux-h.sh RELEASE OUT
#
# The BTF is taken from /sys/kernel/btf/vmlinux when the running kernel is
# RELEASE, otherwise from the image: Debian's vmlinuz carries the kernel
# ELF as a zstd frame behind the boot stub, found by its magic 28 b5 2f fd.
set -eu
rel=$1 out=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ "$(uname -r)" = "$rel" ] && [ -r /sys/kernel/btf/vmlinux ]; then
	btf=/sys/kernel/btf/vmlinux
else
	img=/boot/vmlinuz-$rel
	[ -r "$img" ] || { echo "$0: no $img" >&2; exit 1; }
	off=$(python3 -c '
import sys
data = open(sys.argv[1], "rb").read()
i = data.find(b"\x28\xb5\x2f\xfd")
if i < 0:
    sys.exit("no zstd payload in " + sys.argv[1])
print(i)' "$img")
	# zstd complains about the bytes after the frame; the ELF is whole.
	tail -c +"$((off + 1))" "$img" | zstd -dcq >"$tmp/vmlinux" 2>/dev/null || true
	[ -s "$tmp/vmlinux" ] || { echo "$0: cannot unpack $img" >&2; exit 1; }
	btf=$tmp/vmlinux
fi
bpftool btf dump file "$btf" format c >"$tmp/vmlinux.h"
mv "$tmp/vmlinux.h" "$out"
