// SPDX-License-Identifier: GPL-2.0
/*
 * stratos.ko: co-location support for unpatched Linux kernels.
 *
 * Initialisation brings the parts up in dependency order and unwinds in
 * reverse; see Documentation/ for the design.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include "pagecache.h"
#include "bt_stats.h"
#include "stratos.h"
#include "vcore.h"

/*
 * Registry capacity. Entries are small (tens of bytes), but a bound keeps a
 * confused agent from growing kernel memory without limit.
 */
#define STRATOS_MAX_CGROUPS_DEFAULT	65536
#define STRATOS_MAX_CGROUPS_LIMIT	SZ_4M

unsigned int stratos_max_cgroups = STRATOS_MAX_CGROUPS_DEFAULT;

static int stratos_max_cgroups_set(const char *val,
				   const struct kernel_param *kp)
{
	unsigned int n;
	int ret;

	ret = kstrtouint(val, 0, &n);
	if (ret)
		return ret;
	if (n < 1 || n > STRATOS_MAX_CGROUPS_LIMIT)
		return -ERANGE;
	/* Lowering it below the current count only stops new entries. */
	WRITE_ONCE(stratos_max_cgroups, n);
	return 0;
}

static const struct kernel_param_ops stratos_max_cgroups_ops = {
	.set = stratos_max_cgroups_set,
	.get = param_get_uint,
};

module_param_cb(max_cgroups, &stratos_max_cgroups_ops, &stratos_max_cgroups,
		0644);
MODULE_PARM_DESC(max_cgroups,
		 "Capacity of the per-cgroup registry (1..4194304, default 65536)");

static int stratos_nr_cgroups_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%u\n", stratos_registry_count());
}

static const struct kernel_param_ops stratos_nr_cgroups_ops = {
	.get = stratos_nr_cgroups_get,
};

module_param_cb(nr_cgroups, &stratos_nr_cgroups_ops, NULL, 0444);
MODULE_PARM_DESC(nr_cgroups, "Entries in the per-cgroup registry (read-only)");

struct stratos_tp_lookup {
	const char *name;
	struct tracepoint *tp;
};

static void stratos_tp_match(struct tracepoint *tp, void *priv)
{
	struct stratos_tp_lookup *l = priv;

	if (!l->tp && !strcmp(tp->name, l->name))
		l->tp = tp;
}

/**
 * stratos_attach_tracepoint - attach a probe to a kernel tracepoint by name
 * @name: its name, as under /sys/kernel/tracing/events
 * @probe: the probe, registered with no data
 * @tpp: where to keep the tracepoint, for tracepoint_probe_unregister()
 *
 * Tracepoints are no symbols a module may link to; the kernel's list of
 * them is the way to reach one. A failure is logged.
 *
 * Return: 0, -ENOENT if there is no such tracepoint, or the error of
 * tracepoint_probe_register().
 */
int stratos_attach_tracepoint(const char *name, void *probe,
			      struct tracepoint **tpp)
{
	struct stratos_tp_lookup l = { .name = name };
	int ret;

	for_each_kernel_tracepoint(stratos_tp_match, &l);
	if (!l.tp) {
		pr_err("stratos: tracepoint %s not found\n", name);
		return -ENOENT;
	}
	ret = tracepoint_probe_register(l.tp, probe, NULL);
	if (ret) {
		pr_err("stratos: cannot attach to %s: %d\n", name, ret);
		return ret;
	}
	*tpp = l.tp;
	return 0;
}

/*
 * Undo stratos_init() and what requests did since: limits, maps handed
 * over, entries. Each step stops what the next ones would race with.
 */
static void stratos_teardown(void)
{
	/* Removal notifications still need the family: stop them first. */
	stratos_registry_stop_tracking();
	/* Its throttle events need the family too, as do scheduler events. */
	stratos_pagecache_exit();
	stratos_scx_watch_exit();
	stratos_netlink_exit();
	/* No request can run now: let go of scx_bt's maps. */
	stratos_bt_stats_exit();
	stratos_bt_place_exit();
	stratos_bt_yield_exit();
	stratos_vcore_exit();
	/* No request can run now: hand the offline cgroups back. */
	stratos_offline_exit();
	stratos_registry_exit();
}

static int __init stratos_init(void)
{
	int ret;

	/* Its probes act only on entries, so it may come up first. */
	ret = stratos_offline_init();
	if (ret)
		return ret;

	ret = stratos_vcore_init();
	if (ret)
		goto err_offline;

	/* Its probe acts only while scx_bt has handed its maps over. */
	ret = stratos_bt_place_init();
	if (ret)
		goto err_vcore;

	/* Its probes act only on limits, which only requests create. */
	ret = stratos_pagecache_init();
	if (ret)
		goto err_place;

	/*
	 * Cgroup removal is followed before requests can name a cgroup, so
	 * that none removed in between keeps an entry.
	 */
	ret = stratos_registry_init();
	if (ret)
		goto err_pagecache;

	ret = stratos_netlink_init();
	if (ret)
		goto err_registry;

	/* Its events need the family. */
	ret = stratos_scx_watch_init();
	if (ret) {
		/* Requests may have come in: undo them as an unload does. */
		stratos_teardown();
		return ret;
	}

	pr_info("stratos %s loaded, netlink API %d\n", STRATOS_MODULE_VERSION,
		STRATOS_GENL_VERSION);
	return 0;

err_registry:
	stratos_registry_stop_tracking();
	stratos_registry_exit();
err_pagecache:
	stratos_pagecache_exit();
err_place:
	stratos_bt_place_exit();
err_vcore:
	stratos_vcore_exit();
err_offline:
	stratos_offline_exit();
	return ret;
}

static void __exit stratos_exit(void)
{
	stratos_teardown();
}

module_init(stratos_init);
module_exit(stratos_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("stratosphere co-location control plane");
MODULE_AUTHOR("The stratosphere developers");
MODULE_VERSION(STRATOS_MODULE_VERSION);
