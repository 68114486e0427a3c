/* SPDX-License-Identifier: GPL-2.0 */
/* Per-cgroup settings: the knob maps the CLI fills, their description, the nearest setting. */
#ifndef __OOMKIT_KNOBS_BPF_H
#define __OOMKIT_KNOBS_BPF_H

/*
 * A setting is given for a cgroup path, and a service restart makes a new
 * cgroup there: a new id, so a setting kept by id alone was lost at the
 * first `systemctl restart`. So each knob map has a twin keyed by the path
 * below the cgroup2 mount ("/system.slice/db.service", NUL-padded), which
 * the CLI fills too, and two tracing programs keep the ids up to date in
 * the kernel, with nothing of ours running: a cgroup made at a set path
 * gets its setting at mkdir, and a removed one loses it at rmdir.
 */
#define OOMKIT_KNOB_PATH_LEN 256

struct oomkit_knob_path {
	char path[OOMKIT_KNOB_PATH_LEN];
};

#ifdef __VMLINUX_H__
/* At mkdir of a cgroup2 cgroup: its setting, if its path has one. */
static __always_inline int oomkit_knob_follow_mkdir(void *ids, void *paths,
						    void *scratch,
						    struct cgroup *cgrp,
						    const char *path)
{
	struct oomkit_knob_path *key;
	u32 zero = 0;
	s64 *val;
	u64 id;

	/* hierarchy 0 is cgroup2's: a v1 hierarchy may have the same paths */
	if (BPF_CORE_READ(cgrp, root, hierarchy_id))
		return 0;
	key = bpf_map_lookup_elem(scratch, &zero);
	if (!key)
		return 0;
	/* the key is compared whole: the bytes after the NUL must be 0 too */
	__builtin_memset(key, 0, sizeof(*key));
	if (bpf_probe_read_kernel_str(key->path, sizeof(key->path), path) < 0)
		return 0;
	val = bpf_map_lookup_elem(paths, key);
	if (!val)
		return 0;
	id = BPF_CORE_READ(cgrp, kn, id);
	bpf_map_update_elem(ids, &id, val, BPF_ANY);
	return 0;
}

/* At rmdir: the id is dead, its entry would only fill the map. */
static __always_inline int oomkit_knob_follow_rmdir(void *ids,
						    struct cgroup *cgrp)
{
	u64 id;

	if (BPF_CORE_READ(cgrp, root, hierarchy_id))
		return 0;
	id = BPF_CORE_READ(cgrp, kn, id);
	bpf_map_delete_elem(ids, &id);
	return 0;
}

#define __OOMKIT_KNOB_FOLLOWERS(map_name)                                     \
	SEC("tp_btf/cgroup_mkdir")                                            \
	int BPF_PROG(map_name##_mkdir, struct cgroup *cgrp, const char *path) \
	{                                                                     \
		return oomkit_knob_follow_mkdir(&map_name, &map_name##_paths, \
						&map_name##_key, cgrp, path); \
	}                                                                     \
	SEC("tp_btf/cgroup_rmdir")                                            \
	int BPF_PROG(map_name##_rmdir, struct cgroup *cgrp, const char *path) \
	{                                                                     \
		return oomkit_knob_follow_rmdir(&map_name, cgrp);             \
	}
#else
/* The host tests' fake objects only describe knobs: no kernel types there. */
#define __OOMKIT_KNOB_FOLLOWERS(map_name)
#endif

/**
 * OOMKIT_CGROUP_MAP - define a per-cgroup setting map: u64 cgroup id -> s64
 * @map_name: the map; the CLI fills it after load, before attach
 *
 * Also defines @map_name_paths (the same settings by path), the scratch
 * key @map_name_key and the programs that follow cgroups being made and
 * removed at those paths (@map_name_mkdir, @map_name_rmdir).
 */
#define OOMKIT_CGROUP_MAP_MAX 1024
#define OOMKIT_CGROUP_MAP(map_name)                         \
	struct {                                            \
		__uint(type, BPF_MAP_TYPE_HASH);            \
		__uint(max_entries, OOMKIT_CGROUP_MAP_MAX); \
		__type(key, u64);                           \
		__type(value, s64);                         \
	} map_name SEC(".maps");                            \
	struct {                                            \
		__uint(type, BPF_MAP_TYPE_HASH);            \
		__uint(max_entries, OOMKIT_CGROUP_MAP_MAX); \
		__type(key, struct oomkit_knob_path);       \
		__type(value, s64);                         \
	} map_name##_paths SEC(".maps");                    \
	struct {                                            \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);    \
		__uint(max_entries, 1);                     \
		__type(key, u32);                           \
		__type(value, struct oomkit_knob_path);     \
	} map_name##_key SEC(".maps");                      \
	__OOMKIT_KNOB_FOLLOWERS(map_name)

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
 * @cgrp's ancestor at depth @i (0: the root; @cgrp's own level: itself),
 * NULL if it cannot be read. cgroup->ancestors[] is read by probe: plain
 * data, at an index the verifier could not bound.
 */
static __always_inline struct cgroup *
oomkit_cgroup_ancestor(struct cgroup *cgrp, int i)
{
	u64 base = (u64)cgrp + bpf_core_field_offset(struct cgroup, ancestors);
	struct cgroup *anc;

	if (bpf_probe_read_kernel(&anc, sizeof(anc),
				  (void *)(base + i * sizeof(anc))))
		return NULL;
	return anc;
}

/* Whether @cgrp is the cgroup @id, at depth @level, or below it. */
static __always_inline bool oomkit_cgroup_under(struct cgroup *cgrp, u32 level,
						u64 id)
{
	if (BPF_CORE_READ(cgrp, level) < level)
		return false;
	return BPF_CORE_READ(cgrp, ancestors[level], kn, id) == id;
}

/*
 * What a cgroup on the way up says when no setting is there (an
 * annotation): true with its value in *@val, or false to go on up.
 */
typedef bool (*oomkit_knob_else_fn)(struct cgroup *cgrp, u64 cgid,
				    const void *arg, s64 *val);

/*
 * The setting in knob @map of the nearest cgroup from @css's up to the
 * root, so `--set avoid=/sys/fs/cgroup/db` covers everything under db;
 * @def when none has one. Every level is looked at (the kernel has no
 * depth limit but cgroup.max.depth): one map lookup per level, then
 * @other (may be NULL) on a level without a setting, so a setting given
 * on a cgroup wins over what @other finds on that same cgroup.
 */
static __always_inline s64
__oomkit_knob_nearest(void *map, struct cgroup_subsys_state *css, s64 def,
		      oomkit_knob_else_fn other, const void *arg)
{
	struct cgroup *cgrp = BPF_CORE_READ(css, cgroup), *anc;
	int level = BPF_CORE_READ(cgrp, level), j;
	s64 *val, v;
	u64 cgid;

	bpf_for(j, 0, level + 1) {
		anc = oomkit_cgroup_ancestor(cgrp, level - j);
		if (!anc)
			break;
		cgid = BPF_CORE_READ(anc, kn, id);
		val = bpf_map_lookup_elem(map, &cgid);
		if (val)
			return *val;
		if (other && other(anc, cgid, arg, &v))
			return v;
	}
	return def;
}

static __always_inline s64 oomkit_knob_nearest(void *map,
					       struct cgroup_subsys_state *css,
					       s64 def)
{
	return __oomkit_knob_nearest(map, css, def, NULL, NULL);
}

#endif /* __VMLINUX_H__ */

#endif /* __OOMKIT_KNOBS_BPF_H */
