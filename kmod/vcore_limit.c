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
 * a correction scales it by what the limit asked over what was delivered,
 * learnt in the windows where the quota bound (vcore_window_counts()). A throttled
 * cgroup runs in bursts at the start of each bandwidth period, and a
 * one-second window cuts a burst at either end: one window's delivery is
 * off by up to a burst, a tenth of it. So the correction is estimated
 * from sums over many windows, decayed by a quarter each window: the cut
 * bursts of adjacent windows cancel in the sums, and what is left shrinks
 * with their length.
 *
 * The file is opened while the netlink request runs, in the requester's
 * context (a kworker's root cannot resolve cgroupfs paths), and kept open:
 * writes from the work item then need no path. The cpu.max found at that
 * point is written back when the limit goes.
 */
#include <linux/cpumask.h>
#include <linux/ktime.h>
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
	u32 corr;		/* delivery correction, millionths */
	u64 last_vcore;
	u64 last_cpu;
	u64 last_time;		/* ktime_get_ns() of the last round */
	/* Sums over the current correction window. */
	u64 win_vcore, win_time;
	unsigned int win_rounds;
	/*
	 * Decayed sums over the windows that count: vcore-ns the limit
	 * allowed, each times the correction then applied, and vcore-ns
	 * delivered. The last throttled window waits in pend_* for the
	 * next to be throttled too.
	 */
	u64 asked_corr, delivered;
	u64 pend_asked_corr, pend_delivered;
	bool pending, prev_throttled;
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

/* The value of "@key " in @buf (cpu.stat, a line each); 0 if absent. */
static u64 vcore_stat_value(const char *buf, const char *key)
{
	size_t len = strlen(key);
	const char *p = buf;
	u64 v;

	while (p && *p) {
		if (!strncmp(p, key, len) && p[len] == ' ') {
			char num[24];
			size_t n = strcspn(p + len + 1, "\n");

			if (n >= sizeof(num))
				return 0;
			memcpy(num, p + len + 1, n);
			num[n] = 0;
			return kstrtou64(num, 10, &v) ? 0 : v;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

/* nr_throttled of cpu.stat (periods the quota bound); 0 if unreadable. */
static u64 vcore_nr_throttled(struct stratos_vcore_limit *lim)
{
	char buf[512];
	loff_t pos = 0;
	ssize_t len;

	if (IS_ERR(lim->cpu_stat))
		return 0;
	len = kernel_read(lim->cpu_stat, buf, sizeof(buf) - 1, &pos);
	if (len <= 0)
		return 0;
	buf[len] = 0;
	return vcore_stat_value(buf, "nr_throttled");
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
		/* Delivery may differ at another quota: estimate it afresh. */
		if (lim->limit != limit) {
			lim->asked_corr = 0;
			lim->delivered = 0;
			lim->pending = false;
		}
		lim->limit = limit;
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
/* Rounds per correction window: slices land in lumps, rounds are short. */
#define VCORE_LIMIT_WINDOW	10
/* Each window, the sums keep this many quarters of what they held. */
#define VCORE_LIMIT_SUM_KEEP	3

static void vcore_limit_add(struct stratos_vcore_limit *lim, u64 asked_corr,
			    u64 delivered)
{
	lim->asked_corr = lim->asked_corr * VCORE_LIMIT_SUM_KEEP / 4 +
			  asked_corr;
	lim->delivered = lim->delivered * VCORE_LIMIT_SUM_KEEP / 4 + delivered;
}

/*
 * Add the window just ended to the sums if it says how bandwidth control
 * delivers. A throttled window does, once its neighbours were throttled
 * too: a window where demand started or stopped delivered less than asked
 * for a reason the correction must not learn. (Dropping every window in
 * which some period went unthrottled would be wrong the other way: a
 * period where the quota came too late to use is the shortfall to learn.)
 * A window that delivered more than the limit counts at once, bound or
 * not: its quota is too high (a quota above what the cgroup's threads can
 * use never binds).
 */
static void vcore_limit_sample(struct stratos_vcore_limit *lim,
			       u64 asked_corr, u64 delivered, u64 rate)
{
	u64 throttled = vcore_nr_throttled(lim);
	bool bound = throttled != lim->nr_throttled;

	lim->nr_throttled = throttled;
	if (bound) {
		if (lim->pending)
			vcore_limit_add(lim, lim->pend_asked_corr,
					lim->pend_delivered);
		lim->pending = lim->prev_throttled;
		lim->pend_asked_corr = asked_corr;
		lim->pend_delivered = delivered;
	} else {
		lim->pending = false;
		if (rate > lim->limit)
			vcore_limit_add(lim, asked_corr, delivered);
	}
	lim->prev_throttled = bound;
}

/*
 * At the end of each window, sample it and set the correction to the one
 * that would have delivered the limit over the sums: what the windows
 * asked, each at its correction, over what they delivered.
 */
static void vcore_limit_correct(struct stratos_vcore_limit *lim, u64 dv,
				u64 dt)
{
	u64 asked, rate, corr;

	lim->win_vcore += dv;
	lim->win_time += dt;
	if (++lim->win_rounds < VCORE_LIMIT_WINDOW)
		return;

	rate = div64_u64(lim->win_vcore * STRATOS_VCORE_FACTOR_SCALE,
			 lim->win_time ?: 1);
	asked = mul_u64_u64_div_u64(lim->limit, lim->win_time,
				    STRATOS_VCORE_FACTOR_SCALE);
	asked = mul_u64_u64_div_u64(asked, lim->corr,
				    STRATOS_VCORE_FACTOR_SCALE);
	vcore_limit_sample(lim, asked, lim->win_vcore, rate);
	if (lim->delivered) {
		corr = mul_u64_u64_div_u64(lim->asked_corr,
					   STRATOS_VCORE_FACTOR_SCALE,
					   lim->delivered);
		lim->corr = clamp_t(u64, corr, VCORE_LIMIT_CORR_MIN,
				    VCORE_LIMIT_CORR_MAX);
	}
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
	lim->last_vcore = vcore;
	lim->last_cpu = cpu;

	quota = div_u64((u64)lim->limit * VCORE_LIMIT_PERIOD_US, lim->factor);
	quota = div_u64(quota * lim->corr, STRATOS_VCORE_FACTOR_SCALE);
	quota = clamp_t(u64, quota, VCORE_LIMIT_MIN_QUOTA_US, max_quota);
	if (quota == lim->quota)
		return;
	lim->quota = quota;
	snprintf(buf, sizeof(buf), "%llu %u\n", quota, VCORE_LIMIT_PERIOD_US);
	vcore_write_cpu_max(lim->cpu_max, buf);
}

u32 stratos_vcore_limit_get(const struct stratos_vcore_limit *lim, u32 *quota)
{
	*quota = lim ? lim->quota : 0;
	return lim ? lim->limit : 0;
}
