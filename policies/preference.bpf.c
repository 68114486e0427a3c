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
 * not count as one), then by size. Kill in the first as kill_mode says
 * (every task with memory.oom.group 1 on it or an ancestor in scope).
 * Cgroups with an oom_score_adj -1000
 * task are skipped; an OOM victim still exiting in scope means no new kill.
 *
 * Knobs:
 *   prefer=PATH / avoid=PATH / omit=PATH  for PATH and its subtree.
 *   systemd_xattrs=1  also take avoid/omit from the xattrs systemd writes
 *                     for ManagedOOMPreference= (user.oomd_avoid/omit).
 *   oomd_xattrs=1     also take prefer/avoid from facebook oomd's xattrs
 *                     (trusted.oomd_prefer/avoid, and user. forms).
 *   An annotated cgroup counts as a setting there; one set with --set on
 *   the same cgroup wins (bpf/annotations.bpf.h has the ownership rule).
 *   pgscan_min_pages  scan growth below this many pages ranks as none, so
 *                     a few scanned pages do not outrank size (default 256).
 *   count_page_cache  0 (default): sizes without page cache; 1: with.
 *   kill_mode         0 (default): the biggest task; 1: every task; 2:
 *                     escalate (escalate_usec, escalate_min_bytes), as in
 *                     biggest-cgroup.
 *
 * Limits: the first OOM compares scans since each cgroup's creation; the
 * root's own tasks never rank by scans (the root's count is the system's).
 * Baselines are kept in each cgroup's storage: any number of candidates.
 */
#include "oomkit.bpf.h"
#include "annotations.bpf.h"

char _license[] SEC("license") = "GPL";

#define PREF_PREFER 1
#define PREF_NONE   0
#define PREF_AVOID  -1
#define PREF_OMIT   -2

/* A test build of this source loads beside the built-in as a drop-in: it needs its own name. */
#ifndef PREFERENCE_NAME
#define PREFERENCE_NAME "preference"
#endif

OOMKIT_OOM_POLICY(
	preference, PREFERENCE_NAME,
	"systemd-oomd-like prefer/avoid/omit, then reclaim scans, then size");
OOMKIT_CGROUP_MAP(preference);
OOMKIT_CGROUP_KNOB(prefer, preference, PREF_PREFER, 0, 0, 0,
		   "kill in this cgroup and its subtree first");
OOMKIT_CGROUP_KNOB(
	avoid, preference, PREF_AVOID, 0, 0, 0,
	"kill in this cgroup and its subtree only when nothing else is left");
OOMKIT_CGROUP_KNOB(omit, preference, PREF_OMIT, 0, 0, 0,
		   "never kill in this cgroup and its subtree");
OOMKIT_TUNABLE(u64, pgscan_min_pages, 256, 0, 1LL << 40,
	       "pages: reclaim scan growth below this ranks as none");
OOMKIT_COUNT_PAGE_CACHE_TUNABLE();
OOMKIT_KILL_MODE_TUNABLES();

/* What each annotation stands for here. */
static const s64 preference_of_annot[] = {
	[OOMKIT_ANNOT_NONE] = PREF_NONE,
	[OOMKIT_ANNOT_AVOID] = PREF_AVOID,
	[OOMKIT_ANNOT_PREFER] = PREF_PREFER,
	[OOMKIT_ANNOT_OMIT] = PREF_OMIT,
};

/*
 * Reclaim scans of each cgroup, in the cgroup's own storage: no cap on
 * how many cgroups have a baseline, and a removed cgroup's goes with it.
 * @base: pgscan at the last completed walk that ranked the cgroup (the
 * baseline); @pend: at the last walk that ranked it, which becomes the
 * baseline when the next walk reads it, unless that walk did not
 * complete. A walk that stops at a victim still exiting has seen only the
 * candidates before it; were its readings baselines, those would measure
 * growth from a later point than the rest: preference_pgscan_rollback()
 * drops them. One walk at a time: the kernel runs OOM handlers under
 * oom_lock.
 */
struct pgscan_state {
	u64 base;
	u64 pend;
	u32 walk; /* the walk @pend was read by */
	u8 has_base;
	u8 has_pend;
};

struct {
	__uint(type, BPF_MAP_TYPE_CGRP_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct pgscan_state);
} pgscan_cgrp SEC(".maps");

/* Walks started, numbering the readings; 0 is none. */
static u32 pgscan_walk_nr;

static u64 preference_pgscan_growth(struct mem_cgroup *memcg, u64 cgid)
{
	u64 now = oomkit_memcg_pgscan(memcg), growth;
	struct pgscan_state *st;
	struct cgroup *cgrp;

	cgrp = bpf_cgroup_from_id(cgid);
	if (!cgrp)
		return 0;
	st = bpf_cgrp_storage_get(&pgscan_cgrp, cgrp, NULL,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	bpf_cgroup_release(cgrp);
	/* No storage (ENOMEM): as on a first OOM, every scan since creation. */
	if (!st)
		return now >= pgscan_min_pages ? now : 0;
	if (st->has_pend && st->walk != pgscan_walk_nr) {
		st->base = st->pend;
		st->has_base = 1;
	}
	growth = !st->has_base ? now : now > st->base ? now - st->base : 0;
	st->pend = now;
	st->walk = pgscan_walk_nr;
	st->has_pend = 1;
	return growth >= pgscan_min_pages ? growth : 0;
}

/* The walk stopped at a pending victim: its readings must not become baselines. */
static void preference_pgscan_rollback(const struct oomkit_pick *pick)
{
	struct pgscan_state *st;
	struct cgroup *cgrp;
	u32 i;

	bpf_for(i, 0, pick->nr_walked) {
		cgrp = bpf_cgroup_from_id(oomkit_walk_id(i));
		if (!cgrp)
			continue;
		st = bpf_cgrp_storage_get(&pgscan_cgrp, cgrp, NULL, 0);
		if (st && st->walk == pgscan_walk_nr)
			st->has_pend = 0;
		bpf_cgroup_release(cgrp);
	}
}

static bool preference_rank(struct oomkit_oom *oom, struct mem_cgroup *memcg,
			    struct cgroup_subsys_state *css,
			    struct oomkit_leaf *leaf)
{
	s64 pref = oomkit_knob_nearest_annotated(&preference, css, PREF_NONE,
						 preference_of_annot);

	if (pref == PREF_OMIT)
		return false;
	leaf->score = pref;
	leaf->tiebreak =
		leaf->inner ? 0 : preference_pgscan_growth(memcg, leaf->cgid);
	return true;
}

static int preference_oom(struct oomkit_oom *oom)
{
	struct oomkit_event *ev = oom->ev;
	struct oomkit_pick pick;
	struct oomkit_leaf *best = &pick.top[0];

	pgscan_walk_nr++;
	oomkit_annot_begin();
	oomkit_pick_leaf(oom, &pick, count_page_cache, preference_rank);
	if (pick.victim_pid) {
		preference_pgscan_rollback(&pick);
		return oomkit_decide_pending(oom, &pick);
	}
	if (!best->cgid)
		return oomkit_decide_none(oom);

	oomkit_event_set_victim(ev, best);
	oomkit_reason(ev, "%s, pgscan +%llu, %llu.%llu MiB, of %u candidates",
		      best->score == PREF_PREFER ? "preferred" :
		      best->score == PREF_AVOID	 ? "avoided" :
						   "no preference",
		      best->tiebreak, OOMKIT_MIB(best->bytes),
		      OOMKIT_MIB_10TH(best->bytes), pick.nr_leaves);
	return oomkit_kill_cgroup_mode(oom, best->cgid, OOMKIT_KILL_MODE(),
				       count_page_cache);
}
