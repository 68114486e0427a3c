// SPDX-License-Identifier: GPL-2.0
/* A victim the OOM reaper gave up on (stuck in D state, memory still charged) is no candidate for the next OOM. */
#include <signal.h>
#include <stdio.h>

#include "cgroup.h"
#include "hog.h"
#include "kmsg.h"
#include "scenario.h"
#include "stuck.h"
#include "test.h"

#define POLICY "biggest-cgroup"

/*
 * oom (48 MB) has one leaf, l: a victim that cannot exit (28 MB of shared
 * memory, which the reaper skips, its only thread in D state on a frozen
 * fs) and a hog that grows. The first OOM kills the victim, the bigger
 * task; it stays, its memory charged, and the reaper sets MMF_OOM_SKIP on
 * it. The next OOM must go to the hog, and by the policy: killing the
 * stuck victim again frees nothing, and the kernel's own selection skips
 * it for that reason (oom_evaluate_task()). One leaf, because the policy
 * sizes leaves without page cache, and shared memory is page cache.
 */
TEST(biggest_cgroup_skips_victim_the_reaper_gave_up_on)
{
	long long mark, policy_kills, kernel_kills;
	pid_t victim, hog;
	char line[64];

	if (!ASSERT_OK(scenario_begin("reaped_victim"), "scenario_begin"))
		goto cleanup;
	if (!ASSERT_OK(frozen_fs_begin(), "frozen_fs_begin"))
		goto cleanup;
	if (!ASSERT_OK(cg_create("oom"), "cg_create oom") ||
	    !ASSERT_OK(cg_write("oom", "memory.max", "%llu", 48 * MB),
		       "memory.max") ||
	    !ASSERT_OK(cg_create("oom/l"), "cg_create l"))
		goto cleanup;
	victim = stuck_start("oom/l", 28 * MB);
	if (!ASSERT_GT(victim, 0, "stuck_start"))
		goto cleanup;
	if (!ASSERT_OK(policy_load(POLICY, NULL), "policy load"))
		goto cleanup;

	mark = kmsg_mark();
	hog = hog_start_growing("oom/l", 1 * MB, 0);
	if (!ASSERT_GT(hog, 0, "hog_start_growing"))
		goto cleanup;
	ASSERT_EQ(hog_wait(hog, 60000), SIGKILL, "the hog killed");
	snprintf(line, sizeof(line), "Killed process %d ", victim);
	ASSERT_EQ(kmsg_count(mark, line), 1, "the stuck victim killed once");
	/* before the fix the policy went for it again, and the kernel refused */
	ASSERT_EQ(policy_stat(POLICY, OOMKIT_STAT_KILL_FAILED), 0,
		  "the policy never chose the stuck victim again");
	/*
	 * Until the reaper sets MMF_OOM_SKIP the victim is pending: the policy
	 * waits, claiming no kill, and the kernel's own check runs after it.
	 * An OOM in the moment between the two checks finds the flag set in
	 * the kernel's: then the kernel kills the hog (seen once, the OOM 2 ms
	 * after "oom_reaper: reaped"). Either way, two kills in all.
	 */
	policy_kills = kmsg_count(mark, POLICY ": Killed process");
	kernel_kills =
		kmsg_count(mark, "Memory cgroup out of memory: Killed process");
	ASSERT_EQ(policy_kills + kernel_kills, 2, "two kills in all");
	ASSERT_GE(policy_kills, 1, "the policy killed the stuck victim");
	if (kernel_kills)
		test_log(
			"the kernel killed the hog: the OOM fell between the two checks\n");
	ASSERT_EQ(policy_stat(POLICY, OOMKIT_STAT_KILLS), policy_kills,
		  "kills: the stuck victim once, then (mostly) the hog");
	ASSERT_EQ(stuck_state(victim), 'D', "the first victim still stuck");
	ASSERT_EQ(oom_kills("oom/l"), 2, "l's oom_kill");
cleanup:
	frozen_fs_end();
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}
