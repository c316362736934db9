/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared between scx_bt.bpf.c and its loader (stratosctl bt): the layout of
 * the maps userspace reads and writes. All maps are pinned under
 * BT_PIN_DIR while the scheduler is enabled.
 */
#ifndef __SCX_BT_H
#define __SCX_BT_H

#define BT_PIN_DIR	"/sys/fs/bpf/stratos_bt"
#define BT_REASON_LEN	128
#define BT_MSG_LEN	256
#define BT_DUMP_LEN	32768	/* the kernel's state dump on an error exit */
#define BT_MAX_CPUS	1024	/* CPUs scx_bt handles */

/* bt_conf[0]: tunables, changeable at run time without reloading. */
struct bt_conf {
	__u64 slice_ns;		/* offline slice (default 20 ms) */
	__u64 vacate_ns;	/* how long a CPU is left idle to let online
				 * work migrate onto it (default 4 ms; 0: off) */
	__u64 starve_ns;	/* a CPU whose offline tasks waited this long
				 * runs one regardless (default 1 s) */
	__u64 guard_slice_ns;	/* the slice such a task gets (default 1 ms) */
	__u32 smt_expel;	/* 1: no offline work beside an online sibling */
	__u32 budget_pct;	/* node-wide offline CPU budget, 1..100 */
	__u64 enabled_at;	/* CLOCK_REALTIME seconds, set by the loader */
	__u64 ext_server_ns;	/* ext_server runtime per second the loader
				 * set (0: left alone) */
	__u64 ext_server_prev_ns; /* the runtime found at enable, restored */
	__u64 weights_gen;	/* bumped when bt_cgw changes */
	__u64 watchdog_ns;	/* sched_ext watchdog timeout the loader set
				 * (0: the kernel's default, 30 s) */
	__u64 smt_hold_ns;	/* with smt_expel, a CPU whose sibling left
				 * online work this recently still keeps
				 * offline work off (default 0: off) */
};

/* bt_stats[cgroup id]: per cgroup of offline tasks. */
struct bt_cg_stats {
	__u64 runtime_ns;	/* CPU time of its offline tasks */
	__u64 preempted;	/* times online work took the CPU from them */
	__u64 expelled;		/* times the SMT rule sent one away */
	__u64 vacated;		/* times one left to make room for online work */
	__u64 max_wait_ns;	/* longest wait from runnable to running */
	__u64 rescued;		/* times one was moved off a CPU whose
				 * ext_server had stopped (see scx_bt.bpf.c) */
};

/* bt_exit_rec[0]: why the scheduler stopped, written by ops.exit. */
struct bt_exit_info {
	__s64 kind;		/* enum scx_exit_kind; 0 while running */
	__s64 exit_code;
	__u64 at_ns;		/* CLOCK_MONOTONIC (BPF ktime) */
	char reason[BT_REASON_LEN];
	char msg[BT_MSG_LEN];
};

/*
 * bt_exit_dump[0]: the kernel's dump of every CPU and its tasks when
 * sched_ext ejected scx_bt on an error (a watchdog stall, say), written by
 * ops.exit; empty otherwise. Lines from ops.dump_cpu start with "bt:".
 */
struct bt_exit_dump {
	char text[BT_DUMP_LEN];
};

/*
 * bt_yield[0]: the CPUs whose offline task, pinned there, should leave
 * SCHED_EXT for a moment so that online work can come (see "Pinned offline
 * tasks" in Documentation/sched_bt.rst). scx_bt writes a request, then bumps
 * gen; stratos.ko, which holds the map (STRATOS_CMD_BT_STATS_SET), sees the
 * new gen at its next context switch and switches the task to SCHED_NORMAL
 * in its cpu.idle group for the request's ms, then back. A request not
 * carried out by until_ns is stale.
 *
 * A yield lasts BT_YIELD_NS from the switch. The fair class moves a waiting
 * task onto a CPU whose tasks leave it spare capacity only if that CPU is
 * idle (between SMT siblings, sibling_imbalance() is 0 for a busy one);
 * else it must see the CPU's capacity used, its utilisation above 1/1.1 of
 * it (imbalance_pct 110), and then pulls by load. The yielded task comes
 * to the fair class with its utilisation aged by all the time it spent as
 * an ext task, often to nothing, and from 0 running alone takes 111 ms to
 * get there (PELT's 32 ms half-life): shorter yields (20-80 ms) left the
 * online work where it was in runs of dozens of them.
 */
#define BT_YIELD_NS	(160ULL * 1000 * 1000)
#define BT_YIELD_MAX_NS	BT_YIELD_NS
/* How long online work must wait before a held CPU's task is asked to. */
#define BT_YIELD_WAIT_NS (10ULL * 1000 * 1000)

struct bt_yield_req {
	__s32 pid;		/* the pinned task, as the kernel numbers it */
	__u32 ms;		/* its length, from the switch */
	__u64 until_ns;		/* CLOCK_MONOTONIC (BPF ktime): due till then */
};

struct bt_yield {
	__u64 gen;
	struct bt_yield_req cpu[BT_MAX_CPUS];
};

#endif /* __SCX_BT_H */
