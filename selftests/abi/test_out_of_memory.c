// SPDX-License-Identifier: GPL-2.0
/* bpf_out_of_memory(): the constraint text in the report, -EINVAL for a bad order, -EBUSY under oom_lock. */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

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
enum {
	MODE_TEXT = 1,
	MODE_NULL,
	MODE_BAD_ORDER,
	MODE_GLOBAL
};

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
	    !ASSERT_OK(cg_write("victim", "memory.max", "%llu", 64 * MB),
		       "memory.max"))
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
			    NULL, 0),
		  1, "custom constraint in the report");
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

	if (!cg_init_one("oom_declare_literal", "victim"))
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
			    NULL, 0),
		  1, "literal constraint in the report");
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
	ASSERT_EQ(kmsg_grep(mark, "oom-kill:constraint=CONSTRAINT_BPF,", NULL,
			    0),
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
	ASSERT_EQ(skel->data->order_high_ret, -EINVAL,
		  "order MAX_PAGE_ORDER + 1");
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

/*
 * The root memcg (cgroup id 1, what bpf_get_root_mem_cgroup() or the
 * root's css give) has no limit: its OOM is the system's. The memcg OOM
 * paths BUG on it (mem_cgroup_scan_tasks()) with oom_lock held.
 */
TEST(out_of_memory_root_memcg_is_global_oom)
{
	struct psi_oom *skel = NULL;
	struct bpf_link *link = NULL;
	long long mark;
	pid_t hog;

	if (!cg_init_one("oom_declare_root", "victim"))
		goto cleanup;
	/* +1000: the global OOM's choice whatever else runs in the VM */
	hog = hog_start("victim", 16 * MB, 1000);
	if (!ASSERT_GT(hog, 0, "hog_start") ||
	    !ASSERT_EQ(hog_wait(hog, 0), -ETIMEDOUT, "hog alive"))
		goto cleanup;

	skel = psi_oom__open_and_load();
	if (!ASSERT_OK_PTR(skel, "psi_oom__open_and_load"))
		goto cleanup;
	skel->bss->mode = MODE_NULL;
	skel->bss->target_cgid = cg_id(CG_MOUNT);
	if (!ASSERT_EQ(skel->bss->target_cgid, 1, "root cgroup id"))
		goto cleanup;
	mark = kmsg_mark();
	link = bpf_map__attach_struct_ops(skel->maps.psi_oom_ops);
	if (!ASSERT_OK_PTR(link, "attach psi_oom_ops"))
		goto cleanup;
	ASSERT_EQ(skel->bss->lookup_err, 0, "init found the root memcg");
	ASSERT_EQ(skel->data->oom_ret, 1, "bpf_out_of_memory made progress");
	ASSERT_EQ(hog_wait(hog, OOM_TIMEOUT_MS), SIGKILL, "hog killed");
	ASSERT_EQ(kmsg_grep(mark, killed_line("Out of memory", hog), NULL, 0),
		  1, "a global OOM's kill line");
	ASSERT_EQ(kmsg_grep(mark, "oom-kill:constraint=CONSTRAINT_BPF,", NULL,
			    0),
		  1, "CONSTRAINT_BPF in the report");
	ASSERT_EQ(kmsg_count(mark, "Memory cgroup out of memory"), 0,
		  "not a memcg OOM");
cleanup:
	bpf_link__destroy(link);
	psi_oom__destroy(skel);
	cg_cleanup();
}

/* oom_score_adj of every user process, to put back after the test. */
struct saved_adj {
	pid_t pid;
	int adj;
};

/* Sets every user process (kernel threads have no mm) to @adj; saves the old values. */
static int protect_all(struct saved_adj *saved, int max)
{
	char path[64], buf[32];
	struct dirent *de;
	int n = 0, fd, len;
	DIR *dir;

	dir = opendir("/proc");
	if (!dir)
		return -errno;
	while ((de = readdir(dir)) && n < max) {
		pid_t pid = atoi(de->d_name);

		if (pid <= 0)
			continue;
		/* Kernel threads: empty cmdline; the OOM killer skips them anyway */
		snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		len = read(fd, buf, sizeof(buf));
		close(fd);
		if (len <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", pid);
		fd = open(path, O_RDWR);
		if (fd < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		if (len > 0) {
			buf[len] = '\0';
			saved[n].pid = pid;
			saved[n].adj = atoi(buf);
			if (pwrite(fd, "-1000", 5, 0) == 5)
				n++;
		}
		close(fd);
	}
	closedir(dir);
	return n;
}

static void restore_all(const struct saved_adj *saved, int n)
{
	char path[64], buf[16];
	int i, fd, len;

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/proc/%d/oom_score_adj",
			 saved[i].pid);
		fd = open(path, O_WRONLY);
		if (fd < 0)
			continue;
		len = snprintf(buf, sizeof(buf), "%d", saved[i].adj);
		if (write(fd, buf, len) < 0)
			test_log("can't restore oom_score_adj of %d\n",
				 saved[i].pid);
		close(fd);
	}
}

/*
 * A declared OOM is a policy's decision: no allocation waits on it, so
 * finding nothing to kill is not "System is deadlocked on memory". Here
 * every user task is -1000 (the runner is already), the rest kernel threads.
 */
TEST(out_of_memory_global_with_nothing_killable_returns_0)
{
	struct psi_oom *skel = NULL;
	struct bpf_link *link = NULL;
	struct saved_adj saved[256];
	long long mark;
	int n = 0;

	skel = psi_oom__open_and_load();
	if (!ASSERT_OK_PTR(skel, "psi_oom__open_and_load"))
		return;
	skel->bss->mode = MODE_GLOBAL;
	n = protect_all(saved, 256);
	if (!ASSERT_GT(n, 0, "oom_score_adj -1000 everywhere"))
		goto cleanup;
	mark = kmsg_mark();
	link = bpf_map__attach_struct_ops(skel->maps.psi_oom_ops);
	if (!ASSERT_OK_PTR(link, "attach psi_oom_ops"))
		goto cleanup;
	ASSERT_EQ(skel->bss->init_calls, 1, "init ran during attach");
	ASSERT_EQ(skel->data->oom_ret, 0, "no progress, no panic");
	ASSERT_EQ(kmsg_grep(mark, "Out of memory and no killable processes",
			    NULL, 0),
		  1, "the report says why");
	ASSERT_EQ(kmsg_count(mark, "Killed process"), 0, "nothing killed");
cleanup:
	restore_all(saved, n);
	bpf_link__destroy(link);
	psi_oom__destroy(skel);
}
