#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A tiny initramfs for booting a Debian kernel onto the 9p root: busybox and
# the 9p modules (which Debian builds as modules), nothing else. Cached per
# kernel release and keyed by this script.
#
# Usage: mkinitramfs.sh ROOTFS KERNEL_RELEASE    prints the image path

set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

root=$1
kver=$2
key=$(cat "$here/mkinitramfs.sh" - <<<"$root $kver" | sha256sum | cut -c1-16)
out="$STRATOS_CACHE/initramfs-$kver-$key.cpio.gz"
if [ -f "$out" ]; then
	echo "$out"
	exit 0
fi

exec 9>"$STRATOS_CACHE/.initramfs.lock"
flock 9
if [ -f "$out" ]; then
	echo "$out"
	exit 0
fi

moddir="$root/usr/lib/modules/$kver/kernel"
[ -d "$moddir" ] || die "no modules for kernel $kver in $root"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{bin,lib,proc,dev,sys,newroot}
cp "$root/usr/bin/busybox" "$tmp/bin/busybox"

# Load order follows the dependencies: netfs <- 9pnet <- 9pnet_virtio, 9p.
for mod in fs/netfs/netfs net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p; do
	base=$(basename "$mod")
	if [ -f "$moddir/$mod.ko.xz" ]; then
		xz -dc "$moddir/$mod.ko.xz" >"$tmp/lib/$base.ko"
	elif [ -f "$moddir/$mod.ko" ]; then
		cp "$moddir/$mod.ko" "$tmp/lib/$base.ko"
	fi	# else built in
done

cat >"$tmp/init" <<'INIT'
#!/bin/busybox sh
# Mount the 9p root and the project tree, then hand over to guest-init.sh.
bb=/bin/busybox
$bb mount -t proc proc /proc
$bb mount -t devtmpfs dev /dev
for m in netfs 9pnet 9pnet_virtio 9p; do
	[ -f /lib/$m.ko ] && $bb insmod /lib/$m.ko
done
opts=trans=virtio,version=9p2000.L,msize=512000
$bb mount -t 9p -o $opts,ro,cache=loose root /newroot ||
	{ echo "stratos-initramfs: cannot mount the 9p root"; $bb poweroff -f; }
$bb mount -t 9p -o $opts,ro,cache=loose src /newroot/src ||
	{ echo "stratos-initramfs: cannot mount the project tree"; $bb poweroff -f; }
$bb umount /proc
$bb umount /dev
exec $bb switch_root /newroot /src/selftests/vm/guest-init.sh
INIT
chmod +x "$tmp/init"

(cd "$tmp" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.tmp"
mv "$out.tmp" "$out"
for old in "$STRATOS_CACHE"/initramfs-"$kver"-*.cpio.gz; do
	[ "$old" = "$out" ] || rm -f "$old"
done
echo "$out"
