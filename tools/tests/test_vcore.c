// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the pure helpers of 'stratosctl vcore' (vcore_parse.c).
 */
#include <stdint.h>
#include <string.h>

#include "tap.h"
#include "vcore.h"

static void check_factor(const char *s, int want_ret, uint32_t want)
{
	uint32_t v = 0;
	int ret = vc_parse_factor(s, &v);

	ok(ret == want_ret && (ret || v == want), "factor \"%s\" = %s %u", s,
	   vc_parse_strerror(want_ret), want);
	if (ret != want_ret || (!ret && v != want))
		diag("got %d (%s), %u", ret, vc_parse_strerror(ret), v);
}

static void test_factor(void)
{
	check_factor("1", VC_OK, 1000000);
	check_factor("0.5", VC_OK, 500000);
	check_factor(".75", VC_OK, 750000);
	check_factor("1.250", VC_OK, 1250000);
	check_factor("4", VC_OK, 4000000);
	check_factor("0.001", VC_OK, 1000);
	check_factor("0.000999", VC_RANGE, 0);
	check_factor("0", VC_RANGE, 0);
	check_factor("4.000001", VC_RANGE, 0);
	check_factor("99999999999", VC_RANGE, 0);
	check_factor("1.0000001", VC_PRECISION, 0);
	check_factor("", VC_EMPTY, 0);
	check_factor("-1", VC_NOTNUM, 0);
	check_factor("x", VC_NOTNUM, 0);
	check_factor("1x", VC_JUNK, 0);
	check_factor("1.5.", VC_JUNK, 0);
}

static void test_limit(void)
{
	uint32_t v = 0;

	ok(!vc_parse_limit("2.0", &v) && v == 2000000, "limit 2.0");
	ok(!vc_parse_limit("0.01", &v) && v == 10000, "limit 0.01");
	ok(vc_parse_limit("0.009", &v) == VC_RANGE, "limit 0.009 refused");
	ok(vc_parse_limit("0", &v) == VC_RANGE, "limit 0 refused");
	ok(!vc_parse_limit("1000", &v) && v == 1000000000, "limit 1000");
	ok(vc_parse_limit("1000.5", &v) == VC_RANGE, "limit 1000.5 refused");
}

static void test_cpulist(void)
{
	struct cpu_set_bits set;

	ok(!vc_parse_cpulist("0-3,6", &set) && vc_cpuset_has(&set, 0) &&
	   vc_cpuset_has(&set, 3) && !vc_cpuset_has(&set, 4) &&
	   vc_cpuset_has(&set, 6) && !vc_cpuset_has(&set, 7), "0-3,6");
	ok(!vc_parse_cpulist("all", &set) && vc_cpuset_is_all(&set) &&
	   vc_cpuset_has(&set, VC_MAX_CPUS - 1), "all");
	ok(!vc_parse_cpulist("5", &set) && !vc_cpuset_is_all(&set) &&
	   vc_cpuset_has(&set, 5) && !vc_cpuset_has(&set, 4), "5");
	ok(vc_parse_cpulist("3-1", &set) == VC_REVERSED, "3-1 refused");
	ok(vc_parse_cpulist("1,", &set) == VC_NOTNUM, "1, refused");
	ok(vc_parse_cpulist("1;2", &set) == VC_JUNK, "1;2 refused");
	ok(vc_parse_cpulist("", &set) == VC_EMPTY, "empty refused");
	ok(vc_parse_cpulist("8192", &set) == VC_RANGE, "8192 refused");
	ok(!vc_cpuset_has(&set, VC_MAX_CPUS), "beyond the set is not in it");
}

static void check_fixed(uint64_t v, uint64_t scale, unsigned int d,
			const char *want)
{
	char buf[32];

	vc_format_fixed(buf, sizeof(buf), v, scale, d);
	ok(!strcmp(buf, want), "format %llu/%llu = %s",
	   (unsigned long long)v, (unsigned long long)scale, want);
	if (strcmp(buf, want))
		diag("got %s", buf);
}

static void test_fixed(void)
{
	check_fixed(1500000, 1000000, 3, "1.500");
	check_fixed(999999, 1000000, 3, "1.000");
	check_fixed(625000, 1000000, 3, "0.625");
	check_fixed(1234, 1000, 3, "1.234");
	check_fixed(0, 1000000000, 3, "0.000");
	check_fixed(2500000, 1000000, 0, "3");
}

int main(void)
{
	tap_start();
	test_factor();
	test_limit();
	test_cpulist();
	test_fixed();
	return tap_end();
}
