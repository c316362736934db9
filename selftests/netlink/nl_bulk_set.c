// SPDX-License-Identifier: GPL-2.0
/*
 * nl_bulk_set: create registry entries for many cgroups from one process.
 *
 * The "rmmod with 1000 entries" selftest needs a thousand entries; one
 * stratosctl exec per entry costs minutes on the debug kernel, one socket
 * costs seconds. Reads cgroup directory paths, one per line, from stdin and
 * sends STRATOS_CMD_CGROUP_SET with a weight for each; any error fails.
 *
 * Usage: nl_bulk_set WEIGHT < paths
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>
#include <linux/stratos.h>

#include "nl_common.h"

static int set_one(struct nlt_sock *s, uint16_t family, const char *path,
		   uint32_t weight)
{
	struct nlt_msg m;
	struct nlt_ack ack;
	uint64_t id;
	uint32_t seq = ++s->seq;
	int ret;

	ret = nlt_cgroup_id(path, &id);
	if (ret) {
		fprintf(stderr, "nl_bulk_set: %s: %s\n", path, strerror(-ret));
		return ret;
	}
	nlt_msg_init(&m, family, NLM_F_REQUEST | NLM_F_ACK, seq,
		     STRATOS_CMD_CGROUP_SET, STRATOS_GENL_VERSION);
	nlt_put_u64(&m, STRATOS_A_CGROUP_ID, id);
	nlt_put_u32(&m, STRATOS_A_CGROUP_WEIGHT, weight);
	ret = nlt_transact(s, m.buf, nlt_msg_end(&m), seq, NULL, NULL, &ack);
	if (!ret)
		ret = ack.error;
	if (ret)
		fprintf(stderr, "nl_bulk_set: %s: %s %s\n", path, strerror(-ret),
			ack.has_msg ? ack.msg : "");
	return ret;
}

int main(int argc, char **argv)
{
	char line[4096];
	struct nlt_sock s;
	uint16_t family;
	unsigned long weight, n = 0;
	char *end;

	if (argc != 2) {
		fprintf(stderr, "usage: nl_bulk_set WEIGHT < paths\n");
		return 2;
	}
	weight = strtoul(argv[1], &end, 10);
	if (*end || weight < STRATOS_WEIGHT_MIN || weight > STRATOS_WEIGHT_MAX) {
		fprintf(stderr, "nl_bulk_set: bad weight '%s'\n", argv[1]);
		return 2;
	}
	if (nlt_open(&s, 5000) ||
	    nlt_resolve(&s, STRATOS_GENL_NAME, &family, NULL, NULL, NULL)) {
		fprintf(stderr, "nl_bulk_set: cannot reach the stratos family\n");
		return 1;
	}
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		if (!line[0])
			continue;
		if (set_one(&s, family, line, weight)) {
			nlt_close(&s);
			return 1;
		}
		n++;
	}
	nlt_close(&s);
	printf("%lu entries set\n", n);
	return 0;
}
