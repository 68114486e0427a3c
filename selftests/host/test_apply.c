// SPDX-License-Identifier: GPL-2.0
/* Host tests: apply's plan (what is loaded, kept, replaced, unloaded) and its refusals. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../loader/plan.h"
#include "cli.h"
#include "test.h"

#define DIR  "/tmp/oomkit-host-apply"
#define CONF DIR "/oomkit.conf"

static struct cli_res r;

/* configured, loaded, same tunables, oom, attach order */
#define KEPT(n, o)               \
	{ .name = n,             \
	  .configured = true,    \
	  .loaded = true,        \
	  .comparable = true,    \
	  .same_tunables = true, \
	  .oom = true,           \
	  .order = o }

static void expect(const struct plan_item *it, size_t nr,
		   const enum plan_action *act, const enum plan_why *why)
{
	for (size_t i = 0; i < nr; i++) {
		ASSERT_EQ(it[i].action, act[i], it[i].name);
		ASSERT_EQ(it[i].why, why[i], it[i].name);
	}
}

TEST(plan_nothing_to_do)
{
	struct plan_item it[] = { KEPT("a", 1), KEPT("b", 2), KEPT("c", 5) };
	static const enum plan_action act[] = { PLAN_KEEP, PLAN_KEEP,
						PLAN_KEEP };
	static const enum plan_why why[] = { 0, 0, 0 };

	ASSERT_EQ(plan_compute(it, 3), 0, "no change");
	expect(it, 3, act, why);
}

/*
 * Level 2 runs each cgroup's handlers in their own order: two tenants at
 * order 1 on cgroups 7 and 9 are both in place, and one replaced on 7
 * leaves 9's alone.
 */
TEST(plan_orders_each_run_list_apart)
{
	struct plan_item it[] = { KEPT("a", 1), KEPT("b", 1), KEPT("c", 2) };
	static const enum plan_action keep[] = { PLAN_KEEP, PLAN_KEEP,
						 PLAN_KEEP };
	static const enum plan_action act[] = { PLAN_REPLACE, PLAN_KEEP,
						PLAN_REPLACE };
	static const enum plan_why none[] = { 0, 0, 0 };
	static const enum plan_why why[] = { PLAN_WHY_TUNABLES, 0,
					     PLAN_WHY_ORDER };

	it[0].run_list = 7;
	it[1].run_list = 9;
	it[2].run_list = 7;
	ASSERT_EQ(plan_compute(it, 3), 0, "no change");
	expect(it, 3, keep, none);
	it[0].same_tunables = false;
	ASSERT_EQ(plan_compute(it, 3), 2, "a and the one after it on 7");
	expect(it, 3, act, why);
}

/* a changed tunable replaces it, and every OOM policy after it keeps its place by a replace */
TEST(plan_replaces_after_a_changed_one)
{
	struct plan_item it[] = { KEPT("a", 1), KEPT("b", 2), KEPT("c", 3) };
	static const enum plan_action act[] = { PLAN_KEEP, PLAN_REPLACE,
						PLAN_REPLACE };
	static const enum plan_why why[] = { 0, PLAN_WHY_TUNABLES,
					     PLAN_WHY_ORDER };

	it[1].same_tunables = false;
	ASSERT_EQ(plan_compute(it, 3), 2, "two changes");
	expect(it, 3, act, why);
}

/* a new one in front: what follows it must attach after it */
TEST(plan_load_in_front_replaces_the_rest)
{
	struct plan_item it[] = {
		{ .name = "new", .configured = true, .oom = true },
		KEPT("old", 1),
		/* a PSI policy has no run order: kept */
		{ .name = "psi",
		  .configured = true,
		  .loaded = true,
		  .comparable = true,
		  .same_tunables = true },
	};
	static const enum plan_action act[] = { PLAN_LOAD, PLAN_REPLACE,
						PLAN_KEEP };
	static const enum plan_why why[] = { PLAN_WHY_NEW, PLAN_WHY_ORDER, 0 };

	ASSERT_EQ(plan_compute(it, 3), 2, "two changes");
	expect(it, 3, act, why);
}

TEST(plan_reordered_config_and_removed_policy)
{
	struct plan_item it[] = {
		KEPT("b", 2),
		KEPT("a", 1),
		{ .name = "gone", .loaded = true, .oom = true, .order = 3 },
		/* loaded without the rodata pin: can't be compared */
		{ .name = "old",
		  .configured = true,
		  .loaded = true,
		  .oom = true,
		  .order = 4 },
	};
	static const enum plan_action act[] = { PLAN_KEEP, PLAN_REPLACE,
						PLAN_UNLOAD, PLAN_REPLACE };
	static const enum plan_why why[] = { 0, PLAN_WHY_ORDER,
					     PLAN_WHY_REMOVED,
					     PLAN_WHY_UNDECODED };

	ASSERT_EQ(plan_compute(it, 4), 3, "three changes");
	expect(it, 4, act, why);
}

static bool write_conf(const char *text)
{
	FILE *f;

	if (system("rm -rf " DIR))
		return false;
	mkdir(DIR, 0755);
	f = fopen(CONF, "w");
	if (!ASSERT_OK_PTR(f, CONF))
		return false;
	fputs(text, f);
	fclose(f);
	return ASSERT_OK(chmod(CONF, 0644), CONF);
}

TEST(apply_dry_run_prints_the_plan)
{
	if (!ASSERT_OK(private_bpffs(), "private bpffs") ||
	    !write_conf("[observe]\n[biggest-cgroup]\nSet=kill_all=true\n"))
		return;
	/* a loaded policy the config does not name */
	mkdir("/sys/fs/bpf/oomkit", 0700);
	mkdir("/sys/fs/bpf/oomkit/stale", 0700);
	if (!ASSERT_OK(CLI(&r, "apply", "--config", CONF, "--dry-run"),
		       "apply --dry-run"))
		return;
	ASSERT_EQ(r.status, 0, r.err);
	ASSERT_STR_EQ(r.out,
		      CONF ": the plan (--dry-run: nothing changed)\n"
			   "observe: load (not loaded)\n"
			   "biggest-cgroup: load (not loaded)\n"
			   "stale: unload (not in the config)\n",
		      "the plan");
	ASSERT_TRUE(pin_exists("stale"), "nothing changed");
	ASSERT_FALSE(pin_exists("observe"), "nothing loaded");

	if (!ASSERT_OK(CLI(&r, "-j", "apply", "--config", CONF, "--dry-run"),
		       "apply -j --dry-run"))
		return;
	ASSERT_EQ(r.status, 0, r.err);
	ASSERT_TRUE(json_valid(r.out), "parses");
	ASSERT_HAS_SUBSTR(
		r.out,
		"\"dry_run\":true,\"changes\":3,\"plan\":[{\"name\":"
		"\"observe\",\"action\":\"load\",\"why\":\"not loaded\","
		"\"settings\":[]}",
		"-j");
}

/* This host has no BPF OOM ABI: the load fails, and nothing is left behind. */
TEST(apply_that_fails_keeps_the_previous_state)
{
	if (!ASSERT_OK(private_bpffs(), "private bpffs") ||
	    !write_conf("[observe]\n"))
		return;
	mkdir("/sys/fs/bpf/oomkit", 0700);
	mkdir("/sys/fs/bpf/oomkit/stale", 0700);
	if (!ASSERT_OK(CLI(&r, "apply", "--config", CONF), "apply"))
		return;
	ASSERT_EQ(r.status, 1, "a failure");
	ASSERT_HAS_SUBSTR(r.err, "Error: can't apply 'observe': ", "why");
	ASSERT_HAS_SUBSTR(
		r.err,
		"oomkit: kept the previous state: stale stay loaded as "
		"they were\n",
		"what it kept");
	ASSERT_TRUE(pin_exists("stale"), "not unloaded");
	ASSERT_FALSE(pin_exists("observe"), "no leftover");
}

TEST(apply_refuses_a_config_with_mistakes)
{
	if (!ASSERT_OK(private_bpffs(), "private bpffs") ||
	    !write_conf("[observe]\nSet=nope=1\n"))
		return;
	if (!ASSERT_OK(CLI(&r, "apply", "--config", CONF), "apply"))
		return;
	ASSERT_EQ(r.status, 1, "a failure");
	ASSERT_STR_EQ(
		r.err,
		"Error: can't apply '" CONF "': " CONF
		":2: can't set 'nope' on "
		"'observe': no such tunable (keys: count_page_cache); nothing "
		"was changed\n",
		"the line, and that nothing changed");
	ASSERT_FALSE(pin_exists("observe"), "nothing loaded");

	ASSERT_OK(CLI(&r, "apply", "--config"), "apply --config");
	ASSERT_EQ(r.status, 2, "usage");
	ASSERT_OK(CLI(&r, "apply", "extra"), "apply extra");
	ASSERT_EQ(r.status, 2, "usage");
}

TEST(stop_unloads_unless_the_config_keeps_them)
{
	if (!ASSERT_OK(private_bpffs(), "private bpffs") ||
	    !write_conf("[oomkit]\nOnStop=keep\n[observe]\n"))
		return;
	mkdir("/sys/fs/bpf/oomkit", 0700);
	mkdir("/sys/fs/bpf/oomkit/stale", 0700);
	if (!ASSERT_OK(CLI(&r, "stop", "--config", CONF), "stop"))
		return;
	ASSERT_EQ(r.status, 0, r.err);
	ASSERT_STR_EQ(r.out,
		      "keeping the loaded policies: OnStop=keep in " CONF "\n",
		      "says it keeps them");
	ASSERT_TRUE(pin_exists("stale"), "kept");

	if (!write_conf("[observe]\n"))
		return;
	ASSERT_OK(CLI(&r, "stop", "--config", CONF), "stop");
	ASSERT_EQ(r.status, 0, r.err);
	ASSERT_STR_EQ(r.out, "stale: unloaded\n", "the default unloads");
	ASSERT_FALSE(pin_exists("stale"), "gone");
}

TEST(config_oomkit_section_takes_on_stop_only)
{
	if (!write_conf("[oomkit]\nOnStop=maybe\nOther=1\n[observe]\n"))
		return;
	if (!ASSERT_OK(CLI(&r, "config", "check", CONF), "check"))
		return;
	ASSERT_EQ(r.status, 1, "mistakes");
	ASSERT_STR_EQ(r.err,
		      CONF
		      ":2: OnStop=maybe: write OnStop=unload (the default) "
		      "or OnStop=keep\n" CONF
		      ":3: unknown key 'Other' in [oomkit] (keys: OnStop)\n",
		      "each mistake by line");
	if (!write_conf("[oomkit]\nOnStop=keep\n[observe]\n"))
		return;
	ASSERT_OK(CLI(&r, "config", "check", CONF), "check");
	ASSERT_EQ(r.status, 0, r.err);
	ASSERT_STR_EQ(r.out, CONF ": 1 policy: observe\n", "not a policy");
}
