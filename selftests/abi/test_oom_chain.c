// SPDX-License-Identifier: GPL-2.0
/* Several bpf_oom_ops: they run in attach order, a kill ends the chain, detaching restores the default. */
#include <signal.h>
#include <stdio.h>

#include <bpf/libbpf.h>

#include "cgroup.h"
#include "helpers.h"
#include "hog.h"
#include "kmsg.h"
#include "test.h"

#include "oom_handlers.skel.h"

#define KERNEL_MSG "Memory cgroup out of memory"

/*
 * One memcg OOM in a fresh cgroup @rel (so memory.events and the handlers'
 * records count this round only) with whatever handlers are attached.
 */
static bool one_oom(struct oom_handlers *skel, const char *rel, long long *mark)
{
	pid_t hog;

	hog = oom_prepare(rel, 32 * MB, 1 * MB);
	if (!ASSERT_GT(hog, 0, "oom_prepare"))
		return false;
	skel->bss->scope_cgid = cg_id(rel);
	skel->bss->seq = 0;
	skel->bss->first_calls = skel->bss->first_seq = 0;
	skel->bss->second_calls = skel->bss->second_seq = 0;
	*mark = kmsg_mark();
	if (!ASSERT_OK(cg_freeze(rel, false), "thaw"))
		return false;
	return ASSERT_EQ(hog_wait(hog, OOM_TIMEOUT_MS), SIGKILL, "hog killed");
}

TEST(oom_handlers_run_in_attach_order)
{
	struct bpf_link *first = NULL, *second = NULL;
	struct oom_handlers *skel;
	long long mark;

	if (!ASSERT_OK(cg_init("oom_chain_order"), "cg_init"))
		return;
	skel = oom_handlers__open_and_load();
	if (!ASSERT_OK_PTR(skel, "oom_handlers__open_and_load"))
		goto cleanup;

	/* Round 1: second_ops attached first (not the object's order). */
	second = bpf_map__attach_struct_ops(skel->maps.second_ops);
	first = bpf_map__attach_struct_ops(skel->maps.first_ops);
	if (!ASSERT_OK_PTR(second, "attach second_ops") ||
	    !ASSERT_OK_PTR(first, "attach first_ops"))
		goto cleanup;
	if (!one_oom(skel, "r1", &mark))
		goto cleanup;
	ASSERT_EQ(skel->bss->second_seq, 1, "round 1: second_ops ran first");
	ASSERT_EQ(skel->bss->first_seq, 2, "round 1: first_ops ran second");
	bpf_link__destroy(first);
	bpf_link__destroy(second);
	first = second = NULL;

	/* Round 2: the other way round. */
	first = bpf_map__attach_struct_ops(skel->maps.first_ops);
	second = bpf_map__attach_struct_ops(skel->maps.second_ops);
	if (!ASSERT_OK_PTR(first, "attach first_ops") ||
	    !ASSERT_OK_PTR(second, "attach second_ops"))
		goto cleanup;
	if (!one_oom(skel, "r2", &mark))
		goto cleanup;
	ASSERT_EQ(skel->bss->first_seq, 1, "round 2: first_ops ran first");
	ASSERT_EQ(skel->bss->second_seq, 2, "round 2: second_ops ran second");
	/* Both declined: the kernel killed. */
	ASSERT_EQ(kmsg_count(mark, KERNEL_MSG ": Killed process"), 1,
		  "kernel killer ran");
cleanup:
	bpf_link__destroy(first);
	bpf_link__destroy(second);
	oom_handlers__destroy(skel);
	cg_cleanup();
}

TEST(oom_chain_stops_at_handler_that_killed)
{
	struct bpf_link *killer = NULL, *second = NULL;
	struct oom_handlers *skel = NULL;
	char line[1024];
	long long mark;
	pid_t hog;

	skel = oom_prepare_handlers("oom_chain_stop", "oom", &hog);
	if (!skel)
		goto cleanup;
	skel->bss->victim_pid = hog;
	killer = bpf_map__attach_struct_ops(skel->maps.killer_ops);
	second = bpf_map__attach_struct_ops(skel->maps.second_ops);
	if (!ASSERT_OK_PTR(killer, "attach killer_ops") ||
	    !ASSERT_OK_PTR(second, "attach second_ops"))
		goto cleanup;

	mark = kmsg_mark();
	if (!ASSERT_OK(cg_freeze("oom", false), "thaw") ||
	    !ASSERT_EQ(hog_wait(hog, OOM_TIMEOUT_MS), SIGKILL, "hog killed"))
		goto cleanup;
	ASSERT_EQ(skel->data->kill_ret, 0, "killer's bpf_oom_kill_process");
	ASSERT_EQ(READ_ONCE(skel->bss->second_calls), 0,
		  "the handler after the kill did not run");
	ASSERT_EQ(kmsg_count(mark, KERNEL_MSG ": Killed process"), 0,
		  "no kernel kill");
	if (ASSERT_EQ(oom_report(mark, line, sizeof(line)), 1, "OOM report"))
		ASSERT_HAS_SUBSTR(line, "\noom_policy=abi_killer",
				  "report policy line");
cleanup:
	bpf_link__destroy(second);
	bpf_link__destroy(killer);
	oom_handlers__destroy(skel);
	cg_cleanup();
}

TEST(detaching_policy_restores_default_report)
{
	struct oom_handlers *skel = NULL;
	struct bpf_link *link = NULL;
	unsigned long long calls;
	char line[1024];
	long long mark;
	pid_t hog;

	skel = oom_prepare_handlers("oom_detach", "a", &hog);
	if (!skel)
		goto cleanup;
	skel->bss->victim_pid = hog;
	link = bpf_map__attach_struct_ops(skel->maps.killer_ops);
	if (!ASSERT_OK_PTR(link, "attach killer_ops"))
		goto cleanup;

	/* Attached: the policy kills and is named in the report. */
	mark = kmsg_mark();
	if (!ASSERT_OK(cg_freeze("a", false), "thaw a") ||
	    !ASSERT_EQ(hog_wait(hog, OOM_TIMEOUT_MS), SIGKILL, "hog a killed"))
		goto cleanup;
	if (ASSERT_EQ(oom_report(mark, line, sizeof(line)), 1, "OOM report a"))
		ASSERT_HAS_SUBSTR(line, "\noom_policy=abi_killer",
				  "attached: report policy line");

	/* Detached: same set-up, aimed at the new hog, but nobody calls it. */
	bpf_link__destroy(link);
	link = NULL;
	hog = oom_prepare("b", 32 * MB, 1 * MB);
	if (!ASSERT_GT(hog, 0, "oom_prepare b"))
		goto cleanup;
	skel->bss->scope_cgid = cg_id("b");
	skel->bss->victim_pid = hog;
	calls = skel->bss->killer_calls;
	mark = kmsg_mark();
	if (!ASSERT_OK(cg_freeze("b", false), "thaw b") ||
	    !ASSERT_EQ(hog_wait(hog, OOM_TIMEOUT_MS), SIGKILL, "hog b killed"))
		goto cleanup;
	ASSERT_EQ(READ_ONCE(skel->bss->killer_calls), calls,
		  "detached handler not called");
	if (ASSERT_EQ(oom_report(mark, line, sizeof(line)), 1, "OOM report b"))
		ASSERT_HAS_SUBSTR(line, "\noom_policy=default",
				  "detached: report policy line");
	ASSERT_EQ(kmsg_grep(mark, killed_line(KERNEL_MSG, hog), NULL, 0), 1,
		  "kernel killer's kill line");
cleanup:
	bpf_link__destroy(link);
	oom_handlers__destroy(skel);
	cg_cleanup();
}
