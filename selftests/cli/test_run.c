// SPDX-License-Identifier: GPL-2.0
/* VM: 'oomkit run' streams decisions in the foreground and detaches on SIGTERM or when done. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "cli.h"
#include "hog.h"
#include "test.h"

static struct cli_res r;
static char out[CLI_OUT_MAX];

TEST(run_streams_a_kill_and_detaches)
{
	pid_t run = -1, hog;
	int fd = -1, links;

	CLI(&r, "policy", "unload", "--all");
	if (!ASSERT_OK(cg_init("cli_run"), "cg_init"))
		return;
	if (!ASSERT_OK(cg_create("work"), "work") ||
	    !ASSERT_OK(cg_create("work/leaf"), "leaf") ||
	    !ASSERT_OK(cg_write("work", "memory.max", "%llu", 48 * MB),
		       "memory.max"))
		goto out;
	links = nr_struct_ops_links();
	run = cli_spawn(&fd, NULL, "-j", "run", "biggest-cgroup", "--count",
			"1", "--timeout", "90", NULL);
	if (!ASSERT_GT(run, 0, "spawn run"))
		goto out;
	if (!ASSERT_TRUE(WAIT_UNTIL(nr_struct_ops_links() == links + 1, 30000),
			 "attached"))
		goto out;
	ASSERT_FALSE(pin_exists("biggest-cgroup"), "run pins nothing");

	hog = hog_start_growing("work/leaf", 2 * MB, 0);
	if (!ASSERT_GT(hog, 0, "growing hog"))
		goto out;
	ASSERT_EQ(hog_wait(hog, 60000), SIGKILL, "killed");
	ASSERT_EQ(cli_finish(run, fd, out, sizeof(out), 30000), 0,
		  "run exits 0 after --count 1");
	run = -1;
	ASSERT_EQ(json_lines(out), 1, "one decision, one JSON line");
	ASSERT_HAS_SUBSTR(
		out,
		"\"policy\":\"biggest-cgroup\",\"trigger\":\"oom-memcg\","
		"\"decision\":\"kill-task\"",
		"the decision");
	ASSERT_TRUE(WAIT_UNTIL(nr_struct_ops_links() == links, 5000),
		    "detached");
out:
	if (run > 0)
		cli_finish(run, fd, out, sizeof(out), 0);
	hog_kill_all();
	cg_cleanup();
}

TEST(run_detaches_on_sigterm)
{
	pid_t run;
	int fd, links;

	links = nr_struct_ops_links();
	/* -j: no progress lines on the runner's stderr */
	run = cli_spawn(&fd, NULL, "-j", "run", "observe", NULL);
	if (!ASSERT_GT(run, 0, "spawn run"))
		return;
	if (!ASSERT_TRUE(WAIT_UNTIL(nr_struct_ops_links() == links + 1, 30000),
			 "attached")) {
		cli_finish(run, fd, out, sizeof(out), 0);
		return;
	}
	/* cli_finish sends SIGTERM once its read times out */
	ASSERT_EQ(cli_finish(run, fd, out, sizeof(out), 500), 0,
		  "a clean exit on SIGTERM");
	ASSERT_TRUE(WAIT_UNTIL(nr_struct_ops_links() == links, 5000),
		    "detached");
}

/* An OOM in work/leaf that the kernel resolves (observe only records). */
static bool one_oom(void)
{
	pid_t hog = hog_start_growing("work/leaf", 2 * MB, 0);

	return ASSERT_GT(hog, 0, "growing hog") &&
	       ASSERT_EQ(hog_wait(hog, 60000), SIGKILL, "killed");
}

/*
 * No machine-wide switch left behind (issue 12): 'run' counts its handlers'
 * runs through a stats fd while it runs; 'policy load' does not count
 * unless given --stats.
 */
TEST(run_counts_runs_only_while_it_runs)
{
	pid_t run = -1;
	int fd = -1, links;

	CLI(&r, "policy", "unload", "--all");
	/* an earlier test's --stats may have left them on */
	if (!ASSERT_TRUE(bpf_stats_sysctl_set(false),
			 "kernel.bpf_stats_enabled=0") ||
	    !ASSERT_OK(cg_init("cli_run_stats"), "cg_init"))
		return;
	if (!ASSERT_OK(cg_create("work"), "work") ||
	    !ASSERT_OK(cg_create("work/leaf"), "leaf") ||
	    !ASSERT_OK(cg_write("work", "memory.max", "%llu", 48 * MB),
		       "memory.max"))
		goto out;
	links = nr_struct_ops_links();
	run = cli_spawn(&fd, NULL, "-j", "run", "observe", NULL);
	if (!ASSERT_GT(run, 0, "spawn run") ||
	    !ASSERT_TRUE(WAIT_UNTIL(nr_struct_ops_links() == links + 1, 30000),
			 "attached") ||
	    !one_oom())
		goto out;
	ASSERT_GT(struct_ops_run_cnt(), 0, "runs counted while 'run' runs");
	cli_finish(run, fd, out, sizeof(out), 0);
	run = -1;
	ASSERT_TRUE(WAIT_UNTIL(nr_struct_ops_links() == links, 5000),
		    "detached");
	ASSERT_EQ(bpf_stats_sysctl(), 0, "kernel.bpf_stats_enabled still 0");

	if (!ASSERT_OK(CLI(&r, "policy", "load", "observe"), "load") ||
	    !ASSERT_EQ(r.status, 0, "load exit status") || !one_oom())
		goto out;
	ASSERT_EQ(struct_ops_run_cnt(), 0,
		  "a plain load counts nothing: stats stayed off");
	ASSERT_EQ(bpf_stats_sysctl(), 0,
		  "kernel.bpf_stats_enabled still 0 after a load");
out:
	if (run > 0)
		cli_finish(run, fd, out, sizeof(out), 0);
	CLI(&r, "policy", "unload", "--all");
	hog_kill_all();
	cg_cleanup();
}
