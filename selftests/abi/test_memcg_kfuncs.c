// SPDX-License-Identifier: GPL-2.0
/* The memcg kfuncs read the same numbers as the cgroup files, and say -1 for what they can't read. */
#include <signal.h>
#include <stdio.h>

#include <bpf/libbpf.h>

#include "cgroup.h"
#include "helpers.h"
#include "hog.h"
#include "test.h"

#include "memcg_kfuncs.skel.h"

/* Both sides sample a live counter a moment apart. */
#define USAGE_SLACK (1 * MB)
#define MINUS_ONE   ((__u64) - 1)

static bool near(__u64 a, long long b, __u64 slack)
{
	return b >= 0 && (a > (__u64)b ? a - b : b - a) <= slack;
}

TEST(memcg_kfuncs_agree_with_cgroup_files)
{
	struct memcg_kfuncs *skel = NULL;
	long long cur_before, cur_after, anon, file, pgfault;
	pid_t pid;

	if (!ASSERT_OK(cg_init("memcg_kfuncs_agree"), "cg_init"))
		return;
	if (!ASSERT_OK(cg_create("a"), "cg_create"))
		goto cleanup;
	pid = hog_start("a", 32 * MB, 0);
	if (!ASSERT_GT(pid, 0, "hog_start") ||
	    !ASSERT_EQ(hog_wait(pid, 0), -ETIMEDOUT, "hog alive"))
		goto cleanup;

	skel = memcg_kfuncs__open_and_load();
	if (!ASSERT_OK_PTR(skel, "memcg_kfuncs__open_and_load"))
		goto cleanup;
	skel->bss->target_cgid = cg_id("a");

	cur_before = cg_read_long("a", "memory.current");
	if (!ASSERT_OK(run_syscall_prog(skel->progs.read_memcg),
		       "run read_memcg"))
		goto cleanup;
	cur_after = cg_read_long("a", "memory.current");
	ASSERT_EQ(skel->bss->read_err, 0, "read_memcg error");

	/* usage is memory.current in bytes. */
	ASSERT_GE(skel->bss->usage, 32 * MB, "usage covers the hog");
	ASSERT_GE(skel->bss->usage + USAGE_SLACK, (__u64)cur_before,
		  "usage vs memory.current before");
	ASSERT_LE(skel->bss->usage, (__u64)cur_after + USAGE_SLACK,
		  "usage vs memory.current after");
	ASSERT_GE(skel->bss->root_usage, skel->bss->usage,
		  "root usage includes the child");

	/* page_state is memory.stat in bytes (flushed first). */
	anon = cg_read_key("a", "memory.stat", "anon");
	file = cg_read_key("a", "memory.stat", "file");
	pgfault = cg_read_key("a", "memory.stat", "pgfault");
	ASSERT_GE(skel->bss->anon_bytes, 32 * MB,
		  "NR_ANON_MAPPED covers the hog");
	ASSERT_TRUE(near(skel->bss->anon_bytes, anon, USAGE_SLACK),
		    "NR_ANON_MAPPED vs memory.stat anon");
	ASSERT_TRUE(near(skel->bss->file_bytes, file, USAGE_SLACK),
		    "NR_FILE_PAGES vs memory.stat file");
	ASSERT_LE(skel->bss->kmem_bytes, skel->bss->usage,
		  "MEMCG_KMEM <= usage");

	/* vm_events is the memcg's counter: one fault per touched page at least. */
	ASSERT_GE(skel->bss->pgfault, 32 * MB / 4096, "PGFAULT covers the hog");
	ASSERT_TRUE(near(skel->bss->pgfault, pgfault, 64),
		    "PGFAULT vs memory.stat pgfault");

	/* Invalid or untracked indexes. */
	ASSERT_EQ(skel->bss->bad_state_neg, MINUS_ONE, "page_state(-1)");
	ASSERT_EQ(skel->bss->bad_state_big, MINUS_ONE,
		  "page_state(MEMCG_NR_STAT)");
	ASSERT_EQ(skel->bss->bad_event_big, MINUS_ONE,
		  "vm_events(NR_VM_EVENT_ITEMS)");
	ASSERT_EQ(skel->bss->untracked_event, MINUS_ONE,
		  "vm_events(PGFREE), not tracked per memcg");
	ASSERT_EQ(skel->bss->bad_memory_event, MINUS_ONE,
		  "memory_events(MEMCG_NR_MEMORY_EVENTS)");
	/* Not a memcg kfunc, but allowed everywhere too: we are no victim. */
	ASSERT_EQ(skel->data->current_is_victim, 0,
		  "bpf_task_is_oom_victim(current) from a syscall program");
cleanup:
	memcg_kfuncs__destroy(skel);
	cg_cleanup();
}

/* enum memcg_memory_event, in memory.events order (include/linux/memcontrol.h). */
static const char *const memory_events[] = {
	"low", "high", "max", "oom", "oom_kill", "oom_group_kill",
};

TEST(memcg_memory_events_agree_with_memory_events)
{
	struct memcg_kfuncs *skel = NULL;
	unsigned int i;
	pid_t pid;

	if (!ASSERT_OK(cg_init("memcg_memory_events"), "cg_init"))
		return;
	if (!ASSERT_OK(cg_create("b"), "cg_create") ||
	    !ASSERT_OK(cg_write("b", "memory.high", "%llu", 15 * MB),
		       "memory.high") ||
	    !ASSERT_OK(cg_write("b", "memory.max", "%llu", 16 * MB),
		       "memory.max"))
		goto cleanup;
	/*
	 * Over high, then max, then OOM-killed: every counter but low moves.
	 * high just under max: without swap, the throttling above high
	 * would otherwise take minutes to reach max.
	 */
	pid = hog_start("b", 64 * MB, 0);
	if (!ASSERT_GT(pid, 0, "hog_start") ||
	    !ASSERT_EQ(hog_wait(pid, OOM_TIMEOUT_MS), SIGKILL,
		       "hog OOM-killed"))
		goto cleanup;

	skel = memcg_kfuncs__open_and_load();
	if (!ASSERT_OK_PTR(skel, "memcg_kfuncs__open_and_load"))
		goto cleanup;
	skel->bss->target_cgid = cg_id("b");
	if (!ASSERT_OK(run_syscall_prog(skel->progs.read_memcg),
		       "run read_memcg"))
		goto cleanup;
	ASSERT_EQ(skel->bss->read_err, 0, "read_memcg error");

	ASSERT_GE(skel->bss->events[1], 1, "high seen by the kfunc");
	ASSERT_GE(skel->bss->events[4], 1, "oom_kill seen by the kfunc");
	for (i = 0; i < sizeof(memory_events) / sizeof(memory_events[0]); i++) {
		char what[64];

		snprintf(what, sizeof(what), "memory_events(%s)",
			 memory_events[i]);
		ASSERT_EQ(skel->bss->events[i],
			  (__u64)cg_read_key("b", "memory.events",
					     memory_events[i]),
			  what);
	}
cleanup:
	memcg_kfuncs__destroy(skel);
	cg_cleanup();
}

TEST(css_iterator_gets_memcg_from_self_css)
{
	const char *rels[] = { NULL, "x", "y" };
	struct memcg_kfuncs *skel = NULL;
	unsigned int i, j;
	pid_t pid;

	if (!ASSERT_OK(cg_init("css_iter_memcg"), "cg_init"))
		return;
	if (!ASSERT_OK(cg_create("x"), "cg_create x") ||
	    !ASSERT_OK(cg_create("y"), "cg_create y"))
		goto cleanup;
	pid = hog_start("x", 16 * MB, 0);
	if (!ASSERT_GT(pid, 0, "hog_start x"))
		goto cleanup;
	pid = hog_start("y", 8 * MB, 0);
	if (!ASSERT_GT(pid, 0, "hog_start y"))
		goto cleanup;

	skel = memcg_kfuncs__open_and_load();
	if (!ASSERT_OK_PTR(skel, "memcg_kfuncs__open_and_load"))
		goto cleanup;
	skel->bss->target_cgid = cg_id(NULL);
	if (!ASSERT_OK(run_syscall_prog(skel->progs.walk_css), "run walk_css"))
		goto cleanup;
	ASSERT_EQ(skel->bss->walk_err, 0, "walk_css error");
	if (!ASSERT_EQ(skel->bss->nr_walked, 3, "csses walked"))
		goto cleanup;

	for (i = 0; i < 3; i++) {
		__u64 id = cg_id(rels[i]);
		char what[64];

		for (j = 0; j < 3 && skel->bss->walk_ids[j] != id; j++)
			;
		snprintf(what, sizeof(what), "cgroup %s walked",
			 rels[i] ? rels[i] : "root");
		if (!ASSERT_LT(j, 3, what))
			continue;
		snprintf(what, sizeof(what), "usage of %s vs memory.current",
			 rels[i] ? rels[i] : "root");
		ASSERT_TRUE(near(skel->bss->walk_usage[j],
				 cg_read_long(rels[i], "memory.current"),
				 USAGE_SLACK),
			    what);
	}
	/* Pre-order: the root comes first. */
	ASSERT_EQ(skel->bss->walk_ids[0], cg_id(NULL), "pre-order root first");
cleanup:
	memcg_kfuncs__destroy(skel);
	cg_cleanup();
}
