// SPDX-License-Identifier: GPL-2.0
/* Must be rejected: bpf_out_of_memory (KF_SLEEPABLE) from a non-sleepable handler. */
#include "abi.bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("struct_ops/handle_out_of_memory")
int BPF_PROG(bad_oom_oom, struct oom_control *oc)
{
	struct mem_cgroup *memcg = oc->memcg;

	if (!memcg)
		return 0;
	return bpf_out_of_memory(memcg, 0, false, NULL) > 0;
}

SEC(".struct_ops.link")
struct bpf_oom_ops bad_oom_ops = {
	.handle_out_of_memory = (void *)bad_oom_oom,
	.name = "abi_bad_oom",
};
