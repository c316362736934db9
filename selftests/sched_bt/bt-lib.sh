# SPDX-License-Identifier: GPL-2.0
#
# Helpers shared by the sched_bt test groups (offline.sh, scx_bt.sh).
# Sourced after selftests/lib.sh; not a test group itself.

SCHED_EXT=7

have_sched_ext() {
	[ -d /sys/kernel/sched_ext ]
}

# policy_of PID: the scheduling policy number from /proc/PID/sched, or
# "gone".
policy_of() {
	awk '$1 == "policy" { print $3 }' "/proc/$1/sched" 2>/dev/null ||
		echo gone
}

# wait_policy PID POLICY [TENTHS]: wait up to TENTHS/10 s (default 30 s:
# a sanity bound; a sweep on the debug kernel of a loaded host is slow).
wait_policy() {
	local pid=$1 want=$2 n=${3:-300} got
	while [ "$n" -gt 0 ]; do
		got=$(policy_of "$pid")
		[ "$got" = "$want" ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	fail "task $pid has policy $got, expected $want; ps: $(ps -o pid=,ppid=,stat=,cls=,args= -p "$pid" 2>&1 || echo 'no such task')"
}

# runtime_ns PID: CPU time used so far (first field of schedstat).
runtime_ns() {
	awk '{ print $1 }' "/proc/$1/schedstat"
}

# under_tenth LOW HIGH WHAT: whether task LOW got under a tenth of task
# HIGH's CPU time in one of two 2-second windows, each printed as "WHAT
# N ms, online N ms". Two windows, the lower share counting: a vCPU the
# host does not run charges its gap to whatever task it was running, and
# under the check's load one window gave an idle-group task 29% (and the
# online hog more CPU time than wall time), the next 0.4%. A task that
# really competes gets about half the CPU in both.
under_tenth() {
	local l0 h0 l1 h1 i good=0
	l0=$(runtime_ns "$1"); h0=$(runtime_ns "$2")
	for i in 1 2; do
		sleep 2
		l1=$(runtime_ns "$1"); h1=$(runtime_ns "$2")
		echo "$3 $(((l1 - l0) / 1000000)) ms, online $(((h1 - h0) / 1000000)) ms"
		[ $(((l1 - l0) * 10)) -ge $((h1 - h0)) ] || good=1
		l0=$l1; h0=$h1
	done
	[ "$good" = 1 ]
}

# bt_cg NAME: a scratch cgroup with the cpu controller enabled above it.
bt_cg() {
	mkdir -p "$CGTEST"
	echo +cpu >"$CGTEST/cgroup.subtree_control"
	cg_create "$1"
}

# hog CGROUP [CPU]: start a busy loop inside CGROUP (pinned to CPU if
# given) and print its pid; it joins the cgroup before it starts spinning.
hog() {
	local pin=
	[ -n "${2:-}" ] && pin="taskset -c $2"
	$pin sh -c "echo \$\$ >$1/cgroup.procs; exec sh -c 'while :; do :; done'" \
		>/dev/null 2>&1 &
	echo $!
}

# Kill every task under the scratch tree (hogs are always started there),
# then remove it.
bt_cleanup() {
	local n=50
	if [ -f "$CGTEST/cgroup.kill" ]; then
		echo 1 >"$CGTEST/cgroup.kill"
		while [ -s "$CGTEST/cgroup.procs" ] ||
		      grep -q "populated 1" "$CGTEST/cgroup.events"; do
			n=$((n - 1))
			[ "$n" -gt 0 ] || break
			sleep 0.1
		done
	fi
	cg_cleanup
}
