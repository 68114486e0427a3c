// SPDX-License-Identifier: GPL-2.0
/* Level 2: the kfuncs' checks: bpf_out_of_memory()'s flags and order, a declared memcg OOM, who may call what. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_util.h"
#include "cgroup.h"
#include "hog.h"
#include "kmsg.h"
#include "l2.h"
#include "test.h"

#include "l2_bad_declare_in_handler.skel.h"
#include "l2_bad_kill_syscall.skel.h"
#include "l2_dispatch.skel.h"

static int declare(struct l2_dispatch *skel, __u64 cgid, int order, __u64 flags)
{
	skel->bss->declare_cgid = cgid;
	skel->bss->declare_order = order;
	skel->bss->declare_flags = flags;
	skel->bss->declare_ret = -1000;
	if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.declare), NULL))
		return -1001;
	return skel->bss->declare_ret;
}

TEST(l2_out_of_memory_checks_flags_and_order)
{
	struct l2_dispatch *skel;

	skel = l2_dispatch__open_and_load();
	if (!ASSERT_OK_PTR(skel, "l2_dispatch__open_and_load"))
		return;
	ASSERT_EQ(declare(skel, 0, 0, 1ULL << 1), -EINVAL, "an unknown flag");
	ASSERT_EQ(declare(skel, 0, 0, 1ULL << 63), -EINVAL, "the top flag");
	ASSERT_EQ(declare(skel, 0, -1, 1), -EINVAL, "order -1");
	ASSERT_EQ(declare(skel, 0, 11, 1), -EINVAL, "order MAX_PAGE_ORDER + 1");
	l2_dispatch__destroy(skel);
}

/* No BPF handler: the kernel killer handles a declared memcg OOM as CONSTRAINT_MEMCG. */
TEST(l2_declared_memcg_oom_is_constraint_memcg)
{
	struct l2_dispatch *skel = NULL;
	char line[1024];
	long long mark;
	pid_t hog;

	if (!ASSERT_OK(cg_init("l2_declare"), "cg_init") ||
	    !ASSERT_OK(cg_create("m"), "m"))
		goto cleanup;
	hog = hog_start("m", 8 * MB, 0);
	if (!ASSERT_GT(hog, 0, "hog"))
		goto cleanup;
	skel = l2_dispatch__open_and_load();
	if (!ASSERT_OK_PTR(skel, "l2_dispatch__open_and_load"))
		goto cleanup;
	mark = kmsg_mark();
	ASSERT_EQ(declare(skel, cg_id("m"), 0, 0), 1,
		  "bpf_out_of_memory(m, 0, 0)");
	ASSERT_EQ(hog_wait(hog, OOM_TIMEOUT_MS), SIGKILL, "m's task killed");
	if (ASSERT_EQ(kmsg_grep(mark, "invoked oom-killer:", line,
				sizeof(line)),
		      1, "report"))
		ASSERT_HAS_SUBSTR(line, "gfp_mask=0xcc0(GFP_KERNEL), order=0",
				  "GFP_KERNEL");
	ASSERT_EQ(kmsg_grep(mark, "oom-kill:constraint=CONSTRAINT_MEMCG,", NULL,
			    0),
		  1, "CONSTRAINT_MEMCG");
	ASSERT_EQ(kmsg_count(mark, "oom bpf handler:"), 0,
		  "no handler line for the kernel killer");
	ASSERT_EQ(cg_read_key("m", "memory.events", "oom_kill"), 1,
		  "m's oom_kill");
cleanup:
	hog_kill_all();
	l2_dispatch__destroy(skel);
	cg_cleanup();
}

TEST(l2_kill_is_for_bpf_oom_ops_only)
{
	struct l2_bad_kill_syscall *skel;

	libbpf_capture_log(true);
	skel = l2_bad_kill_syscall__open_and_load();
	libbpf_capture_log(false);
	if (!ASSERT_TRUE(
		    skel == NULL,
		    "a syscall program calling bpf_oom_kill_process fails to load")) {
		l2_bad_kill_syscall__destroy(skel);
		return;
	}
	ASSERT_HAS_SUBSTR(
		libbpf_last_log(),
		"calling kernel function bpf_oom_kill_process is not allowed",
		"the verifier's reason");
}

TEST(l2_declare_is_refused_to_bpf_oom_ops)
{
	struct l2_bad_declare_in_handler *skel;

	libbpf_capture_log(true);
	skel = l2_bad_declare_in_handler__open_and_load();
	libbpf_capture_log(false);
	if (!ASSERT_TRUE(skel == NULL,
			 "a handler calling bpf_out_of_memory fails to load")) {
		l2_bad_declare_in_handler__destroy(skel);
		return;
	}
	ASSERT_HAS_SUBSTR(
		libbpf_last_log(),
		"calling kernel function bpf_out_of_memory is not allowed",
		"the verifier's reason");
}
