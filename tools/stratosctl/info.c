// SPDX-License-Identifier: GPL-2.0
/*
 * stratosctl info: STRATOS_CMD_GET_INFO.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netlink/genl/genl.h>
#include <linux/stratos.h>

#include "output.h"
#include "stratosctl.h"

/* Names of the STRATOS_FEATURE_* bits, lowest bit first. */
static const char *const feature_names[] = {
	"sched_ext",
	"ext_group_sched",
	"memcg",
	"cfs_bandwidth",
	"cgroup_idle",
	"smt",
};

/* A feature added to the UAPI header needs a name here. */
_Static_assert((1ULL << ARRAY_SIZE(feature_names)) - 1 ==
	       (unsigned long long)__STRATOS_FEATURE_ALL,
	       "feature_names[] does not match enum stratos_feature");

/*
 * Strings are not length-limited here: a newer module sending a longer
 * one should still be readable, so they are truncated instead.
 */
static struct nla_policy info_policy[STRATOS_A_INFO_MAX + 1] = {
	[STRATOS_A_INFO_MODULE_VERSION] = { .type = NLA_STRING },
	[STRATOS_A_INFO_API_VERSION] = { .type = NLA_U32 },
	[STRATOS_A_INFO_KERNEL_RELEASE] = { .type = NLA_STRING },
	[STRATOS_A_INFO_FEATURES] = { .type = NLA_U64 },
	[STRATOS_A_INFO_CGROUPS] = { .type = NLA_U32 },
	[STRATOS_A_INFO_MAX_CGROUPS] = { .type = NLA_U32 },
	[STRATOS_A_INFO_NR_CPUS] = { .type = NLA_U32 },
};

/* The reply, copied out of the message; absent attributes stay unset. */
struct info {
	bool got;
	char module_version[STRATOS_VERSION_MAX];
	char kernel_release[128];
	bool present[STRATOS_A_INFO_MAX + 1];
	uint32_t api_version;
	uint64_t features;
	uint32_t cgroups;
	uint32_t max_cgroups;
	uint32_t nr_cpus;
};

static void info_str(struct nlattr *a, char *buf, size_t size)
{
	if (a)
		snprintf(buf, size, "%s", nla_get_string(a));
}

static int info_reply(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[STRATOS_A_INFO_MAX + 1];
	struct info *in = arg;
	int err, i;

	err = snl_parse(msg, tb, STRATOS_A_INFO_MAX, info_policy);
	if (err)
		return err;

	info_str(tb[STRATOS_A_INFO_MODULE_VERSION], in->module_version,
		 sizeof(in->module_version));
	info_str(tb[STRATOS_A_INFO_KERNEL_RELEASE], in->kernel_release,
		 sizeof(in->kernel_release));
	if (tb[STRATOS_A_INFO_API_VERSION])
		in->api_version = nla_get_u32(tb[STRATOS_A_INFO_API_VERSION]);
	if (tb[STRATOS_A_INFO_FEATURES])
		in->features = nla_get_u64(tb[STRATOS_A_INFO_FEATURES]);
	if (tb[STRATOS_A_INFO_CGROUPS])
		in->cgroups = nla_get_u32(tb[STRATOS_A_INFO_CGROUPS]);
	if (tb[STRATOS_A_INFO_MAX_CGROUPS])
		in->max_cgroups = nla_get_u32(tb[STRATOS_A_INFO_MAX_CGROUPS]);
	if (tb[STRATOS_A_INFO_NR_CPUS])
		in->nr_cpus = nla_get_u32(tb[STRATOS_A_INFO_NR_CPUS]);
	for (i = 0; i <= STRATOS_A_INFO_MAX; i++)
		in->present[i] = tb[i];
	in->got = true;
	return 0;
}

static void info_features(uint64_t features)
{
	char name[16];
	unsigned int bit;

	out_open_array("features", "features");
	for (bit = 0; bit < 64; bit++) {
		if (!(features & (1ULL << bit)))
			continue;
		if (bit < ARRAY_SIZE(feature_names)) {
			out_str(OUT_ANY, NULL, NULL, feature_names[bit]);
		} else {
			/* From a newer module: show it, if not by name. */
			snprintf(name, sizeof(name), "bit%u", bit);
			out_str(OUT_ANY, NULL, NULL, name);
		}
	}
	if (!features)
		out_str(OUT_TEXT, NULL, NULL, "none");
	out_close_array();
	out_nl();
}

static void info_u32(const struct info *in, int attr, const char *key,
		     uint32_t val)
{
	if (!in->present[attr])
		return;
	out_u64(OUT_ANY, key, key, val);
	out_nl();
}

static void info_print(const struct info *in)
{
	out_open_object(NULL);
	if (in->present[STRATOS_A_INFO_MODULE_VERSION]) {
		out_str(OUT_ANY, "module_version", "module_version",
			in->module_version);
		out_nl();
	}
	info_u32(in, STRATOS_A_INFO_API_VERSION, "api_version",
		 in->api_version);
	if (in->present[STRATOS_A_INFO_KERNEL_RELEASE]) {
		out_str(OUT_ANY, "kernel_release", "kernel_release",
			in->kernel_release);
		out_nl();
	}
	if (in->present[STRATOS_A_INFO_FEATURES])
		info_features(in->features);
	info_u32(in, STRATOS_A_INFO_CGROUPS, "cgroups", in->cgroups);
	info_u32(in, STRATOS_A_INFO_MAX_CGROUPS, "max_cgroups",
		 in->max_cgroups);
	info_u32(in, STRATOS_A_INFO_NR_CPUS, "nr_cpus", in->nr_cpus);
	out_close_object();
}

static void info_help(void)
{
	printf(
"Usage: stratosctl [-j [-p]] info\n"
"\n"
"Show the stratos module's version and netlink API version, the kernel\n"
"release, the kernel features stratos can use (sched_ext, ext_group_sched,\n"
"memcg, cfs_bandwidth, cgroup_idle, smt), the number of cgroup entries and\n"
"the registry's capacity, and the number of possible CPUs.\n");
}

int do_info(struct ctx *ctx, int argc, char **argv)
{
	struct info in = { 0 };
	struct snl_err e;
	struct nl_msg *msg;
	struct snl *nl;
	int ret;

	if (want_help(ctx, argc, argv)) {
		info_help();
		return EXIT_SUCCESS;
	}
	if (argc > 0)
		return usage_err("'info' takes no arguments, got '%s'",
				 argv[0]);

	ret = ctx_nl(ctx, &nl);
	if (ret)
		return ret;
	msg = snl_msg_new(nl, STRATOS_CMD_GET_INFO, 0);
	if (!msg)
		return snl_report("cannot get stratos information", -ENOMEM,
				  NULL, NULL, NULL);
	ret = snl_call(nl, msg, info_reply, &in, &e);
	nlmsg_free(msg);
	if (!ret && !in.got)
		ret = -EBADMSG;
	if (ret)
		return snl_report("cannot get stratos information", ret, &e,
				  NULL, NULL);

	if (in.present[STRATOS_A_INFO_API_VERSION] &&
	    in.api_version != STRATOS_GENL_VERSION)
		pr_warn("the module speaks stratos netlink API version %u, stratosctl version %d: update the older of the two",
			in.api_version, STRATOS_GENL_VERSION);
	info_print(&in);
	return EXIT_SUCCESS;
}
