# SPDX-License-Identifier: GPL-2.0
#
# Races between the registry's writers: netlink requests, cgroup removal,
# module unload and multicast listeners. Meant for the debug kernel, where
# KASAN, lockdep and kmemleak watch them. Sourced by suite.sh.

RACE_SECONDS=${RACE_SECONDS:-20}

# The load generators run in the background, where failures are expected
# (the cgroup may be gone): they must not inherit the test's set -e.
race_churn_cgroups() {
	local base=$1 end=$2 i
	set +e
	while [ "$SECONDS" -lt "$end" ]; do
		for i in 0 1 2 3 4 5 6 7; do
			mkdir "$base/c$i" 2>/dev/null
		done
		sleep 0.0$((RANDOM % 10))
		for i in 0 1 2 3 4 5 6 7; do
			rmdir "$base/c$i" 2>/dev/null
		done
	done
	return 0
}

race_requests() {
	local base=$1 end=$2 c
	set +e
	while [ "$SECONDS" -lt "$end" ]; do
		c=$base/c$((RANDOM % 8))
		"$STRATOSCTL" cgroup set "$c" class offline weight $((RANDOM % 100 + 1))
		"$STRATOSCTL" cgroup show "$c"
		"$STRATOSCTL" -j cgroup list
		[ $((RANDOM % 2)) = 0 ] && "$STRATOSCTL" cgroup del "$c"
	done >/dev/null 2>&1
	return 0
}

test_race_set_del_rmdir() {
	local base end n
	RACE_PIDS=()
	trap 'kill ${RACE_PIDS[*]} 2>/dev/null || true; cg_cleanup' EXIT
	load_module
	base=$(cg_create race)
	echo "+cpu +memory" >"$base/cgroup.subtree_control"
	end=$((SECONDS + RACE_SECONDS))
	race_churn_cgroups "$base" "$end" & RACE_PIDS+=($!)
	race_churn_cgroups "$base" "$end" & RACE_PIDS+=($!)
	race_requests "$base" "$end" & RACE_PIDS+=($!)
	race_requests "$base" "$end" & RACE_PIDS+=($!)
	race_requests "$base" "$end" & RACE_PIDS+=($!)
	wait "${RACE_PIDS[@]}"
	RACE_PIDS=()
	cg_cleanup
	# Every cgroup is gone, so every entry must be gone: one left behind
	# means a set raced with a removal and won.
	wait_for 30 nr_cgroups_is 0 || true
	n=$(cat /sys/module/stratos/parameters/nr_cgroups)
	[ "$n" = 0 ] || { stratosctl cgroup list; fail "$n entries outlived their cgroups"; }
	stratosctl info >/dev/null
}

test_race_rmmod_inflight() {
	local base end i
	RACE_PIDS=()
	trap 'kill ${RACE_PIDS[*]} 2>/dev/null || true; cg_cleanup' EXIT
	load_module
	base=$(cg_create rmmod)
	echo "+cpu +memory" >"$base/cgroup.subtree_control"
	mkdir -p "$base/c0" "$base/c1" "$base/c2" "$base/c3" "$base/c4" \
		"$base/c5" "$base/c6" "$base/c7"
	end=$((SECONDS + RACE_SECONDS))
	"$STRATOSCTL" monitor >/dev/null 2>&1 & RACE_PIDS+=($!)
	"$STRATOSCTL" -j monitor >/dev/null 2>&1 & RACE_PIDS+=($!)
	race_requests "$base" "$end" & RACE_PIDS+=($!)
	race_requests "$base" "$end" & RACE_PIDS+=($!)
	for i in $(seq 10); do
		sleep 0.$((RANDOM % 10))
		# A module being unloaded answers EBUSY at worst; never a crash.
		rmmod stratos 2>/dev/null || { sleep 0.2; rmmod stratos; }
		insmod "$STRATOS_BUILD/stratos.ko"
	done
	wait "${RACE_PIDS[2]}" "${RACE_PIDS[3]}"
	stratosctl info >/dev/null
	rmmod stratos
}

run_test "race: set/get/del while cgroups come and go" test_race_set_del_rmdir
run_test "race: rmmod with requests in flight and monitors listening" test_race_rmmod_inflight
unload_module
