/* SPDX-License-Identifier: GPL-2.0 */
/* A policy object as the CLI handles it: its source, BPF object and metadata. */
#ifndef __OOMKIT_POLICY_H
#define __OOMKIT_POLICY_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include <oomkit/intf.h>

#include "abi.h"
#include "policy_source.h"

/* The longest name the kernel reports for a handler. */
#define OOM_POLICY_NAME_LEN ABI_OOM_NAME_LEN

struct bpf_object;
struct bpf_link;

/* One --set of a per-cgroup setting, written into its map after load. */
struct knob_setting {
	const struct oomkit_meta *meta;
	char path[PATH_MAX];
	/* below the cgroup2 mount, NUL-padded: the knob's _paths key; "" if too long */
	char follow[256];
	__u64 cgroup_id; /* 0 while no cgroup is there */
	__s64 value;
};

struct policy {
	struct policy_src src;
	struct bpf_object *obj;
	struct oomkit_meta *meta; /* the .oomkit.meta records */
	size_t nr_meta;
	char name[NAME_MAX + 1]; /* pins and messages */
	const char *doc;
	char oom_policy[OOM_POLICY_NAME_LEN + 1]; /* what the kernel reports */
	bool has_oom; /* has an OOM handler map (abi.h) */
	bool has_psi; /* has a PSI map, or level 2's PSI programs */
	struct knob_setting *knobs;
	size_t nr_knobs;
	struct oomkit_scope scope; /* --scope; cgroup_id 0: the system */
	char scope_dir[PATH_MAX];  /* its directory, "" without --scope */
	struct bpf_link **links;   /* attached struct_ops (attach.c) */
	size_t nr_links;
};

/* What a policy may be called: its pin directory's name. */
bool policy_name_valid(const char *name);
int policy_open(const char *arg, struct policy *p, const char *step);
int policy_open_src(struct policy *p, const char *step, const char *thing);
/* Frees what open made; the links must be detached or kept first. */
void policy_close(struct policy *p);
/* "oom", "psi", "both" (or "none", for a pin dir left without links). */
const char *policy_kind_name(bool has_oom, bool has_psi);
const char *policy_kind(const struct policy *p);
const struct oomkit_meta *policy_meta(const struct policy *p, __u32 kind,
				      const char *name);

#endif /* __OOMKIT_POLICY_H */
