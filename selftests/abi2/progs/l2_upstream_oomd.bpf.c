// SPDX-License-Identifier: GPL-2.0
/*
 * A systemd-oomd-like policy on level 2, our own program for the upstream
 * test_oomd scenario. Attached like test_oom (the scope cgroup's instance
 * passes, the root's decides). Candidates are the leaves, and the cgroups
 * with memory.oom.group, under the OOM's scope; a preference map (by cgroup
 * id, filled by the loader) OMITs some and AVOIDs others (chosen last);
 * cgroups holding an oom_score_adj -1000 task are skipped. Score: growth
 * of pgscan since the last OOM, then usage. Every task of the winner is
 * killed; the decision goes to an array map.
 */
#include "abi2.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define OOM_SCORE_ADJ_MIN (-1000)

enum preference {
	PREF_NONE,
	PREF_OMIT,
	PREF_AVOID,
};

struct decision {
	__u64 cgid;
	__u32 pid;
	int kill_ret;
	__u32 candidates;
	__u32 omitted;
	__u32 unkillable;
	__u32 nr_killed;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u64);
	__type(value, __u32);
} preferences SEC(".maps");

/* pgscan at the last OOM, per cgroup id */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u64);
	__type(value, __u64);
} last_pgscan SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct decision);
} decisions SEC(".maps");

/* In: the scope (the test's /oomd_test) */
__u64 scope_cgid;

static bool has_unkillable(struct mem_cgroup *memcg)
{
	struct task_struct *task;

	bpf_for_each(css_task, task, &memcg->css, CSS_TASK_ITER_PROCS) {
		if (task->signal->oom_score_adj == OOM_SCORE_ADJ_MIN)
			return true;
	}
	return false;
}

static __u64 pgscan_growth(struct mem_cgroup *memcg, __u64 cgid)
{
	__u64 now, *last, growth;

	now = bpf_mem_cgroup_vm_events(memcg, PGSCAN_KSWAPD) +
	      bpf_mem_cgroup_vm_events(memcg, PGSCAN_DIRECT) +
	      bpf_mem_cgroup_vm_events(memcg, PGSCAN_KHUGEPAGED);
	last = bpf_map_lookup_elem(&last_pgscan, &cgid);
	growth = last && *last <= now ? now - *last : now;
	bpf_map_update_elem(&last_pgscan, &cgid, &now, BPF_ANY);
	return growth;
}

SEC("struct_ops.s/handle_out_of_memory")
int BPF_PROG(l2_oomd, struct oom_control *oc, struct cgroup *cgrp)
{
	__u64 best_growth = 0, best_usage = 0, growth, usage, cgid;
	struct mem_cgroup *scope, *memcg, *victim = NULL;
	bool best_avoid = true, avoid;
	struct cgroup_subsys_state *pos;
	struct task_struct *task;
	struct decision *d;
	__u32 zero = 0, *pref;
	int ret = 0;

	scope = oc->memcg;
	if (!scope || memcg_cgroup_id(scope) != scope_cgid)
		return 0;
	if (memcg_cgroup_id(scope) == cgrp->kn->id)
		return 0;
	d = bpf_map_lookup_elem(&decisions, &zero);
	if (!d)
		return 0;
	scope = bpf_get_mem_cgroup(&scope->css);
	if (!scope)
		return 0;

	bpf_rcu_read_lock();
	bpf_for_each(css, pos, &scope->css, BPF_CGROUP_ITER_DESCENDANTS_POST) {
		if (pos == &scope->css)
			continue;
		memcg = bpf_get_mem_cgroup(pos);
		if (!memcg)
			continue;
		if (pos->cgroup->nr_descendants && !memcg->oom_group)
			goto next;
		cgid = pos->cgroup->kn->id;
		pref = bpf_map_lookup_elem(&preferences, &cgid);
		if (pref && *pref == PREF_OMIT) {
			d->omitted++;
			goto next;
		}
		if (has_unkillable(memcg)) {
			d->unkillable++;
			goto next;
		}
		d->candidates++;
		avoid = pref && *pref == PREF_AVOID;
		growth = pgscan_growth(memcg, cgid);
		usage = bpf_mem_cgroup_usage(memcg);
		if (victim &&
		    (avoid > best_avoid ||
		     (avoid == best_avoid &&
		      (growth < best_growth ||
		       (growth == best_growth && usage <= best_usage)))))
			goto next;
		if (victim)
			bpf_put_mem_cgroup(victim);
		victim = bpf_get_mem_cgroup(&memcg->css);
		best_avoid = avoid;
		best_growth = growth;
		best_usage = usage;
next:
		bpf_put_mem_cgroup(memcg);
	}
	bpf_rcu_read_unlock();

	if (victim) {
		d->cgid = memcg_cgroup_id(victim);
		bpf_for_each(css_task, task, &victim->css,
			     CSS_TASK_ITER_PROCS) {
			if (bpf_task_is_oom_victim(task)) {
				ret = 1;
				continue;
			}
			d->kill_ret = bpf_oom_kill_process(oc, task,
							   "abi2 oomd policy");
			if (!d->kill_ret) {
				if (!d->nr_killed)
					d->pid = task->tgid;
				d->nr_killed++;
				ret = 1;
			}
		}
		bpf_put_mem_cgroup(victim);
	}
	bpf_put_mem_cgroup(scope);
	return ret;
}

SEC(".struct_ops.link")
struct bpf_oom_ops___l2 l2_oomd_ops = {
	.handle_out_of_memory = (void *)l2_oomd,
	.name = "l2_systemd_oomd",
};
