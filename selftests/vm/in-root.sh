#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run a command inside the VM root filesystem as a build chroot, with the
# project tree at /src and the cache at /cache. Mounts live in a private
# mount namespace, so nothing is left mounted when the command ends.
#
# Usage: in-root.sh [-C DIR] CMD [ARGS...]   (DIR: working directory, /src)

set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

workdir=/src
if [ "${1:-}" = "-C" ]; then
	workdir=$2
	shift 2
fi

root=$("$here/rootfs.sh")
src=$(cd "$here/../.." && pwd)
# A parallel make outside passes its job server (a FIFO under the host's
# /tmp) in MAKEFLAGS; the chroot cannot reach it, so the make inside runs
# its own jobs serially and the outer make runs several such builds at once.
MAKEFLAGS=$(sed -E 's/(^| )(-j[0-9]*|--jobserver-(auth|fds)=[^ ]*)//g' <<<"${MAKEFLAGS:-}")
mkdir -p "$root/src" "$root/cache"

exec unshare --mount --fork /bin/sh -c '
	root=$1 src=$2 cache=$3 workdir=$4
	shift 4
	mount --make-rprivate / &&
	mount -t proc proc "$root/proc" &&
	mount --rbind /dev "$root/dev" &&
	mount --bind "$src" "$root/src" &&
	mount --bind "$cache" "$root/cache" &&
	exec chroot "$root" /usr/bin/env -i \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
		${MAKEFLAGS:+MAKEFLAGS="$MAKEFLAGS"} \
		/bin/sh -c "cd \"\$0\" && exec \"\$@\"" "$workdir" "$@"
' sh "$root" "$src" "$STRATOS_CACHE" "$workdir" "$@"
