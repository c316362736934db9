#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A tiny initramfs for booting a Debian kernel onto the VM's root disk
# (rootimg.sh) with the project tree on 9p: busybox and the modules for
# virtio disks, ext4 and 9p (which Debian builds as modules), nothing else.
# Cached per kernel release and keyed by this script.
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

# with_deps MODULE...: the modules' files (paths as in modules.dep), each
# after those it depends on, each once. A module built into the kernel
# has no line there and is left out.
with_deps() {
	local m line dep
	for m in "$@"; do
		line=$(grep -m1 -E "(^|/)$m\.ko(\.[a-z]+)?:" "$moddir/../modules.dep") ||
			continue
		for dep in ${line#*:}; do
			with_deps "$(basename "${dep%%.ko*}")"
		done
		echo "${line%%:*}"
	done
}

# The order of /lib/load is the order the init loads them in. ext4 on
# 6.12 also asks the crypto API for crc32c, which no modules.dep line names
# (on 7.x it is a library function).
mods=(virtio_blk crc32c_generic ext4 9pnet_virtio 9p)
for path in $(with_deps "${mods[@]}" | awk '!seen[$0]++'); do
	base=$(basename "${path%%.ko*}")
	case "$path" in
	*.ko.xz) xz -dc "$moddir/../$path" >"$tmp/lib/$base.ko" ;;
	*.ko) cp "$moddir/../$path" "$tmp/lib/$base.ko" ;;
	*) die "cannot unpack $path" ;;
	esac
	echo "$base" >>"$tmp/lib/load"
done
touch "$tmp/lib/load"

cat >"$tmp/init" <<'INIT'
#!/bin/busybox sh
# Mount the root disk (root= on the command line) and the project tree,
# then hand over to guest-init.sh.
bb=/bin/busybox
$bb mount -t proc proc /proc
$bb mount -t devtmpfs dev /dev
for m in $($bb cat /lib/load); do
	$bb insmod /lib/$m.ko
done
rootdev=
for arg in $($bb cat /proc/cmdline); do
	case "$arg" in root=*) rootdev=${arg#root=} ;; esac
done
# virtio_blk probes asynchronously.
for i in $($bb seq 50); do
	[ -b "$rootdev" ] && break
	$bb sleep 0.1
done
$bb mount -t ext4 -o ro "$rootdev" /newroot ||
	{ echo "stratos-initramfs: cannot mount the root disk $rootdev"; $bb poweroff -f; }
opts=trans=virtio,version=9p2000.L,msize=512000
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
