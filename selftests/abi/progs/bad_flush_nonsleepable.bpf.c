// SPDX-License-Identifier: GPL-2.0
/* Must be rejected: bpf_mem_cgroup_flush_stats (KF_SLEEPABLE) from a non-sleepable handler. */
#include "abi.bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("struct_ops/handle_out_of_memory")
int BPF_PROG(bad_flush_oom, struct oom_control *oc)
{
	struct mem_cgroup *memcg = oc->memcg;

	if (memcg)
		bpf_mem_cgroup_flush_stats(memcg);
	return 0;
}

SEC(".struct_ops.link")
struct bpf_oom_ops bad_flush_ops = {
	.handle_out_of_memory = (void *)bad_flush_oom,
	.name = "abi_bad_flush",
};
