// SPDX-License-Identifier: GPL-2.0
/* Host tests: a pin root root cannot trust (someone else's, writable, a link) is refused and nothing is followed. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "test.h"

#define FAKE   "selftests/host/host_fake_oom.bpf.o"
#define ROOT   "/sys/fs/bpf/oomkit"
#define VICTIM "/tmp/oomkit-host-test/victim"

static struct cli_res r;

/* A bpffs as the kernel mounts it without options: 1777, like a hand-made mount. */
static bool open_bpffs(void)
{
	if (!ASSERT_OK(private_bpffs(), "private bpffs"))
		return false;
	return ASSERT_OK(chmod("/sys/fs/bpf", 01777), "bpffs mode 1777");
}

/* Files a planted link points at: root must never unlink them. */
static bool make_victim(void)
{
	mkdir("/tmp/oomkit-host-test", 0755);
	mkdir(VICTIM, 0755);
	return ASSERT_OK(copy_file("/etc/hostname", VICTIM "/important.conf", 0,
				   0644),
			 "victim") &&
	       ASSERT_OK(copy_file("/etc/hostname", VICTIM "/other", 0, 0644),
			 "victim 2");
}

static void check_victim(const char *what)
{
	ASSERT_OK(access(VICTIM "/important.conf", F_OK), what);
	ASSERT_OK(access(VICTIM "/other", F_OK), what);
}

/* What user 65534 can do on a 1777 bpffs: @how 0 a 0777 root with a link in it, 1 a link as the root. */
static bool plant_as_nobody(int how)
{
	int status;
	pid_t pid = fork_as_nobody();

	if (pid < 0)
		return false;
	if (!pid) {
		if (how == 1)
			_exit(symlink(VICTIM, ROOT) ? 2 : 0);
		if (mkdir(ROOT, 0777) || chmod(ROOT, 0777) ||
		    symlink(VICTIM, ROOT "/evil") ||
		    symlink(VICTIM, ROOT "/evil2~tmp"))
			_exit(3);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return false;
	return ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status),
			   "nobody plants");
}

/* Every command that reads or writes the pin root refuses with @why and follows nothing. */
static void expect_refused(const char *why)
{
	static const struct {
		const char *argv[5];
		const char *step;
	} cmds[] = {
		{ { "policy", "unload", "--all" }, "unload '--all'" },
		{ { "policy", "unload", "evil" }, "unload 'evil'" },
		{ { "policy", "show" }, "show 'policies'" },
		{ { "events", "--timeout", "1" }, "stream 'events'" },
		{ { "policy", "load", NULL }, "load 'host-fake'" },
	};
	char err[512], json[600];

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		const char *argv[6] = { cmds[i].argv[0],
					cmds[i].argv[1],
					cmds[i].argv[2],
					cmds[i].argv[3],
					NULL,
					NULL };
		const char *jargv[7] = { "-j",	  argv[0], argv[1], argv[2],
					 argv[3], NULL,	   NULL };

		if (!argv[2] && !strcmp(argv[1], "load"))
			jargv[3] = argv[2] = build_path(FAKE);
		if (!ASSERT_OK(cli_runv(&r, 0, NULL, argv), cmds[i].step))
			return;
		snprintf(err, sizeof(err),
			 "Error: can't %s: refusing pin root " ROOT ": %s\n",
			 cmds[i].step, why);
		ASSERT_EQ(r.status, 1, cmds[i].step);
		ASSERT_STR_EQ(r.err, err, cmds[i].step);
		ASSERT_STR_EQ(r.out, "", cmds[i].step);
		check_victim(cmds[i].step);

		if (!ASSERT_OK(cli_runv(&r, 0, NULL, jargv), cmds[i].step))
			return;
		snprintf(json, sizeof(json), "{\"error\":\"%.*s\"}\n",
			 (int)strlen(err) - 8, err + 7);
		ASSERT_EQ(r.status, 1, cmds[i].step);
		ASSERT_STR_EQ(r.out, json, cmds[i].step);
		check_victim(cmds[i].step);
	}
}

TEST(pin_root_of_another_user_is_refused)
{
	if (!open_bpffs() || !make_victim() || !plant_as_nobody(0))
		return;
	expect_refused(
		"owned by uid 65534, not root; check and remove it (rm -r " ROOT
		")");
	ASSERT_OK(access(ROOT "/evil", F_OK),
		  "the planted link is left for the admin");
}

TEST(pin_root_writable_by_others_is_refused)
{
	if (!open_bpffs() || !make_victim())
		return;
	if (!ASSERT_OK(mkdir(ROOT, 0700), "mkdir") ||
	    !ASSERT_OK(chmod(ROOT, 0777), "chmod") ||
	    !ASSERT_OK(symlink(VICTIM, ROOT "/evil"), "a link in it"))
		return;
	expect_refused(
		"writable by others (mode 0777); check its entries and chmod 0700 it");
	if (!ASSERT_OK(chmod(ROOT, 0770), "chmod g+w"))
		return;
	expect_refused(
		"writable by its group (mode 0770); check its entries and chmod 0700 it");
}

TEST(pin_root_that_is_a_link_is_refused)
{
	if (!open_bpffs() || !make_victim() || !plant_as_nobody(1))
		return;
	expect_refused(
		"a symbolic link, not a directory; check and remove it (rm " ROOT
		")");
}

/* A sound root with links in it (however they got there): listed as nothing, never followed. */
TEST(links_in_the_pin_root_are_not_policies)
{
	if (!open_bpffs() || !make_victim())
		return;
	if (!ASSERT_OK(mkdir(ROOT, 0700), "mkdir") ||
	    !ASSERT_OK(symlink(VICTIM, ROOT "/evil"), "a link") ||
	    !ASSERT_OK(symlink(VICTIM, ROOT "/evil2~tmp"), "a ~tmp link"))
		return;
	if (!ASSERT_OK(CLI(&r, "-j", "policy", "show"), "show"))
		return;
	ASSERT_EQ(r.status, 0, "show exit status");
	ASSERT_HAS_SUBSTR(r.out, "\"policies\":[]", "no policy listed");
	if (!ASSERT_OK(CLI(&r, "policy", "unload", "--all"), "unload --all"))
		return;
	ASSERT_EQ(r.status, 0, "unload --all exit status");
	ASSERT_STR_EQ(r.out, "nothing to unload\n", "unload --all output");
	if (!ASSERT_OK(CLI(&r, "policy", "unload", "evil"), "unload evil"))
		return;
	ASSERT_EQ(r.status, 1, "unload evil exit status");
	ASSERT_STR_EQ(
		r.err,
		"Error: can't unload 'evil': not loaded (see 'oomkit policy show')\n",
		"unload evil");
	check_victim("the link's target");
}

/* run shares load's name check: a leftover ~tmp and an untrusted root stop it too. */
TEST(run_checks_the_name_like_load)
{
	if (!ASSERT_OK(private_bpffs(), "private bpffs") ||
	    !ASSERT_OK(mkdir(ROOT, 0700), "mkdir") ||
	    !ASSERT_OK(mkdir(ROOT "/host-fake~tmp", 0700), "a leftover ~tmp"))
		return;
	if (!ASSERT_OK(CLI(&r, "run", build_path(FAKE)), "run"))
		return;
	ASSERT_EQ(r.status, 1, "exit status");
	ASSERT_STR_EQ(
		r.err,
		"Error: can't run 'host-fake': " ROOT
		"/host-fake~tmp exists (an "
		"interrupted load); clean it with 'oomkit policy unload host-fake'\n",
		"the leftover");
	if (!ASSERT_OK(rmdir(ROOT "/host-fake~tmp"), "rmdir") ||
	    !ASSERT_OK(chmod(ROOT, 0777), "a root writable by others") ||
	    !ASSERT_OK(CLI(&r, "run", build_path(FAKE)), "run"))
		return;
	ASSERT_EQ(r.status, 1, "exit status");
	ASSERT_HAS_SUBSTR(
		r.err,
		"Error: can't run 'host-fake': refusing pin root " ROOT
		": writable by others",
		"the untrusted root");
}
