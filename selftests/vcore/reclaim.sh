# SPDX-License-Identifier: GPL-2.0
#
# Reclaimable capacity: the node's capacity minus what online work used
# over a window, sampled by the module once a second. Sourced by suite.sh;
# see common.sh for the VM it expects.
#
#   CPU    0     1     2     3
#   idle   1.0   1.0   1.0   1.0     (no SMT penalty: capacity 4.0)
#   busy   1.0   1.0   1.0   1.0
#
# Offline hogs (class=offline) run on CPUs 1 and 3 throughout; the online
# load steps from nothing to hogs on CPUs 0 and 2, and back.

. "$SELFTESTS/vcore/common.sh"

RC_WINDOW=4

# rc_field KEY [WINDOW]: a number from 'stratosctl -j vcore reclaimable'.
# Read with bash alone: under TCG every exec (jq) is online work that shows
# in the very figures being tested.
rc_field() {
	local json re="\"$1\":([0-9]+)"

	json=$(stratosctl -j vcore reclaimable window "${2:-$RC_WINDOW}")
	[[ $json =~ $re ]] || fail "no $1 in '$json'"
	echo "${BASH_REMATCH[1]}"
}

# rc_wait_until TEST SECONDS: poll 'TEST' (a shell condition) each second.
rc_wait_until() {
	local n=$2
	while [ "$n" -gt 0 ]; do
		eval "$1" && return 0
		sleep 1
		n=$((n - 1))
	done
	return 1
}

rc_cleanup() {
	local p cg
	for p in $(jobs -p); do kill "$p" 2>/dev/null || true; done
	# Whatever the hogs forked goes too: later groups need idle CPUs.
	for cg in rc-offline rc-online; do
		[ -f "$CGTEST/$cg/cgroup.kill" ] || continue
		echo 1 >"$CGTEST/$cg/cgroup.kill" 2>/dev/null || true
		wait_for 30 grep -q "populated 0" "$CGTEST/$cg/cgroup.events" || true
	done
	wait 2>/dev/null || true
	cg_cleanup
	stratosctl vcore factors reset all >/dev/null 2>&1 || true
}

test_vcore_reclaimable_stepped_load() {
	local off on now
	vc_need_cpus 4
	trap rc_cleanup EXIT
	load_module
	stratosctl vcore factors set all idle 1 busy 1
	vc_cpu_controller
	off=$(cg_create rc-offline)
	on=$(cg_create rc-online)
	stratosctl cgroup set "$off" class=offline
	vc_spin 1 "$off" 120
	vc_spin 3 "$off" 120
	# This shell and its tools stay off the online CPUs of the test.
	taskset -pc 1,3 "$BASHPID" >/dev/null

	# Batch work alone: all but this shell's work is reclaimable, however
	# busy the offline hogs keep the node. The shell shares CPUs 1 and 3
	# with them and wins (they are in an idle group), so they show as a
	# little less than two vcores.
	sleep $((RC_WINDOW + 2))
	stratosctl vcore reclaimable window "$RC_WINDOW"
	[ "$(rc_field capacity_mvcores)" = 4000 ] || fail "capacity"
	[ "$(rc_field offline_mvcores)" -ge 1200 ] ||
		fail "offline hogs not seen: $(rc_field offline_mvcores) mvcores"
	[ "$(rc_field reclaimable_mvcores)" -ge 3200 ] ||
		fail "idle node: only $(rc_field reclaimable_mvcores) mvcores reclaimable"

	# Step up: two online hogs take two vcores.
	vc_spin 0 "$on" 120
	vc_spin 2 "$on" 120
	rc_wait_until '[ "$(rc_field reclaimable_mvcores)" -le 2400 ]' \
		$((RC_WINDOW + 4)) ||
		fail "online load not seen: $(rc_field reclaimable_mvcores) mvcores reclaimable"
	stratosctl vcore reclaimable window "$RC_WINDOW"
	[ "$(rc_field online_mvcores)" -ge 1600 ] ||
		fail "online use $(rc_field online_mvcores) mvcores, expected about 2000"

	# Step down: the peak holds for the window, then capacity comes back.
	# (The peak is read over 30 s: on the debug kernel each stratosctl
	# call takes seconds, so a 4 s window may have passed already.)
	echo 1 >"$on/cgroup.kill"
	rc_wait_until 'grep -q "populated 0" "$on/cgroup.events"' 10 ||
		fail "the online hogs did not die"
	# The last sample is read: the one taken within a second of the kill
	# covers a second that still had the hogs in it.
	sleep 2
	[ "$(rc_field reclaimable_mvcores 30)" -le 2400 ] ||
		fail "the peak of the last 30 s was forgotten at once"
	now=$(rc_field online_mvcores 1)
	[ "$now" -le 800 ] ||
		fail "online use did not drop with the hogs gone: $now mvcores"
	rc_wait_until '[ "$(rc_field reclaimable_mvcores)" -ge 3200 ]' \
		$((RC_WINDOW + 4)) ||
		fail "capacity not reclaimable again: $(rc_field reclaimable_mvcores) mvcores"
	stratosctl vcore reclaimable window "$RC_WINDOW"
}

test_vcore_reclaimable_bad_input() {
	load_module
	expect_exit 2 stratosctl vcore reclaimable window 0
	expect_exit 2 stratosctl vcore reclaimable window 601
	expect_exit 2 stratosctl vcore reclaimable window 1x
	expect_exit 2 stratosctl vcore reclaimable percentile 0
	expect_exit 2 stratosctl vcore reclaimable percentile 101
	expect_exit 2 stratosctl vcore reclaimable bogus 1
	expect_output "invalid window '0'.*1\.\.600" \
		stratosctl vcore reclaimable window 0
	# Any user may read it.
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$STRATOSCTL" vcore reclaimable percentile 95 ||
		fail "unprivileged read refused"
	expect_output "^capacity [0-9.]+ online [0-9.]+ offline [0-9.]+ online-window [0-9.]+ reclaimable [0-9.]+ window 60 percentile 100 samples [0-9]+$" \
		stratosctl vcore reclaimable
}

run_test "vcore reclaimable capacity follows a stepped online load" test_vcore_reclaimable_stepped_load
run_test "vcore reclaimable bad input" test_vcore_reclaimable_bad_input
unload_module
