// SPDX-License-Identifier: GPL-2.0
/* What 'oomkit apply' does: load, keep, replace or unload each policy, and in which order. */
#include "plan.h"

size_t plan_compute(struct plan_item *items, size_t nr)
{
	bool rest = false; /* an OOM policy before was attached anew */
	int last = 0;	   /* attach order of the last kept OOM policy */
	size_t i, n = 0;

	for (i = 0; i < nr; i++) {
		struct plan_item *it = &items[i];

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
			if (it->oom)
				last = it->order;
		}
		if (it->configured && it->oom && it->action != PLAN_KEEP)
			rest = true;
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
