// SPDX-License-Identifier: GPL-2.0
/* Helpers the policy scenarios share: the CLI, a policy's pinned counters and records. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cgroup.h"
#include "cli.h"
#include "hog.h"
#include "kmsg.h"
#include "report.h"
#include "scenario.h"
#include "test.h"

#define MAX_ARGS 32
#define PIN_DIR	 "/sys/fs/bpf/oomkit"
/* A leaked reference never lets go; a slow RCU/workqueue under TCG load may take a while. */
#define DYING_WAIT_MS 30000
#define MAX_FILES     4

static char output[16384];

/* Children forked here, not by hog.c, and scratch files: scenario_end() removes them. */
static char files[MAX_FILES][PATH_MAX];
static int nr_files;

/* Runs build/oomkit @argv (without argv[0]); shows the command and its output if it fails. */
static int run(const char **argv)
{
	int status, i;

	status = cli_run_merged(argv, output, sizeof(output));
	if (status < 0)
		return status;
	if (status || test_verbose()) {
		printf("# $ %s", build_path("oomkit"));
		for (i = 0; argv[i]; i++)
			printf(" %s", argv[i]);
		printf("\n%s", output);
	}
	return status;
}

static int run_va(const char *first, const char *more, va_list ap)
{
	const char *argv[MAX_ARGS + 1];
	const char *arg;
	int n = 0;

	argv[n++] = first;
	if (more)
		argv[n++] = more;
	while ((arg = va_arg(ap, const char *)) && n < MAX_ARGS)
		argv[n++] = arg;
	argv[n] = NULL;
	return run(argv);
}

int oomkit(const char *arg, ...)
{
	va_list ap;
	int ret;

	va_start(ap, arg);
	ret = run_va(arg, NULL, ap);
	va_end(ap);
	return ret;
}

const char *oomkit_output(void)
{
	return output;
}

int scenario_begin(const char *test)
{
	/* A test the runner killed on timeout leaves its policies attached. */
	if (!access(PIN_DIR, F_OK))
		oomkit("policy", "unload", "--all", NULL);
	return cg_init(test);
}

int scenario_begin_tree(const char *test, unsigned long long max_bytes,
			const char *leaf, ...)
{
	char rel[PATH_MAX];
	const char *l;
	va_list ap;
	int err;

	err = scenario_begin(test);
	err = err ?: cg_create("oom");
	err = err ?: cg_write("oom", "memory.max", "%llu", max_bytes);
	va_start(ap, leaf);
	for (l = leaf; l && !err; l = va_arg(ap, const char *)) {
		snprintf(rel, sizeof(rel), "oom/%s", l);
		err = cg_create(rel);
	}
	va_end(ap);
	return err;
}

bool oom_report_names(long long mark, const char *policy)
{
	const char *any = report_any_handler(), *want;
	char line[512], buf[128];

	if (!ASSERT_EQ(kmsg_grep(mark, REPORT_HEADER, line, sizeof(line)), 1,
		       "OOM report"))
		return false;
	want = report_names(policy, buf, sizeof(buf));
	if (!any)
		return ASSERT_HAS_SUBSTR(line, want,
					 "the policy in the OOM report");
	/* level 2: the first handler record names it, or none is printed */
	if (!want)
		return ASSERT_EQ(kmsg_count(mark, any), 0,
				 "handler records in the OOM report");
	if (!ASSERT_EQ(kmsg_grep(mark, any, line, sizeof(line)), 1,
		       "the OOM report's handler record"))
		return false;
	return ASSERT_HAS_SUBSTR(line, want, "the policy in the OOM report");
}

bool oom_kill_line(long long mark, char *line, size_t len)
{
	return ASSERT_EQ(kmsg_grep(mark, "oom-kill:constraint=", line, len), 1,
			 "oom-kill line");
}

int scenario_begin_abc(const char *test)
{
	return scenario_begin_tree(test, 64 * MB, "a", "b", "c", NULL);
}

bool abc_oom(const char *policy, const unsigned long long bytes[3], int victim,
	     struct oomkit_event *rec)
{
	static const char *const leaf[3] = { "oom/a", "oom/b", "oom/c" };
	struct oomkit_event ev[16];
	const struct oomkit_event *kill;
	char what[64];
	long long mark = 0;
	pid_t pid[3];
	bool ok = true;
	int i, nr;

	for (i = 0; i < 3; i++) {
		/* From c on: c's allocation is the OOM. */
		if (i == 2)
			mark = kmsg_mark();
		pid[i] = hog_start(leaf[i], bytes[i], 0);
	}
	for (i = 0; i < 3; i++) {
		snprintf(what, sizeof(what), "%s %s", leaf[i],
			 i == victim ? "killed" : "survives");
		if (i == victim)
			ok &= ASSERT_TRUE(hog_killed(pid[i]), what);
		else
			ok &= ASSERT_TRUE(hog_alive(pid[i]), what);
		snprintf(what, sizeof(what), "%s oom_kill", leaf[i]);
		ok &= ASSERT_EQ(oom_kills(leaf[i]), i == victim, what);
	}
	ok &= oom_report_names(mark, policy);

	nr = policy_events(policy, ev, 16);
	kill = event_find(ev, nr, OOMKIT_DEC_KILL_TASK);
	if (!ASSERT_TRUE(kill != NULL, "kill record"))
		return false;
	ok &= ASSERT_EQ(kill->victim_cgroup_id, cg_id(leaf[victim]),
			"victim cgroup");
	ok &= ASSERT_EQ(kill->pids[0], pid[victim], "victim pid");
	*rec = *kill;
	return ok;
}

#define NR_SETTING_BUFS 8

static char *setting_buf(void)
{
	static char bufs[NR_SETTING_BUFS][PATH_MAX + 64];
	static int next;

	return bufs[next++ % NR_SETTING_BUFS];
}

const char *cg_setting(const char *key, const char *rel)
{
	char *s = setting_buf();

	snprintf(s, PATH_MAX + 64, "%s=%s", key, cg_abspath(rel));
	return s;
}

const char *cg_setting_n(const char *key, const char *rel, int n)
{
	char *s = setting_buf();

	snprintf(s, PATH_MAX + 64, "%s=%s:%d", key, cg_abspath(rel), n);
	return s;
}

int policy_load(const char *name, ...)
{
	const char *argv[MAX_ARGS + 1];
	const char *set;
	va_list ap;
	int n = 0;

	argv[n++] = "policy";
	argv[n++] = "load";
	argv[n++] = name;
	va_start(ap, name);
	while ((set = va_arg(ap, const char *)) && n < MAX_ARGS - 1) {
		argv[n++] = "--set";
		argv[n++] = set;
	}
	va_end(ap);
	argv[n] = NULL;
	return run(argv);
}

int policy_unload(const char *name)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), PIN_DIR "/%s", name);
	if (access(dir, F_OK))
		return 0;
	return oomkit("policy", "unload", name, NULL);
}

static int pinned_fd(const char *name, const char *map)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), PIN_DIR "/%s/%s", name, map);
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

long long policy_stat(const char *name, enum oomkit_stat stat)
{
	int nr_cpus = libbpf_num_possible_cpus();
	long long sum = 0;
	__u32 key = stat;
	__u64 *vals;
	int fd, i;

	if (nr_cpus <= 0)
		return -EINVAL;
	fd = pinned_fd(name, "oomkit_stats");
	if (fd < 0)
		return fd;
	vals = calloc(nr_cpus, sizeof(*vals));
	if (!vals) {
		close(fd);
		return -ENOMEM;
	}
	if (bpf_map_lookup_elem(fd, &key, vals)) {
		sum = -errno;
	} else {
		for (i = 0; i < nr_cpus; i++)
			sum += vals[i];
	}
	free(vals);
	close(fd);
	return sum;
}

struct drain {
	struct oomkit_event *ev;
	int max;
	int nr;
};

static int drain_one(void *ctx, void *data, size_t size)
{
	struct drain *d = ctx;

	if (d->nr < d->max && size >= sizeof(struct oomkit_event))
		memcpy(&d->ev[d->nr++], data, sizeof(struct oomkit_event));
	return 0;
}

int policy_events(const char *name, struct oomkit_event *ev, int max)
{
	struct drain d = { .ev = ev, .max = max };
	struct ring_buffer *rb;
	int fd, err;

	fd = pinned_fd(name, "oomkit_events");
	if (fd < 0)
		return fd;
	rb = ring_buffer__new(fd, drain_one, &d, NULL);
	if (!rb) {
		err = -errno;
		close(fd);
		return err;
	}
	err = ring_buffer__consume(rb);
	ring_buffer__free(rb);
	close(fd);
	if (err < 0)
		return err;
	if (test_verbose()) {
		for (int i = 0; i < d.nr; i++)
			test_log(
				"%s event: decision %u victim cgroup %llu pid %u: %s\n",
				name, ev[i].decision,
				(unsigned long long)ev[i].victim_cgroup_id,
				ev[i].nr_pids ? ev[i].pids[0] : 0,
				ev[i].reason);
	}
	return d.nr;
}

const struct oomkit_event *event_find(const struct oomkit_event *ev, int nr,
				      __u32 decision)
{
	int i;

	for (i = 0; i < nr; i++)
		if (ev[i].decision == decision)
			return &ev[i];
	return NULL;
}

int event_count(const struct oomkit_event *ev, int nr, __u32 decision)
{
	int i, n = 0;

	for (i = 0; i < nr; i++)
		n += ev[i].decision == decision;
	return n;
}

const char *const dmesg_bad_patterns[] = {
	"WARNING:", "BUG:", "refcount_t", "Oops", "INFO:", NULL,
};

int dmesg_bad_records(long long *mark)
{
	long long next = kmsg_mark();
	int i, n = 0, c;

	/*
	 * The next mark is taken first, so no record falls between two
	 * calls; one printed meanwhile is counted twice, and 0 stays 0.
	 */
	for (i = 0; dmesg_bad_patterns[i]; i++) {
		c = kmsg_count(*mark, dmesg_bad_patterns[i]);
		if (c < 0) {
			/* a log we cannot read is not a clean one */
			printf("# can't read /dev/kmsg: %s\n", strerror(-c));
			c = 1;
		}
		n += c;
	}
	*mark = next;
	return n;
}

bool hog_killed(pid_t pid)
{
	return pid > 0 && hog_wait(pid, OOM_TIMEOUT_MS) == SIGKILL;
}

bool hog_alive(pid_t pid)
{
	return pid > 0 && hog_wait(pid, SURVIVE_MS) == -ETIMEDOUT;
}

int scratch_file(const char *name, size_t bytes, char *path, size_t len)
{
	const char *dir = getenv("OOMKIT_SCRATCH");
	int fd, err = 0;

	if (!dir || !dir[0])
		return -ENOENT;
	if (nr_files == MAX_FILES)
		return -ENOSPC;
	if (snprintf(path, len, "%s/%s", dir, name) >= (int)len)
		return -ENAMETOOLONG;
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, bytes))
		err = -errno;
	close(fd);
	if (err) {
		unlink(path);
		return err;
	}
	snprintf(files[nr_files++], PATH_MAX, "%s", path);
	return 0;
}

static void files_remove(void)
{
	int i;

	for (i = 0; i < nr_files; i++)
		unlink(files[i]);
	nr_files = 0;
}

/*
 * Page cache charged to the test's cgroups outlives them and keeps them
 * dying, though nothing leaked: under global pressure the runner's own
 * text is evicted, and the hog that faults it back in is charged for it.
 * Reclaim it (asking for all of it; the rest of "file", shmem, cannot go
 * without swap) while the tree is still there, so that a cgroup left
 * dying is one something really holds.
 */
static void page_cache_drop(void)
{
	long long file;
	int i;

	for (i = 0; i < 4; i++) {
		file = cg_read_key(NULL, "memory.stat", "file");
		if (file <= 0)
			return;
		test_log(
			"reclaiming %lld bytes of page cache left in the tree\n",
			file);
		cg_write(NULL, "memory.reclaim", "%lld", file);
	}
}

/*
 * The same for removed cgroups: page cache charged to them (refaulted
 * after page_cache_drop(), or missed by it) can only be reached through
 * an ancestor's memory.reclaim. Reclaim frees pages, not references: a
 * memcg a policy leaked stays dying whatever this does.
 */
static void dying_page_cache_drop(void)
{
	int fd = open(CG_TOP "/memory.reclaim", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	/* -EAGAIN when less could be reclaimed: expected, the rest is retried */
	if (write(fd, "64M", 3) < 0 && errno != EAGAIN)
		test_log("%s/memory.reclaim: %s\n", CG_TOP, strerror(errno));
	close(fd);
}

static long long dying_descendants(void)
{
	char buf[512], *p;
	long long val = -1;
	FILE *f;

	f = fopen(CG_TOP "/cgroup.stat", "re");
	if (!f)
		return -errno;
	while (fgets(buf, sizeof(buf), f)) {
		p = strstr(buf, "nr_dying_descendants ");
		if (p == buf) {
			val = strtoll(buf + strlen("nr_dying_descendants "),
				      NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}

/* Tasks still in a removed test cgroup: a zombie nobody reaped pins it. */
static void dying_tasks_report(void)
{
	char path[PATH_MAX], buf[512];
	struct dirent *de;
	DIR *proc;
	FILE *f;

	proc = opendir("/proc");
	if (!proc)
		return;
	while ((de = readdir(proc))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cgroup", de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && strstr(buf, "(deleted)"))
			printf("# pid %s in a removed cgroup: %s", de->d_name,
			       buf);
		fclose(f);
	}
	closedir(proc);
}

/*
 * Why memcgs stay dying, printed with the failure: what is still charged
 * to them (the top's memory.stat counts its removed descendants) and who
 * is still in them. Pages point at page cache or kernel memory, none at
 * a reference a policy took.
 */
static void dying_report(long long dying)
{
	static const char *const keys[] = {
		"anon",	  "file", "file_mapped", "shmem",
		"kernel", "sock", "percpu",	 "slab",
	};
	unsigned int i;

	printf("# %lld memcgs still dying; %s/memory.stat:", dying, CG_TOP);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		printf(" %s %lld", keys[i],
		       cg_read_key(CG_TOP, "memory.stat", keys[i]));
	printf("\n");
	dying_tasks_report();
}

long long scenario_end(const char *policy, ...)
{
	long long deadline = test_now_ms() + DYING_WAIT_MS, dying;
	const char *p;
	va_list ap;
	int i;

	va_start(ap, policy);
	for (p = policy; p; p = va_arg(ap, const char *))
		policy_unload(p);
	va_end(ap);
	hog_kill_all();
	files_remove();
	page_cache_drop();
	cg_cleanup();

	for (i = 0;; i++) {
		dying = dying_descendants();
		if (dying <= 0)
			return dying;
		if (test_now_ms() >= deadline) {
			dying_report(dying);
			return dying;
		}
		if (i % 20 == 19)
			dying_page_cache_drop();
		test_sleep_ms(50);
	}
}
