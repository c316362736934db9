# SPDX-License-Identifier: GPL-2.0
#
# scx_bt's SMT expeller (issue 6): no offline work on a CPU whose SMT
# sibling runs online work. Needs a sched_ext kernel and SMT siblings (run
# the VM with --threads 2). TCG vCPUs share no execution units, so this
# checks behaviour (who ran where), not interference. Sourced by suite.sh.

. "$SELFTESTS/sched_bt/bt-lib.sh"

# sibling_of CPU: the other thread of CPU's core, or nothing.
sibling_of() {
	tr ',-' '  ' <"/sys/devices/system/cpu/cpu$1/topology/thread_siblings_list" |
		awk -v c="$1" '{ for (i = 1; i <= NF; i++) if ($i != c) print $i }'
}

# smt_need: skip without sched_ext or SMT siblings; sets the caller's
# local sib (CPU 0's sibling), and SMT_STALLS (bt_stalls) for the trap:
# a global, as the trap runs after the case's function has returned.
smt_need() {
	have_sched_ext || skip "kernel without sched_ext"
	sib=$(sibling_of 0)
	[ -n "$sib" ] || skip "no SMT siblings (run the VM with --threads 2)"
	SMT_STALLS=$(bt_stalls)
}

# smt_teardown: the EXIT trap. A case that passed is checked for
# watchdog ejections; scx_bt is unloaded unless the case passed with
# SMT_KEEP=1; a trace the case started (SMT_TRACING, tracefs) stops, and
# its scratch file (SMT_TMP) goes.
smt_teardown() {
	local rc=$?

	[ -z "${SMT_TRACING:-}" ] || echo 0 >"$SMT_TRACING/tracing_on"
	[ -z "${SMT_TMP:-}" ] || rm -f "$SMT_TMP"
	[ "$rc" != 0 ] || bt_stall_check "$SMT_STALLS" || rc=$?
	[ "$rc" = 0 ] && [ "${SMT_KEEP:-0}" = 1 ] ||
		stratosctl bt disable >/dev/null 2>&1
	bt_cleanup
	exit "$rc"
}

# smt_keep_on_pass: at exit, check for watchdog ejections; a test that
# passed leaves scx_bt loaded for the next case (fewer loads, fewer kernel
# text patches: see scx_bt.sh's bt_teardown).
smt_keep_on_pass() {
	SMT_KEEP=1
	trap smt_teardown EXIT
}

# smt_cgroups: load the module and make the caller's cgroups off (offline)
# and on.
smt_cgroups() {
	load_module
	off=$(bt_cg off)
	on=$(bt_cg on)
	stratosctl cgroup set "$off" class=offline
}

# expel_window HOLD_US: with smt-hold HOLD_US, "off_ms on_ms kicks yields"
# of the caller's hogs $p (offline) and $o (online): their runtimes over
# 2 s, the kicks and yields over a little more.
expel_window() {
	local a0 b0 a1 b1 k0 k1 y0 y1
	stratosctl bt set smt-hold "$1" >/dev/null
	sleep 0.5
	read -r k0 _ _ <<<"$(bss_counts)"
	y0=$(cat /sys/module/stratos/parameters/bt_yields)
	a0=$(runtime_ns "$p"); b0=$(runtime_ns "$o")
	sleep 2
	a1=$(runtime_ns "$p"); b1=$(runtime_ns "$o")
	y1=$(cat /sys/module/stratos/parameters/bt_yields)
	read -r k1 _ _ <<<"$(bss_counts)"
	echo "$(((a1 - a0) / 1000000)) $(((b1 - b0) / 1000000))" \
		"$((k1 - k0)) $((y1 - y0))"
}

# Beside an online hog on CPU 0, an offline hog on its sibling runs only
# what the ext_server and the starvation guard let past the hold: well
# under 5%, but not nothing (the guard is what lets kernel lock holders
# progress). Neither is kicked off again as it starts (bt_switch): that
# took it all (0 ms in 8 s, where 3-5 ms a second is usual), and with
# smt-hold on kicks and picks chased each other 60000 times a second.
# Online work never starts anew here, so next to no kicks are due.
# The case's own commands run on the sibling: queued on CPU 0 behind the
# online hog, they are online work that could run on the held sibling,
# and the hog, pinned there, yields for them (Documentation/sched_bt.rst,
# "Pinned offline tasks") and runs outside the expeller's reach for
# 160 ms; one check run read 203 ms in 2 s so. A window with a yield
# anyway (a kernel thread waiting on CPU 0) is measured again, once.
test_smt_expeller() {
	local sib off on p o a0 hold off_ms on_ms kicks yields
	smt_need
	smt_keep_on_pass
	smt_cgroups
	taskset -pc "$sib" "$BASHPID" >/dev/null
	stratosctl bt enable smt-expel on
	p=$(hog "$off" "$sib")
	o=$(hog "$on" 0)
	wait_policy "$p" $SCHED_EXT
	for hold in 0 2000; do
		for _ in 1 2; do
			read -r off_ms on_ms kicks yields <<<"$(expel_window "$hold")"
			echo "expeller on, smt-hold $hold us: offline on CPU $sib ran $off_ms ms beside $on_ms ms online on CPU 0; $kicks kicks, $yields yields"
			[ "$yields" = 0 ] && break
		done
		[ "$yields" = 0 ] || fail "the offline hog yielded in both windows"
		[ $((off_ms * 20)) -lt "$on_ms" ] ||
			fail "offline ran beside an online sibling"
		[ "$off_ms" -ge 1 ] ||
			fail "the guard and the ext_server let offline work no time"
		[ "$kicks" -lt 200 ] ||
			fail "$kicks kicks in 2 s beside online work that never restarted"
	done
	stratosctl -j bt stats
	stratosctl bt set smt-expel off smt-hold 0
	sleep 0.5
	a0=$(runtime_ns "$p")
	sleep 2
	off_ms=$((($(runtime_ns "$p") - a0) / 1000000))
	echo "expeller off: offline ran $off_ms ms"
	[ $((off_ms * 2)) -gt "$on_ms" ] || fail "offline starved with the expeller off"
	# A free core: offline work runs there at full speed.
	kill "$o"
}

# burst_overlaps TRACE ON OFF SIB: for each switch of task ON onto CPU 0
# while task OFF ran on CPU SIB, the µs OFF went on running there (until
# it left SIB or ON left CPU 0), one per line.
burst_overlaps() {
	awk -v on="$2" -v off="$3" -v sib="$4" '
		/sched_switch:/ {
			for (i = 1; i <= NF; i++) {
				if ($i ~ /^\[[0-9]+\]$/)
					cpu = substr($i, 2, length($i) - 2) + 0
				else if ($i ~ /^[0-9]+\.[0-9]+:$/)
					t = substr($i, 1, length($i) - 1) * 1e6
				else if ($i ~ /^prev_pid=/)
					prev = substr($i, 10) + 0
				else if ($i ~ /^next_pid=/)
					nxt = substr($i, 10) + 0
			}
			if (cpu == sib) {
				if (prev == off && since)
					{ printf "%.0f\n", t - since; since = 0 }
				offrun = (nxt == off)
			} else if (cpu == 0) {
				if (nxt == on && offrun)
					since = t
				else if (prev == on && since)
					{ printf "%.0f\n", t - since; since = 0 }
			}
		}' "$1"
}

# bss_counts: scx_bt's kicks (at the online wakeup, at the online switch
# and at the offline start), "nr_tick_expels" and the wakeup's kicks alone.
bss_counts() {
	local s a w x
	read -r s a w x <<<"$(bt_counters nr_switch_kicks nr_start_kicks \
		nr_wake_kicks nr_tick_expels)"
	echo "$((s + a + w)) $x $w"
}

# The expeller acts when online work wakes (bt_wakeup) and when it starts
# (bt_switch): each kicks the offline task off the sibling. The offline
# task's next tick, 4 ms apart at HZ=250, would miss most of a 2 ms burst.
# The case requires a kick for every burst that began beside offline
# work, kicks at the wakeup for half of them at least, and the kicks
# counted in bt stats. How soon the offline task left is printed, not
# judged: under TCG it is how soon the host ran the sibling's vCPU thread.
# In a VM alone on the host the median read 78-136 us with bt_switch and
# 2062 us with it returning at once; beside another busy VM, 2086 us with
# bt_switch too; 63 us with bt_wakeup as well (Documentation/sched_bt.rst
# has the benchmark).
test_smt_expel_at_switch() {
	local sib off on p b t=/sys/kernel/tracing f n med e0 e1 k0 k1 x0 x1 w0 w1
	smt_need
	[ -d "$t/events/sched/sched_switch" ] || skip "no tracefs"
	f=$(mktemp)
	SMT_TRACING=$t SMT_TMP=$f
	trap smt_teardown EXIT
	smt_cgroups
	stratosctl bt enable smt-expel on
	p=$(hog "$off" "$sib")
	b=$(burster "$on" 0)
	wait_policy "$p" $SCHED_EXT
	sleep 1
	echo 1 >"$t/events/sched/sched_switch/enable"
	echo 0 >"$t/tracing_on"
	echo >"$t/trace"
	e0=$(bt_stat "$off" expelled)
	read -r k0 x0 w0 <<<"$(bss_counts)"
	echo 1 >"$t/tracing_on"
	sleep 2
	echo 0 >"$t/tracing_on"
	e1=$(bt_stat "$off" expelled)
	read -r k1 x1 w1 <<<"$(bss_counts)"
	echo "kicks $((k1 - k0)) ($((w1 - w0)) at the wakeup), tick expulsions $((x1 - x0))"
	cat "$t/trace" >"$f"
	burst_overlaps "$f" "$b" "$p" "$sib" | sort -n >"$f.o"
	n=$(wc -l <"$f.o")
	med=$(awk -v n="$n" 'NR == int((n + 1) / 2) { print $1 }' "$f.o")
	echo "$n online bursts began beside offline work; median overlap ${med:-none} us; $((e1 - e0)) expelled"
	rm -f "$f.o"
	[ "$n" -ge 10 ] || fail "only $n bursts met offline work: the case measured nothing"
	[ $((k1 - k0)) -ge "$n" ] ||
		fail "$((k1 - k0)) kicks for $n bursts that began beside offline work"
	# Each burst starts with a timer waking the online task while the
	# offline one runs beside it: bt_wakeup kicks then, ahead of the
	# switch (254 wakeup kicks for 189 such bursts in a VM alone).
	[ $((2 * (w1 - w0))) -ge "$n" ] ||
		fail "$((w1 - w0)) kicks at the wakeup for $n bursts that began beside offline work"
	# The stats count the expulsions, the kicks' beside the tick's. A
	# kick only marks the sibling, and one slice that ends counts once
	# for all the marks before it: when the host runs the sibling's vCPU
	# late, several bursts' kicks end one slice. In a VM alone on the
	# host the case counted 216-242 expulsions for 186-195 bursts; beside
	# another busy VM 56-83 for 174-184, 26-53 of them the tick's
	# (QEMU 10; 136-145 for 175-180 under QEMU 7.2).
	[ $((e1 - e0)) -gt $((x1 - x0)) ] ||
		fail "bt stats count $((e1 - e0)) expulsions, no more than the tick's $((x1 - x0))"
	[ $((4 * (e1 - e0))) -ge "$n" ] ||
		fail "bt stats count $((e1 - e0)) expulsions for $n bursts"
}

# An offline task killed while its CPU holds offline work back beside an
# online sibling runs its exit from that CPU's local queue, past the hold
# (bt_free_killed(), next case). An exiting task goes straight back to
# its CPU's local queue whenever its slice ends, without scx_bt's enqueue
# and its hold, so each start kick (bt_expel_starting()) only started it
# again at once. With another offline task queued on that CPU, the killed
# hog was kicked 57304 times in the 3 s its exit took that way (the case
# failed so), and a benchmark boot, whose rows kill their hogs, sat in
# such a row for 10 minutes. Now it is left to run out: no kicks.
test_smt_offline_exit_beside_online() {
	local sib off on p p2 o k0 k1 t0 ms r0 r1
	smt_need
	smt_keep_on_pass
	smt_cgroups
	taskset -pc "$sib" "$BASHPID" >/dev/null
	stratosctl bt enable smt-expel on smt-hold 0 starve 1000000
	o=$(hog "$on" 0)
	p=$(hog "$off" "$sib")
	wait_policy "$p" $SCHED_EXT
	sleep 1
	read -r k0 _ _ <<<"$(bss_counts)"
	r0=$(reenq_repeats)
	t0=$(date +%s%N)
	kill "$p"
	# Another offline task queued there, as when a job replaces one.
	p2=$(hog "$off" "$sib")
	wait_for 20 exited "$p" || fail "the killed offline hog did not exit in 20 s"
	ms=$((($(date +%s%N) - t0) / 1000000))
	read -r k1 _ _ <<<"$(bss_counts)"
	r1=$(reenq_repeats)
	echo "the offline hog exited $ms ms after kill, $((k1 - k0)) kicks," \
		"$((${r1:-0} - ${r0:-0})) repeated re-enqueues"
	[ $((k1 - k0)) -lt 200 ] || fail "$((k1 - k0)) kicks while a killed offline hog exited"
	kill "$o" "$p2"
}

# A killed offline task runs to exit past the SMT hold: the signal marks
# a hint (bt_signal), and the timer moves the task to the local queue of
# an idle CPU it may use, here its own held one, which runs it without a
# dispatch (bt_free_killed()). Held beside an
# online sibling, it would otherwise wait for the starvation guard, here
# raised to 8 s (from 1 s; the watchdog to 20 s): a hog killed 1 s into
# its hold would exit some 7 s later. Killed with SIGTERM, as an agent
# stops a container first.
test_smt_killed_offline_leaves_hold() {
	local sib off on p m0 m1 t0 ms
	smt_need
	smt_keep_on_pass
	smt_cgroups
	taskset -pc "$sib" "$BASHPID" >/dev/null
	stratosctl bt disable >/dev/null 2>&1 || true
	stratosctl bt enable smt-expel on smt-hold 0 watchdog 20000000 \
		starve 8000000
	hog "$on" 0 >/dev/null
	p=$(hog "$off" "$sib")
	wait_policy "$p" $SCHED_EXT
	sleep 1
	read -r m0 <<<"$(bt_counters nr_killed_moves)"
	t0=$(date +%s%N)
	kill "$p"
	wait_for 20 exited "$p" || fail "the killed offline hog did not exit in 20 s"
	ms=$((($(date +%s%N) - t0) / 1000000))
	read -r m1 <<<"$(bt_counters nr_killed_moves)"
	echo "held offline hog exited $ms ms after SIGTERM; moved past the hold: $((m1 - m0))"
	[ -n "$m1" ] || fail "cannot read scx_bt's counters"
	[ $((m1 - m0)) -gt 0 ] || fail "the killed hog was not moved past the hold"
	[ "$ms" -lt 4000 ] ||
		fail "the killed hog took $ms ms to exit: the guard's 8 s, not the move"
	stratosctl bt disable >/dev/null
}

# The ext_server trap with a pinned task (Documentation/sched_bt.rst,
# "ext_server"). An offline hog pinned to the sibling of a CPU running
# online work is held back there, its CPU idle with the hog counted on it,
# for longer than a server period (1 s); then online work arrives on the
# hog's CPU and stays. From then on only the ext_server runs the hog, once
# every period: had the server stopped, the hog would never run again
# (the rescue cannot move a pinned task) and the watchdog would eject
# scx_bt. 6 s of online load tell, well before the watchdog would.
test_smt_pinned_offline_keeps_its_server() {
	local sib off on p a0 a1
	smt_need
	smt_keep_on_pass
	smt_cgroups
	# A 10 s watchdog, as in scx_bt.sh. The starvation guard's bound is
	# raised from 1 s to 4 s: it would run the hog on a held idle CPU
	# once a second, which could hide a stopped server.
	stratosctl bt enable smt-expel on watchdog 10000000 starve 4000000
	p=$(hog "$off" "$sib")
	wait_policy "$p" $SCHED_EXT
	hog "$on" 0 >/dev/null
	# Held beside online work for a server period (1 s) and more.
	sleep 2
	hog "$on" "$sib" >/dev/null
	a0=$(runtime_ns "$p")
	sleep 6
	a1=$(runtime_ns "$p")
	echo "pinned offline hog on CPU $sib ran $(((a1 - a0) / 1000000)) ms in 6 s beside online hogs on CPUs 0 and $sib"
	stratosctl -j bt stats
	[ "$(cat /sys/kernel/sched_ext/state)" = enabled ] ||
		fail "scx_bt is gone: $(dmesg | grep -A1 'runnable task stall' | tail -n 2)"
	[ "$a1" -gt "$a0" ] || fail "the pinned offline hog never ran"
}

# smt-hold: online work that left the sibling less than smt-hold ago
# still keeps offline work off. Online bursts of 2 ms, 1 ms apart: with
# smt-hold 0 the offline hog returns to the sibling in every gap (and
# meets the start of the next burst there until its kick lands); with
# smt-hold 5 ms it stays off for as long as the bursts go on, and comes
# back once they stop.
test_smt_hold() {
	local sib off on p b a0 a1 nohold_ms hold_ms after_ms
	smt_need
	smt_keep_on_pass
	smt_cgroups
	stratosctl bt enable smt-expel on smt-hold 0
	[ "$(stratosctl -j bt status | jq .smt_hold_us)" = 0 ] ||
		fail "bt status: smt_hold_us is not 0 after 'bt enable smt-hold 0'"
	p=$(hog "$off" "$sib")
	b=$(burster "$on" 0 2 1)
	wait_policy "$p" $SCHED_EXT
	sleep 0.5
	a0=$(runtime_ns "$p"); sleep 2; a1=$(runtime_ns "$p")
	nohold_ms=$(((a1 - a0) / 1000000))
	stratosctl bt set smt-hold 5000
	[ "$(stratosctl -j bt status | jq .smt_hold_us)" = 5000 ] ||
		fail "bt status: smt_hold_us is not 5000 after 'bt set smt-hold 5000'"
	sleep 0.5
	a0=$(runtime_ns "$p"); sleep 2; a1=$(runtime_ns "$p")
	hold_ms=$(((a1 - a0) / 1000000))
	kill "$b"
	sleep 0.5
	a0=$(runtime_ns "$p"); sleep 1; a1=$(runtime_ns "$p")
	after_ms=$(((a1 - a0) / 1000000))
	echo "offline hog on CPU $sib beside 2 ms bursts 1 ms apart on CPU 0, 2 s:" \
		"smt-hold 0: $nohold_ms ms, smt-hold 5000: $hold_ms ms;" \
		"then $after_ms ms in 1 s without them"
	stratosctl -j bt stats
	[ "$nohold_ms" -ge 100 ] ||
		fail "with smt-hold 0 the hog got only $nohold_ms ms of the gaps: the case measured nothing"
	[ $((hold_ms * 4)) -lt "$nohold_ms" ] ||
		fail "smt-hold 5000 kept the hog off no better than smt-hold 0"
	[ "$after_ms" -ge 500 ] ||
		fail "the hog did not come back once online work stopped ($after_ms ms in 1 s)"
}

# An offline task that runs in the gaps between its sibling's online
# bursts starts on an idle CPU from dispatch thousands of times a second,
# and 7.3 charged such runs by a runqueue clock left as of their start
# (scx_bt.bpf.c, bt_clock_fix()): its schedstat runtime and its cgroup's
# cpu.stat read 40-54% of what scx_bt measured (and of what the task did,
# make bench-bt-acct), which vcore's accounting and any agent reading
# cpu.stat took as the truth. The case requires both at 80% of scx_bt's
# own count at least, over 3 s beside 1 ms bursts 2 ms apart, and the
# kicks that close the gap counted.
test_smt_kernel_counts_kicked_offline() {
	local sib off on p b c0 c1 s0 s1 u0 u1 k0 k1 bt_ms sched_ms cg_ms
	smt_need
	trap smt_teardown EXIT
	smt_cgroups
	stratosctl bt enable smt-expel on smt-hold 0
	p=$(hog "$off" "$sib")
	b=$(burster "$on" 0 1 2)
	wait_policy "$p" $SCHED_EXT
	sleep 1
	c0=$(bt_stat "$off" runtime_ns); s0=$(runtime_ns "$p")
	u0=$(cg_usage_us "$off"); k0=$(bt_counters nr_clock_kicks)
	sleep 3
	c1=$(bt_stat "$off" runtime_ns); s1=$(runtime_ns "$p")
	u1=$(cg_usage_us "$off"); k1=$(bt_counters nr_clock_kicks)
	kill "$b"
	bt_ms=$(((c1 - c0) / 1000000))
	sched_ms=$(((s1 - s0) / 1000000))
	cg_ms=$(((u1 - u0) / 1000))
	echo "offline hog on CPU $sib beside 1 ms bursts 2 ms apart, 3 s:" \
		"bt stats $bt_ms ms, schedstat $sched_ms ms, cpu.stat $cg_ms ms;" \
		"$((k1 - k0)) clock kicks"
	[ "$bt_ms" -ge 300 ] ||
		fail "the hog ran only $bt_ms ms between the bursts: the case measured nothing"
	[ $((sched_ms * 5)) -ge $((bt_ms * 4)) ] ||
		fail "the kernel counted $sched_ms ms (schedstat) of the $bt_ms ms the hog ran"
	[ $((cg_ms * 5)) -ge $((bt_ms * 4)) ] ||
		fail "cpu.stat counted $cg_ms ms of the $bt_ms ms the hog ran"
	[ $((k1 - k0)) -gt 0 ] ||
		fail "no clock kicks: the hog never started from dispatch on an idle CPU"
}

run_test "smt: offline work leaves the sibling of online work" test_smt_expeller
run_test "smt: the kernel counts the CPU time of offline work kicked in and out" test_smt_kernel_counts_kicked_offline
run_test "smt: online work starting kicks offline work off its sibling" test_smt_expel_at_switch
run_test "smt: a pinned offline task held beside online work keeps its ext_server" test_smt_pinned_offline_keeps_its_server
run_test "smt: an offline task killed beside online work exits without a kick storm" test_smt_offline_exit_beside_online
run_test "smt: a killed offline task leaves the SMT hold to exit" test_smt_killed_offline_leaves_hold
run_test "smt: offline work stays off the sibling between online bursts (smt-hold)" test_smt_hold
stratosctl bt disable >/dev/null 2>&1 || true
unload_module
