// SPDX-License-Identifier: GPL-2.0
/*
 * Fallback notification: tell agents when the offline class loses (or
 * regains) its BPF scheduler.
 *
 * Offline cgroups always carry cpu.idle=1 (offline.c), so nothing has to
 * change when scx_bt stops: the fair class already treats the subtree as an
 * idle group. What an agent needs is to know that it happened, whether
 * scx_bt was disabled on purpose or ejected by the kernel (watchdog, sysrq,
 * a BPF error), without polling sysfs.
 *
 * sched_ext announces both transitions as uevents of its scheduler kobject:
 * "add@/kernel/sched_ext/root" when a scheduler is enabled and
 * "remove@/kernel/sched_ext/root" when it is disabled for any reason, each
 * carrying SCXOPS=<name>. There is no in-kernel notifier for them, so the
 * module listens like udev does: a kernel NETLINK_KOBJECT_UEVENT socket in
 * init_net, bound to the kernel's multicast group. Its data_ready callback
 * only queues a work item; the work item drains the socket and multicasts a
 * STRATOS_CMD_SCHED_EVENT to the "events" group.
 *
 * Only messages sent by the kernel (port id 0) count: sending to that group
 * needs CAP_NET_ADMIN in init_net's user namespace anyway, but a forged
 * scheduler state would mislead every agent. If the socket overflows
 * (a uevent storm), the state is read back from sysfs so that no transition
 * is reported wrongly.
 */
#include <linux/fs.h>
#include <linux/kobject.h>
#include <linux/mutex.h>
#include <linux/namei.h>
#include <linux/net.h>
#include <linux/netlink.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "stratos.h"

#define SCX_ROOT_DEVPATH	"/kernel/sched_ext/root"
#define SCX_ROOT_SYSFS		"/sys" SCX_ROOT_DEVPATH
/* The kernel's own bound on one uevent message (UEVENT_BUFFER_SIZE). */
#define SCX_UEVENT_MAX		2048
/* The kernel's uevent multicast group (udev rebroadcasts on group 2). */
#define SCX_UEVENT_GROUP	1

/* watch_lock: the worker's use of watch_sock against its release. */
static DEFINE_MUTEX(watch_lock);
static struct socket *watch_sock;
static void (*watch_data_ready_orig)(struct sock *sk);
static char *watch_buf;
static bool watch_running;

static void stratos_scx_watch_fn(struct work_struct *work);
static DECLARE_WORK(watch_work, stratos_scx_watch_fn);

static void stratos_scx_data_ready(struct sock *sk)
{
	/* Softirq context: the reading happens in the work item. */
	schedule_work(&watch_work);
}

static void stratos_sched_notify(bool running, const char *ops)
{
	struct sk_buff *msg;
	void *hdr;

	msg = stratos_event_new(STRATOS_CMD_SCHED_EVENT, &hdr);
	if (!msg)
		return;
	if (nla_put_u8(msg, STRATOS_A_SCHED_STATE,
		       running ? STRATOS_SCHED_STATE_EXT :
				 STRATOS_SCHED_STATE_FALLBACK) ||
	    (ops && nla_put_string(msg, STRATOS_A_SCHED_OPS, ops))) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	stratos_events_send(msg);
}

static void stratos_sched_changed(bool running, const char *ops)
{
	if (running == watch_running)
		return;
	watch_running = running;
	pr_info("sched_ext scheduler %s %s%s\n", ops ?: "(unknown)",
		running ? "enabled" : "disabled",
		running ? "" : ": offline cgroups run under cpu.idle");
	stratos_sched_notify(running, ops);
}

/* The value of @key in the uevent @buf of @len bytes (NUL-terminated). */
static const char *stratos_uevent_var(const char *buf, int len,
				      const char *key)
{
	size_t klen = strlen(key);
	int off = strnlen(buf, len) + 1;

	while (off < len) {
		const char *var = buf + off;
		size_t vlen = strnlen(var, len - off);

		if (vlen > klen && var[klen] == '=' && !strncmp(var, key, klen))
			return var + klen + 1;
		off += vlen + 1;
	}
	return NULL;
}

static void stratos_uevent_handle(const char *buf, int len)
{
	const char *ops;
	bool running;

	if (!strcmp(buf, "add@" SCX_ROOT_DEVPATH))
		running = true;
	else if (!strcmp(buf, "remove@" SCX_ROOT_DEVPATH))
		running = false;
	else
		return;
	ops = stratos_uevent_var(buf, len, "SCXOPS");
	stratos_sched_changed(running, ops);
}

/* Messages were lost: take the state from sysfs instead. */
static void stratos_sched_resync(void)
{
	struct path path;
	bool running;

	running = !kern_path(SCX_ROOT_SYSFS, LOOKUP_FOLLOW, &path);
	if (running)
		path_put(&path);
	stratos_sched_changed(running, NULL);
}

/* Read and handle the messages queued on watch_sock. */
static void stratos_scx_watch_read(void)
{
	struct sockaddr_nl from;
	struct msghdr msg;
	struct kvec vec;
	int len;

	for (;;) {
		memset(&msg, 0, sizeof(msg));
		memset(&from, 0, sizeof(from));
		msg.msg_name = &from;
		msg.msg_namelen = sizeof(from);
		vec.iov_base = watch_buf;
		vec.iov_len = SCX_UEVENT_MAX - 1;
		len = kernel_recvmsg(watch_sock, &msg, &vec, 1,
				     SCX_UEVENT_MAX - 1, MSG_DONTWAIT);
		if (len == -ENOBUFS) {
			stratos_sched_resync();
			continue;
		}
		if (len < 0)
			return;
		if (from.nl_pid || (msg.msg_flags & MSG_TRUNC))
			continue;
		watch_buf[len] = '\0';
		stratos_uevent_handle(watch_buf, len);
	}
}

static void stratos_scx_watch_fn(struct work_struct *work)
{
	mutex_lock(&watch_lock);
	/* No socket: queued by a message that came as the module went. */
	if (watch_sock)
		stratos_scx_watch_read();
	mutex_unlock(&watch_lock);
}

int stratos_scx_watch_init(void)
{
	struct sockaddr_nl addr = {
		.nl_family = AF_NETLINK,
		.nl_groups = SCX_UEVENT_GROUP,
	};
	struct sock *sk;
	struct path path;
	int ret;

	if (!IS_ENABLED(CONFIG_SCHED_CLASS_EXT))
		return 0;
	watch_buf = kmalloc(SCX_UEVENT_MAX, GFP_KERNEL);
	if (!watch_buf)
		return -ENOMEM;
	ret = sock_create_kern(&init_net, AF_NETLINK, SOCK_DGRAM,
			       NETLINK_KOBJECT_UEVENT, &watch_sock);
	if (ret)
		goto err_buf;
	sk = watch_sock->sk;
	write_lock_bh(&sk->sk_callback_lock);
	watch_data_ready_orig = sk->sk_data_ready;
	sk->sk_data_ready = stratos_scx_data_ready;
	write_unlock_bh(&sk->sk_callback_lock);
	/* void *: the address type is struct sockaddr_unsized since 6.19. */
	ret = kernel_bind(watch_sock, (void *)&addr, sizeof(addr));
	if (ret)
		goto err_sock;
	/* The state before the first event; nothing is announced for it. */
	watch_running = !kern_path(SCX_ROOT_SYSFS, LOOKUP_FOLLOW, &path);
	if (watch_running)
		path_put(&path);
	return 0;

err_sock:
	sock_release(watch_sock);
	watch_sock = NULL;
err_buf:
	kfree(watch_buf);
	watch_buf = NULL;
	return ret;
}

void stratos_scx_watch_exit(void)
{
	struct socket *sock;
	struct sock *sk;

	if (!watch_sock)
		return;
	sk = watch_sock->sk;
	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_data_ready = watch_data_ready_orig;
	write_unlock_bh(&sk->sk_callback_lock);
	/*
	 * A broadcast that read the callback before it was restored may
	 * still call it and queue the work (netlink delivers without the
	 * callback lock) until the release below takes the socket off the
	 * multicast table, which waits for broadcasts in flight. So the
	 * work is cancelled after the release, and finds no socket if it
	 * runs.
	 */
	mutex_lock(&watch_lock);
	sock = watch_sock;
	watch_sock = NULL;
	mutex_unlock(&watch_lock);
	sock_release(sock);
	cancel_work_sync(&watch_work);
	kfree(watch_buf);
	watch_buf = NULL;
}
