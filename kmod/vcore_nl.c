// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink handlers of the virtual-core commands (STRATOS_CMD_VCORE_*); the
 * ops entries themselves sit in netlink.c's table, the policies here.
 */
#include <linux/cgroup.h>
#include <linux/cpumask.h>
#include <linux/nsproxy.h>
#include <linux/slab.h>
#include <linux/stringify.h>
#include <net/genetlink.h>

#include "stratos.h"
#include "vcore.h"

const struct nla_policy
stratos_vcore_cpu_get_policy[STRATOS_A_VCORE_CPU_CPU + 1] = {
	[STRATOS_A_VCORE_CPU_CPU] = { .type = NLA_U32 },
};

/* Beyond the s16 bounds NLA_POLICY_RANGE() holds. */
static const struct netlink_range_validation vcore_factor_range = {
	.min = STRATOS_VCORE_FACTOR_MIN,
	.max = STRATOS_VCORE_FACTOR_MAX,
};

const struct nla_policy
stratos_vcore_cpu_set_policy[STRATOS_A_VCORE_CPU_FACTOR_BUSY + 1] = {
	[STRATOS_A_VCORE_CPU_CPU] = { .type = NLA_U32 },
	[STRATOS_A_VCORE_CPU_FACTOR_IDLE] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &vcore_factor_range),
	[STRATOS_A_VCORE_CPU_FACTOR_BUSY] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &vcore_factor_range),
};

const struct nla_policy
stratos_vcore_cgroup_policy[STRATOS_A_VCORE_CGROUP_ID + 1] = {
	[STRATOS_A_VCORE_CGROUP_ID] = NLA_POLICY_MIN(NLA_U64, 1),
};

static const struct netlink_range_validation vcore_limit_range = {
	.min = 0,
	.max = STRATOS_VCORE_LIMIT_MAX,
};

const struct nla_policy
stratos_vcore_cgroup_set_policy[STRATOS_A_VCORE_CGROUP_DIR + 1] = {
	[STRATOS_A_VCORE_CGROUP_ID] = NLA_POLICY_MIN(NLA_U64, 1),
	[STRATOS_A_VCORE_CGROUP_LIMIT] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &vcore_limit_range),
	[STRATOS_A_VCORE_CGROUP_DIR] = { .type = NLA_NUL_STRING,
					 .len = STRATOS_PATH_MAX - 1 },
};

const struct nla_policy
stratos_vcore_node_policy[STRATOS_A_VCORE_NODE_PERCENTILE + 1] = {
	[STRATOS_A_VCORE_NODE_WINDOW] =
		NLA_POLICY_RANGE(NLA_U32, 1, STRATOS_VCORE_WINDOW_MAX),
	[STRATOS_A_VCORE_NODE_PERCENTILE] = NLA_POLICY_RANGE(NLA_U32, 1, 100),
};

/* One CPU as a message; shared by the reply and the dump. */
static int vcore_cpu_fill(struct sk_buff *skb, unsigned int cpu, void *hdr)
{
	struct stratos_vcore_cpu_info in;

	if (!hdr)
		return -EMSGSIZE;
	stratos_vcore_cpu_info(cpu, &in);
	if (nla_put_u32(skb, STRATOS_A_VCORE_CPU_CPU, cpu) ||
	    nla_put_u8(skb, STRATOS_A_VCORE_CPU_ONLINE, in.online) ||
	    nla_put_u32(skb, STRATOS_A_VCORE_CPU_FACTOR_IDLE, in.factor_idle) ||
	    nla_put_u32(skb, STRATOS_A_VCORE_CPU_FACTOR_BUSY, in.factor_busy) ||
	    nla_put_u32(skb, STRATOS_A_VCORE_CPU_DEFAULT_IDLE,
			in.default_idle) ||
	    nla_put_u32(skb, STRATOS_A_VCORE_CPU_DEFAULT_BUSY,
			in.default_busy) ||
	    (in.sibling >= 0 &&
	     nla_put_u32(skb, STRATOS_A_VCORE_CPU_SIBLING, in.sibling)) ||
	    nla_put_u64_64bit(skb, STRATOS_A_VCORE_CPU_BUSY_NS, in.busy_ns,
			      STRATOS_A_VCORE_CPU_PAD) ||
	    nla_put_u64_64bit(skb, STRATOS_A_VCORE_CPU_VCORE_NS, in.vcore_ns,
			      STRATOS_A_VCORE_CPU_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* The CPU an attribute names, if the kernel can have it. */
static int vcore_cpu_attr(struct genl_info *info, unsigned int *cpu)
{
	struct nlattr *attr;

	if (GENL_REQ_ATTR_CHECK(info, STRATOS_A_VCORE_CPU_CPU))
		return -EINVAL;
	attr = info->attrs[STRATOS_A_VCORE_CPU_CPU];
	*cpu = nla_get_u32(attr);
	if (*cpu >= nr_cpu_ids || !cpu_possible(*cpu)) {
		NL_SET_ERR_MSG_ATTR_FMT(info->extack, attr,
					"no CPU %u on this machine (CPUs 0-%u are possible)",
					*cpu, nr_cpu_ids - 1);
		return -ENODEV;
	}
	return 0;
}

int stratos_vcore_nl_cpu_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	unsigned int cpu;
	int ret;

	ret = vcore_cpu_attr(info, &cpu);
	if (ret)
		return ret;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	ret = vcore_cpu_fill(msg, cpu, genlmsg_iput(msg, info));
	return stratos_reply(msg, info, ret);
}

/* cb->args[0]: the next CPU to send. */
int stratos_vcore_nl_cpu_get_dumpit(struct sk_buff *skb,
				    struct netlink_callback *cb)
{
	const struct genl_info *info = genl_info_dump(cb);
	unsigned int cpu;
	void *hdr;

	for (cpu = cb->args[0]; cpu < nr_cpu_ids; cpu++) {
		if (!cpu_possible(cpu))
			continue;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, info->family,
				  NLM_F_MULTI, STRATOS_CMD_VCORE_CPU_GET);
		if (vcore_cpu_fill(skb, cpu, hdr))
			break;
	}
	cb->args[0] = cpu;
	return skb->len;
}

int stratos_vcore_nl_cpu_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *a_idle = info->attrs[STRATOS_A_VCORE_CPU_FACTOR_IDLE];
	struct nlattr *a_busy = info->attrs[STRATOS_A_VCORE_CPU_FACTOR_BUSY];
	struct stratos_vcore_cpu_info cur;
	unsigned int cpu;
	u32 idle, busy;
	int ret;

	ret = vcore_cpu_attr(info, &cpu);
	if (ret)
		return ret;
	if (!cpu_online(cpu)) {
		NL_SET_ERR_MSG_ATTR_FMT(info->extack,
					info->attrs[STRATOS_A_VCORE_CPU_CPU],
					"CPU %u is offline: bring it online first",
					cpu);
		return -ENODEV;
	}
	if (!a_idle && !a_busy) {
		stratos_vcore_reset_factors(cpu);
		return 0;
	}

	/* A factor left out keeps its value. */
	stratos_vcore_cpu_info(cpu, &cur);
	idle = a_idle ? nla_get_u32(a_idle) : cur.factor_idle;
	busy = a_busy ? nla_get_u32(a_busy) : cur.factor_busy;
	ret = stratos_vcore_set_factors(cpu, idle, busy);
	if (ret == -ERANGE)
		NL_SET_ERR_MSG_ATTR_FMT(info->extack, a_busy ?: a_idle,
					"busy-sibling factor %u above idle factor %u",
					busy, idle);
	return ret;
}

static int vcore_put_limit(struct sk_buff *skb,
			   const struct stratos_vcore_limit_info *li)
{
	return nla_put_u32(skb, STRATOS_A_VCORE_CGROUP_LIMIT, li->limit) ||
	       nla_put_u32(skb, STRATOS_A_VCORE_CGROUP_QUOTA, li->quota) ||
	       nla_put_u32(skb, STRATOS_A_VCORE_CGROUP_QUOTA_WRITES,
			   li->writes);
}

static int vcore_cgroup_fill(struct sk_buff *skb, u64 id, void *hdr)
{
	struct stratos_vcore_limit_info li;
	struct cgroup *cgrp;
	u64 vcore, cpu;
	char *buf;
	int ret;

	if (!hdr)
		return -EMSGSIZE;
	ret = stratos_vcore_acct_read(id, &vcore, &cpu, &li, &cgrp);
	/* Out of the requester's view: as if it were not accounted. */
	if (!ret && !stratos_cgroup_visible(cgrp)) {
		cgroup_put(cgrp);
		ret = -ENOENT;
	}
	if (ret) {
		genlmsg_cancel(skb, hdr);
		return ret;
	}
	/* A reply without the path beats no reply when memory is short. */
	buf = kmalloc(STRATOS_PATH_MAX, GFP_KERNEL);
	if (nla_put_u64_64bit(skb, STRATOS_A_VCORE_CGROUP_ID, id,
			      STRATOS_A_VCORE_CGROUP_PAD) ||
	    (stratos_cgroup_path(cgrp, buf) &&
	     nla_put_string(skb, STRATOS_A_VCORE_CGROUP_PATH, buf)) ||
	    nla_put_u64_64bit(skb, STRATOS_A_VCORE_CGROUP_VCORE_NS, vcore,
			      STRATOS_A_VCORE_CGROUP_PAD) ||
	    nla_put_u64_64bit(skb, STRATOS_A_VCORE_CGROUP_CPU_NS, cpu,
			      STRATOS_A_VCORE_CGROUP_PAD) ||
	    (li.limit && vcore_put_limit(skb, &li))) {
		genlmsg_cancel(skb, hdr);
		ret = -EMSGSIZE;
	} else {
		genlmsg_end(skb, hdr);
	}
	kfree(buf);
	cgroup_put(cgrp);
	return ret;
}

int stratos_vcore_nl_cgroup_get_doit(struct sk_buff *skb,
				     struct genl_info *info)
{
	struct sk_buff *msg;
	struct nlattr *attr;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, STRATOS_A_VCORE_CGROUP_ID))
		return -EINVAL;
	attr = info->attrs[STRATOS_A_VCORE_CGROUP_ID];
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	ret = vcore_cgroup_fill(msg, nla_get_u64(attr),
				genlmsg_iput(msg, info));
	if (ret == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "cgroup is not accounted in vcores (start with 'stratosctl vcore account')");
	return stratos_reply(msg, info, ret);
}

/*
 * cb->args[0]: index of the next entry; a change of the table's generation
 * between parts sets NLM_F_DUMP_INTR.
 */
int stratos_vcore_nl_cgroup_get_dumpit(struct sk_buff *skb,
				       struct netlink_callback *cb)
{
	const struct genl_info *info = genl_info_dump(cb);
	unsigned int n;
	void *hdr;
	u64 id;
	int ret;

	cb->seq = stratos_vcore_acct_generation();
	for (n = cb->args[0]; !stratos_vcore_acct_nth(n, &id); n++) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, info->family,
				  NLM_F_MULTI, STRATOS_CMD_VCORE_CGROUP_GET);
		if (hdr)
			genl_dump_check_consistent(cb, hdr);
		ret = vcore_cgroup_fill(skb, id, hdr);
		/*
		 * Removed since _nth() saw it (the generation tells), or
		 * out of the requester's view.
		 */
		if (ret == -ENOENT)
			continue;
		if (ret)
			break;
	}
	cb->args[0] = n;
	/* A change during this part shows in the next one, or at its end. */
	cb->seq = stratos_vcore_acct_generation();
	return skb->len;
}

static int vcore_nl_limit(struct genl_info *info, u64 id)
{
	struct nlattr *a_limit = info->attrs[STRATOS_A_VCORE_CGROUP_LIMIT];
	struct nlattr *a_dir = info->attrs[STRATOS_A_VCORE_CGROUP_DIR];
	u32 limit = nla_get_u32(a_limit);
	struct file *f = NULL;

	if (limit && limit < STRATOS_VCORE_LIMIT_MIN) {
		NL_SET_ERR_MSG_ATTR(info->extack, a_limit,
				    "limit below 0.01 vcore; 0 lifts the limit");
		return -ERANGE;
	}
	if (limit && a_dir) {
		f = stratos_vcore_open_cpu_max(nla_data(a_dir), id,
					       info->extack);
		if (IS_ERR(f))
			return PTR_ERR(f);
	}
	return stratos_vcore_acct_limit(id, limit, f, info->extack);
}

int stratos_vcore_nl_cgroup_set_doit(struct sk_buff *skb,
				     struct genl_info *info)
{
	struct nlattr *attr;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, STRATOS_A_VCORE_CGROUP_ID))
		return -EINVAL;
	attr = info->attrs[STRATOS_A_VCORE_CGROUP_ID];
	if (info->attrs[STRATOS_A_VCORE_CGROUP_LIMIT])
		ret = vcore_nl_limit(info, nla_get_u64(attr));
	else
		ret = stratos_vcore_acct_add(nla_get_u64(attr));
	switch (ret) {
	case -ENOENT:
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "no live cgroup v2 directory has this id");
		break;
	case -EEXIST:
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "cgroup is already accounted");
		break;
	case -ENOSPC:
		NL_SET_ERR_MSG(info->extack,
			       "vcore accounting is full ("
			       __stringify(STRATOS_VCORE_MAX_CGROUPS)
			       " cgroups): stop accounting one first");
		break;
	}
	return ret;
}

int stratos_vcore_nl_cgroup_del_doit(struct sk_buff *skb,
				     struct genl_info *info)
{
	struct nlattr *attr;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, STRATOS_A_VCORE_CGROUP_ID))
		return -EINVAL;
	attr = info->attrs[STRATOS_A_VCORE_CGROUP_ID];
	ret = stratos_vcore_acct_del(nla_get_u64(attr));
	if (ret == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "cgroup is not accounted in vcores");
	return ret;
}

static int vcore_node_fill(struct sk_buff *skb, void *hdr, u32 window,
			   u32 pct, const struct stratos_vcore_reclaim *r)
{
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, STRATOS_A_VCORE_NODE_WINDOW, window) ||
	    nla_put_u32(skb, STRATOS_A_VCORE_NODE_PERCENTILE, pct) ||
	    nla_put_u32(skb, STRATOS_A_VCORE_NODE_SAMPLES, r->samples) ||
	    nla_put_u64_64bit(skb, STRATOS_A_VCORE_NODE_CAPACITY, r->capacity,
			      STRATOS_A_VCORE_NODE_PAD) ||
	    nla_put_u64_64bit(skb, STRATOS_A_VCORE_NODE_ONLINE, r->online_now,
			      STRATOS_A_VCORE_NODE_PAD) ||
	    nla_put_u64_64bit(skb, STRATOS_A_VCORE_NODE_OFFLINE, r->offline_now,
			      STRATOS_A_VCORE_NODE_PAD) ||
	    nla_put_u64_64bit(skb, STRATOS_A_VCORE_NODE_ONLINE_WINDOW,
			      r->online_window, STRATOS_A_VCORE_NODE_PAD) ||
	    nla_put_u64_64bit(skb, STRATOS_A_VCORE_NODE_RECLAIMABLE,
			      r->reclaimable, STRATOS_A_VCORE_NODE_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

int stratos_vcore_nl_node_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *a_window = info->attrs[STRATOS_A_VCORE_NODE_WINDOW];
	struct nlattr *a_pct = info->attrs[STRATOS_A_VCORE_NODE_PERCENTILE];
	u32 window = a_window ? nla_get_u32(a_window) :
				STRATOS_VCORE_WINDOW_DEFAULT;
	u32 pct = a_pct ? nla_get_u32(a_pct) : 100;
	struct stratos_vcore_reclaim r;
	struct sk_buff *msg;
	int ret;

	ret = stratos_vcore_reclaim(window, pct, &r);
	if (ret)
		return ret;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	ret = vcore_node_fill(msg, genlmsg_iput(msg, info), window, pct, &r);
	return stratos_reply(msg, info, ret);
}
