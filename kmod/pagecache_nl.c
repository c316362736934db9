// SPDX-License-Identifier: GPL-2.0
/*
 * The STRATOS_CMD_PAGECACHE_* commands (include/uapi/linux/stratos.h).
 * Their policies and ops entries live in netlink.c with the family's
 * others; requests are serialised by genl_mutex.
 */
#include <linux/cgroup.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/namei.h>
#include <linux/nsproxy.h>
#include <linux/slab.h>
#include <net/genetlink.h>

#include "pagecache.h"
#include "stratos.h"

#define PC_DEFAULT_MOUNT "/sys/fs/cgroup"

/* Too large for NLA_POLICY_MIN's s16. */
static const struct netlink_range_validation pc_limit_range = {
	.min = STRATOS_PAGECACHE_LIMIT_MIN,
	.max = U64_MAX,
};

const struct nla_policy
stratos_pagecache_id_policy[STRATOS_A_PAGECACHE_ID + 1] = {
	[STRATOS_A_PAGECACHE_ID] = NLA_POLICY_MIN(NLA_U64, 1),
};

const struct nla_policy
stratos_pagecache_set_policy[STRATOS_A_PAGECACHE_MODE + 1] = {
	[STRATOS_A_PAGECACHE_ID] = NLA_POLICY_MIN(NLA_U64, 1),
	[STRATOS_A_PAGECACHE_DIR] = { .type = NLA_NUL_STRING,
				      .len = STRATOS_PATH_MAX - 1 },
	[STRATOS_A_PAGECACHE_LIMIT] = NLA_POLICY_FULL_RANGE(NLA_U64,
							    &pc_limit_range),
	[STRATOS_A_PAGECACHE_MARGIN] = { .type = NLA_U64 },
	[STRATOS_A_PAGECACHE_MODE] = NLA_POLICY_MAX(NLA_U8,
						    STRATOS_PAGECACHE_MODE_MAX),
};

/*
 * One limit as a message. @cb is the dump's callback, so that a part
 * built after the table changed is flagged NLM_F_DUMP_INTR; NULL for a
 * reply.
 */
static int pc_fill(struct sk_buff *skb, const struct stratos_pc_view *v,
		   const char *path, u32 portid, u32 seq, int flags,
		   struct netlink_callback *cb)
{
	void *hdr;

	hdr = stratos_genlmsg_put(skb, portid, seq, flags,
				  STRATOS_CMD_PAGECACHE_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (nla_put_u64_64bit(skb, STRATOS_A_PAGECACHE_ID, v->id,
			      STRATOS_A_PAGECACHE_PAD) ||
	    (path && nla_put_string(skb, STRATOS_A_PAGECACHE_PATH, path)) ||
	    nla_put_u64_64bit(skb, STRATOS_A_PAGECACHE_LIMIT, v->limit,
			      STRATOS_A_PAGECACHE_PAD) ||
	    nla_put_u64_64bit(skb, STRATOS_A_PAGECACHE_MARGIN, v->margin,
			      STRATOS_A_PAGECACHE_PAD) ||
	    nla_put_u8(skb, STRATOS_A_PAGECACHE_MODE, v->mode) ||
	    nla_put_u64_64bit(skb, STRATOS_A_PAGECACHE_CURRENT,
			      v->current_bytes, STRATOS_A_PAGECACHE_PAD) ||
	    nla_put_u64_64bit(skb, STRATOS_A_PAGECACHE_PEAK, v->peak,
			      STRATOS_A_PAGECACHE_PAD) ||
	    nla_put_u64_64bit(skb, STRATOS_A_PAGECACHE_RECLAIMED, v->reclaimed,
			      STRATOS_A_PAGECACHE_PAD) ||
	    nla_put_u64_64bit(skb, STRATOS_A_PAGECACHE_THROTTLED_NS,
			      v->throttled_ns, STRATOS_A_PAGECACHE_PAD) ||
	    nla_put_u64_64bit(skb, STRATOS_A_PAGECACHE_PASSES, v->passes,
			      STRATOS_A_PAGECACHE_PAD) ||
	    nla_put_u64_64bit(skb, STRATOS_A_PAGECACHE_THROTTLES, v->throttles,
			      STRATOS_A_PAGECACHE_PAD) ||
	    nla_put_u64_64bit(skb, STRATOS_A_PAGECACHE_REFAULTED, v->refaulted,
			      STRATOS_A_PAGECACHE_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

int stratos_nl_pagecache_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct stratos_pc_view view = {};
	struct nlattr *id_attr;
	struct sk_buff *msg;
	char *buf;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, STRATOS_A_PAGECACHE_ID))
		return -EINVAL;
	id_attr = info->attrs[STRATOS_A_PAGECACHE_ID];
	ret = stratos_pc_lookup(nla_get_u64(id_attr), &view);
	/* Out of the requester's view: as if it had none. */
	if (!ret && !stratos_cgroup_visible(view.cgrp)) {
		stratos_pc_view_release(&view);
		ret = -ENOENT;
	}
	if (ret) {
		NL_SET_ERR_MSG_ATTR(info->extack, id_attr,
				    "cgroup has no page-cache limit");
		return ret;
	}

	ret = -ENOMEM;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		goto out;
	buf = kmalloc(STRATOS_PATH_MAX, GFP_KERNEL);
	ret = pc_fill(msg, &view, stratos_cgroup_path(view.cgrp, buf),
		      info->snd_portid, info->snd_seq, 0, NULL);
	kfree(buf);
	ret = stratos_reply(msg, info, ret);
out:
	stratos_pc_view_release(&view);
	return ret;
}

/*
 * cb->args[0]: the next index in the limit table; a change of the table's
 * generation between parts sets NLM_F_DUMP_INTR.
 */
int stratos_nl_pagecache_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	struct stratos_pc_view view = {};
	char *buf;
	int ret = 0;

	buf = kmalloc(STRATOS_PATH_MAX, GFP_KERNEL);
	cb->seq = stratos_pc_generation();
	while (!stratos_pc_nth(cb->args[0], &view)) {
		if (stratos_cgroup_visible(view.cgrp))
			ret = pc_fill(skb, &view,
				      stratos_cgroup_path(view.cgrp, buf),
				      NETLINK_CB(cb->skb).portid,
				      cb->nlh->nlmsg_seq, NLM_F_MULTI, cb);
		stratos_pc_view_release(&view);
		if (ret)
			break;
		cb->args[0]++;
	}
	kfree(buf);
	/* A change during this part shows in the next one, or at its end. */
	cb->seq = stratos_pc_generation();
	if (ret == -EMSGSIZE && skb->len)
		return skb->len;
	return ret;
}

/* Whether @f is a cgroup2 file directly in the directory of cgroup @id. */
static bool pc_file_of(struct file *f, u64 id)
{
	struct dentry *parent;
	bool ok;

	if (file_inode(f)->i_sb->s_magic != CGROUP2_SUPER_MAGIC)
		return false;
	parent = dget_parent(f->f_path.dentry);
	ok = d_inode(parent)->i_ino == id;
	dput(parent);
	return ok;
}

static struct file *pc_open(const char *dir, const char *name, int flags,
			    u64 id, char *buf)
{
	struct file *f;

	if (snprintf(buf, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
		return ERR_PTR(-ENAMETOOLONG);
	f = filp_open(buf, flags, 0);
	if (IS_ERR(f))
		return f;
	if (!pc_file_of(f, id)) {
		fput(f);
		return ERR_PTR(-EXDEV);
	}
	return f;
}

/*
 * Open memory.stat and memory.reclaim of cgroup @cgrp, in the requester's
 * mount namespace and root: under @dir if given, else under the usual
 * mount point.
 */
static int pc_open_files(struct genl_info *info, struct cgroup *cgrp,
			 struct stratos_pc_new *nw)
{
	struct nlattr *dir_attr = info->attrs[STRATOS_A_PAGECACHE_DIR];
	char *dir, *buf;
	int ret = -ENOMEM;

	dir = kmalloc(PATH_MAX, GFP_KERNEL);
	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!dir || !buf)
		goto out;
	if (dir_attr) {
		nla_strscpy(dir, dir_attr, PATH_MAX);
	} else {
		strscpy(dir, PC_DEFAULT_MOUNT, PATH_MAX);
		ret = cgroup_path_ns(cgrp, dir + strlen(PC_DEFAULT_MOUNT),
				     PATH_MAX - strlen(PC_DEFAULT_MOUNT),
				     current->nsproxy->cgroup_ns);
		if (ret < 0)
			goto out;
	}

	nw->stat = pc_open(dir, "memory.stat", O_RDONLY, nw->id, buf);
	if (IS_ERR(nw->stat)) {
		ret = PTR_ERR(nw->stat);
		nw->stat = NULL;
		goto bad_dir;
	}
	nw->reclaim = pc_open(dir, "memory.reclaim", O_WRONLY, nw->id, buf);
	if (IS_ERR(nw->reclaim)) {
		ret = PTR_ERR(nw->reclaim);
		nw->reclaim = NULL;
		goto bad_dir;
	}
	ret = 0;
	goto out;
bad_dir:
	if (dir_attr)
		NL_SET_ERR_MSG_ATTR(info->extack, dir_attr,
				    "cannot open memory.stat and memory.reclaim of this cgroup in this directory");
	else
		NL_SET_ERR_MSG(info->extack,
			       "cannot open the cgroup's memory.stat under /sys/fs/cgroup: pass its directory (STRATOS_A_PAGECACHE_DIR)");
	ret = ret == -EXDEV ? -EINVAL : ret;
out:
	kfree(buf);
	kfree(dir);
	return ret;
}

static void pc_new_release(struct stratos_pc_new *nw)
{
	if (nw->stat)
		fput(nw->stat);
	if (nw->reclaim)
		fput(nw->reclaim);
	if (nw->css)
		css_put(nw->css);
}

/* The memory css of @cgrp itself, or an error the extack explains. */
static int pc_get_css(struct genl_info *info, struct cgroup *cgrp,
		      struct stratos_pc_new *nw)
{
	struct nlattr *id_attr = info->attrs[STRATOS_A_PAGECACHE_ID];
	struct cgroup_subsys_state *css;

	if (!cgroup_parent(cgrp)) {
		NL_SET_ERR_MSG_ATTR(info->extack, id_attr,
				    "the root cgroup cannot have a page-cache limit");
		return -EINVAL;
	}
	css = cgroup_get_e_css(cgrp, &memory_cgrp_subsys);
	if (!css || css->cgroup != cgrp) {
		if (css)
			css_put(css);
		NL_SET_ERR_MSG_ATTR(info->extack, id_attr,
				    "memory controller not enabled on this cgroup: add +memory to its parent's cgroup.subtree_control");
		return -EOPNOTSUPP;
	}
	nw->css = css;
	return 0;
}

static int pc_check_limit(struct genl_info *info, struct stratos_pc_update *upd)
{
	struct nlattr **attrs = info->attrs;
	u64 ram = (u64)totalram_pages() << PAGE_SHIFT;

	if (attrs[STRATOS_A_PAGECACHE_LIMIT]) {
		upd->has_limit = true;
		upd->limit = nla_get_u64(attrs[STRATOS_A_PAGECACHE_LIMIT]);
		if (upd->limit > ram) {
			NL_SET_ERR_MSG_ATTR_FMT(info->extack,
						attrs[STRATOS_A_PAGECACHE_LIMIT],
						"limit %llu exceeds system memory %llu",
						upd->limit, ram);
			return -ERANGE;
		}
	}
	if (attrs[STRATOS_A_PAGECACHE_MARGIN]) {
		upd->has_margin = true;
		upd->margin = nla_get_u64(attrs[STRATOS_A_PAGECACHE_MARGIN]);
	}
	if (attrs[STRATOS_A_PAGECACHE_MODE]) {
		upd->has_mode = true;
		upd->mode = nla_get_u8(attrs[STRATOS_A_PAGECACHE_MODE]);
	}
	return 0;
}

/* Look the cgroup up and, for a new limit, take what the limit needs. */
static int pc_prepare(struct genl_info *info, struct stratos_pc_new *nw)
{
	struct nlattr *id_attr = info->attrs[STRATOS_A_PAGECACHE_ID];
	struct cgroup *cgrp;
	int ret;

	nw->id = nla_get_u64(id_attr);
	if (stratos_pc_exists(nw->id))
		return 0;
	cgrp = cgroup_get_from_id(nw->id);
	if (IS_ERR(cgrp)) {
		NL_SET_ERR_MSG_ATTR(info->extack, id_attr,
				    "no live cgroup v2 directory has this id");
		return PTR_ERR(cgrp);
	}
	ret = pc_get_css(info, cgrp, nw);
	if (!ret)
		ret = pc_open_files(info, cgrp, nw);
	cgroup_put(cgrp);
	return ret;
}

int stratos_nl_pagecache_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct stratos_pc_update upd = {};
	struct stratos_pc_new nw = {};
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, STRATOS_A_PAGECACHE_ID))
		return -EINVAL;
	ret = pc_check_limit(info, &upd);
	if (ret)
		return ret;
	ret = pc_prepare(info, &nw);
	if (ret)
		goto out;
	ret = stratos_pc_set(&nw, &upd, info->extack);
	if (ret == 1)
		return 0;	/* the new limit owns nw's references */
	if (ret == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[STRATOS_A_PAGECACHE_ID],
				    "the cgroup was removed");
out:
	pc_new_release(&nw);
	return ret;
}

int stratos_nl_pagecache_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *id_attr;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, STRATOS_A_PAGECACHE_ID))
		return -EINVAL;
	id_attr = info->attrs[STRATOS_A_PAGECACHE_ID];
	ret = stratos_pc_del(nla_get_u64(id_attr));
	if (ret)
		NL_SET_ERR_MSG_ATTR(info->extack, id_attr,
				    "cgroup has no page-cache limit");
	return ret;
}

/* From the throttled task's context, so GFP_KERNEL is fine. */
void stratos_pc_notify_throttled(u64 id, u64 limit, u64 current_bytes,
				 u64 throttled_ns)
{
	struct sk_buff *msg;
	void *hdr;

	msg = stratos_event_new(STRATOS_CMD_PAGECACHE_THROTTLED, &hdr);
	if (!msg)
		return;
	if (nla_put_u64_64bit(msg, STRATOS_A_PAGECACHE_ID, id,
			      STRATOS_A_PAGECACHE_PAD) ||
	    nla_put_u64_64bit(msg, STRATOS_A_PAGECACHE_LIMIT, limit,
			      STRATOS_A_PAGECACHE_PAD) ||
	    nla_put_u64_64bit(msg, STRATOS_A_PAGECACHE_CURRENT, current_bytes,
			      STRATOS_A_PAGECACHE_PAD) ||
	    nla_put_u64_64bit(msg, STRATOS_A_PAGECACHE_THROTTLED_NS,
			      throttled_ns, STRATOS_A_PAGECACHE_PAD)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	stratos_events_send(msg);
}
