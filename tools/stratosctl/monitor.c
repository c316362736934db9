// SPDX-License-Identifier: GPL-2.0
/*
 * stratosctl monitor: print the "events" multicast group's notifications.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <netlink/genl/genl.h>
#include <linux/stratos.h>

#include "output.h"
#include "stratosctl.h"

/* snl_recv() callback result: the requested number of events is out. */
#define MON_DONE	1

enum { MON_COUNT };

static const struct keyword mon_kw[] = {
	{ "count", MON_COUNT },
	{ NULL, 0 },
};

struct monitor {
	uint64_t count;		/* stop after this many; 0: never */
	uint64_t seen;
	int write_err;
};

/* The signal that stopped the monitor, or 0. */
static volatile sig_atomic_t mon_stop;

static void mon_signal(int sig)
{
	mon_stop = sig;
}

static void monitor_help(void)
{
	printf(
"Usage: stratosctl [-j [-p]] monitor [ count N ]\n"
"\n"
"Print one line per change of the cgroup registry until interrupted (or\n"
"after N events):\n"
"\n"
"  set cgroup id ID class CLASS weight N        entry created or changed\n"
"  del cgroup id ID reason REASON               entry gone; REASON is\n"
"                                               requested or cgroup-removed\n"
"\n"
"and of the other notifications of the module:\n"
"\n"
"  pagecache-throttled cgroup id ID ...        a limited cgroup was throttled\n"
"  sched STATE ops NAME                         a sched_ext scheduler came\n"
"                                               (STATE ext) or went, by request\n"
"                                               or ejected (STATE fallback:\n"
"                                               offline cgroups run under\n"
"                                               cpu.idle)\n"
"\n"
"Events name a cgroup by its id only: the kernel sends them to listeners in\n"
"any cgroup namespace, so they carry no path. Listening needs CAP_NET_ADMIN\n"
"(run it as root on the host).\n"
"\n"
"With -j, one JSON object per line, with an \"event\" key. Nothing but\n"
"events goes to stdout, flushed after each; 'listening' goes to stderr once\n"
"subscribed.\n");
}

static struct nla_policy sched_policy[STRATOS_A_SCHED_MAX + 1] = {
	[STRATOS_A_SCHED_STATE] = { .type = NLA_U8 },
	[STRATOS_A_SCHED_OPS] = { .type = NLA_STRING },
};

/* A STRATOS_CMD_SCHED_EVENT: "sched fallback ops bt". */
static int mon_sched_print(struct nl_msg *msg)
{
	struct nlattr *tb[STRATOS_A_SCHED_MAX + 1];
	unsigned int state;

	if (snl_parse(msg, tb, STRATOS_A_SCHED_MAX, sched_policy) ||
	    !tb[STRATOS_A_SCHED_STATE])
		return -EBADMSG;
	state = nla_get_u8(tb[STRATOS_A_SCHED_STATE]);
	out_open_object(NULL);
	out_str(OUT_ANY, "event", NULL, "sched");
	out_str(OUT_ANY, "state", NULL,
		state == STRATOS_SCHED_STATE_EXT ? "ext" : "fallback");
	if (tb[STRATOS_A_SCHED_OPS])
		out_str(OUT_ANY, "ops", "ops",
			nla_get_string(tb[STRATOS_A_SCHED_OPS]));
	out_close_object();
	out_nl();
	return 0;
}

static int mon_event(struct nl_msg *msg, void *arg)
{
	struct monitor *m = arg;
	struct genlmsghdr *gh;
	struct cg_entry e;
	const char *event;

	if (!genlmsg_valid_hdr(nlmsg_hdr(msg), 0)) {
		pr_warn("skipping a truncated notification");
		return 0;
	}
	gh = genlmsg_hdr(nlmsg_hdr(msg));
	if (gh->cmd == STRATOS_CMD_PAGECACHE_THROTTLED) {
		if (pc_event_print(msg))
			pr_warn("skipping a malformed pagecache notification");
		goto shown;
	}
	if (gh->cmd == STRATOS_CMD_SCHED_EVENT) {
		if (mon_sched_print(msg))
			pr_warn("skipping a malformed sched notification");
		goto shown;
	}
	if (gh->cmd == STRATOS_CMD_CGROUP_SET)
		event = "set";
	else if (gh->cmd == STRATOS_CMD_CGROUP_DEL)
		event = "del";
	else
		return 0;	/* not ours to show: from a newer module */

	if (cg_entry_parse(msg, &e)) {
		pr_warn("skipping a malformed %s notification", event);
		return 0;
	}
	cg_entry_print(&e, event);
shown:
	/* A reader (a test, a pipe) must see each event as it happens. */
	m->write_err = out_flush();
	if (m->write_err)
		return m->write_err;
	return ++m->seen == m->count ? MON_DONE : 0;
}

static int parse_monitor_args(int argc, char **argv, struct monitor *m)
{
	bool have_count = false;
	struct kv kv;
	int ret;

	while ((ret = kv_next(&argc, &argv, mon_kw, &kv)) != KV_END) {
		if (ret != KV_OK)
			return kv_fail(mon_kw, &kv, ret, "monitor");
		if (have_count)
			return usage_err("'count' given twice");
		ret = parse_u64(kv.value, &m->count);
		if (!ret && !m->count)
			ret = PARSE_RANGE;
		if (ret)
			return usage_err("invalid count '%s': %s (it must be 1 or more)",
					 kv.value, parse_strerror(ret));
		have_count = true;
	}
	return EXIT_SUCCESS;
}

/*
 * SIGINT and SIGTERM are blocked except inside ppoll(), which they then
 * interrupt: no signal can slip in between checking mon_stop and going to
 * sleep. (libnl retries an interrupted recvmsg() itself, so a signal
 * arriving in there would go unnoticed.)
 */
struct mon_sigs {
	sigset_t mask;
	struct sigaction intr, term;
};

static int mon_signals(struct mon_sigs *old)
{
	struct sigaction sa = { .sa_handler = mon_signal };
	sigset_t block;

	mon_stop = 0;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &block, &old->mask))
		return -errno;
	/* No SA_RESTART: the point is to interrupt ppoll(). */
	sigaction(SIGINT, &sa, &old->intr);
	sigaction(SIGTERM, &sa, &old->term);
	return 0;
}

/*
 * Put back what mon_signals() changed; the commands of a batch after this
 * one get the usual handling. A signal that stopped the monitor inside a
 * batch ends the batch too, as it would have without the monitor.
 */
static void mon_signals_restore(const struct ctx *ctx,
				const struct mon_sigs *old)
{
	sigaction(SIGINT, &old->intr, NULL);
	sigaction(SIGTERM, &old->term, NULL);
	sigprocmask(SIG_SETMASK, &old->mask, NULL);
	if (ctx->batch && mon_stop) {
		out_flush();
		raise(mon_stop);
	}
}

static int mon_loop(struct snl *nl, struct monitor *m, const sigset_t *mask)
{
	struct pollfd pfd = { .fd = snl_fd(nl), .events = POLLIN };
	int ret;

	while (!mon_stop) {
		if (ppoll(&pfd, 1, NULL, mask) < 0) {
			if (errno == EINTR)
				continue;
			pr_err("cannot wait for events: %s", strerror(errno));
			return EXIT_FAILURE;
		}
		ret = snl_recv(nl, mon_event, m);
		if (ret == MON_DONE)
			break;
		if (m->write_err)
			return EXIT_FAILURE;	/* main() reports it */
		if (ret == -ENOBUFS) {
			pr_warn("events were lost: the socket's receive buffer overflowed");
			continue;
		}
		if (ret) {
			pr_err("cannot receive events: %s", strerror(-ret));
			return EXIT_FAILURE;
		}
	}
	return EXIT_SUCCESS;
}

int do_monitor(struct ctx *ctx, int argc, char **argv)
{
	struct monitor m = { 0 };
	struct mon_sigs old;
	struct snl mon;
	sigset_t wait;
	int ret;

	if (want_help(ctx, argc, argv)) {
		monitor_help();
		return EXIT_SUCCESS;
	}
	ret = parse_monitor_args(argc, argv, &m);
	if (ret)
		return ret;
	/*
	 * A socket of its own: subscribed and non-blocking, it would not do
	 * for the requests of the batch lines after this one.
	 */
	ret = snl_open(&mon);
	if (ret)
		return ret;
	ret = snl_subscribe(&mon, STRATOS_GENL_MCGRP_EVENTS);
	if (ret)
		goto out;

	ret = mon_signals(&old);
	if (ret) {
		pr_err("cannot set up signal handling: %s", strerror(-ret));
		ret = EXIT_FAILURE;
		goto out;
	}
	/* Told even in JSON mode: stderr, and scripts wait for it. */
	fprintf(stderr, "stratosctl: listening for stratos events\n");

	wait = old.mask;
	sigdelset(&wait, SIGINT);
	sigdelset(&wait, SIGTERM);
	ret = mon_loop(&mon, &m, &wait);
	mon_signals_restore(ctx, &old);
out:
	snl_close(&mon);
	return ret;
}
