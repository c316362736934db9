// SPDX-License-Identifier: GPL-2.0
/*
 * stratosctl pagecache: per-cgroup page-cache limits
 * (STRATOS_CMD_PAGECACHE_*, Documentation/pagecache.rst).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netlink/genl/genl.h>
#include <linux/stratos.h>

#include "output.h"
#include "stratosctl.h"


enum { PC_SET, PC_SHOW, PC_CLEAR, PC_HELP };

static const struct keyword pc_cmds[] = {
	{ "set", PC_SET },
	{ "show", PC_SHOW },
	{ "list", PC_SHOW },
	{ "clear", PC_CLEAR },
	{ "del", PC_CLEAR },
	{ "help", PC_HELP },
	{ NULL, 0 },
};

static const char *const mode_names[] = {
	[STRATOS_PAGECACHE_MODE_ASYNC] = "async",
	[STRATOS_PAGECACHE_MODE_SYNC] = "sync",
};

_Static_assert(ARRAY_SIZE(mode_names) == __STRATOS_PAGECACHE_MODE_MAX,
	       "mode_names[] does not match enum stratos_pagecache_mode");

static const struct keyword mode_kw[] = {
	{ "async", STRATOS_PAGECACHE_MODE_ASYNC },
	{ "sync", STRATOS_PAGECACHE_MODE_SYNC },
	{ NULL, 0 },
};

static const char *const pc_attr_name_tab[] = {
	[STRATOS_A_PAGECACHE_ID] = "id",
	[STRATOS_A_PAGECACHE_PATH] = "path",
	[STRATOS_A_PAGECACHE_DIR] = "dir",
	[STRATOS_A_PAGECACHE_LIMIT] = "limit",
	[STRATOS_A_PAGECACHE_MARGIN] = "margin",
	[STRATOS_A_PAGECACHE_MODE] = "mode",
	[STRATOS_A_PAGECACHE_CURRENT] = "current",
	[STRATOS_A_PAGECACHE_PEAK] = "peak",
	[STRATOS_A_PAGECACHE_RECLAIMED] = "reclaimed",
	[STRATOS_A_PAGECACHE_THROTTLED_NS] = "throttled_ns",
	[STRATOS_A_PAGECACHE_PASSES] = "passes",
	[STRATOS_A_PAGECACHE_THROTTLES] = "throttles",
	[STRATOS_A_PAGECACHE_PAD] = "pad",
	[STRATOS_A_PAGECACHE_REFAULTED] = "refaulted",
};

static const struct snl_attr_names pc_attr_names =
	SNL_ATTR_NAMES(pc_attr_name_tab);

static const struct cg_kind pc_kind = {
	.id_attr = STRATOS_A_PAGECACHE_ID,
	.noun = "page-cache limit of",
	.names = &pc_attr_names,
};

static struct nla_policy pc_policy[STRATOS_A_PAGECACHE_MAX + 1] = {
	[STRATOS_A_PAGECACHE_ID] = { .type = NLA_U64 },
	[STRATOS_A_PAGECACHE_PATH] = { .type = NLA_STRING,
				       .maxlen = STRATOS_PATH_MAX },
	[STRATOS_A_PAGECACHE_LIMIT] = { .type = NLA_U64 },
	[STRATOS_A_PAGECACHE_MARGIN] = { .type = NLA_U64 },
	[STRATOS_A_PAGECACHE_MODE] = { .type = NLA_U8 },
	[STRATOS_A_PAGECACHE_CURRENT] = { .type = NLA_U64 },
	[STRATOS_A_PAGECACHE_PEAK] = { .type = NLA_U64 },
	[STRATOS_A_PAGECACHE_RECLAIMED] = { .type = NLA_U64 },
	[STRATOS_A_PAGECACHE_THROTTLED_NS] = { .type = NLA_U64 },
	[STRATOS_A_PAGECACHE_PASSES] = { .type = NLA_U64 },
	[STRATOS_A_PAGECACHE_THROTTLES] = { .type = NLA_U64 },
	[STRATOS_A_PAGECACHE_REFAULTED] = { .type = NLA_U64 },
};

/* The u64 statistics, in the order they print; key doubles as label. */
static const struct {
	int attr;
	const char *key;
} pc_stats[] = {
	{ STRATOS_A_PAGECACHE_LIMIT, "limit" },
	{ STRATOS_A_PAGECACHE_MARGIN, "margin" },
	{ STRATOS_A_PAGECACHE_CURRENT, "current" },
	{ STRATOS_A_PAGECACHE_PEAK, "peak" },
	{ STRATOS_A_PAGECACHE_RECLAIMED, "reclaimed" },
	{ STRATOS_A_PAGECACHE_PASSES, "passes" },
	{ STRATOS_A_PAGECACHE_THROTTLES, "throttles" },
	{ STRATOS_A_PAGECACHE_THROTTLED_NS, "throttled_ns" },
	{ STRATOS_A_PAGECACHE_REFAULTED, "refaulted" },
};

/*
 * Print one limit: "cgroup /a id 12 limit 67108864 ... mode sync", or its
 * JSON object. Sizes are bytes in both forms, for scripts.
 */
static int pc_print_msg(struct nl_msg *msg, const char *event)
{
	struct nlattr *tb[STRATOS_A_PAGECACHE_MAX + 1];
	unsigned int mode;
	size_t i;

	if (snl_parse(msg, tb, STRATOS_A_PAGECACHE_MAX, pc_policy) ||
	    !tb[STRATOS_A_PAGECACHE_ID])
		return -EBADMSG;

	cg_print_head(event, nla_get_u64(tb[STRATOS_A_PAGECACHE_ID]),
		      tb[STRATOS_A_PAGECACHE_PATH] ?
		      nla_get_string(tb[STRATOS_A_PAGECACHE_PATH]) : NULL);
	if (tb[STRATOS_A_PAGECACHE_MODE]) {
		mode = nla_get_u8(tb[STRATOS_A_PAGECACHE_MODE]);
		out_str(OUT_ANY, "mode", "mode",
			mode < ARRAY_SIZE(mode_names) ? mode_names[mode] :
							"unknown");
	}
	for (i = 0; i < ARRAY_SIZE(pc_stats); i++)
		if (tb[pc_stats[i].attr])
			out_u64(OUT_ANY, pc_stats[i].key, pc_stats[i].key,
				nla_get_u64(tb[pc_stats[i].attr]));
	out_close_object();
	out_nl();
	return 0;
}

static int pc_print(struct nl_msg *msg, void *arg)
{
	(void)arg;
	return pc_print_msg(msg, NULL);
}

/* A STRATOS_CMD_PAGECACHE_THROTTLED notification, for the monitor. */
int pc_event_print(struct nl_msg *msg)
{
	return pc_print_msg(msg, "pagecache-throttled");
}

static void pc_help(int cmd)
{
	printf("Usage:\n");
	if (cmd == PC_SET || cmd == PC_HELP)
		printf("       stratosctl pagecache set PATH SIZE [ mode { sync | async } ] [ margin SIZE ]\n");
	if (cmd == PC_SHOW || cmd == PC_HELP)
		printf("       stratosctl [-j [-p]] pagecache show [ PATH ]\n");
	if (cmd == PC_CLEAR || cmd == PC_HELP)
		printf("       stratosctl pagecache clear PATH\n");
	printf(
"\n"
"Caps the page cache (file pages; not shmem/tmpfs) of the cgroup at PATH and\n"
"its descendants. SIZE is bytes with an optional unit K, M, G, T (binary):\n"
"512M, 2G; at least 1M and at most the system's memory. When the cgroup\n"
"nears the limit its own file pages are reclaimed; in mode sync (the\n"
"default) a task adding cache over the limit also waits until reclaim\n"
"catches up. Reclaim starts MARGIN below the limit and goes MARGIN further\n"
"(default limit/32 but at least 4M, at most limit/4 and 64M; 'margin 0'\n"
"restores the default).\n"
"set on a limited cgroup changes only the settings given. Changes need\n"
"CAP_NET_ADMIN. show prints sizes in bytes and throttled time in ns.\n"
"See Documentation/pagecache.rst.\n");
}

enum { SET_MODE, SET_MARGIN };

static const struct keyword set_kw[] = {
	{ "mode", SET_MODE },
	{ "margin", SET_MARGIN },
	{ NULL, 0 },
};

struct pc_settings {
	uint64_t limit;
	uint64_t margin;
	bool have_margin;
	int mode;		/* -1: not given */
};

static int pc_parse_size(const char *what, const char *s, uint64_t *v)
{
	int ret = parse_size(s, v);

	if (ret)
		return usage_err("invalid %s '%s': %s (write a size such as 512M or 2G)",
				 what, s, parse_strerror(ret));
	return EXIT_SUCCESS;
}

static int pc_parse_opts(int argc, char **argv, struct pc_settings *s)
{
	uint64_t v;
	struct kv kv;
	int ret;

	while ((ret = kv_next(&argc, &argv, set_kw, &kv)) != KV_END) {
		if (ret != KV_OK)
			return kv_fail(set_kw, &kv, ret, "pagecache set");
		if ((kv.id == SET_MODE && s->mode >= 0) ||
		    (kv.id == SET_MARGIN && s->have_margin))
			return usage_err("'%s' given twice", set_kw[kv.id].name);
		if (kv.id == SET_MODE) {
			ret = kw_match(mode_kw, kv.value);
			if (ret < 0)
				return kw_fail(mode_kw, kv.value,
					       strlen(kv.value), ret, "mode");
			s->mode = ret;
			continue;
		}
		ret = pc_parse_size("margin", kv.value, &v);
		if (ret)
			return ret;
		s->margin = v;
		s->have_margin = true;
	}
	return EXIT_SUCCESS;
}

static int pc_parse_set(int argc, char **argv, struct pc_settings *s)
{
	int ret;

	s->have_margin = false;
	s->mode = -1;
	if (argc < 1)
		return usage_err("'pagecache set' needs a SIZE after the PATH, e.g. 512M");
	ret = pc_parse_size("size", argv[0], &s->limit);
	if (ret)
		return ret;
	if (s->limit < STRATOS_PAGECACHE_LIMIT_MIN)
		return usage_err("size '%s' is too small: a page-cache limit is at least 1M",
				 argv[0]);
	ret = pc_parse_opts(argc - 1, argv + 1, s);
	if (ret)
		return ret;
	/* Below half the size; written so that no product can overflow. */
	if (s->have_margin && s->margin && s->margin >= s->limit / 2 + s->limit % 2)
		return usage_err("margin must be less than half the size");
	return EXIT_SUCCESS;
}

static int pc_set(struct ctx *ctx, int argc, char **argv)
{
	struct pc_settings s;
	struct nl_msg *msg;
	struct cg_req rq;
	int ret;

	if (argc < 1)
		return usage_err("'pagecache set' needs a PATH and a SIZE (see 'stratosctl pagecache help')");
	ret = pc_parse_set(argc - 1, argv + 1, &s);
	if (!ret)
		ret = cg_req_open(ctx, &pc_kind, argv[0], &rq);
	if (ret)
		return ret;

	msg = cg_req_msg(&rq, STRATOS_CMD_PAGECACHE_SET);
	if (msg &&
	    (nla_put_string(msg, STRATOS_A_PAGECACHE_DIR, rq.ref.path) ||
	     nla_put_u64(msg, STRATOS_A_PAGECACHE_LIMIT, s.limit) ||
	     (s.have_margin &&
	      nla_put_u64(msg, STRATOS_A_PAGECACHE_MARGIN, s.margin)) ||
	     (s.mode >= 0 &&
	      nla_put_u8(msg, STRATOS_A_PAGECACHE_MODE, s.mode)))) {
		nlmsg_free(msg);
		msg = NULL;
	}
	ret = cg_req_send(&rq, msg, NULL, NULL);
	return cg_req_done(&rq, "set", ret,
			   "the kernel knows no cgroup with its id (is it being removed?)");
}

static int pc_clear(struct ctx *ctx, int argc, char **argv)
{
	struct cg_req rq;
	int ret;

	if (argc != 1)
		return usage_err("'pagecache clear' takes one PATH");
	ret = cg_req_open(ctx, &pc_kind, argv[0], &rq);
	if (ret)
		return ret;
	ret = cg_req_send(&rq, cg_req_msg(&rq, STRATOS_CMD_PAGECACHE_DEL),
			  NULL, NULL);
	return cg_req_done(&rq, "clear", ret, "it has no page-cache limit");
}

static int pc_list_one(struct nl_msg *msg, void *arg __maybe_unused)
{
	return pc_print_msg(msg, NULL);
}

static int pc_list(struct ctx *ctx)
{
	struct snl *nl;
	int ret;

	ret = ctx_nl(ctx, &nl);
	if (ret)
		return ret;
	return snl_list(nl, STRATOS_CMD_PAGECACHE_GET,
			"cannot list page-cache limits", &pc_attr_names,
			pc_list_one, NULL);
}

static int pc_show(struct ctx *ctx, int argc, char **argv)
{
	struct cg_req rq;
	int ret;

	if (argc == 0)
		return pc_list(ctx);
	if (argc > 1)
		return usage_err("'pagecache show' takes one PATH, got '%s' too",
				 argv[1]);
	ret = cg_req_open(ctx, &pc_kind, argv[0], &rq);
	if (ret)
		return ret;
	ret = cg_req_send(&rq, cg_req_msg(&rq, STRATOS_CMD_PAGECACHE_GET),
			  pc_print, NULL);
	return cg_req_done(&rq, "show", ret,
			   "it has no page-cache limit (set one with 'stratosctl pagecache set')");
}

int do_pagecache(struct ctx *ctx, int argc, char **argv)
{
	int cmd;

	if (argc == 0) {
		if (ctx->help) {
			pc_help(PC_HELP);
			return EXIT_SUCCESS;
		}
		return pc_list(ctx);
	}
	cmd = kw_match(pc_cmds, argv[0]);
	/* Here for every command: "pagecache set -h" needs no PATH. */
	if (cmd >= 0 && want_help(ctx, argc - 1, argv + 1)) {
		pc_help(cmd);
		return EXIT_SUCCESS;
	}
	switch (cmd) {
	case PC_SET:
		return pc_set(ctx, argc - 1, argv + 1);
	case PC_SHOW:
		return pc_show(ctx, argc - 1, argv + 1);
	case PC_CLEAR:
		return pc_clear(ctx, argc - 1, argv + 1);
	case PC_HELP:
		pc_help(PC_HELP);
		return EXIT_SUCCESS;
	}
	return kw_fail(pc_cmds, argv[0], strlen(argv[0]), cmd,
		       "pagecache command");
}
