// SPDX-License-Identifier: GPL-2.0
/* Test-only drop-in that passes every OOM on: the failing policy policy health is about. */
#include "oomkit.bpf.h"

char _license[] SEC("license") = "GPL";

OOMKIT_OOM_POLICY(never_kills, "never_kills",
		  "a test drop-in: finds no candidate, ever");

static int never_kills_oom(struct oomkit_oom *oom)
{
	return oomkit_decide_none(oom);
}
