// SPDX-License-Identifier: GPL-2.0
/* Kernel-side clocks of every OOM for the benchmark: entry, policy handlers, the kernel's scan, the kill. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "oom_timing.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * fentry/fexit rather than kprobes: one trampoline each, so the probes cost
 * the same on the kernel's path and on a policy's. select_bad_process() is
 * inlined into out_of_memory(); for a memcg OOM its whole walk is the one
 * mem_cgroup_scan_tasks() call, which is global and traceable.
 */

struct oom_sample samples[OOM_TIMING_MAX];
__u32 nr_samples;
__u32 dropped;

/* In: a process whose first throttling over memory.high is timed. Out: when. */
__s32 high_pid;
__u64 over_high_ns;

/* tid -> index of its open out_of_memory() call */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} open_calls SEC(".maps");

static struct oom_sample *current_sample(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), *idx;

	idx = bpf_map_lookup_elem(&open_calls, &tid);
	if (!idx || *idx >= OOM_TIMING_MAX)
		return NULL;
	return &samples[*idx];
}

SEC("fentry/out_of_memory")
int BPF_PROG(oom_enter, struct oom_control *oc)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u32 idx = __sync_fetch_and_add(&nr_samples, 1);
	struct oom_sample *s;

	if (idx >= OOM_TIMING_MAX) {
		__sync_fetch_and_add(&dropped, 1);
		return 0;
	}
	s = &samples[idx];
	s->oom_ns = bpf_ktime_get_ns();
	s->tid = tid;
	s->memcg_cgid =
		oc->memcg ? BPF_CORE_READ(oc, memcg, css.cgroup, kn, id) : 0;
	bpf_map_update_elem(&open_calls, &tid, &idx, BPF_ANY);
	return 0;
}

SEC("fexit/out_of_memory")
int BPF_PROG(oom_exit, struct oom_control *oc, bool ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct oom_sample *s = current_sample();

	if (!s)
		return 0;
	s->end_ns = bpf_ktime_get_ns();
	s->ret = ret;
	bpf_map_delete_elem(&open_calls, &tid);
	return 0;
}

SEC("fentry/bpf_handle_oom")
int BPF_PROG(handler_enter, struct oom_control *oc)
{
	struct oom_sample *s = current_sample();

	if (s)
		s->handler_start = bpf_ktime_get_ns();
	return 0;
}

SEC("fexit/bpf_handle_oom")
int BPF_PROG(handler_exit, struct oom_control *oc, bool ret)
{
	struct oom_sample *s = current_sample();

	if (s && s->handler_start)
		s->handler_ns += bpf_ktime_get_ns() - s->handler_start;
	return 0;
}

SEC("fentry/mem_cgroup_scan_tasks")
int BPF_PROG(scan_enter, struct mem_cgroup *memcg)
{
	struct oom_sample *s = current_sample();

	/* a memory.oom.group kill scans too, inside oom_kill_process(): not selection */
	if (s && !s->kill_ns)
		s->scan_start = bpf_ktime_get_ns();
	return 0;
}

SEC("fexit/mem_cgroup_scan_tasks")
int BPF_PROG(scan_exit, struct mem_cgroup *memcg)
{
	struct oom_sample *s = current_sample();

	if (s && !s->kill_ns && s->scan_start) {
		s->scan_ns += bpf_ktime_get_ns() - s->scan_start;
		s->scan_start = 0;
	}
	return 0;
}

SEC("fentry/oom_kill_process")
int BPF_PROG(kill_enter, struct oom_control *oc, const char *message)
{
	struct oom_sample *s = current_sample();

	if (!s || s->kill_ns)
		return 0;
	s->kill_ns = bpf_ktime_get_ns();
	s->victim_pid = BPF_CORE_READ(oc, chosen, pid);
	s->constraint = BPF_CORE_READ(oc, constraint);
	s->declared = s->constraint == CONSTRAINT_BPF;
	return 0;
}

SEC("fexit/oom_kill_process")
int BPF_PROG(kill_exit, struct oom_control *oc, const char *message)
{
	struct oom_sample *s = current_sample();

	if (s && s->kill_ns && !s->kill_end_ns)
		s->kill_end_ns = bpf_ktime_get_ns();
	return 0;
}

/*
 * Called on the way back to user space of a task charged over its
 * memory.high (and from the charge path once it is far over): the
 * throttling, and so the memory pressure, starts here.
 */
SEC("fentry/mem_cgroup_handle_over_high")
int BPF_PROG(over_high, gfp_t gfp_mask)
{
	struct task_struct *task = bpf_get_current_task_btf();

	if (!high_pid || over_high_ns || task->tgid != high_pid ||
	    !task->memcg_nr_pages_over_high)
		return 0;
	over_high_ns = bpf_ktime_get_ns();
	return 0;
}
