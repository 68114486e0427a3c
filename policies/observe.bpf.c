// SPDX-License-Identifier: GPL-2.0
/*
 * observe: the audit / dry-run mode. Never kills.
 *
 * Decision rule: on every OOM, walk the scope as biggest-cgroup would,
 * record the scope, its usage, the top candidates by size and the leaf
 * biggest-cgroup would kill in ("would kill"), or the OOM victim that is
 * still exiting; then return 0 so the next attached policy, or the kernel,
 * decides. Attach it first to audit what another policy does.
 *
 * Knobs:
 *   count_page_cache  0 (default): sizes without page cache; 1: with.
 *
 * Limits: the record shows the candidates at the time of the walk; the
 * kernel or the next policy may choose differently.
 */
/* The decision verbs record what they would do and kill nothing. */
#define OOMKIT_OBSERVE 1
#include "oomkit.bpf.h"

char _license[] SEC("license") = "GPL";

OOMKIT_OOM_POLICY(
	observe, "observe",
	"never kills: records each OOM and who would die, the kernel decides");
OOMKIT_COUNT_PAGE_CACHE_TUNABLE();

static bool observe_rank(struct oomkit_oom *oom, struct mem_cgroup *memcg,
			 struct cgroup_subsys_state *css,
			 struct oomkit_leaf *leaf)
{
	return true;
}

static int observe_oom(struct oomkit_oom *oom)
{
	struct oomkit_event *ev = oom->ev;
	struct oomkit_pick pick;
	struct oomkit_leaf *best = &pick.top[0];

	oomkit_pick_leaf(oom, &pick, count_page_cache, observe_rank);
	if (pick.victim_pid)
		return oomkit_decide_pending(oom, &pick);
	if (!best->cgid)
		return oomkit_decide_none(oom);

	oomkit_event_set_victim(ev, best);
	oomkit_reason(
		ev,
		"would kill in largest leaf: %llu.%llu MiB of %llu.%llu MiB",
		OOMKIT_MIB(best->bytes), OOMKIT_MIB_10TH(best->bytes),
		OOMKIT_MIB(ev->scope_bytes), OOMKIT_MIB_10TH(ev->scope_bytes));
	return oomkit_kill_cgroup(oom, best->cgid, false, count_page_cache);
}
