// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the netlink error decoding (extack.c) on messages built
 * here the way the kernel's netlink_ack() and netlink_dump_done() lay them
 * out.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "extack.h"
#include "tap.h"

#define ATTR_MSG	1
#define ATTR_OFFS	2
#define ATTR_MISS_TYPE	5

struct msgbuf {
	union {
		struct nlmsghdr nlh;
		char raw[512];
	};
};

static void put(struct msgbuf *m, const void *data, size_t len)
{
	memcpy(m->raw + m->nlh.nlmsg_len, data, len);
	m->nlh.nlmsg_len += NLMSG_ALIGN(len);
}

static void put_attr(struct msgbuf *m, int type, const void *data,
		     size_t len)
{
	struct nlattr nla = {
		.nla_len = NLA_HDRLEN + len,
		.nla_type = type,
	};

	memcpy(m->raw + m->nlh.nlmsg_len, &nla, sizeof(nla));
	memcpy(m->raw + m->nlh.nlmsg_len + NLA_HDRLEN, data, len);
	m->nlh.nlmsg_len += NLA_ALIGN(nla.nla_len);
}

static void put_u32_attr(struct msgbuf *m, int type, uint32_t v)
{
	put_attr(m, type, &v, sizeof(v));
}

/* A request: header, 4-byte genl header, u64 attr 1, u32 attr 4. */
static void make_request(struct msgbuf *m)
{
	uint32_t genl = 0x00000103;
	uint64_t id = 1234;

	memset(m, 0, sizeof(*m));
	m->nlh.nlmsg_len = NLMSG_HDRLEN;
	m->nlh.nlmsg_type = 0x20;
	m->nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	m->nlh.nlmsg_seq = 7;
	put(m, &genl, sizeof(genl));
	put_attr(m, 1, &id, sizeof(id));	/* at offset 20 */
	put_u32_attr(m, 4, 0);			/* at offset 32 */
}

/* An NLMSG_ERROR answering @req, the request echoed unless @capped. */
static void make_error(struct msgbuf *m, const struct msgbuf *req, int err,
		       bool capped, bool tlvs)
{
	struct nlmsgerr e = { .error = err, .msg = req->nlh };

	memset(m, 0, sizeof(*m));
	m->nlh.nlmsg_len = NLMSG_HDRLEN;
	m->nlh.nlmsg_type = NLMSG_ERROR;
	m->nlh.nlmsg_flags = (capped ? 0x100 : 0) | (tlvs ? 0x200 : 0);
	m->nlh.nlmsg_seq = req->nlh.nlmsg_seq;
	put(m, &e, sizeof(e));
	if (!capped)
		put(m, req->raw + NLMSG_HDRLEN,
		    req->nlh.nlmsg_len - NLMSG_HDRLEN);
}

static void make_done(struct msgbuf *m, int err, bool tlvs)
{
	memset(m, 0, sizeof(*m));
	m->nlh.nlmsg_len = NLMSG_HDRLEN;
	m->nlh.nlmsg_type = NLMSG_DONE;
	m->nlh.nlmsg_flags = NLM_F_MULTI | (tlvs ? 0x200 : 0);
	put(m, &err, sizeof(err));
}

static const char kmsg[] = "weight out of range";

static void test_errors(void)
{
	struct msgbuf req, m;
	struct extack ea;
	int ret;

	make_request(&req);

	make_error(&m, &req, -EINVAL, true, true);
	put_attr(&m, ATTR_MSG, kmsg, sizeof(kmsg));
	put_u32_attr(&m, ATTR_OFFS, 32);
	ret = extack_parse(&m.nlh, m.nlh.nlmsg_len, &ea);
	ok(!ret && ea.error == -EINVAL, "capped error: errno");
	ok_str(ea.msg, kmsg, "capped error: message");
	ok(ea.offs == 32 && ea.miss_type == -1, "capped error: offset");
	ok(extack_attr_at(&req.nlh, ea.offs) == 4,
	   "offset names the request's attribute");

	make_error(&m, &req, -EINVAL, false, true);
	put_u32_attr(&m, ATTR_OFFS, 20);
	put_attr(&m, ATTR_MSG, kmsg, sizeof(kmsg));
	ret = extack_parse(&m.nlh, m.nlh.nlmsg_len, &ea);
	ok(!ret && ea.error == -EINVAL && !strcmp(ea.msg, kmsg) &&
	   ea.offs == 20, "uncapped error: TLVs after the echoed request");
	ok(extack_attr_at(&req.nlh, ea.offs) == 1, "offset of the first attr");

	make_error(&m, &req, -EINVAL, false, false);
	ret = extack_parse(&m.nlh, m.nlh.nlmsg_len, &ea);
	ok(!ret && ea.error == -EINVAL && !ea.msg[0] && !ea.offs,
	   "error without NLM_F_ACK_TLVS");

	make_error(&m, &req, -EPERM, true, false);
	put_attr(&m, ATTR_MSG, kmsg, sizeof(kmsg));
	ret = extack_parse(&m.nlh, m.nlh.nlmsg_len, &ea);
	ok(!ret && ea.error == -EPERM && !ea.msg[0],
	   "TLV bytes without the flag are ignored");

	make_error(&m, &req, 0, true, false);
	ret = extack_parse(&m.nlh, m.nlh.nlmsg_len, &ea);
	ok(!ret && ea.error == 0, "plain ack");

	make_error(&m, &req, 0, true, true);
	put_attr(&m, ATTR_MSG, "deprecated", sizeof("deprecated"));
	ret = extack_parse(&m.nlh, m.nlh.nlmsg_len, &ea);
	ok(!ret && ea.error == 0 && !strcmp(ea.msg, "deprecated"),
	   "ack with a warning message");

	make_error(&m, &req, -EINVAL, true, true);
	put_u32_attr(&m, ATTR_MISS_TYPE, 1);
	ret = extack_parse(&m.nlh, m.nlh.nlmsg_len, &ea);
	ok(!ret && ea.miss_type == 1, "missing attribute type");

	make_error(&m, &req, -EINVAL, true, true);
	put_attr(&m, ATTR_MSG, "abc", 3);	/* no NUL */
	ret = extack_parse(&m.nlh, m.nlh.nlmsg_len, &ea);
	ok(!ret && !ea.msg[0], "unterminated message is dropped");

	make_error(&m, &req, -EINVAL, true, true);
	put_attr(&m, ATTR_MSG, kmsg, sizeof(kmsg));
	m.raw[NLMSG_HDRLEN + sizeof(struct nlmsgerr)] = 0xff; /* nla_len */
	ret = extack_parse(&m.nlh, m.nlh.nlmsg_len, &ea);
	ok(!ret && ea.error == -EINVAL && !ea.msg[0],
	   "oversized TLV is not followed");

	make_error(&m, &req, -EINVAL, true, false);
	ret = extack_parse(&m.nlh, m.nlh.nlmsg_len - 1, &ea);
	ok(ret == -EINVAL, "truncated buffer is rejected");

	make_error(&m, &req, -EINVAL, true, false);
	m.nlh.nlmsg_len = NLMSG_HDRLEN + 2;
	ret = extack_parse(&m.nlh, sizeof(m.raw), &ea);
	ok(ret == -EINVAL, "short nlmsgerr is rejected");

	ret = extack_parse(&req.nlh, req.nlh.nlmsg_len, &ea);
	ok(ret == -EINVAL, "other message types are rejected");
}

static void test_done(void)
{
	struct msgbuf m;
	struct extack ea;
	int ret;

	make_done(&m, 0, false);
	ret = extack_parse(&m.nlh, m.nlh.nlmsg_len, &ea);
	ok(!ret && ea.error == 0, "done: success");

	make_done(&m, -ENOBUFS, true);
	put_attr(&m, ATTR_MSG, kmsg, sizeof(kmsg));
	ret = extack_parse(&m.nlh, m.nlh.nlmsg_len, &ea);
	ok(!ret && ea.error == -ENOBUFS && !strcmp(ea.msg, kmsg),
	   "done: dump error with a message");

	make_done(&m, 0, false);
	m.nlh.nlmsg_len = NLMSG_HDRLEN;
	ret = extack_parse(&m.nlh, m.nlh.nlmsg_len, &ea);
	ok(!ret && ea.error == 0, "done: bare header");
}

static void test_attr_at(void)
{
	struct msgbuf req;

	make_request(&req);
	ok(extack_attr_at(&req.nlh, 0) == -1, "attr_at: offset 0");
	ok(extack_attr_at(&req.nlh, 8) == -1, "attr_at: inside the header");
	ok(extack_attr_at(&req.nlh, 21) == -1, "attr_at: misaligned");
	ok(extack_attr_at(&req.nlh, req.nlh.nlmsg_len) == -1,
	   "attr_at: at the end");
	ok(extack_attr_at(&req.nlh, 4096) == -1, "attr_at: past the end");
	ok(extack_attr_at(&req.nlh, 16) == -1,
	   "attr_at: genl header is no attribute");
}

int main(void)
{
	tap_start();
	test_errors();
	test_done();
	test_attr_at();
	return tap_end();
}
