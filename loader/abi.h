/* SPDX-License-Identifier: GPL-2.0 */
/* The BPF OOM kernel ABI as the loader sees it (user-space twin of bpf/abi.bpf.h). */
#ifndef __OOMKIT_ABI_H
#define __OOMKIT_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/*
 * Everything that depends on which revision of the BPF OOM series the
 * kernel carries lives here: no other loader file names a struct_ops type.
 * Nothing here prints; callers word the errors (so the host suite can link
 * this file alone and feed the probe its own BTF).
 */

struct btf;
struct bpf_object;
struct bpf_map;
struct bpf_map_info;
struct bpf_link;
struct bpf_link_info;
struct bpf_program;

/* The kernel's BPF_OOM_NAME_MAX_LEN: the size of bpf_oom_ops.name. */
#define ABI_OOM_NAME_LEN 64

enum abi_level {
	ABI_NONE = 0,	 /* no BPF OOM ABI oomkit knows */
	ABI_LEVEL_1 = 1, /* kernel-abi.md: v1 of the series, one global list */
	ABI_LEVEL_2 = 2, /* kernel-abi-level2.md: bpf_oom_ops per cgroup */
};

enum abi_kind {
	ABI_KIND_OTHER = 0, /* not a map of the BPF OOM ABI */
	ABI_KIND_OOM,	    /* an OOM handler map (bpf_oom_ops) */
	ABI_KIND_PSI,	    /* a PSI map (bpf_psi_ops, level 1 only) */
};

struct abi_probe {
	enum abi_level level;
	bool has_oom;  /* some struct bpf_oom_ops is there */
	bool has_psi;  /* struct bpf_psi_ops is there */
	char why[192]; /* ABI_NONE: what the kernel lacks, one line */
};

/* Which level a BTF describes; the host suite feeds it BTF it built. */
void abi_probe_btf(const struct btf *btf, struct abi_probe *out);
/*
 * The running kernel's level, probed once from /sys/kernel/btf/vmlinux.
 * 0, or a negative errno (errno set) when that BTF cannot be read.
 */
int abi_kernel(const struct abi_probe **out);
/* The kernel's BTF, loaded once and kept; NULL (errno set) if unreadable. */
const struct btf *abi_vmlinux_btf(void);
/* "level 1", "level 2", "none". */
const char *abi_level_name(enum abi_level level);

/*
 * The kind of a struct_ops map: pass either a map of an opened or loaded
 * object (@obj, @map: the object's BTF names the type; libbpf 1.5 has no
 * map-to-object call) or the kernel's @info of any map, a pinned or
 * foreign one (the kernel's BTF names the value type).
 */
enum abi_kind abi_map_kind(const struct bpf_object *obj,
			   const struct bpf_map *map,
			   const struct bpf_map_info *info);
/*
 * Leaves out the OOM maps (and so their handlers) an object carries for
 * the ABI level the running kernel does not have; call it on an opened
 * object, before anything asks abi_map_kind() about its maps, which then
 * calls those maps ABI_KIND_OTHER. 0, or a negative errno with @why set
 * (an object with OOM maps of another level only).
 */
int abi_select_variant(struct bpf_object *obj, char *why, size_t len);
/*
 * What a program of an opened object is to the loader beyond its maps:
 * bpf/abi.bpf.h's level-2 PSI programs (named *___l2) when the running
 * kernel is of level 2. An init program runs once, before anything is
 * attached (abi_run_init()); a tracing one is attached and pinned like a
 * knob follower, as "link-<program>".
 */
enum abi_prog_role {
	ABI_PROG_NONE = 0,
	ABI_PROG_PSI_INIT,  /* level 2: a PSI policy's init, SEC("syscall") */
	ABI_PROG_PSI_TRACE, /* level 2: a PSI policy's tp_btf program */
};

enum abi_prog_role abi_prog_role(const struct bpf_program *prog);
/*
 * Runs a loaded ABI_PROG_PSI_INIT program (BPF_PROG_RUN): 0, or a negative
 * errno, the program's (a refusal such as -E2BIG) or the kernel's, with
 * @hint set to a note for the error message ("" if none).
 */
int abi_run_init(const struct bpf_program *prog, const char **hint);

/* The struct_ops type name of a kind, as users read it: "bpf_oom_ops", "bpf_psi_ops". */
const char *abi_kind_name(enum abi_kind kind);

/*
 * 0 if the running kernel can attach maps of @kind, else a negative errno
 * with @why set to the whole reason ("this kernel has no bpf_oom_ops ...").
 */
int abi_check_kind(enum abi_kind kind, char *why, size_t len);

/*
 * Attaches a loaded struct_ops map of @kind as the kernel's level wants:
 * level 1 a global link, level 2 a link on the cgroup directory @scope_dir
 * (NULL: the cgroup2 root, system-wide), pinned at @pin_path if given (see
 * abi.c). On failure returns a negative errno and sets @hint to a note for
 * the error message ("" if none).
 */
int abi_attach(struct bpf_map *map, enum abi_kind kind, const char *scope_dir,
	       const char *pin_path, struct bpf_link **out, const char **hint);
/*
 * @map's name without its CO-RE flavor ("x_ops___l2" -> "x_ops"), in @buf:
 * what its pins are named after, so that a policy's pins are the same at
 * every level.
 */
const char *abi_map_name(const struct bpf_map *map, char *buf, size_t len);
/*
 * Whether the running kernel sends an OOM handler only the OOMs of the
 * cgroup it is attached to (level 2); else (level 1) the policy library
 * filters on the OOM's memcg (bpf/abi.bpf.h, oomkit_in_scope()).
 */
bool abi_scopes_in_kernel(void);

/*
 * The name the kernel reports for an OOM handler: the `name` member of the
 * struct @type_id of @btf, read from @data (a map value: the object's
 * initial one, or the kernel's `data` part of a value read back). @name
 * gets the raw bytes up to the first NUL (at most ABI_OOM_NAME_LEN); the
 * return is 1 if found, 0 if the struct has no such member or @data is
 * too short.
 */
int abi_value_name(const struct btf *btf, __u32 type_id, const void *data,
		   size_t size, char *name, size_t len);
/* What the kernel prints for a handler named @name: the name, or bpf_defined_policy. */
const char *abi_reported_name(const char *name);

/* Every OOM-ABI struct_ops link of the system, in the order handlers run. */
struct abi_link_ent {
	__u32 link_id;
	__u32 map_id;
	__u64 cgroup_id; /* level 2: the cgroup it is attached to; level 1: 0 */
	enum abi_kind kind;
};

/*
 * A struct_ops link's info, with level 2's struct_ops.cgroup_id (0 when
 * detached, and at level 1), which 6.12's UAPI header lacks. 0 or -errno.
 */
int abi_link_info(int link_fd, struct bpf_link_info *info, __u64 *cgroup_id);
/*
 * Whether the link no longer runs its handlers: level 1 clears its map on
 * detach, level 2 its cgroup (on BPF_LINK_DETACH, or when the cgroup goes).
 */
bool abi_link_detached(const struct bpf_link_info *info, __u64 cgroup_id);

struct abi_links {
	struct abi_link_ent *v;
	size_t nr;
};

/* 0, or -ENOMEM (unreported) with @l empty. */
int abi_links_collect(struct abi_links *l);
void abi_links_free(struct abi_links *l);
/*
 * The run order of the OOM handler of link @link_id (or, if 0, of the link
 * of map @map_id) among the attached ones of its cgroup (level 2; level 1
 * has one list): 1 runs first; 0 if no attached OOM handler link matches.
 * *link_of_map (may be NULL) gets the matching link's id.
 */
int abi_run_order(const struct abi_links *l, __u32 link_id, __u32 map_id,
		  __u32 *link_of_map);

/* What 'oomkit feature' lists: the structs, fields and kfuncs of the level. */
enum abi_feature_kind {
	ABI_FEAT_STRUCT,
	ABI_FEAT_FIELD,
	ABI_FEAT_KFUNC
};

struct abi_feature {
	enum abi_feature_kind kind;
	const char *name;    /* struct, "struct.field" or kfunc */
	const char *group;   /* JSON object it is reported in */
	unsigned int levels; /* bit N: needed at level N */
};

size_t abi_features(const struct abi_feature **out);
/* Whether @level needs @f (ABI_NONE: as level 1, what the policies are built for). */
bool abi_feature_needed(const struct abi_feature *f, enum abi_level level);
bool abi_feature_present(const struct btf *btf, const struct abi_feature *f);

#endif /* __OOMKIT_ABI_H */
