#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the debug test kernel (KASAN, lockdep, kmemleak) from Debian's
# linux-source package with the fragment in debug.config, inside the build
# chroot. The tree is cached under $STRATOS_CACHE, keyed by this script, the
# fragment and the source package version: out-of-tree modules are built
# against it, and its bzImage boots the VM without an initramfs.
#
# Usage: debug-kernel.sh      print the kernel tree path, building if needed

set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

root=$("$here/rootfs.sh")
srcver=$(chroot "$root" dpkg-query -W -f '${Version}' linux-source-7.3 2>/dev/null ||
	 chroot "$root" sh -c 'dpkg-query -W -f "\${Version}" "linux-source-*"' | head -n1)
[ -n "$srcver" ] || die "linux-source is missing from the root filesystem"

# Comments and blank lines do not change the kernel: editing them does not
# cost a rebuild.
key=$(cat "$here/debug-kernel.sh" "$here/debug.config" - <<<"$srcver" |
	grep -Ev '^[[:space:]]*(#|$)' | sha256sum | cut -c1-16)
name="linux-debug-$key"
tree="$STRATOS_CACHE/$name"

if [ -f "$tree/.stratos-complete" ]; then
	echo "$tree"
	exit 0
fi

exec 9>"$STRATOS_CACHE/.debug-kernel.lock"
flock 9
if [ -f "$tree/.stratos-complete" ]; then
	echo "$tree"
	exit 0
fi

log "building the debug kernel in $tree (about 10 minutes on 2 cores)"
rm -rf "$tree"
mkdir -p "$tree"
cp "$here/debug.config" "$tree/.stratos-fragment"

jobs=$(nproc)
buildlog="$STRATOS_CACHE/$name.log"
"$here/in-root.sh" -C "/cache/$name" /bin/sh -ec "
	tar -xaf /usr/src/linux-source-7.3.tar.* --strip-components=1
	scripts/kconfig/merge_config.sh -n .stratos-fragment
	# A wanted option that Kconfig dropped means the fragment is wrong.
	for opt in KASAN PROVE_LOCKING DEBUG_KMEMLEAK DEBUG_ATOMIC_SLEEP \
		   SCHED_CLASS_EXT EXT_GROUP_SCHED DEBUG_INFO_BTF_MODULES \
		   MEMCG CFS_BANDWIDTH 9P_FS VIRTIO_BLK EXT4_FS MODULE_UNLOAD \
		   MAGIC_SYSRQ; do
		grep -q \"^CONFIG_\$opt=y\" .config ||
			{ echo \"CONFIG_\$opt did not survive\"; exit 1; }
	done
	make -j$jobs all
" >"$buildlog" 2>&1 || die "debug kernel build failed, see $buildlog"

touch "$tree/.stratos-complete"
for old in "$STRATOS_CACHE"/linux-debug-*; do
	case "$old" in
	"$tree"|"$tree.log") ;;
	*) rm -rf "$old" ;;
	esac
done
log "debug kernel ready"
echo "$tree"
