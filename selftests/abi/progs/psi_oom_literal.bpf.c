// SPDX-License-Identifier: GPL-2.0
/* bpf_out_of_memory() with its constraint text a string literal, as kernel-abi.md section 6 calls it. */
#include "abi.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* In */
__u64 target_cgid;

/* Out */
__u64 init_calls;
int oom_ret = 1000;

SEC("struct_ops.s/init")
int BPF_PROG(psi_oom_literal_init, struct bpf_psi *bpf_psi)
{
	struct mem_cgroup *memcg;
	struct cgroup *cgrp;

	init_calls++;
	cgrp = bpf_cgroup_from_id(target_cgid);
	if (!cgrp)
		return 0;
	memcg = bpf_get_mem_cgroup(&cgrp->self);
	bpf_cgroup_release(cgrp);
	if (!memcg)
		return 0;
	oom_ret = bpf_out_of_memory(memcg, 0, true, "CONSTRAINT_ABI_LITERAL");
	bpf_put_mem_cgroup(memcg);
	return 0;
}

SEC(".struct_ops.link")
struct bpf_psi_ops psi_oom_literal_ops = {
	.init = (void *)psi_oom_literal_init,
};
