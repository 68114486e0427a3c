// SPDX-License-Identifier: GPL-2.0
/* Library rules (issue 9): exited main threads, the root's own tasks, big trees, deep settings, oom.group above the leaf. */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "cli.h"
#include "hog.h"
#include "kmsg.h"
#include "scenario.h"
#include "test.h"

#define POLICY "biggest-cgroup"
/* Filling the 1 GiB guest takes ~20 s under TCG; a loaded host may triple that. */
#define GLOBAL_OOM_MS 150000

/* The state letter of /proc/<pid>/stat ('Z' for a zombie), 0 if unreadable. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
	fclose(f);
	return p && p[1] == ' ' ? p[2] : 0;
}

/*
 * H4: big holds 200 MB in a thread while its main thread has exited (the
 * leader a zombie without mm), small holds 20 MB, then grow's 64 MB overflow
 * oom (256 MB). big is the biggest leaf and must die, through its live
 * thread; a walk that skips mm-less leaders sees nothing killable in big
 * and kills grow or small instead.
 */
static void exited_main_case(const char *test, const char *set, __u32 decision)
{
	pid_t big, small, grow;
	struct oomkit_event ev[16];
	const struct oomkit_event *rec;
	long long mark;
	int nr;

	if (!ASSERT_OK(scenario_begin_tree(test, 256 * MB, "big", "small",
					   "grow", NULL),
		       "setup") ||
	    !ASSERT_OK(policy_load(POLICY, set, NULL), "policy load"))
		goto cleanup;
	big = hog_start_exited_main("oom/big", 200 * MB, 0);
	if (!ASSERT_TRUE(hog_alive(big), "big ready") ||
	    !ASSERT_EQ(proc_state(big), 'Z',
		       "big's main thread exited (zombie leader)"))
		goto cleanup;
	small = hog_start("oom/small", 20 * MB, 0);
	if (!ASSERT_TRUE(hog_alive(small), "small ready"))
		goto cleanup;
	mark = kmsg_mark();
	grow = hog_start("oom/grow", 64 * MB, 0);

	ASSERT_TRUE(hog_killed(big), "big (main thread exited) killed");
	ASSERT_TRUE(hog_alive(small), "small survives");
	ASSERT_EQ(oom_kills("oom/big"), 1, "big oom_kill");
	ASSERT_EQ(oom_kills("oom/small"), 0, "small oom_kill");
	/*
	 * While big's last thread frees its memory in exit_mmap() no task
	 * iterator shows big (victims.bpf.h): an OOM then is the policy's
	 * to pass on, as a victim of its own is pending. A claim without a
	 * kill does not end an OOM at either level, so the kernel's killer
	 * goes on, cannot see big either, and may kill grow. Never the
	 * policy a second time: the one kill line below.
	 */
	if (hog_alive(grow))
		ASSERT_EQ(oom_kills("oom/grow"), 0, "grow oom_kill");
	else
		test_log("the kernel's killer took grow during big's exit");
	oom_report_names(mark, POLICY);
	ASSERT_EQ(kmsg_count(mark, POLICY ": Killed process"), 1,
		  "one kill line");
	nr = policy_events(POLICY, ev, 16);
	rec = event_find(ev, nr, decision);
	if (ASSERT_TRUE(rec != NULL, "kill record")) {
		ASSERT_EQ(rec->victim_cgroup_id, cg_id("oom/big"),
			  "victim cgroup");
		ASSERT_EQ(rec->nr_pids, 1, "nr_pids");
		ASSERT_EQ(rec->pids[0], big, "victim: big's process");
	}

cleanup:
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}

TEST(lib_exited_main_thread_process_killed)
{
	exited_main_case("lib_exited_main", NULL, OOMKIT_DEC_KILL_TASK);
}

TEST(lib_exited_main_thread_process_kill_all)
{
	exited_main_case("lib_exited_main_all", "kill_all=1",
			 OOMKIT_DEC_KILL_CGROUP);
}

/*
 * M6: a global OOM where the root cgroup's own tasks are the biggest
 * candidate, under kill_all=1: two 1 MB sleepers and a hog growing until
 * the guest runs out, all in the root cgroup. Those tasks are unrelated
 * processes, not one workload: only the hog may die.
 */
TEST(lib_kill_all_spares_root_cgroup_tasks)
{
	struct oomkit_event ev[16];
	const struct oomkit_event *rec;
	pid_t s1, s2, hog;
	long long mark, start;
	char want[64];
	int nr;

	if (!ASSERT_OK(scenario_begin("lib_root_kill_all"), "scenario_begin") ||
	    !ASSERT_OK(policy_load(POLICY, "kill_all=1", NULL), "policy load"))
		goto cleanup;
	s1 = hog_start(CG_MOUNT, 1 * MB, 0);
	s2 = hog_start(CG_MOUNT, 1 * MB, 0);
	if (!ASSERT_TRUE(hog_alive(s1) && hog_alive(s2), "sleepers ready"))
		goto cleanup;
	mark = kmsg_mark();
	start = test_now_ms();
	hog = hog_start_growing(CG_MOUNT, 16 * MB, 0);
	if (!ASSERT_GT(hog, 0, "root hog") ||
	    !ASSERT_EQ(hog_wait(hog, GLOBAL_OOM_MS), SIGKILL,
		       "root hog killed"))
		goto cleanup;
	test_log("root hog killed after %lld ms\n", test_now_ms() - start);

	ASSERT_TRUE(hog_alive(s1), "sleeper 1 survives");
	ASSERT_TRUE(hog_alive(s2), "sleeper 2 survives");
	snprintf(want, sizeof(want), POLICY ": Killed process %d (", hog);
	ASSERT_EQ(kmsg_count(mark, want), 1, "the policy killed the hog");
	ASSERT_EQ(kmsg_count(mark, "Killed process"), 1,
		  "one kill in the system");
	ASSERT_EQ(policy_stat(POLICY, OOMKIT_STAT_TASKS_KILLED), 1,
		  "tasks_killed counter");
	nr = policy_events(POLICY, ev, 16);
	rec = event_find(ev, nr, OOMKIT_DEC_KILL_TASK);
	if (ASSERT_TRUE(rec != NULL, "kill-task record, not kill-cgroup")) {
		ASSERT_EQ(rec->scope_cgroup_id, 0, "global scope");
		ASSERT_EQ(rec->victim_cgroup_id, 1, "victim: the root cgroup");
		ASSERT_EQ(rec->nr_pids, 1, "nr_pids");
		ASSERT_EQ(rec->pids[0], hog, "victim pid");
	}
	ASSERT_EQ(event_count(ev, nr, OOMKIT_DEC_KILL_CGROUP), 0,
		  "no kill-cgroup record");

cleanup:
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}

#define NR_LEAVES 5000

/* nr_dying_descendants of CG_TOP, -1 if unreadable. */
static long long nr_dying(void)
{
	long long val = -1;
	char buf[256];
	FILE *f;

	f = fopen(CG_TOP "/cgroup.stat", "re");
	if (!f)
		return -1;
	while (fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "nr_dying_descendants %lld", &val) == 1)
			break;
	fclose(f);
	return val;
}

/*
 * M5: 5000 leaf memcgs under oom (112 MB beside what the tree itself
 * costs), tasks only in four: l0000 and
 * l2500 24 MB each, l4999 (the last in the walk) 48 MB, and l1000 whose
 * 24 MB overflow oom. l4999 must die; the handler's run time (bpf_stats)
 * and the memory the tree costs are logged, and no RCU stall may appear.
 */
TEST(lib_walk_5000_leaves)
{
	struct oomkit_event ev[16];
	const struct oomkit_event *rec;
	long long before, after, tree, mark, start, cnt, ns;
	pid_t a, b, last, grow;
	char rel[32];
	int i, nr;

	if (!ASSERT_OK(scenario_begin("lib_5000"), "scenario_begin") ||
	    !ASSERT_OK(cg_create("oom"), "cg_create oom"))
		goto cleanup;
	before = meminfo_kb("MemAvailable");
	start = test_now_ms();
	for (i = 0; i < NR_LEAVES; i++) {
		snprintf(rel, sizeof(rel), "oom/l%04d", i);
		if (!ASSERT_OK(cg_create(rel), "cg_create leaf"))
			goto cleanup;
	}
	after = meminfo_kb("MemAvailable");
	/* The memcgs' per-CPU statistics are charged to their parent, oom. */
	tree = cg_read_long("oom", "memory.current");
	test_log(
		"%d leaves in %lld ms, MemAvailable %lld -> %lld kB, %lld kB charged to oom\n",
		NR_LEAVES, test_now_ms() - start, before, after, tree / 1024);
	if (!ASSERT_GE(after, 256 * 1024, "MemAvailable (kB) with the tree") ||
	    !ASSERT_OK(cg_write("oom", "memory.max", "%llu", tree + 112 * MB),
		       "memory.max") ||
	    !ASSERT_OK(policy_load(POLICY, NULL), "policy load"))
		goto cleanup;
	a = hog_start("oom/l0000", 24 * MB, 0);
	b = hog_start("oom/l2500", 24 * MB, 0);
	last = hog_start("oom/l4999", 48 * MB, 0);
	if (!ASSERT_TRUE(hog_alive(a) && hog_alive(b) && hog_alive(last),
			 "hogs ready"))
		goto cleanup;
	mark = kmsg_mark();
	grow = hog_start("oom/l1000", 24 * MB, 0);

	ASSERT_TRUE(hog_killed(last), "l4999, the biggest, killed");
	ASSERT_TRUE(hog_alive(a) && hog_alive(b) && hog_alive(grow),
		    "the others survive");
	ASSERT_EQ(oom_kills("oom/l4999"), 1, "l4999 oom_kill");
	ASSERT_EQ(oom_kills("oom"), 1, "one OOM kill");
	ASSERT_EQ(kmsg_count(mark, "rcu: INFO") +
			  kmsg_count(mark, "self-detected stall") +
			  kmsg_count(mark, "soft lockup"),
		  0, "no RCU stall or soft lockup");
	nr = policy_events(POLICY, ev, 16);
	rec = event_find(ev, nr, OOMKIT_DEC_KILL_TASK);
	if (ASSERT_TRUE(rec != NULL, "kill record")) {
		ASSERT_EQ(rec->victim_cgroup_id, cg_id("oom/l4999"),
			  "victim cgroup");
		ASSERT_EQ(rec->nr_candidates, 4, "four candidates");
	}
	if (ASSERT_OK(oomkit("-j", "policy", "show", NULL), "policy show")) {
		cnt = json_num(oomkit_output(), "run_cnt");
		ns = json_num(oomkit_output(), "run_time_ns");
		test_log(
			"handler: %lld runs, %lld ns in all, %lld us per run\n",
			cnt, ns, cnt > 0 ? ns / cnt / 1000 : -1);
	}

cleanup:
	/*
	 * 5000 memcgs take longer to be freed than scenario_end() waits
	 * (one was still dying after 30 s, with the old library too):
	 * remove the tree first and give them two minutes.
	 */
	policy_unload(POLICY);
	hog_kill_all();
	cg_cleanup();
	start = test_now_ms();
	WAIT_UNTIL(nr_dying() == 0, 120000);
	test_log("tree freed in %lld ms\n", test_now_ms() - start);
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}

#define DEEP 20

/*
 * L3: priority set on oom/d1, 19 levels above the leaf oom/d1/.../d20
 * (8 MB): that leaf has priority -100 and dies before big (30 MB, default
 * priority) when c's 30 MB overflow oom (64 MB). A lookup that stops 16
 * levels up gives the leaf the default, and big dies.
 */
TEST(lib_knob_set_far_above_the_leaf)
{
	char rel[PATH_MAX] = "oom";
	pid_t deep, big, c;
	int i;

	if (!ASSERT_OK(scenario_begin_tree("lib_deep", 64 * MB, "big", "c",
					   NULL),
		       "setup"))
		goto cleanup;
	for (i = 1; i <= DEEP; i++) {
		snprintf(rel + strlen(rel), sizeof(rel) - strlen(rel), "/d%d",
			 i);
		if (!ASSERT_OK(cg_create(rel), "cg_create deep"))
			goto cleanup;
	}
	if (!ASSERT_OK(policy_load("priority",
				   cg_setting_n("priority", "oom/d1", -100),
				   NULL),
		       "policy load"))
		goto cleanup;
	deep = hog_start(rel, 8 * MB, 0);
	big = hog_start("oom/big", 30 * MB, 0);
	if (!ASSERT_TRUE(hog_alive(deep) && hog_alive(big), "hogs ready"))
		goto cleanup;
	c = hog_start("oom/c", 30 * MB, 0);

	ASSERT_TRUE(hog_killed(deep),
		    "the deep leaf (priority -100 on d1) killed");
	ASSERT_TRUE(hog_alive(big), "big survives");
	ASSERT_TRUE(hog_alive(c), "c survives");
	ASSERT_EQ(oom_kills(rel), 1, "deep leaf oom_kill");
	ASSERT_EQ(oom_kills("oom/big"), 0, "big oom_kill");

cleanup:
	ASSERT_EQ(scenario_end("priority", NULL), 0, "nr_dying_descendants");
}

/*
 * L5: memory.oom.group 1 on oom/grp, the parent of g1 (32 MB) and g2
 * (4 MB); c's 40 MB overflow oom (64 MB). The policy kills g1's task and
 * the kernel the whole of grp: the record must say kill-cgroup and the
 * counters two processes.
 */
TEST(lib_oom_group_on_an_ancestor)
{
	struct oomkit_event ev[16];
	const struct oomkit_event *rec;
	pid_t g1, g2, c;
	int nr;

	if (!ASSERT_OK(scenario_begin_tree("lib_group", 64 * MB, "grp",
					   "grp/g1", "grp/g2", "c", NULL),
		       "setup") ||
	    !ASSERT_OK(cg_write("oom/grp", "memory.oom.group", "1"),
		       "memory.oom.group") ||
	    !ASSERT_OK(policy_load(POLICY, NULL), "policy load"))
		goto cleanup;
	g1 = hog_start("oom/grp/g1", 32 * MB, 0);
	g2 = hog_start("oom/grp/g2", 4 * MB, 0);
	if (!ASSERT_TRUE(hog_alive(g1) && hog_alive(g2), "hogs ready"))
		goto cleanup;
	c = hog_start("oom/c", 40 * MB, 0);

	ASSERT_TRUE(hog_killed(g1), "g1 killed");
	ASSERT_TRUE(hog_killed(g2), "g2 killed with its group");
	ASSERT_TRUE(hog_alive(c), "c survives");
	ASSERT_EQ(cg_read_key("oom/grp", "memory.events", "oom_group_kill"), 1,
		  "grp oom_group_kill");
	ASSERT_EQ(policy_stat(POLICY, OOMKIT_STAT_KILLS), 1, "kills counter");
	ASSERT_EQ(policy_stat(POLICY, OOMKIT_STAT_TASKS_KILLED), 2,
		  "tasks_killed counter");
	nr = policy_events(POLICY, ev, 16);
	rec = event_find(ev, nr, OOMKIT_DEC_KILL_CGROUP);
	if (ASSERT_TRUE(rec != NULL, "kill-cgroup record"))
		ASSERT_EQ(rec->victim_cgroup_id, cg_id("oom/grp/g1"),
			  "victim cgroup");
	ASSERT_EQ(event_count(ev, nr, OOMKIT_DEC_KILL_TASK), 0,
		  "no kill-task record");

cleanup:
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}
