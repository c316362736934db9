// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of stratosctl's output layer (output.c): escaping, and the
 * text and JSON printers, captured through open_memstream().
 */
#include <stdlib.h>

#include "output.h"
#include "tap.h"

/* An escaper's input, what it must make of it, and the check's name. */
struct esc_case {
	const char *in;
	const char *want;
	const char *name;
};

static const struct esc_case json_cases[] = {
	{ "", "", "empty" },
	{ "/a/b c", "/a/b c", "plain" },
	{ "a\"b", "a\\\"b", "quote" },
	{ "a\\b", "a\\\\b", "backslash" },
	{ "\b\f\n\r\t", "\\b\\f\\n\\r\\t", "short escapes" },
	{ "\x01\x1f", "\\u0001\\u001f", "other control characters" },
	{ "\x7f", "\\u007f", "DEL" },
	{ "/caf\xc3\xa9", "/caf\xc3\xa9", "UTF-8 passes through" },
	{ "\xf0\x9f\x90\xa7", "\xf0\x9f\x90\xa7", "4-byte UTF-8" },
	{ "a\xff" "b", "a\\ufffdb", "invalid byte" },
	{ "a\xc3", "a\\ufffd", "truncated sequence at the end" },
	{ "\xc3(", "\\ufffd(", "bad continuation byte" },
	{ "\xc0\xaf", "\\ufffd\\ufffd", "overlong form" },
	{ "\xed\xa0\x80", "\\ufffd\\ufffd\\ufffd", "surrogate" },
	{ "\xf4\x90\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd",
	  "above U+10FFFF" },
	{ "/", "/", "slash is not escaped" },
};

static const struct esc_case text_cases[] = {
	{ "/a/b c", "/a/b c", "plain" },
	{ "a\nb", "a\\x0ab", "newline" },
	{ "\x1b[31mred", "\\x1b[31mred", "terminal escape" },
	{ "\x7f", "\\x7f", "DEL" },
	{ "\xc2\x9b" "2J", "\\xc2\\x9b2J", "C1 control (CSI)" },
	{ "\xc2\xa0", "\xc2\xa0", "U+00A0 is no control" },
	{ "caf\xc3\xa9", "caf\xc3\xa9", "UTF-8 passes through" },
	{ "a\xff", "a\\xff", "invalid byte" },
	{ "a\\b", "a\\\\b", "backslash doubled" },
};

/*
 * Both escapers have one contract: escape into a buffer and return the
 * whole length, like snprintf(). A wrong length adds a failed check of
 * its own, so a passing run still counts one check per case.
 */
static void check_escape(size_t (*escape)(char *, size_t, const char *),
			 const char *fn, const struct esc_case *cases,
			 size_t count)
{
	char buf[256];
	size_t i, n;

	for (i = 0; i < count; i++) {
		n = escape(buf, sizeof(buf), cases[i].in);
		ok_str(buf, cases[i].want, "%s: %s", fn, cases[i].name);
		if (n != strlen(cases[i].want))
			ok(false, "%s: %s: length %zu", fn, cases[i].name, n);
	}
}

static void test_json_escape(void)
{
	char small[4];
	size_t n;

	check_escape(json_escape, "json_escape", json_cases,
		     sizeof(json_cases) / sizeof(json_cases[0]));

	n = json_escape(small, sizeof(small), "a\"bcdef");
	ok(n == 8 && !strcmp(small, "a\\\""),
	   "json_escape: truncates, returns the full length");
	n = json_escape(NULL, 0, "\n");
	ok(n == 2, "json_escape: sizing pass with no buffer");
}

static void test_text_escape(void)
{
	check_escape(text_escape, "text_escape", text_cases,
		     sizeof(text_cases) / sizeof(text_cases[0]));
}

/* Capture what the printer writes between init and flush. */
struct capture {
	FILE *f;
	char *buf;
	size_t len;
};

static void cap_start(struct capture *c, bool json, bool pretty)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	out_init(c->f, json, pretty);
}

static void cap_check(struct capture *c, const char *want, const char *name)
{
	fclose(c->f);
	ok_str(c->buf, want, "%s", name);
	free(c->buf);
}

static void print_entry(const char *path, unsigned long long id)
{
	out_open_object(NULL);
	out_u64(OUT_JSON, "id", NULL, id);
	out_str(OUT_ANY, "path", "cgroup", path);
	out_u64(OUT_TEXT, NULL, "id", id);
	out_str(OUT_ANY, "class", "class", "offline");
	out_u64(OUT_ANY, "weight", "weight", 100);
	out_close_object();
	out_nl();
}

/*
 * The start of an info object, nested values and all: the very same calls
 * must print both the JSON and the text form.
 */
static void print_info_head(void)
{
	out_open_object(NULL);
	out_str(OUT_ANY, "module_version", "module_version", "0.1.0");
	out_nl();
	out_open_array("features", "features");
	out_str(OUT_ANY, NULL, NULL, "sched_ext");
	out_str(OUT_ANY, NULL, NULL, "smt");
	out_close_array();
}

static void test_printer(void)
{
	struct capture c;

	cap_start(&c, false, false);
	print_entry("/a/b", 1234);
	cap_check(&c, "cgroup /a/b id 1234 class offline weight 100\n",
		  "text: one entry per line");

	cap_start(&c, true, false);
	print_entry("/a/b", 1234);
	cap_check(&c,
		  "{\"id\":1234,\"path\":\"/a/b\",\"class\":\"offline\",\"weight\":100}\n",
		  "json: one compact object");

	cap_start(&c, true, false);
	out_open_array(NULL, NULL);
	print_entry("/a", 1);
	print_entry("/b\"\n", 2);
	out_close_array();
	cap_check(&c,
		  "[{\"id\":1,\"path\":\"/a\",\"class\":\"offline\",\"weight\":100},"
		  "{\"id\":2,\"path\":\"/b\\\"\\n\",\"class\":\"offline\",\"weight\":100}]\n",
		  "json: array of objects, escaped strings");

	cap_start(&c, false, false);
	print_entry("/b\n", 2);
	cap_check(&c, "cgroup /b\\x0a id 2 class offline weight 100\n",
		  "text: escaped strings");

	cap_start(&c, true, false);
	out_open_array(NULL, NULL);
	out_close_array();
	cap_check(&c, "[]\n", "json: empty array");

	cap_start(&c, false, false);
	out_open_array(NULL, NULL);
	out_close_array();
	cap_check(&c, "", "text: empty list prints nothing");

	cap_start(&c, true, true);
	print_info_head();
	out_open_array("empty", NULL);
	out_close_array();
	out_u64(OUT_ANY, "nr_cpus", "nr_cpus", 8);
	out_str(OUT_TEXT, NULL, "text_only", "x");
	out_close_object();
	cap_check(&c,
		  "{\n"
		  "    \"module_version\": \"0.1.0\",\n"
		  "    \"features\": [\n"
		  "        \"sched_ext\",\n"
		  "        \"smt\"\n"
		  "    ],\n"
		  "    \"empty\": [],\n"
		  "    \"nr_cpus\": 8\n"
		  "}\n",
		  "json: pretty, nested");

	cap_start(&c, false, false);
	print_info_head();
	out_nl();
	out_str(OUT_JSON, "json_only", NULL, "x");
	out_str(OUT_ANY, "null", "null", NULL);
	out_close_object();
	cap_check(&c, "module_version 0.1.0\nfeatures sched_ext smt\n",
		  "text: same calls, labels and words");

	cap_start(&c, true, false);
	out_open_object(NULL);
	out_str(OUT_ANY, "event", NULL, "set");
	out_close_object();
	out_open_object(NULL);
	out_str(OUT_ANY, "event", NULL, "del");
	out_str(OUT_ANY, "path", NULL, NULL);
	out_close_object();
	cap_check(&c, "{\"event\":\"set\"}\n{\"event\":\"del\",\"path\":null}\n",
		  "json: one document per line");

	cap_start(&c, false, true);
	ok(out_is_json(), "--pretty implies --json");
	cap_check(&c, "", "nothing printed");

	cap_start(&c, true, false);
	pr_err("bad \"thing\": %d", 42);
	cap_check(&c, "{\"error\":\"bad \\\"thing\\\": 42\"}\n",
		  "json: errors as an object on stdout");

	cap_start(&c, true, false);
	out_open_array(NULL, NULL);
	out_open_object(NULL);
	out_u64(OUT_ANY, "id", NULL, 1);
	pr_err("late");
	cap_check(&c, "[{\"id\":1}]\n{\"error\":\"late\"}\n",
		  "json: an error closes what is open first");
}

int main(void)
{
	tap_start();
	test_json_escape();
	test_text_escape();
	test_printer();
	return tap_end();
}
