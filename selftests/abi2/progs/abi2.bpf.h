/* SPDX-License-Identifier: GPL-2.0 */
/* What the level-2 ABI programs share: the level-2 types and kfuncs, as CO-RE ___l2 flavors. */
#ifndef __ABI2_BPF_H
#define __ABI2_BPF_H

/*
 * The top-level vmlinux.h is level 1's. The few level-2 shapes these
 * programs need are declared here as ___l2 flavors: libbpf strips the
 * suffix when it matches struct_ops types and kfunc externs against the
 * kernel's BTF, so the objects load on the level-2 kernel only (which is
 * what they test) while building against level 1's header, and `make all`
 * needs no level-2 kernel.
 */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "kfuncs.bpf.h"

#define EPERM  1
#define EINTR  4
#define EBUSY  16
#define EINVAL 22
#define EACCES 13

#define ABI_MAX_PAGE_ORDER 10

/* kernel-abi-level2.md section 2 */
struct bpf_oom_ops___l2 {
	int (*handle_out_of_memory)(struct oom_control *oc,
				    struct cgroup *cgrp);
	char name[64];
};

/* section 5: enum bpf_oom_flags */
#define BPF_OOM_FLAGS_WAIT_ON_OOM_LOCK___l2 (1ULL << 0)

int bpf_out_of_memory___l2(struct mem_cgroup *memcg__nullable, int order,
			   u64 flags) __ksym __weak;

/* 6.12's bpf_wq (section 4: the sleepable hop of a tp_btf program) */
int bpf_wq_init(struct bpf_wq *wq, void *p__map,
		unsigned int flags) __ksym __weak;
int bpf_wq_start(struct bpf_wq *wq, unsigned int flags) __ksym __weak;
int bpf_wq_set_callback_impl(struct bpf_wq *wq,
			     int(callback_fn)(void *map, int *key, void *value),
			     unsigned int flags__k,
			     void *aux__ign) __ksym __weak;

static __always_inline u64 memcg_cgroup_id(struct mem_cgroup *memcg)
{
	return memcg->css.cgroup->kn->id;
}

/* The cgroup id of the OOM's memcg: 0 for a global OOM. */
static __always_inline u64 oom_scope_id(struct oom_control *oc)
{
	struct mem_cgroup *memcg = oc->memcg;

	return memcg ? memcg_cgroup_id(memcg) : 0;
}

#endif /* __ABI2_BPF_H */
