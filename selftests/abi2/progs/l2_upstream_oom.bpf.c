// SPDX-License-Identifier: GPL-2.0
/*
 * The level-2 upstream OOM selftest's policy, our own: one map attached to
 * /oom_test and to the root. An instance passes OOMs of its own cgroup's
 * memcg, so /oom_test's passes and the root's, later in the array, kills
 * every task of the biggest leaf under the OOM's scope (usage minus page
 * cache), never a cgroup that holds an oom_score_adj -1000 task.
 */
#include "abi2.bpf.h"
#include "selftests/abi/progs/upstream_leaf.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* In: only OOMs of this memcg (the test's /oom_test) are handled */
__u64 scope_cgid;

/* Out */
__u64 passed_cgid; /* the attachment that passed */
__u64 killer_cgid; /* the attachment that killed */
__u64 victim_cgid;
__u32 nr_killed;
int last_kill_ret;

SEC("struct_ops.s/handle_out_of_memory")
int BPF_PROG(l2_upstream_oom, struct oom_control *oc, struct cgroup *cgrp)
{
	struct mem_cgroup *scope, *memcg, *victim = NULL;
	struct cgroup_subsys_state *pos;
	unsigned long usage, cache, max_usage = 0;
	struct task_struct *task;
	enum leaf_state state;
	bool pending = false;
	int ret = 0;

	scope = oc->memcg;
	if (!scope || memcg_cgroup_id(scope) != scope_cgid)
		return 0;
	/* this attachment's own memcg OOMs: leave them to the next one */
	if (memcg_cgroup_id(scope) == cgrp->kn->id) {
		passed_cgid = cgrp->kn->id;
		return 0;
	}
	killer_cgid = cgrp->kn->id;
	scope = bpf_get_mem_cgroup(&scope->css);
	if (!scope)
		return 0;

	bpf_rcu_read_lock();
	bpf_for_each(css, pos, &scope->css, BPF_CGROUP_ITER_DESCENDANTS_POST) {
		if (pos->cgroup->nr_descendants ||
		    pos->cgroup->nr_dying_descendants)
			continue;
		memcg = bpf_get_mem_cgroup(pos);
		if (!memcg)
			continue;
		usage = bpf_mem_cgroup_usage(memcg);
		cache = bpf_mem_cgroup_page_state(memcg, NR_FILE_PAGES);
		usage = usage > cache ? usage - cache : 0;
		state = leaf_state(memcg);
		if (state == LEAF_PENDING) {
			bpf_put_mem_cgroup(memcg);
			pending = true;
			break;
		}
		if (usage > max_usage && state == LEAF_KILLABLE) {
			max_usage = usage;
			if (victim)
				bpf_put_mem_cgroup(victim);
			victim = bpf_get_mem_cgroup(&memcg->css);
		}
		bpf_put_mem_cgroup(memcg);
	}
	bpf_rcu_read_unlock();

	if (victim && !pending) {
		victim_cgid = memcg_cgroup_id(victim);
		bpf_for_each(css_task, task, &victim->css,
			     CSS_TASK_ITER_PROCS) {
			if (bpf_task_is_oom_victim(task)) {
				ret = 1;
				continue;
			}
			last_kill_ret = bpf_oom_kill_process(
				oc, task, "abi2 upstream policy");
			if (!last_kill_ret) {
				nr_killed++;
				ret = 1;
			}
		}
	}
	if (victim)
		bpf_put_mem_cgroup(victim);
	if (pending)
		ret = 1;
	bpf_put_mem_cgroup(scope);
	return ret;
}

SEC(".struct_ops.link")
struct bpf_oom_ops___l2 l2_upstream_oom_ops = {
	.handle_out_of_memory = (void *)l2_upstream_oom,
	.name = "l2_upstream",
};
