// SPDX-License-Identifier: GPL-2.0
/* VM: concurrent loads and unloads never leave a half-made policy or two attached instances. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "cli.h"
#include "test.h"

#define ROUNDS	     50
#define OBSERVE_DIR  "/sys/fs/bpf/oomkit/observe"
#define OBSERVE_LINK OBSERVE_DIR "/link-observe_ops"

static struct cli_res r;

/* A complete observe/ holds its pinned link, and that link is attached. */
static bool complete_dir_is_attached(void)
{
	bool ok;
	int fd;

	if (access(OBSERVE_DIR, F_OK))
		return true;
	fd = bpf_obj_get(OBSERVE_LINK);
	if (fd < 0)
		return false;
	ok = struct_ops_link_attached(fd) > 0;
	close(fd);
	return ok;
}

/*
 * A child running one CLI command: exits 0 on success, 1 on a failure a
 * race may explain (a one-line "already loaded" or "busy"), 3 on anything
 * else, which it prints.
 */
static pid_t spawn(bool load)
{
	pid_t pid = fork();
	const char *nl;

	if (pid)
		return pid;
	if (load ? CLI(&r, "policy", "load", "observe") :
		   CLI(&r, "policy", "unload", "--all"))
		_exit(3);
	if (!r.status)
		_exit(0);
	nl = strchr(r.err, '\n');
	if (load && r.status == 1 && nl && !nl[1] &&
	    (strstr(r.err, ": already loaded (") || strstr(r.err, ": busy: ")))
		_exit(1);
	fprintf(stderr, "%s (exit %d): %s", load ? "load" : "unload", r.status,
		r.err);
	_exit(3);
}

TEST(concurrent_load_and_unload_stay_consistent)
{
	int max_attached = 0, loads = 0, bad = 0, round;

	CLI(&r, "policy", "unload", "--all");
	for (round = 0; round < ROUNDS && !test_failed(); round++) {
		pid_t pids[3] = { spawn(true), spawn(true), spawn(false) };
		int live = 3, i, n;

		while (live) {
			/* sample often, but leave the (TCG) CPU to the CLIs */
			test_sleep_ms(5);
			n = nr_attached_struct_ops_links();
			if (n > max_attached)
				max_attached = n;
			for (i = 0; i < 3; i++) {
				int st;

				if (pids[i] <= 0 ||
				    waitpid(pids[i], &st, WNOHANG) != pids[i])
					continue;
				pids[i] = 0;
				live--;
				if (!WIFEXITED(st) || WEXITSTATUS(st) > 1)
					bad++;
				else if (i < 2 && !WEXITSTATUS(st))
					loads++;
			}
		}
		ASSERT_LE(max_attached, 1,
			  "never two observe instances attached at once");
		ASSERT_TRUE(complete_dir_is_attached(),
			    "a complete observe/ has an attached link");
		ASSERT_OK(access(OBSERVE_DIR "~tmp", F_OK) ? 0 : -1,
			  "no ~tmp left behind");
		ASSERT_EQ(
			bad, 0,
			"every command succeeded or failed with a one-line race error");
		test_log("round %d: %d loads so far, at most %d attached\n",
			 round, loads, max_attached);
		/* every other round starts from nothing loaded */
		if (round % 2)
			CLI(&r, "policy", "unload", "--all");
	}
	test_log("%d rounds, %d successful loads, at most %d attached\n", round,
		 loads, max_attached);
	ASSERT_GT(loads, 0, "some loads went through");
	CLI(&r, "policy", "unload", "--all");
}
