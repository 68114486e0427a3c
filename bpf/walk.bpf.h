/* SPDX-License-Identifier: GPL-2.0 */
/* Walks of the OOM scope: memcg ids gathered under RCU, candidates ranked, the best N. */
#ifndef __OOMKIT_WALK_BPF_H
#define __OOMKIT_WALK_BPF_H

/*
 * An online memcg has a 16-bit id (MEM_CGROUP_ID_MAX is 65535, id 0 is
 * unused), so no scope has more memcgs that can hold tasks than this:
 * a walk that gathers the online ones is never cut short.
 */
#define OOMKIT_MAX_MEMCGS 65536

/*
 * The css iterator may only run under bpf_rcu_read_lock(), and the
 * verifier invalidates it at bpf_rcu_read_unlock(): it cannot be paused.
 * So a walk is two loops: under RCU, only the iterator's steps and one
 * id per populated online memcg; then, without RCU or any lock held
 * across steps, each memcg is looked up again by id and its tasks are
 * scanned (css_task_iter takes css_set_lock per step). A plain array:
 * OOM handlers run one at a time under oom_lock.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, OOMKIT_MAX_MEMCGS);
	__type(key, u32);
	__type(value, u64);
} oomkit_walk_ids SEC(".maps");

struct oomkit_walk {
	u32 nr;	    /* ids gathered */
	u32 nr_css; /* css visited under RCU */
};

/* In a map value for the verifier's sake (see oomkit_task_scan). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct oomkit_walk);
} oomkit_walk_state SEC(".maps");

/* A cgroup with tasks in it or below: only those can have tasks charged to their memcg. */
static __always_inline bool
oomkit_css_populated(struct cgroup_subsys_state *css)
{
	struct cgroup *cgrp = BPF_CORE_READ(css, cgroup);

	return BPF_CORE_READ(cgrp, nr_populated_csets) ||
	       BPF_CORE_READ(cgrp, nr_populated_domain_children) ||
	       BPF_CORE_READ(cgrp, nr_populated_threaded_children);
}

/*
 * Gathers, in post-order (children before parents), the cgroup ids of
 * the online, populated memcgs of @root's subtree, @root included. The
 * one RCU section costs one iterator step per css of the subtree (dying
 * ones included) and touches no task.
 */
static __always_inline struct oomkit_walk *
oomkit_walk_gather(struct cgroup_subsys_state *root)
{
	struct cgroup_subsys_state *pos;
	struct oomkit_walk *w;
	u32 key = 0, i;
	u64 *slot;

	w = bpf_map_lookup_elem(&oomkit_walk_state, &key);
	if (!w)
		return NULL;
	w->nr = 0;
	w->nr_css = 0;
	bpf_rcu_read_lock();
	bpf_for_each(css, pos, root, BPF_CGROUP_ITER_DESCENDANTS_POST) {
		w->nr_css++;
		if (!(BPF_CORE_READ(pos, flags) & CSS_ONLINE) ||
		    !oomkit_css_populated(pos))
			continue;
		i = w->nr;
		slot = bpf_map_lookup_elem(&oomkit_walk_ids, &i);
		if (!slot)
			break;
		*slot = BPF_CORE_READ(pos, cgroup, kn, id);
		w->nr = i + 1;
	}
	bpf_rcu_read_unlock();
	return w;
}

/* The @i-th id of the last walk, 0 past its end. */
static __always_inline u64 oomkit_walk_id(u32 i)
{
	u64 *slot = bpf_map_lookup_elem(&oomkit_walk_ids, &i);

	return slot ? *slot : 0;
}

/* A candidate of the walk: the tasks charged to one memcg. */
struct oomkit_leaf {
	u64 cgid;
	u64 bytes;    /* the size the choice is made on */
	s64 score;    /* set by the policy: higher dies first */
	u64 tiebreak; /* then this, then bytes */
	bool inner; /* an inner memcg's own tasks (the root's, in a global OOM) */
};

/*
 * Ranks a candidate: fill leaf->score/tiebreak (both 0 = order by size
 * alone) and return true, or return false to leave it out. Runs outside
 * RCU with references on the memcg and its cgroup.
 */
typedef bool (*oomkit_rank_fn)(struct oomkit_oom *oom, struct mem_cgroup *memcg,
			       struct cgroup_subsys_state *css,
			       struct oomkit_leaf *leaf);

/* The walk's result: the best candidates, best first (cgid 0 = empty slot). */
struct oomkit_pick {
	struct oomkit_leaf top[OOMKIT_MAX_CANDIDATES];
	u64 victim_cgid; /* where victim_pid is */
	u32 victim_pid; /* an OOM victim in scope still holding memory, 0 if none */
	u32 nr_leaves; /* candidates ranked */
	u32 nr_walked; /* memcgs of the walk looked at (oomkit_walk_id() 0..nr_walked-1) */
	u32 nr_memcgs; /* populated memcgs the walk gathered */
};

/*
 * The walk ranks into a map value, not the stack, for the reason the task
 * scan does (tasks.bpf.h): the stack's zeroed top[] slots are constants to
 * the verifier, and a 6.12 verifier pruned walk iterations as equal to
 * ones it had explored with those zeroes, then hard-wired comparisons it
 * had only seen one way: a leaf ranked by tiebreak went behind a bigger
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
	if (a->tiebreak != b->tiebreak)
		return a->tiebreak > b->tiebreak;
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
		if (pick->top[i - 1].cgid &&
		    !oomkit_leaf_before(&pick->top[i], &pick->top[i - 1]))
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
static __always_inline void
__oomkit_pick_leaf(struct oomkit_oom *oom, struct oomkit_pick *result,
		   bool page_cache, oomkit_rank_fn rank, bool victims)
{
	struct oomkit_event *ev = oom->ev;
	struct oomkit_pick *pick;
	struct oomkit_walk *w;
	u32 key = 0, n;
	int i;

	__builtin_memset(result, 0, sizeof(*result));
	/* one no walk would see (victims.bpf.h), and no walk needed */
	if (victims)
		result->victim_pid = oomkit_victims_pending(
			oom->scope, &result->victim_cgid);
	if (result->victim_pid)
		return;
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
		__oomkit_scan_tasks(memcg, page_cache, t, victims);
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
		leaf.bytes = inner ? t->bytes :
				     oomkit_memcg_bytes(memcg, page_cache);
		if (!inner)
			leaf.bytes = leaf.bytes > t->pinned_bytes ?
					     leaf.bytes - t->pinned_bytes :
					     0;
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

/*
 * The OOM handlers' walk. __oomkit_pick_leaf() with @victims false is the
 * same walk blind to OOM victims, for programs that may not call
 * bpf_task_is_oom_victim() (level 2: all but bpf_oom_ops).
 */
static __always_inline void oomkit_pick_leaf(struct oomkit_oom *oom,
					     struct oomkit_pick *result,
					     bool page_cache,
					     oomkit_rank_fn rank)
{
	__oomkit_pick_leaf(oom, result, page_cache, rank, true);
}

#endif /* __OOMKIT_WALK_BPF_H */
