// SPDX-License-Identifier: GPL-2.0
/* Must be rejected: a memcg reference from bpf_get_mem_cgroup (KF_ACQUIRE) never put. */
#include "abi.bpf.h"

char LICENSE[] SEC("license") = "GPL";

__u64 target_cgid;
__u64 usage;

SEC("syscall")
int leak_memcg(void *ctx)
{
	struct mem_cgroup *memcg;
	struct cgroup *cgrp;

	cgrp = bpf_cgroup_from_id(target_cgid);
	if (!cgrp)
		return 0;
	memcg = bpf_get_mem_cgroup(&cgrp->self);
	bpf_cgroup_release(cgrp);
	if (memcg)
		usage = bpf_mem_cgroup_usage(memcg);
	return 0; /* no bpf_put_mem_cgroup(memcg) */
}
