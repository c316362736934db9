// SPDX-License-Identifier: GPL-2.0
/*
 * Requests about one cgroup named on the command line, for the objects the
 * kernel keys by cgroup id (cgroup, pagecache, vcore). Each of them resolves
 * a PATH, sends a request carrying its id and reports a failure; doing it
 * here keeps the order of those steps, and the wording of their errors,
 * the same for every object.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netlink/genl/genl.h>

#include "output.h"
#include "stratosctl.h"

/*
 * Resolve @arg into @rq and open the socket, in that order, so that a bad
 * path is reported even without the module. Returns an exit status.
 */
int cg_req_open(struct ctx *ctx, const struct cg_kind *kind, const char *arg,
		struct cg_req *rq)
{
	int ret;

	rq->kind = kind;
	rq->nl = NULL;
	snl_err_init(&rq->err);
	ret = cgroup_resolve(arg, &rq->ref);
	return ret ? ret : ctx_nl(ctx, &rq->nl);
}

/* A request @cmd carrying the cgroup's id, or NULL when out of memory. */
struct nl_msg *cg_req_msg(const struct cg_req *rq, uint8_t cmd)
{
	struct nl_msg *msg = snl_msg_new(rq->nl, cmd, 0);

	if (msg && nla_put_u64(msg, rq->kind->id_attr, rq->ref.id)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

/*
 * Send @msg and free it; NULL stands for a request that could not be built
 * for want of memory. Returns snl_call()'s result, for cg_req_done().
 */
int cg_req_send(struct cg_req *rq, struct nl_msg *msg, snl_msg_fn fn,
		void *arg)
{
	int ret;

	if (!msg) {
		/* Nothing from the kernel to report, only the errno. */
		snl_err_init(&rq->err);
		return -ENOMEM;
	}
	ret = snl_call(rq->nl, msg, fn, arg, &rq->err);
	nlmsg_free(msg);
	return ret;
}

/*
 * The exit status of a request that ended in @err (0 or a negative errno),
 * reported as "cannot @what NOUN PATH", with @enoent as the advice when the
 * kernel knows no such cgroup.
 */
int cg_req_done(const struct cg_req *rq, const char *what, int err,
		const char *enoent)
{
	const struct cg_kind *kind = rq->kind;
	char head[PATH_MAX + 64];
	const char *detail = NULL;

	if (!err)
		return EXIT_SUCCESS;
	snprintf(head, sizeof(head), "cannot %s %s %s", what, kind->noun,
		 rq->ref.arg);
	if (err == -ENOENT)
		detail = enoent;
	else if (err == -ENOSPC)
		detail = kind->enospc;
	return snl_report(head, err, &rq->err, kind->names, detail);
}

/*
 * Open the object of a reply about a cgroup and print what leads it: the
 * event of a notification, then the id first for JSON and the path first
 * for people, "cgroup /a/b id 1234" (just "cgroup id 1234" without path).
 */
void cg_print_head(const char *event, uint64_t id, const char *path)
{
	out_open_object(NULL);
	if (event)
		out_str(OUT_ANY, "event", NULL, event);
	out_u64(OUT_JSON, "id", NULL, id);
	if (path)
		out_str(OUT_ANY, "path", "cgroup", path);
	else
		out_str(OUT_TEXT, NULL, NULL, "cgroup");
	out_u64(OUT_TEXT, NULL, "id", id);
}
