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
 *    STRATOS_A_CGROUP_WEIGHT: NLA_U32, 1..10000, 100 by default
 *
 * With NLM_F_DUMP and no attributes it returns every entry, one message
 * each, split across as many datagrams as needed. A dump whose registry
 * changed under it carries NLM_F_DUMP_INTR; start it again.
 *
 * A cgroup with no entry gets -ENOENT.
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
 * entry into -ENOENT. Errors: -ENOENT (no such cgroup id, or the cgroup is
 * being removed), -ENOSPC (registry full), -EINVAL with an extended ack
 * naming the bad attribute.
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
 * Notifications
 * -------------
 *
 * Every change to the registry is multicast to the "events" group as a
 * STRATOS_CMD_CGROUP_SET (entry created or changed; the full entry) or
 * STRATOS_CMD_CGROUP_DEL (entry gone; STRATOS_A_CGROUP_ID and
 * STRATOS_A_CGROUP_REASON) message.
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

#endif /* _UAPI_LINUX_STRATOS_H */
