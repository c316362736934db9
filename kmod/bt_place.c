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
 * stop.
 */
#include <linux/cpumask.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sysfs.h>
#include <linux/topology.h>
#include <linux/tracepoint.h>

#include "stratos.h"

static struct tracepoint *waking_tp;
static bool bt_wake_place = true;
static DEFINE_PER_CPU(unsigned long, bt_placed);

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

/* A CPU running offline work that @p may use, near @prev; or -1. */
static int bt_place_find(struct task_struct *p, int prev)
{
	const struct cpumask *node = cpumask_of_node(cpu_to_node(prev));
	int cpu;

	for_each_cpu_wrap(cpu, node, prev + 1) {
		if (cpu != prev && stratos_cpu_runs_offline(cpu) &&
		    cpumask_test_cpu(cpu, p->cpus_ptr) && cpu_active(cpu))
			return cpu;
	}
	return -1;
}

static void bt_place_probe(void *data, struct task_struct *p)
{
	int prev, cpu;

	/* The map is handed over while scx_bt runs. */
	if (!READ_ONCE(bt_wake_place) ||
	    !rcu_access_pointer(stratos_bt_yield_req))
		return;
	if (p->policy != SCHED_NORMAL && p->policy != SCHED_BATCH)
		return;
	if (p->nr_cpus_allowed == 1 || READ_ONCE(p->on_rq) ||
	    READ_ONCE(p->on_cpu))
		return;
	prev = READ_ONCE(p->wake_cpu);
	if (!stratos_cpu_runs_online(prev))
		return;
	cpu = bt_place_find(p, prev);
	if (cpu < 0 || stratos_offline_task(p))
		return;
	p->wake_cpu = cpu;
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
