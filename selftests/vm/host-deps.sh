#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages the host needs: debootstrap for the VM root
# filesystem, e2fsprogs for its disk image, and what the host-side unit
# tests build with. Everything that targets the guest kernels is built
# inside the root filesystem instead, and QEMU comes from there too (see
# rootfs.sh). Installs only what is missing.

set -euo pipefail

pkgs=(debootstrap xz-utils zstd cpio gzip e2fsprogs
      util-linux gcc make pkg-config libnl-genl-3-dev python3 python3-yaml)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "host-deps: run as root to install: ${missing[*]}" >&2
	exit 1
fi
echo "host-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
