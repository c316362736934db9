// SPDX-License-Identifier: GPL-2.0
/*
 * Pure helpers of 'stratosctl vcore': see vcore.h.
 */
#include <string.h>
#include <stdio.h>
#include <linux/stratos.h>

#include "vcore.h"

const char *vc_parse_strerror(int result)
{
	switch (result) {
	case VC_OK:
		return "success";
	case VC_EMPTY:
		return "empty";
	case VC_NOTNUM:
		return "not a number";
	case VC_JUNK:
		return "trailing characters";
	case VC_RANGE:
		return "out of range";
	case VC_PRECISION:
		return "more than 6 decimal places";
	case VC_REVERSED:
		return "range ends below its start";
	}
	return "invalid";
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "1", "0.5", "1.250" to millionths, within @min..@max. */
static int parse_millionths(const char *s, uint64_t min, uint64_t max,
			    uint32_t *ppm)
{
	uint64_t whole = 0, frac = 0, scale = STRATOS_VCORE_FACTOR_SCALE;
	unsigned int places = 0;

	if (!*s)
		return VC_EMPTY;
	if (!is_digit(*s) && !(*s == '.' && is_digit(s[1])))
		return VC_NOTNUM;
	for (; is_digit(*s); s++) {
		whole = whole * 10 + (*s - '0');
		if (whole > max)
			return VC_RANGE;
	}
	if (*s == '.') {
		for (s++; is_digit(*s); s++) {
			if (++places > 6)
				return VC_PRECISION;
			frac = frac * 10 + (*s - '0');
			scale /= 10;
		}
	}
	if (*s)
		return VC_JUNK;
	whole = whole * STRATOS_VCORE_FACTOR_SCALE + frac * scale;
	if (whole < min || whole > max)
		return VC_RANGE;
	*ppm = whole;
	return VC_OK;
}

/* A capacity factor: vcores per CPU-second. */
int vc_parse_factor(const char *s, uint32_t *ppm)
{
	return parse_millionths(s, STRATOS_VCORE_FACTOR_MIN,
				STRATOS_VCORE_FACTOR_MAX, ppm);
}

/* A limit in vcores. */
int vc_parse_limit(const char *s, uint32_t *ppm)
{
	return parse_millionths(s, STRATOS_VCORE_LIMIT_MIN,
				STRATOS_VCORE_LIMIT_MAX, ppm);
}

static int parse_cpu(const char **s, unsigned int *cpu)
{
	unsigned long v = 0;

	if (!is_digit(**s))
		return VC_NOTNUM;
	for (; is_digit(**s); (*s)++) {
		v = v * 10 + (**s - '0');
		if (v >= VC_MAX_CPUS)
			return VC_RANGE;
	}
	*cpu = v;
	return VC_OK;
}

/* "0-3,6", or "all" for every CPU number. */
int vc_parse_cpulist(const char *s, struct cpu_set_bits *set)
{
	unsigned int a, b, c;
	int ret;

	memset(set, 0, sizeof(*set));
	if (!*s)
		return VC_EMPTY;
	if (!strcmp(s, "all")) {
		memset(set, 0xff, sizeof(*set));
		return VC_OK;
	}
	for (;;) {
		ret = parse_cpu(&s, &a);
		if (ret)
			return ret;
		b = a;
		if (*s == '-') {
			s++;
			ret = parse_cpu(&s, &b);
			if (ret)
				return ret;
			if (b < a)
				return VC_REVERSED;
		}
		for (c = a; c <= b; c++)
			set->bits[c / 64] |= 1ULL << (c % 64);
		if (!*s)
			return VC_OK;
		if (*s != ',')
			return VC_JUNK;
		s++;
	}
}

bool vc_cpuset_has(const struct cpu_set_bits *set, unsigned int cpu)
{
	return cpu < VC_MAX_CPUS && (set->bits[cpu / 64] >> (cpu % 64)) & 1;
}

bool vc_cpuset_is_all(const struct cpu_set_bits *set)
{
	size_t i;

	for (i = 0; i < sizeof(set->bits) / sizeof(set->bits[0]); i++)
		if (set->bits[i] != ~0ULL)
			return false;
	return true;
}

/* @val / @scale with @decimals places, rounded: (1500000, 1e6, 3) "1.500". */
void vc_format_fixed(char *buf, size_t size, uint64_t val, uint64_t scale,
		     unsigned int decimals)
{
	uint64_t div = 1, q, r;
	unsigned int i;

	for (i = 0; i < decimals; i++)
		div *= 10;
	/* Round to the last printed place. */
	val = val + scale / div / 2;
	q = val / scale;
	r = (val % scale) / (scale / div);
	if (decimals)
		snprintf(buf, size, "%llu.%0*llu", (unsigned long long)q,
			 (int)decimals, (unsigned long long)r);
	else
		snprintf(buf, size, "%llu", (unsigned long long)q);
}

