// SPDX-License-Identifier: GPL-2.0
/* A bpf_oom_ops the verifier must refuse (a map value used without a NULL check): 'policy load' shows why. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} cli_bad_map SEC(".maps");

SEC("struct_ops.s/handle_out_of_memory")
int BPF_PROG(cli_bad_oom, struct oom_control *oc)
{
	u32 key = 0;
	u64 *val = bpf_map_lookup_elem(&cli_bad_map, &key);

	return *val != 0; /* no NULL check, on purpose */
}

SEC(".struct_ops.link")
struct bpf_oom_ops cli_bad_ops = {
	.handle_out_of_memory = (void *)cli_bad_oom,
	.name = "cli-bad",
};
