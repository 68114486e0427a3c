/* SPDX-License-Identifier: GPL-2.0 */
/* A policy's tunables (.rodata, set between open and load) and --set. */
#ifndef __OOMKIT_TUNABLES_H
#define __OOMKIT_TUNABLES_H

#include <stdbool.h>
#include <stddef.h>

struct btf;
struct policy;

struct tunable_type {
	bool found; /* a .rodata variable of that name exists */
	bool is_bool;
	bool is_signed;
	unsigned int size; /* bytes */
	size_t offset;	   /* in .rodata */
};

int tunable_type(const struct policy *p, const char *var,
		 struct tunable_type *tt);
const char *tunable_type_name(const struct tunable_type *tt);
int tunable_format(const struct policy *p, const char *var, char *buf,
		   size_t len);
int policy_apply_sets(struct policy *p, char **sets, int nr);
/* As policy_apply_sets() for a loaded policy: knobs only, into p->knobs; no p->obj needed. */
int policy_parse_live_sets(struct policy *p, char **sets, int nr);
/* @path's key in a <map>_paths map ("" if it has none); -EINVAL for "." or "..". */
int knob_follow_key(const char *path, char *key, size_t len);
int tunable_type_btf(const struct btf *btf, const char *var,
		     struct tunable_type *tt);
/* The value of @tt in a .rodata image: "true", "-3", "4096"; "?" if unreadable. */
int tunable_format_raw(const struct tunable_type *tt, const void *data,
		       size_t size, char *buf, size_t len);
int policy_write_knobs(struct policy *p);
/* "<map>_paths", the map of @map's settings by path (bpf/knobs.bpf.h); NULL in older objects. */
struct bpf_map *knob_paths_map(const struct policy *p, const char *map);
/* After the followers are attached: ids of cgroups made at set paths meanwhile. */
int policy_resolve_knobs(struct policy *p);

#endif /* __OOMKIT_TUNABLES_H */
