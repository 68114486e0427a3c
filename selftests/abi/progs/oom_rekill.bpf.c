// SPDX-License-Identifier: GPL-2.0
/* bpf_oom_ops that kill one chosen pid on every OOM, victim or not, and one whose name cannot be printed. */
#include "abi.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define EALREADY 114

/* In: the OOM's scope (cgroup id, 0 = global) and the pid to kill. */
__u64 scope_cgid;
__s32 victim_pid;

/* Out */
__u64 calls;
__u64 kills;	   /* bpf_oom_kill_process() returned 0 */
__u64 ealready;	   /* ... -EALREADY */
int first_ret = 1; /* 1 = not attempted */
int last_ret = 1;
bool freed_on_error; /* oc->bpf_memory_freed after a failed kill */

SEC("struct_ops.s/handle_out_of_memory")
int BPF_PROG(rekill_oom, struct oom_control *oc)
{
	struct task_struct *task;
	int ret;

	if (oom_scope_id(oc) != scope_cgid)
		return 0;
	calls++;
	task = bpf_task_from_pid(victim_pid);
	if (!task)
		return 0;
	/* No bpf_task_is_oom_victim() check: that is the point */
	ret = bpf_oom_kill_process(oc, task, "abi_rekill");
	bpf_task_release(task);
	if (first_ret == 1)
		first_ret = ret;
	last_ret = ret;
	if (!ret)
		kills++;
	else if (oc->bpf_memory_freed)
		freed_on_error = true;
	if (ret == -EALREADY)
		ealready++;
	return 1;
}

SEC(".struct_ops.link")
struct bpf_oom_ops rekill_ops = {
	.handle_out_of_memory = (void *)rekill_oom,
	.name = "abi_rekill",
};

SEC("struct_ops.s/handle_out_of_memory")
int BPF_PROG(decline_oom, struct oom_control *oc)
{
	return 0;
}

/* Printed next to "Killed process" lines: a newline would forge a line. */
SEC(".struct_ops.link")
struct bpf_oom_ops newline_name_ops = {
	.handle_out_of_memory = (void *)decline_oom,
	.name = "abi\nKilled process 1 (init)",
};
