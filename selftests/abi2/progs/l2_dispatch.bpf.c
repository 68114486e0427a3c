// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_oom_ops at level 2: recorders that log each call (which map, which
 * attachment cgroup) and pass, and a killer that ends the chain.
 */
#include "abi2.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define NR_RECS 16

/* In: OOMs of this memcg's cgroup are logged (0: global OOMs) */
__u64 scope_cgid;
/* In: the killer tries this task first (e.g. an oom_score_adj -1000 one), */
int first_pid;
/* then this one */
int kill_pid;

/* Out: the calls of the scoped OOMs, in order */
__u32 rec_tag[NR_RECS];
__u64 rec_cgid[NR_RECS];
__u32 nr_recs;
/* Out: calls of OOMs out of scope */
__u32 nr_other;
/* (set to 1 before: 0 is success) */
int first_ret;
int kill_ret;

static __always_inline int record(__u32 tag, struct oom_control *oc,
				  struct cgroup *cgrp)
{
	__u32 i = nr_recs;

	if (oom_scope_id(oc) != scope_cgid) {
		nr_other++;
		return 0;
	}
	if (i < NR_RECS) {
		rec_tag[i] = tag;
		rec_cgid[i] = cgrp->kn->id;
	}
	nr_recs = i + 1;
	return 1;
}

#define RECORDER(x, tag)                                                   \
	SEC("struct_ops.s/handle_out_of_memory")                           \
	int BPF_PROG(rec_##x, struct oom_control *oc, struct cgroup *cgrp) \
	{                                                                  \
		record(tag, oc, cgrp);                                     \
		return 0;                                                  \
	}                                                                  \
	SEC(".struct_ops.link")                                            \
	struct bpf_oom_ops___l2 ops_##x = {                                \
		.handle_out_of_memory = (void *)rec_##x,                   \
		.name = "l2_rec_" #x,                                      \
	}

RECORDER(a, 'a');
RECORDER(b, 'b');
RECORDER(c, 'c');
RECORDER(d, 'd');
RECORDER(e, 'e');

/* Claims progress without killing: the chain must go on */
SEC("struct_ops.s/handle_out_of_memory")
int BPF_PROG(liar, struct oom_control *oc, struct cgroup *cgrp)
{
	record('l', oc, cgrp);
	return 1;
}

SEC(".struct_ops.link")
struct bpf_oom_ops___l2 ops_liar = {
	.handle_out_of_memory = (void *)liar,
	.name = "l2_liar",
};

static __always_inline int kill_pid_nr(struct oom_control *oc, int pid)
{
	struct task_struct *task;
	int ret;

	task = bpf_task_from_pid(pid);
	if (!task)
		return -1;
	ret = bpf_oom_kill_process(oc, task, "abi2 killer");
	bpf_task_release(task);
	return ret;
}

SEC("struct_ops.s/handle_out_of_memory")
int BPF_PROG(killer, struct oom_control *oc, struct cgroup *cgrp)
{
	if (!record('k', oc, cgrp))
		return 0;
	if (first_pid)
		first_ret = kill_pid_nr(oc, first_pid);
	kill_ret = kill_pid_nr(oc, kill_pid);
	return kill_ret == 0;
}

SEC(".struct_ops.link")
struct bpf_oom_ops___l2 ops_killer = {
	.handle_out_of_memory = (void *)killer,
	.name = "l2_killer",
};

/* Declares a global OOM, or one of memcg declare_cgid */
__u64 declare_cgid;
__u64 declare_flags;
int declare_order;
int declare_ret;

SEC("syscall")
int declare(void *ctx)
{
	struct mem_cgroup *memcg = NULL;
	struct cgroup *cgrp;

	if (declare_cgid) {
		cgrp = bpf_cgroup_from_id(declare_cgid);
		if (!cgrp)
			return 0;
		memcg = bpf_get_mem_cgroup(&cgrp->self);
		bpf_cgroup_release(cgrp);
		if (!memcg)
			return 0;
	}
	declare_ret =
		bpf_out_of_memory___l2(memcg, declare_order, declare_flags);
	if (memcg)
		bpf_put_mem_cgroup(memcg);
	return 0;
}
