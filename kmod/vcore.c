// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual cores: per-CPU capacity factors and normalised CPU accounting.
 *
 * Every logical CPU has two factors, in millionths of a vcore per
 * CPU-second: one for while its SMT sibling is idle and one for while the
 * sibling runs something. A probe on sched_switch closes the slice of the
 * task leaving the CPU and charges it, in vcore-ns, to the node and to every
 * accounted cgroup the task is in (at any depth).
 *
 * The CPU time of a slice is the growth of the task's sum_exec_runtime,
 * the very figure cpu.stat adds up, so vcore time and cpu.stat agree on
 * what ran. The share of the slice during which the sibling was busy comes
 * from the sibling's busy-time integral, read at both ends of the slice:
 * each CPU keeps its own integral (busy time so far, plus the start of its
 * current busy stretch), written only by itself in the probe and read by
 * its sibling under a seqcount. So the hot path takes no lock, allocates
 * nothing and writes only its own CPU's data and per-CPU counters; where
 * the kernel allows, it reads no clock either, but the time the scheduler
 * stamped on the tasks it switches (vcore_switch_clock()).
 *
 * The node's vcore time is split in two: what offline cgroups ran
 * (offline.c's subtrees, whatever their scheduling class) and the rest,
 * the online work. vcore_reclaim.c samples both to tell how much capacity
 * batch work can be promised. Whether the task switched in is offline is
 * decided once, at switch-in: one list walk per switch while any cgroup is
 * offline, one load otherwise.
 *
 * Accounted cgroups sit in an RCU-published array, replaced whole under
 * vcore_lock; the probe tests each entry with cgroup_is_descendant(), which
 * is a compare of the task cgroup's ancestor at the entry's level. The
 * array is short (STRATOS_VCORE_MAX_CGROUPS) and empty costs nothing.
 */
#include <linux/cgroup.h>
#include <linux/cpumask.h>
#include <linux/math64.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sched/topology.h>
#include <linux/seqlock.h>
#include <linux/slab.h>
#include <linux/topology.h>
#include <linux/tracepoint.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "stratos.h"
#include "vcore.h"

/*
 * Default busy-sibling factor, as a fraction of the idle one: a core whose
 * two threads are both busy is taken to deliver 1.25 times what one thread
 * alone does, so each thread gets 5/8. Calibration replaces the guess.
 */
#define VCORE_SMT_BUSY_NUM	5
#define VCORE_SMT_BUSY_DEN	8

struct vcore_cpu {
	/* Covers everything below up to 'task'; written by this CPU only. */
	seqcount_t seq;
	bool busy;		/* running a task other than idle */
	u64 busy_since;		/* switch time (vcore_switch_clock()) it began */
	u64 busy_total;		/* busy ns before busy_since */
	u64 vcore_total;	/* vcore-ns of every closed slice */
	u64 offline_total;	/* ... of those an offline task ran */
	u64 slice_start;	/* switch time of the last switch */
	bool offline;		/* the task running now is offline */

	/* The slice in progress, private to this CPU's probe. */
	const struct task_struct *task;	/* identity only, never dereferenced */
	u64 slice_exec;		/* task's sum_exec_runtime at switch-in */
	u64 slice_sib_busy;	/* sibling's busy integral at switch-in */

	/* Set over netlink, read by the probe. */
	u64 factors;		/* idle << 32 | busy, one word for one read */
	int sibling;		/* SMT sibling, or -1 */
	/* The sibling's vcore_cpu (NULL if none): one load in the probe. */
	const struct vcore_cpu *sib;
};

static DEFINE_PER_CPU_SHARED_ALIGNED(struct vcore_cpu, vcore_cpus);

struct vcore_stat {
	u64 vcore_ns;
	u64 cpu_ns;
};

struct vcore_acct {
	u64 id;
	struct cgroup *cgrp;		/* referenced */
	struct vcore_stat __percpu *stat;
	struct stratos_vcore_limit *lim;	/* under vcore_lock */
};

struct vcore_set {
	struct rcu_head rcu;
	unsigned int nr;
	struct vcore_acct *acct[] __counted_by(nr);
};

static struct vcore_set __rcu *vcore_set;
/* Serialises changes to vcore_set and to the factors. */
static DEFINE_MUTEX(vcore_lock);
static unsigned int vcore_gen = 1;

static struct tracepoint *switch_tp;

static void vcore_reap_fn(struct work_struct *work);
static DECLARE_WORK(vcore_reap_work, vcore_reap_fn);
static void vcore_limit_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(vcore_limit_work, vcore_limit_fn);
static unsigned int vcore_nr_limits;

static u64 vcore_pack(u32 idle, u32 busy)
{
	return (u64)idle << 32 | busy;
}

static u64 vcore_ns(u64 ns, u32 factor)
{
	return mul_u64_u32_div(ns, factor, STRATOS_VCORE_FACTOR_SCALE);
}

/* Busy ns of @vc up to @now; any CPU may ask. */
static u64 vcore_busy_at(const struct vcore_cpu *vc, u64 now)
{
	unsigned int seq;
	u64 total;

	do {
		seq = raw_read_seqcount_begin(&vc->seq);
		total = vc->busy_total;
		/* local_clock() of two CPUs may differ by a little. */
		if (vc->busy && now > vc->busy_since)
			total += now - vc->busy_since;
	} while (read_seqcount_retry(&vc->seq, seq));
	return total;
}

static u64 vcore_sibling_busy(const struct vcore_cpu *vc, u64 now)
{
	const struct vcore_cpu *sib = READ_ONCE(vc->sib);

	return sib ? vcore_busy_at(sib, now) : 0;
}

static bool vcore_sibling_busy_now(const struct vcore_cpu *vc)
{
	const struct vcore_cpu *sib = READ_ONCE(vc->sib);

	return sib && READ_ONCE(sib->busy);
}

/*
 * Add @exec ns worth @v vcore-ns to every accounted cgroup @p is in.
 * Called by the probe with interrupts off.
 */
static void vcore_charge_cgroups(struct task_struct *p, u64 exec, u64 v)
{
	struct vcore_set *set = rcu_dereference_sched(vcore_set);
	struct vcore_stat *stat;
	struct cgroup *cgrp;
	unsigned int i;

	if (!set)
		return;
	cgrp = task_dfl_cgroup(p);
	for (i = 0; i < set->nr; i++) {
		if (!cgroup_is_descendant(cgrp, set->acct[i]->cgrp))
			continue;
		stat = this_cpu_ptr(set->acct[i]->stat);
		stat->vcore_ns += v;
		stat->cpu_ns += exec;
	}
}

/*
 * The vcore-ns of a slice that ran @exec ns of CPU time over @wall ns, of
 * which the sibling was busy for @overlap ns.
 */
static u64 vcore_slice(u64 exec, u64 wall, u64 overlap, u64 factors)
{
	u64 shared;

	if (overlap >= wall)
		shared = exec;
	else
		shared = mul_u64_u64_div_u64(exec, overlap, wall);
	return vcore_ns(exec - shared, factors >> 32) +
	       vcore_ns(shared, (u32)factors);
}

/*
 * The time of this switch, in local_clock()'s terms. The scheduler has
 * just stamped the task leaving with its runqueue's task clock (its last
 * update_curr()) and the task coming in likewise (set_next_task() of every
 * class), whichever of the two is not the idle task. Without IRQ and steal
 * time accounting, as in Debian's kernels, that clock is sched_clock_cpu()
 * read at the top of __schedule(), the clock local_clock() reads, and
 * reusing it spares the probe its costliest step: reading the clock was
 * 60% of it. With them the task clock falls behind by this CPU's own IRQ
 * and steal time, which would skew what its sibling reads; read the clock.
 */
static u64 vcore_switch_clock(const struct task_struct *prev,
			      const struct task_struct *next)
{
	if (IS_ENABLED(CONFIG_IRQ_TIME_ACCOUNTING) ||
	    IS_ENABLED(CONFIG_PARAVIRT_TIME_ACCOUNTING))
		return local_clock();
	return is_idle_task(next) ? prev->se.exec_start : next->se.exec_start;
}

/*
 * Runs in __schedule() with the runqueue locked and interrupts off. That is
 * an RCU read-side critical section already: synchronize_rcu() and
 * kfree_rcu() wait for regions with preemption disabled as for
 * rcu_read_lock(), so the probe reads vcore_set and the offline list
 * without taking one (two function calls per switch it would cost).
 */
static void vcore_switch_probe(void *data, bool preempt,
			       struct task_struct *prev,
			       struct task_struct *next,
			       unsigned int prev_state)
{
	struct vcore_cpu *vc = this_cpu_ptr(&vcore_cpus);
	u64 now = vcore_switch_clock(prev, next);
	u64 sib_busy = vcore_sibling_busy(vc, now);
	bool busy = !is_idle_task(next);
	bool next_offline;
	u64 exec = 0, v = 0;

	/* The first switch after loading has no slice start to go by. */
	if (vc->task == prev) {
		exec = prev->se.sum_exec_runtime - vc->slice_exec;
		v = vcore_slice(exec, now - vc->slice_start,
				sib_busy > vc->slice_sib_busy ?
				sib_busy - vc->slice_sib_busy : 0,
				READ_ONCE(vc->factors));
	}

	next_offline = busy && stratos_offline_task(next);

	raw_write_seqcount_begin(&vc->seq);
	if (busy != vc->busy) {
		if (vc->busy)
			vc->busy_total += now - vc->busy_since;
		else
			vc->busy_since = now;
		vc->busy = busy;
	}
	vc->vcore_total += v;
	if (vc->offline)
		vc->offline_total += v;
	vc->offline = next_offline;
	vc->slice_start = now;
	raw_write_seqcount_end(&vc->seq);

	vc->task = busy ? next : NULL;
	vc->slice_exec = next->se.sum_exec_runtime;
	vc->slice_sib_busy = sib_busy;

	if (exec)
		vcore_charge_cgroups(prev, exec, v);
	stratos_bt_yield_poll();
}

static int vcore_find_sibling(unsigned int cpu)
{
	unsigned int sib;

	for_each_cpu(sib, topology_sibling_cpumask(cpu))
		if (sib != cpu)
			return sib;
	return -1;
}

static void vcore_update_sibling(struct vcore_cpu *vc, unsigned int cpu)
{
	int sib = vcore_find_sibling(cpu);

	WRITE_ONCE(vc->sibling, sib);
	WRITE_ONCE(vc->sib, sib < 0 ? NULL : per_cpu_ptr(&vcore_cpus, sib));
}

/* The idle factor the kernel's own cpu_capacity implies. */
int stratos_vcore_default_idle(unsigned int cpu)
{
	return mul_u64_u32_div(STRATOS_VCORE_FACTOR_SCALE,
			       arch_scale_cpu_capacity(cpu),
			       SCHED_CAPACITY_SCALE);
}

static void vcore_defaults(unsigned int cpu, u32 *idle, u32 *busy)
{
	*idle = clamp(stratos_vcore_default_idle(cpu),
		      STRATOS_VCORE_FACTOR_MIN, STRATOS_VCORE_FACTOR_MAX);
	*busy = *idle;
	if (vcore_find_sibling(cpu) >= 0)
		*busy = max_t(u32, *idle * VCORE_SMT_BUSY_NUM /
				   VCORE_SMT_BUSY_DEN,
			      STRATOS_VCORE_FACTOR_MIN);
}

/*
 * Is @cpu running an online task, or an offline one, as of its last
 * switch? Racy by nature: for placement hints (bt_place.c).
 */
bool stratos_cpu_runs_online(int cpu)
{
	const struct vcore_cpu *vc = per_cpu_ptr(&vcore_cpus, cpu);

	return READ_ONCE(vc->busy) && !READ_ONCE(vc->offline);
}

bool stratos_cpu_runs_offline(int cpu)
{
	const struct vcore_cpu *vc = per_cpu_ptr(&vcore_cpus, cpu);

	return READ_ONCE(vc->busy) && READ_ONCE(vc->offline);
}

void stratos_vcore_cpu_info(unsigned int cpu,
			    struct stratos_vcore_cpu_info *info)
{
	struct vcore_cpu *vc = per_cpu_ptr(&vcore_cpus, cpu);
	u64 factors = READ_ONCE(vc->factors);
	u64 now = local_clock(), start;
	unsigned int seq;
	bool busy;

	info->factor_idle = factors >> 32;
	info->factor_busy = (u32)factors;
	vcore_defaults(cpu, &info->default_idle, &info->default_busy);
	info->sibling = READ_ONCE(vc->sibling);
	info->online = cpu_online(cpu);
	do {
		seq = raw_read_seqcount_begin(&vc->seq);
		info->vcore_ns = vc->vcore_total;
		start = vc->slice_start;
		busy = vc->busy;
	} while (read_seqcount_retry(&vc->seq, seq));
	info->busy_ns = vcore_busy_at(vc, now);
	/* The running slice, at the sibling's present state: an estimate. */
	if (busy && now > start)
		info->vcore_ns += vcore_ns(now - start,
					   vcore_sibling_busy_now(vc) ?
					   info->factor_busy :
					   info->factor_idle);
}

/**
 * stratos_vcore_node_time - the node's vcore time so far
 * @all: vcore-ns of every task on every CPU
 * @offline: vcore-ns of the tasks of offline cgroups
 *
 * Running slices count at the sibling's present state, as in
 * stratos_vcore_cpu_info().
 */
void stratos_vcore_node_time(u64 *all, u64 *offline)
{
	u64 now = local_clock(), start, v, off, run;
	unsigned int cpu, seq;
	bool busy, is_off;

	*all = *offline = 0;
	for_each_possible_cpu(cpu) {
		struct vcore_cpu *vc = per_cpu_ptr(&vcore_cpus, cpu);
		u64 factors = READ_ONCE(vc->factors);

		do {
			seq = raw_read_seqcount_begin(&vc->seq);
			v = vc->vcore_total;
			off = vc->offline_total;
			start = vc->slice_start;
			busy = vc->busy;
			is_off = vc->offline;
		} while (read_seqcount_retry(&vc->seq, seq));
		run = 0;
		if (busy && now > start)
			run = vcore_ns(now - start, vcore_sibling_busy_now(vc) ?
					(u32)factors : factors >> 32);
		*all += v + run;
		*offline += off + (is_off ? run : 0);
	}
}

/* Caller checked that @cpu is online and the factors are in range. */
int stratos_vcore_set_factors(unsigned int cpu, u32 idle, u32 busy)
{
	struct vcore_cpu *vc = per_cpu_ptr(&vcore_cpus, cpu);

	if (busy > idle)
		return -ERANGE;
	mutex_lock(&vcore_lock);
	vcore_update_sibling(vc, cpu);
	WRITE_ONCE(vc->factors, vcore_pack(idle, busy));
	mutex_unlock(&vcore_lock);
	return 0;
}

void stratos_vcore_reset_factors(unsigned int cpu)
{
	u32 idle, busy;

	vcore_defaults(cpu, &idle, &busy);
	stratos_vcore_set_factors(cpu, idle, busy);
}

/* Entries of the accounted-cgroup array. */

/* Same test as the registry's: CSS_ONLINE goes before cgroup_rmdir fires. */
static bool vcore_cgroup_is_dead(const struct cgroup *cgrp)
{
	return !(READ_ONCE(cgrp->self.flags) & CSS_ONLINE);
}

static struct vcore_set *vcore_set_locked(void)
{
	return rcu_dereference_protected(vcore_set,
					 lockdep_is_held(&vcore_lock));
}

static void vcore_acct_free(struct vcore_acct *acct)
{
	if (acct->lim)
		vcore_nr_limits--;
	stratos_vcore_limit_free(acct->lim,
				 !vcore_cgroup_is_dead(acct->cgrp));
	free_percpu(acct->stat);
	cgroup_put(acct->cgrp);
	kfree(acct);
}

/*
 * Publish a copy of the array with @add appended (if not NULL) and without
 * the entries @drop says so of; free the dropped ones once no probe can see
 * them.
 */
static int vcore_set_replace(struct vcore_acct *add,
			     bool (*drop)(struct vcore_acct *, void *),
			     void *arg)
{
	struct vcore_set *old = vcore_set_locked(), *new;
	struct vcore_acct *gone[STRATOS_VCORE_MAX_CGROUPS];
	unsigned int i, n = old ? old->nr : 0, nr_gone = 0;

	lockdep_assert_held(&vcore_lock);
	new = kzalloc(struct_size(new, acct, n + 1), GFP_KERNEL);
	if (!new)
		return -ENOMEM;
	new->nr = 0;
	for (i = 0; i < n; i++) {
		if (drop && drop(old->acct[i], arg))
			gone[nr_gone++] = old->acct[i];
		else
			new->acct[new->nr++] = old->acct[i];
	}
	if (add)
		new->acct[new->nr++] = add;
	if (!new->nr) {
		kfree(new);
		new = NULL;
	}
	rcu_assign_pointer(vcore_set, new);
	vcore_gen++;
	if (old)
		kfree_rcu(old, rcu);
	if (nr_gone) {
		synchronize_rcu();
		for (i = 0; i < nr_gone; i++)
			vcore_acct_free(gone[i]);
	}
	return 0;
}

static struct vcore_acct *vcore_acct_find(u64 id)
{
	struct vcore_set *set = vcore_set_locked();
	unsigned int i;

	for (i = 0; set && i < set->nr; i++)
		if (set->acct[i]->id == id)
			return set->acct[i];
	return NULL;
}

static int vcore_acct_insert(struct vcore_acct *acct)
{
	struct vcore_set *set = vcore_set_locked();

	if (vcore_cgroup_is_dead(acct->cgrp))
		return -ENOENT;
	if (vcore_acct_find(acct->id))
		return -EEXIST;
	if (set && set->nr >= STRATOS_VCORE_MAX_CGROUPS)
		return -ENOSPC;
	return vcore_set_replace(acct, NULL, NULL);
}

/**
 * stratos_vcore_acct_add - start accounting a cgroup
 * @id: cgroup v2 id
 *
 * Return: 0, -ENOENT (no live cgroup), -EEXIST, -ENOSPC or -ENOMEM.
 */
int stratos_vcore_acct_add(u64 id)
{
	struct vcore_acct *acct;
	struct cgroup *cgrp;
	int ret;

	cgrp = cgroup_get_from_id(id);
	if (IS_ERR(cgrp))
		return PTR_ERR(cgrp);
	acct = kzalloc_obj(*acct, GFP_KERNEL);
	if (!acct)
		goto err_cgrp;
	acct->stat = alloc_percpu(struct vcore_stat);
	if (!acct->stat)
		goto err_acct;
	acct->id = id;
	acct->cgrp = cgrp;

	/* Its own, for the check below: a reap may free the entry first. */
	cgroup_get(cgrp);
	mutex_lock(&vcore_lock);
	ret = vcore_acct_insert(acct);
	mutex_unlock(&vcore_lock);
	if (ret) {
		vcore_acct_free(acct);
		cgroup_put(cgrp);
		return ret;
	}
	/*
	 * The removal hook peeks at the set without the lock: if the cgroup
	 * went after the check in the insert, and the hook ran before the
	 * set was published, it found nothing to reap. Once a grace period
	 * has passed, every hook that may have missed the entry has run, and
	 * its cgroup is seen dead here.
	 */
	synchronize_rcu();
	if (vcore_cgroup_is_dead(cgrp))
		queue_work(system_dfl_wq, &vcore_reap_work);
	cgroup_put(cgrp);
	return 0;

err_acct:
	kfree(acct);
err_cgrp:
	cgroup_put(cgrp);
	return -ENOMEM;
}

static bool vcore_drop_id(struct vcore_acct *acct, void *arg)
{
	return acct->id == *(u64 *)arg;
}

int stratos_vcore_acct_del(u64 id)
{
	int ret = -ENOENT;

	mutex_lock(&vcore_lock);
	if (vcore_acct_find(id))
		ret = vcore_set_replace(NULL, vcore_drop_id, &id);
	mutex_unlock(&vcore_lock);
	return ret;
}

/*
 * Totals of the cgroup with @id; on success *@cgrp holds a reference the
 * caller drops with cgroup_put().
 */
static void vcore_acct_sum(const struct vcore_acct *acct, u64 *vcore,
			   u64 *cpu)
{
	const struct vcore_stat *s;
	unsigned int c;

	*vcore = 0;
	*cpu = 0;
	for_each_possible_cpu(c) {
		s = per_cpu_ptr(acct->stat, c);
		*vcore += READ_ONCE(s->vcore_ns);
		*cpu += READ_ONCE(s->cpu_ns);
	}
}

int stratos_vcore_acct_read(u64 id, u64 *vcore, u64 *cpu,
			    struct stratos_vcore_limit_info *li,
			    struct cgroup **cgrp)
{
	struct vcore_acct *acct;

	mutex_lock(&vcore_lock);
	acct = vcore_acct_find(id);
	if (!acct) {
		mutex_unlock(&vcore_lock);
		return -ENOENT;
	}
	vcore_acct_sum(acct, vcore, cpu);
	stratos_vcore_limit_get(acct->lim, li);
	cgroup_get(acct->cgrp);
	*cgrp = acct->cgrp;
	mutex_unlock(&vcore_lock);
	return 0;
}

/* The id of the @n'th accounted cgroup, for dumps. */
int stratos_vcore_acct_nth(unsigned int n, u64 *id)
{
	struct vcore_set *set;
	int ret = -ENOENT;

	mutex_lock(&vcore_lock);
	set = vcore_set_locked();
	if (set && n < set->nr) {
		*id = set->acct[n]->id;
		ret = 0;
	}
	mutex_unlock(&vcore_lock);
	return ret;
}

unsigned int stratos_vcore_acct_generation(void)
{
	return READ_ONCE(vcore_gen);
}

static bool vcore_drop_dead(struct vcore_acct *acct, void *arg)
{
	return vcore_cgroup_is_dead(acct->cgrp);
}

static void vcore_reap_fn(struct work_struct *work)
{
	mutex_lock(&vcore_lock);
	/* Without memory for a new array, the next removal tries again. */
	if (vcore_set_locked())
		vcore_set_replace(NULL, vcore_drop_dead, NULL);
	mutex_unlock(&vcore_lock);
}

/* One round of the limit control loop over every limited cgroup. */
static void vcore_limit_fn(struct work_struct *work)
{
	struct vcore_set *set;
	u64 vcore, cpu;
	unsigned int i;

	mutex_lock(&vcore_lock);
	set = vcore_set_locked();
	for (i = 0; set && i < set->nr; i++) {
		if (!set->acct[i]->lim ||
		    vcore_cgroup_is_dead(set->acct[i]->cgrp))
			continue;
		vcore_acct_sum(set->acct[i], &vcore, &cpu);
		stratos_vcore_limit_tick(set->acct[i]->lim, vcore, cpu);
	}
	if (vcore_nr_limits)
		queue_delayed_work(system_dfl_wq, &vcore_limit_work,
				   usecs_to_jiffies(VCORE_LIMIT_PERIOD_US));
	mutex_unlock(&vcore_lock);
}

/* Sum over online CPUs of @busy or idle factors, in millionths. */
u64 stratos_vcore_node_capacity(bool busy)
{
	unsigned int cpu;
	u64 f, sum = 0;

	for_each_online_cpu(cpu) {
		f = READ_ONCE(per_cpu_ptr(&vcore_cpus, cpu)->factors);
		sum += busy ? (u32)f : f >> 32;
	}
	return sum;
}

static int vcore_acct_limit_locked(struct vcore_acct *acct, u32 limit,
				   struct file *f,
				   struct netlink_ext_ack *extack)
{
	u64 cap = stratos_vcore_node_capacity(false), vcore, cpu;
	bool had = acct->lim;
	int ret;

	if (!had && !f && limit) {
		NL_SET_ERR_MSG(extack, "a new limit needs the cgroup's dir");
		return -EINVAL;
	}
	vcore_acct_sum(acct, &vcore, &cpu);
	/* Until the cgroup runs, assume the mean CPU of the node. */
	ret = stratos_vcore_limit_set(&acct->lim, limit, f,
				      div_u64(cap, num_online_cpus()),
				      vcore, cpu);
	if (ret)
		return ret;
	if (had != !!acct->lim) {
		vcore_nr_limits += acct->lim ? 1 : -1;
		if (acct->lim)
			queue_delayed_work(system_dfl_wq, &vcore_limit_work, 0);
	}
	return 0;
}

/**
 * stratos_vcore_acct_limit - set, change or (@limit 0) lift a vcore limit
 * @id: cgroup v2 id; accounting starts if it had not
 * @limit: millionths of a vcore
 * @f: the cgroup's cpu.max, opened by the requester (consumed), or NULL
 * @extack: for the reason of a refusal
 */
int stratos_vcore_acct_limit(u64 id, u32 limit, struct file *f,
			     struct netlink_ext_ack *extack)
{
	u64 cap = stratos_vcore_node_capacity(false);
	struct vcore_acct *acct;
	bool created = false;
	int ret;

	if (limit > cap) {
		if (f)
			fput(f);
		NL_SET_ERR_MSG_FMT(extack,
				   "limit above the node's %llu.%03llu vcores",
				   div_u64(cap, STRATOS_VCORE_FACTOR_SCALE),
				   div_u64(cap % STRATOS_VCORE_FACTOR_SCALE,
					   1000));
		return -ERANGE;
	}
	if (limit) {
		ret = stratos_vcore_acct_add(id);
		if (ret && ret != -EEXIST) {
			if (f)
				fput(f);
			return ret;
		}
		created = !ret;
	}
	mutex_lock(&vcore_lock);
	acct = vcore_acct_find(id);
	if (acct) {
		ret = vcore_acct_limit_locked(acct, limit, f, extack);
	} else {
		/* Lifting a limit that is not there is no error. */
		if (f)
			fput(f);
		ret = limit ? -ENOENT : 0;
	}
	mutex_unlock(&vcore_lock);
	/* A refused limit leaves no accounting behind either. */
	if (ret && created)
		stratos_vcore_acct_del(id);
	return ret;
}

void stratos_vcore_cgroup_rmdir(struct cgroup *cgrp)
{
	/* Unlocked peek: a stale answer only costs a spurious work run. */
	if (rcu_access_pointer(vcore_set))
		queue_work(system_dfl_wq, &vcore_reap_work);
}

int stratos_vcore_init(void)
{
	unsigned int cpu;
	int ret;

	for_each_possible_cpu(cpu) {
		struct vcore_cpu *vc = per_cpu_ptr(&vcore_cpus, cpu);
		u32 idle, busy;

		seqcount_init(&vc->seq);
		vcore_update_sibling(vc, cpu);
		vcore_defaults(cpu, &idle, &busy);
		vc->factors = vcore_pack(idle, busy);
	}

	ret = stratos_attach_tracepoint("sched_switch", vcore_switch_probe,
					&switch_tp);
	if (ret)
		return ret;
	stratos_vcore_reclaim_init();
	return 0;
}

/* No request can run any more; the registry's probe is gone too. */
void stratos_vcore_exit(void)
{
	struct vcore_set *set;
	unsigned int i;

	stratos_vcore_reclaim_exit();
	tracepoint_probe_unregister(switch_tp, vcore_switch_probe, NULL);
	tracepoint_synchronize_unregister();
	flush_work(&vcore_reap_work);
	/* Entries go below, limits with them: stop the loop first. */
	cancel_delayed_work_sync(&vcore_limit_work);

	set = rcu_dereference_protected(vcore_set, true);
	RCU_INIT_POINTER(vcore_set, NULL);
	if (!set)
		return;
	for (i = 0; i < set->nr; i++)
		vcore_acct_free(set->acct[i]);
	kfree(set);
}
