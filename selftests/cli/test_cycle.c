// SPDX-License-Identifier: GPL-2.0
/* VM: load -> memcg OOM -> the kill in 'oomkit events -j' -> 'policy show -j' counts -> unload -> oom_policy=default. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "cli.h"
#include "hog.h"
#include "kmsg.h"
#include "report.h"
#include "test.h"

#define OOM_WAIT_MS 60000

static struct cli_res r;
static char events[CLI_OUT_MAX];

/* The victim path as the CLI prints it: relative to the cgroup2 mount. */
static const char *cg_relpath(const char *rel)
{
	return cg_abspath(rel) + strlen(CG_MOUNT);
}

TEST(cycle_load_oom_events_show_unload)
{
	pid_t small, big, again, ev_pid = -1;
	long long mark, v;
	char want[512];
	int ev_fd = -1;

	CLI(&r, "policy", "unload", "--all");
	if (!ASSERT_OK(cg_init("cli_cycle"), "cg_init"))
		return;
	if (!ASSERT_OK(cg_create("work"), "work") ||
	    !ASSERT_OK(cg_create("work/small"), "small") ||
	    !ASSERT_OK(cg_create("work/big"), "big"))
		goto out;
	if (!ASSERT_OK(cg_write("work", "memory.max", "%llu", 64 * MB),
		       "memory.max"))
		goto out;

	if (!ASSERT_OK(CLI(&r, "-j", "policy", "load", "biggest-cgroup",
			   "--stats"),
		       "load"))
		goto out;
	if (!ASSERT_EQ(r.status, 0, "load exit status")) {
		fprintf(stderr, "%s%s", r.out, r.err);
		goto out;
	}
	ASSERT_HAS_SUBSTR(r.out, "\"oom_policy\":\"biggest-cgroup\"",
			  "load -j names the oom_policy");
	ASSERT_HAS_SUBSTR(r.out,
			  "\"pin_dir\":\"/sys/fs/bpf/oomkit/biggest-cgroup\"",
			  "pin dir");

	ev_pid = cli_spawn(&ev_fd, NULL, "-j", "events", "--count", "1",
			   "--timeout", "90", NULL);
	if (!ASSERT_GT(ev_pid, 0, "spawn oomkit events"))
		goto out;

	mark = kmsg_mark();
	small = hog_start("work/small", 8 * MB, 0);
	big = hog_start_growing("work/big", 2 * MB, 0);
	if (!ASSERT_GT(small, 0, "small hog") ||
	    !ASSERT_GT(big, 0, "growing hog"))
		goto out;
	ASSERT_EQ(hog_wait(big, OOM_WAIT_MS), SIGKILL,
		  "the biggest leaf's task is killed");
	ASSERT_EQ(hog_wait(small, 0), -ETIMEDOUT,
		  "the small leaf's task survives");
	ASSERT_TRUE(report_wait(mark, "biggest-cgroup", 10000),
		    "the report names the policy");
	ASSERT_EQ(cg_read_key("work/big", "memory.events", "oom_kill"), 1,
		  "big: oom_kill");
	ASSERT_EQ(cg_read_key("work/small", "memory.events", "oom_kill"), 0,
		  "small: oom_kill");

	ASSERT_EQ(cli_finish(ev_pid, ev_fd, events, sizeof(events), 30000), 0,
		  "events exits after --count 1");
	ev_pid = -1;
	ASSERT_EQ(json_lines(events), 1, "one JSON object per line");
	ASSERT_HAS_SUBSTR(
		events,
		"\"policy\":\"biggest-cgroup\",\"trigger\":\"oom-memcg\","
		"\"decision\":\"kill-task\"",
		"the decision");
	snprintf(want, sizeof(want), "\"scope\":\"%s\"", cg_relpath("work"));
	ASSERT_HAS_SUBSTR(events, want, "the scope");
	snprintf(want, sizeof(want), "\"victim\":\"%s\"",
		 cg_relpath("work/big"));
	ASSERT_HAS_SUBSTR(events, want, "the victim cgroup");
	snprintf(want, sizeof(want), "\"pids\":[%d]", big);
	ASSERT_HAS_SUBSTR(events, want, "the victim pid");
	ASSERT_HAS_SUBSTR(events, "\"comm\":\"oomkit-hog\"", "the victim comm");

	if (!ASSERT_OK(CLI(&r, "-j", "policy", "show"), "show"))
		goto out;
	ASSERT_EQ(r.status, 0, "show exit status");
	ASSERT_TRUE(json_valid(r.out), "show -j parses");
	ASSERT_HAS_SUBSTR(
		r.out,
		"\"name\":\"biggest-cgroup\",\"pin_dir\":\"/sys/fs/bpf/oomkit/"
		"biggest-cgroup\",\"complete\":true,\"kind\":\"oom\",\"attach_order\":1,",
		"show lists the policy");
	ASSERT_HAS_SUBSTR(r.out, "\"bpf_stats_enabled\":true",
			  "load --stats turned the stats on");
	v = json_num(r.out, "runs");
	ASSERT_GE(v, 1, "stats: runs");
	ASSERT_EQ(json_num(r.out, "kills"), 1, "stats: kills");
	ASSERT_GE(json_num(r.out, "run_cnt"), 1,
		  "handler run count (BPF stats)");
	ASSERT_GT(json_num(r.out, "run_time_ns"), 0,
		  "handler run time (BPF stats)");
	ASSERT_HAS_SUBSTR(r.out, "\"name\":\"handle_out_of_memory\"",
			  "the handler");
	ASSERT_HAS_SUBSTR(r.out, "\"loaded_at\":\"", "the load time");

	if (!ASSERT_OK(CLI(&r, "policy", "unload", "biggest-cgroup"), "unload"))
		goto out;
	ASSERT_EQ(r.status, 0, "unload exit status");
	ASSERT_STR_EQ(r.out, "biggest-cgroup: unloaded\n", "unload output");
	ASSERT_FALSE(pin_exists("biggest-cgroup"), "the pins are gone");

	/* detached: the next OOM is the kernel's */
	mark = kmsg_mark();
	again = hog_start_growing("work/big", 2 * MB, 0);
	if (!ASSERT_GT(again, 0, "growing hog again"))
		goto out;
	ASSERT_EQ(hog_wait(again, OOM_WAIT_MS), SIGKILL,
		  "the kernel kills after unload");
	ASSERT_TRUE(report_wait(mark, "default", 10000),
		    "the report names no policy after unload");
	ASSERT_EQ(report_count(mark, "biggest-cgroup"), 0,
		  "the policy is gone");
out:
	if (ev_pid > 0)
		cli_finish(ev_pid, ev_fd, events, sizeof(events), 0);
	hog_kill_all();
	cg_cleanup();
	CLI(&r, "policy", "unload", "--all");
}
