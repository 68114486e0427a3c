/* SPDX-License-Identifier: GPL-2.0 */
/* Walks of a memcg subtree: the ids of its memcgs gathered under RCU, then visited outside it. */
#ifndef __OOMKIT_WALK_BPF_H
#define __OOMKIT_WALK_BPF_H

/*
 * An online memcg has a 16-bit id (MEM_CGROUP_ID_MAX is 65535, id 0 is
 * unused), so no scope has more memcgs that can hold tasks than this:
 * a walk that gathers the online ones is never cut short.
 */
#define OOMKIT_MAX_MEMCGS	65536

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
	u32 nr;			/* ids gathered */
	u32 nr_css;		/* css visited under RCU */
};

/* In a map value for the verifier's sake (see oomkit_task_scan). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct oomkit_walk);
} oomkit_walk_state SEC(".maps");

/* A cgroup with tasks in it or below: only those can have tasks charged to their memcg. */
static __always_inline bool oomkit_css_populated(struct cgroup_subsys_state *css)
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
static __always_inline struct oomkit_walk *oomkit_walk_gather(struct cgroup_subsys_state *root)
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
		if (!(BPF_CORE_READ(pos, flags) & CSS_ONLINE) || !oomkit_css_populated(pos))
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

#endif /* __OOMKIT_WALK_BPF_H */
