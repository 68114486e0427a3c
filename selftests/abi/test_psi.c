// SPDX-License-Identifier: GPL-2.0
/* bpf_psi_ops: triggers fire under real pressure, cgroup removal is reported, init and argument checks. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "cgroup.h"
#include "helpers.h"
#include "hog.h"
#include "test.h"

#include "psi_trigger.skel.h"

#define PSI_TIMEOUT_MS	30000
#define FREE_TIMEOUT_MS 10000

TEST(psi_trigger_fires_under_memory_pressure)
{
	struct psi_trigger *skel = NULL;
	struct bpf_link *link = NULL;
	pid_t hog;

	if (!ASSERT_OK(cg_init("psi_pressure"), "cg_init"))
		return;
	/* memory.high, no swap: reclaim can't keep up, the task stalls. */
	if (!ASSERT_OK(cg_create("p"), "cg_create") ||
	    !ASSERT_OK(cg_write("p", "memory.high", "%llu", 16 * MB),
		       "memory.high") ||
	    !ASSERT_OK(cg_write("p", "memory.max", "%llu", 256 * MB),
		       "memory.max"))
		goto cleanup;

	skel = psi_trigger__open_and_load();
	if (!ASSERT_OK_PTR(skel, "psi_trigger__open_and_load"))
		goto cleanup;
	skel->bss->event_cgid = cg_id("p");
	link = bpf_map__attach_struct_ops(skel->maps.psi_trigger_ops);
	if (!ASSERT_OK_PTR(link, "attach psi_trigger_ops"))
		goto cleanup;
	if (!ASSERT_EQ(skel->data->event_trigger_ret, 0, "create trigger"))
		goto cleanup;
	/* Nothing is under pressure yet. */
	ASSERT_EQ(READ_ONCE(skel->bss->event_hits), 0,
		  "no event before the hog");

	hog = hog_start_growing("p", 1 * MB, 0);
	if (!ASSERT_GT(hog, 0, "hog_start_growing"))
		goto cleanup;
	ASSERT_TRUE(WAIT_UNTIL(READ_ONCE(skel->bss->event_hits) > 0,
			       PSI_TIMEOUT_MS),
		    "handle_psi_event for the cgroup's trigger");
	ASSERT_EQ(READ_ONCE(skel->bss->other_events), 0,
		  "no event for a trigger we didn't make");
cleanup:
	/* Kill the hog before detaching, so no event races the teardown. */
	hog_kill_all();
	bpf_link__destroy(link);
	psi_trigger__destroy(skel);
	cg_cleanup();
}

TEST(psi_cgroup_free_reported_with_its_id)
{
	struct psi_trigger *skel = NULL;
	struct bpf_link *link = NULL;

	if (!cg_init_one("psi_cgroup_free", "doomed"))
		goto cleanup;

	skel = psi_trigger__open_and_load();
	if (!ASSERT_OK_PTR(skel, "psi_trigger__open_and_load"))
		goto cleanup;
	skel->bss->free_cgid = cg_id("doomed");
	link = bpf_map__attach_struct_ops(skel->maps.psi_trigger_ops);
	if (!ASSERT_OK_PTR(link, "attach psi_trigger_ops") ||
	    !ASSERT_EQ(skel->data->free_trigger_ret, 0, "create trigger"))
		goto cleanup;
	ASSERT_EQ(READ_ONCE(skel->bss->free_hits), 0, "not freed yet");

	if (!ASSERT_OK(rmdir(cg_abspath("doomed")), "rmdir"))
		goto cleanup;
	ASSERT_TRUE(WAIT_UNTIL(READ_ONCE(skel->bss->free_hits) > 0,
			       FREE_TIMEOUT_MS),
		    "handle_cgroup_free with the cgroup's id");
	ASSERT_EQ(READ_ONCE(skel->bss->free_hits), 1, "reported once");
	ASSERT_EQ(READ_ONCE(skel->bss->free_target_events), 0,
		  "no event for the freed cgroup");
cleanup:
	bpf_link__destroy(link);
	psi_trigger__destroy(skel);
	cg_cleanup();
}

TEST(psi_init_error_fails_attach)
{
	struct psi_trigger *skel;
	struct bpf_link *link = NULL;

	skel = psi_trigger__open_and_load();
	if (!ASSERT_OK_PTR(skel, "psi_trigger__open_and_load"))
		return;
	skel->bss->fail_init = true;
	link = bpf_map__attach_struct_ops(skel->maps.psi_trigger_ops);
	ASSERT_EQ(skel->bss->init_calls, 1, "init ran");
	ASSERT_TRUE(link == NULL, "attach fails when init returns -EINVAL");

	/* The control: the same object attaches once init succeeds. */
	bpf_link__destroy(link);
	skel->bss->fail_init = false;
	link = bpf_map__attach_struct_ops(skel->maps.psi_trigger_ops);
	ASSERT_OK_PTR(link, "attach with init returning 0");
	bpf_link__destroy(link);
	psi_trigger__destroy(skel);
}

TEST(psi_create_trigger_checks_arguments)
{
	struct psi_trigger *skel = NULL;
	struct bpf_link *link = NULL;

	if (!cg_init_one("psi_trigger_args", "valid"))
		goto cleanup;

	skel = psi_trigger__open_and_load();
	if (!ASSERT_OK_PTR(skel, "psi_trigger__open_and_load"))
		goto cleanup;
	skel->bss->check_args = true;
	skel->bss->valid_cgid = cg_id("valid");
	/* cgroup ids are 64-bit kernfs ids; nothing is this high. */
	skel->bss->unknown_cgid = (1ULL << 48) + 12345;
	link = bpf_map__attach_struct_ops(skel->maps.psi_trigger_ops);
	if (!ASSERT_OK_PTR(link, "attach psi_trigger_ops"))
		goto cleanup;

	ASSERT_EQ(skel->data->thr_over_win_ret, -EINVAL, "threshold > window");
	ASSERT_EQ(skel->data->win_over_max_ret, -EINVAL, "window > 10 s");
	ASSERT_EQ(skel->data->thr_zero_ret, -EINVAL, "threshold 0");
	ASSERT_EQ(skel->data->unknown_cgid_ret, -ENOENT, "unknown cgroup id");
	ASSERT_EQ(skel->data->valid_ret, 0, "valid: 100 ms / 1 s");
	ASSERT_EQ(skel->data->win_max_ret, 0, "valid: window of exactly 10 s");
	ASSERT_EQ(skel->data->full_ret, 0, "valid: BPF_PSI_FULL");
cleanup:
	bpf_link__destroy(link);
	psi_trigger__destroy(skel);
	cg_cleanup();
}
