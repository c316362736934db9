// SPDX-License-Identifier: GPL-2.0
/*
 * Pinned offline tasks step out of SCHED_EXT while online work needs their
 * CPU (Documentation/sched_bt.rst, "Pinned offline tasks").
 *
 * The fair class moves no waiting online task onto a CPU whose runqueue
 * counts a task of another class, and an ext task is counted on its CPU's
 * runqueue whether it runs or scx_bt holds it back. scx_bt vacates such a
 * CPU by moving its offline task elsewhere, but a task allowed on that one
 * CPU cannot move. In its offline cgroup's cpu.idle group, as SCHED_NORMAL,
 * the same task counts as idle to the fair class at wakeup
 * (sched_idle_cpu()), and in load balancing as the near-zero load it is
 * once its utilisation shows the CPU in use (sched_bt/scx_bt.h says why
 * that takes a while), so online work comes. So scx_bt asks for that, per
 * CPU, in its bt_yield map, and this file carries it out: the task runs
 * in the cpu.idle group for the request's length (BT_YIELD_NS, 160 ms
 * from the switch), then goes back to SCHED_EXT, where
 * scx_bt asks again if online work still waits for the CPU.
 *
 * The loader hands the map over with the statistics map
 * (STRATOS_CMD_BT_STATS_SET). scx_bt bumps the map's gen after each
 * request; vcore's sched_switch probe compares it with the last gen seen
 * (two loads while scx_bt runs, one otherwise) and, when it moved, raises an
 * irq_work: the probe runs under the runqueue lock, where a work item must
 * not be queued (waking a worker takes runqueue locks). The irq_work queues
 * the work item, which switches the tasks in process context through the
 * offline class's own policy setter (offline.c), which asks
 * stratos_bt_yielding() whether an offline task should be SCHED_NORMAL now.
 *
 * The requests name tasks by pid; each is checked against the task before
 * anything changes: an offline task, SCHED_EXT, runnable, and allowed on
 * that CPU alone. A stale or forged request can at most run such a task as
 * the cpu.idle fallback would, for BT_YIELD_MAX_NS at a time: a longer one
 * is cut there.
 *
 * Locking: bt_yield_lock serialises attach, detach, the work items and
 * bt_yielded[]'s writers; stratos_bt_yielding() reads bt_yielded[] without
 * it (a torn read gives a task one policy or the other for one sweep, and
 * the expiry work puts it right). The map's value is published under RCU
 * for the probe.
 */
#include <linux/bpf.h>
#include <linux/irq_work.h>
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>

#include "scx_bt.h"
#include "bt_stats.h"
#include "stratos.h"

/*
 * What this module switched, per CPU: the task, until when (the request's
 * length from the switch, at most BT_YIELD_MAX_NS), and the request's
 * until_ns, which tells it from the next one.
 */
struct bt_yielded {
	pid_t pid;
	u64 until;
	u64 asked;
};

static struct bt_yielded bt_yielded[BT_MAX_CPUS];
/* Requests carried out, since load: a module parameter. */
static unsigned long bt_yields;

static DEFINE_MUTEX(bt_yield_lock);
static struct bpf_map *bt_yield_map;		/* under bt_yield_lock */
struct bt_yield __rcu *stratos_bt_yield_req;	/* the map's value */
u64 stratos_bt_yield_seen;			/* its gen last acted on */

static void bt_yield_fn(struct work_struct *work);
static DECLARE_WORK(bt_yield_work, bt_yield_fn);
static void bt_yield_expire_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(bt_yield_expire_work, bt_yield_expire_fn);

static void bt_yield_irq(struct irq_work *work)
{
	queue_work(system_dfl_wq, &bt_yield_work);
}

static struct irq_work bt_yield_iw = IRQ_WORK_INIT(bt_yield_irq);

/* From the sched_switch probe: scx_bt has asked for something. */
void __stratos_bt_yield_kick(void)
{
	irq_work_queue(&bt_yield_iw);
}

static unsigned int bt_yield_nr_cpus(void)
{
	return min_t(unsigned int, nr_cpu_ids, BT_MAX_CPUS);
}

/**
 * stratos_bt_yielding - should @p run as SCHED_NORMAL for now?
 * @p: an offline task
 *
 * For offline.c's policy setter. True while a request for @p's CPU that
 * this module carried out for @p lasts.
 */
bool stratos_bt_yielding(struct task_struct *p)
{
	unsigned int cpu = task_cpu(p);

	if (p->nr_cpus_allowed != 1 || cpu >= BT_MAX_CPUS)
		return false;
	return READ_ONCE(bt_yielded[cpu].pid) == p->pid &&
	       ktime_get_ns() < READ_ONCE(bt_yielded[cpu].until);
}

/* The task numbered @pid in the initial pid namespace, held, or NULL. */
static struct task_struct *bt_yield_get_task(pid_t pid)
{
	struct task_struct *p;

	rcu_read_lock();
	p = pid_task(find_pid_ns(pid, &init_pid_ns), PIDTYPE_PID);
	if (p)
		get_task_struct(p);
	rcu_read_unlock();
	return p;
}

/* Is @p what a request for @cpu may switch? */
static bool bt_yield_applies(struct task_struct *p, unsigned int cpu)
{
	return READ_ONCE(p->policy) == SCHED_EXT && READ_ONCE(p->on_rq) &&
	       p->nr_cpus_allowed == 1 && cpumask_test_cpu(cpu, p->cpus_ptr);
}

/*
 * Switch the task numbered @pid, if a request for @cpu may switch it, for
 * @ms from @now: the length counts from the switch, not from the request,
 * because what the yield must last is the task's time in the fair class.
 */
static void bt_yield_start(unsigned int cpu, pid_t pid, u64 asked, u32 ms,
			   u64 now)
{
	struct task_struct *p = bt_yield_get_task(pid);

	if (!p)
		return;
	if (bt_yield_applies(p, cpu)) {
		bt_yielded[cpu].asked = asked;
		WRITE_ONCE(bt_yielded[cpu].until,
			   now + min_t(u64, (u64)ms * NSEC_PER_MSEC,
				       BT_YIELD_MAX_NS));
		WRITE_ONCE(bt_yielded[cpu].pid, pid);
		stratos_offline_task_sync(p);
		WRITE_ONCE(bt_yields, bt_yields + 1);
	}
	put_task_struct(p);
}

/*
 * End the yields due by @now (all with U64_MAX) and put their tasks back
 * in the policy their cgroup asks for; arm the expiry work for the rest.
 */
static void bt_yield_end(u64 now)
{
	u64 next = U64_MAX, until;
	struct task_struct *p;
	unsigned int cpu;
	pid_t pid;

	lockdep_assert_held(&bt_yield_lock);
	for (cpu = 0; cpu < bt_yield_nr_cpus(); cpu++) {
		pid = bt_yielded[cpu].pid;
		until = bt_yielded[cpu].until;
		if (!pid)
			continue;
		if (until > now) {
			next = min(next, until);
			continue;
		}
		WRITE_ONCE(bt_yielded[cpu].pid, 0);
		p = bt_yield_get_task(pid);
		if (p) {
			stratos_offline_task_sync(p);
			put_task_struct(p);
		}
	}
	if (next != U64_MAX)
		mod_delayed_work(system_dfl_wq, &bt_yield_expire_work,
				 nsecs_to_jiffies(next - now) + 1);
}

static void bt_yield_expire_fn(struct work_struct *work)
{
	mutex_lock(&bt_yield_lock);
	bt_yield_end(ktime_get_ns());
	mutex_unlock(&bt_yield_lock);
}

/* Carry out the requests in the map that are new and still due. */
static void bt_yield_fn(struct work_struct *work)
{
	u64 now = ktime_get_ns(), until;
	struct bt_yield *y;
	unsigned int cpu;
	pid_t pid;
	u32 ms;

	mutex_lock(&bt_yield_lock);
	y = rcu_dereference_protected(stratos_bt_yield_req,
				      lockdep_is_held(&bt_yield_lock));
	if (!y)
		goto out;
	WRITE_ONCE(stratos_bt_yield_seen, READ_ONCE(y->gen));
	/* scx_bt bumps gen with a full barrier after writing a request. */
	smp_rmb();
	for (cpu = 0; cpu < bt_yield_nr_cpus(); cpu++) {
		pid = READ_ONCE(y->cpu[cpu].pid);
		ms = READ_ONCE(y->cpu[cpu].ms);
		until = READ_ONCE(y->cpu[cpu].until_ns);
		if (pid <= 0 || !ms || until <= now ||
		    (bt_yielded[cpu].pid == pid &&
		     bt_yielded[cpu].asked == until))
			continue;
		bt_yield_start(cpu, pid, until, ms, now);
	}
	bt_yield_end(now);
out:
	mutex_unlock(&bt_yield_lock);
}

/**
 * stratos_bt_yield_check - is @map scx_bt's bt_yield map?
 * @map: a BPF map
 */
bool stratos_bt_yield_check(const struct bpf_map *map)
{
	return map->map_type == BPF_MAP_TYPE_ARRAY &&
	       map->key_size == sizeof(u32) &&
	       map->value_size == sizeof(struct bt_yield) &&
	       map->max_entries == 1 && IS_ERR_OR_NULL(map->record);
}

/**
 * stratos_bt_yield_attach - take scx_bt's requests from @map, or stop
 * @map: its bt_yield map, checked with stratos_bt_yield_check(), whose
 *	 reference passes to this file; NULL to stop
 *
 * Tasks switched on the old map's word go back to SCHED_EXT.
 */
void stratos_bt_yield_attach(struct bpf_map *map)
{
	struct bt_yield *val = NULL;
	struct bpf_map *old;
	u32 zero = 0;

	if (map) {
		rcu_read_lock();
		val = map->ops->map_lookup_elem(map, &zero);
		rcu_read_unlock();
		if (!val) {
			bpf_map_put(map);
			map = NULL;
		}
	}
	mutex_lock(&bt_yield_lock);
	old = bt_yield_map;
	bt_yield_map = map;
	if (val)
		WRITE_ONCE(stratos_bt_yield_seen, READ_ONCE(val->gen));
	rcu_assign_pointer(stratos_bt_yield_req, val);
	/* The old map's requests end here. */
	bt_yield_end(U64_MAX);
	mutex_unlock(&bt_yield_lock);
	if (old) {
		/* The sched_switch probe may still read the old value. */
		synchronize_rcu();
		bpf_map_put(old);
	}
}

static int bt_yields_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%lu\n", READ_ONCE(bt_yields));
}

static const struct kernel_param_ops bt_yields_ops = {
	.get = bt_yields_get,
};

module_param_cb(bt_yields, &bt_yields_ops, NULL, 0444);
MODULE_PARM_DESC(bt_yields,
		 "Times a pinned offline task left SCHED_EXT for online work (read-only)");

/* Module exit, after the last request: nothing may run any more. */
void stratos_bt_yield_exit(void)
{
	stratos_bt_yield_attach(NULL);
	irq_work_sync(&bt_yield_iw);
	cancel_work_sync(&bt_yield_work);
	cancel_delayed_work_sync(&bt_yield_expire_work);
}
