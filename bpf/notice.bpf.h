/* SPDX-License-Identifier: GPL-2.0 */
/* The likely victim of an OOM not declared yet: what a pressure notice names. */
#ifndef __OOMKIT_NOTICE_BPF_H
#define __OOMKIT_NOTICE_BPF_H

/*
 * A PSI policy declares an OOM and the attached OOM policy, or the kernel,
 * chooses. Ahead of that, a notice can only name the library's own choice:
 * biggest-cgroup's rule (the biggest leaf memcg of the scope, page cache
 * not counted, then its biggest task), the intended pair of psi-guard. The
 * kernel's own killer picks the biggest task by oom_badness() instead,
 * the same task whenever one leaf is under pressure.
 */
struct oomkit_likely {
	u64 cgid;  /* the leaf, 0 if none */
	u64 bytes; /* its size w/o page cache */
	u64 scope_bytes;
	u32 pid;     /* its biggest task, 0 if none */
	u32 pending; /* an OOM victim still exiting in scope (pid) */
	u32 nr_candidates;
	struct oomkit_candidate candidates[OOMKIT_MAX_CANDIDATES];
	char comm[16];
};

/*
 * The walk's scratch maps (walk.bpf.h, tasks.bpf.h) assume OOM handlers
 * serialized by oom_lock; pressure work is not, so one notice walks at a
 * time and another one names no victim. In .bss, not a map: only the
 * objects that name a likely victim carry them.
 */
static u32 oomkit_notice_busy __attribute__((unused));
static struct oomkit_pick oomkit_notice_pick __attribute__((unused));
static struct oomkit_event oomkit_notice_ev __attribute__((unused));

static __attribute__((unused)) bool
oomkit_notice_rank(struct oomkit_oom *oom, struct mem_cgroup *memcg,
		   struct cgroup_subsys_state *css, struct oomkit_leaf *leaf)
{
	return true;
}

/*
 * Whether the notice may look for OOM victims: level 1 lets any
 * struct_ops program call bpf_task_is_oom_victim(), level 2 only
 * bpf_oom_ops, so a level-2 notice cannot tell an exiting victim from
 * a live task and names the biggest either way.
 */
static __always_inline bool oomkit_notice_victims(void)
{
	return bpf_ksym_exists(bpf_psi_create_trigger);
}

/* The referenced memcg of cgroup @cgid, the root's for 0 and for the root cgroup. */
static __always_inline struct mem_cgroup *oomkit_notice_memcg(u64 cgid)
{
	return cgid ? oomkit_memcg_from_id(cgid) : bpf_get_root_mem_cgroup();
}

/* The biggest killable task of leaf @cgid into @out (pid, comm); false if none. */
static __always_inline bool oomkit_notice_task(u64 cgid,
					       struct oomkit_likely *out)
{
	struct task_struct *task;
	struct mem_cgroup *memcg;
	struct oomkit_tasks *t;

	t = oomkit_tasks_get();
	if (!t)
		return false;
	memcg = oomkit_notice_memcg(cgid);
	if (!memcg)
		return false;
	__oomkit_scan_tasks(memcg, false, t, oomkit_notice_victims());
	bpf_put_mem_cgroup(memcg);
	if (!t->max_pid)
		return false;
	task = bpf_task_from_pid(t->max_pid);
	if (!task)
		return false;
	out->pid = task->tgid;
	bpf_probe_read_kernel_str(out->comm, sizeof(out->comm), task->comm);
	bpf_task_release(task);
	return true;
}

/**
 * oomkit_likely_victim - name the task an OOM declared in @cgid would likely kill
 * @cgid: the cgroup (0 = the system)
 * @out: zeroed, then filled; out->pid 0 if no task could be named
 *
 * Sleepable contexts only (the walk's iterators, the stats flush).
 * Returns 0, -EBUSY if another notice is walking, -ENOENT if the cgroup
 * is gone.
 */
static __always_inline int oomkit_likely_victim(u64 cgid,
						struct oomkit_likely *out)
{
	struct oomkit_pick *pick = &oomkit_notice_pick;
	struct oomkit_oom oom = {};
	int i, err = 0;

	__builtin_memset(out, 0, sizeof(*out));
	if (__sync_lock_test_and_set(&oomkit_notice_busy, 1))
		return -EBUSY;
	oom.scope = oomkit_notice_memcg(cgid);
	if (!oom.scope) {
		err = -ENOENT;
		goto out;
	}
	oom.ev = &oomkit_notice_ev;
	oom.scope_id = cgid;
	bpf_mem_cgroup_flush_stats(oom.scope);
	out->scope_bytes = bpf_mem_cgroup_usage(oom.scope);
	__oomkit_pick_leaf(&oom, pick, false, oomkit_notice_rank,
			   oomkit_notice_victims());
	bpf_put_mem_cgroup(oom.scope);

	out->pending = pick->victim_pid;
#pragma unroll
	for (i = 0; i < OOMKIT_MAX_CANDIDATES; i++) {
		if (!pick->top[i].cgid)
			break;
		out->candidates[i].cgroup_id = pick->top[i].cgid;
		out->candidates[i].bytes = pick->top[i].bytes;
		out->nr_candidates = i + 1;
	}
	if (pick->victim_pid || !pick->top[0].cgid)
		goto out;
	out->cgid = pick->top[0].cgid;
	out->bytes = pick->top[0].bytes;
	oomkit_notice_task(out->cgid, out);
out:
	__sync_lock_test_and_set(&oomkit_notice_busy, 0);
	return err;
}

/* Copies the likely victim into pressure record @ev (victim fields, candidates). */
static __always_inline void oomkit_notice_fill(struct oomkit_event *ev,
					       const struct oomkit_likely *l)
{
	int i;

	ev->victim_cgroup_id = l->cgid;
	ev->victim_bytes = l->bytes;
	ev->scope_bytes = l->scope_bytes;
	if (l->pid) {
		ev->pids[0] = l->pid;
		ev->nr_pids = 1;
		__builtin_memcpy(ev->comm, l->comm, sizeof(ev->comm));
	}
#pragma unroll
	for (i = 0; i < OOMKIT_MAX_CANDIDATES; i++) {
		if (i >= l->nr_candidates)
			break;
		ev->candidates[i] = l->candidates[i];
		ev->nr_candidates = i + 1;
	}
}

#endif /* __OOMKIT_NOTICE_BPF_H */
