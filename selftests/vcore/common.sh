# SPDX-License-Identifier: GPL-2.0
#
# Helpers shared by the vcore test groups (sourced, not a group itself).
# The VM for these groups has two SMT threads per core:
#   run-vm.sh --sockets 2 --threads 2 --cpus 4 --numa 2
# so CPUs 0,1 and 2,3 are siblings, one core (and NUMA node) each.

# shellcheck disable=SC2034 # for the scripts that source this
VC_FACTOR_SCALE=1000000

# vc_need_smt: skip unless CPUs 0-3 are two pairs of SMT siblings.
vc_need_smt() {
	local s0 s2
	s0=$(cat /sys/devices/system/cpu/cpu0/topology/thread_siblings_list 2>/dev/null || true)
	s2=$(cat /sys/devices/system/cpu/cpu2/topology/thread_siblings_list 2>/dev/null || true)
	[ "$s0" = 0-1 ] && [ "$s2" = 2-3 ] ||
		skip "needs 4 CPUs as 2 cores x 2 SMT threads (run-vm.sh --sockets 2 --threads 2 --cpus 4)"
}

# vc_need_cpus N: skip with fewer than N online CPUs.
vc_need_cpus() {
	[ "$(getconf _NPROCESSORS_ONLN)" -ge "$1" ] ||
		skip "needs $1 CPUs, this VM has $(getconf _NPROCESSORS_ONLN)"
}

# vc_spin CPU CGROUP_DIR SECONDS: a busy loop pinned to CPU inside the
# cgroup, in the background. Everything the cgroup runs is pinned, so all
# of its CPU time is on CPU.
vc_spin() {
	taskset -c "$1" sh -c 'echo $$ >"$1/cgroup.procs" &&
		exec timeout "$2" sh -c "while :; do :; done"' sh "$2" "$3" &
}

# vc_usage_ns CGROUP_DIR: the cgroup's CPU time from its own cpu.stat.
vc_usage_ns() {
	echo $(($(cg_usage_us "$1") * 1000))
}

# vc_field CGROUP_DIR KEY: a field of 'stratosctl -j vcore show'.
vc_field() {
	stratosctl -j vcore show "$1" | jq -r "if type == \"array\" then .[0] else . end | .$2"
}

# vc_close A B PCT [LABEL]: A within PCT percent of B (B > 0). With
# $VC_FIGURES set (make bench-vcore), a labelled comparison is also added
# to that file, for the accuracy table.
vc_close() {
	if [ -n "${4:-}" ] && [ -n "${VC_FIGURES:-}" ]; then
		awk -v a="$1" -v b="$2" -v p="$3" -v l="$4" \
			'BEGIN { printf "%s|%s|%s|%+.2f|%s\n", l, a, b, (a - b) / b * 100, p }' \
			>>"$VC_FIGURES"
	fi
	awk -v a="$1" -v b="$2" -v p="$3" \
		'BEGIN { d = (a - b) / b * 100; if (d < 0) d = -d;
			 printf "%s vs %s: %.2f%% (limit %s%%)\n", a, b, d, p;
			 exit !(d <= p) }'
}

vc_reset_factors() {
	stratosctl vcore factors reset all
}

# Factors of the limit tests: 1.0 on CPUs 0-1, 0.6 on 2-3, no SMT penalty.
vc_limit_setup() {
	vc_need_cpus 4
	stratosctl vcore factors set 0-1 idle 1 busy 1
	stratosctl vcore factors set 2-3 idle 0.6 busy 0.6
	vc_cpu_controller
}

# The cpu controller for the test cgroups, so that they have cpu.max.
vc_cpu_controller() {
	mkdir -p "$CGTEST"
	echo +cpu >"$CGTEST/cgroup.subtree_control"
}

vc_limit_cleanup() {
	local p
	for p in $(jobs -p); do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	cg_cleanup
	load_module
	vc_reset_factors
}
