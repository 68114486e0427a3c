// SPDX-License-Identifier: GPL-2.0
/* VM: Ctrl-C or SIGTERM between attach and commit rolls a load back, and the BPF stats it turned on go back off. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "crash_at.h"
#include "test.h"

static struct cli_res r;

TEST(signal_between_attach_and_commit_rolls_back)
{
	static const struct {
		const char *spec, *signame;
	} cases[] = {
		/* the first pin is the first link's, in the ~tmp dir */
		{ "obj_pin:1:int", "Interrupt" },
		{ "obj_pin:1:term", "Terminated" },
	};
	struct crash_at crash;
	char err[256];
	int links;

	CLI(&r, "policy", "unload", "--all");
	links = nr_struct_ops_links();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const *env = crash_at_env(&crash, cases[i].spec);

		if (!ASSERT_TRUE(bpf_stats_sysctl_set(false),
				 "bpf_stats_enabled=0"))
			return;
		if (!ASSERT_OK(cli_run(&r, 0, env, "policy", "load",
				       "biggest-cgroup", "--stats", NULL),
			       "load --stats"))
			goto out;
		ASSERT_EQ(r.status, 1, cases[i].spec);
		snprintf(
			err, sizeof(err),
			"Error: can't load 'biggest-cgroup': interrupted by %s "
			"before the commit; rolled back\n",
			cases[i].signame);
		ASSERT_STR_EQ(r.err, err, cases[i].spec);
		ASSERT_FALSE(pin_exists("biggest-cgroup"), "nothing pinned");
		ASSERT_TRUE(WAIT_UNTIL(nr_struct_ops_links() == links, 5000),
			    "nothing attached");
		/* L6: the failed load turned the system-wide stats on: back off */
		ASSERT_EQ(bpf_stats_sysctl(), 0, "bpf_stats_enabled restored");
	}
	/* no machine-wide switch unless asked (issue 12) */
	if (!ASSERT_OK(CLI(&r, "policy", "load", "biggest-cgroup"), "load") ||
	    !ASSERT_EQ(r.status, 0, "load exit status"))
		goto out;
	ASSERT_EQ(bpf_stats_sysctl(), 0,
		  "a plain load leaves bpf_stats_enabled off");
	CLI(&r, "policy", "unload", "--all");
	/* --stats that succeeds leaves them on, for 'policy show' (documented) */
	if (!ASSERT_OK(CLI(&r, "policy", "load", "biggest-cgroup", "--stats"),
		       "load --stats") ||
	    !ASSERT_EQ(r.status, 0, "load --stats exit status"))
		goto out;
	ASSERT_EQ(bpf_stats_sysctl(), 1,
		  "bpf_stats_enabled stays on after load --stats");
out:
	CLI(&r, "policy", "unload", "--all");
	bpf_stats_sysctl_set(false);
}
