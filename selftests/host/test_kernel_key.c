// SPDX-License-Identifier: GPL-2.0
/* Host tests: scripts/kernel.sh refuses to name a cache entry it cannot key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "test.h"

#define KERNEL_SH "../scripts/kernel.sh"

static char out[4096], err[4096];

/*
 * Runs "kernel.sh --path" with @bin first in PATH; its stdout and stderr go
 * to out[] and err[]. Returns its exit code.
 */
static int kernel_path(const char *bin, const char *abi)
{
	char cmd[3 * 4096], errf[] = "/tmp/oomkit-kkey-XXXXXX";
	size_t n;
	FILE *p, *e;
	int fd, st;

	fd = mkstemp(errf);
	if (fd < 0)
		return -1;
	close(fd);
	snprintf(cmd, sizeof(cmd),
		 "PATH='%s':\"$PATH\" OOMKIT_ABI=%s OOMKIT_CACHE=/nonexistent "
		 "'%s' --path 2>'%s'",
		 bin, abi, build_path(KERNEL_SH), errf);
	p = popen(cmd, "r");
	if (!p) {
		unlink(errf);
		return -1;
	}
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	st = pclose(p);
	err[0] = '\0';
	e = fopen(errf, "r");
	if (e) {
		n = fread(err, 1, sizeof(err) - 1, e);
		err[n] = '\0';
		fclose(e);
	}
	unlink(errf);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Makes @dir/@name, a shell script with body @body; 0 or -1. */
static int fake_tool(const char *dir, const char *name, const char *body)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	return chmod(path, 0755);
}

static void remove_tools(const char *dir)
{
	static const char *const names[] = { "dpkg-query", "pahole" };
	char path[4096];
	unsigned int i;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

/*
 * Without the source package the key would hash an empty version: every
 * machine would then share one cache entry whatever it built from.
 */
TEST(kernel_key_needs_the_source_version)
{
	static const char *const abis[] = { "1", "2" };
	char bin[] = "/tmp/oomkit-kbin-XXXXXX";
	unsigned int i;

	if (!ASSERT_NEQ(mkdtemp(bin), NULL, "mkdtemp"))
		return;
	if (!ASSERT_OK(fake_tool(bin, "dpkg-query", "exit 1"), "dpkg-query"))
		goto out;
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(kernel_path(bin, abis[i]), 1, "exit status");
		ASSERT_STR_EQ(out, "", "no cache path printed");
		ASSERT_STR_EQ(err,
			      "kernel.sh: linux-source-6.12 is not installed: "
			      "run scripts/deps.sh as root\n",
			      "stderr");
	}
out:
	remove_tools(bin);
}

/* The same for the tools whose versions the key holds. */
TEST(kernel_key_needs_pahole)
{
	char bin[] = "/tmp/oomkit-kbin-XXXXXX";

	if (!ASSERT_NEQ(mkdtemp(bin), NULL, "mkdtemp"))
		return;
	if (!ASSERT_OK(fake_tool(bin, "dpkg-query", "echo 6.12.0-test"),
		       "dpkg-query") ||
	    !ASSERT_OK(fake_tool(bin, "pahole", "exit 1"), "pahole"))
		goto out;
	ASSERT_EQ(kernel_path(bin, "1"), 1, "exit status");
	ASSERT_STR_EQ(out, "", "no cache path printed");
	ASSERT_STR_EQ(err,
		      "kernel.sh: pahole is missing or broken: run "
		      "scripts/deps.sh kernel as root\n",
		      "stderr");
	/* and with both answering, the path is printed */
	if (!ASSERT_OK(fake_tool(bin, "pahole", "echo v1.24"), "pahole"))
		goto out;
	ASSERT_EQ(kernel_path(bin, "1"), 0, "exit status, tools answering");
	ASSERT_HAS_SUBSTR(out, "/nonexistent/kernel-", "cache path");
out:
	remove_tools(bin);
}
