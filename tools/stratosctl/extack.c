// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink error / done message decoding, see extack.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "extack.h"

/*
 * NLMSGERR_ATTR_* values. They are ABI, and spelled out here because they
 * are enum constants: #ifdef cannot tell whether an older <linux/netlink.h>
 * has MISS_TYPE (6.0+).
 */
#define EA_ATTR_MSG		1
#define EA_ATTR_OFFS		2
#define EA_ATTR_MISS_TYPE	5

#ifndef NLM_F_CAPPED
#define NLM_F_CAPPED		0x100
#endif
#ifndef NLM_F_ACK_TLVS
#define NLM_F_ACK_TLVS		0x200
#endif

static void ea_attr(const struct nlattr *nla, struct extack *ea)
{
	const char *data = (const char *)nla + NLA_HDRLEN;
	size_t len = nla->nla_len - NLA_HDRLEN;
	uint32_t v;

	switch (nla->nla_type & NLA_TYPE_MASK) {
	case EA_ATTR_MSG:
		/* Only a properly terminated string is worth showing. */
		if (len && memchr(data, '\0', len))
			snprintf(ea->msg, sizeof(ea->msg), "%s", data);
		break;
	case EA_ATTR_OFFS:
		if (len >= sizeof(v)) {
			memcpy(&v, data, sizeof(v));
			ea->offs = v;
		}
		break;
	case EA_ATTR_MISS_TYPE:
		if (len >= sizeof(v)) {
			memcpy(&v, data, sizeof(v));
			ea->miss_type = v & NLA_TYPE_MASK;
		}
		break;
	}
}

static void ea_tlvs(const char *p, size_t len, struct extack *ea)
{
	while (len >= NLA_HDRLEN) {
		const struct nlattr *nla = (const struct nlattr *)p;
		size_t alen = nla->nla_len;

		if (alen < NLA_HDRLEN || alen > len)
			break;
		ea_attr(nla, ea);
		alen = NLA_ALIGN(alen);
		if (alen >= len)
			break;
		p += alen;
		len -= alen;
	}
}

/*
 * Decode the NLMSG_ERROR or NLMSG_DONE message @nlh (@len bytes available)
 * into @ea. An error message carries a struct nlmsgerr, then the request it
 * answers unless NLM_F_CAPPED says the kernel left it out (NETLINK_CAP_ACK),
 * then the extended ack TLVs if NLM_F_ACK_TLVS is set. A done message
 * carries the dump's final error code, then the TLVs. Returns 0, or -EINVAL
 * for anything else or a truncated message.
 */
int extack_parse(const struct nlmsghdr *nlh, size_t len, struct extack *ea)
{
	const struct nlmsgerr *e;
	size_t tlv;
	int err;

	memset(ea, 0, sizeof(*ea));
	ea->miss_type = -1;
	if (len < NLMSG_HDRLEN || nlh->nlmsg_len < NLMSG_HDRLEN ||
	    nlh->nlmsg_len > len)
		return -EINVAL;
	len = nlh->nlmsg_len;

	switch (nlh->nlmsg_type) {
	case NLMSG_ERROR:
		if (len < NLMSG_HDRLEN + sizeof(*e))
			return -EINVAL;
		e = NLMSG_DATA(nlh);
		err = e->error;
		tlv = NLMSG_HDRLEN + sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
		    e->msg.nlmsg_len > NLMSG_HDRLEN)
			tlv += e->msg.nlmsg_len - NLMSG_HDRLEN;
		break;
	case NLMSG_DONE:
		/* Old kernels and some families send a bare DONE. */
		err = 0;
		tlv = len;
		if (len >= NLMSG_HDRLEN + sizeof(err)) {
			memcpy(&err, NLMSG_DATA(nlh), sizeof(err));
			tlv = NLMSG_HDRLEN + sizeof(err);
		}
		break;
	default:
		return -EINVAL;
	}

	ea->error = err > 0 ? -err : err;
	tlv = NLMSG_ALIGN(tlv);
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && tlv < len)
		ea_tlvs((const char *)nlh + tlv, len - tlv, ea);
	return 0;
}

/*
 * The type of the attribute at byte offset @offs of the request @req, as
 * NLMSGERR_ATTR_OFFS points at it, or -1 if @offs is not a sane attribute
 * position inside the request.
 */
int extack_attr_at(const struct nlmsghdr *req, uint32_t offs)
{
	const struct nlattr *nla;

	if (offs < NLMSG_HDRLEN || offs % NLA_ALIGNTO ||
	    offs > req->nlmsg_len || req->nlmsg_len - offs < NLA_HDRLEN)
		return -1;
	nla = (const struct nlattr *)((const char *)req + offs);
	if (nla->nla_len < NLA_HDRLEN || nla->nla_len > req->nlmsg_len - offs)
		return -1;
	return nla->nla_type & NLA_TYPE_MASK;
}
