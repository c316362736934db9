/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared declarations of the stratosctl objects.
 *
 * Convention: functions that report their own errors (through pr_err())
 * return an exit status, 0 on success; lower layers return a negative
 * errno and leave the wording to their caller.
 */
#ifndef STRATOSCTL_H
#define STRATOSCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <limits.h>

#include "netlink.h"
#include "parse.h"

#ifndef STRATOSCTL_VERSION
#define STRATOSCTL_VERSION	"0.1.0"
#endif

/* Exit statuses besides EXIT_SUCCESS (0) and EXIT_FAILURE (1). */
#define EXIT_USAGE	2	/* bad command line */
#define EXIT_NOMODULE	3	/* the stratos family is not registered */
#define EXIT_PERM	4	/* the kernel said EPERM */

#define __maybe_unused	__attribute__((__unused__))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct ctx {
	bool help;		/* -h: help of the deepest command named */
	bool batch;		/* running the lines of -b FILE */
	bool nl_open;
	struct snl nl;
};

int ctx_nl(struct ctx *ctx, struct snl **nl);
bool want_help(const struct ctx *ctx, int argc, char **argv);

int usage_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kw_fail(const struct keyword *kw, const char *word, size_t len, int res,
	    const char *what);
int kv_fail(const struct keyword *kw, const struct kv *kv, int res,
	    const char *cmd);

int do_info(struct ctx *ctx, int argc, char **argv);
int do_cgroup(struct ctx *ctx, int argc, char **argv);
int do_monitor(struct ctx *ctx, int argc, char **argv);
int do_pagecache(struct ctx *ctx, int argc, char **argv);
int do_bt(struct ctx *ctx, int argc, char **argv);
void bt_registry_changed(struct ctx *ctx);
int pc_event_print(struct nl_msg *msg);

/* A registry entry (or notification) as the kernel sent it. */
struct cg_entry {
	uint64_t id;
	const char *path;	/* NULL if absent */
	int class;		/* enum stratos_class, -1 if absent */
	int64_t weight;		/* -1 if absent */
	int reason;		/* enum stratos_del_reason, -1 if absent */
};

extern const struct snl_attr_names cg_attr_names;
int cg_entry_parse(struct nl_msg *msg, struct cg_entry *e);
void cg_entry_print(const struct cg_entry *e, const char *event);

/* A cgroup named on the command line. */
struct cgroup_ref {
	const char *arg;	/* as given */
	char path[PATH_MAX];	/* the directory it resolved to */
	uint64_t id;		/* its inode number: the cgroup id */
};

int cgroup_resolve(const char *arg, struct cgroup_ref *ref);

/*
 * An object the kernel keys by cgroup id (a registry entry, a page-cache
 * limit, vcore accounting): how its requests carry the id and how their
 * failures read, "cannot WHAT NOUN PATH: reason".
 */
struct cg_kind {
	int id_attr;		/* the attribute that carries the id */
	const char *noun;	/* "cgroup", "page-cache limit of" */
	const struct snl_attr_names *names;
	const char *enospc;	/* advice when the kernel's table is full */
};

/* One request about a cgroup named on the command line. */
struct cg_req {
	const struct cg_kind *kind;
	struct cgroup_ref ref;
	struct snl *nl;
	struct snl_err err;	/* why the last cg_req_send() failed */
};

int cg_req_open(struct ctx *ctx, const struct cg_kind *kind, const char *arg,
		struct cg_req *rq);
struct nl_msg *cg_req_msg(const struct cg_req *rq, uint8_t cmd);
int cg_req_send(struct cg_req *rq, struct nl_msg *msg, snl_msg_fn fn,
		void *arg);
int cg_req_done(const struct cg_req *rq, const char *what, int err,
		const char *enoent);
void cg_print_head(const char *event, uint64_t id, const char *path);

#endif /* STRATOSCTL_H */
