// SPDX-License-Identifier: GPL-2.0
/* --scope and Scope=: tenants with a policy instance each, the kernel for the rest; a removed or moved scope. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "cli.h"
#include "hog.h"
#include "kmsg.h"
#include "report.h"
#include "scenario.h"
#include "test.h"

#define POLICY	   "biggest-cgroup"
#define TENANT_MAX (48 * MB)

/* A tenant: memory.max over two leaves, "adj" at +1000 (the kernel's pick) and "big". */
static bool tenant_create(const char *t)
{
	char adj[64], big[64];

	snprintf(adj, sizeof(adj), "%s/adj", t);
	snprintf(big, sizeof(big), "%s/big", t);
	return ASSERT_OK(cg_create(t), t) &&
	       ASSERT_OK(cg_write(t, "memory.max", "%llu", TENANT_MAX),
			 "memory.max") &&
	       ASSERT_OK(cg_create(adj), adj) && ASSERT_OK(cg_create(big), big);
}

/*
 * An OOM in tenant @t: 8 MB at +1000 in adj, then 44 MB in big, over the
 * 48 MB limit. A policy for it kills big's task, the biggest leaf's; the
 * kernel, with none, the +1000 task, and big finishes. Returns the leaf
 * whose task died ("" if none or both), with the hogs gone.
 */
static const char *tenant_oom(const char *t)
{
	static char leaf[64];
	char adj[64], big[64];
	pid_t a, b;
	bool a_dead, b_dead;

	snprintf(adj, sizeof(adj), "%s/adj", t);
	snprintf(big, sizeof(big), "%s/big", t);
	leaf[0] = '\0';
	a = hog_start(adj, 8 * MB, 1000);
	if (!ASSERT_GT(a, 0, "the +1000 hog"))
		return leaf;
	b = hog_start(big, 44 * MB, 0);
	if (!ASSERT_GT(b, 0, "the big hog"))
		return leaf;
	a_dead = hog_wait(a, 2000) == SIGKILL;
	b_dead = hog_wait(b, 0) == SIGKILL;
	if (a_dead != b_dead)
		snprintf(leaf, sizeof(leaf), "%s", a_dead ? adj : big);
	hog_kill_all();
	return leaf;
}

/* The "scope" of instance @name in `oomkit -j policy show`, and whether it is gone. */
static bool show_scope(const char *name, char *scope, size_t len, bool *removed)
{
	const char *out, *at, *s, *e;
	char key[96];

	if (!ASSERT_OK(oomkit("-j", "policy", "show", NULL), "policy show -j"))
		return false;
	out = oomkit_output();
	snprintf(key, sizeof(key), "\"name\":\"%s\"", name);
	at = strstr(out, key);
	if (!ASSERT_TRUE(at != NULL, "the instance in policy show"))
		return false;
	s = strstr(at, "\"scope\":\"");
	if (!ASSERT_TRUE(s != NULL, "its scope in policy show"))
		return false;
	s += strlen("\"scope\":\"");
	e = strchr(s, '"');
	snprintf(scope, len, "%.*s", (int)(e ? e - s : 0), s);
	s = strstr(s, "\"scope_removed\":");
	*removed = s && !strncmp(s + strlen("\"scope_removed\":"), "true", 4);
	return true;
}

/* cg_abspath() below the cgroup2 mount, as the scope map keeps it. */
static const char *below_mount(const char *rel)
{
	const char *abs = cg_abspath(rel);

	return abs + strlen("/sys/fs/cgroup");
}

/*
 * Two tenants, ta and tb, each with biggest-cgroup scoped to it under its
 * own name, and tc with none: each tenant's OOM is its own instance's
 * (the other instance does not even run: level 2 sends it nothing, level 1's
 * library passes before counting a run), tc's is the kernel's. Then ta is
 * removed: show says so, and at level 2 the kernel detached tenant-a.
 */
TEST(scoped_instances_handle_their_own_tenants)
{
	char scope[256];
	long long mark;
	bool removed;
	int attached;

	if (!ASSERT_OK(scenario_begin("scope"), "scenario_begin") ||
	    !tenant_create("ta") || !tenant_create("tb") ||
	    !tenant_create("tc"))
		goto cleanup;
	if (!ASSERT_OK(oomkit("policy", "load", POLICY, "--name", "tenant-a",
			      "--scope", cg_abspath("ta"), NULL),
		       "load tenant-a") ||
	    !ASSERT_OK(oomkit("policy", "load", POLICY, "--name", "tenant-b",
			      "--scope", cg_abspath("tb"), NULL),
		       "load tenant-b"))
		goto cleanup;
	if (show_scope("tenant-a", scope, sizeof(scope), &removed)) {
		ASSERT_STR_EQ(scope, below_mount("ta"), "tenant-a's scope");
		ASSERT_FALSE(removed, "tenant-a's scope is there");
	}
	if (show_scope("tenant-b", scope, sizeof(scope), &removed))
		ASSERT_STR_EQ(scope, below_mount("tb"), "tenant-b's scope");

	mark = kmsg_mark();
	ASSERT_STR_EQ(tenant_oom("ta"), "ta/big", "ta's OOM kills in ta/big");
	oom_report_names(mark, POLICY);
	ASSERT_EQ(policy_stat("tenant-a", OOMKIT_STAT_KILLS), 1,
		  "tenant-a kills");
	ASSERT_EQ(policy_stat("tenant-b", OOMKIT_STAT_RUNS), 0,
		  "tenant-b did not run for ta's OOM");

	ASSERT_STR_EQ(tenant_oom("tb"), "tb/big", "tb's OOM kills in tb/big");
	ASSERT_EQ(policy_stat("tenant-b", OOMKIT_STAT_KILLS), 1,
		  "tenant-b kills");
	ASSERT_EQ(policy_stat("tenant-a", OOMKIT_STAT_KILLS), 1,
		  "tenant-a did not kill for tb's OOM");

	mark = kmsg_mark();
	ASSERT_STR_EQ(tenant_oom("tc"), "tc/adj",
		      "tc's OOM is the kernel's: the +1000 task");
	oom_report_names(mark, "default");
	ASSERT_EQ(policy_stat("tenant-a", OOMKIT_STAT_KILLS) +
			  policy_stat("tenant-b", OOMKIT_STAT_KILLS),
		  2, "no instance killed for tc's OOM");

	attached = nr_attached_struct_ops_links();
	if (!ASSERT_OK(cg_remove_tree("ta"), "remove ta"))
		goto cleanup;
	if (show_scope("tenant-a", scope, sizeof(scope), &removed))
		ASSERT_TRUE(removed, "show: tenant-a's scope removed");
	if (abi_level() == 2)
		ASSERT_TRUE(WAIT_UNTIL(nr_attached_struct_ops_links() ==
					       attached - 1,
				       30000),
			    "level 2: the kernel detached tenant-a");
	if (show_scope("tenant-b", scope, sizeof(scope), &removed))
		ASSERT_FALSE(removed, "tenant-b's scope is still there");
cleanup:
	ASSERT_EQ(scenario_end("tenant-a", "tenant-b", NULL), 0,
		  "nr_dying_descendants");
}

#define CONF_DIR "/tmp/oomkit-vm-scope"
#define CONF	 CONF_DIR "/oomkit.conf"

/* Writes the config: instances tenant-a and tenant-b of @pa and @pb in @sa and @sb. */
static bool write_tenants(const char *pa, const char *sa, const char *pb,
			  const char *sb)
{
	char a[PATH_MAX], b[PATH_MAX];
	FILE *f;

	snprintf(a, sizeof(a), "%s", cg_abspath(sa));
	snprintf(b, sizeof(b), "%s", cg_abspath(sb));
	mkdir(CONF_DIR, 0755);
	f = fopen(CONF, "w");
	if (!ASSERT_OK_PTR(f, CONF))
		return false;
	fprintf(f,
		"[tenant-a]\nPolicy=%s\nScope=%s\n"
		"[tenant-b]\nPolicy=%s\nScope=%s\n",
		pa, a, pb, b);
	fclose(f);
	return ASSERT_OK(chmod(CONF, 0644), CONF);
}

/*
 * The same from oomkit.conf: a section per instance, Scope= for its
 * tenant. Moving tenant-b's scope from tb to tc replaces tenant-b alone
 * ("its scope changed"), after which tc's OOM is tenant-b's and tb's the
 * kernel's; naming another policy replaces an instance too.
 */
TEST(configured_instances_follow_their_scope)
{
	char scope[256];
	bool removed;

	if (!ASSERT_OK(scenario_begin("scope_conf"), "scenario_begin") ||
	    !tenant_create("ta") || !tenant_create("tb") ||
	    !tenant_create("tc") ||
	    !write_tenants(POLICY, "ta", POLICY, "tb") ||
	    !ASSERT_OK(oomkit("apply", "--config", CONF, NULL), "apply"))
		goto cleanup;
	if (show_scope("tenant-a", scope, sizeof(scope), &removed))
		ASSERT_STR_EQ(scope, below_mount("ta"), "tenant-a's scope");
	if (show_scope("tenant-b", scope, sizeof(scope), &removed))
		ASSERT_STR_EQ(scope, below_mount("tb"), "tenant-b's scope");
	ASSERT_STR_EQ(tenant_oom("ta"), "ta/big", "ta's OOM kills in ta/big");
	ASSERT_EQ(policy_stat("tenant-a", OOMKIT_STAT_KILLS), 1,
		  "tenant-a kills");

	if (!write_tenants(POLICY, "ta", POLICY, "tc") ||
	    !ASSERT_OK(oomkit("apply", "--config", CONF, "--dry-run", NULL),
		       "apply --dry-run"))
		goto cleanup;
	ASSERT_HAS_SUBSTR(oomkit_output(),
			  "tenant-b: replace (its scope changed)\n",
			  "the plan replaces tenant-b");
	ASSERT_FALSE(strstr(oomkit_output(), "tenant-a: replace"),
		     "the plan keeps tenant-a");
	if (!ASSERT_OK(oomkit("apply", "--config", CONF, NULL), "apply tc"))
		goto cleanup;
	if (show_scope("tenant-b", scope, sizeof(scope), &removed))
		ASSERT_STR_EQ(scope, below_mount("tc"), "tenant-b's new scope");
	ASSERT_EQ(policy_stat("tenant-a", OOMKIT_STAT_KILLS), 1,
		  "tenant-a kept, its counters with it");
	ASSERT_STR_EQ(tenant_oom("tc"), "tc/big", "tc's OOM is tenant-b's now");
	ASSERT_STR_EQ(tenant_oom("tb"), "tb/adj", "tb's OOM is the kernel's");
	ASSERT_OK(oomkit("apply", "--config", CONF, NULL), "apply again");
	ASSERT_HAS_SUBSTR(oomkit_output(), "nothing to change", "a no-op");

	if (!write_tenants("preference", "ta", POLICY, "tc") ||
	    !ASSERT_OK(oomkit("apply", "--config", CONF, "--dry-run", NULL),
		       "apply --dry-run, another policy"))
		goto cleanup;
	ASSERT_HAS_SUBSTR(oomkit_output(),
			  "tenant-a: replace (its policy changed)\n",
			  "the plan replaces tenant-a");
cleanup:
	unlink(CONF);
	ASSERT_EQ(scenario_end("tenant-a", "tenant-b", NULL), 0,
		  "nr_dying_descendants");
}
