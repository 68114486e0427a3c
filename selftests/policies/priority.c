// SPDX-License-Identifier: GPL-2.0
/* priority scenarios: the lowest priority dies whatever its size; size breaks ties. */
#include <signal.h>
#include <stdio.h>

#include "cgroup.h"
#include "hog.h"
#include "kmsg.h"
#include "scenario.h"
#include "test.h"

#define POLICY	"priority"

static const char *prio(const char *rel, int n)
{
	static char buf[4][512];
	static int next;
	char *s = buf[next++ % 4];

	snprintf(s, sizeof(buf[0]), "priority=%s:%d", cg_abspath(rel), n);
	return s;
}

static int setup(const char *test)
{
	int err;

	err = scenario_begin(test);
	err = err ?: cg_create("oom");
	err = err ?: cg_write("oom", "memory.max", "%llu", 64 * MB);
	err = err ?: cg_create("oom/a");
	err = err ?: cg_create("oom/b");
	err = err ?: cg_create("oom/c");
	return err;
}

/* a 30 MB at 10, b 12 MB at -5, c 24 MB at 10 (causing the OOM): b dies. */
TEST(priority_lowest_dies_first)
{
	struct oomkit_event ev[16];
	const struct oomkit_event *kill;
	pid_t a, b, c;
	char line[512];
	long long mark;
	int nr;

	if (!ASSERT_OK(setup("priority_lowest"), "setup"))
		goto cleanup;
	if (!ASSERT_OK(policy_load(POLICY, prio("oom/a", 10), prio("oom/b", -5),
				   prio("oom/c", 10), NULL), "policy load"))
		goto cleanup;
	a = hog_start("oom/a", 30 * MB, 0);
	b = hog_start("oom/b", 12 * MB, 0);
	mark = kmsg_mark();
	c = hog_start("oom/c", 24 * MB, 0);

	ASSERT_TRUE(hog_killed(b), "lowest priority b killed");
	ASSERT_TRUE(hog_alive(a), "a survives");
	ASSERT_TRUE(hog_alive(c), "c survives");
	ASSERT_EQ(oom_kills("oom/b"), 1, "b oom_kill");
	ASSERT_EQ(oom_kills("oom/a") + oom_kills("oom/c"), 0, "a and c oom_kill");
	if (ASSERT_EQ(kmsg_grep(mark, "oom_policy=", line, sizeof(line)), 1, "OOM report"))
		ASSERT_HAS_SUBSTR(line, "\noom_policy=" POLICY, "report names the policy");
	nr = policy_events(POLICY, ev, 16);
	kill = event_find(ev, nr, OOMKIT_DEC_KILL_TASK);
	if (ASSERT_TRUE(kill != NULL, "kill record")) {
		ASSERT_EQ(kill->victim_cgroup_id, cg_id("oom/b"), "victim cgroup");
		ASSERT_EQ(kill->score, 5, "score: minus the priority");
	}

cleanup:
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}

/* Equal priorities (b unset = default_priority 3): the biggest, a, dies. */
TEST(priority_size_breaks_ties)
{
	pid_t a, b, c;

	if (!ASSERT_OK(setup("priority_ties"), "setup"))
		goto cleanup;
	if (!ASSERT_OK(policy_load(POLICY, prio("oom/a", 3), prio("oom/c", 3),
				   "default_priority=3", NULL), "policy load"))
		goto cleanup;
	a = hog_start("oom/a", 30 * MB, 0);
	b = hog_start("oom/b", 12 * MB, 0);
	c = hog_start("oom/c", 24 * MB, 0);

	ASSERT_TRUE(hog_killed(a), "biggest a killed");
	ASSERT_TRUE(hog_alive(b), "b survives");
	ASSERT_TRUE(hog_alive(c), "c survives");
	ASSERT_EQ(oom_kills("oom/a"), 1, "a oom_kill");
	ASSERT_EQ(oom_kills("oom/b") + oom_kills("oom/c"), 0, "b and c oom_kill");

cleanup:
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}
