// SPDX-License-Identifier: GPL-2.0
/*
 * Pure argument parsing helpers, see parse.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

const char *parse_strerror(int result)
{
	switch (result) {
	case PARSE_OK:
		return "success";
	case PARSE_EMPTY:
		return "empty value";
	case PARSE_NOTNUM:
		return "not a number";
	case PARSE_JUNK:
		return "trailing characters after the number";
	case PARSE_NEGATIVE:
		return "negative values are not allowed";
	case PARSE_RANGE:
		return "out of range";
	case PARSE_UNIT:
		return "unknown unit (use K, M, G or T)";
	case PARSE_PRECISION:
		return "too many decimal places";
	case PARSE_FRACTION:
		return "a fractional value needs a unit (K, M, G or T)";
	}
	return "invalid value";
}

static bool is_digit(char c)
{
	/* Unlike isdigit(), independent of the locale. */
	return c >= '0' && c <= '9';
}

/*
 * Check the start of a number. strtoull() alone accepts leading blanks, a
 * '+' and, worse, a '-' that it silently wraps around, so all of those are
 * rejected before it sees the string.
 */
static int number_start(const char *s)
{
	if (!s || !*s)
		return PARSE_EMPTY;
	if (s[0] == '-' && is_digit(s[1]))
		return PARSE_NEGATIVE;
	if (!is_digit(s[0]))
		return PARSE_NOTNUM;
	return PARSE_OK;
}

/* Parse the decimal digits at @s; @end points past them. */
static int parse_digits(const char *s, uint64_t *val, const char **end)
{
	unsigned long long v;
	char *e;

	errno = 0;
	v = strtoull(s, &e, 10);
	*end = e;
	if (errno == ERANGE)
		return PARSE_RANGE;
	*val = v;
	return PARSE_OK;
}

/* A decimal unsigned 64-bit number and nothing else. */
int parse_u64(const char *s, uint64_t *val)
{
	const char *end;
	uint64_t v;
	int ret;

	ret = number_start(s);
	if (ret)
		return ret;
	ret = parse_digits(s, &v, &end);
	/* Junk is the more fundamental problem: report it before overflow. */
	if (*end)
		return PARSE_JUNK;
	if (ret)
		return ret;
	*val = v;
	return PARSE_OK;
}

/*
 * A plain decimal number such as "2" or "0.25", within [@min, @max]. No
 * sign, exponent, hex, "inf" or "nan", which strtod() alone takes.
 */
int parse_decimal(const char *s, double min, double max, double *val)
{
	const char *p;
	bool point = false;
	double v;
	int ret;

	ret = number_start(s);
	if (ret)
		return ret;
	for (p = s; *p; p++) {
		if (*p == '.' && !point && is_digit(p[1])) {
			point = true;
			p++;
		} else if (!is_digit(*p)) {
			return PARSE_JUNK;
		}
	}
	v = strtod(s, NULL);
	if (!(v >= min && v <= max))
		return PARSE_RANGE;
	*val = v;
	return PARSE_OK;
}

int parse_u32_range(const char *s, uint32_t min, uint32_t max, uint32_t *val)
{
	uint64_t v;
	int ret;

	ret = parse_u64(s, &v);
	if (ret)
		return ret;
	if (v < min || v > max)
		return PARSE_RANGE;
	*val = v;
	return PARSE_OK;
}

/* Binary shift of a size unit letter, or -1. */
static int unit_shift(char c)
{
	switch (c) {
	case 'k': case 'K':
		return 10;
	case 'm': case 'M':
		return 20;
	case 'g': case 'G':
		return 30;
	case 't': case 'T':
		return 40;
	}
	return -1;
}

/*
 * Parse the unit suffix at @s: nothing, "B", or K/M/G/T optionally followed
 * by "B" or "iB" (binary units in every spelling: "2G", "2GB", "2GiB").
 */
static int parse_unit(const char *s, int *shift)
{
	*shift = 0;
	if (!*s)
		return PARSE_OK;
	if (*s == 'B')
		return s[1] ? PARSE_JUNK : PARSE_OK;

	*shift = unit_shift(*s);
	if (*shift < 0)
		return isalpha((unsigned char)*s) ? PARSE_UNIT : PARSE_JUNK;
	s++;
	if (!strcmp(s, "") || !strcmp(s, "B") || !strcmp(s, "iB"))
		return PARSE_OK;
	return PARSE_JUNK;
}

/*
 * A byte count with an optional binary unit: "4096", "512M", "2G", "1.5G".
 * At most PARSE_SIZE_MAX_DECIMALS decimal places, so that the fraction
 * times the largest unit (2^40) stays well inside 64 bits; a fraction of a
 * byte is rounded down.
 */
int parse_size(const char *s, uint64_t *bytes)
{
	uint64_t ip, frac = 0, div = 1, v, f;
	const char *p;
	int ret, shift;

	ret = number_start(s);
	if (ret)
		return ret;
	ret = parse_digits(s, &ip, &p);
	if (ret)
		return ret;

	if (*p == '.') {
		int n = 0;

		p++;
		if (!is_digit(*p))
			return PARSE_JUNK;
		for (; is_digit(*p); p++, n++) {
			if (n == PARSE_SIZE_MAX_DECIMALS)
				return PARSE_PRECISION;
			frac = frac * 10 + (*p - '0');
			div *= 10;
		}
	}

	ret = parse_unit(p, &shift);
	if (ret)
		return ret;
	if (div > 1 && !shift)
		return PARSE_FRACTION;

	if (ip > (UINT64_MAX >> shift))
		return PARSE_RANGE;
	v = ip << shift;
	f = (frac << shift) / div;
	if (v > UINT64_MAX - f)
		return PARSE_RANGE;
	*bytes = v + f;
	return PARSE_OK;
}

/*
 * Match @len bytes of @word against @kw: an exact match wins, otherwise the
 * word must be the prefix of names of a single id. Returns the id, KW_NONE
 * or KW_AMBIGUOUS.
 */
int kw_match_n(const struct keyword *kw, const char *word, size_t len)
{
	int found = KW_NONE;
	const struct keyword *k;

	if (!len)
		return KW_NONE;

	for (k = kw; k->name; k++) {
		if (strlen(k->name) == len && !strncmp(k->name, word, len))
			return k->id;
	}
	for (k = kw; k->name; k++) {
		if (strncmp(k->name, word, len))
			continue;
		if (found != KW_NONE && found != k->id)
			return KW_AMBIGUOUS;
		found = k->id;
	}
	return found;
}

int kw_match(const struct keyword *kw, const char *word)
{
	return kw_match_n(kw, word, strlen(word));
}

/* Whether an entry before @end has @id and matches @word too. */
static bool kw_id_seen(const struct keyword *kw, const struct keyword *end,
		       int id, const char *word, size_t len)
{
	const struct keyword *k;

	for (k = kw; k != end; k++) {
		if (k->id == id && !strncmp(k->name, word, len))
			return true;
	}
	return false;
}

/*
 * Write the names @word (of @len bytes; 0 for all) is a prefix of into @buf
 * as "a, b, c", one name per id. Returns the length the full list needs,
 * like snprintf(); @buf is always NUL-terminated when @size > 0.
 */
size_t kw_candidates(const struct keyword *kw, const char *word, size_t len,
		     char *buf, size_t size)
{
	const struct keyword *k;
	size_t n = 0;

	if (size)
		buf[0] = '\0';
	for (k = kw; k->name; k++) {
		size_t l;

		if (strncmp(k->name, word, len) ||
		    kw_id_seen(kw, k, k->id, word, len))
			continue;
		l = strlen(k->name) + (n ? 2 : 0);
		if (n + l < size) {
			if (n)
				strcat(buf + n, ", ");
			strcat(buf + n, k->name);
		}
		n += l;
	}
	return n;
}

/*
 * Take the next "key value" or "key=value" argument off @argc/@argv and
 * match the key against @kw. On KV_OK the argument (and its value) are
 * consumed; on errors the offending argument is consumed too and @kv
 * describes it for the error message.
 */
int kv_next(int *argc, char ***argv, const struct keyword *kw, struct kv *kv)
{
	const char *arg, *eq;

	memset(kv, 0, sizeof(*kv));
	kv->id = KW_NONE;
	if (*argc <= 0)
		return KV_END;

	arg = (*argv)[0];
	(*argc)--;
	(*argv)++;

	kv->key = arg;
	eq = strchr(arg, '=');
	kv->keylen = eq ? (size_t)(eq - arg) : strlen(arg);

	kv->id = kw_match_n(kw, arg, kv->keylen);
	if (kv->id == KW_NONE)
		return KV_UNKNOWN;
	if (kv->id == KW_AMBIGUOUS)
		return KV_AMBIGUOUS;

	if (eq) {
		kv->value = eq + 1;
	} else if (*argc > 0) {
		kv->value = (*argv)[0];
		(*argc)--;
		(*argv)++;
	}
	/* "weight=" is as much a missing value as a trailing "weight". */
	if (!kv->value || !*kv->value) {
		kv->value = NULL;
		return KV_NOVALUE;
	}
	return KV_OK;
}

/* Append @len bytes of @s to @out, which holds @*n bytes; false if full. */
static bool append(char *out, size_t size, size_t *n, const char *s,
		   size_t len)
{
	if (*n + len >= size)
		return false;
	memcpy(out + *n, s, len);
	*n += len;
	out[*n] = '\0';
	return true;
}

/*
 * Join a cgroup path below the cgroup2 mount @root: "a/b" and "/a//b/" both
 * give "<root>/a/b", "" and "/" give the root itself. Repeated and trailing
 * slashes are dropped; ".." is left for the kernel (and the f_type check
 * that follows) to judge. Returns 0, -EINVAL or -ENAMETOOLONG.
 */
int cgpath_join(char *out, size_t size, const char *root, const char *path)
{
	size_t n = 0, rlen = strlen(root);
	const char *p = path;

	if (!size)
		return -ENAMETOOLONG;
	out[0] = '\0';
	if (!rlen || root[0] != '/')
		return -EINVAL;

	while (rlen > 1 && root[rlen - 1] == '/')
		rlen--;
	/* A root of "/" contributes nothing; each component adds "/name". */
	if (rlen > 1 && !append(out, size, &n, root, rlen))
		return -ENAMETOOLONG;

	while (*p) {
		size_t len;

		while (*p == '/')
			p++;
		len = strcspn(p, "/");
		if (!len)
			break;
		if (!append(out, size, &n, "/", 1) ||
		    !append(out, size, &n, p, len))
			return -ENAMETOOLONG;
		p += len;
	}
	if (!n && !append(out, size, &n, "/", 1))
		return -ENAMETOOLONG;
	return 0;
}

/* Next space-separated field of a mountinfo line. */
static const char *next_field(const char **p, size_t *len)
{
	const char *s = *p;

	while (*s == ' ')
		s++;
	*len = strcspn(s, "\n ");
	*p = s + *len;
	return *len ? s : NULL;
}

/* Undo the octal escapes (\040 for a space, ...) of mountinfo fields. */
static int unescape_field(char *out, size_t size, const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '\\' && i + 3 < len &&
		    s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' &&
		    s[i + 3] >= '0' && s[i + 3] <= '7') {
			c = (s[i + 1] - '0') << 6 | (s[i + 2] - '0') << 3 |
			    (s[i + 3] - '0');
			i += 3;
		}
		if (n + 1 >= size)
			return -ENAMETOOLONG;
		out[n++] = c;
	}
	out[n] = '\0';
	return 0;
}

/*
 * Parse one line of /proc/self/mountinfo:
 *
 *   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw
 *   (1)(2)(3)   (4)   (5)      (6)     (7)   (8) (9)   (10)    (11)
 *
 * The optional fields (7) run up to the "-" separator; (9) is the
 * filesystem type. Returns 1 and the unescaped mount point (5) in @mnt for
 * a cgroup2 mount, 0 for anything else (including malformed lines), or
 * -ENAMETOOLONG.
 */
int mountinfo_cgroup2(const char *line, char *mnt, size_t size)
{
	const char *p = line, *f, *mp = NULL;
	size_t len, mplen = 0;
	int i;

	for (i = 1; i <= 6; i++) {
		f = next_field(&p, &len);
		if (!f)
			return 0;
		if (i == 5) {
			mp = f;
			mplen = len;
		}
	}
	do {
		f = next_field(&p, &len);
		if (!f)
			return 0;
	} while (len != 1 || f[0] != '-');

	f = next_field(&p, &len);
	if (!f || len != strlen("cgroup2") || strncmp(f, "cgroup2", len))
		return 0;
	return unescape_field(mnt, size, mp, mplen) ? -ENAMETOOLONG : 1;
}

/*
 * Split @line into words in place: blanks separate them, '...' or "..."
 * keep blanks inside one, and '#' at the start of a word ends the line.
 * Returns the number of words, or -1 with @why set.
 */
int split_words(char *line, char **words, int max, const char **why)
{
	char *r = line, *w, quote;
	int n = 0;

	for (;;) {
		while (*r == ' ' || *r == '\t' || *r == '\n' || *r == '\r')
			r++;
		if (!*r || *r == '#')
			return n;
		if (n == max) {
			*why = "too many words";
			return -1;
		}
		words[n++] = w = r;
		for (quote = 0; *r; r++) {
			if (quote ? *r == quote : (*r == '"' || *r == '\'')) {
				quote = quote ? 0 : *r;
				continue;
			}
			if (!quote && strchr(" \t\n\r", *r))
				break;
			*w++ = *r;
		}
		if (quote) {
			*why = "unterminated quote";
			return -1;
		}
		if (*r)
			r++;
		*w = '\0';
	}
}
