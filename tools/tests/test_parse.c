// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of stratosctl's pure parsing helpers (parse.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "tap.h"

static void check_u64(const char *s, int want_ret, uint64_t want)
{
	uint64_t v = 0xdeadbeef;
	int ret = parse_u64(s, &v);
	bool pass = ret == want_ret && (ret || v == want);

	ok(pass, "parse_u64(\"%s\") = %s", s ? s : "NULL",
	   want_ret ? parse_strerror(want_ret) : "ok");
	if (!pass)
		diag("got %d (%s), value %" PRIu64, ret, parse_strerror(ret),
		     v);
}

static void test_u64(void)
{
	check_u64("0", 0, 0);
	check_u64("42", 0, 42);
	check_u64("010", 0, 10);	/* decimal, never octal */
	check_u64("18446744073709551615", 0, UINT64_MAX);
	check_u64("18446744073709551616", PARSE_RANGE, 0);
	check_u64("99999999999999999999999", PARSE_RANGE, 0);
	check_u64("", PARSE_EMPTY, 0);
	check_u64(NULL, PARSE_EMPTY, 0);
	check_u64("-1", PARSE_NEGATIVE, 0);
	check_u64("-0", PARSE_NEGATIVE, 0);
	check_u64("-18446744073709551615", PARSE_NEGATIVE, 0);
	check_u64("-", PARSE_NOTNUM, 0);
	check_u64("+5", PARSE_NOTNUM, 0);
	check_u64(" 5", PARSE_NOTNUM, 0);
	check_u64("abc", PARSE_NOTNUM, 0);
	check_u64("5 ", PARSE_JUNK, 0);
	check_u64("12x", PARSE_JUNK, 0);
	check_u64("0x10", PARSE_JUNK, 0);
	check_u64("1e3", PARSE_JUNK, 0);
	check_u64("1.0", PARSE_JUNK, 0);
	check_u64("99999999999999999999x", PARSE_JUNK, 0);
}

static void check_u32_range(const char *s, int want_ret, uint32_t want)
{
	uint32_t v = 0;
	int ret = parse_u32_range(s, 1, 10000, &v);
	bool pass = ret == want_ret && (ret || v == want);

	ok(pass, "parse_u32_range(\"%s\", 1, 10000) = %s", s,
	   want_ret ? parse_strerror(want_ret) : "ok");
	if (!pass)
		diag("got %d, value %u", ret, v);
}

static void check_decimal(const char *s, int want_ret, double want)
{
	double v = -1;
	int ret = parse_decimal(s, 0, 3600, &v);
	bool pass = ret == want_ret && (ret || v == want);

	ok(pass, "parse_decimal(\"%s\", 0, 3600) = %s", s,
	   want_ret ? parse_strerror(want_ret) : "ok");
	if (!pass)
		diag("got %d, value %g", ret, v);
}

static void test_decimal(void)
{
	check_decimal("0", 0, 0);
	check_decimal("2", 0, 2);
	check_decimal("0.25", 0, 0.25);
	check_decimal("3600", 0, 3600);
	check_decimal("3600.5", PARSE_RANGE, 0);
	check_decimal("", PARSE_EMPTY, 0);
	check_decimal("-1", PARSE_NEGATIVE, 0);
	check_decimal("nan", PARSE_NOTNUM, 0);
	check_decimal("inf", PARSE_NOTNUM, 0);
	check_decimal(" 1", PARSE_NOTNUM, 0);
	check_decimal("+1", PARSE_NOTNUM, 0);
	check_decimal(".5", PARSE_NOTNUM, 0);
	check_decimal("0x10", PARSE_JUNK, 0);
	check_decimal("1e3", PARSE_JUNK, 0);
	check_decimal("1.", PARSE_JUNK, 0);
	check_decimal("1.2.3", PARSE_JUNK, 0);
	check_decimal("2s", PARSE_JUNK, 0);
}

static void test_u32_range(void)
{
	check_u32_range("1", 0, 1);
	check_u32_range("100", 0, 100);
	check_u32_range("10000", 0, 10000);
	check_u32_range("0", PARSE_RANGE, 0);
	check_u32_range("10001", PARSE_RANGE, 0);
	check_u32_range("4294967297", PARSE_RANGE, 0);	/* wraps to 1 */
	check_u32_range("-100", PARSE_NEGATIVE, 0);
	check_u32_range("", PARSE_EMPTY, 0);
	check_u32_range("100abc", PARSE_JUNK, 0);
}

static void check_size(const char *s, int want_ret, uint64_t want)
{
	uint64_t v = 0;
	int ret = parse_size(s, &v);
	bool pass = ret == want_ret && (ret || v == want);

	ok(pass, "parse_size(\"%s\") = %s%s", s,
	   want_ret ? parse_strerror(want_ret) : "ok", "");
	if (!pass)
		diag("got %d (%s), value %" PRIu64 ", want %" PRIu64, ret,
		     parse_strerror(ret), v, want);
}

static void test_size(void)
{
	check_size("4096", 0, 4096);
	check_size("0", 0, 0);
	check_size("4096B", 0, 4096);
	check_size("1K", 0, 1024);
	check_size("1k", 0, 1024);
	check_size("512M", 0, 512ULL << 20);
	check_size("2G", 0, 2ULL << 30);
	check_size("2GB", 0, 2ULL << 30);
	check_size("2GiB", 0, 2ULL << 30);
	check_size("3T", 0, 3ULL << 40);
	check_size("1.5G", 0, 3ULL << 29);
	check_size("0.5K", 0, 512);
	check_size("1.1K", 0, 1126);		/* 1126.4, rounded down */
	check_size("1.000001T", 0, (1ULL << 40) + 1099511);
	check_size("16777215T", 0, UINT64_MAX - (1ULL << 40) + 1);
	check_size("16777216T", PARSE_RANGE, 0);
	check_size("18446744073709551615", 0, UINT64_MAX);
	check_size("18446744073709551616", PARSE_RANGE, 0);
	check_size("17179869183.999999G", 0,
		   (17179869183ULL << 30) + (999999ULL << 30) / 1000000);
	check_size("", PARSE_EMPTY, 0);
	check_size("-1K", PARSE_NEGATIVE, 0);
	check_size("-1", PARSE_NEGATIVE, 0);
	check_size("K", PARSE_NOTNUM, 0);
	check_size(".5G", PARSE_NOTNUM, 0);
	check_size(" 1K", PARSE_NOTNUM, 0);
	check_size("1.K", PARSE_JUNK, 0);
	check_size("1..5K", PARSE_JUNK, 0);
	check_size("1K ", PARSE_JUNK, 0);
	check_size("1 K", PARSE_JUNK, 0);
	check_size("2Gb", PARSE_JUNK, 0);
	check_size("2GX", PARSE_JUNK, 0);
	check_size("1BB", PARSE_JUNK, 0);
	check_size("12Q", PARSE_UNIT, 0);
	check_size("1P", PARSE_UNIT, 0);
	check_size("1.5", PARSE_FRACTION, 0);
	check_size("1.5B", PARSE_FRACTION, 0);
	check_size("1.1234567G", PARSE_PRECISION, 0);
}

static const struct keyword cmds[] = {
	{ "set", 0 },
	{ "show", 1 },
	{ "list", 2 },
	{ "ls", 2 },
	{ "del", 3 },
	{ "delete", 3 },
	{ "help", 4 },
	{ NULL, 0 },
};

static const struct keyword exact_kw[] = {
	{ "on", 1 },
	{ "online", 2 },
	{ NULL, 0 },
};

static void check_kw(const struct keyword *kw, const char *word, int want)
{
	int got = kw_match(kw, word);

	ok(got == want, "kw_match(\"%s\") = %d", word, want);
	if (got != want)
		diag("got %d", got);
}

static void test_keywords(void)
{
	char buf[64];
	size_t n;

	check_kw(cmds, "set", 0);
	check_kw(cmds, "se", 0);
	check_kw(cmds, "sh", 1);
	check_kw(cmds, "s", KW_AMBIGUOUS);
	check_kw(cmds, "l", 2);
	check_kw(cmds, "ls", 2);
	check_kw(cmds, "li", 2);
	check_kw(cmds, "d", 3);		/* del and delete: aliases */
	check_kw(cmds, "dele", 3);
	check_kw(cmds, "h", 4);
	check_kw(cmds, "", KW_NONE);
	check_kw(cmds, "x", KW_NONE);
	check_kw(cmds, "setx", KW_NONE);
	check_kw(cmds, "SHOW", KW_NONE);
	check_kw(exact_kw, "on", 1);	/* exact beats longer names */
	check_kw(exact_kw, "onl", 2);
	check_kw(exact_kw, "o", KW_AMBIGUOUS);

	ok(kw_match_n(cmds, "show=1", 4) == 1, "kw_match_n stops at len");

	kw_candidates(cmds, "s", 1, buf, sizeof(buf));
	ok_str(buf, "set, show", "kw_candidates of an ambiguous prefix");
	kw_candidates(cmds, "", 0, buf, sizeof(buf));
	ok_str(buf, "set, show, list, del, help",
	       "kw_candidates lists each id once");
	kw_candidates(cmds, "de", 2, buf, sizeof(buf));
	ok_str(buf, "del", "kw_candidates folds aliases");
	n = kw_candidates(cmds, "", 0, buf, 8);
	ok(n == strlen("set, show, list, del, help") && strlen(buf) < 8,
	   "kw_candidates truncates and returns the full length");
	n = kw_candidates(cmds, "zzz", 3, buf, sizeof(buf));
	ok(n == 0 && !buf[0], "kw_candidates with no match is empty");
}

static const struct keyword kv_kw[] = {
	{ "class", 0 },
	{ "weight", 1 },
	{ NULL, 0 },
};

static void test_kv(void)
{
	char *args1[] = { "class", "online", "weight=200", "c=off" };
	char *args2[] = { "weight" };
	char *args3[] = { "weight=" };
	char *args4[] = { "bogus=1" };
	char *args5[] = { "=5" };
	char *args6[] = { "class=a=b" };
	char **argv = args1;
	int argc = 4, ret;
	struct kv kv;

	ret = kv_next(&argc, &argv, kv_kw, &kv);
	ok(ret == KV_OK && kv.id == 0 && !strcmp(kv.value, "online") &&
	   argc == 2, "kv_next: 'key value' form");
	ret = kv_next(&argc, &argv, kv_kw, &kv);
	ok(ret == KV_OK && kv.id == 1 && !strcmp(kv.value, "200") &&
	   argc == 1, "kv_next: 'key=value' form");
	ret = kv_next(&argc, &argv, kv_kw, &kv);
	ok(ret == KV_OK && kv.id == 0 && !strcmp(kv.value, "off") &&
	   argc == 0, "kv_next: abbreviated key=value");
	ret = kv_next(&argc, &argv, kv_kw, &kv);
	ok(ret == KV_END, "kv_next: end of arguments");

	argv = args2;
	argc = 1;
	ret = kv_next(&argc, &argv, kv_kw, &kv);
	ok(ret == KV_NOVALUE && kv.keylen == 6 && argc == 0,
	   "kv_next: trailing key without value");

	argv = args3;
	argc = 1;
	ret = kv_next(&argc, &argv, kv_kw, &kv);
	ok(ret == KV_NOVALUE && !kv.value, "kv_next: 'key=' is no value");

	argv = args4;
	argc = 1;
	ret = kv_next(&argc, &argv, kv_kw, &kv);
	ok(ret == KV_UNKNOWN && kv.keylen == 5 && !strncmp(kv.key, "bogus", 5),
	   "kv_next: unknown key, name without the value");

	argv = args5;
	argc = 1;
	ret = kv_next(&argc, &argv, kv_kw, &kv);
	ok(ret == KV_UNKNOWN && kv.keylen == 0, "kv_next: empty key");

	argv = args6;
	argc = 1;
	ret = kv_next(&argc, &argv, kv_kw, &kv);
	ok(ret == KV_OK && !strcmp(kv.value, "a=b"),
	   "kv_next: value keeps later '='");
}

static void check_join(const char *root, const char *path, size_t size,
		       int want_ret, const char *want)
{
	char buf[64] = "";
	int ret;

	ret = cgpath_join(buf, size, root, path);
	if (want_ret) {
		ok(ret == want_ret, "cgpath_join(\"%s\", \"%s\", %zu) fails",
		   root, path, size);
		return;
	}
	ok(!ret && !strcmp(buf, want), "cgpath_join(\"%s\", \"%s\") = %s",
	   root, path, want);
	if (ret || strcmp(buf, want))
		diag("got %d '%s'", ret, buf);
}

static void test_join(void)
{
	check_join("/sys/fs/cgroup", "a/b", 64, 0, "/sys/fs/cgroup/a/b");
	check_join("/sys/fs/cgroup", "/a/b", 64, 0, "/sys/fs/cgroup/a/b");
	check_join("/sys/fs/cgroup/", "//a//b//", 64, 0, "/sys/fs/cgroup/a/b");
	check_join("/sys/fs/cgroup", "/", 64, 0, "/sys/fs/cgroup");
	check_join("/sys/fs/cgroup", "", 64, 0, "/sys/fs/cgroup");
	check_join("/", "a", 64, 0, "/a");
	check_join("/", "/", 64, 0, "/");
	check_join("//", "", 64, 0, "/");
	check_join("/r", "a b/c.d", 64, 0, "/r/a b/c.d");
	check_join("/r", "../x", 64, 0, "/r/../x");
	check_join("/r", "a", 5, 0, "/r/a");		/* exactly fits */
	check_join("/r", "ab", 5, -ENAMETOOLONG, NULL);
	check_join("/root", "", 5, -ENAMETOOLONG, NULL);
	check_join("/", "", 1, -ENAMETOOLONG, NULL);
	check_join("", "a", 64, -EINVAL, NULL);
	check_join("rel", "a", 64, -EINVAL, NULL);
}

static void check_mountinfo(const char *name, const char *line, int want_ret,
			    const char *want)
{
	char mnt[64] = "";
	int ret = mountinfo_cgroup2(line, mnt, sizeof(mnt));
	bool pass = ret == want_ret && (ret != 1 || !strcmp(mnt, want));

	ok(pass, "mountinfo_cgroup2: %s", name);
	if (!pass)
		diag("got %d '%s'", ret, mnt);
}

static void test_mountinfo(void)
{
	check_mountinfo("systemd's /sys/fs/cgroup",
			"35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n",
			1, "/sys/fs/cgroup");
	check_mountinfo("hybrid layout's unified",
			"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
			1, "/sys/fs/cgroup/unified");
	check_mountinfo("escaped mount point, several optional fields",
			"41 31 0:38 / /mnt/my\\040cg\\134x rw shared:1 master:2 - cgroup2 none rw\n",
			1, "/mnt/my cg\\x");
	check_mountinfo("cgroup v1 is not cgroup2",
			"33 24 0:28 / /sys/fs/cgroup/cpu rw,relatime shared:12 - cgroup cgroup rw,cpu\n",
			0, NULL);
	check_mountinfo("ext4 root",
			"22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n",
			0, NULL);
	check_mountinfo("fstype must match whole",
			"22 1 8:1 / /cgroup2 rw - cgroup2fs x rw\n", 0, NULL);
	check_mountinfo("no separator",
			"22 1 8:1 / /x rw shared:1\n", 0, NULL);
	check_mountinfo("empty line",
			"", 0, NULL);
	check_mountinfo("mount point too long",
			"41 31 0:38 / /a/very/long/mount/point/that/does/not/fit/in/sixty/four/bytes/at/all rw - cgroup2 cgroup2 rw",
			-ENAMETOOLONG, NULL);
}

/* @want: the words joined by '|', or NULL for an error. */
static void check_words(const char *line, int max, const char *want)
{
	char buf[256], *words[8], got[256] = "", shown[256], *c;
	const char *why = NULL;
	int n, i;
	bool pass;

	/* The TAP line shows control characters as '~'. */
	snprintf(shown, sizeof(shown), "%s", line);
	for (c = shown; *c; c++)
		if (*c == '\n' || *c == '\r' || *c == '\t')
			*c = '~';
	snprintf(buf, sizeof(buf), "%s", line);
	n = split_words(buf, words, max, &why);
	for (i = 0; i < n; i++) {
		strcat(got, i ? "|" : "");
		strcat(got, words[i]);
	}
	pass = want ? n >= 0 && !strcmp(got, want) : n < 0 && why;
	ok(pass, "split_words(\"%s\") = %s", shown, want ? want : "error");
	if (!pass)
		diag("got %d words '%s' (%s)", n, got, why ? why : "-");
}

static void test_words(void)
{
	check_words("", 8, "");
	check_words("   \t\n", 8, "");
	check_words("# only a comment", 8, "");
	check_words("cgroup set /a class offline\n", 8,
		    "cgroup|set|/a|class|offline");
	check_words("  info  # trailing comment", 8, "info");
	check_words("set \"/my cg\" x", 8, "set|/my cg|x");
	check_words("set '/my cg'", 8, "set|/my cg");
	check_words("a\"b c\"d e", 8, "ab cd|e");
	check_words("say 'it\"s'", 8, "say|it\"s");
	check_words("a#b c", 8, "a#b|c");
	check_words("\"#not a comment\"", 8, "#not a comment");
	check_words("''", 8, "");
	check_words("set \"/open", 8, NULL);
	check_words("a b c", 2, NULL);
	check_words("a b", 2, "a|b");
	check_words("a\r\n", 8, "a");
}

int main(void)
{
	tap_start();
	test_u64();
	test_u32_range();
	test_decimal();
	test_size();
	test_keywords();
	test_kv();
	test_join();
	test_mountinfo();
	test_words();
	return tap_end();
}
