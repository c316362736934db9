// SPDX-License-Identifier: GPL-2.0
/*
 * stratosctl vcore reclaimable: the batch capacity the node can promise,
 * as the module samples it (STRATOS_CMD_VCORE_NODE_GET).
 */
#include <errno.h>
#include <stdio.h>
#include <netlink/genl/genl.h>
#include <linux/stratos.h>

#include "output.h"
#include "stratosctl.h"
#include "vcore.h"

enum { R_WINDOW, R_PERCENTILE };

static const struct keyword reclaim_kw[] = {
	{ "window", R_WINDOW },
	{ "percentile", R_PERCENTILE },
	{ NULL, 0 },
};

static const char *const node_attr_name_tab[] = {
	[STRATOS_A_VCORE_NODE_WINDOW] = "window",
	[STRATOS_A_VCORE_NODE_PERCENTILE] = "percentile",
};

static const struct snl_attr_names node_attr_names =
	SNL_ATTR_NAMES(node_attr_name_tab);

static struct nla_policy node_policy[STRATOS_A_VCORE_NODE_MAX + 1] = {
	[STRATOS_A_VCORE_NODE_WINDOW] = { .type = NLA_U32 },
	[STRATOS_A_VCORE_NODE_PERCENTILE] = { .type = NLA_U32 },
	[STRATOS_A_VCORE_NODE_SAMPLES] = { .type = NLA_U32 },
	[STRATOS_A_VCORE_NODE_CAPACITY] = { .type = NLA_U64 },
	[STRATOS_A_VCORE_NODE_ONLINE] = { .type = NLA_U64 },
	[STRATOS_A_VCORE_NODE_OFFLINE] = { .type = NLA_U64 },
	[STRATOS_A_VCORE_NODE_ONLINE_WINDOW] = { .type = NLA_U64 },
	[STRATOS_A_VCORE_NODE_RECLAIMABLE] = { .type = NLA_U64 },
};

/* Text and JSON keys of the vcore figures, in the order printed. */
static const struct {
	int attr;
	const char *label;
	const char *key;
} node_vcores[] = {
	{ STRATOS_A_VCORE_NODE_CAPACITY, "capacity", "capacity_mvcores" },
	{ STRATOS_A_VCORE_NODE_ONLINE, "online", "online_mvcores" },
	{ STRATOS_A_VCORE_NODE_OFFLINE, "offline", "offline_mvcores" },
	{ STRATOS_A_VCORE_NODE_ONLINE_WINDOW, "online-window",
	  "online_window_mvcores" },
	{ STRATOS_A_VCORE_NODE_RECLAIMABLE, "reclaimable",
	  "reclaimable_mvcores" },
};

static const struct {
	int attr;
	const char *label;
	const char *key;
} node_counts[] = {
	{ STRATOS_A_VCORE_NODE_WINDOW, "window", "window_s" },
	{ STRATOS_A_VCORE_NODE_PERCENTILE, "percentile", "percentile" },
	{ STRATOS_A_VCORE_NODE_SAMPLES, "samples", "samples" },
};

/* "reclaimable 1.250 capacity 2.500 ... window 60 percentile 100 ...". */
static int reclaim_print(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[STRATOS_A_VCORE_NODE_MAX + 1];
	char buf[32];
	uint64_t v;
	size_t i;

	(void)arg;
	if (snl_parse(msg, tb, STRATOS_A_VCORE_NODE_MAX, node_policy))
		return -EBADMSG;
	for (i = 0; i < ARRAY_SIZE(node_vcores); i++)
		if (!tb[node_vcores[i].attr])
			return -EBADMSG;
	out_open_object(NULL);
	for (i = 0; i < ARRAY_SIZE(node_vcores); i++) {
		v = nla_get_u64(tb[node_vcores[i].attr]);
		vc_format_fixed(buf, sizeof(buf), v,
				STRATOS_VCORE_FACTOR_SCALE, 3);
		out_str(OUT_TEXT, NULL, node_vcores[i].label, buf);
		out_u64(OUT_JSON, node_vcores[i].key, NULL, v / 1000);
	}
	for (i = 0; i < ARRAY_SIZE(node_counts); i++)
		if (tb[node_counts[i].attr])
			out_u64(OUT_ANY, node_counts[i].key,
				node_counts[i].label,
				nla_get_u32(tb[node_counts[i].attr]));
	out_close_object();
	out_nl();
	return 0;
}

static int reclaim_args(int argc, char **argv, uint32_t *window,
			uint32_t *pct)
{
	struct kv kv;
	int ret;

	while ((ret = kv_next(&argc, &argv, reclaim_kw, &kv)) != KV_END) {
		if (ret != KV_OK)
			return kv_fail(reclaim_kw, &kv, ret,
				       "vcore reclaimable");
		if (kv.id == R_WINDOW) {
			ret = parse_u32_range(kv.value, 1,
					      STRATOS_VCORE_WINDOW_MAX,
					      window);
			if (ret)
				return usage_err("invalid window '%s': %s (seconds, 1..%d)",
						 kv.value, parse_strerror(ret),
						 STRATOS_VCORE_WINDOW_MAX);
		} else {
			ret = parse_u32_range(kv.value, 1, 100, pct);
			if (ret)
				return usage_err("invalid percentile '%s': %s (1..100; 100 is the peak)",
						 kv.value, parse_strerror(ret));
		}
	}
	return EXIT_SUCCESS;
}

int vc_reclaimable(struct ctx *ctx, int argc, char **argv)
{
	uint32_t window = 0, pct = 0;
	struct nl_msg *msg;
	struct snl_err e;
	struct snl *nl;
	int ret;

	ret = reclaim_args(argc, argv, &window, &pct);
	if (!ret)
		ret = ctx_nl(ctx, &nl);
	if (ret)
		return ret;
	msg = snl_msg_new(nl, STRATOS_CMD_VCORE_NODE_GET, 0);
	if (!msg ||
	    (window && nla_put_u32(msg, STRATOS_A_VCORE_NODE_WINDOW, window)) ||
	    (pct && nla_put_u32(msg, STRATOS_A_VCORE_NODE_PERCENTILE, pct))) {
		nlmsg_free(msg);
		return snl_report("cannot read the reclaimable capacity",
				  -ENOMEM, NULL, NULL, NULL);
	}
	ret = snl_call(nl, msg, reclaim_print, NULL, &e);
	nlmsg_free(msg);
	if (ret < 0)
		return snl_report("cannot read the reclaimable capacity", ret,
				  &e, &node_attr_names, NULL);
	return EXIT_SUCCESS;
}
