// SPDX-License-Identifier: GPL-2.0
/*
 * Online wakeups onto CPUs that run only offline work.
 *
 * When the fair class places a waking task, it counts a CPU that runs only
 * SCHED_IDLE work as idle (sched_idle_cpu()), but not one that runs only
 * SCHED_EXT work: scx_bt's offline tasks are invisible to it there. So an
 * online task that wakes where other online work runs queues behind it,
 * while another CPU, whose offline task it would preempt at once, looks
 * busy. Two online tasks that run 2 ms and sleep 2 ms, both started on
 * one of two CPUs that run offline hogs, stayed there and waited for each
 * other: on both CPUs in 0 of 20 samples, in four runs of four; 19-20 of
 * 20 with this probe (Documentation/sched_bt.rst, "Wakeup placement").
 *
 * The fair class starts its search from the task's wake_cpu, and when that
 * CPU's load is lower than the waker's it keeps it (wake_affine_weight();
 * an offline-only CPU carries no fair load). So this probe on sched_waking,
 * which runs under the task's pi_lock before the class chooses, points
 * wake_cpu at a CPU that runs offline work, on the node of the CPU it
 * would have used, when that CPU runs online work: the same choice
 * sched_idle_cpu() gives the cpu.idle fallback. A task that is queued or
 * still switching out keeps its CPU either way (try_to_wake_up() never
 * asks the class then), so it is left alone.
 *
 * The CPUs' states come from vcore's sched_switch probe, as of their last
 * switch: a race costs one wakeup the placement the fair class would have
 * chosen anyway, or one wakeup on a CPU whose offline task is about to
 * stop. One race is common enough to close: two online tasks that wake
 * together (timers of one period) onto one CPU that runs offline work.
 * That CPU reads offline until the first of them switches in, so the
 * second stayed too and queued behind the first, while another CPU ran
 * only offline work (the unpinned cyclictest rows of the benchmark: about
 * one wakeup in a hundred, waiting 880 us in the median under icount).
 * So a wakeup left on, or sent to, a CPU that runs offline work claims
 * that CPU for BT_CLAIM_NS, and the next one looks elsewhere first.
 */
#include <linux/cpumask.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sysfs.h>
#include <linux/time64.h>
#include <linux/topology.h>
#include <linux/tracepoint.h>

#include "stratos.h"

static struct tracepoint *waking_tp;
static bool bt_wake_place = true;
static DEFINE_PER_CPU(unsigned long, bt_placed);
/* When an online wakeup last claimed the CPU (local_clock()), or 0. */
static DEFINE_PER_CPU(u64, bt_claimed_at);

/*
 * Long enough for a woken task to switch in under emulation; a claim that
 * outlives its task only sends the next wakeup to another CPU that runs
 * offline work, if there is one.
 */
#define BT_CLAIM_NS	(500 * NSEC_PER_USEC)

module_param(bt_wake_place, bool, 0644);
MODULE_PARM_DESC(bt_wake_place,
		 "Wake online tasks that find online work on their CPU on one that runs offline work (default Y)");

static int bt_placed_get(char *buf, const struct kernel_param *kp)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu(bt_placed, cpu));
	return sysfs_emit(buf, "%lu\n", sum);
}

static const struct kernel_param_ops bt_placed_ops = {
	.get = bt_placed_get,
};

module_param_cb(bt_placed, &bt_placed_ops, NULL, 0444);
MODULE_PARM_DESC(bt_placed,
		 "Online wakeups sent to a CPU running offline work (read-only)");

/* Did an online wakeup claim @cpu less than BT_CLAIM_NS before @now? */
static bool bt_claimed(int cpu, u64 now)
{
	u64 at = READ_ONCE(per_cpu(bt_claimed_at, cpu));

	/* Signed: another CPU's clock may have stamped it a little ahead. */
	return at && (s64)(now - at) < (s64)BT_CLAIM_NS;
}

static void bt_claim(int cpu, u64 now)
{
	WRITE_ONCE(per_cpu(bt_claimed_at, cpu), now);
}

/* An unclaimed CPU running offline work that @p may use, near @prev; or -1. */
static int bt_place_find(struct task_struct *p, int prev, u64 now)
{
	const struct cpumask *node = cpumask_of_node(cpu_to_node(prev));
	int cpu;

	for_each_cpu_wrap(cpu, node, prev + 1) {
		if (cpu != prev && stratos_cpu_runs_offline(cpu) &&
		    !bt_claimed(cpu, now) &&
		    cpumask_test_cpu(cpu, p->cpus_ptr) && cpu_active(cpu))
			return cpu;
	}
	return -1;
}

static void bt_place_probe(void *data, struct task_struct *p)
{
	int prev, cpu;
	u64 now;

	/* The map is handed over while scx_bt runs. */
	if (!READ_ONCE(bt_wake_place) ||
	    !rcu_access_pointer(stratos_bt_yield_req))
		return;
	if (p->policy != SCHED_NORMAL && p->policy != SCHED_BATCH)
		return;
	if (READ_ONCE(p->on_rq) || READ_ONCE(p->on_cpu))
		return;
	prev = READ_ONCE(p->wake_cpu);
	if (stratos_cpu_runs_offline(prev)) {
		/*
		 * Its offline task makes way at once: stay, and claim it. (An
		 * offline task yielding in the fair class claims too; that
		 * costs the next wakeup a look elsewhere, no more.)
		 */
		now = local_clock();
		if (!bt_claimed(prev, now) || p->nr_cpus_allowed == 1) {
			bt_claim(prev, now);
			return;
		}
	} else if (stratos_cpu_runs_online(prev)) {
		now = local_clock();
	} else {
		return;		/* idle: the fair class's own choice */
	}
	if (p->nr_cpus_allowed == 1)
		return;
	cpu = bt_place_find(p, prev, now);
	if (cpu < 0 || stratos_offline_task(p))
		return;
	p->wake_cpu = cpu;
	bt_claim(cpu, now);
	this_cpu_inc(bt_placed);
}

int stratos_bt_place_init(void)
{
	return stratos_attach_tracepoint("sched_waking", bt_place_probe,
					 &waking_tp);
}

void stratos_bt_place_exit(void)
{
	tracepoint_probe_unregister(waking_tp, bt_place_probe, NULL);
	tracepoint_synchronize_unregister();
}
