// SPDX-License-Identifier: GPL-2.0
/* The memcg kfuncs from a syscall program (BPF_PROG_TEST_RUN), including a css iterator walk. */
#include "abi.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define MAX_WALK 16

/* In: the cgroup to read. */
__u64 target_cgid;

/* Out of read_memcg. */
int read_err;
__u64 usage;
__u64 root_usage;
__u64 events[MEMCG_NR_MEMORY_EVENTS];
__u64 anon_bytes;
__u64 file_bytes;
__u64 kmem_bytes;
__u64 pgfault;
__u64 bad_state_neg;
__u64 bad_state_big;
__u64 bad_event_big;
__u64 untracked_event;
__u64 bad_memory_event;
int current_is_victim = -1; /* bpf_task_is_oom_victim: any program type */

/* Out of walk_css: every css the iterator gave, as seen through its memcg. */
int walk_err;
__u32 nr_walked;
__u64 walk_ids[MAX_WALK];
__u64 walk_usage[MAX_WALK];

SEC("syscall")
int read_memcg(void *ctx)
{
	struct mem_cgroup *memcg, *root;
	struct cgroup *cgrp;
	int i;

	cgrp = bpf_cgroup_from_id(target_cgid);
	if (!cgrp) {
		read_err = -ENOENT;
		return 0;
	}
	/* The cgroup's own self css, not its memory css. */
	memcg = bpf_get_mem_cgroup(&cgrp->self);
	bpf_cgroup_release(cgrp);
	if (!memcg) {
		read_err = -EINVAL;
		return 0;
	}

	bpf_mem_cgroup_flush_stats(memcg);
	usage = bpf_mem_cgroup_usage(memcg);
	for (i = 0; i < MEMCG_NR_MEMORY_EVENTS; i++)
		events[i] = bpf_mem_cgroup_memory_events(memcg, i);
	anon_bytes = bpf_mem_cgroup_page_state(memcg, NR_ANON_MAPPED);
	file_bytes = bpf_mem_cgroup_page_state(memcg, NR_FILE_PAGES);
	kmem_bytes = bpf_mem_cgroup_page_state(memcg, MEMCG_KMEM);
	pgfault = bpf_mem_cgroup_vm_events(memcg, PGFAULT);
	bad_state_neg = bpf_mem_cgroup_page_state(memcg, -1);
	bad_state_big = bpf_mem_cgroup_page_state(memcg, MEMCG_NR_STAT);
	bad_event_big = bpf_mem_cgroup_vm_events(memcg, NR_VM_EVENT_ITEMS);
	/* A global-only vm event: memcgs don't count frees. */
	untracked_event = bpf_mem_cgroup_vm_events(memcg, PGFREE);
	bad_memory_event =
		bpf_mem_cgroup_memory_events(memcg, MEMCG_NR_MEMORY_EVENTS);
	bpf_put_mem_cgroup(memcg);
	current_is_victim = bpf_task_is_oom_victim(bpf_get_current_task_btf());

	root = bpf_get_root_mem_cgroup();
	if (!root) {
		read_err = -EINVAL;
		return 0;
	}
	root_usage = bpf_mem_cgroup_usage(root);
	bpf_put_mem_cgroup(root);
	return 0;
}

SEC("syscall")
int walk_css(void *ctx)
{
	struct cgroup_subsys_state *pos;
	struct mem_cgroup *memcg;
	struct cgroup *cgrp;
	u32 n = 0;

	cgrp = bpf_cgroup_from_id(target_cgid);
	if (!cgrp) {
		walk_err = -ENOENT;
		return 0;
	}
	bpf_rcu_read_lock();
	bpf_for_each(css, pos, &cgrp->self, BPF_CGROUP_ITER_DESCENDANTS_PRE) {
		if (n >= MAX_WALK)
			break;
		/* pos is each cgroup's self css: the kfunc must find the memcg from it. */
		memcg = bpf_get_mem_cgroup(pos);
		if (!memcg) {
			walk_err = -EINVAL;
			continue;
		}
		walk_ids[n] = pos->cgroup->kn->id;
		walk_usage[n] = bpf_mem_cgroup_usage(memcg);
		bpf_put_mem_cgroup(memcg);
		n++;
	}
	bpf_rcu_read_unlock();
	bpf_cgroup_release(cgrp);
	nr_walked = n;
	return 0;
}
