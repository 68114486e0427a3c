/* SPDX-License-Identifier: GPL-2.0 */
/* What 'oomkit apply' does: load, keep, replace or unload each policy, and in which order. */
#ifndef __OOMKIT_PLAN_H
#define __OOMKIT_PLAN_H

#include <stdbool.h>
#include <stddef.h>

enum plan_action {
	PLAN_KEEP, /* loaded as configured (its settings may change in place) */
	PLAN_LOAD, /* configured, not loaded */
	PLAN_REPLACE, /* a new instance attached, then the old one detached */
	PLAN_UNLOAD,  /* loaded, no longer configured */
};

enum plan_why {
	PLAN_WHY_NONE,
	PLAN_WHY_NEW,	   /* not loaded */
	PLAN_WHY_TUNABLES, /* its loaded .rodata is not what the config gives */
	PLAN_WHY_ORDER,	   /* after one attached anew: to keep the run order */
	PLAN_WHY_REMOVED,  /* not in the config */
	PLAN_WHY_UNDECODED, /* loaded without its rodata pin: can't compare */
	PLAN_WHY_POLICY,    /* the section names another policy now */
	PLAN_WHY_SCOPE,	    /* ... or another scope cgroup */
};

/* One configured policy, in the config's order, or one loaded and not configured. */
struct plan_item {
	const char *name;
	bool configured;
	bool loaded;
	bool comparable;     /* its loaded tunables could be read */
	bool same_tunables;  /* ... and are what the config gives */
	bool policy_changed; /* loaded from another policy than configured */
	bool scope_changed;  /* its scope is not the configured cgroup */
	bool oom;  /* has a bpf_oom_ops handler: its run order matters */
	int order; /* its attach order now, 1 runs first; 0: n/a */
	/*
	 * The handler list it runs in: level 2 runs a cgroup's own handlers
	 * in their order (its scope's cgroup id); level 1 has one (0).
	 */
	unsigned long long run_list;
	/* what plan_compute() decided */
	enum plan_action action;
	enum plan_why why;
};

/*
 * At ABI level 1 every attached bpf_oom_ops runs in attach order, and a
 * new instance attaches last: so once one configured OOM policy is
 * (re)attached, every configured one after it is replaced too, and a kept
 * one must already run after the kept one before it. Level 2 does the
 * same per cgroup: the rule holds within each run list. Items not
 * configured are unloaded. Returns how many items change (not PLAN_KEEP).
 */
size_t plan_compute(struct plan_item *items, size_t nr);
const char *plan_action_name(enum plan_action a);
const char *plan_why_text(enum plan_why w);

#endif /* __OOMKIT_PLAN_H */
