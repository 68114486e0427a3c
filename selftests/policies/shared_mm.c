// SPDX-License-Identifier: GPL-2.0
/* Tasks that share an mm (issue 15): a vforked child, clone(CLONE_VM) across cgroups, a vfork storm. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "hog.h"
#include "kmsg.h"
#include "scenario.h"
#include "test.h"

#define POLICY	    "biggest-cgroup"
#define CHILD_STACK (64 * 1024)
#define STORM_OOMS  50

/* What the sharing pair's processes do; strings are prepared before the fork. */
struct pair {
	char charge_procs[4096]; /* cgroup.procs the memory is charged in */
	char parent_procs[4096]; /* where the parent then goes */
	char child_procs[4096];	 /* where the child goes */
	size_t bytes;
	int parent_adj;
	int child_adj;
	int flags; /* clone flags of the child */
	int fd;	   /* the ready pipe */
};

/* The pair's parent and its child; killed by pair_end(). */
static pid_t pair_parent = -1, pair_child = -1;

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -1;
}

static int write_adj(int adj)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", adj);
	return write_str("/proc/self/oom_score_adj", buf);
}

/* The child, on the parent's mm: joins its cgroup, says its pid, waits to be killed. */
static int pair_child_fn(void *arg)
{
	struct pair *p = arg;
	pid_t self = syscall(SYS_getpid);

	if (write_adj(p->child_adj) || write_str(p->child_procs, "0"))
		self = -1;
	if (write(p->fd, &self, sizeof(self)) != sizeof(self))
		syscall(SYS_exit, 1);
	for (;;)
		pause();
	return 0;
}

static void __attribute__((noreturn)) pair_parent_main(struct pair *p)
{
	char *mem, *stack;
	pid_t fail = -1;
	size_t i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (write_str(p->charge_procs, "0"))
		goto fail;
	mem = mmap(NULL, p->bytes, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	stack = mmap(NULL, CHILD_STACK, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED || stack == MAP_FAILED)
		goto fail;
	for (i = 0; i < p->bytes; i += 4096)
		mem[i] = 1;
	stack[0] = 1;
	if (write_adj(p->parent_adj) || write_str(p->parent_procs, "0"))
		goto fail;
	/* CLONE_VFORK: back here only once the child died. */
	if (clone(pair_child_fn, stack + CHILD_STACK, p->flags, p) < 0)
		goto fail;
	for (;;)
		pause();
fail:
	if (write(p->fd, &fail, sizeof(fail)) != sizeof(fail))
		_exit(1);
	_exit(1);
}

/*
 * Starts a process that charges @bytes to @charge, moves to @parent_rel
 * at @parent_adj, and clones a child on its mm (@flags) that moves to
 * @child_rel at @child_adj. 0 once the child is in place.
 */
static int pair_start(const char *charge, const char *parent_rel,
		      int parent_adj, const char *child_rel, int child_adj,
		      int flags, size_t bytes)
{
	struct pair p = { .bytes = bytes,
			  .parent_adj = parent_adj,
			  .child_adj = child_adj,
			  .flags = flags | SIGCHLD };
	int pfd[2];
	pid_t pid, child = -1;
	ssize_t n;

	snprintf(p.charge_procs, sizeof(p.charge_procs), "%s/cgroup.procs",
		 cg_abspath(charge));
	snprintf(p.parent_procs, sizeof(p.parent_procs), "%s/cgroup.procs",
		 cg_abspath(parent_rel));
	snprintf(p.child_procs, sizeof(p.child_procs), "%s/cgroup.procs",
		 cg_abspath(child_rel));
	pid = fork_piped(pfd);
	if (pid < 0)
		return pid;
	if (pid == 0) {
		close(pfd[0]);
		p.fd = pfd[1];
		pair_parent_main(&p);
	}
	close(pfd[1]);
	pair_parent = pid;
	do {
		n = read(pfd[0], &child, sizeof(child));
	} while (n < 0 && errno == EINTR);
	close(pfd[0]);
	if (n != sizeof(child) || child <= 0)
		return -EIO;
	pair_child = child;
	return 0;
}

static bool pid_gone(pid_t pid)
{
	char path[64], buf[256], *s;
	int fd;
	ssize_t n;

	if (pid == pair_parent && waitpid(pid, NULL, WNOHANG) == pid) {
		pair_parent = -1;
		return true;
	}
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	s = strrchr(buf, ')');
	/* A zombie (its parent, blocked or killed, has not reaped it yet). */
	return s && (s[2] == 'Z' || s[2] == 'X');
}

static void pair_end(void)
{
	if (pair_child > 0)
		kill(pair_child, SIGKILL);
	if (pair_parent > 0) {
		kill(pair_parent, SIGKILL);
		waitpid(pair_parent, NULL, 0);
	}
	pair_parent = pair_child = -1;
}

static bool pids_have(const struct oomkit_event *e, pid_t pid)
{
	__u32 i;

	for (i = 0; i < e->nr_pids && i < OOMKIT_MAX_PIDS; i++)
		if (e->pids[i] == (__u32)pid)
			return true;
	for (i = 0; i < e->nr_also && i < OOMKIT_MAX_PIDS; i++)
		if (e->also_pids[i] == (__u32)pid)
			return true;
	return false;
}

/*
 * oom (64 MB): a holds 36 MB, charged there by a parent that then moved
 * to p at oom_score_adj -1000 and vforked a child into a at 0. The child
 * runs on the parent's mm until it execs: killing it frees nothing (the
 * kernel would kill the -1000 parent with it, the mm's other user). a
 * also has a 4 MB hog: ranked by what a kill there could free, a is
 * smaller than b. b's hog grows: the policy must pass the child over and
 * kill b's hog, once.
 */
TEST(shared_mm_vfork_child_of_unkillable)
{
	struct oomkit_event ev[16];
	const struct oomkit_event *k;
	pid_t hog, small, parent, child;
	int nr;

	if (!ASSERT_OK(scenario_begin_tree("shared_mm_vfork", 64 * MB, "a", "b",
					   "p", NULL),
		       "scenario_begin_tree"))
		goto cleanup;
	if (!ASSERT_OK(pair_start("oom/a", "oom/p", -1000, "oom/a", 0,
				  CLONE_VM | CLONE_VFORK, 36 * MB),
		       "pair_start"))
		goto cleanup;
	parent = pair_parent;
	child = pair_child;
	small = hog_start("oom/a", 4 * MB, 0);
	if (!ASSERT_GT(small, 0, "hog_start small"))
		goto cleanup;
	if (!ASSERT_OK(policy_load(POLICY, NULL), "policy load"))
		goto cleanup;
	hog = hog_start_growing("oom/b", 1 * MB, 0);
	if (!ASSERT_GT(hog, 0, "hog_start_growing"))
		goto cleanup;
	ASSERT_TRUE(hog_killed(hog), "b's hog killed");
	ASSERT_TRUE(hog_alive(small), "a's small hog alive");
	ASSERT_FALSE(pid_gone(child), "the vforked child alive");
	ASSERT_FALSE(pid_gone(parent), "the -1000 parent alive");
	ASSERT_EQ(oom_kills("oom/a"), 0, "a's oom_kill");
	ASSERT_EQ(policy_stat(POLICY, OOMKIT_STAT_KILLS), 1, "one kill");
	nr = policy_events(POLICY, ev, 16);
	k = event_find(ev, nr, OOMKIT_DEC_KILL_TASK);
	if (ASSERT_TRUE(k != NULL, "kill record")) {
		ASSERT_EQ(k->victim_cgroup_id, cg_id("oom/b"), "killed in b");
		ASSERT_EQ(k->pids[0], hog, "the hog named");
	}
cleanup:
	pair_end();
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}

/*
 * oom (64 MB): a process in a holds 36 MB and shares its mm with a
 * clone(CLONE_VM) child in c. b's hog takes 36 MB; a is the biggest leaf
 * and its process dies, and the kernel kills every process sharing the mm:
 * the child in c too. The record names both, and observe, attached first,
 * shows the child as "would also kill". The hog then fits: one OOM, so a
 * second kill could only be of a sharer (a hog that kept growing would OOM
 * again, and race the count).
 */
TEST(shared_mm_clone_vm_across_cgroups)
{
	struct oomkit_event ev[16];
	const struct oomkit_event *k, *obs;
	pid_t hog, parent, child;
	int nr;

	if (!ASSERT_OK(scenario_begin_tree("shared_mm_clone_vm", 64 * MB, "a",
					   "b", "c", NULL),
		       "scenario_begin_tree"))
		goto cleanup;
	if (!ASSERT_OK(pair_start("oom/a", "oom/a", 0, "oom/c", 0, CLONE_VM,
				  36 * MB),
		       "pair_start"))
		goto cleanup;
	parent = pair_parent;
	child = pair_child;
	if (!ASSERT_OK(policy_load("observe", NULL), "load observe") ||
	    !ASSERT_OK(policy_load(POLICY, NULL), "policy load"))
		goto cleanup;
	hog = hog_start("oom/b", 36 * MB, 0);
	if (!ASSERT_GT(hog, 0, "hog_start"))
		goto cleanup;
	ASSERT_TRUE(WAIT_UNTIL(pid_gone(parent) && pid_gone(child),
			       OOM_TIMEOUT_MS),
		    "both sharers die");
	ASSERT_TRUE(hog_alive(hog), "b's hog alive");
	ASSERT_EQ(policy_stat(POLICY, OOMKIT_STAT_KILLS), 1, "one kill");
	nr = policy_events(POLICY, ev, 16);
	k = event_find(ev, nr, OOMKIT_DEC_KILL_TASK);
	if (ASSERT_TRUE(k != NULL, "kill record")) {
		ASSERT_EQ(k->victim_cgroup_id, cg_id("oom/a"), "killed in a");
		ASSERT_EQ(k->pids[0], parent, "the parent named first");
		ASSERT_TRUE(pids_have(k, child), "the child in c named too");
		ASSERT_EQ(k->nr_also, 1, "one more process");
	}
	nr = policy_events("observe", ev, 16);
	obs = event_find(ev, nr, OOMKIT_DEC_OBSERVE);
	if (ASSERT_TRUE(obs != NULL, "observe record")) {
		ASSERT_EQ(obs->victim_cgroup_id, cg_id("oom/a"),
			  "observe saw a");
		ASSERT_EQ(obs->nr_also, 1, "observe: would also kill one");
		ASSERT_EQ(obs->also_pids[0], child,
			  "observe: would also kill the child");
	}
	hog_kill_all();
cleanup:
	pair_end();
	ASSERT_EQ(scenario_end(POLICY, "observe", NULL), 0,
		  "nr_dying_descendants");
}

/*
 * STORM_OOMS OOMs in oom (48 MB): each a hog growing in b, while leaf a
 * runs shell loops that spawn a child after another (vfork: the shell
 * waits on the child's exec with its mm shared), and a -1000 shell loop
 * in p spawns children too. Each OOM must kill that hog, by the policy,
 * and nothing else: never a child in vfork, never a kill that fails, no
 * WARNING/BUG in the log.
 */
TEST(shared_mm_vfork_storm)
{
	static const char *const kill_lines[] = {
		POLICY ": Killed process",
		"Memory cgroup out of memory: Killed process", NULL
	};
	int counts[3] = {}, bad[8] = {}, fd = -1, i, j;
	pid_t loops[3] = { -1, -1, -1 }, hog;
	const char *where[3] = { "oom/a", "oom/a", "oom/p" };
	int adj[3] = { 0, 0, -1000 };
	struct oomkit_event ev[64];
	long long kills = 0, start;
	int nr, nr_kill = 0, nr_bad_rec = 0;

	if (!ASSERT_OK(scenario_begin_tree("shared_mm_storm", 48 * MB, "a", "b",
					   "p", NULL),
		       "scenario_begin_tree"))
		goto cleanup;
	for (i = 0; i < 3; i++) {
		char procs[4096], a[16];

		snprintf(procs, sizeof(procs), "%s/cgroup.procs",
			 cg_abspath(where[i]));
		snprintf(a, sizeof(a), "%d", adj[i]);
		fflush(stdout);
		loops[i] = fork();
		if (loops[i] == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (write_str(procs, "0") || write_adj(adj[i]))
				_exit(1);
			/* posix_spawn() vforks: a child after another, each in vfork until exec. */
			execl("/bin/sh", "sh", "-c",
			      "while :; do /bin/true; done", NULL);
			_exit(1);
		}
		if (!ASSERT_GT(loops[i], 0, "fork loop"))
			goto cleanup;
	}
	if (!ASSERT_OK(policy_load(POLICY, NULL), "policy load"))
		goto cleanup;
	fd = kmsg_follow();
	if (!ASSERT_GE(fd, 0, "kmsg_follow"))
		goto cleanup;
	start = test_now_ms();
	for (i = 0; i < STORM_OOMS; i++) {
		hog = hog_start_growing("oom/b", 1 * MB, 0);
		if (!ASSERT_GT(hog, 0, "hog_start_growing"))
			break;
		if (!ASSERT_TRUE(hog_killed(hog), "storm hog OOM-killed"))
			break;
		/* Drained as it goes: the ring holds fewer than 50 OOMs' records. */
		nr = policy_events(POLICY, ev, 64);
		for (j = 0; j < nr; j++) {
			if (ev[j].decision == OOMKIT_DEC_KILL_TASK) {
				nr_kill++;
				if (ev[j].pids[0] != (__u32)hog ||
				    ev[j].nr_also)
					nr_bad_rec++;
			} else if (ev[j].decision == OOMKIT_DEC_KILL_FAILED) {
				nr_bad_rec++;
			}
		}
		if (kmsg_follow_count(fd, kill_lines, counts) < 0 ||
		    kmsg_follow_count(fd, dmesg_bad_patterns, bad) < 0)
			break;
	}
	test_log("%d OOMs in %lld ms\n", i, test_now_ms() - start);
	ASSERT_EQ(i, STORM_OOMS, "every OOM resolved");
	for (j = 0; j < 3; j++)
		ASSERT_TRUE(waitpid(loops[j], NULL, WNOHANG) == 0,
			    "the shell loops alive");
	ASSERT_EQ(oom_kills("oom/a"), 0, "a's oom_kill");
	ASSERT_EQ(oom_kills("oom/b"), STORM_OOMS, "b's oom_kill");
	kills = policy_stat(POLICY, OOMKIT_STAT_KILLS);
	ASSERT_EQ(kills, STORM_OOMS, "kills counter");
	ASSERT_EQ(policy_stat(POLICY, OOMKIT_STAT_TASKS_KILLED), STORM_OOMS,
		  "tasks killed");
	ASSERT_EQ(policy_stat(POLICY, OOMKIT_STAT_KILL_FAILED), 0,
		  "kill_failed counter");
	ASSERT_EQ(nr_kill, STORM_OOMS, "kill records");
	ASSERT_EQ(nr_bad_rec, 0,
		  "records naming another pid, a sharer, or a failed kill");
	ASSERT_EQ(counts[0], STORM_OOMS, "the policy's kill lines");
	ASSERT_EQ(counts[1], 0, "the kernel killer never had to");
	for (j = 0; dmesg_bad_patterns[j]; j++)
		ASSERT_EQ(bad[j], 0, dmesg_bad_patterns[j]);
cleanup:
	if (fd >= 0)
		close(fd);
	for (i = 0; i < 3; i++) {
		if (loops[i] > 0) {
			kill(loops[i], SIGKILL);
			waitpid(loops[i], NULL, 0);
		}
	}
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}
