# SPDX-License-Identifier: GPL-2.0
#
# The offline class as the module applies it (sched_bt/, issue 6):
# cpu.idle on the marked cgroup on every kernel, and SCHED_EXT for its
# tasks where sched_ext exists. No BPF scheduler is loaded here, so on
# sched_ext kernels these tests also show the fallback: SCHED_EXT tasks run
# in the fair class, inside an idle group. Sourced by suite.sh.

. "$SELFTESTS/sched_bt/bt-lib.sh"

# The policy offline tasks get on this kernel: SCHED_EXT, or SCHED_NORMAL
# (0) where only the cpu.idle fallback exists.
offline_policy() {
	if have_sched_ext; then echo $SCHED_EXT; else echo 0; fi
}

test_offline_existing_fork_exec() {
	local off pid child want
	trap bt_cleanup EXIT
	load_module
	want=$(offline_policy)
	off=$(bt_cg off)
	pid=$(hog "$off")
	sleep 0.2
	[ "$(policy_of "$pid")" = 0 ] || fail "hog not SCHED_NORMAL at start"
	stratosctl cgroup set "$off" class=offline weight=50
	wait_policy "$pid" "$want"
	[ "$(cat "$off/cpu.idle")" = 1 ] || fail "cpu.idle not set"
	# Idempotent: setting it again changes nothing.
	stratosctl cgroup set "$off" class=offline
	[ "$(cat "$off/cpu.idle")" = 1 ] || fail "cpu.idle lost on re-set"
	# A child forked inside inherits the policy; exec keeps it.
	rm -f /tmp/bt-child
	sh -c "echo \$\$ >$off/cgroup.procs; sleep 600 & echo \$! >/tmp/bt-child.new; mv /tmp/bt-child.new /tmp/bt-child; exec sleep 600" &
	wait_for 60 test -s /tmp/bt-child || true
	child=$(cat /tmp/bt-child)
	echo "parent $!, child $child"
	wait_policy "$child" "$want"
	wait_policy "$!" "$want"
}

test_offline_migrate_in_out() {
	local off on pid want
	trap bt_cleanup EXIT
	load_module
	want=$(offline_policy)
	off=$(bt_cg off)
	on=$(bt_cg on)
	stratosctl cgroup set "$off" class=offline
	pid=$(hog "$on")
	sleep 0.2
	[ "$(policy_of "$pid")" = 0 ] || fail "online hog not SCHED_NORMAL"
	# Each step is printed: a failure's last lines then say which.
	echo "step: into the offline cgroup"
	echo "$pid" >"$off/cgroup.procs"
	wait_policy "$pid" "$want"
	echo "step: back to the online cgroup"
	echo "$pid" >"$on/cgroup.procs"
	wait_policy "$pid" 0
	# A nested cgroup of an offline one is offline too.
	echo "step: into a cgroup nested in the offline one"
	mkdir "$off/nested"
	echo "$pid" >"$off/nested/cgroup.procs"
	wait_policy "$pid" "$want"
	# Turning the class off restores tasks, then cpu.idle.
	echo "step: class=online on the offline cgroup"
	stratosctl cgroup set "$off" class=online
	wait_policy "$pid" 0
	[ "$(cat "$off/cpu.idle")" = 0 ] || fail "cpu.idle not restored"
}

# se.slice from /proc/PID/sched, in ns.
task_slice() {
	awk '$1 == "se.slice" { print $3 }' "/proc/$1/sched"
}

# A slice the task chose (EEVDF's custom slice, sched_setattr(); chrt -T
# here) goes with it when the module switches its policy to SCHED_EXT and
# back: a switch with no runtime given would reset it to the default.
test_offline_keeps_custom_slice() {
	local off on pid want s
	trap bt_cleanup EXIT
	load_module
	want=$(offline_policy)
	off=$(bt_cg off)
	on=$(bt_cg on)
	stratosctl cgroup set "$off" class=offline
	chrt -o -T 1500000 0 sleep 60 &
	pid=$!
	echo "$pid" >"$on/cgroup.procs"
	s=$(task_slice "$pid")
	[ "$s" = 1500000 ] || fail "chrt -T set a slice of $s ns"
	echo "$pid" >"$off/cgroup.procs"
	wait_policy "$pid" "$want"
	s=$(task_slice "$pid")
	[ "$s" = 1500000 ] || fail "slice $s ns once offline, 1500000 before"
	echo "$pid" >"$on/cgroup.procs"
	wait_policy "$pid" 0
	s=$(task_slice "$pid")
	[ "$s" = 1500000 ] || fail "slice $s ns back online, 1500000 before"
	kill "$pid"
}

test_offline_clone_into_cgroup() {
	local off pid
	have_sched_ext || skip "no sched_ext; policy does not change"
	command -v python3 >/dev/null || skip "no python3"
	trap bt_cleanup EXIT
	load_module
	off=$(bt_cg off)
	stratosctl cgroup set "$off" class=offline
	# clone3(CLONE_INTO_CGROUP) from an online parent: the fork probe.
	pid=$(python3 - "$off" <<'PY'
import ctypes, os, struct, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
libc = ctypes.CDLL(None, use_errno=True)
CLONE_INTO_CGROUP = 0x200000000
# struct clone_args: flags pidfd child_tid parent_tid exit_signal stack
# stack_size tls set_tid set_tid_size cgroup
args = struct.pack("=11Q", CLONE_INTO_CGROUP, 0, 0, 0, 17, 0, 0, 0, 0, 0, fd)
buf = ctypes.create_string_buffer(args)
pid = libc.syscall(435, buf, len(args))
if pid == 0:
    # Not our stdout: the shell waits for it to close.
    os.dup2(os.open("/dev/null", os.O_WRONLY), 1)
    os.execvp("sleep", ["sleep", "30"])
if pid < 0:
    sys.exit("clone3: errno %d" % ctypes.get_errno())
print(pid)
PY
)
	grep -qx "$pid" "$off/cgroup.procs" || fail "child not born in $off"
	wait_policy "$pid" $SCHED_EXT
}

# An offline task tries to become online: nice() to a higher priority is
# refused (EPERM, as for any unprivileged task), sched_setscheduler() to
# SCHED_OTHER succeeds, but the task is still in the idle group and gets
# almost nothing beside an online hog on its CPU.
test_offline_escape() {
	local off on pid onpid
	command -v python3 >/dev/null || skip "no python3"
	trap bt_cleanup EXIT
	load_module
	off=$(bt_cg off)
	on=$(bt_cg on)
	stratosctl cgroup set "$off" class=offline
	setpriv --reuid=65534 --regid=65534 --clear-groups taskset -c 0 \
		python3 -c '
import os, sys, time
want = int(sys.argv[1])
for _ in range(100):
    if os.sched_getscheduler(0) == want:
        break
    time.sleep(0.1)
print("policy before:", os.sched_getscheduler(0), flush=True)
try:
    os.nice(-5)
    print("nice: allowed", flush=True)
except PermissionError:
    print("nice: EPERM", flush=True)
os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
print("policy after:", os.sched_getscheduler(0), flush=True)
while True:
    pass
' "$(offline_policy)" >/tmp/bt-escape 2>&1 &
	pid=$!
	echo "$pid" >"$off/cgroup.procs"
	wait_for 60 grep -q "policy after" /tmp/bt-escape || true
	cat /tmp/bt-escape
	grep -q "nice: EPERM" /tmp/bt-escape || fail "nice(-5) was not refused"
	grep -q "policy after: 0" /tmp/bt-escape || fail "setscheduler failed"
	onpid=$(hog "$on" 0)
	sleep 0.5
	under_tenth "$pid" "$onpid" escapee ||
		fail "escaped task got more than 10% beside online work"
}

# Kubelet writes cpu.weight on pod cgroups. cpu.idle sits on the marked
# cgroup only: writes on cgroups below it succeed and take effect; on the
# marked cgroup itself mainline refuses them (EINVAL), as documented.
test_fallback_cpu_weight_below_offline() {
	local off a b pa pb ra rb a0 b0 a1 b1 good=0
	trap bt_cleanup EXIT
	load_module
	off=$(bt_cg off)
	stratosctl cgroup set "$off" class=offline
	echo +cpu >"$off/cgroup.subtree_control"
	a=$(cg_create off/pod-a)
	b=$(cg_create off/pod-b)
	echo 400 >"$a/cpu.weight"
	echo 100 >"$b/cpu.weight"
	[ "$(cat "$a/cpu.weight")" = 400 ] || fail "pod cpu.weight not written"
	! echo 200 >"$off/cpu.weight" 2>/dev/null ||
		fail "cpu.weight accepted on an idle cgroup: mainline changed?"
	pa=$(hog "$a" 0)
	pb=$(hog "$b" 0)
	sleep 0.5
	# 4:1 expected; accept anything above 2:1 in one of two windows (a
	# vCPU the loaded host stops charges its gap to the task it ran: the
	# check once saw 1.9:1 on debug). Without the weights both read 1:1.
	a0=$(runtime_ns "$pa"); b0=$(runtime_ns "$pb")
	for _ in 1 2; do
		sleep 2
		a1=$(runtime_ns "$pa"); b1=$(runtime_ns "$pb")
		ra=$((a1 - a0)); rb=$((b1 - b0))
		echo "pod-a (400) $((ra / 1000000)) ms, pod-b (100) $((rb / 1000000)) ms"
		[ "$ra" -gt $((rb * 2)) ] && good=1
		a0=$a1; b0=$b1
	done
	[ "$good" = 1 ] || fail "cpu.weight below offline has no effect"
}

# The fallback alone: an offline hog next to an online hog on one CPU gets
# almost nothing (cpu.idle semantics, whatever the kernel).
test_fallback_offline_yields() {
	local off on p o
	trap bt_cleanup EXIT
	load_module
	off=$(bt_cg off)
	on=$(bt_cg on)
	stratosctl cgroup set "$off" class=offline
	p=$(hog "$off" 0)
	o=$(hog "$on" 0)
	sleep 0.5
	under_tenth "$p" "$o" offline || fail "offline hog got more than 10%"
}

# No cpu.idle, no offline class: the root cgroup, and a cgroup whose
# parent does not enable the cpu controller.
test_offline_errors() {
	local off
	trap bt_cleanup EXIT
	load_module
	expect_exit 1 stratosctl cgroup set / class=offline
	mkdir -p "$CGTEST/nocpu"
	echo -cpu >"$CGTEST/cgroup.subtree_control"
	off=$CGTEST/nocpu
	[ ! -e "$off/cpu.idle" ] || fail "cpu controller still enabled"
	expect_exit 1 stratosctl cgroup set "$off" class=offline
	expect_output "subtree_control" stratosctl cgroup set "$off" class=offline
}

# Removing an offline cgroup, then unloading with offline tasks running:
# the tasks get SCHED_NORMAL and the cgroup its old cpu.idle back.
test_offline_rmdir_and_rmmod() {
	local off gone pid
	trap bt_cleanup EXIT
	load_module
	gone=$(bt_cg gone)
	stratosctl cgroup set "$gone" class=offline
	rmdir "$gone"
	off=$(bt_cg off)
	stratosctl cgroup set "$off" class=offline
	pid=$(hog "$off")
	wait_policy "$pid" "$(offline_policy)"
	rmmod stratos
	wait_policy "$pid" 0
	[ "$(cat "$off/cpu.idle")" = 0 ] || fail "cpu.idle left set after rmmod"
}

# Without sched_ext, bt enable says so and the class stays on cpu.idle.
test_fallback_no_sched_ext() {
	have_sched_ext && skip "kernel has sched_ext (see the scx_bt group)"
	load_module
	expect_exit 1 stratosctl bt enable
	expect_output "no sched_ext.*cpu.idle fallback" stratosctl bt enable
	expect_output "scx_bt disabled offline cpu.idle fallback sched_ext absent" \
		stratosctl bt status
	expect_exit 1 stratosctl bt verify
	expect_output "no sched_ext.*scx_bt cannot load here" stratosctl bt verify
}

run_test "offline: existing, forked and exec'd tasks" test_offline_existing_fork_exec
run_test "offline: migrate in, out, nested, class back to online" test_offline_migrate_in_out
run_test "offline: clone3 CLONE_INTO_CGROUP child" test_offline_clone_into_cgroup
run_test "offline: a task's own slice stays across class switches" test_offline_keeps_custom_slice
run_test "offline: escape with nice()/sched_setscheduler()" test_offline_escape
run_test "fallback: cpu.weight below an offline cgroup" test_fallback_cpu_weight_below_offline
run_test "fallback: offline hog yields to online hog" test_fallback_offline_yields
run_test "offline: cgroup without cpu controller is refused" test_offline_errors
run_test "offline: rmdir, then rmmod with offline tasks" test_offline_rmdir_and_rmmod
run_test "fallback: bt enable without sched_ext" test_fallback_no_sched_ext
unload_module
