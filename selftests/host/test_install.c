// SPDX-License-Identifier: GPL-2.0
/* Host tests: make install and make deb put a working oomkit, its pages and its config in place. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cli.h"
#include "test.h"

#define DEST "/tmp/oomkit-host-install"

/* Runs a shell command; its stdout into out; returns its exit status. */
static int sh(char *out, size_t len, const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	size_t n = 0;
	FILE *f;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	if (out) {
		n = fread(out, 1, len - 1, f);
		out[n] = '\0';
	} else {
		char sink[4096];

		while (fread(sink, 1, sizeof(sink), f) > 0)
			;
	}
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void expect_mode(const char *path, mode_t mode)
{
	struct stat st;

	if (ASSERT_OK(stat(path, &st), path))
		ASSERT_EQ(st.st_mode & 07777, mode, path);
}

/* The installed binary answers --help and checks the installed example. */
static void expect_working(const char *bin, const char *conf)
{
	char out[8192], expect[512];

	ASSERT_EQ(sh(out, sizeof(out), "%s --help", bin), 0,
		  "installed --help");
	ASSERT_HAS_SUBSTR(out, "oomkit [OPTIONS] config check [FILE]",
			  "--help text");
	ASSERT_EQ(sh(out, sizeof(out), "%s config check %s 2>&1", bin, conf), 0,
		  "installed config check");
	snprintf(expect, sizeof(expect), "%s: 1 policy: observe\n", conf);
	ASSERT_STR_EQ(out, expect, "config check of the installed example");
}

TEST(make_install_honours_destdir_and_keeps_an_existing_config)
{
	const char *root = build_path("..");
	char out[8192];

	if (!ASSERT_EQ(sh(NULL, 0, "rm -rf " DEST), 0, "clean"))
		return;
	if (!ASSERT_EQ(sh(NULL, 0,
			  "make -s -C %s install DESTDIR=" DEST " 2>&1", root),
		       0, "make install"))
		return;
	expect_mode(DEST "/usr/local/sbin/oomkit", 0755);
	expect_mode(DEST "/usr/local/share/man/man8/oomkit.8", 0644);
	expect_mode(DEST "/usr/local/share/man/man5/oomkit.conf.5", 0644);
	expect_mode(DEST "/usr/local/share/bash-completion/completions/oomkit",
		    0644);
	expect_mode(DEST "/etc/oomkit/oomkit.conf", 0644);
	expect_mode(DEST "/usr/local/lib/systemd/system/oomkit.service", 0644);
	expect_mode(DEST "/usr/local/lib/systemd/system/oomkit-events.service",
		    0644);
	ASSERT_EQ(sh(out, sizeof(out),
		     "grep ^Exec " DEST
		     "/usr/local/lib/systemd/system/oomkit.service"),
		  0, "the unit's commands");
	ASSERT_STR_EQ(out,
		      "ExecStart=/usr/local/sbin/oomkit apply\n"
		      "ExecReload=/usr/local/sbin/oomkit apply\n"
		      "ExecStop=/usr/local/sbin/oomkit stop\n",
		      "the installed binary's path");
	expect_working(DEST "/usr/local/sbin/oomkit",
		       DEST "/etc/oomkit/oomkit.conf");
	/* the drop-in directory the binary was built with, in its help */
	ASSERT_EQ(sh(out, sizeof(out),
		     DEST "/usr/local/sbin/oomkit policy list --help"),
		  0, "policy list --help");
	ASSERT_HAS_SUBSTR(out, "/usr/local/lib/oomkit/policies",
			  "built-in drop-in directory");

	/* a second install keeps the admin's file */
	if (!ASSERT_EQ(sh(NULL, 0,
			  "echo '[biggest-cgroup]' >" DEST
			  "/etc/oomkit/oomkit.conf"),
		       0, "edit the config"))
		return;
	ASSERT_EQ(sh(NULL, 0, "make -s -C %s install DESTDIR=" DEST " 2>&1",
		     root),
		  0, "make install again");
	ASSERT_EQ(sh(out, sizeof(out), "cat " DEST "/etc/oomkit/oomkit.conf"),
		  0, "read it");
	ASSERT_STR_EQ(out, "[biggest-cgroup]\n", "the edited config is kept");
}

TEST(make_deb_builds_a_package_for_debian_paths)
{
	const char *root = build_path("..");
	char out[16384];

	if (!ASSERT_EQ(sh(NULL, 0, "rm -rf " DEST " && mkdir -p " DEST), 0,
		       "clean"))
		return;
	if (!ASSERT_EQ(sh(NULL, 0, "make -s -C %s deb 2>&1", root), 0,
		       "make deb"))
		return;
	ASSERT_EQ(sh(out, sizeof(out),
		     "dpkg-deb -f %s/build/oomkit_*.deb Package Depends", root),
		  0, "dpkg-deb -f");
	ASSERT_STR_EQ(
		out,
		"Package: oomkit\nDepends: libc6, libelf1, zlib1g, libinih1, "
		"libsystemd0\n",
		"control fields");
	ASSERT_EQ(sh(out, sizeof(out), "dpkg-deb -c %s/build/oomkit_*.deb",
		     root),
		  0, "contents");
	ASSERT_HAS_SUBSTR(out, "./usr/sbin/oomkit\n",
			  "the binary in /usr/sbin");
	ASSERT_HAS_SUBSTR(out, "./usr/lib/oomkit/policies/\n",
			  "the drop-in directory");
	ASSERT_HAS_SUBSTR(out, "./etc/oomkit/oomkit.conf\n",
			  "the example config");
	ASSERT_HAS_SUBSTR(out, "./lib/systemd/system/oomkit.service\n",
			  "the unit where bookworm's systemd looks");
	ASSERT_HAS_SUBSTR(out, "./lib/systemd/system/oomkit-events.service\n",
			  "the journal unit");
	ASSERT_EQ(sh(out, sizeof(out),
		     "dpkg-deb --ctrl-tarfile %s/build/oomkit_*.deb |"
		     " tar -xO ./conffiles",
		     root),
		  0, "conffiles");
	ASSERT_STR_EQ(out, "/etc/oomkit/oomkit.conf\n",
		      "the config is a conffile");

	if (!ASSERT_EQ(sh(NULL, 0, "dpkg-deb -x %s/build/oomkit_*.deb " DEST,
			  root),
		       0, "unpack"))
		return;
	expect_working(DEST "/usr/sbin/oomkit", DEST "/etc/oomkit/oomkit.conf");
	ASSERT_EQ(sh(out, sizeof(out),
		     DEST "/usr/sbin/oomkit policy list --help"),
		  0, "policy list --help");
	ASSERT_HAS_SUBSTR(out, "/usr/lib/oomkit/policies, or",
			  "Debian's drop-in directory");
}

/*
 * The installed units pass systemd-analyze verify: their commands exist
 * (the units are pointed at the DESTDIR binary) and their man pages are
 * found (MANPATH: the DESTDIR pages). The build machine has systemd-analyze
 * (scripts/deps.sh installs systemd): its absence fails, never skips.
 */
TEST(installed_units_pass_systemd_analyze_verify)
{
	const char *root = build_path("..");
	char out[8192];

	if (!ASSERT_EQ(sh(NULL, 0, "command -v systemd-analyze"), 0,
		       "systemd-analyze not found: install systemd "
		       "(scripts/deps.sh build)"))
		return;
	if (!ASSERT_EQ(sh(NULL, 0,
			  "rm -rf " DEST
			  " && make -s -C %s install DESTDIR=" DEST " 2>&1",
			  root),
		       0, "make install"))
		return;
	ASSERT_EQ(sh(out, sizeof(out),
		     "cd " DEST
		     "/usr/local/lib/systemd/system && mkdir -p " DEST
		     "/units && for u in oomkit oomkit-events; do "
		     "sed 's|/usr/local/sbin|" DEST
		     "/usr/local/sbin|' $u.service "
		     ">" DEST "/units/$u.service || exit 1; done && "
		     "MANPATH=" DEST
		     "/usr/local/share/man systemd-analyze verify " DEST
		     "/units/oomkit.service " DEST
		     "/units/oomkit-events.service 2>&1"),
		  0, "systemd-analyze verify");
	ASSERT_STR_EQ(out, "", "no complaint");
}
