#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the test VM on the cached root filesystem (a read-only disk image of
# it, rootimg.sh), run a command in it with the project tree at /src (9p),
# and return the command's exit status. The guest kernel log is checked
# afterwards: any warning, oops, KASAN or lockdep report, stall or
# kmemleak leak fails the run whatever the command said.
#
#   run-vm.sh [options] [--] COMMAND...      run COMMAND (a shell line)
#   run-vm.sh [options] --shell              interactive shell
#
# Options:
#   --kernel K     stock (newest 7.x, default), 6.12, or debug
#   --cpus N       vCPUs (default 4); --threads T --cores C --sockets S
#                  give the topology instead (N = S*C*T)
#   --numa N       split vCPUs and memory into N NUMA nodes
#   --mem M        guest memory in MiB (default 2048)
#   --timeout S    kill the guest after S seconds (default 600)
#   --boot-timeout S  kill it after S seconds if COMMAND has not started
#                  by then (default 0, no limit); the run then fails
#                  and leaves build/vm/NAME/boot-hung
#   --icount       single-threaded TCG with -icount shift=3: guest time
#                  follows executed instructions (latency measurements);
#                  while every vCPU idles it passes at the host's pace
#   --icount-warp  the same with sleep=off: while every vCPU idles, guest
#                  time jumps to the next timer, so no host time leaks in
#                  at all (accuracy measurements; idle waits cost nothing)
#   --kvm          use KVM instead of TCG (opt-in: broken on the CI hosts)
#   --disk FILE    attach FILE as a virtio disk (/dev/vda in the guest)
#   --name NAME    name of the run (its logs go to build/vm/NAME/)
#   --quiet        do not echo the console; print it only on failure
#
# Environment: STRATOS_CACHE (cache directory), STRATOS_VM_KVM=1 (= --kvm),
# STRATOS_VM_APPEND (more kernel parameters, for experiments),
# STRATOS_VM_CPU (QEMU's -cpu model under TCG, default
# max,erms=off,fsrm=off; see Documentation/testing.rst, "CPU model").

set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
top=$(cd "$here/../.." && pwd)

kernel=stock cpus=4 threads=1 cores='' sockets=1 numa=0 mem=2048
timeout_s=600 boot_timeout=0 icount=0 icount_sleep=on kvm=${STRATOS_VM_KVM:-0} shell=0 disk=''
name='' quiet=0

# newest_module_dir GLOB: the newest kernel release of the root filesystem
# whose module directory matches GLOB, or nothing.
newest_module_dir() {
	local d

	for d in "$root"/usr/lib/modules/$1; do
		if [ -d "$d" ]; then basename "$d"; fi
	done | sort -V | tail -n1
}

usage() {
	sed -n '/^#   run-vm.sh/,/^# Environment/p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-0}"
}

while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--cpus) cpus=$2; shift 2 ;;
	--threads) threads=$2; shift 2 ;;
	--cores) cores=$2; shift 2 ;;
	--sockets) sockets=$2; shift 2 ;;
	--numa) numa=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--boot-timeout) boot_timeout=$2; shift 2 ;;
	--icount) icount=1; shift ;;
	--icount-warp) icount=1; icount_sleep=off; shift ;;
	--kvm) kvm=1; shift ;;
	--disk) disk=$2; shift 2 ;;
	--name) name=$2; shift 2 ;;
	--quiet) quiet=1; shift ;;
	--shell) shell=1; shift ;;
	-h|--help) usage 0 ;;
	--) shift; break ;;
	-*) echo "run-vm.sh: unknown option '$1'" >&2; usage 2 >&2 ;;
	*) break ;;
	esac
done

for n in "$cpus" "$threads" "$sockets" "$numa" "$mem" "$timeout_s" "$boot_timeout" ${cores:+"$cores"}; do
	case "$n" in
	''|*[!0-9]*) die "'$n' is not a number" ;;
	esac
done
[ "$shell" = 1 ] || [ $# -gt 0 ] || usage 2 >&2
[ -z "$disk" ] || [ -f "$disk" ] ||
	die "--disk $disk: no such file (selftests/pagecache/mkdisk.sh FILE makes one)"
if [ -n "$cores" ]; then
	cpus=$((sockets * cores * threads))
else
	[ $((cpus % (sockets * threads))) -eq 0 ] ||
		die "--cpus $cpus is not a multiple of sockets*threads"
	cores=$((cpus / (sockets * threads)))
fi

root=$("$here/rootfs.sh")
rootimg=$("$here/rootimg.sh" "$root")
# QEMU is the root filesystem's own (trixie's, rootfs.sh), started through
# the tree's loader so that it links against the tree's libraries and none
# of the host's; -L finds its firmware there first.
[ -x "$root/usr/bin/qemu-system-x86_64" ] ||
	die "no QEMU in $root: the root filesystem predates it; delete it to rebuild"
libs=$root/usr/lib/x86_64-linux-gnu
export QEMU_MODULE_DIR=$libs/qemu
append="console=ttyS0 panic=-1 oops=panic loglevel=4"
append+=" tsc=reliable mitigations=off rcupdate.rcu_cpu_stall_timeout=120"
# The tracepoints stratos.ko attaches to, enabled while the kernel still
# runs on one CPU: enabling them later patches kernel text under the
# running vCPUs, which multi-threaded TCG gets wrong now and then (see
# Documentation/testing.rst, "Known emulator fault"). The suite turns
# tracing off, so nothing is recorded.
append+=" trace_event=sched:sched_switch,sched:sched_process_fork"
append+=",cgroup:cgroup_attach_task,cgroup:cgroup_rmdir"
# More events, enabled the same way, for a benchmark that traces them
# (e.g. STRATOS_VM_TRACE=ipi:ipi_send_cpu,irq_vectors:reschedule_entry).
[ -z "${STRATOS_VM_TRACE:-}" ] || append+=",$STRATOS_VM_TRACE"
# More kernel parameters, for experiments (e.g. STRATOS_VM_APPEND=idle=poll).
[ -z "${STRATOS_VM_APPEND:-}" ] || append+=" $STRATOS_VM_APPEND"
initrd=()
case "$kernel" in
stock|7*)
	kver=$(newest_module_dir '7.*') ;;
6.12*)
	kver=$(newest_module_dir '6.12.*') ;;
debug)
	tree=$("$here/debug-kernel.sh")
	kver=$(cat "$tree/include/config/kernel.release") ;;
*)
	die "unknown kernel '$kernel': use stock, 6.12 or debug" ;;
esac
[ -n "$kver" ] || die "no '$kernel' kernel in $root"

if [ "$kernel" = debug ]; then
	kimage="$tree/arch/x86/boot/bzImage"
	# ACPI _PRT evaluation for PCI interrupts hangs the boot under TCG;
	# pci=noacpi skips it.
	append+=" rootfstype=ext4 ro rootwait pci=noacpi panic_on_warn=1"
	append+=" init=/stratos-init"
	append+=" kasan.fault=panic"
	# Four-level paging. Under KASAN, whether an address has shadow
	# memory depends on the LA57 CPU flag, and identify_cpu() clears the
	# boot CPU's flags for a while at boot (memset of x86_capability):
	# an interrupt in that window reported its irq_desc, in the 5-level
	# direct map, as a "wild-memory-access" and panicked the guest (3 of
	# 13 boots on 2026-12-06, TCG's -cpu max offering LA57). A kernel
	# fault, not ours: Documentation/testing.rst, "Known kernel fault".
	append+=" no5lvl"
else
	kimage="$root/boot/vmlinuz-$kver"
	initrd=(-initrd "$("$here/mkinitramfs.sh" "$root" "$kver")")
fi

name=${name:-$kernel-$$}
rundir="$top/build/vm/$name"
rm -rf "$rundir"
mkdir -p "$rundir/result"
if [ "$shell" = 1 ]; then
	touch "$rundir/result/shell"
else
	printf '%s\n' "$*" >"$rundir/result/cmd"
fi

# Under TCG without icount the guest's TSC is the host's TSC, read raw. The
# guest calibrates it against the emulated PIT in a few ms at boot, and on a
# loaded host that has come out several times too low: guest time then ran
# ten times faster than real time and every timing in the run was wrong.
# Tell the guest the frequency the host measured instead.
host_tsc_khz() {
	dmesg 2>/dev/null |
		sed -n 's/.*tsc: \(Refined TSC clocksource calibration:\|Detected\) \([0-9]*\)\.\([0-9]\{3\}\)[0-9]* MHz.*/\2\3/p' |
		tail -n1
}
if [ "$icount" != 1 ] && [ "$kvm" != 1 ]; then
	khz=$(host_tsc_khz)
	[ -z "$khz" ] || append+=" tsc_early_khz=$khz"
fi

# ERMS and FSRM off: with them the guest copies and clears memory with
# rep movsb/stosb, which TCG runs one byte per iteration (a whole check
# took 9 min 52 s without them, 10 min 15 s with; Documentation/testing.rst,
# "CPU model").
cpu_model=${STRATOS_VM_CPU:-max,erms=off,fsrm=off}
# shellcheck disable=SC2054 # QEMU's option values have commas
accel=(-accel tcg,thread=multi -cpu "$cpu_model")
# shellcheck disable=SC2054
[ "$icount" = 1 ] && accel=(-accel tcg,thread=single -cpu "$cpu_model" -icount "shift=3,sleep=$icount_sleep")
[ "$kvm" = 1 ] && accel=(-accel kvm -cpu host)

numa_args=()
if [ "$numa" -gt 1 ]; then
	[ $((sockets % numa)) -eq 0 ] || [ "$sockets" -eq 1 ] ||
		die "--numa $numa must divide the sockets"
	per=$((cpus / numa))
	for ((i = 0; i < numa; i++)); do
		numa_args+=(-object "memory-backend-ram,id=m$i,size=$((mem / numa))M"
			    -numa "node,nodeid=$i,memdev=m$i,cpus=$((i * per))-$((i * per + per - 1))")
	done
fi

fsdev() {	# tag path readonly?
	echo "local,id=$1,path=$2,security_model=passthrough,mount_tag=$1${3:+,readonly=on}"
}

# The scratch disk comes first, so that it is /dev/vda whether or not a
# test asks for one; the read-only root disk follows it. The kernel
# mounts the root itself (debug) or the initramfs does (mkinitramfs.sh),
# both from root=.
disk_args=()
rootdev=/dev/vda
if [ -n "$disk" ]; then
	disk_args=(-drive "file=$disk,if=virtio,format=raw,cache=unsafe")
	rootdev=/dev/vdb
fi
disk_args+=(-drive "file=$rootimg,if=virtio,format=raw,readonly=on")
append+=" root=$rootdev"

qemu=("$root/lib64/ld-linux-x86-64.so.2" --library-path "$libs"
	"$root/usr/bin/qemu-system-x86_64"
	-L "$root/usr/share/qemu" -L "$root/usr/share/seabios"
	-nodefaults -nographic -no-reboot
	"${accel[@]}" -m "$mem"
	-smp "$cpus,sockets=$sockets,cores=$cores,threads=$threads"
	"${numa_args[@]}"
	-kernel "$kimage" "${initrd[@]}" -append "$append"
	-virtfs "$(fsdev src "$top" ro)"
	-virtfs "$(fsdev result "$rundir/result")"
	"${disk_args[@]}"
	-serial "file:$rundir/console.log"
	-device virtio-rng-pci)

if [ "$shell" = 1 ]; then
	qemu=("${qemu[@]/#file:$rundir\/console.log/mon:stdio}")
	exec "${qemu[@]}"
fi

# Echo the console as it comes, unless asked to keep quiet.
tailpid=
if [ "$quiet" = 0 ]; then
	touch "$rundir/console.log"
	tail -n +1 -f "$rundir/console.log" &
	tailpid=$!
fi
set +e
timeout -k 5 "$timeout_s" "${qemu[@]}" </dev/null >"$rundir/qemu.log" 2>&1 &
qpid=$!
# The guest starts COMMAND through tee, which creates result/output at
# once. Multi-threaded TCG has hung a guest at boot, its vCPUs stuck
# before any of our code ran (RCU stall reports on the console, nothing
# else, until --timeout): the caller may boot again rather than wait.
watchpid=
if [ "$boot_timeout" -gt 0 ]; then
	(
		trap 'kill "$spid" 2>/dev/null; exit 0' TERM
		sleep "$boot_timeout" &
		spid=$!
		wait "$spid"
		if [ ! -e "$rundir/result/output" ]; then
			: >"$rundir/boot-hung"
			kill "$qpid"
		fi
	) </dev/null >/dev/null 2>&1 &
	watchpid=$!
fi
wait "$qpid"
qrc=$?
if [ -n "$watchpid" ]; then
	kill "$watchpid" 2>/dev/null
	wait "$watchpid" 2>/dev/null
fi
set -e
if [ -n "$tailpid" ]; then
	sleep 0.3
	kill "$tailpid" 2>/dev/null || true
	wait "$tailpid" 2>/dev/null || true
fi

fail() {
	[ "$quiet" = 1 ] && cat "$rundir/console.log" >&2
	echo "stratos-vm: FAIL ($name): $*; console log: $rundir/console.log" >&2
	exit 1
}

[ -e "$rundir/boot-hung" ] &&
	fail "the guest did not start its command within ${boot_timeout}s and was killed (a hang at boot)"
[ "$qrc" = 124 ] || [ "$qrc" = 137 ] &&
	fail "the guest did not finish within ${timeout_s}s and was killed"
[ "$qrc" = 0 ] || fail "qemu exited with $qrc: $(tail -n 3 "$rundir/qemu.log")"

# The kernel log: the guest's own copy if it got that far, else the console.
klog="$rundir/result/dmesg"
[ -f "$klog" ] || klog="$rundir/console.log"
bad=$KLOG_BAD
if grep -Eq "$bad" "$klog"; then
	# The first report, whole: its call trace says where. The verdict
	# names it too, for logs that keep only the last line.
	grep -E -m1 -B2 -A40 "$bad" "$klog" >&2
	fail "the guest kernel log has a warning or worse, first: $(grep -Em1 "$bad" "$klog" | cut -c1-200)"
fi
if [ -s "$rundir/result/kmemleak" ]; then
	head -n 40 "$rundir/result/kmemleak" >&2
	fail "kmemleak reports unreferenced objects"
fi
[ -f "$rundir/result/status" ] ||
	fail "the guest stopped without recording an exit status"
exit "$(cat "$rundir/result/status")"
