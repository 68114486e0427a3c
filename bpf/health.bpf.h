/* SPDX-License-Identifier: GPL-2.0 */
/* Policy health: OOMs passed on without freeing memory, the slowest decision, and a trip that stops a failing policy. */
#ifndef __OOMKIT_HEALTH_BPF_H
#define __OOMKIT_HEALTH_BPF_H

/*
 * A policy that keeps passing OOMs on (returns 0: the next handler or the
 * kernel's killer acts) or claims progress it did not make (1 with no kill
 * and no victim exiting) is failing its cgroups quietly. The library
 * counts both, per OOM in the policy's scope (a fallback only when a kill
 * followed: OOMKIT_KILL_HOOKS()), and with max_fallbacks set,
 * trips after that many within fallback_window_usec: from then on the
 * policy passes every OOM on untouched, as sched_ext's watchdog takes a
 * stuck scheduler out, and the trip record asks its reader to detach the
 * links (a BPF program cannot detach its own struct_ops). Observe and
 * shadow pass OOMs on by design: never counted.
 */
const volatile u32 max_fallbacks = 0;
const volatile u64 fallback_window_usec = 60ULL * 1000000;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct oomkit_health);
} oomkit_health SEC(".maps");

static __always_inline struct oomkit_health *oomkit_health_get(void)
{
	u32 key = 0;

	return bpf_map_lookup_elem(&oomkit_health, &key);
}

/* Tripped: the handler passes the OOM on before the policy sees it. */
static __always_inline bool oomkit_health_tripped(void)
{
	struct oomkit_health *h = oomkit_health_get();

	if (!h || !h->tripped_ns)
		return false;
	oomkit_stat_inc(OOMKIT_STAT_TRIPPED_SKIPS);
	return true;
}

/*
 * An OOM the policy passed on, waiting to see whether a kill follows in
 * the same out_of_memory() (under oom_lock, as the handler): only then
 * did the kernel's killer, or the next policy, have to act for it. An
 * exiting victim the kernel waits for is no fallback.
 */
struct oomkit_health_pass {
	u64 scope_id;
	u32 trigger;
	u32 pending;
};

/* Not static: see oomkit_shadow_last. */
struct oomkit_health_pass oomkit_health_passed;

/* The trip's record: what happened, and the reader is to detach the policy. */
static __always_inline void oomkit_health_trip(const char *name,
					       struct oomkit_health *h)
{
	struct oomkit_health_pass *p = &oomkit_health_passed;
	struct oomkit_event *ev;

	h->tripped_ns = bpf_ktime_get_boot_ns();
	ev = oomkit_event_begin(name, p->trigger);
	if (!ev)
		return;
	ev->decision = OOMKIT_DEC_TRIPPED;
	ev->scope_cgroup_id = p->scope_id;
	ev->flags = OOMKIT_EVF_DETACH;
	oomkit_reason(ev, "%u OOMs passed on within %llu ms: passing all on",
		      h->window_fallbacks, fallback_window_usec / 1000);
	oomkit_event_submit(ev);
}

/*
 * After the policy decided OOM @oom in @ns and returned @ret: the slowest
 * decision; a false claim at once; an OOM passed on, to be counted if a
 * kill follows (oomkit_health_victim()).
 */
static __always_inline void oomkit_health_note(struct oomkit_oom *oom, int ret,
					       u64 ns)
{
	struct oomkit_health *h = oomkit_health_get();
	struct oomkit_health_pass *p = &oomkit_health_passed;

	if (!h)
		return;
	if (ns > h->worst_ns)
		h->worst_ns = ns;
	if (!oomkit_killing() || oom->freed)
		return;
	if (ret && oom->pending)
		return;
	if (ret)
		oomkit_stat_inc(OOMKIT_STAT_FALSE_CLAIMS);
	p->scope_id = oom->scope_id;
	p->trigger = oom->trigger;
	p->pending = 1;
}

/* The kernel marks a victim: an OOM this policy @name passed on cost a kill elsewhere. */
static __always_inline void oomkit_health_victim(const char *name)
{
	struct oomkit_health_pass *p = &oomkit_health_passed;
	struct oomkit_health *h;
	u64 now;

	if (!p->pending)
		return;
	p->pending = 0;
	oomkit_stat_inc(OOMKIT_STAT_FALLBACKS);
	h = oomkit_health_get();
	if (!h || !max_fallbacks || h->tripped_ns)
		return;
	now = bpf_ktime_get_boot_ns();
	if (now - h->window_start_ns > fallback_window_usec * 1000) {
		h->window_start_ns = now;
		h->window_fallbacks = 0;
	}
	if (++h->window_fallbacks >= max_fallbacks)
		oomkit_health_trip(name, h);
}

/* out_of_memory() returns: what was passed on and not followed by a kill is forgotten. */
static __always_inline void oomkit_health_oom_end(void)
{
	oomkit_health_passed.pending = 0;
}

/*
 * The programs that see what the kernel did after the handlers, in every
 * OOM policy but observe: the first victim it marks (mark_oom_victim())
 * and the end of out_of_memory(). Shadow compares them with its choice,
 * health counts the fallbacks. OOM handlers, kills and the end all run
 * under oom_lock.
 */
#if OOMKIT_OBSERVE
#define OOMKIT_KILL_HOOKS(prefix)
#else
#define OOMKIT_KILL_HOOKS(prefix)                                             \
	SEC("tp_btf/mark_victim")                                             \
	int BPF_PROG(oomkit_mark_victim, struct task_struct *task, uid_t uid) \
	{                                                                     \
		oomkit_shadow_victim(task);                                   \
		oomkit_health_victim(prefix##_policy_name);                   \
		return 0;                                                     \
	}                                                                     \
	SEC("fexit/out_of_memory")                                            \
	int BPF_PROG(oomkit_oom_done, struct oom_control *oc, bool ret)       \
	{                                                                     \
		oomkit_shadow_oom_end();                                      \
		oomkit_health_oom_end();                                      \
		return 0;                                                     \
	}
#endif

/* The health tunables' listing, in every OOM policy but observe (OOMKIT_OOM_POLICY()). */
#if OOMKIT_OBSERVE
#define OOMKIT_HEALTH()
#else
#define OOMKIT_HEALTH()                                              \
	__OOMKIT_META(tunable_max_fallbacks) = {                     \
		.kind = OOMKIT_META_TUNABLE,                         \
		.min = 0,                                            \
		.max = 1000000,                                      \
		.name = "max_fallbacks",                             \
		.doc = "trip after this many OOMs passed on within " \
		       "fallback_window_usec (0: never)",            \
	};                                                           \
	__OOMKIT_META(tunable_fallback_window_usec) = {              \
		.kind = OOMKIT_META_TUNABLE,                         \
		.min = 1,                                            \
		.max = 86400ULL * 1000000,                           \
		.name = "fallback_window_usec",                      \
		.doc = "usec: the window max_fallbacks counts in",   \
	}
#endif

#endif /* __OOMKIT_HEALTH_BPF_H */
