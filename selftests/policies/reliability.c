// SPDX-License-Identifier: GPL-2.0
/* Reliability: no second kill while a victim exits, and OOM storms under each killing policy. */
#include <stdio.h>
#include <unistd.h>

#include "cgroup.h"
#include "hog.h"
#include "kmsg.h"
#include "scenario.h"
#include "slow_victim.h"
#include "test.h"

#define STORM_OOMS 50

/*
 * Item 6, a victim that exits slowly: slow (40 MB) is starved of CPU
 * (SCHED_IDLE behind two CPU burners on its CPU), so once killed it holds
 * its memory until the OOM reaper takes it, 2 s later. grow keeps charging
 * meanwhile: every OOM of that window must see slow as a pending victim and
 * kill nothing, although mid and grow are killable: without the check,
 * slow's leaf has nothing killable left and mid or grow would die too.
 */
TEST(victim_pending_no_second_kill)
{
	pid_t slow = -1, mid = -1, grow = -1;
	struct oomkit_event ev[64];
	const struct oomkit_event *pend, *killrec;
	long long mark;
	int nr;

	if (!ASSERT_OK(scenario_begin("victim_pending"), "scenario_begin"))
		goto cleanup;
	if (!ASSERT_OK(cg_create("busy"), "cg_create busy") ||
	    !ASSERT_OK(cg_create("oom"), "cg_create oom") ||
	    !ASSERT_OK(cg_write("oom", "memory.max", "%llu", 64 * MB),
		       "memory.max") ||
	    !ASSERT_OK(cg_create("oom/slow"), "cg_create slow") ||
	    !ASSERT_OK(cg_create("oom/mid"), "cg_create mid") ||
	    !ASSERT_OK(cg_create("oom/grow"), "cg_create grow"))
		goto cleanup;
	if (!ASSERT_OK(policy_load("biggest-cgroup", NULL), "policy load"))
		goto cleanup;

	slow = hog_start("oom/slow", 40 * MB, 0);
	mid = hog_start("oom/mid", 12 * MB, 0);
	if (!ASSERT_TRUE(hog_alive(slow) && hog_alive(mid), "hogs ready"))
		goto cleanup;
	if (!ASSERT_OK(slow_victim_begin("busy", slow), "starve slow"))
		goto cleanup;

	mark = kmsg_mark();
	/* Returns once grow got its 24 MB: after the reaper freed slow's memory. */
	grow = hog_start("oom/grow", 24 * MB, 0);

	ASSERT_TRUE(hog_alive(grow), "grow survives");
	ASSERT_TRUE(hog_alive(mid), "mid survives");
	ASSERT_EQ(oom_kills("oom/slow"), 1, "slow oom_kill");
	ASSERT_EQ(oom_kills("oom/mid"), 0, "mid oom_kill");
	ASSERT_EQ(oom_kills("oom/grow"), 0, "grow oom_kill");
	ASSERT_EQ(policy_stat("biggest-cgroup", OOMKIT_STAT_KILLS), 1,
		  "one kill");
	ASSERT_GE(policy_stat("biggest-cgroup", OOMKIT_STAT_VICTIM_PENDING), 1,
		  "OOMs that found the victim pending");
	ASSERT_EQ(kmsg_count(mark, "Killed process"), 1, "one kill line");

	nr = policy_events("biggest-cgroup", ev, 64);
	killrec = event_find(ev, nr, OOMKIT_DEC_KILL_TASK);
	pend = event_find(ev, nr, OOMKIT_DEC_VICTIM_PENDING);
	if (ASSERT_TRUE(killrec != NULL, "kill record"))
		ASSERT_EQ(killrec->pids[0], slow, "slow killed first");
	if (ASSERT_TRUE(pend != NULL, "victim-pending record")) {
		ASSERT_EQ(pend->pids[0], slow, "pending victim is slow");
		ASSERT_EQ(pend->victim_cgroup_id, cg_id("oom/slow"),
			  "pending victim's cgroup");
		ASSERT_TRUE(pend > killrec, "pending after the kill");
	}

	/* Give slow its CPU back: it exits. */
	slow_victim_end();
	ASSERT_TRUE(hog_killed(slow), "slow exits once it can run");

cleanup:
	slow_victim_end();
	ASSERT_EQ(scenario_end("biggest-cgroup", NULL), 0,
		  "nr_dying_descendants");
}

/*
 * STORM_OOMS memcg OOMs in a row, each a hog growing 1 MB at a time in an
 * 8 MB cgroup: each must end with exactly that hog killed by the policy,
 * the guest must stay responsive (every OOM resolves within the timeout)
 * and the kernel log must stay free of WARN/BUG.
 */
static void storm(const char *test, const char *policy, const char *set)
{
	int counts[8] = {}, fd = -1, i, j, bad = 0;
	long long start;
	pid_t pid;

	if (!ASSERT_OK(scenario_begin(test), "scenario_begin"))
		goto cleanup;
	if (!ASSERT_OK(cg_create("storm"), "cg_create storm") ||
	    !ASSERT_OK(cg_write("storm", "memory.max", "%llu", 8 * MB),
		       "memory.max"))
		goto cleanup;
	if (!ASSERT_OK(policy_load(policy, set, NULL), "policy load"))
		goto cleanup;

	/* One reader that keeps its place: whole-log rereads get slow late in a run. */
	fd = kmsg_follow();
	if (!ASSERT_GE(fd, 0, "kmsg_follow"))
		goto cleanup;
	start = test_now_ms();
	for (i = 0; i < STORM_OOMS; i++) {
		pid = hog_start_growing("storm", 1 * MB, 0);
		if (!ASSERT_GT(pid, 0, "hog_start_growing"))
			break;
		if (!ASSERT_TRUE(hog_killed(pid), "storm hog OOM-killed"))
			break;
		if (i % 5 == 4 &&
		    kmsg_follow_count(fd, dmesg_bad_patterns, counts) < 0)
			bad++;
	}
	if (kmsg_follow_count(fd, dmesg_bad_patterns, counts) < 0)
		bad++;
	for (j = 0; dmesg_bad_patterns[j]; j++)
		bad += counts[j];
	test_log("%d OOMs in %lld ms\n", i, test_now_ms() - start);

	ASSERT_EQ(oom_kills("storm"), STORM_OOMS, "storm oom_kill");
	ASSERT_EQ(policy_stat(policy, OOMKIT_STAT_KILLS), STORM_OOMS,
		  "kills counter");
	ASSERT_EQ(policy_stat(policy, OOMKIT_STAT_KILL_FAILED), 0,
		  "kill_failed counter");
	ASSERT_EQ(bad, 0, "WARNING/BUG records in dmesg");

cleanup:
	if (fd >= 0)
		close(fd);
	ASSERT_EQ(scenario_end(policy, NULL), 0, "nr_dying_descendants");
}

TEST(storm_biggest_cgroup)
{
	storm("storm_biggest", "biggest-cgroup", NULL);
}

TEST(storm_biggest_cgroup_kill_all)
{
	storm("storm_kill_all", "biggest-cgroup", "kill_all=1");
}

TEST(storm_preference)
{
	storm("storm_preference", "preference", NULL);
}

TEST(storm_priority)
{
	storm("storm_priority", "priority", NULL);
}
