// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for the kernel side of the stratos generic netlink family,
 * for testing stratosctl where stratos.ko cannot be loaded. Preloaded
 * (LD_PRELOAD) into stratosctl, it turns each NETLINK_GENERIC socket into
 * one end of a datagram socketpair and answers requests on the other end
 * the way the kernel would: the genl controller's GETFAMILY, and the
 * stratos commands of include/uapi/linux/stratos.h, with acks, extended
 * acks (as NETLINK_EXT_ACK / NETLINK_CAP_ACK ask), multi-datagram dumps
 * and NLMSG_DONE. It is not the module: it only has to be faithful enough
 * for the tool's side of the protocol.
 *
 * Environment:
 *   FAKE_STRATOS_STATE     file holding the registry ("id class weight"
 *                          lines) across invocations; required
 *   FAKE_STRATOS_CGROOT    cgroup2 directory to look cgroup ids up under
 *   FAKE_STRATOS_ABSENT    set: the family is not registered
 *   FAKE_STRATOS_EPERM     set: SET and DEL fail with EPERM (as they
 *                          do for non-root users anyway)
 *   FAKE_STRATOS_MAX       registry capacity (default 4096)
 *   FAKE_STRATOS_API       API version reported by GET_INFO (default 1)
 *   FAKE_STRATOS_FEATURES  features reported by GET_INFO (default 0x25)
 *   FAKE_STRATOS_WEIGHT_MAX  reject larger weights with an extended ack
 *   FAKE_STRATOS_NEED_FLAGS  set: SET requires STRATOS_A_CGROUP_FLAGS
 *                          (exercises NLMSGERR_ATTR_MISS_TYPE)
 *   FAKE_STRATOS_WARN      message to attach to successful SET acks
 *   FAKE_STRATOS_NO_EXTACK set: never send extended acks, as old kernels
 *   FAKE_STRATOS_DUMP_INTR the first N dumps are flagged NLM_F_DUMP_INTR
 *                          (counted in $FAKE_STRATOS_STATE.intr)
 *   FAKE_STRATOS_EVENTS    notifications sent on joining "events":
 *                          "set,ID,CLASS,WEIGHT;del,ID,REASON;
 *                          other;bad", "other" being an unknown command
 *                          and "bad" a notification without an id
 */
#include <dlfcn.h>
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/stratos.h>

#define FAMILY_ID	0x2a
#define EVENTS_GRP	7
#define MAX_SOCKS	8
#define MAX_ENTRIES	64
#define DGRAM_MAX	8192

/* The subset of NLMSGERR_ATTR_* the fake sends. */
#define EA_MSG		1
#define EA_OFFS		2
#define EA_MISS_TYPE	5

struct fsock {
	bool used;
	int fd;		/* the application's end */
	int peer;	/* the "kernel's" end */
	uint32_t port;
	bool ext_ack;
	bool cap_ack;
};

static struct fsock socks[MAX_SOCKS];

static int (*real_socket)(int, int, int);
static int (*real_close)(int);
static ssize_t (*real_recvmsg)(int, struct msghdr *, int);

static void init_real(void)
{
	if (real_socket)
		return;
	real_socket = dlsym(RTLD_NEXT, "socket");
	real_close = dlsym(RTLD_NEXT, "close");
	real_recvmsg = dlsym(RTLD_NEXT, "recvmsg");
}

static struct fsock *find_sock(int fd)
{
	int i;

	for (i = 0; i < MAX_SOCKS; i++)
		if (socks[i].used && socks[i].fd == fd)
			return &socks[i];
	return NULL;
}

static long env_long(const char *name, long def)
{
	const char *v = getenv(name);

	return v && *v ? strtol(v, NULL, 0) : def;
}

/* ---- message building ---- */

struct dgram {
	char buf[DGRAM_MAX] __attribute__((aligned(8)));
	size_t len;
	size_t cur;	/* offset of the message being built */
};

static struct nlmsghdr *cur_nlh(struct dgram *d)
{
	return (struct nlmsghdr *)(d->buf + d->cur);
}

static void *put(struct dgram *d, const void *data, size_t len)
{
	void *p = d->buf + d->len;

	if (d->len + NLMSG_ALIGN(len) > sizeof(d->buf))
		abort();
	memset(p, 0, NLMSG_ALIGN(len));
	if (data)
		memcpy(p, data, len);
	d->len += NLMSG_ALIGN(len);
	cur_nlh(d)->nlmsg_len = d->len - d->cur;
	return p;
}

static void msg_start(struct dgram *d, uint16_t type, uint16_t flags,
		      uint32_t seq, uint32_t port)
{
	struct nlmsghdr nlh = {
		.nlmsg_type = type,
		.nlmsg_flags = flags,
		.nlmsg_seq = seq,
		.nlmsg_pid = port,
	};

	d->cur = d->len;
	if (d->len + NLMSG_HDRLEN > sizeof(d->buf))
		abort();
	memcpy(d->buf + d->len, &nlh, sizeof(nlh));
	d->len += NLMSG_HDRLEN;
	cur_nlh(d)->nlmsg_len = NLMSG_HDRLEN;
}

static void genl_start(struct dgram *d, uint16_t type, uint16_t flags,
		       uint32_t seq, uint32_t port, uint8_t cmd)
{
	struct genlmsghdr g = { .cmd = cmd, .version = 1 };

	msg_start(d, type, flags, seq, port);
	put(d, &g, sizeof(g));
}

static struct nlattr *attr(struct dgram *d, int type, const void *data,
			   size_t len)
{
	struct nlattr *nla = put(d, NULL, NLA_HDRLEN + len);

	nla->nla_type = type;
	nla->nla_len = NLA_HDRLEN + len;
	if (data)
		memcpy((char *)nla + NLA_HDRLEN, data, len);
	return nla;
}

static void attr_u8(struct dgram *d, int type, uint8_t v)
{
	attr(d, type, &v, sizeof(v));
}

static void attr_u16(struct dgram *d, int type, uint16_t v)
{
	attr(d, type, &v, sizeof(v));
}

static void attr_u32(struct dgram *d, int type, uint32_t v)
{
	attr(d, type, &v, sizeof(v));
}

/* Like the kernel's nla_put_u64_64bit(): a pad attribute may precede. */
static void attr_u64(struct dgram *d, int type, uint64_t v, int pad)
{
	if ((d->len + NLA_HDRLEN) % 8)
		attr(d, pad, NULL, 0);
	attr(d, type, &v, sizeof(v));
}

static void attr_str(struct dgram *d, int type, const char *s)
{
	attr(d, type, s, strlen(s) + 1);
}

static void nest_end(struct dgram *d, struct nlattr *nest)
{
	nest->nla_len = d->buf + d->len - (char *)nest;
}

static void send_dgram(struct fsock *s, struct dgram *d)
{
	if (d->len && send(s->peer, d->buf, d->len, 0) < 0)
		perror("fake_genl: send");
	d->len = 0;
	d->cur = 0;
}

/* ---- acks ---- */

struct ack_info {
	const char *msg;
	uint32_t offs;
	int miss_type;
};

static void send_ack(struct fsock *s, const struct nlmsghdr *req, int err,
		     const struct ack_info *ai)
{
	struct nlmsgerr e = { .error = err, .msg = *req };
	bool tlvs = s->ext_ack && ai && !getenv("FAKE_STRATOS_NO_EXTACK") &&
		    (ai->msg || ai->offs || ai->miss_type >= 0);
	struct dgram d = { .len = 0 };
	uint16_t flags = 0;

	if (s->cap_ack)
		flags |= 0x100;		/* NLM_F_CAPPED */
	if (tlvs)
		flags |= 0x200;		/* NLM_F_ACK_TLVS */
	msg_start(&d, NLMSG_ERROR, flags, req->nlmsg_seq, req->nlmsg_pid);
	put(&d, &e, sizeof(e));
	if (!s->cap_ack)
		put(&d, (const char *)req + NLMSG_HDRLEN,
		    req->nlmsg_len - NLMSG_HDRLEN);
	if (tlvs) {
		if (ai->msg)
			attr_str(&d, EA_MSG, ai->msg);
		if (ai->offs)
			attr_u32(&d, EA_OFFS, ai->offs);
		if (ai->miss_type >= 0)
			attr_u32(&d, EA_MISS_TYPE, ai->miss_type);
	}
	send_dgram(s, &d);
}

static void ack_if_asked(struct fsock *s, const struct nlmsghdr *req)
{
	if (req->nlmsg_flags & NLM_F_ACK)
		send_ack(s, req, 0, NULL);
}

/* ---- request attributes ---- */

#define MAX_ATTR	16

static void parse_attrs(const struct nlmsghdr *nlh, struct nlattr **tb)
{
	size_t off = NLMSG_HDRLEN + GENL_HDRLEN;

	memset(tb, 0, MAX_ATTR * sizeof(*tb));
	while (off + NLA_HDRLEN <= nlh->nlmsg_len) {
		struct nlattr *nla = (struct nlattr *)((char *)nlh + off);
		int type = nla->nla_type & NLA_TYPE_MASK;

		if (nla->nla_len < NLA_HDRLEN ||
		    off + nla->nla_len > nlh->nlmsg_len)
			break;
		if (type < MAX_ATTR)
			tb[type] = nla;
		off += NLA_ALIGN(nla->nla_len);
	}
}

static void *nla_payload(struct nlattr *nla)
{
	return (char *)nla + NLA_HDRLEN;
}

static uint32_t offset_of(const struct nlmsghdr *nlh, const struct nlattr *a)
{
	return (const char *)a - (const char *)nlh;
}

/* ---- the registry ---- */

struct entry {
	uint64_t id;
	int class;
	uint32_t weight;
	char path[256];
};

static struct entry reg[MAX_ENTRIES];
static int nreg;

static uint64_t find_ino;
static char found_path[4096];

static int find_cb(const char *path, const struct stat *st, int flag,
		   struct FTW *ftw)
{
	(void)flag;
	(void)ftw;
	if (S_ISDIR(st->st_mode) && st->st_ino == find_ino) {
		snprintf(found_path, sizeof(found_path), "%s", path);
		return 1;
	}
	return 0;
}

/* The cgroup path of @id as the kernel reports it, or false. */
static bool cgroup_path(uint64_t id, char *out, size_t size)
{
	const char *root = getenv("FAKE_STRATOS_CGROOT");
	size_t rlen;

	if (!root)
		return false;
	find_ino = id;
	if (nftw(root, find_cb, 16, FTW_PHYS) != 1)
		return false;
	rlen = strlen(root);
	snprintf(out, size, "%s",
		 found_path[rlen] ? found_path + rlen : "/");
	return true;
}

static const char *state_file(void)
{
	const char *f = getenv("FAKE_STRATOS_STATE");

	if (!f) {
		fprintf(stderr, "fake_genl: FAKE_STRATOS_STATE not set\n");
		abort();
	}
	return f;
}

/* Load the registry; entries of removed cgroups go, as in the kernel. */
static void load(void)
{
	FILE *f = fopen(state_file(), "r");
	struct entry e;

	nreg = 0;
	if (!f)
		return;
	while (nreg < MAX_ENTRIES &&
	       fscanf(f, "%" SCNu64 " %d %u", &e.id, &e.class,
		      &e.weight) == 3) {
		if (cgroup_path(e.id, e.path, sizeof(e.path)))
			reg[nreg++] = e;
	}
	fclose(f);
}

static void save(void)
{
	FILE *f = fopen(state_file(), "w");
	int i;

	if (!f) {
		perror("fake_genl: state file");
		abort();
	}
	for (i = 0; i < nreg; i++)
		fprintf(f, "%" PRIu64 " %d %u\n", reg[i].id, reg[i].class,
			reg[i].weight);
	fclose(f);
}

static struct entry *lookup(uint64_t id)
{
	int i;

	for (i = 0; i < nreg; i++)
		if (reg[i].id == id)
			return &reg[i];
	return NULL;
}

static void put_entry(struct dgram *d, const struct entry *e)
{
	attr_u64(d, STRATOS_A_CGROUP_ID, e->id, STRATOS_A_CGROUP_PAD);
	attr_str(d, STRATOS_A_CGROUP_PATH, e->path);
	attr_u8(d, STRATOS_A_CGROUP_CLASS, e->class);
	attr_u32(d, STRATOS_A_CGROUP_WEIGHT, e->weight);
}

/* ---- the stratos commands ---- */

static void do_get_info(struct fsock *s, const struct nlmsghdr *req)
{
	struct dgram d = { .len = 0 };
	struct utsname u;

	load();
	uname(&u);
	genl_start(&d, FAMILY_ID, 0, req->nlmsg_seq, req->nlmsg_pid,
		   STRATOS_CMD_GET_INFO);
	attr_str(&d, STRATOS_A_INFO_MODULE_VERSION, "0.1.0-fake");
	attr_u32(&d, STRATOS_A_INFO_API_VERSION,
		 env_long("FAKE_STRATOS_API", STRATOS_GENL_VERSION));
	attr_str(&d, STRATOS_A_INFO_KERNEL_RELEASE, u.release);
	attr_u64(&d, STRATOS_A_INFO_FEATURES,
		 env_long("FAKE_STRATOS_FEATURES", 0x25), STRATOS_A_INFO_PAD);
	attr_u32(&d, STRATOS_A_INFO_CGROUPS, nreg);
	attr_u32(&d, STRATOS_A_INFO_MAX_CGROUPS,
		 env_long("FAKE_STRATOS_MAX", 4096));
	attr_u32(&d, STRATOS_A_INFO_NR_CPUS, sysconf(_SC_NPROCESSORS_CONF));
	send_dgram(s, &d);
	ack_if_asked(s, req);
}

/* Dump interruptions still to simulate, counted down in a file. */
static bool take_dump_intr(void)
{
	char path[4096];
	long left = env_long("FAKE_STRATOS_DUMP_INTR", 0), done = 0;
	FILE *f;

	if (!left)
		return false;
	snprintf(path, sizeof(path), "%s.intr", state_file());
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%ld", &done) != 1)
			done = 0;
		fclose(f);
	}
	if (done >= left)
		return false;
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "%ld\n", done + 1);
		fclose(f);
	}
	return true;
}

static void do_dump(struct fsock *s, const struct nlmsghdr *req)
{
	uint16_t flags = NLM_F_MULTI;
	struct dgram d = { .len = 0 };
	int i, err = 0;

	load();
	if (take_dump_intr())
		flags |= NLM_F_DUMP_INTR;
	/* Three entries a datagram, so that dumps span several. */
	for (i = 0; i < nreg; i++) {
		genl_start(&d, FAMILY_ID, flags, req->nlmsg_seq,
			   req->nlmsg_pid, STRATOS_CMD_CGROUP_GET);
		put_entry(&d, &reg[i]);
		if (i % 3 == 2)
			send_dgram(s, &d);
	}
	send_dgram(s, &d);
	msg_start(&d, NLMSG_DONE, flags, req->nlmsg_seq, req->nlmsg_pid);
	put(&d, &err, sizeof(err));
	send_dgram(s, &d);
}

static void do_get(struct fsock *s, const struct nlmsghdr *req)
{
	struct nlattr *tb[MAX_ATTR];
	struct dgram d = { .len = 0 };
	struct entry *e;

	if (req->nlmsg_flags & NLM_F_DUMP) {
		do_dump(s, req);
		return;
	}
	parse_attrs(req, tb);
	if (!tb[STRATOS_A_CGROUP_ID]) {
		struct ack_info ai = { "missing cgroup id", 0,
				       STRATOS_A_CGROUP_ID };

		send_ack(s, req, -EINVAL, &ai);
		return;
	}
	load();
	e = lookup(*(uint64_t *)nla_payload(tb[STRATOS_A_CGROUP_ID]));
	if (!e) {
		send_ack(s, req, -ENOENT, NULL);
		return;
	}
	genl_start(&d, FAMILY_ID, 0, req->nlmsg_seq, req->nlmsg_pid,
		   STRATOS_CMD_CGROUP_GET);
	put_entry(&d, e);
	send_dgram(s, &d);
	ack_if_asked(s, req);
}

static bool denied(void)
{
	return getenv("FAKE_STRATOS_EPERM") || geteuid() != 0;
}

static int check_set(const struct nlmsghdr *req, struct nlattr **tb,
		     struct ack_info *ai)
{
	long wmax = env_long("FAKE_STRATOS_WEIGHT_MAX", STRATOS_WEIGHT_MAX);

	if (!tb[STRATOS_A_CGROUP_ID]) {
		ai->miss_type = STRATOS_A_CGROUP_ID;
		return -EINVAL;
	}
	if (getenv("FAKE_STRATOS_NEED_FLAGS") && !tb[STRATOS_A_CGROUP_FLAGS]) {
		ai->msg = "flags are required";
		ai->miss_type = STRATOS_A_CGROUP_FLAGS;
		return -EINVAL;
	}
	if (tb[STRATOS_A_CGROUP_CLASS] &&
	    *(uint8_t *)nla_payload(tb[STRATOS_A_CGROUP_CLASS]) >
	    STRATOS_CLASS_MAX) {
		ai->msg = "unknown class";
		ai->offs = offset_of(req, tb[STRATOS_A_CGROUP_CLASS]);
		return -EINVAL;
	}
	if (tb[STRATOS_A_CGROUP_WEIGHT] &&
	    *(uint32_t *)nla_payload(tb[STRATOS_A_CGROUP_WEIGHT]) > wmax) {
		ai->msg = "weight above the limit";
		ai->offs = offset_of(req, tb[STRATOS_A_CGROUP_WEIGHT]);
		return -EINVAL;
	}
	return 0;
}

static void do_set(struct fsock *s, const struct nlmsghdr *req)
{
	struct ack_info ai = { NULL, 0, -1 };
	struct nlattr *tb[MAX_ATTR];
	struct entry *e;
	uint64_t id;
	int err;

	if (denied()) {
		send_ack(s, req, -EPERM, NULL);
		return;
	}
	parse_attrs(req, tb);
	err = check_set(req, tb, &ai);
	if (err) {
		send_ack(s, req, err, &ai);
		return;
	}
	load();
	id = *(uint64_t *)nla_payload(tb[STRATOS_A_CGROUP_ID]);
	e = lookup(id);
	if (!e) {
		if (nreg >= env_long("FAKE_STRATOS_MAX", 4096) ||
		    nreg >= MAX_ENTRIES) {
			char msg[64];

			snprintf(msg, sizeof(msg),
				 "registry full: %ld entries (raise max_cgroups)",
				 env_long("FAKE_STRATOS_MAX", 4096));
			ai.msg = msg;
			send_ack(s, req, -ENOSPC, &ai);
			return;
		}
		e = &reg[nreg];
		e->id = id;
		e->class = STRATOS_CLASS_NONE;
		e->weight = STRATOS_WEIGHT_DEFAULT;
		if (!cgroup_path(id, e->path, sizeof(e->path))) {
			send_ack(s, req, -ENOENT, NULL);
			return;
		}
		nreg++;
	}
	if (tb[STRATOS_A_CGROUP_CLASS])
		e->class = *(uint8_t *)nla_payload(tb[STRATOS_A_CGROUP_CLASS]);
	if (tb[STRATOS_A_CGROUP_WEIGHT])
		e->weight =
			*(uint32_t *)nla_payload(tb[STRATOS_A_CGROUP_WEIGHT]);
	save();
	ai.msg = getenv("FAKE_STRATOS_WARN");
	send_ack(s, req, 0, &ai);
}

static void do_del(struct fsock *s, const struct nlmsghdr *req)
{
	struct nlattr *tb[MAX_ATTR];
	struct entry *e;

	if (denied()) {
		send_ack(s, req, -EPERM, NULL);
		return;
	}
	parse_attrs(req, tb);
	if (!tb[STRATOS_A_CGROUP_ID]) {
		send_ack(s, req, -EINVAL, NULL);
		return;
	}
	load();
	e = lookup(*(uint64_t *)nla_payload(tb[STRATOS_A_CGROUP_ID]));
	if (!e) {
		struct ack_info ai = {
			"cgroup has no stratos entry",
			offset_of(req, tb[STRATOS_A_CGROUP_ID]), -1
		};

		send_ack(s, req, -ENOENT, &ai);
		return;
	}
	*e = reg[--nreg];
	save();
	send_ack(s, req, 0, NULL);
}

/* ---- the genl controller ---- */

static void do_getfamily(struct fsock *s, const struct nlmsghdr *req)
{
	struct dgram d = { .len = 0 };
	struct nlattr *tb[MAX_ATTR], *grps, *grp;

	parse_attrs(req, tb);
	if (getenv("FAKE_STRATOS_ABSENT") || !tb[CTRL_ATTR_FAMILY_NAME] ||
	    strcmp(nla_payload(tb[CTRL_ATTR_FAMILY_NAME]),
		   STRATOS_GENL_NAME)) {
		send_ack(s, req, -ENOENT, NULL);
		return;
	}
	genl_start(&d, GENL_ID_CTRL, 0, req->nlmsg_seq, req->nlmsg_pid,
		   CTRL_CMD_NEWFAMILY);
	attr_str(&d, CTRL_ATTR_FAMILY_NAME, STRATOS_GENL_NAME);
	attr_u16(&d, CTRL_ATTR_FAMILY_ID, FAMILY_ID);
	attr_u32(&d, CTRL_ATTR_VERSION, STRATOS_GENL_VERSION);
	attr_u32(&d, CTRL_ATTR_HDRSIZE, 0);
	attr_u32(&d, CTRL_ATTR_MAXATTR, STRATOS_A_CGROUP_MAX);
	grps = attr(&d, CTRL_ATTR_MCAST_GROUPS | NLA_F_NESTED, NULL, 0);
	grp = attr(&d, 1 | NLA_F_NESTED, NULL, 0);
	attr_u32(&d, CTRL_ATTR_MCAST_GRP_ID, EVENTS_GRP);
	attr_str(&d, CTRL_ATTR_MCAST_GRP_NAME, STRATOS_GENL_MCGRP_EVENTS);
	nest_end(&d, grp);
	nest_end(&d, grps);
	send_dgram(s, &d);
	ack_if_asked(s, req);
}

static void handle(struct fsock *s, const struct nlmsghdr *req)
{
	const struct genlmsghdr *g = NLMSG_DATA(req);

	if (req->nlmsg_type == GENL_ID_CTRL && g->cmd == CTRL_CMD_GETFAMILY) {
		do_getfamily(s, req);
		return;
	}
	if (req->nlmsg_type != FAMILY_ID) {
		send_ack(s, req, -EOPNOTSUPP, NULL);
		return;
	}
	switch (g->cmd) {
	case STRATOS_CMD_GET_INFO:
		do_get_info(s, req);
		break;
	case STRATOS_CMD_CGROUP_GET:
		do_get(s, req);
		break;
	case STRATOS_CMD_CGROUP_SET:
		do_set(s, req);
		break;
	case STRATOS_CMD_CGROUP_DEL:
		do_del(s, req);
		break;
	default:
		send_ack(s, req, -EOPNOTSUPP, NULL);
	}
}

/* ---- notifications ---- */

static void event(struct fsock *s, char *spec)
{
	struct dgram d = { .len = 0 };
	char *f[4] = { NULL };
	int n = 0;

	for (f[n] = strtok(spec, ","); f[n] && n < 3;)
		f[++n] = strtok(NULL, ",");

	/* As the module sends them: no path (listeners are in any cgroup ns). */
	if (!strcmp(f[0], "set") && f[3]) {
		genl_start(&d, FAMILY_ID, 0, 0, 0, STRATOS_CMD_CGROUP_SET);
		attr_u64(&d, STRATOS_A_CGROUP_ID, strtoull(f[1], NULL, 0),
			 STRATOS_A_CGROUP_PAD);
		attr_u8(&d, STRATOS_A_CGROUP_CLASS, atoi(f[2]));
		attr_u32(&d, STRATOS_A_CGROUP_WEIGHT, atoi(f[3]));
	} else if (!strcmp(f[0], "del") && f[2]) {
		genl_start(&d, FAMILY_ID, 0, 0, 0, STRATOS_CMD_CGROUP_DEL);
		attr_u64(&d, STRATOS_A_CGROUP_ID, strtoull(f[1], NULL, 0),
			 STRATOS_A_CGROUP_PAD);
		attr_u8(&d, STRATOS_A_CGROUP_REASON, atoi(f[2]));
	} else if (!strcmp(f[0], "other")) {
		genl_start(&d, FAMILY_ID, 0, 0, 0, 99);
	} else if (!strcmp(f[0], "bad")) {
		genl_start(&d, FAMILY_ID, 0, 0, 0, STRATOS_CMD_CGROUP_SET);
		attr_u32(&d, STRATOS_A_CGROUP_WEIGHT, 1);
	} else {
		fprintf(stderr, "fake_genl: bad event '%s'\n", f[0]);
		return;
	}
	send_dgram(s, &d);
}

static void send_events(struct fsock *s)
{
	const char *env = getenv("FAKE_STRATOS_EVENTS");
	char *copy, *spec, *save = NULL;

	if (!env)
		return;
	copy = strdup(env);
	for (spec = strtok_r(copy, ";", &save); spec;
	     spec = strtok_r(NULL, ";", &save))
		event(s, spec);
	free(copy);
}

/* ---- the interposed calls ---- */

int socket(int domain, int type, int protocol)
{
	int sv[2], i;

	init_real();
	if (domain != AF_NETLINK || protocol != NETLINK_GENERIC)
		return real_socket(domain, type, protocol);

	if (socketpair(AF_UNIX, SOCK_DGRAM | (type & SOCK_CLOEXEC), 0, sv))
		return -1;
	for (i = 0; i < MAX_SOCKS; i++) {
		if (!socks[i].used) {
			socks[i] = (struct fsock){ .used = true, .fd = sv[0],
						   .peer = sv[1] };
			return sv[0];
		}
	}
	real_close(sv[0]);
	real_close(sv[1]);
	errno = EMFILE;
	return -1;
}

int close(int fd)
{
	struct fsock *s;

	init_real();
	s = find_sock(fd);
	if (s) {
		real_close(s->peer);
		s->used = false;
	}
	return real_close(fd);
}

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	static int (*real_bind)(int, const struct sockaddr *, socklen_t);
	struct fsock *s = find_sock(fd);

	if (!s) {
		if (!real_bind)
			real_bind = dlsym(RTLD_NEXT, "bind");
		return real_bind(fd, addr, len);
	}
	s->port = ((const struct sockaddr_nl *)addr)->nl_pid;
	if (!s->port)
		s->port = getpid();
	return 0;
}

int getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
	static int (*real_gsn)(int, struct sockaddr *, socklen_t *);
	struct fsock *s = find_sock(fd);
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };

	if (!s) {
		if (!real_gsn)
			real_gsn = dlsym(RTLD_NEXT, "getsockname");
		return real_gsn(fd, addr, len);
	}
	nl.nl_pid = s->port;
	memcpy(addr, &nl, *len < sizeof(nl) ? *len : sizeof(nl));
	*len = sizeof(nl);
	return 0;
}

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	static int (*real_sso)(int, int, int, const void *, socklen_t);
	struct fsock *s = find_sock(fd);
	int v = len >= sizeof(int) ? *(const int *)val : 0;

	if (!real_sso)
		real_sso = dlsym(RTLD_NEXT, "setsockopt");
	if (!s || level != SOL_NETLINK)
		return real_sso(fd, level, name, val, len);

	switch (name) {
	case NETLINK_EXT_ACK:
		s->ext_ack = v;
		break;
	case NETLINK_CAP_ACK:
		s->cap_ack = v;
		break;
	case NETLINK_ADD_MEMBERSHIP:
		if (v != EVENTS_GRP) {
			errno = EINVAL;
			return -1;
		}
		send_events(s);
		break;
	}
	return 0;
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	static ssize_t (*real_sendmsg)(int, const struct msghdr *, int);
	static char buf[65536] __attribute__((aligned(8)));
	struct fsock *s = find_sock(fd);
	size_t len = 0, i, off;

	if (!s) {
		if (!real_sendmsg)
			real_sendmsg = dlsym(RTLD_NEXT, "sendmsg");
		return real_sendmsg(fd, msg, flags);
	}
	for (i = 0; i < msg->msg_iovlen; i++) {
		if (len + msg->msg_iov[i].iov_len > sizeof(buf)) {
			errno = EMSGSIZE;
			return -1;
		}
		memcpy(buf + len, msg->msg_iov[i].iov_base,
		       msg->msg_iov[i].iov_len);
		len += msg->msg_iov[i].iov_len;
	}
	for (off = 0; off + NLMSG_HDRLEN <= len;) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)(buf + off);

		if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN ||
		    off + nlh->nlmsg_len > len)
			break;
		handle(s, nlh);
		off += NLMSG_ALIGN(nlh->nlmsg_len);
	}
	return len;
}

ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	struct fsock *s;
	ssize_t n;

	init_real();
	s = find_sock(fd);
	n = real_recvmsg(fd, msg, flags);
	if (s && n >= 0 && msg->msg_name) {
		struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

		memcpy(msg->msg_name, &kernel, sizeof(kernel));
		msg->msg_namelen = sizeof(kernel);
	}
	return n;
}
