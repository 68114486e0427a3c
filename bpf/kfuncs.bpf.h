/* SPDX-License-Identifier: GPL-2.0 */
/* Declarations of the BPF OOM kfuncs and the 6.12 kfuncs oomkit relies on. */
#ifndef __OOMKIT_KFUNCS_BPF_H
#define __OOMKIT_KFUNCS_BPF_H

/*
 * Strong references: every kernel oomkit runs on has each of these, and a
 * missing one is libbpf's plain "not found in kernel BTF" at load. The
 * kfuncs whose shape depends on the ABI level are __weak: libbpf binds a
 * weak extern only if the kernel's prototype is compatible (argument count
 * included), else to 0, so one object resolves on both levels and
 * abi.bpf.h picks the form with bpf_ksym_exists().
 */

/* The BPF OOM series, on both levels. */
int bpf_oom_kill_process(struct oom_control *oc, struct task_struct *task,
			 const char *message__str) __ksym;
bool bpf_task_is_oom_victim(struct task_struct *task) __ksym;

/* Level 1 only (kernel-abi.md): the declare-OOM form and bpf_psi_ops' trigger. */
int bpf_out_of_memory(struct mem_cgroup *memcg__nullable, int order,
		      bool wait_on_oom_lock,
		      const char *constraint_text__nullable) __ksym __weak;
int bpf_psi_create_trigger(struct bpf_psi *bpf_psi, u64 cgroup_id, u32 resource,
			   u32 threshold_us, u32 window_us) __ksym __weak;

/*
 * Level 2 only (kernel-abi-level2.md §5): the declare-OOM form with flags.
 * A CO-RE flavor: libbpf matches it to the kernel's bpf_out_of_memory by
 * the name before "___", which lets it sit beside level 1's declaration.
 */
int bpf_out_of_memory___l2(struct mem_cgroup *memcg__nullable, int order,
			   u64 flags) __ksym __weak;

/* memcg kfuncs, in their mainline (7.0) form. */
struct mem_cgroup *bpf_get_mem_cgroup(struct cgroup_subsys_state *css) __ksym;
struct mem_cgroup *bpf_get_root_mem_cgroup(void) __ksym;
void bpf_put_mem_cgroup(struct mem_cgroup *memcg) __ksym;
unsigned long bpf_mem_cgroup_usage(struct mem_cgroup *memcg) __ksym;
unsigned long bpf_mem_cgroup_page_state(struct mem_cgroup *memcg,
					int idx) __ksym;
unsigned long bpf_mem_cgroup_vm_events(struct mem_cgroup *memcg,
				       enum vm_event_item event) __ksym;
unsigned long
bpf_mem_cgroup_memory_events(struct mem_cgroup *memcg,
			     enum memcg_memory_event event) __ksym;
void bpf_mem_cgroup_flush_stats(struct mem_cgroup *memcg) __ksym;

/* Present in 6.12. */
struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym;
void bpf_task_release(struct task_struct *p) __ksym;
struct task_struct *bpf_task_from_pid(s32 pid) __ksym;
struct cgroup *bpf_cgroup_from_id(u64 cgid) __ksym;
void bpf_cgroup_release(struct cgroup *cgrp) __ksym;
void bpf_rcu_read_lock(void) __ksym;
void bpf_rcu_read_unlock(void) __ksym;

/* bpf_wq (6.10): abi.bpf.h's sleepable hop from level 2's PSI tracepoint. */
int bpf_wq_init(struct bpf_wq *wq, void *p__map, unsigned int flags) __ksym;
int bpf_wq_start(struct bpf_wq *wq, unsigned int flags) __ksym;
int bpf_wq_set_callback_impl(struct bpf_wq *wq,
			     int(callback_fn)(void *map, int *key, void *value),
			     unsigned int flags__k, void *aux__ign) __ksym;

/*
 * Open-coded iterators behind bpf_for_each(css, ...), bpf_for_each(css_task,
 * ...) and bpf_for_each(task, ...). vmlinux.h carries no kfunc prototypes
 * (the BTF has no kfunc decl tags, and oomkit.bpf.h sets
 * BPF_NO_KFUNC_PROTOTYPES anyway), so they are declared here, as in
 * selftests' bpf_experimental.h.
 */
int bpf_iter_css_new(struct bpf_iter_css *it, struct cgroup_subsys_state *start,
		     unsigned int flags) __ksym;
struct cgroup_subsys_state *bpf_iter_css_next(struct bpf_iter_css *it) __ksym;
void bpf_iter_css_destroy(struct bpf_iter_css *it) __ksym;
int bpf_iter_css_task_new(struct bpf_iter_css_task *it,
			  struct cgroup_subsys_state *css,
			  unsigned int flags) __ksym;
struct task_struct *bpf_iter_css_task_next(struct bpf_iter_css_task *it) __ksym;
void bpf_iter_css_task_destroy(struct bpf_iter_css_task *it) __ksym;
int bpf_iter_task_new(struct bpf_iter_task *it, struct task_struct *task,
		      unsigned int flags) __ksym;
struct task_struct *bpf_iter_task_next(struct bpf_iter_task *it) __ksym;
void bpf_iter_task_destroy(struct bpf_iter_task *it) __ksym;

#endif /* __OOMKIT_KFUNCS_BPF_H */
