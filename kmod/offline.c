// SPDX-License-Identifier: GPL-2.0
/*
 * The offline scheduling class: what "class=offline" does to a cgroup.
 *
 * Two mechanisms are stacked so that offline tasks never compete with online
 * work as normal tasks, whatever the state of the BPF scheduler:
 *
 *  1. The marked cgroup gets cpu.idle=1 (mainline's SCHED_IDLE group
 *     semantics) for as long as it is offline. This is the fallback, and it
 *     is always armed: on 6.12 (no sched_ext), before scx_bt loads, after it
 *     is ejected or unloaded, and for a task that leaves SCHED_EXT by itself,
 *     the fair class sees the subtree as an idle group. Nothing has to react
 *     in time to an ejection, so there is no window.
 *
 *  2. On kernels with sched_ext, every SCHED_NORMAL task of the subtree is
 *     switched to SCHED_EXT. While no BPF scheduler runs, the kernel treats
 *     SCHED_EXT as SCHED_NORMAL (inside the idle group, see 1.); when scx_bt
 *     loads in partial mode it takes exactly these tasks.
 *
 * Switching policies needs process context, but the events that call for it
 * (a task migrating into or out of an offline subtree, a fork with
 * CLONE_INTO_CGROUP) arrive in tracepoint probes that may not sleep. The
 * probes only queue a sweep; the sweep walks every thread and puts each one
 * in the policy its cgroup asks for. A sweep is O(threads), but it only runs
 * on control-plane events, never on a scheduling path, and needs no
 * allocation, so it cannot be lost: any event queues it again.
 *
 * A task that leaves SCHED_EXT by itself (sched_setscheduler()) stays in the
 * idle group, so it still cannot take CPU time from online work; the next
 * sweep switches it back.
 *
 * Ownership of SCHED_EXT: a sweep moves every SCHED_EXT task outside the
 * offline subtrees back to SCHED_NORMAL. stratosphere assumes it is the only
 * user of SCHED_EXT on the node (scx_bt runs in partial mode); tasks with
 * other policies (SCHED_BATCH, SCHED_IDLE, real-time) are never touched.
 *
 * Locking: offline_mutex serialises changes of the set of offline cgroups
 * (netlink requests, cgroup removal, unload); offline_lock protects the list
 * for the probes and the sweep, which only read it. The list is also read
 * under RCU alone, by vcore's sched_switch probe (stratos_offline_task()),
 * so entries are unlinked with list_del_rcu() and freed after a grace
 * period.
 */
#include <linux/cgroup.h>
#include <linux/kernfs.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/rculist.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/workqueue.h>
#include <uapi/linux/sched/types.h>

#include "compat.h"
#include "stratos.h"

/* Tasks whose policy a sweep changes between two RCU sections. */
#define STRATOS_SWEEP_BATCH	32

struct stratos_offline {
	struct list_head node;
	struct list_head gone;		/* on unload, once unlinked */
	u64 id;
	struct cgroup *cgrp;
	/* cpu.idle before the cgroup became offline, restored after. */
	s64 prev_idle;
};

static LIST_HEAD(offline_list);
static DEFINE_MUTEX(offline_mutex);
static DEFINE_SPINLOCK(offline_lock);
/* Read without a lock by stratos_offline_task(). */
unsigned int stratos_nr_offline;

static void stratos_offline_sweep_fn(struct work_struct *work);
static DECLARE_WORK(sweep_work, stratos_offline_sweep_fn);

/*
 * The probes' sweeps, at most one per STRATOS_SWEEP_GAP: a task in an
 * offline subtree may fork (or move between cgroups delegated to it) as
 * fast as it likes, resetting its policy to SCHED_NORMAL each time, and
 * each sweep walks every thread of the node from a kworker at normal
 * priority. The tasks wait in the idle group meanwhile, as they do for
 * any sweep.
 */
#define STRATOS_SWEEP_GAP	msecs_to_jiffies(20)
static unsigned long sweep_next;	/* jiffies; the last sweep's + GAP */
static void stratos_sweep_kick_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(sweep_kick, stratos_sweep_kick_fn);

static void stratos_sweep_kick_fn(struct work_struct *work)
{
	queue_work(system_dfl_wq, &sweep_work);
}

/* A sweep now, or once the gap since the last one has passed. Atomic. */
static void stratos_sweep_soon(void)
{
	unsigned long next = READ_ONCE(sweep_next), now = jiffies;
	unsigned long delay = 0;

	if (time_before(now, next))
		delay = min(next - now, STRATOS_SWEEP_GAP);
	queue_delayed_work(system_dfl_wq, &sweep_kick, delay);
}

static struct tracepoint *attach_tp;
static struct tracepoint *fork_tp;

static struct stratos_offline *stratos_offline_find(u64 id)
{
	struct stratos_offline *off;

	lockdep_assert_held(&offline_mutex);
	list_for_each_entry(off, &offline_list, node)
		if (off->id == id)
			return off;
	return NULL;
}

/* Is @cgrp inside an offline subtree? Caller holds offline_lock. */
static bool stratos_offline_covers(struct cgroup *cgrp)
{
	struct stratos_offline *off;

	list_for_each_entry(off, &offline_list, node)
		if (cgroup_is_descendant(cgrp, off->cgrp))
			return true;
	return false;
}

/* The list walk of stratos_offline_task(), for when a cgroup is offline. */
bool __stratos_offline_task(struct task_struct *p)
{
	struct stratos_offline *off;
	struct cgroup *cgrp;

	cgrp = task_dfl_cgroup(p);
	list_for_each_entry_rcu(off, &offline_list, node)
		if (cgroup_is_descendant(cgrp, off->cgrp))
			return true;
	return false;
}

static bool stratos_cgroup_offline(struct cgroup *cgrp)
{
	unsigned long flags;
	bool ret;

	spin_lock_irqsave(&offline_lock, flags);
	ret = stratos_offline_covers(cgrp);
	spin_unlock_irqrestore(&offline_lock, flags);
	return ret;
}

/*
 * cpu.idle has no exported setter, so it is written the way a write(2) to
 * the file would be, through the cgroup file's own handler: the kernfs node
 * of "cpu.idle" in the cgroup's directory carries its cftype. The css
 * reference keeps the task group alive across the call.
 */
static int stratos_cpu_idle_access(struct cgroup *cgrp, s64 *get, s64 set)
{
	struct cgroup_subsys_state *css;
	struct kernfs_node *kn;
	struct cftype *cft;
	int ret = 0;

	kn = kernfs_find_and_get(cgrp->kn, "cpu.idle");
	if (!kn)
		return -EOPNOTSUPP;
	cft = kn->priv;
	if (!cft || !cft->ss || !cft->read_s64 || !cft->write_s64) {
		ret = -EOPNOTSUPP;
		goto out_kn;
	}
	css = cgroup_get_e_css(cgrp, cft->ss);
	if (css->cgroup != cgrp || !css_tryget_online(css)) {
		ret = -ENOENT;
		goto out_css;
	}
	if (get)
		*get = cft->read_s64(css, cft);
	else
		ret = cft->write_s64(css, cft, set);
	css_put(css);
out_css:
	css_put(css);
out_kn:
	kernfs_put(kn);
	return ret;
}

/**
 * stratos_offline_check - can @id become an offline cgroup?
 * @id: cgroup v2 id
 * @extack: where to say why not
 *
 * Return: 0, or -EOPNOTSUPP when the cgroup has no cpu.idle (the cpu
 * controller is not enabled for it, or it is the root), -ENOENT when no live
 * cgroup has @id.
 */
int stratos_offline_check(u64 id, struct netlink_ext_ack *extack)
{
	struct cgroup *cgrp;
	s64 idle;
	int ret;

	cgrp = cgroup_get_from_id(id);
	if (IS_ERR(cgrp))
		return PTR_ERR(cgrp);
	ret = stratos_cpu_idle_access(cgrp, &idle, 0);
	cgroup_put(cgrp);
	if (ret == -EOPNOTSUPP)
		NL_SET_ERR_MSG(extack,
			       "class=offline needs the cgroup's cpu.idle: enable +cpu in the parent's cgroup.subtree_control (the root cgroup cannot be offline)");
	return ret;
}

static int stratos_offline_add(const struct stratos_entry_view *view)
{
	struct stratos_offline *off;
	unsigned long flags;
	int ret;

	off = kzalloc_obj(*off, GFP_KERNEL);
	if (!off)
		return -ENOMEM;
	ret = stratos_cpu_idle_access(view->cgrp, &off->prev_idle, 0);
	/* The idle group first: no task may run un-idled as SCHED_NORMAL. */
	if (!ret)
		ret = stratos_cpu_idle_access(view->cgrp, NULL, 1);
	if (ret) {
		kfree(off);
		return ret;
	}
	off->id = view->id;
	off->cgrp = view->cgrp;
	cgroup_get(off->cgrp);

	spin_lock_irqsave(&offline_lock, flags);
	list_add_rcu(&off->node, &offline_list);
	WRITE_ONCE(stratos_nr_offline, stratos_nr_offline + 1);
	spin_unlock_irqrestore(&offline_lock, flags);
	return 0;
}

static void stratos_offline_unlink(struct stratos_offline *off)
{
	unsigned long flags;

	spin_lock_irqsave(&offline_lock, flags);
	list_del_rcu(&off->node);
	WRITE_ONCE(stratos_nr_offline, stratos_nr_offline - 1);
	spin_unlock_irqrestore(&offline_lock, flags);
}

/*
 * Give @off's cgroup its old cpu.idle back; callers have moved its tasks out
 * of SCHED_EXT first, and waited for RCU readers of the unlinked entry. A
 * removed cgroup fails the css_tryget_online() and is left alone.
 */
static void stratos_offline_free(struct stratos_offline *off, bool restore)
{
	if (restore)
		stratos_cpu_idle_access(off->cgrp, NULL, off->prev_idle);
	cgroup_put(off->cgrp);
	kfree(off);
}

/**
 * stratos_offline_sync - make a cgroup's tasks follow its registry entry
 * @view: the entry as it is now
 *
 * Called after every successful set. Idempotent.
 *
 * Return: 0 or a negative errno from writing cpu.idle.
 */
int stratos_offline_sync(const struct stratos_entry_view *view)
{
	bool want = view->policy.class == STRATOS_CLASS_OFFLINE;
	struct stratos_offline *off;
	int ret = 0;

	mutex_lock(&offline_mutex);
	off = stratos_offline_find(view->id);
	if (want && !off) {
		ret = stratos_offline_add(view);
	} else if (!want && off) {
		stratos_offline_unlink(off);
		/* Tasks leave SCHED_EXT before the group stops being idle. */
		flush_work(&sweep_work);
		stratos_offline_sweep_fn(NULL);
		synchronize_rcu();
		stratos_offline_free(off, true);
	}
	mutex_unlock(&offline_mutex);

	if (!ret)
		queue_work(system_dfl_wq, &sweep_work);
	return ret;
}

/**
 * stratos_offline_forget - an entry left the registry
 * @id: its cgroup id
 * @removed: the cgroup itself is gone (no tasks, nothing to restore)
 */
void stratos_offline_forget(u64 id, bool removed)
{
	struct stratos_offline *off;

	mutex_lock(&offline_mutex);
	off = stratos_offline_find(id);
	if (off) {
		stratos_offline_unlink(off);
		if (!removed) {
			flush_work(&sweep_work);
			stratos_offline_sweep_fn(NULL);
		}
		synchronize_rcu();
		stratos_offline_free(off, !removed);
	}
	mutex_unlock(&offline_mutex);
}

#ifdef CONFIG_SCHED_CLASS_EXT
/* The policy @p should have, or -1 to leave it alone. Under RCU. */
static int stratos_wanted_policy(struct task_struct *p)
{
	int policy = READ_ONCE(p->policy);
	int want;

	if (p->flags & (PF_KTHREAD | PF_EXITING))
		return -1;
	if (policy != SCHED_NORMAL && policy != SCHED_EXT)
		return -1;
	want = stratos_cgroup_offline(task_dfl_cgroup(p)) ? SCHED_EXT :
							     SCHED_NORMAL;
	/* Pinned where online work needs the CPU: bt_yield.c. */
	if (want == SCHED_EXT && stratos_bt_yielding(p))
		want = SCHED_NORMAL;
	return want == policy ? -1 : want;
}

/* Collect up to STRATOS_SWEEP_BATCH threads that need a new policy. */
static unsigned int stratos_sweep_collect(struct task_struct **tasks)
{
	struct task_struct *g, *p;
	unsigned int n = 0;

	rcu_read_lock();
	for_each_process_thread(g, p) {
		if (stratos_wanted_policy(p) < 0)
			continue;
		get_task_struct(p);
		tasks[n++] = p;
		if (n == STRATOS_SWEEP_BATCH)
			goto out;
	}
out:
	rcu_read_unlock();
	return n;
}

static bool stratos_task_set_policy(struct task_struct *p)
{
	struct sched_attr attr = {
		.size = sizeof(attr),
		.sched_nice = task_nice(p),
	};
	int policy;

	rcu_read_lock();
	policy = stratos_wanted_policy(p);
	rcu_read_unlock();
	if (policy < 0)
		return false;

	attr.sched_policy = policy;
	/*
	 * A slice the task chose (sched_setattr()) goes with it, as
	 * sched_setscheduler() keeps it: a zero runtime would reset it.
	 */
	if (p->se.custom_slice)
		attr.sched_runtime = p->se.slice;
	if (p->sched_reset_on_fork)
		attr.sched_flags |= SCHED_FLAG_RESET_ON_FORK;
	return !sched_setattr_nocheck(p, &attr);
}

/**
 * stratos_offline_task_sync - put @p in the policy its cgroup asks for
 * @p: a task, held by the caller
 *
 * Process context. For bt_yield.c, whose requests name one task.
 */
void stratos_offline_task_sync(struct task_struct *p)
{
	stratos_task_set_policy(p);
}

/*
 * Put every thread in the policy its cgroup asks for. Stops when a pass
 * changes nothing, so a task that refuses (it is exiting) cannot loop it.
 */
static void stratos_offline_sweep_fn(struct work_struct *work)
{
	struct task_struct *tasks[STRATOS_SWEEP_BATCH];
	unsigned int n, i, changed;

	WRITE_ONCE(sweep_next, jiffies + STRATOS_SWEEP_GAP);
	do {
		n = stratos_sweep_collect(tasks);
		changed = 0;
		for (i = 0; i < n; i++) {
			changed += stratos_task_set_policy(tasks[i]);
			put_task_struct(tasks[i]);
		}
		cond_resched();
	} while (n == STRATOS_SWEEP_BATCH && changed);
}
#else
/* No SCHED_EXT: cpu.idle alone carries the offline class. */
static void stratos_offline_sweep_fn(struct work_struct *work)
{
}

void stratos_offline_task_sync(struct task_struct *p)
{
}
#endif

/*
 * A task or thread group entered @dst. It needs a sweep if it comes into an
 * offline subtree or leaves one (it is SCHED_EXT); interrupts are off here.
 */
static void stratos_attach_probe(void *data, struct cgroup *dst,
				 const char *path, struct task_struct *task,
				 bool threadgroup)
{
	if (!READ_ONCE(stratos_nr_offline) && task->policy != SCHED_EXT)
		return;
	if (task->policy == SCHED_EXT || stratos_cgroup_offline(dst))
		stratos_sweep_soon();
}

/*
 * A forked child inherits its parent's policy and, except with
 * CLONE_INTO_CGROUP, its cgroup, so mostly only a child born elsewhere than
 * its parent needs a sweep. The exception: a parent that has just moved
 * into an offline subtree and forks before the sweep switched it; its
 * SCHED_NORMAL child, born after the sweep collected its tasks, would stay
 * so. This runs on every fork: one load when no cgroup is offline.
 */
static void stratos_fork_probe(void *data, struct task_struct *parent,
			       struct task_struct *child)
{
	struct cgroup *cgrp;
	bool sweep = false;

	if (!READ_ONCE(stratos_nr_offline))
		return;
	rcu_read_lock();
	cgrp = task_dfl_cgroup(child);
	if (cgrp != task_dfl_cgroup(parent))
		sweep = (child->policy == SCHED_EXT) ||
			stratos_cgroup_offline(cgrp);
	else if (IS_ENABLED(CONFIG_SCHED_CLASS_EXT))
		sweep = child->policy == SCHED_NORMAL &&
			stratos_offline_task(child);
	rcu_read_unlock();
	if (sweep)
		stratos_sweep_soon();
}

int stratos_offline_init(void)
{
	int ret;

	WRITE_ONCE(sweep_next, jiffies);
	ret = stratos_attach_tracepoint("cgroup_attach_task",
					stratos_attach_probe, &attach_tp);
	if (ret)
		return ret;
	ret = stratos_attach_tracepoint("sched_process_fork",
					stratos_fork_probe, &fork_tp);
	if (ret) {
		tracepoint_probe_unregister(attach_tp, stratos_attach_probe,
					    NULL);
		tracepoint_synchronize_unregister();
	}
	return ret;
}

/*
 * Unload hands every offline cgroup back as it was: tasks return to
 * SCHED_NORMAL first, then the groups stop being idle.
 */
void stratos_offline_exit(void)
{
	struct stratos_offline *off, *tmp;
	LIST_HEAD(gone);
	unsigned long flags;

	tracepoint_probe_unregister(attach_tp, stratos_attach_probe, NULL);
	tracepoint_probe_unregister(fork_tp, stratos_fork_probe, NULL);
	tracepoint_synchronize_unregister();
	cancel_delayed_work_sync(&sweep_kick);
	cancel_work_sync(&sweep_work);

	mutex_lock(&offline_mutex);
	spin_lock_irqsave(&offline_lock, flags);
	list_for_each_entry_safe(off, tmp, &offline_list, node) {
		list_del_rcu(&off->node);
		list_add(&off->gone, &gone);
	}
	WRITE_ONCE(stratos_nr_offline, 0);
	spin_unlock_irqrestore(&offline_lock, flags);
	stratos_offline_sweep_fn(NULL);
	synchronize_rcu();
	list_for_each_entry_safe(off, tmp, &gone, gone)
		stratos_offline_free(off, true);
	mutex_unlock(&offline_mutex);
}
