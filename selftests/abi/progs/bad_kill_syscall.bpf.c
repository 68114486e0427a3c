// SPDX-License-Identifier: GPL-2.0
/* Must be rejected: bpf_oom_kill_process from a (sleepable) syscall program, not a struct_ops one. */
#include "abi.bpf.h"

char LICENSE[] SEC("license") = "GPL";

struct oom_control *oc_from_nowhere;

SEC("syscall")
int kill_from_syscall(void *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();

	return bpf_oom_kill_process(oc_from_nowhere, task, "never");
}
