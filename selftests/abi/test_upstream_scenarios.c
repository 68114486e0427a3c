// SPDX-License-Identifier: GPL-2.0
/* The two scenarios of the upstream series' selftests (kernel-abi.md section 6), with our own programs. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "cgroup.h"
#include "helpers.h"
#include "hog.h"
#include "kmsg.h"
#include "test.h"

#include "upstream_oom.skel.h"
#include "upstream_psi.skel.h"

struct leaf {
	const char *rel;
	unsigned long long bytes;
	int oom_score_adj;
	pid_t pid;
};

/*
 * /oom_test: 80 MB, no swap, frozen while set up. The kernel alone would
 * kill cg1 (+1000); cg2 is the biggest but holds a -1000 task; so the
 * policy must pick cg4, the biggest killable leaf.
 */
TEST(upstream_oom_policy_kills_biggest_killable_leaf)
{
	struct leaf leaves[] = {
		{ .rel = "oom_test/cg1",
		  .bytes = 10 * MB,
		  .oom_score_adj = 1000 },
		{ .rel = "oom_test/cg2",
		  .bytes = 40 * MB,
		  .oom_score_adj = -1000 },
		{ .rel = "oom_test/cg3/cg4", .bytes = 30 * MB },
		{ .rel = "oom_test/cg3/cg5", .bytes = 20 * MB },
	};
	const char *dirs[] = {
		"oom_test",	"oom_test/cg1",	    "oom_test/cg2",
		"oom_test/cg3", "oom_test/cg3/cg4", "oom_test/cg3/cg5",
	};
	struct upstream_oom *skel = NULL;
	struct bpf_link *link = NULL;
	struct leaf *cg4 = &leaves[2];
	char what[64], line[1024];
	unsigned int i;
	long long mark;

	if (!ASSERT_OK(cg_init("upstream_oom"), "cg_init"))
		return;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (!ASSERT_OK(cg_create(dirs[i]), dirs[i]))
			goto cleanup;
	if (!ASSERT_OK(cg_write("oom_test", "memory.max", "%llu", 80 * MB),
		       "memory.max") ||
	    !ASSERT_OK(cg_write("oom_test", "memory.swap.max", "0"),
		       "memory.swap.max"))
		goto cleanup;
	/*
	 * cg4 holds its 30 MB before the others start: thawed all at once,
	 * cg5 was once ahead of cg4 when the OOM came (CI, stop 16).
	 */
	cg4->pid = hog_start(cg4->rel, cg4->bytes, cg4->oom_score_adj);
	if (!ASSERT_GT(cg4->pid, 0, cg4->rel) ||
	    !ASSERT_OK(cg_freeze("oom_test", true), "freeze /oom_test"))
		goto cleanup;
	for (i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		if (&leaves[i] == cg4)
			continue;
		leaves[i].pid = hog_start(leaves[i].rel, leaves[i].bytes,
					  leaves[i].oom_score_adj);
		if (!ASSERT_GT(leaves[i].pid, 0, leaves[i].rel))
			goto cleanup;
	}

	skel = upstream_oom__open_and_load();
	if (!ASSERT_OK_PTR(skel, "upstream_oom__open_and_load"))
		goto cleanup;
	skel->bss->scope_cgid = cg_id("oom_test");
	link = bpf_map__attach_struct_ops(skel->maps.upstream_oom_ops);
	if (!ASSERT_OK_PTR(link, "attach upstream_oom_ops"))
		goto cleanup;

	mark = kmsg_mark();
	if (!ASSERT_OK(cg_freeze("oom_test", false), "thaw /oom_test"))
		goto cleanup;
	if (!ASSERT_EQ(hog_wait(cg4->pid, OOM_TIMEOUT_MS), SIGKILL,
		       "cg4's task killed"))
		goto cleanup;
	/* First to die: the first kill of the log (exit itself takes a while). */
	if (ASSERT_EQ(kmsg_grep(mark, "Killed process", line, sizeof(line)), 1,
		      "a kill line"))
		ASSERT_HAS_SUBSTR(
			line, killed_line("abi upstream policy", cg4->pid),
			"the first kill is cg4's task, by the policy");
	/* The others survive: 70 MB fit in 80. */
	test_sleep_ms(1000);
	for (i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		if (&leaves[i] == cg4)
			continue;
		snprintf(what, sizeof(what), "%s still alive", leaves[i].rel);
		ASSERT_EQ(hog_wait(leaves[i].pid, 0), -ETIMEDOUT, what);
		snprintf(what, sizeof(what), "%s oom_kill", leaves[i].rel);
		ASSERT_EQ(oom_kills(leaves[i].rel), 0, what);
	}
	ASSERT_EQ(oom_kills(cg4->rel), 1, "cg4 memory.events oom_kill");
	ASSERT_EQ(skel->bss->victim_cgid, cg_id(cg4->rel),
		  "policy's victim cgroup");
	ASSERT_EQ(skel->bss->nr_killed, 1, "tasks killed by the policy");
	ASSERT_EQ(kmsg_grep(mark, killed_line("abi upstream policy", cg4->pid),
			    NULL, 0),
		  1, "the policy's kill line");
cleanup:
	bpf_link__destroy(link);
	upstream_oom__destroy(skel);
	cg_cleanup();
}

/*
 * /oom_test/cg1 (empty) and cg2 (memory.high 40 MB, no swap, a task
 * touching 500 MB, frozen at first). init() makes the triggers; cg1 is
 * removed; cg2 is thawed and its pressure makes the program declare a
 * memcg OOM with a custom constraint; the kernel killer does the kill.
 */
TEST(upstream_psi_declares_oom_with_custom_constraint)
{
	struct upstream_psi *skel = NULL;
	struct bpf_link *link = NULL;
	unsigned long long cg1_id;
	char line[1024];
	long long mark;
	pid_t hog;

	if (!ASSERT_OK(cg_init("upstream_psi"), "cg_init"))
		return;
	if (!ASSERT_OK(cg_create("oom_test"), "cg_create oom_test") ||
	    !ASSERT_OK(cg_create("oom_test/cg1"), "cg_create cg1") ||
	    !ASSERT_OK(cg_create("oom_test/cg2"), "cg_create cg2") ||
	    !ASSERT_OK(cg_write("oom_test/cg2", "memory.high", "%llu", 40 * MB),
		       "memory.high") ||
	    !ASSERT_OK(cg_write("oom_test/cg2", "memory.swap.max", "0"),
		       "memory.swap.max") ||
	    !ASSERT_OK(cg_freeze("oom_test/cg2", true), "freeze cg2"))
		goto cleanup;
	hog = hog_start("oom_test/cg2", 500 * MB, 0);
	if (!ASSERT_GT(hog, 0, "cg2 task"))
		goto cleanup;

	skel = upstream_psi__open_and_load();
	if (!ASSERT_OK_PTR(skel, "upstream_psi__open_and_load"))
		goto cleanup;
	cg1_id = cg_id("oom_test/cg1");
	skel->bss->cg1_id = cg1_id;
	skel->bss->cg2_id = cg_id("oom_test/cg2");
	link = bpf_map__attach_struct_ops(skel->maps.upstream_psi_ops);
	if (!ASSERT_OK_PTR(link, "attach upstream_psi_ops"))
		goto cleanup;
	ASSERT_EQ(skel->data->cg2_trigger_ret, 0,
		  "PSI_MEM|FULL trigger on cg2");
	ASSERT_EQ(skel->data->cg1_trigger_ret, 0, "PSI_IO trigger on cg1");

	if (!ASSERT_OK(rmdir(cg_abspath("oom_test/cg1")), "rmdir cg1"))
		goto cleanup;
	ASSERT_TRUE(WAIT_UNTIL(READ_ONCE(skel->bss->freed_id) == cg1_id, 10000),
		    "handle_cgroup_free reports cg1's id");

	mark = kmsg_mark();
	if (!ASSERT_OK(cg_freeze("oom_test/cg2", false), "thaw cg2"))
		goto cleanup;
	if (!ASSERT_EQ(hog_wait(hog, OOM_TIMEOUT_MS), SIGKILL,
		       "cg2's task killed"))
		goto cleanup;
	ASSERT_GE(READ_ONCE(skel->bss->cg2_events), 1, "PSI events on cg2");
	ASSERT_EQ(skel->data->oom_ret, 1, "bpf_out_of_memory made progress");
	ASSERT_EQ(oom_kills("oom_test/cg2"), 1, "cg2 memory.events oom_kill");
	ASSERT_EQ(kmsg_grep(mark, "oom-kill:constraint=CONSTRAINT_BPF_PSI_MEM,",
			    NULL, 0),
		  1, "custom constraint in the report");
	if (ASSERT_EQ(oom_report(mark, line, sizeof(line)), 1, "OOM report"))
		ASSERT_HAS_SUBSTR(line, "\noom_policy=default",
				  "the kernel killer did it");
cleanup:
	hog_kill_all();
	bpf_link__destroy(link);
	upstream_psi__destroy(skel);
	cg_cleanup();
}
