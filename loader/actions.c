// SPDX-License-Identifier: GPL-2.0
/* What a record asks of its reader: a SIGTERM to the likely victim, a tripped policy detached, a hook per record. */
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

/* Hooks run side by side; a record that finds them all busy gets none. */
#define MAX_HOOKS 8

struct hook {
	pid_t pid; /* 0: free */
	long long deadline_ms;
};

static const char *hook_cmd;
static long hook_timeout_sec = ACTIONS_HOOK_TIMEOUT_SEC;
static struct hook hooks[MAX_HOOKS];

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
	setenv("OOMKIT_REASON", e->reason, 1);
	setenv("OOMKIT_LINE", line, 1);
}

static void hook_start(const struct oomkit_event *e, const char *line)
{
	struct hook *h = NULL;
	int i, fd;
	pid_t pid;

	for (i = 0; i < MAX_HOOKS && !h; i++)
		if (!hooks[i].pid)
			h = &hooks[i];
	if (!h) {
		p_err("can't run the hook for a '%s' record: %d hooks still running",
		      events_decision_name(e->decision), MAX_HOOKS);
		return;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		p_err("can't run the hook: fork: %s", strerror(errno));
		return;
	}
	if (!pid) {
		/* its own group, so a timeout kills what it started too */
		setpgid(0, 0);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0)
			dup2(fd, STDIN_FILENO);
		/* stdout is the reader's: its output goes to stderr */
		dup2(STDERR_FILENO, STDOUT_FILENO);
		hook_env(e, line);
		execl("/bin/sh", "sh", "-c", hook_cmd, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	h->pid = pid;
	h->deadline_ms = now_ms() + hook_timeout_sec * 1000;
}

void actions_run(const struct oomkit_event *e, const char *line)
{
	if (e->decision == OOMKIT_DEC_PRESSURE &&
	    (e->flags & OOMKIT_EVF_TERM) && e->nr_pids)
		term_victim(e);
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

	for (i = 0; i < MAX_HOOKS; i++) {
		struct hook *h = &hooks[i];

		if (!h->pid)
			continue;
		ret = waitpid(h->pid, &status, WNOHANG);
		if (ret == h->pid || (ret < 0 && errno == ECHILD)) {
			h->pid = 0;
			continue;
		}
		if (now < h->deadline_ms)
			continue;
		p_err("can't finish the hook (pid %d): still running after %ld s, killed",
		      (int)h->pid, hook_timeout_sec);
		kill(-h->pid, SIGKILL);
		waitpid(h->pid, &status, 0);
		h->pid = 0;
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
		for (i = 0; i < MAX_HOOKS && !hooks[i].pid; i++)
			;
		if (i == MAX_HOOKS)
			return;
		nanosleep(&ts, NULL);
	}
}
