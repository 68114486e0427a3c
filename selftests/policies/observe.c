// SPDX-License-Identifier: GPL-2.0
/* observe scenarios: it records and never kills; chained with a killing policy, in both orders. */
#include <signal.h>

#include "cgroup.h"
#include "hog.h"
#include "kmsg.h"
#include "report.h"
#include "scenario.h"
#include "test.h"

/*
 * One leaf of 40 MB at oom_score_adj 0 and one of 12 MB at +1000, under
 * 64 MB, the +1000 one allocating last: the kernel's own choice (+1000) and
 * the biggest leaf differ, so the report shows who decided.
 */
static int setup(const char *test, pid_t *big)
{
	int err;

	err = scenario_begin(test);
	err = err ?: cg_create("oom");
	err = err ?: cg_write("oom", "memory.max", "%llu", 64 * MB);
	err = err ?: cg_create("oom/big");
	err = err ?: cg_create("oom/adj");
	if (err)
		return err;
	*big = hog_start("oom/big", 40 * MB, 0);
	return *big < 0 ? *big : 0;
}

/* observe alone: the kernel kills its own choice; the record says who observe saw. */
TEST(observe_records_and_lets_kernel_decide)
{
	struct oomkit_event ev[16];
	const struct oomkit_event *obs;
	pid_t big = -1, adj = -1;
	long long mark;
	int nr;

	if (!ASSERT_OK(setup("observe_alone", &big), "setup"))
		goto cleanup;
	if (!ASSERT_OK(policy_load("observe", NULL), "policy load"))
		goto cleanup;
	mark = kmsg_mark();
	adj = hog_start("oom/adj", 40 * MB, 1000);

	ASSERT_TRUE(hog_killed(adj), "the kernel kills the +1000 task");
	ASSERT_TRUE(hog_alive(big), "big survives");
	ASSERT_EQ(oom_kills("oom/adj"), 1, "adj oom_kill");
	ASSERT_EQ(oom_kills("oom/big"), 0, "big oom_kill");
	oom_report_names(mark, "default");
	ASSERT_EQ(kmsg_count(mark, "observe: Killed process"), 0,
		  "observe killed nothing");
	ASSERT_GE(policy_stat("observe", OOMKIT_STAT_RUNS), 1, "runs counter");
	ASSERT_EQ(policy_stat("observe", OOMKIT_STAT_KILLS), 0,
		  "kills counter");

	nr = policy_events("observe", ev, 16);
	obs = event_find(ev, nr, OOMKIT_DEC_OBSERVE);
	if (ASSERT_TRUE(obs != NULL, "observe record")) {
		ASSERT_EQ(obs->scope_cgroup_id, cg_id("oom"), "scope");
		ASSERT_GE(obs->scope_bytes, 60 * MB, "scope usage");
		ASSERT_EQ(obs->victim_cgroup_id, cg_id("oom/big"),
			  "would kill in big");
		ASSERT_HAS_SUBSTR(obs->reason, "would kill", "reason");
		ASSERT_EQ(obs->nr_candidates, 2, "two candidates");
		ASSERT_EQ(obs->candidates[1].cgroup_id, cg_id("oom/adj"),
			  "second candidate");
	}
	ASSERT_EQ(event_count(ev, nr, OOMKIT_DEC_KILL_TASK), 0,
		  "no kill record");

cleanup:
	ASSERT_EQ(scenario_end("observe", NULL), 0, "nr_dying_descendants");
}

/* observe attached first, biggest-cgroup second: both run, biggest-cgroup kills. */
TEST(chain_observe_then_biggest_cgroup)
{
	struct oomkit_event ev[16];
	const struct oomkit_event *obs;
	pid_t big = -1, adj = -1;
	long long mark;
	int nr;

	if (!ASSERT_OK(setup("chain_observe_first", &big), "setup"))
		goto cleanup;
	if (!ASSERT_OK(policy_load("observe", NULL), "load observe") ||
	    !ASSERT_OK(policy_load("biggest-cgroup", NULL),
		       "load biggest-cgroup"))
		goto cleanup;
	mark = kmsg_mark();
	adj = hog_start("oom/adj", 40 * MB, 1000);

	ASSERT_TRUE(hog_killed(big), "biggest-cgroup kills big");
	ASSERT_TRUE(hog_alive(adj), "the +1000 task survives");
	ASSERT_EQ(oom_kills("oom/big"), 1, "big oom_kill");
	ASSERT_EQ(oom_kills("oom/adj"), 0, "adj oom_kill");
	oom_report_names(mark, "biggest-cgroup");
	ASSERT_GE(policy_stat("observe", OOMKIT_STAT_RUNS), 1, "observe ran");
	ASSERT_EQ(policy_stat("biggest-cgroup", OOMKIT_STAT_KILLS), 1,
		  "biggest-cgroup killed");
	nr = policy_events("observe", ev, 16);
	obs = event_find(ev, nr, OOMKIT_DEC_OBSERVE);
	if (ASSERT_TRUE(obs != NULL, "observe record"))
		ASSERT_EQ(obs->victim_cgroup_id, cg_id("oom/big"),
			  "observe saw the same victim");

cleanup:
	ASSERT_EQ(scenario_end("biggest-cgroup", "observe", NULL), 0,
		  "nr_dying_descendants");
}

/*
 * biggest-cgroup attached first handles the OOM: observe, second, runs only
 * for the OOMs in which biggest-cgroup freed nothing (it returns 1 while its
 * victim exits, which the ABI does not count as handled).
 */
TEST(chain_biggest_cgroup_then_observe)
{
	pid_t big = -1, adj = -1;
	long long mark;

	if (!ASSERT_OK(setup("chain_observe_second", &big), "setup"))
		goto cleanup;
	if (!ASSERT_OK(policy_load("biggest-cgroup", NULL),
		       "load biggest-cgroup") ||
	    !ASSERT_OK(policy_load("observe", NULL), "load observe"))
		goto cleanup;
	mark = kmsg_mark();
	adj = hog_start("oom/adj", 40 * MB, 1000);

	ASSERT_TRUE(hog_killed(big), "biggest-cgroup kills big");
	ASSERT_TRUE(hog_alive(adj), "the +1000 task survives");
	ASSERT_EQ(report_count(mark, "biggest-cgroup"), 1,
		  "report names the killer");
	ASSERT_EQ(policy_stat("biggest-cgroup", OOMKIT_STAT_KILLS), 1,
		  "biggest-cgroup killed");
	ASSERT_EQ(policy_stat("observe", OOMKIT_STAT_RUNS),
		  policy_stat("biggest-cgroup", OOMKIT_STAT_RUNS) -
			  policy_stat("biggest-cgroup", OOMKIT_STAT_KILLS),
		  "observe ran only when biggest-cgroup freed nothing");
	ASSERT_EQ(policy_stat("observe", OOMKIT_STAT_KILLS), 0,
		  "observe killed nothing");

cleanup:
	ASSERT_EQ(scenario_end("biggest-cgroup", "observe", NULL), 0,
		  "nr_dying_descendants");
}
