/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Virtual cores: per-CPU capacity factors and normalised CPU accounting.
 * See Documentation/vcore.rst for the model.
 */
#ifndef _STRATOS_VCORE_H
#define _STRATOS_VCORE_H

#include <linux/types.h>
#include <net/genetlink.h>
#include <linux/stratos.h>

struct cgroup;

/* A snapshot of one CPU, for replies. */
struct stratos_vcore_cpu_info {
	u32 factor_idle;
	u32 factor_busy;
	u32 default_idle;
	u32 default_busy;
	int sibling;		/* -1 without SMT */
	bool online;
	u64 busy_ns;
	u64 vcore_ns;
};

/* The node's reclaimable capacity; vcores in millionths. */
struct stratos_vcore_reclaim {
	u64 capacity;		/* every sibling busy */
	u64 online_now;		/* online use over the last second */
	u64 offline_now;	/* offline use over the last second */
	u64 online_window;	/* online use at the percentile, over the window */
	u64 reclaimable;	/* capacity - online_window, at least 0 */
	unsigned int samples;	/* seconds the window really covers */
};

int stratos_vcore_init(void);
void stratos_vcore_exit(void);

void stratos_vcore_cpu_info(unsigned int cpu,
			    struct stratos_vcore_cpu_info *info);
int stratos_vcore_set_factors(unsigned int cpu, u32 idle, u32 busy);
void stratos_vcore_reset_factors(unsigned int cpu);
int stratos_vcore_default_idle(unsigned int cpu);
u64 stratos_vcore_node_capacity(bool busy);
void stratos_vcore_node_time(u64 *all, u64 *offline);

/* vcore_reclaim.c: the once-a-second sampler of online and offline use. */
void stratos_vcore_reclaim_init(void);
void stratos_vcore_reclaim_exit(void);
int stratos_vcore_reclaim(unsigned int window, unsigned int pct,
			  struct stratos_vcore_reclaim *r);

int stratos_vcore_acct_add(u64 id);
int stratos_vcore_acct_del(u64 id);

/* A limit as read back; all 0 without one. */
struct stratos_vcore_limit_info {
	u32 limit;	/* millionths of a vcore */
	u32 quota;	/* the cpu.max quota last written, us per period */
	u32 writes;	/* cpu.max writes since the limit was first set */
};

int stratos_vcore_acct_read(u64 id, u64 *vcore_ns, u64 *cpu_ns,
			    struct stratos_vcore_limit_info *li,
			    struct cgroup **cgrp);
int stratos_vcore_acct_nth(unsigned int n, u64 *id);
unsigned int stratos_vcore_acct_generation(void);

/* vcore_limit.c: the cpu.max control loop of vcore limits. */
#define VCORE_LIMIT_PERIOD_US		100000
#define VCORE_LIMIT_MIN_QUOTA_US	1000

struct file;
struct stratos_vcore_limit;

struct file *stratos_vcore_open_cpu_max(const char *dir, u64 id,
					struct netlink_ext_ack *extack);
int stratos_vcore_limit_set(struct stratos_vcore_limit **limp, u32 limit,
			    struct file *f, u32 factor, u64 vcore, u64 cpu);
void stratos_vcore_limit_free(struct stratos_vcore_limit *lim, bool restore);
void stratos_vcore_limit_tick(struct stratos_vcore_limit *lim, u64 vcore,
			      u64 cpu);
void stratos_vcore_limit_get(const struct stratos_vcore_limit *lim,
			     struct stratos_vcore_limit_info *li);

int stratos_vcore_acct_limit(u64 id, u32 limit, struct file *f,
			     struct netlink_ext_ack *extack);

/* Called by the registry's cgroup_rmdir probe, interrupts off. */
void stratos_vcore_cgroup_rmdir(struct cgroup *cgrp);

/* vcore_nl.c: handlers and policies of the STRATOS_CMD_VCORE_* commands. */
extern const struct nla_policy
	stratos_vcore_cpu_get_policy[STRATOS_A_VCORE_CPU_CPU + 1];
extern const struct nla_policy
	stratos_vcore_cpu_set_policy[STRATOS_A_VCORE_CPU_FACTOR_BUSY + 1];
extern const struct nla_policy
	stratos_vcore_cgroup_policy[STRATOS_A_VCORE_CGROUP_ID + 1];
extern const struct nla_policy
	stratos_vcore_cgroup_set_policy[STRATOS_A_VCORE_CGROUP_DIR + 1];
extern const struct nla_policy
	stratos_vcore_node_policy[STRATOS_A_VCORE_NODE_PERCENTILE + 1];

int stratos_vcore_nl_cpu_get_doit(struct sk_buff *skb, struct genl_info *info);
int stratos_vcore_nl_cpu_get_dumpit(struct sk_buff *skb,
				    struct netlink_callback *cb);
int stratos_vcore_nl_cpu_set_doit(struct sk_buff *skb, struct genl_info *info);
int stratos_vcore_nl_cgroup_get_doit(struct sk_buff *skb,
				     struct genl_info *info);
int stratos_vcore_nl_cgroup_get_dumpit(struct sk_buff *skb,
				       struct netlink_callback *cb);
int stratos_vcore_nl_cgroup_set_doit(struct sk_buff *skb,
				     struct genl_info *info);
int stratos_vcore_nl_cgroup_del_doit(struct sk_buff *skb,
				     struct genl_info *info);
int stratos_vcore_nl_node_get_doit(struct sk_buff *skb,
				   struct genl_info *info);

#endif /* _STRATOS_VCORE_H */
