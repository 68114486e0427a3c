// SPDX-License-Identifier: GPL-2.0
/*
 * The level-2 upstream PSI selftest's program, our own, on 6.12: on
 * psi:psi_avgs_work of cg2's group, a baseline of its full memory stall
 * time, then, once it grew by more than 50 ms in one update, a memcg OOM
 * on cg2 declared from a bpf_wq callback (tp_btf programs do not sleep,
 * bpf_out_of_memory() does; 6.12 has no bpf_task_work).
 */
#include "abi2.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define STALL_NS (50 * 1000 * 1000ULL)

struct elem {
	struct bpf_wq wq;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, int);
	__type(value, struct elem);
} wqs SEC(".maps");

/* In */
__u64 cg2_id;

/* Out */
__u32 cg2_events;
__u64 last_full;
__u64 growth;
__u32 declared;
int wq_ret;
int oom_ret;
__u32 oom_done;

static int declare_oom(void *map, int *key, void *value)
{
	struct mem_cgroup *memcg;
	struct cgroup *cgrp;

	cgrp = bpf_cgroup_from_id(cg2_id);
	if (!cgrp)
		return 0;
	memcg = bpf_get_mem_cgroup(&cgrp->self);
	bpf_cgroup_release(cgrp);
	if (!memcg)
		return 0;
	oom_ret = bpf_out_of_memory___l2(memcg, 0,
					 BPF_OOM_FLAGS_WAIT_ON_OOM_LOCK___l2);
	bpf_put_mem_cgroup(memcg);
	oom_done = 1;
	return 0;
}

SEC("tp_btf/psi_avgs_work")
int BPF_PROG(l2_psi_avgs_work, struct psi_group *group)
{
	struct cgroup *cgrp;
	struct elem *elem;
	bool mine;
	__u64 full;
	int key = 0;

	cgrp = bpf_cgroup_from_id(cg2_id);
	if (!cgrp)
		return 0;
	mine = cgrp->psi == group;
	bpf_cgroup_release(cgrp);
	if (!mine)
		return 0;

	cg2_events++;
	/* 6.12: u64 total[NR_PSI_AGGREGATORS][NR_PSI_STATES - 1], flat in BTF */
	full = group->total[PSI_AVGS * (NR_PSI_STATES - 1) + PSI_MEM_FULL];
	if (cg2_events == 1 || declared) {
		last_full = full;
		return 0;
	}
	growth = full - last_full;
	last_full = full;
	if (growth <= STALL_NS)
		return 0;

	elem = bpf_map_lookup_elem(&wqs, &key);
	if (!elem)
		return 0;
	declared = 1;
	wq_ret = bpf_wq_init(&elem->wq, &wqs, 0);
	if (!wq_ret)
		wq_ret = bpf_wq_set_callback_impl(&elem->wq, declare_oom, 0,
						  NULL);
	if (!wq_ret)
		wq_ret = bpf_wq_start(&elem->wq, 0);
	return 0;
}
