/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-cgroup page-cache limits: interfaces between pagecache.c (the
 * mechanism), pagecache_nl.c (its netlink commands) and the rest of
 * stratos.ko. See Documentation/pagecache.rst.
 */
#ifndef _STRATOS_PAGECACHE_H
#define _STRATOS_PAGECACHE_H

#include <linux/types.h>
#include <net/genetlink.h>
#include <linux/stratos.h>

struct cgroup;
struct cgroup_subsys_state;
struct netlink_ext_ack;
struct file;
struct genl_info;
struct netlink_callback;
struct sk_buff;

/* A copy of one limit and its statistics, all sizes in bytes. */
struct stratos_pc_view {
	u64 id;
	struct cgroup *cgrp;	/* referenced; see stratos_pc_view_release() */
	u64 limit;
	u64 margin;
	u8 mode;		/* enum stratos_pagecache_mode */
	u64 current_bytes;
	u64 peak;
	u64 reclaimed;
	u64 throttled_ns;
	u64 passes;
	u64 throttles;
	u64 refaulted;		/* bytes, as of the last reclaim pass */
};

/* What a set request asks for; has_* say which fields it carries. */
struct stratos_pc_update {
	bool has_limit;
	bool has_margin;
	bool has_mode;
	u64 limit;
	u64 margin;
	u8 mode;
};

/* pagecache.c */
int stratos_pagecache_init(void);
void stratos_pagecache_exit(void);
void stratos_pagecache_cgroup_removed(struct cgroup *cgrp);

/* The cgroup of a set request; css and files only for a new limit. */
struct stratos_pc_new {
	u64 id;
	struct cgroup_subsys_state *css;
	struct file *stat;
	struct file *reclaim;
};

int stratos_pc_set(const struct stratos_pc_new *nw,
		   const struct stratos_pc_update *upd,
		   struct netlink_ext_ack *extack);
int stratos_pc_del(u64 id);
bool stratos_pc_exists(u64 id);
int stratos_pc_lookup(u64 id, struct stratos_pc_view *view);
int stratos_pc_nth(unsigned int n, struct stratos_pc_view *view);
unsigned int stratos_pc_generation(void);
void stratos_pc_view_release(struct stratos_pc_view *view);

/* pagecache_nl.c */
int stratos_nl_pagecache_get_doit(struct sk_buff *skb, struct genl_info *info);
int stratos_nl_pagecache_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb);
int stratos_nl_pagecache_set_doit(struct sk_buff *skb, struct genl_info *info);
int stratos_nl_pagecache_del_doit(struct sk_buff *skb, struct genl_info *info);
void stratos_pc_notify_throttled(u64 id, u64 limit, u64 current_bytes,
				 u64 throttled_ns);

extern const struct nla_policy
stratos_pagecache_id_policy[STRATOS_A_PAGECACHE_ID + 1];
extern const struct nla_policy
stratos_pagecache_set_policy[STRATOS_A_PAGECACHE_MODE + 1];

#endif /* _STRATOS_PAGECACHE_H */
