/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces between the parts of stratos.ko.
 */
#ifndef _STRATOS_H
#define _STRATOS_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/rcupdate.h>
#include <linux/stratos.h>

#include "scx_bt.h"

#define STRATOS_MODULE_VERSION "0.1.0"

struct cgroup;
struct sk_buff;

/* registry.c: the per-cgroup policy registry, keyed by cgroup id. */

/* The policy an entry holds; copied out whole so readers need no lock. */
struct stratos_policy {
	u8 class;		/* enum stratos_class */
	u32 weight;		/* STRATOS_WEIGHT_MIN..STRATOS_WEIGHT_MAX */
};

/* A consistent copy of one entry, with a reference on its cgroup. */
struct stratos_entry_view {
	u64 id;
	struct cgroup *cgrp;
	struct stratos_policy policy;
};

/* Which policy fields a set request carries. */
struct stratos_policy_update {
	bool has_class;
	bool has_weight;
	struct stratos_policy policy;
};

int stratos_registry_init(void);
void stratos_registry_stop_tracking(void);
void stratos_registry_exit(void);

int stratos_registry_set(u64 id, const struct stratos_policy_update *upd,
			 bool may_create, struct stratos_entry_view *view);
int stratos_registry_del(u64 id);
int stratos_registry_lookup(u64 id, struct stratos_entry_view *view);
void stratos_entry_view_release(struct stratos_entry_view *view);
unsigned int stratos_registry_count(void);
unsigned int stratos_registry_generation(void);

/*
 * Dump cursor: a bucket and a position inside it. The registry may change
 * between calls; stratos_registry_generation() lets the dump flag that.
 */
struct stratos_registry_cursor {
	unsigned long bucket;
	unsigned long skip;
};

typedef int (*stratos_entry_fn)(const struct stratos_entry_view *view,
				void *arg);
int stratos_registry_walk(struct stratos_registry_cursor *cur,
			  stratos_entry_fn fn, void *arg);

extern unsigned int stratos_max_cgroups;

/* netlink.c: the generic netlink family. */
int stratos_netlink_init(void);
void stratos_netlink_exit(void);
void stratos_notify_entry(const struct stratos_entry_view *view);
void stratos_notify_del(u64 id, enum stratos_del_reason reason);
void *stratos_genlmsg_put(struct sk_buff *skb, u32 portid, u32 seq,
			  int flags, u8 cmd);
struct genl_info;
int stratos_reply(struct sk_buff *msg, struct genl_info *info, int ret);
struct sk_buff *stratos_event_new(u8 cmd, void **hdr);
void stratos_events_send(struct sk_buff *msg);
const char *stratos_cgroup_path(struct cgroup *cgrp, char *buf);
bool stratos_cgroup_visible(struct cgroup *cgrp);

/* features.c: what the running kernel offers. */
u64 stratos_features(void);

/* offline.c: the offline scheduling class (cpu.idle + SCHED_EXT). */
struct netlink_ext_ack;
int stratos_offline_init(void);
void stratos_offline_exit(void);
int stratos_offline_check(u64 id, struct netlink_ext_ack *extack);
int stratos_offline_sync(const struct stratos_entry_view *view);
void stratos_offline_forget(u64 id, bool removed);
struct task_struct;
extern unsigned int stratos_nr_offline;
bool __stratos_offline_task(struct task_struct *p);

/**
 * stratos_offline_task - does @p run in an offline subtree?
 * @p: a task
 *
 * For hot paths (vcore's sched_switch probe): no lock, and one load, inline,
 * when no cgroup is offline. The caller is in an RCU read-side section, or
 * has preemption disabled.
 */
static inline bool stratos_offline_task(struct task_struct *p)
{
	return READ_ONCE(stratos_nr_offline) && __stratos_offline_task(p);
}

/*
 * bt_yield.c: offline tasks pinned to a CPU that online work needs leave
 * SCHED_EXT for a while, on scx_bt's word.
 */
struct bpf_map;
extern struct bt_yield __rcu *stratos_bt_yield_req;
extern u64 stratos_bt_yield_seen;
void __stratos_bt_yield_kick(void);
bool stratos_bt_yielding(struct task_struct *p);
bool stratos_bt_yield_check(const struct bpf_map *map);
void stratos_bt_yield_attach(struct bpf_map *map);
void stratos_bt_yield_exit(void);
void stratos_offline_task_sync(struct task_struct *p);

/**
 * stratos_bt_yield_poll - act on new requests of scx_bt
 *
 * For vcore's sched_switch probe (preemption disabled): a load when scx_bt
 * has handed no map over, two otherwise. The work happens elsewhere.
 */
static inline void stratos_bt_yield_poll(void)
{
	struct bt_yield *y = rcu_dereference_sched(stratos_bt_yield_req);

	if (unlikely(y) && READ_ONCE(y->gen) != READ_ONCE(stratos_bt_yield_seen))
		__stratos_bt_yield_kick();
}

struct tracepoint;
int stratos_attach_tracepoint(const char *name, void *probe,
			      struct tracepoint **tpp);

/* vcore.c: what a CPU runs, as of its last context switch. */
bool stratos_cpu_runs_online(int cpu);
bool stratos_cpu_runs_offline(int cpu);

/* bt_place.c: online wakeups onto CPUs that run offline work. */
int stratos_bt_place_init(void);
void stratos_bt_place_exit(void);

/* scx_watch.c: STRATOS_CMD_SCHED_EVENT when a sched_ext scheduler comes or goes. */
int stratos_scx_watch_init(void);
void stratos_scx_watch_exit(void);

#endif /* _STRATOS_H */
