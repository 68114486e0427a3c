// SPDX-License-Identifier: GPL-2.0
/* The level-2 upstream selftests' scenarios (kernel-abi-level2.md section 7), with our own programs. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cgroup.h"
#include "hog.h"
#include "kmsg.h"
#include "l2.h"
#include "test.h"

#include "l2_upstream_oom.skel.h"
#include "l2_upstream_oomd.skel.h"
#include "l2_upstream_psi.skel.h"

struct leaf {
	const char *rel;
	unsigned long long bytes;
	int oom_score_adj;
	pid_t pid;
};

static const char *killed_line(const char *message, pid_t pid)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%s: Killed process %d (", message, pid);
	return buf;
}

/*
 * test_oom at level 2: /oom_test (80 MB, no swap, frozen while the other
 * leaves are set up) as at level 1, the policy's map attached to /oom_test
 * and to the root. /oom_test's instance passes, the root's kills cg4's task.
 */
TEST(l2_upstream_oom_root_instance_kills_biggest_killable_leaf)
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
	struct l2_upstream_oom *skel = NULL;
	int own = -1, root = -1;
	struct leaf *cg4 = &leaves[2];
	char what[64], line[1024];
	unsigned int i;
	long long mark;

	if (!ASSERT_OK(cg_init("l2_upstream_oom"), "cg_init"))
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
	 * cg4 holds its 30 MB before the others start: were all thawed at
	 * once, cg5 could be ahead of cg4 when the OOM comes (seen 1 in 4).
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

	skel = l2_upstream_oom__open();
	if (!ASSERT_OK_PTR(skel, "l2_upstream_oom__open"))
		goto cleanup;
	/* libbpf 1.5 skeletons auto-attach .struct_ops.link maps */
	bpf_map__set_autoattach(skel->maps.l2_upstream_oom_ops, false);
	if (!ASSERT_OK(l2_upstream_oom__load(skel), "l2_upstream_oom__load"))
		goto cleanup;
	skel->bss->scope_cgid = cg_id("oom_test");
	own = l2_attach(skel->maps.l2_upstream_oom_ops, "oom_test", 0, 0, 0);
	root = l2_attach(skel->maps.l2_upstream_oom_ops, CG_MOUNT, 0, 0, 0);
	if (!ASSERT_GE(own, 0, "attach to /oom_test") ||
	    !ASSERT_GE(root, 0, "attach to the root"))
		goto cleanup;

	mark = kmsg_mark();
	if (!ASSERT_OK(cg_freeze("oom_test", false), "thaw /oom_test"))
		goto cleanup;
	if (!ASSERT_EQ(hog_wait(cg4->pid, OOM_TIMEOUT_MS), SIGKILL,
		       "cg4's task killed"))
		goto cleanup;
	if (ASSERT_EQ(kmsg_grep(mark, "Killed process", line, sizeof(line)), 1,
		      "a kill line"))
		ASSERT_HAS_SUBSTR(
			line, killed_line("abi2 upstream policy", cg4->pid),
			"the first kill is cg4's task, by the policy");
	test_sleep_ms(1000);
	for (i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		if (&leaves[i] == cg4)
			continue;
		snprintf(what, sizeof(what), "%s still alive", leaves[i].rel);
		ASSERT_EQ(hog_wait(leaves[i].pid, 0), -ETIMEDOUT, what);
	}
	ASSERT_EQ(cg_read_key(cg4->rel, "memory.events", "oom_kill"), 1,
		  "cg4 oom_kill");
	ASSERT_EQ(skel->bss->passed_cgid, cg_id("oom_test"),
		  "/oom_test's instance passed");
	ASSERT_EQ(skel->bss->killer_cgid, cg_id(CG_MOUNT),
		  "the root's instance killed");
	ASSERT_EQ(skel->bss->victim_cgid, cg_id(cg4->rel),
		  "policy's victim cgroup");
	ASSERT_EQ(skel->bss->nr_killed, 1, "tasks killed by the policy");
	ASSERT_EQ(kmsg_grep(mark, "oom bpf handler: l2_upstream", NULL, 0), 1,
		  "handler line");
cleanup:
	if (own >= 0)
		close(own);
	if (root >= 0)
		close(root);
	l2_upstream_oom__destroy(skel);
	cg_cleanup();
}

/* The decision record of progs/l2_upstream_oomd.bpf.c */
struct oomd_decision {
	__u64 cgid;
	__u32 pid;
	int kill_ret;
	__u32 candidates;
	__u32 omitted;
	__u32 unkillable;
	__u32 nr_killed;
};

/*
 * test_oomd at level 2, scaled: /oomd_test (80 MB, no swap, frozen while
 * set up) with system.slice/critical.service 14 MB (OMIT) and
 * workload.slice/ batch-a 20 MB (AVOID), batch-b (grows until the OOM:
 * at least 24 MB by then, the victim), batch-c 10 MB and unkillable 12 MB
 * (-1000). The upstream sizes (34/46/30/22/26 MB) do not fit 80 MB side
 * by side; these make the victim independent of allocation timing.
 */
TEST(l2_upstream_oomd_kills_the_preferred_candidate)
{
	struct leaf leaves[] = {
		{ .rel = "oomd_test/system.slice/critical.service",
		  .bytes = 14 * MB },
		{ .rel = "oomd_test/workload.slice/batch-a.service",
		  .bytes = 20 * MB },
		{ .rel = "oomd_test/workload.slice/batch-b.service" },
		{ .rel = "oomd_test/workload.slice/batch-c.service",
		  .bytes = 10 * MB },
		{ .rel = "oomd_test/workload.slice/unkillable.service",
		  .bytes = 12 * MB,
		  .oom_score_adj = -1000 },
	};
	const char *dirs[] = {
		"oomd_test",
		"oomd_test/system.slice",
		"oomd_test/workload.slice",
	};
	struct l2_upstream_oomd *skel = NULL;
	struct oomd_decision d = {};
	struct leaf *batch_b = &leaves[2];
	int own = -1, root = -1;
	char what[96], line[1024];
	__u32 zero = 0, pref;
	__u64 cgid;
	unsigned int i;
	long long mark;

	if (!ASSERT_OK(cg_init("l2_upstream_oomd"), "cg_init"))
		return;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (!ASSERT_OK(cg_create(dirs[i]), dirs[i]))
			goto cleanup;
	for (i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++)
		if (!ASSERT_OK(cg_create(leaves[i].rel), leaves[i].rel))
			goto cleanup;
	if (!ASSERT_OK(cg_freeze("oomd_test", true), "freeze /oomd_test") ||
	    !ASSERT_OK(cg_write("oomd_test", "memory.max", "%llu", 80 * MB),
		       "memory.max") ||
	    !ASSERT_OK(cg_write("oomd_test", "memory.swap.max", "0"),
		       "memory.swap.max"))
		goto cleanup;
	for (i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		if (&leaves[i] == batch_b)
			leaves[i].pid =
				hog_start_growing(leaves[i].rel, 1 * MB, 0);
		else
			leaves[i].pid = hog_start(leaves[i].rel,
						  leaves[i].bytes,
						  leaves[i].oom_score_adj);
		if (!ASSERT_GT(leaves[i].pid, 0, leaves[i].rel))
			goto cleanup;
	}

	skel = l2_upstream_oomd__open();
	if (!ASSERT_OK_PTR(skel, "l2_upstream_oomd__open"))
		goto cleanup;
	bpf_map__set_autoattach(skel->maps.l2_oomd_ops, false);
	if (!ASSERT_OK(l2_upstream_oomd__load(skel), "l2_upstream_oomd__load"))
		goto cleanup;
	skel->bss->scope_cgid = cg_id("oomd_test");
	cgid = cg_id(leaves[0].rel);
	pref = 1; /* OMIT */
	if (!ASSERT_OK(bpf_map_update_elem(bpf_map__fd(skel->maps.preferences),
					   &cgid, &pref, 0),
		       "critical.service: OMIT"))
		goto cleanup;
	cgid = cg_id(leaves[1].rel);
	pref = 2; /* AVOID */
	if (!ASSERT_OK(bpf_map_update_elem(bpf_map__fd(skel->maps.preferences),
					   &cgid, &pref, 0),
		       "batch-a.service: AVOID"))
		goto cleanup;
	own = l2_attach(skel->maps.l2_oomd_ops, "oomd_test", 0, 0, 0);
	root = l2_attach(skel->maps.l2_oomd_ops, CG_MOUNT, 0, 0, 0);
	if (!ASSERT_GE(own, 0, "attach to /oomd_test") ||
	    !ASSERT_GE(root, 0, "attach to the root"))
		goto cleanup;

	mark = kmsg_mark();
	if (!ASSERT_OK(cg_freeze("oomd_test", false), "thaw /oomd_test"))
		goto cleanup;
	if (!ASSERT_EQ(hog_wait(batch_b->pid, OOM_TIMEOUT_MS), SIGKILL,
		       "batch-b's task killed"))
		goto cleanup;
	if (ASSERT_EQ(kmsg_grep(mark, "Killed process", line, sizeof(line)), 1,
		      "a kill line"))
		ASSERT_HAS_SUBSTR(
			line, killed_line("abi2 oomd policy", batch_b->pid),
			"the first kill is batch-b's task, by the policy");
	if (ASSERT_OK(bpf_map_lookup_elem(bpf_map__fd(skel->maps.decisions),
					  &zero, &d),
		      "the decision")) {
		ASSERT_EQ(d.cgid, cg_id(batch_b->rel),
			  "decision: batch-b.service");
		ASSERT_EQ(d.pid, (__u32)batch_b->pid,
			  "decision: batch-b's pid");
		ASSERT_GT(d.candidates, 0, "candidates counted");
		ASSERT_GT(d.omitted, 0, "omitted counted");
		ASSERT_GT(d.unkillable, 0, "unkillable counted");
		ASSERT_EQ(d.kill_ret, 0, "kill result");
	}
	test_sleep_ms(1000);
	for (i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		if (&leaves[i] == batch_b)
			continue;
		snprintf(what, sizeof(what), "%s still alive", leaves[i].rel);
		ASSERT_EQ(hog_wait(leaves[i].pid, 0), -ETIMEDOUT, what);
	}
	ASSERT_EQ(kmsg_grep(mark, "oom bpf handler: l2_systemd_oomd", NULL, 0),
		  1, "handler line");
cleanup:
	hog_kill_all();
	if (own >= 0)
		close(own);
	if (root >= 0)
		close(root);
	l2_upstream_oomd__destroy(skel);
	cg_cleanup();
}

/*
 * test_psi at level 2: /psi_test (frozen) with cg1 (empty) and cg2
 * (memory.high 40 MB, no swap, a task touching 500 MB). cg2's id set,
 * the tp_btf program attached (no bpf_oom_ops), cg1 removed,
 * /psi_test_new created, thawed: cg2's stall makes the program declare
 * a memcg OOM on cg2 and the kernel killer kills cg2's task.
 */
TEST(l2_upstream_psi_declares_memcg_oom_from_a_bpf_wq)
{
	struct l2_upstream_psi *skel = NULL;
	struct bpf_link *link = NULL;
	char line[1024];
	long long mark;
	pid_t hog;

	if (!ASSERT_OK(cg_init("l2_upstream_psi"), "cg_init"))
		return;
	if (!ASSERT_OK(cg_create("psi_test"), "psi_test") ||
	    !ASSERT_OK(cg_create("psi_test/cg1"), "cg1") ||
	    !ASSERT_OK(cg_create("psi_test/cg2"), "cg2") ||
	    !ASSERT_OK(cg_write("psi_test/cg2", "memory.high", "%llu", 40 * MB),
		       "memory.high") ||
	    !ASSERT_OK(cg_write("psi_test/cg2", "memory.swap.max", "0"),
		       "memory.swap.max") ||
	    !ASSERT_OK(cg_freeze("psi_test", true), "freeze psi_test"))
		goto cleanup;
	hog = hog_start("psi_test/cg2", 500 * MB, 0);
	if (!ASSERT_GT(hog, 0, "cg2's task"))
		goto cleanup;

	skel = l2_upstream_psi__open_and_load();
	if (!ASSERT_OK_PTR(skel, "l2_upstream_psi__open_and_load"))
		goto cleanup;
	skel->bss->cg2_id = cg_id("psi_test/cg2");
	link = bpf_program__attach(skel->progs.l2_psi_avgs_work);
	if (!ASSERT_OK_PTR(link, "attach tp_btf/psi_avgs_work"))
		goto cleanup;
	if (!ASSERT_OK(rmdir(cg_abspath("psi_test/cg1")) ? -errno : 0,
		       "rmdir cg1") ||
	    !ASSERT_OK(cg_create("psi_test_new"), "psi_test_new"))
		goto cleanup;

	mark = kmsg_mark();
	if (!ASSERT_OK(cg_freeze("psi_test", false), "thaw psi_test"))
		goto cleanup;
	if (!ASSERT_EQ(hog_wait(hog, 120000), SIGKILL, "cg2's task killed"))
		goto cleanup;
	ASSERT_TRUE(WAIT_UNTIL(READ_ONCE(skel->bss->oom_done), 10000),
		    "the wq callback ran");
	ASSERT_EQ(skel->bss->wq_ret, 0, "bpf_wq set up");
	ASSERT_EQ(skel->bss->oom_ret, 1, "bpf_out_of_memory(cg2): progress");
	ASSERT_GT(skel->bss->growth, 50 * 1000 * 1000ULL,
		  "full stall growth that triggered it");
	ASSERT_EQ(cg_read_key("psi_test/cg2", "memory.events", "oom_kill"), 1,
		  "cg2 oom_kill");
	if (ASSERT_EQ(kmsg_grep(mark, "Killed process", line, sizeof(line)), 1,
		      "a kill line"))
		ASSERT_HAS_SUBSTR(line,
				  "Memory cgroup out of memory: Killed process",
				  "the kernel killer did it");
	ASSERT_EQ(kmsg_grep(mark, "oom-kill:constraint=CONSTRAINT_MEMCG,", NULL,
			    0),
		  1, "CONSTRAINT_MEMCG");
cleanup:
	hog_kill_all();
	bpf_link__destroy(link);
	l2_upstream_psi__destroy(skel);
	cg_cleanup();
}
