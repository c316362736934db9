/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Raw generic netlink for the stratos selftests: just enough to build
 * requests byte by byte (including broken ones), send them, and read the
 * replies and extended acks back. No libnl, on purpose: libnl will not
 * send most of what these tests need to send.
 */
#ifndef NL_COMMON_H
#define NL_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

/* Largest request we build: one maximal attribute plus headers. */
#define NLT_MSG_MAX	(70 * 1024)
/* Receive buffer: the kernel never sends a datagram larger than 32 KiB. */
#define NLT_RCV_MAX	(64 * 1024)

#define NLT_GENL_HDRLEN	(NLMSG_HDRLEN + GENL_HDRLEN)

struct nlt_sock {
	int fd;
	uint32_t portid;
	uint32_t seq;
	size_t rcvlen;		/* bytes offered to each recv(), <= NLT_RCV_MAX */
	uint8_t *rbuf;		/* NLT_RCV_MAX bytes */
};

/* A request under construction. */
struct nlt_msg {
	size_t len;
	uint8_t buf[NLT_MSG_MAX] __attribute__((aligned(8)));
};

/* What an NLMSG_ERROR or NLMSG_DONE said, extended ack included. */
struct nlt_ack {
	int error;		/* 0 or a negative errno */
	bool done;		/* it was NLMSG_DONE, the end of a dump */
	bool has_msg;
	bool has_offs;
	bool has_miss_type;
	bool has_policy;
	uint32_t offs;		/* NLMSGERR_ATTR_OFFS */
	uint32_t miss_type;	/* NLMSGERR_ATTR_MISS_TYPE */
	char msg[256];		/* NLMSGERR_ATTR_MSG */
};

/* Called for every non-control message answering a request. */
typedef void (*nlt_msg_fn)(const struct nlmsghdr *nlh, void *arg);

/* Socket. */
int nlt_open(struct nlt_sock *s, int rcvtimeo_ms);
void nlt_close(struct nlt_sock *s);
int nlt_set_nonblock(struct nlt_sock *s, bool on);
int nlt_join_group(struct nlt_sock *s, uint32_t group);
ssize_t nlt_send(struct nlt_sock *s, const void *buf, size_t len);
ssize_t nlt_recv(struct nlt_sock *s, int flags);

/* Request building. */
void nlt_msg_init(struct nlt_msg *m, uint16_t type, uint16_t flags,
		  uint32_t seq, uint8_t cmd, uint8_t version);
struct nlattr *nlt_put(struct nlt_msg *m, uint16_t type, const void *data,
		       size_t len);
struct nlattr *nlt_put_u8(struct nlt_msg *m, uint16_t type, uint8_t v);
struct nlattr *nlt_put_u16(struct nlt_msg *m, uint16_t type, uint16_t v);
struct nlattr *nlt_put_u32(struct nlt_msg *m, uint16_t type, uint32_t v);
struct nlattr *nlt_put_u64(struct nlt_msg *m, uint16_t type, uint64_t v);
struct nlattr *nlt_put_str(struct nlt_msg *m, uint16_t type, const char *s);
size_t nlt_msg_end(struct nlt_msg *m);
static inline struct nlmsghdr *nlt_hdr(struct nlt_msg *m)
{
	return (struct nlmsghdr *)m->buf;
}

/* Reply parsing. */
bool nlt_parse_ack(const struct nlmsghdr *nlh, size_t len, struct nlt_ack *ack);
void nlt_parse_attrs(const void *data, size_t len, const struct nlattr **tb,
		     int maxtype);
const struct nlattr *nlt_genl_attrs(const struct nlmsghdr *nlh, size_t *len);
uint64_t nlt_get_uint(const struct nlattr *nla);
void nlt_ack_describe(const struct nlt_ack *ack, char *buf, size_t size);

/*
 * Send @len bytes (a request whose nlmsg_seq is @seq) and read until the
 * NLMSG_ERROR or NLMSG_DONE with that sequence number. Messages carrying
 * @seq before it go to @fn; anything else (stale replies) is skipped.
 * Returns 0 with @ack filled in, -EAGAIN if nothing terminal came within
 * the socket's receive timeout, or another negative errno.
 */
int nlt_transact(struct nlt_sock *s, const void *req, size_t len,
		 uint32_t seq, nlt_msg_fn fn, void *arg, struct nlt_ack *ack);

/*
 * Family id, and optionally a multicast group id and the family's commands,
 * via the controller. @op_flags, if not NULL, has 256 entries: for each
 * command the family has, NLT_OP_PRESENT | its CTRL_ATTR_OP_FLAGS
 * (GENL_ADMIN_PERM, GENL_CMD_CAP_DO, GENL_CMD_CAP_DUMP, ...); 0 otherwise.
 */
#define NLT_OP_PRESENT	(1u << 31)

int nlt_resolve(struct nlt_sock *s, const char *family, uint16_t *id,
		const char *group, uint32_t *group_id, uint32_t *op_flags);

/* Cgroup v2 helpers: the id is the directory's inode number. */
int nlt_cgroup_id(const char *path, uint64_t *id);

#endif /* NL_COMMON_H */
