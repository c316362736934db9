// SPDX-License-Identifier: GPL-2.0
/*
 * Raw generic netlink helpers shared by nl_malformed and nl_fuzz.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "nl_common.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

int nlt_open(struct nlt_sock *s, int rcvtimeo_ms)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t salen = sizeof(sa);
	int one = 1;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->rbuf = malloc(NLT_RCV_MAX);
	if (!s->rbuf)
		return -ENOMEM;
	s->rcvlen = NLT_RCV_MAX;
	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (s->fd < 0)
		goto err;
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(s->fd, (struct sockaddr *)&sa, &salen))
		goto err;
	s->portid = sa.nl_pid;
	/*
	 * Extended acks are what we test; capped acks keep a rejected 64 KiB
	 * request from coming back to us whole.
	 */
	if (setsockopt(s->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    setsockopt(s->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)))
		goto err;
	if (rcvtimeo_ms > 0) {
		struct timeval tv = {
			.tv_sec = rcvtimeo_ms / 1000,
			.tv_usec = (rcvtimeo_ms % 1000) * 1000,
		};

		if (setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
			goto err;
	}
	s->seq = 1;
	return 0;
err:
	{
		int e = errno;

		nlt_close(s);
		return -e;
	}
}

void nlt_close(struct nlt_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	free(s->rbuf);
	s->rbuf = NULL;
}

int nlt_set_nonblock(struct nlt_sock *s, bool on)
{
	int fl = fcntl(s->fd, F_GETFL);

	if (fl < 0)
		return -errno;
	fl = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	return fcntl(s->fd, F_SETFL, fl) ? -errno : 0;
}

int nlt_join_group(struct nlt_sock *s, uint32_t group)
{
	if (setsockopt(s->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group,
		       sizeof(group)))
		return -errno;
	return 0;
}

ssize_t nlt_send(struct nlt_sock *s, const void *buf, size_t len)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	ssize_t n;

	n = sendto(s->fd, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa));
	return n < 0 ? -errno : n;
}

/* One datagram into s->rbuf; -EMSGSIZE if it did not fit. */
ssize_t nlt_recv(struct nlt_sock *s, int flags)
{
	ssize_t n;

	do {
		n = recv(s->fd, s->rbuf, s->rcvlen, flags | MSG_TRUNC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n > s->rcvlen)
		return -EMSGSIZE;
	return n;
}

void nlt_msg_init(struct nlt_msg *m, uint16_t type, uint16_t flags,
		  uint32_t seq, uint8_t cmd, uint8_t version)
{
	struct nlmsghdr *nlh = nlt_hdr(m);
	struct genlmsghdr *g = NLMSG_DATA(nlh);

	memset(m->buf, 0, NLT_GENL_HDRLEN);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	g->cmd = cmd;
	g->version = version;
	m->len = NLT_GENL_HDRLEN;
	nlh->nlmsg_len = m->len;
}

struct nlattr *nlt_put(struct nlt_msg *m, uint16_t type, const void *data,
		       size_t len)
{
	struct nlattr *nla;
	size_t total = NLA_ALIGN(NLA_HDRLEN + len);

	if (NLA_HDRLEN + len > 0xffff || m->len + total > sizeof(m->buf))
		return NULL;
	nla = (struct nlattr *)(m->buf + m->len);
	nla->nla_type = type;
	nla->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((uint8_t *)nla + NLA_HDRLEN, data, len);
	memset((uint8_t *)nla + NLA_HDRLEN + len, 0, total - NLA_HDRLEN - len);
	m->len += total;
	nlt_hdr(m)->nlmsg_len = m->len;
	return nla;
}

struct nlattr *nlt_put_u8(struct nlt_msg *m, uint16_t type, uint8_t v)
{
	return nlt_put(m, type, &v, sizeof(v));
}

struct nlattr *nlt_put_u16(struct nlt_msg *m, uint16_t type, uint16_t v)
{
	return nlt_put(m, type, &v, sizeof(v));
}

struct nlattr *nlt_put_u32(struct nlt_msg *m, uint16_t type, uint32_t v)
{
	return nlt_put(m, type, &v, sizeof(v));
}

struct nlattr *nlt_put_u64(struct nlt_msg *m, uint16_t type, uint64_t v)
{
	return nlt_put(m, type, &v, sizeof(v));
}

struct nlattr *nlt_put_str(struct nlt_msg *m, uint16_t type, const char *s)
{
	return nlt_put(m, type, s, strlen(s) + 1);
}

size_t nlt_msg_end(struct nlt_msg *m)
{
	nlt_hdr(m)->nlmsg_len = m->len;
	return m->len;
}

void nlt_parse_attrs(const void *data, size_t len, const struct nlattr **tb,
		     int maxtype)
{
	const uint8_t *p = data;

	memset(tb, 0, sizeof(*tb) * (maxtype + 1));
	while (len >= NLA_HDRLEN) {
		const struct nlattr *nla = (const struct nlattr *)p;
		size_t alen = NLA_ALIGN(nla->nla_len);
		int type = nla->nla_type & NLA_TYPE_MASK;

		if (nla->nla_len < NLA_HDRLEN || nla->nla_len > len)
			break;
		if (type <= maxtype)
			tb[type] = nla;
		if (alen >= len)
			break;
		p += alen;
		len -= alen;
	}
}

const struct nlattr *nlt_genl_attrs(const struct nlmsghdr *nlh, size_t *len)
{
	if (nlh->nlmsg_len < NLT_GENL_HDRLEN) {
		*len = 0;
		return NULL;
	}
	*len = nlh->nlmsg_len - NLT_GENL_HDRLEN;
	return (const struct nlattr *)((const uint8_t *)nlh + NLT_GENL_HDRLEN);
}

uint64_t nlt_get_uint(const struct nlattr *nla)
{
	const uint8_t *d = (const uint8_t *)nla + NLA_HDRLEN;
	uint64_t v = 0;

	switch (nla->nla_len - NLA_HDRLEN) {
	case 1: return *d;
	case 2: { uint16_t x; memcpy(&x, d, 2); return x; }
	case 4: { uint32_t x; memcpy(&x, d, 4); return x; }
	case 8: memcpy(&v, d, 8); return v;
	default: return 0;
	}
}

bool nlt_parse_ack(const struct nlmsghdr *nlh, size_t len, struct nlt_ack *ack)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off;

	memset(ack, 0, sizeof(*ack));
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(nlh);

		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)) || nlh->nlmsg_len > len)
			return false;
		ack->error = e->error;
		off = NLMSG_HDRLEN + sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	} else if (nlh->nlmsg_type == NLMSG_DONE) {
		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(int)) || nlh->nlmsg_len > len)
			return false;
		memcpy(&ack->error, NLMSG_DATA(nlh), sizeof(int));
		ack->done = true;
		off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(int));
	} else {
		return false;
	}
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || off >= nlh->nlmsg_len)
		return true;

	nlt_parse_attrs((const uint8_t *)nlh + off, nlh->nlmsg_len - off, tb,
			NLMSGERR_ATTR_MAX);
	if (tb[NLMSGERR_ATTR_MSG]) {
		size_t n = tb[NLMSGERR_ATTR_MSG]->nla_len - NLA_HDRLEN;

		if (n >= sizeof(ack->msg))
			n = sizeof(ack->msg) - 1;
		memcpy(ack->msg, (const uint8_t *)tb[NLMSGERR_ATTR_MSG] + NLA_HDRLEN, n);
		ack->msg[n] = '\0';
		ack->has_msg = true;
	}
	if (tb[NLMSGERR_ATTR_OFFS]) {
		ack->offs = nlt_get_uint(tb[NLMSGERR_ATTR_OFFS]);
		ack->has_offs = true;
	}
	if (tb[NLMSGERR_ATTR_MISS_TYPE]) {
		ack->miss_type = nlt_get_uint(tb[NLMSGERR_ATTR_MISS_TYPE]);
		ack->has_miss_type = true;
	}
	ack->has_policy = tb[NLMSGERR_ATTR_POLICY] != NULL;
	return true;
}

void nlt_ack_describe(const struct nlt_ack *ack, char *buf, size_t size)
{
	int n;

	n = snprintf(buf, size, "%s %d (%s)", ack->done ? "done" : "error",
		     ack->error, ack->error ? strerror(-ack->error) : "success");
	if (ack->has_msg && n >= 0 && (size_t)n < size)
		n += snprintf(buf + n, size - n, ", msg \"%s\"", ack->msg);
	if (ack->has_offs && n >= 0 && (size_t)n < size)
		n += snprintf(buf + n, size - n, ", offs %u", ack->offs);
	if (ack->has_miss_type && n >= 0 && (size_t)n < size)
		n += snprintf(buf + n, size - n, ", missing attr %u",
			      ack->miss_type);
	if (ack->has_policy && n >= 0 && (size_t)n < size)
		snprintf(buf + n, size - n, ", policy");
	if (!ack->has_msg && !ack->has_offs && !ack->has_miss_type &&
	    !ack->has_policy && n >= 0 && (size_t)n < size)
		snprintf(buf + n, size - n, ", no extack");
}

int nlt_transact(struct nlt_sock *s, const void *req, size_t len,
		 uint32_t seq, nlt_msg_fn fn, void *arg, struct nlt_ack *ack)
{
	ssize_t n;

	n = nlt_send(s, req, len);
	if (n < 0)
		return n;

	for (;;) {
		const struct nlmsghdr *nlh;
		size_t rem;

		n = nlt_recv(s, 0);
		if (n < 0)
			return n;
		nlh = (const struct nlmsghdr *)s->rbuf;
		rem = n;
		for (; NLMSG_OK(nlh, rem); nlh = NLMSG_NEXT(nlh, rem)) {
			if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != s->portid)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR ||
			    nlh->nlmsg_type == NLMSG_DONE) {
				if (!nlt_parse_ack(nlh, rem, ack))
					return -EBADMSG;
				return 0;
			}
			if (nlh->nlmsg_type == NLMSG_NOOP ||
			    nlh->nlmsg_type == NLMSG_OVERRUN)
				continue;
			if (fn)
				fn(nlh, arg);
		}
	}
}

struct resolve_arg {
	uint16_t id;
	const char *group;
	uint32_t group_id;
	uint32_t *op_flags;
	bool found;
};

/* Call @fn on each attribute nested in @nest. */
static void for_each_nested(const struct nlattr *nest,
			    void (*fn)(const struct nlattr *, void *), void *arg)
{
	const struct nlattr *nla = (const struct nlattr *)((const uint8_t *)nest +
							   NLA_HDRLEN);
	size_t rem = nest->nla_len - NLA_HDRLEN;

	while (rem >= NLA_HDRLEN && nla->nla_len >= NLA_HDRLEN &&
	       nla->nla_len <= rem) {
		size_t step = NLA_ALIGN(nla->nla_len);

		fn(nla, arg);
		if (step >= rem)
			break;
		nla = (const struct nlattr *)((const uint8_t *)nla + step);
		rem -= step;
	}
}

static void resolve_group(const struct nlattr *grp, void *arg)
{
	const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1];
	struct resolve_arg *ra = arg;

	nlt_parse_attrs((const uint8_t *)grp + NLA_HDRLEN,
			grp->nla_len - NLA_HDRLEN, tb, CTRL_ATTR_MCAST_GRP_MAX);
	if (tb[CTRL_ATTR_MCAST_GRP_NAME] && tb[CTRL_ATTR_MCAST_GRP_ID] &&
	    !strncmp((const char *)tb[CTRL_ATTR_MCAST_GRP_NAME] + NLA_HDRLEN,
		     ra->group, tb[CTRL_ATTR_MCAST_GRP_NAME]->nla_len - NLA_HDRLEN))
		ra->group_id = nlt_get_uint(tb[CTRL_ATTR_MCAST_GRP_ID]);
}

static void resolve_op(const struct nlattr *op, void *arg)
{
	const struct nlattr *tb[CTRL_ATTR_OP_MAX + 1];
	struct resolve_arg *ra = arg;
	uint32_t cmd;

	nlt_parse_attrs((const uint8_t *)op + NLA_HDRLEN,
			op->nla_len - NLA_HDRLEN, tb, CTRL_ATTR_OP_MAX);
	if (!tb[CTRL_ATTR_OP_ID])
		return;
	cmd = nlt_get_uint(tb[CTRL_ATTR_OP_ID]);
	if (cmd < 256)
		ra->op_flags[cmd] = NLT_OP_PRESENT |
			(tb[CTRL_ATTR_OP_FLAGS] ? nlt_get_uint(tb[CTRL_ATTR_OP_FLAGS]) : 0);
}

static void resolve_msg(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct resolve_arg *ra = arg;
	const struct nlattr *attrs;
	size_t len;

	attrs = nlt_genl_attrs(nlh, &len);
	nlt_parse_attrs(attrs, len, tb, CTRL_ATTR_MAX);
	if (!tb[CTRL_ATTR_FAMILY_ID])
		return;
	ra->id = nlt_get_uint(tb[CTRL_ATTR_FAMILY_ID]);
	ra->found = true;
	/* Nests of nests: one per group, one per command. */
	if (ra->group && tb[CTRL_ATTR_MCAST_GROUPS])
		for_each_nested(tb[CTRL_ATTR_MCAST_GROUPS], resolve_group, ra);
	if (ra->op_flags && tb[CTRL_ATTR_OPS])
		for_each_nested(tb[CTRL_ATTR_OPS], resolve_op, ra);
}

int nlt_resolve(struct nlt_sock *s, const char *family, uint16_t *id,
		const char *group, uint32_t *group_id, uint32_t *op_flags)
{
	static struct nlt_msg m;
	struct resolve_arg ra = { .group = group, .op_flags = op_flags };
	struct nlt_ack ack;
	uint32_t seq = s->seq++;
	int ret;

	if (op_flags)
		memset(op_flags, 0, 256 * sizeof(*op_flags));
	nlt_msg_init(&m, GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK, seq,
		     CTRL_CMD_GETFAMILY, 1);
	nlt_put_str(&m, CTRL_ATTR_FAMILY_NAME, family);
	ret = nlt_transact(s, m.buf, nlt_msg_end(&m), seq, resolve_msg, &ra,
			   &ack);
	if (ret)
		return ret;
	if (ack.error)
		return ack.error;
	if (!ra.found)
		return -ENOENT;
	*id = ra.id;
	if (group) {
		if (!ra.group_id)
			return -ENOENT;
		*group_id = ra.group_id;
	}
	return 0;
}

int nlt_cgroup_id(const char *path, uint64_t *id)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	*id = st.st_ino;
	return 0;
}
