# SPDX-License-Identifier: GPL-2.0
#
# TAP helpers for the VM selftests. Sourced by each test group.
#
# A test is a shell function run in its own subshell under `set -e`, so the
# first failing command fails it; its output is shown as TAP diagnostics
# only when it fails. `skip REASON` ends a test as skipped (exit 4, as in
# kselftest) and the reason is printed. Cleanup belongs in an EXIT trap
# inside the test, which runs however the test ends: after the function has
# returned, so it must use globals, not locals, and must not fail.

STRATOS_BUILD=${STRATOS_BUILD:-/src/build/$(uname -r)}
STRATOSCTL=${STRATOSCTL:-/src/build/tools/stratosctl}
SELFTESTS=${SELFTESTS:-/src/selftests}
CGROOT=/sys/fs/cgroup
KSFT_SKIP=4
# A known defect that the test detected instead of its own verdict:
# "not ok ... # TODO" (TAP), counted apart from failures and listed by
# summary.sh. Only a check that names a documented defect returns it.
STRATOS_TODO=5

# A process costs 50 ms in the stock VM and up to half a second on the
# debug kernel beside busy loops, and the suite sleeps several hundred
# times, mostly in polling loops: `sleep N` in the tests' own shell code
# waits on a FIFO nobody writes to instead (read -t), which forks nothing.
# Anything but a plain number of seconds goes to sleep(1).
if nap_fifo=$(mktemp -u /tmp/stratos-nap.XXXXXX) && mkfifo "$nap_fifo" &&
   exec {NAP_FD}<>"$nap_fifo"; then
	rm -f "$nap_fifo"
fi
sleep() {
	if [ $# = 1 ] && [[ $1 =~ ^[0-9]*\.?[0-9]+$ ]] && [ -n "${NAP_FD:-}" ]; then
		read -rt "$1" -u "$NAP_FD" _ || true
	else
		command sleep "$@"
	fi
}

# wait_for SECONDS CMD...: run CMD every tenth of a second until it
# succeeds (0) or SECONDS have passed (1). The bound is wall time, not a
# number of rounds: with the sleep above a round costs little, and the
# bounds are sanity bounds that only a failing test reaches.
wait_for() {
	local end=$((SECONDS + $1 + 1))

	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# nr_cgroups_is N: does the registry hold N entries?
nr_cgroups_is() {
	local n

	read -r n </sys/module/stratos/parameters/nr_cgroups
	[ "$n" = "$1" ]
}

# STRATOS_DONE=FILE resumes a run that the emulator broke off (run.sh):
# FILE holds the names of the tests that finished before, one per line;
# they are not run again, and numbering goes on after them.
tap_n=0
[ -z "${STRATOS_DONE:-}" ] || tap_n=$(grep -c . "$STRATOS_DONE")
tap_failed=0

tap_header() {
	[ -n "${STRATOS_DONE:-}" ] || echo "TAP version 13"
}

tap_plan() {
	echo "1..$tap_n"
}

# run_test NAME FUNCTION [ARGS...]
# STRATOS_TESTS=REGEX (a developer's filter) runs only the tests whose name
# matches it; the others are left out of the plan. STRATOS_SKIP=REGEX (a
# job's choice, selftests/run.sh) reports the tests whose name matches it
# as skipped: another kernel's job runs them (STRATOS_SKIP_WHY says which,
# in the SKIP line; the regex itself by default). STRATOS_VERBOSE=1 prints the
# output of passing tests too; STRATOS_XTRACE=1 traces each command with
# its wall-clock time.
run_test() {
	local name=$1 log rc start=$SECONDS
	shift
	[[ -z "${STRATOS_TESTS:-}" || "$name" =~ $STRATOS_TESTS ]] || return 0
	[ -z "${STRATOS_DONE:-}" ] || ! grep -Fxq -- "$name" "$STRATOS_DONE" ||
		return 0
	tap_n=$((tap_n + 1))
	if [[ -n "${STRATOS_SKIP:-}" && "$name" =~ $STRATOS_SKIP ]]; then
		local why="STRATOS_SKIP='$STRATOS_SKIP'"
		echo "ok $tap_n - $name # SKIP not selected on this kernel (${STRATOS_SKIP_WHY:-$why})"
		return 0
	fi
	log=$(mktemp)
	if [ -n "${STRATOS_XTRACE:-}" ]; then
		(PS4='+ ${EPOCHREALTIME} '; set -ex; "$@") >"$log" 2>&1 </dev/null
	else
		(set -e; "$@") >"$log" 2>&1 </dev/null
	fi
	rc=$?
	case $rc in
	0)
		echo "ok $tap_n - $name"
		[ -z "${STRATOS_VERBOSE:-}" ] || sed 's/^/# /' "$log" ;;
	"$KSFT_SKIP")
		echo "ok $tap_n - $name # SKIP $(tail -n1 "$log")" ;;
	"$STRATOS_TODO")
		echo "not ok $tap_n - $name # TODO $(tail -n1 "$log")"
		sed 's/^/# /' "$log" | tail -n 40 ;;
	*)
		echo "not ok $tap_n - $name # exit $rc"
		sed 's/^/# /' "$log" | tail -n 40
		tap_failed=$((tap_failed + 1)) ;;
	esac
	# Where the suite's time goes (check.sh lists the slowest tests).
	echo "# time $((SECONDS - start)) s"
	rm -f "$log"
}

skip() {
	echo "$*"
	exit "$KSFT_SKIP"
}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# expect_fail EXPECTED_EXIT CMD...: CMD must exit with EXPECTED_EXIT.
expect_exit() {
	local want=$1 rc=0
	shift
	"$@" || rc=$?
	[ "$rc" = "$want" ] || fail "'$*' exited $rc, expected $want"
}

# expect_output PATTERN CMD...: CMD's combined output must match PATTERN
# (an extended regex); the exit status is not checked here.
expect_output() {
	local pat=$1 out
	shift
	out=$("$@" 2>&1) || true
	echo "$out" | grep -Eq -- "$pat" ||
		fail "'$*' printed '$out', expected /$pat/"
}

# expect_text TEXT CMD...: like expect_output, for a fixed string.
expect_text() {
	local text=$1 out
	shift
	out=$("$@" 2>&1) || true
	echo "$out" | grep -Fq -- "$text" ||
		fail "'$*' printed '$out', expected '$text'"
}

stratosctl() {
	"$STRATOSCTL" "$@"
}

module_loaded() {
	[ -d /sys/module/stratos ]
}

load_module() {
	module_loaded || insmod "$STRATOS_BUILD/stratos.ko" "$@"
}

unload_module() {
	! module_loaded || rmmod stratos
}

# A scratch subtree per test group, removed (with everything below) by
# cg_cleanup. Tasks are moved out before the directories go.
CGTEST=$CGROOT/stratos-selftest

# cg_create REL: make $CGTEST/REL with the cpu, memory and pids controllers
# enabled on the way down, as an agent's pod hierarchy would have them.
cg_create() {
	local dir=$CGROOT part rest=stratos-selftest/$1
	while [ -n "$rest" ]; do
		part=${rest%%/*}
		[ "$part" = "$rest" ] && rest= || rest=${rest#*/}
		echo "+cpu +memory +pids" >"$dir/cgroup.subtree_control" 2>/dev/null || true
		dir=$dir/$part
		# A process costs tens of milliseconds in the emulated VM:
		# only the missing levels pay for a mkdir.
		[ -d "$dir" ] || mkdir "$dir" 2>/dev/null || [ -d "$dir" ]
	done
	echo "$dir"
}

cg_id() {
	stat -c %i "$1"
}

# cg_usage_us CGROUP_DIR: the cgroup's CPU time by its own cpu.stat, in us.
cg_usage_us() {
	awk '$1 == "usage_usec" { print $2 }' "$1/cpu.stat"
}

# cg_remove_tree DIR: move every task out of DIR's subtree, then remove it,
# deepest first. One rmdir for the whole tree when nothing is busy (a
# process costs tens of milliseconds in the emulated VM); a directory
# still busy (a task exiting) is retried on its own.
cg_remove_tree() {
	local dir=$1 d pid dirs
	[ -d "$dir" ] || return 0
	mapfile -t dirs <<<"$(find "$dir" -depth -type d)"
	for d in "${dirs[@]}"; do
		[ -f "$d/cgroup.procs" ] || continue
		while read -r pid; do
			echo "$pid" >"$CGROOT/cgroup.procs" 2>/dev/null || true
		done <"$d/cgroup.procs"
	done
	rmdir "${dirs[@]}" 2>/dev/null && return 0
	for d in "${dirs[@]}"; do
		[ -d "$d" ] || continue
		rmdir "$d" 2>/dev/null || { sleep 0.2; rmdir "$d"; }
	done
}

cg_cleanup() {
	cg_remove_tree "$CGTEST"
}
