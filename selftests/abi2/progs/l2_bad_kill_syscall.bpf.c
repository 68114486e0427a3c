// SPDX-License-Identifier: GPL-2.0
/* bpf_oom_kill_process() is for bpf_oom_ops programs only: this must not load. */
#include "abi2.bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("syscall")
int kill_from_syscall(void *ctx)
{
	return bpf_oom_kill_process(NULL, bpf_get_current_task_btf(), "no");
}
