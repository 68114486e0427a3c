// SPDX-License-Identifier: GPL-2.0
/* oomkit-bench helpers: clocks, cgroup files, children forked into cgroups, timed commands (over selftests/lib). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "bench.h"

__u64 now_ns(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC: what bpf_ktime_get_ns() reads in oom_timing.bpf.c */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

double ns_to_ms(__u64 ns)
{
	return ns / 1e6;
}

void msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "bench: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void vmsg(const char *fmt, ...)
{
	va_list ap;

	if (!opts.verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "bench:   ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

int write_str(const char *path, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int fd, n, err = 0;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, n) != n)
		err = -errno;
	close(fd);
	return err;
}

static int read_all(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}

long long read_ll(const char *path)
{
	char buf[64];

	if (read_all(path, buf, sizeof(buf)) < 0)
		return -1;
	return strncmp(buf, "max", 3) ? atoll(buf) : -2;
}

/* "key value" lines: memory.events, memory.stat, cgroup.events */
long long read_key(const char *path, const char *key)
{
	char buf[8192], *p;
	size_t klen = strlen(key);

	if (read_all(path, buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, klen) && p[klen] == ' ')
			return atoll(p + klen + 1);
	return -1;
}

/* cg_create(), where an existing cgroup is fine: the parts reuse their parents. */
int cg_mkdir(const char *path)
{
	int err = cg_create(path);

	return err == -EEXIST ? 0 : err;
}

pid_t fork_into(const char *path)
{
	struct clone_args args = { .flags = CLONE_INTO_CGROUP,
				   .exit_signal = SIGCHLD };
	pid_t pid;
	int fd;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	args.cgroup = fd;
	/* no glibc wrapper: with no stack given, clone3 returns twice like fork() */
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0)
		pid = -errno;
	close(fd);
	return pid;
}

void child_setup(const char *comm)
{
	sigset_t none;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, comm);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGTERM, SIG_DFL);
}

/*
 * Grows anonymous memory @step at a time until something kills it. With
 * @populate, the kernel faults each step in at mmap() (MAP_POPULATE): the
 * fastest a program can take memory, where under emulation a page fault
 * per 4 KiB costs more than the memory itself.
 */
void hog_loop(size_t step, bool populate)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	size_t off;
	volatile char *p;

	if (populate)
		flags |= MAP_POPULATE;
	for (;;) {
		p = mmap(NULL, step, PROT_READ | PROT_WRITE, flags, -1, 0);
		if (p == MAP_FAILED) {
			usleep(1000);
			continue;
		}
		for (off = 0; off < step; off += 4096)
			p[off] = 1;
	}
}

int wait_end(pid_t pid, int timeout_ms, __u64 *end_ns)
{
	struct pollfd pfd = { .events = POLLIN };
	int status, n;

	/* a pidfd turns readable when the task exits: no polling loop, no sleep */
	pfd.fd = syscall(SYS_pidfd_open, pid, 0);
	if (pfd.fd < 0)
		return -errno;
	do
		n = poll(&pfd, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (end_ns)
		*end_ns = now_ns();
	close(pfd.fd);
	if (n == 0)
		return -ETIMEDOUT;
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

int run_cmd(char *const argv[], char *out, size_t len, struct run_cost *cost)
{
	struct rusage ru;
	int pfd[2], status;
	__u64 start;
	pid_t pid;

	start = now_ns();
	pid = fork_piped(pfd);
	if (pid < 0)
		return pid;
	if (!pid) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	/* without @out the output is read and dropped all the same */
	read_to_eof(pfd[0], out, out ? len : 0);
	if (wait4(pid, &status, 0, &ru) != pid)
		return -errno;
	if (cost) {
		cost->wall_ms = ns_to_ms(now_ns() - start);
		cost->maxrss_mib = ru.ru_maxrss / 1024.0; /* KiB */
		cost->status = exit_code(status);
	}
	return exit_code(status);
}

/* oomkit_cmd(out, len, "policy", "show", NULL): the CLI under test, JSON output. */
int oomkit_cmd(char *out, size_t len, ...)
{
	char *argv[16], buf[4096];
	va_list ap;
	int n = 0, err;

	argv[n++] = (char *)opts.oomkit;
	argv[n++] = "-j";
	va_start(ap, len);
	while (n < 15 && (argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	if (!out) {
		out = buf;
		len = sizeof(buf);
	}
	err = run_cmd(argv, out, len, NULL);
	if (err)
		msg("'%s %s %s' failed (%d): %s", argv[0], argv[2],
		    n > 3 ? argv[3] : "", err, out);
	return err ? -EIO : 0;
}

char bench_policies[MAX_POLICIES][32];
int nr_bench_policies;

int bench_list_policies(void)
{
	char *argv[] = { (char *)opts.oomkit, "policy", "list", NULL };
	char out[16384], name[32], kind[16], where[32], *line;
	int err;

	if (nr_bench_policies)
		return 0;
	err = run_cmd(argv, out, sizeof(out), NULL);
	if (err)
		return -EIO;
	/* "NAME KIND built-in" opens each entry; its details are indented */
	for (line = out; line && *line;
	     line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		if (*line == ' ' ||
		    sscanf(line, "%31s %15s %31s", name, kind, where) != 3 ||
		    strcmp(where, "built-in"))
			continue;
		if (nr_bench_policies == MAX_POLICIES)
			return -E2BIG;
		snprintf(bench_policies[nr_bench_policies++],
			 sizeof(bench_policies[0]), "%s", name);
	}
	return nr_bench_policies ? 0 : -ENOENT;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double median(const double *v, int n)
{
	double *s, m;
	int i, k = 0;

	/* part 4 takes the median of a storm's NR_OOMS, not only of runs */
	s = n > 0 ? malloc(n * sizeof(*s)) : NULL;
	if (!s)
		return __builtin_nan("");
	for (i = 0; i < n; i++)
		if (!__builtin_isnan(v[i]))
			s[k++] = v[i];
	n = k;
	m = __builtin_nan("");
	if (n) {
		qsort(s, n, sizeof(*s), cmp_double);
		m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	}
	free(s);
	return m;
}
