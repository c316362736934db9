// SPDX-License-Identifier: GPL-2.0
/*
 * From a cgroup path on the command line to a cgroup id.
 *
 * The kernel knows cgroups by id, the inode number of the cgroup v2
 * directory. A path is looked up
 *
 *  - as given, if it is absolute or starts with "./" or "../" (an explicit
 *    path relative to the current directory): /sys/fs/cgroup/a/b;
 *  - otherwise, or if the absolute path is no cgroup2 directory, below the
 *    cgroup2 mount point: "a/b" and "/a/b" both name <mount>/a/b, which is
 *    how cgroups name themselves (/proc/PID/cgroup, kubelet, systemd).
 *
 * The mount point is STRATOS_CGROUP_ROOT if set, else the first cgroup2
 * mount of /proc/self/mountinfo.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "output.h"
#include "stratosctl.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC	0x63677270
#endif

/* probe() result for something that exists but is not on cgroup2. */
#define ENOTCGROUP2	EXDEV

/* Whether absolute @path is @root or below it. */
static bool under_root(const char *path, const char *root)
{
	size_t len = strlen(root);

	while (len > 1 && root[len - 1] == '/')
		len--;
	return len > 1 && !strncmp(path, root, len) &&
	       (path[len] == '/' || !path[len]);
}

static bool cwd_relative(const char *p)
{
	return !strcmp(p, ".") || !strcmp(p, "..") ||
	       !strncmp(p, "./", 2) || !strncmp(p, "../", 3);
}

/*
 * The cgroup2 mount point, into @root. Returns 0, -ENOENT when there is
 * none, or another negative errno.
 */
static int cgroup_root(char *root, size_t size, bool *from_env)
{
	const char *env = getenv("STRATOS_CGROUP_ROOT");
	char *line = NULL;
	size_t cap = 0;
	int ret = 0;
	FILE *f;

	*from_env = env && *env;
	if (*from_env) {
		if ((size_t)snprintf(root, size, "%s", env) >= size)
			return -ENAMETOOLONG;
		return 0;
	}

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		ret = mountinfo_cgroup2(line, root, size);
		if (ret)
			break;
	}
	free(line);
	fclose(f);
	if (ret < 0)
		return ret;
	return ret ? 0 : -ENOENT;
}

/*
 * Whether @path is a cgroup v2 directory: 0 with its id in @id, or
 * -ENOTCGROUP2, -ENOTDIR or stat(2)'s error.
 */
static int probe(const char *path, uint64_t *id)
{
	struct statfs sfs;
	struct stat st;

	if (stat(path, &st) || statfs(path, &sfs))
		return -errno;
	if (sfs.f_type != CGROUP2_SUPER_MAGIC)
		return -ENOTCGROUP2;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	*id = st.st_ino;
	return 0;
}

static int path_error(const char *arg, const char *path, int err,
		      const char *root, bool from_env)
{
	switch (err) {
	case -ENOENT:
		if (strcmp(arg, path))
			pr_err("cgroup '%s' does not exist (no directory %s)",
			       arg, path);
		else
			pr_err("cgroup '%s' does not exist", arg);
		break;
	case -ENOTCGROUP2:
		if (from_env)
			pr_err("'%s' is not a cgroup v2 directory: STRATOS_CGROUP_ROOT=%s must be the cgroup2 mount (e.g. /sys/fs/cgroup)",
			       path, root);
		else
			pr_err("'%s' is not a cgroup v2 directory: it must be under the cgroup2 mount (%s)",
			       path, root ? root : "e.g. /sys/fs/cgroup");
		break;
	case -ENOTDIR:
		pr_err("'%s' is not a cgroup v2 directory: name the cgroup's directory, not a file in it",
		       path);
		break;
	default:
		pr_err("cannot access cgroup '%s': %s", path, strerror(-err));
	}
	return EXIT_FAILURE;
}

/* Resolve @arg into @ref. Returns an exit status. */
int cgroup_resolve(const char *arg, struct cgroup_ref *ref)
{
	int asis = -ENOENT, ret;
	char root[PATH_MAX];
	bool from_env;

	memset(ref, 0, sizeof(*ref));
	ref->arg = arg;
	if (!*arg)
		return usage_err("empty cgroup path");

	if (arg[0] == '/' || cwd_relative(arg)) {
		asis = probe(arg, &ref->id);
		if (!asis) {
			snprintf(ref->path, sizeof(ref->path), "%s", arg);
			return EXIT_SUCCESS;
		}
		if (arg[0] != '/')
			return path_error(arg, arg, asis, NULL, false);
	}

	ret = cgroup_root(root, sizeof(root), &from_env);
	if (ret == -ENOENT) {
		if (asis != -ENOENT)
			return path_error(arg, arg, asis, NULL, false);
		pr_err("no cgroup2 filesystem is mounted: mount one ('mount -t cgroup2 none /sys/fs/cgroup') or set STRATOS_CGROUP_ROOT");
		return EXIT_FAILURE;
	}
	if (ret) {
		pr_err("cannot find the cgroup2 mount: %s", strerror(-ret));
		return EXIT_FAILURE;
	}

	/* "<mount>/no/such" does not exist: <mount>/<mount>/no/such neither. */
	if (arg[0] == '/' && under_root(arg, root))
		return path_error(arg, arg, asis, root, from_env);

	ret = cgpath_join(ref->path, sizeof(ref->path), root, arg);
	if (ret == -EINVAL) {
		pr_err("STRATOS_CGROUP_ROOT=%s is not an absolute path", root);
		return EXIT_FAILURE;
	}
	if (ret) {
		pr_err("cgroup path '%s' is too long", arg);
		return EXIT_FAILURE;
	}

	ret = probe(ref->path, &ref->id);
	if (!ret)
		return EXIT_SUCCESS;
	/*
	 * "/tmp" is better told it is no cgroup than that <mount>/tmp does
	 * not exist.
	 */
	if (ret == -ENOENT && asis != -ENOENT)
		return path_error(arg, arg, asis, root, false);
	return path_error(arg, ref->path, ret, root, from_env);
}
