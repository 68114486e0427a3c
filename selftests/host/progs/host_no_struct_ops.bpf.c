// SPDX-License-Identifier: GPL-2.0
/* A valid BPF object without any struct_ops map: the CLI must refuse it as a policy. */
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

#include <bpf/bpf_helpers.h>

SEC("socket")
int host_no_struct_ops(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
