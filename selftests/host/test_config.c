// SPDX-License-Identifier: GPL-2.0
/* Host tests: oomkit config check reads oomkit.conf and its drop-ins and names every mistake by line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "test.h"

#define DIR	"/tmp/oomkit-host-config"
#define CONF	DIR "/oomkit.conf"
#define DROPINS CONF ".d"

static struct cli_res r;

static bool write_file(const char *path, mode_t mode, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!ASSERT_OK_PTR(f, path))
		return false;
	fputs(text, f);
	fclose(f);
	return ASSERT_OK(chmod(path, mode), path);
}

static void fresh_dir(void)
{
	if (system("rm -rf " DIR))
		return;
	mkdir(DIR, 0755);
	mkdir(DROPINS, 0755);
}

TEST(config_check_accepts_policies_and_drop_ins)
{
	char expect[256], sample[1024];

	fresh_dir();
	/* Policy= takes a path too: the sample drop-in's */
	snprintf(sample, sizeof(sample), "[newest-cgroup]\nPolicy=%s\n",
		 build_path("samples/newest-cgroup.bpf.o"));
	if (!write_file(CONF, 0644,
			"# comment\n"
			"[biggest-cgroup]\n"
			"Set=kill_all=true\n"
			"  Set = min_leaf_bytes=16M   ; inline comment\n"
			"\n"
			"[observe]\n") ||
	    !write_file(DROPINS "/20-sample.conf", 0600, sample) ||
	    !write_file(DROPINS "/10-more.conf", 0644, "[observe]\n") ||
	    /* not *.conf: not read */
	    !write_file(DROPINS "/30-off.conf.disabled", 0644, "[nonsense\n"))
		return;
	if (!ASSERT_OK(CLI(&r, "config", "check", CONF), "config check"))
		return;
	snprintf(
		expect, sizeof(expect),
		"%s: 3 policies: biggest-cgroup, observe, newest-cgroup (2 drop-ins)\n",
		CONF);
	ASSERT_EQ(r.status, 0, "exit status");
	ASSERT_STR_EQ(r.out, expect, "stdout");
	ASSERT_STR_EQ(r.err, "", "stderr");
}

/* A section names an instance: two of one policy, each with its scope. */
TEST(config_check_takes_named_instances_with_scopes)
{
	fresh_dir();
	if (!write_file(CONF, 0644,
			"[tenant-a]\n"
			"Policy=biggest-cgroup\n"
			/* below the cgroup2 mount: its root, the system */
			"Scope=.\n"
			"[tenant-b]\n"
			"Policy=biggest-cgroup\n"
			"Scope=no-such-cgroup\n"
			"Scope=\n"))
		return;
	if (!ASSERT_OK(CLI(&r, "config", "check", CONF), "config check"))
		return;
	ASSERT_EQ(r.status, 0, "exit status");
	ASSERT_STR_EQ(r.out, CONF ": 2 policies: tenant-a, tenant-b\n",
		      "stdout");
	ASSERT_STR_EQ(r.err, "", "stderr");
}

TEST(config_check_names_every_mistake_by_file_and_line)
{
	const char *expect = CONF
		":2: unknown key 'Sett' in [biggest-cgroup] (keys: Policy, Scope, Set)\n" CONF
		":3: can't set 'kill_all' on 'biggest-cgroup': 'maybe' is not a bool (use true or false)\n" CONF
		":4: expected KEY=VALUE, [NAME] or a comment\n" CONF
		":5: bad section name '[a.b]': an instance name (letters, digits, '_', '-')\n" CONF
		":7: can't load 'no-such-policy': no such policy (not built in, no " DIR
		"/no-such-policy.bpf.o); see 'oomkit policy list'\n" CONF
		":10: can't load 'renamed': scope cgroup '/no/such/cgroup' does not exist "
		"(No such file or directory); create it first\n" DROPINS
		"/1.conf:1: a key before any section: start with [NAME], the instance's name\n" DROPINS
		"/1.conf:3: can't set 'nope' on 'biggest-cgroup': no such tunable "
		"(keys: shadow, max_fallbacks, fallback_window_usec, count_page_cache, kill_mode, escalate_usec, escalate_min_bytes, kill_all, min_leaf_bytes)\n" DROPINS
		"/1.conf:4: no ']' after '[': write a section as [NAME]\n";
	const char *env[] = { "OOMKIT_POLICY_DIR=" DIR, NULL };

	fresh_dir();
	if (!write_file(CONF, 0644,
			"[biggest-cgroup]\n"
			"Sett=kill_all=true\n"
			"Set=kill_all=maybe\n"
			"just words\n"
			"[a.b]\n"
			"Set=ignored=1\n"
			"[no-such-policy]\n"
			"[renamed]\n"
			"Policy=observe\n"
			"Scope=/no/such/cgroup\n") ||
	    !write_file(DROPINS "/1.conf", 0644,
			"Set=x=1\n"
			"[biggest-cgroup]\n"
			"Set=nope=1\n"
			"[broken\n"))
		return;
	if (!ASSERT_OK(cli_run(&r, 0, env, "config", "check", CONF, NULL),
		       "config check"))
		return;
	ASSERT_EQ(r.status, 1, "exit status");
	ASSERT_STR_EQ(r.err, expect, "stderr");
	ASSERT_STR_EQ(r.out, "", "stdout");
}

TEST(config_check_drop_in_appends_and_an_empty_set_resets)
{
	fresh_dir();
	if (!write_file(CONF, 0644, "[biggest-cgroup]\nSet=kill_all=true\n") ||
	    !write_file(DROPINS "/a.conf", 0644,
			"[biggest-cgroup]\nSet=min_leaf_bytes=1M\n") ||
	    !write_file(DROPINS "/b.conf", 0644,
			"[biggest-cgroup]\nSet=\nSet=count_page_cache=1\n"))
		return;
	if (!ASSERT_OK(CLI(&r, "-j", "config", "check", CONF),
		       "config check -j"))
		return;
	ASSERT_EQ(r.status, 0, "exit status");
	ASSERT_TRUE(json_valid(r.out), "one JSON value");
	ASSERT_HAS_SUBSTR(r.out, "\"sets\":[\"count_page_cache=1\"]",
			  "the reset took the earlier sets");
	ASSERT_HAS_SUBSTR(r.out, "\"errors\":[]", "no errors");
	ASSERT_HAS_SUBSTR(r.out,
			  "\"files\":[\"" CONF "\",\"" DROPINS
			  "/a.conf\",\"" DROPINS "/b.conf\"]",
			  "files in order");
}

TEST(config_check_refuses_files_others_could_write)
{
	char expect[1024];

	fresh_dir();
	if (!write_file(DIR "/real.conf", 0644, "[observe]\n") ||
	    !ASSERT_OK(symlink(DIR "/real.conf", CONF), "symlink") ||
	    !write_file(DROPINS "/g.conf", 0664, "[observe]\n") ||
	    !write_file(DROPINS "/u.conf", 0644, "[observe]\n") ||
	    !ASSERT_OK(chown(DROPINS "/u.conf", 65534, 65534), "chown"))
		return;
	if (!ASSERT_OK(CLI(&r, "config", "check", CONF), "config check"))
		return;
	snprintf(
		expect, sizeof(expect),
		"%s: a symbolic link: name the file itself (links are not followed)\n"
		"%s/g.conf: writable by group or others (mode 0664): chmod go-w it\n"
		"%s/u.conf: owned by uid 65534: it must be owned by root\n",
		CONF, DROPINS, DROPINS);
	ASSERT_EQ(r.status, 1, "exit status");
	ASSERT_STR_EQ(r.err, expect, "stderr");
}

TEST(config_check_refuses_overlong_lines_and_missing_files)
{
	char text[512], expect[512];

	fresh_dir();
	snprintf(text, sizeof(text),
		 "[biggest-cgroup]\nSet=min_leaf_bytes=%0300d\n", 1);
	if (!write_file(CONF, 0644, text))
		return;
	if (!ASSERT_OK(CLI(&r, "config", "check", CONF), "config check"))
		return;
	ASSERT_EQ(r.status, 1, "exit status");
	ASSERT_STR_EQ(r.err,
		      CONF
		      ":2: line longer than 198 characters: shorten it "
		      "(cgroup paths may be relative to the cgroup2 mount)\n",
		      "stderr");

	if (!ASSERT_OK(CLI(&r, "config", "check", DIR "/none.conf"),
		       "missing file"))
		return;
	snprintf(expect, sizeof(expect), "%s/none.conf: can't open: %s\n", DIR,
		 strerror(ENOENT));
	ASSERT_EQ(r.status, 1, "exit status");
	ASSERT_STR_EQ(r.err, expect, "stderr");

	if (!ASSERT_OK(CLI(&r, "config", "check", "a", "b"), "two files"))
		return;
	ASSERT_EQ(r.status, 2, "usage error");
	ASSERT_STR_EQ(
		r.err,
		"Error: too many arguments: 'config check' takes at most one FILE\n",
		"stderr");
}
