// SPDX-License-Identifier: GPL-2.0
/*
 * scx_bt's per-cgroup statistics over netlink (STRATOS_CMD_BT_STATS_*).
 *
 * scx_bt counts them in its BPF hash map bt_stats (sched_bt/scx_bt.h),
 * which only a map file descriptor or its pin in bpffs reaches: an agent
 * would need libbpf and the BPF filesystem to read them. So the loader
 * (stratosctl bt enable) hands the map to the module, STRATOS_CMD_BT_STATS_SET
 * with its fd, resolved in the requester's context; the module keeps a
 * reference and answers STRATOS_CMD_BT_STATS_GET from it. It lets go at
 * bt disable (fd -1), when another map replaces it, and at unload. After an
 * ejection the statistics of the run that ended stay readable: the map is
 * still pinned then anyway.
 *
 * Turning an fd into a map takes bpf_map_get(), which the kernel exports
 * in the BPF_INTERNAL namespace only; there is no other way for a module.
 * The map is checked to have the layout this module was built against.
 * Reads go through the map's own ops under RCU, as a BPF program's would,
 * and copy each value out: scx_bt updates the counters meanwhile, each a
 * u64 on its own, so a reply is a snapshot per counter, not per cgroup.
 */
#include <linux/bpf.h>
#include <linux/cgroup.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <net/genetlink.h>

#include "scx_bt.h"
#include "bt_stats.h"
#include "stratos.h"

/*
 * MODULE_IMPORT_NS(BPF_INTERNAL), spelt so that both 6.12 (bare names)
 * and 6.13+ (strings) read it.
 */
MODULE_INFO(import_ns, "BPF_INTERNAL");

static DEFINE_MUTEX(bt_map_lock);
static struct bpf_map *bt_map;	/* under bt_map_lock */

/*
 * Each command takes only its own attributes: a map handed to GET, or a
 * cgroup to SET, is a mistake that must not pass unnoticed. Attributes
 * past the last one a policy names are rejected by strict validation.
 */
const struct nla_policy stratos_bt_get_policy[STRATOS_A_BT_CGROUP_ID + 1] = {
	[STRATOS_A_BT_MAP_FD] = { .type = NLA_REJECT },
	[STRATOS_A_BT_CGROUP_ID] = NLA_POLICY_MIN(NLA_U64, 1),
};

/* Replies' attributes in between are not requests': rejected. */
const struct nla_policy stratos_bt_set_policy[STRATOS_A_BT_YIELD_FD + 1] = {
	[STRATOS_A_BT_MAP_FD] = NLA_POLICY_MIN(NLA_S32, -1),
	[STRATOS_A_BT_CGROUP_ID] = { .type = NLA_REJECT },
	[STRATOS_A_BT_CGROUP_PATH] = { .type = NLA_REJECT },
	[STRATOS_A_BT_RUNTIME_NS] = { .type = NLA_REJECT },
	[STRATOS_A_BT_PREEMPTED] = { .type = NLA_REJECT },
	[STRATOS_A_BT_EXPELLED] = { .type = NLA_REJECT },
	[STRATOS_A_BT_VACATED] = { .type = NLA_REJECT },
	[STRATOS_A_BT_MAX_WAIT_NS] = { .type = NLA_REJECT },
	[STRATOS_A_BT_RESCUED] = { .type = NLA_REJECT },
	[STRATOS_A_BT_PAD] = { .type = NLA_REJECT },
	[STRATOS_A_BT_YIELD_FD] = NLA_POLICY_MIN(NLA_S32, -1),
};

/* The map held, with a reference for the caller; NULL if none. */
static struct bpf_map *bt_map_hold(void)
{
	struct bpf_map *map;

	mutex_lock(&bt_map_lock);
	map = bt_map;
	if (map)
		bpf_map_inc(map);
	mutex_unlock(&bt_map_lock);
	return map;
}

static void bt_map_replace(struct bpf_map *map)
{
	struct bpf_map *old;

	mutex_lock(&bt_map_lock);
	old = bt_map;
	bt_map = map;
	mutex_unlock(&bt_map_lock);
	if (old)
		bpf_map_put(old);
}

static bool bt_map_is_stats(const struct bpf_map *map)
{
	/*
	 * Values are copied out whole to any user: none may hold a kernel
	 * object (a kptr, a lock, a timer), which a map of the same sizes
	 * handed over by mistake could.
	 */
	return map->map_type == BPF_MAP_TYPE_HASH &&
	       map->key_size == sizeof(u64) &&
	       map->value_size == sizeof(struct bt_cg_stats) &&
	       IS_ERR_OR_NULL(map->record);
}

/*
 * The map behind the fd in @attr, if @is_ours says it is the one meant;
 * NULL for fd -1; an ERR_PTR otherwise, *@not_ours telling a map of
 * another layout from a file descriptor of no map.
 */
static struct bpf_map *bt_map_from_attr(struct nlattr *attr,
					bool (*is_ours)(const struct bpf_map *),
					bool *not_ours)
{
	struct bpf_map *map;
	s32 fd = nla_get_s32(attr);

	*not_ours = false;
	if (fd < 0)
		return NULL;
	map = bpf_map_get(fd);
	if (IS_ERR(map))
		return map;
	if (!is_ours(map)) {
		bpf_map_put(map);
		*not_ours = true;
		return ERR_PTR(-EINVAL);
	}
	return map;
}

#define BT_NOT_A_MAP_MSG "not a BPF map fd of the requester"

int stratos_nl_bt_stats_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *attr = info->attrs[STRATOS_A_BT_MAP_FD];
	struct nlattr *yattr = info->attrs[STRATOS_A_BT_YIELD_FD];
	struct bpf_map *map, *ymap = NULL;
	bool not_ours;

	if (GENL_REQ_ATTR_CHECK(info, STRATOS_A_BT_MAP_FD))
		return -EINVAL;
	map = bt_map_from_attr(attr, bt_map_is_stats, &not_ours);
	if (IS_ERR(map)) {
		if (not_ours)
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "not scx_bt's bt_stats map (a hash of u64 cgroup id to struct bt_cg_stats)");
		else
			NL_SET_ERR_MSG_ATTR(info->extack, attr, BT_NOT_A_MAP_MSG);
		return PTR_ERR(map);
	}
	/* Without the statistics map, scx_bt is gone: no requests either. */
	if (map && yattr) {
		ymap = bt_map_from_attr(yattr, stratos_bt_yield_check,
					&not_ours);
		if (IS_ERR(ymap)) {
			if (not_ours)
				NL_SET_ERR_MSG_ATTR(info->extack, yattr,
						    "not scx_bt's bt_yield map (an array of one struct bt_yield)");
			else
				NL_SET_ERR_MSG_ATTR(info->extack, yattr,
						    BT_NOT_A_MAP_MSG);
			bpf_map_put(map);
			return PTR_ERR(ymap);
		}
	}
	bt_map_replace(map);
	stratos_bt_yield_attach(ymap);
	return 0;
}

/*
 * The entry after @prev (the first if @prev is NULL) into @id and @st.
 * Return: 0, -ENOENT at the end.
 */
static int bt_map_next(struct bpf_map *map, const u64 *prev, u64 *id,
		       struct bt_cg_stats *st)
{
	void *val;
	int ret;

	rcu_read_lock();
	for (;;) {
		ret = map->ops->map_get_next_key(map, (void *)prev, id);
		if (ret)
			break;
		val = map->ops->map_lookup_elem(map, id);
		if (val) {
			memcpy(st, val, sizeof(*st));
			break;
		}
		/* Deleted between the two calls: go on from it. */
		prev = id;
	}
	rcu_read_unlock();
	return ret;
}

static int bt_map_lookup(struct bpf_map *map, u64 id, struct bt_cg_stats *st)
{
	void *val;

	rcu_read_lock();
	val = map->ops->map_lookup_elem(map, &id);
	if (val)
		memcpy(st, val, sizeof(*st));
	rcu_read_unlock();
	return val ? 0 : -ENOENT;
}

/* The path of cgroup @id as the requester sees it, or NULL. */
static const char *bt_cgroup_path(u64 id, char *buf)
{
	struct cgroup *cgrp = cgroup_get_from_id(id);
	const char *path;

	if (IS_ERR(cgrp))
		return NULL;
	path = stratos_cgroup_path(cgrp, buf);
	cgroup_put(cgrp);
	return path;
}

static int bt_put_u64(struct sk_buff *skb, int type, u64 v)
{
	return nla_put_u64_64bit(skb, type, v, STRATOS_A_BT_PAD);
}

static int bt_fill(struct sk_buff *skb, u64 id, const struct bt_cg_stats *st,
		   char *buf, u32 portid, u32 seq, int flags,
		   struct netlink_callback *cb)
{
	const char *path = bt_cgroup_path(id, buf);
	void *hdr;

	hdr = stratos_genlmsg_put(skb, portid, seq, flags,
				  STRATOS_CMD_BT_STATS_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (bt_put_u64(skb, STRATOS_A_BT_CGROUP_ID, id) ||
	    (path && nla_put_string(skb, STRATOS_A_BT_CGROUP_PATH, path)) ||
	    bt_put_u64(skb, STRATOS_A_BT_RUNTIME_NS, st->runtime_ns) ||
	    bt_put_u64(skb, STRATOS_A_BT_PREEMPTED, st->preempted) ||
	    bt_put_u64(skb, STRATOS_A_BT_EXPELLED, st->expelled) ||
	    bt_put_u64(skb, STRATOS_A_BT_VACATED, st->vacated) ||
	    bt_put_u64(skb, STRATOS_A_BT_MAX_WAIT_NS, st->max_wait_ns) ||
	    bt_put_u64(skb, STRATOS_A_BT_RESCUED, st->rescued)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

#define BT_NO_MAP_MSG "no scx_bt statistics: scx_bt is not enabled (stratosctl bt enable)"

int stratos_nl_bt_stats_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *attr = info->attrs[STRATOS_A_BT_CGROUP_ID];
	struct bt_cg_stats st;
	struct sk_buff *msg;
	struct bpf_map *map;
	char *buf;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, STRATOS_A_BT_CGROUP_ID))
		return -EINVAL;
	map = bt_map_hold();
	if (!map) {
		NL_SET_ERR_MSG(info->extack, BT_NO_MAP_MSG);
		return -ENOENT;
	}
	ret = bt_map_lookup(map, nla_get_u64(attr), &st);
	bpf_map_put(map);
	if (ret) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "scx_bt has no statistics for this cgroup");
		return ret;
	}
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	buf = kmalloc(STRATOS_PATH_MAX, GFP_KERNEL);
	ret = bt_fill(msg, nla_get_u64(attr), &st, buf, info->snd_portid,
		      info->snd_seq, 0, NULL);
	kfree(buf);
	return stratos_reply(msg, info, ret);
}

/*
 * cb->args[0]: entries sent; cb->args[1]: the id of the last one, where
 * the next part goes on.
 */
int stratos_nl_bt_stats_dumpit(struct sk_buff *skb,
			       struct netlink_callback *cb)
{
	u64 prev = cb->args[1], id;
	struct bt_cg_stats st;
	struct bpf_map *map;
	int ret = 0;
	char *buf;

	/* Nothing handed over: nothing to list, as with no offline cgroup. */
	map = bt_map_hold();
	if (!map)
		return 0;
	/*
	 * scx_bt deletes the entry of a removed cgroup. If the one the last
	 * part ended with went, the walk starts over: the next message says
	 * so (NLM_F_DUMP_INTR), and the reader reads the table again.
	 */
	if (!cb->args[0])
		cb->seq = 1;
	else if (bt_map_lookup(map, prev, &st))
		cb->seq++;
	buf = kmalloc(STRATOS_PATH_MAX, GFP_KERNEL);
	while (!bt_map_next(map, cb->args[0] ? &prev : NULL, &id, &st)) {
		ret = bt_fill(skb, id, &st, buf, NETLINK_CB(cb->skb).portid,
			      cb->nlh->nlmsg_seq, NLM_F_MULTI, cb);
		if (ret)
			break;
		cb->args[0]++;
		cb->args[1] = id;
		prev = id;
	}
	kfree(buf);
	bpf_map_put(map);
	if (ret == -EMSGSIZE && skb->len)
		return skb->len;
	return ret;
}

void stratos_bt_stats_exit(void)
{
	bt_map_replace(NULL);
}
