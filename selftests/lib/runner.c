// SPDX-License-Identifier: GPL-2.0
/* The test runner: main() runs every registered TEST() serially, each in a forked child. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "test.h"

#define MAX_TESTS   256
#define MAX_FILTERS 16

/* Exit codes of a test child. */
enum {
	CHILD_PASS = 0,
	CHILD_FAIL = 1,
	CHILD_SKIP = 2
};

struct test_entry {
	const char *name;
	void (*fn)(void);
	const char *file;
};

static struct test_entry tests[MAX_TESTS];
static int nr_tests;
static bool verbose;

/* State of the test running in this process (the child). */
static const char *cur_name;
static bool cur_failed;
static bool cur_skipped;

void test_register(const char *name, void (*fn)(void), const char *file)
{
	if (nr_tests == MAX_TESTS) {
		fprintf(stderr, "runner: too many tests, raise MAX_TESTS\n");
		abort();
	}
	tests[nr_tests++] = (struct test_entry){ name, fn, file };
}

bool test_verbose(void)
{
	return verbose;
}

bool test_failed(void)
{
	return cur_failed;
}

void test_log(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	printf("# %s: ", cur_name ? cur_name : "runner");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (fmt[0] && fmt[strlen(fmt) - 1] != '\n')
		putchar('\n');
	fflush(stdout);
}

void test_skip(const char *fmt, ...)
{
	va_list ap;

	cur_skipped = true;
	printf("# %s: skipped: ", cur_name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	cur_failed = true;
	printf("%s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void fmt_num(char *buf, size_t len, unsigned long long v, bool is_signed)
{
	if (is_signed)
		snprintf(buf, len, "%lld", (long long)v);
	else if (v > 0xffffffffULL && (long long)v < 0 && (long long)v > -4096)
		/* (unsigned long)-errno style values read better signed */
		snprintf(buf, len, "%llu (%lld)", v, (long long)v);
	else
		snprintf(buf, len, "%llu", v);
}

void test_fail_num(const char *file, int line, const char *what,
		   unsigned long long act, bool act_signed, const char *op,
		   unsigned long long exp, bool exp_signed)
{
	char a[64], e[64];

	fmt_num(a, sizeof(a), act, act_signed);
	fmt_num(e, sizeof(e), exp, exp_signed);
	if (!strcmp(op, "=="))
		test_fail(file, line, "%s: actual %s expected %s", what, a, e);
	else
		test_fail(file, line, "%s: actual %s expected %s %s", what, a,
			  op, e);
}

void test_fail_err(const char *file, int line, const char *what, long long err,
		   const char *expected)
{
	if (err < 0 && err > -4096)
		test_fail(file, line, "%s: actual %lld (%s) expected %s", what,
			  err, strerror(-err), expected);
	else
		test_fail(file, line, "%s: actual %lld expected %s", what, err,
			  expected);
}

static bool selected(const char *name, char **filters, int nr_filters)
{
	int i;

	if (!nr_filters)
		return true;
	for (i = 0; i < nr_filters; i++)
		if (strstr(name, filters[i]))
			return true;
	return false;
}

static int run_child(struct test_entry *t)
{
	cur_name = t->name;
	t->fn();
	fflush(stdout);
	fflush(stderr);
	if (cur_failed)
		return CHILD_FAIL;
	return cur_skipped ? CHILD_SKIP : CHILD_PASS;
}

/* Returns CHILD_PASS/FAIL/SKIP for the test, run in its own process. */
static int run_one(struct test_entry *t, int timeout_s)
{
	long long start = test_now_ms(), deadline = start + timeout_s * 1000LL;
	int status, ret;
	pid_t pid, w;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		printf("# %s: fork: %s\n", t->name, strerror(errno));
		return CHILD_FAIL;
	}
	if (pid == 0)
		_exit(run_child(t));

	/* Poll rather than block: a hung test must not hang the suite. */
	for (;;) {
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			printf("# %s: waitpid: %s\n", t->name, strerror(errno));
			return CHILD_FAIL;
		}
		if (test_now_ms() > deadline) {
			printf("# %s: timed out after %d s, killing it\n",
			       t->name, timeout_s);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			ret = CHILD_FAIL;
			goto out;
		}
		test_sleep_ms(10);
	}

	if (WIFSIGNALED(status)) {
		printf("# %s: killed by signal %d (%s)%s\n", t->name,
		       WTERMSIG(status), strsignal(WTERMSIG(status)),
		       WTERMSIG(status) == SIGKILL ? ", OOM-killed?" : "");
		ret = CHILD_FAIL;
	} else if (WEXITSTATUS(status) == CHILD_PASS ||
		   WEXITSTATUS(status) == CHILD_SKIP) {
		ret = WEXITSTATUS(status);
	} else {
		ret = CHILD_FAIL;
	}
out:
	if (verbose)
		printf("# %s: %.2f s\n", t->name,
		       (test_now_ms() - start) / 1000.0);
	/* A crashed or sloppy test must not leave hogs or cgroups to the next one. */
	cg_reap_leftovers();
	return ret;
}

/*
 * The harness must outlive the OOMs it provokes; hogs set their own
 * oom_score_adj, so nothing else inherits this. Best effort: unprivileged
 * host runs can't lower it, and don't need to.
 */
static void protect_from_oom_killer(void)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, "-1000", 5) < 0 && verbose)
		printf("# runner: can't protect itself from the OOM killer: %s\n",
		       strerror(errno));
	close(fd);
}

/*
 * Hogs are forks of the runner and run its text. Under global pressure
 * that text is evicted; the hog that faults it back in gets it charged to
 * its test cgroup, where the runner keeps using it, reclaim leaves it
 * (referenced), and it holds the removed cgroup dying: a leak no policy
 * made. Locked in memory, the text is never evicted, so never recharged.
 * Best effort, like the above: without CAP_IPC_LOCK only small host runs.
 */
static void lock_text_in_memory(void)
{
	if (mlockall(MCL_CURRENT) && verbose)
		printf("# runner: can't lock itself in memory: %s\n",
		       strerror(errno));
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"Usage: %s [-v] [-l] [-t SUBSTR]... [-T SECONDS]\n"
		"  -t SUBSTR   run only tests whose name contains SUBSTR (repeatable)\n"
		"  -v          verbose: test_log() output and timings\n"
		"  -l          list the tests and exit\n"
		"  -T SECONDS  per-test timeout (default 300)\n",
		prog);
}

int main(int argc, char **argv)
{
	char *filters[MAX_FILTERS];
	int nr_filters = 0, timeout_s = 300, opt, i, n = 0;
	int passed = 0, failed = 0, skipped = 0;
	bool list = false;

	while ((opt = getopt(argc, argv, "t:vlT:h")) != -1) {
		switch (opt) {
		case 't':
			if (nr_filters == MAX_FILTERS) {
				fprintf(stderr, "too many -t\n");
				return 2;
			}
			filters[nr_filters++] = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'l':
			list = true;
			break;
		case 'T':
			timeout_s = atoi(optarg);
			if (timeout_s <= 0) {
				usage(argv[0]);
				return 2;
			}
			break;
		case 'h':
			usage(argv[0]);
			return 0;
		default:
			usage(argv[0]);
			return 2;
		}
	}
	if (optind != argc) {
		usage(argv[0]);
		return 2;
	}

	if (list) {
		for (i = 0; i < nr_tests; i++)
			if (selected(tests[i].name, filters, nr_filters))
				printf("%s\n", tests[i].name);
		return 0;
	}

	setvbuf(stdout, NULL, _IOLBF, 0);
	protect_from_oom_killer();
	lock_text_in_memory();
	cg_reap_leftovers();

	for (i = 0; i < nr_tests; i++) {
		struct test_entry *t = &tests[i];

		if (!selected(t->name, filters, nr_filters))
			continue;
		n++;
		switch (run_one(t, timeout_s)) {
		case CHILD_PASS:
			printf("ok %d %s\n", n, t->name);
			passed++;
			break;
		case CHILD_SKIP:
			printf("skip %d %s\n", n, t->name);
			skipped++;
			break;
		default:
			printf("not ok %d %s\n", n, t->name);
			failed++;
			break;
		}
	}
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
