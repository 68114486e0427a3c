// SPDX-License-Identifier: GPL-2.0
/*
 * newest-cgroup: a sample drop-in policy, built outside the oomkit binary.
 *
 * Decision rule: in the OOM scope, kill in the most recently created leaf
 * memcg (the highest cgroup id: ids only grow), on the idea that the
 * workload started last is the least established one; leaves smaller than
 * min_leaf_bytes are passed over, and size breaks nothing (ids are unique).
 * Leaves with an oom_score_adj -1000 task are skipped; an OOM victim still
 * exiting means nothing more is killed. The biggest task of the leaf dies,
 * or all of them with kill_all (or memory.oom.group).
 *
 * Knobs:
 *   min_leaf_bytes  leaves using less are never chosen (default 1 MiB).
 *   kill_all        1: kill every task of the chosen leaf.
 *
 * Install: make build/samples/newest-cgroup.bpf.o, then
 *   install -o root -m 0644 build/samples/newest-cgroup.bpf.o /usr/local/lib/oomkit/policies/
 *   oomkit policy load newest-cgroup
 * (oomkit refuses a drop-in that is not root's or is group/world-writable,
 * and one whose file is not named after its policy: <name>.bpf.o.)
 */
#include "oomkit.bpf.h"

char _license[] SEC("license") = "GPL";

OOMKIT_OOM_POLICY(
	newest_cgroup, "newest-cgroup",
	"sample drop-in: kill in the newest leaf cgroup of the OOM scope");
OOMKIT_TUNABLE(u64, min_leaf_bytes, 1 << 20, 0, 1LL << 50,
	       "bytes: smaller leaves are never chosen");
OOMKIT_TUNABLE(bool, kill_all, false, 0, 1,
	       "1: kill every task of the chosen leaf");

static bool newest_cgroup_rank(struct oomkit_oom *oom, struct mem_cgroup *memcg,
			       struct cgroup_subsys_state *css,
			       struct oomkit_leaf *leaf)
{
	leaf->tiebreak = leaf->cgid;
	return leaf->bytes >= min_leaf_bytes;
}

static int newest_cgroup_oom(struct oomkit_oom *oom)
{
	struct oomkit_event *ev = oom->ev;
	struct oomkit_pick pick;
	struct oomkit_leaf *best = &pick.top[0];

	oomkit_pick_leaf(oom, &pick, false, newest_cgroup_rank);
	if (pick.victim_pid)
		return oomkit_decide_pending(oom, &pick);
	if (!best->cgid)
		return oomkit_decide_none(oom);

	oomkit_event_set_victim(ev, best);
	oomkit_reason(
		ev, "newest leaf (cgroup %llu): %llu.%llu MiB of %llu.%llu MiB",
		best->cgid, OOMKIT_MIB(best->bytes),
		OOMKIT_MIB_10TH(best->bytes), OOMKIT_MIB(ev->scope_bytes),
		OOMKIT_MIB_10TH(ev->scope_bytes));
	return oomkit_kill_cgroup(oom, best->cgid, kill_all, false);
}
