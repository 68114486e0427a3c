// SPDX-License-Identifier: GPL-2.0
/* VM: oomkit apply loads, is a no-op the second time, changes settings in place, replaces with no gap, unloads. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "cli.h"
#include "test.h"

#define DIR  "/tmp/oomkit-vm-apply"
#define CONF DIR "/oomkit.conf"

static struct cli_res r;

static bool write_conf(const char *fmt, const char *a, const char *b)
{
	FILE *f;

	mkdir(DIR, 0755);
	f = fopen(CONF, "w");
	if (!ASSERT_OK_PTR(f, CONF))
		return false;
	fprintf(f, fmt, a, b);
	fclose(f);
	return ASSERT_OK(chmod(CONF, 0644), CONF);
}

static bool apply_ok(const char *what)
{
	if (!ASSERT_OK(CLI(&r, "apply", "--config", CONF), what))
		return false;
	if (ASSERT_EQ(r.status, 0, what))
		return true;
	fprintf(stderr, "%s%s", r.out, r.err);
	return false;
}

/* The link id of policy @name's OOM handler in 'policy show -j', 0 if none. */
static long long link_of(const char *name)
{
	char key[128];
	const char *p;

	if (CLI(&r, "-j", "policy", "show") || r.status)
		return 0;
	snprintf(key, sizeof(key), "{\"name\":\"%s\",\"pin_dir\"", name);
	p = strstr(r.out, key);
	return p ? json_num(p, "link_id") : 0;
}

static long long order_of(const char *name)
{
	char key[128];
	const char *p;

	if (CLI(&r, "-j", "policy", "show") || r.status)
		return 0;
	snprintf(key, sizeof(key), "{\"name\":\"%s\",\"pin_dir\"", name);
	p = strstr(r.out, key);
	return p ? json_num(p, "attach_order") : 0;
}

/* A child that counts attached struct_ops links as fast as it can. */
struct watch {
	volatile int stop;
	volatile int min;
	volatile long samples;
};

static pid_t watch_start(struct watch *w)
{
	pid_t pid;

	w->stop = 0;
	w->min = 1000;
	w->samples = 0;
	pid = fork();
	if (pid)
		return pid;
	while (!w->stop) {
		int n = nr_attached_struct_ops_links();

		if (n < w->min)
			w->min = n;
		w->samples++;
	}
	_exit(0);
}

TEST(apply_converges_with_no_unprotected_moment)
{
	struct watch *w;
	char db[512], web[512];
	long long big, pref;
	pid_t pid;

	w = mmap(NULL, sizeof(*w), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!ASSERT_OK_PTR(w == MAP_FAILED ? NULL : w, "mmap"))
		return;
	CLI(&r, "policy", "unload", "--all");
	if (!ASSERT_OK(cg_init("cli_apply"), "cg_init") ||
	    !ASSERT_OK(cg_create("db"), "db") ||
	    !ASSERT_OK(cg_create("web"), "web"))
		goto out;
	snprintf(db, sizeof(db), "%s", cg_abspath("db"));
	snprintf(web, sizeof(web), "%s", cg_abspath("web"));

	/* 1. loads what is missing, in the config's order */
	if (!write_conf("[biggest-cgroup]\n[preference]\nSet=avoid=%s\n%s", db,
			"") ||
	    !apply_ok("first apply"))
		goto out;
	ASSERT_HAS_SUBSTR(r.out, "biggest-cgroup: load (not loaded)\n",
			  "loads biggest-cgroup");
	ASSERT_HAS_SUBSTR(r.out, "preference: load (not loaded)\n",
			  "loads preference");
	ASSERT_TRUE(pin_exists("biggest-cgroup") && pin_exists("preference"),
		    "both pinned");
	ASSERT_LT(order_of("biggest-cgroup"), order_of("preference"),
		  "the config's order");

	/* 2. again: nothing */
	if (!apply_ok("second apply"))
		goto out;
	ASSERT_STR_EQ(r.out,
		      "nothing to change: the loaded policies are what " CONF
		      " says\n",
		      "a no-op");

	/* 3. a setting changes in place: same links */
	big = link_of("biggest-cgroup");
	pref = link_of("preference");
	if (!write_conf("[biggest-cgroup]\n[preference]\nSet=avoid=%s\n"
			"Set=prefer=%s\n",
			db, web) ||
	    !apply_ok("settings apply"))
		goto out;
	ASSERT_HAS_SUBSTR(r.out, "preference: keep, settings in place\n",
			  "in place");
	ASSERT_EQ(link_of("preference"), pref, "preference not reloaded");
	ASSERT_EQ(link_of("biggest-cgroup"), big,
		  "biggest-cgroup not reloaded");
	if (!ASSERT_OK(CLI(&r, "-j", "policy", "show"), "show"))
		goto out;
	ASSERT_HAS_SUBSTR(r.out, "{\"key\":\"prefer\",\"map\":\"preference\"",
			  "the new setting");

	/* 4. --dry-run of a tunable change: the plan, nothing else */
	if (!write_conf("[biggest-cgroup]\nSet=kill_all=true\n[preference]\n"
			"Set=avoid=%s\nSet=prefer=%s\n",
			db, web))
		goto out;
	if (!ASSERT_OK(CLI(&r, "apply", "--config", CONF, "--dry-run"),
		       "dry run"))
		goto out;
	ASSERT_EQ(r.status, 0, r.err);
	ASSERT_HAS_SUBSTR(
		r.out,
		"biggest-cgroup: replace (its tunables changed)\n"
		"preference: replace (after one attached anew, to keep the "
		"config's order)\n",
		"the plan");
	ASSERT_EQ(link_of("biggest-cgroup"), big, "dry run changed nothing");

	/* 5. replaced while a watcher counts attached handlers: never below two */
	pid = watch_start(w);
	if (!ASSERT_GT(pid, 0, "watcher"))
		goto out;
	while (w->samples < 5)
		usleep(1000);
	apply_ok("tunable apply");
	w->stop = 1;
	waitpid(pid, NULL, 0);
	ASSERT_GE(w->min, 2, "two handlers attached at every instant seen");
	ASSERT_GT(w->samples, 10, "the watcher looked");
	test_log("watcher: %ld samples, min %d", w->samples, w->min);
	ASSERT_NEQ(link_of("biggest-cgroup"), big, "biggest-cgroup replaced");
	ASSERT_NEQ(link_of("preference"), pref, "preference replaced");
	ASSERT_LT(order_of("biggest-cgroup"), order_of("preference"),
		  "still in the config's order");
	if (!ASSERT_OK(CLI(&r, "-j", "policy", "show"), "show"))
		goto out;
	ASSERT_HAS_SUBSTR(r.out, "{\"name\":\"kill_all\",\"value\":\"true\"}",
			  "the new tunable runs");
	ASSERT_FALSE(pin_exists("biggest-cgroup~tmp"), "no ~tmp left");
	if (!apply_ok("no-op after replace"))
		goto out;
	ASSERT_HAS_SUBSTR(r.out, "nothing to change", "a no-op again");

	/* 6. a removed section unloads */
	if (!write_conf("[biggest-cgroup]\nSet=kill_all=true\n%s%s", "", "") ||
	    !apply_ok("removal apply"))
		goto out;
	ASSERT_HAS_SUBSTR(r.out, "preference: unload (not in the config)\n",
			  "unloads preference");
	ASSERT_FALSE(pin_exists("preference"), "preference gone");
	ASSERT_TRUE(pin_exists("biggest-cgroup"), "biggest-cgroup stays");
	ASSERT_EQ(nr_attached_struct_ops_links(), 1, "one handler left");
out:
	CLI(&r, "policy", "unload", "--all");
	cg_cleanup();
	munmap(w, sizeof(*w));
}
