/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bt_stats.c: scx_bt's per-cgroup statistics over netlink
 * (STRATOS_CMD_BT_STATS_*), for netlink.c's ops table and module exit.
 */
#ifndef _STRATOS_BT_STATS_H
#define _STRATOS_BT_STATS_H

#include <net/genetlink.h>
#include <linux/stratos.h>

extern const struct nla_policy stratos_bt_get_policy[STRATOS_A_BT_CGROUP_ID + 1];
extern const struct nla_policy stratos_bt_set_policy[STRATOS_A_BT_YIELD_FD + 1];
int stratos_nl_bt_stats_get_doit(struct sk_buff *skb, struct genl_info *info);
int stratos_nl_bt_stats_dumpit(struct sk_buff *skb,
			       struct netlink_callback *cb);
int stratos_nl_bt_stats_set_doit(struct sk_buff *skb, struct genl_info *info);
void stratos_bt_stats_exit(void);

#endif /* _STRATOS_BT_STATS_H */
