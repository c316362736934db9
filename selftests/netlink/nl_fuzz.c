// SPDX-License-Identifier: GPL-2.0
/*
 * nl_fuzz: throw a large number of generated and mutated messages at the
 * stratos generic netlink family (issue #7) and check that the module
 * survives, answers sensibly, and never lets an unprivileged sender change
 * anything.
 *
 *   nl_fuzz [-n COUNT] [-s SEED] [--unpriv [--uid UID]] [-v]
 *
 * Each datagram is one of: a valid request (random command, attributes and
 * cgroup id; the cgroup registry's commands are built to a known outcome,
 * the family's other commands, as the controller lists them, get plausible
 * attributes), a valid request with its attributes mutated (types, lengths,
 * NLA_F_* bits, out-of-range values, duplicates, unknown and nested garbage
 * attributes), a valid request with its headers mutated (nlmsg flags, genl
 * command, reserved byte, version), a request with broken lengths
 * (truncated headers, nlmsg_len past the datagram, cut attributes, trailing
 * bytes), random bytes, a batch of several messages, or a dump that is
 * interrupted midway (socket closed, another request started, registry
 * changed between parts). Cgroup ids come from a set of scratch cgroups
 * under /sys/fs/cgroup/fuzz-<pid>/ that are created and removed during the
 * run, ids of cgroups already removed, ids nothing has, and (for reads
 * only) small ids of cgroups that are not ours.
 *
 * The scratch cgroups have the cpu controller, so class=offline (cpu.idle)
 * works on them. Mutations never name a cgroup that is not ours.
 *
 * Every datagram is walked the way netlink_rcv_skb() walks it before it is
 * sent: each message the kernel will dispatch is pointed at the stratos
 * family (never at another family), and gets a sequence number that encodes
 * what the answer must be where that is known (the genetlink core's header
 * and permission checks, from the family's command list; the policies and
 * the registry for requests we built valid). Answers are read without
 * blocking and checked: expected errnos, sane replies and notifications,
 * and in --unpriv mode no mutation may ever succeed. The module must answer
 * GET_INFO every 100000 messages and at the end, and no entry of a removed
 * scratch cgroup may be left.
 *
 * --unpriv: if run as root, the scratch cgroups get entries first, then a
 * child drops to UID (default 65534), checks that the netlink socket root
 * opened does not lend it root's rights, and fuzzes on a socket of its own;
 * the parent then checks that the entries did not change.
 *
 * Output is TAP (1..1) with '#' diagnostics and a summary of the errnos
 * seen. Exit status 0 if the run passed, 1 if not.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/stratos.h>

#include "nl_common.h"

#define CGROOT		"/sys/fs/cgroup"

/* ---- PRNG: splitmix64 seeding a xorshift64* -------------------------- */

static uint64_t rng;

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t rnd64(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

/* Uniform in [0, n). */
static inline uint32_t rnd(uint32_t n)
{
	return (uint32_t)(((rnd64() >> 32) * (uint64_t)n) >> 32);
}

static inline bool pct(uint32_t p)
{
	return rnd(100) < p;
}

static void rnd_bytes(uint8_t *p, size_t n)
{
	while (n >= 8) {
		uint64_t v = rnd64();

		memcpy(p, &v, 8);
		p += 8;
		n -= 8;
	}
	if (n) {
		uint64_t v = rnd64();

		memcpy(p, &v, n);
	}
}

/* ---- state ---------------------------------------------------------- */

/*
 * What the answer to a message must be, encoded in bits 1-3 of its
 * sequence number; bit 0 says it is a SET or DEL; the rest counts messages.
 */
enum expect {
	EXP_ANY,
	EXP_OK,
	EXP_EINVAL,
	EXP_ERANGE,
	EXP_ENOENT,
	EXP_EPERM,
	EXP_EOPNOTSUPP,
	EXP_OK_OR_ENOENT,
};

static const char *const exp_names[] = {
	"anything", "success", "EINVAL", "ERANGE", "ENOENT", "EPERM",
	"EOPNOTSUPP", "success or ENOENT",
};

static bool exp_matches(enum expect e, int err)
{
	switch (e) {
	case EXP_ANY: return true;
	case EXP_OK: return err == 0;
	case EXP_EINVAL: return err == -EINVAL;
	case EXP_ERANGE: return err == -ERANGE;
	case EXP_ENOENT: return err == -ENOENT;
	case EXP_EPERM: return err == -EPERM;
	case EXP_EOPNOTSUPP: return err == -EOPNOTSUPP;
	case EXP_OK_OR_ENOENT: return err == 0 || err == -ENOENT;
	}
	return false;
}

static uint16_t family;
static uint32_t events_grp;
static uint32_t op_flags[256];		/* the family's commands */
static uint8_t other_cmds[256];		/* those beyond the cgroup registry */
static int nr_other;
static int nr_cpus;
static bool unpriv, verbose;
static uint64_t count = 1000000, seed = 0x5eed5eedULL;
static uid_t drop_uid = 65534;

/* Scratch cgroups: live slots, and a ring of ids already removed. */
#define NR_SLOTS	48
#define NR_REMOVED	256
#define LONG_TARGET	3300	/* bytes of path for the deep cgroup */
#define LONG_LEVELS	16

static char base_dir[64];		/* fuzz-<pid>, relative to CGROOT */
static int base_fd = -1;
static uint64_t slot_id[NR_SLOTS];
static unsigned int slot_gen[NR_SLOTS];
static int nr_live;
static uint64_t removed[NR_REMOVED];
static int nr_removed;
static int long_fd[LONG_LEVELS + 1] = { -1 };
static char long_name[LONG_LEVELS][256];
static int long_levels;
static uint64_t long_id;
static unsigned int churns;
static bool offline_ok;			/* our cgroups have cpu.idle */

/* Sockets: requests, notifications, interrupted dumps. */
#define NR_DUMP_SOCKS	4

static struct nlt_sock main_sk, events_sk, dump_sk[NR_DUMP_SOCKS];
static bool dump_open[NR_DUMP_SOCKS];

/* Statistics. */
#define ERRNO_MAX 256

static uint64_t ack_errno[ERRNO_MAX + 1];	/* index -error; last = other */
static uint64_t done_errno[ERRNO_MAX + 1];
static uint64_t send_errno[ERRNO_MAX + 1];
static uint64_t recv_errno[ERRNO_MAX + 1];
static uint64_t n_sent, n_msgs, n_replies, n_notifs, n_dump_intr, n_dumps;
static uint64_t n_interrupted, n_failures, n_mismatch, n_checks, n_expected;
static uint64_t n_other;		/* answers to the family's other commands */
static uint32_t msg_ctr;

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

static char first_failure[256];

static void failure(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void failure(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n_failures++ < 20)
		diag("FAIL: %s", buf);
	if (!first_failure[0])
		snprintf(first_failure, sizeof(first_failure), "%.255s", buf);
}

static void count_errno(uint64_t *hist, int err)
{
	if (err < 0)
		err = -err;
	hist[err < ERRNO_MAX ? err : ERRNO_MAX]++;
}

/* The last messages sent, by counter, to show what an odd answer was for. */
#define RING		256
#define RING_BYTES	96

static struct {
	uint32_t ctr;
	uint16_t len;
	uint8_t data[RING_BYTES];
} ring[RING];

static void ring_put(uint32_t ctr, const uint8_t *p, size_t len)
{
	typeof(ring[0]) *r = &ring[ctr % RING];

	r->ctr = ctr;
	r->len = len;
	memcpy(r->data, p, len < RING_BYTES ? len : RING_BYTES);
}

static void ring_show(uint32_t ctr)
{
	typeof(ring[0]) *r = &ring[ctr % RING];
	char hex[RING_BYTES * 3 + 1];
	size_t i, n;

	if (r->ctr != ctr) {
		diag("  (request #%u no longer remembered)", ctr);
		return;
	}
	n = r->len < RING_BYTES ? r->len : RING_BYTES;
	for (i = 0; i < n; i++)
		snprintf(hex + 3 * i, 4, "%02x ", r->data[i]);
	hex[3 * n] = '\0';
	diag("  request #%u, %u bytes: %s%s", ctr, r->len, hex,
	     r->len > RING_BYTES ? "..." : "");
}

/* ---- cgroups -------------------------------------------------------- */

static int slot_name(int slot, unsigned int gen, char *buf, size_t size)
{
	/* Long names make dumps span several datagrams. */
	return snprintf(buf, size, "s%02d-g%u-%.*s", slot, gen, 180,
			"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
			"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
			"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc");
}

static int slot_make(int slot)
{
	char name[256];
	struct stat st;

	slot_name(slot, slot_gen[slot], name, sizeof(name));
	if (mkdirat(base_fd, name, 0755) || fstatat(base_fd, name, &st, 0))
		return -errno;
	slot_id[slot] = st.st_ino;
	return 0;
}

static int slot_remove(int slot)
{
	char name[256];

	slot_name(slot, slot_gen[slot], name, sizeof(name));
	if (unlinkat(base_fd, name, AT_REMOVEDIR))
		return -errno;
	removed[nr_removed++ % NR_REMOVED] = slot_id[slot];
	slot_id[slot] = 0;
	return 0;
}

/* Enable the cpu controller for the children of the directory @dirfd. */
static int enable_cpu(int dirfd)
{
	int fd = openat(dirfd, "cgroup.subtree_control", O_WRONLY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, "+cpu", 4) != 4)
		ret = -errno;
	close(fd);
	return ret;
}

static int cgroups_create(void)
{
	struct stat st;
	size_t len;
	int i, ret;

	snprintf(base_dir, sizeof(base_dir), "fuzz-%d", getpid());
	ret = open(CGROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ret < 0)
		return -errno;
	if (mkdirat(ret, base_dir, 0755)) {
		int e = errno;

		close(ret);
		return -e;
	}
	base_fd = openat(ret, base_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(ret);
	if (base_fd < 0)
		return -errno;
	/* class=offline needs cpu.idle, so the cpu controller. */
	offline_ok = !enable_cpu(base_fd);
	for (i = 0; i < NR_SLOTS; i++) {
		ret = slot_make(i);
		if (ret)
			return ret;
		nr_live++;
	}

	/*
	 * One deep cgroup, so that replies carry long paths (made relative to
	 * the parents: the whole path may be longer than PATH_MAX).
	 */
	long_fd[0] = dup(base_fd);
	if (long_fd[0] < 0)
		return -errno;
	len = 1 + strlen(base_dir);
	for (i = 0; i < LONG_LEVELS && len + 1 < LONG_TARGET; i++) {
		size_t n = LONG_TARGET - len - 1 > 240 ? 240 : LONG_TARGET - len - 1;

		memset(long_name[i], 'l', n);
		long_name[i][n] = '\0';
		if (i && enable_cpu(long_fd[i]))
			offline_ok = false;
		if (mkdirat(long_fd[i], long_name[i], 0755))
			return -errno;
		long_levels = i + 1;
		long_fd[i + 1] = openat(long_fd[i], long_name[i],
					O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (long_fd[i + 1] < 0)
			return -errno;
		len += n + 1;
	}
	if (fstat(long_fd[long_levels], &st))
		return -errno;
	long_id = st.st_ino;
	return 0;
}

static void cgroups_remove(void)
{
	char path[128];
	int i;

	if (base_fd < 0)
		return;
	for (i = long_levels - 1; i >= 0; i--) {
		if (long_fd[i + 1] >= 0)
			close(long_fd[i + 1]);
		if (unlinkat(long_fd[i], long_name[i], AT_REMOVEDIR))
			diag("rmdir (deep cgroup, level %d): %s", i, strerror(errno));
	}
	if (long_fd[0] >= 0)
		close(long_fd[0]);
	long_levels = 0;
	for (i = 0; i < NR_SLOTS; i++)
		if (slot_id[i] && slot_remove(i))
			diag("rmdir slot %d: %s", i, strerror(errno));
	close(base_fd);
	base_fd = -1;
	snprintf(path, sizeof(path), CGROOT "/%s", base_dir);
	if (rmdir(path))
		diag("rmdir %s: %s", path, strerror(errno));
}

/* Replace a scratch cgroup by a new one: ids die and are born. */
static void churn(void)
{
	int slot = rnd(NR_SLOTS);
	int ret;

	if (slot_id[slot]) {
		ret = slot_remove(slot);
		if (ret) {
			failure("rmdir of scratch cgroup %d: %s", slot, strerror(-ret));
			return;
		}
	}
	slot_gen[slot]++;
	ret = slot_make(slot);
	if (ret)
		failure("mkdir of scratch cgroup %d: %s", slot, strerror(-ret));
	churns++;
}

/* ---- message building ----------------------------------------------- */

#define DGRAM_MAX	(66 * 1024)
#define MAX_MSGS	8

struct dgram {
	size_t len;
	int nmsg;
	size_t start;			/* of the message being built */
	uint8_t exp[MAX_MSGS];		/* per message, as generated */
	uint32_t off[MAX_MSGS];		/* where each message starts */
	uint8_t buf[DGRAM_MAX] __attribute__((aligned(8)));
};

static struct dgram dg;

static struct nlmsghdr *msg_begin(struct dgram *d, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;

	d->len = NLMSG_ALIGN(d->len);
	d->start = d->len;
	nlh = (struct nlmsghdr *)(d->buf + d->len);
	memset(nlh, 0, NLT_GENL_HDRLEN);
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = flags;
	g = NLMSG_DATA(nlh);
	g->cmd = cmd;
	g->version = STRATOS_GENL_VERSION;
	d->len += NLT_GENL_HDRLEN;
	return nlh;
}

static void msg_end(struct dgram *d, enum expect e)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)(d->buf + d->start);

	nlh->nlmsg_len = d->len - d->start;
	if (d->nmsg < MAX_MSGS) {
		d->exp[d->nmsg] = e;
		d->off[d->nmsg] = d->start;
		d->nmsg++;
	}
}

static struct nlattr *put_attr(struct dgram *d, uint16_t type,
			       const void *data, size_t len)
{
	struct nlattr *nla;
	size_t total = NLA_ALIGN(NLA_HDRLEN + len);

	if (d->len + total > sizeof(d->buf) || NLA_HDRLEN + len > 0xffff)
		return NULL;
	nla = (struct nlattr *)(d->buf + d->len);
	nla->nla_type = type;
	nla->nla_len = NLA_HDRLEN + len;
	if (data)
		memcpy(nla + 1, data, len);
	else
		rnd_bytes((uint8_t *)(nla + 1), len);
	memset((uint8_t *)(nla + 1) + len, 0, total - NLA_HDRLEN - len);
	d->len += total;
	return nla;
}

/* Nested garbage: attributes inside attributes, some of them broken. */
static void put_nest(struct dgram *d, uint16_t type, int depth)
{
	size_t start = d->len;
	struct nlattr *nla = put_attr(d, type | NLA_F_NESTED, "", 0);
	int i, n = rnd(4);

	if (!nla)
		return;
	for (i = 0; i < n; i++) {
		if (depth < 3 && pct(30)) {
			put_nest(d, rnd(10), depth + 1);
		} else {
			struct nlattr *in = put_attr(d, rnd(10) | (pct(10) ? NLA_F_NESTED : 0),
						     NULL, rnd(13));

			if (in && pct(10))
				in->nla_len = rnd(64);
		}
	}
	nla = (struct nlattr *)(d->buf + start);
	nla->nla_len = d->len - start > 0xffff ? 0xffff : d->len - start;
}

/* ---- cgroup ids ----------------------------------------------------- */

enum id_kind { ID_LIVE, ID_LONG, ID_REMOVED, ID_NONE, ID_ZERO, ID_FOREIGN };

/*
 * An id for a request. Mutations only ever name our own cgroups or ids no
 * cgroup has: SET on someone else's cgroup could change how it is run.
 */
static uint64_t pick_id(bool mutating, enum id_kind *kind)
{
	uint32_t r = rnd(100);

	if (r < 60 && nr_live) {
		int slot = rnd(NR_SLOTS);

		if (slot_id[slot]) {
			*kind = ID_LIVE;
			return slot_id[slot];
		}
	}
	if (r < 65 && long_id) {
		*kind = ID_LONG;
		return long_id;
	}
	if (r < 77 && nr_removed) {
		*kind = ID_REMOVED;
		return removed[rnd(nr_removed < NR_REMOVED ? nr_removed : NR_REMOVED)];
	}
	if (r < 82) {
		*kind = ID_ZERO;
		return 0;
	}
	if (r < 92 && !mutating) {
		*kind = ID_FOREIGN;
		return 1 + rnd(4096);
	}
	*kind = ID_NONE;
	return (1ULL << 40) | rnd64();
}

static bool id_live(enum id_kind k)
{
	return k == ID_LIVE || k == ID_LONG;
}

/* No cgroup has it: removed ones are never reused, huge ones never made. */
static bool id_dead(enum id_kind k)
{
	return k == ID_REMOVED || k == ID_NONE;
}

/* ---- requests ------------------------------------------------------- */

/* An attribute about to be put, and what the policy will say about it. */
struct aspec {
	uint16_t type;
	uint16_t len;
	uint8_t data[40];	/* integers little endian; short strings */
	uint8_t exp;		/* EXP_OK if the policy accepts it */
};

static void spec_u(struct aspec *a, uint16_t type, uint64_t v, int len,
		   enum expect e)
{
	a->type = type;
	a->len = len;
	memcpy(a->data, &v, 8);	/* little endian: the low bytes first */
	a->exp = e;
}

/* Attributes for the family's other commands: plausible, often not. */
static void spec_other(struct aspec *a, uint16_t type, bool safe_ids)
{
	static const uint64_t vals[] = {
		0, 1, 2, 1000, 999, 4000000, 4000001, 1ULL << 20, (1ULL << 20) - 1,
		0xffffffffULL, 1ULL << 40,
	};
	static const int lens[] = { 1, 2, 4, 8 };
	enum id_kind k;

	if (type == 1 && pct(60)) {		/* a cgroup id, mostly */
		spec_u(a, type, pick_id(safe_ids, &k), 8, EXP_ANY);
	} else if (type == 1) {			/* or a CPU */
		spec_u(a, type, rnd(nr_cpus + 2), 4, EXP_ANY);
	} else if (pct(15)) {			/* a string, maybe a path */
		int n = pct(50) ? snprintf((char *)a->data, sizeof(a->data),
					   "%s/%s", CGROOT, base_dir) : 0;

		while (n < (int)sizeof(a->data) - 1 && pct(80))
			a->data[n++] = 32 + rnd(95);
		a->data[n] = '\0';
		a->type = type;
		a->len = n + (pct(90) ? 1 : 0);
		a->exp = EXP_ANY;
	} else {
		uint64_t v = pct(70) ? vals[rnd(sizeof(vals) / sizeof(vals[0]))] :
				       rnd64();

		spec_u(a, type, v, lens[rnd(4)], EXP_ANY);
	}
}

static uint64_t pick_weight(enum expect *e)
{
	uint32_t r = rnd(100);

	*e = EXP_OK;
	if (r < 80)
		return STRATOS_WEIGHT_MIN + rnd(STRATOS_WEIGHT_MAX);
	if (r < 85)
		return r & 1 ? STRATOS_WEIGHT_MIN : STRATOS_WEIGHT_MAX;
	*e = EXP_ERANGE;
	if (r < 90)
		return 0;
	if (r < 95)
		return STRATOS_WEIGHT_MAX + 1 + rnd(100);
	return (uint32_t)rnd64() | 0x80000000u;
}

static uint64_t pick_class(enum expect *e)
{
	*e = EXP_OK;
	if (pct(88))
		return rnd(STRATOS_CLASS_MAX + 1);
	*e = EXP_ERANGE;
	return STRATOS_CLASS_MAX + 1 + rnd(255 - STRATOS_CLASS_MAX);
}

static uint64_t pick_flags(enum expect *e)
{
	uint32_t v;

	*e = EXP_OK;
	if (pct(85))
		return rnd(2);
	v = rnd64() | (1u << (1 + rnd(31)));
	*e = EXP_EINVAL;
	return v;
}

/* Distort one attribute spec. */
static void mutate_spec(struct aspec *a)
{
	static const uint16_t lens[] = { 0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 16 };

	switch (rnd(7)) {
	case 0:		/* wrong length */
		a->len = lens[rnd(sizeof(lens) / sizeof(lens[0]))];
		if (a->len > 8)
			a->len = 8;
		break;
	case 1:		/* another known or unknown type */
		a->type = pct(70) ? rnd(STRATOS_A_CGROUP_MAX + 3) : rnd(65536);
		break;
	case 2:
		a->type |= NLA_F_NESTED;
		break;
	case 3:
		a->type |= NLA_F_NET_BYTEORDER;
		break;
	case 4:		/* flipped bits in a value (never in an id) */
		if ((a->type & NLA_TYPE_MASK) != STRATOS_A_CGROUP_ID && a->len)
			a->data[rnd(a->len)] ^= 1 << rnd(8);
		break;
	case 5:		/* extreme values */
		if ((a->type & NLA_TYPE_MASK) != STRATOS_A_CGROUP_ID)
			memset(a->data, pct(50) ? 0xff : 0, sizeof(a->data));
		break;
	default:	/* type 0 */
		a->type = 0;
		break;
	}
	a->exp = EXP_ANY;
}

enum { MUT_ATTR = 1, MUT_HDR = 2, MUT_LEN = 4, MUT_NEST = 8 };

/* One request into @d, valid unless @mut says otherwise. */
static void gen_request(struct dgram *d, int mut)
{
	struct aspec a[8];
	int na = 0, i, cmd_pick = rnd(100);
	uint8_t cmd;
	uint16_t flags = NLM_F_REQUEST;
	enum expect e = EXP_ANY, ve;
	enum id_kind kind = ID_NONE;
	bool has_id = false, no_create = false, offline = false, other = false;
	struct nlmsghdr *nlh;
	size_t start;

	if (pct(75))
		flags |= NLM_F_ACK;

	if (cmd_pick < 12) {
		cmd = STRATOS_CMD_GET_INFO;
		e = EXP_OK;
	} else if (cmd_pick < 40) {
		cmd = STRATOS_CMD_CGROUP_GET;
	} else if (cmd_pick < 47) {
		cmd = STRATOS_CMD_CGROUP_GET;
		flags |= NLM_F_DUMP;
		n_dumps++;
	} else if (cmd_pick < 82) {
		cmd = STRATOS_CMD_CGROUP_SET;
	} else if (cmd_pick < 92 || !nr_other) {
		cmd = STRATOS_CMD_CGROUP_DEL;
	} else {
		uint32_t f;
		int n = rnd(4);

		cmd = other_cmds[rnd(nr_other)];
		f = op_flags[cmd];
		if ((f & GENL_CMD_CAP_DUMP) &&
		    (pct(30) || !(f & GENL_CMD_CAP_DO)))
			flags |= NLM_F_DUMP;
		while (n--)
			spec_other(&a[na++], pct(90) ? 1 + rnd(8) : rnd(20),
				   mut || (f & (GENL_ADMIN_PERM | GENL_UNS_ADMIN_PERM)));
		other = true;
	}

	if (cmd != STRATOS_CMD_GET_INFO && !(flags & NLM_F_DUMP) && !other &&
	    pct(96)) {
		/* Others' cgroups only in reads that stay reads. */
		uint64_t id = pick_id(cmd != STRATOS_CMD_CGROUP_GET || mut, &kind);

		spec_u(&a[na++], STRATOS_A_CGROUP_ID, id, 8,
		       kind == ID_ZERO ? EXP_ERANGE : EXP_OK);
		has_id = true;
	}
	if (cmd == STRATOS_CMD_CGROUP_SET) {
		uint64_t v;

		if (pct(60)) {
			v = pick_class(&ve);
			offline = v == STRATOS_CLASS_OFFLINE;
			spec_u(&a[na++], STRATOS_A_CGROUP_CLASS, v, 1, ve);
		}
		if (pct(60)) {
			v = pick_weight(&ve);
			spec_u(&a[na++], STRATOS_A_CGROUP_WEIGHT, v, 4, ve);
		}
		if (pct(25)) {
			v = pick_flags(&ve);
			no_create = v & STRATOS_CGROUP_F_NO_CREATE;
			spec_u(&a[na++], STRATOS_A_CGROUP_FLAGS, v, 4, ve);
		}
	}
	/* Random order: the policy reports the first bad one. */
	for (i = na - 1; i > 0; i--) {
		int j = rnd(i + 1);
		struct aspec t = a[i];

		a[i] = a[j];
		a[j] = t;
	}

	if (mut & MUT_ATTR) {
		int n = 1 + rnd(3);

		while (n--) {
			uint32_t r = rnd(100);

			if (r < 50 && na) {
				mutate_spec(&a[rnd(na)]);
			} else if (r < 65 && na && na < 8) {
				a[na] = a[rnd(na)];	/* duplicate */
				na++;
			} else if (na < 8) {		/* reply-only or unknown */
				uint16_t t = pct(50) ? STRATOS_A_CGROUP_PATH + 4 * rnd(2) :
						       rnd(STRATOS_A_CGROUP_MAX + 10);

				spec_u(&a[na++], t, rnd64(), rnd(9), EXP_ANY);
			}
		}
		/* Whatever became an id names one of ours, or nothing. */
		for (i = 0; i < na; i++) {
			enum id_kind k;
			uint64_t id;

			if ((a[i].type & NLA_TYPE_MASK) != STRATOS_A_CGROUP_ID)
				continue;
			id = pick_id(true, &k);
			memcpy(a[i].data, &id, sizeof(id));
		}
	}

	/* What the answer must be, when everything was built valid. */
	if (!(mut & (MUT_ATTR | MUT_NEST | MUT_LEN | MUT_HDR)) && !other &&
	    cmd != STRATOS_CMD_GET_INFO && !(flags & NLM_F_DUMP)) {
		e = EXP_ANY;
		for (i = 0; i < na; i++) {
			if (a[i].exp != EXP_OK) {
				e = a[i].exp;
				break;
			}
		}
		if (e == EXP_ANY) {
			if (!has_id)
				e = EXP_EINVAL;
			else if (id_dead(kind))
				e = EXP_ENOENT;
			else if (offline && !offline_ok)
				e = EXP_ANY;	/* EOPNOTSUPP: no cpu.idle */
			else if (cmd == STRATOS_CMD_CGROUP_SET && !no_create &&
				 id_live(kind))
				e = EXP_OK;
			else
				e = EXP_OK_OR_ENOENT;
		}
	} else if (mut || other) {
		e = EXP_ANY;
	}

	msg_begin(d, cmd, flags);
	start = d->len;
	for (i = 0; i < na; i++)
		put_attr(d, a[i].type, a[i].data, a[i].len);
	if (mut & MUT_NEST) {
		int n = 1 + rnd(2);

		while (n--)
			put_nest(d, pct(50) ? 1 + rnd(STRATOS_A_CGROUP_MAX) : rnd(400), 0);
	}
	if ((mut & MUT_ATTR) && pct(5)) {	/* a large attribute */
		size_t len = 256 + rnd(pct(10) ? 60000 : 8192);

		if (d->len + len + 64 < sizeof(d->buf))
			put_attr(d, rnd(STRATOS_A_CGROUP_MAX + 2), NULL, len);
	}
	msg_end(d, e);
	nlh = (struct nlmsghdr *)(d->buf + d->start);

	if (mut & MUT_HDR) {
		struct genlmsghdr *g = NLMSG_DATA(nlh);
		static const uint16_t bits[] = {
			NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK, NLM_F_ECHO,
			NLM_F_DUMP_INTR, NLM_F_DUMP_FILTERED, NLM_F_ROOT,
			NLM_F_MATCH, NLM_F_ATOMIC, NLM_F_DUMP,
		};

		switch (rnd(6)) {
		case 0:
			nlh->nlmsg_flags ^= bits[rnd(sizeof(bits) / sizeof(bits[0]))];
			break;
		case 1:
			nlh->nlmsg_flags = rnd(65536);
			break;
		case 2:
			g->cmd = pct(50) ? rnd(STRATOS_CMD_MAX + 3) : rnd(256);
			break;
		case 3:
			g->reserved = 1 + rnd(65535);
			break;
		case 4:
			g->version = rnd(256);
			break;
		default:	/* a control message type: acked, never handled */
			nlh->nlmsg_type = 1 + rnd(NLMSG_MIN_TYPE - 1);
			break;
		}
	}
	if (mut & MUT_LEN) {
		size_t msglen = nlh->nlmsg_len;

		switch (rnd(5)) {
		case 0:		/* cut short, header or attribute */
			nlh->nlmsg_len = rnd(msglen + 1);
			d->len = d->start + (pct(50) ? nlh->nlmsg_len : msglen);
			break;
		case 1:		/* longer than what follows */
			nlh->nlmsg_len = msglen + 1 + rnd(256);
			break;
		case 2:		/* trailing bytes inside the message */
			if (d->len + 8 < sizeof(d->buf)) {
				size_t n = 1 + rnd(7);

				rnd_bytes(d->buf + d->len, n);
				d->len += n;
				nlh->nlmsg_len = d->len - d->start;
			}
			break;
		case 3:		/* a broken nla_len somewhere */
			if (d->len > start) {
				struct nlattr *nla = (struct nlattr *)(d->buf + start);

				nla->nla_len = rnd(pct(50) ? 8 : 65536);
			}
			break;
		default:	/* trailing bytes after the message */
			if (d->len + 16 < sizeof(d->buf)) {
				size_t n = 1 + rnd(15);

				rnd_bytes(d->buf + d->len, n);
				d->len += n;
			}
			break;
		}
	}
}

static void gen_random(struct dgram *d)
{
	size_t len = pct(90) ? rnd(256) : rnd(8192);
	struct nlmsghdr *nlh = (struct nlmsghdr *)d->buf;

	rnd_bytes(d->buf, len);
	d->len = len;
	d->nmsg = 0;
	if (len >= NLMSG_HDRLEN && pct(70))
		nlh->nlmsg_len = len;
	if (len >= NLMSG_HDRLEN && pct(70))
		nlh->nlmsg_flags |= NLM_F_REQUEST;
}

/*
 * Walk @d as netlink_rcv_skb() will. Each message the kernel dispatches is
 * pointed at our family and gets a sequence number carrying what its
 * answer must be: what the generator said for a message it built there,
 * or what the genetlink core decides before the family's policies do.
 */
static void seal(struct dgram *d)
{
	uint8_t *buf = d->buf;
	size_t rem = d->len;

	while (rem >= NLMSG_HDRLEN) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
		uint32_t off = buf - d->buf;
		enum expect e = EXP_ANY;
		bool mutating = false;
		size_t msglen;
		int k;

		for (k = 0; k < d->nmsg; k++)
			if (d->off[k] == off)
				e = d->exp[k];

		if (nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > rem)
			break;
		if (nlh->nlmsg_type >= NLMSG_MIN_TYPE)
			nlh->nlmsg_type = family;
		if (!(nlh->nlmsg_flags & NLM_F_REQUEST) ||
		    nlh->nlmsg_type < NLMSG_MIN_TYPE) {
			e = EXP_OK;	/* only acked, if at all */
		} else if (nlh->nlmsg_len < NLT_GENL_HDRLEN) {
			e = EXP_EINVAL;
		} else {
			struct genlmsghdr *g = NLMSG_DATA(nlh);
			uint16_t f = nlh->nlmsg_flags;
			bool dump = (f & NLM_F_DUMP) == NLM_F_DUMP;

			if (dump)
				f &= ~NLM_F_DUMP;
			if (g->reserved ||
			    (f & ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO)))
				e = EXP_EINVAL;
			else if (!(op_flags[g->cmd] &
				   (dump ? GENL_CMD_CAP_DUMP : GENL_CMD_CAP_DO)))
				e = EXP_EOPNOTSUPP;
			else if (op_flags[g->cmd] &
				 (GENL_ADMIN_PERM | GENL_UNS_ADMIN_PERM)) {
				mutating = true;
				if (unpriv) {
					/* Make every outcome visible. */
					e = EXP_EPERM;
					nlh->nlmsg_flags |= NLM_F_ACK;
				}
			}
		}
		msg_ctr++;
		nlh->nlmsg_seq = (msg_ctr << 4) | (e << 1) | mutating;
		ring_put(msg_ctr, buf, nlh->nlmsg_len);
		n_msgs++;

		msglen = NLMSG_ALIGN(nlh->nlmsg_len);
		if (msglen > rem)
			msglen = rem;
		buf += msglen;
		rem -= msglen;
	}
}

/* ---- answers -------------------------------------------------------- */

static void check_entry(const struct nlmsghdr *nlh, bool notification)
{
	const struct nlattr *tb[STRATOS_A_CGROUP_MAX + 1];
	const struct genlmsghdr *g = NLMSG_DATA(nlh);
	const struct nlattr *attrs;
	size_t len;

	attrs = nlt_genl_attrs(nlh, &len);
	nlt_parse_attrs(attrs, len, tb, STRATOS_A_CGROUP_MAX);
	n_checks++;
	if (!tb[STRATOS_A_CGROUP_ID] || !nlt_get_uint(tb[STRATOS_A_CGROUP_ID])) {
		failure("%s without a cgroup id (cmd %u)",
			notification ? "notification" : "reply", g->cmd);
		return;
	}
	if (g->cmd == STRATOS_CMD_CGROUP_DEL) {
		if (!notification ||
		    !tb[STRATOS_A_CGROUP_REASON] ||
		    nlt_get_uint(tb[STRATOS_A_CGROUP_REASON]) > STRATOS_DEL_CGROUP_REMOVED)
			failure("bad DEL %s", notification ? "notification" : "reply");
		return;
	}
	if (!tb[STRATOS_A_CGROUP_CLASS] || !tb[STRATOS_A_CGROUP_WEIGHT] ||
	    nlt_get_uint(tb[STRATOS_A_CGROUP_CLASS]) > STRATOS_CLASS_MAX ||
	    nlt_get_uint(tb[STRATOS_A_CGROUP_WEIGHT]) < STRATOS_WEIGHT_MIN ||
	    nlt_get_uint(tb[STRATOS_A_CGROUP_WEIGHT]) > STRATOS_WEIGHT_MAX) {
		failure("%s with a bad class or weight",
			notification ? "notification" : "reply");
		return;
	}
	if (tb[STRATOS_A_CGROUP_PATH]) {
		const char *p = (const char *)tb[STRATOS_A_CGROUP_PATH] + NLA_HDRLEN;
		size_t n = tb[STRATOS_A_CGROUP_PATH]->nla_len - NLA_HDRLEN;

		if (notification)
			failure("notification with a path");
		else if (!n || n > STRATOS_PATH_MAX || p[0] != '/' ||
			 !memchr(p, '\0', n))
			failure("reply with a bad path");
	}
}

static void check_info(const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[STRATOS_A_INFO_MAX + 1];
	const struct nlattr *attrs;
	size_t len;

	attrs = nlt_genl_attrs(nlh, &len);
	nlt_parse_attrs(attrs, len, tb, STRATOS_A_INFO_MAX);
	n_checks++;
	if (!tb[STRATOS_A_INFO_API_VERSION] ||
	    nlt_get_uint(tb[STRATOS_A_INFO_API_VERSION]) != STRATOS_GENL_VERSION ||
	    !tb[STRATOS_A_INFO_CGROUPS] || !tb[STRATOS_A_INFO_MAX_CGROUPS] ||
	    nlt_get_uint(tb[STRATOS_A_INFO_CGROUPS]) >
	    nlt_get_uint(tb[STRATOS_A_INFO_MAX_CGROUPS]))
		failure("bad GET_INFO reply");
}

static void handle_ack(const struct nlmsghdr *nlh, size_t rem)
{
	const struct nlmsgerr *err = NLMSG_DATA(nlh);
	uint32_t seq = nlh->nlmsg_seq;
	enum expect e = (seq >> 1) & 7;
	struct nlt_ack ack;
	char desc[384];

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*err))) {
		failure("short NLMSG_ERROR");
		return;
	}
	count_errno(ack_errno, err->error);
	if (unpriv && (seq & 1) && !err->error) {
		failure("unprivileged %s succeeded",
			e == EXP_EPERM ? "mutation" : "request");
		ring_show(seq >> 4);
	}
	if (e != EXP_ANY)
		n_expected++;
	if (exp_matches(e, err->error))
		return;
	n_mismatch++;
	if (n_mismatch <= 10 || verbose) {
		nlt_parse_ack(nlh, rem, &ack);
		nlt_ack_describe(&ack, desc, sizeof(desc));
		failure("request #%u: expected %s, got %s", seq >> 4,
			exp_names[e], desc);
		ring_show(seq >> 4);
	} else {
		n_failures++;
	}
}

/* Everything in one datagram that came back. */
static void handle_dgram(const uint8_t *buf, size_t len, bool events)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	size_t rem = len;

	for (; NLMSG_OK(nlh, rem); nlh = NLMSG_NEXT(nlh, rem)) {
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			n_dump_intr++;
		switch (nlh->nlmsg_type) {
		case NLMSG_ERROR:
			handle_ack(nlh, rem);
			break;
		case NLMSG_DONE: {
			int err = 0;

			if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
				memcpy(&err, NLMSG_DATA(nlh), sizeof(err));
			count_errno(done_errno, err);
			if (err && err != -EINTR)
				failure("dump ended with error %d", err);
			break;
		}
		case NLMSG_NOOP:
		case NLMSG_OVERRUN:
			break;
		default: {
			const struct genlmsghdr *g = NLMSG_DATA(nlh);

			if (nlh->nlmsg_type != family ||
			    nlh->nlmsg_len < NLT_GENL_HDRLEN) {
				failure("message of type %u, %u bytes",
					nlh->nlmsg_type, nlh->nlmsg_len);
				break;
			}
			if (events)
				n_notifs++;
			else
				n_replies++;
			if (g->cmd == STRATOS_CMD_GET_INFO && !events)
				check_info(nlh);
			else if (g->cmd == STRATOS_CMD_CGROUP_GET ||
				 g->cmd == STRATOS_CMD_CGROUP_SET ||
				 g->cmd == STRATOS_CMD_CGROUP_DEL)
				check_entry(nlh, events);
			else
				n_other++;
			break;
		}
		}
	}
}

#define RX_BATCH	32
#define RX_BUF		(16 * 1024)

static uint8_t rx_bufs[RX_BATCH][RX_BUF];

/* Read what is queued on @s without blocking; at most @max datagrams. */
static void drain(struct nlt_sock *s, bool events, int max)
{
	static struct mmsghdr mm[RX_BATCH];
	static struct iovec iov[RX_BATCH];
	int i, n;

	while (max > 0) {
		int want = max < RX_BATCH ? max : RX_BATCH;

		for (i = 0; i < want; i++) {
			iov[i].iov_base = rx_bufs[i];
			iov[i].iov_len = s->rcvlen < RX_BUF ? s->rcvlen : RX_BUF;
			memset(&mm[i].msg_hdr, 0, sizeof(mm[i].msg_hdr));
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(s->fd, mm, want, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EAGAIN)
				return;
			if (errno == EINTR)
				continue;
			count_errno(recv_errno, errno);
			/* ENOBUFS: answers were dropped, the socket goes on. */
			if (errno == ENOBUFS)
				continue;
			return;
		}
		for (i = 0; i < n; i++) {
			if (mm[i].msg_hdr.msg_flags & MSG_TRUNC) {
				count_errno(recv_errno, EMSGSIZE);
				continue;
			}
			handle_dgram(rx_bufs[i], mm[i].msg_len, events);
		}
		max -= n;
		if (n < want)
			return;
	}
}

static void send_dgram(struct nlt_sock *s, const uint8_t *buf, size_t len)
{
	ssize_t n = nlt_send(s, buf, len);

	n_sent++;
	if (n < 0)
		count_errno(send_errno, n);
}

/* ---- interrupted dumps ---------------------------------------------- */

static int dump_sock(int k)
{
	int ret;

	if (dump_open[k])
		return 0;
	ret = nlt_open(&dump_sk[k], 0);
	if (ret)
		return ret;
	nlt_set_nonblock(&dump_sk[k], true);
	/* Small reads keep each part small: a dump spans many datagrams. */
	dump_sk[k].rcvlen = 4096;
	dump_open[k] = true;
	return 0;
}

static void dump_close(int k)
{
	if (!dump_open[k])
		return;
	nlt_close(&dump_sk[k]);
	dump_open[k] = false;
	n_interrupted++;
}

static void dump_read(int k, int parts)
{
	drain(&dump_sk[k], false, parts);
}

static void gen_dump_request(struct dgram *d, bool mutate)
{
	d->len = 0;
	d->nmsg = 0;
	msg_begin(d, STRATOS_CMD_CGROUP_GET,
		  NLM_F_REQUEST | NLM_F_DUMP | (pct(50) ? NLM_F_ACK : 0));
	if (mutate)
		put_attr(d, rnd(STRATOS_A_CGROUP_MAX + 2), NULL, rnd(12));
	msg_end(d, EXP_ANY);
	n_dumps++;
}

static void dump_scenario(void)
{
	int k = rnd(NR_DUMP_SOCKS);
	struct nlt_sock *s = &dump_sk[k];
	int ret = dump_sock(k);

	if (ret) {
		count_errno(send_errno, ret);
		return;
	}
	gen_dump_request(&dg, pct(10));
	seal(&dg);
	send_dgram(s, dg.buf, dg.len);

	switch (rnd(7)) {
	case 0:		/* walk away at once */
		dump_close(k);
		break;
	case 1:		/* one part, then walk away */
		dump_read(k, 1);
		dump_close(k);
		break;
	case 2:		/* one part, then another dump on top */
		dump_read(k, 1);
		gen_dump_request(&dg, false);
		seal(&dg);
		send_dgram(s, dg.buf, dg.len);
		dump_read(k, 2);
		break;
	case 3:		/* one part, then a request on the same socket */
		dump_read(k, 1);
		dg.len = 0;
		dg.nmsg = 0;
		gen_request(&dg, pct(30) ? MUT_ATTR : 0);
		seal(&dg);
		send_dgram(s, dg.buf, dg.len);
		dump_read(k, 2);
		break;
	case 4:		/* one part, the registry changes, read on */
		dump_read(k, 1);
		dg.len = 0;
		dg.nmsg = 0;
		gen_request(&dg, 0);
		seal(&dg);
		send_dgram(&main_sk, dg.buf, dg.len);
		dump_read(k, 64);
		break;
	case 5:		/* read it all */
		dump_read(k, 64);
		break;
	default:	/* leave it hanging */
		break;
	}
}

/* ---- the run -------------------------------------------------------- */

struct info_arg {
	bool ok;
	uint32_t cgroups;
};

static void info_fn(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[STRATOS_A_INFO_MAX + 1];
	struct info_arg *in = arg;
	const struct nlattr *attrs;
	size_t len;

	attrs = nlt_genl_attrs(nlh, &len);
	nlt_parse_attrs(attrs, len, tb, STRATOS_A_INFO_MAX);
	if (tb[STRATOS_A_INFO_API_VERSION] && tb[STRATOS_A_INFO_CGROUPS] &&
	    nlt_get_uint(tb[STRATOS_A_INFO_API_VERSION]) == STRATOS_GENL_VERSION) {
		in->ok = true;
		in->cgroups = nlt_get_uint(tb[STRATOS_A_INFO_CGROUPS]);
	}
}

/* The module's sign of life. */
static int get_info(struct nlt_sock *s, uint32_t *cgroups)
{
	static struct nlt_msg m;
	struct info_arg in = {};
	struct nlt_ack ack;
	uint32_t seq = s->seq++;
	int ret;

	nlt_msg_init(&m, family, NLM_F_REQUEST | NLM_F_ACK, seq,
		     STRATOS_CMD_GET_INFO, STRATOS_GENL_VERSION);
	ret = nlt_transact(s, m.buf, nlt_msg_end(&m), seq, info_fn, &in, &ack);
	if (ret)
		return ret;
	if (ack.error)
		return ack.error;
	if (!in.ok)
		return -EBADMSG;
	if (cgroups)
		*cgroups = in.cgroups;
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void fuzz(void)
{
	struct nlt_sock check;
	double t0 = now(), t;
	uint64_t i;
	int ret, k;

	ret = nlt_open(&check, 5000);
	if (ret) {
		failure("check socket: %s", strerror(-ret));
		return;
	}
	if (nlt_open(&events_sk, 0) || nlt_set_nonblock(&events_sk, true))
		failure("events socket: %s", strerror(errno));
	ret = nlt_join_group(&events_sk, events_grp);
	/* Listening needs CAP_NET_ADMIN: events name every tenant's cgroups. */
	if (unpriv && ret != -EPERM)
		failure("events group: joining it unprivileged gave %s, not EPERM",
			ret ? strerror(-ret) : "success");
	else if (!unpriv && ret)
		failure("events group: %s", strerror(-ret));
	if (nlt_set_nonblock(&main_sk, true))
		failure("nonblocking socket: %s", strerror(errno));

	for (i = 0; i < count; i++) {
		uint32_t r = rnd(1000);

		if (!unpriv && base_fd >= 0 && r == 0)
			churn();

		dg.len = 0;
		dg.nmsg = 0;
		r = rnd(100);
		if (r < 5) {
			dump_scenario();
			goto drain;
		} else if (r < 30) {
			gen_request(&dg, 0);
		} else if (r < 55) {
			gen_request(&dg, MUT_ATTR);
		} else if (r < 63) {
			gen_request(&dg, MUT_NEST | (pct(50) ? MUT_ATTR : 0));
		} else if (r < 75) {
			gen_request(&dg, MUT_HDR | (pct(30) ? MUT_ATTR : 0));
		} else if (r < 85) {
			gen_request(&dg, MUT_LEN | (pct(30) ? MUT_ATTR : 0));
		} else if (r < 93) {
			gen_random(&dg);
		} else {
			int n = 2 + rnd(3);

			while (n--) {
				static const int muts[] = { 0, MUT_ATTR, MUT_HDR, MUT_NEST };

				gen_request(&dg, muts[rnd(4)]);
			}
			if (pct(20))
				dg.len -= rnd(dg.len - dg.start + 1);
		}
		seal(&dg);
		send_dgram(&main_sk, dg.buf, dg.len);
drain:
		if ((i & 7) == 7)
			drain(&main_sk, false, 1 << 20);
		if ((i & 255) == 255) {
			drain(&events_sk, true, 1 << 20);
			for (k = 0; k < NR_DUMP_SOCKS; k++)
				if (dump_open[k])
					dump_read(k, 4);
		}
		if (i && i % 100000 == 0) {
			drain(&main_sk, false, 1 << 20);
			ret = get_info(&check, NULL);
			t = now() - t0;
			diag("%llu messages, %.0f/s, %llu failures%s%s",
			     (unsigned long long)i, i / t,
			     (unsigned long long)n_failures,
			     ret ? ", GET_INFO: " : "", ret ? strerror(-ret) : "");
			fflush(stdout);
			if (ret)
				failure("the module stopped answering GET_INFO after %llu messages: %s",
					(unsigned long long)i, strerror(-ret));
		}
	}

	/* Settle: finish or drop the dumps, read every answer. */
	for (k = 0; k < NR_DUMP_SOCKS; k++) {
		if (dump_open[k] && pct(50))
			dump_read(k, 1 << 20);
		dump_close(k);
	}
	drain(&main_sk, false, 1 << 20);
	drain(&events_sk, true, 1 << 20);
	t = now() - t0;
	diag("sent %llu datagrams (%llu messages) in %.2f s: %.0f datagrams/s",
	     (unsigned long long)n_sent, (unsigned long long)n_msgs, t,
	     n_sent / t);
	nlt_close(&events_sk);
	nlt_close(&check);
}

static void print_hist(const char *what, const uint64_t *hist)
{
	char line[1024];
	size_t off = 0;
	int e;

	for (e = 0; e <= ERRNO_MAX; e++) {
		if (!hist[e])
			continue;
		off += snprintf(line + off, sizeof(line) - off, "%s%s %llu",
				off ? ", " : "",
				e == 0 ? "0" : e == ERRNO_MAX ? "other" : strerrorname_np(e) ?: "?",
				(unsigned long long)hist[e]);
		if (off >= sizeof(line) - 64)
			break;
	}
	diag("%s: %s", what, off ? line : "none");
}

static void summary(void)
{
	print_hist("acks by errno", ack_errno);
	print_hist("dump ends by errno", done_errno);
	print_hist("send errors", send_errno);
	print_hist("receive errors", recv_errno);
	diag("replies %llu (%llu to other commands), notifications %llu, dumps %llu (%llu sockets closed mid-dump), DUMP_INTR %llu, cgroup churns %u",
	     (unsigned long long)n_replies, (unsigned long long)n_other,
	     (unsigned long long)n_notifs,
	     (unsigned long long)n_dumps, (unsigned long long)n_interrupted,
	     (unsigned long long)n_dump_intr, churns);
	diag("acks with a known expected errno %llu, mismatches %llu; replies and notifications checked %llu",
	     (unsigned long long)n_expected, (unsigned long long)n_mismatch,
	     (unsigned long long)n_checks);
}

/* ---- entries of our cgroups, for before/after comparisons ------------ */

struct snap {
	int n;
	struct { uint64_t id; uint32_t class, weight; } e[NR_SLOTS + 1];
};

static bool ours(uint64_t id)
{
	int i;

	if (!id)
		return false;
	if (id == long_id)
		return true;
	for (i = 0; i < NR_SLOTS; i++)
		if (slot_id[i] == id)
			return true;
	for (i = 0; i < NR_REMOVED && i < nr_removed; i++)
		if (removed[i] == id)
			return true;
	return false;
}

static void snap_fn(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[STRATOS_A_CGROUP_MAX + 1];
	struct snap *sn = arg;
	const struct nlattr *attrs;
	uint64_t id;
	size_t len;

	if (nlh->nlmsg_type != family)
		return;
	attrs = nlt_genl_attrs(nlh, &len);
	nlt_parse_attrs(attrs, len, tb, STRATOS_A_CGROUP_MAX);
	if (!tb[STRATOS_A_CGROUP_ID])
		return;
	id = nlt_get_uint(tb[STRATOS_A_CGROUP_ID]);
	if (!ours(id) || sn->n >= NR_SLOTS + 1)
		return;
	sn->e[sn->n].id = id;
	sn->e[sn->n].class = tb[STRATOS_A_CGROUP_CLASS] ?
			     nlt_get_uint(tb[STRATOS_A_CGROUP_CLASS]) : ~0u;
	sn->e[sn->n].weight = tb[STRATOS_A_CGROUP_WEIGHT] ?
			      nlt_get_uint(tb[STRATOS_A_CGROUP_WEIGHT]) : ~0u;
	sn->n++;
}

/* Our entries, from a dump. */
static int snapshot(struct nlt_sock *s, struct snap *sn)
{
	static struct nlt_msg m;
	struct nlt_ack ack;
	uint32_t seq = s->seq++;
	int ret;

	memset(sn, 0, sizeof(*sn));
	nlt_msg_init(&m, family, NLM_F_REQUEST | NLM_F_DUMP, seq,
		     STRATOS_CMD_CGROUP_GET, STRATOS_GENL_VERSION);
	ret = nlt_transact(s, m.buf, nlt_msg_end(&m), seq, snap_fn, sn, &ack);
	return ret ? ret : ack.error;
}

static int cmp_entry(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

static int set_entry(struct nlt_sock *s, uint64_t id, uint8_t class,
		     uint32_t weight)
{
	static struct nlt_msg m;
	struct nlt_ack ack;
	uint32_t seq = s->seq++;
	int ret;

	nlt_msg_init(&m, family, NLM_F_REQUEST | NLM_F_ACK, seq,
		     STRATOS_CMD_CGROUP_SET, STRATOS_GENL_VERSION);
	nlt_put_u64(&m, STRATOS_A_CGROUP_ID, id);
	nlt_put_u8(&m, STRATOS_A_CGROUP_CLASS, class);
	nlt_put_u32(&m, STRATOS_A_CGROUP_WEIGHT, weight);
	ret = nlt_transact(s, m.buf, nlt_msg_end(&m), seq, NULL, NULL, &ack);
	return ret ? ret : ack.error;
}

/*
 * The unprivileged side: a socket root opened and handed down must not
 * carry root's privileges, then the fuzzing on a socket of its own.
 */
static void unpriv_child(void)
{
	int ret;

	ret = set_entry(&main_sk, slot_id[0] ? slot_id[0] : (1ULL << 40), 1, 1);
	diag("SET through the socket root opened: %s",
	     ret ? strerror(-ret) : "success");
	if (ret != -EPERM)
		failure("SET through a socket opened by root, after dropping privileges: %s, expected EPERM",
			ret ? strerror(-ret) : "success");
	nlt_close(&main_sk);
	ret = nlt_open(&main_sk, 5000);
	if (ret) {
		failure("socket: %s", strerror(-ret));
		return;
	}
	fuzz();
	summary();
}

static int drop_privileges(void)
{
	struct passwd *pw = getpwuid(drop_uid);
	gid_t gid = pw ? pw->pw_gid : (gid_t)drop_uid;

	if (setgroups(0, NULL) || setgid(gid) || setuid(drop_uid))
		return -errno;
	if (!geteuid() || !getegid())
		return -EPERM;
	diag("dropped privileges: uid %u gid %u", getuid(), getgid());
	return 0;
}

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: nl_fuzz [-n COUNT] [-s SEED] [--unpriv [--uid UID]] [-v]\n");
	exit(status);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "unpriv", no_argument, NULL, 'U' },
		{ "uid", required_argument, NULL, 'u' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct snap before = {}, after = {};
	bool root = geteuid() == 0, forked = false;
	uint32_t cg_before = 0;
	uint64_t x;
	int opt, ret, i;
	pid_t pid;

	while ((opt = getopt_long(argc, argv, "n:s:vh", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			count = strtoull(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'U':
			unpriv = true;
			break;
		case 'u':
			drop_uid = strtoul(optarg, NULL, 0);
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(0);
			break;
		default:
			usage(2);
		}
	}
	if (optind != argc)
		usage(2);
	x = seed;
	rng = splitmix64(&x) | 1;
	signal(SIGPIPE, SIG_IGN);

	printf("TAP version 13\n1..1\n");
	diag("seed %llu count %llu", (unsigned long long)seed,
	     (unsigned long long)count);
	ret = nlt_open(&main_sk, 5000);
	if (!ret)
		ret = nlt_resolve(&main_sk, STRATOS_GENL_NAME, &family,
				  STRATOS_GENL_MCGRP_EVENTS, &events_grp, op_flags);
	if (ret) {
		printf("Bail out! generic netlink family \"%s\": %s\n",
		       STRATOS_GENL_NAME, strerror(-ret));
		return 1;
	}
	if (!unpriv && !root) {
		printf("Bail out! needs root, or --unpriv\n");
		return 1;
	}
	for (i = STRATOS_CMD_CGROUP_DEL + 1; i < 256; i++)
		if (op_flags[i])
			other_cmds[nr_other++] = i;
	nr_cpus = sysconf(_SC_NPROCESSORS_CONF);
	ret = get_info(&main_sk, &cg_before);
	if (ret) {
		printf("Bail out! GET_INFO: %s\n", strerror(-ret));
		return 1;
	}
	diag("family id %u, events group %u, %u entries, %d other commands, %s mode",
	     family, events_grp, cg_before, nr_other,
	     unpriv ? "unprivileged" : "root");

	if (root) {
		ret = cgroups_create();
		if (ret) {
			printf("Bail out! scratch cgroups under %s/%s: %s\n",
			       CGROOT, base_dir, strerror(-ret));
			cgroups_remove();
			return 1;
		}
		diag("%d scratch cgroups under %s/%s, deep one %llu (%d levels)",
		     nr_live, CGROOT, base_dir, (unsigned long long)long_id,
		     long_levels);
	}
	if (unpriv && root) {
		/* Entries to guard, then a child without privileges. */
		for (i = 0; i < NR_SLOTS; i++)
			if (set_entry(&main_sk, slot_id[i], i % (offline_ok ? 3 : 2),
				      1 + 37 * i))
				failure("SET on scratch cgroup %d", i);
		if (set_entry(&main_sk, long_id, offline_ok ? 2 : 1, 4242))
			failure("SET on the deep cgroup");
		ret = snapshot(&main_sk, &before);
		if (ret)
			failure("dump before: %s", strerror(-ret));
		fflush(stdout);
		pid = fork();
		if (pid < 0) {
			printf("Bail out! fork: %s\n", strerror(errno));
			cgroups_remove();
			return 1;
		}
		if (!pid) {
			ret = drop_privileges();
			if (ret) {
				failure("dropping privileges to uid %u: %s",
					drop_uid, strerror(-ret));
			} else {
				unpriv_child();
			}
			fflush(stdout);
			_exit(n_failures ? 1 : 0);
		}
		forked = true;
		if (waitpid(pid, &ret, 0) != pid || !WIFEXITED(ret) ||
		    WEXITSTATUS(ret))
			failure("the unprivileged fuzzer failed (status 0x%x)", ret);
	} else {
		fuzz();
		summary();
	}

	/* Nothing of the run may be mistaken for an answer from now on. */
	nlt_set_nonblock(&main_sk, false);
	while ((ret = nlt_recv(&main_sk, MSG_DONTWAIT)) != -EAGAIN &&
	       (ret >= 0 || ret == -ENOBUFS))
		;
	main_sk.seq = (msg_ctr + 4096) << 4;

	/* The module must still answer, and hold nothing of ours it should not. */
	ret = get_info(&main_sk, NULL);
	if (ret)
		failure("GET_INFO after the run: %s", strerror(-ret));
	if (forked) {
		ret = snapshot(&main_sk, &after);
		if (ret)
			failure("dump after: %s", strerror(-ret));
		qsort(before.e, before.n, sizeof(before.e[0]), cmp_entry);
		qsort(after.e, after.n, sizeof(after.e[0]), cmp_entry);
		if (before.n != after.n ||
		    memcmp(before.e, after.e, before.n * sizeof(before.e[0])))
			failure("unprivileged requests changed the registry: %d entries before, %d after",
				before.n, after.n);
		else
			diag("registry unchanged: %d entries of ours", after.n);
	}
	if (root) {
		cgroups_remove();
		/* Removal is seen synchronously; notifications come later. */
		ret = snapshot(&main_sk, &after);
		if (ret)
			failure("dump after cleanup: %s", strerror(-ret));
		else if (after.n)
			failure("%d entries for removed scratch cgroups are left",
				after.n);
		ret = get_info(&main_sk, NULL);
		if (ret)
			failure("GET_INFO after cleanup: %s", strerror(-ret));
	}
	nlt_close(&main_sk);

	if (n_failures)
		printf("not ok 1 - fuzz seed %llu count %llu # %s\n",
		       (unsigned long long)seed, (unsigned long long)count,
		       first_failure);
	else
		printf("ok 1 - fuzz seed %llu count %llu\n",
		       (unsigned long long)seed, (unsigned long long)count);
	return n_failures ? 1 : 0;
}
