/* SPDX-License-Identifier: GPL-2.0 */
/* Tasks of a memcg: the scan, killability, pending victims, mms shared with other processes. */
#ifndef __OOMKIT_TASKS_BPF_H
#define __OOMKIT_TASKS_BPF_H

/* What one scan of a memcg's own tasks found. */
struct oomkit_tasks {
	u64 bytes;     /* RSS (+ swap) of the killable tasks */
	u64 max_bytes; /* the biggest killable task's */
	u64 max_start_ns; /* its start_time: the pid is checked against it before the kill */
	u32 max_pid; /* its pid (a live thread's when the main thread exited), 0 if none */
	u32 nr_killable;
	u32 nr_unkillable; /* oom_score_adj -1000: the cgroup is off limits */
	u32 victim_pid; /* an OOM victim still holding its memory, 0 if none */
	u32 nr_killed;	/* oomkit_kill_all()'s count */
	u32 nr_pinned;	/* tasks whose mm an unkillable process also uses */
	u64 pinned_bytes; /* their RSS (+ swap): no kill here frees it */
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

/* Threads of @task's process still running: 0 once every one of them is in do_exit(). */
static __always_inline int oomkit_task_live(struct task_struct *task)
{
	return BPF_CORE_READ(task, signal, live.counter);
}

/*
 * Tasks no OOM killer considers: kernel threads, init, exited ones (no
 * mm). A process whose main thread exited (pthread_exit() in main) is
 * listed by CSS_TASK_ITER_PROCS as its leader, a zombie without mm,
 * while other threads run with the memory: that one counts, through a
 * live thread (oomkit_task_mm_thread()), as the kernel's
 * find_lock_task_mm() does.
 */
static __always_inline bool oomkit_task_ignored(struct task_struct *task)
{
	if (task->flags & OOMKIT_PF_KTHREAD)
		return true;
	if (task->tgid == 1)
		return true;
	return !task->mm && oomkit_task_live(task) <= 0;
}

/*
 * A referenced thread of @task's process that has the mm: @task itself,
 * or another thread when the main thread exited; NULL if none has. The
 * task iterator needs RCU: callers must not hold it.
 */
static __always_inline struct task_struct *
oomkit_task_mm_thread(struct task_struct *task)
{
	struct task_struct *pos, *found = NULL;

	if (task->mm)
		return bpf_task_acquire(task);
	bpf_rcu_read_lock();
	bpf_for_each(task, pos, task, BPF_TASK_ITER_PROC_THREADS) {
		if (!pos->mm)
			continue;
		found = bpf_task_acquire(pos);
		break;
	}
	bpf_rcu_read_unlock();
	return found;
}

static __always_inline bool oomkit_task_unkillable(struct task_struct *task)
{
	return BPF_CORE_READ(task, signal, oom_score_adj) ==
	       OOMKIT_OOM_SCORE_ADJ_MIN;
}

/*
 * An OOM victim whose memory is not freed yet: killing more would be an
 * overkill, it frees memory on its own. Once the OOM reaper is done with a
 * victim that still has its mm (MMF_OOM_SKIP), it no longer counts, as in
 * the kernel's oom_evaluate_task(): a victim stuck in D state must not
 * block every later OOM. The rule is the kernel's exactly, also for a
 * victim past exit_mm(): the test kernel's exit_mmap() sets MMF_OOM_SKIP
 * only once its pages are freed (patch 0001), and a wider rule here made
 * the policy wait on a victim that the kernel's own selection had already
 * passed over, so the kernel killed in the policy's place.
 */
static __always_inline bool oomkit_task_victim_pending(struct task_struct *task)
{
	unsigned long mm_flags = 0;
	struct mm_struct *mm;

	if (!bpf_task_is_oom_victim(task))
		return false;
	mm = BPF_CORE_READ(task, signal, oom_mm);
	bpf_core_read(&mm_flags, sizeof(mm_flags), &mm->flags);
	return !(mm_flags & (1UL << OOMKIT_MMF_OOM_SKIP));
}

/*
 * A task in vfork (the kernel's in_vfork()): it runs on its parent's mm
 * until it execs or exits. Killing it frees nothing the parent does not
 * hold, and its mm is the parent's, counted there: oom_badness() skips
 * it. Probe reads: real_parent is RCU-protected and only compared.
 */
static __always_inline bool oomkit_task_in_vfork(struct task_struct *task)
{
	struct mm_struct *mm = BPF_CORE_READ(task, mm);

	if (!mm || !BPF_CORE_READ(task, vfork_done))
		return false;
	return BPF_CORE_READ(task, real_parent, mm) == mm;
}

/* A process whose use of an mm keeps a kill from freeing it: -1000, init, a kernel thread. */
static __always_inline bool oomkit_task_pins_mm(struct task_struct *p)
{
	return (BPF_CORE_READ(p, flags) & OOMKIT_PF_KTHREAD) ||
	       BPF_CORE_READ(p, tgid) == 1 ||
	       BPF_CORE_READ(p, signal, oom_score_adj) ==
		       OOMKIT_OOM_SCORE_ADJ_MIN;
}

/*
 * Whether @task's mm may be used by another process, cheaply: a
 * clone(CLONE_VM) without CLONE_VFORK sets MMF_MULTIPROCESS (kernel/fork.c
 * copy_oom_score_adj()); a task in vfork shares its parent's; a vforked
 * child or a kernel thread in kthread_use_mm() holds an mm_users
 * reference, more users than the process has threads. A transient
 * reference (a /proc reader) is a false positive: it only costs a walk.
 */
static __always_inline bool oomkit_mm_maybe_shared(struct task_struct *task)
{
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	unsigned long mm_flags = 0;

	if (!mm)
		return false;
	bpf_core_read(&mm_flags, sizeof(mm_flags), &mm->flags);
	if (mm_flags & (1UL << OOMKIT_MMF_MULTIPROCESS))
		return true;
	if (oomkit_task_in_vfork(task))
		return true;
	return BPF_CORE_READ(mm, mm_users.counter) >
	       BPF_CORE_READ(task, signal, nr_threads);
}

/* PID_MAX_LIMIT: no system has more processes for the walk to visit. */
#define OOMKIT_MAX_PROCS (4 * 1024 * 1024)

/* The other processes on one mm (oomkit_mm_sharers()). */
struct oomkit_sharers {
	u64 mm;	  /* the mm looked for, as a number: only compared */
	u32 tgid; /* its own process, not counted */
	u32 nr;	  /* killable processes sharing it: the kernel kills them all */
	u32 nr_pinning; /* unkillable ones (-1000, init, kernel threads) */
	u32 nr_walked;	/* processes visited */
	u32 pids[OOMKIT_MAX_PIDS]; /* the first killable ones' tgids */
};

/* Walk state in a map value (see oomkit_task_scan). Per CPU, OOM handlers are serialized. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct oomkit_sharers);
} oomkit_sharers_scratch SEC(".maps");

/*
 * The processes other than @task's own that use @task's mm, as the
 * kernel's __oom_kill_process() finds them: one walk of every process
 * under RCU (the task iterator needs it), each compared by its leader's
 * mm (process_shares_mm() takes the first thread that has one: a sharer
 * whose leader exited is missed). Only called for a maybe-shared mm
 * (oomkit_mm_maybe_shared()); bounded by OOMKIT_MAX_PROCS steps. NULL
 * only if the map lookup fails.
 */
/*
 * A global function, verified once on its own: inlined into every task
 * scan, its nested task iterator multiplied the policies' load time by
 * ten. Scalars only in and out, so nothing about pointers crosses it.
 */
__attribute__((noinline)) int oomkit_mm_sharers_walk(u64 mm, u32 tgid)
{
	struct oomkit_sharers *s;
	struct task_struct *p;
	u32 key = 0, n;

	s = bpf_map_lookup_elem(&oomkit_sharers_scratch, &key);
	if (!s)
		return -1;
	__builtin_memset(s, 0, sizeof(*s));
	s->mm = mm;
	s->tgid = tgid;
	if (!mm)
		return 0;
	bpf_rcu_read_lock();
	bpf_for_each(task, p, NULL, BPF_TASK_ITER_ALL_PROCS) {
		if (++s->nr_walked > OOMKIT_MAX_PROCS)
			break;
		if (p->tgid == s->tgid || (u64)BPF_CORE_READ(p, mm) != s->mm)
			continue;
		if (oomkit_task_pins_mm(p)) {
			s->nr_pinning++;
			continue;
		}
		n = s->nr;
		if (n < OOMKIT_MAX_PIDS)
			s->pids[n] = p->tgid;
		s->nr = n + 1;
	}
	bpf_rcu_read_unlock();
	return 0;
}

static __always_inline struct oomkit_sharers *
oomkit_mm_sharers(struct task_struct *task)
{
	u32 key = 0;

	if (oomkit_mm_sharers_walk((u64)BPF_CORE_READ(task, mm),
				   BPF_CORE_READ(task, tgid)))
		return NULL;
	return bpf_map_lookup_elem(&oomkit_sharers_scratch, &key);
}

/*
 * @task's mm is also used by a process a kill cannot take along (see
 * oomkit_task_pins_mm()): killing @task frees nothing, or kills a -1000
 * process with it. For a task in vfork, its parent is that process; it
 * is then its only sharer that matters, no walk needed.
 */
static __always_inline bool oomkit_mm_pinned(struct task_struct *task)
{
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	unsigned long mm_flags = 0;
	struct oomkit_sharers *s;

	if (!oomkit_mm_maybe_shared(task))
		return false;
	if (oomkit_task_in_vfork(task)) {
		if (oomkit_task_pins_mm(BPF_CORE_READ(task, real_parent)))
			return true;
		/* No clone(CLONE_VM) sharer: the vfork chain is all (a shell's every spawn). */
		bpf_core_read(&mm_flags, sizeof(mm_flags), &mm->flags);
		if (!(mm_flags & (1UL << OOMKIT_MMF_MULTIPROCESS)))
			return false;
	}
	s = oomkit_mm_sharers(task);
	return s && s->nr_pinning;
}

static __always_inline u64 oomkit_counter_pages(s64 pages)
{
	return pages > 0 ? pages : 0;
}

/* What killing @task gives back, as the kernel's oom_badness() counts it (without page tables). */
static __always_inline u64 oomkit_task_bytes(struct task_struct *task,
					     bool page_cache)
{
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	u64 pages;

	if (!mm)
		return 0;
	pages = oomkit_counter_pages(
		BPF_CORE_READ(mm, rss_stat[MM_ANONPAGES].count));
	pages += oomkit_counter_pages(
		BPF_CORE_READ(mm, rss_stat[MM_SHMEMPAGES].count));
	pages += oomkit_counter_pages(
		BPF_CORE_READ(mm, rss_stat[MM_SWAPENTS].count));
	if (page_cache)
		pages += oomkit_counter_pages(
			BPF_CORE_READ(mm, rss_stat[MM_FILEPAGES].count));
	return pages << OOMKIT_PAGE_SHIFT;
}

/*
 * Scans the tasks charged to @memcg itself: those of its cgroup and of
 * descendants without a memcg of their own (not those of child memcgs).
 * @victims: look for OOM victims (bpf_task_is_oom_victim()); a PSI
 * program at level 2, where that kfunc is bpf_oom_ops's only, passes
 * false (see __oomkit_pick_leaf()).
 */
static __always_inline void __oomkit_scan_tasks(struct mem_cgroup *memcg,
						bool page_cache,
						struct oomkit_tasks *t,
						bool victims)
{
	struct task_struct *task, *thread;
	u64 bytes;

	bpf_for_each(css_task, task, &memcg->css, OOMKIT_CSS_TASK_ITER_PROCS) {
		/* Before the mm test: a victim past exit_mm() is still freeing. */
		if (victims && oomkit_task_victim_pending(task)) {
			t->victim_pid = task->pid;
			break;
		}
		/*
		 * Not pending, yet a victim: the reaper gave up on it with its
		 * mm still there. Killing it again frees nothing, so it is no
		 * candidate either (oom_evaluate_task() skips it too).
		 */
		if (victims && bpf_task_is_oom_victim(task))
			continue;
		if (oomkit_task_ignored(task))
			continue;
		if (oomkit_task_unkillable(task)) {
			t->nr_unkillable++;
			continue;
		}
		/* The task itself, or a live thread if the main thread exited. */
		thread = oomkit_task_mm_thread(task);
		if (!thread)
			continue;
		bytes = oomkit_task_bytes(thread, page_cache);
		/* An unkillable process also uses the mm: a kill frees none of it. */
		if (oomkit_mm_pinned(thread)) {
			t->nr_pinned++;
			t->pinned_bytes += bytes;
			bpf_task_release(thread);
			continue;
		}
		/* Its mm is its parent's, counted and killed with the parent. */
		if (oomkit_task_in_vfork(thread)) {
			bpf_task_release(thread);
			continue;
		}
		t->nr_killable++;
		t->bytes += bytes;
		if (!t->max_pid || bytes > t->max_bytes) {
			t->max_bytes = bytes;
			t->max_pid = thread->pid;
			t->max_start_ns = thread->start_time;
		}
		bpf_task_release(thread);
	}
}

static __always_inline void oomkit_scan_tasks(struct mem_cgroup *memcg,
					      bool page_cache,
					      struct oomkit_tasks *t)
{
	__oomkit_scan_tasks(memcg, page_cache, t, true);
}

/* The memcg of the cgroup @task is charged to (the css_set's effective memory css). */
static __always_inline bool oomkit_task_in_memcg(struct task_struct *task,
						 struct mem_cgroup *memcg)
{
	struct cgroup_subsys_state *css =
		BPF_CORE_READ(task, cgroups, subsys[memory_cgrp_id]);

	return css == &memcg->css;
}

#endif /* __OOMKIT_TASKS_BPF_H */
