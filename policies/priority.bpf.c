// SPDX-License-Identifier: GPL-2.0
/*
 * priority: numeric per-cgroup OOM priority, the oom_priority idea of the
 * cgroup-aware OOM killer work.
 *
 * Decision rule: every candidate of the OOM scope (leaf memcgs, and the
 * root's own tasks in a global OOM) has the priority of the nearest cgroup,
 * itself or an ancestor, set with `--set priority=PATH:N`, else
 * default_priority. The lowest priority dies first; among equals, the
 * biggest. Kill in it as kill_mode says (every task with memory.oom.group
 * 1 on it or an ancestor in scope).
 * Cgroups with an oom_score_adj -1000 task are skipped; an OOM victim still
 * exiting in scope means no new kill.
 *
 * Knobs:
 *   priority=PATH:N   N in [-1000, 1000] for PATH and its subtree.
 *   default_priority  for cgroups with none set (default 0).
 *   count_page_cache  0 (default): sizes without page cache; 1: with.
 *   kill_mode         0 (default): the biggest task; 1: every task; 2:
 *                     escalate (escalate_usec, escalate_min_bytes), as in
 *                     biggest-cgroup.
 *
 * Limits: settings are looked up by cgroup id: a cgroup recreated under
 * the same path needs setting again.
 */
#include "oomkit.bpf.h"

char _license[] SEC("license") = "GPL";

#define PRIORITY_MIN -1000
#define PRIORITY_MAX 1000

OOMKIT_OOM_POLICY(
	priority, "priority",
	"per-cgroup OOM priority: the lowest dies first, size breaks ties");
OOMKIT_CGROUP_MAP(oom_priority);
OOMKIT_CGROUP_KNOB(
	priority, oom_priority, 0, 1, PRIORITY_MIN, PRIORITY_MAX,
	"OOM priority N of the cgroup and its subtree, lower dies first");
OOMKIT_TUNABLE(s64, default_priority, 0, PRIORITY_MIN, PRIORITY_MAX,
	       "priority of cgroups that have none set");
OOMKIT_COUNT_PAGE_CACHE_TUNABLE();
OOMKIT_KILL_MODE_TUNABLES();

static bool priority_rank(struct oomkit_oom *oom, struct mem_cgroup *memcg,
			  struct cgroup_subsys_state *css,
			  struct oomkit_leaf *leaf)
{
	/* Higher scores die first. */
	leaf->score =
		-oomkit_knob_nearest(&oom_priority, css, default_priority);
	return true;
}

static int priority_oom(struct oomkit_oom *oom)
{
	struct oomkit_event *ev = oom->ev;
	struct oomkit_pick pick;
	struct oomkit_leaf *best = &pick.top[0];

	oomkit_pick_leaf(oom, &pick, count_page_cache, priority_rank);
	if (pick.victim_pid)
		return oomkit_decide_pending(oom, &pick);
	if (!best->cgid)
		return oomkit_decide_none(oom);

	oomkit_event_set_victim(ev, best);
	oomkit_reason(ev,
		      "lowest priority %lld, %llu.%llu MiB, of %u candidates",
		      -best->score, OOMKIT_MIB(best->bytes),
		      OOMKIT_MIB_10TH(best->bytes), pick.nr_leaves);
	return oomkit_kill_cgroup_mode(oom, best->cgid, OOMKIT_KILL_MODE(),
				       count_page_cache);
}
