// SPDX-License-Identifier: GPL-2.0
/* bpf_oom_ops handlers that lie, decline, kill a chosen pid, or nest an OOM; each records what it saw. */
#include "abi.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * In: handlers act only on OOMs whose scope is this cgroup id (0 = global
 * OOM), so a stray OOM elsewhere can't be mistaken for the test's.
 */
__u64 scope_cgid;
/* In: the killer's victim, and the pids it first probes for errors (0 = skip). */
__s32 victim_pid;
__s32 probe_eperm_pid;
__s32 probe_einval_pid;

/* Out: a global sequence, so chained handlers show the order they ran in. */
__u64 seq;

/* noop: returns 1 without freeing anything. */
__u64 noop_calls;

/* first, second: decline; *_seq is seq at their first in-scope call (+1, 0 = never). */
__u64 first_calls, first_seq;
__u64 second_calls, second_seq;

/* killer */
__u64 killer_calls;
__u64 victim_pending_calls; /* calls that found the victim already killed */
int kill_ret = 1;	    /* 1 = not attempted */
int eperm_ret = 1;
int einval_ret = 1;
int victim_before; /* bpf_task_is_oom_victim before the kill */
int victim_after;  /* ... and after */
bool freed_before; /* oc->bpf_memory_freed before and after the kill */
bool freed_after;
__u64 scope_usage;    /* bpf_mem_cgroup_usage(oc->memcg) */
bool saw_policy_name; /* oc->bpf_policy_name set while running */
char policy_name[16];

/* nested */
__u64 nested_calls;
int nested_ret = 1;

static __always_inline bool in_scope(struct oom_control *oc)
{
	return oom_scope_id(oc) == scope_cgid;
}

static __always_inline int kill_pid(struct oom_control *oc, s32 pid,
				    const char *msg)
{
	struct task_struct *task;
	int ret;

	task = bpf_task_from_pid(pid);
	if (!task)
		return -ENOENT;
	ret = bpf_oom_kill_process(oc, task, msg);
	bpf_task_release(task);
	return ret;
}

SEC("struct_ops.s/handle_out_of_memory")
int BPF_PROG(noop_oom, struct oom_control *oc)
{
	if (in_scope(oc))
		noop_calls++;
	return 1;
}

SEC("struct_ops.s/handle_out_of_memory")
int BPF_PROG(first_oom, struct oom_control *oc)
{
	if (in_scope(oc) && !first_calls++)
		first_seq = ++seq;
	return 0;
}

SEC("struct_ops.s/handle_out_of_memory")
int BPF_PROG(second_oom, struct oom_control *oc)
{
	if (in_scope(oc) && !second_calls++)
		second_seq = ++seq;
	return 0;
}

SEC("struct_ops.s/handle_out_of_memory")
int BPF_PROG(killer_oom, struct oom_control *oc)
{
	struct mem_cgroup *memcg;
	struct task_struct *task;
	const char *name;

	if (!in_scope(oc))
		return 0;
	killer_calls++;
	memcg = oc->memcg;
	if (memcg)
		scope_usage = bpf_mem_cgroup_usage(memcg);
	name = oc->bpf_policy_name;
	if (name) {
		saw_policy_name = true;
		bpf_probe_read_kernel_str(policy_name, sizeof(policy_name),
					  name);
	}

	if (probe_eperm_pid)
		eperm_ret = kill_pid(oc, probe_eperm_pid, "abi_killer probe");
	if (probe_einval_pid)
		einval_ret = kill_pid(oc, probe_einval_pid, "abi_killer probe");

	task = bpf_task_from_pid(victim_pid);
	if (!task)
		return 0;
	/*
	 * Already killed, still exiting: another OOM came first. Killing it
	 * again would fail (-EINVAL once its mm is gone) and say nothing;
	 * declining lets the kernel see the pending victim and wait.
	 */
	if (bpf_task_is_oom_victim(task)) {
		victim_pending_calls++;
		bpf_task_release(task);
		return 0;
	}
	victim_before = bpf_task_is_oom_victim(task);
	freed_before = oc->bpf_memory_freed;
	kill_ret = bpf_oom_kill_process(oc, task, "abi_killer chose this one");
	freed_after = oc->bpf_memory_freed;
	victim_after = bpf_task_is_oom_victim(task);
	bpf_task_release(task);
	return kill_ret == 0;
}

SEC("struct_ops.s/handle_out_of_memory")
int BPF_PROG(nested_oom, struct oom_control *oc)
{
	struct mem_cgroup *memcg;

	if (!in_scope(oc))
		return 0;
	/* We run under oom_lock: a try-lock OOM must refuse, not deadlock. */
	memcg = oc->memcg;
	if (!nested_calls++ && memcg)
		nested_ret = bpf_out_of_memory(memcg, 0, false, NULL);
	return 0;
}

SEC(".struct_ops.link")
struct bpf_oom_ops noop_ops = {
	.handle_out_of_memory = (void *)noop_oom,
	.name = "abi_noop",
};

SEC(".struct_ops.link")
struct bpf_oom_ops first_ops = {
	.handle_out_of_memory = (void *)first_oom,
	.name = "abi_first",
};

SEC(".struct_ops.link")
struct bpf_oom_ops second_ops = {
	.handle_out_of_memory = (void *)second_oom,
	.name = "abi_second",
};

SEC(".struct_ops.link")
struct bpf_oom_ops killer_ops = {
	.handle_out_of_memory = (void *)killer_oom,
	.name = "abi_killer",
};

SEC(".struct_ops.link")
struct bpf_oom_ops nested_ops = {
	.handle_out_of_memory = (void *)nested_oom,
	.name = "abi_nested",
};
