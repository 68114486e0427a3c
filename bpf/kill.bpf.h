/* SPDX-License-Identifier: GPL-2.0 */
/* Kill modes of the policies that choose a cgroup: task, cgroup, escalate, and escalation's memory. */
#ifndef __OOMKIT_KILL_BPF_H
#define __OOMKIT_KILL_BPF_H

/* How oomkit_kill_cgroup_mode() kills in a chosen cgroup. */
struct oomkit_kill_how {
	u32 mode;	   /* enum oomkit_kill_mode */
	u64 escalate_usec; /* escalate: chosen again within this: the group */
	u64 escalate_min_bytes; /* escalate: a task freeing less: the group */
};

/*
 * The tunables of every policy that chooses a cgroup; OOMKIT_KILL_MODE()
 * reads them. Ten seconds: an OOM that comes back to the same cgroup
 * that soon means its one kill did not hold (a pool respawning its
 * worker, a job whose other tasks take the memory back).
 */
#define OOMKIT_KILL_MODE_TUNABLES()                                             \
	OOMKIT_TUNABLE(                                                         \
		u32, kill_mode, OOMKIT_KILL_TASK, OOMKIT_KILL_TASK,             \
		OOMKIT_KILL_ESCALATE,                                           \
		"0: kill the biggest task, 1: every task, 2: escalate");        \
	OOMKIT_TUNABLE(                                                         \
		u64, escalate_usec, 10000000, 0, 3600000000LL,                  \
		"usec: escalate: a cgroup chosen again within this loses all"); \
	OOMKIT_TUNABLE(                                                         \
		u64, escalate_min_bytes, 0, 0, 1LL << 50,                       \
		"bytes: escalate: if its biggest task frees less, kill all")

#define OOMKIT_KILL_MODE()                                \
	((struct oomkit_kill_how){                        \
		.mode = kill_mode,                        \
		.escalate_usec = escalate_usec,           \
		.escalate_min_bytes = escalate_min_bytes, \
	})

/*
 * When escalate last killed in a cgroup. In the cgroup's own storage: no
 * cap on how many cgroups are remembered, a removed cgroup's goes with
 * it, and one OOM's update is a single 8-byte store (handlers run one at
 * a time under oom_lock, but a program global would be shared by every
 * cgroup).
 */
struct oomkit_escalation {
	u64 chosen_ns; /* bpf_ktime_get_ns() of the last kill, 0: never */
};

struct {
	__uint(type, BPF_MAP_TYPE_CGRP_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct oomkit_escalation);
} oomkit_escalate SEC(".maps");

/* Nanoseconds since escalate last killed in cgroup @cgid, (u64)-1 if never. */
static __always_inline u64 oomkit_escalate_since(u64 cgid)
{
	struct oomkit_escalation *e;
	struct cgroup *cgrp;
	u64 since = (u64)-1, now;

	cgrp = bpf_cgroup_from_id(cgid);
	if (!cgrp)
		return since;
	e = bpf_cgrp_storage_get(&oomkit_escalate, cgrp, NULL, 0);
	if (e && e->chosen_ns) {
		now = bpf_ktime_get_ns();
		since = now > e->chosen_ns ? now - e->chosen_ns : 0;
	}
	bpf_cgroup_release(cgrp);
	return since;
}

/* Escalate killed in cgroup @cgid now; without storage (ENOMEM) the next choice is a first. */
static __always_inline void oomkit_escalate_note(u64 cgid)
{
	struct oomkit_escalation *e;
	struct cgroup *cgrp;

	cgrp = bpf_cgroup_from_id(cgid);
	if (!cgrp)
		return;
	e = bpf_cgrp_storage_get(&oomkit_escalate, cgrp, NULL,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (e)
		e->chosen_ns = bpf_ktime_get_ns();
	bpf_cgroup_release(cgrp);
}

/*
 * Whether escalate takes the whole of cgroup @cgid, whose biggest task
 * (@t, scanned) would free @t->max_bytes, last chosen @since ns ago;
 * fills the record's cause. Chosen again within escalate_usec comes
 * first: a task freeing enough did not hold the cgroup the last time.
 */
static __always_inline bool
oomkit_escalate_all(struct oomkit_event *ev, const struct oomkit_kill_how *how,
		    u64 cgid, u64 since, const struct oomkit_tasks *t)
{
	if (since < how->escalate_usec * 1000) {
		ev->kill_cause = OOMKIT_CAUSE_AGAIN;
		ev->cause_value = since / 1000;
		ev->cause_limit = how->escalate_usec;
		return true;
	}
	if (t->max_pid && t->max_bytes < how->escalate_min_bytes) {
		ev->kill_cause = OOMKIT_CAUSE_SMALL_TASK;
		ev->cause_value = t->max_bytes;
		ev->cause_limit = how->escalate_min_bytes;
		return true;
	}
	ev->kill_cause = OOMKIT_CAUSE_FIRST;
	ev->cause_value = since == (u64)-1 ? 0 : since / 1000;
	ev->cause_limit = how->escalate_usec;
	return false;
}

#endif /* __OOMKIT_KILL_BPF_H */
