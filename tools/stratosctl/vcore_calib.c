// SPDX-License-Identifier: GPL-2.0
/*
 * stratosctl vcore calibrate: measure the capacity factors.
 *
 * A reference workload runs pinned to each CPU, first with the CPU's SMT
 * sibling idle, then with a spinner pinned to the sibling. Its score is
 * work units per second of the CPU time it got, so that other load on the
 * machine lowers no score (it only stretches the run); a busy sibling,
 * which shares the core's execution units, does. A factor is a score over
 * the reference score, one figure agreed across the cluster: units a
 * vcore completes per second. Workloads count the same units on every
 * architecture, so factors compare between machines of any kind.
 *
 * The workload is built in (an integer hash loop), or any program given
 * after 'workload': it runs for STRATOS_CALIBRATE_SECONDS of CPU time and
 * prints the units it completed on standard output, optionally followed
 * by the CPU seconds it counted them in. A workload whose start-up costs
 * CPU time (an interpreter loading) should print the second figure: the
 * start-up varies from run to run, and the process's whole CPU time would
 * add that noise to the score.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <linux/stratos.h>

#include "output.h"
#include "stratosctl.h"
#include "vcore.h"

/* Iterations of the hash loop in one work unit. */
#define CALIB_UNIT_ITERS	100000

struct calib {
	double seconds;
	double reference;	/* units per vcore-second; 0: fastest CPU */
	bool apply;
	char *const *workload;	/* argv of an external workload, or NULL */
};

static double thread_cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The built-in workload: prints its units, as an external one would. */
static void builtin_workload(double seconds)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL, units = 0;
	double end = thread_cpu_now() + seconds;
	unsigned int i;

	while (thread_cpu_now() < end) {
		for (i = 0; i < CALIB_UNIT_ITERS; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
		/* Keeps the loop from being optimised away. */
		__asm__ volatile("" : : "r"(x));
		units++;
	}
	printf("%llu\n", (unsigned long long)units);
}

static int pin(unsigned int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* A busy loop on @cpu until killed; its pid, or -1. */
static pid_t spinner_start(unsigned int cpu)
{
	pid_t parent = getpid(), pid = fork();

	if (pid == 0) {
		/* Killed with stratosctl, however stratosctl ends. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent ||
		    pin(cpu))
			_exit(1);
		for (;;)
			__asm__ volatile("");
	}
	return pid;
}

static void spinner_stop(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/*
 * Run the workload pinned to @cpu; its score in units per CPU-second in
 * *@score. Returns 0 or -errno.
 */
static int run_workload(const struct calib *c, unsigned int cpu,
			double *score)
{
	unsigned long long units = 0;
	double own_cpu_s = 0;
	struct rusage ru;
	char secs[32];
	int fds[2], status;
	double cpu_s;
	FILE *f;
	pid_t pid;

	if (pipe(fds))
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		status = -errno;
		close(fds[0]);
		close(fds[1]);
		return status;
	}
	if (pid == 0) {
		close(fds[0]);
		if (dup2(fds[1], STDOUT_FILENO) < 0 || pin(cpu))
			_exit(127);
		if (!c->workload) {
			builtin_workload(c->seconds);
			fflush(stdout);
			_exit(0);
		}
		snprintf(secs, sizeof(secs), "%g", c->seconds);
		setenv("STRATOS_CALIBRATE_SECONDS", secs, 1);
		execvp(c->workload[0], c->workload);
		_exit(127);
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	if (!f || fscanf(f, "%llu", &units) != 1)
		units = 0;
	else if (fscanf(f, "%lf", &own_cpu_s) != 1 || !(own_cpu_s > 0))
		own_cpu_s = 0;	/* optional: the whole process's time then */
	if (f)
		fclose(f);
	else
		close(fds[0]);
	if (wait4(pid, &status, 0, &ru) < 0)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) || !units)
		return -EPROTO;
	cpu_s = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	/* The workload cannot have counted more CPU time than it used. */
	if (own_cpu_s > 0 && own_cpu_s <= cpu_s)
		cpu_s = own_cpu_s;
	if (cpu_s <= 0)
		return -EPROTO;
	*score = units / cpu_s;
	return 0;
}

struct calib_result {
	unsigned int cpu;
	double idle, busy;	/* scores; busy is idle without a sibling */
	int sibling;
};

static int calib_cpu(const struct calib *c, const struct vc_cpu *v,
		     struct calib_result *r, size_t done, size_t total)
{
	pid_t spin;
	int ret;

	r->cpu = v->cpu;
	r->sibling = v->sibling;
	pr_info("calibrate: CPU %u, sibling idle (%zu/%zu)", v->cpu,
		done + 1, total);
	ret = run_workload(c, v->cpu, &r->idle);
	if (ret)
		return ret;
	r->busy = r->idle;
	if (v->sibling < 0)
		return 0;
	pr_info("calibrate: CPU %u, sibling %d busy (%zu/%zu)", v->cpu,
		v->sibling, done + 1, total);
	spin = spinner_start(v->sibling);
	if (spin < 0)
		return -errno;
	ret = run_workload(c, v->cpu, &r->busy);
	spinner_stop(spin);
	if (!ret && r->busy > r->idle)
		r->busy = r->idle;	/* noise: a sibling never adds */
	return ret;
}

static uint32_t to_factor(double score, double reference)
{
	double f = score / reference * STRATOS_VCORE_FACTOR_SCALE + 0.5;

	if (f < STRATOS_VCORE_FACTOR_MIN)
		return STRATOS_VCORE_FACTOR_MIN;
	if (f > STRATOS_VCORE_FACTOR_MAX)
		return STRATOS_VCORE_FACTOR_MAX;
	return (uint32_t)f;
}

/* A score: one decimal for people, rounded to a whole number in JSON. */
static void print_score(const char *key, double score)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.1f", score);
	out_str(OUT_TEXT, NULL, key, buf);
	out_u64(OUT_JSON, key, NULL, (uint64_t)(score + 0.5));
}

static void calib_print(const struct calib_result *r, size_t n,
			double reference)
{
	size_t i;

	out_open_object(NULL);
	print_score("reference", reference);
	out_nl();
	out_open_array("cpus", NULL);
	for (i = 0; i < n; i++) {
		out_open_object(NULL);
		out_u64(OUT_ANY, "cpu", "cpu", r[i].cpu);
		print_score("score_idle", r[i].idle);
		print_score("score_busy", r[i].busy);
		vc_print_factor("idle_ppm", "idle",
				to_factor(r[i].idle, reference));
		vc_print_factor("busy_ppm", "busy",
				to_factor(r[i].busy, reference));
		out_close_object();
		out_nl();
	}
	out_close_array();
	out_close_object();
}

enum { CAL_REFERENCE, CAL_SECONDS, CAL_APPLY, CAL_WORKLOAD };

static const struct keyword cal_kw[] = {
	{ "reference", CAL_REFERENCE },
	{ "seconds", CAL_SECONDS },
	{ "apply", CAL_APPLY },
	{ "workload", CAL_WORKLOAD },
	{ NULL, 0 },
};

static int calib_args(int argc, char **argv, struct calib *c,
		      struct cpu_set_bits *set)
{
	const char *list = "all";
	int id, ret;

	if (argc && ((argv[0][0] >= '0' && argv[0][0] <= '9') ||
		     !strcmp(argv[0], "all")))
		list = argv[0], argc--, argv++;
	ret = vc_parse_cpulist(list, set);
	if (ret)
		return usage_err("invalid CPU list '%s': %s", list,
				 vc_parse_strerror(ret));
	while (argc) {
		id = kw_match(cal_kw, argv[0]);
		if (id < 0)
			return kw_fail(cal_kw, argv[0], strlen(argv[0]), id,
				       "'vcore calibrate' argument");
		if (id == CAL_APPLY) {
			c->apply = true;
			argc--, argv++;
			continue;
		}
		if (argc < 2)
			return usage_err("missing value for '%s'", argv[0]);
		if (id == CAL_WORKLOAD) {
			/*
			 * Options after it are the workload's: the option
			 * scan stops at the word only when it is written out.
			 */
			if (strcmp(argv[0], "workload"))
				return usage_err("write 'workload' in full before the command, not '%s'",
						 argv[0]);
			c->workload = argv + 1;
			return EXIT_SUCCESS;
		}
		if (id == CAL_REFERENCE) {
			if (parse_decimal(argv[1], 0, 1e15, &c->reference) ||
			    c->reference <= 0)
				return usage_err("invalid reference score '%s': give work units per second of one vcore, above 0",
						 argv[1]);
		} else {
			if (parse_decimal(argv[1], 0.05, 600, &c->seconds))
				return usage_err("invalid seconds '%s': 0.05..600",
						 argv[1]);
		}
		argc -= 2, argv += 2;
	}
	return EXIT_SUCCESS;
}

static int calib_apply(struct snl *nl, const struct calib_result *r,
		       size_t n, double reference)
{
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = vc_factors_put(nl, r[i].cpu,
				     to_factor(r[i].idle, reference),
				     to_factor(r[i].busy, reference));
		if (ret)
			return ret;
	}
	return EXIT_SUCCESS;
}

int vc_calibrate(struct ctx *ctx, int argc, char **argv)
{
	struct calib c = { .seconds = 1 };
	struct calib_result *r = NULL;
	struct vc_cpus l = { 0 };
	struct cpu_set_bits set;
	double reference;
	size_t i, n = 0, total = 0;
	struct snl *nl;
	int ret;

	ret = calib_args(argc, argv, &c, &set);
	if (!ret)
		ret = vc_cpus_load(ctx, &nl, &l);
	if (ret)
		goto out;
	for (i = 0; i < l.n; i++)
		total += l.v[i].online && vc_cpuset_has(&set, l.v[i].cpu);
	r = calloc(total ? total : 1, sizeof(*r));
	if (!r) {
		ret = snl_report("cannot calibrate", -ENOMEM, NULL, NULL, NULL);
		goto out;
	}
	for (i = 0; i < l.n && !ret; i++) {
		if (!l.v[i].online || !vc_cpuset_has(&set, l.v[i].cpu))
			continue;
		ret = calib_cpu(&c, &l.v[i], &r[n], n, total);
		if (ret) {
			pr_err("cannot calibrate CPU %u: the workload %s",
			       l.v[i].cpu, ret == -EPROTO ?
			       "failed or printed no work units" :
			       strerror(-ret));
			ret = EXIT_FAILURE;
			goto out;
		}
		n++;
	}
	if (!n) {
		ret = usage_err("no online CPU in the list");
		goto out;
	}
	reference = c.reference;
	for (i = 0; !reference && i < n; i++)
		reference = r[i].idle;
	for (i = 0; !c.reference && i < n; i++)
		if (r[i].idle > reference)
			reference = r[i].idle;
	calib_print(r, n, reference);
	if (c.apply)
		ret = calib_apply(nl, r, n, reference);
out:
	free(r);
	free(l.v);
	return ret;
}
