// SPDX-License-Identifier: GPL-2.0
/*
 * preference: systemd-oomd's ManagedOOMPreference for the kernel OOM.
 *
 * Decision rule: every candidate of the OOM scope (leaf memcgs, and the
 * root's own tasks in a global OOM) takes the preference of the nearest
 * cgroup, itself or an ancestor, set with --set prefer=PATH, avoid=PATH or
 * omit=PATH. Omitted cgroups are never candidates. The rest are ranked by
 * preference (prefer, then none, then avoid), then by how many pages
 * reclaim scanned in them since the previous OOM (the cgroup reclaim is
 * fighting hardest; an OOM that waited for a victim still exiting does
 * not count as one), then by size. Kill the biggest task of the first (all
 * of them with memory.oom.group 1). Cgroups with an oom_score_adj -1000
 * task are skipped; an OOM victim still exiting in scope means no new kill.
 *
 * Knobs:
 *   prefer=PATH / avoid=PATH / omit=PATH  for PATH and its subtree.
 *   pgscan_min_pages  scan growth below this many pages ranks as none, so
 *                     a few scanned pages do not outrank size (default 256).
 *   count_page_cache  0 (default): sizes without page cache; 1: with.
 *
 * Limits: the first OOM compares scans since each cgroup's creation; the
 * root's own tasks never rank by scans (the root's count is the system's).
 */
#include "oomkit.bpf.h"

char _license[] SEC("license") = "GPL";

#define PREF_PREFER	1
#define PREF_NONE	0
#define PREF_AVOID	-1
#define PREF_OMIT	-2

OOMKIT_POLICY("preference", "systemd-oomd-like prefer/avoid/omit, then reclaim scans, then size");
OOMKIT_CGROUP_MAP(preference);
OOMKIT_CGROUP_KNOB(prefer, preference, PREF_PREFER, 0, 0, 0,
		   "kill in this cgroup and its subtree first");
OOMKIT_CGROUP_KNOB(avoid, preference, PREF_AVOID, 0, 0, 0,
		   "kill in this cgroup and its subtree only when nothing else is left");
OOMKIT_CGROUP_KNOB(omit, preference, PREF_OMIT, 0, 0, 0,
		   "never kill in this cgroup and its subtree");
OOMKIT_TUNABLE(u64, pgscan_min_pages, 256, 0, 1LL << 40,
	       "pages: reclaim scan growth below this ranks as none");
OOMKIT_TUNABLE(bool, count_page_cache, false, 0, 1,
	       "1: size cgroups with their page cache (default: without)");

#define PGSCAN_MAX_CGROUPS	4096

/*
 * pgscan of each candidate at the previous OOM whose walk saw every
 * candidate; LRU: removed cgroups age out.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PGSCAN_MAX_CGROUPS);
	__type(key, u64);
	__type(value, u64);
} pgscan_last SEC(".maps");

struct pgscan_reading {
	u64 cgid;
	u64 pgscan;
};

/*
 * The readings of the walk under way. A walk that stops at a victim still
 * exiting has seen only the candidates before it; were its readings
 * baselines, those would measure growth from a later point than the rest.
 * So they become baselines only when the walk completes. One walk at a
 * time: the kernel runs OOM handlers under oom_lock.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PGSCAN_MAX_CGROUPS);
	__type(key, u32);
	__type(value, struct pgscan_reading);
} pgscan_walk SEC(".maps");

static u32 nr_readings;

static u64 preference_pgscan_growth(struct mem_cgroup *memcg, u64 cgid)
{
	u64 now = oomkit_memcg_pgscan(memcg), *last, growth;
	struct pgscan_reading *r;
	u32 i = nr_readings;

	last = bpf_map_lookup_elem(&pgscan_last, &cgid);
	growth = last && now > *last ? now - *last : (last ? 0 : now);
	r = bpf_map_lookup_elem(&pgscan_walk, &i);
	if (r) {
		r->cgid = cgid;
		r->pgscan = now;
		nr_readings = i + 1;
	}
	return growth >= pgscan_min_pages ? growth : 0;
}

/* The completed walk's readings become the baselines of the next OOM. */
static void preference_pgscan_commit(void)
{
	struct pgscan_reading *r;
	u32 i;

	bpf_for(i, 0, nr_readings) {
		r = bpf_map_lookup_elem(&pgscan_walk, &i);
		if (!r)
			break;
		bpf_map_update_elem(&pgscan_last, &r->cgid, &r->pgscan, BPF_ANY);
	}
}

static bool preference_rank(struct oomkit_oom *oom, struct mem_cgroup *memcg,
			    struct cgroup_subsys_state *css, struct oomkit_leaf *leaf)
{
	s64 pref = oomkit_knob_nearest(&preference, css, PREF_NONE);

	if (pref == PREF_OMIT)
		return false;
	leaf->score = pref;
	leaf->score2 = leaf->inner ? 0 : preference_pgscan_growth(memcg, leaf->cgid);
	return true;
}

static int preference_oom(struct oomkit_oom *oom)
{
	struct oomkit_event *ev = oom->ev;
	struct oomkit_pick pick;
	struct oomkit_leaf *best = &pick.top[0];

	nr_readings = 0;
	oomkit_pick_leaf(oom, &pick, count_page_cache, preference_rank);
	if (pick.victim_pid)
		return oomkit_decide_pending(oom, &pick);
	preference_pgscan_commit();
	if (!best->cgid)
		return oomkit_decide_none(oom);

	oomkit_event_set_victim(ev, best);
	oomkit_reason(ev, "%s, pgscan +%llu, %llu.%llu MiB, of %u candidates",
		      best->score == PREF_PREFER ? "preferred" :
		      best->score == PREF_AVOID ? "avoided" : "no preference",
		      best->score2, OOMKIT_MIB(best->bytes), OOMKIT_MIB_10TH(best->bytes),
		      pick.nr_leaves);
	return oomkit_kill_cgroup(oom, best->cgid, false, count_page_cache);
}

OOMKIT_OOM_POLICY(preference, "preference");
