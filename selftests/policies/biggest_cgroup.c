// SPDX-License-Identifier: GPL-2.0
/* biggest-cgroup scenarios: the biggest killable leaf dies, -1000 spares a leaf, group kills. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "hog.h"
#include "kmsg.h"
#include "scenario.h"
#include "test.h"

#define POLICY "biggest-cgroup"

/*
 * The upstream selftest's tree: under oom (memory.max 96 MB), cg1 10 MB at
 * oom_score_adj +1000, cg2 40 MB at -1000, cg3/cg4 30 MB, then cg3/cg5
 * allocating 20 MB causes the OOM. The kernel would kill cg1's task (+1000),
 * cg2 is the biggest but unkillable: the policy must kill cg4's task, and
 * only it.
 */
TEST(biggest_cgroup_kills_biggest_killable_leaf)
{
	struct oomkit_event ev[16];
	pid_t cg1, cg2, cg4, cg5;
	const struct oomkit_event *rec;
	long long mark;
	int nr;

	if (!ASSERT_OK(scenario_begin("biggest_leaf"), "scenario_begin"))
		goto cleanup;
	if (!ASSERT_OK(cg_create("oom"), "cg_create oom") ||
	    !ASSERT_OK(cg_write("oom", "memory.max", "%llu", 96 * MB),
		       "memory.max") ||
	    !ASSERT_OK(cg_create("oom/cg1"), "cg_create cg1") ||
	    !ASSERT_OK(cg_create("oom/cg2"), "cg_create cg2") ||
	    !ASSERT_OK(cg_create("oom/cg3"), "cg_create cg3") ||
	    !ASSERT_OK(cg_create("oom/cg3/cg4"), "cg_create cg4") ||
	    !ASSERT_OK(cg_create("oom/cg3/cg5"), "cg_create cg5"))
		goto cleanup;
	if (!ASSERT_OK(policy_load(POLICY, NULL), "policy load"))
		goto cleanup;

	cg2 = hog_start("oom/cg2", 40 * MB, -1000);
	cg1 = hog_start("oom/cg1", 10 * MB, 1000);
	cg4 = hog_start("oom/cg3/cg4", 30 * MB, 0);
	if (!ASSERT_TRUE(hog_alive(cg1) && hog_alive(cg2) && hog_alive(cg4),
			 "hogs before OOM"))
		goto cleanup;
	mark = kmsg_mark();
	cg5 = hog_start("oom/cg3/cg5", 20 * MB, 0);

	ASSERT_TRUE(hog_killed(cg4), "cg4 killed");
	ASSERT_TRUE(hog_alive(cg1), "cg1 (+1000) survives");
	ASSERT_TRUE(hog_alive(cg2), "cg2 (-1000) survives");
	ASSERT_TRUE(hog_alive(cg5), "cg5 survives and finished allocating");
	ASSERT_EQ(oom_kills("oom/cg3/cg4"), 1, "cg4 oom_kill");
	ASSERT_EQ(oom_kills("oom/cg1"), 0, "cg1 oom_kill");
	ASSERT_EQ(oom_kills("oom/cg2"), 0, "cg2 oom_kill");
	ASSERT_EQ(oom_kills("oom/cg3/cg5"), 0, "cg5 oom_kill");
	ASSERT_EQ(oom_kills("oom"), 1, "oom oom_kill (hierarchical)");
	oom_report_names(mark, POLICY);
	ASSERT_EQ(kmsg_count(mark, POLICY ": Killed process"), 1,
		  "one kill line");
	ASSERT_EQ(policy_stat(POLICY, OOMKIT_STAT_KILLS), 1, "kills counter");
	ASSERT_EQ(policy_stat(POLICY, OOMKIT_STAT_TASKS_KILLED), 1,
		  "tasks_killed counter");

	nr = policy_events(POLICY, ev, 16);
	rec = event_find(ev, nr, OOMKIT_DEC_KILL_TASK);
	if (ASSERT_TRUE(rec != NULL, "kill-task record")) {
		ASSERT_EQ(rec->trigger, OOMKIT_TRIG_OOM_MEMCG, "trigger");
		ASSERT_EQ(rec->scope_cgroup_id, cg_id("oom"), "scope");
		ASSERT_EQ(rec->victim_cgroup_id, cg_id("oom/cg3/cg4"),
			  "victim cgroup");
		ASSERT_EQ(rec->nr_pids, 1, "nr_pids");
		ASSERT_EQ(rec->pids[0], cg4, "victim pid");
		ASSERT_GE(rec->victim_bytes, 28 * MB, "victim bytes");
		ASSERT_STR_EQ(rec->policy, POLICY, "record policy");
		ASSERT_HAS_SUBSTR(rec->reason, "largest leaf", "reason");
		/* cg4 first; cg2 (-1000) is not a candidate. */
		ASSERT_EQ(rec->candidates[0].cgroup_id, cg_id("oom/cg3/cg4"),
			  "candidate 0");
		ASSERT_NEQ(rec->candidates[1].cgroup_id, cg_id("oom/cg2"),
			   "cg2 not a candidate");
	}

cleanup:
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}

/* kill_all=1: every task of the chosen leaf dies, each counted in its oom_kill. */
TEST(biggest_cgroup_kill_all_tunable)
{
	pid_t a[3], small;
	struct oomkit_event ev[16];
	const struct oomkit_event *rec;
	int i, nr;

	if (!ASSERT_OK(scenario_begin("biggest_kill_all"), "scenario_begin"))
		goto cleanup;
	if (!ASSERT_OK(cg_create("oom"), "cg_create oom") ||
	    !ASSERT_OK(cg_write("oom", "memory.max", "%llu", 64 * MB),
		       "memory.max") ||
	    !ASSERT_OK(cg_create("oom/big"), "cg_create big") ||
	    !ASSERT_OK(cg_create("oom/small"), "cg_create small"))
		goto cleanup;
	if (!ASSERT_OK(policy_load(POLICY, "kill_all=1", NULL), "policy load"))
		goto cleanup;

	for (i = 0; i < 3; i++)
		a[i] = hog_start("oom/big", 12 * MB, 0);
	small = hog_start("oom/small", 32 * MB, 0);

	for (i = 0; i < 3; i++)
		ASSERT_TRUE(hog_killed(a[i]), "every task of big killed");
	ASSERT_TRUE(hog_alive(small), "small survives");
	ASSERT_EQ(oom_kills("oom/big"), 3, "big oom_kill");
	ASSERT_EQ(oom_kills("oom/small"), 0, "small oom_kill");
	ASSERT_EQ(policy_stat(POLICY, OOMKIT_STAT_TASKS_KILLED), 3,
		  "tasks_killed counter");
	nr = policy_events(POLICY, ev, 16);
	rec = event_find(ev, nr, OOMKIT_DEC_KILL_CGROUP);
	if (ASSERT_TRUE(rec != NULL, "kill-cgroup record")) {
		ASSERT_EQ(rec->victim_cgroup_id, cg_id("oom/big"),
			  "victim cgroup");
		ASSERT_EQ(rec->nr_pids, 3, "nr_pids");
	}

cleanup:
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}

/* memory.oom.group 1: one kill through the kfunc, the kernel takes the whole group. */
TEST(biggest_cgroup_honours_oom_group)
{
	pid_t a[3], small;
	int i;

	if (!ASSERT_OK(scenario_begin("biggest_oom_group"), "scenario_begin"))
		goto cleanup;
	if (!ASSERT_OK(cg_create("oom"), "cg_create oom") ||
	    !ASSERT_OK(cg_write("oom", "memory.max", "%llu", 64 * MB),
		       "memory.max") ||
	    !ASSERT_OK(cg_create("oom/big"), "cg_create big") ||
	    !ASSERT_OK(cg_write("oom/big", "memory.oom.group", "1"),
		       "memory.oom.group") ||
	    !ASSERT_OK(cg_create("oom/small"), "cg_create small"))
		goto cleanup;
	if (!ASSERT_OK(policy_load(POLICY, NULL), "policy load"))
		goto cleanup;

	for (i = 0; i < 3; i++)
		a[i] = hog_start("oom/big", 12 * MB, 0);
	small = hog_start("oom/small", 32 * MB, 0);

	for (i = 0; i < 3; i++)
		ASSERT_TRUE(hog_killed(a[i]), "every task of big killed");
	ASSERT_TRUE(hog_alive(small), "small survives");
	/*
	 * Each task once, and the first victim a second time if it is still
	 * in the cgroup when the kernel kills the group.
	 */
	ASSERT_GE(oom_kills("oom/big"), 3, "big oom_kill");
	ASSERT_LE(oom_kills("oom/big"), 4, "big oom_kill");
	ASSERT_EQ(cg_read_key("oom/big", "memory.events", "oom_group_kill"), 1,
		  "big oom_group_kill");
	ASSERT_EQ(oom_kills("oom/small"), 0, "small oom_kill");
	ASSERT_EQ(policy_stat(POLICY, OOMKIT_STAT_KILLS), 1, "kills counter");

cleanup:
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}

/* waitpid() with a timeout: @pid once it ended, 0 if still running after @ms. */
static pid_t wait_child(pid_t pid, int *status, int ms)
{
	long long deadline = test_now_ms() + ms;
	pid_t w;

	for (;;) {
		w = waitpid(pid, status, WNOHANG);
		if (w != 0 || test_now_ms() >= deadline)
			return w;
		test_sleep_ms(20);
	}
}

/* A child in @rel with @anon bytes of private and @shm bytes of shared (shmem) anonymous memory. */
static pid_t shm_hog_start(const char *rel, size_t anon, size_t shm)
{
	int pfd[2];
	pid_t pid;
	char c = 0;

	if (pipe(pfd))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		char *a, *s;
		FILE *f;

		close(pfd[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* The runner is at -1000, which would make this leaf unkillable. */
		f = fopen("/proc/self/oom_score_adj", "we");
		if (!f || fprintf(f, "0") < 0 || fclose(f))
			_exit(3);
		if (cg_write(rel, "cgroup.procs", "0"))
			_exit(3);
		a = mmap(NULL, anon, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		s = mmap(NULL, shm, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (a == MAP_FAILED || s == MAP_FAILED)
			_exit(3);
		for (size_t off = 0; off < anon; off += 4096)
			a[off] = 1;
		for (size_t off = 0; off < shm; off += 4096)
			s[off] = 1;
		if (write(pfd[1], "r", 1) != 1)
			_exit(3);
		for (;;)
			pause();
	}
	close(pfd[1]);
	if (read(pfd[0], &c, 1) != 1 || c != 'r') {
		close(pfd[0]);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -EIO;
	}
	close(pfd[0]);
	return pid;
}

/*
 * count_page_cache decides between a leaf of 20 MB anonymous memory and
 * one of 8 MB anonymous plus 24 MB shmem (page cache): without page cache
 * (the default) the first is bigger, with it the second.
 */
static void page_cache_case(const char *test, const char *set,
			    bool expect_cache_leaf)
{
	struct oomkit_event ev[16];
	const struct oomkit_event *rec;
	pid_t anon = -1, cache = -1, grow;
	int status, nr;

	if (!ASSERT_OK(scenario_begin(test), "scenario_begin") ||
	    !ASSERT_OK(cg_create("oom"), "cg_create oom") ||
	    !ASSERT_OK(cg_write("oom", "memory.max", "%llu", 64 * MB),
		       "memory.max") ||
	    !ASSERT_OK(cg_create("oom/anon"), "cg_create anon") ||
	    !ASSERT_OK(cg_create("oom/cache"), "cg_create cache") ||
	    !ASSERT_OK(cg_create("oom/grow"), "cg_create grow"))
		goto cleanup;
	if (!ASSERT_OK(policy_load(POLICY, set, NULL), "policy load"))
		goto cleanup;
	anon = hog_start("oom/anon", 20 * MB, 0);
	cache = shm_hog_start("oom/cache", 8 * MB, 24 * MB);
	if (!ASSERT_GT(cache, 0, "shmem hog"))
		goto cleanup;
	grow = hog_start("oom/grow", 24 * MB, 0);

	ASSERT_TRUE(hog_alive(grow), "grow survives");
	if (expect_cache_leaf) {
		if (ASSERT_EQ(wait_child(cache, &status, OOM_TIMEOUT_MS), cache,
			      "shmem hog reaped")) {
			ASSERT_TRUE(WIFSIGNALED(status) &&
					    WTERMSIG(status) == SIGKILL,
				    "shmem hog killed");
			cache = -1;
		}
		ASSERT_TRUE(hog_alive(anon), "anon survives");
		ASSERT_EQ(oom_kills("oom/cache"), 1, "cache oom_kill");
		ASSERT_EQ(oom_kills("oom/anon"), 0, "anon oom_kill");
	} else {
		ASSERT_TRUE(hog_killed(anon), "anon killed");
		ASSERT_EQ(waitpid(cache, &status, WNOHANG), 0,
			  "shmem hog alive");
		ASSERT_EQ(oom_kills("oom/anon"), 1, "anon oom_kill");
		ASSERT_EQ(oom_kills("oom/cache"), 0, "cache oom_kill");
	}
	nr = policy_events(POLICY, ev, 16);
	rec = event_find(ev, nr, OOMKIT_DEC_KILL_TASK);
	if (ASSERT_TRUE(rec != NULL, "kill record"))
		ASSERT_EQ(rec->victim_cgroup_id,
			  cg_id(expect_cache_leaf ? "oom/cache" : "oom/anon"),
			  "victim cgroup");

cleanup:
	/* Reaped before the tree goes: an unreaped zombie keeps its cgroup dying. */
	if (cache > 0) {
		kill(cache, SIGKILL);
		waitpid(cache, NULL, 0);
	}
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}

TEST(biggest_cgroup_sizes_without_page_cache)
{
	page_cache_case("biggest_no_cache", NULL, false);
}

TEST(biggest_cgroup_count_page_cache_tunable)
{
	page_cache_case("biggest_cache", "count_page_cache=1", true);
}

/* Filling the 1 GiB guest takes ~20 s under TCG; a loaded host may triple that. */
#define GLOBAL_OOM_MS 150000

/*
 * A global OOM where the root cgroup's own tasks are the biggest leaf:
 * leaves a, b, c hold 16, 24 and 32 MB and sleep, while a hog in the root
 * cgroup itself grows until the guest runs out (no swap). The root's tasks
 * count as one leaf, sized by their killable tasks' RSS (the runner and
 * this test are at -1000 and add nothing), so the hog dies. b runs at
 * oom_score_adj +1000: the kernel's own choice would be b, so b surviving
 * also tells the policy's kill from the kernel's.
 */
TEST(biggest_cgroup_global_oom_kills_in_root_cgroup)
{
	struct oomkit_event ev[16];
	const struct oomkit_event *rec;
	pid_t a, b, c, hog = -1, after;
	unsigned long long root_id;
	long long mark, start;
	char line[512], want[64];
	struct stat st;
	int nr;

	if (!ASSERT_OK(scenario_begin("biggest_global_root"),
		       "scenario_begin") ||
	    !ASSERT_OK(stat(CG_MOUNT, &st), "stat root cgroup") ||
	    !ASSERT_OK(cg_create("a"), "cg_create a") ||
	    !ASSERT_OK(cg_create("b"), "cg_create b") ||
	    !ASSERT_OK(cg_create("c"), "cg_create c"))
		goto cleanup;
	root_id = st.st_ino;
	if (!ASSERT_OK(policy_load(POLICY, NULL), "policy load"))
		goto cleanup;
	a = hog_start("a", 16 * MB, 0);
	b = hog_start("b", 24 * MB, 1000);
	c = hog_start("c", 32 * MB, 0);
	if (!ASSERT_TRUE(hog_alive(a) && hog_alive(b) && hog_alive(c),
			 "leaf hogs ready"))
		goto cleanup;

	mark = kmsg_mark();
	start = test_now_ms();
	/* in the root cgroup itself, not the private tree */
	hog = hog_start_growing(CG_MOUNT, 16 * MB, 0);
	if (!ASSERT_GT(hog, 0, "root hog"))
		goto cleanup;
	if (!ASSERT_EQ(hog_wait(hog, GLOBAL_OOM_MS), SIGKILL,
		       "root hog killed"))
		goto cleanup;
	test_log("root hog killed after %lld ms\n", test_now_ms() - start);

	ASSERT_TRUE(hog_alive(a), "a survives");
	ASSERT_TRUE(hog_alive(b), "b (+1000) survives");
	ASSERT_TRUE(hog_alive(c), "c survives");
	ASSERT_EQ(oom_kills("a") + oom_kills("b") + oom_kills("c"), 0,
		  "leaves' oom_kill");
	oom_report_names(mark, POLICY);
	if (oom_kill_line(mark, line, sizeof(line))) {
		ASSERT_HAS_SUBSTR(line, "constraint=CONSTRAINT_NONE,",
				  "unconstrained");
		ASSERT_HAS_SUBSTR(line, ",global_oom,", "a global OOM");
		ASSERT_HAS_SUBSTR(line, ",task_memcg=/,",
				  "victim in the root cgroup");
	}
	snprintf(want, sizeof(want), POLICY ": Killed process %d (", hog);
	ASSERT_EQ(kmsg_count(mark, want), 1, "the policy killed the hog");
	/* No memory.events in the root cgroup (nor /proc/vmstat events in this kernel). */
	ASSERT_EQ(kmsg_count(mark, "Killed process"), 1,
		  "one kill in the system");
	ASSERT_EQ(policy_stat(POLICY, OOMKIT_STAT_KILLS), 1, "kills counter");

	nr = policy_events(POLICY, ev, 16);
	rec = event_find(ev, nr, OOMKIT_DEC_KILL_TASK);
	if (ASSERT_TRUE(rec != NULL, "kill-task record")) {
		ASSERT_EQ(rec->trigger, OOMKIT_TRIG_OOM_GLOBAL, "trigger");
		ASSERT_EQ(rec->scope_cgroup_id, 0, "global scope");
		ASSERT_EQ(rec->victim_cgroup_id, root_id,
			  "victim: the root cgroup");
		ASSERT_EQ(rec->nr_pids, 1, "nr_pids");
		ASSERT_EQ(rec->pids[0], hog, "victim pid");
		/* Clearly the biggest: several times c, not a near tie. */
		ASSERT_GE(rec->victim_bytes, 4 * 32 * MB, "victim bytes");
		ASSERT_HAS_SUBSTR(rec->reason, "largest leaf", "reason");
		ASSERT_EQ(rec->candidates[0].cgroup_id, root_id,
			  "candidate 0: root");
		ASSERT_EQ(rec->candidates[1].cgroup_id, cg_id("c"),
			  "candidate 1: c");
	}
	ASSERT_EQ(event_count(ev, nr, OOMKIT_DEC_KILL_TASK), 1,
		  "one kill record");

	/* The guest got its memory back and still works. */
	ASSERT_GE(meminfo_kb("MemAvailable"), 256 * 1024,
		  "MemAvailable (kB) after the kill");
	after = hog_start("a", 64 * MB, 0);
	ASSERT_TRUE(hog_alive(after), "a new 64 MB hog");

cleanup:
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}
