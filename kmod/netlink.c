// SPDX-License-Identifier: GPL-2.0
/*
 * The "stratos" generic netlink family: the module's whole user API. The
 * commands and attributes are documented in include/uapi/linux/stratos.h
 * and Documentation/netlink/specs/stratos.yaml.
 *
 * Every command has its own policy and is validated strictly, so unknown
 * attributes, attributes meant for replies and out-of-range values are
 * rejected with an extended ack before a handler runs. Handlers are
 * serialised by genl_mutex (the family is not parallel_ops); the registry
 * has its own lock for the cgroup removal probe.
 */
#include <linux/cgroup.h>
#include <linux/cpumask.h>
#include <linux/nsproxy.h>
#include <linux/slab.h>
#include <linux/utsname.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>

#include "bt_stats.h"
#include "stratos.h"
#include "pagecache.h"
#include "vcore.h"

static struct genl_family stratos_family;

enum stratos_mcgrp {
	STRATOS_MCGRP_EVENTS,
};

/*
 * Events name cgroups of every tenant, with no regard to the listener's
 * cgroup namespace (a notification goes to all listeners at once): only
 * CAP_NET_ADMIN in the initial user namespace may listen.
 */
static const struct genl_multicast_group stratos_mcgrps[] = {
	[STRATOS_MCGRP_EVENTS] = { .name = STRATOS_GENL_MCGRP_EVENTS,
				   .flags = GENL_MCAST_CAP_NET_ADMIN },
};

/* GET_INFO takes no attributes: every entry is NLA_UNSPEC, so all reject. */
static const struct nla_policy stratos_info_policy[STRATOS_A_INFO_MAX + 1] = {};

static const struct nla_policy stratos_cgroup_id_policy[STRATOS_A_CGROUP_ID + 1] = {
	[STRATOS_A_CGROUP_ID] = NLA_POLICY_MIN(NLA_U64, 1),
};

static const struct nla_policy stratos_cgroup_set_policy[STRATOS_A_CGROUP_FLAGS + 1] = {
	[STRATOS_A_CGROUP_ID] = NLA_POLICY_MIN(NLA_U64, 1),
	[STRATOS_A_CGROUP_CLASS] = NLA_POLICY_MAX(NLA_U8, STRATOS_CLASS_MAX),
	[STRATOS_A_CGROUP_WEIGHT] = NLA_POLICY_RANGE(NLA_U32, STRATOS_WEIGHT_MIN,
						     STRATOS_WEIGHT_MAX),
	[STRATOS_A_CGROUP_FLAGS] = NLA_POLICY_MASK(NLA_U32,
						   __STRATOS_CGROUP_F_ALL),
};

static int stratos_info_fill(struct sk_buff *skb, const struct genl_info *info)
{
	void *hdr;

	hdr = genlmsg_iput(skb, info);
	if (!hdr)
		return -EMSGSIZE;

	if (nla_put_string(skb, STRATOS_A_INFO_MODULE_VERSION,
			   STRATOS_MODULE_VERSION) ||
	    nla_put_u32(skb, STRATOS_A_INFO_API_VERSION, STRATOS_GENL_VERSION) ||
	    nla_put_string(skb, STRATOS_A_INFO_KERNEL_RELEASE,
			   init_utsname()->release) ||
	    nla_put_u64_64bit(skb, STRATOS_A_INFO_FEATURES, stratos_features(),
			      STRATOS_A_INFO_PAD) ||
	    nla_put_u32(skb, STRATOS_A_INFO_CGROUPS, stratos_registry_count()) ||
	    nla_put_u32(skb, STRATOS_A_INFO_MAX_CGROUPS,
			READ_ONCE(stratos_max_cgroups)) ||
	    nla_put_u32(skb, STRATOS_A_INFO_NR_CPUS, num_possible_cpus())) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int stratos_nl_get_info_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	int ret;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	ret = stratos_info_fill(msg, info);
	return stratos_reply(msg, info, ret);
}

/*
 * Whether the requester (the sender of a request, or the task reading a
 * dump) sees @cgrp: it lies in the subtree its cgroup namespace is rooted
 * at. The tables hold the cgroups of every tenant; a process in a
 * container's cgroup namespace must not read the paths, CPU time or
 * page-cache use of the others. The initial namespace sees them all.
 */
bool stratos_cgroup_visible(struct cgroup *cgrp)
{
	struct cgroup *root = current->nsproxy->cgroup_ns->root_cset->dfl_cgrp;

	return cgrp && cgroup_is_descendant(cgrp, root);
}

/*
 * The path of @cgrp as the requester sees it, in @buf (STRATOS_PATH_MAX
 * bytes, or NULL after a failed allocation); NULL if it does not fit (the
 * id still identifies the cgroup). Shared by every family's replies.
 */
const char *stratos_cgroup_path(struct cgroup *cgrp, char *buf)
{
	int len;

	if (!buf)
		return NULL;
	len = cgroup_path_ns(cgrp, buf, STRATOS_PATH_MAX,
			     current->nsproxy->cgroup_ns);
	if (len < 0 || len >= STRATOS_PATH_MAX)
		return NULL;
	return buf;
}

/* Room for the largest entry message: the path dominates. */
#define STRATOS_CGROUP_MSG_SIZE						\
	(GENL_HDRLEN + nla_total_size_64bit(sizeof(u64)) +		\
	 nla_total_size(STRATOS_PATH_MAX) + nla_total_size(sizeof(u8)) + \
	 nla_total_size(sizeof(u32)))

/*
 * One entry as a message; shared by replies, dumps and notifications. @cb
 * is the dump's callback, so a part built after the registry changed is
 * flagged NLM_F_DUMP_INTR; NULL outside dumps.
 */
static int stratos_cgroup_fill(struct sk_buff *skb,
			       const struct stratos_entry_view *view,
			       const char *path, u32 portid, u32 seq,
			       int flags, u8 cmd, struct netlink_callback *cb)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &stratos_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);

	if (nla_put_u64_64bit(skb, STRATOS_A_CGROUP_ID, view->id,
			      STRATOS_A_CGROUP_PAD) ||
	    (path && nla_put_string(skb, STRATOS_A_CGROUP_PATH, path)) ||
	    nla_put_u8(skb, STRATOS_A_CGROUP_CLASS, view->policy.class) ||
	    nla_put_u32(skb, STRATOS_A_CGROUP_WEIGHT, view->policy.weight)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int stratos_cgroup_reply(struct genl_info *info,
				const struct stratos_entry_view *view)
{
	struct sk_buff *msg;
	char *buf;
	int ret;

	msg = genlmsg_new(STRATOS_CGROUP_MSG_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	/* A reply without the path beats no reply when memory is short. */
	buf = kmalloc(STRATOS_PATH_MAX, GFP_KERNEL);
	ret = stratos_cgroup_fill(msg, view,
				  stratos_cgroup_path(view->cgrp, buf),
				  info->snd_portid, info->snd_seq, 0,
				  info->genlhdr->cmd, NULL);
	kfree(buf);
	return stratos_reply(msg, info, ret);
}

static int stratos_nl_cgroup_get_doit(struct sk_buff *skb,
				      struct genl_info *info)
{
	struct stratos_entry_view view = {};
	struct nlattr *id_attr;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, STRATOS_A_CGROUP_ID))
		return -EINVAL;
	id_attr = info->attrs[STRATOS_A_CGROUP_ID];

	ret = stratos_registry_lookup(nla_get_u64(id_attr), &view);
	/* Out of the requester's view: as if it had none. */
	if (!ret && !stratos_cgroup_visible(view.cgrp)) {
		stratos_entry_view_release(&view);
		ret = -ENOENT;
	}
	if (ret) {
		NL_SET_ERR_MSG_ATTR(info->extack, id_attr,
				    "cgroup has no stratos entry");
		return ret;
	}
	ret = stratos_cgroup_reply(info, &view);
	stratos_entry_view_release(&view);
	return ret;
}

struct stratos_dump_ctx {
	struct stratos_registry_cursor cur;
	char *path_buf;
};

struct stratos_dump_arg {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	char *path_buf;
};

static_assert(sizeof(struct stratos_dump_ctx) <=
	      sizeof_field(struct netlink_callback, ctx));

static struct stratos_dump_ctx *stratos_dump_ctx(struct netlink_callback *cb)
{
	return (struct stratos_dump_ctx *)cb->ctx;
}

static int stratos_nl_cgroup_dump_start(struct netlink_callback *cb)
{
	const struct genl_info *info = genl_info_dump(cb);
	struct stratos_dump_ctx *ctx = stratos_dump_ctx(cb);

	if (info->attrs && info->attrs[STRATOS_A_CGROUP_ID]) {
		NL_SET_ERR_MSG_ATTR(cb->extack, info->attrs[STRATOS_A_CGROUP_ID],
				    "a dump takes no cgroup id; drop NLM_F_DUMP to get one entry");
		return -EINVAL;
	}
	/* Every part must fit at least one entry with the longest path. */
	cb->min_dump_alloc = nlmsg_total_size(STRATOS_CGROUP_MSG_SIZE);
	ctx->path_buf = kmalloc(STRATOS_PATH_MAX, GFP_KERNEL);
	return ctx->path_buf ? 0 : -ENOMEM;
}

static int stratos_nl_cgroup_dump_one(const struct stratos_entry_view *view,
				      void *data)
{
	struct stratos_dump_arg *arg = data;
	struct netlink_callback *cb = arg->cb;

	if (!stratos_cgroup_visible(view->cgrp))
		return 0;
	return stratos_cgroup_fill(arg->skb, view,
				   stratos_cgroup_path(view->cgrp, arg->path_buf),
				   NETLINK_CB(cb->skb).portid,
				   cb->nlh->nlmsg_seq, NLM_F_MULTI,
				   STRATOS_CMD_CGROUP_GET, cb);
}

static int stratos_nl_cgroup_dumpit(struct sk_buff *skb,
				    struct netlink_callback *cb)
{
	struct stratos_dump_ctx *ctx = stratos_dump_ctx(cb);
	struct stratos_dump_arg arg = {
		.skb = skb,
		.cb = cb,
		.path_buf = ctx->path_buf,
	};
	int ret;

	/*
	 * genl_dump_check_consistent() compares this with the previous part's
	 * and flags the part NLM_F_DUMP_INTR if they differ.
	 */
	cb->seq = stratos_registry_generation();
	ret = stratos_registry_walk(&ctx->cur, stratos_nl_cgroup_dump_one, &arg);
	/*
	 * The walk drops the lock between entries. A change during it is
	 * seen by the next part's messages, or by the check on NLMSG_DONE
	 * for the last part, only if cb->seq is read again now.
	 */
	cb->seq = stratos_registry_generation();
	if (ret == -EMSGSIZE && skb->len)
		return skb->len;	/* the rest goes in the next part */
	return ret;
}

static int stratos_nl_cgroup_dump_done(struct netlink_callback *cb)
{
	kfree(stratos_dump_ctx(cb)->path_buf);
	return 0;
}

/*
 * Put entry @id back as it was before a set whose class could not be
 * applied (@old: its policy then, NULL if it had no entry), so that GET
 * and the listeners never see a class its cgroup does not have. Requests
 * are serialised; the cgroup's removal may have taken the entry already.
 */
static void stratos_cgroup_set_undo(u64 id, const struct stratos_policy *old)
{
	struct stratos_policy_update upd = {
		.has_class = true,
		.has_weight = true,
	};
	struct stratos_entry_view view = {};

	if (!old) {
		stratos_registry_del(id);
		return;
	}
	upd.policy = *old;
	if (!stratos_registry_set(id, &upd, false, &view))
		stratos_entry_view_release(&view);
}

static int stratos_nl_cgroup_set_doit(struct sk_buff *skb,
				      struct genl_info *info)
{
	struct stratos_policy_update upd = {};
	struct stratos_entry_view view = {};
	struct nlattr **attrs = info->attrs;
	struct stratos_policy old;
	bool existed;
	u32 flags = 0;
	u64 id;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, STRATOS_A_CGROUP_ID))
		return -EINVAL;

	if (attrs[STRATOS_A_CGROUP_CLASS]) {
		upd.has_class = true;
		upd.policy.class = nla_get_u8(attrs[STRATOS_A_CGROUP_CLASS]);
	}
	if (attrs[STRATOS_A_CGROUP_WEIGHT]) {
		upd.has_weight = true;
		upd.policy.weight = nla_get_u32(attrs[STRATOS_A_CGROUP_WEIGHT]);
	}
	if (attrs[STRATOS_A_CGROUP_FLAGS])
		flags = nla_get_u32(attrs[STRATOS_A_CGROUP_FLAGS]);

	/* An unknown id is reported by the registry below. */
	if (upd.has_class && upd.policy.class == STRATOS_CLASS_OFFLINE) {
		ret = stratos_offline_check(nla_get_u64(attrs[STRATOS_A_CGROUP_ID]),
					    info->extack);
		if (ret && ret != -ENOENT)
			return ret;
	}

	id = nla_get_u64(attrs[STRATOS_A_CGROUP_ID]);
	existed = !stratos_registry_lookup(id, &view);
	if (existed) {
		old = view.policy;
		stratos_entry_view_release(&view);
	}
	ret = stratos_registry_set(id, &upd,
				   !(flags & STRATOS_CGROUP_F_NO_CREATE),
				   &view);
	switch (ret) {
	case 0:
		break;
	case -ENOENT:
		if (flags & STRATOS_CGROUP_F_NO_CREATE)
			NL_SET_ERR_MSG_ATTR(info->extack,
					    attrs[STRATOS_A_CGROUP_ID],
					    "cgroup has no stratos entry");
		else
			NL_SET_ERR_MSG_ATTR(info->extack,
					    attrs[STRATOS_A_CGROUP_ID],
					    "no live cgroup v2 directory has this id");
		return ret;
	case -ENOSPC:
		NL_SET_ERR_MSG_FMT(info->extack,
				   "registry full: %u entries (raise max_cgroups)",
				   READ_ONCE(stratos_max_cgroups));
		return ret;
	default:
		return ret;
	}

	ret = stratos_offline_sync(&view);
	if (ret) {
		NL_SET_ERR_MSG_FMT(info->extack,
				   "cpu.idle write failed (%d): the entry is left as it was",
				   ret);
		stratos_cgroup_set_undo(id, existed ? &old : NULL);
	} else {
		stratos_notify_entry(&view);
	}
	stratos_entry_view_release(&view);
	return ret;
}

static int stratos_nl_cgroup_del_doit(struct sk_buff *skb,
				      struct genl_info *info)
{
	struct nlattr *id_attr;
	u64 id;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, STRATOS_A_CGROUP_ID))
		return -EINVAL;
	id_attr = info->attrs[STRATOS_A_CGROUP_ID];
	id = nla_get_u64(id_attr);

	ret = stratos_registry_del(id);
	if (ret) {
		NL_SET_ERR_MSG_ATTR(info->extack, id_attr,
				    "cgroup has no stratos entry");
		return ret;
	}
	stratos_offline_forget(id, false);
	stratos_notify_del(id, STRATOS_DEL_REQUESTED);
	return 0;
}

static bool stratos_has_listeners(void)
{
	return genl_has_listeners(&stratos_family, &init_net,
				  STRATOS_MCGRP_EVENTS);
}

static void stratos_multicast(struct sk_buff *msg)
{
	genlmsg_multicast_netns(&stratos_family, &init_net, msg, 0,
				STRATOS_MCGRP_EVENTS, GFP_KERNEL);
}

/* For the feature files: messages of the family and its "events" group. */
void *stratos_genlmsg_put(struct sk_buff *skb, u32 portid, u32 seq,
			  int flags, u8 cmd)
{
	return genlmsg_put(skb, portid, seq, &stratos_family, flags, cmd);
}

/**
 * stratos_reply - send @msg as the reply to @info, or drop it
 * @msg: the reply
 * @info: the request
 * @ret: the result of filling @msg; on error @msg is freed
 *
 * Return: @ret, or what sending the reply returned.
 */
int stratos_reply(struct sk_buff *msg, struct genl_info *info, int ret)
{
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

/**
 * stratos_event_new - start a notification for the "events" group
 * @cmd: its command
 * @hdr: where its genetlink header is returned
 *
 * Notifications are best effort: nothing is built when nobody listens.
 *
 * Return: the message, or NULL if nobody listens or memory is short.
 */
struct sk_buff *stratos_event_new(u8 cmd, void **hdr)
{
	struct sk_buff *msg;

	if (!stratos_has_listeners())
		return NULL;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return NULL;
	*hdr = stratos_genlmsg_put(msg, 0, 0, 0, cmd);
	if (!*hdr) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

void stratos_events_send(struct sk_buff *msg)
{
	stratos_multicast(msg);
}

/* Notifications carry no path: listeners may sit in any cgroup namespace. */
void stratos_notify_entry(const struct stratos_entry_view *view)
{
	struct sk_buff *msg;

	if (!stratos_has_listeners())
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	if (stratos_cgroup_fill(msg, view, NULL, 0, 0, 0,
				STRATOS_CMD_CGROUP_SET, NULL)) {
		nlmsg_free(msg);
		return;
	}
	stratos_multicast(msg);
}

void stratos_notify_del(u64 id, enum stratos_del_reason reason)
{
	struct sk_buff *msg;
	void *hdr;

	if (!stratos_has_listeners())
		return;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &stratos_family, 0, STRATOS_CMD_CGROUP_DEL);
	if (!hdr ||
	    nla_put_u64_64bit(msg, STRATOS_A_CGROUP_ID, id,
			      STRATOS_A_CGROUP_PAD) ||
	    nla_put_u8(msg, STRATOS_A_CGROUP_REASON, reason)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	stratos_multicast(msg);
}

static const struct genl_ops stratos_ops[] = {
	{
		.cmd = STRATOS_CMD_GET_INFO,
		.doit = stratos_nl_get_info_doit,
		.policy = stratos_info_policy,
		.maxattr = ARRAY_SIZE(stratos_info_policy) - 1,
	},
	{
		.cmd = STRATOS_CMD_CGROUP_GET,
		.doit = stratos_nl_cgroup_get_doit,
		.start = stratos_nl_cgroup_dump_start,
		.dumpit = stratos_nl_cgroup_dumpit,
		.done = stratos_nl_cgroup_dump_done,
		.policy = stratos_cgroup_id_policy,
		.maxattr = ARRAY_SIZE(stratos_cgroup_id_policy) - 1,
	},
	{
		.cmd = STRATOS_CMD_CGROUP_SET,
		.doit = stratos_nl_cgroup_set_doit,
		.policy = stratos_cgroup_set_policy,
		.maxattr = ARRAY_SIZE(stratos_cgroup_set_policy) - 1,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = STRATOS_CMD_CGROUP_DEL,
		.doit = stratos_nl_cgroup_del_doit,
		.policy = stratos_cgroup_id_policy,
		.maxattr = ARRAY_SIZE(stratos_cgroup_id_policy) - 1,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = STRATOS_CMD_VCORE_CPU_GET,
		.doit = stratos_vcore_nl_cpu_get_doit,
		.dumpit = stratos_vcore_nl_cpu_get_dumpit,
		.policy = stratos_vcore_cpu_get_policy,
		.maxattr = STRATOS_A_VCORE_CPU_CPU,
	},
	{
		.cmd = STRATOS_CMD_VCORE_CPU_SET,
		.doit = stratos_vcore_nl_cpu_set_doit,
		.policy = stratos_vcore_cpu_set_policy,
		.maxattr = STRATOS_A_VCORE_CPU_FACTOR_BUSY,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = STRATOS_CMD_VCORE_CGROUP_GET,
		.doit = stratos_vcore_nl_cgroup_get_doit,
		.dumpit = stratos_vcore_nl_cgroup_get_dumpit,
		.policy = stratos_vcore_cgroup_policy,
		.maxattr = STRATOS_A_VCORE_CGROUP_ID,
	},
	{
		.cmd = STRATOS_CMD_VCORE_CGROUP_SET,
		.doit = stratos_vcore_nl_cgroup_set_doit,
		.policy = stratos_vcore_cgroup_set_policy,
		.maxattr = STRATOS_A_VCORE_CGROUP_DIR,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = STRATOS_CMD_VCORE_CGROUP_DEL,
		.doit = stratos_vcore_nl_cgroup_del_doit,
		.policy = stratos_vcore_cgroup_policy,
		.maxattr = STRATOS_A_VCORE_CGROUP_ID,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = STRATOS_CMD_VCORE_NODE_GET,
		.doit = stratos_vcore_nl_node_get_doit,
		.policy = stratos_vcore_node_policy,
		.maxattr = STRATOS_A_VCORE_NODE_PERCENTILE,
	},
	{
		.cmd = STRATOS_CMD_PAGECACHE_GET,
		.doit = stratos_nl_pagecache_get_doit,
		.dumpit = stratos_nl_pagecache_dumpit,
		.policy = stratos_pagecache_id_policy,
		.maxattr = ARRAY_SIZE(stratos_pagecache_id_policy) - 1,
	},
	{
		.cmd = STRATOS_CMD_PAGECACHE_SET,
		.doit = stratos_nl_pagecache_set_doit,
		.policy = stratos_pagecache_set_policy,
		.maxattr = ARRAY_SIZE(stratos_pagecache_set_policy) - 1,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = STRATOS_CMD_PAGECACHE_DEL,
		.doit = stratos_nl_pagecache_del_doit,
		.policy = stratos_pagecache_id_policy,
		.maxattr = ARRAY_SIZE(stratos_pagecache_id_policy) - 1,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = STRATOS_CMD_BT_STATS_GET,
		.doit = stratos_nl_bt_stats_get_doit,
		.dumpit = stratos_nl_bt_stats_dumpit,
		.policy = stratos_bt_get_policy,
		.maxattr = ARRAY_SIZE(stratos_bt_get_policy) - 1,
	},
	{
		.cmd = STRATOS_CMD_BT_STATS_SET,
		.doit = stratos_nl_bt_stats_set_doit,
		.policy = stratos_bt_set_policy,
		.maxattr = ARRAY_SIZE(stratos_bt_set_policy) - 1,
		.flags = GENL_ADMIN_PERM,
	},
};

static struct genl_family stratos_family __ro_after_init = {
	.name = STRATOS_GENL_NAME,
	.version = STRATOS_GENL_VERSION,
	.module = THIS_MODULE,
	.ops = stratos_ops,
	.n_ops = ARRAY_SIZE(stratos_ops),
	.mcgrps = stratos_mcgrps,
	.n_mcgrps = ARRAY_SIZE(stratos_mcgrps),
	/*
	 * The registry is node-wide state: only the initial network namespace
	 * sees the family, so a container with its own network namespace
	 * cannot even read it.
	 */
	.netnsok = false,
};

int stratos_netlink_init(void)
{
	return genl_register_family(&stratos_family);
}

void stratos_netlink_exit(void)
{
	genl_unregister_family(&stratos_family);
}
