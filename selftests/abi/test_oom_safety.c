// SPDX-License-Identifier: GPL-2.0
/* What a policy cannot do: attach a map twice, count a kill that frees nothing, print any name, use a dying memcg. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "cgroup.h"
#include "helpers.h"
#include "hog.h"
#include "kmsg.h"
#include "stuck.h"
#include "test.h"

#include "memcg_dying.skel.h"
#include "oom_handlers.skel.h"
#include "oom_rekill.skel.h"

#define KERNEL_MSG "Memory cgroup out of memory"

static const char *const bad_lines[] = {
	"BUG:", "kernel BUG", "WARNING:", "general protection", "Oops",
};

static void assert_log_clean(long long mark)
{
	size_t i;

	for (i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++)
		ASSERT_EQ(kmsg_count(mark, bad_lines[i]), 0, bad_lines[i]);
}

/*
 * libbpf lets bpf_map__attach_struct_ops() make a second link on an
 * attached map. The registration lives in the map's value: a second one
 * would overwrite it, and once both links and the map are gone the first
 * would stay on the handler list, its ops and trampoline freed.
 */
TEST(oom_second_link_on_same_map_fails_ebusy)
{
	struct bpf_link *link1 = NULL, *link2 = NULL;
	struct oom_handlers *skel;
	long long mark;
	pid_t hog;

	skel = oom_prepare_handlers("oom_two_links", "oom", &hog);
	if (!skel)
		goto cleanup;
	mark = kmsg_mark();
	link1 = bpf_map__attach_struct_ops(skel->maps.first_ops);
	if (!ASSERT_OK_PTR(link1, "first link"))
		goto cleanup;
	link2 = bpf_map__attach_struct_ops(skel->maps.first_ops);
	ASSERT_TRUE(link2 == NULL, "second link refused");
	if (!link2)
		ASSERT_EQ(errno, EBUSY, "with EBUSY");

	bpf_link__destroy(link1);
	bpf_link__destroy(link2);
	link1 = link2 = NULL;
	/* The map and its trampolines go too (freed after grace periods). */
	oom_handlers__destroy(skel);
	skel = NULL;
	test_sleep_ms(1000);
	if (!ASSERT_OK(cg_freeze("oom", false), "thaw"))
		goto cleanup;
	ASSERT_EQ(hog_wait(hog, OOM_TIMEOUT_MS), SIGKILL, "hog killed");
	ASSERT_EQ(kmsg_grep(mark, killed_line(KERNEL_MSG, hog), NULL, 0), 1,
		  "by the kernel killer");
	assert_log_clean(mark);
cleanup:
	bpf_link__destroy(link1);
	bpf_link__destroy(link2);
	oom_handlers__destroy(skel);
	cg_cleanup();
}

/*
 * A memcg OOM in a; the handler aims at a sleeper in sibling b. Killing
 * it frees nothing a is charged for: the kfunc must refuse, so the safety
 * net lets the kernel kill in a.
 */
TEST(oom_kill_process_refuses_task_outside_the_oom_memcg)
{
	struct oom_rekill *skel = NULL;
	struct bpf_link *link = NULL;
	pid_t hog, sleeper;
	long long mark;

	if (!ASSERT_OK(cg_init("oom_kill_outside"), "cg_init"))
		return;
	hog = oom_prepare("a", 32 * MB, 1 * MB);
	if (!ASSERT_GT(hog, 0, "oom_prepare a"))
		goto cleanup;
	if (!ASSERT_OK(cg_create("b"), "cg_create b"))
		goto cleanup;
	sleeper = hog_start("b", 4 * MB, 0);
	if (!ASSERT_GT(sleeper, 0, "sleeper in b"))
		goto cleanup;

	skel = oom_rekill__open_and_load();
	if (!ASSERT_OK_PTR(skel, "oom_rekill__open_and_load"))
		goto cleanup;
	skel->bss->scope_cgid = cg_id("a");
	skel->bss->victim_pid = sleeper;
	link = bpf_map__attach_struct_ops(skel->maps.rekill_ops);
	if (!ASSERT_OK_PTR(link, "attach rekill_ops"))
		goto cleanup;

	mark = kmsg_mark();
	if (!ASSERT_OK(cg_freeze("a", false), "thaw a"))
		goto cleanup;
	ASSERT_EQ(hog_wait(hog, OOM_TIMEOUT_MS), SIGKILL, "a's hog killed");
	ASSERT_EQ(skel->data->first_ret, -EINVAL, "bpf_oom_kill_process");
	ASSERT_EQ(skel->bss->kills, 0, "no kill counted");
	ASSERT_FALSE(skel->bss->freed_on_error, "bpf_memory_freed stays false");
	ASSERT_EQ(hog_wait(sleeper, 0), -ETIMEDOUT, "b's sleeper alive");
	ASSERT_EQ(oom_kills("b"), 0, "b's memory.events oom_kill");
	ASSERT_EQ(oom_kills("a"), 1, "a's memory.events oom_kill");
	ASSERT_EQ(kmsg_grep(mark, killed_line(KERNEL_MSG, hog), NULL, 0), 1,
		  "the kernel killed a's hog");
cleanup:
	bpf_link__destroy(link);
	oom_rekill__destroy(skel);
	cg_cleanup();
}

/*
 * s (48 MB) holds a victim that cannot exit (24 MB of shared memory the
 * reaper skips, its only thread in D state on a frozen fs) and a growing
 * hog. The handler kills the victim on every OOM. Once the reaper has
 * given up on it (MMF_OOM_SKIP), killing it again frees nothing: the
 * kfunc must say -EALREADY, so the kernel killer moves on to the hog
 * instead of the OOM being "handled" forever.
 */
TEST(oom_kill_process_refuses_victim_the_reaper_gave_up_on)
{
	struct oom_rekill *skel = NULL;
	struct bpf_link *link = NULL;
	pid_t victim, hog;
	long long mark;

	if (!ASSERT_OK(cg_init("oom_kill_reaped"), "cg_init"))
		return;
	if (!ASSERT_OK(frozen_fs_begin(), "frozen_fs_begin"))
		goto cleanup;
	if (!ASSERT_OK(cg_create("s"), "cg_create") ||
	    !ASSERT_OK(cg_write("s", "memory.max", "%llu", 48 * MB),
		       "memory.max") ||
	    !ASSERT_OK(cg_create("s/v"), "cg_create s/v"))
		goto cleanup;
	victim = stuck_start("s/v", 24 * MB);
	if (!ASSERT_GT(victim, 0, "stuck_start"))
		goto cleanup;
	hog = oom_prepare("s/g", 0, 1 * MB);
	if (!ASSERT_GT(hog, 0, "oom_prepare s/g"))
		goto cleanup;

	skel = oom_rekill__open_and_load();
	if (!ASSERT_OK_PTR(skel, "oom_rekill__open_and_load"))
		goto cleanup;
	skel->bss->scope_cgid = cg_id("s");
	skel->bss->victim_pid = victim;
	link = bpf_map__attach_struct_ops(skel->maps.rekill_ops);
	if (!ASSERT_OK_PTR(link, "attach rekill_ops"))
		goto cleanup;

	mark = kmsg_mark();
	if (!ASSERT_OK(cg_freeze("s/g", false), "thaw s/g"))
		goto cleanup;
	ASSERT_EQ(hog_wait(hog, OOM_TIMEOUT_MS), SIGKILL, "the hog killed");
	ASSERT_EQ(skel->data->first_ret, 0, "the first kill of the victim");
	ASSERT_GE(skel->bss->ealready, 1, "-EALREADY once the reaper gave up");
	ASSERT_FALSE(skel->bss->freed_on_error, "bpf_memory_freed stays false");
	ASSERT_EQ(kmsg_grep(mark, killed_line(KERNEL_MSG, hog), NULL, 0), 1,
		  "the kernel killed the hog");
	ASSERT_EQ(stuck_state(victim), 'D', "the victim still stuck");
	test_log("%llu handler calls, %llu kills\n", skel->bss->calls,
		 skel->bss->kills);
cleanup:
	bpf_link__destroy(link);
	oom_rekill__destroy(skel);
	frozen_fs_end();
	cg_cleanup();
}

/* The name is printed in OOM reports, as oom_policy=<name>. */
TEST(oom_ops_name_must_be_printable)
{
	struct oom_rekill *skel;
	struct bpf_link *link;

	skel = oom_rekill__open_and_load();
	if (!ASSERT_OK_PTR(skel, "oom_rekill__open_and_load"))
		return;
	link = bpf_map__attach_struct_ops(skel->maps.newline_name_ops);
	ASSERT_TRUE(link == NULL, "a name with a newline refused");
	if (!link)
		ASSERT_EQ(errno, EINVAL, "with EINVAL");
	bpf_link__destroy(link);
	/* The control: a printable name attaches. */
	link = bpf_map__attach_struct_ops(skel->maps.rekill_ops);
	ASSERT_OK_PTR(link, "a printable name");
	bpf_link__destroy(link);
	oom_rekill__destroy(skel);
}

/*
 * A removed cgroup whose memcg page cache keeps dying: an iterator over
 * memcg csses still gives it, bpf_get_mem_cgroup() must not (kernel-abi.md:
 * "NULL if ... the cgroup is dying").
 */
TEST(get_mem_cgroup_null_for_dying_cgroup)
{
	struct memcg_dying *skel = NULL;
	unsigned long long dying;
	const char *file = "/tmp/oomkit-dying";
	char buf[4096] = { 1 };
	int status, fd, i;
	pid_t pid;

	if (!ASSERT_OK(cg_init("memcg_dying"), "cg_init"))
		return;
	if (!ASSERT_OK(cg_create("d"), "cg_create d") ||
	    !ASSERT_OK(cg_create("live"), "cg_create live"))
		goto cleanup;
	dying = cg_id("d");
	/* tmpfs pages charged to d outlive d's tasks and d itself */
	pid = fork();
	if (pid == 0) {
		if (cg_write("d", "cgroup.procs", "0"))
			_exit(3);
		fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0)
			_exit(3);
		for (i = 0; i < 256; i++)
			if (write(fd, buf, sizeof(buf)) != sizeof(buf))
				_exit(3);
		_exit(0);
	}
	if (!ASSERT_GT(pid, 0, "fork") ||
	    !ASSERT_EQ(waitpid(pid, &status, 0), pid, "waitpid") ||
	    !ASSERT_EQ(status, 0, "writer"))
		goto cleanup;
	if (!ASSERT_OK(rmdir(cg_abspath("d")), "rmdir d"))
		goto cleanup;
	ASSERT_GE(cg_read_key(NULL, "cgroup.stat", "nr_dying_descendants"), 1,
		  "d dying");

	skel = memcg_dying__open_and_load();
	if (!ASSERT_OK_PTR(skel, "memcg_dying__open_and_load"))
		goto cleanup;
	skel->bss->root_cgid = cg_id(NULL);
	skel->bss->dying_cgid = dying;
	skel->bss->live_cgid = cg_id("live");
	if (!ASSERT_OK(run_syscall_prog(skel->progs.get_dying),
		       "run get_dying"))
		goto cleanup;
	ASSERT_EQ(skel->bss->walk_err, 0, "walk");
	ASSERT_TRUE(skel->bss->memcg_dying_seen,
		    "the memcg iterator gives the dying css");
	ASSERT_EQ(skel->data->memcg_dying_got, 0,
		  "bpf_get_mem_cgroup(dying memcg css)");
	ASSERT_EQ(skel->data->memcg_live_got, 1,
		  "bpf_get_mem_cgroup(live memcg css)");
	if (skel->bss->self_dying_seen)
		ASSERT_EQ(skel->data->self_dying_got, 0,
			  "bpf_get_mem_cgroup(dying self css)");
	ASSERT_EQ(skel->data->self_live_got, 1,
		  "bpf_get_mem_cgroup(live self css)");
cleanup:
	unlink(file);
	memcg_dying__destroy(skel);
	cg_cleanup();
}
