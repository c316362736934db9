#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The SMT overlap rows of the offline-class benchmark (issue 6), run by
# 'make bench-bt' in a VM whose two vCPUs are SMT siblings
# (--sockets 1 --threads 2 --cpus 2). Online work runs on CPU 0, an offline
# hog is pinned to its sibling, CPU 1, and sched_switch events of both
# CPUs tell who ran when. "overlap" is the time the offline hog ran while
# the sibling ran online work, as a share of online runtime: the time an
# offline thread would have shared a core with online work on real SMT
# hardware (TCG vCPUs share no execution units, so only the schedule can
# be measured, not the slowdown). Online work is either
#   loop     a busy loop, always running
#   nginx    nginx serving wrk over loopback, both on CPU 0, wrk's
#            connections waiting a random 0-8 ms between requests: bursts
#            that start and stop while the hog runs
# and the offline hog is in
#   idle       a cpu.idle=1 cgroup (mainline, no expeller)
#   expel-off  an offline cgroup under scx_bt, smt-expel off
#   expel-on   the same, smt-expel on (the default, smt-hold 0: offline
#              work may return to CPU 1 as soon as CPU 0 leaves online
#              work)
#   hold-2ms   the same with smt-hold 2000: it returns only once CPU 0
#              has been out of online work for 2 ms
# Columns: online and offline runtime in the traced window (all CPUs), the
# hog's runtime by its own schedstat (a check on the trace; see
# Documentation/sched_bt.rst, "Statistics", for why it once read low
# beside nginx with the expeller on), the overlap
# in ms and as a share of online runtime, how often online and offline
# work met (began to run side by side) and how long a meeting lasted in
# the median (the expeller's reaction time). Booted with the kicks' IPIs
# traced (make bench-bt does), a comment line under each row with the
# expeller on says where its overlap went: waiting for a kick to reach
# the offline task's CPU (under TCG, for the host to run that vCPU),
# from its arrival to the offline task's switch (that CPU's way out
# through the scheduler, scx_bt's callbacks included), and meetings no
# kick reached (the starvation guard's runs, a yield). A last line gives
# what scx_bt's tracepoint programs cost per run.
#
# Usage (in the VM): selftests/sched_bt/bench-smt.sh [SECS]

set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
. "$here/bt-lib.sh"
. "$here/bench-lib.sh"

secs=${1:-${BENCH_SECS:-8}}
TRACE=/sys/kernel/tracing
OFF_CG=$CGROOT/stratos-bench
ON_CG=$CGROOT/stratos-bench-on
svc_dir=

cleanup() {
	# sched_switch stays enabled, as run-vm.sh booted it: turning it
	# off would patch kernel text under the running vCPUs.
	echo 0 >"$TRACE/tracing_on" 2>/dev/null
	kill_cg "$ON_CG"
	stratosctl bt disable >/dev/null 2>&1
	kill_cg "$OFF_CG"
	[ -z "$svc_dir" ] || rm -rf "$svc_dir"
	unload_module
}

# tids DIR: every thread id in cgroup DIR, on one line.
tids() {
	tr '\n' ' ' <"$1/cgroup.threads"
}

# overlap FILE: from the sched_switch trace in FILE, "online_ms
# offline_ms overlap_ms meets median_us" between the marks "bench start"
# and "bench end": meets is how often online and offline work began to
# run side by side, median_us how long that lasted in the median (the
# expeller's reaction; what the median leaves is misses). Then where the
# overlap went, from the kicks' IPIs (ipi_send_cpu from
# kick_cpus_irq_workfn) and their arrival (reschedule_entry) on the
# offline task's CPU: "kicked_ms n_kicked exit_ms n_exit exit_median_us
# unkicked_ms n_unkicked", the time until a kick sent to the offline
# task's CPU reached it, the time from its arrival to the
# offline task's switch (and, in the median over those meetings, how
# long that switch took from the arrival), and the time of meetings no
# kick reached at all. The file is read twice: the first pass finds what
# each CPU ran before its first switch. Tasks are online or offline by
# thread id; anything else (idle, kernel threads, the bench itself) is
# neither.
overlap() {
	awk -v on="$(tids "$ON_CG")" -v off="$(tids "$OFF_CG")" -v ivs="$1.meets" '
		function cls(pid) {
			return (pid in ison) ? "on" : (pid in isoff) ? "off" : "-"
		}
		function parse(   i) {
			for (i = 1; i <= NF; i++) {
				if ($i ~ /^\[[0-9]+\]$/)
					cpu = substr($i, 2, length($i) - 2) + 0
				else if ($i ~ /^[0-9]+\.[0-9]+:$/)
					t = substr($i, 1, length($i) - 1) * 1e6
				else if ($i ~ /^prev_pid=/)
					prev = substr($i, 10) + 0
				else if ($i ~ /^next_pid=/)
					nxt = substr($i, 10) + 0
				else if ($i ~ /^cpu=/)
					dst = substr($i, 5) + 0
			}
		}
		# A meeting on offline CPU x from a to b ends: split it by the
		# last kick sent to x since its offline task started, and by
		# when that kick arrived.
		function split_meeting(x, a, b,    k, r) {
			k = (x in kick) && kick[x] >= offstart[x] ? kick[x] : 0
			if (!k) {
				unkicked += b - a
				n_unkicked++
				return
			}
			r = (x in resched) && resched[x] >= k ? resched[x] : 0
			if ((r ? (r < b ? r : b) : b) > (k > a ? k : a)) {
				kicked += (r && r < b ? r : b) - (k > a ? k : a)
				n_kicked++
			}
			if (r && r < b) {
				exited += b - (r > a ? r : a)
				n_exit++
				printf "%.0f\n", b - r >exs
			}
		}
		function side_by_side() {
			return (st[0] == "on" && st[1] == "off") ||
			       (st[0] == "off" && st[1] == "on")
		}
		# Account the time since the last event to the current state.
		function account(   dt, c) {
			if (!counting) return
			dt = t - last
			for (c in st) {
				if (st[c] == "on") onrun += dt
				if (st[c] == "off") offrun += dt
			}
			if (side_by_side())
				both += dt
		}
		BEGIN {
			exs = ivs ".exit"
			printf "" >ivs
			printf "" >exs
			n = split(on, a, " "); for (i = 1; i <= n; i++) ison[a[i]] = 1
			n = split(off, a, " "); for (i = 1; i <= n; i++) isoff[a[i]] = 1
		}
		/ipi_send_cpu: .*callsite=kick_cpus_irq_workfn/ {
			if (FNR == NR) next
			parse()
			kick[dst] = t
			next
		}
		# A CPU that kicks itself (an offline task starting beside
		# online work) raises the kick as its own irq_work, and needs
		# no IPI to see it.
		/ipi_send_cpu: .*callback=kick_cpus_irq_workfn/ {
			if (FNR == NR) next
			parse()
			if (dst == cpu && st[cpu] == "off")
				kick[cpu] = resched[cpu] = t
			next
		}
		/reschedule_entry:/ {
			if (FNR == NR) next
			parse()
			resched[cpu] = t
			next
		}
		!/sched_switch:|tracing_mark_write: bench/ { next }
		FNR == NR {
			if (!/sched_switch:/) next
			parse()
			if (!(cpu in st)) st[cpu] = cls(prev)
			next
		}
		{
			parse()
			account()
			last = t
			if (/bench start/) {
				counting = 1
				met = side_by_side() ? t : 0
				mcpu = st[0] == "off" ? 0 : 1
			} else if (/bench end/) {
				counting = 0
			} else {
				st[cpu] = cls(nxt)
				if (st[cpu] == "off")
					offstart[cpu] = t
				if (!side_by_side()) {
					if (met && counting) {
						printf "%.0f\n", t - met >ivs
						split_meeting(mcpu, met, t)
					}
					met = 0
				} else if (!met) {
					met = t
					mcpu = st[0] == "off" ? 0 : 1
					meets += counting
				}
			}
		}
		END {
			close(ivs)
			close(exs)
			printf "%.0f %.0f %.1f %d %s", onrun / 1e3, offrun / 1e3,
				both / 1e3, meets, median(ivs)
			printf " %.1f %d %.1f %d %s %.1f %d\n", kicked / 1e3,
				n_kicked, exited / 1e3, n_exit, median(exs),
				unkicked / 1e3, n_unkicked
		}
		# The median of the numbers in FILE, one per line; "-" if none.
		function median(file,    cmd, n, v, vals) {
			cmd = "sort -n " file
			while ((cmd | getline v) > 0)
				vals[++n] = v
			close(cmd)
			if (!n) return "-"
			return vals[int((n + 1) / 2)]
		}
	' "$1" "$1"
}

# overlap_split KICKED_MS N EXIT_MS N EXIT_MEDIAN_US UNKICKED_MS N: a
# comment line under a row with the expeller on, saying where its overlap
# went (overlap() above), if the kicks' IPIs are traced: their events are
# enabled at boot, as sched_switch is (STRATOS_VM_TRACE, Makefile).
overlap_split() {
	[ "$(cat "$TRACE/events/ipi/ipi_send_cpu/enable" 2>/dev/null)" = 1 ] ||
		return 0
	echo "#   overlap: $1 ms until the kick arrived ($2 meetings)," \
		"$3 ms from there to the switch ($4; median $5 us after" \
		"the kick), $6 ms not kicked ($7)"
}

# kick: a switch on each CPU, so that the trace shows what each ran.
kick() {
	taskset -c 0 true
	taskset -c 1 true
}

# row ONLINE MODE: one table row; the online work runs, and $OFF_CG is
# set up for MODE.
row() {
	local online=$1 mode=$2 p r0 y0 y1 lost res
	p=$(hog "$OFF_CG" 1)
	sleep 1
	echo 0 >"$TRACE/tracing_on"
	echo >"$TRACE/trace"
	echo 1 >"$TRACE/tracing_on"
	kick
	r0=$(runtime_ns "$p")
	y0=$(bt_yields)
	echo "bench start" >"$TRACE/trace_marker"
	sleep "$secs"
	echo "bench end" >"$TRACE/trace_marker"
	# The hog's own count, to check the trace against.
	r0=$((($(runtime_ns "$p") - r0) / 1000000))
	y1=$(bt_yields)
	kick
	echo 0 >"$TRACE/tracing_on"
	lost=$(awk '$1 == "overrun:" { n += $2 } END { print n + 0 }' \
		"$TRACE"/per_cpu/cpu*/stats)
	cat "$TRACE/trace" >/tmp/bench-smt.trace
	read -r -a res <<<"$(overlap /tmp/bench-smt.trace)"
	printf "%-7s %-9s %9s %10s %8s %10s %8s %6s %9s\n" "$online" "$mode" \
		"${res[0]}" "${res[1]}" "$r0" "${res[2]}" "$(awk -v b="${res[2]}" \
		-v o="${res[0]}" 'BEGIN { printf "%.2f%%", (o > 0 ? 100 * b / o : 0) }')" \
		"${res[3]}" "${res[4]}"
	case $mode in
	expel-on|hold-*) overlap_split "${res[@]:5}" ;;
	esac
	[ "$lost" = 0 ] || echo "# the trace lost $lost events: figures low"
	# A yield runs the hog in its cpu.idle group, where the expeller
	# does not reach it (Documentation/sched_bt.rst, "Pinned offline
	# tasks").
	[ "$y1" = "$y0" ] || echo "# the hog yielded $((y1 - y0)) times"
	empty_cg "$OFF_CG"
}

# bt_yields: yields stratos.ko has carried out so far (0 if not loaded).
bt_yields() {
	cat /sys/module/stratos/parameters/bt_yields 2>/dev/null || echo 0
}

# bt_progs: every program of scx_bt (its names start with bt_), as JSON.
bt_progs() {
	bpftool -j prog show | jq -c '.[] | select(.name // "" | startswith("bt_"))'
}

# prog_cost: what scx_bt's programs cost per run, by the kernel's own BPF
# run-time statistics, while nginx serves with the expeller on and the
# offline hog runs: the tracepoint programs (bt_switch on every context
# switch, bt_wakeup on every wakeup) and the callbacks the kernel made on
# the offline task's way in and out (those that ran). Under TCG these are
# emulated nanoseconds, an upper bound of the native cost.
prog_cost() {
	local stats
	stratosctl bt set smt-expel on >/dev/null
	online_start nginx || return 1
	hog "$OFF_CG" 1 >/dev/null
	disown
	sysctl -q kernel.bpf_stats_enabled=1
	stats=$(bt_progs)
	sleep "$secs"
	stats="$stats $(bt_progs)"
	sysctl -q kernel.bpf_stats_enabled=0
	echo "$stats" | jq -rs 'group_by(.name)[] | select(length == 2) |
		((.[1].run_cnt // 0) - (.[0].run_cnt // 0)) as $n |
		((.[1].run_time_ns // 0) - (.[0].run_time_ns // 0)) as $t |
		select($n > 0) |
		"# \(.[0].name): \($n) runs in '"$secs"' s (nginx, expel-on), \(if $n > 0 then ($t / $n | floor) else 0 end) ns per run"'
	kill_cg "$ON_CG"
	empty_cg "$OFF_CG"
}

# online_start KIND: the online work of the rows, in $ON_CG.
online_start() {
	mkdir "$ON_CG"
	if [ "$1" = loop ]; then
		hog "$ON_CG" 0 >/dev/null
		disown
	else
		svc_start
	fi
}

have_sched_ext || { echo "kernel without sched_ext"; exit 1; }
sib=$(cat /sys/devices/system/cpu/cpu0/topology/thread_siblings_list)
[ "$sib" = 0-1 ] || [ "$sib" = 0,1 ] ||
	{ echo "CPUs 0 and 1 are not SMT siblings ($sib): boot with --threads 2"; exit 1; }
trap cleanup EXIT
load_module
echo 0 >"$TRACE/tracing_on"
echo 8192 >"$TRACE/buffer_size_kb"
echo 1 >"$TRACE/events/sched/sched_switch/enable"
echo "# $(uname -r), CPUs 0-1 SMT siblings, online on CPU 0, offline hog on CPU 1, ${secs} s per row"
printf "%-7s %-9s %9s %10s %8s %10s %8s %6s %9s\n" online mode online_ms \
	offline_ms hog_ms overlap_ms overlap meets median_us
# The VM runs multi-threaded TCG, so that both siblings run at once as
# they would on hardware (under icount's round robin a spinning vCPU
# starves the other). Loading or unloading a sched_ext scheduler patches
# kernel text (static keys), which multi-threaded TCG can trip over (an
# int3 oops in scx_tick was seen on the fifth load of a run): scx_bt loads
# once, after the cpu.idle rows, and the expeller is switched at run time.
for online in loop nginx; do
	online_start "$online" || exit 1
	mkdir "$OFF_CG"
	echo 1 >"$OFF_CG/cpu.idle"
	row "$online" idle
	kill_cg "$OFF_CG"
	kill_cg "$ON_CG"
done
mkdir "$OFF_CG"
stratosctl cgroup set "$OFF_CG" class=offline
stratosctl bt enable smt-expel off >/dev/null
for online in loop nginx; do
	online_start "$online" || exit 1
	row "$online" expel-off
	stratosctl bt set smt-expel on >/dev/null
	row "$online" expel-on
	stratosctl bt set smt-hold 2000 >/dev/null
	row "$online" hold-2ms
	stratosctl bt set smt-expel off smt-hold 0 >/dev/null
	kill_cg "$ON_CG"
done
prog_cost
