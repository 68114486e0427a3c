// SPDX-License-Identifier: GPL-2.0
/* Kill modes (issue 13): task, cgroup and escalate in the chosen cgroup, memory.oom.group above the leaf. */
#include <string.h>

#include "cgroup.h"
#include "hog.h"
#include "scenario.h"
#include "test.h"

#define BIGGEST "biggest-cgroup"

/* A generous window: two OOMs under TCG are seconds apart, never a minute. */
#define ESCALATE_USEC "escalate_usec=60000000"

/*
 * The tree of the mode scenarios: oom (64 MB) with leaves big and other,
 * @policy loaded with settings @set and @set2 (or NULL). other holds 8
 * MB, big two sleepers of 10 MB (@b[0], @b[1]). Returns whether all is
 * ready.
 */
static bool mode_tree(const char *test, const char *policy, const char *set,
		      const char *set2, pid_t b[2], pid_t *other)
{
	if (!ASSERT_OK(scenario_begin_tree(test, 64 * MB, "big", "other", NULL),
		       "setup") ||
	    !ASSERT_OK(policy_load(policy, set, set2, NULL), "policy load"))
		return false;
	*other = hog_start("oom/other", 8 * MB, 0);
	b[0] = hog_start("oom/big", 10 * MB, 0);
	b[1] = hog_start("oom/big", 10 * MB, 0);
	return ASSERT_TRUE(hog_alive(*other) && hog_alive(b[0]) &&
				   hog_alive(b[1]),
			   "hogs ready");
}

/*
 * One OOM in big: a 40 MB hog there overflows oom while it is big's
 * biggest task (~26 MB by then), so big is chosen and that hog is the
 * task a single kill takes. Returns its pid; @rec gets the kill record.
 */
static pid_t big_oom(const char *policy, struct oomkit_event *rec)
{
	struct oomkit_event ev[16];
	const struct oomkit_event *k;
	pid_t t;
	int nr, i;

	t = hog_start("oom/big", 40 * MB, 0);
	ASSERT_TRUE(hog_killed(t), "the allocating hog killed");
	nr = policy_events(policy, ev, 16);
	memset(rec, 0, sizeof(*rec));
	for (i = 0, k = NULL; i < nr; i++)
		if (ev[i].decision == OOMKIT_DEC_KILL_TASK ||
		    ev[i].decision == OOMKIT_DEC_KILL_CGROUP)
			k = &ev[i];
	if (ASSERT_TRUE(k != NULL, "a kill record")) {
		*rec = *k;
		ASSERT_EQ(rec->victim_cgroup_id, cg_id("oom/big"),
			  "big chosen");
	}
	return t;
}

/* kill_mode 0: only big's biggest task dies; its other tasks and other live. */
static void task_case(const char *test, const char *policy)
{
	struct oomkit_event rec;
	pid_t b[2], other, t;

	if (!mode_tree(test, policy, "kill_mode=0", NULL, b, &other))
		goto cleanup;
	t = big_oom(policy, &rec);
	ASSERT_TRUE(hog_alive(b[0]) && hog_alive(b[1]),
		    "big's other tasks survive");
	ASSERT_TRUE(hog_alive(other), "other survives");
	ASSERT_EQ(oom_kills("oom/big"), 1, "big oom_kill");
	ASSERT_EQ(oom_kills("oom/other"), 0, "other oom_kill");
	ASSERT_EQ(rec.decision, OOMKIT_DEC_KILL_TASK, "kill-task");
	ASSERT_EQ(rec.kill_mode, OOMKIT_KILL_TASK, "mode task");
	ASSERT_EQ(rec.kill_cause, OOMKIT_CAUSE_MODE, "as the mode says");
	ASSERT_EQ(rec.nr_killed, 1, "one task killed");
	ASSERT_EQ(rec.pids[0], t, "the biggest task");
	ASSERT_EQ(policy_stat(policy, OOMKIT_STAT_TASKS_KILLED), 1,
		  "tasks_killed counter");
cleanup:
	ASSERT_EQ(scenario_end(policy, NULL), 0, "nr_dying_descendants");
}

/* kill_mode 1: every task of big dies, other lives. */
static void cgroup_case(const char *test, const char *policy, const char *set,
			const char *set2)
{
	struct oomkit_event rec;
	pid_t b[2], other;

	if (!mode_tree(test, policy, set, set2, b, &other))
		goto cleanup;
	big_oom(policy, &rec);
	ASSERT_TRUE(hog_killed(b[0]) && hog_killed(b[1]),
		    "big's other tasks killed");
	ASSERT_TRUE(hog_alive(other), "other survives");
	ASSERT_EQ(oom_kills("oom/big"), 3, "big oom_kill");
	ASSERT_EQ(oom_kills("oom/other"), 0, "other oom_kill");
	ASSERT_EQ(rec.decision, OOMKIT_DEC_KILL_CGROUP, "kill-cgroup");
	ASSERT_EQ(rec.kill_mode, OOMKIT_KILL_CGROUP, "mode cgroup");
	ASSERT_EQ(rec.kill_cause, OOMKIT_CAUSE_MODE, "as the mode says");
	ASSERT_EQ(rec.nr_killed, 3, "three tasks killed");
	ASSERT_EQ(rec.nr_pids, 3, "three pids");
	ASSERT_EQ(policy_stat(policy, OOMKIT_STAT_TASKS_KILLED), 3,
		  "tasks_killed counter");
cleanup:
	ASSERT_EQ(scenario_end(policy, NULL), 0, "nr_dying_descendants");
}

TEST(kill_modes_task_kills_only_the_biggest_task)
{
	task_case("kill_task", BIGGEST);
}

TEST(kill_modes_cgroup_kills_every_task)
{
	cgroup_case("kill_cgroup", BIGGEST, "kill_mode=1", NULL);
}

/* The older tunable is mode cgroup, whatever kill_mode says. */
TEST(kill_modes_kill_all_is_mode_cgroup)
{
	cgroup_case("kill_all_mode", BIGGEST, "kill_all=1", NULL);
}

/*
 * Every cgroup-choosing policy takes the mode: priority and preference in
 * mode cgroup (preference by size alone: no scan growth counts).
 */
TEST(kill_modes_priority_cgroup_mode)
{
	cgroup_case("kill_prio", "priority", "kill_mode=1", NULL);
}

TEST(kill_modes_preference_cgroup_mode)
{
	cgroup_case("kill_pref", "preference", "kill_mode=1",
		    "pgscan_min_pages=1000000000");
}

/*
 * Escalate: the first OOM in big kills its biggest task only; the second,
 * choosing big again within escalate_usec, kills every task left there.
 */
TEST(kill_modes_escalate_on_the_second_choice)
{
	struct oomkit_event rec;
	pid_t b[2], other, t;

	if (!mode_tree("kill_escalate", BIGGEST, "kill_mode=2", ESCALATE_USEC,
		       b, &other))
		goto cleanup;
	t = big_oom(BIGGEST, &rec);
	ASSERT_TRUE(hog_alive(b[0]) && hog_alive(b[1]),
		    "first OOM: big's other tasks survive");
	ASSERT_EQ(rec.decision, OOMKIT_DEC_KILL_TASK, "first: kill-task");
	ASSERT_EQ(rec.kill_mode, OOMKIT_KILL_ESCALATE, "mode escalate");
	ASSERT_EQ(rec.kill_cause, OOMKIT_CAUSE_FIRST, "first choice");
	ASSERT_EQ(rec.cause_value, 0, "never chosen before");
	ASSERT_EQ(rec.nr_killed, 1, "one task killed");
	ASSERT_EQ(rec.pids[0], t, "the biggest task");
	ASSERT_EQ(oom_kills("oom/big"), 1, "big oom_kill after the first");

	big_oom(BIGGEST, &rec);
	ASSERT_TRUE(hog_killed(b[0]) && hog_killed(b[1]),
		    "second OOM: every task of big killed");
	ASSERT_TRUE(hog_alive(other), "other survives");
	ASSERT_EQ(oom_kills("oom/big"), 4, "big oom_kill");
	ASSERT_EQ(oom_kills("oom/other"), 0, "other oom_kill");
	ASSERT_EQ(rec.decision, OOMKIT_DEC_KILL_CGROUP, "second: kill-cgroup");
	ASSERT_EQ(rec.kill_cause, OOMKIT_CAUSE_AGAIN, "chosen again");
	ASSERT_GT(rec.cause_value, 0, "usec since the first");
	ASSERT_LT(rec.cause_value, 60000000, "within escalate_usec");
	ASSERT_EQ(rec.cause_limit, 60000000, "the limit");
	ASSERT_EQ(rec.nr_killed, 3, "three tasks killed");
	ASSERT_EQ(policy_stat(BIGGEST, OOMKIT_STAT_KILLS), 2, "kills counter");
	ASSERT_EQ(policy_stat(BIGGEST, OOMKIT_STAT_TASKS_KILLED), 4,
		  "tasks_killed counter");
cleanup:
	ASSERT_EQ(scenario_end(BIGGEST, NULL), 0, "nr_dying_descendants");
}

/*
 * Escalate with escalate_min_bytes: big's biggest task (~26 MB) would free
 * less than 48 MB, so the first OOM already takes the whole of big.
 */
TEST(kill_modes_escalate_when_the_task_is_small)
{
	struct oomkit_event rec;
	pid_t b[2], other;

	if (!mode_tree("kill_small", BIGGEST, "kill_mode=2",
		       "escalate_min_bytes=48M", b, &other))
		goto cleanup;
	big_oom(BIGGEST, &rec);
	ASSERT_TRUE(hog_killed(b[0]) && hog_killed(b[1]),
		    "every task of big killed");
	ASSERT_TRUE(hog_alive(other), "other survives");
	ASSERT_EQ(oom_kills("oom/big"), 3, "big oom_kill");
	ASSERT_EQ(rec.decision, OOMKIT_DEC_KILL_CGROUP, "kill-cgroup");
	ASSERT_EQ(rec.kill_mode, OOMKIT_KILL_ESCALATE, "mode escalate");
	ASSERT_EQ(rec.kill_cause, OOMKIT_CAUSE_SMALL_TASK, "small task");
	ASSERT_GE(rec.cause_value, 10 * MB, "the task's bytes");
	ASSERT_LT(rec.cause_value, 48 * MB, "below the limit");
	ASSERT_EQ(rec.cause_limit, 48 * MB, "the limit");
	ASSERT_EQ(rec.nr_killed, 3, "three tasks killed");
cleanup:
	ASSERT_EQ(scenario_end(BIGGEST, NULL), 0, "nr_dying_descendants");
}

/*
 * memory.oom.group 1 on oom/grp, the parent of leaf g1 (two 16 MB hogs)
 * and g2 (4 MB), inside the OOM's scope: c's 40 MB overflow oom, g1 is
 * chosen, and the whole of grp dies whatever the mode.
 */
static void group_case(const char *test, const char *set)
{
	struct oomkit_event ev[16];
	const struct oomkit_event *rec;
	pid_t g1[2], g2, c;
	int nr;

	if (!ASSERT_OK(scenario_begin_tree(test, 64 * MB, "grp", "grp/g1",
					   "grp/g2", "c", NULL),
		       "setup") ||
	    !ASSERT_OK(cg_write("oom/grp", "memory.oom.group", "1"),
		       "memory.oom.group") ||
	    !ASSERT_OK(policy_load(BIGGEST, set, NULL), "policy load"))
		goto cleanup;
	g1[0] = hog_start("oom/grp/g1", 16 * MB, 0);
	g1[1] = hog_start("oom/grp/g1", 16 * MB, 0);
	g2 = hog_start("oom/grp/g2", 4 * MB, 0);
	if (!ASSERT_TRUE(hog_alive(g1[0]) && hog_alive(g1[1]) && hog_alive(g2),
			 "hogs ready"))
		goto cleanup;
	c = hog_start("oom/c", 40 * MB, 0);

	ASSERT_TRUE(hog_killed(g1[0]) && hog_killed(g1[1]), "g1 killed");
	ASSERT_TRUE(hog_killed(g2), "g2 killed with its group");
	ASSERT_TRUE(hog_alive(c), "c survives");
	ASSERT_EQ(cg_read_key("oom/grp", "memory.events", "oom_group_kill"), 1,
		  "grp oom_group_kill");
	ASSERT_EQ(oom_kills("oom/c"), 0, "c oom_kill");
	ASSERT_EQ(policy_stat(BIGGEST, OOMKIT_STAT_KILLS), 1, "kills counter");
	ASSERT_EQ(policy_stat(BIGGEST, OOMKIT_STAT_TASKS_KILLED), 3,
		  "tasks_killed counter");
	nr = policy_events(BIGGEST, ev, 16);
	rec = event_find(ev, nr, OOMKIT_DEC_KILL_CGROUP);
	if (ASSERT_TRUE(rec != NULL, "kill-cgroup record")) {
		ASSERT_EQ(rec->victim_cgroup_id, cg_id("oom/grp/g1"),
			  "victim cgroup");
		ASSERT_EQ(rec->kill_cause, OOMKIT_CAUSE_OOM_GROUP,
			  "cause oom-group");
		ASSERT_EQ(rec->group_cgroup_id, cg_id("oom/grp"),
			  "the group is grp");
		ASSERT_EQ(rec->nr_killed, 3, "three tasks killed");
	}
	ASSERT_EQ(event_count(ev, nr, OOMKIT_DEC_KILL_TASK), 0,
		  "no kill-task record");
cleanup:
	ASSERT_EQ(scenario_end(BIGGEST, NULL), 0, "nr_dying_descendants");
}

TEST(kill_modes_oom_group_ancestor_task_mode)
{
	group_case("kill_grp_task", "kill_mode=0");
}

TEST(kill_modes_oom_group_ancestor_cgroup_mode)
{
	group_case("kill_grp_cgroup", "kill_mode=1");
}

TEST(kill_modes_oom_group_ancestor_escalate_mode)
{
	group_case("kill_grp_escalate", "kill_mode=2");
}
