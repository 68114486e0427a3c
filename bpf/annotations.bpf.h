/* SPDX-License-Identifier: GPL-2.0 */
/* Other OOM daemons' cgroup xattrs, kept in a map by hooks on the kernel's own writes of them. */
#ifndef __OOMKIT_ANNOTATIONS_BPF_H
#define __OOMKIT_ANNOTATIONS_BPF_H

/*
 * A 6.12 kernel has no kfunc that reads a cgroup's xattrs, and an OOM
 * handler could not sleep for one anyway. So two fexit programs on
 * cgroupfs's xattr setters (kernfs_vfs_user_xattr_set for user.,
 * kernfs_vfs_xattr_set for trusted.) record each change in oomkit_annot
 * as it happens, with nothing of ours running; the CLI reads the xattrs
 * already there once, after the hooks attach, through the syscall program
 * oomkit_annot_seed. A change the hooks saw wins over the CLI's reading
 * of the same name (the heard bits), which may be older.
 *
 * Whether an annotation counts is decided at each OOM, as systemd-oomd
 * does: a user. xattr counts on a cgroup owned by root or by the owner of
 * the instance's scope cgroup (so a delegated subtree annotates only
 * itself); trusted. ones need CAP_SYS_ADMIN to write and always count.
 */
#define OOMKIT_ANNOT_MAX	8192
#define OOMKIT_CGROUP2_MAGIC	0x63677270 /* CGROUP2_SUPER_MAGIC */
#define OOMKIT_KERNFS_TYPE_MASK 0x000f
#define OOMKIT_KERNFS_DIR	0x0001
#define OOMKIT_ANNOT_BOOL_LEN	8

/* What an annotation asks for, strongest first. */
enum oomkit_annot_verdict {
	OOMKIT_ANNOT_NONE,
	OOMKIT_ANNOT_AVOID,
	OOMKIT_ANNOT_PREFER,
	OOMKIT_ANNOT_OMIT,
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, OOMKIT_ANNOT_MAX);
	__type(key, u64);
	__type(value, struct oomkit_annot);
} oomkit_annot SEC(".maps");

static const char oomkit_annot_names[OOMKIT_ANNOT_NR][OOMKIT_ANNOT_NAME_LEN] =
	OOMKIT_ANNOT_NAMES;

/* Owner of the scope cgroup, read at each OOM by oomkit_annot_begin(). */
static u32 oomkit_annot_scope_uid;

/* systemd's parse_boolean() true words: 1, y, yes, t, true, on, any case. */
static __always_inline bool oomkit_annot_bool(const char *v, u32 len)
{
	char c[4] = {};
	u32 i;

	if (len < 1 || len > 4)
		return false;
	for (i = 0; i < 4; i++)
		if (i < len)
			c[i] = v[i] >= 'A' && v[i] <= 'Z' ? v[i] + 32 : v[i];
	switch (len) {
	case 1:
		return c[0] == '1' || c[0] == 'y' || c[0] == 't';
	case 2:
		return c[0] == 'o' && c[1] == 'n';
	case 3:
		return c[0] == 'y' && c[1] == 'e' && c[2] == 's';
	default:
		return c[0] == 't' && c[1] == 'r' && c[2] == 'u' && c[3] == 'e';
	}
}

/* The length of @v up to its first NUL, within @len bytes (at most BOOL_LEN read). */
static __always_inline u32 oomkit_annot_strlen(const char *v, u32 len)
{
	u32 i;

	for (i = 0; i < OOMKIT_ANNOT_BOOL_LEN; i++)
		if (i >= len || !v[i])
			return i;
	return len;
}

/*
 * Records that xattr @name of cgroup @cgid was set to a value of @len
 * bytes, whose first OOMKIT_ANNOT_BOOL_LEN are in @v (on the stack), or,
 * with @set false, removed.
 * @seed: the CLI's reading at attach, which a hook's change overrides.
 */
static __always_inline void oomkit_annot_note(u64 cgid, u32 name, bool set,
					      const char *v, u32 len, bool seed)
{
	struct oomkit_annot *a, zero = {};
	u32 bit = 1U << name, truth;

	a = bpf_map_lookup_elem(&oomkit_annot, &cgid);
	if (!a) {
		/* a removal is kept too: the seed must not bring it back */
		bpf_map_update_elem(&oomkit_annot, &cgid, &zero, BPF_NOEXIST);
		a = bpf_map_lookup_elem(&oomkit_annot, &cgid);
		if (!a)
			return;
	}
	if (seed && (a->heard & bit))
		return;
	if (!seed)
		__sync_fetch_and_or(&a->heard, bit);
	truth = set && oomkit_annot_bool(v, oomkit_annot_strlen(v, len));
	if (set)
		__sync_fetch_and_or(&a->present, bit);
	else
		__sync_fetch_and_and(&a->present, ~bit);
	if (truth)
		__sync_fetch_and_or(&a->truth, bit);
	else
		__sync_fetch_and_and(&a->truth, ~bit);
}

/* Which of oomkit_annot_names @full is (NUL-padded), or OOMKIT_ANNOT_NR. */
static __always_inline u32 oomkit_annot_lookup(const char *full)
{
	u32 i, j;

	for (i = 0; i < OOMKIT_ANNOT_NR; i++) {
		for (j = 0; j < OOMKIT_ANNOT_NAME_LEN; j++)
			if (full[j] != oomkit_annot_names[i][j])
				break;
		if (j == OOMKIT_ANNOT_NAME_LEN)
			return i;
	}
	return OOMKIT_ANNOT_NR;
}

/*
 * After a successful set or removal (@value NULL) of xattr @prefix@suffix
 * on @inode: record it if the inode is a cgroup2 directory and the name
 * one of ours.
 */
static __always_inline int
oomkit_annot_hook(struct inode *inode, const char *prefix, u32 plen,
		  const char *suffix, const void *value, size_t size, int ret)
{
	char full[OOMKIT_ANNOT_NAME_LEN] = {}, v[OOMKIT_ANNOT_BOOL_LEN] = {};
	struct kernfs_node *kn;
	u32 name;

	if (ret || BPF_CORE_READ(inode, i_sb, s_magic) != OOMKIT_CGROUP2_MAGIC)
		return 0;
	kn = BPF_CORE_READ(inode, i_private);
	if ((BPF_CORE_READ(kn, flags) & OOMKIT_KERNFS_TYPE_MASK) !=
	    OOMKIT_KERNFS_DIR)
		return 0;
	/* @plen is a constant: the copy and the read's bounds are too */
	__builtin_memcpy(full, prefix, plen);
	if (bpf_probe_read_kernel_str(full + plen, sizeof(full) - plen,
				      suffix) < 0)
		return 0;
	name = oomkit_annot_lookup(full);
	if (name >= OOMKIT_ANNOT_NR)
		return 0;
	if (value && bpf_probe_read_kernel(
			     v, size < sizeof(v) ? size : sizeof(v), value))
		return 0;
	oomkit_annot_note(BPF_CORE_READ(kn, id), name, value, v, size, false);
	return 0;
}

/*
 * The setters' value argument: a const void *, which a 6.12 verifier
 * refuses to read from the context by its type, so by position.
 */
static __always_inline const void *oomkit_annot_value(void *ctx)
{
	u64 v = 0;

	bpf_get_func_arg(ctx, 5, &v);
	return (const void *)v;
}

/* The owner of cgroup @cgrp's directory (root until chown gave it one). */
static __always_inline u32 oomkit_annot_owner(struct cgroup *cgrp)
{
	struct kernfs_iattrs *ia = BPF_CORE_READ(cgrp, kn, iattr);

	return ia ? BPF_CORE_READ(ia, ia_uid.val) : 0;
}

/* At the start of an OOM's walk: whose user. annotations count. */
static __always_inline void oomkit_annot_begin(void)
{
	struct oomkit_scope *s;
	struct cgroup *cgrp;
	u32 key = 0;

	oomkit_annot_scope_uid = 0;
	s = bpf_map_lookup_elem(&oomkit_scope, &key);
	if (!s || !s->cgroup_id)
		return;
	cgrp = bpf_cgroup_from_id(s->cgroup_id);
	if (!cgrp)
		return;
	oomkit_annot_scope_uid = oomkit_annot_owner(cgrp);
	bpf_cgroup_release(cgrp);
}

/*
 * A policy reads annotations by including this header: the tunables that
 * turn each source on (both off by default: opt-in per instance), the
 * hooks, a rmdir program that drops a removed cgroup's entry and the seed
 * program. oomkit_knob_nearest_annotated() reads them.
 */
OOMKIT_TUNABLE(bool, systemd_xattrs, false, 0, 1,
	       "1: avoid/omit cgroups marked by systemd's "
	       "ManagedOOMPreference= (user.oomd_avoid/omit)");
OOMKIT_TUNABLE(bool, oomd_xattrs, false, 0, 1,
	       "1: prefer/avoid cgroups marked with oomd's "
	       "trusted./user.oomd_prefer/avoid");

SEC("fexit/kernfs_vfs_user_xattr_set")
int BPF_PROG(oomkit_annot_user, const struct xattr_handler *h,
	     struct mnt_idmap *idmap, struct dentry *unused,
	     struct inode *inode, const char *suffix, const void *value,
	     size_t size, int flags, int ret)
{
	return oomkit_annot_hook(inode, "user.", 5, suffix,
				 oomkit_annot_value(ctx), size, ret);
}

SEC("fexit/kernfs_vfs_xattr_set")
int BPF_PROG(oomkit_annot_trusted, const struct xattr_handler *h,
	     struct mnt_idmap *idmap, struct dentry *unused,
	     struct inode *inode, const char *suffix, const void *value,
	     size_t size, int flags, int ret)
{
	char p[9] = {};

	/* this setter also serves security.: not ours */
	bpf_probe_read_kernel_str(p, sizeof(p), BPF_CORE_READ(h, prefix));
	if (p[0] != 't')
		return 0;
	return oomkit_annot_hook(inode, "trusted.", 8, suffix,
				 oomkit_annot_value(ctx), size, ret);
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(oomkit_annot_rmdir, struct cgroup *cgrp, const char *path)
{
	u64 id = BPF_CORE_READ(cgrp, kn, id);

	if (!BPF_CORE_READ(cgrp, root, hierarchy_id))
		bpf_map_delete_elem(&oomkit_annot, &id);
	return 0;
}

SEC("syscall")
int oomkit_annot_seed(struct oomkit_annot_seed *ctx)
{
	char v[OOMKIT_ANNOT_BOOL_LEN];

	if (!systemd_xattrs && !oomd_xattrs)
		return 0;
	if (!ctx->cgroup_id)
		return 1;
	if (ctx->name >= OOMKIT_ANNOT_NR)
		return -EINVAL;
	/* the bytes are read at changing offsets: off the context */
	__builtin_memcpy(v, ctx->value, sizeof(v));
	oomkit_annot_note(ctx->cgroup_id, ctx->name, true, v, ctx->len, true);
	return 0;
}

/*
 * What cgroup @cgrp (id @cgid) is marked for by the sources this instance
 * reads: omit beats prefer beats avoid, as in both daemons.
 */
static __always_inline enum oomkit_annot_verdict
oomkit_annot_verdict(struct cgroup *cgrp, u64 cgid, bool sd, bool fb)
{
	struct oomkit_annot *a;
	u32 user_ok, p, t;

	a = bpf_map_lookup_elem(&oomkit_annot, &cgid);
	if (!a || !a->present)
		return OOMKIT_ANNOT_NONE;
	p = a->present;
	t = a->truth;
	user_ok = oomkit_annot_owner(cgrp);
	user_ok = !user_ok || user_ok == oomkit_annot_scope_uid;
#define __BIT(n) (1U << OOMKIT_ANNOT_##n)
	if (sd && user_ok && (t & __BIT(USER_OMIT)))
		return OOMKIT_ANNOT_OMIT;
	if (fb && ((p & __BIT(TRUSTED_PREFER)) ||
		   (user_ok && (p & __BIT(USER_PREFER)))))
		return OOMKIT_ANNOT_PREFER;
	if (sd && user_ok && (t & __BIT(USER_AVOID)))
		return OOMKIT_ANNOT_AVOID;
	/* oomd's own user.oomd_avoid is there or not; systemd's is a boolean */
	if (fb && ((p & __BIT(TRUSTED_AVOID)) ||
		   (!sd && user_ok && (p & __BIT(USER_AVOID)))))
		return OOMKIT_ANNOT_AVOID;
#undef __BIT
	return OOMKIT_ANNOT_NONE;
}

/* An annotation on @cgrp as a setting: @arg is the values, by verdict. */
static __always_inline bool oomkit_annot_setting(struct cgroup *cgrp, u64 cgid,
						 const void *arg, s64 *val)
{
	const s64 *vals = arg;
	enum oomkit_annot_verdict v;

	v = oomkit_annot_verdict(cgrp, cgid, systemd_xattrs, oomd_xattrs);
	if (v == OOMKIT_ANNOT_NONE)
		return false;
	*val = vals[v & 3];
	return true;
}

/*
 * As oomkit_knob_nearest(), with the annotations of each cgroup on the way
 * as a setting there: @vals[verdict] is the value an annotation stands
 * for. A setting the CLI gave and an annotation on the same cgroup: the
 * setting (the admin said it here, for oomkit); the nearer of the two on
 * different ones, so an omitted service stays omitted in an avoided slice.
 */
static __always_inline s64 oomkit_knob_nearest_annotated(
	void *map, struct cgroup_subsys_state *css, s64 def, const s64 *vals)
{
	if (!systemd_xattrs && !oomd_xattrs)
		return oomkit_knob_nearest(map, css, def);
	return __oomkit_knob_nearest(map, css, def, oomkit_annot_setting, vals);
}

#endif /* __OOMKIT_ANNOTATIONS_BPF_H */
