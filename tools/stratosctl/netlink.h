/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic netlink conversation with the stratos module, over libnl-3.
 */
#ifndef STRATOSCTL_NETLINK_H
#define STRATOSCTL_NETLINK_H

#include <stdint.h>
#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "extack.h"

struct snl {
	struct nl_sock *sk;
	int family;
};

/* Why a request failed, beyond its errno. */
struct snl_err {
	struct extack ea;	/* the kernel's answer, extended ack and all */
	int attr;		/* type of the offending attribute, or -1 */
	const char *local;	/* libnl's description of a local failure */
};

/* Names of a request's attributes, indexed by type, for error messages. */
struct snl_attr_names {
	const char *const *names;
	int count;
};

/* An snl_attr_names initializer for the array @tab of names. */
#define SNL_ATTR_NAMES(tab)	{					\
	.names = (tab),							\
	.count = sizeof(tab) / sizeof((tab)[0]),			\
}

/* snl_call() result: the dump finished, but the registry changed under it. */
#define SNL_DUMP_INTR	1
/* Attempts at a whole dump while the kernel's table keeps changing. */
#define SNL_DUMP_TRIES	5

typedef int (*snl_msg_fn)(struct nl_msg *msg, void *arg);

/* The reply messages of a dump, held until it completed uninterrupted. */
struct snl_msgs {
	struct nl_msg **v;
	size_t n;
	size_t cap;
};

int snl_open(struct snl *nl);
void snl_close(struct snl *nl);
struct nl_msg *snl_msg_new(const struct snl *nl, uint8_t cmd, int flags);
void snl_err_init(struct snl_err *err);
int snl_call(struct snl *nl, struct nl_msg *req, snl_msg_fn fn, void *arg,
	     struct snl_err *err);
int snl_dump(struct snl *nl, uint8_t cmd, int tries, struct snl_msgs *msgs,
	     struct snl_err *err);
void snl_msgs_free(struct snl_msgs *msgs);
int snl_list(struct snl *nl, uint8_t cmd, const char *what,
	     const struct snl_attr_names *names, snl_msg_fn print, void *arg);
int snl_parse(struct nl_msg *msg, struct nlattr **tb, int maxtype,
	      struct nla_policy *policy);
int snl_report(const char *what, int err, const struct snl_err *e,
	       const struct snl_attr_names *names, const char *detail);

int snl_subscribe(struct snl *nl, const char *group);
int snl_fd(const struct snl *nl);
int snl_recv(struct snl *nl, snl_msg_fn fn, void *arg);

#endif /* STRATOSCTL_NETLINK_H */
