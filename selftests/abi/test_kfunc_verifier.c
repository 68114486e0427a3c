// SPDX-License-Identifier: GPL-2.0
/* The verifier enforces the kfunc flags: sleepable, acquire/release, program type, read-only context. */
#include <stdio.h>

#include <bpf/libbpf.h>

#include "bpf_util.h"
#include "test.h"

#include "bad_flush_nonsleepable.skel.h"
#include "bad_kill_nonsleepable.skel.h"
#include "bad_kill_syscall.skel.h"
#include "bad_memcg_leak.skel.h"
#include "bad_oc_write.skel.h"
#include "bad_oom_nonsleepable.skel.h"
#include "memcg_kfuncs.skel.h"
#include "oom_handlers.skel.h"
#include "psi_oom.skel.h"
#include "psi_trigger.skel.h"
#include "upstream_oom.skel.h"
#include "upstream_psi.skel.h"

/*
 * Each object holds one forbidden use and nothing else, so its load must
 * fail, and the verifier log must give the forbidden use as the reason.
 */
#define EXPECT_REJECTED(obj, reason)                                  \
	do {                                                          \
		struct obj *___s;                                     \
                                                                      \
		libbpf_capture_log(true);                             \
		___s = obj##__open();                                 \
		if (ASSERT_OK_PTR(___s, #obj "__open")) {             \
			ASSERT_ERR(obj##__load(___s), #obj "__load"); \
			ASSERT_HAS_SUBSTR(libbpf_last_log(), reason,  \
					  #obj " verifier log");      \
			obj##__destroy(___s);                         \
		}                                                     \
		libbpf_capture_log(false);                            \
	} while (0)

/* The positive controls: the same kfuncs, used as allowed, load. */
#define EXPECT_LOADS(obj)                                         \
	do {                                                      \
		struct obj *___s;                                 \
                                                                  \
		libbpf_capture_log(true);                         \
		___s = obj##__open_and_load();                    \
		if (!ASSERT_OK_PTR(___s, #obj "__open_and_load")) \
			printf("%s", libbpf_last_log());          \
		obj##__destroy(___s);                             \
		libbpf_capture_log(false);                        \
	} while (0)

TEST(verifier_accepts_kfuncs_where_allowed)
{
	EXPECT_LOADS(memcg_kfuncs);
	EXPECT_LOADS(oom_handlers);
	EXPECT_LOADS(psi_oom);
	EXPECT_LOADS(psi_trigger);
	EXPECT_LOADS(upstream_oom);
	EXPECT_LOADS(upstream_psi);
}

TEST(verifier_rejects_oom_kill_process_from_non_sleepable)
{
	EXPECT_REJECTED(
		bad_kill_nonsleepable,
		"program must be sleepable to call sleepable kfunc bpf_oom_kill_process");
}

TEST(verifier_rejects_out_of_memory_from_non_sleepable)
{
	EXPECT_REJECTED(
		bad_oom_nonsleepable,
		"program must be sleepable to call sleepable kfunc bpf_out_of_memory");
}

TEST(verifier_rejects_flush_stats_from_non_sleepable)
{
	EXPECT_REJECTED(
		bad_flush_nonsleepable,
		"program must be sleepable to call sleepable kfunc bpf_mem_cgroup_flush_stats");
}

TEST(verifier_rejects_leaked_memcg_reference)
{
	EXPECT_REJECTED(bad_memcg_leak, "Unreleased reference");
}

TEST(verifier_rejects_oom_kill_process_outside_struct_ops)
{
	EXPECT_REJECTED(
		bad_kill_syscall,
		"calling kernel function bpf_oom_kill_process is not allowed");
}

TEST(verifier_rejects_writes_to_oom_control)
{
	/* As for tracing programs: BTF pointers are read-only. */
	EXPECT_REJECTED(bad_oc_write, "only read is supported");
}
