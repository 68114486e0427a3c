// SPDX-License-Identifier: GPL-2.0
/* VM: the sample drop-in (samples/newest-cgroup.bpf.c) listed, loaded from the policy dir, and deciding. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "cli.h"
#include "hog.h"
#include "kmsg.h"
#include "report.h"
#include "test.h"

static struct cli_res r;

TEST(dropin_sample_kills_in_the_newest_cgroup)
{
	const char *dir = build_path("samples");
	pid_t old, young;
	long long mark;

	CLI(&r, "policy", "unload", "--all");
	if (!ASSERT_OK(CLI(&r, "-j", "policy", "list", "--policy-dir", dir),
		       "list"))
		return;
	ASSERT_EQ(r.status, 0, "list exit status");
	ASSERT_HAS_SUBSTR(
		r.out,
		"{\"name\":\"newest-cgroup\",\"origin\":\"drop-in\",\"source\":\"",
		"the sample is listed as a drop-in");
	ASSERT_HAS_SUBSTR(r.out,
			  "\"kind\":\"oom\",\"oom_policy\":\"newest-cgroup\"",
			  "its kind");

	if (!ASSERT_OK(cg_init("cli_dropin"), "cg_init"))
		return;
	/* old is created first and is the bigger: biggest-cgroup would kill there */
	if (!ASSERT_OK(cg_create("work"), "work") ||
	    !ASSERT_OK(cg_create("work/old"), "old") ||
	    !ASSERT_OK(cg_create("work/young"), "young") ||
	    !ASSERT_OK(cg_write("work", "memory.max", "%llu", 64 * MB),
		       "memory.max"))
		goto out;

	if (!ASSERT_OK(CLI(&r, "policy", "load", "newest-cgroup",
			   "--policy-dir", dir),
		       "load"))
		goto out;
	if (!ASSERT_EQ(r.status, 0, "load exit status")) {
		fprintf(stderr, "%s%s", r.out, r.err);
		goto out;
	}
	ASSERT_HAS_SUBSTR(r.out, "oom_policy=newest-cgroup\n",
			  "load names the oom_policy");

	mark = kmsg_mark();
	old = hog_start("work/old", 36 * MB, 0);
	young = hog_start_growing("work/young", 2 * MB, 0);
	if (!ASSERT_GT(old, 0, "old hog") || !ASSERT_GT(young, 0, "young hog"))
		goto out;
	ASSERT_EQ(hog_wait(young, 60000), SIGKILL,
		  "the newest cgroup's task dies");
	ASSERT_EQ(hog_wait(old, 0), -ETIMEDOUT,
		  "the bigger, older one survives");
	ASSERT_EQ(cg_read_key("work/young", "memory.events", "oom_kill"), 1,
		  "young: oom_kill");
	ASSERT_TRUE(report_wait(mark, "newest-cgroup", 10000),
		    "the report names it");
	if (!ASSERT_OK(CLI(&r, "-j", "policy", "show"), "show"))
		goto out;
	ASSERT_EQ(json_num(r.out, "kills"), 1, "stats: kills");
out:
	hog_kill_all();
	cg_cleanup();
	CLI(&r, "policy", "unload", "--all");
}
