/* SPDX-License-Identifier: GPL-2.0 */
/* Deciding without killing: an observing policy, and any OOM policy loaded in shadow. */
#ifndef __OOMKIT_SHADOW_BPF_H
#define __OOMKIT_SHADOW_BPF_H

/*
 * Observe is a policy of its own (OOMKIT_OBSERVE, a constant: decide.bpf.h
 * says why). Shadow is a way to load any OOM policy: it decides at every
 * real OOM, records "would kill", lets the next handler or the kernel act,
 * and then compares what was killed with its choice. It is the tunable
 * `shadow` (rodata: the verifier drops the branch a load does not take),
 * declared here for every object, listed by OOMKIT_SHADOW() in OOM
 * policies only: a PSI policy chooses no victim.
 */
#ifndef OOMKIT_OBSERVE
#define OOMKIT_OBSERVE 0
#endif

const volatile bool shadow = false;

/* The choice of the OOM being handled, waiting for the kill that follows. */
struct oomkit_shadow_choice {
	u64 cgid;    /* the cgroup it would kill in */
	u32 tgid;    /* the process it would kill first, 0 if none named */
	u32 pending; /* chosen in this OOM, not compared yet */
};

/*
 * OOM handlers, the kill and the end of out_of_memory() all hold oom_lock.
 * Not static: clang splits a static struct into its fields, and the
 * kernel refuses BTF whose .bss variable is smaller than its type.
 */
struct oomkit_shadow_choice oomkit_shadow_last;

/* Whether the verbs kill (decide.bpf.h): not when observing or in shadow. */
static __always_inline bool oomkit_killing(void)
{
	return !OOMKIT_OBSERVE && !shadow;
}

/* The decision a verb that would kill records instead. */
static __always_inline u32 oomkit_would_kill_decision(void)
{
	return OOMKIT_OBSERVE ? OOMKIT_DEC_OBSERVE : OOMKIT_DEC_SHADOW;
}

/* In shadow: the verb chose cgroup @cgid and, first in it, process @tgid. */
static __always_inline void oomkit_shadow_chose(u64 cgid, u32 tgid)
{
	if (OOMKIT_OBSERVE || !shadow)
		return;
	oomkit_shadow_last.cgid = cgid;
	oomkit_shadow_last.tgid = tgid;
	oomkit_shadow_last.pending = 1;
	oomkit_stat_inc(OOMKIT_STAT_SHADOW_CHOICES);
}

/*
 * The kernel marks its victim (mark_oom_victim()), whoever chose it: the
 * first mark after a choice is what the choice is compared with. A group
 * kill marks each member; the first one counts.
 */
static __always_inline void oomkit_shadow_victim(struct task_struct *task)
{
	struct oomkit_shadow_choice *c = &oomkit_shadow_last;

	if (!shadow || !c->pending)
		return;
	c->pending = 0;
	if (BPF_CORE_READ(task, tgid) == c->tgid)
		oomkit_stat_inc(OOMKIT_STAT_SHADOW_SAME_TASK);
	else if (BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id) == c->cgid)
		oomkit_stat_inc(OOMKIT_STAT_SHADOW_SAME_CGROUP);
	else
		oomkit_stat_inc(OOMKIT_STAT_SHADOW_OTHER);
}

/* out_of_memory() returns: a choice still pending was followed by no kill. */
static __always_inline void oomkit_shadow_oom_end(void)
{
	struct oomkit_shadow_choice *c = &oomkit_shadow_last;

	if (!shadow || !c->pending)
		return;
	c->pending = 0;
	oomkit_stat_inc(OOMKIT_STAT_SHADOW_NO_KILL);
}

/* The shadow tunable's listing, in every OOM policy but observe (OOMKIT_OOM_POLICY()). */
#if OOMKIT_OBSERVE
#define OOMKIT_SHADOW()
#else
#define OOMKIT_SHADOW()                                                      \
	__OOMKIT_META(tunable_shadow) = {                                    \
		.kind = OOMKIT_META_TUNABLE,                                 \
		.min = 0,                                                    \
		.max = 1,                                                    \
		.name = "shadow",                                            \
		.doc = "1: decide at each OOM, kill nothing, count matches " \
		       "with what was killed (--shadow)",                    \
	}
#endif

#endif /* __OOMKIT_SHADOW_BPF_H */
