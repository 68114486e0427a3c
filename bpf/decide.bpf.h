/* SPDX-License-Identifier: GPL-2.0 */
/* The decision verbs: wait for a pending victim, leave the OOM, kill in the chosen cgroup. */
#ifndef __OOMKIT_DECIDE_BPF_H
#define __OOMKIT_DECIDE_BPF_H

/*
 * Notes a killed task in the record: the first OOMKIT_MAX_PIDS processes
 * (tgid: a live thread may stand for its process) and the first comm.
 */
static __always_inline void oomkit_event_add_pid(struct oomkit_event *ev,
						 struct task_struct *task)
{
	u32 n = ev->nr_pids;

	if (!n)
		bpf_probe_read_kernel_str(ev->comm, sizeof(ev->comm),
					  task->comm);
	if (n < OOMKIT_MAX_PIDS) {
		ev->pids[n] = task->tgid;
		ev->nr_pids = n + 1;
	}
}

/*
 * Names in the record the processes the kernel kills with @task: every
 * other killable one on its mm (__oom_kill_process()). Observe calls it
 * for the task it would kill.
 */
static __always_inline void oomkit_event_add_sharers(struct oomkit_event *ev,
						     struct task_struct *task)
{
	struct oomkit_sharers *s;
	int i;

	if (!oomkit_mm_maybe_shared(task))
		return;
	s = oomkit_mm_sharers(task);
	if (!s)
		return;
#pragma unroll
	for (i = 0; i < OOMKIT_MAX_PIDS; i++) {
		if (i >= s->nr)
			break;
		ev->also_pids[i] = s->pids[i];
		ev->nr_also = i + 1;
	}
}

/*
 * Kills every killable task of @memcg that is not already a victim; returns
 * how many. A task in vfork dies with its parent (the kernel kills every
 * process on the mm), and one whose mm is pinned is left alone.
 */
static __always_inline int oomkit_kill_all(struct oomkit_oom *oom,
					   struct mem_cgroup *memcg)
{
	struct oomkit_tasks *t = oomkit_tasks_get();
	struct task_struct *task, *thread;
	int err;

	if (!t)
		return -ENOMEM;
	bpf_for_each(css_task, task, &memcg->css, OOMKIT_CSS_TASK_ITER_PROCS) {
		if (oomkit_task_ignored(task) || oomkit_task_unkillable(task))
			continue;
		if (bpf_task_is_oom_victim(task))
			continue;
		/* Killed through a live thread if the main thread exited. */
		thread = oomkit_task_mm_thread(task);
		if (!thread)
			continue;
		if (oomkit_task_in_vfork(thread) || oomkit_mm_pinned(thread)) {
			bpf_task_release(thread);
			continue;
		}
		err = oomkit_oom_kill_task(oom, thread);
		if (!err)
			oomkit_event_add_pid(oom->ev, thread);
		bpf_task_release(thread);
		if (err) {
			oom->ev->error = err;
			continue;
		}
		t->nr_killed++;
	}
	return t->nr_killed;
}

/*
 * Kills the biggest killable task of @memcg that the scan @t found
 * (oomkit_scan_tasks()); memory.oom.group makes the kernel take the rest.
 */
static __always_inline int oomkit_kill_scanned(struct oomkit_oom *oom,
					       struct mem_cgroup *memcg,
					       const struct oomkit_tasks *t)
{
	struct task_struct *task;
	int err;

	if (!t->max_pid)
		return 0;
	task = bpf_task_from_pid(t->max_pid);
	if (!task)
		return -ESRCH;
	/*
	 * Looked up by pid again: a pid reused since the scan, or a task
	 * moved out of the leaf, is not the one chosen (and a kill outside
	 * the OOM's scope frees nothing in it).
	 */
	if (task->start_time != t->max_start_ns ||
	    !oomkit_task_in_memcg(task, memcg)) {
		bpf_task_release(task);
		return -ESRCH;
	}
	/* Before the kill: its sharers are still on the mm. */
	oomkit_event_add_sharers(oom->ev, task);
	err = oomkit_oom_kill_task(oom, task);
	if (!err)
		oomkit_event_add_pid(oom->ev, task);
	else
		oom->ev->nr_also = 0;
	bpf_task_release(task);
	return err ? err : 1;
}

/*
 * The cgroup id of the highest memcg with memory.oom.group 1 from the OOM's
 * scope down to @cgrp's, 0 if none: the kernel's mem_cgroup_get_oom_group()
 * then kills every task of that one's subtree with the victim. The root's
 * own tasks are never group-killed. Reads cgroup->ancestors[] and the
 * ancestors' memcgs by probe: plain data, as oomkit_knob_nearest() does.
 */
static __always_inline u64 oomkit_oom_group_id(struct oomkit_oom *oom,
					       struct cgroup *cgrp)
{
	struct mem_cgroup *scope = oom->scope;
	int level = BPF_CORE_READ(cgrp, level), i;
	int top = BPF_CORE_READ(scope, css.cgroup, level);
	struct cgroup_subsys_state *css;
	struct cgroup *anc;
	u64 base;

	if (!level)
		return 0;
	/* A plain address (read back through self.cgroup): indexed by a variable. */
	base = (u64)BPF_CORE_READ(cgrp, self.cgroup) +
	       bpf_core_field_offset(struct cgroup, ancestors);
	bpf_for(i, top, level + 1) {
		if (bpf_probe_read_kernel(&anc, sizeof(anc),
					  (void *)(base + i * sizeof(anc))))
			break;
		css = BPF_CORE_READ(anc, subsys[memory_cgrp_id]);
		/* css is the first member of struct mem_cgroup */
		if (css && BPF_CORE_READ((struct mem_cgroup *)css, oom_group))
			return BPF_CORE_READ(anc, kn, id);
	}
	return 0;
}

/*
 * How many processes a group kill of cgroup @cgid takes: the killable
 * ones of its subtree (the kernel spares -1000 tasks and init).
 */
static __always_inline u32 oomkit_count_killable(u64 cgid)
{
	struct oomkit_tasks *t = oomkit_tasks_get();
	struct task_struct *task;
	struct mem_cgroup *memcg;
	struct oomkit_walk *w;
	u32 i;

	if (!t)
		return 0;
	memcg = oomkit_memcg_from_id(cgid);
	if (!memcg)
		return 0;
	w = oomkit_walk_gather(&memcg->css);
	bpf_put_mem_cgroup(memcg);
	if (!w)
		return 0;
	bpf_for(i, 0, w->nr) {
		memcg = oomkit_memcg_from_id(oomkit_walk_id(i));
		if (!memcg)
			continue;
		bpf_for_each(css_task, task, &memcg->css,
			     OOMKIT_CSS_TASK_ITER_PROCS) {
			if (!oomkit_task_ignored(task) &&
			    !oomkit_task_unkillable(task))
				t->nr_killable++;
		}
		bpf_put_mem_cgroup(memcg);
	}
	return t->nr_killable;
}

/*
 * For a policy that does not kill: names in the record the processes the
 * kernel would kill with the biggest task of cgroup @cgid, the one
 * oomkit_kill_cgroup() would take, besides that task itself. Returns
 * that task's process id, 0 if none.
 */
static __always_inline u32 oomkit_event_would_kill(struct oomkit_oom *oom,
						   u64 cgid, bool page_cache)
{
	struct oomkit_tasks *t = oomkit_tasks_get();
	struct task_struct *task;
	struct mem_cgroup *memcg;
	u32 tgid = 0;

	if (!t)
		return 0;
	memcg = oomkit_memcg_from_id(cgid);
	if (!memcg)
		return 0;
	oomkit_scan_tasks(memcg, page_cache, t);
	bpf_put_mem_cgroup(memcg);
	if (!t->max_pid)
		return 0;
	task = bpf_task_from_pid(t->max_pid);
	if (!task)
		return 0;
	if (task->start_time == t->max_start_ns) {
		oomkit_event_add_sharers(oom->ev, task);
		tgid = task->tgid;
	}
	bpf_task_release(task);
	return tgid;
}

/*
 * The verbs below end a policy's decision: each fills the record's
 * decision, counters and pids (the policy has filled the reason where it
 * chose a victim) and marks it for the handler, which sends it once the
 * policy returns (oomkit_oom_end()).
 *
 * A policy that defines OOMKIT_OBSERVE to 1 before it includes oomkit.bpf.h
 * observes: the verbs record what they would do, as decision "observe",
 * and kill nothing. A constant, not a field of the OOM: the policy's
 * handler is its own BPF function, where a field's value is unknown to
 * the compiler, and every killing policy would carry the observing code.
 * Any other OOM policy loaded in shadow (shadow.bpf.h) does the same at
 * run time, as decision "shadow", and remembers its choice.
 */

/**
 * oomkit_kill_cgroup_mode - kill in the cgroup a policy chose, and record it
 * @oom: the OOM
 * @cgid: the chosen cgroup
 * @how: the kill mode (OOMKIT_KILL_MODE(): the policy's tunables)
 * @page_cache: size tasks with their file pages too
 *
 * The whole cgroup dies when memory.oom.group is 1 on it or on an
 * ancestor inside the OOM's scope (the kernel's group, whatever the
 * mode: one kill through the kfunc, the kernel takes the rest; the record
 * counts the group's processes), else in mode cgroup, else in mode
 * escalate when the cgroup was chosen within escalate_usec of its last
 * kill, or its biggest task would free less than escalate_min_bytes. An
 * inner memcg's own tasks (the root cgroup's in a global OOM) are
 * unrelated processes: only the biggest dies, in every mode. Otherwise
 * the biggest task dies. The record says the mode, why, and how many
 * died. Observing, it names the processes that would die with the
 * biggest task. Returns 1 if something was killed (the OOM is handled),
 * 0 if not (the next handler decides).
 */
static __always_inline int oomkit_kill_cgroup_mode(struct oomkit_oom *oom,
						   u64 cgid,
						   struct oomkit_kill_how how,
						   bool page_cache)
{
	struct oomkit_event *ev = oom->ev;
	u64 group, since = (u64)-1;
	struct mem_cgroup *memcg;
	struct oomkit_tasks *t;
	struct cgroup *cgrp;
	bool inner, all = false;
	u32 nr_group = 0;
	int nr;

	oom->decided = true;
	if (!oomkit_killing()) {
		ev->decision = oomkit_would_kill_decision();
		oomkit_shadow_chose(cgid, oomkit_event_would_kill(oom, cgid,
								  page_cache));
		return 0;
	}
	ev->victim_cgroup_id = cgid;
	ev->kill_mode = how.mode;
	ev->kill_cause = OOMKIT_CAUSE_MODE;
	cgrp = bpf_cgroup_from_id(cgid);
	if (!cgrp) {
		nr = -ENOENT;
		goto failed;
	}
	inner = BPF_CORE_READ(cgrp, nr_descendants) > 0;
	group = oomkit_oom_group_id(oom, cgrp);
	memcg = bpf_get_mem_cgroup(&cgrp->self);
	bpf_cgroup_release(cgrp);
	if (!memcg) {
		nr = -ENOENT;
		goto failed;
	}
	/* Counted first: after the kill the group's tasks are OOM victims. */
	if (group) {
		nr_group = oomkit_count_killable(group);
		ev->kill_cause = OOMKIT_CAUSE_OOM_GROUP;
		ev->group_cgroup_id = group;
	} else if (inner) {
		ev->kill_cause = OOMKIT_CAUSE_INNER;
	} else if (how.mode == OOMKIT_KILL_CGROUP) {
		all = true;
	}
	if (how.mode == OOMKIT_KILL_ESCALATE)
		since = oomkit_escalate_since(cgid);

	if (!all) {
		t = oomkit_tasks_get();
		if (!t) {
			bpf_put_mem_cgroup(memcg);
			nr = -ENOMEM;
			goto failed;
		}
		oomkit_scan_tasks(memcg, page_cache, t);
		if (how.mode == OOMKIT_KILL_ESCALATE && !group && !inner)
			all = oomkit_escalate_all(ev, &how, cgid, since, t);
		if (!all)
			nr = oomkit_kill_scanned(oom, memcg, t);
	}
	if (all)
		nr = oomkit_kill_all(oom, memcg);
	bpf_put_mem_cgroup(memcg);
	if (nr <= 0)
		goto failed;
	if (group && nr_group > nr)
		nr = nr_group;
	if (how.mode == OOMKIT_KILL_ESCALATE)
		oomkit_escalate_note(cgid);

	ev->nr_killed = nr;
	ev->decision = (all || group) ? OOMKIT_DEC_KILL_CGROUP :
					OOMKIT_DEC_KILL_TASK;
	oomkit_stat_inc(OOMKIT_STAT_KILLS);
	oomkit_stat_add(OOMKIT_STAT_TASKS_KILLED, nr);
	return 1;

failed:
	ev->decision = OOMKIT_DEC_KILL_FAILED;
	if (nr < 0)
		ev->error = nr;
	oomkit_reason(ev, "nothing killed in the chosen cgroup (error %d)",
		      ev->error);
	oomkit_stat_inc(OOMKIT_STAT_KILL_FAILED);
	return 0;
}

/**
 * oomkit_kill_cgroup - kill in the cgroup a policy chose, without a mode
 * @oom: the OOM
 * @cgid: the chosen cgroup
 * @all: kill every task (mode cgroup), not only the biggest (mode task)
 * @page_cache: size tasks with their file pages too
 *
 * For a policy without the kill mode tunables; see oomkit_kill_cgroup_mode().
 */
static __always_inline int oomkit_kill_cgroup(struct oomkit_oom *oom, u64 cgid,
					      bool all, bool page_cache)
{
	struct oomkit_kill_how how = {
		.mode = all ? OOMKIT_KILL_CGROUP : OOMKIT_KILL_TASK,
	};

	return oomkit_kill_cgroup_mode(oom, cgid, how, page_cache);
}

/*
 * The walk found a victim still exiting: record it and report the OOM
 * handled (observing: leave it to the next handler).
 */
static __always_inline int oomkit_decide_pending(struct oomkit_oom *oom,
						 struct oomkit_pick *pick)
{
	struct oomkit_event *ev = oom->ev;

	oom->decided = true;
	oom->pending = true;
	ev->victim_cgroup_id = pick->victim_cgid;
	ev->pids[0] = pick->victim_pid;
	ev->nr_pids = 1;
	oomkit_stat_inc(OOMKIT_STAT_VICTIM_PENDING);
	if (!oomkit_killing()) {
		ev->decision = oomkit_would_kill_decision();
		oomkit_reason(ev, "pid %u is an OOM victim still exiting",
			      pick->victim_pid);
		return 0;
	}
	ev->decision = OOMKIT_DEC_VICTIM_PENDING;
	oomkit_reason(ev,
		      "pid %u is an OOM victim still exiting: not killing more",
		      pick->victim_pid);
	return 1;
}

/* Nothing to kill in scope: record it and leave the OOM to the next handler. */
static __always_inline int oomkit_decide_none(struct oomkit_oom *oom)
{
	struct oomkit_event *ev = oom->ev;

	oom->decided = true;
	ev->decision = OOMKIT_OBSERVE ? OOMKIT_DEC_OBSERVE :
					OOMKIT_DEC_NO_CANDIDATE;
	oomkit_reason(ev, "no killable candidate in %llu.%llu MiB scope",
		      OOMKIT_MIB(ev->scope_bytes),
		      OOMKIT_MIB_10TH(ev->scope_bytes));
	oomkit_stat_inc(OOMKIT_STAT_NO_CANDIDATE);
	return 0;
}

/* Records the chosen candidate in the record (before oomkit_kill_cgroup()). */
static __always_inline void
oomkit_event_set_victim(struct oomkit_event *ev, const struct oomkit_leaf *leaf)
{
	ev->victim_cgroup_id = leaf->cgid;
	ev->victim_bytes = leaf->bytes;
	ev->score = leaf->score;
}

#endif /* __OOMKIT_DECIDE_BPF_H */
