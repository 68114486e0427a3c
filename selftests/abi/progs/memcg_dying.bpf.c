// SPDX-License-Identifier: GPL-2.0
/* bpf_get_mem_cgroup() on the css of a removed cgroup that dying memory keeps: NULL, as kernel-abi.md says. */
#include "abi.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* In: where to walk from, the removed cgroup and a live one below it. */
__u64 root_cgid;
__u64 dying_cgid;
__u64 live_cgid;

/* Out: per walk, whether it gave each css and what bpf_get_mem_cgroup() made of it. */
int walk_err;
bool self_dying_seen;
int self_dying_got = -1; /* 1: non-NULL */
int self_live_got = -1;
bool memcg_dying_seen;
int memcg_dying_got = -1;
int memcg_live_got = -1;

static __always_inline int try_get(struct cgroup_subsys_state *css)
{
	struct mem_cgroup *memcg = bpf_get_mem_cgroup(css);

	if (!memcg)
		return 0;
	bpf_put_mem_cgroup(memcg);
	return 1;
}

SEC("syscall")
int get_dying(void *ctx)
{
	struct cgroup_subsys_state *pos;
	struct mem_cgroup *top;
	struct cgroup *cgrp;
	__u64 id;

	cgrp = bpf_cgroup_from_id(root_cgid);
	if (!cgrp) {
		walk_err = -ENOENT;
		return 0;
	}
	/* The cgroups' self csses: offline_css() unlinks a dying memcg from them. */
	bpf_rcu_read_lock();
	bpf_for_each(css, pos, &cgrp->self, BPF_CGROUP_ITER_DESCENDANTS_PRE) {
		id = pos->cgroup->kn->id;
		if (id == dying_cgid) {
			self_dying_seen = true;
			self_dying_got = try_get(pos);
		} else if (id == live_cgid) {
			self_live_got = try_get(pos);
		}
	}
	bpf_rcu_read_unlock();

	/* The memcg csses themselves: a dying one is still in the tree. */
	top = bpf_get_mem_cgroup(&cgrp->self);
	bpf_cgroup_release(cgrp);
	if (!top) {
		walk_err = -EINVAL;
		return 0;
	}
	bpf_rcu_read_lock();
	bpf_for_each(css, pos, &top->css, BPF_CGROUP_ITER_DESCENDANTS_PRE) {
		id = pos->cgroup->kn->id;
		if (id == dying_cgid) {
			memcg_dying_seen = true;
			memcg_dying_got = try_get(pos);
		} else if (id == live_cgid) {
			memcg_live_got = try_get(pos);
		}
	}
	bpf_rcu_read_unlock();
	bpf_put_mem_cgroup(top);
	return 0;
}
