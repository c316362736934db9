// SPDX-License-Identifier: GPL-2.0
/*
 * The per-cgroup policy registry.
 *
 * Each entry is keyed by cgroup id (the cgroup v2 directory's inode number)
 * and holds a reference on its cgroup. All access goes through registry_lock:
 * writers are netlink requests and the cgroup removal probe, readers copy an
 * entry out (taking their own cgroup reference) and work on the copy, so no
 * reader ever holds the lock across anything slow.
 *
 * An entry must go away when its cgroup is removed. A module cannot hook
 * cgroup removal directly, so the registry attaches a probe to the
 * cgroup_rmdir tracepoint. That probe runs with interrupts off under the
 * tracepoint's own path lock: it only unhashes the entry and hands it to a
 * work item, which sends the notification and drops the reference.
 *
 * Races with removal: stratos_registry_set() takes its cgroup reference
 * before the lock and checks that the cgroup is not dead under it. cgroup_rmdir()
 * clears CSS_ONLINE before it fires the tracepoint, and the probe takes the
 * same lock, so either the probe finds the new entry or the setter sees the
 * cgroup dead; an entry for a removed cgroup is never left behind.
 */
#include <linux/cgroup.h>
#include <linux/hashtable.h>
#include <linux/llist.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "pagecache.h"
#include "stratos.h"
#include "vcore.h"

#define STRATOS_REGISTRY_BITS 12

struct stratos_entry {
	struct hlist_node node;
	struct llist_node reap_node;
	u64 id;
	struct cgroup *cgrp;
	struct stratos_policy policy;
};

static DEFINE_HASHTABLE(registry, STRATOS_REGISTRY_BITS);
static DEFINE_SPINLOCK(registry_lock);
static unsigned int registry_count;
/* Bumped on every change so that a dump can tell it was interrupted. */
static unsigned int registry_gen = 1;

static LLIST_HEAD(reap_list);
static void stratos_reap_fn(struct work_struct *work);
static DECLARE_WORK(reap_work, stratos_reap_fn);

static struct tracepoint *rmdir_tp;
/* Only cgroup v2 ids are registry keys; v1 hierarchies number their own. */
static struct cgroup_root *dfl_root;

/*
 * cgroup_destroy_locked() clears CSS_ONLINE on the cgroup's own css before
 * cgroup_rmdir() fires the tracepoint. (7.x has cgroup_is_dead() for this;
 * 6.12 keeps it private.)
 */
static bool stratos_cgroup_is_dead(const struct cgroup *cgrp)
{
	return !(READ_ONCE(cgrp->self.flags) & CSS_ONLINE);
}

static struct stratos_entry *stratos_entry_find(u64 id)
{
	struct stratos_entry *entry;

	lockdep_assert_held(&registry_lock);
	hash_for_each_possible(registry, entry, node, id)
		if (entry->id == id)
			return entry;
	return NULL;
}

static void stratos_entry_view_fill(const struct stratos_entry *entry,
				    struct stratos_entry_view *view)
{
	lockdep_assert_held(&registry_lock);
	view->id = entry->id;
	view->policy = entry->policy;
	view->cgrp = entry->cgrp;
	cgroup_get(view->cgrp);
}

void stratos_entry_view_release(struct stratos_entry_view *view)
{
	if (view->cgrp) {
		cgroup_put(view->cgrp);
		view->cgrp = NULL;
	}
}

static void stratos_entry_free(struct stratos_entry *entry)
{
	cgroup_put(entry->cgrp);
	kfree(entry);
}

static void stratos_entry_unhash(struct stratos_entry *entry)
{
	lockdep_assert_held(&registry_lock);
	hash_del(&entry->node);
	registry_count--;
	registry_gen++;
}

static void stratos_policy_apply(struct stratos_policy *policy,
				 const struct stratos_policy_update *upd)
{
	if (upd->has_class)
		policy->class = upd->policy.class;
	if (upd->has_weight)
		policy->weight = upd->policy.weight;
}

static int stratos_entry_insert(u64 id, struct cgroup *cgrp,
				struct stratos_entry *fresh,
				const struct stratos_policy_update *upd,
				bool may_create, struct stratos_entry_view *view)
{
	struct stratos_entry *entry;

	lockdep_assert_held(&registry_lock);
	if (stratos_cgroup_is_dead(cgrp))
		return -ENOENT;

	entry = stratos_entry_find(id);
	if (!entry) {
		if (!may_create)
			return -ENOENT;
		if (registry_count >= READ_ONCE(stratos_max_cgroups))
			return -ENOSPC;
		entry = fresh;
		entry->id = id;
		entry->cgrp = cgrp;
		entry->policy.class = STRATOS_CLASS_NONE;
		entry->policy.weight = STRATOS_WEIGHT_DEFAULT;
		hash_add(registry, &entry->node, id);
		registry_count++;
	}
	stratos_policy_apply(&entry->policy, upd);
	registry_gen++;
	stratos_entry_view_fill(entry, view);
	return entry == fresh ? 1 : 0;
}

/**
 * stratos_registry_set - create or update the entry of a cgroup
 * @id: cgroup v2 id
 * @upd: the policy fields to change
 * @may_create: create the entry if the cgroup has none
 * @view: on success, a copy of the resulting entry; release it with
 *	  stratos_entry_view_release()
 *
 * Return: 0 on success, -ENOENT if no live cgroup has @id (or @may_create
 * is false and it has no entry), -ENOSPC if the registry is full, -ENOMEM.
 */
int stratos_registry_set(u64 id, const struct stratos_policy_update *upd,
			 bool may_create, struct stratos_entry_view *view)
{
	struct stratos_entry *fresh;
	struct cgroup *cgrp;
	int ret;

	cgrp = cgroup_get_from_id(id);
	if (IS_ERR(cgrp))
		return PTR_ERR(cgrp);

	fresh = kzalloc_obj(*fresh, GFP_KERNEL);
	if (!fresh) {
		cgroup_put(cgrp);
		return -ENOMEM;
	}

	spin_lock(&registry_lock);
	ret = stratos_entry_insert(id, cgrp, fresh, upd, may_create, view);
	spin_unlock(&registry_lock);

	if (ret <= 0) {
		/* Not inserted: the existing entry keeps its own reference. */
		kfree(fresh);
		cgroup_put(cgrp);
	}
	return ret < 0 ? ret : 0;
}

int stratos_registry_del(u64 id)
{
	struct stratos_entry *entry;

	spin_lock(&registry_lock);
	entry = stratos_entry_find(id);
	if (entry)
		stratos_entry_unhash(entry);
	spin_unlock(&registry_lock);

	if (!entry)
		return -ENOENT;
	stratos_entry_free(entry);
	return 0;
}

int stratos_registry_lookup(u64 id, struct stratos_entry_view *view)
{
	struct stratos_entry *entry;

	spin_lock(&registry_lock);
	entry = stratos_entry_find(id);
	if (entry)
		stratos_entry_view_fill(entry, view);
	spin_unlock(&registry_lock);

	return entry ? 0 : -ENOENT;
}

unsigned int stratos_registry_count(void)
{
	return READ_ONCE(registry_count);
}

unsigned int stratos_registry_generation(void)
{
	return READ_ONCE(registry_gen);
}

/* Copy out the @skip'th entry of @bucket. */
static bool stratos_registry_nth(unsigned long bucket, unsigned long skip,
				 struct stratos_entry_view *view)
{
	struct stratos_entry *entry;
	bool found = false;

	/*
	 * Most buckets are empty: skip them without the lock, so that a dump
	 * of a small registry stays cheap. A racing insert is either seen or
	 * flagged by the generation check, as with any other change.
	 */
	if (hlist_empty(&registry[bucket]))
		return false;

	spin_lock(&registry_lock);
	hlist_for_each_entry(entry, &registry[bucket], node) {
		if (skip--)
			continue;
		stratos_entry_view_fill(entry, view);
		found = true;
		break;
	}
	spin_unlock(&registry_lock);
	return found;
}

/**
 * stratos_registry_walk - call @fn on each entry from @cur onwards
 * @cur: where to start; advanced past every entry @fn accepted
 * @fn: called without the registry lock held; a non-zero return stops the
 *	walk and leaves @cur on that entry
 * @arg: passed to @fn
 *
 * Entries added or removed during the walk may be missed or seen twice;
 * callers compare stratos_registry_generation() to detect that.
 */
int stratos_registry_walk(struct stratos_registry_cursor *cur,
			  stratos_entry_fn fn, void *arg)
{
	struct stratos_entry_view view;
	int ret;

	for (; cur->bucket < HASH_SIZE(registry); cur->bucket++, cur->skip = 0) {
		while (stratos_registry_nth(cur->bucket, cur->skip, &view)) {
			ret = fn(&view, arg);
			stratos_entry_view_release(&view);
			if (ret)
				return ret;
			cur->skip++;
		}
	}
	return 0;
}

static void stratos_reap_fn(struct work_struct *work)
{
	struct stratos_entry *entry, *next;
	struct llist_node *gone;

	gone = llist_del_all(&reap_list);
	llist_for_each_entry_safe(entry, next, gone, reap_node) {
		stratos_offline_forget(entry->id, true);
		stratos_notify_del(entry->id, STRATOS_DEL_CGROUP_REMOVED);
		stratos_entry_free(entry);
	}
}

/*
 * Called from cgroup_rmdir() with interrupts disabled: no sleeping, no
 * allocation, nothing but unhashing.
 */
static void stratos_cgroup_rmdir_probe(void *data, struct cgroup *cgrp,
				       const char *path)
{
	struct stratos_entry *entry;
	unsigned long flags;

	if (cgrp->root != dfl_root)
		return;

	stratos_pagecache_cgroup_removed(cgrp);

	spin_lock_irqsave(&registry_lock, flags);
	entry = stratos_entry_find(cgroup_id(cgrp));
	if (entry)
		stratos_entry_unhash(entry);
	spin_unlock_irqrestore(&registry_lock, flags);

	stratos_vcore_cgroup_rmdir(cgrp);
	if (entry) {
		llist_add(&entry->reap_node, &reap_list);
		queue_work(system_dfl_wq, &reap_work);
	}
}

int stratos_registry_init(void)
{
	struct cgroup *root;

	root = cgroup_get_from_path("/");
	if (IS_ERR(root))
		return PTR_ERR(root);
	dfl_root = root->root;
	cgroup_put(root);

	return stratos_attach_tracepoint("cgroup_rmdir",
					 stratos_cgroup_rmdir_probe, &rmdir_tp);
}

/*
 * Stop following cgroup removal and settle what the probe queued. Runs
 * while the netlink family still exists, so the last notifications go out.
 */
void stratos_registry_stop_tracking(void)
{
	tracepoint_probe_unregister(rmdir_tp, stratos_cgroup_rmdir_probe, NULL);
	tracepoint_synchronize_unregister();
	flush_work(&reap_work);
}

/* Free every entry; no request or probe can run any more. */
void stratos_registry_exit(void)
{
	struct stratos_entry *entry;
	struct hlist_node *tmp;
	unsigned int bkt;

	hash_for_each_safe(registry, bkt, tmp, entry, node) {
		hash_del(&entry->node);
		stratos_entry_free(entry);
	}
	registry_count = 0;
}
