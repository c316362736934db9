// SPDX-License-Identifier: GPL-2.0
/*
 * stratosctl: command-line tool of the stratos co-location control plane.
 *
 *   stratosctl [OPTIONS] OBJECT COMMAND [ARGS]
 *
 * Objects and commands match by unique prefix ("cg sh" is "cgroup show").
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <linux/stratos.h>

#include "output.h"
#include "stratosctl.h"
#include "vcore.h"

struct opts {
	bool json;
	bool pretty;
	bool help;
	bool version;
	const char *batch;	/* -b FILE: commands from FILE, one per line */
};

static const struct keyword long_opts[] = {
	{ "json", 'j' },
	{ "pretty", 'p' },
	{ "help", 'h' },
	{ "version", 'V' },
	{ NULL, 0 },
};

/* A batch line: at most this long, and this many words. */
#define BATCH_LINE_MAX	4096
#define BATCH_WORDS_MAX	64

enum { OBJ_INFO, OBJ_CGROUP, OBJ_MONITOR, OBJ_HELP, OBJ_VCORE, OBJ_PAGECACHE,
       OBJ_BT };

static const struct keyword objects[] = {
	{ "info", OBJ_INFO },
	{ "cgroup", OBJ_CGROUP },
	{ "monitor", OBJ_MONITOR },
	{ "vcore", OBJ_VCORE },
	{ "pagecache", OBJ_PAGECACHE },
	{ "bt", OBJ_BT },
	{ "help", OBJ_HELP },
	{ NULL, 0 },
};

static void main_help(void)
{
	printf(
"Usage: stratosctl [OPTIONS] OBJECT COMMAND [ARGS]...\n"
"       stratosctl help [OBJECT]\n"
"       stratosctl [OPTIONS] -b FILE\n"
"\n"
"Objects and their commands:\n"
"  info                          module, kernel and registry information\n"
"  cgroup set PATH [class CLASS] [weight N]\n"
"                                create or change a cgroup's entry\n"
"  cgroup show [PATH]            show one entry (all without PATH)\n"
"  cgroup list                   show all entries\n"
"  cgroup del PATH               delete a cgroup's entry\n"
"  monitor [count N]             print registry changes as they happen\n"
"  vcore factors|account|unaccount|show|node|limit|calibrate|reclaimable ...\n"
"                                virtual cores: normalised CPU capacity\n"
"  pagecache set PATH SIZE [mode sync|async] [margin SIZE]\n"
"  pagecache show [PATH] | clear PATH\n"
"                                per-cgroup page-cache limits\n"
"  bt enable|disable|status|set|stats|dump|verify ...\n"
"                                the offline-class scheduler scx_bt\n"
"\n"
"Options (also accepted after the command):\n"
"  -j, --json      JSON output\n"
"  -p, --pretty    indented JSON output (implies --json)\n"
"  -h, --help      help for the command named ('stratosctl cgroup set -h')\n"
"  -V, --version   print the version and exit\n"
"  -b, --batch FILE\n"
"                  run the commands in FILE ('-': standard input), one per\n"
"                  line ('#' starts a comment), over one netlink socket;\n"
"                  stop at the first that fails, with its exit status\n"
"\n"
"Objects and commands may be shortened to a unique prefix: 'stratosctl cg sh'\n"
"is 'stratosctl cgroup show'.\n"
"\n"
"Exit status:\n"
"  0  success\n"
"  1  the operation failed (kernel error, bad cgroup path, ...)\n"
"  2  usage error\n"
"  3  the stratos module is not loaded (or not visible from this network\n"
"     namespace)\n"
"  4  permission denied: changes need CAP_NET_ADMIN, and 'bt enable', 'set',\n"
"     'disable' and 'verify' need root (run as root)\n"
"\n"
"Environment:\n"
"  STRATOS_CGROUP_ROOT   cgroup2 mount point to resolve paths under\n"
"  STRATOS_BT_OBJ        the scx_bt BPF object for 'bt enable' and 'bt verify'\n"
"\n"
"See stratosctl(8).\n");
}

int usage_err(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_err("%s", msg);
	return EXIT_USAGE;
}

/*
 * Report a word that @kw does not know (@res KW_NONE) or that matches
 * several of its entries (KW_AMBIGUOUS), listing what would be accepted.
 */
int kw_fail(const struct keyword *kw, const char *word, size_t len, int res,
	    const char *what)
{
	char cand[256];

	if (res == KW_AMBIGUOUS) {
		kw_candidates(kw, word, len, cand, sizeof(cand));
		return usage_err("ambiguous %s '%.*s' (could be: %s)", what,
				 (int)len, word, cand);
	}
	kw_candidates(kw, "", 0, cand, sizeof(cand));
	return usage_err("unknown %s '%.*s' (expected: %s)", what, (int)len,
			 word, cand);
}

int kv_fail(const struct keyword *kw, const struct kv *kv, int res,
	    const char *cmd)
{
	char what[64];

	if (res == KV_NOVALUE)
		return usage_err("missing value for '%.*s' in '%s'",
				 (int)kv->keylen, kv->key, cmd);
	snprintf(what, sizeof(what), "'%s' argument", cmd);
	return kw_fail(kw, kv->key, kv->keylen,
		       res == KV_AMBIGUOUS ? KW_AMBIGUOUS : KW_NONE, what);
}

/* -h anywhere, or "help" where a command's arguments start. */
bool want_help(const struct ctx *ctx, int argc, char **argv)
{
	return ctx->help || (argc > 0 && !strcmp(argv[0], "help"));
}

/* The stratos socket, opened on first use. Returns an exit status. */
int ctx_nl(struct ctx *ctx, struct snl **nl)
{
	int ret;

	if (!ctx->nl_open) {
		ret = snl_open(&ctx->nl);
		if (ret)
			return ret;
		ctx->nl_open = true;
	}
	*nl = &ctx->nl;
	return EXIT_SUCCESS;
}

static bool set_opt(struct opts *o, int c)
{
	switch (c) {
	case 'j':
		o->json = true;
		break;
	case 'p':
		o->pretty = true;
		break;
	case 'h':
		o->help = true;
		break;
	case 'V':
		o->version = true;
		break;
	default:
		return false;
	}
	return true;
}

static bool short_opts(struct opts *o, const char *s)
{
	struct opts tmp = *o;

	/* All or nothing: "-5" must survive for the value parser to judge. */
	for (; *s; s++) {
		if (!set_opt(&tmp, *s))
			return false;
	}
	*o = tmp;
	return true;
}

/*
 * Take the options out of @argv wherever they stand, so that
 * "stratosctl cgroup list -j" works like "stratosctl -j cgroup list", and
 * compact the rest in place. "--" ends option processing. A word that looks
 * like an option but is none is an error before the object, and is left
 * for the command to judge after it (it may be a value such as "-5").
 * "-b FILE" is taken before the object only.
 * Returns the number of words left, or -1 (unknown option) or -2 (option
 * without its value) with @bad set.
 */
static int scan_opts(int argc, char **argv, struct opts *o, const char **bad)
{
	bool positional = false, dashdash = false;
	int i, n = 0;

	for (i = 0; i < argc; i++) {
		char *a = argv[i];

		if (dashdash || a[0] != '-' || !a[1]) {
			argv[n++] = a;
			positional = true;
			/* What follows is a command line of its own. */
			if (!strcmp(a, "workload"))
				dashdash = true;
		} else if (!strcmp(a, "--")) {
			dashdash = true;
		} else if (!positional &&
			   (!strcmp(a, "-b") || !strcmp(a, "--batch"))) {
			if (i + 1 >= argc) {
				*bad = a;
				return -2;
			}
			o->batch = argv[++i];
		} else if (a[1] == '-') {
			int id = kw_match(long_opts, a + 2);

			if (id < 0) {
				*bad = a;
				return -1;
			}
			set_opt(o, id);
		} else if (!short_opts(o, a + 1)) {
			if (!positional) {
				*bad = a;
				return -1;
			}
			argv[n++] = a;
		}
	}
	return n;
}

static int do_help(struct ctx *ctx, int argc, char **argv);

static int dispatch(struct ctx *ctx, int argc, char **argv)
{
	int obj;

	if (argc < 1) {
		if (ctx->help) {
			main_help();
			return EXIT_SUCCESS;
		}
		return usage_err("missing OBJECT (see 'stratosctl help')");
	}
	obj = kw_match(objects, argv[0]);
	switch (obj) {
	case OBJ_INFO:
		return do_info(ctx, argc - 1, argv + 1);
	case OBJ_CGROUP:
		return do_cgroup(ctx, argc - 1, argv + 1);
	case OBJ_MONITOR:
		return do_monitor(ctx, argc - 1, argv + 1);
	case OBJ_HELP:
		return do_help(ctx, argc - 1, argv + 1);
	case OBJ_VCORE:
		return do_vcore(ctx, argc - 1, argv + 1);
	case OBJ_PAGECACHE:
		return do_pagecache(ctx, argc - 1, argv + 1);
	case OBJ_BT:
		return do_bt(ctx, argc - 1, argv + 1);
	}
	return kw_fail(objects, argv[0], strlen(argv[0]), obj, "object");
}

/* "stratosctl help [OBJECT ...]" is "stratosctl OBJECT ... -h". */
static int do_help(struct ctx *ctx, int argc, char **argv)
{
	if (argc < 1) {
		main_help();
		return EXIT_SUCCESS;
	}
	ctx->help = true;
	return dispatch(ctx, argc, argv);
}

static void print_version(void)
{
	if (!out_is_json()) {
		printf("stratosctl %s (stratos netlink API %d)\n",
		       STRATOSCTL_VERSION, STRATOS_GENL_VERSION);
		return;
	}
	out_open_object(NULL);
	out_str(OUT_JSON, "version", NULL, STRATOSCTL_VERSION);
	out_u64(OUT_JSON, "api_version", NULL, STRATOS_GENL_VERSION);
	out_close_object();
}

/* One batch line: its own options on top of @global, then the command. */
static int batch_line(struct ctx *ctx, const struct opts *global, char *line)
{
	char *words[BATCH_WORDS_MAX];
	struct opts o = *global;
	const char *bad = NULL, *why = NULL;
	int n, ret;

	out_init(stdout, global->json, global->pretty);
	n = split_words(line, words, BATCH_WORDS_MAX, &why);
	if (n < 0)
		return usage_err("%s (a line holds at most %d words; ' or \" quotes one with blanks)",
				 why, BATCH_WORDS_MAX);
	if (!n)
		return EXIT_SUCCESS;
	o.batch = NULL;
	n = scan_opts(n, words, &o, &bad);
	out_init(stdout, o.json, o.pretty);
	if (n == -1)
		return usage_err("unknown option '%s'", bad);
	if (n < 0 || o.batch || o.version)
		return usage_err("-b and -V have no place inside a batch");
	ctx->help = o.help;
	ret = dispatch(ctx, n, words);
	if (out_flush() && !ret)
		ret = EXIT_FAILURE;
	return ret;
}

/*
 * "stratosctl -b FILE": the commands of FILE, one per line, over one
 * netlink socket (an agent configuring many cgroups starts one process).
 * Like "ip -batch", the first line that fails ends the run, with its exit
 * status and a message naming the line.
 */
static int run_batch(struct ctx *ctx, const struct opts *global)
{
	const char *path = global->batch;
	bool from_stdin = !strcmp(path, "-");
	/* A line, its newline and the NUL. */
	char line[BATCH_LINE_MAX + 1];
	size_t len;
	int lineno = 0, ret = EXIT_SUCCESS;
	FILE *f;

	f = from_stdin ? stdin : fopen(path, "r");
	if (!f) {
		pr_err("cannot open batch file '%s': %s", path,
		       strerror(errno));
		return EXIT_FAILURE;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		len = strlen(line);
		if (len && line[len - 1] == '\n')
			len--;
		if (len > BATCH_LINE_MAX - 1) {
			pr_err("%s:%d: line longer than %d characters", path,
			       lineno, BATCH_LINE_MAX - 1);
			ret = EXIT_USAGE;
			break;
		}
		ret = batch_line(ctx, global, line);
		if (ret) {
			pr_err("%s:%d: command failed (exit status %d)", path,
			       lineno, ret);
			break;
		}
	}
	if (!ret && ferror(f)) {
		pr_err("cannot read batch file '%s': %s", path,
		       strerror(errno));
		ret = EXIT_FAILURE;
	}
	if (!from_stdin)
		fclose(f);
	return ret;
}

int main(int argc, char **argv)
{
	struct ctx ctx = { 0 };
	struct opts o = { 0 };
	const char *bad = NULL;
	int n, ret, err;

	n = scan_opts(argc - 1, argv + 1, &o, &bad);
	out_init(stdout, o.json, o.pretty);

	if (n == -1) {
		ret = usage_err("unknown option '%s' (see 'stratosctl help')",
				bad);
	} else if (n < 0) {
		ret = usage_err("option '%s' needs a FILE ('-' for standard input)",
				bad);
	} else if (o.batch && n > 0) {
		ret = usage_err("-b FILE takes no OBJECT ('%s'): the commands are in FILE",
				argv[1]);
	} else if (o.batch) {
		ctx.batch = true;
		ret = run_batch(&ctx, &o);
	} else if (o.version) {
		print_version();
		ret = EXIT_SUCCESS;
	} else {
		ctx.help = o.help;
		ret = dispatch(&ctx, n, argv + 1);
	}

	if (ctx.nl_open)
		snl_close(&ctx.nl);
	err = out_flush();
	if (err) {
		/* stdout is what failed: this goes to stderr in any mode. */
		fprintf(stderr, "stratosctl: cannot write output: %s\n",
			strerror(-err));
		if (!ret)
			ret = EXIT_FAILURE;
	}
	return ret;
}
