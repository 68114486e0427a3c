// SPDX-License-Identifier: GPL-2.0
/* preference scenarios: systemd's and facebook oomd's cgroup xattrs, set with setfattr on cgroupfs. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "cli.h"
#include "hog.h"
#include "scenario.h"
#include "test.h"

#define POLICY	 "preference"
#define HOOK_PIN "/sys/fs/bpf/oomkit/" POLICY "/follow-oomkit_annot_user"

static const unsigned long long bytes[3] = { 30 * MB, 20 * MB, 24 * MB };

/* setfattr -n @name -v @value on cgroup @rel, or -x @name with @value NULL. */
static int setfattr(const char *rel, const char *name, const char *value)
{
	char cmd[PATH_MAX + 128];
	int st;

	if (value)
		snprintf(cmd, sizeof(cmd), "setfattr -n '%s' -v '%s' '%s'",
			 name, value, cg_abspath(rel));
	else
		snprintf(cmd, sizeof(cmd), "setfattr -x '%s' '%s'", name,
			 cg_abspath(rel));
	st = system(cmd);
	return WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : -1;
}

/*
 * Annotations already there at load, read through the seed program: a is
 * omitted (systemd's boolean), b avoided (oomd's, by presence), so c, the
 * one with none, dies although a is bigger, and a is no candidate.
 */
TEST(preference_reads_xattrs_set_before_the_load)
{
	struct oomkit_event rec;

	if (!ASSERT_OK(scenario_begin_abc("annot_before"), "setup") ||
	    !ASSERT_OK(setfattr("oom/a", "user.oomd_omit", "1"), "omit a") ||
	    !ASSERT_OK(setfattr("oom/b", "trusted.oomd_avoid", "x"),
		       "avoid b") ||
	    !ASSERT_OK(policy_load(POLICY, "systemd_xattrs=1", "oomd_xattrs=1",
				   NULL),
		       "policy load"))
		goto cleanup;
	ASSERT_OK(access(HOOK_PIN, F_OK), "the xattr hook pinned");
	if (abc_oom(POLICY, bytes, 2, &rec)) {
		ASSERT_EQ(rec.nr_candidates, 2, "candidates: b and c");
		ASSERT_HAS_SUBSTR(rec.reason, "no preference", "reason");
	}

cleanup:
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}

/*
 * Changes after the load reach the kernel's map through the hooks, with
 * nothing of ours running: a's omit removed (setfattr -x), b preferred
 * (trusted.), and c made again after the load (a restarted service)
 * omitted with "true" (user.). So b dies among a and b.
 */
TEST(preference_follows_xattrs_set_after_the_load)
{
	struct oomkit_event rec;
	char line[PATH_MAX + 64];

	if (!ASSERT_OK(scenario_begin_abc("annot_after"), "setup") ||
	    !ASSERT_OK(setfattr("oom/a", "user.oomd_omit", "1"), "omit a") ||
	    !ASSERT_OK(policy_load(POLICY, "systemd_xattrs=1", "oomd_xattrs=1",
				   NULL),
		       "policy load"))
		goto cleanup;
	if (!ASSERT_OK(setfattr("oom/a", "user.oomd_omit", NULL), "unset a") ||
	    !ASSERT_OK(setfattr("oom/b", "trusted.oomd_prefer", "1"),
		       "prefer b") ||
	    !ASSERT_OK(cg_remove("oom/c"), "rmdir c") ||
	    !ASSERT_OK(cg_create("oom/c"), "mkdir c") ||
	    !ASSERT_OK(setfattr("oom/c", "user.oomd_omit", "true"), "omit c"))
		goto cleanup;
	/* what the kernel's map holds now, as policy show prints it */
	if (ASSERT_OK(oomkit("policy", "show", NULL), "policy show")) {
		snprintf(line, sizeof(line), "        %s: user.oomd_omit\n",
			 cg_abspath("oom/c") + strlen("/sys/fs/cgroup"));
		ASSERT_HAS_SUBSTR(oomkit_output(), line, "c's omit shown");
		snprintf(line, sizeof(line), "        %s: trusted.oomd_prefer",
			 cg_abspath("oom/b") + strlen("/sys/fs/cgroup"));
		ASSERT_HAS_SUBSTR(oomkit_output(), line, "b's prefer shown");
	}
	if (abc_oom(POLICY, bytes, 1, &rec)) {
		ASSERT_EQ(rec.nr_candidates, 2, "candidates: a and b");
		ASSERT_HAS_SUBSTR(rec.reason, "preferred", "reason");
	}

cleanup:
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}

/*
 * systemd-oomd's rule: a user. xattr counts on a cgroup owned by root or
 * by the scope's owner. a belongs to uid 1000 (a delegated cgroup marking
 * itself): its omit is ignored and a, the biggest of a and c, dies; b's,
 * root's, holds. A "0" is no omit either (c).
 */
TEST(preference_xattrs_count_only_from_the_owner)
{
	struct oomkit_event rec;

	if (!ASSERT_OK(scenario_begin_abc("annot_owner"), "setup") ||
	    !ASSERT_OK(chown(cg_abspath("oom/a"), 1000, 1000), "chown a") ||
	    !ASSERT_OK(setfattr("oom/a", "user.oomd_omit", "1"), "omit a") ||
	    !ASSERT_OK(setfattr("oom/b", "user.oomd_omit", "yes"), "omit b") ||
	    !ASSERT_OK(setfattr("oom/c", "user.oomd_omit", "0"), "c: 0") ||
	    !ASSERT_OK(policy_load(POLICY, "systemd_xattrs=1", NULL),
		       "policy load"))
		goto cleanup;
	if (abc_oom(POLICY, bytes, 0, &rec))
		ASSERT_EQ(rec.nr_candidates, 2, "candidates: a and c");

cleanup:
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}

/* Without the tunables the xattrs mean nothing and no hook is attached. */
TEST(preference_xattrs_are_opt_in)
{
	struct oomkit_event rec;

	if (!ASSERT_OK(scenario_begin_abc("annot_off"), "setup") ||
	    !ASSERT_OK(setfattr("oom/a", "user.oomd_omit", "1"), "omit a") ||
	    !ASSERT_OK(setfattr("oom/b", "trusted.oomd_prefer", "1"),
		       "prefer b") ||
	    !ASSERT_OK(policy_load(POLICY, NULL), "policy load"))
		goto cleanup;
	ASSERT_NEQ(access(HOOK_PIN, F_OK), 0, "no xattr hook pinned");
	if (abc_oom(POLICY, bytes, 0, &rec))
		ASSERT_EQ(rec.nr_candidates, 3, "candidates: all three");

cleanup:
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}
