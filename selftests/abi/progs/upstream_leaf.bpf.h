/* SPDX-License-Identifier: GPL-2.0 */
/* What the upstream OOM scenario's programs of both levels ask of a leaf: killable, unkillable or waited for. */
#ifndef __UPSTREAM_LEAF_BPF_H
#define __UPSTREAM_LEAF_BPF_H

#define OOM_SCORE_ADJ_MIN (-1000)

/* Not in BTF: include/linux/sched/coredump.h */
#define MMF_OOM_SKIP 21

enum leaf_state {
	LEAF_KILLABLE,
	LEAF_UNKILLABLE,
	LEAF_PENDING
};

/*
 * A leaf holding a victim whose memory is not freed yet is waited for, as
 * the kernel's oom_evaluate_task() does: while it is reaped, its usage
 * falls below a smaller leaf's and that leaf would be killed too. The
 * css_task iteration is allowed because the handlers are sleepable.
 */
static enum leaf_state leaf_state(struct mem_cgroup *memcg)
{
	struct task_struct *task;

	bpf_for_each(css_task, task, &memcg->css, CSS_TASK_ITER_PROCS) {
		if (bpf_task_is_oom_victim(task) &&
		    !(task->signal->oom_mm->flags & (1UL << MMF_OOM_SKIP)))
			return LEAF_PENDING;
		if (task->signal->oom_score_adj == OOM_SCORE_ADJ_MIN)
			return LEAF_UNKILLABLE;
	}
	return LEAF_KILLABLE;
}

#endif /* __UPSTREAM_LEAF_BPF_H */
