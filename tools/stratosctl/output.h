/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One printer for both output formats, in the spirit of iproute2's
 * print_*(PRINT_ANY, ...): every value is printed once, with a JSON key and
 * a text label, and the mode picked at start-up decides which one shows.
 *
 * Text output is "label value" words separated by single spaces, one
 * object per line (out_nl() ends the line). JSON output nests objects and
 * arrays; each top-level value ends with a newline, so a stream of them
 * (monitor) is one JSON document per line unless --pretty is given.
 *
 * No libnl here: the unit tests link this file alone.
 */
#ifndef STRATOSCTL_OUTPUT_H
#define STRATOSCTL_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define __printf(a, b)	__attribute__((format(printf, a, b)))

enum out_mode {
	OUT_TEXT = 1 << 0,
	OUT_JSON = 1 << 1,
	OUT_ANY = OUT_TEXT | OUT_JSON,
};

void out_init(FILE *f, bool json, bool pretty);
bool out_is_json(void);
int out_flush(void);

/*
 * Containers exist in JSON only; @key is NULL at the top level and inside
 * arrays. out_open_array() prints @label as a text word, if given.
 */
void out_open_object(const char *key);
void out_close_object(void);
void out_open_array(const char *key, const char *label);
void out_close_array(void);

/*
 * A value: "key": value in JSON, "label value" in text (just "value" when
 * @label is NULL). A NULL string is JSON null and prints nothing in text.
 */
void out_str(enum out_mode mode, const char *key, const char *label,
	     const char *val);
void out_u64(enum out_mode mode, const char *key, const char *label,
	     uint64_t val);
void out_nl(void);

size_t json_escape(char *dst, size_t size, const char *src);
size_t text_escape(char *dst, size_t size, const char *src);

/*
 * Messages. pr_err() goes to stderr as "stratosctl: ..." or, in JSON mode,
 * to stdout as {"error": "..."}; pr_warn() always goes to stderr;
 * pr_info() goes to stderr and is quiet in JSON mode.
 */
void pr_err(const char *fmt, ...) __printf(1, 2);
void pr_warn(const char *fmt, ...) __printf(1, 2);
void pr_info(const char *fmt, ...) __printf(1, 2);

#endif /* STRATOSCTL_OUTPUT_H */
