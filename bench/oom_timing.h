/* SPDX-License-Identifier: GPL-2.0 */
/* The records oom_timing.bpf.c fills for the benchmark: kernel clocks of each out_of_memory() call. */
#ifndef __OOMKIT_BENCH_OOM_TIMING_H
#define __OOMKIT_BENCH_OOM_TIMING_H

/* Included after vmlinux.h (BPF) or <linux/types.h> (user space). */

#define OOM_TIMING_MAX 512

/*
 * One out_of_memory() call. Every time is bpf_ktime_get_ns(), i.e.
 * CLOCK_MONOTONIC, the clock user space reads with clock_gettime().
 */
struct oom_sample {
	__u64 oom_ns; /* out_of_memory() entry */
	__u64 end_ns; /* its exit (0: still running) */
	__u64 handler_ns; /* time in bpf_handle_oom(): every BPF policy, kill included */
	__u64 scan_ns; /* time in mem_cgroup_scan_tasks() before the kill: the kernel's selection */
	__u64 kill_ns; /* first oom_kill_process() entry (0: nothing killed) */
	__u64 kill_end_ns; /* its exit */
	__u64 memcg_cgid;  /* the OOMing memcg's cgroup id, 0 = global */
	__u32 tid;	   /* the task that ran out_of_memory() */
	__s32 victim_pid;  /* oc->chosen at the kill */
	__u32 constraint; /* oc->constraint at the kill (enum oom_constraint) */
	__u32 ret;	  /* out_of_memory()'s return */
	__u32 declared; /* 1: constraint CONSTRAINT_BPF, an OOM declared by bpf_out_of_memory() */
	__u32 pad;
	/* private to the BPF side: entry times of the open calls */
	__u64 handler_start;
	__u64 scan_start;
};

#endif /* __OOMKIT_BENCH_OOM_TIMING_H */
