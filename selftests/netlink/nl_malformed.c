// SPDX-License-Identifier: GPL-2.0
/*
 * nl_malformed: send the stratos generic netlink family broken, hostile and
 * unauthorised requests over a raw socket and check each answer: the exact
 * errno, and the extended ack (message, offending attribute offset, missing
 * attribute type) wherever the kernel can give one. After every case the
 * module must still answer STRATOS_CMD_GET_INFO. Prints TAP.
 *
 * The cases: missing required attributes; wrong types and lengths;
 * out-of-range values; oversized and reply-only attributes; unknown types,
 * NLA_F_NESTED on scalars and nested garbage; broken attribute streams;
 * truncated and overlong headers; unknown commands, reserved bits and
 * flags; ids no cgroup has; malformed dumps; then, as root, a round trip
 * with notifications on a scratch cgroup, removal of a cgroup with an
 * entry, paths of up to STRATOS_PATH_MAX - 1 bytes, and NLM_F_DUMP_INTR on
 * a dump the registry changes under. Rejections that the genetlink core
 * makes before the family is reached (unknown command, short header,
 * missing permission) carry no extended ack; those cases only check the
 * errno.
 *
 *   nl_malformed                        as root: every case, including a
 *                                       round trip on a scratch cgroup
 *   nl_malformed --unpriv --cgroup-id N without CAP_NET_ADMIN in the initial
 *                                       user namespace: mutations must get
 *                                       EPERM, reads must work; N is an
 *                                       existing cgroup v2 id
 *
 * Exit status: 0 if every case passed, 1 otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/stratos.h>
#include <linux/types.h>

#include "scx_bt.h"

#include "nl_common.h"

#define CGROOT		"/sys/fs/cgroup"
#define NOID		0x7fffffffffffffffULL	/* no cgroup has this id */
#define TIMEOUT_MS	3000

static struct nlt_sock nl;
static uint16_t family;
static uint32_t events_grp;
static uint32_t op_flags[256];		/* the family's commands */
static bool unpriv;
static uint64_t cg_id;			/* the cgroup the cases may touch */
static char cg_path[256];		/* root mode: created here */
static struct nlt_msg msg;
static uint8_t filler[NLT_MSG_MAX];

/* TAP state: the current case fails on the first complaint. */
static int tap_n, tap_failed;
static bool case_failed;
static char case_reason[512];
static char case_skip[256];		/* non-empty: the case was skipped */
#define MAX_FAILED 32
static char failed_names[MAX_FAILED][200];	/* repeated at the end */

static void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

static void cfail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void cfail(const char *fmt, ...)
{
	va_list ap;
	char buf[sizeof(case_reason)];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	diag("FAIL: %s", buf);
	if (!case_failed)
		snprintf(case_reason, sizeof(case_reason), "%s", buf);
	case_failed = true;
}

static const char *errname(int err)
{
	static char buf[64];

	switch (err) {
	case 0: return "success";
	case EINVAL: return "EINVAL";
	case ERANGE: return "ERANGE";
	case ENOENT: return "ENOENT";
	case EPERM: return "EPERM";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EMSGSIZE: return "EMSGSIZE";
	case ENOSPC: return "ENOSPC";
	case EBUSY: return "EBUSY";
	case ENOMEM: return "ENOMEM";
	}
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

/* ---- requests and answers ------------------------------------------- */

/* Start a stratos request; returns its sequence number. */
static uint32_t req(struct nlt_msg *m, uint8_t cmd, uint16_t flags)
{
	uint32_t seq = nl.seq++;

	nlt_msg_init(m, family, NLM_F_REQUEST | NLM_F_ACK | flags, seq, cmd,
		     STRATOS_GENL_VERSION);
	return seq;
}

/* Send @len bytes of @m and wait for the answer; false if none came. */
static bool xfer_len(struct nlt_sock *s, struct nlt_msg *m, size_t len,
		     nlt_msg_fn fn, void *arg, struct nlt_ack *ack)
{
	int ret = nlt_transact(s, m->buf, len, nlt_hdr(m)->nlmsg_seq, fn, arg,
			       ack);

	if (ret) {
		cfail("no answer to the request: %s", strerror(-ret));
		return false;
	}
	return true;
}

static bool xfer(struct nlt_sock *s, struct nlt_msg *m, nlt_msg_fn fn,
		 void *arg, struct nlt_ack *ack)
{
	return xfer_len(s, m, nlt_msg_end(m), fn, arg, ack);
}

/* What a rejected (or accepted) request must get back. */
struct want {
	int err;			/* positive errno, 0 for success */
	const char *msg;		/* NLMSGERR_ATTR_MSG must contain it */
	int miss;			/* NLMSGERR_ATTR_MISS_TYPE must be it */
	const struct nlattr *bad;	/* NLMSGERR_ATTR_OFFS must point here */
	const void *base;		/* ... counted from here (the request) */
	bool no_ext;			/* the core rejects it: no extack */
};

static void check_ack(const struct nlt_ack *ack, const struct want *w)
{
	char desc[512];

	nlt_ack_describe(ack, desc, sizeof(desc));
	diag("got %s", desc);

	if (-ack->error != w->err) {
		cfail("got %s, expected %s", errname(-ack->error),
		      errname(w->err));
		return;
	}
	if (!w->err)
		return;
	if (w->msg) {
		if (!ack->has_msg)
			cfail("no extack message, expected \"%s\"", w->msg);
		else if (!strstr(ack->msg, w->msg))
			cfail("extack message \"%s\", expected \"%s\"",
			      ack->msg, w->msg);
	}
	if (w->miss) {
		if (!ack->has_miss_type)
			cfail("no NLMSGERR_ATTR_MISS_TYPE, expected %d", w->miss);
		else if (ack->miss_type != (uint32_t)w->miss)
			cfail("NLMSGERR_ATTR_MISS_TYPE %u, expected %d",
			      ack->miss_type, w->miss);
	}
	if (w->bad) {
		uint32_t off = (const uint8_t *)w->bad - (const uint8_t *)w->base;

		if (!ack->has_offs)
			cfail("no NLMSGERR_ATTR_OFFS, expected %u", off);
		else if (ack->offs != off)
			cfail("NLMSGERR_ATTR_OFFS %u, expected %u", ack->offs, off);
	}
	if (!w->no_ext && !ack->has_msg && !ack->has_miss_type)
		cfail("%s without an extended ack", errname(w->err));
}

/* A stratos entry as a reply or notification carries it. */
struct entry {
	uint8_t cmd;
	bool has_id, has_path, has_class, has_weight, has_reason;
	uint64_t id;
	unsigned int class, weight, reason;
	size_t path_len;
	char path[STRATOS_PATH_MAX + 1];
};

static void parse_entry(const struct nlmsghdr *nlh, struct entry *e)
{
	const struct nlattr *tb[STRATOS_A_CGROUP_MAX + 1];
	const struct genlmsghdr *g = NLMSG_DATA(nlh);
	const struct nlattr *attrs;
	size_t len;

	memset(e, 0, offsetof(struct entry, path));
	e->path[0] = '\0';
	e->cmd = g->cmd;
	attrs = nlt_genl_attrs(nlh, &len);
	nlt_parse_attrs(attrs, len, tb, STRATOS_A_CGROUP_MAX);
	if (tb[STRATOS_A_CGROUP_ID]) {
		e->has_id = true;
		e->id = nlt_get_uint(tb[STRATOS_A_CGROUP_ID]);
	}
	if (tb[STRATOS_A_CGROUP_CLASS]) {
		e->has_class = true;
		e->class = nlt_get_uint(tb[STRATOS_A_CGROUP_CLASS]);
	}
	if (tb[STRATOS_A_CGROUP_WEIGHT]) {
		e->has_weight = true;
		e->weight = nlt_get_uint(tb[STRATOS_A_CGROUP_WEIGHT]);
	}
	if (tb[STRATOS_A_CGROUP_REASON]) {
		e->has_reason = true;
		e->reason = nlt_get_uint(tb[STRATOS_A_CGROUP_REASON]);
	}
	if (tb[STRATOS_A_CGROUP_PATH]) {
		size_t n = tb[STRATOS_A_CGROUP_PATH]->nla_len - NLA_HDRLEN;

		if (n > STRATOS_PATH_MAX)
			n = STRATOS_PATH_MAX;
		memcpy(e->path, (const uint8_t *)tb[STRATOS_A_CGROUP_PATH] +
		       NLA_HDRLEN, n);
		e->path[n] = '\0';
		e->path_len = strlen(e->path);
		e->has_path = true;
	}
}

/* Collects GET replies and dump parts. */
struct collect {
	uint64_t want_id;	/* the entry to keep, if any */
	int nmsgs;
	int nwanted;		/* messages for want_id */
	bool intr;		/* some message carried NLM_F_DUMP_INTR */
	bool bad_cmd;		/* a message that is not CGROUP_GET */
	uint64_t *ids;		/* all ids seen, if non-NULL */
	int ids_max;
	struct entry e;		/* the last message for want_id */
};

static void collect_fn(const struct nlmsghdr *nlh, void *arg)
{
	struct collect *c = arg;
	static struct entry e;

	if (nlh->nlmsg_type != family)
		return;
	parse_entry(nlh, &e);
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		c->intr = true;
	if (e.cmd != STRATOS_CMD_CGROUP_GET)
		c->bad_cmd = true;
	if (c->ids && c->nmsgs < c->ids_max)
		c->ids[c->nmsgs] = e.id;
	c->nmsgs++;
	if (e.has_id && e.id == c->want_id) {
		c->nwanted++;
		memcpy(&c->e, &e, sizeof(e));
	}
}

/* GET_INFO on @s: the module's sign of life. */
struct info {
	bool ok;
	uint32_t api, cgroups, max_cgroups;
	char version[STRATOS_VERSION_MAX];
};

static void info_fn(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[STRATOS_A_INFO_MAX + 1];
	struct info *in = arg;
	const struct nlattr *attrs;
	size_t len;

	if (nlh->nlmsg_type != family)
		return;
	attrs = nlt_genl_attrs(nlh, &len);
	nlt_parse_attrs(attrs, len, tb, STRATOS_A_INFO_MAX);
	if (!tb[STRATOS_A_INFO_API_VERSION] || !tb[STRATOS_A_INFO_MODULE_VERSION] ||
	    !tb[STRATOS_A_INFO_CGROUPS] || !tb[STRATOS_A_INFO_MAX_CGROUPS])
		return;
	in->api = nlt_get_uint(tb[STRATOS_A_INFO_API_VERSION]);
	in->cgroups = nlt_get_uint(tb[STRATOS_A_INFO_CGROUPS]);
	in->max_cgroups = nlt_get_uint(tb[STRATOS_A_INFO_MAX_CGROUPS]);
	snprintf(in->version, sizeof(in->version), "%.*s",
		 (int)(tb[STRATOS_A_INFO_MODULE_VERSION]->nla_len - NLA_HDRLEN),
		 (const char *)tb[STRATOS_A_INFO_MODULE_VERSION] + NLA_HDRLEN);
	in->ok = true;
}

static int get_info(struct nlt_sock *s, struct info *in)
{
	static struct nlt_msg m;
	struct nlt_ack ack;
	uint32_t seq = s->seq++;
	int ret;

	memset(in, 0, sizeof(*in));
	nlt_msg_init(&m, family, NLM_F_REQUEST | NLM_F_ACK, seq,
		     STRATOS_CMD_GET_INFO, STRATOS_GENL_VERSION);
	ret = nlt_transact(s, m.buf, nlt_msg_end(&m), seq, info_fn, in, &ack);
	if (ret)
		return ret;
	if (ack.error)
		return ack.error;
	if (!in->ok || in->api != STRATOS_GENL_VERSION)
		return -EBADMSG;
	return 0;
}

/* Sends nothing to expect a reply to: anything queued now is stale. */
static void drain(struct nlt_sock *s)
{
	while (nlt_recv(s, MSG_DONTWAIT) >= 0)
		;
}

static void run_case(const char *name, void (*fn)(const void *), const void *arg)
{
	struct info in;
	int ret;

	case_failed = false;
	case_reason[0] = '\0';
	case_skip[0] = '\0';
	drain(&nl);
	fn(arg);

	ret = get_info(&nl, &in);
	if (ret)
		cfail("the module no longer answers GET_INFO: %s", strerror(-ret));

	tap_n++;
	if (case_failed) {
		if (tap_failed < MAX_FAILED)
			snprintf(failed_names[tap_failed], sizeof(failed_names[0]),
				 "%d - %s: %s", tap_n, name, case_reason);
		tap_failed++;
		printf("not ok %d - %s # %s\n", tap_n, name, case_reason);
	} else if (case_skip[0]) {
		printf("ok %d - %s # SKIP %s\n", tap_n, name, case_skip);
	} else {
		printf("ok %d - %s\n", tap_n, name);
	}
	fflush(stdout);
}

/* ---- one request, one expected answer ------------------------------- */

enum akind { AK_END, AK_U8, AK_U16, AK_U32, AK_U64, AK_STR, AK_FILL, AK_CG };

struct aspec {
	enum akind kind;
	uint16_t type;		/* nla_type, flag bits included */
	uint64_t val;		/* AK_U*: the value; AK_FILL: the length */
	const char *str;
};

#define A_U8(t, v)	{ AK_U8, (t), (v), NULL }
#define A_U16(t, v)	{ AK_U16, (t), (v), NULL }
#define A_U32(t, v)	{ AK_U32, (t), (v), NULL }
#define A_U64(t, v)	{ AK_U64, (t), (v), NULL }
#define A_STR(t, s)	{ AK_STR, (t), 0, (s) }
#define A_FILL(t, n)	{ AK_FILL, (t), (n), NULL }
#define A_CG		{ AK_CG, STRATOS_A_CGROUP_ID, 0, NULL }

struct tcase {
	const char *name;
	uint8_t cmd;
	uint16_t flags;		/* on top of NLM_F_REQUEST | NLM_F_ACK */
	uint8_t reserved;	/* genlmsghdr.reserved */
	struct aspec a[4];	/* ends at the first AK_END */
	int err;		/* expected errno as root */
	const char *msg;	/* expected extack message (substring) */
	int miss;		/* expected missing attribute type */
	int bad;		/* 1-based index in a[] of the offending attr */
	bool pre_perm;		/* rejected before the permission check */
	bool no_ext;		/* rejected by the core without an extack */
};

/* Commands the genetlink core keeps from senders without CAP_NET_ADMIN. */
static bool is_mutation(uint8_t cmd)
{
	return op_flags[cmd] & (GENL_ADMIN_PERM | GENL_UNS_ADMIN_PERM);
}

static void table_case(const void *arg)
{
	const struct tcase *tc = arg;
	const struct nlattr *at[4] = {};
	struct genlmsghdr *g;
	struct want w = {
		.err = tc->err, .msg = tc->msg, .miss = tc->miss,
		.no_ext = tc->no_ext, .base = msg.buf,
	};
	struct nlt_ack ack;
	int i;

	req(&msg, tc->cmd, tc->flags);
	g = NLMSG_DATA(nlt_hdr(&msg));
	g->reserved = tc->reserved;
	for (i = 0; i < 4 && tc->a[i].kind != AK_END; i++) {
		const struct aspec *a = &tc->a[i];

		switch (a->kind) {
		case AK_U8: at[i] = nlt_put_u8(&msg, a->type, a->val); break;
		case AK_U16: at[i] = nlt_put_u16(&msg, a->type, a->val); break;
		case AK_U32: at[i] = nlt_put_u32(&msg, a->type, a->val); break;
		case AK_U64: at[i] = nlt_put_u64(&msg, a->type, a->val); break;
		case AK_STR: at[i] = nlt_put_str(&msg, a->type, a->str); break;
		case AK_FILL: at[i] = nlt_put(&msg, a->type, filler, a->val); break;
		case AK_CG: at[i] = nlt_put_u64(&msg, a->type, cg_id); break;
		case AK_END: break;
		}
		if (!at[i]) {
			cfail("request does not fit");
			return;
		}
	}
	if (tc->bad)
		w.bad = at[tc->bad - 1];

	if (unpriv && is_mutation(tc->cmd) && !tc->pre_perm) {
		/* The core checks CAP_NET_ADMIN before parsing anything. */
		w = (struct want){ .err = EPERM, .no_ext = true };
	}
	if (w.no_ext)
		diag("expect %s (no extack: the genetlink core rejects it before the family)",
		     errname(w.err));
	else
		diag("expect %s%s%s%s", errname(w.err), w.msg ? ", \"" : "",
		     w.msg ? w.msg : "", w.msg ? "\"" : "");
	if (xfer(&nl, &msg, NULL, NULL, &ack))
		check_ack(&ack, &w);
}

#define GET	STRATOS_CMD_CGROUP_GET
#define SET	STRATOS_CMD_CGROUP_SET
#define DEL	STRATOS_CMD_CGROUP_DEL
#define INFO	STRATOS_CMD_GET_INFO
#define A_ID	STRATOS_A_CGROUP_ID
#define A_PATH	STRATOS_A_CGROUP_PATH
#define A_CLASS	STRATOS_A_CGROUP_CLASS
#define A_WEIGHT STRATOS_A_CGROUP_WEIGHT
#define A_FLAGS	STRATOS_A_CGROUP_FLAGS
#define A_REASON STRATOS_A_CGROUP_REASON
#define A_PAD	STRATOS_A_CGROUP_PAD

#define NODE	STRATOS_CMD_VCORE_NODE_GET
#define A_WINDOW STRATOS_A_VCORE_NODE_WINDOW
#define A_PCT	STRATOS_A_VCORE_NODE_PERCENTILE

#define BTGET	STRATOS_CMD_BT_STATS_GET
#define BTSET	STRATOS_CMD_BT_STATS_SET
#define A_MAPFD	STRATOS_A_BT_MAP_FD
#define A_BTCG	STRATOS_A_BT_CGROUP_ID
#define A_YFD	STRATOS_A_BT_YIELD_FD

#define T(n, c, ...)	{ .name = (n), .cmd = (c), __VA_ARGS__ }

#define E_LEN		"invalid attribute length"
#define E_RANGE		"integer out of range"
#define E_UNKNOWN	"Unknown attribute type"
#define E_UNSUPP	"Unsupported attribute"
#define E_NOENTRY	"cgroup has no stratos entry"
#define E_NOCGROUP	"no live cgroup v2 directory has this id"

static const struct tcase cases[] = {
	/* Required attribute missing: GENL_REQ_ATTR_CHECK's MISS_TYPE. */
	T("GET without CGROUP_ID", GET, .err = EINVAL, .miss = A_ID),
	T("SET without CGROUP_ID", SET, .a = { A_U8(A_CLASS, 1) },
	  .err = EINVAL, .miss = A_ID),
	T("SET without any attribute", SET, .err = EINVAL, .miss = A_ID),
	T("DEL without CGROUP_ID", DEL, .err = EINVAL, .miss = A_ID),

	/* Wrong types and lengths. */
	T("GET: CGROUP_ID as u32", GET, .a = { A_U32(A_ID, 1) }, .err = EINVAL,
	  .msg = E_LEN, .bad = 1),
	T("SET: CGROUP_ID as u32", SET, .a = { A_U32(A_ID, 1) }, .err = EINVAL,
	  .msg = E_LEN, .bad = 1),
	T("DEL: CGROUP_ID as u32", DEL, .a = { A_U32(A_ID, 1) }, .err = EINVAL,
	  .msg = E_LEN, .bad = 1),
	T("DEL: CGROUP_ID as a string", DEL, .a = { A_STR(A_ID, "123") },
	  .err = EINVAL, .msg = E_LEN, .bad = 1),
	T("SET: CLASS as u32", SET, .a = { A_CG, A_U32(A_CLASS, 1) },
	  .err = EINVAL, .msg = E_LEN, .bad = 2),
	T("SET: WEIGHT as u8", SET, .a = { A_CG, A_U8(A_WEIGHT, 100) },
	  .err = EINVAL, .msg = E_LEN, .bad = 2),
	T("SET: WEIGHT as u64", SET, .a = { A_CG, A_U64(A_WEIGHT, 100) },
	  .err = EINVAL, .msg = E_LEN, .bad = 2),
	T("SET: FLAGS as u16", SET, .a = { A_CG, A_U16(A_FLAGS, 0) },
	  .err = EINVAL, .msg = E_LEN, .bad = 2),
	T("GET: zero-length CGROUP_ID", GET, .a = { A_FILL(A_ID, 0) },
	  .err = EINVAL, .msg = E_LEN, .bad = 1),
	T("SET: zero-length CGROUP_ID", SET, .a = { A_FILL(A_ID, 0) },
	  .err = EINVAL, .msg = E_LEN, .bad = 1),
	T("SET: zero-length CLASS", SET, .a = { A_CG, A_FILL(A_CLASS, 0) },
	  .err = EINVAL, .msg = E_LEN, .bad = 2),
	T("SET: zero-length WEIGHT", SET, .a = { A_CG, A_FILL(A_WEIGHT, 0) },
	  .err = EINVAL, .msg = E_LEN, .bad = 2),
	T("SET: zero-length FLAGS", SET, .a = { A_CG, A_FILL(A_FLAGS, 0) },
	  .err = EINVAL, .msg = E_LEN, .bad = 2),

	/* Values out of range: the policies' bounds (ERANGE from the core). */
	T("SET: CLASS 3", SET, .a = { A_CG, A_U8(A_CLASS, 3) }, .err = ERANGE,
	  .msg = E_RANGE, .bad = 2),
	T("SET: CLASS 255", SET, .a = { A_CG, A_U8(A_CLASS, 255) },
	  .err = ERANGE, .msg = E_RANGE, .bad = 2),
	T("SET: WEIGHT 0", SET, .a = { A_CG, A_U32(A_WEIGHT, 0) },
	  .err = ERANGE, .msg = E_RANGE, .bad = 2),
	T("SET: WEIGHT 10001", SET, .a = { A_CG, A_U32(A_WEIGHT, 10001) },
	  .err = ERANGE, .msg = E_RANGE, .bad = 2),
	T("SET: WEIGHT 0xffffffff", SET,
	  .a = { A_CG, A_U8(A_CLASS, 1), A_U32(A_WEIGHT, 0xffffffff) },
	  .err = ERANGE, .msg = E_RANGE, .bad = 3),
	T("GET: CGROUP_ID 0", GET, .a = { A_U64(A_ID, 0) }, .err = ERANGE,
	  .msg = E_RANGE, .bad = 1),
	T("SET: CGROUP_ID 0", SET, .a = { A_U64(A_ID, 0) }, .err = ERANGE,
	  .msg = E_RANGE, .bad = 1),
	T("DEL: CGROUP_ID 0", DEL, .a = { A_U64(A_ID, 0) }, .err = ERANGE,
	  .msg = E_RANGE, .bad = 1),
	T("SET: FLAGS with unknown bit 1", SET,
	  .a = { A_CG, A_U32(A_FLAGS, 2) }, .err = EINVAL,
	  .msg = "reserved bit set", .bad = 2),
	T("SET: FLAGS with bit 31", SET,
	  .a = { A_CG, A_U32(A_FLAGS, 0x80000001u) }, .err = EINVAL,
	  .msg = "reserved bit set", .bad = 2),

	/* Oversized payloads; reply- and notification-only attributes. */
	T("SET: 8 KiB CGROUP_ID", SET, .a = { A_FILL(A_ID, 8192) },
	  .err = EINVAL, .msg = E_LEN, .bad = 1),
	T("GET: 8 KiB CGROUP_ID", GET, .a = { A_FILL(A_ID, 8192) },
	  .err = EINVAL, .msg = E_LEN, .bad = 1),
	T("SET: PATH (reply-only) attribute", SET,
	  .a = { A_CG, A_STR(A_PATH, "/x") }, .err = EINVAL, .msg = E_UNSUPP,
	  .bad = 2),
	T("SET: 8 KiB PATH attribute", SET,
	  .a = { A_CG, A_FILL(A_PATH, 8192) }, .err = EINVAL, .msg = E_UNSUPP,
	  .bad = 2),
	T("GET: PATH attribute", GET, .a = { A_CG, A_STR(A_PATH, "/") },
	  .err = EINVAL, .msg = E_UNKNOWN, .bad = 2),
	T("DEL: 8 KiB PATH attribute", DEL,
	  .a = { A_CG, A_FILL(A_PATH, 8192) }, .err = EINVAL, .msg = E_UNKNOWN,
	  .bad = 2),
	T("SET: REASON (notification-only) attribute", SET,
	  .a = { A_CG, A_U8(A_REASON, 0) }, .err = EINVAL, .msg = E_UNKNOWN,
	  .bad = 2),
	T("SET: PAD attribute", SET, .a = { A_CG, A_FILL(A_PAD, 0) },
	  .err = EINVAL, .msg = E_UNKNOWN, .bad = 2),
	T("DEL: CLASS attribute", DEL, .a = { A_CG, A_U8(A_CLASS, 1) },
	  .err = EINVAL, .msg = E_UNKNOWN, .bad = 2),
	T("GET_INFO with a (reply-only) attribute", INFO,
	  .a = { A_STR(STRATOS_A_INFO_MODULE_VERSION, "0.1.0") },
	  .err = EINVAL, .msg = E_UNSUPP, .bad = 1),
	T("GET_INFO with a 60 KiB attribute", INFO,
	  .a = { A_FILL(100, 61440) }, .err = EINVAL, .msg = E_UNKNOWN,
	  .bad = 1),
	T("SET: 60 KiB unknown attribute", SET,
	  .a = { A_CG, A_FILL(1000, 61440) }, .err = EINVAL, .msg = E_UNKNOWN,
	  .bad = 2),

	/* Unknown attribute types, NLA_F_NESTED where it does not belong. */
	T("SET: attribute type 0", SET, .a = { A_CG, A_U32(0, 0) },
	  .err = EINVAL, .msg = E_UNKNOWN, .bad = 2),
	T("GET: attribute type 0 before CGROUP_ID", GET,
	  .a = { A_FILL(0, 8), A_CG }, .err = EINVAL, .msg = E_UNKNOWN,
	  .bad = 1),
	T("SET: attribute type 8 (max + 1)", SET,
	  .a = { A_CG, A_U32(STRATOS_A_CGROUP_MAX + 1, 0) }, .err = EINVAL,
	  .msg = E_UNKNOWN, .bad = 2),
	T("SET: attribute type 0x3fff", SET, .a = { A_CG, A_U32(0x3fff, 0) },
	  .err = EINVAL, .msg = E_UNKNOWN, .bad = 2),
	T("GET: attribute type 200", GET, .a = { A_CG, A_U64(200, 1) },
	  .err = EINVAL, .msg = E_UNKNOWN, .bad = 2),
	T("SET: CGROUP_ID with NLA_F_NESTED", SET,
	  .a = { A_U64(A_ID | NLA_F_NESTED, 1) }, .err = EINVAL,
	  .msg = "NLA_F_NESTED not expected", .bad = 1),
	T("GET: CGROUP_ID with NLA_F_NESTED", GET,
	  .a = { A_U64(A_ID | NLA_F_NESTED, 1) }, .err = EINVAL,
	  .msg = "NLA_F_NESTED not expected", .bad = 1),
	T("SET: CLASS with NLA_F_NESTED", SET,
	  .a = { A_CG, A_U8(A_CLASS | NLA_F_NESTED, 1) }, .err = EINVAL,
	  .msg = "NLA_F_NESTED not expected", .bad = 2),
	T("SET: WEIGHT as a nest of garbage", SET,
	  .a = { A_CG, A_FILL(A_WEIGHT | NLA_F_NESTED, 24) }, .err = EINVAL,
	  .msg = E_LEN, .bad = 2),
	T("GET_INFO with a nested attribute", INFO,
	  .a = { A_FILL(STRATOS_A_INFO_FEATURES | NLA_F_NESTED, 12) },
	  .err = EINVAL, .msg = E_UNSUPP, .bad = 1),
	T("SET: nested attribute of unknown type", SET,
	  .a = { A_CG, A_FILL(300 | NLA_F_NESTED, 16) }, .err = EINVAL,
	  .msg = E_UNKNOWN, .bad = 2),

	/* The genetlink header and nlmsg flags. */
	T("unknown command 200", 200, .err = EOPNOTSUPP, .pre_perm = true,
	  .no_ext = true),
	T("command 0 (UNSPEC)", 0, .err = EOPNOTSUPP, .pre_perm = true,
	  .no_ext = true),
	T("VCORE_NODE_GET: WINDOW 0", NODE, .a = { A_U32(A_WINDOW, 0) },
	  .err = ERANGE, .msg = E_RANGE, .bad = 1),
	T("VCORE_NODE_GET: WINDOW above the maximum", NODE,
	  .a = { A_U32(A_WINDOW, STRATOS_VCORE_WINDOW_MAX + 1) },
	  .err = ERANGE, .msg = E_RANGE, .bad = 1),
	T("VCORE_NODE_GET: PERCENTILE 101", NODE,
	  .a = { A_U32(A_WINDOW, 5), A_U32(A_PCT, 101) },
	  .err = ERANGE, .msg = E_RANGE, .bad = 2),
	T("VCORE_NODE_GET: WINDOW as u8", NODE, .a = { A_U8(A_WINDOW, 5) },
	  .err = EINVAL, .msg = E_LEN, .bad = 1),
	T("command CMD_MAX + 1", STRATOS_CMD_MAX + 1, .a = { A_CG },
	  .err = EOPNOTSUPP, .pre_perm = true, .no_ext = true),
	T("GET_INFO with genlmsghdr.reserved 0x5a", INFO, .reserved = 0x5a,
	  .err = EINVAL, .msg = "reserved field is not 0", .pre_perm = true),
	T("SET with genlmsghdr.reserved 1", SET, .reserved = 1, .a = { A_CG },
	  .err = EINVAL, .msg = "reserved field is not 0", .pre_perm = true),
	T("SET with NLM_F_REPLACE", SET, .flags = NLM_F_REPLACE, .a = { A_CG },
	  .err = EINVAL, .msg = "reserved bits set in nlmsg_flags",
	  .pre_perm = true),
	T("GET with NLM_F_ROOT only (half a dump)", GET, .flags = NLM_F_ROOT,
	  .a = { A_CG }, .err = EINVAL,
	  .msg = "reserved bits set in nlmsg_flags", .pre_perm = true),
	T("GET_INFO with NLM_F_ATOMIC", INFO, .flags = NLM_F_ATOMIC,
	  .err = EINVAL, .msg = "reserved bits set in nlmsg_flags",
	  .pre_perm = true),
	T("SET with NLM_F_DUMP (no dumpit)", SET, .flags = NLM_F_DUMP,
	  .a = { A_CG }, .err = EOPNOTSUPP, .pre_perm = true, .no_ext = true),
	T("DEL with NLM_F_DUMP (no dumpit)", DEL, .flags = NLM_F_DUMP,
	  .a = { A_CG }, .err = EOPNOTSUPP, .pre_perm = true, .no_ext = true),
	T("GET_INFO with NLM_F_DUMP (no dumpit)", INFO, .flags = NLM_F_DUMP,
	  .err = EOPNOTSUPP, .pre_perm = true, .no_ext = true),

	/* Cgroup ids with nothing behind them. */
	T("GET: nonexistent cgroup id", GET, .a = { A_U64(A_ID, NOID) },
	  .err = ENOENT, .msg = E_NOENTRY, .bad = 1),
	T("SET: nonexistent cgroup id", SET,
	  .a = { A_U64(A_ID, NOID), A_U8(A_CLASS, 1) }, .err = ENOENT,
	  .msg = E_NOCGROUP, .bad = 1),
	T("SET NO_CREATE: nonexistent cgroup id", SET,
	  .a = { A_U64(A_ID, NOID), A_U32(A_FLAGS, STRATOS_CGROUP_F_NO_CREATE) },
	  .err = ENOENT, .msg = "cgroup", .bad = 1),
	T("DEL: nonexistent cgroup id", DEL, .a = { A_U64(A_ID, NOID) },
	  .err = ENOENT, .msg = E_NOENTRY, .bad = 1),
	T("GET: cgroup id 1 (the root) without an entry", GET,
	  .a = { A_U64(A_ID, 1) }, .err = ENOENT, .msg = E_NOENTRY, .bad = 1),

	/* Dump requests. */
	T("DUMP with CGROUP_ID", GET, .flags = NLM_F_DUMP, .a = { A_CG },
	  .err = EINVAL, .msg = "a dump takes no cgroup id", .bad = 1),
	T("DUMP with CGROUP_ID 0", GET, .flags = NLM_F_DUMP,
	  .a = { A_U64(A_ID, 0) }, .err = ERANGE, .msg = E_RANGE, .bad = 1),
	T("DUMP with CLASS", GET, .flags = NLM_F_DUMP,
	  .a = { A_U8(A_CLASS, 1) }, .err = EINVAL, .msg = E_UNKNOWN, .bad = 1),
	T("DUMP with CGROUP_ID as u32", GET, .flags = NLM_F_DUMP,
	  .a = { A_U32(A_ID, 1) }, .err = EINVAL, .msg = E_LEN, .bad = 1),

	/* scx_bt's statistics map. Run with stdin on /dev/null: fd 0. */
	T("BT_STATS_SET without MAP_FD", BTSET, .err = EINVAL, .miss = A_MAPFD),
	T("BT_STATS_SET: MAP_FD -2", BTSET, .a = { A_U32(A_MAPFD, -2U) },
	  .err = ERANGE, .msg = E_RANGE, .bad = 1),
	T("BT_STATS_SET: MAP_FD as u64", BTSET, .a = { A_U64(A_MAPFD, 0) },
	  .err = EINVAL, .msg = E_LEN, .bad = 1),
	T("BT_STATS_SET: MAP_FD not open", BTSET, .a = { A_U32(A_MAPFD, 999) },
	  .err = EBADF, .msg = "not a BPF map fd", .bad = 1),
	T("BT_STATS_SET: MAP_FD of a file, not a map", BTSET,
	  .a = { A_U32(A_MAPFD, 0) }, .err = EINVAL,
	  .msg = "not a BPF map fd", .bad = 1),
	T("BT_STATS_SET: YIELD_FD -2", BTSET,
	  .a = { A_U32(A_MAPFD, -1U), A_U32(A_YFD, -2U) },
	  .err = ERANGE, .msg = E_RANGE, .bad = 2),
	T("BT_STATS_SET: YIELD_FD as u64", BTSET,
	  .a = { A_U32(A_MAPFD, -1U), A_U64(A_YFD, 0) },
	  .err = EINVAL, .msg = E_LEN, .bad = 2),
	T("BT_STATS_SET: a reply's attribute (RUNTIME_NS)", BTSET,
	  .a = { A_U32(A_MAPFD, -1U), A_U64(STRATOS_A_BT_RUNTIME_NS, 0) },
	  .err = EINVAL, .bad = 2),
	T("BT_STATS_SET with NLM_F_DUMP (no dumpit)", BTSET,
	  .flags = NLM_F_DUMP, .err = EOPNOTSUPP, .pre_perm = true,
	  .no_ext = true),
	T("BT_STATS_GET without CGROUP_ID", BTGET, .err = EINVAL,
	  .miss = A_BTCG),
	T("BT_STATS_GET: CGROUP_ID 0", BTGET, .a = { A_U64(A_BTCG, 0) },
	  .err = ERANGE, .msg = E_RANGE, .bad = 1),
	/* Each command takes only its own attributes. */
	T("BT_STATS_GET: SET's MAP_FD", BTGET,
	  .a = { A_U64(A_BTCG, 1), A_U32(A_MAPFD, 0) }, .err = EINVAL,
	  .bad = 2),
	T("BT_STATS_GET: SET's YIELD_FD", BTGET,
	  .a = { A_U64(A_BTCG, 1), A_U32(A_YFD, 0) }, .err = EINVAL,
	  .msg = E_UNKNOWN, .bad = 2),
	T("BT_STATS_SET: GET's CGROUP_ID", BTSET,
	  .a = { A_U32(A_MAPFD, -1U), A_U64(A_BTCG, 1) }, .err = EINVAL,
	  .bad = 2),
};

/* ---- hand-made requests --------------------------------------------- */

/* Send raw bytes; the kernel must answer @err (or nothing at all). */
static void raw_case(const uint8_t *buf, size_t len, uint32_t seq,
		     int err, bool no_reply)
{
	struct nlt_ack ack;
	const struct nlmsghdr *nlh;
	ssize_t n;

	n = nlt_send(&nl, buf, len);
	if (n < 0) {
		cfail("send: %s", strerror(-n));
		return;
	}
	/* The kernel handles a request inside sendmsg(): answers are queued. */
	for (;;) {
		n = nlt_recv(&nl, MSG_DONTWAIT);
		if (n == -EAGAIN) {
			if (no_reply) {
				diag("got no answer, as expected");
				return;
			}
			cfail("no answer");
			return;
		}
		if (n < 0) {
			cfail("recv: %s", strerror(-n));
			return;
		}
		nlh = (const struct nlmsghdr *)nl.rbuf;
		if (nlh->nlmsg_seq != seq || !nlt_parse_ack(nlh, n, &ack))
			continue;
		if (no_reply) {
			char desc[256];

			nlt_ack_describe(&ack, desc, sizeof(desc));
			cfail("expected no answer, got %s", desc);
			return;
		}
		check_ack(&ack, &(struct want){ .err = err, .no_ext = true });
		return;
	}
}

static void case_short_genl_hdr(const void *arg)
{
	uint32_t seq = req(&msg, STRATOS_CMD_GET_INFO, 0);
	size_t nlmsg_len = *(const size_t *)arg;

	nlt_hdr(&msg)->nlmsg_len = nlmsg_len;
	diag("expect EINVAL (no extack: the genetlink core checks the header)");
	raw_case(msg.buf, nlmsg_len < NLMSG_HDRLEN ? NLMSG_HDRLEN : nlmsg_len,
		 seq, EINVAL, false);
}

static void case_nlmsg_len_too_big(const void *arg)
{
	uint32_t seq = req(&msg, STRATOS_CMD_GET_INFO, 0);

	(void)arg;
	nlt_hdr(&msg)->nlmsg_len = NLT_GENL_HDRLEN + 64;
	diag("expect no answer: netlink_rcv_skb() drops it silently");
	raw_case(msg.buf, NLT_GENL_HDRLEN, seq, 0, true);
}

static void case_nlmsg_len_too_small(const void *arg)
{
	uint32_t seq = req(&msg, STRATOS_CMD_GET_INFO, 0);

	(void)arg;
	nlt_hdr(&msg)->nlmsg_len = 8;
	diag("expect no answer: netlink_rcv_skb() drops it silently");
	raw_case(msg.buf, NLT_GENL_HDRLEN, seq, 0, true);
}

static void case_unknown_family(const void *arg)
{
	uint32_t seq = req(&msg, STRATOS_CMD_GET_INFO, 0);

	(void)arg;
	nlt_hdr(&msg)->nlmsg_type = 0xfffe;
	diag("expect ENOENT (no extack: no such family)");
	raw_case(msg.buf, nlt_msg_end(&msg), seq, ENOENT, false);
}

/* An attribute stream that does not parse: the core's "leftover" check. */
enum stream_kind { ST_NLA_LEN_2, ST_NLA_LEN_PAST_END, ST_TRAILING_3 };

static void case_bad_stream(const void *arg)
{
	enum stream_kind k = *(const enum stream_kind *)arg;
	uint8_t cmd = k == ST_TRAILING_3 ? STRATOS_CMD_CGROUP_GET :
					   STRATOS_CMD_CGROUP_SET;
	struct want w = { .err = EINVAL, .msg = "bytes leftover" };
	struct nlattr *nla;
	struct nlt_ack ack;
	size_t len;

	req(&msg, cmd, 0);
	nlt_put_u64(&msg, STRATOS_A_CGROUP_ID, cg_id);
	switch (k) {
	case ST_NLA_LEN_2:
		nla = nlt_put_u32(&msg, STRATOS_A_CGROUP_WEIGHT, 100);
		nla->nla_len = 2;
		len = nlt_msg_end(&msg);
		break;
	case ST_NLA_LEN_PAST_END:
		nla = nlt_put_u32(&msg, STRATOS_A_CGROUP_WEIGHT, 100);
		nla->nla_len = 200;
		len = nlt_msg_end(&msg);
		break;
	default:
		memset(msg.buf + msg.len, 0x7f, 3);
		msg.len += 3;
		len = nlt_msg_end(&msg);
		break;
	}
	if (unpriv && is_mutation(cmd))
		w = (struct want){ .err = EPERM, .no_ext = true };
	diag("expect %s", errname(w.err));
	if (xfer_len(&nl, &msg, len, NULL, NULL, &ack))
		check_ack(&ack, &w);
}

/* Two requests in one datagram: both are answered, in order. */
static void case_two_in_one(const void *arg)
{
	static uint8_t buf[256];
	struct nlmsghdr *nlh;
	uint32_t seq1, seq2;
	size_t len1, len2;
	struct nlt_ack ack;
	struct info in = {};
	ssize_t n;
	int got = 0;

	(void)arg;
	seq1 = req(&msg, STRATOS_CMD_GET_INFO, 0);
	len1 = nlt_msg_end(&msg);
	memcpy(buf, msg.buf, len1);
	seq2 = req(&msg, STRATOS_CMD_CGROUP_GET, 0);	/* no id: EINVAL */
	len2 = nlt_msg_end(&msg);
	memcpy(buf + len1, msg.buf, len2);

	n = nlt_send(&nl, buf, len1 + len2);
	if (n < 0) {
		cfail("send: %s", strerror(-n));
		return;
	}
	while (got < 2 && (n = nlt_recv(&nl, MSG_DONTWAIT)) >= 0) {
		size_t rem = n;

		for (nlh = (struct nlmsghdr *)nl.rbuf; NLMSG_OK(nlh, rem);
		     nlh = NLMSG_NEXT(nlh, rem)) {
			if (nlh->nlmsg_type == family && nlh->nlmsg_seq == seq1)
				info_fn(nlh, &in);
			if (!nlt_parse_ack(nlh, rem, &ack) || ack.done)
				continue;
			if (nlh->nlmsg_seq == seq1) {
				diag("first: error %d", ack.error);
				if (ack.error || !in.ok)
					cfail("GET_INFO in a batch failed: %d", ack.error);
				got++;
			} else if (nlh->nlmsg_seq == seq2) {
				if (got != 1)
					cfail("the second request was answered first");
				check_ack(&ack, &(struct want){ .err = EINVAL,
						.miss = STRATOS_A_CGROUP_ID });
				got++;
			}
		}
	}
	if (got < 2)
		cfail("%d of 2 requests answered", got);
}

/* GENL version is not checked by genetlink: any value must be harmless. */
static void case_version(const void *arg)
{
	uint8_t version = *(const uint8_t *)arg;
	struct nlt_ack ack;
	struct info in = {};

	req(&msg, STRATOS_CMD_GET_INFO, 0);
	((struct genlmsghdr *)NLMSG_DATA(nlt_hdr(&msg)))->version = version;
	diag("expect success: genetlink does not check the version");
	if (!xfer(&nl, &msg, info_fn, &in, &ack))
		return;
	check_ack(&ack, &(struct want){ .err = 0 });
	if (!ack.error && !in.ok)
		cfail("no GET_INFO reply");
}

/* ---- requests that must work ---------------------------------------- */

static int cg_get(struct nlt_sock *s, uint64_t id, struct collect *c,
		  struct nlt_ack *ack)
{
	static struct nlt_msg m;
	uint32_t seq = s->seq++;
	int ret;

	memset(c, 0, sizeof(*c));
	c->want_id = id;
	nlt_msg_init(&m, family, NLM_F_REQUEST | NLM_F_ACK, seq,
		     STRATOS_CMD_CGROUP_GET, STRATOS_GENL_VERSION);
	nlt_put_u64(&m, STRATOS_A_CGROUP_ID, id);
	ret = nlt_transact(s, m.buf, nlt_msg_end(&m), seq, collect_fn, c, ack);
	if (ret)
		cfail("GET: no answer: %s", strerror(-ret));
	return ret ? ret : ack->error;
}

/* class/weight < 0: leave out; flags < 0: leave out. */
static int cg_set(uint64_t id, int class, long weight, long flags,
		  struct nlt_ack *ack)
{
	static struct nlt_msg m;

	req(&m, STRATOS_CMD_CGROUP_SET, 0);
	nlt_put_u64(&m, STRATOS_A_CGROUP_ID, id);
	if (class >= 0)
		nlt_put_u8(&m, STRATOS_A_CGROUP_CLASS, class);
	if (weight >= 0)
		nlt_put_u32(&m, STRATOS_A_CGROUP_WEIGHT, weight);
	if (flags >= 0)
		nlt_put_u32(&m, STRATOS_A_CGROUP_FLAGS, flags);
	if (!xfer(&nl, &m, NULL, NULL, ack))
		return -ETIMEDOUT;
	return ack->error;
}

static int cg_del(uint64_t id, struct nlt_ack *ack)
{
	static struct nlt_msg m;

	req(&m, STRATOS_CMD_CGROUP_DEL, 0);
	nlt_put_u64(&m, STRATOS_A_CGROUP_ID, id);
	if (!xfer(&nl, &m, NULL, NULL, ack))
		return -ETIMEDOUT;
	return ack->error;
}

static int cg_dump(struct nlt_sock *s, struct collect *c, uint64_t id,
		   struct nlt_ack *ack)
{
	static struct nlt_msg m;
	uint32_t seq = s->seq++;
	int ret;

	memset(c, 0, sizeof(*c));
	c->want_id = id;
	nlt_msg_init(&m, family, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP, seq,
		     STRATOS_CMD_CGROUP_GET, STRATOS_GENL_VERSION);
	ret = nlt_transact(s, m.buf, nlt_msg_end(&m), seq, collect_fn, c, ack);
	if (ret) {
		cfail("DUMP: no answer: %s", strerror(-ret));
		return ret;
	}
	if (!ack->done && !ack->error)
		cfail("DUMP ended with an ack instead of NLMSG_DONE");
	return ack->error;
}

static void expect_ok(int ret, const struct nlt_ack *ack, const char *what)
{
	char desc[512];

	if (ret == -ETIMEDOUT || ret == -EAGAIN)
		return;		/* already reported */
	if (ret) {
		nlt_ack_describe(ack, desc, sizeof(desc));
		cfail("%s: %s", what, desc);
	}
}

static void expect_err(int ret, const struct nlt_ack *ack, int err,
		       const char *extmsg, const char *what)
{
	char desc[512];

	if (ret == -ETIMEDOUT || ret == -EAGAIN)
		return;
	nlt_ack_describe(ack, desc, sizeof(desc));
	diag("%s: %s", what, desc);
	if (-ret != err)
		cfail("%s: got %s, expected %s", what, errname(-ret),
		      errname(err));
	else if (extmsg && (!ack->has_msg || !strstr(ack->msg, extmsg)))
		cfail("%s: extack message \"%s\", expected \"%s\"", what,
		      ack->has_msg ? ack->msg : "(none)", extmsg);
}

static void check_entry(const struct entry *e, uint64_t id, unsigned int class,
			unsigned int weight, const char *path, const char *what)
{
	if (!e->has_id || e->id != id)
		cfail("%s: id %llu, expected %llu", what,
		      (unsigned long long)e->id, (unsigned long long)id);
	if (!e->has_class || e->class != class)
		cfail("%s: class %u, expected %u", what, e->class, class);
	if (!e->has_weight || e->weight != weight)
		cfail("%s: weight %u, expected %u", what, e->weight, weight);
	if (path && (!e->has_path || strcmp(e->path, path)))
		cfail("%s: path \"%s\", expected \"%s\"", what,
		      e->has_path ? e->path : "(none)", path);
}

/* Wait for a notification about @id on @ev. */
static bool wait_event(struct nlt_sock *ev, uint8_t cmd, uint64_t id,
		       struct entry *e)
{
	for (;;) {
		const struct nlmsghdr *nlh;
		ssize_t n = nlt_recv(ev, 0);
		size_t rem;

		if (n < 0) {
			cfail("no %s notification for %llu: %s",
			      cmd == STRATOS_CMD_CGROUP_SET ? "SET" : "DEL",
			      (unsigned long long)id, strerror(-n));
			return false;
		}
		rem = n;
		for (nlh = (const struct nlmsghdr *)ev->rbuf; NLMSG_OK(nlh, rem);
		     nlh = NLMSG_NEXT(nlh, rem)) {
			if (nlh->nlmsg_type != family)
				continue;
			parse_entry(nlh, e);
			if (e->cmd == cmd && e->has_id && e->id == id)
				return true;
		}
	}
}

static void case_round_trip(const void *arg)
{
	struct nlt_sock ev;
	struct nlt_ack ack;
	struct collect c;
	struct info in;
	struct entry e;
	const char *want_path = cg_path + strlen(CGROOT);
	int ret;

	(void)arg;
	diag("cgroup %s, id %llu", cg_path, (unsigned long long)cg_id);

	ret = nlt_open(&ev, TIMEOUT_MS);
	if (!ret)
		ret = nlt_join_group(&ev, events_grp);
	if (ret) {
		cfail("events socket: %s", strerror(-ret));
		return;
	}

	/* A fresh entry: SET, its notification, GET, GET_INFO's count. */
	expect_ok(cg_set(cg_id, STRATOS_CLASS_ONLINE, 500, -1, &ack), &ack,
		  "SET class 1 weight 500");
	if (wait_event(&ev, STRATOS_CMD_CGROUP_SET, cg_id, &e)) {
		check_entry(&e, cg_id, STRATOS_CLASS_ONLINE, 500, NULL,
			    "SET notification");
		if (e.has_path)
			cfail("a notification carries a path");
	}
	ret = cg_get(&nl, cg_id, &c, &ack);
	expect_ok(ret, &ack, "GET");
	if (!ret) {
		diag("GET: id %llu class %u weight %u path %s",
		     (unsigned long long)c.e.id, c.e.class, c.e.weight, c.e.path);
		if (c.nwanted != 1 || c.nmsgs != 1)
			cfail("GET: %d replies, expected one", c.nmsgs);
		check_entry(&c.e, cg_id, STRATOS_CLASS_ONLINE, 500, want_path,
			    "GET");
	}
	ret = get_info(&nl, &in);
	if (ret || in.cgroups < 1)
		cfail("GET_INFO: %d, %u entries", ret, in.cgroups);

	/* Partial updates keep what they leave out. */
	expect_ok(cg_set(cg_id, -1, 7, -1, &ack), &ack, "SET weight 7");
	expect_ok(cg_set(cg_id, STRATOS_CLASS_OFFLINE, -1,
			 STRATOS_CGROUP_F_NO_CREATE, &ack), &ack,
		  "SET NO_CREATE class 2");
	if (!cg_get(&nl, cg_id, &c, &ack))
		check_entry(&c.e, cg_id, STRATOS_CLASS_OFFLINE, 7, want_path,
			    "GET after updates");
	else
		expect_ok(-1, &ack, "GET after updates");

	/* The dump holds it, once. */
	ret = cg_dump(&nl, &c, cg_id, &ack);
	expect_ok(ret, &ack, "DUMP");
	diag("DUMP: %d entries", c.nmsgs);
	if (!ret && c.nwanted != 1)
		cfail("DUMP: the entry appears %d times", c.nwanted);
	else if (!ret)
		check_entry(&c.e, cg_id, STRATOS_CLASS_OFFLINE, 7, want_path,
			    "DUMP");
	if (c.bad_cmd)
		cfail("DUMP: a message that is not CGROUP_GET");

	/* DEL, its notification, and then nothing is left. */
	expect_ok(cg_del(cg_id, &ack), &ack, "DEL");
	if (wait_event(&ev, STRATOS_CMD_CGROUP_DEL, cg_id, &e) &&
	    (!e.has_reason || e.reason != STRATOS_DEL_REQUESTED))
		cfail("DEL notification: reason %u, expected %u", e.reason,
		      STRATOS_DEL_REQUESTED);
	expect_err(cg_get(&nl, cg_id, &c, &ack), &ack, ENOENT, E_NOENTRY,
		   "GET after DEL");
	expect_err(cg_del(cg_id, &ack), &ack, ENOENT, E_NOENTRY,
		   "DEL after DEL");
	expect_err(cg_set(cg_id, -1, -1, STRATOS_CGROUP_F_NO_CREATE, &ack), &ack,
		   ENOENT, E_NOENTRY, "SET NO_CREATE after DEL");
	ret = cg_dump(&nl, &c, cg_id, &ack);
	expect_ok(ret, &ack, "DUMP after DEL");
	if (!ret && c.nwanted)
		cfail("DUMP after DEL still holds the entry");

	/* A SET with only the id creates the default entry. */
	expect_ok(cg_set(cg_id, -1, -1, -1, &ack), &ack, "SET id only");
	if (!cg_get(&nl, cg_id, &c, &ack))
		check_entry(&c.e, cg_id, STRATOS_CLASS_NONE,
			    STRATOS_WEIGHT_DEFAULT, want_path, "default entry");
	expect_ok(cg_del(cg_id, &ack), &ack, "DEL default entry");
	nlt_close(&ev);
}

/* Removing the cgroup removes its entry and says why. */
static void case_cgroup_removed(const void *arg)
{
	struct nlt_sock ev;
	struct nlt_ack ack;
	struct collect c;
	struct entry e;
	char path[300];
	uint64_t id;
	int ret;

	(void)arg;
	snprintf(path, sizeof(path), "%s-rm", cg_path);
	if (mkdir(path, 0755) || nlt_cgroup_id(path, &id)) {
		cfail("mkdir %s: %s", path, strerror(errno));
		return;
	}
	ret = nlt_open(&ev, TIMEOUT_MS);
	if (!ret)
		ret = nlt_join_group(&ev, events_grp);
	if (ret) {
		cfail("events socket: %s", strerror(-ret));
		rmdir(path);
		return;
	}
	expect_ok(cg_set(id, STRATOS_CLASS_OFFLINE, 1, -1, &ack), &ack, "SET");
	if (rmdir(path))
		cfail("rmdir %s: %s", path, strerror(errno));
	if (wait_event(&ev, STRATOS_CMD_CGROUP_DEL, id, &e) &&
	    (!e.has_reason || e.reason != STRATOS_DEL_CGROUP_REMOVED))
		cfail("DEL notification: reason %u, expected %u", e.reason,
		      STRATOS_DEL_CGROUP_REMOVED);
	expect_err(cg_get(&nl, id, &c, &ack), &ack, ENOENT, E_NOENTRY,
		   "GET after rmdir");
	expect_err(cg_set(id, 1, -1, -1, &ack), &ack, ENOENT, E_NOCGROUP,
		   "SET after rmdir");
	nlt_close(&ev);
}

/* A cgroupfs file's inode is not a cgroup id. */
static void case_file_inode(const void *arg)
{
	struct nlt_ack ack;
	uint64_t id;

	(void)arg;
	if (nlt_cgroup_id(CGROOT "/cgroup.procs", &id)) {
		cfail("stat cgroup.procs: %s", strerror(errno));
		return;
	}
	diag("inode of %s/cgroup.procs: %llu", CGROOT, (unsigned long long)id);
	expect_err(cg_set(id, 1, -1, -1, &ack), &ack, ENOENT, E_NOCGROUP,
		   "SET on a file's inode");
}

/* SET NO_CREATE on a live cgroup without an entry. */
static void case_no_create(const void *arg)
{
	struct nlt_ack ack;

	(void)arg;
	expect_err(cg_set(cg_id, 1, 100, STRATOS_CGROUP_F_NO_CREATE, &ack), &ack,
		   ENOENT, E_NOENTRY, "SET NO_CREATE");
}

/* Remove a tree made by mktree(), deepest first. */
static void rmtree(char paths[][4200], int n)
{
	while (n-- > 0)
		if (rmdir(paths[n]) && errno != ENOENT)
			diag("rmdir %s: %s", paths[n], strerror(errno));
}

/*
 * A dump spread over several datagrams, with the registry changed between
 * them, must flag the parts after the change with NLM_F_DUMP_INTR.
 */
#define INTR_CGROUPS 96

static void case_dump_intr(const void *arg)
{
	static char paths[INTR_CGROUPS + 1][4200];
	static uint64_t ids[INTR_CGROUPS], seen[1024];
	char name[201];
	struct nlt_sock d;
	struct nlt_ack ack;
	struct collect c = { .ids = seen, .ids_max = 1024 };
	uint32_t seq;
	int i, n = 0, parts = 0, ret, changed_after = -1;
	bool done = false, intr_first = false;

	(void)arg;
	memset(name, 'd', 200);
	name[200] = '\0';
	snprintf(paths[0], sizeof(paths[0]), "%s-dump", cg_path);
	if (mkdir(paths[0], 0755)) {
		cfail("mkdir %s: %s", paths[0], strerror(errno));
		return;
	}
	for (n = 1; n <= INTR_CGROUPS; n++) {
		snprintf(paths[n], sizeof(paths[n]), "%.300s/%s%03d", paths[0],
			 name, n);
		if (mkdir(paths[n], 0755) || nlt_cgroup_id(paths[n], &ids[n - 1])) {
			cfail("mkdir %s: %s", paths[n], strerror(errno));
			goto out;
		}
		if (cg_set(ids[n - 1], 1, n, -1, &ack)) {
			expect_ok(-1, &ack, "SET");
			n++;
			goto out;
		}
	}

	/*
	 * A fresh socket that never offers recv() more than the datagram
	 * waiting: netlink sizes the next part by the largest read so far, so
	 * the parts stay as small as the module lets them be (about 13 of
	 * these entries in NLMSG_GOODSIZE). A tiny receive buffer holds one
	 * part at a time: the next is built when the last one has been read.
	 */
	ret = nlt_open(&d, TIMEOUT_MS);
	if (ret) {
		cfail("socket: %s", strerror(-ret));
		goto out;
	}
	ret = 1;
	if (setsockopt(d.fd, SOL_SOCKET, SO_RCVBUF, &ret, sizeof(ret)))
		diag("SO_RCVBUF: %s", strerror(errno));
	seq = d.seq++;
	nlt_msg_init(&msg, family, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP, seq,
		     STRATOS_CMD_CGROUP_GET, STRATOS_GENL_VERSION);
	c.want_id = ids[0];
	ret = nlt_send(&d, msg.buf, nlt_msg_end(&msg));
	while (!done && ret >= 0) {
		const struct nlmsghdr *nlh;
		ssize_t len = recv(d.fd, NULL, 0, MSG_PEEK | MSG_TRUNC);
		size_t rem;

		if (len >= 0) {
			d.rcvlen = len < NLT_RCV_MAX ? len : NLT_RCV_MAX;
			len = nlt_recv(&d, 0);
		} else {
			len = -errno;
		}
		if (len < 0) {
			cfail("dump part %d: %s", parts + 1, strerror(-len));
			break;
		}
		parts++;
		rem = len;
		for (nlh = (const struct nlmsghdr *)d.rbuf; NLMSG_OK(nlh, rem);
		     nlh = NLMSG_NEXT(nlh, rem)) {
			if (nlh->nlmsg_type == NLMSG_DONE ||
			    nlh->nlmsg_type == NLMSG_ERROR) {
				if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
					c.intr = true;
				nlt_parse_ack(nlh, rem, &ack);
				expect_ok(ack.error, &ack, "DUMP");
				done = true;
				break;
			}
			collect_fn(nlh, &c);
		}
		/*
		 * Reading part 1 made the kernel build part 2; change the
		 * registry now, so part 3 onwards is built after it.
		 */
		if (parts == 1) {
			intr_first = c.intr;
			expect_ok(cg_set(ids[0], -1, 4242, -1, &ack), &ack,
				  "SET during the dump");
			changed_after = c.nmsgs;
		}
	}
	diag("dump: %d parts, %d entries, registry changed after %d entries, DUMP_INTR %s",
	     parts, c.nmsgs, changed_after, c.intr ? "seen" : "never seen");
	if (done && parts < 3)
		cfail("the dump came in %d parts, the test needs 3 or more", parts);
	else if (done && !c.intr)
		cfail("the registry changed during a multi-part dump, but no message carries NLM_F_DUMP_INTR");
	if (done && intr_first)
		cfail("the first part, built before any change, carries NLM_F_DUMP_INTR");

	/* An update moves no entry: the dump must hold each exactly once. */
	for (i = 0; done && i < INTR_CGROUPS; i++) {
		int j, times = 0;

		for (j = 0; j < c.nmsgs && j < c.ids_max; j++)
			times += seen[j] == ids[i];
		if (times != 1) {
			cfail("cgroup %llu appears %d times in the dump",
			      (unsigned long long)ids[i], times);
			break;
		}
	}
	nlt_close(&d);
out:
	for (i = 0; i < n - 1 && i < INTR_CGROUPS; i++)
		cg_del(ids[i], &ack);
	rmtree(paths, n);
}

/*
 * A cgroup whose path is up to STRATOS_PATH_MAX - 1 bytes long: GET and a
 * dump from a fresh socket must still return its entry. The directories are
 * made relative to their parents, since the whole path is longer than
 * PATH_MAX.
 */
#define LONG_LEVELS 32

static void case_long_path(const void *arg)
{
	static char rel[STRATOS_PATH_MAX + 256];
	char name[LONG_LEVELS][256];
	int fd[LONG_LEVELS + 1];
	struct nlt_sock d;
	struct nlt_ack ack;
	struct collect c;
	size_t len, target = *(const size_t *)arg;
	struct stat st;
	uint64_t id = 0;
	int n = 0, i, ret;

	fd[0] = open(CGROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd[0] < 0) {
		cfail("open %s: %s", CGROOT, strerror(errno));
		return;
	}
	len = snprintf(rel, sizeof(rel), "%s-long", cg_path + strlen(CGROOT));
	snprintf(name[0], sizeof(name[0]), "%.250s", rel + 1);
	for (;;) {
		if (mkdirat(fd[n], name[n], 0755)) {
			cfail("mkdir (level %d): %s", n, strerror(errno));
			goto out;
		}
		fd[n + 1] = openat(fd[n], name[n], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd[n + 1] < 0) {
			cfail("open (level %d): %s", n, strerror(errno));
			unlinkat(fd[n], name[n], AT_REMOVEDIR);
			goto out;
		}
		n++;
		if (len + 1 >= target || n == LONG_LEVELS)
			break;
		i = target - len - 1 > 250 ? 250 : target - len - 1;
		memset(name[n], 'p', i);
		name[n][i] = '\0';
		len += snprintf(rel + len, sizeof(rel) - len, "/%s", name[n]);
	}
	if (fstat(fd[n], &st)) {
		cfail("stat: %s", strerror(errno));
		goto out;
	}
	id = st.st_ino;
	diag("cgroup path of %zu bytes, %d levels, id %llu", len, n,
	     (unsigned long long)id);
	if (cg_set(id, 1, 42, -1, &ack)) {
		expect_ok(-1, &ack, "SET");
		goto out;
	}

	ret = cg_get(&nl, id, &c, &ack);
	expect_ok(ret, &ack, "GET");
	if (!ret) {
		diag("GET: path of %zu bytes", c.e.path_len);
		check_entry(&c.e, id, 1, 42, rel, "GET");
	}

	ret = nlt_open(&d, TIMEOUT_MS);
	if (ret) {
		cfail("socket: %s", strerror(-ret));
	} else {
		ret = cg_dump(&d, &c, id, &ack);
		expect_ok(ret, &ack, "DUMP from a fresh socket");
		if (!ret) {
			diag("DUMP: %d entries, path of %zu bytes", c.nmsgs,
			     c.e.path_len);
			if (c.nwanted != 1)
				cfail("DUMP: the entry appears %d times", c.nwanted);
			else
				check_entry(&c.e, id, 1, 42, NULL, "DUMP");
		}
		nlt_close(&d);
	}
	cg_del(id, &ack);
out:
	for (i = n - 1; i >= 0; i--) {
		close(fd[i + 1]);
		if (unlinkat(fd[i], name[i], AT_REMOVEDIR))
			diag("rmdir (level %d): %s", i, strerror(errno));
	}
	close(fd[0]);
}

static void __attribute__((noreturn)) child_exit(int status)
{
	fflush(stdout);
	_exit(status);
}

/* In another network namespace the family does not exist. */
static void case_netns(const void *arg)
{
	pid_t pid;
	int status;

	(void)arg;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		cfail("fork: %s", strerror(errno));
		return;
	}
	if (!pid) {
		struct nlt_sock s;
		struct nlt_ack ack;
		uint16_t id;
		uint32_t seq;
		int ret;

		if (unshare(CLONE_NEWNET) &&
		    unshare(CLONE_NEWUSER | CLONE_NEWNET)) {
			diag("cannot unshare the network namespace: %s",
			     strerror(errno));
			child_exit(4);
		}
		if (nlt_open(&s, TIMEOUT_MS))
			child_exit(1);
		ret = nlt_resolve(&s, STRATOS_GENL_NAME, &id, NULL, NULL, NULL);
		diag("new netns: resolving \"%s\": %s", STRATOS_GENL_NAME,
		     ret ? strerror(-ret) : "found");
		if (ret != -ENOENT)
			child_exit(1);
		/* And the id from init_net leads nowhere. */
		seq = s.seq++;
		nlt_msg_init(&msg, family, NLM_F_REQUEST | NLM_F_ACK, seq,
			     STRATOS_CMD_GET_INFO, STRATOS_GENL_VERSION);
		ret = nlt_transact(&s, msg.buf, nlt_msg_end(&msg), seq, NULL,
				   NULL, &ack);
		diag("new netns: GET_INFO to id %u: %s", family,
		     ret ? strerror(-ret) : ack.error ? strerror(-ack.error) : "answered");
		child_exit(!ret && ack.error == -ENOENT ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) != pid) {
		cfail("waitpid: %s", strerror(errno));
		return;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 4) {
		snprintf(case_skip, sizeof(case_skip),
			 "cannot create a network namespace");
		return;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		cfail("the family is visible or answers outside init_net");
}

/* What the controller says about the family's commands. */
static void case_ops(const void *arg)
{
	static const struct {
		uint8_t cmd;
		uint32_t want, forbid;
	} known[] = {
		{ STRATOS_CMD_GET_INFO, GENL_CMD_CAP_DO,
		  GENL_ADMIN_PERM | GENL_UNS_ADMIN_PERM },
		{ STRATOS_CMD_CGROUP_GET, GENL_CMD_CAP_DO | GENL_CMD_CAP_DUMP,
		  GENL_ADMIN_PERM | GENL_UNS_ADMIN_PERM },
		{ STRATOS_CMD_CGROUP_SET, GENL_CMD_CAP_DO | GENL_ADMIN_PERM, 0 },
		{ STRATOS_CMD_CGROUP_DEL, GENL_CMD_CAP_DO | GENL_ADMIN_PERM, 0 },
	};
	char line[512];
	size_t off = 0, i;
	int cmd;

	(void)arg;
	for (cmd = 0; cmd < 256; cmd++) {
		uint32_t f = op_flags[cmd];

		if (!f || off >= sizeof(line) - 32)
			continue;
		off += snprintf(line + off, sizeof(line) - off, " %d:%s%s%s%s", cmd,
				f & GENL_CMD_CAP_DO ? "do" : "",
				f & GENL_CMD_CAP_DUMP ? "+dump" : "",
				f & GENL_ADMIN_PERM ? "+admin" : "",
				f & GENL_UNS_ADMIN_PERM ? "+uns_admin" : "");
	}
	diag("commands:%s", line);
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		uint32_t f = op_flags[known[i].cmd];

		if (!f || (f & known[i].want) != known[i].want ||
		    (f & known[i].forbid))
			cfail("command %u has flags 0x%x, expected 0x%x without 0x%x",
			      known[i].cmd, f & ~NLT_OP_PRESENT, known[i].want,
			      known[i].forbid);
	}
	if (op_flags[0] || op_flags[STRATOS_CMD_MAX + 1])
		cfail("commands outside 1..STRATOS_CMD_MAX are registered");
}

/* A BPF map of another layout than scx_bt's bt_stats is refused. */
static void case_bt_stats_wrong_map(const void *arg)
{
	union bpf_attr attr = {
		.map_type = BPF_MAP_TYPE_ARRAY,
		.key_size = sizeof(uint32_t),
		.value_size = sizeof(uint64_t),
		.max_entries = 1,
	};
	struct nlt_ack ack;
	int fd, ret;

	(void)arg;
	fd = syscall(__NR_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
	if (fd < 0) {
		cfail("BPF_MAP_CREATE: %s", strerror(errno));
		return;
	}
	req(&msg, BTSET, 0);
	nlt_put_u32(&msg, A_MAPFD, fd);
	ret = xfer(&nl, &msg, NULL, NULL, &ack) ? ack.error : -ETIMEDOUT;
	expect_err(ret, &ack, EINVAL, "not scx_bt's bt_stats map",
		   "an array map");
	close(fd);
}

static int bpf_array_map(uint32_t value_size)
{
	union bpf_attr attr = {
		.map_type = BPF_MAP_TYPE_ARRAY,
		.key_size = sizeof(uint32_t),
		.value_size = value_size,
		.max_entries = 1,
	};

	return syscall(__NR_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
}

static int bpf_stats_map(void)
{
	union bpf_attr attr = {
		.map_type = BPF_MAP_TYPE_HASH,
		.key_size = sizeof(uint64_t),
		.value_size = sizeof(struct bt_cg_stats),
		.max_entries = 16,
	};

	return syscall(__NR_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
}

/* BT_STATS_SET with a statistics map and @yfd as YIELD_FD: the error. */
static int bt_set_yield(int fd, int yfd, struct nlt_ack *ack)
{
	req(&msg, BTSET, 0);
	nlt_put_u32(&msg, A_MAPFD, fd);
	nlt_put_u32(&msg, A_YFD, yfd);
	return xfer(&nl, &msg, NULL, NULL, ack) ? ack->error : -ETIMEDOUT;
}

/*
 * The bt_yield map beside the statistics map: one of another layout, or a
 * file, is refused and names YIELD_FD; the right pair is taken, and MAP_FD
 * -1 lets go of both.
 */
static void case_bt_yield_maps(const void *arg)
{
	int fd = bpf_stats_map(), wrong = bpf_array_map(sizeof(uint64_t));
	int right = bpf_array_map(sizeof(struct bt_yield));
	struct nlt_ack ack;
	int ret;

	(void)arg;
	if (fd < 0 || wrong < 0 || right < 0) {
		cfail("BPF_MAP_CREATE: %s", strerror(errno));
		goto out;
	}
	ret = bt_set_yield(fd, wrong, &ack);
	expect_err(ret, &ack, EINVAL, "not scx_bt's bt_yield map",
		   "YIELD_FD of an array of u64");
	ret = bt_set_yield(fd, 0, &ack);
	expect_err(ret, &ack, EINVAL, "not a BPF map fd",
		   "YIELD_FD of a file");
	ret = bt_set_yield(fd, right, &ack);
	if (ret)
		cfail("the right pair of maps refused: %s", errname(-ret));
	req(&msg, BTSET, 0);
	nlt_put_u32(&msg, A_MAPFD, -1U);
	ret = xfer(&nl, &msg, NULL, NULL, &ack) ? ack.error : -ETIMEDOUT;
	if (ret)
		cfail("MAP_FD -1 refused: %s", errname(-ret));
out:
	if (fd >= 0)
		close(fd);
	if (wrong >= 0)
		close(wrong);
	if (right >= 0)
		close(right);
}

/* ---- unprivileged mode ---------------------------------------------- */

/* Every command that needs CAP_NET_ADMIN refuses us, as a request and a dump. */
static void case_unpriv_admin_ops(const void *arg)
{
	struct nlt_ack ack;
	int cmd, n = 0;

	(void)arg;
	for (cmd = 1; cmd < 256; cmd++) {
		int dump;

		if (!is_mutation(cmd))
			continue;
		for (dump = 0; dump < 2; dump++) {
			uint32_t cap = dump ? GENL_CMD_CAP_DUMP : GENL_CMD_CAP_DO;

			if (!(op_flags[cmd] & cap))
				continue;
			req(&msg, cmd, dump ? NLM_F_DUMP : 0);
			nlt_put_u64(&msg, 1, cg_id);
			if (!xfer(&nl, &msg, NULL, NULL, &ack))
				return;
			n++;
			if (ack.error != -EPERM)
				cfail("command %d%s: %s, expected EPERM", cmd,
				      dump ? " (dump)" : "",
				      ack.error ? errname(-ack.error) : "success");
		}
	}
	diag("%d admin-only requests refused", n);
	if (!n)
		cfail("the family has no admin-only command");
}

static void case_unpriv_mutations(const void *arg)
{
	struct nlt_ack ack, ack2;
	struct collect before, after;
	int rb, ra;

	(void)arg;
	rb = cg_get(&nl, cg_id, &before, &ack);
	diag("GET before: %s", rb ? errname(-rb) : "entry");
	expect_err(cg_set(cg_id, 2, 9999, -1, &ack), &ack, EPERM, NULL,
		   "SET on the test cgroup");
	expect_err(cg_set(cg_id, 1, -1, STRATOS_CGROUP_F_NO_CREATE, &ack), &ack,
		   EPERM, NULL, "SET NO_CREATE on the test cgroup");
	expect_err(cg_set(NOID, 1, -1, -1, &ack), &ack, EPERM, NULL,
		   "SET on a nonexistent id");
	expect_err(cg_del(cg_id, &ack), &ack, EPERM, NULL,
		   "DEL on the test cgroup");
	expect_err(cg_del(NOID, &ack), &ack, EPERM, NULL,
		   "DEL on a nonexistent id");
	ra = cg_get(&nl, cg_id, &after, &ack2);
	if (ra != rb || (!ra && (after.e.class != before.e.class ||
				 after.e.weight != before.e.weight)))
		cfail("the entry changed under unprivileged requests");
}

static void case_unpriv_get(const void *arg)
{
	struct nlt_ack ack;
	struct collect c;
	int ret;

	(void)arg;
	ret = cg_get(&nl, cg_id, &c, &ack);
	if (ret == -ENOENT) {
		diag("the test cgroup has no entry: ENOENT, \"%s\"",
		     ack.has_msg ? ack.msg : "");
		if (!ack.has_msg)
			cfail("ENOENT without an extended ack");
	} else if (ret) {
		expect_ok(ret, &ack, "GET");
	} else {
		diag("GET: class %u weight %u path %s", c.e.class, c.e.weight,
		     c.e.path);
		if (!c.e.has_id || c.e.id != cg_id || !c.e.has_class ||
		    !c.e.has_weight)
			cfail("GET reply is incomplete");
	}
}

static void case_dump(const void *arg)
{
	struct nlt_ack ack;
	struct collect c;
	int ret;

	(void)arg;
	ret = cg_dump(&nl, &c, 0, &ack);
	expect_ok(ret, &ack, "DUMP");
	diag("DUMP: %d entries", c.nmsgs);
	if (c.bad_cmd)
		cfail("DUMP: a message that is not CGROUP_GET");
}

static void case_get_info(const void *arg)
{
	struct info in;
	int ret;

	(void)arg;
	ret = get_info(&nl, &in);
	if (ret) {
		cfail("GET_INFO: %s", strerror(-ret));
		return;
	}
	diag("module %s, API %u, %u/%u entries", in.version, in.api,
	     in.cgroups, in.max_cgroups);
}

/* ---- main ----------------------------------------------------------- */

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: nl_malformed [--unpriv --cgroup-id ID]\n");
	exit(status);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "unpriv", no_argument, NULL, 'u' },
		{ "cgroup-id", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	static const size_t short_lens[] = { 16, 18, 8 };
	static const enum stream_kind streams[] = {
		ST_NLA_LEN_2, ST_NLA_LEN_PAST_END, ST_TRAILING_3,
	};
	static const uint8_t versions[] = { 0, 255 };
	static const size_t long_paths[] = { 3700, STRATOS_PATH_MAX - 1 };
	char name[128];
	size_t i;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'u':
			unpriv = true;
			break;
		case 'c':
			cg_id = strtoull(optarg, NULL, 0);
			break;
		case 'h':
			usage(0);
			break;
		default:
			usage(2);
		}
	}
	if (optind != argc || (unpriv && !cg_id))
		usage(2);
	memset(filler, 'A', sizeof(filler));

	printf("TAP version 13\n");
	ret = nlt_open(&nl, TIMEOUT_MS);
	if (ret) {
		printf("Bail out! netlink socket: %s\n", strerror(-ret));
		return 1;
	}
	ret = nlt_resolve(&nl, STRATOS_GENL_NAME, &family,
			  STRATOS_GENL_MCGRP_EVENTS, &events_grp, op_flags);
	if (ret) {
		printf("Bail out! generic netlink family \"%s\": %s (module not loaded?)\n",
		       STRATOS_GENL_NAME, strerror(-ret));
		return 1;
	}
	diag("family %s id %u, events group %u, %s mode, uid %u", STRATOS_GENL_NAME,
	     family, events_grp, unpriv ? "unprivileged" : "root", getuid());

	if (!unpriv) {
		snprintf(cg_path, sizeof(cg_path), CGROOT "/nlm-test-%d", getpid());
		if (mkdir(cg_path, 0755) || nlt_cgroup_id(cg_path, &cg_id)) {
			printf("Bail out! mkdir %s: %s\n", cg_path, strerror(errno));
			return 1;
		}
	}

	run_case("GET_INFO answers", case_get_info, NULL);
	run_case("commands and their permissions", case_ops, NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(cases[i].name, table_case, &cases[i]);
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name),
			 "truncated header: nlmsg_len %zu", short_lens[i]);
		if (short_lens[i] < NLMSG_HDRLEN)
			run_case("nlmsg_len smaller than struct nlmsghdr",
				 case_nlmsg_len_too_small, NULL);
		else
			run_case(name, case_short_genl_hdr, &short_lens[i]);
	}
	run_case("nlmsg_len larger than the datagram", case_nlmsg_len_too_big,
		 NULL);
	run_case("unknown family id", case_unknown_family, NULL);
	run_case("attribute with nla_len 2", case_bad_stream, &streams[0]);
	run_case("attribute with nla_len past the message", case_bad_stream,
		 &streams[1]);
	run_case("3 trailing bytes after the attributes", case_bad_stream,
		 &streams[2]);
	run_case("two requests in one datagram", case_two_in_one, NULL);
	for (i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "genl version %u", versions[i]);
		run_case(name, case_version, &versions[i]);
	}
	run_case("DUMP completes", case_dump, NULL);
	run_case("family invisible in another network namespace", case_netns,
		 NULL);

	if (unpriv) {
		run_case("unprivileged: SET and DEL get EPERM, entry unchanged",
			 case_unpriv_mutations, NULL);
		run_case("unprivileged: GET works", case_unpriv_get, NULL);
		run_case("unprivileged: every admin-only command gets EPERM",
			 case_unpriv_admin_ops, NULL);
	} else {
		run_case("SET NO_CREATE on a cgroup without entry",
			 case_no_create, NULL);
		run_case("SET on a cgroupfs file inode", case_file_inode, NULL);
		run_case("BT_STATS_SET: a BPF map of another layout",
			 case_bt_stats_wrong_map, NULL);
		run_case("BT_STATS_SET: the bt_yield map beside it",
			 case_bt_yield_maps, NULL);
		run_case("round trip: SET, GET, DUMP, DEL, notifications",
			 case_round_trip, NULL);
		run_case("entry leaves with its cgroup", case_cgroup_removed,
			 NULL);
		for (i = 0; i < 2; i++) {
			snprintf(name, sizeof(name),
				 "cgroup path of %zu bytes: GET and DUMP",
				 long_paths[i]);
			run_case(name, case_long_path, &long_paths[i]);
		}
		run_case("DUMP_INTR on a dump the registry changed under",
			 case_dump_intr, NULL);
		if (rmdir(cg_path))
			diag("rmdir %s: %s", cg_path, strerror(errno));
	}

	printf("1..%d\n", tap_n);
	for (i = 0; i < (size_t)tap_failed && i < MAX_FAILED; i++)
		diag("failed %s", failed_names[i]);
	diag("%d of %d failed", tap_failed, tap_n);
	nlt_close(&nl);
	return tap_failed ? 1 : 0;
}
