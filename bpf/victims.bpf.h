/* SPDX-License-Identifier: GPL-2.0 */
/* The victims this instance killed, so that one still freeing its memory is seen when no walk can see it. */
#ifndef __OOMKIT_VICTIMS_BPF_H
#define __OOMKIT_VICTIMS_BPF_H

/*
 * A process whose main thread exited (a zombie leader) vanishes from
 * CSS_TASK_ITER_PROCS as soon as its last thread enters do_exit(): the
 * iterator skips a leader on the dying list once signal->live is 0, and
 * that last thread is then still in exit_mmap(), freeing the memory the
 * OOM is about. A walk in that window finds no victim pending and kills
 * again (the kernel's own selection, which iterates the same way, too).
 * So the library keeps the last victims it killed and asks each of them,
 * by pid, before a walk.
 */
#define OOMKIT_VICTIMS 16

struct oomkit_victim {
	u64 start_ns; /* the task's start_time: a reused pid is not it */
	u64 cgid;     /* its cgroup at the kill */
	u32 pid;      /* 0: a free slot */
	u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, OOMKIT_VICTIMS);
	__type(key, u32);
	__type(value, struct oomkit_victim);
} oomkit_victims SEC(".maps");

/* The next slot to fill; OOM handlers run under oom_lock, one at a time. */
static u32 oomkit_victims_next;

/* After a kill: @task (the thread killed) goes into the ring. */
static __always_inline void oomkit_victims_note(struct task_struct *task)
{
	u32 key = oomkit_victims_next++ % OOMKIT_VICTIMS;
	struct oomkit_victim *v = bpf_map_lookup_elem(&oomkit_victims, &key);

	if (!v)
		return;
	v->pid = BPF_CORE_READ(task, pid);
	v->start_ns = BPF_CORE_READ(task, start_time);
	v->cgid = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
}

/*
 * A victim of ours in @scope's subtree that still holds its memory (the
 * kernel's rule: no MMF_OOM_SKIP yet, oomkit_task_victim_pending()); its
 * pid, and its cgroup in *@cgid, or 0. Slots of victims gone are freed.
 */
static __always_inline u32 oomkit_victims_pending(struct mem_cgroup *scope,
						  u64 *cgid)
{
	struct cgroup *top = BPF_CORE_READ(scope, css.cgroup), *cgrp;
	u32 level = BPF_CORE_READ(top, level), key, pid = 0;
	u64 top_id = BPF_CORE_READ(top, kn, id);
	struct oomkit_victim *v;
	struct task_struct *task;
	bool pending, inside;

	bpf_for(key, 0, OOMKIT_VICTIMS) {
		v = bpf_map_lookup_elem(&oomkit_victims, &key);
		if (!v || !v->pid)
			continue;
		task = bpf_task_from_pid(v->pid);
		pending = task && task->start_time == v->start_ns &&
			  oomkit_task_victim_pending(task);
		if (task)
			bpf_task_release(task);
		if (!pending) {
			v->pid = 0;
			continue;
		}
		cgrp = bpf_cgroup_from_id(v->cgid);
		if (!cgrp)
			continue;
		inside = oomkit_cgroup_under(cgrp, level, top_id);
		bpf_cgroup_release(cgrp);
		if (inside) {
			pid = v->pid;
			*cgid = v->cgid;
			break;
		}
	}
	return pid;
}

#endif /* __OOMKIT_VICTIMS_BPF_H */
