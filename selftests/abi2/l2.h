/* SPDX-License-Identifier: GPL-2.0 */
/* Level-2 attachment helpers: bpf_oom_ops maps on cgroups through raw BPF_LINK_CREATE (libbpf 1.5 has no bpf_map__attach_cgroup_opts()). */
#ifndef __ABI2_L2_H
#define __ABI2_L2_H

#include <stdbool.h>
#include <linux/types.h>
#include <sys/types.h>

struct bpf_map;

/* OOM waits: generous for TCG, but every wait polls. */
#define OOM_TIMEOUT_MS 30000

/* From include/uapi/linux/bpf.h, for the level-1 headers libbpf 1.5 ships. */
#ifndef BPF_F_PREORDER
#define BPF_F_PREORDER (1U << 6)
#endif

/*
 * Writes the map's value once (libbpf 1.5 does so only in
 * bpf_map__attach_struct_ops(), whose cgroup-less link then fails), then
 * links it to cgroup @rel (an absolute path: as it is) with @flags, the
 * anchor link fd @relative_fd and @expected_revision. A link fd, or a
 * negative errno.
 */
int l2_attach(struct bpf_map *map, const char *rel, __u32 flags,
	      int relative_fd, __u64 expected_revision);
/* Whether poll() reports EPOLLHUP on the link within @timeout_ms. */
bool l2_link_hup(int link_fd, int timeout_ms);

#endif /* __ABI2_L2_H */
