/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * stratos: co-location control plane for unpatched Linux.
 *
 * This header is the whole user API of the stratos module. The same
 * definitions are described in YNL form in
 * Documentation/netlink/specs/stratos.yaml; a selftest keeps the two in sync.
 *
 * Generic netlink family "stratos", version STRATOS_GENL_VERSION.
 * Multicast group "events" carries notifications (see below).
 *
 * Cgroups are addressed by cgroup id: the inode number of the cgroup v2
 * directory (st_ino from stat(2)), a u64.
 *
 * STRATOS_CMD_GET_INFO
 * --------------------
 *
 * Any user may send it. The request has no attributes; the reply carries:
 *
 *    STRATOS_A_INFO_MODULE_VERSION: NLA_NUL_STRING, e.g. "0.1.0"
 *    STRATOS_A_INFO_API_VERSION: NLA_U32, STRATOS_GENL_VERSION of the module
 *    STRATOS_A_INFO_KERNEL_RELEASE: NLA_NUL_STRING, utsname release
 *    STRATOS_A_INFO_FEATURES: NLA_U64, STRATOS_FEATURE_* bits the running
 *                             kernel supports
 *    STRATOS_A_INFO_CGROUPS: NLA_U32, entries in the cgroup registry
 *    STRATOS_A_INFO_MAX_CGROUPS: NLA_U32, the registry's capacity (module
 *                                parameter max_cgroups)
 *    STRATOS_A_INFO_NR_CPUS: NLA_U32, possible CPUs
 *
 * STRATOS_CMD_CGROUP_GET
 * ----------------------
 *
 * Any user may send it. As a plain request it must carry
 *
 *    STRATOS_A_CGROUP_ID: NLA_U64
 *
 * and the reply is one STRATOS_CMD_CGROUP_GET message holding the entry:
 *
 *    STRATOS_A_CGROUP_ID: NLA_U64
 *    STRATOS_A_CGROUP_PATH: NLA_NUL_STRING, path of the cgroup relative to
 *                           the requester's cgroup namespace root
 *    STRATOS_A_CGROUP_CLASS: NLA_U8, enum stratos_class
 *    STRATOS_A_CGROUP_WEIGHT: NLA_U32, 1..10000, 100 by default (see
 *                             STRATOS_CMD_CGROUP_SET for what it does)
 *
 * With NLM_F_DUMP and no attributes it returns every entry, one message
 * each, split across as many datagrams as needed. A dump whose registry
 * changed under it carries NLM_F_DUMP_INTR; start it again.
 *
 * A cgroup with no entry gets -ENOENT. So does one outside the subtree
 * the requester's cgroup namespace is rooted at, and a dump leaves such
 * entries out; the same holds for every GET of this family.
 *
 * STRATOS_CMD_CGROUP_SET
 * ----------------------
 *
 * Requires CAP_NET_ADMIN in the initial user namespace. Creates or updates
 * the entry of a cgroup v2 directory:
 *
 *    STRATOS_A_CGROUP_ID: NLA_U64, required
 *    STRATOS_A_CGROUP_CLASS: NLA_U8, enum stratos_class, optional
 *    STRATOS_A_CGROUP_WEIGHT: NLA_U32, 1..10000, optional
 *    STRATOS_A_CGROUP_FLAGS: NLA_U32, STRATOS_CGROUP_F_* bits, optional
 *
 * Attributes left out keep their current value (or the default for a new
 * entry). STRATOS_CGROUP_F_NO_CREATE turns a set on a cgroup without an
 * entry into -ENOENT.
 *
 * The module only stores the weight. It takes effect only between offline
 * cgroups while scx_bt runs: stratosctl copies the weights of offline
 * cgroups into scx_bt's bt_cgw map, and scx_bt weights the tasks below
 * each such cgroup by it when it shares CPU time among offline tasks
 * (Documentation/sched_bt.rst, "Weights"). It has no effect on online
 * cgroups, nor in the cpu.idle fallback.
 *
 * Errors: -ENOENT (no such cgroup id, or the cgroup is being removed),
 * -ENOSPC (registry full), -EINVAL (malformed or unknown attribute) or
 * -ERANGE (value out of range), with an extended ack naming the bad
 * attribute; -EOPNOTSUPP for class offline on a cgroup without cpu.idle
 * (the cpu controller is not enabled for it, or it is the root cgroup).
 * A cgroup that becomes offline gets cpu.idle=1; if reading or writing
 * its cpu.idle fails, the set returns that error (-ENOMEM; -ENOENT if
 * the cgroup or its cpu controller is going away; or the error of the cpu
 * controller's own handler) with an extended ack, and the entry is left
 * as it was.
 *
 * STRATOS_CMD_CGROUP_DEL
 * ----------------------
 *
 * Requires CAP_NET_ADMIN in the initial user namespace.
 *
 *    STRATOS_A_CGROUP_ID: NLA_U64, required
 *
 * -ENOENT if the cgroup has no entry.
 *
 * STRATOS_CMD_VCORE_CPU_GET
 * -------------------------
 *
 * Any user may send it. With STRATOS_A_VCORE_CPU_CPU (NLA_U32) it returns
 * that CPU; with NLM_F_DUMP and no attributes, every possible CPU, one
 * message each:
 *
 *    STRATOS_A_VCORE_CPU_CPU: NLA_U32, logical CPU number
 *    STRATOS_A_VCORE_CPU_ONLINE: NLA_U8, 1 if the CPU is online
 *    STRATOS_A_VCORE_CPU_FACTOR_IDLE: NLA_U32, vcores the CPU delivers while
 *                                     its SMT sibling is idle, in
 *                                     millionths (STRATOS_VCORE_FACTOR_SCALE)
 *    STRATOS_A_VCORE_CPU_FACTOR_BUSY: NLA_U32, the same while its sibling
 *                                     runs something
 *    STRATOS_A_VCORE_CPU_DEFAULT_IDLE: NLA_U32, the factor derived from the
 *                                      kernel's cpu_capacity
 *    STRATOS_A_VCORE_CPU_DEFAULT_BUSY: NLA_U32, likewise
 *    STRATOS_A_VCORE_CPU_SIBLING: NLA_U32, the SMT sibling; absent if none
 *    STRATOS_A_VCORE_CPU_BUSY_NS: NLA_U64, ns the CPU ran anything but
 *                                 its idle task since the module loaded
 *    STRATOS_A_VCORE_CPU_VCORE_NS: NLA_U64, that time in vcore-ns
 *
 * STRATOS_CMD_VCORE_CPU_SET
 * -------------------------
 *
 * Requires CAP_NET_ADMIN in the initial user namespace.
 *
 *    STRATOS_A_VCORE_CPU_CPU: NLA_U32, required, an online CPU
 *    STRATOS_A_VCORE_CPU_FACTOR_IDLE: NLA_U32, optional
 *    STRATOS_A_VCORE_CPU_FACTOR_BUSY: NLA_U32, optional
 *
 * Factors are STRATOS_VCORE_FACTOR_MIN..STRATOS_VCORE_FACTOR_MAX, and the
 * busy factor may not exceed the idle one. With neither factor the CPU
 * returns to its defaults. Takes effect at the CPU's next context switch.
 * Errors: -ENODEV (CPU offline or not possible), -ERANGE (busy above idle),
 * -EINVAL with an extended ack naming the bad attribute.
 *
 * STRATOS_CMD_VCORE_CGROUP_GET
 * ----------------------------
 *
 * Any user may send it. With STRATOS_A_VCORE_CGROUP_ID (NLA_U64) it returns
 * that cgroup's accounting; with NLM_F_DUMP and no attributes, every
 * accounted cgroup:
 *
 *    STRATOS_A_VCORE_CGROUP_ID: NLA_U64
 *    STRATOS_A_VCORE_CGROUP_PATH: NLA_NUL_STRING, as for CGROUP_GET
 *    STRATOS_A_VCORE_CGROUP_VCORE_NS: NLA_U64, normalised CPU time of the
 *                                     cgroup and its descendants since it
 *                                     was registered, in vcore-ns
 *    STRATOS_A_VCORE_CGROUP_CPU_NS: NLA_U64, the raw CPU time it counted
 *    STRATOS_A_VCORE_CGROUP_LIMIT: NLA_U32, the vcore limit in millionths;
 *                                  absent without one
 *    STRATOS_A_VCORE_CGROUP_QUOTA: NLA_U32, the cpu.max quota (us per
 *                                  100 ms) the limit last wrote
 *    STRATOS_A_VCORE_CGROUP_QUOTA_WRITES: NLA_U32, how many times the
 *                                         limit has written cpu.max
 *
 * Time is counted when a task leaves the CPU. -ENOENT if not accounted.
 *
 * STRATOS_CMD_VCORE_CGROUP_SET, STRATOS_CMD_VCORE_CGROUP_DEL
 * ----------------------------------------------------------
 *
 * Require CAP_NET_ADMIN in the initial user namespace.
 *
 *    STRATOS_A_VCORE_CGROUP_ID: NLA_U64, required
 *
 *    STRATOS_A_VCORE_CGROUP_LIMIT: NLA_U32, SET only, optional: hold the
 *                                  cgroup to this many millionths of a
 *                                  vcore (STRATOS_VCORE_LIMIT_MIN..MAX,
 *                                  at most the node's idle capacity: the
 *                                  sum of the idle factors of the online
 *                                  CPUs, -ERANGE above it); 0 lifts the
 *                                  limit
 *    STRATOS_A_VCORE_CGROUP_DIR: NLA_NUL_STRING, SET only, required with
 *                                a first limit: the cgroup's directory as
 *                                the requester sees it, whose cpu.max the
 *                                module opens and rewrites
 *
 * SET starts accounting the cgroup (-ENOSPC beyond
 * STRATOS_VCORE_MAX_CGROUPS); without a limit, on a cgroup already
 * accounted it fails with -EEXIST. A limit is a control loop over cpu.max:
 * every 100 ms the quota becomes the limit over the cgroup's recent vcores
 * per CPU-second. Lifting the limit, DEL, the module's unload restore the
 * cpu.max the cgroup had before. DEL stops accounting (-ENOENT if it was
 * not). Both end by themselves when the cgroup is removed.
 *
 * STRATOS_CMD_VCORE_NODE_GET
 * --------------------------
 *
 * Any user may send it. The node's capacity and the batch capacity it can
 * reclaim from online work, sampled once a second by the module; vcores in
 * millionths (STRATOS_VCORE_FACTOR_SCALE). Request, both optional:
 *
 *    STRATOS_A_VCORE_NODE_WINDOW: NLA_U32, seconds to look back,
 *      1..STRATOS_VCORE_WINDOW_MAX (default STRATOS_VCORE_WINDOW_DEFAULT)
 *    STRATOS_A_VCORE_NODE_PERCENTILE: NLA_U32, 1..100, the percentile of
 *      the online use over the window that counts (default 100, the peak)
 *
 * Reply: the two above, and
 *
 *    STRATOS_A_VCORE_NODE_SAMPLES: NLA_U32, seconds the window really
 *      covers (fewer just after loading)
 *    STRATOS_A_VCORE_NODE_CAPACITY: NLA_U64, with every SMT sibling busy
 *    STRATOS_A_VCORE_NODE_ONLINE: NLA_U64, online use in the last second
 *      (every task not in an offline cgroup)
 *    STRATOS_A_VCORE_NODE_OFFLINE: NLA_U64, offline use in the last second
 *    STRATOS_A_VCORE_NODE_ONLINE_WINDOW: NLA_U64, online use at the
 *      percentile over the window
 *    STRATOS_A_VCORE_NODE_RECLAIMABLE: NLA_U64, capacity minus that, at
 *      least 0: what batch work can be promised
 *
 * STRATOS_CMD_PAGECACHE_GET
 * -------------------------
 *
 * Any user may send it. As a plain request it carries
 *
 *    STRATOS_A_PAGECACHE_ID: NLA_U64, cgroup id
 *
 * and the reply is one STRATOS_CMD_PAGECACHE_GET message:
 *
 *    STRATOS_A_PAGECACHE_ID: NLA_U64
 *    STRATOS_A_PAGECACHE_PATH: NLA_NUL_STRING, as STRATOS_A_CGROUP_PATH
 *    STRATOS_A_PAGECACHE_LIMIT: NLA_U64, bytes
 *    STRATOS_A_PAGECACHE_MARGIN: NLA_U64, bytes
 *    STRATOS_A_PAGECACHE_MODE: NLA_U8, enum stratos_pagecache_mode
 *    STRATOS_A_PAGECACHE_CURRENT: NLA_U64, bytes of page cache charged to
 *                                 the cgroup and its descendants (estimate,
 *                                 re-read from memory.stat on every pass)
 *    STRATOS_A_PAGECACHE_PEAK: NLA_U64, highest CURRENT seen, bytes
 *    STRATOS_A_PAGECACHE_RECLAIMED: NLA_U64, bytes reclaimed by the module
 *    STRATOS_A_PAGECACHE_THROTTLED_NS: NLA_U64, time tasks spent throttled
 *    STRATOS_A_PAGECACHE_PASSES: NLA_U64, reclaim passes
 *    STRATOS_A_PAGECACHE_THROTTLES: NLA_U64, times a task was throttled
 *    STRATOS_A_PAGECACHE_REFAULTED: NLA_U64, bytes of file pages read
 *                                   again soon after reclaim took them
 *                                   (memory.stat's workingset_refault_file
 *                                   since the limit was set, as of the
 *                                   last reclaim pass)
 *
 * With NLM_F_DUMP and no attributes it returns every limit. A cgroup
 * without a limit gets -ENOENT.
 *
 * STRATOS_CMD_PAGECACHE_SET
 * -------------------------
 *
 * Requires CAP_NET_ADMIN in the initial user namespace. Sets or changes the
 * page-cache limit of a cgroup (Documentation/pagecache.rst):
 *
 *    STRATOS_A_PAGECACHE_ID: NLA_U64, required
 *    STRATOS_A_PAGECACHE_LIMIT: NLA_U64, bytes, required for a new limit,
 *                               STRATOS_PAGECACHE_LIMIT_MIN..system memory
 *    STRATOS_A_PAGECACHE_MARGIN: NLA_U64, bytes, below half the limit;
 *                                0 picks the default (limit / 32, at
 *                                least 4 MiB, at most limit / 4 and 64 MiB)
 *    STRATOS_A_PAGECACHE_MODE: NLA_U8, enum stratos_pagecache_mode,
 *                              STRATOS_PAGECACHE_MODE_SYNC by default
 *    STRATOS_A_PAGECACHE_DIR: NLA_NUL_STRING, the cgroup's directory as the
 *                             requester sees it; the module opens its
 *                             memory.stat and memory.reclaim there.
 *                             Default: /sys/fs/cgroup/<cgroup path>
 *
 * Errors: -ENOENT (no live cgroup), -EOPNOTSUPP (memory controller not
 * enabled on the cgroup), -ENOSPC (STRATOS_PAGECACHE_MAX_LIMITS limits
 * exist), -EINVAL/-ERANGE with an extended ack naming the attribute.
 *
 * STRATOS_CMD_PAGECACHE_DEL
 * -------------------------
 *
 * Requires CAP_NET_ADMIN. STRATOS_A_PAGECACHE_ID: NLA_U64, required.
 * Removes the limit; -ENOENT if there is none.
 *
 * STRATOS_CMD_PAGECACHE_THROTTLED
 * -------------------------------
 *
 * Notification only, on the "events" group, at most once a second per
 * limit: a task of the cgroup was throttled. Carries STRATOS_A_PAGECACHE_ID,
 * _LIMIT, _CURRENT and _THROTTLED_NS (this throttle's length).
 *
 * STRATOS_CMD_SCHED_EVENT
 * -----------------------
 *
 * Notification only, on the "events" group: a sched_ext scheduler was
 * enabled, or was disabled (by request or ejected by the kernel), as the
 * kernel announced it. While none runs, offline cgroups are in the cpu.idle
 * fallback (Documentation/sched_bt.rst). Carries:
 *
 *    STRATOS_A_SCHED_STATE: NLA_U8, enum stratos_sched_state
 *    STRATOS_A_SCHED_OPS: NLA_NUL_STRING, the scheduler's name ("bt" for
 *      scx_bt); absent if the kernel did not say
 *
 * STRATOS_CMD_BT_STATS_GET
 * ------------------------
 *
 * scx_bt's statistics per cgroup of offline tasks (Documentation/
 * sched_bt.rst), from the map that STRATOS_CMD_BT_STATS_SET handed over.
 * A dump returns every cgroup, none if no map was handed over; a request
 * with STRATOS_A_BT_CGROUP_ID returns that one, or -ENOENT (the extended
 * ack says whether scx_bt has no map or no entry). Any user may ask.
 * Each reply holds:
 *
 *    STRATOS_A_BT_CGROUP_ID: NLA_U64
 *    STRATOS_A_BT_CGROUP_PATH: NLA_NUL_STRING, as the requester's cgroup
 *      namespace sees it; absent if the cgroup is gone or out of view
 *    STRATOS_A_BT_RUNTIME_NS: NLA_U64, CPU time of its offline tasks
 *    STRATOS_A_BT_PREEMPTED: NLA_U64, times online work took the CPU
 *    STRATOS_A_BT_EXPELLED: NLA_U64, times the SMT rule sent one away
 *    STRATOS_A_BT_VACATED: NLA_U64, times one left for waiting online work
 *    STRATOS_A_BT_MAX_WAIT_NS: NLA_U64, longest wait to run
 *    STRATOS_A_BT_RESCUED: NLA_U64, times one was moved off a CPU whose
 *      ext_server had stopped
 *
 * STRATOS_CMD_BT_STATS_SET
 * ------------------------
 *
 * Hands the module scx_bt's statistics map, which the loader holds open
 * (stratosctl bt enable does this); needs CAP_NET_ADMIN. Takes:
 *
 *    STRATOS_A_BT_MAP_FD: NLA_S32, a file descriptor of the requester's
 *      for the map (a BPF hash of u64 cgroup id to struct bt_cg_stats of
 *      sched_bt/scx_bt.h), or -1 to let go of the one held (and of the
 *      bt_yield map)
 *    STRATOS_A_BT_YIELD_FD: NLA_S32, optional: the same for scx_bt's
 *      bt_yield map (an array of one struct bt_yield), whose requests the
 *      module carries out: an offline task pinned to a CPU that online work
 *      needs runs as SCHED_NORMAL in its cpu.idle group for a while
 *      (Documentation/sched_bt.rst); absent or -1: no such requests
 *
 * Notifications
 * -------------
 *
 * Every change to the registry is multicast to the "events" group as a
 * STRATOS_CMD_CGROUP_SET message (entry created or changed: the entry as
 * in a CGROUP_GET reply, without STRATOS_A_CGROUP_PATH, since listeners
 * may sit in any cgroup namespace) or a STRATOS_CMD_CGROUP_DEL message
 * (entry gone):
 *
 *    STRATOS_A_CGROUP_ID: NLA_U64
 *    STRATOS_A_CGROUP_REASON: NLA_U8, enum stratos_del_reason
 */

#ifndef _UAPI_LINUX_STRATOS_H
#define _UAPI_LINUX_STRATOS_H

#define STRATOS_GENL_NAME		"stratos"
#define STRATOS_GENL_VERSION		1
#define STRATOS_GENL_MCGRP_EVENTS	"events"

/* Lengths of string attributes, terminating NUL included. */
#define STRATOS_PATH_MAX		4096
#define STRATOS_VERSION_MAX		32

/* Bounds of STRATOS_A_CGROUP_WEIGHT, the same as cgroup v2's cpu.weight. */
#define STRATOS_WEIGHT_MIN		1
#define STRATOS_WEIGHT_DEFAULT		100
#define STRATOS_WEIGHT_MAX		10000

enum stratos_cmd {
	STRATOS_CMD_UNSPEC,
	STRATOS_CMD_GET_INFO,
	STRATOS_CMD_CGROUP_GET,
	STRATOS_CMD_CGROUP_SET,
	STRATOS_CMD_CGROUP_DEL,
	STRATOS_CMD_VCORE_CPU_GET,
	STRATOS_CMD_VCORE_CPU_SET,
	STRATOS_CMD_VCORE_CGROUP_GET,
	STRATOS_CMD_VCORE_CGROUP_SET,
	STRATOS_CMD_VCORE_CGROUP_DEL,
	STRATOS_CMD_PAGECACHE_GET,
	STRATOS_CMD_PAGECACHE_SET,
	STRATOS_CMD_PAGECACHE_DEL,
	STRATOS_CMD_PAGECACHE_THROTTLED,
	STRATOS_CMD_SCHED_EVENT,
	STRATOS_CMD_VCORE_NODE_GET,
	STRATOS_CMD_BT_STATS_GET,
	STRATOS_CMD_BT_STATS_SET,

	__STRATOS_CMD_MAX
};

#define STRATOS_CMD_MAX (__STRATOS_CMD_MAX - 1)

/* What the running kernel offers, reported by STRATOS_CMD_GET_INFO. */
enum stratos_feature {
	STRATOS_FEATURE_SCHED_EXT = 1 << 0,	/* CONFIG_SCHED_CLASS_EXT */
	STRATOS_FEATURE_EXT_GROUP_SCHED = 1 << 1, /* CONFIG_EXT_GROUP_SCHED */
	STRATOS_FEATURE_MEMCG = 1 << 2,		/* memory controller enabled */
	STRATOS_FEATURE_CFS_BANDWIDTH = 1 << 3,	/* cpu.max */
	STRATOS_FEATURE_CGROUP_IDLE = 1 << 4,	/* cpu.idle (fair group sched) */
	STRATOS_FEATURE_SMT = 1 << 5,		/* SMT siblings present */

	__STRATOS_FEATURE_ALL = (1 << 6) - 1
};

enum stratos_info_attr {
	STRATOS_A_INFO_UNSPEC,
	STRATOS_A_INFO_MODULE_VERSION,
	STRATOS_A_INFO_API_VERSION,
	STRATOS_A_INFO_KERNEL_RELEASE,
	STRATOS_A_INFO_FEATURES,
	STRATOS_A_INFO_CGROUPS,
	STRATOS_A_INFO_MAX_CGROUPS,
	STRATOS_A_INFO_NR_CPUS,
	STRATOS_A_INFO_PAD,

	__STRATOS_A_INFO_MAX
};

#define STRATOS_A_INFO_MAX (__STRATOS_A_INFO_MAX - 1)

/* Scheduling class of a cgroup's tasks. */
enum stratos_class {
	STRATOS_CLASS_NONE,	/* left alone */
	STRATOS_CLASS_ONLINE,	/* latency-sensitive service */
	STRATOS_CLASS_OFFLINE,	/* batch work, runs only on idle CPU time */

	__STRATOS_CLASS_MAX
};

#define STRATOS_CLASS_MAX (__STRATOS_CLASS_MAX - 1)

enum stratos_cgroup_flags {
	STRATOS_CGROUP_F_NO_CREATE = 1U << 0,	/* update only, never create */

	__STRATOS_CGROUP_F_ALL = STRATOS_CGROUP_F_NO_CREATE
};

/* Why an entry left the registry, in STRATOS_CMD_CGROUP_DEL notifications. */
enum stratos_del_reason {
	STRATOS_DEL_REQUESTED,	/* STRATOS_CMD_CGROUP_DEL */
	STRATOS_DEL_CGROUP_REMOVED, /* the cgroup directory was removed */
};

enum stratos_cgroup_attr {
	STRATOS_A_CGROUP_UNSPEC,
	STRATOS_A_CGROUP_ID,
	STRATOS_A_CGROUP_PATH,
	STRATOS_A_CGROUP_CLASS,
	STRATOS_A_CGROUP_WEIGHT,
	STRATOS_A_CGROUP_FLAGS,
	STRATOS_A_CGROUP_REASON,
	STRATOS_A_CGROUP_PAD,

	__STRATOS_A_CGROUP_MAX
};

#define STRATOS_A_CGROUP_MAX (__STRATOS_A_CGROUP_MAX - 1)

/*
 * Virtual cores (Documentation/vcore.rst). Capacity factors are fixed
 * point: STRATOS_VCORE_FACTOR_SCALE is one vcore per CPU-second.
 */
#define STRATOS_VCORE_FACTOR_SCALE	1000000
#define STRATOS_VCORE_FACTOR_MIN	1000
#define STRATOS_VCORE_FACTOR_MAX	4000000
/* Cgroups accounted at once; every context switch checks each of them. */
#define STRATOS_VCORE_MAX_CGROUPS	64
/* Bounds of a vcore limit, in millionths of a vcore. */
#define STRATOS_VCORE_LIMIT_MIN		10000
#define STRATOS_VCORE_LIMIT_MAX		1000000000
/* Windows of reclaimable capacity, in seconds. */
#define STRATOS_VCORE_WINDOW_DEFAULT	60
#define STRATOS_VCORE_WINDOW_MAX	600

enum stratos_vcore_cpu_attr {
	STRATOS_A_VCORE_CPU_UNSPEC,
	STRATOS_A_VCORE_CPU_CPU,
	STRATOS_A_VCORE_CPU_ONLINE,
	STRATOS_A_VCORE_CPU_FACTOR_IDLE,
	STRATOS_A_VCORE_CPU_FACTOR_BUSY,
	STRATOS_A_VCORE_CPU_DEFAULT_IDLE,
	STRATOS_A_VCORE_CPU_DEFAULT_BUSY,
	STRATOS_A_VCORE_CPU_SIBLING,
	STRATOS_A_VCORE_CPU_BUSY_NS,
	STRATOS_A_VCORE_CPU_VCORE_NS,
	STRATOS_A_VCORE_CPU_PAD,

	__STRATOS_A_VCORE_CPU_MAX
};

#define STRATOS_A_VCORE_CPU_MAX (__STRATOS_A_VCORE_CPU_MAX - 1)

enum stratos_vcore_cgroup_attr {
	STRATOS_A_VCORE_CGROUP_UNSPEC,
	STRATOS_A_VCORE_CGROUP_ID,
	STRATOS_A_VCORE_CGROUP_PATH,
	STRATOS_A_VCORE_CGROUP_VCORE_NS,
	STRATOS_A_VCORE_CGROUP_CPU_NS,
	STRATOS_A_VCORE_CGROUP_PAD,
	STRATOS_A_VCORE_CGROUP_LIMIT,
	STRATOS_A_VCORE_CGROUP_DIR,
	STRATOS_A_VCORE_CGROUP_QUOTA,
	STRATOS_A_VCORE_CGROUP_QUOTA_WRITES,

	__STRATOS_A_VCORE_CGROUP_MAX
};

#define STRATOS_A_VCORE_CGROUP_MAX (__STRATOS_A_VCORE_CGROUP_MAX - 1)

enum stratos_vcore_node_attr {
	STRATOS_A_VCORE_NODE_UNSPEC,
	STRATOS_A_VCORE_NODE_WINDOW,
	STRATOS_A_VCORE_NODE_PERCENTILE,
	STRATOS_A_VCORE_NODE_SAMPLES,
	STRATOS_A_VCORE_NODE_CAPACITY,
	STRATOS_A_VCORE_NODE_ONLINE,
	STRATOS_A_VCORE_NODE_OFFLINE,
	STRATOS_A_VCORE_NODE_ONLINE_WINDOW,
	STRATOS_A_VCORE_NODE_RECLAIMABLE,
	STRATOS_A_VCORE_NODE_PAD,

	__STRATOS_A_VCORE_NODE_MAX
};

#define STRATOS_A_VCORE_NODE_MAX (__STRATOS_A_VCORE_NODE_MAX - 1)

/* Page-cache limits (Documentation/pagecache.rst). */
#define STRATOS_PAGECACHE_LIMIT_MIN	(1ULL << 20)
#define STRATOS_PAGECACHE_MAX_LIMITS	64

enum stratos_pagecache_mode {
	STRATOS_PAGECACHE_MODE_ASYNC,	/* background reclaim only */
	STRATOS_PAGECACHE_MODE_SYNC,	/* also throttle the task adding cache */

	__STRATOS_PAGECACHE_MODE_MAX
};

#define STRATOS_PAGECACHE_MODE_MAX (__STRATOS_PAGECACHE_MODE_MAX - 1)

enum stratos_pagecache_attr {
	STRATOS_A_PAGECACHE_UNSPEC,
	STRATOS_A_PAGECACHE_ID,
	STRATOS_A_PAGECACHE_PATH,
	STRATOS_A_PAGECACHE_DIR,
	STRATOS_A_PAGECACHE_LIMIT,
	STRATOS_A_PAGECACHE_MARGIN,
	STRATOS_A_PAGECACHE_MODE,
	STRATOS_A_PAGECACHE_CURRENT,
	STRATOS_A_PAGECACHE_PEAK,
	STRATOS_A_PAGECACHE_RECLAIMED,
	STRATOS_A_PAGECACHE_THROTTLED_NS,
	STRATOS_A_PAGECACHE_PASSES,
	STRATOS_A_PAGECACHE_THROTTLES,
	STRATOS_A_PAGECACHE_PAD,
	STRATOS_A_PAGECACHE_REFAULTED,

	__STRATOS_A_PAGECACHE_MAX
};

#define STRATOS_A_PAGECACHE_MAX (__STRATOS_A_PAGECACHE_MAX - 1)

/* Who schedules offline tasks, in STRATOS_CMD_SCHED_EVENT. */
enum stratos_sched_state {
	STRATOS_SCHED_STATE_FALLBACK,	/* no BPF scheduler: cpu.idle only */
	STRATOS_SCHED_STATE_EXT,	/* a sched_ext scheduler runs them */

	__STRATOS_SCHED_STATE_MAX
};

enum stratos_sched_attr {
	STRATOS_A_SCHED_UNSPEC,
	STRATOS_A_SCHED_STATE,
	STRATOS_A_SCHED_OPS,

	__STRATOS_A_SCHED_MAX
};

#define STRATOS_A_SCHED_MAX (__STRATOS_A_SCHED_MAX - 1)

/* scx_bt's statistics (STRATOS_CMD_BT_STATS_*). */
enum stratos_bt_attr {
	STRATOS_A_BT_UNSPEC,
	STRATOS_A_BT_MAP_FD,
	STRATOS_A_BT_CGROUP_ID,
	STRATOS_A_BT_CGROUP_PATH,
	STRATOS_A_BT_RUNTIME_NS,
	STRATOS_A_BT_PREEMPTED,
	STRATOS_A_BT_EXPELLED,
	STRATOS_A_BT_VACATED,
	STRATOS_A_BT_MAX_WAIT_NS,
	STRATOS_A_BT_RESCUED,
	STRATOS_A_BT_PAD,
	STRATOS_A_BT_YIELD_FD,

	__STRATOS_A_BT_MAX
};

#define STRATOS_A_BT_MAX (__STRATOS_A_BT_MAX - 1)

#endif /* _UAPI_LINUX_STRATOS_H */
