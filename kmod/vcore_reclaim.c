// SPDX-License-Identifier: GPL-2.0
/*
 * Reclaimable capacity: how many vcores batch work can be promised.
 *
 * The node's capacity is what it delivers with every SMT sibling busy (the
 * busy factors summed over online CPUs). Online work (everything but the
 * tasks of offline cgroups) used some of it; batch work may have the rest,
 * and to promise it safely an agent looks back over a window: the
 * reclaimable capacity is the capacity minus the peak, or a percentile, of
 * the online work's use over that window. Koordinator calls this figure
 * batch-cpu and computes it in userspace from raw CPU time; here it comes
 * from the kernel's own accounting, normalised in vcores, SMT-aware.
 *
 * A delayed work item samples the node once a second: the growth of its
 * vcore time, split into online and offline by vcore.c's sched_switch
 * probe. The samples sit in a ring of VCORE_RECLAIM_SAMPLES seconds (the
 * longest window a request may ask for). A request sorts a copy of the
 * window's samples for its percentile; it never touches the hot path.
 */
#include <linux/jiffies.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/workqueue.h>

#include "stratos.h"
#include "vcore.h"

#define VCORE_RECLAIM_SAMPLES	STRATOS_VCORE_WINDOW_MAX

/* vcores in millionths, averaged over one second. */
struct vcore_sample {
	u64 online;
	u64 offline;
};

static struct {
	struct vcore_sample ring[VCORE_RECLAIM_SAMPLES];
	unsigned int next;	/* where the next sample goes */
	unsigned int count;	/* samples in the ring */
	u64 last_all, last_offline, last_ns;
} reclaim;
/* Serialises the sampler and the readers of the ring. */
static DEFINE_MUTEX(reclaim_lock);

static void vcore_reclaim_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(reclaim_work, vcore_reclaim_fn);

/* @vns vcore-ns over @ns of wall time, in millionths of a vcore. */
static u64 vcore_rate(u64 vns, u64 ns)
{
	return ns ? mul_u64_u64_div_u64(vns, STRATOS_VCORE_FACTOR_SCALE, ns) : 0;
}

static void vcore_reclaim_sample(void)
{
	u64 all, offline, now = local_clock(), d_all, d_off, ns;
	struct vcore_sample *s;

	stratos_vcore_node_time(&all, &offline);
	mutex_lock(&reclaim_lock);
	ns = now - reclaim.last_ns;
	/* Running slices are estimated: a later exact figure may be lower. */
	d_all = all > reclaim.last_all ? all - reclaim.last_all : 0;
	d_off = offline > reclaim.last_offline ?
		offline - reclaim.last_offline : 0;
	if (reclaim.last_ns) {
		s = &reclaim.ring[reclaim.next];
		s->offline = vcore_rate(min(d_off, d_all), ns);
		s->online = vcore_rate(d_all - min(d_off, d_all), ns);
		reclaim.next = (reclaim.next + 1) % VCORE_RECLAIM_SAMPLES;
		reclaim.count = min(reclaim.count + 1, VCORE_RECLAIM_SAMPLES);
	}
	reclaim.last_all = all;
	reclaim.last_offline = offline;
	reclaim.last_ns = now;
	mutex_unlock(&reclaim_lock);
}

static void vcore_reclaim_fn(struct work_struct *work)
{
	vcore_reclaim_sample();
	schedule_delayed_work(&reclaim_work, HZ);
}

static int vcore_u64_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * The online use over the last @window samples at @pct (100: the peak),
 * the last sample, and how many samples the window really had.
 */
static int vcore_reclaim_stats(unsigned int window, unsigned int pct,
			       struct stratos_vcore_reclaim *r)
{
	unsigned int i, n, idx;
	u64 *online;

	online = kmalloc_array(VCORE_RECLAIM_SAMPLES, sizeof(*online),
			       GFP_KERNEL);
	if (!online)
		return -ENOMEM;
	mutex_lock(&reclaim_lock);
	n = min(window, reclaim.count);
	for (i = 0; i < n; i++) {
		idx = (reclaim.next + VCORE_RECLAIM_SAMPLES - 1 - i) %
		      VCORE_RECLAIM_SAMPLES;
		online[i] = reclaim.ring[idx].online;
		if (!i) {
			r->online_now = reclaim.ring[idx].online;
			r->offline_now = reclaim.ring[idx].offline;
		}
	}
	mutex_unlock(&reclaim_lock);

	r->samples = n;
	if (n) {
		sort(online, n, sizeof(*online), vcore_u64_cmp, NULL);
		/* Nearest rank: the smallest sample with pct% at or below. */
		r->online_window = online[DIV_ROUND_UP(n * pct, 100) - 1];
	}
	kfree(online);
	return 0;
}

/**
 * stratos_vcore_reclaim - the node's reclaimable capacity
 * @window: seconds to look back, 1..STRATOS_VCORE_WINDOW_MAX
 * @pct: percentile of the online use over the window, 1..100 (100: peak)
 * @r: the result
 *
 * Before the first sample (the first second after loading) the window is
 * empty and nothing is reclaimable.
 */
int stratos_vcore_reclaim(unsigned int window, unsigned int pct,
			  struct stratos_vcore_reclaim *r)
{
	int ret;

	memset(r, 0, sizeof(*r));
	r->capacity = stratos_vcore_node_capacity(true);
	ret = vcore_reclaim_stats(window, pct, r);
	if (ret)
		return ret;
	if (r->samples && r->capacity > r->online_window)
		r->reclaimable = r->capacity - r->online_window;
	return 0;
}

void stratos_vcore_reclaim_init(void)
{
	vcore_reclaim_sample();
	schedule_delayed_work(&reclaim_work, HZ);
}

void stratos_vcore_reclaim_exit(void)
{
	cancel_delayed_work_sync(&reclaim_work);
}
