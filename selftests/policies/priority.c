// SPDX-License-Identifier: GPL-2.0
/* priority scenarios: the lowest priority dies whatever its size; size breaks ties. */
#include "hog.h"
#include "scenario.h"
#include "test.h"

#define POLICY "priority"

static const char *prio(const char *rel, int n)
{
	return cg_setting_n("priority", rel, n);
}

/* a 30 MB at 10, b 12 MB at -5, c 24 MB at 10 (causing the OOM): b dies. */
TEST(priority_lowest_dies_first)
{
	static const unsigned long long bytes[3] = { 30 * MB, 12 * MB,
						     24 * MB };
	struct oomkit_event rec;

	if (!ASSERT_OK(scenario_begin_abc("priority_lowest"), "setup") ||
	    !ASSERT_OK(policy_load(POLICY, prio("oom/a", 10), prio("oom/b", -5),
				   prio("oom/c", 10), NULL),
		       "policy load"))
		goto cleanup;
	if (abc_oom(POLICY, bytes, 1, &rec))
		ASSERT_EQ(rec.score, 5, "score: minus the priority");

cleanup:
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}

/* Equal priorities (b unset = default_priority 3): the biggest, a, dies. */
TEST(priority_size_breaks_ties)
{
	static const unsigned long long bytes[3] = { 30 * MB, 12 * MB,
						     24 * MB };
	struct oomkit_event rec;

	if (!ASSERT_OK(scenario_begin_abc("priority_ties"), "setup") ||
	    !ASSERT_OK(policy_load(POLICY, prio("oom/a", 3), prio("oom/c", 3),
				   "default_priority=3", NULL),
		       "policy load"))
		goto cleanup;
	if (abc_oom(POLICY, bytes, 0, &rec))
		ASSERT_EQ(rec.score, -3, "score: minus the priority");

cleanup:
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}
