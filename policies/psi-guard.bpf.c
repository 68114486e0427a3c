// SPDX-License-Identifier: GPL-2.0
/*
 * psi-guard: act on memory pressure before the hard OOM (a PSI policy).
 *
 * Decision rule: at attach, create a PSI memory trigger (threshold_usec of
 * "some" or "full" stall within window_usec) on every cgroup set with
 * --set watch=PATH, or one system-wide trigger if none is set. When a
 * trigger fires, declare an OOM in that cgroup's memcg (a global one for
 * the system-wide trigger) with bpf_out_of_memory(): the attached OOM
 * policies, then the kernel, choose and kill. Load an OOM policy with it
 * (biggest-cgroup is the intended pair). After declaring an OOM in a
 * cgroup, its pressure is ignored for cooldown_usec, so one pressure
 * episode costs one kill. A watched cgroup that is removed has its state
 * dropped.
 *
 * The two ABI levels (docs/compat.md, "PSI policies at level 2"):
 *   level 1  a bpf_psi_ops; kernel triggers judge the stall in a sliding
 *            window; the report's constraint is CONSTRAINT_BPF_PSI_MEM.
 *   level 2  no bpf_psi_ops: the psi:psi_avgs_work tracepoint samples each
 *            watched group about every 2 s and the library compares the
 *            stall growth, scaled to window_usec, with threshold_usec; a
 *            window under 2 s is thus judged on a ~2 s sample, and a group
 *            without tasks gets no samples. The OOM is declared from a
 *            bpf_wq callback; the report shows the kernel's constraint
 *            (CONSTRAINT_MEMCG, or CONSTRAINT_NONE system-wide).
 *
 * Knobs:
 *   watch=PATH        a cgroup to watch (repeatable; default: the system).
 *   full              1 (default): "full" pressure, every task stalled;
 *                     0: "some".
 *   threshold_usec    stall time per window that fires (default 100 ms).
 *   window_usec       the PSI window, at most 10 s (default 1 s).
 *   cooldown_usec     pressure ignored after an OOM (default 10 s).
 *   grace_usec        0 (default): declare at the first report of
 *                     pressure. Else notice and grace: publish a
 *                     `pressure` record naming the cgroup and the likely
 *                     victim (notice.bpf.h), and declare only once the
 *                     watch reports the pressure again at least
 *                     grace_usec later, the episode unbroken (no silence
 *                     longer than 2.5 report periods: a window at level
 *                     1, a ~2 s sample at level 2). At most 10 min.
 *   term              1: the record asks its reader (oomkit run, oomkit
 *                     events) to SIGTERM the likely victim at once; no
 *                     6.12 kfunc signals another task. Needs grace_usec.
 *   reclaim_bytes     reclaim first: the record asks its reader to write
 *                     this to the pressured cgroup's memory.reclaim, so
 *                     the pressure may end within the grace and nothing
 *                     is killed. Needs grace_usec.
 *   reclaim=PATH:N    the per-cgroup form: reclaim N bytes from PATH (a
 *                     cache cgroup) instead, at a notice in a watched
 *                     cgroup at or above it (system-wide: any). Of
 *                     several, the one with the biggest N. memory.reclaim
 *                     ignores the target's own memory.min and .low, so
 *                     this reaches a cache the kernel's reclaim protects.
 *
 * The cgroup2 root as watch=PATH is the system: its trigger is the
 * system-wide one, and it declares a global OOM.
 *
 * The grace is judged in the kernel, never waiting for a reader or its
 * hooks: the OOM comes grace_usec after the notice plus at most one report
 * period (level 1: window_usec; level 2: window_usec rounded up to ~2 s)
 * if the pressure stays, and not at all if it ends.
 *
 * Limits: at most PSI_GUARD_MAX_WATCH (64) cgroups, more fail the load
 * (init returns -E2BIG) rather than leave some unwatched; triggers are
 * created at attach only (load again to change them); a declared OOM in
 * which nothing can be killed still starts the cooldown.
 */
#include "oomkit.bpf.h"

char _license[] SEC("license") = "GPL";

#define PSI_GUARD_MAX_WATCH 64
#define USEC_PER_SEC	    1000000
#define NSEC_PER_USEC	    1000ULL

OOMKIT_PSI_POLICY(
	psi_guard, "psi-guard",
	"declares an OOM in a cgroup under memory pressure, before a hard OOM");
OOMKIT_CGROUP_MAP(watch);
OOMKIT_CGROUP_KNOB(
	watch, watch, 1, 0, 0, 0,
	"put a memory pressure trigger on this cgroup (default: system-wide)");
OOMKIT_TUNABLE(bool, full, true, 0, 1,
	       "1: 'full' memory pressure (all tasks stalled), 0: 'some'");
OOMKIT_TUNABLE(u32, threshold_usec, 100000, 1, 10 * USEC_PER_SEC,
	       "usec: stall time within a window that fires the trigger");
OOMKIT_TUNABLE(u32, window_usec, USEC_PER_SEC, 1, 10 * USEC_PER_SEC,
	       "usec: the PSI window, threshold_usec <= window_usec <= 10 s");
OOMKIT_TUNABLE(
	u64, cooldown_usec, 10 * USEC_PER_SEC, 0, 3600ULL * USEC_PER_SEC,
	"usec: pressure in a cgroup is ignored this long after an OOM there");

OOMKIT_TUNABLE(
	u64, grace_usec, 0, 0, 600ULL * USEC_PER_SEC,
	"usec: notice first, declare only if pressure lasts this long (0: at once)");
OOMKIT_TUNABLE(bool, term, false, 0, 1,
	       "1: the notice asks its reader to SIGTERM the likely victim");
OOMKIT_TUNABLE(
	u64, reclaim_bytes, 0, 0, 1ULL << 40,
	"bytes: the notice asks its reader to reclaim this much from the pressured cgroup");
OOMKIT_CGROUP_MAP(reclaim);
OOMKIT_CGROUP_KNOB(
	reclaim, reclaim, 0, 1, 4096, 1LL << 40,
	"at a notice above this cgroup, reclaim N bytes from it (a cache) instead");

OOMKIT_CONSTRAINT_TEXT(psi_guard_constraint, "CONSTRAINT_BPF_PSI_MEM");

/* Watched cgroup ids, gathered from the watch map in init. */
static u64 watch_ids[PSI_GUARD_MAX_WATCH];
static u32 nr_watch;
static bool watch_overflow;

/* When an OOM was last declared per cgroup id (0 = system-wide), boot ns. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PSI_GUARD_MAX_WATCH + 1);
	__type(key, u64);
	__type(value, u64);
} last_oom_ns SEC(".maps");

/* A pressure episode in its grace, per cgroup id (0 = system-wide). */
struct psi_guard_episode {
	u64 since_ns; /* the notice's boot ns; 0: none (claimed by the declare) */
	u64 last_ns; /* the latest report of it */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PSI_GUARD_MAX_WATCH + 1);
	__type(key, u64);
	__type(value, struct psi_guard_episode);
} episodes SEC(".maps");

static long psi_guard_collect(struct bpf_map *map, u64 *cgid, s64 *val,
			      void *ctx)
{
	u32 n = nr_watch;

	if (n >= PSI_GUARD_MAX_WATCH) {
		watch_overflow = true;
		return 1;
	}
	watch_ids[n] = *cgid;
	nr_watch = n + 1;
	return 0;
}

static int psi_guard_watch(struct oomkit_psi *psi)
{
	u32 i;
	int err;

	nr_watch = 0;
	watch_overflow = false;
	bpf_for_each_map_elem(&watch, psi_guard_collect, NULL, 0);
	/* Watching only some of them would be silent loss of protection. */
	if (watch_overflow)
		return -E2BIG;
	if (!nr_watch)
		return oomkit_psi_watch(psi, 0, full, threshold_usec,
					window_usec);

	for (i = 0; i < PSI_GUARD_MAX_WATCH && i < nr_watch; i++) {
		err = oomkit_psi_watch(psi, watch_ids[i], full, threshold_usec,
				       window_usec);
		if (err)
			return err;
	}
	return 0;
}

/* The reclaim= cgroup a notice in cgroup @scope (0: the system) reclaims from. */
struct psi_guard_reclaim {
	u64 scope;
	u32 level; /* @scope's depth */
	u64 cgid;
	s64 bytes; /* 0: none found */
};

static long psi_guard_reclaim_pick(struct bpf_map *map, u64 *cgid, s64 *bytes,
				   struct psi_guard_reclaim *r)
{
	struct cgroup *cgrp;
	bool under;

	if (*bytes <= r->bytes)
		return 0;
	if (r->scope) {
		cgrp = bpf_cgroup_from_id(*cgid);
		if (!cgrp)
			return 0;
		under = oomkit_cgroup_under(cgrp, r->level, r->scope);
		bpf_cgroup_release(cgrp);
		/* reclaim elsewhere would not lower this cgroup's usage */
		if (!under)
			return 0;
	}
	r->cgid = *cgid;
	r->bytes = *bytes;
	return 0;
}

/* Asks the notice's reader to reclaim first, if a reclaim is set for @cgid. */
static void psi_guard_reclaim_ask(struct oomkit_event *ev, u64 cgid)
{
	struct psi_guard_reclaim r = { .scope = cgid };
	struct cgroup *cgrp;

	if (cgid) {
		cgrp = bpf_cgroup_from_id(cgid);
		if (!cgrp)
			return;
		r.level = BPF_CORE_READ(cgrp, level);
		bpf_cgroup_release(cgrp);
	}
	bpf_for_each_map_elem(&reclaim, psi_guard_reclaim_pick, &r, 0);
	if (!r.bytes && reclaim_bytes) {
		r.cgid = cgid;
		r.bytes = reclaim_bytes;
	}
	if (!r.bytes)
		return;
	ev->reclaim_cgroup_id = r.cgid;
	ev->reclaim_bytes = r.bytes;
	ev->flags |= OOMKIT_EVF_RECLAIM;
}

/* Publishes the notice of a new episode: the record, the likely victim, the deadline. */
static void psi_guard_notice(struct oomkit_psi *psi, u64 cgid, u64 now)
{
	struct oomkit_likely likely;
	struct oomkit_event *ev;
	int err;

	oomkit_stat_inc(OOMKIT_STAT_PRESSURE_NOTICES);
	/* walks and may sleep: before the record (oomkit_psi_record()) */
	err = oomkit_likely_victim(cgid, &likely);
	ev = oomkit_psi_event(psi, OOMKIT_DEC_PRESSURE, cgid, err);
	if (!ev)
		return;
	oomkit_notice_fill(ev, &likely);
	ev->deadline_ns = now + grace_usec * NSEC_PER_USEC;
	if (term && likely.pid)
		ev->flags |= OOMKIT_EVF_TERM;
	psi_guard_reclaim_ask(ev, cgid);
	oomkit_reason(ev, "%s pressure %u/%u us: OOM in %llu ms if it stays",
		      full ? "full" : "some", threshold_usec, window_usec,
		      grace_usec / 1000);
	oomkit_event_submit(ev);
}

/*
 * The grace: true once the pressure reported now is the same episode as
 * a notice at least grace_usec old, and this report claimed the declare.
 * A report after a silence of more than 2.5 report periods starts a new
 * episode: a new notice, a new grace.
 */
static bool psi_guard_grace_over(struct oomkit_psi *psi, u64 cgid, u64 now)
{
	u64 gap = oomkit_psi_period_usec(window_usec) * NSEC_PER_USEC * 5 / 2;
	struct psi_guard_episode *ep,
		fresh = { .since_ns = now, .last_ns = now };
	u64 since;

	ep = bpf_map_lookup_elem(&episodes, &cgid);
	if (!ep || !ep->since_ns || now - ep->last_ns > gap) {
		bpf_map_update_elem(&episodes, &cgid, &fresh, BPF_ANY);
		psi_guard_notice(psi, cgid, now);
		return false;
	}
	ep->last_ns = now;
	since = ep->since_ns;
	if (now - since < grace_usec * NSEC_PER_USEC) {
		oomkit_stat_inc(OOMKIT_STAT_GRACE_WAITS);
		return false;
	}
	/* reports may overlap: one of them declares */
	return __sync_val_compare_and_swap(&ep->since_ns, since, 0) == since;
}

static void psi_guard_pressure(struct oomkit_psi *psi, u64 cgid)
{
	u64 now = bpf_ktime_get_boot_ns(), *last, since = 0;
	int ret;

	oomkit_stat_inc(OOMKIT_STAT_PSI_EVENTS);
	last = bpf_map_lookup_elem(&last_oom_ns, &cgid);
	if (last) {
		since = now - *last;
		if (since < cooldown_usec * NSEC_PER_USEC) {
			oomkit_stat_inc(OOMKIT_STAT_COOLDOWN);
			oomkit_psi_record(
				psi, OOMKIT_DEC_COOLDOWN, cgid, 0,
				"pressure again %llu ms after an OOM, cooldown %llu ms",
				since / 1000000, cooldown_usec / 1000);
			return;
		}
	}

	if (grace_usec && !psi_guard_grace_over(psi, cgid, now))
		return;

	/* Start the cooldown now: an event queued meanwhile must not declare a second OOM. */
	bpf_map_update_elem(&last_oom_ns, &cgid, &now, BPF_ANY);
	ret = oomkit_declare_oom(cgid, psi_guard_constraint);
	now = bpf_ktime_get_boot_ns();
	bpf_map_update_elem(&last_oom_ns, &cgid, &now, BPF_ANY);

	if (ret >= 0)
		oomkit_stat_inc(OOMKIT_STAT_OOMS_DECLARED);
	oomkit_psi_record(psi, OOMKIT_DEC_DECLARE_OOM, cgid, ret,
			  "%s pressure %u/%u us: OOM declared, %s",
			  full ? "full" : "some", threshold_usec, window_usec,
			  ret > 0  ? "memory freed" :
			  ret == 0 ? "nothing freed" :
				     "failed");
}

static void psi_guard_forget(struct oomkit_psi *psi, u64 cgid)
{
	bpf_map_delete_elem(&last_oom_ns, &cgid);
	bpf_map_delete_elem(&episodes, &cgid);
	bpf_map_delete_elem(&watch, &cgid);
	oomkit_stat_inc(OOMKIT_STAT_CGROUPS_FREED);
	oomkit_psi_record(psi, OOMKIT_DEC_CGROUP_FREED, cgid, 0,
			  "watched cgroup %llu removed: its state dropped",
			  cgid);
}
