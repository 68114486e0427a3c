/* SPDX-License-Identifier: GPL-2.0 */
/* Tasks of a memcg: size, killability, pending victims; killing the biggest one or all of them. */
#ifndef __OOMKIT_KILL_BPF_H
#define __OOMKIT_KILL_BPF_H

/* What one scan of a memcg's own tasks found. */
struct oomkit_tasks {
	u64 bytes;		/* RSS (+ swap) of the killable tasks */
	u64 max_bytes;		/* the biggest killable task's */
	u32 max_pid;		/* its pid, 0 if none */
	u32 nr_killable;
	u32 nr_unkillable;	/* oom_score_adj -1000: the cgroup is off limits */
	u32 victim_pid;		/* an OOM victim still holding its memory, 0 if none */
	u32 nr_killed;		/* oomkit_kill_all()'s count */
};

/*
 * The scan state lives in a map, not on the stack: the verifier tracks
 * stack counters as constants, and a count incremented in an open-coded
 * iterator loop and tested after it never lets the loop's states converge.
 * Map values are opaque to it. Per CPU, and OOM handlers are serialized.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct oomkit_tasks);
} oomkit_task_scan SEC(".maps");

/* The zeroed per-CPU scan state; NULL never happens for a one-slot array but must be handled. */
static __always_inline struct oomkit_tasks *oomkit_tasks_get(void)
{
	struct oomkit_tasks *t;
	u32 key = 0;

	t = bpf_map_lookup_elem(&oomkit_task_scan, &key);
	if (t)
		__builtin_memset(t, 0, sizeof(*t));
	return t;
}

/* Tasks no OOM killer considers: kernel threads, init, exited ones (no mm). */
static __always_inline bool oomkit_task_ignored(struct task_struct *task)
{
	if (task->flags & OOMKIT_PF_KTHREAD)
		return true;
	if (task->tgid == 1)
		return true;
	return !task->mm;
}

static __always_inline bool oomkit_task_unkillable(struct task_struct *task)
{
	return BPF_CORE_READ(task, signal, oom_score_adj) == OOMKIT_OOM_SCORE_ADJ_MIN;
}

/*
 * An OOM victim whose memory is not freed yet: killing more would be an
 * overkill, it frees memory on its own. Once the OOM reaper is done with a
 * victim that still has its mm (MMF_OOM_SKIP), it no longer counts, as in
 * the kernel's oom_evaluate_task(): a victim stuck in D state must not
 * block every later OOM. A victim past exit_mm() still counts even with
 * MMF_OOM_SKIP: exit_mmap() sets it before the last batch of pages is
 * freed, and an OOM in that window would otherwise kill a second task.
 */
static __always_inline bool oomkit_task_victim_pending(struct task_struct *task)
{
	unsigned long mm_flags = 0;
	struct mm_struct *mm;

	if (!bpf_task_is_oom_victim(task))
		return false;
	if (!task->mm)
		return true;
	mm = BPF_CORE_READ(task, signal, oom_mm);
	bpf_core_read(&mm_flags, sizeof(mm_flags), &mm->flags);
	return !(mm_flags & (1UL << OOMKIT_MMF_OOM_SKIP));
}

static __always_inline u64 oomkit_counter_pages(s64 pages)
{
	return pages > 0 ? pages : 0;
}

/* What killing @task gives back, as the kernel's oom_badness() counts it (without page tables). */
static __always_inline u64 oomkit_task_bytes(struct task_struct *task, bool page_cache)
{
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	u64 pages;

	if (!mm)
		return 0;
	pages = oomkit_counter_pages(BPF_CORE_READ(mm, rss_stat[MM_ANONPAGES].count));
	pages += oomkit_counter_pages(BPF_CORE_READ(mm, rss_stat[MM_SHMEMPAGES].count));
	pages += oomkit_counter_pages(BPF_CORE_READ(mm, rss_stat[MM_SWAPENTS].count));
	if (page_cache)
		pages += oomkit_counter_pages(BPF_CORE_READ(mm, rss_stat[MM_FILEPAGES].count));
	return pages << OOMKIT_PAGE_SHIFT;
}

/*
 * Scans the tasks charged to @memcg itself: those of its cgroup and of
 * descendants without a memcg of their own (not those of child memcgs).
 */
static __always_inline void oomkit_scan_tasks(struct mem_cgroup *memcg, bool page_cache,
					      struct oomkit_tasks *t)
{
	struct task_struct *task;
	u64 bytes;

	bpf_for_each(css_task, task, &memcg->css, OOMKIT_CSS_TASK_ITER_PROCS) {
		/* Before the mm test: a victim past exit_mm() is still freeing. */
		if (oomkit_task_victim_pending(task)) {
			t->victim_pid = task->pid;
			break;
		}
		/*
		 * Not pending, yet a victim: the reaper gave up on it with its
		 * mm still there. Killing it again frees nothing, so it is no
		 * candidate either (oom_evaluate_task() skips it too).
		 */
		if (bpf_task_is_oom_victim(task))
			continue;
		if (oomkit_task_ignored(task))
			continue;
		if (oomkit_task_unkillable(task)) {
			t->nr_unkillable++;
			continue;
		}
		bytes = oomkit_task_bytes(task, page_cache);
		t->nr_killable++;
		t->bytes += bytes;
		if (!t->max_pid || bytes > t->max_bytes) {
			t->max_bytes = bytes;
			t->max_pid = task->pid;
		}
	}
}

/* Notes a killed task in the record: the first OOMKIT_MAX_PIDS pids and the first comm. */
static __always_inline void oomkit_event_add_pid(struct oomkit_event *ev, struct task_struct *task)
{
	u32 n = ev->nr_pids;

	if (!n)
		bpf_probe_read_kernel_str(ev->comm, sizeof(ev->comm), task->comm);
	if (n < OOMKIT_MAX_PIDS) {
		ev->pids[n] = task->pid;
		ev->nr_pids = n + 1;
	}
}

/* Kills every killable task of @memcg that is not already a victim; returns how many. */
static __always_inline int oomkit_kill_all(struct oomkit_oom *oom, struct mem_cgroup *memcg)
{
	struct oomkit_tasks *t = oomkit_tasks_get();
	struct task_struct *task;
	int err;

	if (!t)
		return -ENOMEM;
	bpf_for_each(css_task, task, &memcg->css, OOMKIT_CSS_TASK_ITER_PROCS) {
		if (oomkit_task_ignored(task) || oomkit_task_unkillable(task))
			continue;
		if (bpf_task_is_oom_victim(task))
			continue;
		err = oomkit_oom_kill_task(oom, task);
		if (err) {
			oom->ev->error = err;
			continue;
		}
		oomkit_event_add_pid(oom->ev, task);
		t->nr_killed++;
	}
	return t->nr_killed;
}

/* Kills the biggest killable task of @memcg; memory.oom.group makes the kernel take the rest. */
static __always_inline int oomkit_kill_biggest(struct oomkit_oom *oom, struct mem_cgroup *memcg,
					       bool page_cache)
{
	struct oomkit_tasks *t = oomkit_tasks_get();
	struct task_struct *task;
	int err;

	if (!t)
		return -ENOMEM;
	oomkit_scan_tasks(memcg, page_cache, t);
	if (!t->max_pid)
		return 0;
	task = bpf_task_from_pid(t->max_pid);
	if (!task)
		return -ESRCH;
	err = oomkit_oom_kill_task(oom, task);
	if (!err)
		oomkit_event_add_pid(oom->ev, task);
	bpf_task_release(task);
	if (err)
		return err;
	/* With memory.oom.group the kernel killed all of them. */
	return BPF_CORE_READ(memcg, oom_group) ? t->nr_killable : 1;
}

/**
 * oomkit_kill_cgroup - kill in the leaf a policy chose, and record it
 * @oom: the OOM
 * @cgid: the chosen cgroup
 * @all: kill every task, not only the biggest
 * @page_cache: size tasks with their file pages too
 *
 * memory.oom.group 1 on the cgroup (or an ancestor inside the scope) turns a
 * single kill into a group kill in the kernel, so @all only matters
 * without it. Sets the decision, counters and the pids of the record and
 * sends it; the caller has filled the reason. Returns 1 if something was
 * killed (the OOM is handled), 0 if not (the next handler decides).
 */
static __always_inline int oomkit_kill_cgroup(struct oomkit_oom *oom, u64 cgid, bool all,
					      bool page_cache)
{
	struct oomkit_event *ev = oom->ev;
	struct mem_cgroup *memcg;
	struct cgroup *cgrp;
	bool group;
	int nr;

	ev->victim_cgroup_id = cgid;
	cgrp = bpf_cgroup_from_id(cgid);
	if (!cgrp) {
		nr = -ENOENT;
		goto failed;
	}
	memcg = bpf_get_mem_cgroup(&cgrp->self);
	bpf_cgroup_release(cgrp);
	if (!memcg) {
		nr = -ENOENT;
		goto failed;
	}
	group = BPF_CORE_READ(memcg, oom_group);
	if (all && !group)
		nr = oomkit_kill_all(oom, memcg);
	else
		nr = oomkit_kill_biggest(oom, memcg, page_cache);
	bpf_put_mem_cgroup(memcg);
	if (nr <= 0)
		goto failed;

	ev->decision = (all || group) ? OOMKIT_DEC_KILL_CGROUP : OOMKIT_DEC_KILL_TASK;
	oomkit_stat_inc(OOMKIT_STAT_KILLS);
	oomkit_stat_add(OOMKIT_STAT_TASKS_KILLED, nr);
	oomkit_event_submit(ev);
	return 1;

failed:
	ev->decision = OOMKIT_DEC_KILL_FAILED;
	if (nr < 0)
		ev->error = nr;
	oomkit_reason(ev, "nothing killed in the chosen cgroup (error %d)", ev->error);
	oomkit_stat_inc(OOMKIT_STAT_KILL_FAILED);
	oomkit_event_submit(ev);
	return 0;
}

#endif /* __OOMKIT_KILL_BPF_H */
