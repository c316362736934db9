// SPDX-License-Identifier: GPL-2.0
/*
 * Feature discovery: which of the mechanisms stratosphere builds on the
 * running kernel has. Userspace uses this to pick a path (sched_ext or the
 * cpu.idle fallback, for instance) without guessing from version numbers.
 */
#include <linux/cpumask.h>
#include <linux/memcontrol.h>
#include <linux/topology.h>

#include "stratos.h"

static bool stratos_smt_present(void)
{
	unsigned int cpu;

	/* Hotplug may change this, so it is read on every request. */
	for_each_online_cpu(cpu)
		if (cpumask_weight(topology_sibling_cpumask(cpu)) > 1)
			return true;
	return false;
}

u64 stratos_features(void)
{
	u64 features = 0;

	if (IS_ENABLED(CONFIG_SCHED_CLASS_EXT))
		features |= STRATOS_FEATURE_SCHED_EXT;
	if (IS_ENABLED(CONFIG_EXT_GROUP_SCHED))
		features |= STRATOS_FEATURE_EXT_GROUP_SCHED;
	if (IS_ENABLED(CONFIG_MEMCG) && !mem_cgroup_disabled())
		features |= STRATOS_FEATURE_MEMCG;
	if (IS_ENABLED(CONFIG_CFS_BANDWIDTH))
		features |= STRATOS_FEATURE_CFS_BANDWIDTH;
	if (IS_ENABLED(CONFIG_FAIR_GROUP_SCHED))
		features |= STRATOS_FEATURE_CGROUP_IDLE;
	if (stratos_smt_present())
		features |= STRATOS_FEATURE_SMT;
	return features;
}
