#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the test VM's root filesystem: a Debian trixie tree that holds
#
#   - the trixie-backports 7.x kernel (sched_ext on) and its headers,
#   - trixie's stock 6.12 kernel (no sched_ext) and its headers,
#   - gcc-14, clang, libbpf, bpftool and libnl: everything needed to build
#     stratosphere for those kernels (bookworm's gcc-12 cannot),
#   - linux-source-7.x and its build dependencies, for the debug kernel,
#   - the userspace the selftests use,
#   - QEMU, which boots the VM from this tree (run-vm.sh).
#
# The same tree is the build chroot and, copied into a read-only disk
# image (rootimg.sh), the VM's root. It is cached under $STRATOS_CACHE
# keyed by the hash of this file, so editing the recipe rebuilds it and
# nothing else does.
#
# Usage: rootfs.sh            print the rootfs path, building it if needed

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=common.sh
. "$here/common.sh"

key=$(sha256sum "$here/rootfs.sh" | cut -c1-16)
root="$STRATOS_CACHE/rootfs-$key"

if [ -f "$root/.stratos-complete" ]; then
	echo "$root"
	exit 0
fi

# One builder at a time; whoever waited finds the tree ready.
mkdir -p "$STRATOS_CACHE"
exec 9>"$STRATOS_CACHE/.rootfs.lock"
flock 9
if [ -f "$root/.stratos-complete" ]; then
	echo "$root"
	exit 0
fi

need_host_tool debootstrap

# Use the Debian mirror the host is configured with, so this works wherever
# the host's apt works.
mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources \
	2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '/^deb / { print $2; exit }' \
	/etc/apt/sources.list 2>/dev/null || true)

tmp="$root.tmp"
rm -rf "$tmp"
mkdir -p "$STRATOS_CACHE"
log "building VM root filesystem in $root (a few minutes)"

debootstrap --variant=minbase trixie "$tmp" ${mirror:+"$mirror"} \
	>"$STRATOS_CACHE/debootstrap.log" 2>&1 ||
	die "debootstrap failed, see $STRATOS_CACHE/debootstrap.log"

cat >"$tmp/etc/apt/sources.list" <<EOF
deb ${mirror:-http://deb.debian.org/debian} trixie main
deb ${mirror:-http://deb.debian.org/debian} trixie-updates main
deb ${mirror:-http://deb.debian.org/debian} trixie-backports main
EOF

# No initramfs inside the tree: the VM boots with a tiny one of its own, and
# generating two distro ones costs a minute for nothing.
mkdir -p "$tmp/etc/initramfs-tools"
echo "update_initramfs=no" >"$tmp/etc/initramfs-tools/update-initramfs.conf"

# Services installed for benchmarks must not start in the chroot.
printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
chmod +x "$tmp/usr/sbin/policy-rc.d"

in_root() {
	unshare --mount --fork sh -c '
		mount -t proc proc "$0/proc" &&
		mount -t sysfs sys "$0/sys" &&
		mount --bind /dev "$0/dev" &&
		exec chroot "$0" /usr/bin/env -i \
			PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			DEBIAN_FRONTEND=noninteractive "$@"' "$tmp" "$@"
}

apt_install() {
	in_root apt-get install -y --no-install-recommends \
		-o Dpkg::Options::=--force-confold "$@"
}

{
	in_root apt-get update

	# The backports kernel and toolchain; -t throughout keeps libelf and
	# friends from one suite.
	apt_install -t trixie-backports \
		linux-image-amd64 linux-headers-amd64 linux-source \
		gcc make clang llvm libbpf-dev bpftool libnl-genl-3-dev \
		pkg-config kmod libelf-dev libssl-dev dwarves bc bison flex \
		xz-utils zstd cpio busybox-static util-linux procps iproute2 \
		e2fsprogs rt-tests stress-ng python3 perl jq linux-perf \
		trace-cmd fio nginx-light wrk memcached

	# trixie's stock kernel, resolved through its meta package so no
	# minor version is written down here.
	img=$(in_root apt-cache show 'linux-image-amd64/trixie' |
		awk '/^Depends:/ { print $2; exit }')
	hdr=$(in_root apt-cache show 'linux-headers-amd64/trixie' |
		awk '/^Depends:/ { print $2; exit }' | tr -d ',')
	img=${img%,}
	apt_install "$img" "$hdr"

	# The emulator that boots this tree, run from here (run-vm.sh):
	# trixie's QEMU. Against bookworm's 7.2, side by side on the same
	# root disk, starting /bin/true in the stock guest took 15 ms rather
	# than 36, and two test jobs used 7% (debug) and 15% less CPU.
	apt_install qemu-system-x86

	in_root apt-get clean
} >"$STRATOS_CACHE/rootfs-apt.log" 2>&1 ||
	die "package installation failed, see $STRATOS_CACHE/rootfs-apt.log"

# The unprivileged user the permission tests run as.
in_root useradd -M -d /nonexistent -s /bin/sh stratostest

touch "$tmp/.stratos-complete"
rm -rf "$root"
mv "$tmp" "$root"

# Older trees are dead weight once the recipe has moved on.
for old in "$STRATOS_CACHE"/rootfs-*; do
	[ "$old" = "$root" ] || [ ! -d "$old" ] || rm -rf "$old"
done
log "root filesystem ready"
echo "$root"
