/* SPDX-License-Identifier: GPL-2.0 */
/* What the ABI conformance programs share: headers, errno values, small helpers. */
#ifndef __ABI_BPF_H
#define __ABI_BPF_H

/*
 * These programs test the kernel ABI itself, so they spell out the raw
 * struct_ops definitions instead of using bpf/'s policy macros: a change of
 * ABI must show up here as a failing test, not be absorbed by a wrapper.
 */
/* kfuncs are declared by bpf/kfuncs.bpf.h, as for the policies. */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "kfuncs.bpf.h"

#define EPERM  1
#define ENOENT 2
#define EBUSY  16
#define EINVAL 22

/* Not in BTF: a macro of the kernel; 10 on x86 (CONFIG_ARCH_FORCE_MAX_ORDER unset). */
#define ABI_MAX_PAGE_ORDER 10

#define ABI_PSI_FULL 0x80000000u

static __always_inline u64 memcg_cgroup_id(struct mem_cgroup *memcg)
{
	return memcg->css.cgroup->kn->id;
}

/* The cgroup id of the OOM's scope: 0 for a global OOM. */
static __always_inline u64 oom_scope_id(struct oom_control *oc)
{
	struct mem_cgroup *memcg = oc->memcg;

	return memcg ? memcg_cgroup_id(memcg) : 0;
}

#endif /* __ABI_BPF_H */
