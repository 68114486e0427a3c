// SPDX-License-Identifier: GPL-2.0
/*
 * The upstream PSI selftest's program: triggers on cg2 (memory, full) and
 * cg1 (io); a cg2 event declares a memcg OOM there with a custom constraint.
 */
#include "abi.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define MSEC   1000u
#define SEC_US 1000000u

/* In */
__u64 cg1_id;
__u64 cg2_id;

/* A writable buffer, see psi_oom.bpf.c; the literal form is tested on its own. */
char constraint_text[32] = "CONSTRAINT_BPF_PSI_MEM";

/* Out */
int cg1_trigger_ret = 1000;
int cg2_trigger_ret = 1000;
__u64 freed_id;
__u64 free_calls;
__u64 cg2_events;
int oom_ret = 1000;
bool oom_done;

SEC("struct_ops.s/init")
int BPF_PROG(upstream_psi_init, struct bpf_psi *bpf_psi)
{
	cg2_trigger_ret = bpf_psi_create_trigger(bpf_psi, cg2_id,
						 PSI_MEM | ABI_PSI_FULL,
						 100 * MSEC, 1 * SEC_US);
	cg1_trigger_ret = bpf_psi_create_trigger(bpf_psi, cg1_id, PSI_IO,
						 100 * MSEC, 1 * SEC_US);
	return cg2_trigger_ret ?: cg1_trigger_ret;
}

SEC("struct_ops.s/handle_psi_event")
void BPF_PROG(upstream_psi_event, struct psi_trigger *t)
{
	struct mem_cgroup *memcg;
	struct cgroup *cgrp;

	if (t->cgroup_id != cg2_id)
		return;
	cg2_events++;
	/* One declared OOM that made progress is the whole story. */
	if (oom_done)
		return;
	cgrp = bpf_cgroup_from_id(cg2_id);
	if (!cgrp)
		return;
	memcg = bpf_get_mem_cgroup(&cgrp->self);
	bpf_cgroup_release(cgrp);
	if (!memcg)
		return;
	oom_ret = bpf_out_of_memory(memcg, 0, true, constraint_text);
	if (oom_ret > 0)
		oom_done = true;
	bpf_put_mem_cgroup(memcg);
}

SEC("struct_ops/handle_cgroup_free")
void BPF_PROG(upstream_psi_free, u64 cgroup_id)
{
	free_calls++;
	if (cgroup_id == cg1_id)
		freed_id = cgroup_id;
}

SEC(".struct_ops.link")
struct bpf_psi_ops upstream_psi_ops = {
	.init = (void *)upstream_psi_init,
	.handle_psi_event = (void *)upstream_psi_event,
	.handle_cgroup_free = (void *)upstream_psi_free,
};
