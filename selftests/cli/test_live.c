// SPDX-License-Identifier: GPL-2.0
/* VM: 'policy set/unset' change a loaded preference's settings in place, and the next OOM obeys. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "cli.h"
#include "hog.h"
#include "test.h"

static struct cli_res r;

static bool cli_ok(const char *what)
{
	if (ASSERT_EQ(r.status, 0, what))
		return true;
	fprintf(stderr, "%s%s", r.out, r.err);
	return false;
}

/*
 * omit= decides alone (no size or scan can outrank it): omit=a spares a,
 * the bigger, so b dies; after 'unset omit=a' and 'set omit=b' a dies.
 * The policy stays attached throughout: one load, one link.
 */
TEST(policy_set_and_unset_change_the_victim)
{
	char set[512], word[600];
	pid_t a, b;
	long long link_id;

	CLI(&r, "policy", "unload", "--all");
	if (!ASSERT_OK(cg_init("cli_live"), "cg_init"))
		return;
	if (!ASSERT_OK(cg_create("work"), "work") ||
	    !ASSERT_OK(cg_create("work/a"), "a") ||
	    !ASSERT_OK(cg_create("work/b"), "b") ||
	    !ASSERT_OK(cg_write("work", "memory.max", "%llu", 64 * MB),
		       "memory.max"))
		goto out;
	if (!ASSERT_OK(CLI(&r, "-j", "policy", "load", "preference"), "load") ||
	    !cli_ok("load"))
		goto out;
	/* load -j lists the followers' links first: the handler's is show's */
	if (!ASSERT_OK(CLI(&r, "-j", "policy", "show"), "show") ||
	    !cli_ok("show after load"))
		goto out;
	link_id = json_num(r.out, "link_id");

	snprintf(set, sizeof(set), "omit=%s", cg_abspath("work/a"));
	if (!ASSERT_OK(CLI(&r, "policy", "set", "preference", set), "set") ||
	    !cli_ok("set omit=a"))
		goto out;
	snprintf(word, sizeof(word), "preference: set %s\n", set);
	ASSERT_STR_EQ(r.out, word, "set says what it set");

	/* a tunable can't change live: refused, and nothing else is written */
	ASSERT_OK(CLI(&r, "policy", "set", "preference", "pgscan_min_pages=1"),
		  "set a tunable");
	ASSERT_EQ(r.status, 2, "refused");
	ASSERT_HAS_SUBSTR(r.err, "reload it with the new value", "says why");

	if (!ASSERT_OK(CLI(&r, "-j", "policy", "show"), "show") ||
	    !cli_ok("show"))
		goto out;
	/* each tunable as loaded: the refused set changed none */
	ASSERT_HAS_SUBSTR(r.out, "\"tunables\":[{", "the loaded tunables");
	ASSERT_HAS_SUBSTR(r.out,
			  "{\"name\":\"pgscan_min_pages\",\"value\":\"256\"}",
			  "pgscan_min_pages as loaded");
	ASSERT_HAS_SUBSTR(r.out,
			  "{\"name\":\"count_page_cache\",\"value\":\"false\"}",
			  "count_page_cache as loaded");
	snprintf(word, sizeof(word),
		 "{\"key\":\"omit\",\"map\":\"preference\",\"path\":\"%s\","
		 "\"value\":-2,\"cgroup_id\":%llu,\"follows_path\":true}",
		 cg_abspath("work/a") + strlen(CG_MOUNT),
		 (unsigned long long)cg_id("work/a"));
	ASSERT_HAS_SUBSTR(r.out, word, "the setting by path");
	ASSERT_EQ(json_num(r.out, "link_id"), link_id, "the same link");

	a = hog_start("work/a", 36 * MB, 0);
	b = hog_start_growing("work/b", 2 * MB, 0);
	if (!ASSERT_GT(a, 0, "a") || !ASSERT_GT(b, 0, "b"))
		goto out;
	ASSERT_EQ(hog_wait(b, 60000), SIGKILL, "omit=a: b dies");
	ASSERT_EQ(hog_wait(a, 0), -ETIMEDOUT, "a, the bigger, lives");

	if (!ASSERT_OK(CLI(&r, "policy", "unset", "preference", set),
		       "unset") ||
	    !cli_ok("unset omit=a"))
		goto out;
	snprintf(set, sizeof(set), "omit=%s", cg_abspath("work/b"));
	if (!ASSERT_OK(CLI(&r, "policy", "set", "preference", set), "set") ||
	    !cli_ok("set omit=b"))
		goto out;
	b = hog_start_growing("work/b", 2 * MB, 0);
	if (!ASSERT_GT(b, 0, "b again"))
		goto out;
	ASSERT_EQ(hog_wait(a, 60000), SIGKILL, "omit=b: a dies now");

	if (!ASSERT_OK(CLI(&r, "-j", "policy", "show"), "show"))
		goto out;
	ASSERT_EQ(json_num(r.out, "link_id"), link_id, "never reloaded");
	snprintf(word, sizeof(word), "\"path\":\"%s\"",
		 cg_abspath("work/a") + strlen(CG_MOUNT));
	ASSERT_FALSE(strstr(r.out, word), "a's setting is gone");
	snprintf(word, sizeof(word), "\"path\":\"%s\"",
		 cg_abspath("work/b") + strlen(CG_MOUNT));
	ASSERT_HAS_SUBSTR(r.out, word, "b's is there");
out:
	hog_kill_all();
	cg_cleanup();
	CLI(&r, "policy", "unload", "--all");
}
