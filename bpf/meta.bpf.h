/* SPDX-License-Identifier: GPL-2.0 */
/* Self-description of a policy object: name, tunables and cgroup knobs in .oomkit.meta. */
#ifndef __OOMKIT_META_BPF_H
#define __OOMKIT_META_BPF_H

/*
 * Every macro here emits one struct oomkit_meta into OOMKIT_META_SEC. The
 * records are static, const and marked used: clang keeps them, libbpf skips
 * the section when it opens the object ("skipping unrecognized data
 * section"), `bpftool gen object` copies it through, and the CLI reads it
 * from the ELF file. No pointers, so no relocations.
 */
#define __OOMKIT_META(id)						\
	static const struct oomkit_meta __oomkit_meta_##id		\
	__attribute__((section(OOMKIT_META_SEC), used, aligned(8)))

/**
 * OOMKIT_POLICY - name the policy and describe it in one line
 * @policy_name: the CLI name, also the struct_ops name and `oom_policy=`
 * @policy_doc: one line for `oomkit policy list`
 */
#define OOMKIT_POLICY(policy_name, policy_doc)				\
	__OOMKIT_META(policy) = {					\
		.kind = OOMKIT_META_POLICY,				\
		.name = policy_name,					\
		.doc = policy_doc,					\
	}

/**
 * OOMKIT_TUNABLE - declare a const volatile rodata tunable the CLI can set
 * @type: its C type (bool, u32, u64, s64...)
 * @var: the variable, and the KEY of `--set KEY=VALUE`
 * @def: default value (also recorded in .value)
 * @lo: smallest value the CLI accepts
 * @hi: largest value the CLI accepts
 * @var_doc: one line, with the unit
 *
 * Tunables are set between open and load; the verifier then sees them as
 * constants, so a disabled branch costs nothing.
 */
#define OOMKIT_TUNABLE(type, var, def, lo, hi, var_doc)			\
	__OOMKIT_META(tunable_##var) = {				\
		.kind = OOMKIT_META_TUNABLE,				\
		.size = sizeof(type),					\
		.min = (lo),						\
		.max = (hi),						\
		.value = (def),						\
		.name = #var,						\
		.doc = var_doc,						\
	};								\
	const volatile type var = (def)

/**
 * OOMKIT_CGROUP_MAP - define a per-cgroup setting map: u64 cgroup id -> s64
 * @map_name: the map; the CLI fills it after load, before attach
 */
#define OOMKIT_CGROUP_MAP_MAX	1024
#define OOMKIT_CGROUP_MAP(map_name)					\
	struct {							\
		__uint(type, BPF_MAP_TYPE_HASH);			\
		__uint(max_entries, OOMKIT_CGROUP_MAP_MAX);		\
		__type(key, u64);					\
		__type(value, s64);					\
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
	__OOMKIT_META(knob_##key) = {					\
		.kind = OOMKIT_META_CGROUP_KNOB,			\
		.min = (lo),						\
		.max = (hi),						\
		.value = (val),						\
		.value_from_arg = (from_arg),				\
		.name = #key,						\
		.map = #map_name,					\
		.doc = key_doc,						\
	}

/* The setting of a cgroup id in a knob map, or @def when it has none. */
static __always_inline s64 oomkit_knob_get(void *map, u64 cgid, s64 def)
{
	s64 *val = bpf_map_lookup_elem(map, &cgid);

	return val ? *val : def;
}

#endif /* __OOMKIT_META_BPF_H */
