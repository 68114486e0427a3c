// SPDX-License-Identifier: GPL-2.0
/*
 * biggest-cgroup: the cgroup-aware OOM killer.
 *
 * Decision rule: in the OOM scope (the OOMing memcg, or the whole system),
 * take the biggest leaf memcg; the root cgroup's own tasks (and any inner
 * memcg's own tasks) count as one more leaf, sized by the RSS of those that
 * are killable. Leaves holding a task with oom_score_adj -1000, or nothing
 * killable, are skipped. In the chosen leaf kill as kill_mode says (the
 * biggest task, every task, or escalate), every task when memory.oom.group
 * is 1 on it or an ancestor in scope. If a task in scope is
 * already an OOM victim still holding memory, kill nothing and report the
 * OOM handled: the kernel waits for that victim too.
 *
 * Knobs:
 *   count_page_cache  0 (default): size leaves by memory.current minus the
 *                     page cache (what a kill gives back quickly); 1: by
 *                     memory.current.
 *   kill_mode         0 (default): the biggest task; 1: every task; 2:
 *                     escalate, the biggest task, every task when the leaf
 *                     is chosen again within escalate_usec (default 10 s)
 *                     or its biggest task would free less than
 *                     escalate_min_bytes (default 0: never).
 *   kill_all          1: kill_mode 1, whatever kill_mode says (the older
 *                     name, kept for configs).
 *   min_leaf_bytes    leaves smaller than this are not candidates; if none
 *                     is left the kernel decides (default 0).
 *
 * Limits: sizes are the kernel's approximate per-CPU counters; a leaf with
 * only page cache and no tasks is never chosen; one walk of the scope and
 * of every task in it per OOM.
 */
#include "oomkit.bpf.h"

char _license[] SEC("license") = "GPL";

OOMKIT_OOM_POLICY(biggest_cgroup, "biggest-cgroup",
		  "kill in the biggest leaf cgroup of the OOM scope");
OOMKIT_COUNT_PAGE_CACHE_TUNABLE();
OOMKIT_KILL_MODE_TUNABLES();
OOMKIT_TUNABLE(bool, kill_all, false, 0, 1,
	       "1: kill_mode 1 whatever kill_mode says (the older name)");
OOMKIT_TUNABLE(u64, min_leaf_bytes, 0, 0, 1LL << 50,
	       "bytes: smaller cgroups are never chosen");

static bool biggest_cgroup_rank(struct oomkit_oom *oom,
				struct mem_cgroup *memcg,
				struct cgroup_subsys_state *css,
				struct oomkit_leaf *leaf)
{
	return leaf->bytes >= min_leaf_bytes;
}

static int biggest_cgroup_oom(struct oomkit_oom *oom)
{
	struct oomkit_event *ev = oom->ev;
	struct oomkit_pick pick;
	struct oomkit_leaf *best = &pick.top[0];
	struct oomkit_kill_how how = OOMKIT_KILL_MODE();

	oomkit_pick_leaf(oom, &pick, count_page_cache, biggest_cgroup_rank);
	if (pick.victim_pid)
		return oomkit_decide_pending(oom, &pick);
	if (!best->cgid)
		return oomkit_decide_none(oom);

	oomkit_event_set_victim(ev, best);
	oomkit_reason(ev,
		      "largest leaf: %llu.%llu MiB%s of %llu.%llu MiB in scope",
		      OOMKIT_MIB(best->bytes), OOMKIT_MIB_10TH(best->bytes),
		      count_page_cache ? "" : " w/o cache",
		      OOMKIT_MIB(ev->scope_bytes),
		      OOMKIT_MIB_10TH(ev->scope_bytes));
	if (kill_all)
		how.mode = OOMKIT_KILL_CGROUP;
	return oomkit_kill_cgroup_mode(oom, best->cgid, how, count_page_cache);
}
