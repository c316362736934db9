// SPDX-License-Identifier: GPL-2.0
/*
 * stratosctl bt: load, configure and unload scx_bt, the sched_ext scheduler
 * of the offline class (sched_bt/scx_bt.bpf.c).
 *
 * The scheduler must outlive the tool, so "enable" pins its struct_ops link,
 * the links of its tracing programs (sched_switch, sched_wakeup,
 * signal_generate) and the maps userspace reads in bpffs (BT_PIN_DIR),
 * plus the map of its timer; the pinned links keep it
 * attached. "disable" detaches the links and removes the pins. Nothing
 * else keeps state: "status" reads the pins and /sys/kernel/sched_ext.
 *
 * The BPF object is found at $STRATOS_BT_OBJ, else next to the tool's build
 * (../sched_bt/scx_bt.bpf.o from the binary), else in /usr/lib/stratos.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/stratos.h>

#include "output.h"
#include "stratosctl.h"
#include "../../sched_bt/scx_bt.h"

#define BT_OBJ_NAME	"scx_bt.bpf.o"
#define BT_OPS_NAME	"bt"
#define SCX_SYSFS	"/sys/kernel/sched_ext"
#define EXT_SERVER_DIR	"/sys/kernel/debug/sched/ext_server"
#define BT_MAX_CPUS	1024

enum { BT_ENABLE, BT_DISABLE, BT_STATUS, BT_SET, BT_STATS, BT_DUMP, BT_VERIFY,
       BT_HELP };

static const struct keyword bt_cmds[] = {
	{ "enable", BT_ENABLE },
	{ "disable", BT_DISABLE },
	{ "status", BT_STATUS },
	{ "set", BT_SET },
	{ "stats", BT_STATS },
	{ "dump", BT_DUMP },
	{ "verify", BT_VERIFY },
	{ "help", BT_HELP },
	{ NULL, 0 },
};

enum { K_SLICE, K_VACATE, K_STARVE, K_GUARD, K_SMT, K_SMT_HOLD, K_BUDGET,
       K_EXTSRV, K_WATCHDOG };

/* sched_ext's bounds for ops.timeout_ms (SCX_WATCHDOG_MAX_TIMEOUT). */
#define BT_WATCHDOG_MIN_US	1000000ULL
#define BT_WATCHDOG_MAX_US	30000000ULL

static const struct keyword bt_keys[] = {
	{ "slice", K_SLICE },
	{ "vacate", K_VACATE },
	{ "starve", K_STARVE },
	{ "guard", K_GUARD },
	{ "smt-expel", K_SMT },
	{ "smt-hold", K_SMT_HOLD },
	{ "budget", K_BUDGET },
	{ "ext-server", K_EXTSRV },
	{ "watchdog", K_WATCHDOG },
	{ NULL, 0 },
};

static const struct bt_conf bt_conf_default = {
	.slice_ns = 20000000,
	.vacate_ns = 4000000,
	.starve_ns = 1000000000,
	.guard_slice_ns = 1000000,
	.smt_expel = 1,
	.budget_pct = 100,
	/* 1% of each CPU under full online load; see Documentation/sched_bt.rst. */
	.ext_server_ns = 10000000,
};

static void bt_help(void)
{
	printf(
"Usage: stratosctl bt enable [KEY VALUE]...\n"
"       stratosctl bt set KEY VALUE...\n"
"       stratosctl bt disable\n"
"       stratosctl bt status\n"
"       stratosctl bt stats\n"
"       stratosctl bt dump\n"
"       stratosctl bt verify\n"
"\n"
"scx_bt schedules the tasks of offline cgroups (sched_ext, partial mode):\n"
"online work preempts them at once, and they run on whatever CPU time\n"
"online work leaves. It stays loaded after stratosctl exits. Without it the\n"
"offline cgroups keep cpu.idle semantics (the fallback). 'bt dump' prints\n"
"the kernel's state dump of the last ejection on an error (a watchdog\n"
"stall), kept until 'bt disable'. 'bt verify' loads scx_bt into the kernel's\n"
"verifier without attaching it, and prints what verifying each program cost\n"
"(instructions processed, peak states, time): whether this kernel accepts\n"
"it, and where 'bt enable' spends its time.\n"
"\n"
"Keys (enable and set; times in microseconds):\n"
"  slice N        offline time slice (default 20000)\n"
"  vacate N       idle time a CPU leaves so waiting online work moves onto\n"
"                 it (default 4000; 0 turns vacating off, the hand-over\n"
"                 from CPUs holding offline work back, and the yield of\n"
"                 offline tasks pinned to one CPU)\n"
"  starve N       wait after which offline work runs regardless (default\n"
"                 1000000)\n"
"  guard N        the slice it then gets (default 1000)\n"
"  smt-expel on|off  keep offline work off CPUs whose SMT sibling runs\n"
"                 online work (default on)\n"
"  smt-hold N     ... and off those whose sibling left online work less than\n"
"                 N ago (default 0: only while it runs)\n"
"  budget PCT     share of each CPU offline work may use, 1-100 (default 100)\n"
"  ext-server N   sched_ext deadline server runtime per second, per CPU\n"
"                 (enable only; 1-1000000, default 10000; 'keep' leaves it\n"
"                 alone)\n"
"  watchdog N     sched_ext watchdog: a runnable offline task that waits\n"
"                 this long ejects scx_bt (enable only; 1000000-30000000,\n"
"                 default the kernel's 30000000)\n");
}

/* ---- small file helpers ---- */

static int read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)size, f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n < 0 ? -errno : 0;
}

/* "enabled", "disabled", ... or NULL if the kernel has no sched_ext. */
static const char *scx_state(char *buf, size_t size)
{
	if (read_line(SCX_SYSFS "/state", buf, size))
		return NULL;
	return buf;
}

/*
 * What loading scx_bt needs, checked before anything is opened: sched_ext
 * (its state read into @state; @no_scx says what follows without it), and
 * root. 0, or the exit code @verb returns.
 */
static int bt_load_allowed(const char *verb, const char *no_scx,
			   char *state, size_t size)
{
	if (!scx_state(state, size)) {
		pr_err("this kernel has no sched_ext (CONFIG_SCHED_CLASS_EXT): %s",
		       no_scx);
		return EXIT_FAILURE;
	}
	if (geteuid())
		return pr_err("%s needs root (CAP_BPF, CAP_SYS_ADMIN)", verb),
		       EXIT_PERM;
	return 0;
}

static bool bt_is_root_ops(void)
{
	char buf[64];

	return !read_line(SCX_SYSFS "/root/ops", buf, sizeof(buf)) &&
	       !strcmp(buf, BT_OPS_NAME);
}

/* Poll until sched_ext's state is @want, up to @tenths/10 s. */
static bool scx_wait_state(const char *want, int tenths)
{
	char buf[32];

	for (; tenths > 0; tenths--) {
		const char *st = scx_state(buf, sizeof(buf));

		if (st && !strcmp(st, want))
			return true;
		usleep(100000);
	}
	return false;
}

/* ---- ext_server ---- */

static int ext_server_get(__u64 *ns)
{
	char buf[32];
	int ret;

	ret = read_line(EXT_SERVER_DIR "/cpu0/runtime", buf, sizeof(buf));
	if (ret)
		return ret;
	*ns = strtoull(buf, NULL, 10);
	return 0;
}

static int ext_server_set(uint64_t ns)
{
	char path[PATH_MAX], val[32];
	struct dirent *de;
	DIR *d;
	int ret = 0;

	d = opendir(EXT_SERVER_DIR);
	if (!d)
		return -errno;
	snprintf(val, sizeof(val), "%llu", (unsigned long long)ns);
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "cpu", 3))
			continue;
		snprintf(path, sizeof(path), EXT_SERVER_DIR "/%s/runtime",
			 de->d_name);
		if (write_str(path, val))
			ret = -errno;
	}
	closedir(d);
	return ret;
}

/* ---- pinned maps ---- */

static void pin_path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", BT_PIN_DIR, name);
}

static int pinned_fd(const char *name)
{
	char path[PATH_MAX];

	pin_path(path, sizeof(path), name);
	return bpf_obj_get(path);
}

static int conf_read(struct bt_conf *conf)
{
	int fd = pinned_fd("bt_conf"), zero = 0, ret;

	if (fd < 0)
		return -errno;
	ret = bpf_map_lookup_elem(fd, &zero, conf) ? -errno : 0;
	close(fd);
	return ret;
}

static int conf_write_fd(int fd, const struct bt_conf *conf)
{
	int zero = 0;

	return bpf_map_update_elem(fd, &zero, conf, BPF_ANY) ? -errno : 0;
}

/* ---- key parsing ---- */

/* The longest time any key takes, 10 s. */
#define BT_KEY_MAX_US	10000000ULL

static int parse_usec(const struct kv *kv, uint64_t min, uint64_t max,
		      __u64 *ns)
{
	uint64_t v;
	int ret;

	ret = parse_u64(kv->value, &v);
	if (!ret && (v < min || v > max))
		ret = PARSE_RANGE;
	if (ret)
		return usage_err("invalid %s '%s': %s (microseconds, %llu..%llu)",
				 bt_keys[kv->id].name, kv->value,
				 parse_strerror(ret), (unsigned long long)min,
				 (unsigned long long)max);
	*ns = v * 1000;
	return EXIT_SUCCESS;
}

static int parse_watchdog(const struct kv *kv, bool enable, struct bt_conf *c)
{
	uint64_t us;
	int ret;

	if (!enable)
		return usage_err("watchdog is chosen when scx_bt loads ('bt disable', then 'bt enable watchdog N')");
	ret = parse_u64(kv->value, &us);
	if (!ret && (us < BT_WATCHDOG_MIN_US || us > BT_WATCHDOG_MAX_US))
		ret = PARSE_RANGE;
	if (ret)
		return usage_err("invalid watchdog '%s': %s (microseconds, %llu..%llu)",
				 kv->value, parse_strerror(ret),
				 BT_WATCHDOG_MIN_US, BT_WATCHDOG_MAX_US);
	c->watchdog_ns = us * 1000;
	return EXIT_SUCCESS;
}

static int parse_key(const struct kv *kv, struct bt_conf *c, bool enable)
{
	uint32_t pct;
	int ret;

	switch (kv->id) {
	case K_SLICE:
		return parse_usec(kv, 100, BT_KEY_MAX_US, &c->slice_ns);
	case K_VACATE:
		return parse_usec(kv, 0, BT_KEY_MAX_US, &c->vacate_ns);
	case K_STARVE:
		return parse_usec(kv, 1000, BT_KEY_MAX_US, &c->starve_ns);
	case K_GUARD:
		return parse_usec(kv, 100, BT_KEY_MAX_US, &c->guard_slice_ns);
	case K_SMT_HOLD:
		return parse_usec(kv, 0, BT_KEY_MAX_US, &c->smt_hold_ns);
	case K_SMT:
		if (strcmp(kv->value, "on") && strcmp(kv->value, "off"))
			return usage_err("smt-expel takes 'on' or 'off', not '%s'",
					 kv->value);
		c->smt_expel = !strcmp(kv->value, "on");
		return EXIT_SUCCESS;
	case K_BUDGET:
		ret = parse_u32_range(kv->value, 1, 100, &pct);
		if (ret)
			return usage_err("invalid budget '%s': %s (a percentage, 1..100)",
					 kv->value, parse_strerror(ret));
		c->budget_pct = pct;
		return EXIT_SUCCESS;
	case K_EXTSRV:
		if (!enable)
			return usage_err("ext-server is chosen when scx_bt loads ('bt disable', then 'bt enable ext-server N')");
		if (!strcmp(kv->value, "keep")) {
			c->ext_server_ns = 0;
			return EXIT_SUCCESS;
		}
		/* Runtime per period; the kernel's period is a second. */
		return parse_usec(kv, 1, 1000000, &c->ext_server_ns);
	case K_WATCHDOG:
		return parse_watchdog(kv, enable, c);
	}
	return usage_err("unhandled key");
}

static int parse_keys(int argc, char **argv, struct bt_conf *c, bool enable,
		      const char *cmd)
{
	struct kv kv;
	int ret;

	while ((ret = kv_next(&argc, &argv, bt_keys, &kv)) != KV_END) {
		if (ret != KV_OK)
			return kv_fail(bt_keys, &kv, ret, cmd);
		ret = parse_key(&kv, c, enable);
		if (ret)
			return ret;
	}
	/* The guard must let a starved task run before the watchdog ejects. */
	if (c->starve_ns >= (c->watchdog_ns ?: BT_WATCHDOG_MAX_US * 1000) / 2)
		return usage_err("starve must be under half the watchdog (starve %llu us, watchdog %llu us)",
				 (unsigned long long)c->starve_ns / 1000,
				 (unsigned long long)(c->watchdog_ns ?: BT_WATCHDOG_MAX_US * 1000) / 1000);
	return EXIT_SUCCESS;
}

/* ---- loading ---- */

static int find_obj(char *path, size_t size)
{
	const char *env = getenv("STRATOS_BT_OBJ");
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	if (env && *env) {
		snprintf(path, size, "%s", env);
		return access(path, R_OK) ? -errno : 0;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			n = snprintf(path, size, "%s/../sched_bt/" BT_OBJ_NAME,
				     self);
			if (n < (ssize_t)size && !access(path, R_OK))
				return 0;
		}
	}
	snprintf(path, size, "/usr/lib/stratos/" BT_OBJ_NAME);
	return access(path, R_OK) ? -errno : 0;
}

/* Set a 'const volatile' global of the object before it is loaded. */
static int set_rodata(struct bpf_object *obj, const char *var,
		      const void *val, size_t len)
{
	const struct btf_var_secinfo *vs;
	const struct btf_type *sec;
	struct bpf_map *map = NULL, *m;
	const struct btf *btf;
	size_t size;
	char *data;
	int id, i;

	bpf_object__for_each_map(m, obj) {
		const char *name = bpf_map__name(m);
		size_t n = strlen(name);

		if (n >= 7 && !strcmp(name + n - 7, ".rodata"))
			map = m;
	}
	btf = bpf_object__btf(obj);
	if (!map || !btf)
		return -ENOENT;
	data = bpf_map__initial_value(map, &size);
	id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
	if (!data || id < 0)
		return -ENOENT;
	sec = btf__type_by_id(btf, id);
	vs = btf_var_secinfos(sec);
	for (i = 0; i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *t = btf__type_by_id(btf, vs->type);

		if (strcmp(btf__name_by_offset(btf, t->name_off), var))
			continue;
		if (vs->size != len || vs->offset + len > size)
			return -EINVAL;
		memcpy(data + vs->offset, val, len);
		return 0;
	}
	return -ENOENT;
}

/*
 * SMT siblings from sysfs: the other CPU of each 2-way core, or -1 (and
 * for the @max - @n slots past the possible CPUs). True if any CPU has one.
 */
static bool read_siblings(int32_t *sib, unsigned int n, unsigned int max)
{
	char path[128], buf[64];
	unsigned int cpu;
	bool any = false;
	int a, b;

	for (cpu = 0; cpu < max; cpu++)
		sib[cpu] = -1;
	for (cpu = 0; cpu < n; cpu++) {
		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu%u/topology/thread_siblings_list",
			 cpu);
		if (read_line(path, buf, sizeof(buf)))
			continue;
		if (sscanf(buf, "%d%*[,-]%d", &a, &b) == 2) {
			sib[cpu] = (unsigned int)a == cpu ? b : a;
			any = true;
		}
	}
	return any;
}

static int pin_map(struct bpf_object *obj, const char *name)
{
	char path[PATH_MAX];
	struct bpf_map *map = bpf_object__find_map_by_name(obj, name);

	if (!map)
		return -ENOENT;
	pin_path(path, sizeof(path), name);
	return bpf_map__pin(map, path);
}

static const char *const bt_pins[] = {
	"bt_conf", "bt_stats", "bt_cgw", "bt_exit_rec", "bt_exit_dump",
	"bt_timers", "bt_yield", "link", "switch_link", "wakeup_link",
	"signal_link",
};

/*
 * Detach the link pinned as @name, if any; unpin_all() drops the pin. A
 * link the kernel already detached (ejection) fails here, which is only
 * worth a word when @warn. Only the struct_ops link is detached this way:
 * a tracing link (bt_switch's) has no detach operation and goes with its
 * last reference, the pin.
 */
static void detach_pinned_link(const char *name, bool warn)
{
	int fd = pinned_fd(name);

	if (fd < 0)
		return;
	if (bpf_link_detach(fd) && warn)
		pr_warn("detaching scx_bt's %s: %s", name, strerror(errno));
	close(fd);
}

/* Attach @obj's program @prog and pin its link as @name. */
static int attach_pinned(struct bpf_object *obj, const char *prog,
			 const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, prog);
	char path[PATH_MAX];
	struct bpf_link *link;
	int ret;

	if (!p)
		return -ENOENT;
	link = bpf_program__attach(p);
	if (!link)
		return -errno;
	pin_path(path, sizeof(path), name);
	ret = bpf_link__pin(link, path);
	if (!ret)
		bpf_link__disconnect(link);
	bpf_link__destroy(link);
	return ret;
}

static void unpin_all(void)
{
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bt_pins); i++) {
		pin_path(path, sizeof(path), bt_pins[i]);
		unlink(path);
	}
	rmdir(BT_PIN_DIR);
}

/* Tell scx_bt that bt_cgw changed: tasks read their weight again. */
static int bump_weights_gen(void)
{
	struct bt_conf conf;
	int fd, ret;

	if (conf_read(&conf))
		return EXIT_FAILURE;
	conf.weights_gen++;
	fd = pinned_fd("bt_conf");
	if (fd < 0)
		return EXIT_FAILURE;
	ret = conf_write_fd(fd, &conf);
	close(fd);
	return ret ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* Offline cgroups seen in one registry dump, to find stale bt_cgw keys. */
struct cgw_sync {
	int fd;
	bool incomplete;	/* out of memory: ids misses some */
	uint64_t *ids;
	size_t n, cap;
};

/*
 * Registry weights of the offline cgroups, for weighted sharing. Every
 * offline cgroup gets an entry, 100 if it has no weight: scx_bt scales by
 * the cpu.weight of the cgroups below an entry, not above it.
 */
static int cgw_add(struct nl_msg *msg, void *arg)
{
	struct cgw_sync *sync = arg;
	struct cg_entry e;
	uint64_t *ids;
	uint32_t w;

	if (cg_entry_parse(msg, &e) || e.class != STRATOS_CLASS_OFFLINE)
		return 0;
	w = e.weight < 0 ? 100 : (uint32_t)e.weight;
	bpf_map_update_elem(sync->fd, &e.id, &w, BPF_ANY);
	if (sync->incomplete)
		return 0;
	if (sync->n == sync->cap) {
		sync->cap = sync->cap ? 2 * sync->cap : 64;
		ids = realloc(sync->ids, sync->cap * sizeof(*ids));
		if (!ids) {
			sync->incomplete = true;
			return 0;
		}
		sync->ids = ids;
	}
	sync->ids[sync->n++] = e.id;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Drop the bt_cgw entries of cgroups the dump did not list: no longer
 * offline, or gone. Keys are collected first, since deleting while
 * walking may restart the walk.
 */
static void cgw_drop_stale(struct cgw_sync *sync)
{
	uint64_t key, next, *stale = NULL, *grown;
	size_t n = 0, cap = 0, i;
	uint64_t *prev = NULL;

	if (sync->n)
		qsort(sync->ids, sync->n, sizeof(*sync->ids), cmp_u64);
	while (!bpf_map_get_next_key(sync->fd, prev, &next)) {
		key = next;
		if (!sync->n ||
		    !bsearch(&key, sync->ids, sync->n, sizeof(key), cmp_u64)) {
			if (n == cap) {
				cap = cap ? 2 * cap : 64;
				grown = realloc(stale, cap * sizeof(*stale));
				if (!grown)
					break;
				stale = grown;
			}
			stale[n++] = key;
		}
		prev = &key;
	}
	for (i = 0; i < n; i++)
		bpf_map_delete_elem(sync->fd, &stale[i]);
	free(stale);
}

/*
 * scx_bt runs without the module; what it hands the module is best effort,
 * skipped quietly (and with a warning, not an error) when it is not loaded.
 */
static bool stratos_loaded(void)
{
	return !access("/sys/module/stratos", F_OK);
}

/*
 * Load the registry's offline weights into bt_cgw (@fd) and drop the
 * entries of cgroups no longer offline. Returns 0, or -ENOENT without the
 * module (the weights stay as they were), or an exit status after saying
 * why.
 */
static int sync_weights(struct ctx *ctx, int fd)
{
	struct cgw_sync sync = { .fd = fd };
	struct snl_err e;
	struct nl_msg *req;
	struct snl *nl;
	int ret, try;

	if (!stratos_loaded())
		return -ENOENT;
	ret = ctx_nl(ctx, &nl);
	if (ret)
		return ret;
	ret = SNL_DUMP_INTR;
	for (try = 0; try < SNL_DUMP_TRIES && ret == SNL_DUMP_INTR; try++) {
		sync.n = 0;
		req = snl_msg_new(nl, STRATOS_CMD_CGROUP_GET, NLM_F_DUMP);
		if (!req) {
			free(sync.ids);
			return snl_report("reading the registry", -ENOMEM,
					  NULL, NULL, NULL);
		}
		ret = snl_call(nl, req, cgw_add, &sync, &e);
		nlmsg_free(req);
	}
	if (ret < 0) {
		free(sync.ids);
		return snl_report("reading the registry", ret, &e, NULL, NULL);
	}
	/* Only a whole, consistent list tells which entries are stale. */
	if (!ret && !sync.incomplete)
		cgw_drop_stale(&sync);
	free(sync.ids);
	return bump_weights_gen();
}

/*
 * Set the u32 @member of the struct_ops map @ops before load, found by name
 * in the object's BTF (there is no skeleton to name it).
 */
static int set_ops_u32(struct bpf_object *obj, const char *ops,
		       const char *member, uint32_t val)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, ops);
	const struct btf *btf = bpf_object__btf(obj);
	const struct btf_member *m;
	const struct btf_type *t;
	size_t size, off;
	char *data;
	int i;

	if (!map || !btf)
		return -ENOENT;
	t = btf__type_by_id(btf, bpf_map__btf_value_type_id(map));
	data = bpf_map__initial_value(map, &size);
	if (!t || !btf_is_struct(t) || !data)
		return -ENOENT;
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++) {
		if (strcmp(btf__name_by_offset(btf, m->name_off), member))
			continue;
		off = btf_member_bit_offset(t, i) / 8;
		if (off + sizeof(val) > size)
			return -EINVAL;
		memcpy(data + off, &val, sizeof(val));
		return 0;
	}
	return -ENOENT;
}

/*
 * The pin directory, made if missing. One that exists must be root's own:
 * on a bpffs mounted without mode= (1777), a user could have made it
 * first, and could then unlink the pins (detaching scx_bt) or plant maps
 * of its own for the module to read.
 */
static int bt_make_pin_dir(void)
{
	struct stat st;
	int err;

	if ((mkdir(BT_PIN_DIR, 0700) && errno != EEXIST) ||
	    lstat(BT_PIN_DIR, &st)) {
		err = errno;
		pr_err("cannot make %s: %s (is bpffs mounted?)", BT_PIN_DIR,
		       strerror(err));
		return -err;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022)) {
		pr_err("%s is not a directory of root's that only root may write: remove it, then 'bt enable' again",
		       BT_PIN_DIR);
		return -EPERM;
	}
	return 0;
}

/*
 * Open the scx_bt object (its path in @path) and set it up for this
 * machine and @conf, ready to load; NULL after saying why not. *@smt
 * says whether the CPUs have SMT siblings.
 */
static struct bpf_object *bt_open(const struct bt_conf *conf, bool *smt,
				  char *path, size_t size)
{
	int32_t sib[BT_MAX_CPUS];
	uint32_t nr = (uint32_t)libbpf_num_possible_cpus();
	const char *env = getenv("STRATOS_BT_OBJ");
	struct bpf_program *wakeup;
	struct bpf_object *obj;
	int ret;

	ret = find_obj(path, size);
	if (ret && env && *env) {
		pr_err("cannot read STRATOS_BT_OBJ=%s: %s", env, strerror(-ret));
		return NULL;
	}
	if (ret) {
		pr_err("cannot find %s: build it with 'make', or set STRATOS_BT_OBJ",
		       BT_OBJ_NAME);
		return NULL;
	}
	if (nr > BT_MAX_CPUS)
		nr = BT_MAX_CPUS;
	*smt = read_siblings(sib, nr, BT_MAX_CPUS);

	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		pr_err("cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	if (set_rodata(obj, "nr_cpus", &nr, sizeof(nr)) ||
	    set_rodata(obj, "smt_sibling", sib, sizeof(sib)) ||
	    (conf->watchdog_ns &&
	     set_ops_u32(obj, "bt_ops", "timeout_ms",
			 (uint32_t)(conf->watchdog_ns / 1000000)))) {
		pr_err("%s does not match this stratosctl", path);
		goto err;
	}
	/*
	 * The expeller's wakeup half runs on every wakeup; without SMT it
	 * would only find no sibling, so it is not even loaded.
	 */
	wakeup = bpf_object__find_program_by_name(obj, "bt_wakeup");
	if (!wakeup) {
		pr_err("%s does not match this stratosctl (no bt_wakeup)", path);
		goto err;
	}
	if (!*smt)
		bpf_program__set_autoload(wakeup, false);
	return obj;
err:
	bpf_object__close(obj);
	return NULL;
}

static int bt_load(struct bt_conf *conf)
{
	struct bpf_object *obj;
	struct bpf_map *ops;
	struct bpf_link *link;
	char path[PATH_MAX];
	bool smt;
	int ret;

	obj = bt_open(conf, &smt, path, sizeof(path));
	if (!obj)
		return EXIT_FAILURE;
	ret = bpf_object__load(obj);
	if (ret) {
		pr_err("the kernel rejected scx_bt: %s (the verifier log is above)",
		       strerror(-ret));
		goto err;
	}
	ret = conf_write_fd(bpf_map__fd(bpf_object__find_map_by_name(obj, "bt_conf")),
			    conf);
	if (!ret && bt_make_pin_dir())
		goto err;	/* it said why; nothing of ours is in it */
	if (!ret)
		ret = pin_map(obj, "bt_conf") ?: pin_map(obj, "bt_stats") ?:
		      pin_map(obj, "bt_cgw") ?: pin_map(obj, "bt_exit_rec") ?:
		      pin_map(obj, "bt_exit_dump") ?: pin_map(obj, "bt_yield") ?:
		      /*
		       * The kernel cancels a map's bpf_timers when its last
		       * user reference (fd or pin) goes: without this pin
		       * scx_bt's timer, which wakes held CPUs, would stop
		       * when the tool exits.
		       */
		      pin_map(obj, "bt_timers");
	if (ret) {
		pr_err("cannot pin scx_bt's maps in %s: %s (is bpffs mounted?)",
		       BT_PIN_DIR, strerror(-ret));
		goto err_unpin;
	}
	/* The SMT expeller's context-switch half (bt_switch). */
	ret = attach_pinned(obj, "bt_switch", "switch_link");
	if (ret) {
		pr_err("cannot attach scx_bt's sched_switch program: %s",
		       strerror(-ret));
		goto err_unpin;
	}
	/* ... and its wakeup half (bt_wakeup). */
	ret = smt ? attach_pinned(obj, "bt_wakeup", "wakeup_link") : 0;
	if (ret) {
		pr_err("cannot attach scx_bt's sched_wakeup program: %s",
		       strerror(-ret));
		goto err_unpin;
	}
	/* Killed offline tasks are let past holds (bt_signal). */
	ret = attach_pinned(obj, "bt_signal", "signal_link");
	if (ret) {
		pr_err("cannot attach scx_bt's signal_generate program: %s",
		       strerror(-ret));
		goto err_unpin;
	}
	ops = bpf_object__find_map_by_name(obj, "bt_ops");
	link = ops ? bpf_map__attach_struct_ops(ops) : NULL;
	if (!link) {
		pr_err("cannot attach scx_bt: %s (another sched_ext scheduler running?)",
		       strerror(errno));
		goto err_unpin;
	}
	pin_path(path, sizeof(path), "link");
	ret = bpf_link__pin(link, path);
	if (ret) {
		pr_err("cannot pin the scx_bt link: %s", strerror(-ret));
		bpf_link__destroy(link);
		goto err_unpin;
	}
	/* The pin holds the link now; our references can go. */
	bpf_link__disconnect(link);
	bpf_link__destroy(link);
	bpf_object__close(obj);
	return EXIT_SUCCESS;

err_unpin:
	unpin_all();
err:
	bpf_object__close(obj);
	return EXIT_FAILURE;
}

/*
 * 1 if scx_bt's link is pinned, 0 if not, -errno if that cannot be told:
 * -EACCES for a user other than root, as bpffs and BT_PIN_DIR are root's.
 */
static int bt_pin_state(void)
{
	char path[PATH_MAX];

	pin_path(path, sizeof(path), "link");
	if (!access(path, F_OK))
		return 1;
	return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
}

static bool bt_pinned(void)
{
	return bt_pin_state() == 1;
}

/*
 * For the verbs that take no arguments: help if asked for, a usage error
 * naming the first argument if one is given, -1 to go on.
 */
static int bt_no_args(const struct ctx *ctx, const char *verb, int argc,
		      char **argv)
{
	if (want_help(ctx, argc, argv)) {
		bt_help();
		return EXIT_SUCCESS;
	}
	if (argc)
		return usage_err("'bt %s' takes no arguments, got '%s' (see 'stratosctl bt help')",
				 verb, argv[0]);
	return -1;
}

static int bt_apply(struct ctx *ctx, int argc, char **argv, bool enable);
static int bt_stats_attach(struct ctx *ctx, int fd, int yfd);

/*
 * Give the module the pinned statistics map, for 'bt stats' and agents, and
 * the map of scx_bt's requests for pinned offline tasks.
 */
static void bt_stats_hand_over(struct ctx *ctx)
{
	int fd = pinned_fd("bt_stats"), yfd = pinned_fd("bt_yield");

	if (fd < 0)
		goto out;
	/* scx_bt runs either way; these need the module. */
	if (!stratos_loaded() || bt_stats_attach(ctx, fd, yfd))
		pr_warn("scx_bt's statistics are not available over netlink, and offline tasks pinned to one CPU keep online work off it");
out:
	if (fd >= 0)
		close(fd);
	if (yfd >= 0)
		close(yfd);
}

/* Registry weights may have changed since scx_bt loaded: load them again. */
static int bt_resync_weights(struct ctx *ctx)
{
	int ret, fd = pinned_fd("bt_cgw");

	if (fd < 0)
		return EXIT_SUCCESS;
	ret = sync_weights(ctx, fd);
	close(fd);
	if (ret == -ENOENT) {
		pr_warn("offline cgroup weights not reloaded: the stratos module is not loaded");
		return EXIT_SUCCESS;
	}
	return ret;
}

/* Put back the ext_server runtime that a pinned scx_bt replaced, if any. */
static void bt_restore_ext_server(void)
{
	struct bt_conf conf;

	if (!conf_read(&conf) && conf.ext_server_ns && conf.ext_server_prev_ns)
		ext_server_set(conf.ext_server_prev_ns);
}

/*
 * Offline weights in the registry changed ('cgroup set', 'cgroup del'):
 * a running scx_bt takes them at once. Best effort: on failure it keeps
 * the old ones until the next 'bt set', and the user is told.
 */
void bt_registry_changed(struct ctx *ctx)
{
	if (bt_pinned() && bt_resync_weights(ctx))
		pr_warn("scx_bt keeps its old offline weights until 'stratosctl bt set' (it needs root)");
}

static int bt_enable(struct ctx *ctx, int argc, char **argv)
{
	struct bt_conf conf = bt_conf_default;
	char buf[32];
	int ret;

	if (want_help(ctx, argc, argv)) {
		bt_help();
		return EXIT_SUCCESS;
	}
	ret = parse_keys(argc, argv, &conf, true, "bt enable");
	if (ret)
		return ret;
	ret = bt_load_allowed("bt enable",
			      "offline cgroups use the cpu.idle fallback",
			      buf, sizeof(buf));
	if (ret)
		return ret;
	if (bt_pinned()) {
		if (bt_is_root_ops() && !strcmp(buf, "enabled")) {
			/* A module loaded since has no map yet. */
			bt_stats_hand_over(ctx);
			/* Settings given with it must not be dropped silently. */
			if (!argc) {
				pr_info("scx_bt is already enabled");
				return bt_resync_weights(ctx);
			}
			pr_info("scx_bt is already enabled; applying the settings given");
			return bt_apply(ctx, argc, argv, true);
		}
		/*
		 * Ejected or gone: clear the old pins and load afresh. The
		 * runtime the old one found goes back first, so that the new
		 * one records it, not its own, for 'bt disable'.
		 */
		bt_restore_ext_server();
		detach_pinned_link("link", false);
		unpin_all();
		scx_wait_state("disabled", 100);
	}
	conf.enabled_at = (uint64_t)time(NULL);
	if (conf.ext_server_ns && !ext_server_get(&conf.ext_server_prev_ns) &&
	    ext_server_set(conf.ext_server_ns))
		pr_warn("cannot set the ext_server runtime (is debugfs mounted?)");
	ret = bt_load(&conf);
	if (ret) {
		/* Nothing is pinned: the runtime goes back here or never. */
		if (conf.ext_server_ns && conf.ext_server_prev_ns)
			ext_server_set(conf.ext_server_prev_ns);
		return ret;
	}
	if (!scx_wait_state("enabled", 300) || !bt_is_root_ops()) {
		pr_err("scx_bt attached but sched_ext did not enable it; see 'stratosctl bt status' and dmesg");
		return EXIT_FAILURE;
	}
	/* Without the module, cgroups share equally: not fatal. */
	if (bt_resync_weights(ctx))
		pr_warn("offline cgroup weights not loaded");
	bt_stats_hand_over(ctx);
	return EXIT_SUCCESS;
}

static int bt_disable(struct ctx *ctx, int argc, char **argv)
{
	int ret = bt_no_args(ctx, "disable", argc, argv);

	if (ret >= 0)
		return ret;
	if (geteuid())
		return pr_err("bt disable needs root (CAP_BPF, CAP_SYS_ADMIN)"),
		       EXIT_PERM;
	ret = bt_pin_state();
	if (ret < 0) {
		pr_err("bt disable: cannot read %s: %s", BT_PIN_DIR,
		       strerror(-ret));
		return EXIT_FAILURE;
	}
	if (!ret) {
		pr_info("scx_bt is not enabled");
		return EXIT_SUCCESS;
	}
	bt_restore_ext_server();
	detach_pinned_link("link", true);
	unpin_all();
	/* Without the module there is no reference to drop. */
	if (stratos_loaded())
		bt_stats_attach(ctx, -1, -1);
	if (bt_is_root_ops() && !scx_wait_state("disabled", 100)) {
		pr_err("scx_bt did not unload");
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

/* enum scx_exit_kind of the 7.x kernels. */
static const char *exit_kind_name(int64_t kind, char *buf, size_t size)
{
	switch (kind) {
	case 1: return "done";
	case 64: return "unregistered";
	case 65: return "unregistered-bpf";
	case 66: return "unregistered-kernel";
	case 67: return "sysrq";
	case 68: case 69: return "parent";
	case 1024: case 1025: return "error";
	case 1026: return "stall";
	}
	snprintf(buf, size, "%s-%lld", kind >= 1024 ? "error" : "exit",
		 (long long)kind);
	return buf;
}

/* A CLOCK_MONOTONIC time (BPF's ktime) as UTC, in @buf. */
static const char *mono_to_utc(uint64_t mono_ns, char *buf, size_t size)
{
	struct timespec mono, real;
	int64_t ago_ns;
	time_t t;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	ago_ns = (int64_t)mono.tv_sec * 1000000000 + mono.tv_nsec -
		 (int64_t)mono_ns;
	t = real.tv_sec - (time_t)(ago_ns / 1000000000);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	return buf;
}

static int bt_status(struct ctx *ctx, int argc, char **argv)
{
	struct bt_exit_info ex = { 0 };
	struct bt_conf conf;
	char state[32], since[64], kbuf[32];
	bool have_scx, pinned, running, have_conf, unknown;
	int fd, zero = 0, ret;
	__u64 ext_ns = 0;

	ret = bt_no_args(ctx, "status", argc, argv);
	if (ret >= 0)
		return ret;
	have_scx = scx_state(state, sizeof(state)) != NULL;
	ret = bt_pin_state();
	pinned = ret == 1;
	/*
	 * Only root sees the pins, and with them the settings; to others
	 * sched_ext's own state tells whether scx_bt runs.
	 */
	unknown = ret < 0;
	running = have_scx && (pinned || unknown) &&
		  !strcmp(state, "enabled") && bt_is_root_ops();
	have_conf = pinned && !conf_read(&conf);
	fd = pinned ? pinned_fd("bt_exit_rec") : -1;
	if (fd >= 0) {
		bpf_map_lookup_elem(fd, &zero, &ex);
		close(fd);
	}

	out_open_object(NULL);
	out_str(OUT_ANY, "scheduler", "scx_bt",
		running ? "running" : pinned ? "stopped" :
		unknown ? "not running" : "disabled");
	out_str(OUT_ANY, "offline_class", "offline",
		running ? "sched_ext" : "cpu.idle fallback");
	out_str(OUT_ANY, "sched_ext_state", "sched_ext",
		have_scx ? state : "absent");
	if (have_conf) {
		time_t t = (time_t)conf.enabled_at;

		strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ",
			 gmtime(&t));
		out_str(OUT_ANY, "enabled_at", "since", since);
		out_u64(OUT_ANY, "slice_us", "slice", conf.slice_ns / 1000);
		out_u64(OUT_ANY, "vacate_us", "vacate", conf.vacate_ns / 1000);
		out_u64(OUT_ANY, "starve_us", "starve", conf.starve_ns / 1000);
		out_u64(OUT_ANY, "guard_us", "guard",
			conf.guard_slice_ns / 1000);
		out_str(OUT_ANY, "smt_expel", "smt-expel",
			conf.smt_expel ? "on" : "off");
		out_u64(OUT_ANY, "smt_hold_us", "smt-hold",
			conf.smt_hold_ns / 1000);
		out_u64(OUT_ANY, "budget_pct", "budget", conf.budget_pct);
		out_u64(OUT_ANY, "watchdog_us", "watchdog",
			(conf.watchdog_ns ?: BT_WATCHDOG_MAX_US * 1000) / 1000);
	}
	if (!ext_server_get(&ext_ns))
		out_u64(OUT_ANY, "ext_server_us", "ext-server", ext_ns / 1000);
	if (ex.kind) {
		out_str(OUT_ANY, "stopped_at", "stopped",
			mono_to_utc(ex.at_ns, since, sizeof(since)));
		ex.reason[sizeof(ex.reason) - 1] = '\0';
		ex.msg[sizeof(ex.msg) - 1] = '\0';
		out_str(OUT_ANY, "exit_kind", "exit",
			exit_kind_name(ex.kind, kbuf, sizeof(kbuf)));
		out_str(OUT_ANY, "exit_reason", "reason", ex.reason);
		if (ex.msg[0])
			out_str(OUT_ANY, "exit_msg", "msg", ex.msg);
	}
	out_close_object();
	out_nl();
	return EXIT_SUCCESS;
}

/*
 * Apply keys to the running scx_bt: 'bt set', and 'bt enable' of a running
 * one. The latter may repeat the keys chosen at load (ext-server,
 * watchdog) with the values it was loaded with; others need a reload.
 */
static int bt_apply(struct ctx *ctx, int argc, char **argv, bool enable)
{
	struct bt_conf conf, was;
	int ret, fd;

	/* Both callers checked for root: the pins are root's alone. */
	ret = conf_read(&conf);
	if (ret == -ENOENT) {
		pr_err("scx_bt is not enabled (stratosctl bt enable)");
		return EXIT_FAILURE;
	}
	if (ret) {
		pr_err("cannot read scx_bt's settings: %s", strerror(-ret));
		return EXIT_FAILURE;
	}
	was = conf;
	ret = parse_keys(argc, argv, &conf, enable,
			 enable ? "bt enable" : "bt set");
	if (ret)
		return ret;
	if (conf.ext_server_ns != was.ext_server_ns ||
	    conf.watchdog_ns != was.watchdog_ns)
		return usage_err("ext-server and watchdog are chosen when scx_bt loads ('bt disable', then 'bt enable ...')");
	fd = pinned_fd("bt_conf");
	if (fd < 0 || conf_write_fd(fd, &conf)) {
		pr_err("cannot update scx_bt's settings: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return EXIT_FAILURE;
	}
	close(fd);
	/* Weights may have changed in the registry too. */
	return bt_resync_weights(ctx);
}

static int bt_set(struct ctx *ctx, int argc, char **argv)
{
	if (want_help(ctx, argc, argv)) {
		bt_help();
		return EXIT_SUCCESS;
	}
	if (!argc)
		return usage_err("'bt set' needs KEY VALUE pairs, e.g. 'bt set budget 50' (see 'stratosctl bt help')");
	if (geteuid())
		return pr_err("bt set needs root (CAP_BPF, CAP_SYS_ADMIN)"),
		       EXIT_PERM;
	return bt_apply(ctx, argc, argv, false);
}

/* ---- stats: from the module, which holds scx_bt's map ---- */

static struct nla_policy bt_stats_policy[STRATOS_A_BT_MAX + 1] = {
	[STRATOS_A_BT_CGROUP_ID] = { .type = NLA_U64 },
	[STRATOS_A_BT_CGROUP_PATH] = { .type = NLA_STRING,
				       .maxlen = STRATOS_PATH_MAX },
	[STRATOS_A_BT_RUNTIME_NS] = { .type = NLA_U64 },
	[STRATOS_A_BT_PREEMPTED] = { .type = NLA_U64 },
	[STRATOS_A_BT_EXPELLED] = { .type = NLA_U64 },
	[STRATOS_A_BT_VACATED] = { .type = NLA_U64 },
	[STRATOS_A_BT_MAX_WAIT_NS] = { .type = NLA_U64 },
	[STRATOS_A_BT_RESCUED] = { .type = NLA_U64 },
};

static const struct {
	int attr;
	const char *key;
} bt_counters[] = {
	{ STRATOS_A_BT_RUNTIME_NS, "runtime_ns" },
	{ STRATOS_A_BT_PREEMPTED, "preempted" },
	{ STRATOS_A_BT_EXPELLED, "expelled" },
	{ STRATOS_A_BT_VACATED, "vacated" },
	{ STRATOS_A_BT_MAX_WAIT_NS, "max_wait_ns" },
	{ STRATOS_A_BT_RESCUED, "rescued" },
};

static const char *const bt_attr_name[] = {
	[STRATOS_A_BT_MAP_FD] = "map-fd",
	[STRATOS_A_BT_CGROUP_ID] = "cgroup-id",
	[STRATOS_A_BT_YIELD_FD] = "yield-fd",
};

static const struct snl_attr_names bt_attr_names = SNL_ATTR_NAMES(bt_attr_name);

static int bt_stats_print(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[STRATOS_A_BT_MAX + 1];
	size_t i;

	(void)arg;
	if (snl_parse(msg, tb, STRATOS_A_BT_MAX, bt_stats_policy) ||
	    !tb[STRATOS_A_BT_CGROUP_ID])
		return -EBADMSG;
	cg_print_head(NULL, nla_get_u64(tb[STRATOS_A_BT_CGROUP_ID]),
		      tb[STRATOS_A_BT_CGROUP_PATH] ?
		      nla_get_string(tb[STRATOS_A_BT_CGROUP_PATH]) : NULL);
	for (i = 0; i < ARRAY_SIZE(bt_counters); i++)
		if (tb[bt_counters[i].attr])
			out_u64(OUT_ANY, bt_counters[i].key, bt_counters[i].key,
				nla_get_u64(tb[bt_counters[i].attr]));
	out_close_object();
	out_nl();
	return 0;
}

/*
 * Hand the module scx_bt's statistics map (@fd), or let go of it (-1), so
 * that agents read the statistics over netlink; with it the bt_yield map
 * (@yfd, if not -1).
 */
static int bt_stats_attach(struct ctx *ctx, int fd, int yfd)
{
	struct snl_err e;
	struct nl_msg *req;
	struct snl *nl;
	int ret;

	ret = ctx_nl(ctx, &nl);
	if (ret)
		return ret;
	req = snl_msg_new(nl, STRATOS_CMD_BT_STATS_SET, 0);
	if (!req || nla_put_s32(req, STRATOS_A_BT_MAP_FD, fd) ||
	    (yfd >= 0 && nla_put_s32(req, STRATOS_A_BT_YIELD_FD, yfd))) {
		nlmsg_free(req);
		return snl_report("cannot hand scx_bt's statistics to the module",
				  -ENOMEM, NULL, &bt_attr_names, NULL);
	}
	ret = snl_call(nl, req, NULL, NULL, &e);
	nlmsg_free(req);
	if (ret < 0)
		return snl_report("cannot hand scx_bt's statistics to the module",
				  ret, &e, &bt_attr_names, NULL);
	return EXIT_SUCCESS;
}

static int bt_stats(struct ctx *ctx, int argc, char **argv)
{
	struct snl *nl;
	int ret;

	ret = bt_no_args(ctx, "stats", argc, argv);
	if (ret >= 0)
		return ret;
	/*
	 * The module lists nothing then; say why instead. Users who cannot
	 * see the pins ask the module, which says what it has.
	 */
	if (!bt_pin_state()) {
		pr_err("scx_bt is not enabled (stratosctl bt enable)");
		return EXIT_FAILURE;
	}
	ret = ctx_nl(ctx, &nl);
	if (ret)
		return ret;
	return snl_list(nl, STRATOS_CMD_BT_STATS_GET,
			"cannot read scx_bt's statistics", &bt_attr_names,
			bt_stats_print, NULL);
}

/*
 * Print the dump in @text (changed on the way) a line at a time, escaped:
 * it holds the names of tasks, which their owners choose, escape
 * sequences included.
 */
static int bt_print_dump(char *text)
{
	char *line, *next, *buf;

	/* An escaped byte takes four characters at most (\xNN). */
	buf = malloc(4 * strlen(text) + 1);
	if (!buf) {
		pr_err("out of memory");
		return EXIT_FAILURE;
	}
	for (line = text; *line; line = next) {
		next = strchrnul(line, '\n');
		if (*next)
			*next++ = '\0';
		text_escape(buf, 4 * strlen(line) + 1, line);
		puts(buf);
	}
	free(buf);
	return EXIT_SUCCESS;
}

/*
 * The kernel's dump of its scheduler state when it ejected scx_bt on an
 * error, kept by scx_bt's ops.exit until 'bt disable'. Empty after a
 * clean stop or none.
 */
static int bt_dump(struct ctx *ctx, int argc, char **argv)
{
	struct bt_exit_dump *dump;
	int fd, zero = 0, ret;

	ret = bt_no_args(ctx, "dump", argc, argv);
	if (ret >= 0)
		return ret;
	fd = pinned_fd("bt_exit_dump");
	if (fd < 0) {
		pr_err("scx_bt is not enabled (stratosctl bt enable)");
		return EXIT_FAILURE;
	}
	dump = calloc(1, sizeof(*dump));
	if (!dump) {
		close(fd);
		pr_err("out of memory");
		return EXIT_FAILURE;
	}
	ret = bpf_map_lookup_elem(fd, &zero, dump) ? -errno : 0;
	close(fd);
	if (ret) {
		free(dump);
		pr_err("cannot read scx_bt's exit dump: %s", strerror(-ret));
		return EXIT_FAILURE;
	}
	dump->text[sizeof(dump->text) - 1] = '\0';
	if (out_is_json()) {
		out_open_object(NULL);
		out_str(OUT_JSON, "dump", NULL, dump->text);
		out_close_object();
		out_nl();
	} else if (dump->text[0]) {
		ret = bt_print_dump(dump->text);
	} else {
		printf("no dump: scx_bt has not been ejected on an error since it was enabled\n");
	}
	free(dump);
	return ret;
}

/* What verifying one program cost: the verifier's statistics (log level 4). */
struct bt_prog_cost {
	const char *name;
	unsigned long long insns, verify_us, peak_states;
};

#define BT_STATS_LOG_LEVEL	4
/* Room for the statistics of a program and its subprograms. */
#define BT_STATS_LOG_SIZE	16384

/* Read what @log, a program's statistics log, says (0 where it is silent). */
static void bt_parse_cost(const char *log, struct bt_prog_cost *c)
{
	const char *l;

	l = strstr(log, "processed ");
	if (!l || sscanf(l, "processed %llu insns", &c->insns) != 1)
		c->insns = 0;
	l = strstr(log, "peak_states ");
	if (!l || sscanf(l, "peak_states %llu", &c->peak_states) != 1)
		c->peak_states = 0;
	l = strstr(log, "verification time ");
	if (!l || sscanf(l, "verification time %llu usec", &c->verify_us) != 1)
		c->verify_us = 0;
}

/*
 * The load with the statistics log failed. That log gives no reason, so
 * load once more the way 'bt enable' does, which prints the verifier's.
 */
static int bt_verify_failed(int err)
{
	struct bpf_object *obj;
	char path[PATH_MAX];
	bool smt;
	int ret;

	obj = bt_open(&bt_conf_default, &smt, path, sizeof(path));
	if (!obj)
		return EXIT_FAILURE;
	ret = bpf_object__load(obj);
	bpf_object__close(obj);
	if (!ret)
		pr_err("cannot read the verifier's statistics: %s (scx_bt itself loads)",
		       strerror(-err));
	else
		pr_err("the kernel rejected scx_bt: %s (the verifier log is above)",
		       strerror(-ret));
	return EXIT_FAILURE;
}

static void bt_print_costs(const char *path, const struct bt_prog_cost *c,
			   size_t n, unsigned long long load_us)
{
	unsigned long long total = 0;
	size_t i;

	for (i = 0; i < n; i++)
		total += c[i].insns;
	out_open_object(NULL);
	out_str(OUT_ANY, "object", "object", path);
	out_u64(OUT_ANY, "insns", "insns", total);
	out_u64(OUT_ANY, "load_us", "load-us", load_us);
	out_nl();
	out_open_array("programs", NULL);
	for (i = 0; i < n; i++) {
		out_open_object(NULL);
		out_str(OUT_ANY, "program", "program", c[i].name);
		out_u64(OUT_ANY, "insns", "insns", c[i].insns);
		out_u64(OUT_ANY, "peak_states", "peak-states",
			c[i].peak_states);
		out_u64(OUT_ANY, "verify_us", "verify-us", c[i].verify_us);
		out_close_object();
		out_nl();
	}
	out_close_array();
	out_close_object();
}

/*
 * Load scx_bt as 'bt enable' would, with the verifier's statistics, and
 * attach nothing: the programs and maps go when the object closes. A
 * running scx_bt is not touched.
 */
static int bt_verify_load(void)
{
	struct bt_prog_cost *cost = NULL;
	struct timespec t0, t1;
	int64_t load_us;
	struct bpf_program *prog;
	struct bpf_object *obj;
	char path[PATH_MAX], *logs = NULL;
	int err = 0, ret = EXIT_FAILURE;
	size_t n = 0, i = 0;
	bool smt;

	obj = bt_open(&bt_conf_default, &smt, path, sizeof(path));
	if (!obj)
		return EXIT_FAILURE;
	bpf_object__for_each_program(prog, obj)
		n += bpf_program__autoload(prog);
	logs = calloc(n, BT_STATS_LOG_SIZE);
	cost = calloc(n, sizeof(*cost));
	if (!logs || !cost) {
		pr_err("out of memory");
		goto out;
	}
	bpf_object__for_each_program(prog, obj) {
		if (!bpf_program__autoload(prog))
			continue;
		cost[i].name = bpf_program__name(prog);
		bpf_program__set_log_buf(prog, logs + i * BT_STATS_LOG_SIZE,
					 BT_STATS_LOG_SIZE);
		bpf_program__set_log_level(prog, BT_STATS_LOG_LEVEL);
		i++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = bpf_object__load(obj);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (err)
		goto out;
	for (i = 0; i < n; i++)
		bt_parse_cost(logs + i * BT_STATS_LOG_SIZE, &cost[i]);
	load_us = (int64_t)(t1.tv_sec - t0.tv_sec) * 1000000 +
		  (t1.tv_nsec - t0.tv_nsec) / 1000;
	bt_print_costs(path, cost, n, (unsigned long long)load_us);
	ret = EXIT_SUCCESS;
out:
	free(cost);
	free(logs);
	bpf_object__close(obj);
	return err ? bt_verify_failed(err) : ret;
}

static int bt_verify(struct ctx *ctx, int argc, char **argv)
{
	char buf[32];
	int ret;

	ret = bt_no_args(ctx, "verify", argc, argv);
	if (ret >= 0)
		return ret;
	ret = bt_load_allowed("bt verify", "scx_bt cannot load here", buf,
			      sizeof(buf));
	return ret ? ret : bt_verify_load();
}

int do_bt(struct ctx *ctx, int argc, char **argv)
{
	int cmd;

	if (argc < 1) {
		if (ctx->help) {
			bt_help();
			return EXIT_SUCCESS;
		}
		return bt_status(ctx, 0, argv);
	}
	cmd = kw_match(bt_cmds, argv[0]);
	switch (cmd) {
	case BT_ENABLE:
		return bt_enable(ctx, argc - 1, argv + 1);
	case BT_DISABLE:
		return bt_disable(ctx, argc - 1, argv + 1);
	case BT_STATUS:
		return bt_status(ctx, argc - 1, argv + 1);
	case BT_SET:
		return bt_set(ctx, argc - 1, argv + 1);
	case BT_STATS:
		return bt_stats(ctx, argc - 1, argv + 1);
	case BT_DUMP:
		return bt_dump(ctx, argc - 1, argv + 1);
	case BT_VERIFY:
		return bt_verify(ctx, argc - 1, argv + 1);
	case BT_HELP:
		bt_help();
		return EXIT_SUCCESS;
	}
	return kw_fail(bt_cmds, argv[0], strlen(argv[0]), cmd, "bt command");
}
