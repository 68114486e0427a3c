// SPDX-License-Identifier: GPL-2.0
/* Must be rejected: a handler writing to the oom_control it is given (read-only to BPF). */
#include "abi.bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("struct_ops.s/handle_out_of_memory")
int BPF_PROG(bad_write_oom, struct oom_control *oc)
{
	/* The safety net: a policy must not be able to claim it freed memory. */
	oc->bpf_memory_freed = true;
	return 1;
}

SEC(".struct_ops.link")
struct bpf_oom_ops bad_write_ops = {
	.handle_out_of_memory = (void *)bad_write_oom,
	.name = "abi_bad_write",
};
