/* SPDX-License-Identifier: GPL-2.0 */
/* Everything that depends on the BPF OOM ABI version: struct_ops wrappers, scope, kfuncs. */
#ifndef __OOMKIT_ABI_BPF_H
#define __OOMKIT_ABI_BPF_H

/*
 * Two levels of the BPF OOM series, one object for both:
 *
 * Level 1 (kernel-abi.md): one global list of bpf_oom_ops, run in attach
 * order; the handler gets only the oom_control and finds the OOM scope in
 * oc->memcg; PSI through a global bpf_psi_ops.
 *
 * Level 2 (kernel-abi-level2.md): bpf_oom_ops attached to cgroups, the
 * handler gets the attachment's cgroup too, oc is read-only, the
 * declare-OOM kfunc takes flags, bpf_psi_ops is gone.
 *
 * OOMKIT_OOM_POLICY() emits one struct_ops map and handler per level, both
 * calling the one policy body through a struct oomkit_oom; the loader
 * (loader/abi.c) creates the map of the running kernel's level and leaves
 * the other unloaded. The level-2 type is a CO-RE flavor (___l2) of the
 * level-1 vmlinux.h's struct: libbpf matches struct_ops types and kfunc
 * externs by the name before "___", so `make all` needs no level-2 BTF.
 * Policies see none of this.
 */

#ifndef EOPNOTSUPP
#define EOPNOTSUPP 95
#endif

/* kernel-abi-level2.md §2: struct bpf_oom_ops at level 2. */
struct bpf_oom_ops___l2 {
	int (*handle_out_of_memory)(struct oom_control *oc,
				    struct cgroup *cgrp);
	char name[64];
};

/* kernel-abi-level2.md §5: enum bpf_oom_flags (level 2 only, so not in vmlinux.h). */
#define OOMKIT_OOM_FLAGS_WAIT_ON_OOM_LOCK (1ULL << 0)

/* Kernel #defines that BTF does not carry (6.12 values). */
#define OOMKIT_MMF_OOM_SKIP	   21 /* include/linux/sched/coredump.h */
#define OOMKIT_MMF_MULTIPROCESS	   26 /* include/linux/sched/coredump.h */
#define OOMKIT_PF_KTHREAD	   0x00200000 /* include/linux/sched.h */
#define OOMKIT_OOM_SCORE_ADJ_MIN   (-1000)    /* include/uapi/linux/oom.h */
#define OOMKIT_PSI_FULL		   0x80000000 /* BPF_PSI_FULL of the series */
#define OOMKIT_CSS_TASK_ITER_PROCS (1U << 0)  /* include/linux/cgroup.h */
#define OOMKIT_PAGE_SHIFT	   12

/*
 * The instance's scope (intf.h). Level 2 attaches the handler to the scope
 * cgroup and the kernel sends it only OOMs inside it; level 1 has one
 * global list, so oomkit_oom_begin() passes on every other OOM itself.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct oomkit_scope);
} oomkit_scope SEC(".maps");

/*
 * Whether an OOM of @memcg (NULL: global) is inside the scope: the memcg's
 * cgroup is the scope cgroup or below it. A global OOM is inside only the
 * system scope, as at level 2, where only root attachments see it.
 */
static __always_inline bool oomkit_in_scope(struct mem_cgroup *memcg)
{
	struct oomkit_scope *s;
	u32 key = 0;

	s = bpf_map_lookup_elem(&oomkit_scope, &key);
	if (!s || !s->cgroup_id)
		return true;
	if (!memcg)
		return false;
	return oomkit_cgroup_under(memcg->css.cgroup, s->level, s->cgroup_id);
}

/* One OOM as a policy sees it. */
struct oomkit_oom {
	struct oom_control *oc;	  /* what bpf_oom_kill_process() takes */
	struct mem_cgroup *scope; /* referenced: the OOMing memcg, or the root */
	struct oomkit_event *ev;  /* the decision record, sent by the handler */
	const char *name;	  /* the policy name, in .rodata */
	u64 scope_id; /* cgroup id of the OOMing memcg, 0 = global */
	u32 trigger;  /* OOMKIT_TRIG_OOM_MEMCG or _GLOBAL */
	bool decided; /* a decision verb filled the record */
	bool freed;   /* bpf_oom_kill_process() killed */
	bool pending; /* a victim of an earlier OOM is still exiting */
};

static __always_inline u64 oomkit_css_cgroup_id(struct cgroup_subsys_state *css)
{
	return BPF_CORE_READ(css, cgroup, kn, id);
}

/*
 * Takes a reference on the scope (oc->memcg is trusted-or-NULL: NULL is a
 * global OOM, scoped to the root memcg), flushes its statistics once so the
 * walk reads fresh page-cache numbers, and opens the decision record.
 */
static __always_inline int oomkit_oom_begin(struct oomkit_oom *oom,
					    struct oom_control *oc,
					    const char *name)
{
	struct mem_cgroup *memcg = oc->memcg;

	oom->oc = oc;
	oom->name = name;
	if (!oomkit_in_scope(memcg))
		return -ERANGE;
	if (memcg) {
		oom->trigger = OOMKIT_TRIG_OOM_MEMCG;
		oom->scope_id = oomkit_css_cgroup_id(&memcg->css);
		oom->scope = bpf_get_mem_cgroup(&memcg->css);
	} else {
		oom->trigger = OOMKIT_TRIG_OOM_GLOBAL;
		oom->scope_id = 0;
		oom->scope = bpf_get_root_mem_cgroup();
	}
	if (!oom->scope)
		return -ENOENT;

	oom->ev = oomkit_event_begin(name, oom->trigger);
	if (!oom->ev) {
		bpf_put_mem_cgroup(oom->scope);
		return -ENOMEM;
	}
	oom->ev->scope_cgroup_id = oom->scope_id;
	bpf_mem_cgroup_flush_stats(oom->scope);
	oom->ev->scope_bytes = bpf_mem_cgroup_usage(oom->scope);
	oomkit_stat_inc(OOMKIT_STAT_RUNS);
	return 0;
}

/*
 * Sends the record a decision verb filled (decide.bpf.h), once, after the
 * policy returned. A handler that called none sends nothing, as one that
 * built and sent its own record must not send it twice.
 */
static __always_inline void oomkit_oom_end(struct oomkit_oom *oom)
{
	if (oom->decided)
		oomkit_event_submit(oom->ev);
	bpf_put_mem_cgroup(oom->scope);
}

/*
 * Kills @task the way the kernel OOM killer does; the report names the
 * policy (level 1: "oom_policy=<name>", level 2: "oom bpf handler: <name>").
 * Level 1 refuses a task that is already gone with -EINVAL, level 2 returns
 * 0 (counted as progress); both refuse oom_score_adj -1000 with -EINVAL,
 * so callers skip such tasks first and treat any error as "not killed".
 */
static __always_inline void oomkit_victims_note(struct task_struct *task);

static __always_inline int oomkit_oom_kill_task(struct oomkit_oom *oom,
						struct task_struct *task)
{
	int err = bpf_oom_kill_process(oom->oc, task, oom->name);

	if (!err) {
		oom->freed = true;
		oomkit_victims_note(task);
	}
	return err;
}

/**
 * OOMKIT_OOM_POLICY - name a policy and define its bpf_oom_ops instance
 * @prefix: C prefix; the policy defines `static int <prefix>_oom(struct oomkit_oom *)`
 * @policy_name: the one name: the CLI's and the pin's, the struct_ops name
 *	(the kernel's `oom_policy=`) and the records'; a built-in's file is
 *	policies/<policy_name>.bpf.c (the build checks it)
 * @policy_doc: one line for `oomkit policy list`
 *
 * Place it at the top, where it names the file's policy. <prefix>_oom()
 * returns 1 when it freed memory (or a victim is already on its way out)
 * and 0 to let the next handler, then the kernel, decide. At level 2 a 1
 * without a kill in this call also passes the OOM on (the kernel stops
 * only when bpf_oom_kill_process() ran); the kernel killer then meets the
 * exiting victim and waits for it, as a level-1 claim would have. It ends with one of the decision verbs
 * (decide.bpf.h), which fill the record; the handler sends it.
 */
#define OOMKIT_OOM_POLICY(prefix, policy_name, policy_doc)                        \
	OOMKIT_POLICY(policy_name, policy_doc);                                   \
	OOMKIT_SHADOW();                                                          \
	OOMKIT_HEALTH();                                                          \
	static const char prefix##_policy_name[] = policy_name;                   \
	static int prefix##_oom(struct oomkit_oom *oom);                          \
	OOMKIT_KILL_HOOKS(prefix)                                                 \
                                                                                  \
	static __always_inline int prefix##_handle(struct oom_control *oc)        \
	{                                                                         \
		struct oomkit_oom oom = {};                                       \
		u64 t0 = bpf_ktime_get_ns();                                      \
		int ret;                                                          \
                                                                                  \
		if (oomkit_health_tripped())                                      \
			return 0;                                                 \
		if (oomkit_oom_begin(&oom, oc, prefix##_policy_name))             \
			return 0;                                                 \
		ret = prefix##_oom(&oom);                                         \
		oomkit_oom_end(&oom);                                             \
		oomkit_health_note(&oom, ret, bpf_ktime_get_ns() - t0);           \
		return ret;                                                       \
	}                                                                         \
                                                                                  \
	/* level 1: the handler gets the oom_control only */                      \
	SEC("struct_ops.s/handle_out_of_memory")                                  \
	int BPF_PROG(prefix##_handle_out_of_memory, struct oom_control *oc)       \
	{                                                                         \
		return prefix##_handle(oc);                                       \
	}                                                                         \
                                                                                  \
	SEC(".struct_ops.link")                                                   \
	struct bpf_oom_ops prefix##_ops = {                                       \
		.handle_out_of_memory = (void *)prefix##_handle_out_of_memory,    \
		.name = policy_name,                                              \
	};                                                                        \
                                                                                  \
	/* level 2: and the attachment's cgroup, which the scope does not need */ \
	SEC("struct_ops.s/handle_out_of_memory")                                  \
	int BPF_PROG(prefix##_handle_oom_l2, struct oom_control *oc,              \
		     struct cgroup *cgrp)                                         \
	{                                                                         \
		return prefix##_handle(oc);                                       \
	}                                                                         \
                                                                                  \
	SEC(".struct_ops.link")                                                   \
	struct bpf_oom_ops___l2 prefix##_ops___l2 = {                             \
		.handle_out_of_memory = (void *)prefix##_handle_oom_l2,           \
		.name = policy_name,                                              \
	}

/*
 * PSI side. Level 1: a bpf_psi_ops whose init creates kernel triggers
 * (threshold within a window) and whose event handler runs, sleepable, on
 * the kernel's bpf_psi_wq. Level 2 has no bpf_psi_ops, only the
 * psi:psi_avgs_work tracepoint (not sleepable), fired about every 2 s
 * (PSI_FREQ) per group with task activity: init records the watches in a
 * slot each (a SEC("syscall") program the loader runs once at attach),
 * the tracepoint program compares each watched group's stall time with
 * the last sample and, when the growth scaled to the window reaches the
 * threshold, starts the slot's bpf_wq, whose sleepable callback runs the
 * policy's pressure handler; a cgroup_rmdir program forgets removed ones.
 */
#define OOMKIT_PSI_MAX_WATCH 64
/* A sample after a longer silence only starts a new baseline. */
#define OOMKIT_PSI_STALE_NS (60 * 1000000000ULL)

struct oomkit_psi {
	struct bpf_psi *bpf_psi; /* level 1: valid in init only */
	void *slots;		 /* level 2: the policy's oomkit_psi_slot map */
	const char *name;	 /* the policy name, in .rodata */
	u32 trigger; /* OOMKIT_TRIG_PSI or _CGROUP_FREE, for records */
};

/* Level 2: one watch, one array map value (the bpf_wq must live in one). */
struct oomkit_psi_slot {
	struct bpf_wq wq;  /* runs the pressure handler, which may sleep */
	u64 cgid;	   /* 0 = system-wide */
	u64 base_ns;	   /* boot ns of the baseline sample, 0 = none yet */
	u64 base_stall_ns; /* the group's total stall time at the baseline */
	u32 threshold_usec;
	u32 window_usec;
	bool full;
	bool used;
};

/* The system's PSI group (the root cgroup's); a data symbol: untyped. */
extern const void psi_system __ksym __weak;

/* Level 2: records a watch in the first free slot. */
static __always_inline int oomkit_psi_watch_l2(struct oomkit_psi *psi, u64 cgid,
					       bool full, u32 threshold_usec,
					       u32 window_usec)
{
	struct oomkit_psi_slot *slot;
	u32 i;

	/* without CONFIG_KALLSYMS_ALL the system's group is out of reach */
	if (!cgid && !&psi_system)
		return -EOPNOTSUPP;
	bpf_for(i, 0, OOMKIT_PSI_MAX_WATCH) {
		slot = bpf_map_lookup_elem(psi->slots, &i);
		if (!slot)
			return -ENOENT;
		if (slot->used)
			continue;
		slot->cgid = cgid;
		slot->base_ns = 0;
		slot->base_stall_ns = 0;
		slot->threshold_usec = threshold_usec;
		slot->window_usec = window_usec;
		slot->full = full;
		slot->used = true;
		return 0;
	}
	return -E2BIG;
}

/* A memory-pressure trigger on cgroup @cgid (0 = system-wide), owned by this policy. */
static __always_inline int oomkit_psi_watch(struct oomkit_psi *psi, u64 cgid,
					    bool full, u32 threshold_usec,
					    u32 window_usec)
{
	u32 res = bpf_core_enum_value(enum psi_res, PSI_MEM);

	/* level 2 has no bpf_psi_ops (nor this kfunc) */
	if (!bpf_ksym_exists(bpf_psi_create_trigger))
		return oomkit_psi_watch_l2(psi, cgid, full, threshold_usec,
					   window_usec);
	if (full)
		res |= OOMKIT_PSI_FULL;
	return bpf_psi_create_trigger(psi->bpf_psi, cgid, res, threshold_usec,
				      window_usec);
}

/* Level 2's samples of a group: PSI_FREQ (2 s) + 1 jiffy apart. */
#define OOMKIT_PSI_SAMPLE_USEC 2000000

/*
 * How often a watch on @window_usec reports a pressure that persists:
 * level 1's trigger at most once a window; level 2's samples, ~2 s apart,
 * fire once a window has passed, so every window rounded up to ~2 s.
 */
static __always_inline u64 oomkit_psi_period_usec(u32 window_usec)
{
	u64 n;

	if (bpf_ksym_exists(bpf_psi_create_trigger))
		return window_usec;
	n = (window_usec + OOMKIT_PSI_SAMPLE_USEC - 1) / OOMKIT_PSI_SAMPLE_USEC;
	return (n ?: 1) * OOMKIT_PSI_SAMPLE_USEC;
}

/* Level 2: frees every slot (before init records the watches). */
static __always_inline void oomkit_psi_unwatch_all(void *slots)
{
	struct oomkit_psi_slot *slot;
	u32 i;

	bpf_for(i, 0, OOMKIT_PSI_MAX_WATCH) {
		slot = bpf_map_lookup_elem(slots, &i);
		if (slot)
			slot->used = false;
	}
}

/* Level 2: frees the slot of removed cgroup @cgid; true if it was watched. */
static __always_inline bool oomkit_psi_unwatch(void *slots, u64 cgid)
{
	struct oomkit_psi_slot *slot;
	bool found = false;
	u32 i;

	bpf_for(i, 0, OOMKIT_PSI_MAX_WATCH) {
		slot = bpf_map_lookup_elem(slots, &i);
		if (!slot || !slot->used || !cgid || slot->cgid != cgid)
			continue;
		slot->used = false;
		found = true;
	}
	return found;
}

/* Level 2: whether @group is the PSI group of the slot's cgroup. */
static __always_inline bool oomkit_psi_is_group(u64 cgid,
						struct psi_group *group)
{
	struct cgroup *cgrp;
	bool mine;

	/* the root cgroup's psi pointer is not psi_system: the kernel special-cases it */
	if (!cgid)
		return &psi_system && (u64)group == (u64)&psi_system;
	cgrp = bpf_cgroup_from_id(cgid);
	if (!cgrp)
		return false;
	mine = cgrp->psi == group;
	bpf_cgroup_release(cgrp);
	return mine;
}

/*
 * Level 2: takes a sample of @group for its slot; true if the stall time
 * grew past the threshold. The baseline moves once at least a window has
 * passed, so a window shorter than the ~2 s between samples is judged on
 * one sample's growth scaled down to it, a longer one on the samples that
 * span it. total[PSI_AVGS][] is the stall time psi_avgs_work() just
 * collected (ns; 6.12: [NR_PSI_AGGREGATORS][NR_PSI_STATES - 1], flat in
 * BTF, the same at both levels).
 */
static __always_inline bool oomkit_psi_grew(struct oomkit_psi_slot *slot,
					    struct psi_group *group, u64 now)
{
	u64 mem[2] = {}, stall, dt, grown;

	/* PSI_MEM_SOME and PSI_MEM_FULL, side by side */
	if (bpf_probe_read_kernel(mem, sizeof(mem),
				  &group->total[PSI_AVGS * (NR_PSI_STATES - 1) +
						PSI_MEM_SOME]))
		return false;
	stall = slot->full ? mem[1] : mem[0];
	if (!slot->base_ns || now <= slot->base_ns ||
	    stall < slot->base_stall_ns) {
		slot->base_ns = now;
		slot->base_stall_ns = stall;
		return false;
	}
	dt = now - slot->base_ns;
	if (dt < (u64)slot->window_usec * 1000)
		return false;
	grown = stall - slot->base_stall_ns;
	slot->base_ns = now;
	slot->base_stall_ns = stall;
	if (dt > OOMKIT_PSI_STALE_NS)
		return false;
	if (grown > dt)
		grown = dt;
	/* grown / dt >= threshold / window, in ns * usec (< 2^60) */
	return grown * slot->window_usec >= (u64)slot->threshold_usec * dt;
}

/* Level 2: the tracepoint's part; @fire is the slots' bpf_wq callback. */
static __always_inline void
oomkit_psi_sample(void *slots, struct psi_group *group,
		  int (*fire)(void *map, int *key, void *value))
{
	u64 now = bpf_ktime_get_boot_ns();
	struct oomkit_psi_slot *slot;
	u32 i;
	int err;

	bpf_for(i, 0, OOMKIT_PSI_MAX_WATCH) {
		slot = bpf_map_lookup_elem(slots, &i);
		if (!slot || !slot->used ||
		    !oomkit_psi_is_group(slot->cgid, group))
			continue;
		if (!oomkit_psi_grew(slot, group, now))
			continue;
		/* initialized once; a start while queued is a no-op */
		err = bpf_wq_init(&slot->wq, slots, 0);
		if (err && err != -EBUSY)
			continue;
		if (!bpf_wq_set_callback_impl(&slot->wq, fire, 0, NULL))
			bpf_wq_start(&slot->wq, 0);
	}
}

/**
 * OOMKIT_CONSTRAINT_TEXT - define the constraint text of oomkit_declare_oom()
 * @var: the variable
 * @text: the text the kernel's OOM report prints as the constraint
 *
 * Not const: the kfunc's text argument is plain memory (no __str suffix),
 * and a verifier that checks such memory for writes too (6.12's does,
 * unless the kernel carries the fix) refuses .rodata.
 */
#define OOMKIT_CONSTRAINT_TEXT(var, text) static char var[] = text

/* The declare-OOM kfunc of the running kernel's level, waiting for the OOM lock. */
static __always_inline int oomkit_out_of_memory(struct mem_cgroup *memcg,
						const char *text)
{
	/* level 2 prints the kernel's constraint name: @text goes unused */
	if (bpf_ksym_exists(bpf_out_of_memory___l2))
		return bpf_out_of_memory___l2(
			memcg, 0, OOMKIT_OOM_FLAGS_WAIT_ON_OOM_LOCK);
	if (bpf_ksym_exists(bpf_out_of_memory))
		return bpf_out_of_memory(memcg, 0, true, text);
	return -EOPNOTSUPP;
}

/*
 * Declares an OOM in cgroup @cgid's memcg (0 = system-wide) with the
 * constraint text @text (an OOMKIT_CONSTRAINT_TEXT()), waiting for the OOM lock, so
 * the attached OOM policies, then the kernel, handle it. Returns 1 if
 * memory was freed, 0 if not, a negative errno if it could not be declared.
 * Level 2 prints the kernel's own constraint name instead of @text.
 *
 * The root cgroup (id 1, which a PSI trigger on the cgroup2 root reports)
 * and the root memcg mean the whole system: the kernel's memcg OOM path
 * would hit BUG_ON(mem_cgroup_is_root()) in mem_cgroup_scan_tasks() with
 * oom_lock held, so it is declared as a global OOM (memcg NULL), whatever
 * the kernel does with a root memcg.
 */
static __always_inline int oomkit_declare_oom(u64 cgid, const char *text)
{
	struct mem_cgroup *memcg;
	struct cgroup *cgrp;
	int ret;

	if (!cgid)
		return oomkit_out_of_memory(NULL, text);

	cgrp = bpf_cgroup_from_id(cgid);
	if (!cgrp)
		return -ENOENT;
	if (!BPF_CORE_READ(cgrp, level)) {
		bpf_cgroup_release(cgrp);
		return oomkit_out_of_memory(NULL, text);
	}
	memcg = bpf_get_mem_cgroup(&cgrp->self);
	bpf_cgroup_release(cgrp);
	if (!memcg)
		return -ENOENT;
	/* Belt and braces: a memcg that is the root's, however it was reached. */
	if (!BPF_CORE_READ(memcg, css.cgroup, level)) {
		bpf_put_mem_cgroup(memcg);
		return oomkit_out_of_memory(NULL, text);
	}
	ret = oomkit_out_of_memory(memcg, text);
	bpf_put_mem_cgroup(memcg);
	return ret;
}

/* The zeroed record of a PSI policy's decision on cgroup @cgid (see oomkit_psi_record()). */
static __always_inline struct oomkit_event *
oomkit_psi_event(struct oomkit_psi *psi, u32 decision, u64 cgid, int ret)
{
	struct oomkit_event *ev = oomkit_event_begin(psi->name, psi->trigger);

	if (!ev)
		return NULL;
	ev->decision = decision;
	ev->scope_cgroup_id = cgid;
	ev->score = ret;
	if (ret < 0)
		ev->error = ret;
	return ev;
}

/**
 * oomkit_psi_record - record and send one decision of a PSI policy
 * @psi: the policy's context (its name, what made it run)
 * @decision: an enum oomkit_decision
 * @cgid: the cgroup it is about, 0 = system-wide
 * @ret: what the action returned, in score (and in error if negative); 0 if none
 * @fmt: the reason, a string literal, with its integer arguments after it
 *
 * Filled and sent in one go, after anything that sleeps: the record is the
 * per-CPU scratch slot (events.bpf.h), and PSI work items may overlap, so
 * it must not span a sleep such as oomkit_declare_oom()'s.
 */
#define oomkit_psi_record(psi, decision, cgid, ret, fmt, args...)   \
	({                                                          \
		struct oomkit_event *___ev =                        \
			oomkit_psi_event(psi, decision, cgid, ret); \
                                                                    \
		if (___ev) {                                        \
			oomkit_reason(___ev, fmt, ##args);          \
			oomkit_event_submit(___ev);                 \
		}                                                   \
	})

/*
 * A program's struct oomkit_psi, field by field: an initializer of four
 * pointers becomes a .rodata template with relocations, which libbpf
 * refuses ("relocation against STT_SECTION in non-exec section").
 */
#define __OOMKIT_PSI_CTX(psi, slots_map, policy, trig) \
	struct oomkit_psi psi;                         \
                                                       \
	psi.bpf_psi = NULL;                            \
	psi.slots = &slots_map;                        \
	psi.name = policy;                             \
	psi.trigger = trig

/**
 * OOMKIT_PSI_POLICY - name a PSI policy and define its programs of both levels
 * @prefix: C prefix; the policy defines
 *	`static int <prefix>_watch(struct oomkit_psi *)` (creates the triggers),
 *	`static void <prefix>_pressure(struct oomkit_psi *, u64 cgid)` (a
 *	trigger fired; cgid 0 = system-wide) and
 *	`static void <prefix>_forget(struct oomkit_psi *, u64 cgid)` (a watched
 *	cgroup was freed)
 * @policy_name: the one name, as for OOMKIT_OOM_POLICY()
 * @policy_doc: one line for `oomkit policy list`
 *
 * Place it at the top, as OOMKIT_OOM_POLICY().
 * Level 1: a bpf_psi_ops; init and the event handler are sleepable (the
 * event one runs on the kernel's bpf_psi_wq and may declare an OOM); the
 * free hook only drops state and is not.
 * Level 2 (programs named *___l2, which the loader leaves out at level
 * 1): init is a SEC("syscall") program the loader runs once at attach
 * (its error refuses the load); a tp_btf/psi_avgs_work program samples
 * the watched groups and runs the pressure handler through a bpf_wq
 * callback (sleepable: it may declare an OOM); forget runs at rmdir
 * (tp_btf/cgroup_rmdir), not at the cgroup's free.
 */
#define OOMKIT_PSI_POLICY(prefix, policy_name, policy_doc)                 \
	OOMKIT_POLICY(policy_name, policy_doc);                            \
	static const char prefix##_policy_name[] = policy_name;            \
	static int prefix##_watch(struct oomkit_psi *psi);                 \
	static void prefix##_pressure(struct oomkit_psi *psi, u64 cgid);   \
	static void prefix##_forget(struct oomkit_psi *psi, u64 cgid);     \
                                                                           \
	struct {                                                           \
		__uint(type, BPF_MAP_TYPE_ARRAY);                          \
		__uint(max_entries, OOMKIT_PSI_MAX_WATCH);                 \
		__type(key, u32);                                          \
		__type(value, struct oomkit_psi_slot);                     \
	} prefix##_psi_slots SEC(".maps");                                 \
                                                                           \
	SEC("struct_ops.s/init")                                           \
	int BPF_PROG(prefix##_init, struct bpf_psi *bpf_psi)               \
	{                                                                  \
		__OOMKIT_PSI_CTX(psi, prefix##_psi_slots,                  \
				 prefix##_policy_name, 0);                 \
		psi.bpf_psi = bpf_psi;                                     \
                                                                           \
		return prefix##_watch(&psi);                               \
	}                                                                  \
                                                                           \
	SEC("struct_ops.s/handle_psi_event")                               \
	void BPF_PROG(prefix##_handle_psi_event, struct psi_trigger *t)    \
	{                                                                  \
		__OOMKIT_PSI_CTX(psi, prefix##_psi_slots,                  \
				 prefix##_policy_name, OOMKIT_TRIG_PSI);   \
                                                                           \
		prefix##_pressure(&psi, t->cgroup_id);                     \
	}                                                                  \
                                                                           \
	SEC("struct_ops/handle_cgroup_free")                               \
	void BPF_PROG(prefix##_handle_cgroup_free, u64 cgroup_id)          \
	{                                                                  \
		__OOMKIT_PSI_CTX(psi, prefix##_psi_slots,                  \
				 prefix##_policy_name,                     \
				 OOMKIT_TRIG_CGROUP_FREE);                 \
                                                                           \
		prefix##_forget(&psi, cgroup_id);                          \
	}                                                                  \
                                                                           \
	SEC(".struct_ops.link")                                            \
	struct bpf_psi_ops prefix##_ops = {                                \
		.init = (void *)prefix##_init,                             \
		.handle_psi_event = (void *)prefix##_handle_psi_event,     \
		.handle_cgroup_free = (void *)prefix##_handle_cgroup_free, \
	};                                                                 \
                                                                           \
	SEC("syscall")                                                     \
	int prefix##_init___l2(void *ctx)                                  \
	{                                                                  \
		__OOMKIT_PSI_CTX(psi, prefix##_psi_slots,                  \
				 prefix##_policy_name, 0);                 \
                                                                           \
		oomkit_psi_unwatch_all(&prefix##_psi_slots);               \
		return prefix##_watch(&psi);                               \
	}                                                                  \
                                                                           \
	static int prefix##_psi_wq(void *map, int *key, void *value)       \
	{                                                                  \
		struct oomkit_psi_slot *slot = value;                      \
		__OOMKIT_PSI_CTX(psi, prefix##_psi_slots,                  \
				 prefix##_policy_name, OOMKIT_TRIG_PSI);   \
                                                                           \
		/* forgotten since it was queued */                        \
		if (slot->used)                                            \
			prefix##_pressure(&psi, slot->cgid);               \
		return 0;                                                  \
	}                                                                  \
                                                                           \
	SEC("tp_btf/psi_avgs_work")                                        \
	int BPF_PROG(prefix##_avgs___l2, struct psi_group *group)          \
	{                                                                  \
		oomkit_psi_sample(&prefix##_psi_slots, group,              \
				  prefix##_psi_wq);                        \
		return 0;                                                  \
	}                                                                  \
                                                                           \
	SEC("tp_btf/cgroup_rmdir")                                         \
	int BPF_PROG(prefix##_rmdir___l2, struct cgroup *cgrp,             \
		     const char *path)                                     \
	{                                                                  \
		u64 id;                                                    \
		__OOMKIT_PSI_CTX(psi, prefix##_psi_slots,                  \
				 prefix##_policy_name,                     \
				 OOMKIT_TRIG_CGROUP_FREE);                 \
                                                                           \
		/* hierarchy 0 is cgroup2's */                             \
		if (BPF_CORE_READ(cgrp, root, hierarchy_id))               \
			return 0;                                          \
		id = BPF_CORE_READ(cgrp, kn, id);                          \
		if (oomkit_psi_unwatch(&prefix##_psi_slots, id))           \
			prefix##_forget(&psi, id);                         \
		return 0;                                                  \
	}

#endif /* __OOMKIT_ABI_BPF_H */
