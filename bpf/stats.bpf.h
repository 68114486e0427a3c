/* SPDX-License-Identifier: GPL-2.0 */
/* Per-policy counters: the per-CPU array oomkit_stats, indexed by enum oomkit_stat. */
#ifndef __OOMKIT_STATS_BPF_H
#define __OOMKIT_STATS_BPF_H

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, OOMKIT_NR_STATS);
	__type(key, u32);
	__type(value, u64);
} oomkit_stats SEC(".maps");

/*
 * Sleepable programs run with migration disabled but may be preempted, so
 * even a per-CPU slot is updated atomically.
 */
static __always_inline void oomkit_stat_add(enum oomkit_stat idx, u64 n)
{
	u32 key = idx;
	u64 *cnt = bpf_map_lookup_elem(&oomkit_stats, &key);

	if (cnt)
		__sync_fetch_and_add(cnt, n);
}

static __always_inline void oomkit_stat_inc(enum oomkit_stat idx)
{
	oomkit_stat_add(idx, 1);
}

#endif /* __OOMKIT_STATS_BPF_H */
