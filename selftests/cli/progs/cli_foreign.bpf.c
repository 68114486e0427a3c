// SPDX-License-Identifier: GPL-2.0
/* A bpf_oom_ops attached by the test itself, not by oomkit: 'policy show' must list it as foreign. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

SEC("struct_ops.s/handle_out_of_memory")
int BPF_PROG(cli_foreign_oom, struct oom_control *oc)
{
	return 0; /* declines: the next handler or the kernel decides */
}

SEC(".struct_ops.link")
struct bpf_oom_ops cli_foreign_ops = {
	.handle_out_of_memory = (void *)cli_foreign_oom,
	.name = "cli-foreign",
};
