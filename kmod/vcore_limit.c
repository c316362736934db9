// SPDX-License-Identifier: GPL-2.0
/*
 * Vcore limits: a control loop over a cgroup's cpu.max.
 *
 * cpu.max caps raw CPU time; a vcore limit caps normalised time, so the
 * quota has to follow the CPUs the cgroup runs on. Every
 * VCORE_LIMIT_PERIOD_US the loop takes the cgroup's vcore-ns and CPU-ns
 * since the last round, whose ratio is the capacity one of its CPU-seconds
 * bought lately (its effective factor), smooths it, and writes
 * quota = limit / factor. A cgroup moving from fast to slow CPUs sees its
 * factor fall and its quota rise within a few rounds.
 *
 * CFS bandwidth control does not always hand out the whole quota (slices
 * are lent per CPU and some lapse, the period timer may fire late), so
 * while the quota binds (cpu.stat's nr_throttled grows), a slow integral
 * term scales it by what the limit asked over what was delivered.
 *
 * Every write of cpu.max refills the cgroup's runtime and unthrottles it
 * (tg_set_cfs_bandwidth()), whatever the period timer's phase: a write is
 * itself a lump of extra CPU time, up to one quota. So the loop writes
 * only when the quota moves by more than VCORE_LIMIT_DEADBAND_PPM, and a
 * window that held a write is no evidence of over-delivery. Otherwise its
 * own writes, roughly once a second, read as over-delivery (30 ms more in
 * a second is 10% at 0.3 vcore) that it chased back and forth.
 *
 * The file is opened while the netlink request runs, in the requester's
 * context (a kworker's root cannot resolve cgroupfs paths), and kept open:
 * writes from the work item then need no path. The cpu.max found at that
 * point is written back when the limit goes.
 */
#include <linux/cpumask.h>
#include <linux/ktime.h>
#include <linux/math.h>
#include <linux/math64.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "compat.h"
#include "stratos.h"
#include "vcore.h"

struct stratos_vcore_limit {
	struct file *cpu_max;
	struct file *cpu_stat;	/* for nr_throttled */
	u64 nr_throttled;
	char saved[64];		/* cpu.max before the limit, to restore */
	u32 limit;		/* millionths of a vcore */
	u32 factor;		/* smoothed effective factor, millionths */
	u32 quota;		/* last quota written, us */
	u32 writes;		/* of cpu.max, for stratosctl vcore show */
	u32 corr;		/* delivery correction, millionths */
	u32 learnt;		/* windows the correction learnt from */
	u32 learnt_factor;	/* factor when it began learning them */
	u64 last_vcore;
	u64 last_cpu;
	u64 last_time;		/* ktime_get_ns() of the last round */
	/* Sums over the current correction window. */
	u64 win_vcore, win_time;
	unsigned int win_rounds;
	bool was_bound;		/* the quota bound in the last window */
	bool wrote;		/* cpu.max was written in this window */
	u32 held_rate;		/* last window's rate, to learn if still bound */
};

/* The cgroup's cpu.max, checked to belong to cgroup @id. */
struct file *stratos_vcore_open_cpu_max(const char *dir, u64 id,
					struct netlink_ext_ack *extack)
{
	struct file *f;
	char *path;

	path = kasprintf(GFP_KERNEL, "%s/cpu.max", dir);
	if (!path)
		return ERR_PTR(-ENOMEM);
	f = filp_open(path, O_RDWR, 0);
	kfree(path);
	if (IS_ERR(f)) {
		NL_SET_ERR_MSG(extack,
			       "cannot open the cgroup's cpu.max: enable the cpu controller in its parent's cgroup.subtree_control");
		return f;
	}
	if (file_inode(f)->i_sb->s_magic != CGROUP2_SUPER_MAGIC ||
	    d_inode(f->f_path.dentry->d_parent)->i_ino != id) {
		fput(f);
		NL_SET_ERR_MSG(extack,
			       "dir is not the cgroup v2 directory of this cgroup id");
		return ERR_PTR(-EINVAL);
	}
	return f;
}

static int vcore_write_cpu_max(struct file *f, const char *buf)
{
	loff_t pos = 0;
	ssize_t ret;

	ret = kernel_write(f, buf, strlen(buf), &pos);
	return ret < 0 ? ret : 0;
}

/* @name in the directory of @f; from the requester's context only. */
static struct file *vcore_open_sibling(struct file *f, const char *name)
{
	struct path dir = {
		.mnt = f->f_path.mnt,
		.dentry = f->f_path.dentry->d_parent,
	};

	return file_open_root(&dir, name, O_RDONLY, 0);
}

/* nr_throttled of cpu.stat; 0 if it cannot be read. */
static u64 vcore_nr_throttled(struct stratos_vcore_limit *lim)
{
	static const char key[] = "\nnr_throttled ";
	char buf[256], *p;
	loff_t pos = 0;
	ssize_t len;
	u64 v = 0;

	if (IS_ERR(lim->cpu_stat))
		return 0;
	len = kernel_read(lim->cpu_stat, buf, sizeof(buf) - 1, &pos);
	if (len <= 0)
		return 0;
	buf[len] = 0;
	p = strstr(buf, key);
	if (p) {
		p += sizeof(key) - 1;
		*strchrnul(p, '\n') = 0;
		if (kstrtou64(p, 10, &v))
			v = 0;
	}
	return v;
}

/*
 * Create, change or (@limit 0) lift the limit in *@limp. @f is the opened
 * cpu.max for a new limit (consumed in every case), or NULL.
 */
int stratos_vcore_limit_set(struct stratos_vcore_limit **limp, u32 limit,
			    struct file *f, u32 factor, u64 vcore, u64 cpu)
{
	struct stratos_vcore_limit *lim = *limp;
	loff_t pos = 0;
	ssize_t len;

	if (!limit) {
		if (f)
			fput(f);
		stratos_vcore_limit_free(lim, true);
		*limp = NULL;
		return 0;
	}
	if (lim) {
		if (f)
			fput(f);
		lim->limit = limit;
		/* What the old limit delivered says nothing of the new one. */
		lim->held_rate = 0;
		lim->was_bound = false;
		lim->learnt = 0;
		lim->quota = 0;		/* written at the next round */
		return 0;
	}
	if (!f)
		return -EINVAL;
	lim = kzalloc_obj(*lim, GFP_KERNEL);
	if (!lim) {
		fput(f);
		return -ENOMEM;
	}
	len = kernel_read(f, lim->saved, sizeof(lim->saved) - 1, &pos);
	if (len <= 0) {
		fput(f);
		kfree(lim);
		return len < 0 ? len : -EIO;
	}
	lim->cpu_max = f;
	lim->cpu_stat = vcore_open_sibling(f, "cpu.stat");
	lim->nr_throttled = vcore_nr_throttled(lim);
	lim->limit = limit;
	lim->factor = factor;
	lim->learnt_factor = factor;
	lim->corr = STRATOS_VCORE_FACTOR_SCALE;
	lim->last_vcore = vcore;
	lim->last_cpu = cpu;
	lim->last_time = ktime_get_ns();
	*limp = lim;
	stratos_vcore_limit_tick(lim, vcore, cpu);
	return 0;
}

void stratos_vcore_limit_free(struct stratos_vcore_limit *lim, bool restore)
{
	if (!lim)
		return;
	/* A removed cgroup's file refuses writes; nothing to restore then. */
	if (restore)
		vcore_write_cpu_max(lim->cpu_max, lim->saved);
	fput(lim->cpu_max);
	if (!IS_ERR(lim->cpu_stat))
		fput(lim->cpu_stat);
	kfree(lim);
}

/*
 * Less CPU time than this in a round says too little about the factor:
 * keep the previous estimate.
 */
#define VCORE_LIMIT_MIN_SAMPLE_NS	(2 * NSEC_PER_MSEC)

/* Correction bounds: bandwidth control loses some time, never most. */
#define VCORE_LIMIT_CORR_MIN	900000
#define VCORE_LIMIT_CORR_MAX	1300000
/*
 * Rounds per correction window. Slices land in lumps of up to a quota
 * per period, so a window's delivery is off by up to one of them: a
 * tenth of a 1 s window, a twentieth of this one.
 */
#define VCORE_LIMIT_WINDOW	20
/* A quota within this of the one written is left alone, in millionths. */
#define VCORE_LIMIT_DEADBAND_PPM	10000
/* The correction's gain falls to 1 / (this + 1) of a window's error. */
#define VCORE_LIMIT_LEARN_MAX		16

/*
 * Move the correction towards limit / @rate: half way the first time, a
 * third the next, and so on down to 1 / (VCORE_LIMIT_LEARN_MAX + 1): the
 * mean of the first windows' corrections, then a moving average over
 * about the last sixteen. A correction that follows the windows' noise
 * moves the quota past the deadband, and every write is a lump of CPU
 * time (see the top) that no window learns from. Measured in icount, one
 * task pinned under a fixed cpu.max got exactly its quota (613 of 613
 * mCPUs over 20 s); the same quota written again every second got 636-638,
 * every half second 645-651. With 1 s windows, a gain down to a ninth and
 * a 0.5% deadband the loop wrote every second or two, and a round now
 * and then took 6-16% over its limit.
 */
static void vcore_limit_learn(struct stratos_vcore_limit *lim, u64 rate)
{
	s64 step;

	if (lim->learnt < VCORE_LIMIT_LEARN_MAX)
		lim->learnt++;
	step = div64_s64(((s64)lim->limit - (s64)rate) * lim->corr,
			 (s64)(lim->learnt + 1) * (s64)rate);

	lim->corr = clamp_t(s64, (s64)lim->corr + step, VCORE_LIMIT_CORR_MIN,
			    VCORE_LIMIT_CORR_MAX);
}

/*
 * A window in which the cgroup was throttled (the quota bound it) says
 * how much of the quota bandwidth control delivered, but only if demand
 * lasted through the whole window: a window where demand started or
 * ended delivered less for a reason the correction must not learn. At
 * start-up that once pushed the correction so high that the quota
 * exceeded what three threads could use on two CPUs, and it never bound
 * again; at the end of a job it left the correction at its bound for the
 * next one. So a bound window is learnt from only once the windows on
 * either side of it were bound too, one window late. A window over the
 * limit counts at once, bound or not: the quota is too high. A window
 * that held a write of cpu.max is not learnt from, whichever way it went
 * (it may still confirm the one before it): its lump (see the top) makes
 * it over-deliver more often than not, and learning only from the ones
 * that came out under anyway would select shortfalls.
 */
static void vcore_limit_correct(struct stratos_vcore_limit *lim, u64 dv,
				u64 dt)
{
	u64 rate, throttled;
	bool bound;

	lim->win_vcore += dv;
	lim->win_time += dt;
	if (++lim->win_rounds < VCORE_LIMIT_WINDOW)
		return;

	rate = div64_u64(lim->win_vcore * STRATOS_VCORE_FACTOR_SCALE,
			 lim->win_time ?: 1);
	throttled = vcore_nr_throttled(lim);
	bound = throttled != lim->nr_throttled;
	if (rate > lim->limit && !lim->wrote) {
		vcore_limit_learn(lim, rate);
		lim->held_rate = 0;
	} else {
		if (bound && lim->held_rate)
			vcore_limit_learn(lim, lim->held_rate);
		lim->held_rate = bound && lim->was_bound && !lim->wrote &&
				 rate <= lim->limit ? rate : 0;
	}
	lim->nr_throttled = throttled;
	lim->was_bound = bound;
	lim->wrote = false;
	lim->win_vcore = 0;
	lim->win_time = 0;
	lim->win_rounds = 0;
}

void stratos_vcore_limit_tick(struct stratos_vcore_limit *lim, u64 vcore,
			      u64 cpu)
{
	u64 dv = vcore - lim->last_vcore, dc = cpu - lim->last_cpu, quota;
	u64 max_quota = (u64)VCORE_LIMIT_PERIOD_US * num_online_cpus();
	u64 now = ktime_get_ns();
	char buf[48];

	vcore_limit_correct(lim, dv, now - lim->last_time);
	lim->last_time = now;
	if (dc >= VCORE_LIMIT_MIN_SAMPLE_NS) {
		u64 f = div64_u64(dv * STRATOS_VCORE_FACTOR_SCALE, dc);

		/* Halve the error each round: a move settles in a few. */
		f = clamp_t(u64, f, STRATOS_VCORE_FACTOR_MIN,
			    STRATOS_VCORE_FACTOR_MAX);
		lim->factor = (lim->factor + f) / 2;
	}
	/*
	 * Other CPUs (a move, a sibling coming or going) may deliver the
	 * quota differently: learn the correction afresh, quickly.
	 */
	if (abs_diff(lim->factor, lim->learnt_factor) * 10 >
	    lim->learnt_factor) {
		lim->learnt = 0;
		lim->learnt_factor = lim->factor;
	}
	lim->last_vcore = vcore;
	lim->last_cpu = cpu;

	quota = div_u64((u64)lim->limit * VCORE_LIMIT_PERIOD_US, lim->factor);
	quota = div_u64(quota * lim->corr, STRATOS_VCORE_FACTOR_SCALE);
	quota = clamp_t(u64, quota, VCORE_LIMIT_MIN_QUOTA_US, max_quota);
	if (abs_diff(quota, (u64)lim->quota) * STRATOS_VCORE_FACTOR_SCALE <=
	    (u64)lim->quota * VCORE_LIMIT_DEADBAND_PPM)
		return;
	lim->quota = quota;
	lim->wrote = true;
	snprintf(buf, sizeof(buf), "%llu %u\n", quota, VCORE_LIMIT_PERIOD_US);
	if (!vcore_write_cpu_max(lim->cpu_max, buf))
		lim->writes++;
}

void stratos_vcore_limit_get(const struct stratos_vcore_limit *lim,
			     struct stratos_vcore_limit_info *li)
{
	memset(li, 0, sizeof(*li));
	if (!lim)
		return;
	li->limit = lim->limit;
	li->quota = lim->quota;
	li->writes = lim->writes;
}
