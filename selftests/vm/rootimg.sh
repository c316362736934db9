#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The VM's root disk: the root filesystem tree (rootfs.sh) copied into a
# read-only ext4 image, which run-vm.sh attaches as a virtio disk.
#
# The guest used to mount the tree itself over 9p. Every open() there is
# a round trip through QEMU's 9p server, and every exec opens the program,
# its loader and its libraries: starting /bin/true took 40 ms on the stock
# kernel and 119 ms on the debug kernel, against 14 and 36 ms from this
# image (QEMU 10, two VMs side by side; Documentation/testing.rst, "Root
# disk and emulator"). The selftests start
# thousands of programs. The project tree (/src) stays on 9p: it changes
# with every build.
#
# Cached under $STRATOS_CACHE, keyed by the tree it copies, this script
# and the init shim it installs; building one takes about 15 s.
#
# Usage: rootimg.sh ROOTFS        prints the image path

set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

root=$1
[ -f "$root/.stratos-complete" ] || die "$root is not a finished root filesystem"
key=$(cat "$here/rootimg.sh" "$here/stratos-init" - <<<"$root" |
	sha256sum | cut -c1-16)
img="$STRATOS_CACHE/rootimg-$key.img"
if [ -f "$img" ]; then
	echo "$img"
	exit 0
fi

exec 9>"$STRATOS_CACHE/.rootimg.lock"
flock 9
if [ -f "$img" ]; then
	echo "$img"
	exit 0
fi

need_host_tool mke2fs
log "building the VM root disk from $root"

# Mount points the guest uses, and the init that kernels booted without
# an initramfs (the debug kernel) start: it mounts /src and runs
# guest-init.sh from there.
mkdir -p "$root/src" "$root/run"
install -m 0755 "$here/stratos-init" "$root/stratos-init"

# A quarter more than the tree, so that mke2fs finds room for its own
# metadata; the image is sparse. No journal: the guest mounts it
# read-only and QEMU attaches it read-only.
mib=$(du -sm "$root" | cut -f1)
mib=$((mib + mib / 4 + 256))
rm -f "$img.tmp"
mke2fs -q -F -t ext4 -O ^has_journal -L stratos-root -d "$root" \
	"$img.tmp" "${mib}M" >&2 || die "mke2fs could not copy $root"
mv "$img.tmp" "$img"

# Older images are dead weight once the tree or this recipe has moved on.
for old in "$STRATOS_CACHE"/rootimg-*.img; do
	[ "$old" = "$img" ] || rm -f "$old"
done
echo "$img"
