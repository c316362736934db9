#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 inside the test VM. Sets up a minimal system on the read-only root
# disk, runs the command that run-vm.sh left in the result share, records
# its exit status and the kernel log there, and powers off. PID 1 must
# never exit: that panics the guest.

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb

mountpoint -q /proc || mount -t proc proc /proc
mountpoint -q /sys || mount -t sysfs sys /sys
mountpoint -q /dev || mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
for d in /tmp /run /root /var/tmp /var/log /mnt; do
	mount -t tmpfs -o mode=1777 tmpfs "$d"
done
chmod 0700 /root
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t bpf bpf /sys/fs/bpf 2>/dev/null

opts=trans=virtio,version=9p2000.L,msize=512000
mountpoint -q /src || mount -t 9p -o $opts,ro,cache=loose src /src
mkdir -p /run/result
mount -t 9p -o $opts result /run/result
hostname stratos-vm
ip link set lo up

# kmemleak scans all of memory a minute after boot and every ten minutes,
# which under emulation takes a vCPU away from the tests for a long while;
# the scans before power-off (below) find every leak those would have.
[ -w /sys/kernel/debug/kmemleak ] && echo scan=off >/sys/kernel/debug/kmemleak

# Controllers for the tests' subtrees. Not cpuset: every cpuset cgroup
# created or removed flips a static key, and the resulting stream of kernel
# text patching trips multi-threaded TCG (int3 oopses in patched code).
echo "+cpu +memory +pids" >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null

# The kernel release decides where modules come from; the host built them
# into build/<release>/.
STRATOS_KREL=$(uname -r)
export STRATOS_KREL
export STRATOS_BUILD=/src/build/$STRATOS_KREL
export STRATOS_RESULT=/run/result

status=0
if [ -f /run/result/shell ]; then
	echo "stratos-vm: interactive shell; 'exit' or Ctrl-D powers off"
	setsid -c /bin/bash -l </dev/ttyS0 >/dev/ttyS0 2>&1
else
	cd /src || exit 1
	set -o pipefail
	bash /run/result/cmd 2>&1 | tee /run/result/output
	status=$?
	set +o pipefail
fi

# Catch leaks while everything is still here to show them.
if [ -w /sys/kernel/debug/kmemleak ]; then
	# kmemleak reports an object only if it was allocated 5 s before the
	# scan began, and not on the scan that first sums its contents (an
	# object that changed between two scans is no leak yet). So: one
	# scan now, for the sums, and the one that reports once the objects
	# of the last test are 6 s old. The first scan takes 3-4 s of that
	# wait on the debug kernel; it used to follow it.
	leak_from=$(cut -d' ' -f1 /proc/uptime)
	echo scan >/sys/kernel/debug/kmemleak
	sleep "$(awk -v t="$leak_from" '{ w = t + 6 - $1; print (w > 0 ? w : 0) }' /proc/uptime)"
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak >/run/result/kmemleak
fi
dmesg >/run/result/dmesg
echo "$status" >/run/result/status
sync
umount /run/result
busybox poweroff -f
