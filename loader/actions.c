// SPDX-License-Identifier: GPL-2.0
/* What a record asks of its reader: a SIGTERM to the likely victim, a reclaim, a tripped policy detached, a hook per record. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/types.h>

#include <oomkit/intf.h>

#include "actions.h"
#include "cgpath.h"
#include "events.h"
#include "main.h"
#include "trip.h"
#include "walltime.h"

/*
 * Hooks and reclaims run side by side in children; a record that finds
 * them all busy gets none.
 */
#define MAX_CHILDREN 8

struct child {
	pid_t pid; /* 0: free */
	long long deadline_ms;
	const char *what; /* "hook", "reclaim": for the timeout's line */
	long long timeout_ms;
};

static const char *hook_cmd;
static long hook_timeout_sec = ACTIONS_HOOK_TIMEOUT_SEC;
static struct child children[MAX_CHILDREN];

void actions_set_hook(const char *cmd, long timeout_sec)
{
	/* the service passes an empty one when no hook is configured */
	hook_cmd = cmd && *cmd ? cmd : NULL;
	hook_timeout_sec = timeout_sec > 0 ? timeout_sec :
					     ACTIONS_HOOK_TIMEOUT_SEC;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Whether process @pid still lives in cgroup @path ("/a/b") or below it. */
static bool pid_in_cgroup(pid_t pid, const char *path)
{
	char file[64], line[PATH_MAX + 8], *p;
	size_t len = strlen(path);
	bool in = false;
	FILE *f;

	snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)pid);
	f = fopen(file, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		p = line + 3;
		p[strcspn(p, "\n")] = '\0';
		in = !strcmp(path, "/") ||
		     (!strncmp(p, path, len) && (!p[len] || p[len] == '/'));
		break;
	}
	fclose(f);
	return in;
}

/*
 * SIGTERM to a pressure record's likely victim. Through a pidfd, sent
 * only if that process is still in the pressured cgroup: a pid reused
 * since the record would have to land there too.
 */
static void term_victim(const struct oomkit_event *e)
{
	const char *path =
		e->scope_cgroup_id ? cgpath_lookup(e->scope_cgroup_id) : "/";
	pid_t pid = e->pids[0];
	int fd;

	if (!*path)
		return; /* the cgroup is gone, and its tasks with it */
	fd = syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return; /* exited already */
	if (!pid_in_cgroup(pid, path)) {
		close(fd);
		return;
	}
	if (syscall(SYS_pidfd_send_signal, fd, SIGTERM, NULL, 0))
		p_err("can't SIGTERM pid %d of '%s': %s", (int)pid, e->policy,
		      strerror(errno));
	close(fd);
}

static void env_u64(const char *name, unsigned long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", v);
	setenv(name, buf, 1);
}

/* In the hook's child: the record as OOMKIT_* variables. */
static void hook_env(const struct oomkit_event *e, const char *line)
{
	char buf[PATH_MAX], pids[OOMKIT_MAX_PIDS * 11 + 1] = "";
	const char *path;
	size_t n = 0;
	__u32 i;

	setenv("OOMKIT_POLICY", e->policy, 1);
	setenv("OOMKIT_DECISION", events_decision_name(e->decision), 1);
	setenv("OOMKIT_TRIGGER", events_trigger_name(e->trigger), 1);
	boot_to_wall_str(e->ts_ns, true, buf, sizeof(buf));
	setenv("OOMKIT_TIME", buf, 1);
	env_u64("OOMKIT_TS_NS", e->ts_ns);
	path = e->scope_cgroup_id ? cgpath_lookup(e->scope_cgroup_id) : "";
	setenv("OOMKIT_SCOPE", e->scope_cgroup_id ? path : "global", 1);
	env_u64("OOMKIT_SCOPE_CGROUP_ID", e->scope_cgroup_id);
	env_u64("OOMKIT_SCOPE_BYTES", e->scope_bytes);
	if (e->victim_cgroup_id) {
		setenv("OOMKIT_VICTIM", cgpath_lookup(e->victim_cgroup_id), 1);
		env_u64("OOMKIT_VICTIM_CGROUP_ID", e->victim_cgroup_id);
		env_u64("OOMKIT_VICTIM_BYTES", e->victim_bytes);
	}
	for (i = 0; i < e->nr_pids && i < OOMKIT_MAX_PIDS; i++)
		n += snprintf(pids + n, sizeof(pids) - n, "%s%u", i ? "," : "",
			      e->pids[i]);
	if (e->nr_pids) {
		env_u64("OOMKIT_PID", e->pids[0]);
		setenv("OOMKIT_PIDS", pids, 1);
	}
	if (e->comm[0])
		setenv("OOMKIT_COMM", e->comm, 1);
	if (e->decision == OOMKIT_DEC_PRESSURE) {
		env_u64("OOMKIT_DEADLINE_NS", e->deadline_ns);
		setenv("OOMKIT_TERM", e->flags & OOMKIT_EVF_TERM ? "1" : "0",
		       1);
	}
	if (e->decision == OOMKIT_DEC_PRESSURE &&
	    (e->flags & OOMKIT_EVF_RECLAIM)) {
		path = e->reclaim_cgroup_id ?
			       cgpath_lookup(e->reclaim_cgroup_id) :
			       "/";
		setenv("OOMKIT_RECLAIM", path, 1);
		env_u64("OOMKIT_RECLAIM_BYTES", e->reclaim_bytes);
	}
	setenv("OOMKIT_REASON", e->reason, 1);
	setenv("OOMKIT_LINE", line, 1);
}

/*
 * Forks a child in its own process group (so a timeout kills what it
 * started too), stdin /dev/null, stdout to our stderr; returns 0 in the
 * child, its pid in the parent, or a negative errno. @timeout_ms from now
 * it is killed.
 */
static pid_t child_start(const struct oomkit_event *e, const char *what,
			 long long timeout_ms)
{
	struct child *c = NULL;
	int i, fd;
	pid_t pid;

	for (i = 0; i < MAX_CHILDREN && !c; i++)
		if (!children[i].pid)
			c = &children[i];
	if (!c) {
		p_err("can't run the %s for a '%s' record: %d hooks and reclaims still running",
		      what, events_decision_name(e->decision), MAX_CHILDREN);
		return -EBUSY;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		p_err("can't run the %s: fork: %s", what, strerror(errno));
		return -errno;
	}
	if (!pid) {
		setpgid(0, 0);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0)
			dup2(fd, STDIN_FILENO);
		/* stdout is the reader's: the child's output goes to stderr */
		dup2(STDERR_FILENO, STDOUT_FILENO);
		return 0;
	}
	setpgid(pid, pid);
	c->pid = pid;
	c->what = what;
	c->timeout_ms = timeout_ms;
	c->deadline_ms = now_ms() + timeout_ms;
	return pid;
}

static void hook_start(const struct oomkit_event *e, const char *line)
{
	if (child_start(e, "hook", hook_timeout_sec * 1000LL))
		return;
	hook_env(e, line);
	execl("/bin/sh", "sh", "-c", hook_cmd, (char *)NULL);
	_exit(127);
}

static long long mem_current(int dirfd)
{
	char buf[32];
	ssize_t n;
	int fd;

	fd = openat(dirfd, "memory.current", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return atoll(buf);
}

/*
 * Reclaim first: a pressure record's reclaim_bytes written to its cgroup's
 * memory.reclaim, in a child, as the write blocks while the kernel
 * reclaims. Stopped at the record's deadline: the OOM comes then anyway
 * if the pressure stays. One line says what it got.
 */
static void reclaim_start(const struct oomkit_event *e)
{
	const char *rel = e->reclaim_cgroup_id ?
				  cgpath_lookup(e->reclaim_cgroup_id) :
				  "/";
	long long grace_ms =
		((long long)e->deadline_ns - boot_now_ns()) / 1000000;
	long long before, after, t0;
	char dir[PATH_MAX], val[32];
	int dirfd, fd, err = 0;
	ssize_t n;

	if (!*rel) {
		p_err("can't reclaim for '%s': cgroup %llu is gone", e->policy,
		      (unsigned long long)e->reclaim_cgroup_id);
		return;
	}
	if (grace_ms <= 0)
		return; /* past the deadline: the kernel decides now */
	snprintf(dir, sizeof(dir), "%s%s", cgroup2_mount(),
		 strcmp(rel, "/") ? rel : "");
	if (child_start(e, "reclaim", grace_ms))
		return;

	dirfd = open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	fd = dirfd < 0 ? -1 :
			 openat(dirfd, "memory.reclaim", O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "Error: can't reclaim from %s: %s\n", dir,
			strerror(errno));
		_exit(1);
	}
	before = mem_current(dirfd);
	t0 = now_ms();
	snprintf(val, sizeof(val), "%llu",
		 (unsigned long long)e->reclaim_bytes);
	n = write(fd, val, strlen(val));
	/* EAGAIN: less than asked was there to take, not a failure */
	if (n < 0 && errno != EAGAIN)
		err = errno;
	after = mem_current(dirfd);
	if (err)
		fprintf(stderr, "Error: can't reclaim from %s: %s\n", dir,
			strerror(err));
	else
		fprintf(stderr,
			"reclaim for %s: %s memory.current %lld -> %lld bytes (%llu asked) in %lld ms\n",
			e->policy, rel, before, after,
			(unsigned long long)e->reclaim_bytes, now_ms() - t0);
	_exit(err ? 1 : 0);
}

void actions_run(const struct oomkit_event *e, const char *line)
{
	if (e->decision == OOMKIT_DEC_PRESSURE &&
	    (e->flags & OOMKIT_EVF_TERM) && e->nr_pids)
		term_victim(e);
	if (e->decision == OOMKIT_DEC_PRESSURE &&
	    (e->flags & OOMKIT_EVF_RECLAIM))
		reclaim_start(e);
	/* the policy passes every OOM on already: take it out of the chain */
	if (e->decision == OOMKIT_DEC_TRIPPED && (e->flags & OOMKIT_EVF_DETACH))
		trip_detach_tripped();
	if (hook_cmd)
		hook_start(e, line);
}

static void reap(void)
{
	long long now = now_ms();
	int i, status;
	pid_t ret;

	for (i = 0; i < MAX_CHILDREN; i++) {
		struct child *c = &children[i];

		if (!c->pid)
			continue;
		ret = waitpid(c->pid, &status, WNOHANG);
		if (ret == c->pid || (ret < 0 && errno == ECHILD)) {
			c->pid = 0;
			continue;
		}
		if (now < c->deadline_ms)
			continue;
		p_err("can't finish the %s (pid %d): still running after %lld ms, killed",
		      c->what, (int)c->pid, c->timeout_ms);
		kill(-c->pid, SIGKILL);
		waitpid(c->pid, &status, 0);
		c->pid = 0;
	}
}

void actions_reap(void)
{
	reap();
}

void actions_finish(void)
{
	struct timespec ts = { 0, 50 * 1000000L };
	int i;

	for (;;) {
		reap();
		for (i = 0; i < MAX_CHILDREN && !children[i].pid; i++)
			;
		if (i == MAX_CHILDREN)
			return;
		nanosleep(&ts, NULL);
	}
}
