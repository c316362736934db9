/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure helpers of 'stratosctl vcore' (no libnl, no kernel): factor and CPU
 * list parsing and fixed-point formatting, unit-tested on the host.
 */
#ifndef STRATOSCTL_VCORE_H
#define STRATOSCTL_VCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* CPU lists name CPUs below this; the kernel is asked about each. */
#define VC_MAX_CPUS	8192

struct cpu_set_bits {
	uint64_t bits[VC_MAX_CPUS / 64];
};

enum vc_parse_result {
	VC_OK = 0,
	VC_EMPTY = -1,
	VC_NOTNUM = -2,
	VC_JUNK = -3,
	VC_RANGE = -4,
	VC_PRECISION = -5,
	VC_REVERSED = -6,
};

const char *vc_parse_strerror(int result);
int vc_parse_factor(const char *s, uint32_t *ppm);
int vc_parse_limit(const char *s, uint32_t *ppm);
int vc_parse_cpulist(const char *s, struct cpu_set_bits *set);
bool vc_cpuset_has(const struct cpu_set_bits *set, unsigned int cpu);
bool vc_cpuset_is_all(const struct cpu_set_bits *set);
void vc_format_fixed(char *buf, size_t size, uint64_t val, uint64_t scale,
		     unsigned int decimals);

/* One CPU as the kernel reports it, plus its place in the topology. */
struct vc_cpu {
	uint32_t cpu;
	bool online;
	uint32_t idle, busy, def_idle, def_busy;
	int sibling;
	uint64_t busy_ns, vcore_ns;
	int node, core, llc;
};

struct vc_cpus {
	struct vc_cpu *v;
	size_t n, cap;
};

struct ctx;
struct snl;
int vc_cpus_get(struct snl *nl, struct vc_cpus *l);
int vc_cpus_load(struct ctx *ctx, struct snl **nl, struct vc_cpus *l);
int vc_factors_put(struct snl *nl, unsigned int cpu, int64_t idle,
		   int64_t busy);
int do_vcore(struct ctx *ctx, int argc, char **argv);
int vc_calibrate(struct ctx *ctx, int argc, char **argv);
int vc_reclaimable(struct ctx *ctx, int argc, char **argv);
void vc_print_factor(const char *key, const char *label, uint64_t ppm);

#endif /* STRATOSCTL_VCORE_H */
