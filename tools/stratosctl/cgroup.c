// SPDX-License-Identifier: GPL-2.0
/*
 * stratosctl cgroup: the cgroup registry (STRATOS_CMD_CGROUP_*).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netlink/genl/genl.h>
#include <linux/stratos.h>

#include "output.h"
#include "stratosctl.h"


enum { CG_SET, CG_SHOW, CG_LIST, CG_DEL, CG_HELP };

static const struct keyword cg_cmds[] = {
	{ "set", CG_SET },
	{ "show", CG_SHOW },
	{ "list", CG_LIST },
	{ "ls", CG_LIST },
	{ "del", CG_DEL },
	{ "delete", CG_DEL },
	{ "help", CG_HELP },
	{ NULL, 0 },
};

static const char *const class_names[] = {
	[STRATOS_CLASS_NONE] = "none",
	[STRATOS_CLASS_ONLINE] = "online",
	[STRATOS_CLASS_OFFLINE] = "offline",
};

_Static_assert(ARRAY_SIZE(class_names) == __STRATOS_CLASS_MAX,
	       "class_names[] does not match enum stratos_class");

static const struct keyword class_kw[] = {
	{ "none", STRATOS_CLASS_NONE },
	{ "online", STRATOS_CLASS_ONLINE },
	{ "offline", STRATOS_CLASS_OFFLINE },
	{ NULL, 0 },
};

static const char *const reason_names[] = {
	[STRATOS_DEL_REQUESTED] = "requested",
	[STRATOS_DEL_CGROUP_REMOVED] = "cgroup-removed",
};

static const char *const cg_attr_name_tab[] = {
	[STRATOS_A_CGROUP_ID] = "id",
	[STRATOS_A_CGROUP_PATH] = "path",
	[STRATOS_A_CGROUP_CLASS] = "class",
	[STRATOS_A_CGROUP_WEIGHT] = "weight",
	[STRATOS_A_CGROUP_FLAGS] = "flags",
	[STRATOS_A_CGROUP_REASON] = "reason",
	[STRATOS_A_CGROUP_PAD] = "pad",
};

const struct snl_attr_names cg_attr_names = SNL_ATTR_NAMES(cg_attr_name_tab);

static const struct cg_kind entry_kind = {
	.id_attr = STRATOS_A_CGROUP_ID,
	.noun = "cgroup",
	.names = &cg_attr_names,
	.enospc = "registry full: delete unused entries or raise the stratos module parameter max_cgroups",
};

/*
 * STRATOS_A_CGROUP_REASON's width is not spelled out by the UAPI header,
 * so take it as NLA_U8 (the smallest) here and read it by its length.
 */
static struct nla_policy cg_policy[STRATOS_A_CGROUP_MAX + 1] = {
	[STRATOS_A_CGROUP_ID] = { .type = NLA_U64 },
	[STRATOS_A_CGROUP_PATH] = { .type = NLA_STRING,
				    .maxlen = STRATOS_PATH_MAX },
	[STRATOS_A_CGROUP_CLASS] = { .type = NLA_U8 },
	[STRATOS_A_CGROUP_WEIGHT] = { .type = NLA_U32 },
	[STRATOS_A_CGROUP_FLAGS] = { .type = NLA_U32 },
	[STRATOS_A_CGROUP_REASON] = { .type = NLA_U8 },
};

static int nla_get_uint_any(const struct nlattr *a)
{
	if (nla_len(a) >= (int)sizeof(uint32_t))
		return nla_get_u32((struct nlattr *)a);
	return nla_get_u8((struct nlattr *)a);
}

/*
 * Decode an entry or a notification. @e->path points into @msg. Returns 0
 * or -EBADMSG.
 */
int cg_entry_parse(struct nl_msg *msg, struct cg_entry *e)
{
	struct nlattr *tb[STRATOS_A_CGROUP_MAX + 1];

	memset(e, 0, sizeof(*e));
	e->class = -1;
	e->reason = -1;
	e->weight = -1;

	if (snl_parse(msg, tb, STRATOS_A_CGROUP_MAX, cg_policy) ||
	    !tb[STRATOS_A_CGROUP_ID])
		return -EBADMSG;

	e->id = nla_get_u64(tb[STRATOS_A_CGROUP_ID]);
	if (tb[STRATOS_A_CGROUP_PATH])
		e->path = nla_get_string(tb[STRATOS_A_CGROUP_PATH]);
	if (tb[STRATOS_A_CGROUP_CLASS])
		e->class = nla_get_u8(tb[STRATOS_A_CGROUP_CLASS]);
	if (tb[STRATOS_A_CGROUP_WEIGHT])
		e->weight = nla_get_u32(tb[STRATOS_A_CGROUP_WEIGHT]);
	if (tb[STRATOS_A_CGROUP_REASON])
		e->reason = nla_get_uint_any(tb[STRATOS_A_CGROUP_REASON]);
	return 0;
}

/* Name of value @v of @names, or "unknown(N)" for one from a newer module. */
static const char *enum_name(const char *const *names, size_t count, int v,
			     char *buf, size_t size)
{
	if (v >= 0 && (size_t)v < count && names[v])
		return names[v];
	snprintf(buf, size, "unknown(%d)", v);
	return buf;
}

/*
 * Print an entry as one line, "cgroup /a/b id 1234 class offline weight
 * 100", or as {"id":1234,"path":"/a/b","class":"offline","weight":100}.
 * Notifications lead with @event ("set", "del").
 */
void cg_entry_print(const struct cg_entry *e, const char *event)
{
	char buf[32];

	cg_print_head(event, e->id, e->path);
	if (e->class >= 0)
		out_str(OUT_ANY, "class", "class",
			enum_name(class_names, ARRAY_SIZE(class_names),
				  e->class, buf, sizeof(buf)));
	if (e->weight >= 0)
		out_u64(OUT_ANY, "weight", "weight", e->weight);
	if (e->reason >= 0)
		out_str(OUT_ANY, "reason", "reason",
			enum_name(reason_names, ARRAY_SIZE(reason_names),
				  e->reason, buf, sizeof(buf)));
	out_close_object();
	out_nl();
}

static void cg_help(int cmd)
{
	static const char *const usage[] = {
		[CG_SET] = "stratosctl cgroup set PATH [ class { online | offline | none } ] [ weight N ]",
		[CG_SHOW] = "stratosctl [-j [-p]] cgroup show [ PATH ]",
		[CG_LIST] = "stratosctl [-j [-p]] cgroup list",
		[CG_DEL] = "stratosctl cgroup del PATH",
	};
	const char *prefix = "Usage: ";
	int i;

	for (i = 0; i < (int)ARRAY_SIZE(usage); i++) {
		if (cmd != CG_HELP && cmd != i)
			continue;
		printf("%s%s\n", prefix, usage[i]);
		prefix = "       ";
	}
	printf(
"\n"
"PATH is a cgroup v2 directory: an absolute path under the cgroup2 mount\n"
"(/sys/fs/cgroup/a/b), a path relative to that mount (a/b or /a/b), or one\n"
"relative to the current directory if it starts with ./ or ../.\n"
"STRATOS_CGROUP_ROOT overrides the mount point.\n");
	if (cmd == CG_SET || cmd == CG_HELP)
		printf(
"\n"
"set creates the entry if needed; settings left out keep their value (or\n"
"the default: class none, weight %d). They may be written 'key value' or\n"
"'key=value'. CLASS online is for latency-sensitive services, offline for\n"
"batch work that runs only on idle CPU time. WEIGHT is %d..%d, like\n"
"cgroup v2's cpu.weight. The module only stores it: it takes effect only\n"
"between offline cgroups while scx_bt runs (stratosctl copies it into\n"
"scx_bt), not on online cgroups nor in the cpu.idle fallback. Changes need\n"
"CAP_NET_ADMIN (run as root).\n",
		       STRATOS_WEIGHT_DEFAULT, STRATOS_WEIGHT_MIN,
		       STRATOS_WEIGHT_MAX);
	if (cmd == CG_SHOW || cmd == CG_LIST || cmd == CG_HELP)
		printf(
"\n"
"Entries print as 'cgroup PATH id ID class CLASS weight N', the path as the\n"
"kernel sees it from stratosctl's cgroup namespace. 'stratosctl cgroup'\n"
"alone lists them too.\n");
}

/* The settings of "cgroup set". */
struct cg_settings {
	int class;		/* -1: leave as is */
	int64_t weight;		/* -1: leave as is */
};

enum { SET_CLASS, SET_WEIGHT };

static const struct keyword set_kw[] = {
	{ "class", SET_CLASS },
	{ "weight", SET_WEIGHT },
	{ NULL, 0 },
};

static int parse_class(const struct kv *kv, struct cg_settings *s)
{
	int c = kw_match(class_kw, kv->value);

	if (c < 0)
		return kw_fail(class_kw, kv->value, strlen(kv->value), c,
			       "class");
	s->class = c;
	return EXIT_SUCCESS;
}

static int parse_weight(const struct kv *kv, struct cg_settings *s)
{
	uint32_t w;
	int ret;

	ret = parse_u32_range(kv->value, STRATOS_WEIGHT_MIN,
			      STRATOS_WEIGHT_MAX, &w);
	if (ret)
		return usage_err("invalid weight '%s': %s (it must be %d..%d)",
				 kv->value, parse_strerror(ret),
				 STRATOS_WEIGHT_MIN, STRATOS_WEIGHT_MAX);
	s->weight = w;
	return EXIT_SUCCESS;
}

static int parse_settings(int argc, char **argv, struct cg_settings *s)
{
	struct kv kv;
	int ret;

	s->class = -1;
	s->weight = -1;
	while ((ret = kv_next(&argc, &argv, set_kw, &kv)) != KV_END) {
		if (ret != KV_OK)
			return kv_fail(set_kw, &kv, ret, "cgroup set");
		if ((kv.id == SET_CLASS && s->class >= 0) ||
		    (kv.id == SET_WEIGHT && s->weight >= 0))
			return usage_err("'%s' given twice",
					 set_kw[kv.id].name);
		ret = kv.id == SET_CLASS ? parse_class(&kv, s) :
					   parse_weight(&kv, s);
		if (ret)
			return ret;
	}
	return EXIT_SUCCESS;
}

static int cg_set(struct ctx *ctx, int argc, char **argv)
{
	struct cg_settings s;
	struct nl_msg *msg;
	struct cg_req rq;
	int ret;

	if (argc < 1)
		return usage_err("'cgroup set' needs a PATH (see 'stratosctl cgroup help')");
	ret = parse_settings(argc - 1, argv + 1, &s);
	if (!ret)
		ret = cg_req_open(ctx, &entry_kind, argv[0], &rq);
	if (ret)
		return ret;

	msg = cg_req_msg(&rq, STRATOS_CMD_CGROUP_SET);
	if (msg &&
	    ((s.class >= 0 &&
	      nla_put_u8(msg, STRATOS_A_CGROUP_CLASS, s.class)) ||
	     (s.weight >= 0 &&
	      nla_put_u32(msg, STRATOS_A_CGROUP_WEIGHT, s.weight)))) {
		nlmsg_free(msg);
		msg = NULL;
	}
	ret = cg_req_send(&rq, msg, NULL, NULL);
	ret = cg_req_done(&rq, "set", ret,
			  "the kernel knows no cgroup with its id (is it being removed?)");
	if (!ret)
		bt_registry_changed(ctx);
	return ret;
}

static int cg_del(struct ctx *ctx, int argc, char **argv)
{
	struct cg_req rq;
	int ret;

	if (argc < 1)
		return usage_err("'cgroup del' needs a PATH (see 'stratosctl cgroup help')");
	if (argc > 1)
		return usage_err("'cgroup del' takes one PATH, got '%s' too",
				 argv[1]);
	ret = cg_req_open(ctx, &entry_kind, argv[0], &rq);
	if (ret)
		return ret;
	ret = cg_req_send(&rq, cg_req_msg(&rq, STRATOS_CMD_CGROUP_DEL), NULL,
			  NULL);
	ret = cg_req_done(&rq, "delete", ret, "it has no stratos entry");
	if (!ret)
		bt_registry_changed(ctx);
	return ret;
}

/* Entries of a dump, kept until it completes uninterrupted. */
struct cg_list {
	struct cg_entry *v;
	size_t n;
	size_t cap;
};

static void cg_list_clear(struct cg_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free((char *)l->v[i].path);
	l->n = 0;
}

static int cg_list_add(struct nl_msg *msg, void *arg)
{
	struct cg_list *l = arg;
	struct cg_entry e;
	int ret;

	ret = cg_entry_parse(msg, &e);
	if (ret)
		return ret;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct cg_entry *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	if (e.path) {
		e.path = strdup(e.path);
		if (!e.path)
			return -ENOMEM;
	}
	l->v[l->n++] = e;
	return 0;
}

/* By path, so that output is stable and trees read top-down. */
static int cg_entry_cmp(const void *a, const void *b)
{
	const struct cg_entry *x = a, *y = b;
	int c = strcmp(x->path ? x->path : "", y->path ? y->path : "");

	if (c)
		return c;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int cg_dump(struct snl *nl, struct cg_list *l, struct snl_err *e)
{
	struct nl_msg *msg;
	int ret = 0, try;

	for (try = 0; try < SNL_DUMP_TRIES; try++) {
		cg_list_clear(l);
		msg = snl_msg_new(nl, STRATOS_CMD_CGROUP_GET, NLM_F_DUMP);
		if (!msg)
			return -ENOMEM;
		ret = snl_call(nl, msg, cg_list_add, l, e);
		nlmsg_free(msg);
		if (ret != SNL_DUMP_INTR)
			break;
	}
	return ret;
}

static int cg_list(struct ctx *ctx, int argc, char **argv)
{
	struct cg_list l = { 0 };
	struct snl_err e;
	struct snl *nl;
	size_t i;
	int ret;

	if (argc > 0)
		return usage_err("'cgroup list' takes no arguments, got '%s'",
				 argv[0]);
	ret = ctx_nl(ctx, &nl);
	if (ret)
		return ret;

	ret = cg_dump(nl, &l, &e);
	if (ret == SNL_DUMP_INTR) {
		pr_err("cannot list cgroups: the registry kept changing during %d attempts; try again",
		       SNL_DUMP_TRIES);
		ret = EXIT_FAILURE;
	} else if (ret) {
		ret = snl_report("cannot list cgroups", ret, &e,
				 &cg_attr_names, NULL);
	} else {
		qsort(l.v, l.n, sizeof(*l.v), cg_entry_cmp);
		out_open_array(NULL, NULL);
		for (i = 0; i < l.n; i++)
			cg_entry_print(&l.v[i], NULL);
		out_close_array();
	}
	cg_list_clear(&l);
	free(l.v);
	return ret;
}

static int cg_show_one(struct nl_msg *msg, void *arg)
{
	struct cg_entry e;
	bool *shown = arg;
	int ret;

	ret = cg_entry_parse(msg, &e);
	if (ret)
		return ret;
	/* Printed from here, while the message (and e.path) is alive. */
	if (!*shown)
		cg_entry_print(&e, NULL);
	*shown = true;
	return 0;
}

static int cg_show(struct ctx *ctx, int argc, char **argv)
{
	bool shown = false;
	struct cg_req rq;
	int ret;

	if (argc == 0)
		return cg_list(ctx, argc, argv);
	if (argc > 1)
		return usage_err("'cgroup show' takes one PATH, got '%s' too",
				 argv[1]);
	ret = cg_req_open(ctx, &entry_kind, argv[0], &rq);
	if (ret)
		return ret;
	ret = cg_req_send(&rq, cg_req_msg(&rq, STRATOS_CMD_CGROUP_GET),
			  cg_show_one, &shown);
	if (!ret && !shown)
		ret = -EBADMSG;
	return cg_req_done(&rq, "show", ret,
			   "it has no stratos entry (create one with 'stratosctl cgroup set')");
}

int do_cgroup(struct ctx *ctx, int argc, char **argv)
{
	int cmd;

	if (argc == 0) {
		if (ctx->help) {
			cg_help(CG_HELP);
			return EXIT_SUCCESS;
		}
		/* Like "ip link": the bare object lists. */
		return cg_list(ctx, argc, argv);
	}

	cmd = kw_match(cg_cmds, argv[0]);
	/* Here for every command: "cgroup set -h" needs no PATH. */
	if (cmd >= 0 && want_help(ctx, argc - 1, argv + 1)) {
		cg_help(cmd);
		return EXIT_SUCCESS;
	}
	switch (cmd) {
	case CG_SET:
		return cg_set(ctx, argc - 1, argv + 1);
	case CG_SHOW:
		return cg_show(ctx, argc - 1, argv + 1);
	case CG_LIST:
		return cg_list(ctx, argc - 1, argv + 1);
	case CG_DEL:
		return cg_del(ctx, argc - 1, argv + 1);
	case CG_HELP:
		cg_help(CG_HELP);
		return EXIT_SUCCESS;
	}
	return kw_fail(cg_cmds, argv[0], strlen(argv[0]), cmd,
		       "cgroup command");
}
