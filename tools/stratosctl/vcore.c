// SPDX-License-Identifier: GPL-2.0
/*
 * stratosctl vcore: virtual cores (STRATOS_CMD_VCORE_*).
 *
 * The kernel keeps the per-CPU capacity factors and the accounting; the
 * node's topology (NUMA node, last-level cache, physical core) is read
 * here from sysfs, the kernel's own description of it, so that the node
 * report can be broken down without a second copy in the module.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netlink/genl/genl.h>
#include <linux/stratos.h>

#include "output.h"
#include "stratosctl.h"
#include "vcore.h"

#define SYS_CPU		"/sys/devices/system/cpu"

enum { VC_FACTORS, VC_ACCOUNT, VC_UNACCOUNT, VC_SHOW, VC_NODE,
       VC_CALIBRATE, VC_HELP, VC_LIMIT, VC_RECLAIM };

static const struct keyword vc_cmds[] = {
	{ "factors", VC_FACTORS },
	{ "account", VC_ACCOUNT },
	{ "unaccount", VC_UNACCOUNT },
	{ "show", VC_SHOW },
	{ "node", VC_NODE },
	{ "calibrate", VC_CALIBRATE },
	{ "limit", VC_LIMIT },
	{ "reclaimable", VC_RECLAIM },
	{ "help", VC_HELP },
	{ NULL, 0 },
};

enum { F_SHOW, F_SET, F_RESET, F_HELP };

static const struct keyword factor_cmds[] = {
	{ "show", F_SHOW },
	{ "list", F_SHOW },
	{ "set", F_SET },
	{ "reset", F_RESET },
	{ "help", F_HELP },
	{ NULL, 0 },
};

static const char *const cpu_attr_name_tab[] = {
	[STRATOS_A_VCORE_CPU_CPU] = "cpu",
	[STRATOS_A_VCORE_CPU_FACTOR_IDLE] = "factor-idle",
	[STRATOS_A_VCORE_CPU_FACTOR_BUSY] = "factor-busy",
};

static const struct snl_attr_names cpu_attr_names =
	SNL_ATTR_NAMES(cpu_attr_name_tab);

static const char *const cg_vattr_name_tab[] = {
	[STRATOS_A_VCORE_CGROUP_ID] = "id",
	[STRATOS_A_VCORE_CGROUP_LIMIT] = "limit",
	[STRATOS_A_VCORE_CGROUP_DIR] = "dir",
};

static const struct snl_attr_names cg_vattr_names =
	SNL_ATTR_NAMES(cg_vattr_name_tab);

static const struct cg_kind vcg_kind = {
	.id_attr = STRATOS_A_VCORE_CGROUP_ID,
	.noun = "cgroup",
	.names = &cg_vattr_names,
};

static struct nla_policy cpu_policy[STRATOS_A_VCORE_CPU_MAX + 1] = {
	[STRATOS_A_VCORE_CPU_CPU] = { .type = NLA_U32 },
	[STRATOS_A_VCORE_CPU_ONLINE] = { .type = NLA_U8 },
	[STRATOS_A_VCORE_CPU_FACTOR_IDLE] = { .type = NLA_U32 },
	[STRATOS_A_VCORE_CPU_FACTOR_BUSY] = { .type = NLA_U32 },
	[STRATOS_A_VCORE_CPU_DEFAULT_IDLE] = { .type = NLA_U32 },
	[STRATOS_A_VCORE_CPU_DEFAULT_BUSY] = { .type = NLA_U32 },
	[STRATOS_A_VCORE_CPU_SIBLING] = { .type = NLA_U32 },
	[STRATOS_A_VCORE_CPU_BUSY_NS] = { .type = NLA_U64 },
	[STRATOS_A_VCORE_CPU_VCORE_NS] = { .type = NLA_U64 },
};

static struct nla_policy vcg_policy[STRATOS_A_VCORE_CGROUP_MAX + 1] = {
	[STRATOS_A_VCORE_CGROUP_ID] = { .type = NLA_U64 },
	[STRATOS_A_VCORE_CGROUP_PATH] = { .type = NLA_STRING },
	[STRATOS_A_VCORE_CGROUP_VCORE_NS] = { .type = NLA_U64 },
	[STRATOS_A_VCORE_CGROUP_CPU_NS] = { .type = NLA_U64 },
	[STRATOS_A_VCORE_CGROUP_LIMIT] = { .type = NLA_U32 },
	[STRATOS_A_VCORE_CGROUP_QUOTA] = { .type = NLA_U32 },
	[STRATOS_A_VCORE_CGROUP_QUOTA_WRITES] = { .type = NLA_U32 },
};


static uint32_t get_u32(struct nlattr **tb, int type)
{
	return tb[type] ? nla_get_u32(tb[type]) : 0;
}

static uint64_t get_u64(struct nlattr **tb, int type)
{
	return tb[type] ? nla_get_u64(tb[type]) : 0;
}

static int vc_cpu_add(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[STRATOS_A_VCORE_CPU_MAX + 1];
	struct vc_cpus *l = arg;
	struct vc_cpu *c;

	if (snl_parse(msg, tb, STRATOS_A_VCORE_CPU_MAX, cpu_policy) ||
	    !tb[STRATOS_A_VCORE_CPU_CPU])
		return -EBADMSG;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct vc_cpu *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	c = &l->v[l->n++];
	memset(c, 0, sizeof(*c));
	c->cpu = get_u32(tb, STRATOS_A_VCORE_CPU_CPU);
	c->online = tb[STRATOS_A_VCORE_CPU_ONLINE] &&
		    nla_get_u8(tb[STRATOS_A_VCORE_CPU_ONLINE]);
	c->idle = get_u32(tb, STRATOS_A_VCORE_CPU_FACTOR_IDLE);
	c->busy = get_u32(tb, STRATOS_A_VCORE_CPU_FACTOR_BUSY);
	c->def_idle = get_u32(tb, STRATOS_A_VCORE_CPU_DEFAULT_IDLE);
	c->def_busy = get_u32(tb, STRATOS_A_VCORE_CPU_DEFAULT_BUSY);
	c->sibling = tb[STRATOS_A_VCORE_CPU_SIBLING] ?
		     (int)get_u32(tb, STRATOS_A_VCORE_CPU_SIBLING) : -1;
	c->busy_ns = get_u64(tb, STRATOS_A_VCORE_CPU_BUSY_NS);
	c->vcore_ns = get_u64(tb, STRATOS_A_VCORE_CPU_VCORE_NS);
	c->node = c->core = c->llc = -1;
	return 0;
}

/* Every possible CPU, in CPU order. Returns an exit status. */
int vc_cpus_get(struct snl *nl, struct vc_cpus *l)
{
	struct nl_msg *msg;
	struct snl_err e;
	int ret;

	l->n = 0;
	msg = snl_msg_new(nl, STRATOS_CMD_VCORE_CPU_GET, NLM_F_DUMP);
	if (!msg)
		return snl_report("cannot read CPU factors", -ENOMEM, NULL,
				  NULL, NULL);
	ret = snl_call(nl, msg, vc_cpu_add, l, &e);
	nlmsg_free(msg);
	if (ret < 0)
		return snl_report("cannot read CPU factors", ret, &e,
				  &cpu_attr_names, NULL);
	return EXIT_SUCCESS;
}

/* Open the socket into @nl and read every CPU. Returns an exit status. */
int vc_cpus_load(struct ctx *ctx, struct snl **nl, struct vc_cpus *l)
{
	int ret = ctx_nl(ctx, nl);

	return ret ? ret : vc_cpus_get(*nl, l);
}

static const struct vc_cpu *vc_find(const struct vc_cpus *l, unsigned int cpu)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].cpu == cpu)
			return &l->v[i];
	return NULL;
}

/* The first number of a sysfs file such as a CPU list ("0-1,4"), or -1. */
static int sysfs_first(const char *path)
{
	FILE *f;
	int v = -1;

	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int cpu_node(unsigned int cpu)
{
	char path[64];
	struct dirent *d;
	int node = 0;
	DIR *dir;

	snprintf(path, sizeof(path), SYS_CPU "/cpu%u", cpu);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((d = readdir(dir))) {
		if (sscanf(d->d_name, "node%d", &node) == 1)
			break;
	}
	closedir(dir);
	return node;
}

/*
 * The last-level cache is the highest-level cache index of the CPU; its
 * first sharing CPU names it. Without cache information, the package does.
 */
static int cpu_llc(unsigned int cpu)
{
	int idx, level, best = -1, llc = -1;
	char path[256];

	for (idx = 0; idx < 16; idx++) {
		snprintf(path, sizeof(path), SYS_CPU "/cpu%u/cache/index%d/level",
			 cpu, idx);
		level = sysfs_first(path);
		if (level < 0)
			break;
		if (level > best) {
			best = level;
			snprintf(path, sizeof(path),
				 SYS_CPU "/cpu%u/cache/index%d/shared_cpu_list",
				 cpu, idx);
			llc = sysfs_first(path);
		}
	}
	if (llc < 0) {
		snprintf(path, sizeof(path),
			 SYS_CPU "/cpu%u/topology/package_cpus_list", cpu);
		llc = sysfs_first(path);
	}
	return llc < 0 ? 0 : llc;
}

static void vc_topology(struct vc_cpus *l)
{
	char path[256];
	struct vc_cpu *c;
	size_t i;

	for (i = 0; i < l->n; i++) {
		c = &l->v[i];
		if (!c->online)
			continue;
		c->node = cpu_node(c->cpu);
		c->llc = cpu_llc(c->cpu);
		snprintf(path, sizeof(path),
			 SYS_CPU "/cpu%u/topology/thread_siblings_list", c->cpu);
		c->core = sysfs_first(path);
		if (c->core < 0)
			c->core = c->cpu;
	}
}

/* Capacity of a CPU with every sibling busy: what a node can promise. */
static uint32_t vc_capacity(const struct vc_cpu *c)
{
	if (!c->online)
		return 0;
	return c->sibling >= 0 ? c->busy : c->idle;
}

/* A factor, or anything in its millionths: "1.250" for people, ppm in JSON. */
void vc_print_factor(const char *key, const char *label, uint64_t ppm)
{
	char buf[32];

	vc_format_fixed(buf, sizeof(buf), ppm, STRATOS_VCORE_FACTOR_SCALE, 3);
	out_str(OUT_TEXT, NULL, label, buf);
	out_u64(OUT_JSON, key, NULL, ppm);
}

static void vc_help(int cmd)
{
	printf("Usage:\n");
	if (cmd == VC_FACTORS || cmd == VC_HELP)
		printf(
"       stratosctl [-j] vcore factors [ show [ CPUS ] ]\n"
"       stratosctl vcore factors set CPUS [ idle FACTOR ] [ busy FACTOR ]\n"
"       stratosctl vcore factors reset CPUS\n");
	if (cmd == VC_ACCOUNT || cmd == VC_HELP)
		printf("       stratosctl vcore account PATH\n");
	if (cmd == VC_UNACCOUNT || cmd == VC_HELP)
		printf("       stratosctl vcore unaccount PATH\n");
	if (cmd == VC_LIMIT || cmd == VC_HELP)
		printf("       stratosctl vcore limit PATH { VCORES | none }\n");
	if (cmd == VC_SHOW || cmd == VC_HELP)
		printf("       stratosctl [-j] vcore show [ PATH [ interval SECONDS ] ]\n");
	if (cmd == VC_NODE || cmd == VC_HELP)
		printf("       stratosctl [-j] vcore node [ interval SECONDS ]\n");
	if (cmd == VC_RECLAIM || cmd == VC_HELP)
		printf("       stratosctl [-j] vcore reclaimable [ window SECONDS ] [ percentile P ]\n");
	if (cmd == VC_CALIBRATE || cmd == VC_HELP)
		printf("       stratosctl vcore calibrate [ CPUS ] [ reference SCORE ] [ seconds S ] [ apply ]\n"
		       "                                  [ workload CMD [ARG]... ]\n");
	printf(
"\n"
"A vcore is a fixed amount of compute, the same on every node. Each CPU has\n"
"two capacity factors, in vcores per CPU-second: 'idle' while its SMT\n"
"sibling is idle, 'busy' while the sibling runs something (at most idle).\n"
"FACTOR is a decimal such as 1, 0.5 or 1.25 (%.3f..%.0f); CPUS is a list\n"
"such as 0-3,6 or 'all'. Defaults come from the kernel's cpu_capacity;\n"
"'reset' restores them. See stratosctl(8) and Documentation/vcore.rst.\n",
	       (double)STRATOS_VCORE_FACTOR_MIN / STRATOS_VCORE_FACTOR_SCALE,
	       (double)STRATOS_VCORE_FACTOR_MAX / STRATOS_VCORE_FACTOR_SCALE);
	if (cmd == VC_ACCOUNT || cmd == VC_SHOW || cmd == VC_HELP)
		printf(
"\n"
"'account' starts counting a cgroup's CPU time (with its descendants') in\n"
"vcore-seconds; 'show' prints it, and with 'interval' the mean vcores used\n"
"over that many seconds. Accounting ends with 'unaccount' or when the\n"
"cgroup is removed. JSON carries ns and millionths (exact integers).\n");
	if (cmd == VC_LIMIT || cmd == VC_HELP)
		printf(
"\n"
"'limit' holds a cgroup to VCORES (e.g. 2.0, at least 0.01, at most the\n"
"node's idle capacity: the sum of its online CPUs' idle factors) whatever\n"
"CPUs it runs on, by rewriting its cpu.max every 100 ms; 'none' lifts the\n"
"limit and restores the cpu.max it had. The cpu controller must be enabled\n"
"for the cgroup. A limit implies accounting.\n");
	if (cmd == VC_NODE || cmd == VC_HELP)
		printf(
"\n"
"'node' prints the node's capacity in vcores with every SMT sibling busy\n"
"(the figure to register as allocatable), by NUMA node, last-level cache\n"
"and physical core, and the vcores in use over 'interval' seconds (default\n"
"1, 0 to skip). JSON gives capacities in millivcores. 'stratosctl vcore'\n"
"alone runs 'node'.\n");
	if (cmd == VC_RECLAIM || cmd == VC_HELP)
		printf(
"\n"
"'reclaimable' prints the capacity batch work can be promised: the node's\n"
"capacity minus what online work (every task outside offline cgroups)\n"
"used over the last 'window' seconds (default %d, at most %d), at the\n"
"given percentile of the module's once-a-second samples (default 100,\n"
"the peak). Also the online and offline use in the last second. JSON\n"
"gives millivcores.\n", STRATOS_VCORE_WINDOW_DEFAULT,
		       STRATOS_VCORE_WINDOW_MAX);
	if (cmd == VC_CALIBRATE || cmd == VC_HELP)
		printf(
"\n"
"'calibrate' runs a reference workload pinned to each CPU, alone and with\n"
"its SMT sibling busy, and prints the factors it implies: score divided by\n"
"the cluster-wide reference SCORE (work units per second that define one\n"
"vcore; default: this machine's fastest CPU). 'apply' sets them. With\n"
"'workload' (written in full), CMD and the rest of the line, its options\n"
"included, run instead of the built-in workload and print their own score\n"
"(stratosctl(8)).\n");
}

static int vc_cpulist_arg(const char *s, struct cpu_set_bits *set)
{
	int ret = vc_parse_cpulist(s, set);

	if (ret)
		return usage_err("invalid CPU list '%s': %s (write e.g. 0-3,6 or all)",
				 s, vc_parse_strerror(ret));
	return EXIT_SUCCESS;
}

static int factors_show(struct ctx *ctx, int argc, char **argv)
{
	struct cpu_set_bits set;
	struct vc_cpus l = { 0 };
	struct snl *nl;
	size_t i;
	int ret;

	if (argc > 1)
		return usage_err("'vcore factors show' takes one CPU list, got '%s' too",
				 argv[1]);
	ret = vc_cpulist_arg(argc ? argv[0] : "all", &set);
	if (!ret)
		ret = vc_cpus_load(ctx, &nl, &l);
	if (ret)
		goto out;

	out_open_array(NULL, NULL);
	for (i = 0; i < l.n; i++) {
		const struct vc_cpu *c = &l.v[i];

		if (!vc_cpuset_has(&set, c->cpu))
			continue;
		out_open_object(NULL);
		out_u64(OUT_ANY, "cpu", "cpu", c->cpu);
		out_str(OUT_TEXT, NULL, NULL, c->online ? "online" : "offline");
		out_u64(OUT_JSON, "online", NULL, c->online);
		vc_print_factor("idle_ppm", "idle", c->idle);
		vc_print_factor("busy_ppm", "busy", c->busy);
		vc_print_factor("default_idle_ppm", "default_idle",
				c->def_idle);
		vc_print_factor("default_busy_ppm", "default_busy",
				c->def_busy);
		if (c->sibling >= 0)
			out_u64(OUT_ANY, "sibling", "sibling", c->sibling);
		out_u64(OUT_JSON, "busy_ns", NULL, c->busy_ns);
		out_u64(OUT_JSON, "vcore_ns", NULL, c->vcore_ns);
		out_close_object();
		out_nl();
	}
	out_close_array();
out:
	free(l.v);
	return ret;
}

static int factor_arg(const struct kv *kv, int64_t *ppm)
{
	uint32_t v;
	int ret = vc_parse_factor(kv->value, &v);

	if (ret)
		return usage_err("invalid %.*s factor '%s': %s (it must be %s..%s, e.g. 0.75)",
				 (int)kv->keylen, kv->key, kv->value,
				 vc_parse_strerror(ret), "0.001", "4");
	*ppm = v;
	return EXIT_SUCCESS;
}

enum { FS_IDLE, FS_BUSY };

static const struct keyword fset_kw[] = {
	{ "idle", FS_IDLE },
	{ "busy", FS_BUSY },
	{ NULL, 0 },
};

/* Set (or with both < 0, reset) the factors of one CPU. */
int vc_factors_put(struct snl *nl, unsigned int cpu, int64_t idle,
		       int64_t busy)
{
	char what[64];
	struct nl_msg *msg;
	struct snl_err e;
	int ret;

	snprintf(what, sizeof(what), "cannot set the factors of CPU %u", cpu);
	msg = snl_msg_new(nl, STRATOS_CMD_VCORE_CPU_SET, 0);
	if (!msg || nla_put_u32(msg, STRATOS_A_VCORE_CPU_CPU, cpu) ||
	    (idle >= 0 &&
	     nla_put_u32(msg, STRATOS_A_VCORE_CPU_FACTOR_IDLE, idle)) ||
	    (busy >= 0 &&
	     nla_put_u32(msg, STRATOS_A_VCORE_CPU_FACTOR_BUSY, busy))) {
		nlmsg_free(msg);
		return snl_report(what, -ENOMEM, NULL, NULL, NULL);
	}
	ret = snl_call(nl, msg, NULL, NULL, &e);
	nlmsg_free(msg);
	if (ret)
		return snl_report(what, ret, &e, &cpu_attr_names,
				  ret == -ENODEV ? "no such CPU online" : NULL);
	return EXIT_SUCCESS;
}

/*
 * Apply to every CPU of @set that the kernel knows; naming a CPU it does
 * not know is an error, so that typos do not pass silently.
 */
static int factors_apply(struct ctx *ctx, const char *list,
			 const struct cpu_set_bits *set, bool all,
			 int64_t idle, int64_t busy)
{
	struct vc_cpus l = { 0 };
	struct snl *nl;
	unsigned int cpu;
	int ret;

	ret = vc_cpus_load(ctx, &nl, &l);
	for (cpu = 0; !ret && cpu < VC_MAX_CPUS; cpu++) {
		const struct vc_cpu *c;

		if (!vc_cpuset_has(set, cpu))
			continue;
		c = vc_find(&l, cpu);
		if (all && (!c || !c->online))
			continue;
		if (!c) {
			pr_err("cannot set the factors of CPU %u: this machine has no such CPU ('%s')",
			       cpu, list);
			ret = EXIT_FAILURE;
			break;
		}
		ret = vc_factors_put(nl, cpu, idle, busy);
	}
	free(l.v);
	return ret;
}

static int factors_set(struct ctx *ctx, int argc, char **argv, bool reset)
{
	int64_t idle = -1, busy = -1;
	struct cpu_set_bits set;
	const char *list;
	struct kv kv;
	int ret;

	if (argc < 1)
		return usage_err("'vcore factors %s' needs CPUS (see 'stratosctl vcore help')",
				 reset ? "reset" : "set");
	list = argv[0];
	ret = vc_cpulist_arg(list, &set);
	if (ret)
		return ret;
	argc--;
	argv++;
	if (reset && argc)
		return usage_err("'vcore factors reset' takes only CPUS, got '%s' too",
				 argv[0]);
	while ((ret = kv_next(&argc, &argv, fset_kw, &kv)) != KV_END) {
		if (ret != KV_OK)
			return kv_fail(fset_kw, &kv, ret, "vcore factors set");
		ret = factor_arg(&kv, kv.id == FS_IDLE ? &idle : &busy);
		if (ret)
			return ret;
	}
	if (!reset && idle < 0 && busy < 0)
		return usage_err("'vcore factors set' needs 'idle FACTOR' and/or 'busy FACTOR' ('reset' restores the defaults)");
	if (idle >= 0 && busy > idle)
		return usage_err("busy factor %.6f is above idle factor %.6f: a busy sibling never adds capacity",
				 (double)busy / STRATOS_VCORE_FACTOR_SCALE,
				 (double)idle / STRATOS_VCORE_FACTOR_SCALE);
	return factors_apply(ctx, list, &set, vc_cpuset_is_all(&set), idle,
			     busy);
}

static int do_factors(struct ctx *ctx, int argc, char **argv)
{
	int cmd;

	if (argc == 0 || ctx->help) {
		if (ctx->help) {
			vc_help(VC_FACTORS);
			return EXIT_SUCCESS;
		}
		return factors_show(ctx, 0, argv);
	}
	cmd = kw_match(factor_cmds, argv[0]);
	switch (cmd) {
	case F_SHOW:
		return factors_show(ctx, argc - 1, argv + 1);
	case F_SET:
		return factors_set(ctx, argc - 1, argv + 1, false);
	case F_RESET:
		return factors_set(ctx, argc - 1, argv + 1, true);
	case F_HELP:
		vc_help(VC_FACTORS);
		return EXIT_SUCCESS;
	}
	return kw_fail(factor_cmds, argv[0], strlen(argv[0]), cmd,
		       "vcore factors command");
}

static int vc_cg_request(struct ctx *ctx, int argc, char **argv, uint8_t cmd,
			 const char *what)
{
	struct cg_req rq;
	int ret;

	if (argc != 1)
		return usage_err("'vcore %s' takes one PATH (see 'stratosctl vcore help')",
				 what);
	ret = cg_req_open(ctx, &vcg_kind, argv[0], &rq);
	if (ret)
		return ret;
	ret = cg_req_send(&rq, cg_req_msg(&rq, cmd), NULL, NULL);
	return cg_req_done(&rq, what, ret, NULL);
}

static int vc_limit(struct ctx *ctx, int argc, char **argv)
{
	struct nl_msg *msg;
	uint32_t limit = 0;
	struct cg_req rq;
	int ret;

	if (argc != 2)
		return usage_err("'vcore limit' takes PATH and VCORES or 'none' (see 'stratosctl vcore help')");
	if (strcmp(argv[1], "none")) {
		ret = vc_parse_limit(argv[1], &limit);
		if (ret)
			return usage_err("invalid limit '%s': %s (give vcores, 0.01..1000, e.g. 2.0; 'none' lifts the limit)",
					 argv[1], vc_parse_strerror(ret));
	}
	ret = cg_req_open(ctx, &vcg_kind, argv[0], &rq);
	if (ret)
		return ret;
	msg = cg_req_msg(&rq, STRATOS_CMD_VCORE_CGROUP_SET);
	if (msg &&
	    (nla_put_u32(msg, STRATOS_A_VCORE_CGROUP_LIMIT, limit) ||
	     nla_put_string(msg, STRATOS_A_VCORE_CGROUP_DIR, rq.ref.path))) {
		nlmsg_free(msg);
		msg = NULL;
	}
	ret = cg_req_send(&rq, msg, NULL, NULL);
	return cg_req_done(&rq, limit ? "limit" : "lift the limit of", ret,
			   NULL);
}

struct vcg {
	bool got;
	uint64_t id, vcore_ns, cpu_ns;
	uint32_t limit, quota, writes;
	char path[PATH_MAX];
};

static int vcg_parse(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[STRATOS_A_VCORE_CGROUP_MAX + 1];
	struct vcg *g = arg;

	if (snl_parse(msg, tb, STRATOS_A_VCORE_CGROUP_MAX, vcg_policy) ||
	    !tb[STRATOS_A_VCORE_CGROUP_ID])
		return -EBADMSG;
	g->id = get_u64(tb, STRATOS_A_VCORE_CGROUP_ID);
	g->vcore_ns = get_u64(tb, STRATOS_A_VCORE_CGROUP_VCORE_NS);
	g->cpu_ns = get_u64(tb, STRATOS_A_VCORE_CGROUP_CPU_NS);
	g->limit = get_u32(tb, STRATOS_A_VCORE_CGROUP_LIMIT);
	g->quota = get_u32(tb, STRATOS_A_VCORE_CGROUP_QUOTA);
	g->writes = get_u32(tb, STRATOS_A_VCORE_CGROUP_QUOTA_WRITES);
	g->path[0] = 0;
	if (tb[STRATOS_A_VCORE_CGROUP_PATH])
		snprintf(g->path, sizeof(g->path), "%s",
			 nla_get_string(tb[STRATOS_A_VCORE_CGROUP_PATH]));
	g->got = true;
	return 0;
}

static void vcg_print(const struct vcg *g, const struct vcg *before,
		      double seconds)
{
	char buf[32];

	out_open_object(NULL);
	out_u64(OUT_JSON, "id", NULL, g->id);
	out_str(OUT_ANY, "path", "cgroup", g->path[0] ? g->path : NULL);
	out_u64(OUT_TEXT, NULL, "id", g->id);
	vc_format_fixed(buf, sizeof(buf), g->vcore_ns, 1000000000, 3);
	out_str(OUT_TEXT, NULL, "vcore_s", buf);
	out_u64(OUT_JSON, "vcore_ns", NULL, g->vcore_ns);
	vc_format_fixed(buf, sizeof(buf), g->cpu_ns, 1000000000, 3);
	out_str(OUT_TEXT, NULL, "cpu_s", buf);
	out_u64(OUT_JSON, "cpu_ns", NULL, g->cpu_ns);
	if (g->limit) {
		vc_print_factor("limit_ppm", "limit", g->limit);
		out_u64(OUT_ANY, "quota_us", "quota_us", g->quota);
		out_u64(OUT_ANY, "quota_writes", "writes", g->writes);
	}
	if (before) {
		uint64_t mv = (uint64_t)((g->vcore_ns - before->vcore_ns) /
					 seconds / 1e6 + 0.5);
		uint64_t mc = (uint64_t)((g->cpu_ns - before->cpu_ns) /
					 seconds / 1e6 + 0.5);

		vc_format_fixed(buf, sizeof(buf), mv, 1000, 3);
		out_str(OUT_TEXT, NULL, "vcores", buf);
		out_u64(OUT_JSON, "mvcores", NULL, mv);
		vc_format_fixed(buf, sizeof(buf), mc, 1000, 3);
		out_str(OUT_TEXT, NULL, "cpus", buf);
		out_u64(OUT_JSON, "mcpus", NULL, mc);
	}
	out_close_object();
	out_nl();
}

static int vcg_get(struct cg_req *rq, struct vcg *g)
{
	int ret;

	g->got = false;
	ret = cg_req_send(rq, cg_req_msg(rq, STRATOS_CMD_VCORE_CGROUP_GET),
			  vcg_parse, g);
	if (!ret && !g->got)
		ret = -EBADMSG;
	return cg_req_done(rq, "show", ret, NULL);
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int interval_arg(int argc, char **argv, double *seconds)
{

	if (argc == 0)
		return EXIT_SUCCESS;
	if (argc != 2 || strcmp(argv[0], "interval"))
		return usage_err("expected 'interval SECONDS', got '%s'",
				 argv[0]);
	if (parse_decimal(argv[1], 0, 3600, seconds))
		return usage_err("invalid interval '%s': give seconds, 0..3600",
				 argv[1]);
	return EXIT_SUCCESS;
}

static int vcg_list_one(struct nl_msg *msg, void *arg __maybe_unused)
{
	struct vcg g;
	int ret;

	ret = vcg_parse(msg, &g);
	if (!ret)
		vcg_print(&g, NULL, 0);
	return ret;
}

static int vcg_list(struct snl *nl)
{
	return snl_list(nl, STRATOS_CMD_VCORE_CGROUP_GET,
			"cannot list accounted cgroups", NULL, vcg_list_one,
			NULL);
}

static int vc_show(struct ctx *ctx, int argc, char **argv)
{
	struct vcg before, after;
	double seconds = 0, t0;
	struct cg_req rq;
	struct snl *nl;
	int ret;

	ret = ctx_nl(ctx, &nl);
	if (ret)
		return ret;
	if (argc == 0)
		return vcg_list(nl);
	ret = interval_arg(argc - 1, argv + 1, &seconds);
	/* The socket is open already: this only resolves the PATH. */
	if (!ret)
		ret = cg_req_open(ctx, &vcg_kind, argv[0], &rq);
	if (!ret)
		ret = vcg_get(&rq, &before);
	if (ret)
		return ret;
	if (seconds <= 0) {
		vcg_print(&before, NULL, 0);
		return EXIT_SUCCESS;
	}
	t0 = mono_now();
	usleep((useconds_t)(seconds * 1e6));
	ret = vcg_get(&rq, &after);
	if (!ret)
		vcg_print(&after, &before, mono_now() - t0);
	return ret;
}

/*
 * Append CPU @cpu to the list in @buf, which ends with CPU *@last (-1: the
 * list is empty), as ranges: "0-3,8". @buf has room for any list of the
 * machine's CPUs: 12 bytes a CPU.
 */
static void cpulist_add(char *buf, long *last, bool *open, unsigned int cpu)
{
	size_t len = strlen(buf);

	if (*last >= 0 && cpu == (unsigned long)*last + 1) {
		*open = true;
	} else {
		if (*open)
			len += sprintf(buf + len, "-%ld", *last);
		sprintf(buf + len, "%s%u", *last >= 0 ? "," : "", cpu);
		*open = false;
	}
	*last = cpu;
}

static void cpulist_end(char *buf, long last, bool open)
{
	if (open)
		sprintf(buf + strlen(buf), "-%ld", last);
}

/* Capacity and use of one group of CPUs (a node, a cache, a core). */
static void node_group(const char *kind, int key, const struct vc_cpus *l,
		       int (*of)(const struct vc_cpu *))
{
	char buf[32], *cpus;
	uint64_t cap = 0;
	bool open = false;
	long last = -1;
	size_t i;

	/* Each CPU adds at most a separator and a 10-digit number. */
	cpus = calloc(l->n + 1, 12);
	if (!cpus) {
		pr_err("out of memory");
		return;
	}
	for (i = 0; i < l->n; i++) {
		const struct vc_cpu *c = &l->v[i];

		if (!c->online || of(c) != key)
			continue;
		cap += vc_capacity(c);
		cpulist_add(cpus, &last, &open, c->cpu);
	}
	cpulist_end(cpus, last, open);
	out_open_object(NULL);
	out_str(OUT_TEXT, NULL, NULL, kind);
	out_u64(OUT_ANY, "id", NULL, key);
	vc_format_fixed(buf, sizeof(buf), cap, STRATOS_VCORE_FACTOR_SCALE, 3);
	out_str(OUT_TEXT, NULL, "capacity", buf);
	out_u64(OUT_JSON, "capacity_mvcores", NULL, cap / 1000);
	out_str(OUT_ANY, "cpus", "cpus", cpus);
	out_close_object();
	out_nl();
	free(cpus);
}

static int of_node(const struct vc_cpu *c)
{
	return c->node;
}

static int of_llc(const struct vc_cpu *c)
{
	return c->llc;
}

static int of_core(const struct vc_cpu *c)
{
	return c->core;
}

/* Each distinct key of @of, in order of first appearance. */
static void node_groups(const char *key, const char *kind,
			const struct vc_cpus *l,
			int (*of)(const struct vc_cpu *))
{
	size_t i, j;

	out_open_array(key, NULL);
	for (i = 0; i < l->n; i++) {
		if (!l->v[i].online)
			continue;
		for (j = 0; j < i; j++)
			if (l->v[j].online && of(&l->v[j]) == of(&l->v[i]))
				break;
		if (j == i)
			node_group(kind, of(&l->v[i]), l, of);
	}
	out_close_array();
}

static int vc_node(struct ctx *ctx, int argc, char **argv)
{
	struct vc_cpus l = { 0 }, l2 = { 0 };
	uint64_t cap = 0, v0 = 0, v1 = 0;
	double seconds = 1, t0 = 0, dt;
	unsigned int online = 0;
	char buf[32];
	struct snl *nl;
	size_t i;
	int ret;

	ret = interval_arg(argc, argv, &seconds);
	if (!ret)
		ret = ctx_nl(ctx, &nl);
	if (!ret) {
		t0 = mono_now();
		ret = vc_cpus_get(nl, &l);
	}
	if (!ret && seconds > 0) {
		usleep((useconds_t)(seconds * 1e6));
		ret = vc_cpus_get(nl, &l2);
	}
	if (ret)
		goto out;
	dt = mono_now() - t0;
	vc_topology(&l);
	for (i = 0; i < l.n; i++) {
		cap += vc_capacity(&l.v[i]);
		online += l.v[i].online;
		v0 += l.v[i].vcore_ns;
	}
	for (i = 0; i < l2.n; i++)
		v1 += l2.v[i].vcore_ns;

	out_open_object(NULL);
	out_str(OUT_TEXT, NULL, NULL, "node");
	vc_format_fixed(buf, sizeof(buf), cap, STRATOS_VCORE_FACTOR_SCALE, 3);
	out_str(OUT_TEXT, NULL, "capacity", buf);
	out_u64(OUT_JSON, "capacity_mvcores", NULL, cap / 1000);
	out_u64(OUT_ANY, "cpus", "cpus", online);
	if (seconds > 0 && dt > 0) {
		uint64_t mv = (uint64_t)((v1 > v0 ? v1 - v0 : 0) / dt / 1e6 +
					 0.5);

		vc_format_fixed(buf, sizeof(buf), mv, 1000, 3);
		out_str(OUT_TEXT, NULL, "used", buf);
		out_u64(OUT_JSON, "used_mvcores", NULL, mv);
		out_u64(OUT_ANY, "used_permille", "permille",
			cap ? mv * 1000000 / cap : 0);
	}
	out_nl();
	node_groups("numa_nodes", "numa", &l, of_node);
	node_groups("llcs", "llc", &l, of_llc);
	node_groups("cores", "core", &l, of_core);
	out_close_object();
out:
	free(l.v);
	free(l2.v);
	return ret;
}

int do_vcore(struct ctx *ctx, int argc, char **argv)
{
	int cmd;

	if (argc == 0) {
		if (ctx->help) {
			vc_help(VC_HELP);
			return EXIT_SUCCESS;
		}
		return vc_node(ctx, 0, argv);
	}
	cmd = kw_match(vc_cmds, argv[0]);
	if (cmd >= 0 && cmd != VC_FACTORS && want_help(ctx, argc - 1, argv + 1)) {
		vc_help(cmd);
		return EXIT_SUCCESS;
	}
	switch (cmd) {
	case VC_FACTORS:
		return do_factors(ctx, argc - 1, argv + 1);
	case VC_ACCOUNT:
		return vc_cg_request(ctx, argc - 1, argv + 1,
				     STRATOS_CMD_VCORE_CGROUP_SET, "account");
	case VC_UNACCOUNT:
		return vc_cg_request(ctx, argc - 1, argv + 1,
				     STRATOS_CMD_VCORE_CGROUP_DEL, "unaccount");
	case VC_SHOW:
		return vc_show(ctx, argc - 1, argv + 1);
	case VC_NODE:
		return vc_node(ctx, argc - 1, argv + 1);
	case VC_CALIBRATE:
		return vc_calibrate(ctx, argc - 1, argv + 1);
	case VC_LIMIT:
		return vc_limit(ctx, argc - 1, argv + 1);
	case VC_RECLAIM:
		return vc_reclaimable(ctx, argc - 1, argv + 1);
	case VC_HELP:
		vc_help(VC_HELP);
		return EXIT_SUCCESS;
	}
	return kw_fail(vc_cmds, argv[0], strlen(argv[0]), cmd,
		       "vcore command");
}
