/* SPDX-License-Identifier: GPL-2.0 */
/* Memory cgroups: looked up by id, their size with or without page cache, reclaim scans. */
#ifndef __OOMKIT_MEMCG_BPF_H
#define __OOMKIT_MEMCG_BPF_H

/* The memcg of cgroup @cgid, referenced (bpf_put_mem_cgroup()); NULL once it is removed. */
static __always_inline struct mem_cgroup *oomkit_memcg_from_id(u64 cgid)
{
	struct mem_cgroup *memcg;
	struct cgroup *cgrp;

	cgrp = bpf_cgroup_from_id(cgid);
	if (!cgrp)
		return NULL;
	memcg = bpf_get_mem_cgroup(&cgrp->self);
	bpf_cgroup_release(cgrp);
	return memcg;
}

/* memory.current, less the page cache unless @page_cache (stats flushed by oomkit_oom_begin()). */
static __always_inline u64 oomkit_memcg_bytes(struct mem_cgroup *memcg,
					      bool page_cache)
{
	u64 usage = bpf_mem_cgroup_usage(memcg);
	u64 file;

	if (page_cache)
		return usage;
	file = bpf_mem_cgroup_page_state(
		memcg, bpf_core_enum_value(enum node_stat_item, NR_FILE_PAGES));
	if (file == (u64)-1)
		return usage;
	return usage > file ? usage - file : 0;
}

/* A vm event counter of @memcg; 0 for one this kernel does not count per memcg. */
static __always_inline u64 oomkit_memcg_vm_event(struct mem_cgroup *memcg,
						 int item)
{
	u64 n = bpf_mem_cgroup_vm_events(memcg, item);

	return n == (u64)-1 ? 0 : n;
}

/* Pages scanned by reclaim in @memcg so far (kswapd + direct + khugepaged). */
static __always_inline u64 oomkit_memcg_pgscan(struct mem_cgroup *memcg)
{
	return oomkit_memcg_vm_event(memcg,
				     bpf_core_enum_value(enum vm_event_item,
							 PGSCAN_KSWAPD)) +
	       oomkit_memcg_vm_event(memcg,
				     bpf_core_enum_value(enum vm_event_item,
							 PGSCAN_DIRECT)) +
	       oomkit_memcg_vm_event(memcg,
				     bpf_core_enum_value(enum vm_event_item,
							 PGSCAN_KHUGEPAGED));
}

/*
 * The count_page_cache tunable of every policy that sizes cgroups: with
 * it, sizes are memory.current; without (the default), less the page
 * cache, which reclaim can take back without a kill.
 */
#define OOMKIT_COUNT_PAGE_CACHE_TUNABLE()            \
	OOMKIT_TUNABLE(                              \
		bool, count_page_cache, false, 0, 1, \
		"1: size cgroups with their page cache (default: without)")

#endif /* __OOMKIT_MEMCG_BPF_H */
