/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal TAP (version 13) producer for the stratosctl unit tests: one
 * "ok N - name" / "not ok N - name" line per check, diagnostics as "#"
 * lines, the plan at the end, exit status 1 if any check failed.
 */
#ifndef STRATOSCTL_TAP_H
#define STRATOSCTL_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int tap_count;
static int tap_failed;

static void tap_start(void)
{
	printf("TAP version 13\n");
}

static bool __attribute__((format(printf, 2, 3)))
ok(bool pass, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	if (!pass)
		tap_failed++;
	printf("%sok %d - ", pass ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return pass;
}

static void __attribute__((format(printf, 1, 2))) diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* Compare strings, showing both on failure. */
static inline bool __attribute__((format(printf, 3, 4)))
ok_str(const char *got, const char *want, const char *fmt, ...)
{
	bool pass = got && !strcmp(got, want);
	char name[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	ok(pass, "%s", name);
	if (!pass) {
		diag("got:  '%s'", got ? got : "(null)");
		diag("want: '%s'", want);
	}
	return pass;
}

static int tap_end(void)
{
	printf("1..%d\n", tap_count);
	if (tap_failed)
		diag("%d of %d checks failed", tap_failed, tap_count);
	return tap_failed ? 1 : 0;
}

#endif /* STRATOSCTL_TAP_H */
