/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decoding of netlink error and dump-done messages, extended ack TLVs
 * included. Kept free of libnl (only the UAPI <linux/netlink.h>) so that it
 * can be unit-tested on hand-made messages, and so that it does not depend
 * on how a given libnl version hands errors to its callbacks.
 */
#ifndef STRATOSCTL_EXTACK_H
#define STRATOSCTL_EXTACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

#define EXTACK_MSG_MAX	256

struct extack {
	int error;		/* 0 or a negative errno */
	char msg[EXTACK_MSG_MAX]; /* NLMSGERR_ATTR_MSG, "" if none */
	uint32_t offs;		/* NLMSGERR_ATTR_OFFS, 0 if none */
	int miss_type;		/* NLMSGERR_ATTR_MISS_TYPE, -1 if none */
};

int extack_parse(const struct nlmsghdr *nlh, size_t len, struct extack *ea);
int extack_attr_at(const struct nlmsghdr *req, uint32_t offs);

#endif /* STRATOSCTL_EXTACK_H */
