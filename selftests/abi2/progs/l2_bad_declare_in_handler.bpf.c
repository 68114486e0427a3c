// SPDX-License-Identifier: GPL-2.0
/* A bpf_oom_ops handler runs under oom_lock: it may not declare an OOM, this must not load. */
#include "abi2.bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("struct_ops.s/handle_out_of_memory")
int BPF_PROG(declare_in_handler, struct oom_control *oc, struct cgroup *cgrp)
{
	return bpf_out_of_memory___l2(NULL, 0, 0);
}

SEC(".struct_ops.link")
struct bpf_oom_ops___l2 bad_declare_ops = {
	.handle_out_of_memory = (void *)declare_in_handler,
	.name = "l2_bad_declare",
};
