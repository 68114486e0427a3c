// SPDX-License-Identifier: GPL-2.0
/* Policy health: a policy that keeps passing OOMs on trips, passes all on, and its reader detaches it. */
#include <limits.h>
#include <stdio.h>

#include "cgroup.h"
#include "cli.h"
#include "hog.h"
#include "kmsg.h"
#include "report.h"
#include "scenario.h"
#include "test.h"

#define NEVER "never_kills"

/*
 * One OOM under oom (64 MB): a 40 MB hog in @rel overflows it while the
 * hog before it, @holder, holds 40 MB elsewhere: the kernel kills the
 * holder, the biggest task. Returns the new hog, the next holder.
 */
static pid_t next_oom(const char *rel, pid_t holder)
{
	long long mark = kmsg_mark();
	pid_t h = hog_start(rel, 40 * MB, 0);

	ASSERT_TRUE(hog_killed(holder), "the kernel kills the holder");
	ASSERT_TRUE(hog_alive(h), "the new hog holds");
	oom_report_names(mark, "default");
	return h;
}

/*
 * never_kills with max_fallbacks=2: OOMs 1 and 2 are fallbacks, the
 * second trips it; OOM 3 finds it passing all on untouched; a reader of
 * the trip record detaches its link, and OOM 4 does not run it at all.
 */
TEST(health_trips_a_policy_that_never_kills)
{
	char obj[PATH_MAX];
	long long runs;
	pid_t h;

	snprintf(obj, sizeof(obj), "%s",
		 build_path("selftests/policies/" NEVER ".bpf.o"));
	if (!ASSERT_OK(scenario_begin_tree("health", 64 * MB, "a", "b", NULL),
		       "setup") ||
	    !ASSERT_OK(policy_load(obj, "max_fallbacks=2", NULL), "load"))
		goto cleanup;
	h = hog_start("oom/a", 40 * MB, 0);
	if (!ASSERT_TRUE(hog_alive(h), "first holder"))
		goto cleanup;
	h = next_oom("oom/b", h);
	ASSERT_EQ(policy_stat(NEVER, OOMKIT_STAT_FALLBACKS), 1, "fallback 1");
	h = next_oom("oom/a", h);
	ASSERT_EQ(policy_stat(NEVER, OOMKIT_STAT_FALLBACKS), 2, "fallback 2");
	if (ASSERT_OK(oomkit("-j", "policy", "show", NULL), "show")) {
		ASSERT_HAS_SUBSTR(oomkit_output(), "\"tripped\":true",
				  "show: tripped");
		ASSERT_HAS_SUBSTR(oomkit_output(), "\"fallbacks\":2",
				  "show: two fallbacks");
	}

	runs = policy_stat(NEVER, OOMKIT_STAT_RUNS);
	h = next_oom("oom/b", h);
	ASSERT_GE(policy_stat(NEVER, OOMKIT_STAT_TRIPPED_SKIPS), 1,
		  "tripped: the OOM passed on untouched");
	ASSERT_EQ(policy_stat(NEVER, OOMKIT_STAT_RUNS), runs,
		  "tripped: no decision");
	ASSERT_EQ(policy_stat(NEVER, OOMKIT_STAT_FALLBACKS), 2,
		  "no fallback counted");

	/* the service's reader: the trip record is the third */
	if (ASSERT_OK(oomkit("events", NEVER, "--count", "3", "--timeout", "30",
			     NULL),
		      "events")) {
		ASSERT_HAS_SUBSTR(oomkit_output(), "tripped",
				  "the trip record");
		ASSERT_HAS_SUBSTR(oomkit_output(), "detached: it tripped",
				  "the reader detached it");
	}
	if (ASSERT_OK(oomkit("-j", "policy", "show", NULL), "show"))
		ASSERT_HAS_SUBSTR(oomkit_output(), "\"detached\":true",
				  "show: the link is detached");
	runs = policy_stat(NEVER, OOMKIT_STAT_TRIPPED_SKIPS);
	next_oom("oom/a", h);
	ASSERT_EQ(policy_stat(NEVER, OOMKIT_STAT_TRIPPED_SKIPS), runs,
		  "detached: not even called");
cleanup:
	ASSERT_EQ(scenario_end(NEVER, NULL), 0, "nr_dying_descendants");
}
