/* SPDX-License-Identifier: GPL-2.0 */
/* A loaded policy's own counters (its pinned oomkit_stats, summed over CPUs) and health (oomkit_health). */
#ifndef __OOMKIT_COUNTERS_H
#define __OOMKIT_COUNTERS_H

#include <stddef.h>
#include <linux/types.h>

#include <oomkit/intf.h>

/* "runs", "kills", ...: the names of include/oomkit/intf.h's table. */
const char *counter_name(unsigned int i);

/*
 * Sums each counter of the policy pinned in @dir into @sums. -ENOENT if it
 * has no oomkit_stats; -EINVAL if that map is not a per-CPU array of u64
 * (@why says what it is), or another -errno.
 */
int counters_read(const char *dir, __u64 sums[OOMKIT_NR_STATS], char *why,
		  size_t len);

/*
 * The health of the policy pinned in @dir (bpf/health.bpf.h) into @h;
 * -ENOENT if it has none (a PSI policy, an older object).
 */
int health_read(const char *dir, struct oomkit_health *h);

#endif /* __OOMKIT_COUNTERS_H */
