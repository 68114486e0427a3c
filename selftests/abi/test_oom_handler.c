// SPDX-License-Identifier: GPL-2.0
/* bpf_oom_ops handlers: only a real kill stops the kernel killer; bpf_oom_kill_process semantics. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "cgroup.h"
#include "helpers.h"
#include "hog.h"
#include "kmsg.h"
#include "test.h"

#include "oom_handlers.skel.h"

#define KILLER_MSG "abi_killer chose this one"
#define KERNEL_MSG "Memory cgroup out of memory"

TEST(oom_handler_returning_1_without_kill_does_not_stop_kernel_killer)
{
	struct oom_handlers *skel = NULL;
	struct bpf_link *link = NULL;
	char line[1024];
	long long mark;
	pid_t hog;

	skel = oom_prepare_handlers("oom_noop", "oom", &hog);
	if (!skel)
		goto cleanup;
	link = bpf_map__attach_struct_ops(skel->maps.noop_ops);
	if (!ASSERT_OK_PTR(link, "attach noop_ops"))
		goto cleanup;

	mark = kmsg_mark();
	if (!ASSERT_OK(cg_freeze("oom", false), "thaw"))
		goto cleanup;
	ASSERT_EQ(hog_wait(hog, OOM_TIMEOUT_MS), SIGKILL, "hog killed");
	ASSERT_GE(READ_ONCE(skel->bss->noop_calls), 1, "handler ran");
	ASSERT_EQ(oom_kills("oom"), 1, "memory.events oom_kill");
	if (ASSERT_EQ(oom_report(mark, line, sizeof(line)), 1, "OOM report"))
		ASSERT_HAS_SUBSTR(line, "\noom_policy=default",
				  "report policy line");
	ASSERT_EQ(kmsg_count(mark, "oom_policy=abi_noop"), 0,
		  "the lying handler is never reported");
	ASSERT_EQ(kmsg_grep(mark, killed_line(KERNEL_MSG, hog), NULL, 0), 1,
		  "kernel killer's kill line");
cleanup:
	bpf_link__destroy(link);
	oom_handlers__destroy(skel);
	cg_cleanup();
}

/*
 * A 40 MB sleeper and a growing hog share a 64 MB memcg. The kernel would
 * kill the sleeper (the bigger one); the killer picks the growing hog.
 */
struct killer_run {
	struct oom_handlers *skel;
	struct bpf_link *link;
	pid_t sleeper, grower;
	long long mark;
};

static bool killer_setup(struct killer_run *r, const char *test,
			 pid_t eperm_pid, bool einval_probe, pid_t *protected)
{
	memset(r, 0, sizeof(*r));
	if (!ASSERT_OK(cg_init(test), "cg_init"))
		return false;
	if (!ASSERT_OK(cg_create("oom"), "cg_create") ||
	    !ASSERT_OK(cg_write("oom", "memory.max", "%llu", 64 * MB),
		       "memory.max"))
		return false;
	r->sleeper = hog_start("oom", 40 * MB, 0);
	if (!ASSERT_GT(r->sleeper, 0, "sleeper") ||
	    !ASSERT_EQ(hog_wait(r->sleeper, 0), -ETIMEDOUT, "sleeper alive"))
		return false;
	if (einval_probe) {
		*protected = hog_start("oom", 1 * MB, -1000);
		if (!ASSERT_GT(*protected, 0, "oom_score_adj -1000 hog"))
			return false;
	}
	if (!ASSERT_OK(cg_freeze("oom", true), "freeze"))
		return false;
	r->grower = hog_start_growing("oom", 1 * MB, 0);
	if (!ASSERT_GT(r->grower, 0, "grower"))
		return false;

	r->skel = oom_handlers__open_and_load();
	if (!ASSERT_OK_PTR(r->skel, "oom_handlers__open_and_load"))
		return false;
	r->skel->bss->scope_cgid = cg_id("oom");
	r->skel->bss->victim_pid = r->grower;
	r->skel->bss->probe_eperm_pid = eperm_pid;
	r->skel->bss->probe_einval_pid = einval_probe ? *protected : 0;
	r->link = bpf_map__attach_struct_ops(r->skel->maps.killer_ops);
	if (!ASSERT_OK_PTR(r->link, "attach killer_ops"))
		return false;

	r->mark = kmsg_mark();
	if (!ASSERT_OK(cg_freeze("oom", false), "thaw"))
		return false;
	return ASSERT_EQ(hog_wait(r->grower, OOM_TIMEOUT_MS), SIGKILL,
			 "chosen victim killed");
}

static void killer_teardown(struct killer_run *r)
{
	bpf_link__destroy(r->link);
	oom_handlers__destroy(r->skel);
	cg_cleanup();
}

TEST(oom_kill_process_kill_stops_kernel_killer)
{
	struct killer_run r;
	char line[1024];

	if (!killer_setup(&r, "oom_killer", 0, false, NULL))
		goto cleanup;
	ASSERT_EQ(r.skel->data->kill_ret, 0, "bpf_oom_kill_process");
	ASSERT_EQ(hog_wait(r.sleeper, 500), -ETIMEDOUT,
		  "the kernel's choice survives");
	ASSERT_EQ(kmsg_grep(r.mark, killed_line(KILLER_MSG, r.grower), NULL, 0),
		  1, "message in the Killed process line");
	ASSERT_EQ(kmsg_count(r.mark, KERNEL_MSG ": Killed process"), 0,
		  "no kernel kill");
	if (ASSERT_EQ(oom_report(r.mark, line, sizeof(line)), 1, "OOM report"))
		ASSERT_HAS_SUBSTR(line, "\noom_policy=abi_killer",
				  "report policy line");
	/* What the handler saw while it ran. */
	ASSERT_TRUE(r.skel->bss->saw_policy_name, "oc->bpf_policy_name set");
	ASSERT_STR_EQ(r.skel->bss->policy_name, "abi_killer",
		      "oc->bpf_policy_name");
	ASSERT_FALSE(r.skel->bss->freed_before, "bpf_memory_freed before kill");
	ASSERT_TRUE(r.skel->bss->freed_after, "bpf_memory_freed after kill");
	/* The memcg kfunc from the struct_ops handler: at the limit. */
	ASSERT_LE(r.skel->bss->scope_usage, 64 * MB, "usage at OOM <= max");
	ASSERT_GE(r.skel->bss->scope_usage, 56 * MB, "usage at OOM near max");
cleanup:
	killer_teardown(&r);
}

TEST(oom_kill_process_counts_oom_kill_in_memory_events)
{
	struct killer_run r;

	if (!killer_setup(&r, "oom_killer_events", 0, false, NULL))
		goto cleanup;
	ASSERT_EQ(r.skel->data->kill_ret, 0, "bpf_oom_kill_process");
	ASSERT_EQ(oom_kills("oom"), 1, "memory.events oom_kill");
	ASSERT_GE(cg_read_key("oom", "memory.events", "oom"), 1,
		  "memory.events oom");
cleanup:
	killer_teardown(&r);
}

TEST(task_is_oom_victim_true_for_killed_task)
{
	struct killer_run r;

	if (!killer_setup(&r, "oom_victim", 0, false, NULL))
		goto cleanup;
	ASSERT_EQ(r.skel->data->kill_ret, 0, "bpf_oom_kill_process");
	ASSERT_EQ(r.skel->bss->victim_before, 0, "is_oom_victim before kill");
	ASSERT_EQ(r.skel->bss->victim_after, 1, "is_oom_victim after kill");
cleanup:
	killer_teardown(&r);
}

TEST(oom_kill_process_refuses_init_and_unkillable_task)
{
	pid_t protected = 0;
	struct killer_run r;

	if (!killer_setup(&r, "oom_kill_errors", 1, true, &protected))
		goto cleanup;
	ASSERT_EQ(r.skel->data->eperm_ret, -EPERM, "kill pid 1");
	ASSERT_EQ(r.skel->data->einval_ret, -EINVAL,
		  "kill oom_score_adj -1000");
	ASSERT_EQ(hog_wait(protected, 0), -ETIMEDOUT, "-1000 task alive");
	ASSERT_EQ(r.skel->data->kill_ret, 0, "then the real kill");
	ASSERT_EQ(oom_kills("oom"), 1, "only the real kill counted");
cleanup:
	killer_teardown(&r);
}

/*
 * A hog for the global OOM. Zeroing pages runs at tens of MB/s under TCG
 * and one page fault per page is the slowest way to get them; MAP_POPULATE
 * faults them in from the kernel a few times faster. Anonymous memory on
 * purpose: it is freed with the mm (and by the OOM reaper), before the
 * killer looks for a next victim; shmem (a memfd) would still be being
 * freed then, and with every other task at -1000 the kernel would panic.
 * It joins @rel (no limit there) frozen, like oom_prepare()'s hogs, so
 * the policy can be aimed first, and grows until something kills it.
 */
static pid_t start_global_hog(const char *rel)
{
	const size_t step = 16 * MB;
	pid_t pid;
	size_t off;
	char *p;

	if (cg_create(rel) || cg_freeze(rel, true))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, "oomkit-hog");
	if (cg_enter_as_victim(rel))
		_exit(3);
	for (;;) {
		p = mmap(NULL, step, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (p == MAP_FAILED) {
			usleep(10000);
			continue;
		}
		for (off = 0; off < step; off += 4096)
			p[off] = 1;
	}
}

TEST(oom_policy_reported_for_global_oom)
{
	struct oom_handlers *skel = NULL;
	struct bpf_link *link = NULL;
	char line[1024];
	long long mark;
	pid_t hog;

	if (!ASSERT_OK(cg_init("oom_global"), "cg_init"))
		return;
	/* No limit: it grows until the whole VM is out of memory. */
	hog = start_global_hog("global");
	if (!ASSERT_GT(hog, 0, "start_global_hog"))
		goto cleanup;
	/* It can only join once it runs; wait for that before thawing. */
	if (!ASSERT_TRUE(WAIT_UNTIL(cg_read_long("global", "cgroup.procs") ==
					    hog,
				    5000),
			 "hog in the cgroup"))
		goto cleanup;

	skel = oom_handlers__open_and_load();
	if (!ASSERT_OK_PTR(skel, "oom_handlers__open_and_load"))
		goto cleanup;
	skel->bss->scope_cgid = 0;
	skel->bss->victim_pid = hog;
	link = bpf_map__attach_struct_ops(skel->maps.killer_ops);
	if (!ASSERT_OK_PTR(link, "attach killer_ops"))
		goto cleanup;

	mark = kmsg_mark();
	if (!ASSERT_OK(cg_freeze("global", false), "thaw"))
		goto cleanup;
	if (!ASSERT_EQ(hog_wait(hog, GLOBAL_OOM_TIMEOUT_MS), SIGKILL,
		       "hog killed"))
		goto cleanup;
	ASSERT_GE(READ_ONCE(skel->bss->killer_calls), 1, "handler ran");
	ASSERT_EQ(skel->data->kill_ret, 0, "bpf_oom_kill_process");
	if (ASSERT_EQ(oom_report(mark, line, sizeof(line)), 1, "OOM report"))
		ASSERT_HAS_SUBSTR(line, "\noom_policy=abi_killer",
				  "report policy line");
	ASSERT_EQ(kmsg_grep(mark, "oom-kill:constraint=CONSTRAINT_NONE", NULL,
			    0),
		  1, "a global OOM");
	ASSERT_EQ(kmsg_grep(mark, killed_line(KILLER_MSG, hog), NULL, 0), 1,
		  "message in the Killed process line");
cleanup:
	bpf_link__destroy(link);
	oom_handlers__destroy(skel);
	cg_cleanup();
}
