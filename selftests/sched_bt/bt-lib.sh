# SPDX-License-Identifier: GPL-2.0
#
# Helpers shared by the sched_bt test groups (offline.sh, scx_bt.sh).
# Sourced after selftests/lib.sh; not a test group itself.

# shellcheck disable=SC2034 # for the scripts that source this
SCHED_EXT=7

have_sched_ext() {
	[ -d /sys/kernel/sched_ext ]
}

# policy_of PID: the scheduling policy number from /proc/PID/sched, or
# "gone". Shell builtins only: it is polled (see lib.sh's sleep).
policy_of() {
	local key _ val

	{
		while read -r key _ val; do
			[ "$key" = policy ] && { echo "$val"; return 0; }
		done <"/proc/$1/sched"
	} 2>/dev/null
	echo gone
}

# wait_policy PID POLICY: wait up to 60 s (a sanity bound; a sweep on
# the debug kernel of a loaded host is slow) for PID to have POLICY.
has_policy() {
	[ "$(policy_of "$1")" = "$2" ]
}

wait_policy() {
	local pid=$1 want=$2 got

	wait_for 60 has_policy "$pid" "$want" && return 0
	got=$(policy_of "$pid")
	fail "task $pid has policy $got, expected $want; cgroup $(cat "/proc/$pid/cgroup" 2>/dev/null); ps: $(ps -o pid=,ppid=,stat=,cls=,args= -p "$pid" 2>&1 || echo 'no such task')"
}

# runtime_ns PID: CPU time used so far (first field of schedstat).
runtime_ns() {
	local ns _

	read -r ns _ <"/proc/$1/schedstat"
	echo "$ns"
}

# runs_of PID: how many times the task has been switched in so far
# (schedstat's third field).
runs_of() {
	local _ns _wait n

	read -r _ns _wait n <"/proc/$1/schedstat"
	echo "$n"
}

# under_tenth LOW HIGH WHAT: whether task LOW got under a tenth of task
# HIGH's CPU time in one of two 2-second windows, each printed as "WHAT
# N ms, online N ms". Two windows, the lower share counting: a vCPU the
# host does not run charges its gap to whatever task it was running, and
# under the check's load one window gave an idle-group task 29% (and the
# online hog more CPU time than wall time), the next 0.4%. A task that
# really competes gets about half the CPU in both.
under_tenth() {
	local l0 h0 l1 h1 good=0
	l0=$(runtime_ns "$1"); h0=$(runtime_ns "$2")
	for _ in 1 2; do
		sleep 2
		l1=$(runtime_ns "$1"); h1=$(runtime_ns "$2")
		echo "$3 $(((l1 - l0) / 1000000)) ms, online $(((h1 - h0) / 1000000)) ms"
		[ $(((l1 - l0) * 10)) -ge $((h1 - h0)) ] || good=1
		l0=$l1; h0=$h1
	done
	[ "$good" = 1 ]
}

# The kernel's ejections of scx_bt so far: the sched_ext watchdog's
# ("runnable task stall") and any other but a disable from user space or
# the SysRq one a test asks for (such as the 7.3 "reenqueue limit"). A
# test of scx_bt records the count when it starts and does not pass if it
# grew: its figures would otherwise have been measured, and could pass,
# in the cpu.idle fallback.
bt_stalls() {
	bt_ejections | wc -l
}

# bt_ejections: those ejections' kernel log lines, with the line after
# each (the task the kernel names), oldest first.
bt_ejections() {
	dmesg | grep -A1 'BPF scheduler "bt" disabled (' |
		awk '/BPF scheduler "bt" disabled \(/ {
			if (held != "") print held
			held = /\((unregistered from user space|disabled by sysrq)/ ? "" : $0
			next
		}
		held != "" && $0 != "--" { print held " / " $0; held = "" }
		END { if (held != "") print held }'
}

# bt_dump_summary PID: the kernel's dump of every CPU at the ejection
# (stratosctl bt dump), whole into the VM's result directory, and in the
# test's log the lines that say why PID did not run: each CPU's header,
# its current task and scx_bt's state ("bt:"), and PID's own entry. A
# failed test's log keeps only its last 40 lines.
bt_dump_summary() {
	local f=/run/result/bt-dump-$1.txt

	if [ -d /run/result ] && stratosctl bt dump >"$f" 2>&1; then
		echo "whole dump: build/vm/<name>/result/${f##*/}"
	fi
	stratosctl bt dump 2>&1 |
		awk -v pid="[$1]" '/^CPU |curr=| bt: / { print; next }
			index($0, pid) && !t { t = 5 }
			t > 0 { print; t-- }'
}

# bt_stall_check COUNT: 0 if the watchdog ejected nothing since bt_stalls
# printed COUNT. Else the kernel's words and 1, or $STRATOS_TODO when the
# starved task may run on one CPU only: the defect of
# Documentation/sched_bt.rst ("Known defect (cause found and fixed
# 2026-12-04): a pinned offline task"), kept apart from other ejections
# until no run shows it again. The rescue cannot move such a task.
bt_stall_check() {
	local line pid cpus

	[ "$(bt_stalls)" -gt "$1" ] || return 0
	line=$(bt_ejections | tail -n 1)
	if [[ "$line" != *"runnable task stall"* ]]; then
		echo "$line"
		echo "FAIL: the kernel ejected scx_bt during this test"
		return 1
	fi
	pid=$(sed -nE 's/.*\[([0-9]+)\] failed to run.*/\1/p' <<<"$line")
	bt_dump_summary "$pid"
	echo "$line"
	cpus=$(awk '/^Cpus_allowed_list:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
	if [[ -n "$cpus" && "$cpus" =~ ^[0-9]+$ ]]; then
		# bt_teardown prints it again after the cleanup: the TAP line
		# takes the reason from the last line.
		BT_TODO_WHY="the watchdog ejected scx_bt: task $pid, pinned to CPU $cpus, starved (known defect, Documentation/sched_bt.rst)"
		echo "TODO: $BT_TODO_WHY"
		return "$STRATOS_TODO"
	fi
	echo "FAIL: the sched_ext watchdog ejected scx_bt during this test (task $pid, CPUs ${cpus:-unknown})"
	return 1
}

# bt_cg NAME: a scratch cgroup with the cpu controller enabled above it.
bt_cg() {
	mkdir -p "$CGTEST"
	echo +cpu >"$CGTEST/cgroup.subtree_control"
	cg_create "$1"
}

# hog CGROUP [CPU]: start a busy loop (pinned to CPU if given), put it
# in CGROUP and print its pid. The caller's shell moves it, before
# returning: a loop that joined by its own write, as it once did, could
# do so after the caller had moved it on, and undo that. On the debug
# kernel a fork and exec take 0.1-0.5 s; one check run there moved a hog
# to an offline cgroup 0.2 s after starting it and found it, 60 s later,
# running its loop in SCHED_NORMAL (policy 0, expected 7): most likely
# the loop's late join had taken it back out. It spins for the moment
# before the move in the caller's cgroup.
hog() {
	local pin=
	[ -n "${2:-}" ] && pin="taskset -c $2"
	$pin sh -c 'while :; do :; done' >/dev/null 2>&1 &
	echo $! >"$1/cgroup.procs"
	echo $!
}

# burster CG CPU [RUN_MS SLEEP_MS]: an online task on CPU that runs 2 ms,
# sleeps 8 ms (or RUN_MS, SLEEP_MS), and so on; its pid on stdout.
burster() {
	taskset -c "$2" sh -c "echo \$\$ >$1/cgroup.procs; exec python3 -c '
import time
while True:
    end = time.monotonic() + ${3:-2} / 1000
    while time.monotonic() < end:
        pass
    time.sleep(${4:-8} / 1000)
'" >/dev/null 2>&1 &
	echo $!
}

# bt_stat CGROUP FIELD: that field of the cgroup's entry in bt stats
# (runtime_ns, preempted, expelled, vacated, max_wait_ns, rescued), 0
# while the cgroup has none.
bt_stat() {
	stratosctl -j bt stats | jq --arg p "${1#"$CGROOT"}" --arg f "$2" \
		'[.[] | select(.path == $p) | .[$f]] | add // 0'
}

# The kernel's count of tasks re-enqueued again without running between
# (SCX_EV_REENQ_REPEAT), or nothing if it keeps none.
reenq_repeats() {
	awk '$1 == "SCX_EV_REENQ_REPEAT" { print $2 }' \
		/sys/kernel/sched_ext/root/events 2>/dev/null
}

# exited PID: is PID gone, or a zombie? Builtins only: the cases that
# poll it pin their shell to the CPU where the task exits, and a ps every
# 0.1 s there is online work in its way.
exited() {
	local st
	{ read -r st <"/proc/$1/stat"; } 2>/dev/null || return 0
	st=${st##*) }
	[ "${st%% *}" = Z ]
}

# bt_counters NAME...: scx_bt's event counters of those names (nr_* in
# its .bss, found through bt_switch's maps), space separated, 0 if absent.
bt_counters() {
	local id
	for id in $(bpftool -j prog show name bt_switch | jq -r '.map_ids[]?'); do
		bpftool -j map dump id "$id" 2>/dev/null
	done | jq -rs --args '. as $all | [$ARGS.positional[] as $n |
		([$all | .. | objects | .[$n] // empty][0] // 0)] | join(" ")' "$@"
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
