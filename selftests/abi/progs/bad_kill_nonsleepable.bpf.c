// SPDX-License-Identifier: GPL-2.0
/* Must be rejected: bpf_oom_kill_process (KF_SLEEPABLE) from a non-sleepable handler. */
#include "abi.bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("struct_ops/handle_out_of_memory")
int BPF_PROG(bad_kill_oom, struct oom_control *oc)
{
	struct task_struct *task = bpf_get_current_task_btf();

	return bpf_oom_kill_process(oc, task, "never") == 0;
}

SEC(".struct_ops.link")
struct bpf_oom_ops bad_kill_ops = {
	.handle_out_of_memory = (void *)bad_kill_oom,
	.name = "abi_bad_kill",
};
