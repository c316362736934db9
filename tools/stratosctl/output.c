// SPDX-License-Identifier: GPL-2.0
/*
 * Text and JSON output, see output.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

/* Deep enough for anything stratosctl prints; deeper levels still nest. */
#define OUT_MAX_DEPTH	16

static struct {
	FILE *f;
	bool json;
	bool pretty;
	int depth;
	/* Whether the container at each depth is still empty... */
	bool empty[OUT_MAX_DEPTH];
	/* ...and the character that closes it. */
	char closer[OUT_MAX_DEPTH];
	/* Text mode: nothing printed on the current line yet. */
	bool line_start;
} out = {
	.line_start = true,
};

/*
 * A bounded string builder with snprintf() semantics: it counts every byte
 * it is given and stores what fits, so callers can size a buffer with a
 * first pass.
 */
struct sbuf {
	char *buf;
	size_t size;
	size_t len;
};

static void sb_put(struct sbuf *sb, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++, sb->len++) {
		if (sb->len + 1 < sb->size)
			sb->buf[sb->len] = s[i];
	}
}

/* \u00XX (JSON) or \xXX (text) for the byte @v. */
static void sb_hex(struct sbuf *sb, bool json, unsigned char v)
{
	char tmp[8];
	int n = snprintf(tmp, sizeof(tmp), json ? "\\u%04x" : "\\x%02x", v);

	sb_put(sb, tmp, n);
}

static size_t sb_end(struct sbuf *sb)
{
	if (sb->size)
		sb->buf[sb->len < sb->size ? sb->len : sb->size - 1] = '\0';
	return sb->len;
}

static bool utf8_cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

/*
 * Length of the well-formed UTF-8 sequence at @s (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0. @s is NUL-terminated
 * and NUL is never a continuation byte, so this never reads past the end.
 */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return utf8_cont(s[1]) ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (c == 0xe0)
			lo = 0xa0;
		if (c == 0xed)
			hi = 0x9f;
		return s[1] >= lo && s[1] <= hi && utf8_cont(s[2]) ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (c == 0xf0)
			lo = 0x90;
		if (c == 0xf4)
			hi = 0x8f;
		return s[1] >= lo && s[1] <= hi && utf8_cont(s[2]) &&
		       utf8_cont(s[3]) ? 4 : 0;
	}
	return 0;
}

/*
 * Escape @src as the inside of a JSON string (RFC 8259): quote, backslash
 * and control characters are escaped, and since JSON text must be UTF-8,
 * bytes that are not well-formed UTF-8 (cgroup names are arbitrary bytes)
 * become U+FFFD. Returns the length of the whole escaped string; @dst gets
 * as much as fits, NUL-terminated, like snprintf().
 */
size_t json_escape(char *dst, size_t size, const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	struct sbuf sb = { dst, size, 0 };

	while (*s) {
		size_t n = utf8_len(s);

		if (!n) {
			sb_put(&sb, "\\ufffd", 6);
			s++;
			continue;
		}
		switch (*s) {
		case '"':
			sb_put(&sb, "\\\"", 2);
			break;
		case '\\':
			sb_put(&sb, "\\\\", 2);
			break;
		case '\b':
			sb_put(&sb, "\\b", 2);
			break;
		case '\f':
			sb_put(&sb, "\\f", 2);
			break;
		case '\n':
			sb_put(&sb, "\\n", 2);
			break;
		case '\r':
			sb_put(&sb, "\\r", 2);
			break;
		case '\t':
			sb_put(&sb, "\\t", 2);
			break;
		default:
			if (*s < 0x20 || *s == 0x7f)
				sb_hex(&sb, true, *s);
			else
				sb_put(&sb, (const char *)s, n);
		}
		s += n;
	}
	return sb_end(&sb);
}

/*
 * Make @src safe for a terminal: control characters (C0, DEL and the C1
 * range U+0080..U+009F, which some terminals obey) and bytes that are not
 * UTF-8 are printed as \xNN, and the backslash as \\ so the result stays
 * unambiguous. A cgroup name is chosen by whoever may create cgroups, which
 * need not be whoever runs stratosctl. Returns the length like snprintf().
 */
size_t text_escape(char *dst, size_t size, const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	struct sbuf sb = { dst, size, 0 };

	while (*s) {
		size_t n = utf8_len(s), i;
		bool ctrl = n == 1 && (*s < 0x20 || *s == 0x7f);

		if (n == 2 && s[0] == 0xc2 && s[1] < 0xa0)
			ctrl = true;
		if (!n || ctrl) {
			for (i = 0; i < (n ? n : 1); i++)
				sb_hex(&sb, false, s[i]);
			s += n ? n : 1;
			continue;
		}
		if (*s == '\\')
			sb_put(&sb, "\\\\", 2);
		else
			sb_put(&sb, (const char *)s, n);
		s += n;
	}
	return sb_end(&sb);
}

/* Print @s through @escape, on the stack when it is short. */
static void put_escaped(size_t (*escape)(char *, size_t, const char *),
			const char *s)
{
	char small[256], *buf = small;
	size_t len = escape(small, sizeof(small), s);

	if (len >= sizeof(small)) {
		buf = malloc(len + 1);
		if (!buf) {
			/* Better a truncated value than none at all. */
			buf = small;
		} else {
			escape(buf, len + 1, s);
		}
	}
	fputs(buf, out.f);
	if (buf != small)
		free(buf);
}

void out_init(FILE *f, bool json, bool pretty)
{
	memset(&out, 0, sizeof(out));
	out.f = f;
	out.json = json || pretty;
	out.pretty = pretty;
	out.line_start = true;
}

bool out_is_json(void)
{
	return out.json;
}

/* Flush and report write errors (a full disk, a closed pipe) as -errno. */
int out_flush(void)
{
	if (fflush(out.f) || ferror(out.f))
		return errno ? -errno : -EIO;
	return 0;
}

static void jw_indent(void)
{
	int i;

	fputc('\n', out.f);
	for (i = 0; i < out.depth; i++)
		fputs("    ", out.f);
}

static void jw_string(const char *s)
{
	fputc('"', out.f);
	put_escaped(json_escape, s);
	fputc('"', out.f);
}

/* Everything that precedes a value: separator, indentation, key. */
static void jw_begin(const char *key)
{
	if (out.depth > 0) {
		int d = out.depth < OUT_MAX_DEPTH ? out.depth : 0;

		if (!out.empty[d])
			fputc(',', out.f);
		out.empty[d] = false;
		if (out.pretty)
			jw_indent();
		if (key) {
			jw_string(key);
			fputs(out.pretty ? ": " : ":", out.f);
		}
	}
}

/* A top-level value is a document of its own: end it with a newline. */
static void jw_end(void)
{
	if (out.depth == 0)
		fputc('\n', out.f);
}

static void jw_open(const char *key, char open, char close)
{
	jw_begin(key);
	fputc(open, out.f);
	out.depth++;
	if (out.depth < OUT_MAX_DEPTH) {
		out.empty[out.depth] = true;
		out.closer[out.depth] = close;
	}
}

static void jw_close(void)
{
	bool empty = true;
	char c = '}';

	if (out.depth == 0)
		return;
	if (out.depth < OUT_MAX_DEPTH) {
		empty = out.empty[out.depth];
		c = out.closer[out.depth];
	}
	out.depth--;
	if (out.pretty && !empty)
		jw_indent();
	fputc(c, out.f);
	jw_end();
}

void out_open_object(const char *key)
{
	if (out.json)
		jw_open(key, '{', '}');
}

void out_close_object(void)
{
	if (out.json)
		jw_close();
}

static void text_word(void)
{
	if (!out.line_start)
		fputc(' ', out.f);
	out.line_start = false;
}

void out_open_array(const char *key, const char *label)
{
	if (out.json) {
		jw_open(key, '[', ']');
	} else if (label) {
		text_word();
		fputs(label, out.f);
	}
}

void out_close_array(void)
{
	if (out.json)
		jw_close();
}

void out_str(enum out_mode mode, const char *key, const char *label,
	     const char *val)
{
	if (out.json) {
		if (!(mode & OUT_JSON))
			return;
		jw_begin(key);
		if (val)
			jw_string(val);
		else
			fputs("null", out.f);
		jw_end();
		return;
	}
	if (!(mode & OUT_TEXT) || !val)
		return;
	if (label) {
		text_word();
		fputs(label, out.f);
	}
	text_word();
	put_escaped(text_escape, val);
}

void out_u64(enum out_mode mode, const char *key, const char *label,
	     uint64_t val)
{
	if (out.json) {
		if (!(mode & OUT_JSON))
			return;
		jw_begin(key);
		fprintf(out.f, "%" PRIu64, val);
		jw_end();
		return;
	}
	if (!(mode & OUT_TEXT))
		return;
	if (label) {
		text_word();
		fputs(label, out.f);
	}
	text_word();
	fprintf(out.f, "%" PRIu64, val);
}

/* End a line of text output; JSON output manages its own newlines. */
void out_nl(void)
{
	if (out.json)
		return;
	fputc('\n', out.f);
	out.line_start = true;
}

static void __printf(3, 0) pr_msg(FILE *f, const char *prefix,
				  const char *fmt, va_list ap)
{
	/* Keep the order of stdout and stderr when both go to one place. */
	if (out.f)
		fflush(out.f);
	fprintf(f, "stratosctl: %s", prefix);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
}

void pr_err(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	if (!out.json) {
		pr_msg(stderr, "", fmt, ap);
		va_end(ap);
		return;
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	/* Keep stdout a stream of whole JSON documents. */
	while (out.depth > 0)
		jw_close();
	out_open_object(NULL);
	out_str(OUT_JSON, "error", NULL, msg);
	out_close_object();
	fflush(out.f);
}

void pr_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pr_msg(stderr, "warning: ", fmt, ap);
	va_end(ap);
}

void pr_info(const char *fmt, ...)
{
	va_list ap;

	if (out.json)
		return;
	va_start(ap, fmt);
	pr_msg(stderr, "", fmt, ap);
	va_end(ap);
}
