/* SPDX-License-Identifier: GPL-2.0 */
/* Per-cgroup settings: the knob maps the CLI fills, their description, the nearest setting. */
#ifndef __OOMKIT_KNOBS_BPF_H
#define __OOMKIT_KNOBS_BPF_H

/**
 * OOMKIT_CGROUP_MAP - define a per-cgroup setting map: u64 cgroup id -> s64
 * @map_name: the map; the CLI fills it after load, before attach
 */
#define OOMKIT_CGROUP_MAP_MAX 1024
#define OOMKIT_CGROUP_MAP(map_name)                         \
	struct {                                            \
		__uint(type, BPF_MAP_TYPE_HASH);            \
		__uint(max_entries, OOMKIT_CGROUP_MAP_MAX); \
		__type(key, u64);                           \
		__type(value, s64);                         \
	} map_name SEC(".maps")

/**
 * OOMKIT_CGROUP_KNOB - describe `--set KEY=CGROUP_PATH[:N]` for the CLI
 * @key: the KEY (a C identifier)
 * @map_name: the OOMKIT_CGROUP_MAP() it writes
 * @val: the value stored when @from_arg is 0
 * @from_arg: 1 if the value is the ":N" part of the argument
 * @lo: smallest N accepted
 * @hi: largest N accepted
 * @key_doc: one line
 *
 * Several keys may share a map (prefer/avoid/omit), each storing its value.
 */
#define OOMKIT_CGROUP_KNOB(key, map_name, val, from_arg, lo, hi, key_doc) \
	__OOMKIT_META(knob_##key) = {                                     \
		.kind = OOMKIT_META_CGROUP_KNOB,                          \
		.min = (lo),                                              \
		.max = (hi),                                              \
		.value = (val),                                           \
		.value_from_arg = (from_arg),                             \
		.name = #key,                                             \
		.map = #map_name,                                         \
		.doc = key_doc,                                           \
	}

/* The lookup reads kernel types; the host tests' fake object only describes knobs. */
#ifdef __VMLINUX_H__
/*
 * The setting in knob @map of the nearest cgroup from @css's up to the
 * root, so `--set avoid=/sys/fs/cgroup/db` covers everything under db;
 * @def when none has one. Every level is looked at (the kernel has no
 * depth limit but cgroup.max.depth): one map lookup per level. Reads
 * cgroup->ancestors[] by probe: plain data.
 */
static __always_inline s64 oomkit_knob_nearest(void *map,
					       struct cgroup_subsys_state *css,
					       s64 def)
{
	struct cgroup *cgrp = BPF_CORE_READ(css, cgroup), *anc;
	int level = BPF_CORE_READ(cgrp, level), i, j;
	u64 base, cgid;
	s64 *val;

	base = (u64)cgrp + bpf_core_field_offset(struct cgroup, ancestors);
	bpf_for(j, 0, level + 1) {
		i = level - j;
		if (bpf_probe_read_kernel(&anc, sizeof(anc),
					  (void *)(base + i * sizeof(anc))))
			break;
		cgid = BPF_CORE_READ(anc, kn, id);
		val = bpf_map_lookup_elem(map, &cgid);
		if (val)
			return *val;
	}
	return def;
}

#endif /* __VMLINUX_H__ */

#endif /* __OOMKIT_KNOBS_BPF_H */
