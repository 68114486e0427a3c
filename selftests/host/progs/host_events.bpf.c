// SPDX-License-Identifier: GPL-2.0
/* Host tests: an oomkit_events ring the test fills through BPF_PROG_RUN, for 'oomkit events' without the OOM ABI. */
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

#include <oomkit/intf.h>

/* uapi's value; this object has no vmlinux.h */
#define BPF_MAP_TYPE_RINGBUF 27

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} oomkit_events SEC(".maps");

/* Submits the record the test passes as the context. */
SEC("syscall")
int host_emit(struct oomkit_event *ctx)
{
	struct oomkit_event e;

	__builtin_memcpy(&e, ctx, sizeof(e));
	return bpf_ringbuf_output(&oomkit_events, &e, sizeof(e), 0);
}

char LICENSE[] SEC("license") = "GPL";
