// SPDX-License-Identifier: GPL-2.0
/* What 'oomkit apply' does: load, keep, replace or unload each policy, and in which order. */
#include "plan.h"

/*
 * The configured OOM policies before item @i in its run list: whether one
 * is attached anew (*@rest), and the attach order of the last one kept.
 */
static int run_list_so_far(const struct plan_item *items, size_t i, bool *rest)
{
	const struct plan_item *it = &items[i];
	int last = 0;
	size_t j;

	*rest = false;
	for (j = 0; j < i; j++) {
		const struct plan_item *b = &items[j];

		if (!b->configured || !b->oom || b->run_list != it->run_list)
			continue;
		if (b->action != PLAN_KEEP)
			*rest = true;
		else
			last = b->order;
	}
	return last;
}

size_t plan_compute(struct plan_item *items, size_t nr)
{
	size_t i, n = 0;
	bool rest;
	int last;

	for (i = 0; i < nr; i++) {
		struct plan_item *it = &items[i];

		last = run_list_so_far(items, i, &rest);

		it->why = PLAN_WHY_NONE;
		if (!it->configured) {
			it->action = it->loaded ? PLAN_UNLOAD : PLAN_KEEP;
			if (it->loaded)
				it->why = PLAN_WHY_REMOVED;
		} else if (!it->loaded) {
			it->action = PLAN_LOAD;
			it->why = PLAN_WHY_NEW;
		} else if (it->policy_changed) {
			it->action = PLAN_REPLACE;
			it->why = PLAN_WHY_POLICY;
		} else if (it->scope_changed) {
			it->action = PLAN_REPLACE;
			it->why = PLAN_WHY_SCOPE;
		} else if (!it->comparable) {
			it->action = PLAN_REPLACE;
			it->why = PLAN_WHY_UNDECODED;
		} else if (!it->same_tunables) {
			it->action = PLAN_REPLACE;
			it->why = PLAN_WHY_TUNABLES;
		} else if (it->oom && (rest || it->order <= last)) {
			it->action = PLAN_REPLACE;
			it->why = PLAN_WHY_ORDER;
		} else {
			it->action = PLAN_KEEP;
		}
		n += it->action != PLAN_KEEP;
	}
	return n;
}

const char *plan_action_name(enum plan_action a)
{
	switch (a) {
	case PLAN_KEEP:
		return "keep";
	case PLAN_LOAD:
		return "load";
	case PLAN_REPLACE:
		return "replace";
	case PLAN_UNLOAD:
		return "unload";
	}
	return "?";
}

const char *plan_why_text(enum plan_why w)
{
	switch (w) {
	case PLAN_WHY_NONE:
		return "";
	case PLAN_WHY_NEW:
		return "not loaded";
	case PLAN_WHY_TUNABLES:
		return "its tunables changed";
	case PLAN_WHY_ORDER:
		return "after one attached anew, to keep the config's order";
	case PLAN_WHY_REMOVED:
		return "not in the config";
	case PLAN_WHY_UNDECODED:
		return "loaded without its tunables pinned (an older oomkit)";
	case PLAN_WHY_POLICY:
		return "its policy changed";
	case PLAN_WHY_SCOPE:
		return "its scope changed";
	}
	return "?";
}
