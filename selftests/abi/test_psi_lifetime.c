// SPDX-License-Identifier: GPL-2.0
/* bpf_psi_ops lifetime: one link per map, detach racing cgroup free, the trigger limit, the root cgroup. */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "cgroup.h"
#include "helpers.h"
#include "kmsg.h"
#include "test.h"

#include "psi_many.skel.h"

#define TRIGGER_LIMIT 256
#define NR_WATCHED    20
#define NR_CYCLES     100
#define PSI_CPU_RES   2 /* enum psi_res */

/* What a kernel bug in these paths prints. */
static const char *const bad_lines[] = {
	"psi: trigger leak", "BUG:",
	"kernel BUG",	     "WARNING:",
	"possible circular", "possible recursive",
	"suspicious RCU",    "general protection",
};

static void assert_log_clean(long long mark)
{
	size_t i;

	for (i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++)
		ASSERT_EQ(kmsg_count(mark, bad_lines[i]), 0, bad_lines[i]);
}

/* Kernel threads polling privileged triggers, one per PSI group with some. */
static int count_psimon(void)
{
	char path[300], comm[32];
	struct dirent *de;
	int n = 0, fd, len;
	DIR *dir;

	dir = opendir("/proc");
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		if (atoi(de->d_name) <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		len = read(fd, comm, sizeof(comm) - 1);
		close(fd);
		if (len > 0 && !strncmp(comm, "psimon", 6))
			n++;
	}
	closedir(dir);
	return n;
}

/*
 * The prelude of the tests on one watched cgroup: @test's tree with w/ in
 * it, psi_many loaded, nothing attached. NULL once a step's assertion
 * failed; the caller's cleanup still runs.
 */
static struct psi_many *psi_many_on_w(const char *test)
{
	struct psi_many *skel;

	if (!cg_init_one(test, "w"))
		return NULL;
	skel = psi_many__open_and_load();
	if (!ASSERT_OK_PTR(skel, "psi_many__open_and_load"))
		return NULL;
	return skel;
}

/*
 * libbpf lets bpf_map__attach_struct_ops() make a second link on a map
 * already attached; the registration lives in the map's value, so the
 * kernel must refuse it or the first one is orphaned when the links go.
 */
TEST(psi_second_link_on_same_map_fails_ebusy)
{
	struct bpf_link *link1 = NULL, *link2 = NULL;
	struct psi_many *skel = NULL;
	long long mark;

	skel = psi_many_on_w("psi_two_links");
	if (!skel)
		goto cleanup;
	skel->bss->cgids[0] = cg_id("w");
	skel->bss->nr_cgids = 1;
	mark = kmsg_mark();
	link1 = bpf_map__attach_struct_ops(skel->maps.psi_many_ops);
	if (!ASSERT_OK_PTR(link1, "first link"))
		goto cleanup;
	link2 = bpf_map__attach_struct_ops(skel->maps.psi_many_ops);
	ASSERT_TRUE(link2 == NULL, "second link refused");
	if (!link2)
		ASSERT_EQ(errno, EBUSY, "with EBUSY");
	ASSERT_EQ(skel->bss->created, 1, "init ran once");

	/* An orphaned registration would still own w's trigger now. */
	bpf_link__destroy(link1);
	bpf_link__destroy(link2);
	link1 = link2 = NULL;
	if (ASSERT_OK(rmdir(cg_abspath("w")), "rmdir w"))
		test_sleep_ms(2000);
	assert_log_clean(mark);
cleanup:
	bpf_link__destroy(link1);
	bpf_link__destroy(link2);
	psi_many__destroy(skel);
	cg_cleanup();
}

/*
 * Detach destroys the triggers one grace period each, c1 first; c20,
 * removed just before, is freed a few grace periods after its rmdir,
 * i.e. while the detach still runs. Its PSI group must not be freed under
 * its live trigger.
 */
TEST(psi_detach_races_cgroup_free)
{
	struct psi_many *skel = NULL;
	struct bpf_link *link;
	char name[16];
	long long mark, start;
	int i, cycle;

	if (!ASSERT_OK(cg_init("psi_detach_free"), "cg_init"))
		return;
	for (i = 1; i <= NR_WATCHED; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		if (!ASSERT_OK(cg_create(name), "cg_create"))
			goto cleanup;
	}
	skel = psi_many__open_and_load();
	if (!ASSERT_OK_PTR(skel, "psi_many__open_and_load"))
		goto cleanup;
	skel->bss->nr_cgids = NR_WATCHED;

	mark = kmsg_mark();
	start = test_now_ms();
	for (cycle = 0; cycle < NR_CYCLES; cycle++) {
		snprintf(name, sizeof(name), "c%d", NR_WATCHED);
		if (cycle && !ASSERT_OK(cg_create(name), "cg_create c20"))
			break;
		for (i = 0; i < NR_WATCHED; i++) {
			snprintf(name, sizeof(name), "c%d", i + 1);
			skel->bss->cgids[i] = cg_id(name);
		}
		link = bpf_map__attach_struct_ops(skel->maps.psi_many_ops);
		if (!ASSERT_OK_PTR(link, "attach psi_many_ops"))
			break;
		if (!ASSERT_OK(rmdir(cg_abspath(name)), "rmdir c20")) {
			bpf_link__destroy(link);
			break;
		}
		bpf_link__destroy(link);
	}
	printf("# %d cycles of attach, rmdir, detach in %.1f s\n", cycle,
	       (test_now_ms() - start) / 1000.0);
	ASSERT_EQ(cycle, NR_CYCLES, "cycles");
	/* The last frees come a few grace periods after the last rmdir. */
	test_sleep_ms(2000);
	assert_log_clean(mark);
cleanup:
	psi_many__destroy(skel);
	cg_cleanup();
}

TEST(psi_trigger_limit_fails_attach_with_e2big)
{
	struct psi_many *skel = NULL;
	struct bpf_link *link = NULL;
	int psimon;

	skel = psi_many_on_w("psi_trigger_limit");
	if (!skel)
		goto cleanup;
	skel->bss->loop_cgid = cg_id("w");
	skel->bss->nr_loop = 100000;
	psimon = count_psimon();
	link = bpf_map__attach_struct_ops(skel->maps.psi_many_ops);
	ASSERT_TRUE(link == NULL, "attach fails");
	if (!link)
		ASSERT_EQ(errno, E2BIG, "with E2BIG");
	ASSERT_EQ(skel->bss->created, TRIGGER_LIMIT,
		  "triggers made before the limit");
	ASSERT_EQ(skel->bss->first_err, -E2BIG, "the kfunc's error");
	/* w's privileged triggers had a psimon thread: gone with them */
	ASSERT_TRUE(WAIT_UNTIL(count_psimon() == psimon, 5000),
		    "no psimon left");
cleanup:
	bpf_link__destroy(link);
	psi_many__destroy(skel);
	cg_cleanup();
}

static long long read_sysctl(const char *path)
{
	char buf[32];
	int fd, n;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	return atoll(buf);
}

static int write_sysctl(const char *path, long long val)
{
	char buf[32];
	int fd, n, err = 0;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%lld", val);
	if (write(fd, buf, n) != n)
		err = -errno;
	close(fd);
	return err;
}

#define THREADS_MAX "/proc/sys/kernel/threads-max"

/*
 * The trigger is made on bpf_psi_wq after init returned 0; a privileged
 * one needs a psimon kthread for its group. With threads-max at its
 * minimum (20, far below the VM's thread count) no thread can be made:
 * the attach must fail with the creation's error, not succeed blind.
 */
TEST(psi_trigger_creation_failure_fails_attach)
{
	struct psi_many *skel = NULL;
	struct bpf_link *link = NULL;
	long long threads_max;
	int err;

	skel = psi_many_on_w("psi_create_fails");
	if (!skel)
		goto cleanup;
	skel->bss->cgids[0] = cg_id("w");
	skel->bss->nr_cgids = 1;
	threads_max = read_sysctl(THREADS_MAX);
	if (!ASSERT_GT(threads_max, 20, "threads-max"))
		goto cleanup;
	if (!ASSERT_OK(write_sysctl(THREADS_MAX, 20), "threads-max 20"))
		goto cleanup;
	link = bpf_map__attach_struct_ops(skel->maps.psi_many_ops);
	err = errno;
	ASSERT_OK(write_sysctl(THREADS_MAX, threads_max), "threads-max back");
	ASSERT_EQ(skel->bss->created, 1, "the kfunc took the request");
	ASSERT_TRUE(link == NULL, "attach fails");
	if (!link)
		ASSERT_EQ(err, ENOMEM, "with the creation's ENOMEM");
	/* The control: with threads again, the same attach works. */
	bpf_link__destroy(link);
	link = bpf_map__attach_struct_ops(skel->maps.psi_many_ops);
	ASSERT_OK_PTR(link, "attach once a psimon can be made");
cleanup:
	bpf_link__destroy(link);
	psi_many__destroy(skel);
	cg_cleanup();
}

/* Each trigger costs a grace period to destroy: the limit bounds a detach. */
TEST(psi_detach_of_trigger_limit_is_bounded)
{
	struct psi_many *skel = NULL;
	struct bpf_link *link = NULL;
	long long start, ms;

	skel = psi_many_on_w("psi_trigger_detach");
	if (!skel)
		goto cleanup;
	skel->bss->loop_cgid = cg_id("w");
	skel->bss->nr_loop = TRIGGER_LIMIT;
	start = test_now_ms();
	link = bpf_map__attach_struct_ops(skel->maps.psi_many_ops);
	if (!ASSERT_OK_PTR(link, "attach psi_many_ops"))
		goto cleanup;
	ms = test_now_ms() - start;
	ASSERT_EQ(skel->bss->created, TRIGGER_LIMIT, "triggers");
	start = test_now_ms();
	bpf_link__destroy(link);
	link = NULL;
	printf("# %d triggers: attach %.2f s, detach %.2f s\n", TRIGGER_LIMIT,
	       ms / 1000.0, (test_now_ms() - start) / 1000.0);
	ASSERT_LT(test_now_ms() - start, 30000, "detach within 30 s");
cleanup:
	bpf_link__destroy(link);
	psi_many__destroy(skel);
	cg_cleanup();
}

static pid_t spinner_start(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			;
	}
	return pid;
}

/*
 * The root cgroup's pressure is psi_system: a trigger made with its id
 * (1, what the cgroup2 root's inode gives) is system-wide, and its
 * events must say so with cgroup_id 0.
 */
TEST(psi_root_cgroup_trigger_reports_system_wide)
{
	struct psi_many *skel = NULL;
	struct bpf_link *link = NULL;
	pid_t spinners[3] = { 0 };
	int i;

	if (!ASSERT_OK(cg_init("psi_root_trigger"), "cg_init"))
		return;
	skel = psi_many__open_and_load();
	if (!ASSERT_OK_PTR(skel, "psi_many__open_and_load"))
		goto cleanup;
	skel->bss->cgids[0] = cg_id(CG_MOUNT);
	skel->bss->nr_cgids = 1;
	skel->data->resource = PSI_CPU_RES;
	if (!ASSERT_EQ(skel->bss->cgids[0], 1, "root cgroup id"))
		goto cleanup;
	link = bpf_map__attach_struct_ops(skel->maps.psi_many_ops);
	if (!ASSERT_OK_PTR(link, "attach psi_many_ops") ||
	    !ASSERT_EQ(skel->bss->created, 1, "trigger on the root"))
		goto cleanup;
	/* More runnable tasks than CPUs: CPU "some" pressure near 100% */
	for (i = 0; i < 3; i++)
		spinners[i] = spinner_start();
	ASSERT_TRUE(WAIT_UNTIL(READ_ONCE(skel->bss->events) > 0, 20000),
		    "an event");
	ASSERT_EQ(READ_ONCE(skel->data->event_cgid), 0,
		  "t->cgroup_id of the event");
cleanup:
	for (i = 0; i < 3; i++) {
		if (spinners[i] > 0) {
			kill(spinners[i], SIGKILL);
			waitpid(spinners[i], NULL, 0);
		}
	}
	bpf_link__destroy(link);
	psi_many__destroy(skel);
	cg_cleanup();
}
