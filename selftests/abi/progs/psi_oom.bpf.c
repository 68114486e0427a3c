// SPDX-License-Identifier: GPL-2.0
/* bpf_out_of_memory() called from a bpf_psi_ops init, which runs synchronously in the attaching task. */
#include "abi.bpf.h"

char LICENSE[] SEC("license") = "GPL";

enum {
	MODE_TEXT = 1,	/* custom constraint text */
	MODE_NULL,	/* NULL text: CONSTRAINT_BPF */
	MODE_BAD_ORDER, /* orders outside 0..MAX_PAGE_ORDER */
	MODE_GLOBAL,	/* NULL memcg: a system-wide OOM, NULL text */
};

/* In */
int mode;
__u64 target_cgid;
/*
 * Writable: the verifier checks a kfunc's plain memory argument for
 * writes too. psi_oom_literal.bpf.c checks a string literal on its own.
 */
char constraint_text[32] = "CONSTRAINT_ABI_TEXT";

/* Out */
__u64 init_calls;
int lookup_err;
int oom_ret = 1000;
int order_high_ret = 1000;
int order_neg_ret = 1000;

SEC("struct_ops.s/init")
int BPF_PROG(psi_oom_init, struct bpf_psi *bpf_psi)
{
	struct mem_cgroup *memcg;
	struct cgroup *cgrp;

	init_calls++;
	if (mode == MODE_GLOBAL) {
		oom_ret = bpf_out_of_memory(NULL, 0, true, NULL);
		return 0;
	}
	cgrp = bpf_cgroup_from_id(target_cgid);
	if (!cgrp) {
		lookup_err = -ENOENT;
		return 0;
	}
	memcg = bpf_get_mem_cgroup(&cgrp->self);
	bpf_cgroup_release(cgrp);
	if (!memcg) {
		lookup_err = -EINVAL;
		return 0;
	}

	switch (mode) {
	case MODE_TEXT:
		oom_ret = bpf_out_of_memory(memcg, 0, true, constraint_text);
		break;
	case MODE_NULL:
		oom_ret = bpf_out_of_memory(memcg, 0, true, NULL);
		break;
	case MODE_BAD_ORDER:
		/* Scoped to the test memcg, so a missing check can't hit the VM. */
		order_high_ret = bpf_out_of_memory(
			memcg, ABI_MAX_PAGE_ORDER + 1, true, NULL);
		order_neg_ret = bpf_out_of_memory(memcg, -1, true, NULL);
		break;
	}
	bpf_put_mem_cgroup(memcg);
	return 0;
}

SEC(".struct_ops.link")
struct bpf_psi_ops psi_oom_ops = {
	.init = (void *)psi_oom_init,
};
