// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink requests to the stratos module, over libnl-3.
 *
 * libnl's own request helpers (nl_wait_for_ack() and friends) turn a kernel
 * error into a libnl error code and drop the extended ack, and their
 * sequence check gives up on any stray message. So requests run through
 * snl_call(), which looks at every message itself: it keeps the kernel's
 * errno and extended ack, skips messages that answer something else,
 * drains interrupted dumps to their end, and reports the interruption.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>
#include <linux/stratos.h>

#include "netlink.h"
#include "output.h"
#include "stratosctl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK		270
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK		10
#endif
#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK		11
#endif
#ifndef NLM_F_DUMP_INTR
#define NLM_F_DUMP_INTR		0x10
#endif

/* Receive buffer of the monitor socket: room for bursts of notifications. */
#define SNL_EVENT_RCVBUF	(1 << 20)

/* Map a libnl error code to the closest errno, for callers that branch. */
static int nlerr_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_INTR:
		return -EINTR;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_RANGE:
	case NLE_MSGSIZE:
	case NLE_MSG_TOOSHORT:
	case NLE_MSG_TRUNC:
		return -EMSGSIZE;
	}
	return -EIO;
}

/*
 * Ask the kernel for the richer error reports. Both options are newer than
 * some kernels stratosctl may meet (CAP_ACK 4.3, EXT_ACK 4.12), and both
 * only improve messages, so failing to set them is no error.
 */
static void snl_sockopts(struct nl_sock *sk)
{
	int fd = nl_socket_get_fd(sk), one = 1;

	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	/* Errors need not echo our request: the TLVs carry what matters. */
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
}

/* Open a socket and find the stratos family. Returns an exit status. */
int snl_open(struct snl *nl)
{
	int err;

	memset(nl, 0, sizeof(*nl));
	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		pr_err("cannot allocate a netlink socket: out of memory");
		return EXIT_FAILURE;
	}
	err = genl_connect(nl->sk);
	if (err) {
		pr_err("cannot open a generic netlink socket: %s",
		       nl_geterror(err));
		goto fail;
	}
	snl_sockopts(nl->sk);

	nl->family = genl_ctrl_resolve(nl->sk, STRATOS_GENL_NAME);
	if (nl->family == -NLE_OBJ_NOTFOUND) {
		/*
		 * The family lives in the initial network namespace only; a
		 * loaded module means we are in another one.
		 */
		if (!access("/sys/module/stratos", F_OK))
			pr_err("stratos is loaded but not visible from this network namespace: run stratosctl in the host's (initial) network namespace");
		else
			pr_err("stratos module not loaded: load it with 'modprobe stratos' (or 'insmod kmod/stratos.ko')");
		snl_close(nl);
		return EXIT_NOMODULE;
	}
	if (nl->family < 0) {
		pr_err("cannot look up the '%s' generic netlink family: %s",
		       STRATOS_GENL_NAME, nl_geterror(nl->family));
		goto fail;
	}
	return EXIT_SUCCESS;
fail:
	snl_close(nl);
	return EXIT_FAILURE;
}

void snl_close(struct snl *nl)
{
	nl_socket_free(nl->sk);
	nl->sk = NULL;
}

int snl_fd(const struct snl *nl)
{
	return nl_socket_get_fd(nl->sk);
}

/* A request for @cmd of the stratos family; NULL when out of memory. */
struct nl_msg *snl_msg_new(const struct snl *nl, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, flags,
			 cmd, STRATOS_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* State of one snl_call(). */
struct snl_call {
	const struct snl *nl;
	uint32_t seq;
	snl_msg_fn fn;
	void *arg;
	struct snl_err *err;
	int fn_err;		/* first error returned by @fn */
	bool done;		/* the ack, error or end of dump arrived */
	bool intr;		/* the dump was interrupted */
};

/*
 * Every message passes here first. Those that answer another request (a
 * late reply to an earlier one) are skipped. The final error, ack or
 * end-of-dump message is decoded here rather than in libnl's error
 * callback, which sees neither the message length nor a DONE's payload.
 */
static int call_msg_in(struct nl_msg *msg, void *arg)
{
	struct snl_call *c = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	if (nlh->nlmsg_seq != c->seq)
		return NL_SKIP;
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		c->intr = true;
	if (nlh->nlmsg_type != NLMSG_ERROR && nlh->nlmsg_type != NLMSG_DONE)
		return NL_OK;

	if (extack_parse(nlh, nlh->nlmsg_len, &c->err->ea))
		c->err->ea.error = -EBADMSG;
	c->done = true;
	return NL_STOP;
}

/* Our own check replaces libnl's, which trips on stray messages. */
static int call_seq_ok(struct nl_msg *msg __maybe_unused,
		       void *arg __maybe_unused)
{
	return NL_OK;
}

/* Noted by call_msg_in(); the dump goes on to its end all the same. */
static int call_dump_intr(struct nl_msg *msg __maybe_unused,
			  void *arg __maybe_unused)
{
	return NL_OK;
}

static int call_valid(struct nl_msg *msg, void *arg)
{
	struct snl_call *c = arg;

	if (nlmsg_hdr(msg)->nlmsg_type != c->nl->family)
		return NL_SKIP;
	/* After a failure keep reading, so the socket is left clean. */
	if (c->fn && !c->fn_err)
		c->fn_err = c->fn(msg, c->arg);
	return NL_OK;
}

static struct nl_cb *call_cb(struct snl_call *c)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);

	if (!cb)
		return NULL;
	nl_cb_set(cb, NL_CB_MSG_IN, NL_CB_CUSTOM, call_msg_in, c);
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, call_seq_ok, c);
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, call_dump_intr, c);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, call_valid, c);
	return cb;
}

static int call_local_err(struct snl_err *err, int nlerr)
{
	err->local = nl_geterror(nlerr);
	return nlerr_errno(nlerr);
}

/*
 * No error: what snl_call() starts from, and what snl_report() reads as
 * "nothing but the errno" (a request that could not even be built).
 */
void snl_err_init(struct snl_err *err)
{
	memset(err, 0, sizeof(*err));
	err->ea.miss_type = -1;
	err->attr = -1;
}

/*
 * Send @req (which the caller still owns) and collect the answer: @fn, if
 * any, is called for each reply message of the stratos family. Returns 0,
 * SNL_DUMP_INTR when a dump completed but was interrupted (the caller
 * should start over), @fn's first error, or a negative errno. On a kernel
 * error @err holds its extended ack and the offending attribute; on a
 * local one, libnl's description.
 */
int snl_call(struct snl *nl, struct nl_msg *req, snl_msg_fn fn, void *arg,
	     struct snl_err *err)
{
	struct snl_call c = {
		.nl = nl,
		.fn = fn,
		.arg = arg,
		.err = err,
	};
	struct nl_cb *cb;
	int ret;

	snl_err_init(err);
	ret = nl_send_auto(nl->sk, req);
	if (ret < 0)
		return call_local_err(err, ret);
	/* nl_send_auto() filled in the sequence number. */
	c.seq = nlmsg_hdr(req)->nlmsg_seq;

	cb = call_cb(&c);
	if (!cb)
		return call_local_err(err, -NLE_NOMEM);
	while (!c.done) {
		ret = nl_recvmsgs(nl->sk, cb);
		if (ret < 0 && !c.done) {
			nl_cb_put(cb);
			return call_local_err(err, ret);
		}
	}
	nl_cb_put(cb);

	if (err->ea.error) {
		if (err->ea.offs)
			err->attr = extack_attr_at(nlmsg_hdr(req),
						   err->ea.offs);
		return err->ea.error;
	}
	/* A success may still come with a word from the kernel. */
	if (err->ea.msg[0])
		pr_warn("kernel: %s", err->ea.msg);
	if (c.fn_err)
		return c.fn_err;
	return c.intr ? SNL_DUMP_INTR : 0;
}

static int snl_msgs_keep(struct nl_msg *msg, void *arg)
{
	struct snl_msgs *msgs = arg;

	if (msgs->n == msgs->cap) {
		size_t cap = msgs->cap ? 2 * msgs->cap : 32;
		struct nl_msg **v = realloc(msgs->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		msgs->v = v;
		msgs->cap = cap;
	}
	/* libnl frees @msg once the callbacks return; keep a reference. */
	nlmsg_get(msg);
	msgs->v[msgs->n++] = msg;
	return 0;
}

/* Drop the messages of @msgs, keeping its array for another dump. */
static void snl_msgs_clear(struct snl_msgs *msgs)
{
	size_t i;

	for (i = 0; i < msgs->n; i++)
		nlmsg_free(msgs->v[i]);
	msgs->n = 0;
}

void snl_msgs_free(struct snl_msgs *msgs)
{
	snl_msgs_clear(msgs);
	free(msgs->v);
	msgs->v = NULL;
	msgs->cap = 0;
}

/*
 * Dump @cmd into @msgs, starting over while the kernel says the table
 * changed under the dump, @tries times at most. Nothing is printed here,
 * so that a failed or interrupted dump prints no partial table: the
 * caller prints @msgs on 0. Returns as snl_call() does; on SNL_DUMP_INTR
 * the last attempt's messages are in @msgs.
 */
int snl_dump(struct snl *nl, uint8_t cmd, int tries, struct snl_msgs *msgs,
	     struct snl_err *err)
{
	struct nl_msg *req;
	int ret = SNL_DUMP_INTR;

	while (ret == SNL_DUMP_INTR && tries-- > 0) {
		snl_msgs_clear(msgs);
		req = snl_msg_new(nl, cmd, NLM_F_DUMP);
		if (!req) {
			snl_err_init(err);
			return -ENOMEM;
		}
		ret = snl_call(nl, req, snl_msgs_keep, msgs, err);
		nlmsg_free(req);
	}
	return ret;
}

/*
 * List a table: dump @cmd whole (snl_dump(), SNL_DUMP_TRIES attempts),
 * then print every message with @print inside one array. On failure
 * nothing of the table is printed, and the error says @what failed
 * ("cannot list page-cache limits"); @names names the family's attributes
 * in it. Returns an exit status.
 */
int snl_list(struct snl *nl, uint8_t cmd, const char *what,
	     const struct snl_attr_names *names, snl_msg_fn print, void *arg)
{
	struct snl_msgs msgs = { 0 };
	struct snl_err e;
	size_t i;
	int ret;

	ret = snl_dump(nl, cmd, SNL_DUMP_TRIES, &msgs, &e);
	if (ret == SNL_DUMP_INTR) {
		pr_err("%s: they kept changing during %d attempts; try again",
		       what, SNL_DUMP_TRIES);
		ret = EXIT_FAILURE;
	} else if (ret) {
		ret = snl_report(what, ret, &e, names, NULL);
	} else {
		out_open_array(NULL, NULL);
		for (i = 0; i < msgs.n && !ret; i++)
			ret = print(msgs.v[i], arg);
		out_close_array();
		if (ret)
			ret = snl_report(what, ret, NULL, names, NULL);
	}
	snl_msgs_free(&msgs);
	return ret;
}

/* Parse a stratos message's attributes; -EBADMSG if they are malformed. */
int snl_parse(struct nl_msg *msg, struct nlattr **tb, int maxtype,
	      struct nla_policy *policy)
{
	return genlmsg_parse(nlmsg_hdr(msg), 0, tb, maxtype, policy) ?
	       -EBADMSG : 0;
}

static const char *attr_name(const struct snl_attr_names *names, int type,
			     char *buf, size_t size)
{
	if (names && type >= 0 && type < names->count && names->names[type])
		return names->names[type];
	snprintf(buf, size, "#%d", type);
	return buf;
}

/*
 * Report a failed request as "WHAT: REASON[ (attribute NAME)]" and return
 * the exit status. REASON is the kernel's extended ack message when it sent
 * one (it knows best), else @detail, else the errno's text. EPERM always
 * gets the same advice, whatever the request.
 */
int snl_report(const char *what, int err, const struct snl_err *e,
	       const struct snl_attr_names *names, const char *detail)
{
	char attr[96] = "", b[16];
	const char *reason = detail ? detail : strerror(-err);

	if (e && e->local) {
		pr_err("%s: netlink: %s", what, e->local);
		return EXIT_FAILURE;
	}
	if (err == -EPERM || err == -EACCES) {
		pr_err("%s: permission denied: this needs CAP_NET_ADMIN in the initial user namespace (run it as root on the host)",
		       what);
		return EXIT_PERM;
	}
	if (err == -EBADMSG && !detail)
		reason = "malformed message from the kernel";
	if (e && e->ea.msg[0])
		reason = e->ea.msg;
	if (e && e->attr >= 0)
		snprintf(attr, sizeof(attr), " (attribute %s)",
			 attr_name(names, e->attr, b, sizeof(b)));
	else if (e && e->ea.miss_type >= 0)
		snprintf(attr, sizeof(attr), " (missing attribute %s)",
			 attr_name(names, e->ea.miss_type, b, sizeof(b)));

	pr_err("%s: %s%s", what, reason, attr);
	return EXIT_FAILURE;
}

/*
 * Join multicast group @group of the stratos family and make the socket
 * ready for snl_recv(). Returns an exit status.
 */
int snl_subscribe(struct snl *nl, const char *group)
{
	int grp, err;

	grp = genl_ctrl_resolve_grp(nl->sk, STRATOS_GENL_NAME, group);
	if (grp == -NLE_OBJ_NOTFOUND) {
		pr_err("the stratos module has no '%s' multicast group: it does not match this stratosctl",
		       group);
		return EXIT_FAILURE;
	}
	if (grp < 0) {
		pr_err("cannot look up the '%s' multicast group: %s", group,
		       nl_geterror(grp));
		return EXIT_FAILURE;
	}
	err = nl_socket_add_membership(nl->sk, grp);
	if (err == -NLE_PERM) {
		pr_err("cannot join the '%s' multicast group: permission denied: listening needs CAP_NET_ADMIN in the initial user namespace (run it as root on the host)",
		       group);
		return EXIT_PERM;
	}
	if (err) {
		pr_err("cannot join the '%s' multicast group: %s", group,
		       nl_geterror(err));
		return EXIT_FAILURE;
	}
	/* Notifications carry no sequence numbers worth checking. */
	nl_socket_disable_seq_check(nl->sk);
	/* Best effort: a larger buffer only makes overruns rarer. */
	nl_socket_set_buffer_size(nl->sk, SNL_EVENT_RCVBUF, 0);
	/* snl_recv() is called when poll() says so and must not block. */
	err = nl_socket_set_nonblocking(nl->sk);
	if (err) {
		pr_err("cannot make the netlink socket non-blocking: %s",
		       nl_geterror(err));
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

struct snl_recv {
	const struct snl *nl;
	snl_msg_fn fn;
	void *arg;
	int ret;
};

static int recv_valid(struct nl_msg *msg, void *arg)
{
	struct snl_recv *r = arg;

	if (nlmsg_hdr(msg)->nlmsg_type != r->nl->family)
		return NL_SKIP;
	r->ret = r->fn(msg, r->arg);
	return r->ret ? NL_STOP : NL_OK;
}

/*
 * Read the notifications that are waiting and hand each to @fn, which
 * returns 0 to go on, or anything else to stop (and have snl_recv() return
 * it). Returns 0 when no more are waiting, -ENOBUFS when the kernel had to
 * drop some, or a negative errno.
 */
int snl_recv(struct snl *nl, snl_msg_fn fn, void *arg)
{
	struct snl_recv r = { .nl = nl, .fn = fn, .arg = arg };
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int ret;

	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, recv_valid, &r);
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, call_seq_ok, NULL);
	ret = nl_recvmsgs(nl->sk, cb);
	nl_cb_put(cb);

	if (r.ret)
		return r.ret;
	if (ret == -NLE_AGAIN || ret >= 0)
		return 0;
	/* libnl reports the socket's ENOBUFS (an overrun) as NLE_NOMEM. */
	if (ret == -NLE_NOMEM)
		return -ENOBUFS;
	return nlerr_errno(ret);
}
