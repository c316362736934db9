// SPDX-License-Identifier: GPL-2.0
/*
 * scx_bt: absolute preemption of offline (batch) work on unpatched kernels.
 *
 * stratos.ko switches the tasks of offline cgroups to SCHED_EXT; scx_bt runs
 * in partial mode (SCX_OPS_SWITCH_PARTIAL), so it schedules those tasks only.
 * The ext class ranks below the fair class: a runnable online (fair) task
 * always preempts an offline one at once, which gives absolute preemption
 * without any help here. What this scheduler adds:
 *
 * - Work conservation: offline tasks run on any CPU without online work,
 *   preferring an idle CPU near where they ran (the kernel's default idle
 *   selection: previous CPU, then its LLC, then its node). When online work
 *   takes a CPU, its queued offline tasks go back to the shared queue if
 *   another CPU is free then (ops.stopping) or once one frees up (the
 *   timer), instead of waiting there.
 *
 * - The placement gap: the fair class never moves a waiting online task onto
 *   a CPU that runs only ext work (it is not idle to the fair class, at
 *   wakeup or in load balancing). So on every tick of an offline task, if
 *   online work waits on another CPU, the offline task gives its CPU up,
 *   moves to the local queue of the CPU where online work waits (while it
 *   stays counted on this CPU's runqueue, the fair class balances nothing
 *   here: bt_vacate_move()), and this CPU stays idle for vacate_ns, or
 *   until online work starts on it; the fair class's idle balancing pulls
 *   the waiting online task over.
 *   This costs offline throughput only while online work is queued
 *   somewhere, which is when online needs the CPUs anyway. A CPU held
 *   for another reason (SMT, budget) runs no offline task to tick; the
 *   timer hands the tasks counted on it over the same way
 *   (bt_hand_held()).
 *
 * - SMT expeller: with smt_expel set, no offline task runs on a CPU whose
 *   SMT sibling runs an online task. A context switch to online work kicks
 *   the offline task off the sibling at once (bt_switch, on the sched_switch
 *   tracepoint); a tick of an offline task that finds its sibling online
 *   ends its slice too, for what a kick missed. Online work that left the
 *   sibling less than smt_hold_ns ago still counts: online services run
 *   in bursts with short gaps, and offline work let back into each gap
 *   shares the core with the start of the next burst until its kick lands.
 *
 * - Weights between offline cgroups: tasks are ordered by virtual time in
 *   one queue; a task is charged its runtime scaled by 100 / weight. Its
 *   nearest offline cgroup, its group, has the registry weight in
 *   bt_cgw[cgroup id] (written by stratosctl), and that weight is divided
 *   among the group's runnable tasks by their own weights: the cpu.weight
 *   / 100 of every cgroup between the group and the task (an agent's
 *   weights on pods and containers, from ops.cgroup_init and
 *   cgroup_set_weight) times the task's nice weight, summed per group in
 *   bt_groups as tasks become runnable and quiescent. So a group's share
 *   follows its registry weight, whatever its number of tasks or the
 *   cpu.weight written inside it.
 *
 * - Budget: each CPU runs offline work at most budget_pct of every 100 ms.
 *   Per cgroup, cpu.max holds as it would for fair tasks: the kernel tells
 *   ext schedulers about bandwidth (ops.cgroup_init/cgroup_set_bandwidth)
 *   but enforces nothing for them. A cgroup's offline tasks run at most
 *   quota per period, every limited ancestor counting (the outermost
 *   BT_BW_LEVELS of them); a task whose
 *   cgroup used its quota waits in a parked queue until the next period.
 *
 * - Starvation guard: a CPU holding offline work back (vacating, budget,
 *   SMT) still dispatches one task for guard_slice_ns if the head of the
 *   queue has waited starve_ns (or no offline task started anywhere for
 *   that long), so kernel lock holders progress and the sched_ext watchdog
 *   never sees a stall. The kernel's ext_server gives ext
 *   tasks a little time even under full online load; see
 *   Documentation/sched_bt.rst for the setting stratosctl chooses.
 *
 * Weak spots: vacating is decided per tick, so an online task may wait up to
 * a tick plus the fair class's idle balance; inside a group, cgroup weights
 * are per task, not hierarchical;
 * the scan for waiting online work reads every CPU's runqueue counters
 * without locks (a stale read costs one wrong decision for one tick).
 */
/* bpftool emits anonymous forward declarations that clang warns about. */
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wmissing-declarations"
#include "vmlinux.h"
#pragma clang diagnostic pop
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "scx_bt.h"

char _license[] SEC("license") = "GPL";

#define BT_DSQ		0
#define BT_PARKED_DSQ	1	/* tasks whose cgroup used its cpu.max quota */
#define BT_WINDOW_NS	(100ULL * 1000 * 1000)
#define BT_TIMER_NS	(2ULL * 1000 * 1000)
#define BT_TIMER_LAZY_NS (50ULL * 1000 * 1000)
#define CLOCK_MONOTONIC	1
#define SCHED_EXT_POLICY 7
#define ESRCH		3

#define BPF_STRUCT_OPS(name, args...)	\
	SEC("struct_ops/" #name) BPF_PROG(name, ##args)
#define BPF_STRUCT_OPS_SLEEPABLE(name, args...) \
	SEC("struct_ops.s/" #name) BPF_PROG(name, ##args)
/*
 * A function defined without static, and not inlined, is a BPF global
 * function: the verifier checks it once, by itself, knowing of its
 * arguments only their types (a pointer may be NULL), where a static one
 * is checked again at every call for each state its caller reaches it in.
 * The functions called from walks, from several places, or from callers
 * with many branches are global, which took the verification of scx_bt
 * from 36615 instructions to 20931 ('stratosctl bt verify', stock
 * kernel). They take numbers and map values, not tasks, so what touches
 * the task stays in a static caller (bt_charge()).
 */
#define BT_GLOBAL	__noinline

#ifndef READ_ONCE
#define READ_ONCE(x)		(*(volatile typeof(x) *)&(x))
#define WRITE_ONCE(x, v)	(*(volatile typeof(x) *)&(x) = (v))
#endif

/* Kfuncs of 7.x's sched_ext, declared as the BPF side sees them. */
void scx_bpf_dsq_insert(struct task_struct *p, u64 dsq_id, u64 slice,
			u64 enq_flags) __ksym;
void scx_bpf_dsq_insert_vtime(struct task_struct *p, u64 dsq_id, u64 slice,
			      u64 vtime, u64 enq_flags) __ksym;
bool scx_bpf_dsq_move_to_local(u64 dsq_id) __ksym;
s32 scx_bpf_create_dsq(u64 dsq_id, s32 node) __ksym;
s32 scx_bpf_select_cpu_dfl(struct task_struct *p, s32 prev_cpu,
			   u64 wake_flags, bool *is_idle) __ksym;
void scx_bpf_kick_cpu(s32 cpu, u64 flags) __ksym;
s32 scx_bpf_dsq_nr_queued(u64 dsq_id) __ksym;
u32 scx_bpf_nr_cpu_ids(void) __ksym;
s32 scx_bpf_pick_idle_cpu(const struct cpumask *cpus_allowed,
			  u64 flags) __ksym;
u64 scx_bpf_now(void) __ksym;
struct task_struct *scx_bpf_cpu_curr(s32 cpu) __ksym;
struct task_struct *scx_bpf_dsq_peek(u64 dsq_id) __ksym;
void scx_bpf_dump_bstr(char *fmt, unsigned long long *data, u32 data__sz) __ksym;
struct cgroup *scx_bpf_task_cgroup(struct task_struct *p) __ksym;
void bpf_cgroup_release(struct cgroup *cgrp) __ksym;
struct cgroup *bpf_cgroup_ancestor(struct cgroup *cgrp, int level) __ksym;

extern const struct rq runqueues __ksym;

/* Written by the loader before load. */
const volatile u32 nr_cpus = 1;

/*
 * The CPUs to walk. Loops over them use bpf_for(), an open-coded iterator
 * whose body the verifier checks until its states converge, not once per
 * CPU: unrolled, the timer's nested walks (a CPU walk per queued task in
 * bt_rescue()) took the debug kernel's verifier about a minute at every
 * 'bt enable' on 4 CPUs, and would grow with the machine.
 */
static __always_inline int bt_nr_cpus(void)
{
	return nr_cpus < BT_MAX_CPUS ? nr_cpus : BT_MAX_CPUS;
}
/* The SMT sibling of each CPU, or -1 (2-way SMT, as on x86). */
const volatile s32 smt_sibling[BT_MAX_CPUS];

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct bt_conf);
} bt_conf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, u64);
	__type(value, struct bt_cg_stats);
} bt_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, u64);
	__type(value, u32);
} bt_cgw SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct bt_exit_info);
} bt_exit_rec SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct bt_exit_dump);
} bt_exit_dump SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct bt_yield);
} bt_yield SEC(".maps");

/* Per CPU: why it holds offline work back, and its budget window. */
struct bt_cpu {
	u64 vacate_until;
	s32 vacate_to;		/* where online work waited when it vacated */
	s32 pinned_pid;		/* last task allowed on this CPU alone queued */
	u64 win_start;
	u64 win_used;
	u64 run_start;
	u64 run_cgid;		/* cgroup of the offline task running here */
	bool local_pinned;	/* the preempted task waits here, alone */
	bool let_through;	/* dispatch let offline work past a hold */
	u32 wait_ticks;		/* consecutive ticks online work waited */
	u32 smt_kicked;		/* the expeller kicked the offline task here */
	u64 online_left;	/* when online work last left this CPU */
	u64 parked_at;		/* when offline work last came to wait in
				 * the local queue behind online work */
	u64 online_woken;	/* when online work last woke to run here;
				 * 0 once it started (bt_wakeup()) */
	u64 trapped_since;	/* timer only: see bt_rescue() */
	u64 yield_wait_since;	/* held, with online work waiting elsewhere */
	u64 hand_since;		/* timer only: see bt_hand_held() */
	s32 hand_to;		/* where that online work waits */
	u64 fence;		/* bt_switch_barrier() only */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct bt_cpu);
} bt_cpus SEC(".maps");

/* The most cpu.max limits that count for one task: bt_bw_find(). */
#define BT_BW_LEVELS	4

/* Per task: since when it waits to run, for the guard and the longest wait. */
struct bt_task {
	u64 wait_since;		/* became runnable or was preempted; 0: running */
	u64 max_wait;		/* its longest wait in its cgroup's max_wait_ns */
	u64 cgid;		/* its cgroup, cached; 0: look it up */
	u64 weights_gen;	/* weights_gen + cw_gen when group was found */
	u64 group;		/* its nearest offline cgroup (bt_cgw); 0: none */
	u64 scale;		/* cpu.weight / 100 of each cgroup below the
				 * group down to its own (BT_SCALE_ONE: 1.0) */
	u64 summed_group;	/* the group whose runnable sum holds ... */
	u64 summed;		/* ... this much of it; 0: none (bt_groups) */
	u64 weight;		/* charged by, BT_WEIGHT_FP per unit: see
				 * bt_task_weight() */
	u32 group_weight;	/* the group's registry weight; 0: look again */
	u64 bw_gen;		/* bw_gen when bw_cgid[] was found */
	/* Its cgroups with a cpu.max quota, outermost first; 0 ends them. */
	u64 bw_cgid[BT_BW_LEVELS];
	u64 bw_granted;		/* quota its slice took in advance ... */
	u64 bw_period[BT_BW_LEVELS]; /* ... from each, in its period then */
	u64 pend_runtime;	/* statistics of preempted and expelled */
	u64 pend_preempted;	/* runs, not yet in its cgroup's: */
	u64 pend_expelled;	/* bt_stats_fold() */
	bool resume;		/* waits to go on with its slice: bt_running() */
	bool out_of_turn;	/* the guard sent it to run: bt_free_starved() */
};

/* A cgroup's cpu.max, and what its offline tasks used of it this period. */
struct bt_cg_bw {
	u64 period_ns;
	u64 quota_ns;
	u64 period_start;
	u64 used;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, u64);
	__type(value, struct bt_cg_bw);
} bt_cgbw SEC(".maps");

/* Bumped when any cgroup's bandwidth comes or goes: tasks look again. */
static u64 bw_gen = 1;

/*
 * cpu.weight of every cgroup whose weight is not the default 100, as the
 * kernel passes it to ext schedulers (ops.cgroup_init, cgroup_set_weight).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, u64);
	__type(value, u32);
} bt_cgcw SEC(".maps");

/* Bumped when a cgroup's cpu.weight changes: tasks look again. */
static u64 cw_gen;

/*
 * Per offline cgroup (a group: see bt_task_weight()), the weights of its
 * runnable tasks, summed. Tasks add theirs in ops.runnable and take them
 * back in ops.quiescent; an entry lives as long as its cgroup.
 */
struct bt_group {
	u64 runnable_w;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, u64);
	__type(value, struct bt_group);
} bt_groups SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct bt_task);
} bt_tasks SEC(".maps");

struct bt_timer {
	struct bpf_timer timer;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct bt_timer);
} bt_timers SEC(".maps");

/* Virtual time of the queue: no task starts more than a slice behind. */
static u64 vtime_now;
/* When an offline task last started anywhere, for the starvation guard. */
static u64 last_run_ns;
/* Between ops.init and ops.exit: bt_switch acts only then. */
static bool bt_live;

/*
 * Tasks queued on @dsq_id. The kfunc's error (the scheduler is gone, its
 * queues with it) must not read as work.
 */
static bool bt_queued(u64 dsq_id)
{
	return scx_bpf_dsq_nr_queued(dsq_id) > 0;
}

/* The timer's last run found nothing to do: it waits BT_TIMER_LAZY_NS. */
static u32 timer_lazy;
/*
 * Offline tasks bt_switch kicked off an online task's sibling, those it
 * kicked as they started beside one, and those a tick found beside one
 * (a kick missed or late), for the smt selftest.
 */
u64 nr_switch_kicks, nr_start_kicks, nr_tick_expels;
/* Offline tasks bt_wakeup kicked off the sibling of a waking online task. */
u64 nr_wake_kicks;
/*
 * Timer runs, those that found nothing to do, those brought forward, and
 * the kicks they sent, for debugging (bpftool map dump).
 */
u64 nr_timer_runs, nr_timer_lazy, nr_timer_hurries, nr_timer_kicks;
/*
 * Offline tasks vacating moved away, and local queues sent back: by the
 * timer, and by a CPU about to idle (bt_pull_parked()).
 */
u64 nr_vacate_moves, nr_local_returns, nr_idle_pulls;
/* CPUs found trapped, and tasks moved off them (see bt_rescue()). */
u64 nr_trapped, nr_rescued;
/* Pinned offline tasks asked to leave SCHED_EXT for a while (bt_yield). */
u64 nr_yield_requests;
/* Tasks moved off held CPUs towards waiting online work (bt_hand_held()). */
u64 nr_held_moves;
/* Offline tasks started with a clock update skip pending (bt_clock_fix()). */
u64 nr_clock_kicks;
/* Killed offline tasks the timer let past a hold (bt_free_killed()). */
u64 nr_killed_moves;
/* Tasks the guard sent on after they waited starve_ns in the queue. */
u64 nr_starved_moves;

static struct bt_conf *bt_get_conf(void)
{
	u32 zero = 0;

	return bpf_map_lookup_elem(&bt_conf, &zero);
}

/*
 * The generations of the registry weights and of cpu.weight, summed: both
 * only grow, so the sum changes when either does.
 */
static u64 bt_weights_gen(const struct bt_conf *conf)
{
	return conf->weights_gen + READ_ONCE(cw_gen);
}

/*
 * Most callers ask for the CPU they run on: that lookup the verifier
 * inlines, where another CPU's is a helper call.
 */
static struct bt_cpu *bt_get_cpu(s32 cpu)
{
	u32 zero = 0;

	if (cpu == bpf_get_smp_processor_id())
		return bpf_map_lookup_elem(&bt_cpus, &zero);
	return bpf_map_lookup_percpu_elem(&bt_cpus, &zero, cpu);
}

static u64 bt_task_cgid(struct task_struct *p)
{
	struct cgroup *cgrp = scx_bpf_task_cgroup(p);
	u64 id = cgrp->kn->id;

	bpf_cgroup_release(cgrp);
	return id;
}

/* Weights are kept in [1, BT_WEIGHT_MAX]; 100 is a task of weight 1.0. */
#define BT_WEIGHT_MAX	1000000
/* The cpu.weight scale while it is computed: BT_SCALE_ONE is 1.0. */
#define BT_SCALE_ONE	10000

/* @scale times cpu.weight / 100 of the cgroup numbered @id (bt_cgcw). */
static __always_inline u64 bt_scale_by_cw(u64 scale, u64 id)
{
	u32 *cw = bpf_map_lookup_elem(&bt_cgcw, &id);

	if (cw)
		scale = scale * *cw / 100;
	/* Bounded, so that 32 levels of 10000 cannot overflow. */
	if (scale > (u64)BT_WEIGHT_MAX * BT_SCALE_ONE)
		return (u64)BT_WEIGHT_MAX * BT_SCALE_ONE;
	return scale ?: 1;
}

/*
 * The id of the nearest cgroup, from @p's own up to the top level, that
 * has an entry in @map (bt_cgw); 0 if none does. With @scale,
 * multiply it by the cpu.weight of each cgroup passed on the way.
 */
static __always_inline u64 bt_nearest_in(struct task_struct *p, void *map,
					 u64 *scale)
{
	struct cgroup *cgrp = scx_bpf_task_cgroup(p);
	u64 id, found = 0;
	int level, i;

	level = cgrp->level;
	/*
	 * bpf_for(): the verifier checks the body until its states converge,
	 * not 32 times (ops.running: 18480 instructions, against 2471).
	 */
	bpf_for(i, 0, 32) {
		struct cgroup *anc;

		if (level - i < 1)
			break;
		anc = bpf_cgroup_ancestor(cgrp, level - i);
		if (!anc)
			break;
		id = anc->kn->id;
		bpf_cgroup_release(anc);
		if (bpf_map_lookup_elem(map, &id)) {
			found = id;
			break;
		}
		if (scale)
			*scale = bt_scale_by_cw(*scale, id);
	}
	bpf_cgroup_release(cgrp);
	return found;
}

/* Weights are charged in fixed point: BT_WEIGHT_FP is one unit of 100. */
#define BT_WEIGHT_FP	1024
/* A task's weight inside its group: at most a task of 1e10 (scale 1e6). */
#define BT_INNER_MAX	((u64)BT_WEIGHT_MAX * BT_SCALE_ONE)

/*
 * @t's group is its nearest offline cgroup (bt_cgw) and @t->scale the
 * cpu.weight / 100 of each cgroup below that one down to @p's own
 * (bt_cgcw); the group's own cpu.weight does not count: cpu.idle replaces
 * it, and the registry weight stands for it. No group (the registry was
 * not loaded): weight 100, scale 1.0. Looked up again after a move (which
 * clears group_weight) or once the weights' generations (@wgen) moved;
 * bt_task_count() then moves the task's weight between the groups' sums.
 */
static void bt_task_regroup(struct task_struct *p, struct bt_task *t,
			    u64 wgen)
{
	u64 scale = BT_SCALE_ONE, id;
	u32 *w;

	if (t->group_weight && t->weights_gen == wgen)
		return;
	id = bt_nearest_in(p, &bt_cgw, &scale);
	w = id ? bpf_map_lookup_elem(&bt_cgw, &id) : NULL;
	t->group = w ? id : 0;
	t->group_weight = w && *w ? *w : 100;
	t->scale = w ? scale : BT_SCALE_ONE;
	t->weights_gen = wgen;
}

/*
 * The weight @p counts with among its group's runnable tasks: @t->scale
 * times its nice weight (BT_SCALE_ONE: a task of nice 0 and default
 * cpu.weight).
 */
static u64 bt_task_inner(struct task_struct *p, struct bt_task *t)
{
	u64 w = t->scale * (p->scx.weight ?: 100) / 100;

	return w > BT_INNER_MAX ? BT_INNER_MAX : w ?: 1;
}

/* @p, runnable, adds its weight to its group's sum, unless it did. */
static void bt_group_enter(struct task_struct *p, struct bt_task *t)
{
	struct bt_group *g, zero = {};
	u64 w;

	if (t->summed || !t->group)
		return;
	g = bpf_map_lookup_elem(&bt_groups, &t->group);
	if (!g) {
		bpf_map_update_elem(&bt_groups, &t->group, &zero, BPF_NOEXIST);
		g = bpf_map_lookup_elem(&bt_groups, &t->group);
		if (!g)
			return;
	}
	w = bt_task_inner(p, t);
	__sync_fetch_and_add(&g->runnable_w, w);
	t->summed_group = t->group;
	t->summed = w;
}

/* The task of @t takes back what it added to its group's sum, if any. */
static void bt_group_leave(struct bt_task *t)
{
	struct bt_group *g;

	if (!t->summed)
		return;
	g = bpf_map_lookup_elem(&bt_groups, &t->summed_group);
	if (g)
		__sync_fetch_and_sub(&g->runnable_w, t->summed);
	t->summed = 0;
}

/*
 * @p is runnable (@t its storage): its group and its weight in the
 * group's sum, up to date with the weights' generations @wgen and its
 * nice weight.
 */
static void bt_task_count(struct task_struct *p, struct bt_task *t, u64 wgen)
{
	bt_task_regroup(p, t, wgen);
	if (t->summed && (t->summed_group != t->group ||
			  t->summed != bt_task_inner(p, t)))
		bt_group_leave(t);
	bt_group_enter(p, t);
}

/*
 * The weight @p is charged by, in BT_WEIGHT_FP units: its group's
 * registry weight times its part of the weights of the group's runnable
 * tasks (bt_groups), so that the group's tasks together run as one task
 * of the registry weight would, however many they are and whatever
 * cpu.weight a tenant writes on the levels below (a subtree delegated to
 * it). Read at each slice's start, the sum is at most a slice old.
 * Without a group, or outside the sum (its map full), the task counts
 * alone: its nice weight.
 */
static u64 bt_task_weight(struct task_struct *p, struct bt_task *t)
{
	u64 inner = t->summed ?: bt_task_inner(p, t), sum = BT_SCALE_ONE;
	u64 part, w;
	struct bt_group *g;

	if (t->summed) {
		g = bpf_map_lookup_elem(&bt_groups, &t->summed_group);
		sum = g ? READ_ONCE(g->runnable_w) : inner;
		/* Its own weight is in the sum; never divide by less. */
		if ((s64)sum < (s64)inner)
			sum = inner;
	}
	/* inner < 2^40: no overflow. In 1/65536: at most 65536 times 1.0. */
	part = (inner << 16) / sum;
	if (part > (1ULL << 32))
		part = 1ULL << 32;
	w = (u64)t->group_weight * part * BT_WEIGHT_FP >> 16;
	if (w > (u64)BT_WEIGHT_MAX * BT_WEIGHT_FP)
		return (u64)BT_WEIGHT_MAX * BT_WEIGHT_FP;
	return w ?: 1;
}

/* Record @cgrp's cpu.weight; only weights other than 100 take an entry. */
static void bt_cw_set(struct cgroup *cgrp, u32 weight)
{
	u64 id = cgrp->kn->id;

	if (weight == 100 || !weight) {
		if (!bpf_map_delete_elem(&bt_cgcw, &id))
			__sync_fetch_and_add(&cw_gen, 1);
		return;
	}
	if (!bpf_map_update_elem(&bt_cgcw, &id, &weight, BPF_ANY))
		__sync_fetch_and_add(&cw_gen, 1);
}

/*
 * Bandwidth (cpu.max) as the kernel passes it to ext schedulers, in us; a
 * quota of all ones is "max". Only limited cgroups have an entry.
 */
static void bt_bw_set(struct cgroup *cgrp, u64 period_us, u64 quota_us)
{
	struct bt_cg_bw bw = {}, *cur;
	u64 id = cgrp->kn->id;

	if (quota_us == (u64)-1 || !period_us) {
		if (!bpf_map_delete_elem(&bt_cgbw, &id))
			__sync_fetch_and_add(&bw_gen, 1);
		return;
	}
	cur = bpf_map_lookup_elem(&bt_cgbw, &id);
	if (cur) {
		cur->period_ns = period_us * 1000;
		cur->quota_ns = quota_us * 1000;
		return;
	}
	bw.period_ns = period_us * 1000;
	bw.quota_ns = quota_us * 1000;
	if (!bpf_map_update_elem(&bt_cgbw, &id, &bw, BPF_NOEXIST))
		__sync_fetch_and_add(&bw_gen, 1);
}

s32 BPF_STRUCT_OPS(bt_cgroup_init, struct cgroup *cgrp,
		   struct scx_cgroup_init_args *args)
{
	bt_bw_set(cgrp, args->bw_period_us, args->bw_quota_us);
	bt_cw_set(cgrp, args->weight);
	return 0;
}

void BPF_STRUCT_OPS(bt_cgroup_set_weight, struct cgroup *cgrp, u32 weight)
{
	bt_cw_set(cgrp, weight);
}

void BPF_STRUCT_OPS(bt_cgroup_set_bandwidth, struct cgroup *cgrp,
		    u64 period_us, u64 quota_us, u64 burst_us)
{
	bt_bw_set(cgrp, period_us, quota_us);
}

void BPF_STRUCT_OPS(bt_cgroup_exit, struct cgroup *cgrp)
{
	u64 id = cgrp->kn->id;

	bt_bw_set(cgrp, 0, 0);
	bt_cw_set(cgrp, 100);
	/*
	 * Statistics go with their cgroup: on a node whose pods come and go
	 * the map would fill, and cgroups after that would have none.
	 */
	bpf_map_delete_elem(&bt_stats, &id);
	bpf_map_delete_elem(&bt_groups, &id);
}

/*
 * The cgroups with a cpu.max quota from the top level down to @p's own,
 * outermost first, into @t->bw_cgid. Each of them counts, as in the fair
 * class: a limit below another (a container's under its pod's) can only
 * narrow it, and one that a tenant writes in a subtree delegated to it
 * cannot lift the operator's above. Past BT_BW_LEVELS the innermost are
 * left out, which narrow only their own subtree.
 */
static void bt_bw_find(struct task_struct *p, struct bt_task *t)
{
	struct cgroup *cgrp = scx_bpf_task_cgroup(p);
	int level = cgrp->level, i, n = 0;
	u64 id;

	for (i = 0; i < BT_BW_LEVELS; i++)
		t->bw_cgid[i] = 0;
	bpf_for(i, 1, 33) {
		struct cgroup *anc;

		if (i > level || n >= BT_BW_LEVELS)
			break;
		anc = bpf_cgroup_ancestor(cgrp, i);
		if (!anc)
			break;
		id = anc->kn->id;
		bpf_cgroup_release(anc);
		if (bpf_map_lookup_elem(&bt_cgbw, &id))
			t->bw_cgid[n++] = id;
	}
	bpf_cgroup_release(cgrp);
}

/*
 * Look @p's limited cgroups up again if bandwidth changed anywhere since
 * the last look. @find: only in the callbacks about @p itself, which may
 * ask for its cgroup; elsewhere the last look stands.
 */
static void bt_bw_refresh(struct task_struct *p, struct bt_task *t,
			  bool find)
{
	u64 gen = READ_ONCE(bw_gen);

	if (find && t->bw_gen != gen) {
		bt_bw_find(p, t);
		t->bw_gen = gen;
	}
}

/*
 * Quota left to @bw in its period at @now, starting a new period when
 * the last one is over. CPUs race here without a lock: a period may start
 * twice, or lose a charge made in the same instant; cpu.max is a bound
 * on the order of a tick either way.
 */
static u64 bt_bw_left(struct bt_cg_bw *bw, u64 now)
{
	u64 used;

	if (now - bw->period_start >= bw->period_ns) {
		bw->period_start = now;
		bw->used = 0;
	}
	/*
	 * A refund (bt_bw_settle()) racing with the reset above can take
	 * more than is left and wrap: that is none used, not all of it.
	 */
	used = READ_ONCE(bw->used);
	if ((s64)used < 0)
		used = 0;
	return used < bw->quota_ns ? bw->quota_ns - used : 0;
}

/*
 * The entry of @t's @i-th limited cgroup; NULL past the last one (its
 * slot is 0) or if the cgroup's limit went since bt_bw_find().
 */
static struct bt_cg_bw *bt_bw_at(struct bt_task *t, int i)
{
	return t->bw_cgid[i] ? bpf_map_lookup_elem(&bt_cgbw, &t->bw_cgid[i]) :
			       NULL;
}

/* The least quota @t's limited cgroups have left; BT_BW_NONE if none. */
#define BT_BW_NONE	((u64)-1)

static u64 bt_bw_left_all(struct bt_task *t, u64 now)
{
	u64 left = BT_BW_NONE, l;
	struct bt_cg_bw *bw;
	int i;

	/* Most tasks have no limit: one load says so. */
	if (!t->bw_cgid[0])
		return BT_BW_NONE;
	for (i = 0; i < BT_BW_LEVELS; i++) {
		bw = bt_bw_at(t, i);
		if (!bw)
			continue;
		l = bt_bw_left(bw, now);
		if (l < left)
			left = l;
	}
	return left;
}

/* Has one of @p's cgroups (@t its storage, or NULL) used its quota? */
static bool bt_throttled(struct task_struct *p, struct bt_task *t, bool find,
			 u64 now)
{
	if (!t)
		return false;
	bt_bw_refresh(p, t, find);
	return !bt_bw_left_all(t, now);
}

static bool bt_task_throttled(struct task_struct *p, bool find, u64 now)
{
	return bt_throttled(p, bpf_task_storage_get(&bt_tasks, p, 0, 0), find,
			    now);
}

static struct bt_cg_stats *bt_cg_stats(u64 cgid)
{
	struct bt_cg_stats *st, zero = {};

	st = bpf_map_lookup_elem(&bt_stats, &cgid);
	if (st)
		return st;
	bpf_map_update_elem(&bt_stats, &cgid, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&bt_stats, &cgid);
}

/*
 * Online (fair-class, not in an idle group) tasks on @cpu's runqueue,
 * running or queued. Read without the runqueue lock.
 */
static u32 bt_online_nr(s32 cpu)
{
	struct rq *rq = bpf_per_cpu_ptr(&runqueues, cpu);

	if (!rq)
		return 0;
	return rq->cfs.h_nr_queued - rq->cfs.h_nr_idle;
}

/*
 * Ext tasks on @cpu's runqueue, running or queued in any DSQ: each one
 * keeps @cpu from counting as idle for the fair class. Read without the
 * runqueue lock.
 */
static u32 bt_ext_nr(s32 cpu)
{
	struct rq *rq = bpf_per_cpu_ptr(&runqueues, cpu);

	return rq ? rq->scx.nr_running : 0;
}

/*
 * Is @cpu's ext_server running (active and not throttled)? Then the
 * deadline class picks it before anything else, and every ext pick on the
 * CPU comes from it.
 */
static bool bt_ext_server_running(s32 cpu)
{
	struct rq *rq = bpf_per_cpu_ptr(&runqueues, cpu);

	if (!rq)
		return false;
	return BPF_CORE_READ_BITFIELD(rq, ext_server.dl_server_active) &&
	       !BPF_CORE_READ_BITFIELD(rq, ext_server.dl_throttled);
}

/*
 * Is an ext pick on @cpu the ext_server's? Its running state says so, but
 * not always: dispatch_one() charges the running offline task first
 * (update_curr_scx()), which can use up the server's runtime and throttle
 * it inside its own pick. An empty pick then stops the server for good
 * (its ext task stays counted here, so nothing starts it again), and an
 * offline task pinned to this CPU starves until the watchdog ejects
 * scx_bt: traced on the debug kernel, the server's last pick came back
 * empty with the pinned task itself as prev. Fair or realtime tasks
 * runnable here tell it too: those classes rank above ext, so an ext pick
 * while any of them is runnable can only be the server's. (Not
 * rq->nr_running, which counts fair tasks whose dequeue is delayed, nor
 * the deadline class's count, which counts the servers themselves.)
 */
static bool bt_server_pick(s32 cpu)
{
	struct rq *rq = bpf_per_cpu_ptr(&runqueues, cpu);

	if (!rq)
		return false;
	return rq->cfs.h_nr_runnable || rq->rt.rt_nr_running ||
	       bt_ext_server_running(cpu);
}

/* Is @p online work: neither an idle task nor an ext (offline) task? */
static __always_inline bool bt_task_online(const struct task_struct *p)
{
	return p->pid && p->policy != SCHED_EXT_POLICY;
}

/* Is @p an offline task (in the ext class)? */
static __always_inline bool bt_task_offline(const struct task_struct *p)
{
	return p->policy == SCHED_EXT_POLICY;
}

/*
 * Could online work queued on @cpu run on @self? Of the tasks there only
 * the running one is in reach without @cpu's runqueue lock, and the queued
 * ones take turns with it. One that may not run on @self (a service pinned
 * to its CPUs) the fair class never moves here, whatever @self's offline
 * task does to make room: beside nginx and wrk pinned to one CPU, the hog
 * pinned to its SMT sibling yielded for them in vain and ran beside them
 * for all its yields. Anything else running there (an ext task the
 * ext_server picked) tells nothing: it may.
 */
static bool bt_online_may_come(s32 cpu, s32 self)
{
	struct task_struct *curr = scx_bpf_cpu_curr(cpu);

	if (!curr || !bt_task_online(curr))
		return true;
	return bpf_cpumask_test_cpu(self, curr->cpus_ptr);
}

/*
 * The CPUs with online work queued behind online work (bt_online_nr() of 2
 * or more), a bit each, as one CPU found them at waiting_scan_ns. Every
 * offline task's tick asks where online work waits (bt_tick()), and so do
 * held CPUs' dispatches: a walk of every runqueue for each would cost the
 * node work that grows with the square of its CPUs, on every tick. So one
 * CPU walks them at most every BT_WAITING_SCAN_NS (half a tick at the
 * Debian kernels' 250 Hz: at most two walks per tick on the whole node)
 * and the others read its bits; online work that starts waiting is seen
 * up to that much later, against the two ticks vacating waits for it
 * anyway. Written and read without a lock: a reader may see a walk half
 * done, and checks each CPU it finds there again.
 */
#define BT_WAITING_SCAN_NS	(2000ULL * 1000)
#define BT_CPU_WORDS		(BT_MAX_CPUS / 64)

static u64 waiting_cpus[BT_CPU_WORDS];
static u64 waiting_scan_ns;
/* Walks of every runqueue for waiting online work (bt_waiting_scan()). */
u64 nr_waiting_scans;

/* Walk the runqueues for waiting online work, unless a CPU did lately. */
static void bt_waiting_scan(u64 now)
{
	u64 last = READ_ONCE(waiting_scan_ns), bits = 0;
	s32 nr = bt_nr_cpus(), cpu;

	/* Signed: another CPU's clock may have set it a little ahead. */
	if ((s64)(now - last) < (s64)BT_WAITING_SCAN_NS ||
	    !__sync_bool_compare_and_swap(&waiting_scan_ns, last, now))
		return;
	bpf_for(cpu, 0, nr) {
		if (bt_online_nr(cpu) >= 2)
			bits |= 1ULL << (cpu & 63);
		if ((cpu & 63) == 63 || cpu == nr - 1) {
			WRITE_ONCE(waiting_cpus[(cpu >> 6) & (BT_CPU_WORDS - 1)],
				   bits);
			bits = 0;
		}
	}
	__sync_fetch_and_add(&nr_waiting_scans, 1);
}

/*
 * The index of the lowest bit set in @x, which is not 0: the number of bits
 * below it, counted without a branch. A binary search has a branch per
 * step, and the verifier follows each of its 64 results through the rest
 * of the caller separately, the result being a CPU number it must keep
 * exact: bt_online_waiting() took 41000 instructions to verify in its
 * three callers, against 5100 (20 s of the debug kernel's 57 s).
 */
static __always_inline s32 bt_lowest_bit(u64 x)
{
	u64 n = (x & -x) - 1;

	n -= (n >> 1) & 0x5555555555555555ULL;
	n = (n & 0x3333333333333333ULL) + ((n >> 2) & 0x3333333333333333ULL);
	n = (n + (n >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (n * 0x0101010101010101ULL) >> 56;
}

/*
 * A CPU other than @self with online work queued behind online work that
 * could run on @self, or -1. Only CPUs in the last walk's bits are looked
 * at, each again as it is now.
 */
BT_GLOBAL s32 bt_online_waiting(s32 self, u64 now)
{
	s32 nwords = (bt_nr_cpus() + 63) >> 6, w, i, cpu;
	u64 bits;

	bt_waiting_scan(now);
	bpf_for(w, 0, nwords) {
		bits = READ_ONCE(waiting_cpus[w & (BT_CPU_WORDS - 1)]);
		bpf_for(i, 0, 64) {
			if (!bits)
				break;
			cpu = (w << 6) + bt_lowest_bit(bits);
			bits &= bits - 1;
			if (cpu != self && bt_online_nr(cpu) >= 2 &&
			    bt_online_may_come(cpu, self))
				return cpu;
		}
	}
	return -1;
}

#define BT_NS_PER_MS	1000000ULL

/*
 * Ask stratos.ko to run @pid, an offline task allowed on @cpu alone, in the
 * fair class (its cpu.idle group) for BT_YIELD_NS. While it is counted on
 * @cpu's runqueue as an ext task, whether it runs or is held back, the
 * fair class moves no online work onto @cpu (see bt_vacate_move()), and
 * the task cannot leave; in an idle group it is next to no load there,
 * once the fair class sees it use the CPU (scx_bt.h, BT_YIELD_NS).
 * One request per CPU and task at a time: the task is out of this
 * scheduler's sight until it comes back anyway.
 */
static void bt_request_yield(s32 cpu, s32 pid)
{
	struct bt_yield_req *r;
	struct bt_yield *y;
	u32 zero = 0, idx = cpu;
	u64 now;

	if (pid <= 0 || cpu < 0 || cpu >= BT_MAX_CPUS)
		return;
	/*
	 * Another ext task counted here keeps the CPU busy for the fair
	 * class all the same, and the yielded task, a fair task then, would
	 * run ahead of it: two offline tasks pinned to one CPU shared it
	 * 2034:22 ms at weights 100:300 when the lighter one kept yielding.
	 */
	if (bt_ext_nr(cpu) != 1)
		return;
	y = bpf_map_lookup_elem(&bt_yield, &zero);
	if (!y)
		return;
	asm volatile("" : "+r"(idx));
	r = &y->cpu[idx & (BT_MAX_CPUS - 1)];
	now = bpf_ktime_get_ns();
	/* Asked already: being carried out, or under way. */
	if (READ_ONCE(r->pid) == pid && now < READ_ONCE(r->until_ns))
		return;
	WRITE_ONCE(r->pid, pid);
	WRITE_ONCE(r->ms, BT_YIELD_NS / BT_NS_PER_MS);
	WRITE_ONCE(r->until_ns, now + BT_YIELD_NS);
	__sync_fetch_and_add(&y->gen, 1);
	__sync_fetch_and_add(&nr_yield_requests, 1);
}

/*
 * @cpu holds offline work back with nothing else to run: if the last task
 * queued here may run nowhere else, and online work has waited on another
 * CPU for BT_YIELD_WAIT_NS, that task is what keeps the online work away.
 * A short wait is no reason: a kworker queued beside an online task for a
 * moment would have the task run beside its online SMT sibling for
 * nothing (seen in the smt selftest: 92 ms of a 2 s window). Vacating's
 * switch covers this too: both hand a CPU to waiting online work.
 * bt_stopping() forgets a task that went to sleep; stratos.ko checks the
 * task again anyway.
 */
static void bt_yield_held(const struct bt_conf *conf, s32 cpu,
			  struct bt_cpu *bc, u64 now)
{
	if (!conf->vacate_ns || !bc || !bc->pinned_pid)
		return;
	if (bt_online_waiting(cpu, now) < 0) {
		bc->yield_wait_since = 0;
		return;
	}
	if (!bc->yield_wait_since) {
		bc->yield_wait_since = now;
		return;
	}
	if (now - bc->yield_wait_since < BT_YIELD_WAIT_NS)
		return;
	bc->yield_wait_since = 0;
	bt_request_yield(cpu, bc->pinned_pid);
}

/*
 * How long a CPU counts as about to run online work after a wakeup put
 * some there (bt_wakeup()). The task runs within microseconds, unless a
 * CPU that went idle pulls it first; this bounds how long the sibling
 * then holds offline work back for nothing.
 */
#define BT_WOKEN_NS	(500ULL * 1000)

/* Was online work woken to run on @bc's CPU, and has it not started yet? */
static bool bt_online_coming(struct bt_cpu *bc, u64 now)
{
	u64 woken = READ_ONCE(bc->online_woken);

	/* Signed: another CPU's clock may have set it a little ahead. */
	return woken && (s64)(now - woken) < (s64)BT_WOKEN_NS;
}

/*
 * Does @cpu's SMT sibling run online work (anything but ext or idle), is
 * some about to start there (bt_online_coming()), or did some run there
 * less than smt_hold_ns before @now?
 */
BT_GLOBAL bool bt_sibling_online(const struct bt_conf *conf, s32 cpu,
				 u64 now)
{
	struct task_struct *curr;
	struct bt_cpu *sbc;
	u32 idx = cpu;
	s32 sib;

	if (!conf || !conf->smt_expel || cpu < 0 || cpu >= BT_MAX_CPUS)
		return false;
	/*
	 * The mask keeps the bound where the verifier sees it: clang may
	 * test a copy of @cpu above, and would drop a mask it can prove
	 * redundant, hence the empty asm.
	 */
	asm volatile("" : "+r"(idx));
	sib = smt_sibling[idx & (BT_MAX_CPUS - 1)];
	if (sib < 0)
		return false;
	curr = scx_bpf_cpu_curr(sib);
	if (curr && bt_task_online(curr))
		return true;
	sbc = bt_get_cpu(sib);
	if (!sbc)
		return false;
	if (bt_online_coming(sbc, now))
		return true;
	return conf->smt_hold_ns &&
	       now - READ_ONCE(sbc->online_left) < conf->smt_hold_ns;
}

/*
 * Online work starts on @bc's CPU: if it was vacating, that is what it
 * vacated for, and the hold ends here, not vacate_ns after it began.
 * Online bursts are often shorter than that, and the CPU would then sit
 * idle beside queued offline work until the hold ran out and the timer
 * came.
 */
static __always_inline void bt_vacate_done(struct bt_cpu *bc)
{
	if (bc->vacate_until)
		bc->vacate_until = 0;
}

/* Online work woken to run on @bc's CPU started: it is no longer coming. */
static __always_inline void bt_online_started(struct bt_cpu *bc)
{
	if (bc->online_woken)
		WRITE_ONCE(bc->online_woken, 0);
}

/*
 * Each side of a switch stores its rq->curr and then reads the sibling's,
 * so that of two switches racing (online work starting on one CPU, an
 * offline task on the other) at least one sees the other. A CPU may order
 * a load before an earlier store; an atomic exchange (a fetching atomic,
 * fully ordered) does not let it. Its target is this CPU's own, so that no
 * cache line moves between CPUs for it.
 */
static __always_inline void bt_switch_barrier(struct bt_cpu *bc)
{
	__sync_lock_test_and_set(&bc->fence, 1);
}

/*
 * Can @p not move to another CPU now? With CONFIG_PREEMPT_RCU the BPF
 * prologue itself disables migration for the current task, so one level
 * of it on the running task is this program's (as the kernel's own
 * is_bpf_migration_disabled() reasons). The config is told by a field
 * only PREEMPT_RCU kernels have: the debug kernel has no config file for
 * libbpf's __kconfig to read.
 */
static bool bt_migration_disabled(const struct task_struct *p)
{
	bool preempt_rcu = bpf_core_field_exists(struct task_struct,
						 rcu_read_lock_nesting);

	if (p->migration_disabled == 1 && preempt_rcu)
		return p != bpf_get_current_task_btf();
	return p->migration_disabled;
}

#ifndef PF_EXITING
#define PF_EXITING	0x00000004
#endif

/*
 * Does the kernel put @p straight back on its CPU's local queue when its
 * slice ends, without asking scx_bt? An exiting task does, and one that
 * cannot migrate (SCX_OPS_ENQ_EXITING and SCX_OPS_ENQ_MIGRATION_DISABLED
 * are off: such a task may hold what others wait for). Ending its slice
 * for the SMT rule only starts it again at once: a hog killed on a CPU
 * held beside an online loop was kicked off and started again 30000-60000
 * times a second, for the 1-2 s its exit took that way.
 */
static bool bt_task_sticks(const struct task_struct *p)
{
	return (p->flags & PF_EXITING) || bt_migration_disabled(p);
}

#ifndef SIGKILL
#define SIGKILL		9
#endif

/*
 * Is @p on its way out: exiting, or killed (a signal whose default action
 * ends the group marks each of its threads with SIGKILL at once,
 * complete_signal())? Such a task frees its memory once it runs, and an
 * agent deleting a pod waits for it: holds do not keep it back.
 */
static bool bt_task_killed(const struct task_struct *p)
{
	return (p->flags & PF_EXITING) ||
	       (p->pending.signal.sig[0] & (1UL << (SIGKILL - 1)));
}

/*
 * A fatal signal reached an offline task (bt_signal()): the timer looks
 * for killed tasks in the shared queue (bt_free_killed()). A hint, as
 * locals_parked.
 */
static u32 killed_queued;

/* Does the SMT rule leave @p where it runs (see the two above)? */
static bool bt_smt_spares(const struct task_struct *p)
{
	return bt_task_sticks(p) || bt_task_killed(p);
}

/* End the slice of the offline task on @cpu (@bc its state), now. */
static void bt_expel(struct bt_cpu *bc, s32 cpu)
{
	/* bt_stopping() counts the expulsion in the task's stats. */
	if (bc)
		WRITE_ONCE(bc->smt_kicked, 1);
	scx_bpf_kick_cpu(cpu, SCX_KICK_PREEMPT);
}

/* Online work starts here: an offline task on @sib leaves at once. */
static void bt_expel_sibling(struct bt_cpu *self, s32 sib)
{
	struct task_struct *curr;

	bt_switch_barrier(self);
	curr = scx_bpf_cpu_curr(sib);
	if (!curr || !bt_task_offline(curr) || bt_smt_spares(curr))
		return;
	bt_expel(bt_get_cpu(sib), sib);
	__sync_fetch_and_add(&nr_switch_kicks, 1);
}

/*
 * An offline task @p starts on @cpu beside online work on its sibling: it
 * was dispatched before that work started, and the sibling's switch read
 * this CPU before this one's (bt_switch_barrier()), or it came back from
 * this CPU's local queue, where a kernel thread had preempted it, with no
 * dispatch to hold it back. Either way it leaves at once, as if kicked by
 * the sibling: the kick ends its slice, and dispatch holds it back. Not
 * one that dispatch let past the hold on purpose (the ext_server's pick,
 * the starvation guard): kicked, it would lose the run that keeps it and
 * the watchdog going (a hog pinned beside an online loop got 0 ms in 8 s
 * instead of about 3 ms a second). Nor one the kernel would only start
 * again, or one killed (bt_smt_spares()).
 */
static void bt_expel_starting(const struct bt_conf *conf, struct bt_cpu *bc,
			      s32 cpu, const struct task_struct *p)
{
	bt_switch_barrier(bc);
	if (READ_ONCE(bc->let_through) || bt_smt_spares(p) ||
	    !bt_sibling_online(conf, cpu, scx_bpf_now()))
		return;
	bt_expel(bc, cpu);
	__sync_fetch_and_add(&nr_start_kicks, 1);
}

/*
 * The SMT expeller at context-switch time. bt_tick sees an online sibling
 * only at the offline task's next tick, 4 ms away at HZ=250, which can be
 * the whole of a short online request. So when a CPU switches to online
 * work, an offline task on its sibling is preempted at once: the kick ends
 * its slice, and the sibling's dispatch then holds offline work back while
 * this CPU stays online (bt_cpu_holds()). An offline task that starts
 * beside online work anyway leaves at once too (bt_expel_starting()).
 * When the CPU leaves online work, its held sibling is woken to take
 * offline work again, instead of waiting for the timer; with smt_hold_ns
 * set, the sibling stays held that long (the next burst of online work
 * often comes within it) and the timer wakes it. Kicks are sent from an
 * irq_work, as the runqueue lock is held here. A switch to online work
 * also ends this CPU's vacating, and its being about to run online work
 * (bt_wakeup() kicked the sibling already, most of the time).
 *
 * This runs on every context switch of every task, so the common cases
 * leave first: scx_bt not running, or a switch that stays on the same side
 * of online (online to online: the sibling was dealt with when the first
 * one came) and starts no offline task anew.
 */
SEC("tp_btf/sched_switch")
int BPF_PROG(bt_switch, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{
	bool to_online, from_online, to_offline;
	struct task_struct *curr;
	struct bt_conf *conf;
	struct bt_cpu *bc;
	u32 cpu;
	s32 sib;

	if (!READ_ONCE(bt_live))
		return 0;
	to_online = bt_task_online(next);
	from_online = bt_task_online(prev);
	to_offline = bt_task_offline(next);
	if (to_online == from_online && (!to_offline || bt_task_offline(prev)))
		return 0;
	cpu = bpf_get_smp_processor_id();
	bc = bt_get_cpu(cpu);
	if (!bc)
		return 0;
	if (to_online) {
		bt_vacate_done(bc);
		bt_online_started(bc);
	}
	conf = bt_get_conf();
	if (!conf || !conf->smt_expel)
		return 0;
	sib = smt_sibling[cpu & (BT_MAX_CPUS - 1)];
	if (sib < 0)
		return 0;
	if (to_online) {
		bt_expel_sibling(bc, sib);
		return 0;
	}
	if (to_offline)
		bt_expel_starting(conf, bc, cpu, next);
	if (!from_online)
		return 0;
	/* The sibling waits out the hold; the timer wakes it after. */
	if (conf->smt_hold_ns) {
		WRITE_ONCE(bc->online_left, scx_bpf_now());
		return 0;
	}
	curr = scx_bpf_cpu_curr(sib);
	if (curr && !curr->pid && bt_queued(BT_DSQ))
		scx_bpf_kick_cpu(sib, SCX_KICK_IDLE);
	return 0;
}

/*
 * A signal that kills an offline task: the timer lets it past any hold
 * (bt_free_killed()). Signals are rare next to the scheduler's events;
 * this only reads the task and marks a hint.
 */
SEC("tp_btf/signal_generate")
int BPF_PROG(bt_signal, int sig, struct kernel_siginfo *info,
	     struct task_struct *task, int group, int result)
{
	if (READ_ONCE(bt_live) && bt_task_offline(task) &&
	    bt_task_killed(task) && !READ_ONCE(killed_queued))
		WRITE_ONCE(killed_queued, 1);
	return 0;
}

/*
 * The SMT expeller at wakeup time: online work woken to run on a CPU whose
 * sibling runs an offline task sends that task off at once, a step ahead
 * of the online task's switch (bt_switch()), which comes only once the
 * CPU has taken the wakeup's interrupt or IPI and gone through schedule.
 * The kick's own way to the sibling (an irq_work, then an IPI) overlaps
 * that. The CPU counts as about to run online work (bt_online_coming())
 * until the task starts there, so that the sibling's dispatch holds
 * offline work back meanwhile. A wakeup onto a CPU that runs online work
 * already changes nothing: its sibling was dealt with when that started.
 * Attached only where CPUs have SMT siblings (stratosctl bt enable): it
 * runs on every wakeup of every task.
 */
SEC("tp_btf/sched_wakeup")
int BPF_PROG(bt_wakeup, struct task_struct *p)
{
	struct task_struct *curr;
	struct bt_conf *conf;
	struct bt_cpu *bc;
	u32 cpu;
	s32 sib;

	if (!READ_ONCE(bt_live) || !bt_task_online(p))
		return 0;
	cpu = scx_bpf_task_cpu(p);
	sib = smt_sibling[cpu & (BT_MAX_CPUS - 1)];
	if (sib < 0)
		return 0;
	conf = bt_get_conf();
	if (!conf || !conf->smt_expel)
		return 0;
	curr = scx_bpf_cpu_curr(cpu);
	if (curr && bt_task_online(curr))
		return 0;
	bc = bt_get_cpu(cpu);
	if (!bc)
		return 0;
	/*
	 * A fully ordered exchange, as in bt_switch_barrier(): an offline
	 * task starting on the sibling sees this mark, or is seen here.
	 */
	__sync_lock_test_and_set(&bc->online_woken, scx_bpf_now());
	curr = scx_bpf_cpu_curr(sib);
	if (!curr || !bt_task_offline(curr) || bt_smt_spares(curr))
		return 0;
	bt_expel(bt_get_cpu(sib), sib);
	__sync_fetch_and_add(&nr_wake_kicks, 1);
	return 0;
}

/* Offline ns left to this CPU in the current window; U64_MAX: no budget. */
static u64 bt_budget_left(const struct bt_conf *conf, struct bt_cpu *bc,
			  u64 now)
{
	u64 allowed;

	if (conf->budget_pct >= 100)
		return (u64)-1;
	if (now - bc->win_start >= BT_WINDOW_NS) {
		bc->win_start = now;
		bc->win_used = 0;
	}
	allowed = BT_WINDOW_NS * conf->budget_pct / 100;
	return bc->win_used < allowed ? allowed - bc->win_used : 0;
}

/* Has this CPU used up its budget in the current window? */
static bool bt_over_budget(const struct bt_conf *conf, struct bt_cpu *bc,
			   u64 now)
{
	return !bt_budget_left(conf, bc, now);
}

/* Should @cpu, @bc its state, keep offline work off it right now? */
BT_GLOBAL bool bt_holds(const struct bt_conf *conf, struct bt_cpu *bc,
			s32 cpu, u64 now)
{
	/* Its callers checked both; the verifier checks it alone (BT_GLOBAL). */
	if (!conf || !bc)
		return true;
	if (now < bc->vacate_until || bt_over_budget(conf, bc, now))
		return true;
	return bt_sibling_online(conf, cpu, now);
}

static bool bt_cpu_holds(const struct bt_conf *conf, s32 cpu, u64 now)
{
	struct bt_cpu *bc = bt_get_cpu(cpu);

	return bc && bt_holds(conf, bc, cpu, now);
}

/*
 * The guard: the task at the head of the queue has waited starve_ns, or no
 * offline task started anywhere for that long. The first alone would do
 * for the watchdog, which looks at each task: one offline task running now
 * and then (from the ext_server of its CPU) must not hide another that
 * waits in the queue.
 */
static bool bt_starving_any(const struct bt_conf *conf, u64 now)
{
	return bt_queued(BT_DSQ) &&
	       now - READ_ONCE(last_run_ns) > conf->starve_ns;
}

/*
 * Scheduler callbacks only: the peek needs the RCU read lock their
 * trampolines hold, which a BPF timer callback does not.
 */
static bool bt_starving(const struct bt_conf *conf, u64 now)
{
	struct task_struct *head;
	struct bt_task *t;

	if (bt_starving_any(conf, now))
		return true;
	head = scx_bpf_dsq_peek(BT_DSQ);
	if (!head)
		return false;
	t = bpf_task_storage_get(&bt_tasks, head, 0, 0);
	return t && t->wait_since && now - t->wait_since > conf->starve_ns;
}

s32 BPF_STRUCT_OPS(bt_select_cpu, struct task_struct *p, s32 prev_cpu,
		   u64 wake_flags)
{
	struct bt_conf *conf = bt_get_conf();
	u64 now = scx_bpf_now();
	bool idle = false;
	s32 cpu;

	cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &idle);
	if (conf && idle && !bt_cpu_holds(conf, cpu, now) &&
	    !bt_task_throttled(p, true, now))
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, conf->slice_ns, 0);
	return cpu;
}

/*
 * Offline tasks may wait in some CPU's local queue behind online work:
 * bt_preempted() left them there (no CPU was free), or vacating moved them
 * there. A hint, not a count: set where that happens, cleared by a walk
 * that finds no such queue (bt_send_parked()). A hint lost to a race
 * leaves the tasks to the timer, 2 ms later at most.
 */
static u32 locals_parked;

static __always_inline void bt_note_parked(struct bt_cpu *bc, u64 now)
{
	WRITE_ONCE(bc->parked_at, now);
	if (!READ_ONCE(locals_parked))
		WRITE_ONCE(locals_parked, 1);
}

/*
 * Work for the timer came (bt_timer_has_work()): if it waits the long
 * way, bring it forward. Cheap while it does not: one read.
 */
static void bt_timer_hurry(void)
{
	struct bt_timer *t;
	u32 zero = 0;

	if (!READ_ONCE(timer_lazy) || !__sync_lock_test_and_set(&timer_lazy, 0))
		return;
	t = bpf_map_lookup_elem(&bt_timers, &zero);
	if (t)
		bpf_timer_start(&t->timer, BT_TIMER_NS, 0);
	__sync_fetch_and_add(&nr_timer_hurries, 1);
}

/*
 * Vacating must take the offline task off its CPU's runqueue, not only
 * off the CPU. A runnable ext task is counted on the runqueue of its
 * task_cpu wherever it is queued, and the fair class balances nothing onto
 * a CPU whose runqueue counts a task: newly idle balancing is skipped
 * (should_we_balance()), and the CPU is not idle_cpu() for the periodic
 * idle balance either. So the task goes to the local queue of the CPU
 * where online work waits: the online task can then come here, and that
 * CPU, busy with online work, runs the offline task only from its
 * ext_server or once its online work is done (the timer sends it back to
 * the shared queue if a CPU idles first). A task that may not run there,
 * or may not migrate now, stays; the CPU then idles for nothing.
 */
static bool bt_vacate_move(const struct bt_conf *conf, struct task_struct *p,
			   struct bt_cpu *bc, s32 cpu, u64 now, u64 enq_flags)
{
	struct bt_cpu *tbc;
	s32 to;

	if (now >= bc->vacate_until)
		return false;
	to = bc->vacate_to;
	if (to < 0 || to == cpu || to >= bt_nr_cpus() ||
	    bt_migration_disabled(p) || !bpf_cpumask_test_cpu(to, p->cpus_ptr))
		return false;
	scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL_ON | to, conf->slice_ns, enq_flags);
	__sync_fetch_and_add(&nr_vacate_moves, 1);
	tbc = bt_get_cpu(to);
	if (tbc)
		bt_note_parked(tbc, now);
	bt_timer_hurry();
	return true;
}

/*
 * Remember @p on its CPU (@bc its state) if it may run there alone:
 * bt_yield_held().
 */
static void bt_note_pinned(const struct task_struct *p, struct bt_cpu *bc)
{
	if (p->nr_cpus_allowed == 1)
		bc->pinned_pid = p->pid;
}

/* @p may run only on @cpu, and no other offline task waits to run there. */
static bool bt_alone_here(const struct task_struct *p, s32 cpu)
{
	struct rq *rq;

	if (p->nr_cpus_allowed != 1 || bt_queued(BT_DSQ))
		return false;
	rq = bpf_per_cpu_ptr(&runqueues, cpu);
	/* @p is counted there already, and queued nowhere yet. */
	return rq && rq->scx.nr_running == 1 && !rq->scx.local_dsq.nr;
}

void BPF_STRUCT_OPS(bt_enqueue, struct task_struct *p, u64 enq_flags)
{
	struct bt_task *t = bpf_task_storage_get(&bt_tasks, p, 0, 0);
	struct bt_conf *conf = bt_get_conf();
	s32 cpu = scx_bpf_task_cpu(p);
	struct bt_cpu *bc = bt_get_cpu(cpu);
	u64 now = scx_bpf_now();

	if (!conf)
		return;
	/* Never for a valid CPU: the shared queue loses no task. */
	if (!bc) {
		scx_bpf_dsq_insert_vtime(p, BT_DSQ, conf->slice_ns,
					 p->scx.dsq_vtime, enq_flags);
		return;
	}
	/* Whatever queue it goes to, it starts a new slice there. */
	if (t)
		t->resume = false;
	bt_note_pinned(p, bc);
	/* Its cgroup used its cpu.max quota: wait for the next period. */
	if (bt_throttled(p, t, true, now)) {
		scx_bpf_dsq_insert_vtime(p, BT_PARKED_DSQ, conf->slice_ns,
					 p->scx.dsq_vtime, enq_flags);
		bt_timer_hurry();
		return;
	}
	if (bt_vacate_move(conf, p, bc, cpu, now, enq_flags))
		return;
	/*
	 * A CPU about to idle with this task runnable (dispatch found
	 * nothing else) keeps it, unless the CPU holds offline work back.
	 * So does a task that may run only there while no other offline
	 * task could: its dispatch would bring it straight back. Its slice
	 * ends, every slice_ns of its runtime, often as online work takes
	 * the CPU (the tick that would end it comes later), and the way
	 * through the shared queue cost that online task's wakeup about
	 * 20 us under icount.
	 */
	if (((enq_flags & SCX_ENQ_LAST) || bt_alone_here(p, cpu)) &&
	    !bt_holds(conf, bc, cpu, now)) {
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, conf->slice_ns, enq_flags);
		return;
	}
	scx_bpf_dsq_insert_vtime(p, BT_DSQ, conf->slice_ns, p->scx.dsq_vtime,
				 enq_flags);
	/* Killed (an exit woken from a sleep), it is let past holds. */
	if (bt_task_killed(p) && !READ_ONCE(killed_queued))
		WRITE_ONCE(killed_queued, 1);
	/* A CPU that holds it back now has to be woken when the hold ends. */
	bt_timer_hurry();
	/* Nothing else wakes an idle CPU for a task on the shared queue. */
	cpu = scx_bpf_pick_idle_cpu(p->cpus_ptr, 0);
	if (cpu >= 0)
		scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
}

/*
 * The virtual time @used ns of CPU cost a task of weight @weight
 * (BT_WEIGHT_FP units: bt_task_weight()). @used is one run, under a
 * minute: the product stays below 2^53.
 */
static u64 bt_vtime_charge(u64 weight, u64 used)
{
	return used * 100 * BT_WEIGHT_FP / (weight ?: 100 * BT_WEIGHT_FP);
}

/*
 * The slice an offline task starting on @cpu gets: a short one if only the
 * guard (or the ext_server) lets it through, and no longer than the budget
 * left in the window, which is checked per slice.
 */
static u64 bt_slice(const struct bt_conf *conf, struct bt_cpu *bc, s32 cpu,
		    u64 now)
{
	u64 slice = conf->slice_ns, left;

	if (bt_holds(conf, bc, cpu, now) && slice > conf->guard_slice_ns)
		slice = conf->guard_slice_ns;
	left = bt_budget_left(conf, bc, now);
	if (left && slice > left)
		slice = left;
	return slice;
}

/*
 * @slice, and no longer than what @p's cgroups have left of their cpu.max
 * quotas, which the slice takes from each in advance: tasks of one cgroup
 * starting on several CPUs at once must not each get all that is left.
 * (At least 1 ns: a task let through anyway, by the guard or as the
 * previous task, stops at the next tick.) bt_charge_bw() settles the
 * advance.
 */
static u64 bt_grant_slice(struct task_struct *p, struct bt_task *t,
			  u64 slice, u64 now, bool find)
{
	struct bt_cg_bw *bw;
	u64 left;
	int i;

	bt_bw_refresh(p, t, find);
	left = bt_bw_left_all(t, now);
	if (left == BT_BW_NONE)
		return slice;
	if (slice > left)
		slice = left ?: 1;
	t->bw_granted = slice;
	for (i = 0; i < BT_BW_LEVELS; i++) {
		bw = bt_bw_at(t, i);
		if (!bw)
			continue;
		t->bw_period[i] = bw->period_start;
		__sync_fetch_and_add(&bw->used, slice);
	}
	return slice;
}

/*
 * Settle a run of @used ns against @bw: what ran beyond the advance of
 * @granted is added, what the advance left unused given back, if the
 * advance was taken in the period still running (@period its start).
 */
static void bt_bw_settle(struct bt_cg_bw *bw, u64 granted, u64 period,
			 u64 used)
{
	if (!granted || period != bw->period_start) {
		__sync_fetch_and_add(&bw->used, used);
		return;
	}
	if (used > granted)
		__sync_fetch_and_add(&bw->used, used - granted);
	else if (READ_ONCE(bw->used) >= granted - used)
		__sync_fetch_and_sub(&bw->used, granted - used);
}

/* Settle @t's run of @used ns against each of its cgroups' quotas. */
static void bt_charge_bw(struct bt_task *t, u64 used)
{
	u64 granted = t->bw_granted;
	struct bt_cg_bw *bw;
	int i;

	t->bw_granted = 0;
	if (!t->bw_cgid[0])
		return;
	for (i = 0; i < BT_BW_LEVELS; i++) {
		bw = bt_bw_at(t, i);
		if (bw)
			bt_bw_settle(bw, granted, t->bw_period[i], used);
	}
}

/*
 * Add @used ns of runtime to @st, a cgroup's statistics, with what @t's
 * preempted and expelled stops left pending (bt_stopping()). Those stay
 * in the task until it starts a new slice (not the one a preemption
 * left it: bt_start_slice()) or stops for another reason (it sleeps, its
 * slice ends, it vacates), a refill by dispatch, a cgroup move, or its
 * leaving the class or scx_bt's unloading (bt_disable()).
 */
static void bt_stats_fold(struct bt_cg_stats *st, struct bt_task *t, u64 used)
{
	u64 preempted = 0, expelled = 0;

	if (t) {
		used += t->pend_runtime;
		preempted = t->pend_preempted;
		expelled = t->pend_expelled;
		t->pend_runtime = 0;
		t->pend_preempted = 0;
		t->pend_expelled = 0;
	}
	if (used)
		__sync_fetch_and_add(&st->runtime_ns, used);
	if (preempted)
		__sync_fetch_and_add(&st->preempted, preempted);
	if (expelled)
		__sync_fetch_and_add(&st->expelled, expelled);
}

/*
 * bt_charge() but for the task's virtual time, which it returns: @bc's
 * run up to @now, charged to @st and @t (see there). Global (BT_GLOBAL):
 * checked again at each of bt_stopping()'s calls, it was over a third
 * of that callback's verification (2500 of 5900 instructions).
 */
BT_GLOBAL u64 bt_charge_run(struct bt_task *t, struct bt_cg_stats *st,
			     struct bt_cpu *bc, u64 now, u64 weight)
{
	u64 used;

	if (!bc || now <= bc->run_start)
		return 0;
	used = now - bc->run_start;
	bc->run_start = now;
	bc->win_used += used;
	if (st)
		bt_stats_fold(st, t, used);
	else if (t)
		t->pend_runtime += used;
	if (t)
		bt_charge_bw(t, used);
	return bt_vtime_charge(weight, used);
}

/*
 * Does another offline task wait for this CPU? The head of the queue
 * tells, most of the time: the others wait behind it, and may run here if
 * it may.
 */
static bool bt_contended(void)
{
	struct task_struct *head = scx_bpf_dsq_peek(BT_DSQ);

	return head &&
	       bpf_cpumask_test_cpu(bpf_get_smp_processor_id(), head->cpus_ptr);
}

/*
 * Charge @p's run on this CPU up to @now: to its cgroup's runtime (@st,
 * its statistics; NULL: pending in @t), the CPU's budget window, and its
 * virtual time (scaled by its weight, bt_task_weight(); without storage,
 * by its nice weight alone). A task lighter than a default one is charged
 * as a default one for a run nothing else waited for: at its own rate a
 * task of weight 1 alone on a CPU runs 100 times ahead in virtual time,
 * vtime_now follows it, and tasks that wake or join from then on are
 * placed that far ahead of those running elsewhere. In scx_bt.sh's
 * "whatever their tasks" a task of weight 100 that joined so waited 2 s
 * behind another of 98. Called when it stops, and when dispatch lets
 * it run on without stopping. @t is @p's storage, or NULL. The callers
 * look both up: bt_stopping() needs them again.
 */
static void bt_charge(struct task_struct *p, struct bt_task *t,
		      struct bt_cg_stats *st, struct bt_cpu *bc, u64 now)
{
	u64 weight = t && t->weight ? t->weight :
		     (u64)(p->scx.weight ?: 100) * BT_WEIGHT_FP;

	if (weight < 100 * BT_WEIGHT_FP && !bt_contended())
		weight = 100 * BT_WEIGHT_FP;
	p->scx.dsq_vtime += bt_charge_run(t, st, bc, now, weight);
}

static void bt_pull_parked(s32 self, u64 now);
BT_GLOBAL bool bt_locals_movable(s32 cpu);

/* Should @prev, whose slice ended, run on rather than the head of the queue? */
static bool bt_keep_prev(struct task_struct *prev)
{
	struct task_struct *head;

	if (!prev || !(prev->scx.flags & SCX_TASK_QUEUED) ||
	    !bt_task_offline(prev))
		return false;
	head = scx_bpf_dsq_peek(BT_DSQ);
	return !head || (s64)(prev->scx.dsq_vtime - head->scx.dsq_vtime) <= 0;
}

/* Let @prev run on @cpu (@bc its state) for a new slice from dispatch. */
static void bt_refill_prev(const struct bt_conf *conf, struct task_struct *prev,
			   struct bt_cpu *bc, s32 cpu, u64 now)
{
	struct bt_task *t = bpf_task_storage_get(&bt_tasks, prev, 0, 0);
	u64 slice = bc ? bt_slice(conf, bc, cpu, now) : conf->slice_ns;

	if (!t) {
		prev->scx.slice = slice;
		return;
	}
	/* Its group's sum may have changed since its last slice began. */
	t->weight = bt_task_weight(prev, t);
	prev->scx.slice = bt_grant_slice(prev, t, slice, now, false);
}

void BPF_STRUCT_OPS(bt_dispatch, s32 cpu, struct task_struct *prev)
{
	struct bt_conf *conf = bt_get_conf();
	u64 now = scx_bpf_now();
	struct bt_cpu *bc;
	bool holds;

	if (!conf)
		return;
	/* The budget and the queue order below count @prev's run so far. */
	bc = bt_get_cpu(cpu);
	if (prev && bc && bc->run_start)
		bt_charge(prev, bpf_task_storage_get(&bt_tasks, prev, 0, 0),
			  bt_cg_stats(bc->run_cgid), bc, now);
	/*
	 * A pick from the ext_server is never declined: an empty pick
	 * stops the server for good (the kernel starts it again only when
	 * the CPU's first ext task is enqueued), and tasks counted on this
	 * CPU would starve until the watchdog ejects scx_bt. The server's
	 * runtime is the bounded share offline work has under online load.
	 */
	holds = bc && bt_holds(conf, bc, cpu, now);
	if (holds && !bt_server_pick(cpu) && !bt_starving(conf, now)) {
		/* What starts here without a dispatch is not let through. */
		if (bc)
			bc->let_through = false;
		bt_yield_held(conf, cpu, bc, now);
		return;
	}
	/* What runs next runs despite the hold: bt_expel_starting(). */
	if (bc)
		bc->let_through = holds;
	/*
	 * A refilled slice is what keeps @prev running. Returning with
	 * nothing dispatched would not: under online load the pick comes
	 * from the ext_server, which the kernel stops on an empty pick,
	 * and @prev would be queued on a CPU whose server never starts
	 * again while it is counted there.
	 */
	if (bt_keep_prev(prev) && !bt_task_throttled(prev, false, now)) {
		bt_refill_prev(conf, prev, bc, cpu, now);
		return;
	}
	if (scx_bpf_dsq_move_to_local(BT_DSQ))
		return;
	/*
	 * Nothing in the queue this CPU may run (the head went elsewhere,
	 * or @prev's cgroup used its quota): under the server, an empty
	 * pick would stop it with @prev still counted here, so @prev runs
	 * on; its grant from a used-up quota ends it at the next tick.
	 */
	if (bt_server_pick(cpu)) {
		if (prev && (prev->scx.flags & SCX_TASK_QUEUED) &&
		    bt_task_offline(prev))
			bt_refill_prev(conf, prev, bc, cpu, now);
		/*
		 * Or a task parked for its cgroup's cpu.max, counted here:
		 * over the quota until the next tick ends its grant, as
		 * @prev above, rather than stranded behind a stopped server.
		 */
		else
			scx_bpf_dsq_move_to_local(BT_PARKED_DSQ);
		return;
	}
	/* This CPU idles: offline work parked behind online work may come. */
	bt_pull_parked(cpu, now);
}

void BPF_STRUCT_OPS(bt_runnable, struct task_struct *p, u64 enq_flags)
{
	struct bt_conf *conf = bt_get_conf();
	struct bt_task *t;

	/*
	 * A task waking up after a long sleep gets at most one slice of
	 * credit; tasks that stay runnable keep their lead or lag.
	 */
	if (conf && (s64)(p->scx.dsq_vtime - (vtime_now - conf->slice_ns)) < 0)
		p->scx.dsq_vtime = vtime_now - conf->slice_ns;

	t = bpf_task_storage_get(&bt_tasks, p, 0,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!t)
		return;
	t->wait_since = scx_bpf_now();
	if (conf)
		bt_task_count(p, t, bt_weights_gen(conf));
}

/* @p sleeps, exits or leaves scx_bt: its weight leaves its group's sum. */
void BPF_STRUCT_OPS(bt_quiescent, struct task_struct *p, u64 deq_flags)
{
	struct bt_task *t = bpf_task_storage_get(&bt_tasks, p, 0, 0);

	if (t)
		bt_group_leave(t);
}

/* rq->clock_update_flags: skip the next clock update (kernel/sched/sched.h). */
#define BT_RQCF_REQ_SKIP	0x01

/*
 * A task moved to an idle CPU's local queue from ops.dispatch makes the
 * kernel (7.3, local_dsq_post_enq()) call wakeup_preempt() to raise the
 * runqueue's next class, and wakeup_preempt(), finding the idle task
 * queued and a reschedule pending, asks the next __schedule() to skip its
 * clock update: meant for a wakeup followed by a switch, but here the
 * switch is this one, whose update is done. The skip is left for the
 * task's stop, which then charges it up to the runqueue clock as of its
 * start, or of the last update since (a tick): nothing for a run that
 * ends before a tick. An offline task that fills the gaps between an SMT
 * sibling's online bursts runs so, thousands of times a second: its
 * sum_exec_runtime and its cgroup's cpu.stat counted about half of what
 * it ran (Documentation/sched_bt.rst, "Statistics"). A kick of this CPU
 * starts a __schedule() now, which uses up the skip and keeps the task
 * running: one reschedule per such start, and the stop updates the clock.
 */
static void bt_clock_fix(s32 cpu)
{
	struct rq *rq = bpf_per_cpu_ptr(&runqueues, cpu);

	if (!rq || !bpf_core_field_exists(rq->clock_update_flags) ||
	    !(rq->clock_update_flags & BT_RQCF_REQ_SKIP))
		return;
	scx_bpf_kick_cpu(cpu, 0);
	__sync_fetch_and_add(&nr_clock_kicks, 1);
}

/* Fold what @t, a task's storage, holds of its cgroup's statistics in. */
static void bt_task_stats_flush(struct bt_task *t)
{
	struct bt_cg_stats *st;

	if (!t->cgid ||
	    (!t->pend_runtime && !t->pend_preempted && !t->pend_expelled))
		return;
	st = bt_cg_stats(t->cgid);
	if (st)
		bt_stats_fold(st, t, 0);
}

/*
 * @p starts a slice on @cpu (@bc its state): its cgroup and weight, looked
 * up again only after a move or a reweight, and the slice it may have.
 * What its last slices' preemptions and expulsions left in @t reaches its
 * cgroup's statistics here, on its own way in, not on online work's.
 */
static void bt_start_slice(const struct bt_conf *conf, struct task_struct *p,
			   struct bt_task *t, struct bt_cpu *bc, s32 cpu,
			   u64 now)
{
	u64 slice;

	if (!t->cgid)
		t->cgid = bt_task_cgid(p);
	bt_task_stats_flush(t);
	bt_task_count(p, t, bt_weights_gen(conf));
	t->weight = bt_task_weight(p, t);
	if (!bc)
		return;
	slice = bt_grant_slice(p, t, bt_slice(conf, bc, cpu, now), now, true);
	if (p->scx.slice > slice)
		p->scx.slice = slice;
}

/*
 * Does @p (@t its storage) go on with the slice online work preempted,
 * kept at the head of its CPU's local queue (bt_preempted())? Then its
 * cgroup, weight and slice stand as they were set when the slice began:
 * unless it moved cgroup since, or a cpu.max quota limits it (the slice's
 * grant was settled at the stop). The SMT rule is bt_switch()'s, and
 * vacating ended the slice. This runs on the online task's way to sleep,
 * with interrupts off.
 */
static bool bt_resumes(struct bt_task *t)
{
	bool resume = t->resume;

	t->resume = false;
	return resume && t->cgid && !t->bw_cgid[0] &&
	       t->bw_gen == READ_ONCE(bw_gen);
}

/*
 * An offline task starts: note it for the guard (bt_starving_any()). Every
 * CPU's starts would write that one cache line, and take it from the
 * others, so a start writes it only once it is a sixteenth of starve_ns
 * old (62 ms by default): the guard then acts up to that much early.
 */
static void bt_note_run(const struct bt_conf *conf, u64 now)
{
	/* Signed: another CPU's clock may have set it a little ahead. */
	if ((s64)(now - READ_ONCE(last_run_ns)) >= (s64)(conf->starve_ns >> 4))
		WRITE_ONCE(last_run_ns, now);
}

/*
 * The queue's virtual time follows the tasks that start a slice in their
 * turn. Not those that resume one (bt_running()): the stop that preempted
 * them charged their run so far. Nor those the starvation guard sends to
 * run out of turn (@t, @p's storage, says so). A task of small weight,
 * once charged, leads the others by what they take many slices to run;
 * tasks that wake or join from then on would be placed that far ahead
 * (bt_runnable()), and wait that long behind the tasks that ran on.
 */
static void bt_advance_vtime(struct task_struct *p, struct bt_task *t)
{
	if (t && t->out_of_turn) {
		t->out_of_turn = false;
		return;
	}
	if ((s64)(p->scx.dsq_vtime - vtime_now) > 0)
		vtime_now = p->scx.dsq_vtime;
}

void BPF_STRUCT_OPS(bt_running, struct task_struct *p)
{
	struct bt_conf *conf = bt_get_conf();
	struct bt_cg_stats *st;
	struct bt_task *t;
	struct bt_cpu *bc;
	u64 now = scx_bpf_now(), wait;
	bool resumes;
	s32 cpu;

	t = bpf_task_storage_get(&bt_tasks, p, 0,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	resumes = t && bt_resumes(t);
	if (!resumes)
		bt_advance_vtime(p, t);
	if (!conf)
		return;
	bt_note_run(conf, now);
	if (!t)
		return;
	cpu = scx_bpf_task_cpu(p);
	bt_clock_fix(cpu);
	bc = bt_get_cpu(cpu);
	if (!resumes)
		bt_start_slice(conf, p, t, bc, cpu, now);
	if (bc) {
		bc->run_start = now;
		bc->run_cgid = t->cgid;
		bc->local_pinned = false;
	}
	if (!t->wait_since)
		return;
	wait = now - t->wait_since;
	t->wait_since = 0;
	/*
	 * Its cgroup's longest wait is at least this task's longest there,
	 * so a shorter wait changes nothing. This runs on every resume
	 * after online work preempted the task, on the online task's way
	 * to sleep: skipping the hash lookup took ops.running from 4.8 to
	 * 3.8 us (bpf_stats, pinned cyclictest row, icount).
	 */
	if (wait <= t->max_wait)
		return;
	t->max_wait = wait;
	st = bt_cg_stats(t->cgid);
	if (st && wait > st->max_wait_ns)
		st->max_wait_ns = wait;
}

/* Does @cpu have nothing to run, and may it run offline work? */
static bool bt_cpu_free(const struct bt_conf *conf, s32 cpu, u64 now)
{
	struct rq *rq = bpf_per_cpu_ptr(&runqueues, cpu);

	return rq && !rq->nr_running && !bt_cpu_holds(conf, cpu, now);
}

/* Is any CPU free to run offline work now? For the timer: a walk. */
static bool bt_any_cpu_free(const struct bt_conf *conf, u64 now)
{
	s32 cpu;

	bpf_for(cpu, 0, bt_nr_cpus()) {
		if (bt_cpu_free(conf, cpu, now))
			return true;
	}
	return false;
}

/*
 * Could @p run at once on a CPU other than @self? This runs on an online
 * task's wakeup (bt_preempted()), where a walk of every runqueue would
 * grow with the machine: the kernel's mask of idle CPUs answers instead,
 * and one idle CPU @p may use, taken in turn, is checked for a hold. If
 * that one holds offline work back while another would not, the timer
 * finds the other (bt_return_locals()).
 */
static bool bt_idle_cpu_for(const struct bt_conf *conf,
			    const struct task_struct *p, s32 self, u64 now)
{
	const struct cpumask *idle = scx_bpf_get_idle_cpumask();
	s32 cpu;

	cpu = bpf_cpumask_any_and_distribute(idle, p->cpus_ptr);
	scx_bpf_put_idle_cpumask(idle);
	return cpu < bt_nr_cpus() && cpu != self &&
	       !bt_cpu_holds(conf, cpu, now);
}

/*
 * @p, preempted by online work with slice left, would stay at the head of
 * @cpu's local queue, to go on as soon as the online work is done. Should
 * it, and the offline tasks queued behind it, go back to the shared queue
 * instead? Yes if another CPU has nothing to run and may run them, or if
 * @cpu holds offline work back: a task in a local queue runs without a
 * dispatch, which is where holds apply.
 */
static bool bt_release_preempted(const struct task_struct *p,
				 struct bt_cpu *bc, s32 cpu, u64 now)
{
	struct rq *rq = bpf_per_cpu_ptr(&runqueues, cpu);
	struct bt_conf *conf = bt_get_conf();

	if (!conf || bt_holds(conf, bc, cpu, now))
		return true;
	/*
	 * Alone and allowed here only, it may run nowhere else: the shared
	 * queue could only send it back, and the way round delayed the
	 * online task that preempted it (in the pinned benchmark, whose
	 * other CPU idles, a quarter of the wakeups by 40 us under icount).
	 */
	if (p->nr_cpus_allowed == 1 && rq && !rq->scx.local_dsq.nr) {
		bc->local_pinned = true;
		return false;
	}
	return bt_idle_cpu_for(conf, p, cpu, now);
}

/*
 * Send @p, preempted on @cpu, and the tasks queued there to the shared
 * queue if bt_release_preempted() says so: with its slice ended, the
 * kernel passes @p to bt_enqueue() instead of putting it back at the head
 * of the local queue; the others follow by a deferred re-enqueue (rare:
 * vacating and hand-over moves put them there) if the task at their head
 * may leave (bt_locals_movable()). This runs between the
 * wakeup of the online task and its first instruction, so it does no more
 * than it must. Otherwise they wait (the timer, brought forward, sends
 * them on if a CPU frees up first: bt_return_locals()), @p at the head,
 * to go on with its slice (bt_resumes()). Decided here, not in
 * ops.cpu_release (deprecated in 7.x): one BPF call on that path, not two.
 */
static void bt_preempted(struct task_struct *p, struct bt_task *t,
			 struct bt_cpu *bc, s32 cpu, u64 now)
{
	if (!bt_release_preempted(p, bc, cpu, now)) {
		if (t)
			t->resume = true;
		/*
		 * A CPU that frees up sends them on (bt_pull_parked()), or
		 * else the timer.
		 */
		if (!bc->local_pinned) {
			bt_note_parked(bc, now);
			bt_timer_hurry();
		}
		return;
	}
	p->scx.slice = 0;
	if (bt_locals_movable(cpu))
		scx_bpf_dsq_reenq(SCX_DSQ_LOCAL, 0);
}

/*
 * An offline task stops on this CPU: charge its run, and count why. Still
 * runnable with slice left, a class above ext took the CPU from it (online
 * work): "preempted", and bt_preempted() decides where it waits. The SMT
 * kick and vacating end its slice first, and the kick counts as
 * "expelled". In the pinned cyclictest benchmark row, every wakeup of the
 * online task takes this path, before the online task's first
 * instruction, as beside SMT siblings every start of online work takes
 * it for the expelled task: there the run and the count wait in the
 * task's storage (bt_stats_fold()), as the statistics' hash lookup was a
 * quarter of this callback (1.2 of 5.1 us, bpf_stats, that row under
 * icount).
 */
void BPF_STRUCT_OPS(bt_stopping, struct task_struct *p, bool runnable)
{
	struct bt_cg_stats *st;
	struct bt_task *t;
	struct bt_cpu *bc;
	u64 now = scx_bpf_now();
	bool preempted, kicked;
	s32 cpu;

	cpu = scx_bpf_task_cpu(p);
	bc = bt_get_cpu(cpu);
	/* Asleep or gone, it keeps nothing off this CPU: bt_yield_held(). */
	if (bc && !runnable && bc->pinned_pid == p->pid)
		bc->pinned_pid = 0;
	if (!bc || !bc->run_start)
		return;
	t = bpf_task_storage_get(&bt_tasks, p, 0, 0);
	preempted = runnable && p->scx.slice;
	kicked = READ_ONCE(bc->smt_kicked);
	if (kicked)
		WRITE_ONCE(bc->smt_kicked, 0);
	if (t && runnable && (preempted || kicked)) {
		bt_charge(p, t, NULL, bc, now);
		if (kicked)
			t->pend_expelled++;
		else
			t->pend_preempted++;
	} else {
		st = bt_cg_stats(bc->run_cgid);
		bt_charge(p, t, st, bc, now);
		if (st && kicked && runnable)
			__sync_fetch_and_add(&st->expelled, 1);
		else if (st && preempted)
			__sync_fetch_and_add(&st->preempted, 1);
	}
	bc->run_start = 0;
	/* Preempted or out of slice: it waits again from now. */
	if (t && runnable)
		t->wait_since = now;
	if (preempted)
		bt_preempted(p, t, bc, cpu, now);
}

/* @p leaves scx_bt: it left the class or exits, or scx_bt unloads. */
void BPF_STRUCT_OPS(bt_disable, struct task_struct *p)
{
	struct bt_task *t = bpf_task_storage_get(&bt_tasks, p, 0, 0);

	if (t) {
		bt_task_stats_flush(t);
		bt_group_leave(t);
	}
}

/* A task changed cgroup: look its cgroup and weight up again. */
void BPF_STRUCT_OPS(bt_cgroup_move, struct task_struct *p,
		    struct cgroup *from, struct cgroup *to)
{
	struct bt_task *t = bpf_task_storage_get(&bt_tasks, p, 0, 0);

	if (t) {
		bt_task_stats_flush(t);
		t->cgid = 0;
		t->max_wait = 0;
		/* Out of the old group's sum; ops.runnable joins the new. */
		bt_group_leave(t);
		t->group_weight = 0;
		t->bw_gen = 0;
	}
}

/*
 * Where vacating @cpu sends @p while online work waits on @waiting (see
 * bt_vacate_move()): there, if @p may run there, so that the online task
 * can come here; else another CPU @p may run on, a free one first. Either
 * way @p leaves this CPU's runqueue, which is what lets the fair class's
 * idle balancing bring the waiting work here. -1 if @p may run nowhere
 * else (it then only holds this CPU idle for vacate_ns).
 */
static s32 bt_vacate_to(const struct bt_conf *conf,
			const struct task_struct *p, s32 cpu, s32 waiting,
			u64 now)
{
	s32 c, busy = -1;

	if (bpf_cpumask_test_cpu(waiting, p->cpus_ptr))
		return waiting;
	bpf_for(c, 0, bt_nr_cpus()) {
		if (c == cpu || !bpf_cpumask_test_cpu(c, p->cpus_ptr))
			continue;
		if (bt_cpu_free(conf, c, now))
			return c;
		if (busy < 0)
			busy = c;
	}
	return busy;
}

/*
 * Runs on every tick of an offline task: leave the CPU if online work waits
 * elsewhere (so the fair class can move it here) or beside us on the SMT
 * sibling.
 */
void BPF_STRUCT_OPS(bt_tick, struct task_struct *p)
{
	struct bt_conf *conf = bt_get_conf();
	s32 cpu = scx_bpf_task_cpu(p);
	struct bt_cg_stats *st;
	struct bt_task *t;
	struct bt_cpu *bc;
	u64 now = scx_bpf_now();
	s32 waiting;

	if (!conf)
		return;
	/*
	 * A slice granted from the quota ends with its grant; one that ran
	 * without a grant (the limit came while it ran) ends once the quota
	 * is used.
	 */
	t = bpf_task_storage_get(&bt_tasks, p, 0, 0);
	if (t && !t->bw_granted && bt_throttled(p, t, true, now)) {
		p->scx.slice = 0;
		return;
	}
	bc = bt_get_cpu(cpu);
	if (bt_sibling_online(conf, cpu, now) && !bt_smt_spares(p)) {
		p->scx.slice = 0;
		/* Counted here, not again if a kick also came. */
		if (bc)
			WRITE_ONCE(bc->smt_kicked, 0);
		__sync_fetch_and_add(&nr_tick_expels, 1);
		st = bt_cg_stats(bt_task_cgid(p));
		if (st)
			__sync_fetch_and_add(&st->expelled, 1);
		return;
	}
	if (!bc || !conf->vacate_ns)
		return;
	/*
	 * A wakeup queued behind a running task for a moment is normal;
	 * online work still waiting at the next tick is what needs a CPU.
	 * A task allowed here alone cannot leave this CPU's runqueue, which
	 * keeps the fair class's idle balancing away: it leaves the ext
	 * class for a while instead.
	 */
	waiting = bt_online_waiting(cpu, now);
	if (waiting < 0) {
		bc->wait_ticks = 0;
		return;
	}
	if (++bc->wait_ticks < 2)
		return;
	bc->wait_ticks = 0;
	if (p->nr_cpus_allowed == 1) {
		/* From the ext_server, beside online work here: no need. */
		if (!bt_online_nr(cpu))
			bt_request_yield(cpu, p->pid);
		return;
	}
	bc->vacate_until = now + conf->vacate_ns;
	bc->vacate_to = bt_vacate_to(conf, p, cpu, waiting, now);
	p->scx.slice = 0;
	st = bt_cg_stats(bt_task_cgid(p));
	if (st)
		__sync_fetch_and_add(&st->vacated, 1);
}

/*
 * The ext_server trap. Under online load, offline tasks run only from the
 * ext_server of the CPU they are counted on (their task_cpu). The kernel
 * stops a CPU's server when its runtime goes to idle time (the CPU held
 * offline work back, e.g. vacating for online work) and its period ends
 * with no ext task run, and starts it again only when the CPU's ext count
 * goes from 0 to 1. A CPU that then runs online work, with ext tasks still
 * counted on it, never runs them again: the watchdog ejects scx_bt. The
 * timer finds such CPUs and moves their tasks to a CPU that will run them.
 */
#define BT_TRAPPED_NS	(10ULL * 1000 * 1000)

/*
 * The most tasks one of the timer's walks of a queue moves, so that a run
 * stays short. A global variable, which user space could change, not a
 * constant: the verifier knows no value for it, so it does not follow each
 * count of tasks moved so far through the walk as a state of its own
 * (against the constant 16, bt_free_killed() took 10177 instructions to
 * verify, against 1006). Nothing writes it.
 */
u32 bt_walk_max = 16;

/* Ext tasks counted on @cpu, no ext_server to run them, other work there. */
BT_GLOBAL bool bt_cpu_trapped(s32 cpu)
{
	struct rq *rq = bpf_per_cpu_ptr(&runqueues, cpu);

	if (!rq)
		return false;
	return rq->scx.nr_running && rq->nr_running > rq->scx.nr_running &&
	       !BPF_CORE_READ_BITFIELD(rq, ext_server.dl_server_active);
}

/*
 * How well @cpu would run a task moved to it: 3 idle; 2 its server runs,
 * or starts with the move (no ext task counted there); 1 trapped itself.
 */
BT_GLOBAL u32 bt_rescue_score(s32 cpu)
{
	struct rq *rq = bpf_per_cpu_ptr(&runqueues, cpu);

	if (!rq)
		return 0;
	if (!rq->nr_running)
		return 3;
	if (!rq->scx.nr_running ||
	    BPF_CORE_READ_BITFIELD(rq, ext_server.dl_server_active))
		return 2;
	return 1;
}

/*
 * Where to move @p off trapped @from: the best-scored CPU it may run on,
 * of those the fewest ext tasks. A trapped CPU is a target only for the
 * round's @drain CPU, whose tasks all leave so that its count reaches 0
 * and its server starts with the next task moved to it.
 */
static s32 bt_rescue_target(struct task_struct *p, s32 from, s32 drain)
{
	u64 rank, best_rank = 0;
	s32 cpu, best = -1;
	struct rq *rq;
	u32 score;

	bpf_for(cpu, 0, bt_nr_cpus()) {
		if (cpu == from || !bpf_cpumask_test_cpu(cpu, p->cpus_ptr))
			continue;
		rq = bpf_per_cpu_ptr(&runqueues, cpu);
		if (!rq)
			continue;
		score = bt_rescue_score(cpu);
		if (score < 2 && from != drain)
			continue;
		/*
		 * One number to compare, the score above the complement of
		 * the ext count: the verifier then follows one best so far
		 * through the walk, not one per score.
		 */
		rank = (u64)score << 32 | (u32)~rq->scx.nr_running;
		if (rank > best_rank) {
			best = cpu;
			best_rank = rank;
		}
	}
	return best;
}

/*
 * The task at the head of @rq's local queue, read without its lock (a
 * moment's view), or NULL. The kernel keeps no first_task for built-in
 * queues, and a list node is no pointer the verifier lets one walk back
 * from to its task: read the node's address, step back to the task, and
 * read that as a task, fault-safe (bpf_core_cast()). Tasks are freed after
 * an RCU grace period, which a BPF program's run lies within.
 */
static struct task_struct *bt_local_head(struct rq *rq)
{
	struct list_head *list = &rq->scx.local_dsq.list;
	struct list_head *node = BPF_CORE_READ(list, next);

	if (!node || node == list)
		return NULL;
	return bpf_core_cast((void *)node -
			     bpf_core_field_offset(struct task_struct,
						   scx.dsq_list.node),
			     struct task_struct);
}

/*
 * Would sending @cpu's local queue back to the shared one move anything?
 * Not if its head may run only there: a task allowed on that CPU alone,
 * whose enqueue puts it straight back, one that sticks
 * (bt_task_sticks()), which the kernel puts back without asking scx_bt,
 * or one killed, which the timer put there (bt_free_killed()) and would
 * put back (the killed-exit case's task was re-enqueued so 257 times
 * before this, and scx_bt ejected). The kernel ejects a scheduler that
 * re-enqueues a task 256 times without running it, and the timer's paths
 * to the shared queue, every 2 ms, would get there in half a second: an
 * offline task killed behind online work exits from its CPU's local
 * queue, run by that CPU's ext_server alone (the debug kernel's slow exit
 * once got a task queued with it there ejected so, "reenqueue limit", in
 * a check run). A task that could move, queued behind such a head, waits
 * for it.
 */
BT_GLOBAL bool bt_locals_movable(s32 cpu)
{
	struct rq *rq = bpf_per_cpu_ptr(&runqueues, cpu);
	struct task_struct *head;

	if (!rq || !rq->scx.local_dsq.nr)
		return false;
	head = bt_local_head(rq);
	return head && head->nr_cpus_allowed > 1 && !bt_smt_spares(head);
}

/*
 * Mark the CPUs trapped for BT_TRAPPED_NS (a moment's trap is a server
 * about to start) and send their local queues back to the shared one;
 * returns the first, or -1.
 */
static s32 bt_find_trapped(u64 now)
{
	s32 cpu, first = -1;
	struct bt_cpu *bc;

	bpf_for(cpu, 0, bt_nr_cpus()) {
		bc = bt_get_cpu(cpu);
		if (!bc)
			continue;
		if (!bt_cpu_trapped(cpu)) {
			bc->trapped_since = 0;
			continue;
		}
		if (!bc->trapped_since)
			bc->trapped_since = now;
		if (now - bc->trapped_since < BT_TRAPPED_NS)
			continue;
		if (first < 0)
			first = cpu;
		nr_trapped++;
		if (bt_locals_movable(cpu))
			scx_bpf_dsq_reenq(SCX_DSQ_LOCAL_ON | cpu, 0);
	}
	return first;
}

static bool bt_cpu_marked_trapped(s32 cpu)
{
	struct bt_cpu *bc = bt_get_cpu(cpu);

	return bc && bc->trapped_since && bt_cpu_trapped(cpu);
}

/*
 * The statistics of @p's cgroup, from the id its storage caches: the
 * timer, which counts rescues and hand-overs, holds no runqueue lock, and
 * scx_bpf_task_cgroup() requires one.
 */
static struct bt_cg_stats *bt_timer_cg_stats(struct task_struct *p)
{
	struct bt_task *t = bpf_task_storage_get(&bt_tasks, p, 0, 0);

	return t && t->cgid ? bt_cg_stats(t->cgid) : NULL;
}

static void bt_count_rescue(struct task_struct *p)
{
	struct bt_cg_stats *st = bt_timer_cg_stats(p);

	if (st)
		__sync_fetch_and_add(&st->rescued, 1);
}

/* Move the queued tasks counted on trapped CPUs to ones that run them. */
BT_GLOBAL void bt_rescue(u64 now)
{
	struct bpf_iter_scx_dsq it;
	struct task_struct *p;
	s32 drain, from, to;
	u32 moved = 0;

	drain = bt_find_trapped(now);
	if (drain < 0)
		return;
	bpf_rcu_read_lock();
	bpf_iter_scx_dsq_new(&it, BT_DSQ, 0);
	while ((p = bpf_iter_scx_dsq_next(&it)) && moved < bt_walk_max) {
		from = scx_bpf_task_cpu(p);
		if (!bt_cpu_marked_trapped(from))
			continue;
		to = bt_rescue_target(p, from, drain);
		if (to < 0 || !scx_bpf_dsq_move(&it, p, SCX_DSQ_LOCAL_ON | to,
						0))
			continue;
		scx_bpf_kick_cpu(to, SCX_KICK_IDLE);
		bt_count_rescue(p);
		moved++;
	}
	bpf_iter_scx_dsq_destroy(&it);
	bpf_rcu_read_unlock();
	nr_rescued += moved;
}

/*
 * A CPU that holds offline work back (the SMT rule, the budget) with
 * nothing but ext tasks counted on it is busy to the fair class, which
 * moves no online work there (see bt_vacate_move()): online work queued on
 * another CPU waits while this one idles. Vacating hands a CPU over at a
 * tick of the offline task running there, but a held CPU runs none, or
 * only for the guard's short slices. So the timer does it: once online
 * work that could run here has waited elsewhere for BT_HAND_WAIT_NS (a
 * moment's queueing is normal, as for vacating), the tasks counted here
 * leave the shared queue for the local queue of where it waits, or of
 * another CPU they may use (bt_vacate_to()). Seen in the stock-bt check:
 * a hog allowed on CPUs 0-1 held on CPU 0 beside online loops on CPU 1,
 * its sibling, and the loops stayed on CPU 1 for 5 s, CPU 0 idle; they
 * spread only when CPU 1's ext_server happened to be running and picked
 * the hog there.
 */
#define BT_HAND_WAIT_NS	(4ULL * 1000 * 1000)

/*
 * Where online work waits that @cpu keeps away, holding offline work back
 * with only ext tasks counted on it; -1 if none.
 */
static s32 bt_held_blocks(const struct bt_conf *conf, s32 cpu, u64 now)
{
	struct rq *rq = bpf_per_cpu_ptr(&runqueues, cpu);

	if (!rq || !rq->scx.nr_running ||
	    rq->nr_running != rq->scx.nr_running ||
	    !bt_cpu_holds(conf, cpu, now))
		return -1;
	return bt_online_waiting(cpu, now);
}

/* Is online work queued behind online work anywhere? */
static bool bt_online_queued(void)
{
	s32 cpu;

	bpf_for(cpu, 0, bt_nr_cpus()) {
		if (bt_online_nr(cpu) >= 2)
			return true;
	}
	return false;
}

/*
 * Note the CPUs bt_held_blocks() names; any that did for BT_HAND_WAIT_NS?
 * Each such CPU scans every CPU for waiting online work, so the scans run
 * only while some CPU has online work queued: one pass otherwise.
 */
static bool bt_mark_held(const struct bt_conf *conf, u64 now)
{
	bool queued = bt_online_queued(), due = false;
	struct bt_cpu *bc;
	s32 cpu, to;

	bpf_for(cpu, 0, bt_nr_cpus()) {
		bc = bt_get_cpu(cpu);
		if (!bc)
			continue;
		to = queued ? bt_held_blocks(conf, cpu, now) : -1;
		if (to < 0) {
			bc->hand_since = 0;
			continue;
		}
		if (!bc->hand_since)
			bc->hand_since = now;
		bc->hand_to = to;
		if (now - bc->hand_since >= BT_HAND_WAIT_NS)
			due = true;
	}
	return due;
}

/* Has @cpu kept online work away for BT_HAND_WAIT_NS (bt_mark_held())? */
static struct bt_cpu *bt_hand_due(s32 cpu, u64 now)
{
	struct bt_cpu *bc = bt_get_cpu(cpu);

	if (!bc || !bc->hand_since || now - bc->hand_since < BT_HAND_WAIT_NS)
		return NULL;
	return bc;
}

static void bt_count_vacated(struct task_struct *p)
{
	struct bt_cg_stats *st = bt_timer_cg_stats(p);

	if (st)
		__sync_fetch_and_add(&st->vacated, 1);
}

/* Move the queued tasks counted on CPUs due to hand over. */
static void bt_hand_held(const struct bt_conf *conf, u64 now)
{
	struct bpf_iter_scx_dsq it;
	struct task_struct *p;
	struct bt_cpu *bc;
	s32 from, to;
	u32 moved = 0;

	if (!conf->vacate_ns || !bt_mark_held(conf, now))
		return;
	bpf_rcu_read_lock();
	bpf_iter_scx_dsq_new(&it, BT_DSQ, 0);
	while ((p = bpf_iter_scx_dsq_next(&it)) && moved < bt_walk_max) {
		from = scx_bpf_task_cpu(p);
		bc = bt_hand_due(from, now);
		if (!bc || bt_migration_disabled(p))
			continue;
		to = bt_vacate_to(conf, p, from, bc->hand_to, now);
		if (to < 0 || to == from ||
		    !scx_bpf_dsq_move(&it, p, SCX_DSQ_LOCAL_ON | to, 0))
			continue;
		scx_bpf_kick_cpu(to, SCX_KICK_IDLE);
		bt_count_vacated(p);
		moved++;
	}
	bpf_iter_scx_dsq_destroy(&it);
	bpf_rcu_read_unlock();
	nr_held_moves += moved;
}

/*
 * Parked tasks whose cgroup has quota again go back to the shared queue,
 * and so does one that waited starve_ns (the guard: with many tasks and a
 * small quota a task could wait past the watchdog; it runs until the next
 * tick, its slice granted from an empty quota, and parks again).
 */
static void bt_unpark(const struct bt_conf *conf, u64 now)
{
	struct bpf_iter_scx_dsq it;
	struct task_struct *p;
	struct bt_task *t;
	u32 moved = 0;

	if (!bt_queued(BT_PARKED_DSQ))
		return;
	bpf_rcu_read_lock();
	bpf_iter_scx_dsq_new(&it, BT_PARKED_DSQ, 0);
	while ((p = bpf_iter_scx_dsq_next(&it)) && moved < bt_walk_max) {
		t = bpf_task_storage_get(&bt_tasks, p, 0, 0);
		if (t && !bt_bw_left_all(t, now) &&
		    !(t->wait_since && now - t->wait_since > conf->starve_ns))
			continue;
		if (scx_bpf_dsq_move_vtime(&it, p, BT_DSQ, 0))
			moved++;
	}
	bpf_iter_scx_dsq_destroy(&it);
	bpf_rcu_read_unlock();
}

/* Offline tasks wait in @cpu's local queue behind online work there. */
static bool bt_locals_wait(s32 cpu)
{
	return bt_online_nr(cpu) && bt_locals_movable(cpu);
}

/*
 * Online work that has held a CPU this long, with offline work parked
 * behind it, likely holds it longer than an IPI takes: below it, the
 * parked task would soon resume where it is, and sending it round cost
 * more than it saved (see bt_pull_parked()).
 */
#define BT_PULL_AFTER_NS	(1000ULL * 1000)

/*
 * Send the local queues where offline tasks wait behind online work, other
 * than @skip's and parked at least @min_wait ago, to the shared queue,
 * whose enqueue kicks an idle CPU for them. The re-enqueue runs on the
 * queue's CPU, at once if that is this one, else from an IPI; requests
 * for one queue made before it runs count once. Each is counted in
 * @count (not in a local sum: the verifier would follow every value of it
 * through the loop). Clears the hint if no queue waits at all.
 */
static void bt_send_parked(s32 skip, u64 now, u64 min_wait, u64 *count)
{
	bool parked = false;
	struct bt_cpu *bc;
	s32 cpu;

	bpf_for(cpu, 0, bt_nr_cpus()) {
		if (cpu == skip || !bt_locals_wait(cpu))
			continue;
		parked = true;
		bc = bt_get_cpu(cpu);
		/* Signed: another CPU's clock may have set it a little ahead. */
		if (min_wait && (!bc || (s64)(now - READ_ONCE(bc->parked_at)) <
					(s64)min_wait))
			continue;
		scx_bpf_dsq_reenq(SCX_DSQ_LOCAL_ON | cpu, 0);
		__sync_fetch_and_add(count, 1);
	}
	if (!parked)
		WRITE_ONCE(locals_parked, 0);
}

/*
 * @self is about to idle with no offline work to take, none held back:
 * send the local queues where offline tasks have waited behind online
 * work for BT_PULL_AFTER_NS on now, not at the timer's next run. A task
 * online work preempted while no CPU was free waits in its CPU's local
 * queue, and in the unpinned nginx row of the benchmark an idle CPU
 * waited for the timer, up to 2 ms, while both offline tasks sat in the
 * other CPU's queue: its next online burst often came first, 0.5 ms
 * later. Sent at every idle entry, without the wait, they went round
 * behind the unpinned cyclictest's bursts of tens of microseconds (its
 * hogs ran 1.23-1.25 CPUs in two boots, 1.42 in two without). Like the
 * timer, the CPU walks every CPU, but only while the hint is set, and
 * only on its way to idle.
 */
static void bt_pull_parked(s32 self, u64 now)
{
	if (READ_ONCE(locals_parked))
		bt_send_parked(self, now, BT_PULL_AFTER_NS, &nr_idle_pulls);
}

/*
 * Offline tasks that vacating moved to a CPU busy with online work, or
 * that online work preempted there (bt_preempted()), wait in its local
 * queue for its ext_server or the end of its online work. Once another
 * CPU has nothing to run, they go back to the shared queue.
 */
static void bt_return_locals(const struct bt_conf *conf, u64 now)
{
	if (bt_any_cpu_free(conf, now))
		bt_send_parked(-1, now, 0, &nr_local_returns);
}

/* Does vacating keep @cpu idle for online work? */
static bool bt_cpu_vacating(s32 cpu, u64 now)
{
	struct bt_cpu *bc = bt_get_cpu(cpu);

	return !bc || now < bc->vacate_until;
}

/*
 * Where should killed @p run, held back or not? An idle CPU it may use,
 * its own first; else its own CPU, behind online work, or the first it
 * may use if its affinity changed. Not one that vacates for online work:
 * -1 then, to look again at the timer's next run.
 */
static s32 bt_killed_cpu(const struct task_struct *p, u64 now)
{
	const struct cpumask *idle = scx_bpf_get_idle_cpumask();
	s32 cpu = scx_bpf_task_cpu(p);
	s32 to = -1;

	if (!bpf_cpumask_test_cpu(cpu, p->cpus_ptr))
		cpu = bpf_cpumask_first(p->cpus_ptr);
	if (!bpf_cpumask_test_cpu(cpu, idle))
		to = bpf_cpumask_any_and_distribute(idle, p->cpus_ptr);
	scx_bpf_put_idle_cpumask(idle);
	if (to >= 0 && to < bt_nr_cpus() && !bt_cpu_vacating(to, now))
		return to;
	return bt_cpu_vacating(cpu, now) ? -1 : cpu;
}

/*
 * A killed offline task needs to run to exit, and holds the memory an
 * agent deleting its pod waits for until it does. Queued on a CPU that
 * holds offline work back (the SMT rule, the budget), it would wait for
 * the starvation guard, up to starve (1 s): a hog killed beside an online
 * sibling, the guard raised to 8 s, exited 7.7 s later in the smt case,
 * and 0.17 s with this. So killed tasks go to the local queue of an idle
 * CPU they may use, or of their own CPU (bt_killed_cpu()), which runs
 * without a dispatch and so without the hold, and that CPU is kicked.
 * Behind online work there, they run as any offline task does, from the
 * ext_server or once it is done.
 */
BT_GLOBAL void bt_free_killed(u64 now)
{
	struct bpf_iter_scx_dsq it;
	struct task_struct *p;
	bool again = false;
	u32 moved = 0;
	s32 cpu;

	if (!READ_ONCE(killed_queued))
		return;
	/* Cleared first: a signal sent during the walk sets it again. */
	WRITE_ONCE(killed_queued, 0);
	bpf_rcu_read_lock();
	bpf_iter_scx_dsq_new(&it, BT_DSQ, 0);
	while ((p = bpf_iter_scx_dsq_next(&it)) && moved < bt_walk_max) {
		if (!bt_task_killed(p))
			continue;
		cpu = bt_killed_cpu(p, now);
		if (cpu < 0 ||
		    !scx_bpf_dsq_move(&it, p, SCX_DSQ_LOCAL_ON | cpu, 0)) {
			again = true;
			continue;
		}
		scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
		moved++;
	}
	bpf_iter_scx_dsq_destroy(&it);
	bpf_rcu_read_unlock();
	if (again || moved >= bt_walk_max)
		WRITE_ONCE(killed_queued, 1);
	nr_killed_moves += moved;
}

/* The next look at the queue for tasks its order keeps waiting. */
static u64 starve_scan_at;
/*
 * Tasks that one look visits at most, from the queue's tail. A variable,
 * not a constant, so that the verifier does not walk the loop once for
 * each value of the count.
 */
u32 bt_starve_scan_max = 256;

/*
 * The guard for what the queue's order keeps waiting. Weights bound
 * shares, not waits: a task of a weight-1 cgroup that ran one slice leads
 * tasks of weight 10000 in virtual time by what they take 10000 slices to
 * run, and waits behind them, at the head of the queue or not, until the
 * watchdog ejects scx_bt. So every quarter of starve_ns the timer looks
 * at the queue from its tail, where such tasks are, and sends those that
 * waited starve_ns to a CPU, as it does killed ones: they run a slice
 * there next, and wait at most about 1.25 starve_ns.
 */
BT_GLOBAL void bt_free_starved(const struct bt_conf *conf, u64 now)
{
	struct bpf_iter_scx_dsq it;
	struct task_struct *p;
	u32 moved = 0, seen = 0;
	struct bt_task *t;
	s32 cpu;

	if (!conf || now < READ_ONCE(starve_scan_at))
		return;
	WRITE_ONCE(starve_scan_at, now + conf->starve_ns / 4);
	bpf_rcu_read_lock();
	bpf_iter_scx_dsq_new(&it, BT_DSQ, SCX_DSQ_ITER_REV);
	while ((p = bpf_iter_scx_dsq_next(&it)) && moved < bt_walk_max &&
	       seen++ < bt_starve_scan_max) {
		t = bpf_task_storage_get(&bt_tasks, p, 0, 0);
		/* Signed: another CPU's clock may have stamped it ahead. */
		if (!t || !t->wait_since ||
		    (s64)(now - t->wait_since) <= (s64)conf->starve_ns)
			continue;
		cpu = bt_killed_cpu(p, now);
		if (cpu < 0)
			continue;
		/* Before the move: its CPU may start it at once. */
		t->out_of_turn = true;
		if (!scx_bpf_dsq_move(&it, p, SCX_DSQ_LOCAL_ON | cpu, 0)) {
			t->out_of_turn = false;
			continue;
		}
		scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
		moved++;
	}
	bpf_iter_scx_dsq_destroy(&it);
	bpf_rcu_read_unlock();
	nr_starved_moves += moved;
}

/*
 * Has the timer anything to watch: offline tasks queued (a CPU that holds
 * them back must be woken when the hold ends) or parked, tasks waiting in
 * a local queue behind online work, a CPU on its way to a hand-over or a
 * rescue (trapped)? A trapped CPU is found by polling, at the slow pace
 * too.
 */
static bool bt_timer_has_work(void)
{
	struct bt_cpu *bc;
	s32 cpu;

	if (bt_queued(BT_DSQ) || bt_queued(BT_PARKED_DSQ))
		return true;
	bpf_for(cpu, 0, bt_nr_cpus()) {
		bc = bt_get_cpu(cpu);
		if (bc && (bc->hand_since || bc->trapped_since))
			return true;
		if (bt_locals_wait(cpu))
			return true;
	}
	return false;
}

/*
 * Every BT_TIMER_NS while there is work, every BT_TIMER_LAZY_NS when there
 * is none: each run, on a CPU that is often idle, costs about 25 us under
 * icount (about 3000 instructions, more to wake the CPU), and one in
 * thirty wakeups of a pinned online task beside an offline one met it
 * (Documentation/sched_bt-log.rst). What gives it work brings it forward
 * (bt_timer_hurry()). The mark comes first, fully ordered: work added
 * after the look below finds it set. Work added just before it, whose
 * adder read the mark before its own insert was seen here, waits the slow
 * pace once; the enqueue that added it kicked an idle CPU already.
 */
static void bt_timer_pace(struct bpf_timer *timer)
{
	__sync_lock_test_and_set(&timer_lazy, 1);
	if (bt_timer_has_work()) {
		WRITE_ONCE(timer_lazy, 0);
		bpf_timer_start(timer, BT_TIMER_NS, 0);
		return;
	}
	nr_timer_lazy++;
	bpf_timer_start(timer, BT_TIMER_LAZY_NS, 0);
}

/*
 * Held CPUs (vacating, over budget, SMT) sit idle with offline work queued;
 * nothing else wakes them when the hold ends, so a timer does.
 */
static int bt_timer_fn(void *map, int *key, struct bpf_timer *timer)
{
	struct bt_conf *conf = bt_get_conf();
	u64 now = scx_bpf_now();
	s32 cpu;

	/* Ejected or unloaded: nothing to wake, and no more runs. */
	if (!READ_ONCE(bt_live))
		return 0;
	nr_timer_runs++;
	if (conf) {
		bt_unpark(conf, now);
		bt_return_locals(conf, now);
		bt_hand_held(conf, now);
	}
	bt_rescue(now);
	bt_free_killed(now);
	bt_free_starved(conf, now);
	if (conf && bt_queued(BT_DSQ)) {
		bpf_for(cpu, 0, bt_nr_cpus()) {
			/*
			 * Under full online load no CPU qualifies: there the
			 * ext_server runs dispatch, and dispatch the guard.
			 */
			if (bt_online_nr(cpu) == 0 &&
			    (!bt_cpu_holds(conf, cpu, now) ||
			     bt_starving_any(conf, now))) {
				scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
				nr_timer_kicks++;
			}
		}
	}
	bt_timer_pace(timer);
	return 0;
}

s32 BPF_STRUCT_OPS_SLEEPABLE(bt_init)
{
	struct bt_timer *t;
	u32 zero = 0;
	s32 ret;

	ret = scx_bpf_create_dsq(BT_DSQ, -1);
	if (ret)
		return ret;
	ret = scx_bpf_create_dsq(BT_PARKED_DSQ, -1);
	if (ret)
		return ret;
	t = bpf_map_lookup_elem(&bt_timers, &zero);
	if (!t)
		return -ESRCH;
	bpf_timer_init(&t->timer, &bt_timers, CLOCK_MONOTONIC);
	bpf_timer_set_callback(&t->timer, bt_timer_fn);
	/*
	 * Live before the timer starts: its first run may come before the
	 * next line does (this callback sleeps, and may be preempted for
	 * longer than the timer's period), and a run that finds scx_bt not
	 * live stops the timer for good.
	 */
	WRITE_ONCE(bt_live, true);
	ret = bpf_timer_start(&t->timer, BT_TIMER_NS, 0);
	if (ret)
		WRITE_ONCE(bt_live, false);
	return ret;
}

void BPF_STRUCT_OPS(bt_exit, struct scx_exit_info *ei)
{
	struct bt_exit_dump *dump;
	struct bt_exit_info *rec;
	u32 zero = 0;

	WRITE_ONCE(bt_live, false);
	rec = bpf_map_lookup_elem(&bt_exit_rec, &zero);
	if (!rec)
		return;
	rec->kind = ei->kind;
	rec->exit_code = ei->exit_code;
	rec->at_ns = bpf_ktime_get_ns();
	bpf_probe_read_kernel_str(rec->reason, sizeof(rec->reason), ei->reason);
	bpf_probe_read_kernel_str(rec->msg, sizeof(rec->msg), ei->msg);
	/* The kernel fills the dump on error exits only. */
	dump = bpf_map_lookup_elem(&bt_exit_dump, &zero);
	if (dump && ei->dump)
		bpf_probe_read_kernel_str(dump->text, sizeof(dump->text),
					  ei->dump);
}

/*
 * Lines of our own in the kernel's dump of each CPU when scx_bt is ejected
 * on an error (bt_exit() keeps the dump; 'stratosctl bt dump' prints it):
 * what runs the CPU's offline tasks under online load, its ext_server,
 * and why scx_bt holds offline work back there.
 */
void BPF_STRUCT_OPS(bt_dump_cpu, struct scx_dump_ctx *dctx, s32 cpu, bool idle)
{
	static char srv_fmt[] = "bt: ext_server active=%llu throttled=%llu "
				"defer_armed=%llu defer_running=%llu "
				"defer_idle=%llu runtime=%lld deadline=%llu\n";
	static char cpu_fmt[] = "bt: now=%llu vacate_until=%llu "
				"trapped_since=%llu online_left=%llu "
				"online_nr=%llu";
	struct rq *rq = bpf_per_cpu_ptr(&runqueues, cpu);
	struct bt_cpu *bc = bt_get_cpu(cpu);
	unsigned long long v[7];

	if (!rq)
		return;
	v[0] = BPF_CORE_READ_BITFIELD(rq, ext_server.dl_server_active);
	v[1] = BPF_CORE_READ_BITFIELD(rq, ext_server.dl_throttled);
	v[2] = BPF_CORE_READ_BITFIELD(rq, ext_server.dl_defer_armed);
	v[3] = BPF_CORE_READ_BITFIELD(rq, ext_server.dl_defer_running);
	v[4] = BPF_CORE_READ_BITFIELD(rq, ext_server.dl_defer_idle);
	v[5] = rq->ext_server.runtime;
	v[6] = rq->ext_server.deadline;
	scx_bpf_dump_bstr(srv_fmt, v, sizeof(v));
	if (!bc)
		return;
	v[0] = scx_bpf_now();
	v[1] = bc->vacate_until;
	v[2] = bc->trapped_since;
	v[3] = bc->online_left;
	v[4] = bt_online_nr(cpu);
	scx_bpf_dump_bstr(cpu_fmt, v, 5 * sizeof(v[0]));
}

SEC(".struct_ops.link")
struct sched_ext_ops bt_ops = {
	.select_cpu	= (void *)bt_select_cpu,
	.enqueue	= (void *)bt_enqueue,
	.dispatch	= (void *)bt_dispatch,
	.runnable	= (void *)bt_runnable,
	.quiescent	= (void *)bt_quiescent,
	.running	= (void *)bt_running,
	.stopping	= (void *)bt_stopping,
	.tick		= (void *)bt_tick,
	.disable	= (void *)bt_disable,
	.cgroup_move	= (void *)bt_cgroup_move,
	.cgroup_init	= (void *)bt_cgroup_init,
	.cgroup_exit	= (void *)bt_cgroup_exit,
	.cgroup_set_bandwidth = (void *)bt_cgroup_set_bandwidth,
	.cgroup_set_weight = (void *)bt_cgroup_set_weight,
	.dump_cpu	= (void *)bt_dump_cpu,
	.init		= (void *)bt_init,
	.exit		= (void *)bt_exit,
	/* ENQ_LAST: a CPU that holds offline work back may idle with one. */
	.flags		= SCX_OPS_SWITCH_PARTIAL | SCX_OPS_ENQ_LAST,
	.exit_dump_len	= BT_DUMP_LEN,
	.name		= "bt",
};
