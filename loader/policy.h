/* SPDX-License-Identifier: GPL-2.0 */
/* A policy object as the CLI handles it: where it came from, its BPF object, its metadata. */
#ifndef __OOMKIT_POLICY_H
#define __OOMKIT_POLICY_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include <oomkit/intf.h>

#include "abi.h"

/* The longest name the kernel reports for a handler. */
#define OOM_POLICY_NAME_LEN	ABI_OOM_NAME_LEN

struct bpf_object;
struct bpf_link;

struct policy_src {
	char name[NAME_MAX + 1];	/* built-in name, or the drop-in's file stem */
	char path[PATH_MAX];		/* drop-in file; "" for a built-in */
	bool builtin;
	const void *data;		/* the ELF image */
	size_t size;
	void *owned;			/* data to free (drop-ins) */
};

/* One --set of a per-cgroup setting, written into its map after load. */
struct knob_setting {
	const struct oomkit_meta *meta;
	char path[PATH_MAX];
	__u64 cgroup_id;
	__s64 value;
};

struct policy {
	struct policy_src src;
	struct bpf_object *obj;
	struct oomkit_meta *meta;	/* the .oomkit.meta records */
	size_t nr_meta;
	char name[NAME_MAX + 1];	/* pins and messages */
	const char *doc;
	char oom_policy[OOM_POLICY_NAME_LEN + 1]; /* what the kernel reports */
	bool has_oom;			/* has an OOM handler map (abi.h) */
	bool has_psi;			/* has a PSI map */
	struct knob_setting *knobs;
	size_t nr_knobs;
	struct bpf_link **links;	/* attached struct_ops, in map order */
	size_t nr_links;
};

/* policy_source.c */
int src_resolve(const char *arg, struct policy_src *src, const char *step);
int src_from_file(const char *path, struct policy_src *src, const char *step,
		  const char *thing);
void src_free(struct policy_src *src);
bool src_is_builtin_name(const char *name);
/* Built-ins and drop-ins in list order; cb returns non-zero to stop. */
int src_for_each(int (*cb)(const char *name, const char *path, bool builtin, void *ctx),
		 void *ctx);

/* meta.c */
int elf_check_bpf(const void *data, size_t size, char *why, size_t len);
int meta_read(const void *data, size_t size, struct oomkit_meta **out, size_t *nr);

/* policy.c */
int policy_open(const char *arg, struct policy *p, const char *step);
int policy_open_src(struct policy *p, const char *step, const char *thing);
void policy_close(struct policy *p);
const char *policy_kind(const struct policy *p);
const struct oomkit_meta *policy_meta(const struct policy *p, __u32 kind, const char *name);

/* tunables.c */
struct tunable_type {
	bool found;		/* a .rodata variable of that name exists */
	bool is_bool;
	bool is_signed;
	unsigned int size;	/* bytes */
	size_t offset;		/* in .rodata */
};
int tunable_type(const struct policy *p, const char *var, struct tunable_type *tt);
const char *tunable_type_name(const struct tunable_type *tt);
int tunable_format(const struct policy *p, const char *var, char *buf, size_t len);
int policy_apply_sets(struct policy *p, char **sets, int nr);
int policy_write_knobs(struct policy *p);

/* attach.c */
int policy_check_kernel(const struct policy *p, const char *step);
int policy_load(struct policy *p, const char *step);
int policy_attach(struct policy *p, const char *step, const char *pin_dir);
void policy_detach(struct policy *p);
void policy_keep_links(struct policy *p);
int stats_enable(void);
void stats_restore(void);
/* Set by 'policy load' signal handlers; attach and commit roll back on it. */
extern volatile sig_atomic_t attach_signal;
/* -EINTR, reported, once attach_signal is set. */
int policy_check_signal(const struct policy *p, const char *step);

#endif /* __OOMKIT_POLICY_H */
