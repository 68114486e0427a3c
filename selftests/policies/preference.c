// SPDX-License-Identifier: GPL-2.0
/* preference scenarios: prefer beats size, avoid loses to size, omit is never a candidate. */
#include <signal.h>
#include <stdio.h>

#include "cgroup.h"
#include "hog.h"
#include "kmsg.h"
#include "scenario.h"
#include "test.h"

#define POLICY	"preference"

/* a 30 MB, b 20 MB, then c allocating 24 MB under 64 MB: c causes the OOM. */
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

static const char *set(const char *key, const char *rel)
{
	static char buf[4][512];
	static int next;
	char *s = buf[next++ % 4];

	snprintf(s, sizeof(buf[0]), "%s=%s", key, cg_abspath(rel));
	return s;
}

/* prefer=b: b dies although a is bigger. */
TEST(preference_prefer_beats_size)
{
	struct oomkit_event ev[16];
	const struct oomkit_event *kill;
	pid_t a, b, c;
	char line[512];
	long long mark;
	int nr;

	if (!ASSERT_OK(setup("preference_prefer"), "setup"))
		goto cleanup;
	if (!ASSERT_OK(policy_load(POLICY, set("prefer", "oom/b"), NULL), "policy load"))
		goto cleanup;
	a = hog_start("oom/a", 30 * MB, 0);
	b = hog_start("oom/b", 20 * MB, 0);
	mark = kmsg_mark();
	c = hog_start("oom/c", 24 * MB, 0);

	ASSERT_TRUE(hog_killed(b), "preferred b killed");
	ASSERT_TRUE(hog_alive(a), "a survives");
	ASSERT_TRUE(hog_alive(c), "c survives");
	ASSERT_EQ(oom_kills("oom/b"), 1, "b oom_kill");
	ASSERT_EQ(oom_kills("oom/a"), 0, "a oom_kill");
	ASSERT_EQ(oom_kills("oom/c"), 0, "c oom_kill");
	if (ASSERT_EQ(kmsg_grep(mark, "oom_policy=", line, sizeof(line)), 1, "OOM report"))
		ASSERT_HAS_SUBSTR(line, "\noom_policy=" POLICY, "report names the policy");
	nr = policy_events(POLICY, ev, 16);
	kill = event_find(ev, nr, OOMKIT_DEC_KILL_TASK);
	if (ASSERT_TRUE(kill != NULL, "kill record")) {
		ASSERT_EQ(kill->victim_cgroup_id, cg_id("oom/b"), "victim cgroup");
		ASSERT_EQ(kill->score, 1, "score: prefer");
		ASSERT_HAS_SUBSTR(kill->reason, "preferred", "reason");
	}

cleanup:
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}

/* avoid=oom/a (set on a) and omit=oom/b: c, the smallest, is the only one left to die. */
TEST(preference_avoid_and_omit)
{
	pid_t a, b, c;

	if (!ASSERT_OK(setup("preference_avoid_omit"), "setup"))
		goto cleanup;
	if (!ASSERT_OK(policy_load(POLICY, set("avoid", "oom/a"), set("omit", "oom/b"), NULL),
		       "policy load"))
		goto cleanup;
	a = hog_start("oom/a", 30 * MB, 0);
	b = hog_start("oom/b", 20 * MB, 0);
	c = hog_start("oom/c", 24 * MB, 0);

	ASSERT_TRUE(hog_killed(c), "c killed");
	ASSERT_TRUE(hog_alive(a), "avoided a survives");
	ASSERT_TRUE(hog_alive(b), "omitted b survives");
	ASSERT_EQ(oom_kills("oom/c"), 1, "c oom_kill");
	ASSERT_EQ(oom_kills("oom/a") + oom_kills("oom/b"), 0, "a and b oom_kill");

cleanup:
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}

/* A setting on a parent covers its subtree: avoid=oom/x spares x/big, y dies. */
TEST(preference_inherited_from_ancestor)
{
	pid_t big, y;

	if (!ASSERT_OK(scenario_begin("preference_inherit"), "scenario_begin") ||
	    !ASSERT_OK(cg_create("oom"), "cg_create oom") ||
	    !ASSERT_OK(cg_write("oom", "memory.max", "%llu", 64 * MB), "memory.max") ||
	    !ASSERT_OK(cg_create("oom/x"), "cg_create x") ||
	    !ASSERT_OK(cg_create("oom/x/big"), "cg_create x/big") ||
	    !ASSERT_OK(cg_create("oom/y"), "cg_create y"))
		goto cleanup;
	if (!ASSERT_OK(policy_load(POLICY, set("avoid", "oom/x"), NULL), "policy load"))
		goto cleanup;
	big = hog_start("oom/x/big", 40 * MB, 0);
	y = hog_start("oom/y", 32 * MB, 0);

	ASSERT_TRUE(hog_killed(y), "y killed");
	ASSERT_TRUE(hog_alive(big), "x/big survives");
	ASSERT_EQ(oom_kills("oom/x/big"), 0, "x/big oom_kill");
	ASSERT_EQ(oom_kills("oom/y"), 1, "y oom_kill");

cleanup:
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}
