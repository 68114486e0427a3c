// SPDX-License-Identifier: GPL-2.0
/* A bpf_oom_ops object for the host tests: it carries its own copy of the ABI types so it builds without the test kernel's vmlinux.h, and the host kernel must refuse it. */

/* The few UAPI types libbpf's headers need; no system headers for --target=bpf. */
typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed char __s8;
typedef short __s16;
typedef int __s32;
typedef long long __s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef __u64 u64;
typedef __s64 s64;
typedef __u32 u32;
typedef _Bool bool;
#define false			  0
#define true			  1
#define BPF_MAP_TYPE_HASH	  1
#define BPF_MAP_TYPE_PERCPU_ARRAY 6

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <oomkit/intf.h>
#include "meta.bpf.h"
#include "knobs.bpf.h"

/* As in the kernel ABI (shared/kernel-abi.md, section 1). */
struct oom_control;
struct bpf_oom_ops {
	int (*handle_out_of_memory)(struct oom_control *oc);
	char name[64];
	void *bpf_oom;
};

OOMKIT_POLICY("host-fake",
	      "host tests only: a bpf_oom_ops no host kernel can load");
OOMKIT_TUNABLE(bool, kill_all, false, 0, 1,
	       "kill every task of the victim cgroup");
OOMKIT_TUNABLE(u32, threshold_pct, 50, 1, 100, "a percentage, 1..100");
OOMKIT_TUNABLE(s64, bias_bytes, 0, -1024, 1024,
	       "a signed byte count, -1024..1024");
OOMKIT_TUNABLE(__u8, small_u8, 7, 0, 0, "no range of its own: the type's");

OOMKIT_CGROUP_MAP(host_fake_prio);
OOMKIT_CGROUP_KNOB(prio, host_fake_prio, 0, 1, -100, 100,
		   "a cgroup's priority: CGROUP:N");
OOMKIT_CGROUP_KNOB(avoid, host_fake_prio, 100, 0, 0, 0, "a cgroup to spare");

SEC("struct_ops.s/handle_out_of_memory")
int BPF_PROG(host_fake_oom, struct oom_control *oc)
{
	return kill_all && threshold_pct > 10 && bias_bytes > 0 && small_u8;
}

SEC(".struct_ops.link")
struct bpf_oom_ops host_fake_ops = {
	.handle_out_of_memory = (void *)host_fake_oom,
	.name = "host-fake",
};

char LICENSE[] SEC("license") = "GPL";
