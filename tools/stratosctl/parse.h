/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure argument parsing helpers for stratosctl: numbers, sizes, keyword
 * prefix matching, "key value" / "key=value" arguments and cgroup path
 * joining. Nothing here talks to the kernel or touches the filesystem, so
 * the host unit tests (tools/tests/test_parse.c) can link it alone.
 */
#ifndef STRATOSCTL_PARSE_H
#define STRATOSCTL_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* Results of the number and size parsers; 0 is success. */
enum parse_result {
	PARSE_OK = 0,
	PARSE_EMPTY = -1,	/* "" */
	PARSE_NOTNUM = -2,	/* does not start with a digit */
	PARSE_JUNK = -3,	/* characters after the number */
	PARSE_NEGATIVE = -4,	/* "-5" */
	PARSE_RANGE = -5,	/* overflow, or outside the allowed bounds */
	PARSE_UNIT = -6,	/* size with an unknown unit */
	PARSE_PRECISION = -7,	/* size with too many decimal places */
	PARSE_FRACTION = -8,	/* size "1.5" without a unit */
};

const char *parse_strerror(int result);

int parse_u64(const char *s, uint64_t *val);
int parse_u32_range(const char *s, uint32_t min, uint32_t max,
		    uint32_t *val);
int parse_size(const char *s, uint64_t *bytes);
int parse_decimal(const char *s, double min, double max, double *val);

/* Largest number of decimal places parse_size() accepts. */
#define PARSE_SIZE_MAX_DECIMALS	6

/*
 * A table of words matched by unique prefix, ended by { NULL, 0 }. Several
 * names may share an id (aliases); a prefix matching only names of one id
 * is not ambiguous.
 */
struct keyword {
	const char *name;
	int id;
};

#define KW_NONE		(-1)
#define KW_AMBIGUOUS	(-2)

int kw_match_n(const struct keyword *kw, const char *word, size_t len);
int kw_match(const struct keyword *kw, const char *word);
size_t kw_candidates(const struct keyword *kw, const char *word, size_t len,
		     char *buf, size_t size);

/* One "key value" or "key=value" argument, see kv_next(). */
struct kv {
	int id;			/* keyword id, when matched */
	const char *key;	/* the key as typed (not NUL-terminated) */
	size_t keylen;
	const char *value;	/* NULL when missing */
};

enum kv_result {
	KV_OK = 0,
	KV_END = 1,		/* no argument left */
	KV_UNKNOWN = -1,
	KV_AMBIGUOUS = -2,
	KV_NOVALUE = -3,
};

int kv_next(int *argc, char ***argv, const struct keyword *kw, struct kv *kv);

int cgpath_join(char *out, size_t size, const char *root, const char *path);
int mountinfo_cgroup2(const char *line, char *mnt, size_t size);

/*
 * Split @line into at most @max words in place: blanks separate them,
 * '...' or "..." keep blanks inside one, and '#' at the start of a word
 * ends the line. Returns the number of words, or -1 with @why set.
 */
int split_words(char *line, char **words, int max, const char **why);

#endif /* STRATOSCTL_PARSE_H */
