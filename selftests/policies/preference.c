// SPDX-License-Identifier: GPL-2.0
/* preference scenarios: prefer beats size, avoid loses to size, omit is never a candidate. */
#include "cgroup.h"
#include "hog.h"
#include "scenario.h"
#include "test.h"

#define POLICY	"preference"

/* prefer=b: b (20 MB) dies although a (30 MB) is bigger; c's 24 MB cause the OOM. */
TEST(preference_prefer_beats_size)
{
	static const unsigned long long bytes[3] = { 30 * MB, 20 * MB, 24 * MB };
	struct oomkit_event rec;

	if (!ASSERT_OK(scenario_begin_abc("preference_prefer"), "setup") ||
	    !ASSERT_OK(policy_load(POLICY, cg_setting("prefer", "oom/b"), NULL), "policy load"))
		goto cleanup;
	if (abc_oom(POLICY, bytes, 1, &rec)) {
		ASSERT_EQ(rec.score, 1, "score: prefer");
		ASSERT_HAS_SUBSTR(rec.reason, "preferred", "reason");
	}

cleanup:
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}

/* avoid=oom/a (set on a) and omit=oom/b: c, the smallest, is the only one left to die. */
TEST(preference_avoid_and_omit)
{
	static const unsigned long long bytes[3] = { 30 * MB, 20 * MB, 24 * MB };
	struct oomkit_event rec;

	if (!ASSERT_OK(scenario_begin_abc("preference_avoid_omit"), "setup") ||
	    !ASSERT_OK(policy_load(POLICY, cg_setting("avoid", "oom/a"),
				   cg_setting("omit", "oom/b"), NULL), "policy load"))
		goto cleanup;
	if (abc_oom(POLICY, bytes, 2, &rec))
		ASSERT_EQ(rec.nr_candidates, 2, "candidates: c and avoided a");

cleanup:
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}

/* A setting on a parent covers its subtree: avoid=oom/x spares x/big, y dies. */
TEST(preference_inherited_from_ancestor)
{
	pid_t big, y;

	if (!ASSERT_OK(scenario_begin_tree("preference_inherit", 64 * MB, "x", "x/big", "y", NULL),
		       "setup"))
		goto cleanup;
	if (!ASSERT_OK(policy_load(POLICY, cg_setting("avoid", "oom/x"), NULL), "policy load"))
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

