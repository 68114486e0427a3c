// SPDX-License-Identifier: GPL-2.0
/* An OOM policy the verifier must refuse (a map value used without a NULL check): 'policy load' shows why. */
#include "oomkit.bpf.h"

char _license[] SEC("license") = "GPL";

OOMKIT_OOM_POLICY(cli_bad, "cli_bad_verifier",
		  "refused by the verifier, on purpose");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} cli_bad_map SEC(".maps");

static int cli_bad_oom(struct oomkit_oom *oom)
{
	u32 key = 0;
	u64 *val = bpf_map_lookup_elem(&cli_bad_map, &key);

	return *val != 0; /* no NULL check, on purpose */
}
