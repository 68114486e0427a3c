// SPDX-License-Identifier: GPL-2.0
/* Level 2: which attachments an OOM runs, in which order, and the report lines. */
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

#include "l2_dispatch.skel.h"

#define NR_LINKS 8

struct links {
	int fd[NR_LINKS];
	int n;
};

static int add(struct links *l, int fd)
{
	if (fd >= 0 && l->n < NR_LINKS)
		l->fd[l->n++] = fd;
	return fd;
}

static void close_all(struct links *l)
{
	while (l->n > 0)
		close(l->fd[--l->n]);
}

/* The logged calls as "<tag>@<rel>" words, e.g. "d@p b@c". */
static const char *calls(struct l2_dispatch *skel, const char *const rels[],
			 int nr)
{
	static char buf[256];
	size_t len = 0;
	__u32 i;
	int r;

	buf[0] = '\0';
	for (i = 0; i < skel->bss->nr_recs && i < 16; i++) {
		const char *where = "?";

		for (r = 0; r < nr; r++)
			if (skel->bss->rec_cgid[i] == cg_id(rels[r]))
				where = rels[r];
		len += snprintf(buf + len, sizeof(buf) - len, "%s%c@%s",
				i ? " " : "", (char)skel->bss->rec_tag[i],
				where);
		if (len >= sizeof(buf))
			break;
	}
	return buf;
}

/*
 * t/p/c/leaf, the memcg OOM in c (memory.max 32 MB), its hog in leaf.
 * c: ops_a, then ops_b BEFORE ops_a's link; p: ops_c, the killer and
 * ops_d with BPF_F_PREORDER; leaf: ops_e. Effective order for c:
 * preorder first (d@p), then c's own (b, a), then p's (c, killer);
 * nothing of leaf's, below the OOM.
 */
TEST(l2_memcg_oom_runs_own_then_ancestors_preorder_first)
{
	const char *const rels[] = { "p", "p/c", "p/c/leaf" };
	struct l2_dispatch *skel = NULL;
	struct links l = {};
	char line[1024];
	long long mark;
	int a;
	pid_t hog;

	if (!ASSERT_OK(cg_init("l2_order"), "cg_init") ||
	    !ASSERT_OK(cg_create("p"), "p") ||
	    !ASSERT_OK(cg_create("p/c"), "p/c") ||
	    !ASSERT_OK(cg_create("p/c/leaf"), "p/c/leaf") ||
	    !ASSERT_OK(cg_write("p/c", "memory.max", "%llu", 32 * MB),
		       "memory.max") ||
	    !ASSERT_OK(cg_write("p/c", "memory.swap.max", "0"),
		       "memory.swap.max") ||
	    !ASSERT_OK(cg_freeze("p/c", true), "freeze p/c"))
		goto cleanup;
	hog = hog_start_growing("p/c/leaf", 1 * MB, 0);
	if (!ASSERT_GT(hog, 0, "hog"))
		goto cleanup;
	skel = l2_dispatch__open_and_load();
	if (!ASSERT_OK_PTR(skel, "l2_dispatch__open_and_load"))
		goto cleanup;
	skel->bss->scope_cgid = cg_id("p/c");
	skel->bss->kill_pid = hog;
	skel->bss->first_ret = skel->bss->kill_ret = 1;

	a = add(&l, l2_attach(skel->maps.ops_a, "p/c", 0, 0, 0));
	if (!ASSERT_GE(a, 0, "ops_a on c") ||
	    !ASSERT_GE(add(&l, l2_attach(skel->maps.ops_b, "p/c",
					 BPF_F_BEFORE | BPF_F_LINK, a, 0)),
		       0, "ops_b on c, before ops_a") ||
	    !ASSERT_GE(add(&l, l2_attach(skel->maps.ops_c, "p", 0, 0, 0)), 0,
		       "ops_c on p") ||
	    !ASSERT_GE(add(&l, l2_attach(skel->maps.ops_killer, "p", 0, 0, 0)),
		       0, "killer on p") ||
	    !ASSERT_GE(add(&l, l2_attach(skel->maps.ops_d, "p", BPF_F_PREORDER,
					 0, 0)),
		       0, "ops_d on p, preorder") ||
	    !ASSERT_GE(add(&l,
			   l2_attach(skel->maps.ops_e, "p/c/leaf", 0, 0, 0)),
		       0, "ops_e on leaf"))
		goto cleanup;

	mark = kmsg_mark();
	if (!ASSERT_OK(cg_freeze("p/c", false), "thaw"))
		goto cleanup;
	if (!ASSERT_EQ(hog_wait(hog, OOM_TIMEOUT_MS), SIGKILL, "hog killed"))
		goto cleanup;
	ASSERT_STR_EQ(calls(skel, rels, 3), "d@p b@p/c a@p/c c@p k@p",
		      "calls of the first OOM");
	ASSERT_EQ(skel->bss->kill_ret, 0, "bpf_oom_kill_process");
	ASSERT_EQ(kmsg_grep(mark, "abi2 killer: Killed process", NULL, 0), 1,
		  "the kill line");
	/* the handler's line follows the header, as its own record */
	ASSERT_EQ(kmsg_grep(mark, "invoked oom-killer:", line, sizeof(line)), 1,
		  "OOM report");
	ASSERT_EQ(kmsg_grep(mark, "oom bpf handler: l2_killer", NULL, 0), 1,
		  "oom bpf handler: <name>");
	ASSERT_EQ(kmsg_count(mark, "oom_policy="), 0,
		  "no level-1 oom_policy= line");
	ASSERT_EQ(cg_read_key("p/c", "memory.events", "oom_kill"), 1,
		  "c's oom_kill");
cleanup:
	hog_kill_all();
	close_all(&l);
	l2_dispatch__destroy(skel);
	cg_cleanup();
}

/*
 * A handler returning 1 without a kill does not end the chain; the
 * killer's try on an oom_score_adj -1000 task is refused with -EINVAL.
 */
TEST(l2_claims_without_kill_go_on_and_adj_min_is_refused)
{
	const char *const rels[] = { "c" };
	struct l2_dispatch *skel = NULL;
	struct links l = {};
	long long mark;
	pid_t hog, keeper;

	if (!ASSERT_OK(cg_init("l2_liar"), "cg_init") ||
	    !ASSERT_OK(cg_create("c"), "c") ||
	    !ASSERT_OK(cg_write("c", "memory.max", "%llu", 48 * MB),
		       "memory.max") ||
	    !ASSERT_OK(cg_write("c", "memory.swap.max", "0"),
		       "memory.swap.max"))
		goto cleanup;
	keeper = hog_start("c", 8 * MB, -1000);
	if (!ASSERT_GT(keeper, 0, "an oom_score_adj -1000 task") ||
	    !ASSERT_OK(cg_freeze("c", true), "freeze c"))
		goto cleanup;
	hog = hog_start_growing("c", 1 * MB, 0);
	if (!ASSERT_GT(hog, 0, "hog"))
		goto cleanup;
	skel = l2_dispatch__open_and_load();
	if (!ASSERT_OK_PTR(skel, "l2_dispatch__open_and_load"))
		goto cleanup;
	skel->bss->scope_cgid = cg_id("c");
	skel->bss->first_pid = keeper;
	skel->bss->kill_pid = hog;
	skel->bss->first_ret = skel->bss->kill_ret = 1;
	if (!ASSERT_GE(add(&l, l2_attach(skel->maps.ops_liar, "c", 0, 0, 0)), 0,
		       "liar on c") ||
	    !ASSERT_GE(add(&l, l2_attach(skel->maps.ops_killer, "c", 0, 0, 0)),
		       0, "killer on c"))
		goto cleanup;

	mark = kmsg_mark();
	if (!ASSERT_OK(cg_freeze("c", false), "thaw"))
		goto cleanup;
	if (!ASSERT_EQ(hog_wait(hog, OOM_TIMEOUT_MS), SIGKILL, "hog killed"))
		goto cleanup;
	ASSERT_STR_EQ(calls(skel, rels, 1), "l@c k@c",
		      "the liar, then the killer");
	ASSERT_EQ(skel->bss->first_ret, -EINVAL,
		  "killing an oom_score_adj -1000 task");
	ASSERT_EQ(skel->bss->kill_ret, 0, "killing the hog");
	ASSERT_EQ(hog_wait(keeper, 0), -ETIMEDOUT, "the -1000 task lives");
	ASSERT_EQ(kmsg_grep(mark, "oom bpf handler: l2_killer", NULL, 0), 1,
		  "handler line");
cleanup:
	hog_kill_all();
	close_all(&l);
	l2_dispatch__destroy(skel);
	cg_cleanup();
}

/*
 * A declared global OOM: the root's attachments run (cgrp = the root),
 * those of other cgroups do not; the report shows GFP_KERNEL and
 * CONSTRAINT_NONE.
 */
TEST(l2_global_oom_reaches_root_attachments_only)
{
	const char *const rels[] = { CG_MOUNT, "g" };
	struct l2_dispatch *skel = NULL;
	struct links l = {};
	char line[1024];
	long long mark;
	pid_t hog;

	if (!ASSERT_OK(cg_init("l2_global"), "cg_init") ||
	    !ASSERT_OK(cg_create("g"), "g"))
		goto cleanup;
	hog = hog_start("g", 16 * MB, 0);
	if (!ASSERT_GT(hog, 0, "hog"))
		goto cleanup;
	skel = l2_dispatch__open_and_load();
	if (!ASSERT_OK_PTR(skel, "l2_dispatch__open_and_load"))
		goto cleanup;
	skel->bss->scope_cgid = 0;
	skel->bss->kill_pid = hog;
	skel->bss->first_ret = skel->bss->kill_ret = 1;
	if (!ASSERT_GE(add(&l, l2_attach(skel->maps.ops_b, "g", 0, 0, 0)), 0,
		       "ops_b on g") ||
	    !ASSERT_GE(add(&l, l2_attach(skel->maps.ops_a, CG_MOUNT, 0, 0, 0)),
		       0, "ops_a on /") ||
	    !ASSERT_GE(add(&l,
			   l2_attach(skel->maps.ops_killer, CG_MOUNT, 0, 0, 0)),
		       0, "killer on /"))
		goto cleanup;

	mark = kmsg_mark();
	skel->bss->declare_cgid = 0;
	skel->bss->declare_flags = 1; /* BPF_OOM_FLAGS_WAIT_ON_OOM_LOCK */
	skel->bss->declare_ret = -1000;
	if (!ASSERT_OK(bpf_prog_test_run_opts(
			       bpf_program__fd(skel->progs.declare), NULL) ?
			       -errno :
			       0,
		       "run declare"))
		goto cleanup;
	ASSERT_EQ(skel->bss->declare_ret, 1,
		  "bpf_out_of_memory(NULL): progress");
	ASSERT_EQ(hog_wait(hog, OOM_TIMEOUT_MS), SIGKILL, "hog killed");
	ASSERT_STR_EQ(calls(skel, rels, 2), "a@" CG_MOUNT " k@" CG_MOUNT,
		      "root attachments only");
	if (ASSERT_EQ(kmsg_grep(mark, "invoked oom-killer:", line,
				sizeof(line)),
		      1, "report"))
		ASSERT_HAS_SUBSTR(line, "gfp_mask=0xcc0(GFP_KERNEL), order=0",
				  "declared: GFP_KERNEL");
	ASSERT_EQ(kmsg_grep(mark, "oom-kill:constraint=CONSTRAINT_NONE,", NULL,
			    0),
		  1, "a declared global OOM is CONSTRAINT_NONE");
	ASSERT_EQ(kmsg_grep(mark, "oom bpf handler: l2_killer", NULL, 0), 1,
		  "handler line");
cleanup:
	hog_kill_all();
	close_all(&l);
	l2_dispatch__destroy(skel);
	cg_cleanup();
}
