// SPDX-License-Identifier: GPL-2.0
/* VM: what oomkit.service runs, from an installed tree: start, a service restart, a config change, reload, stop. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "cli.h"
#include "hog.h"
#include "test.h"

/* `make stage`: make install into build/stage ($PREFIX and /etc as given). */
#define STAGE	 "stage"
#define UNIT_REL "/lib/systemd/system/oomkit.service"
#define CONF	 "/etc/oomkit/oomkit.conf"

static struct cli_res r;

/* The unit's ExecStart=/ExecReload=/ExecStop= lines, read from the staged tree. */
struct unit {
	char start[PATH_MAX], reload[PATH_MAX], stop[PATH_MAX];
};

/* Finds the staged oomkit.service under build/stage (its $PREFIX is not known here). */
static int read_unit(struct unit *u)
{
	static const char *const prefixes[] = { "/usr/local", "/usr", "" };
	char path[PATH_MAX], line[PATH_MAX];
	unsigned int i;
	FILE *f = NULL;

	for (i = 0; i < 3 && !f; i++) {
		snprintf(path, sizeof(path), "%s%s" UNIT_REL, build_path(STAGE),
			 prefixes[i]);
		f = fopen(path, "r");
	}
	if (!f)
		return -ENOENT;
	memset(u, 0, sizeof(*u));
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "ExecStart=", 10))
			snprintf(u->start, sizeof(u->start), "%s", line + 10);
		else if (!strncmp(line, "ExecReload=", 11))
			snprintf(u->reload, sizeof(u->reload), "%s", line + 11);
		else if (!strncmp(line, "ExecStop=", 9))
			snprintf(u->stop, sizeof(u->stop), "%s", line + 9);
	}
	fclose(f);
	return u->start[0] && u->reload[0] && u->stop[0] ? 0 : -ENOENT;
}

/*
 * Runs one Exec line as systemd would (no shell: words split on blanks),
 * the binary taken from the staged tree: "/usr/local/sbin/oomkit apply"
 * runs build/stage/usr/local/sbin/oomkit. Its exit status, or -1.
 */
static int run_exec(const char *line)
{
	char buf[PATH_MAX], bin[PATH_MAX], *argv[16], *save;
	int argc = 0, st;
	pid_t pid;

	snprintf(buf, sizeof(buf), "%s", line);
	for (argv[argc] = strtok_r(buf, " \t", &save); argv[argc] && argc < 15;
	     argv[++argc] = strtok_r(NULL, " \t", &save))
		;
	if (!argc)
		return -1;
	snprintf(bin, sizeof(bin), "%s%s", build_path(STAGE), argv[0]);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		execv(bin, argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * /etc as the service sees it: in this test's own mount namespace (each
 * test is a child of the runner), a tmpfs holding only oomkit.conf. The
 * guest's /etc is the host's, read-only.
 */
static int private_etc(void)
{
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("tmpfs", "/etc", "tmpfs", 0, "mode=0755"))
		return -errno;
	return mkdir("/etc/oomkit", 0755) ? -errno : 0;
}

static int write_conf(const char *avoid)
{
	FILE *f = fopen(CONF, "w");

	if (!f)
		return -errno;
	fprintf(f, "[preference]\nSet=avoid=%s\n", cg_abspath(avoid));
	fclose(f);
	return chmod(CONF, 0644) ? -errno : 0;
}

/* db and batch over memory.max 48 MB: which one dies at the OOM. */
static void oom_one_of(const char *want_dead, const char *want_alive,
		       const char *what)
{
	pid_t dead, alive;
	char d[64], a[64];

	snprintf(d, sizeof(d), "app/%s", want_dead);
	snprintf(a, sizeof(a), "app/%s", want_alive);
	/* bigger than the other at the OOM: only the setting makes it live */
	alive = hog_start(a, 30 * MB, 0);
	dead = hog_start_growing(d, 2 * MB, 0);
	if (!ASSERT_GT(alive, 0, a) || !ASSERT_GT(dead, 0, d))
		return;
	ASSERT_EQ(hog_wait(dead, 60000), SIGKILL, what);
	ASSERT_EQ(hog_wait(alive, 0), -ETIMEDOUT, "the other one lives");
	hog_kill_all();
}

/*
 * A machine set up from `make install`: the unit's start loads what
 * oomkit.conf says; avoid= on db holds after db's service restarts (its
 * cgroup made again, new processes), so batch dies; the config changed
 * to avoid batch and the unit's reload: db dies; the unit's stop unloads.
 */
TEST(service_lifecycle_from_an_installed_tree)
{
	struct unit u;
	pid_t db;

	CLI(&r, "policy", "unload", "--all");
	if (!ASSERT_OK(read_unit(&u),
		       "the staged oomkit.service (make stage)") ||
	    !ASSERT_OK(private_etc(), "a private /etc") ||
	    !ASSERT_OK(cg_init("cli_service"), "cg_init") ||
	    !ASSERT_OK(cg_create("app"), "app") ||
	    !ASSERT_OK(cg_write("app", "memory.max", "%llu", 48 * MB),
		       "memory.max") ||
	    !ASSERT_OK(cg_create("app/db"), "db") ||
	    !ASSERT_OK(cg_create("app/batch"), "batch") ||
	    !ASSERT_OK(write_conf("app/db"), CONF))
		goto out;
	test_log("ExecStart=%s", u.start);
	if (!ASSERT_EQ(run_exec(u.start), 0, "ExecStart"))
		goto out;
	ASSERT_TRUE(pin_exists("preference"), "preference loaded");

	/* systemctl restart db: its processes and its cgroup replaced */
	db = hog_start("app/db", 4 * MB, 0);
	kill(db, SIGKILL);
	hog_wait(db, 10000);
	if (!ASSERT_OK(cg_remove("app/db"), "rmdir db") ||
	    !ASSERT_OK(cg_create("app/db"), "mkdir db"))
		goto out;
	oom_one_of("batch", "db", "batch dies, the restarted db is avoided");

	if (!ASSERT_OK(write_conf("app/batch"), "the config changed") ||
	    !ASSERT_EQ(run_exec(u.reload), 0, "ExecReload"))
		goto out;
	oom_one_of("db", "batch", "db dies, batch is avoided now");

	ASSERT_EQ(run_exec(u.stop), 0, "ExecStop");
	ASSERT_FALSE(pin_exists("preference"), "stop unloaded it");
	ASSERT_EQ(nr_attached_struct_ops_links(), 0, "no handler left");
out:
	CLI(&r, "policy", "unload", "--all");
	cg_cleanup();
}
