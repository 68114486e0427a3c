/* SPDX-License-Identifier: GPL-2.0 */
/* Memory cgroups: usage with or without page cache, settings, the walk of the scope's leaves. */
#ifndef __OOMKIT_MEMCG_BPF_H
#define __OOMKIT_MEMCG_BPF_H

/* memory.current, less the page cache unless @page_cache (stats flushed by oomkit_oom_begin()). */
static __always_inline u64 oomkit_memcg_bytes(struct mem_cgroup *memcg, bool page_cache)
{
	u64 usage = bpf_mem_cgroup_usage(memcg);
	u64 file;

	if (page_cache)
		return usage;
	file = bpf_mem_cgroup_page_state(memcg, bpf_core_enum_value(enum node_stat_item,
								      NR_FILE_PAGES));
	if (file == (u64)-1)
		return usage;
	return usage > file ? usage - file : 0;
}

/* A vm event counter of @memcg; 0 for one this kernel does not count per memcg. */
static __always_inline u64 oomkit_memcg_vm_event(struct mem_cgroup *memcg, int item)
{
	u64 n = bpf_mem_cgroup_vm_events(memcg, item);

	return n == (u64)-1 ? 0 : n;
}

/* Pages scanned by reclaim in @memcg so far (kswapd + direct + khugepaged). */
static __always_inline u64 oomkit_memcg_pgscan(struct mem_cgroup *memcg)
{
	return oomkit_memcg_vm_event(memcg, bpf_core_enum_value(enum vm_event_item,
								  PGSCAN_KSWAPD)) +
	       oomkit_memcg_vm_event(memcg, bpf_core_enum_value(enum vm_event_item,
								  PGSCAN_DIRECT)) +
	       oomkit_memcg_vm_event(memcg, bpf_core_enum_value(enum vm_event_item,
								  PGSCAN_KHUGEPAGED));
}

/*
 * The setting in knob @map of the nearest cgroup from @css's up to the
 * root, so `--set avoid=/sys/fs/cgroup/db` covers everything under db;
 * @def when none has one. Every level is looked at (the kernel has no
 * depth limit but cgroup.max.depth): one map lookup per level. Reads
 * cgroup->ancestors[] by probe: plain data.
 */
static __always_inline s64 oomkit_knob_nearest(void *map, struct cgroup_subsys_state *css,
					       s64 def)
{
	struct cgroup *cgrp = BPF_CORE_READ(css, cgroup), *anc;
	int level = BPF_CORE_READ(cgrp, level), i, j;
	u64 base, cgid;
	s64 *val;

	base = (u64)cgrp + bpf_core_field_offset(struct cgroup, ancestors);
	bpf_for(j, 0, level + 1) {
		i = level - j;
		if (bpf_probe_read_kernel(&anc, sizeof(anc), (void *)(base + i * sizeof(anc))))
			break;
		cgid = BPF_CORE_READ(anc, kn, id);
		val = bpf_map_lookup_elem(map, &cgid);
		if (val)
			return *val;
	}
	return def;
}

/* A candidate of the walk: the tasks charged to one memcg. */
struct oomkit_leaf {
	u64 cgid;
	u64 bytes;		/* the size the choice is made on */
	s64 score;		/* set by the policy: higher dies first */
	u64 score2;		/* then this, then bytes */
	bool inner;		/* an inner memcg's own tasks (the root's, in a global OOM) */
};

/*
 * Ranks a candidate: fill leaf->score/score2 (both 0 = order by size
 * alone) and return true, or return false to leave it out. Runs outside
 * RCU with references on the memcg and its cgroup.
 */
typedef bool (*oomkit_rank_fn)(struct oomkit_oom *oom, struct mem_cgroup *memcg,
			       struct cgroup_subsys_state *css, struct oomkit_leaf *leaf);

/* The walk's result: the best candidates, best first (cgid 0 = empty slot). */
struct oomkit_pick {
	struct oomkit_leaf top[OOMKIT_MAX_CANDIDATES];
	u64 victim_cgid;	/* where victim_pid is */
	u32 victim_pid;		/* an OOM victim in scope still holding memory, 0 if none */
	u32 nr_leaves;		/* candidates ranked */
	u32 nr_walked;		/* memcgs of the walk looked at (oomkit_walk_id() 0..nr_walked-1) */
	u32 nr_memcgs;		/* populated memcgs the walk gathered */
};

/*
 * The walk ranks into a map value, not the stack, for the reason the task
 * scan does (kill.bpf.h): the stack's zeroed top[] slots are constants to
 * the verifier, and a 6.12 verifier pruned walk iterations as equal to
 * ones it had explored with those zeroes, then hard-wired comparisons it
 * had only seen one way: a leaf ranked by score2 went behind a bigger
 * one. Map values are opaque to it, so every comparison stays a test.
 * Per CPU, and OOM handlers are serialized.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct oomkit_pick);
} oomkit_pick_scratch SEC(".maps");

static __always_inline bool oomkit_leaf_before(const struct oomkit_leaf *a,
					       const struct oomkit_leaf *b)
{
	if (a->score != b->score)
		return a->score > b->score;
	if (a->score2 != b->score2)
		return a->score2 > b->score2;
	return a->bytes > b->bytes;
}

/* Keeps top[] sorted; constant indices only, so the verifier sees plain stack slots. */
static __always_inline void oomkit_pick_insert(struct oomkit_pick *pick,
					       const struct oomkit_leaf *leaf)
{
	const int last = OOMKIT_MAX_CANDIDATES - 1;
	struct oomkit_leaf tmp;
	int i;

	if (pick->top[last].cgid && !oomkit_leaf_before(leaf, &pick->top[last]))
		return;
	pick->top[last] = *leaf;
#pragma unroll
	for (i = last; i > 0; i--) {
		if (pick->top[i - 1].cgid && !oomkit_leaf_before(&pick->top[i], &pick->top[i - 1]))
			break;
		tmp = pick->top[i - 1];
		pick->top[i - 1] = pick->top[i];
		pick->top[i] = tmp;
	}
}

/**
 * oomkit_pick_leaf - walk the OOM scope and rank its candidates
 * @oom: the OOM
 * @result: the walk's result, on the caller's stack
 * @page_cache: count page cache in sizes
 * @rank: the policy's order (a function name: inlined, never called through a pointer)
 *
 * Candidates are the memcgs of the scope that have tasks charged to
 * themselves: every leaf memcg, sized by its usage; and an inner one with
 * tasks of its own (the root's tasks in a global OOM, or a cgroup whose
 * children have no memory controller), sized by its killable tasks' RSS.
 * A leaf with a task at oom_score_adj -1000, or any candidate with nothing
 * killable, is skipped.
 * The walk stops at the first OOM victim still holding memory
 * (@result->victim_pid): the caller should then wait rather than kill.
 * The best candidates also go into the record's candidates[].
 *
 * Work per OOM (oomkit_walk_gather()): one RCU section of one iterator
 * step per css of the scope; then, per populated memcg, outside RCU, a
 * lookup by id, its own tasks' scan and @rank. Every candidate is ranked,
 * however many there are (top[] keeps the best).
 */
static __always_inline void oomkit_pick_leaf(struct oomkit_oom *oom, struct oomkit_pick *result,
					     bool page_cache, oomkit_rank_fn rank)
{
	struct oomkit_event *ev = oom->ev;
	struct oomkit_pick *pick;
	struct oomkit_walk *w;
	u32 key = 0, n;
	int i;

	__builtin_memset(result, 0, sizeof(*result));
	pick = bpf_map_lookup_elem(&oomkit_pick_scratch, &key);
	if (!pick)
		return;
	__builtin_memset(pick, 0, sizeof(*pick));
	w = oomkit_walk_gather(&oom->scope->css);
	if (!w)
		return;
	pick->nr_memcgs = w->nr;
	bpf_for(n, 0, w->nr) {
		struct oomkit_leaf leaf = {};
		struct mem_cgroup *memcg;
		struct oomkit_tasks *t;
		struct cgroup *cgrp;
		bool inner;

		pick->nr_walked = n + 1;
		t = oomkit_tasks_get();
		if (!t)
			break;
		/* Removed since the gathering: nothing of it is left to kill. */
		cgrp = bpf_cgroup_from_id(oomkit_walk_id(n));
		if (!cgrp)
			continue;
		memcg = bpf_get_mem_cgroup(&cgrp->self);
		if (!memcg) {
			bpf_cgroup_release(cgrp);
			continue;
		}
		oomkit_scan_tasks(memcg, page_cache, t);
		if (t->victim_pid) {
			pick->victim_pid = t->victim_pid;
			pick->victim_cgid = oomkit_walk_id(n);
			bpf_put_mem_cgroup(memcg);
			bpf_cgroup_release(cgrp);
			break;
		}
		inner = BPF_CORE_READ(cgrp, nr_descendants) > 0;
		/*
		 * A -1000 task protects its leaf, a workload; an inner
		 * memcg's own tasks (the root's) are unrelated processes,
		 * each -1000 one only protects itself.
		 */
		if ((t->nr_unkillable && !inner) || !t->nr_killable) {
			bpf_put_mem_cgroup(memcg);
			bpf_cgroup_release(cgrp);
			continue;
		}
		leaf.cgid = oomkit_walk_id(n);
		leaf.inner = inner;
		/*
		 * Ranked by what a kill could free: less the mms that an
		 * unkillable process also uses (charged here, approximately).
		 */
		leaf.bytes = inner ? t->bytes : oomkit_memcg_bytes(memcg, page_cache);
		if (!inner)
			leaf.bytes = leaf.bytes > t->pinned_bytes ?
				     leaf.bytes - t->pinned_bytes : 0;
		if (rank(oom, memcg, &cgrp->self, &leaf)) {
			pick->nr_leaves++;
			oomkit_pick_insert(pick, &leaf);
		}
		bpf_put_mem_cgroup(memcg);
		bpf_cgroup_release(cgrp);
	}
	*result = *pick;

#pragma unroll
	for (i = 0; i < OOMKIT_MAX_CANDIDATES; i++) {
		if (!pick->top[i].cgid)
			break;
		ev->candidates[i].cgroup_id = pick->top[i].cgid;
		ev->candidates[i].bytes = pick->top[i].bytes;
		ev->nr_candidates = i + 1;
	}
}

/* The walk found a victim still exiting: record it and report the OOM handled. */
static __always_inline int oomkit_decide_pending(struct oomkit_oom *oom, struct oomkit_pick *pick)
{
	struct oomkit_event *ev = oom->ev;

	ev->decision = OOMKIT_DEC_VICTIM_PENDING;
	ev->victim_cgroup_id = pick->victim_cgid;
	ev->pids[0] = pick->victim_pid;
	ev->nr_pids = 1;
	oomkit_reason(ev, "pid %u is an OOM victim still exiting: not killing more",
		      pick->victim_pid);
	oomkit_stat_inc(OOMKIT_STAT_VICTIM_PENDING);
	oomkit_event_submit(ev);
	return 1;
}

/* Nothing to kill in scope: record it and leave the OOM to the next handler. */
static __always_inline int oomkit_decide_none(struct oomkit_oom *oom)
{
	struct oomkit_event *ev = oom->ev;

	ev->decision = OOMKIT_DEC_NO_CANDIDATE;
	oomkit_reason(ev, "no killable candidate in %llu.%llu MiB scope",
		      OOMKIT_MIB(ev->scope_bytes), OOMKIT_MIB_10TH(ev->scope_bytes));
	oomkit_stat_inc(OOMKIT_STAT_NO_CANDIDATE);
	oomkit_event_submit(ev);
	return 0;
}

/* Records the chosen candidate in the record (before oomkit_kill_cgroup()). */
static __always_inline void oomkit_event_set_victim(struct oomkit_event *ev,
						    const struct oomkit_leaf *leaf)
{
	ev->victim_cgroup_id = leaf->cgid;
	ev->victim_bytes = leaf->bytes;
	ev->score = leaf->score;
}

#endif /* __OOMKIT_MEMCG_BPF_H */
