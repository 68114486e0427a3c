// SPDX-License-Identifier: GPL-2.0
/* Shadow mode: a policy decides at real OOMs, kills nothing, and counts how the kill that followed matched. */
#include <unistd.h>

#include "cgroup.h"
#include "hog.h"
#include "kmsg.h"
#include "report.h"
#include "scenario.h"
#include "test.h"

#define SHADOWED "biggest-cgroup"

/*
 * oom (64 MB) with leaves big, holding 40 MB, and other, where a 40 MB hog
 * at oom_score_adj @adj then overflows oom while it has ~24 MB: big is the
 * biggest leaf, and the kernel's own choice is big's hog at adj 0, the
 * allocating one at +1000. SHADOWED is loaded in shadow first, then, with
 * @actor, priority with other at the lowest priority (else the kernel
 * acts). Returns the allocating hog, or -1.
 */
static pid_t shadow_oom(const char *test, int adj, bool actor, pid_t *big,
			long long *mark)
{
	if (!ASSERT_OK(scenario_begin_tree(test, 64 * MB, "big", "other", NULL),
		       "setup"))
		return -1;
	*big = hog_start("oom/big", 40 * MB, 0);
	if (!ASSERT_TRUE(hog_alive(*big), "big's hog ready") ||
	    !ASSERT_OK(oomkit("policy", "load", SHADOWED, "--shadow", NULL),
		       "load in shadow") ||
	    (actor &&
	     !ASSERT_OK(policy_load("priority",
				    cg_setting_n("priority", "oom/other", -5),
				    NULL),
			"load priority")))
		return -1;
	*mark = kmsg_mark();
	return hog_start("oom/other", 40 * MB, adj);
}

/* The record of the shadow's choice: in big, decision "shadow", nothing killed by it. */
static void shadow_record_says_big(void)
{
	struct oomkit_event ev[16];
	const struct oomkit_event *s;
	int nr;

	nr = policy_events(SHADOWED, ev, 16);
	s = event_find(ev, nr, OOMKIT_DEC_SHADOW);
	if (ASSERT_TRUE(s != NULL, "a shadow record"))
		ASSERT_EQ(s->victim_cgroup_id, cg_id("oom/big"),
			  "it would kill in big");
	ASSERT_EQ(event_count(ev, nr, OOMKIT_DEC_KILL_TASK) +
			  event_count(ev, nr, OOMKIT_DEC_KILL_CGROUP),
		  0, "no kill record");
	ASSERT_EQ(policy_stat(SHADOWED, OOMKIT_STAT_KILLS), 0, "kills counter");
	ASSERT_GE(policy_stat(SHADOWED, OOMKIT_STAT_SHADOW_CHOICES), 1,
		  "shadow_choices");
}

/* The kernel acts and takes big's hog, the shadow's own choice: a match. */
TEST(shadow_matches_the_kernels_kill)
{
	pid_t big = -1, other;
	long long mark = 0;

	other = shadow_oom("shadow_same", 0, false, &big, &mark);
	if (other < 0)
		goto cleanup;
	ASSERT_TRUE(hog_killed(big), "the kernel kills big's hog");
	ASSERT_TRUE(hog_alive(other), "other's hog survives");
	ASSERT_EQ(oom_kills("oom/big"), 1, "big oom_kill");
	oom_report_names(mark, "default");
	shadow_record_says_big();
	ASSERT_EQ(policy_stat(SHADOWED, OOMKIT_STAT_SHADOW_SAME_TASK), 1,
		  "shadow_same_task");
	ASSERT_EQ(policy_stat(SHADOWED, OOMKIT_STAT_SHADOW_OTHER), 0,
		  "shadow_other");
cleanup:
	ASSERT_EQ(scenario_end(SHADOWED, NULL), 0, "nr_dying_descendants");
}

/* The kernel takes the +1000 hog in other: the shadow's choice missed. */
TEST(shadow_counts_a_different_kernel_kill)
{
	pid_t big = -1, other;
	long long mark = 0;

	other = shadow_oom("shadow_other", 1000, false, &big, &mark);
	if (other < 0)
		goto cleanup;
	ASSERT_TRUE(hog_killed(other), "the kernel kills the +1000 hog");
	ASSERT_TRUE(hog_alive(big), "big's hog survives");
	ASSERT_EQ(oom_kills("oom/other"), 1, "other oom_kill");
	ASSERT_EQ(oom_kills("oom/big"), 0, "big oom_kill");
	oom_report_names(mark, "default");
	shadow_record_says_big();
	ASSERT_EQ(policy_stat(SHADOWED, OOMKIT_STAT_SHADOW_OTHER), 1,
		  "shadow_other");
	ASSERT_EQ(policy_stat(SHADOWED, OOMKIT_STAT_SHADOW_SAME_TASK), 0,
		  "shadow_same_task");
cleanup:
	ASSERT_EQ(scenario_end(SHADOWED, NULL), 0, "nr_dying_descendants");
}

/*
 * priority, attached after the shadow, acts: other at the lowest priority
 * dies. The shadow ran first, chose big, and passed the OOM on.
 */
TEST(shadow_before_a_policy_that_acts)
{
	pid_t big = -1, other;
	long long mark = 0;

	other = shadow_oom("shadow_actor", 0, true, &big, &mark);
	if (other < 0)
		goto cleanup;
	ASSERT_TRUE(hog_killed(other), "priority kills other's hog");
	ASSERT_TRUE(hog_alive(big), "big's hog survives");
	oom_report_names(mark, "priority");
	ASSERT_EQ(policy_stat("priority", OOMKIT_STAT_KILLS), 1,
		  "priority killed");
	shadow_record_says_big();
	ASSERT_EQ(policy_stat(SHADOWED, OOMKIT_STAT_SHADOW_OTHER), 1,
		  "shadow_other");
cleanup:
	ASSERT_EQ(scenario_end("priority", SHADOWED, NULL), 0,
		  "nr_dying_descendants");
}

/* A PSI policy chooses no victim: --shadow is refused, and nothing is left loaded. */
TEST(shadow_refused_for_a_psi_policy)
{
	if (!ASSERT_OK(scenario_begin("shadow_psi"), "setup"))
		goto cleanup;
	ASSERT_EQ(oomkit("policy", "load", "psi-guard", "--shadow", NULL), 2,
		  "refused, exit 2");
	ASSERT_HAS_SUBSTR(oomkit_output(), "chooses no victim", "says why");
	ASSERT_TRUE(access("/sys/fs/bpf/oomkit/psi-guard", F_OK) != 0,
		    "nothing pinned");
cleanup:
	ASSERT_EQ(scenario_end("psi-guard", NULL), 0, "nr_dying_descendants");
}
