// SPDX-License-Identifier: GPL-2.0
/* bpf_out_of_memory(): the constraint text in the report, -EINVAL for a bad order, -EBUSY under oom_lock. */
#include <signal.h>
#include <stdio.h>

#include <bpf/libbpf.h>

#include "bpf_util.h"
#include "cgroup.h"
#include "helpers.h"
#include "hog.h"
#include "kmsg.h"
#include "test.h"

#include "oom_handlers.skel.h"
#include "psi_oom.skel.h"
#include "psi_oom_literal.skel.h"

/* Keep in sync with progs/psi_oom.bpf.c. */
enum { MODE_TEXT = 1, MODE_NULL, MODE_BAD_ORDER };

/*
 * Declares an OOM on a memcg holding a 16 MB sleeper from the psi ops'
 * init, which runs synchronously inside the attach. Returns the sleeper.
 */
static pid_t declare_oom(const char *test, int mode, struct psi_oom **skelp,
			 struct bpf_link **linkp, long long *mark)
{
	struct psi_oom *skel;
	pid_t hog;

	if (!ASSERT_OK(cg_init(test), "cg_init"))
		return -1;
	if (!ASSERT_OK(cg_create("victim"), "cg_create") ||
	    !ASSERT_OK(cg_write("victim", "memory.max", "%llu", 64 * MB), "memory.max"))
		return -1;
	hog = hog_start("victim", 16 * MB, 0);
	if (!ASSERT_GT(hog, 0, "hog_start") ||
	    !ASSERT_EQ(hog_wait(hog, 0), -ETIMEDOUT, "hog alive"))
		return -1;

	*skelp = skel = psi_oom__open_and_load();
	if (!ASSERT_OK_PTR(skel, "psi_oom__open_and_load"))
		return -1;
	skel->bss->mode = mode;
	skel->bss->target_cgid = cg_id("victim");
	*mark = kmsg_mark();
	*linkp = bpf_map__attach_struct_ops(skel->maps.psi_oom_ops);
	if (!ASSERT_OK_PTR(*linkp, "attach psi_oom_ops"))
		return -1;
	ASSERT_EQ(skel->bss->init_calls, 1, "init ran during attach");
	ASSERT_EQ(skel->bss->lookup_err, 0, "init found the memcg");
	return hog;
}

TEST(out_of_memory_custom_text_in_constraint_line)
{
	struct psi_oom *skel = NULL;
	struct bpf_link *link = NULL;
	long long mark;
	pid_t hog;

	hog = declare_oom("oom_declare_text", MODE_TEXT, &skel, &link, &mark);
	if (hog < 0)
		goto cleanup;
	ASSERT_EQ(skel->data->oom_ret, 1, "bpf_out_of_memory made progress");
	ASSERT_EQ(hog_wait(hog, OOM_TIMEOUT_MS), SIGKILL, "hog killed");
	ASSERT_EQ(oom_kills("victim"), 1, "memory.events oom_kill");
	ASSERT_EQ(kmsg_grep(mark, "oom-kill:constraint=CONSTRAINT_ABI_TEXT,",
			    NULL, 0), 1, "custom constraint in the report");
cleanup:
	bpf_link__destroy(link);
	psi_oom__destroy(skel);
	cg_cleanup();
}

/*
 * The constraint text as a string literal (in read-only .rodata), the way
 * kernel-abi.md's section 6 writes the call: the verifier must accept it.
 */
TEST(out_of_memory_accepts_string_literal_text)
{
	struct psi_oom_literal *skel = NULL;
	struct bpf_link *link = NULL;
	long long mark;
	pid_t hog;

	if (!ASSERT_OK(cg_init("oom_declare_literal"), "cg_init"))
		return;
	if (!ASSERT_OK(cg_create("victim"), "cg_create"))
		goto cleanup;
	hog = hog_start("victim", 16 * MB, 0);
	if (!ASSERT_GT(hog, 0, "hog_start"))
		goto cleanup;

	libbpf_capture_log(true);
	skel = psi_oom_literal__open_and_load();
	if (!ASSERT_OK_PTR(skel, "psi_oom_literal__open_and_load")) {
		printf("%s", libbpf_last_log());
		goto cleanup;
	}
	skel->bss->target_cgid = cg_id("victim");
	mark = kmsg_mark();
	link = bpf_map__attach_struct_ops(skel->maps.psi_oom_literal_ops);
	if (!ASSERT_OK_PTR(link, "attach psi_oom_literal_ops"))
		goto cleanup;
	ASSERT_EQ(skel->data->oom_ret, 1, "bpf_out_of_memory made progress");
	ASSERT_EQ(hog_wait(hog, OOM_TIMEOUT_MS), SIGKILL, "hog killed");
	ASSERT_EQ(kmsg_grep(mark, "oom-kill:constraint=CONSTRAINT_ABI_LITERAL,",
			    NULL, 0), 1, "literal constraint in the report");
cleanup:
	libbpf_capture_log(false);
	bpf_link__destroy(link);
	psi_oom_literal__destroy(skel);
	cg_cleanup();
}

TEST(out_of_memory_null_text_reports_constraint_bpf)
{
	struct psi_oom *skel = NULL;
	struct bpf_link *link = NULL;
	long long mark;
	pid_t hog;

	hog = declare_oom("oom_declare_null", MODE_NULL, &skel, &link, &mark);
	if (hog < 0)
		goto cleanup;
	ASSERT_EQ(skel->data->oom_ret, 1, "bpf_out_of_memory made progress");
	ASSERT_EQ(hog_wait(hog, OOM_TIMEOUT_MS), SIGKILL, "hog killed");
	ASSERT_EQ(oom_kills("victim"), 1, "memory.events oom_kill");
	ASSERT_EQ(kmsg_grep(mark, "oom-kill:constraint=CONSTRAINT_BPF,", NULL, 0),
		  1, "CONSTRAINT_BPF in the report");
cleanup:
	bpf_link__destroy(link);
	psi_oom__destroy(skel);
	cg_cleanup();
}

TEST(out_of_memory_rejects_order_out_of_range)
{
	struct psi_oom *skel = NULL;
	struct bpf_link *link = NULL;
	long long mark;
	pid_t hog;

	hog = declare_oom("oom_declare_order", MODE_BAD_ORDER, &skel, &link,
			  &mark);
	if (hog < 0)
		goto cleanup;
	ASSERT_EQ(skel->data->order_high_ret, -EINVAL, "order MAX_PAGE_ORDER + 1");
	ASSERT_EQ(skel->data->order_neg_ret, -EINVAL, "order -1");
	ASSERT_EQ(hog_wait(hog, 1000), -ETIMEDOUT, "nothing killed");
	ASSERT_EQ(kmsg_count(mark, "invoked oom-killer:"), 0, "no OOM report");
cleanup:
	bpf_link__destroy(link);
	psi_oom__destroy(skel);
	cg_cleanup();
}

TEST(out_of_memory_without_wait_returns_ebusy_under_oom_lock)
{
	struct oom_handlers *skel = NULL;
	struct bpf_link *link = NULL;
	long long mark;
	pid_t hog;

	skel = oom_prepare_handlers("oom_declare_busy", "oom", &hog);
	if (!skel)
		goto cleanup;
	link = bpf_map__attach_struct_ops(skel->maps.nested_ops);
	if (!ASSERT_OK_PTR(link, "attach nested_ops"))
		goto cleanup;

	/* The handler runs inside out_of_memory(), under oom_lock. */
	mark = kmsg_mark();
	if (!ASSERT_OK(cg_freeze("oom", false), "thaw") ||
	    !ASSERT_EQ(hog_wait(hog, OOM_TIMEOUT_MS), SIGKILL, "hog killed"))
		goto cleanup;
	ASSERT_GE(READ_ONCE(skel->bss->nested_calls), 1, "handler ran");
	ASSERT_EQ(skel->data->nested_ret, -EBUSY, "nested try-lock OOM");
	ASSERT_EQ(kmsg_count(mark, "oom-kill:constraint=CONSTRAINT_BPF,"), 0,
		  "no nested OOM report");
	ASSERT_EQ(oom_kills("oom"), 1, "one kill, by the outer OOM");
cleanup:
	bpf_link__destroy(link);
	oom_handlers__destroy(skel);
	cg_cleanup();
}
