// SPDX-License-Identifier: GPL-2.0
/*
 * Per-cgroup page-cache limits on an unpatched kernel.
 *
 * The kernel charges page cache to the memory cgroup of the task that
 * brought it in, but caps it only together with everything else a cgroup
 * uses (memory.max, memory.high). Here a limit caps a cgroup's file pages
 * alone, so that a batch job streaming files cannot push an online
 * service's hot files out of memory.
 *
 * Accounting: probes on the mm_filemap_add_to_page_cache and
 * mm_filemap_delete_from_page_cache tracepoints keep a running count of
 * each limited cgroup's file pages (its descendants' included). The count
 * starts from the cgroup's memory.stat and is checked against it on every
 * reclaim pass, but memory.stat is not a live reading: it is exact only as
 * of the last flush of the cgroup's per-CPU statistics, and the kernel
 * flushes when enough updates have piled up, which a busy descendant can
 * keep from happening for the two seconds of its periodic flush. A parent
 * whose child streams a file has read tens of MiB low for hundreds of
 * milliseconds. So the count is corrected only where memory.stat proves
 * it wrong (pc_correct()), and it is the count, never a reading, that
 * decides whether to reclaim.
 *
 * Enforcement: when the count passes limit - margin, a work item writes
 * "<bytes> swappiness=0" to the cgroup's memory.reclaim, which reclaims
 * file pages of that cgroup only, down to limit - 2 * margin. In sync mode
 * a task that adds cache past limit - margin also gets a task_work: on its
 * way back to user space it runs the reclaim pass itself and, if the
 * cgroup is still over the limit, waits until it is back under, writing
 * back the file it was filling if dirty pages are what holds reclaim up.
 * The offender pays; nobody else waits. What the cgroup gained between
 * crossing the trigger and the throttle moves the trigger down (pc_learn()).
 *
 * memory.stat and memory.reclaim are opened when the limit is set, in the
 * requester's context: a kworker has no usable root to open them from.
 *
 * The probes are the hot path. They see an RCU-published array of the few
 * limits (STRATOS_PAGECACHE_MAX_LIMITS at most): with none set the probe
 * is one load, otherwise one inline ancestry test and one atomic add per
 * limit. The array is never allocated: two static copies alternate and a
 * writer waits for a grace period before it reuses one.
 */
#include <linux/atomic.h>
#include <linux/cgroup.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/magic.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/pagemap.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/task_work.h>
#include <linux/tracepoint.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <net/netlink.h>

#include "compat.h"
#include "pagecache.h"
#include "stratos.h"

/* Tasks throttled at once per limit; more simply go unthrottled. */
#define PC_SLOTS		8
/* Reclaim rounds a throttled task runs before it gives up and goes on. */
#define PC_THROTTLE_ROUNDS	16
/* Bytes of memory.stat read: the lines used all come early. */
#define PC_STAT_BUF		PAGE_SIZE
#define PC_MARGIN_MIN		(SZ_4M >> PAGE_SHIFT)
#define PC_MARGIN_MAX		(SZ_64M >> PAGE_SHIFT)
/* Smallest error of the estimate that memory.stat corrects, in pages. */
#define PC_CORRECT_MIN		(SZ_1M >> PAGE_SHIFT)

struct pc_limit;

/* A pending throttle of one task, queued with task_work_add(). */
struct pc_throttle {
	struct callback_head cb;
	struct pc_limit *pl;
	struct task_struct *task;	/* compared only, never dereferenced */
	struct inode *inode;		/* the file being filled, or NULL */
	struct super_block *sb;		/* its active reference, or NULL */
	unsigned long busy;
};

struct pc_limit {
	u64 id;
	struct cgroup *cgrp;
	struct cgroup_subsys_state *css;	/* the memory css, referenced */
	struct mem_cgroup *memcg;
	/* Settings, in pages; read locklessly by the probe. */
	unsigned long limit;
	unsigned long margin;
	unsigned long headroom;		/* learned, see pc_learn() */
	unsigned long trigger;		/* limit - max(margin, headroom) */
	unsigned long target;		/* limit - 2 * max(margin, headroom) */
	u8 mode;
	bool margin_auto;		/* margin follows the limit */
	bool retired;			/* deleted; throttles stop */
	/* Statistics. */
	atomic_long_t usage;		/* pages, the estimate */
	/* Range of the estimate since memory.stat was last read. */
	long win_min, win_max;
	unsigned long last_stat;	/* pages at that reading */
	unsigned long peak;		/* pages; a racy maximum is enough */
	atomic64_t reclaimed;		/* bytes */
	atomic64_t throttled_ns;
	atomic64_t passes;
	atomic64_t throttles;
	/*
	 * memory.stat's workingset_refault_file, in pages: when the limit
	 * was set, and at the last pass. Pages read again soon after reclaim
	 * took them: a limit too small for the job (or for the disk's
	 * readahead, Documentation/pagecache.rst) shows here first.
	 */
	u64 refault_base;
	u64 refaults;
	unsigned long next_event;	/* jiffies */

	struct work_struct work;
	struct mutex reclaim_lock;	/* one pass at a time; guards buf */
	struct file *stat_file;
	struct file *reclaim_file;
	char *buf;
	refcount_t ref;
	struct list_head retire_node;
	struct pc_throttle slots[PC_SLOTS];
};

struct pc_table {
	unsigned int n;
	struct pc_limit *lim[STRATOS_PAGECACHE_MAX_LIMITS];
};

/* What the probes see; NULL when no limit is set. */
static struct pc_table __rcu *pc_table;
/* The two copies; pc_cur is the one published (under pc_mutex). */
static struct pc_table pc_tables[2];
static unsigned int pc_cur;
static DEFINE_MUTEX(pc_mutex);
static unsigned int pc_gen = 1;
static bool pc_closing;

static void pc_gc_fn(struct work_struct *work);
static DECLARE_WORK(pc_gc_work, pc_gc_fn);

/* Throttles queued but not yet run: unload waits for them. */
static atomic_t pc_throttles_pending = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(pc_throttle_wq);

static struct tracepoint *pc_add_tp, *pc_del_tp;

static bool pc_cgroup_dead(const struct cgroup *cgrp)
{
	return !(READ_ONCE(cgrp->self.flags) & CSS_ONLINE);
}

static void pc_limit_put(struct pc_limit *pl)
{
	if (!refcount_dec_and_test(&pl->ref))
		return;
	fput(pl->stat_file);
	fput(pl->reclaim_file);
	css_put(pl->css);
	mutex_destroy(&pl->reclaim_lock);
	kfree(pl->buf);
	kfree(pl);
}

/* What a reclaim pass saw, in pages. */
struct pc_stat {
	unsigned long file;	/* memory.stat: file pages outside shmem */
	unsigned long unclean;	/* memory.stat: dirty or in writeback */
	unsigned long pages;	/* the estimate when the pass ended */
	unsigned long before;	/* the estimate when the pass started */
};

/* The lines of memory.stat a pass uses; bytes, refaults in pages. */
struct pc_stat_lines {
	u64 file;
	u64 shmem;
	u64 unclean;
	u64 refaults;
};

static void pc_parse_line(char *line, struct pc_stat_lines *l)
{
	char *val = strchr(line, ' ');
	u64 v;

	if (!val)
		return;
	*val++ = '\0';
	if (kstrtou64(val, 10, &v))
		return;
	if (!strcmp(line, "file"))
		l->file = v;
	else if (!strcmp(line, "shmem"))
		l->shmem = v;
	else if (!strcmp(line, "file_dirty") || !strcmp(line, "file_writeback"))
		l->unclean += v;
	else if (!strcmp(line, "workingset_refault_file"))
		l->refaults = v;
}

static int pc_read_stat(struct pc_limit *pl, struct pc_stat *st)
{
	struct pc_stat_lines l = {};
	char *p, *line;
	loff_t pos = 0;
	ssize_t n;

	lockdep_assert_held(&pl->reclaim_lock);
	n = kernel_read(pl->stat_file, pl->buf, PC_STAT_BUF - 1, &pos);
	if (n < 0)
		return n;
	pl->buf[n] = '\0';
	p = pl->buf;
	while ((line = strsep(&p, "\n")))
		pc_parse_line(line, &l);
	st->file = l.file > l.shmem ? (l.file - l.shmem) >> PAGE_SHIFT : 0;
	st->unclean = l.unclean >> PAGE_SHIFT;
	WRITE_ONCE(pl->refaults, l.refaults);
	return 0;
}

static int pc_write_reclaim(struct pc_limit *pl, unsigned long pages)
{
	char cmd[48];
	loff_t pos = 0;
	ssize_t ret;
	int len;

	len = scnprintf(cmd, sizeof(cmd), "%lu swappiness=0",
			pages << PAGE_SHIFT);
	ret = kernel_write(pl->reclaim_file, cmd, len, &pos);
	return ret < 0 ? ret : 0;
}

static void pc_note_peak(struct pc_limit *pl, unsigned long pages)
{
	if (pages > READ_ONCE(pl->peak))
		WRITE_ONCE(pl->peak, pages);
}

static unsigned long pc_usage(struct pc_limit *pl)
{
	return max(atomic_long_read(&pl->usage), 0L);
}

/* Probe side of pc_correct(): widen the window to take in @usage. */
static void pc_note_window(struct pc_limit *pl, long usage)
{
	if (usage > READ_ONCE(pl->win_max))
		WRITE_ONCE(pl->win_max, usage);
	else if (usage < READ_ONCE(pl->win_min))
		WRITE_ONCE(pl->win_min, usage);
}

/* Start a new window at the estimate, with @file as the last reading. */
static void pc_window_reset(struct pc_limit *pl, unsigned long file)
{
	long usage = atomic_long_read(&pl->usage);

	pl->last_stat = file;
	WRITE_ONCE(pl->win_min, usage);
	WRITE_ONCE(pl->win_max, usage);
}

/*
 * Correct the estimate from a memory.stat reading of @file pages.
 *
 * A reading that differs from the last one comes from a flush since that
 * last reading, so it was the truth at some moment in between, when the
 * estimate lay in [win_min, win_max] (the probes widen the window as they
 * count). Only a reading outside that range proves the estimate wrong, and
 * then by at least its distance from the range: that much is added. A
 * reading equal to the last one may be a stale copy, and proves nothing.
 * Errors up to PC_CORRECT_MIN (a quarter of the smallest margin) are left
 * alone: a flush takes time too, and the window is kept without locks. The
 * correction is an addition, so no page counted meanwhile is lost.
 */
static void pc_correct(struct pc_limit *pl, unsigned long file)
{
	long lo, hi, fix = 0;

	lockdep_assert_held(&pl->reclaim_lock);
	if (file != pl->last_stat) {
		lo = min(READ_ONCE(pl->win_min), atomic_long_read(&pl->usage));
		hi = max(READ_ONCE(pl->win_max), atomic_long_read(&pl->usage));
		if ((long)file > hi)
			fix = (long)file - hi;
		else if ((long)file < lo)
			fix = (long)file - lo;
		if (abs(fix) > PC_CORRECT_MIN)
			atomic_long_add(fix, &pl->usage);
	}
	pc_window_reset(pl, file);
}

/*
 * One reclaim pass: check the estimate against memory.stat, and reclaim
 * down to the target if over the trigger. Returns the estimate after the
 * pass in pages; @st receives it and the last reading.
 */
static unsigned long pc_reclaim(struct pc_limit *pl, struct pc_stat *st)
{
	unsigned long before, after, want, target;
	int ret;

	mutex_lock(&pl->reclaim_lock);
	st->before = 0;
	st->unclean = 0;
	if (pc_read_stat(pl, st))
		goto out;	/* the cgroup is going away */
	pc_correct(pl, st->file);
	before = pc_usage(pl);
	st->before = before;
	pc_note_peak(pl, before);
	/*
	 * A new limit may come between the reads of the two marks (they
	 * are written without this lock): reclaim only down to a target
	 * below what there is.
	 */
	target = READ_ONCE(pl->target);
	if (before > READ_ONCE(pl->trigger) && before > target) {
		want = before - target;
		ret = pc_write_reclaim(pl, want);
		atomic64_inc(&pl->passes);
		/* Success means at least @want went; else count what did. */
		after = pc_usage(pl);
		if (ret)
			want = after < before ? before - after : 0;
		atomic64_add((u64)want << PAGE_SHIFT, &pl->reclaimed);
		/* Dirty pages left behind show in the second reading. */
		if (!pc_read_stat(pl, st))
			pc_correct(pl, st->file);
	}
out:
	mutex_unlock(&pl->reclaim_lock);
	st->pages = pc_usage(pl);
	return st->pages;
}

static void pc_work_fn(struct work_struct *work)
{
	struct pc_limit *pl = container_of(work, struct pc_limit, work);
	struct pc_stat st;

	pc_reclaim(pl, &st);
}

/*
 * Dirty and writeback pages cannot be reclaimed; write back the file the
 * task was filling so that the next pass can drop its pages.
 */
static void pc_throttle_writeback(struct inode *inode)
{
	filemap_fdatawrite(inode->i_mapping);
	/* Keep errors for the owner's fsync() to report. */
	filemap_fdatawait_keep_errors(inode->i_mapping);
}

/* Where reclaim starts and where it stops, from the limit and margins. */
static void pc_update_marks(struct pc_limit *pl)
{
	unsigned long limit = READ_ONCE(pl->limit);
	unsigned long m = max(READ_ONCE(pl->margin), READ_ONCE(pl->headroom));

	/*
	 * pc_learn() runs without a lock and may have read the quarter of
	 * an old, larger limit: the target stays above zero whatever.
	 */
	m = min(m, (limit - 1) / 2);

	WRITE_ONCE(pl->trigger, limit - m);
	WRITE_ONCE(pl->target, limit - 2 * m);
}

/*
 * A throttled task finds the cgroup @before pages full; what it (and its
 * siblings) added past the trigger before reaching the throttle is what a
 * system call with its readahead adds here. Start reclaim that much
 * earlier from now on, up to a quarter of the limit, so that the next
 * crossing stays under the limit.
 */
static void pc_learn(struct pc_limit *pl, unsigned long before)
{
	unsigned long trigger = READ_ONCE(pl->trigger);
	unsigned long cap = READ_ONCE(pl->limit) / 4;

	if (before <= trigger)
		return;
	if (min(before - trigger, cap) <= READ_ONCE(pl->headroom))
		return;
	WRITE_ONCE(pl->headroom, min(before - trigger, cap));
	pc_update_marks(pl);
}

static bool pc_throttle_round(struct pc_limit *pl, struct inode *inode)
{
	struct pc_stat st;

	pc_reclaim(pl, &st);
	pc_learn(pl, st.before);
	if (st.pages <= READ_ONCE(pl->limit) || READ_ONCE(pl->retired) ||
	    fatal_signal_pending(current) || pc_cgroup_dead(pl->cgrp))
		return false;
	if (inode && st.unclean)
		pc_throttle_writeback(inode);
	else
		schedule_timeout_killable(1);
	return true;
}

static void pc_throttle_done(struct pc_limit *pl, u64 ns)
{
	unsigned long now = jiffies;

	atomic64_add(ns, &pl->throttled_ns);
	atomic64_inc(&pl->throttles);
	if (time_before(now, READ_ONCE(pl->next_event)))
		return;
	WRITE_ONCE(pl->next_event, now + HZ);
	stratos_pc_notify_throttled(pl->id, (u64)pl->limit << PAGE_SHIFT,
				    (u64)atomic_long_read(&pl->usage) << PAGE_SHIFT,
				    ns);
}

/* Runs in the throttled task, on its way back to user space. */
static void pc_throttle_fn(struct callback_head *cb)
{
	struct pc_throttle *t = container_of(cb, struct pc_throttle, cb);
	struct pc_limit *pl = t->pl;
	struct inode *inode = t->inode;
	u64 start = ktime_get_ns();
	int i;

	for (i = 0; i < PC_THROTTLE_ROUNDS; i++)
		if (!pc_throttle_round(pl, inode))
			break;
	pc_throttle_done(pl, ktime_get_ns() - start);

	if (inode)
		iput(inode);
	if (t->sb)
		deactivate_super(t->sb);
	t->inode = NULL;
	t->sb = NULL;
	WRITE_ONCE(t->task, NULL);
	clear_bit_unlock(0, &t->busy);
	pc_limit_put(pl);
	/*
	 * Unload waits for this count to reach zero; nothing of the module
	 * is touched after it does but the return.
	 */
	if (atomic_dec_and_test(&pc_throttles_pending))
		wake_up_all(&pc_throttle_wq);
}

/*
 * Hold the inode @folio is added to, for writeback in the throttle, with
 * an active reference to its superblock: an inode reference alone does
 * not keep an unmount from freeing the superblock under it (a
 * filesystem's own metadata inode, a lazy unmount). None while an unmount
 * is under way. Both are dropped in the callback, which may sleep; this
 * may not.
 */
static void pc_pin_inode(struct pc_throttle *t, struct folio *folio)
{
	struct address_space *mapping = folio->mapping;
	struct super_block *sb;

	if (!mapping || !mapping->host)
		return;
	sb = mapping->host->i_sb;
	if (!S_ISREG(mapping->host->i_mode) ||
	    !atomic_inc_not_zero(&sb->s_active))
		return;
	t->sb = sb;
	t->inode = igrab(mapping->host);
}

static struct pc_throttle *pc_throttle_claim(struct pc_limit *pl,
					     struct task_struct *task)
{
	int i;

	for (i = 0; i < PC_SLOTS; i++)
		if (READ_ONCE(pl->slots[i].task) == task)
			return NULL;	/* already on its way */
	/* A plain read first: the slots may all be taken for a while. */
	for (i = 0; i < PC_SLOTS; i++)
		if (!test_bit(0, &pl->slots[i].busy) &&
		    !test_and_set_bit_lock(0, &pl->slots[i].busy))
			return &pl->slots[i];
	return NULL;
}

/* Called from the probe, in the task adding @folio; must not sleep. */
static void pc_throttle_current(struct pc_limit *pl, struct folio *folio)
{
	struct task_struct *task = current;
	struct pc_throttle *t;

	if (task->flags & (PF_KTHREAD | PF_USER_WORKER | PF_EXITING))
		return;
	t = pc_throttle_claim(pl, task);
	if (!t)
		return;

	refcount_inc(&pl->ref);
	atomic_inc(&pc_throttles_pending);
	t->pl = pl;
	t->inode = NULL;
	t->sb = NULL;
	WRITE_ONCE(t->task, task);
	init_task_work(&t->cb, pc_throttle_fn);
	if (task_work_add(task, &t->cb, TWA_RESUME)) {
		WRITE_ONCE(t->task, NULL);
		clear_bit_unlock(0, &t->busy);
		atomic_dec(&pc_throttles_pending);
		/* The table still holds a reference: this is not the last. */
		refcount_dec(&pl->ref);
		return;
	}
	/* Only this task runs the callback, and not before it leaves here. */
	pc_pin_inode(t, folio);
}

static void pc_over(struct pc_limit *pl, long usage, struct folio *folio)
{
	if (usage <= 0)
		return;		/* drifted below zero; the next pass resets it */
	pc_note_peak(pl, usage);
	if (usage <= (long)READ_ONCE(pl->trigger))
		return;
	/*
	 * In sync mode the task also reclaims for itself on its way out, so
	 * that a streamer outrunning the work item meets the limit within
	 * what one system call adds.
	 */
	/* Once queued, every page added until it runs need not ask again. */
	if (!work_pending(&pl->work))
		queue_work(system_dfl_wq, &pl->work);
	if (READ_ONCE(pl->mode) == STRATOS_PAGECACHE_MODE_SYNC)
		pc_throttle_current(pl, folio);
}

static void pc_account(struct folio *folio, long nr)
{
	struct mem_cgroup *memcg;
	struct pc_table *t;
	unsigned int i;

	/* shmem/tmpfs is swap-backed: not page cache here (see the doc). */
	if (folio_test_swapbacked(folio))
		return;

	rcu_read_lock();
	t = rcu_dereference(pc_table);
	if (!t)
		goto out;
	memcg = folio_memcg(folio);
	if (!memcg)
		goto out;
	for (i = 0; i < t->n; i++) {
		struct pc_limit *pl = t->lim[i];
		long usage;

		if (!mem_cgroup_is_descendant(memcg, pl->memcg))
			continue;
		usage = atomic_long_add_return(nr, &pl->usage);
		pc_note_window(pl, usage);
		if (nr > 0)
			pc_over(pl, usage, folio);
	}
out:
	rcu_read_unlock();
}

static void pc_add_probe(void *data, struct folio *folio)
{
	pc_account(folio, folio_nr_pages(folio));
}

static void pc_del_probe(void *data, struct folio *folio)
{
	pc_account(folio, -folio_nr_pages(folio));
}

static struct pc_table *pc_current(void)
{
	return &pc_tables[pc_cur];
}

/*
 * Publish the limits of the current table that @drop rejects, plus @add,
 * and move the dropped ones to @gone. The spare copy is free to fill: the
 * previous publication waited for every reader of it.
 */
static void pc_publish(struct pc_limit *add,
		       bool (*drop)(struct pc_limit *pl, void *arg),
		       void *arg, struct list_head *gone)
{
	struct pc_table *old = pc_current();
	struct pc_table *new = &pc_tables[!pc_cur];
	unsigned int i;

	lockdep_assert_held(&pc_mutex);
	new->n = 0;
	for (i = 0; i < old->n; i++) {
		if (drop && drop(old->lim[i], arg))
			list_add_tail(&old->lim[i]->retire_node, gone);
		else
			new->lim[new->n++] = old->lim[i];
	}
	if (add)
		new->lim[new->n++] = add;
	pc_cur = !pc_cur;
	pc_gen++;
	rcu_assign_pointer(pc_table, new->n ? new : NULL);
	synchronize_rcu();
}

/* After pc_publish() dropped it: no probe can see @pl any more. */
static void pc_retire_all(struct list_head *gone)
{
	struct pc_limit *pl, *tmp;

	list_for_each_entry_safe(pl, tmp, gone, retire_node) {
		list_del(&pl->retire_node);
		/* Throttles under way stop at their next round. */
		WRITE_ONCE(pl->retired, true);
		cancel_work_sync(&pl->work);
		pc_limit_put(pl);
	}
}

static struct pc_limit *pc_find(u64 id)
{
	struct pc_table *t = pc_current();
	unsigned int i;

	lockdep_assert_held(&pc_mutex);
	for (i = 0; i < t->n; i++)
		if (t->lim[i]->id == id)
			return t->lim[i];
	return NULL;
}

static bool pc_drop_id(struct pc_limit *pl, void *arg)
{
	return pl->id == *(u64 *)arg;
}

static bool pc_drop_dead(struct pc_limit *pl, void *arg)
{
	return pc_cgroup_dead(pl->cgrp);
}

static bool pc_drop_all(struct pc_limit *pl, void *arg)
{
	return true;
}

/*
 * limit / 32, but at least PC_MARGIN_MIN: one read() with its readahead
 * can add a few MiB before the task reaches its throttle, and the margin
 * is what absorbs that. At most a quarter of the limit and PC_MARGIN_MAX.
 */
static unsigned long pc_default_margin(unsigned long limit)
{
	return min3(max(limit / 32, PC_MARGIN_MIN), limit / 4, PC_MARGIN_MAX);
}

/*
 * Apply @upd to @pl. An explicit margin sticks across later limit changes;
 * margin 0 (or none ever given) follows the limit.
 */
static int pc_settings(struct pc_limit *pl, const struct stratos_pc_update *upd,
		       struct netlink_ext_ack *extack)
{
	unsigned long limit = pl->limit, margin = pl->margin;
	bool automatic = pl->margin_auto;

	if (upd->has_limit)
		limit = upd->limit >> PAGE_SHIFT;
	if (upd->has_margin) {
		automatic = !upd->margin;
		margin = upd->margin >> PAGE_SHIFT;
	}
	if (automatic)
		margin = pc_default_margin(limit);
	if (margin * 2 >= limit) {
		NL_SET_ERR_MSG(extack,
			       "margin must be less than half the limit");
		return -ERANGE;
	}
	WRITE_ONCE(pl->limit, limit);
	WRITE_ONCE(pl->margin, margin);
	WRITE_ONCE(pl->headroom, min(pl->headroom, limit / 4));
	pc_update_marks(pl);
	pl->margin_auto = automatic;
	if (upd->has_mode)
		WRITE_ONCE(pl->mode, upd->mode);
	return 0;
}

static struct pc_limit *pc_limit_new(const struct stratos_pc_new *nw)
{
	struct pc_limit *pl;
	struct pc_stat st;

	pl = kzalloc_obj(*pl, GFP_KERNEL);
	if (!pl)
		return NULL;
	pl->buf = kmalloc(PC_STAT_BUF, GFP_KERNEL);
	if (!pl->buf) {
		kfree(pl);
		return NULL;
	}
	pl->id = cgroup_id(nw->css->cgroup);
	pl->cgrp = nw->css->cgroup;
	pl->css = nw->css;
	pl->memcg = mem_cgroup_from_css(nw->css);
	pl->stat_file = nw->stat;
	pl->reclaim_file = nw->reclaim;
	pl->mode = STRATOS_PAGECACHE_MODE_SYNC;
	pl->margin_auto = true;
	pl->next_event = jiffies;
	INIT_WORK(&pl->work, pc_work_fn);
	mutex_init(&pl->reclaim_lock);
	refcount_set(&pl->ref, 1);

	/* Start from memory.stat; the probes keep it current from here. */
	mutex_lock(&pl->reclaim_lock);
	if (!pc_read_stat(pl, &st)) {
		atomic_long_set(&pl->usage, st.file);
		pl->peak = st.file;
		pl->refault_base = pl->refaults;
		pc_window_reset(pl, st.file);
	}
	mutex_unlock(&pl->reclaim_lock);
	return pl;
}

/**
 * stratos_pc_set - set or change a cgroup's page-cache limit
 * @nw: the cgroup, and for one without a limit its memory css and open
 *	memory.stat and memory.reclaim, which the new limit then owns
 * @upd: the settings to change
 * @extack: where to explain a refusal
 *
 * Return: 1 if a limit was created (and took @nw's references), 0 if one
 * was changed, or -ENOENT (cgroup removed, or no limit and no @nw->css),
 * -EINVAL (a new limit without a size), -ERANGE, -ENOSPC, -ESHUTDOWN,
 * -ENOMEM.
 */
int stratos_pc_set(const struct stratos_pc_new *nw,
		   const struct stratos_pc_update *upd,
		   struct netlink_ext_ack *extack)
{
	struct pc_limit *pl;
	LIST_HEAD(gone);
	int ret;

	mutex_lock(&pc_mutex);
	pl = pc_find(nw->id);
	if (pl) {
		ret = pc_settings(pl, upd, extack);
		if (!ret)
			queue_work(system_dfl_wq, &pl->work);
		goto out;
	}

	ret = -ESHUTDOWN;
	if (pc_closing)
		goto out;
	ret = -ENOENT;
	if (!nw->css || pc_cgroup_dead(nw->css->cgroup))
		goto out;
	ret = -EINVAL;
	if (!upd->has_limit) {
		NL_SET_ERR_MSG(extack,
			       "a new page-cache limit needs a size (STRATOS_A_PAGECACHE_LIMIT)");
		goto out;
	}
	ret = -ENOSPC;
	if (pc_current()->n >= STRATOS_PAGECACHE_MAX_LIMITS) {
		NL_SET_ERR_MSG(extack,
			       "too many page-cache limits (STRATOS_PAGECACHE_MAX_LIMITS); clear one first");
		goto out;
	}
	ret = -ENOMEM;
	pl = pc_limit_new(nw);
	if (!pl)
		goto out;
	ret = pc_settings(pl, upd, extack);
	if (ret) {
		mutex_destroy(&pl->reclaim_lock);
		kfree(pl->buf);
		kfree(pl);
		goto out;
	}
	pc_publish(pl, NULL, NULL, &gone);
	/*
	 * The cgroup may have been removed since the check above; the
	 * removal hook then ran before this publication and missed it.
	 */
	if (pc_cgroup_dead(pl->cgrp))
		queue_work(system_dfl_wq, &pc_gc_work);
	queue_work(system_dfl_wq, &pl->work);
	ret = 1;
out:
	mutex_unlock(&pc_mutex);
	return ret;
}

bool stratos_pc_exists(u64 id)
{
	bool ret;

	mutex_lock(&pc_mutex);
	ret = pc_find(id);
	mutex_unlock(&pc_mutex);
	return ret;
}

int stratos_pc_del(u64 id)
{
	struct pc_limit *pl;
	LIST_HEAD(gone);

	mutex_lock(&pc_mutex);
	pl = pc_find(id);
	if (pl)
		pc_publish(NULL, pc_drop_id, &id, &gone);
	mutex_unlock(&pc_mutex);
	if (!pl)
		return -ENOENT;
	pc_retire_all(&gone);
	return 0;
}

/* Bytes refaulted since the limit was set, as of the last pass. */
static u64 pc_refaulted(struct pc_limit *pl)
{
	u64 now = READ_ONCE(pl->refaults);

	/* The counter only grows; never report a negative count. */
	return now > pl->refault_base ? (now - pl->refault_base) << PAGE_SHIFT : 0;
}

static void pc_view_fill(struct pc_limit *pl, struct stratos_pc_view *view)
{
	view->id = pl->id;
	view->cgrp = pl->cgrp;
	cgroup_get(view->cgrp);
	view->limit = (u64)READ_ONCE(pl->limit) << PAGE_SHIFT;
	view->margin = (u64)READ_ONCE(pl->margin) << PAGE_SHIFT;
	view->mode = READ_ONCE(pl->mode);
	view->current_bytes = (u64)pc_usage(pl) << PAGE_SHIFT;
	view->peak = (u64)READ_ONCE(pl->peak) << PAGE_SHIFT;
	view->reclaimed = atomic64_read(&pl->reclaimed);
	view->throttled_ns = atomic64_read(&pl->throttled_ns);
	view->passes = atomic64_read(&pl->passes);
	view->throttles = atomic64_read(&pl->throttles);
	view->refaulted = pc_refaulted(pl);
}

int stratos_pc_lookup(u64 id, struct stratos_pc_view *view)
{
	struct pc_limit *pl;

	mutex_lock(&pc_mutex);
	pl = pc_find(id);
	if (pl)
		pc_view_fill(pl, view);
	mutex_unlock(&pc_mutex);
	return pl ? 0 : -ENOENT;
}

int stratos_pc_nth(unsigned int n, struct stratos_pc_view *view)
{
	struct pc_table *t;
	int ret = -ENOENT;

	mutex_lock(&pc_mutex);
	t = pc_current();
	if (n < t->n) {
		pc_view_fill(t->lim[n], view);
		ret = 0;
	}
	mutex_unlock(&pc_mutex);
	return ret;
}

unsigned int stratos_pc_generation(void)
{
	return READ_ONCE(pc_gen);
}

void stratos_pc_view_release(struct stratos_pc_view *view)
{
	if (view->cgrp) {
		cgroup_put(view->cgrp);
		view->cgrp = NULL;
	}
}

static bool pc_any_dead(void)
{
	struct pc_table *t = pc_current();
	unsigned int i;

	lockdep_assert_held(&pc_mutex);
	for (i = 0; i < t->n; i++)
		if (pc_cgroup_dead(t->lim[i]->cgrp))
			return true;
	return false;
}

static void pc_gc_fn(struct work_struct *work)
{
	LIST_HEAD(gone);

	mutex_lock(&pc_mutex);
	/* Any cgroup's removal queues this: publish only if it matters. */
	if (pc_any_dead())
		pc_publish(NULL, pc_drop_dead, NULL, &gone);
	mutex_unlock(&pc_mutex);
	pc_retire_all(&gone);
}

/*
 * Called by the registry's cgroup_rmdir probe, with interrupts off: only
 * queue the sweep. The cgroup is already marked dead.
 */
void stratos_pagecache_cgroup_removed(struct cgroup *cgrp)
{
	if (rcu_access_pointer(pc_table))
		queue_work(system_dfl_wq, &pc_gc_work);
}

int stratos_pagecache_init(void)
{
	int ret;

	ret = stratos_attach_tracepoint("mm_filemap_add_to_page_cache",
					pc_add_probe, &pc_add_tp);
	if (ret)
		return ret;
	ret = stratos_attach_tracepoint("mm_filemap_delete_from_page_cache",
					pc_del_probe, &pc_del_tp);
	if (ret) {
		tracepoint_probe_unregister(pc_add_tp, pc_add_probe, NULL);
		tracepoint_synchronize_unregister();
	}
	return ret;
}

/*
 * Wait for the throttles queued on tasks: their callbacks are module code.
 * Only its task can run one, on its way back to user space or in its exit,
 * and a module cannot cancel another task's work. So a task stopped in the
 * kernel (a write into a full pipe, a vfork() parent) holds unload until it
 * goes on or is killed: say so every 10 s rather than hang in silence.
 */
static void pc_wait_throttles(void)
{
	while (!wait_event_idle_timeout(pc_throttle_wq,
					!atomic_read(&pc_throttles_pending),
					10 * HZ))
		pr_info("stratos: unload waits for %d page-cache throttle(s), each queued on a task stopped in the kernel; each runs when its task returns to user space or exits\n",
			atomic_read(&pc_throttles_pending));
}

/*
 * Runs after the cgroup_rmdir probe is gone and before the netlink family
 * goes. A reclaim pass in flight finishes (cancel_work_sync), and so do the
 * throttles already queued on tasks: their callbacks are module code.
 */
void stratos_pagecache_exit(void)
{
	LIST_HEAD(gone);

	tracepoint_probe_unregister(pc_add_tp, pc_add_probe, NULL);
	tracepoint_probe_unregister(pc_del_tp, pc_del_probe, NULL);
	tracepoint_synchronize_unregister();

	mutex_lock(&pc_mutex);
	pc_closing = true;
	pc_publish(NULL, pc_drop_all, NULL, &gone);
	mutex_unlock(&pc_mutex);
	cancel_work_sync(&pc_gc_work);
	pc_retire_all(&gone);
	pc_wait_throttles();
}
