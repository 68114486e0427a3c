// SPDX-License-Identifier: GPL-2.0
/* Opens a policy object: ELF checks, libbpf open, metadata, kind and oom_policy name. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "main.h"
#include "policy.h"

const struct oomkit_meta *policy_meta(const struct policy *p, __u32 kind, const char *name)
{
	size_t i;

	for (i = 0; i < p->nr_meta; i++) {
		if (p->meta[i].kind != kind)
			continue;
		if (!name || !strcmp(p->meta[i].name, name))
			return &p->meta[i];
	}
	return NULL;
}

const char *policy_kind(const struct policy *p)
{
	if (p->has_oom && p->has_psi)
		return "both";
	return p->has_oom ? "oom" : "psi";
}

/* The local BTF name of a struct_ops map's type: "bpf_oom_ops", ... */
static const char *struct_ops_type(const struct bpf_object *obj, const struct bpf_map *map)
{
	const struct btf *btf = bpf_object__btf(obj);
	const struct btf_type *t;

	if (!btf || bpf_map__type(map) != BPF_MAP_TYPE_STRUCT_OPS)
		return NULL;
	t = btf__type_by_id(btf, bpf_map__btf_value_type_id(map));
	return t ? btf__name_by_offset(btf, t->name_off) : NULL;
}

/*
 * The kernel copies bpf_oom_ops.name at attach; read it from the initial
 * value. It is printed next to "Killed process" in the kernel log, so a
 * newline or control byte there could forge report lines: -EINVAL.
 */
static int read_oom_name(struct policy *p, const struct bpf_map *map, bool keep,
			 const char *step, const char *thing)
{
	const struct btf *btf = bpf_object__btf(p->obj);
	const struct btf_member *m;
	const struct btf_type *t;
	const char *data;
	size_t size;
	int i;

	t = btf__type_by_id(btf, bpf_map__btf_value_type_id(map));
	data = bpf_map__initial_value((struct bpf_map *)map, &size);
	if (!t || !data)
		return 0;
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++) {
		size_t off = m->offset / 8, len;

		if (strcmp(btf__name_by_offset(btf, m->name_off), "name"))
			continue;
		if (off >= size)
			return 0;
		len = strnlen(data + off, size - off);
		if (len > OOM_POLICY_NAME_LEN)
			len = OOM_POLICY_NAME_LEN;
		for (i = 0; i < (int)len; i++) {
			unsigned char c = data[off + i];

			if (c < 0x20 || c > 0x7e) {
				p_err("can't %s '%s': its bpf_oom_ops name has byte 0x%02x at %d; "
				      "the kernel logs it with each kill, so only printable ASCII "
				      "is allowed", step, thing, c, i);
				return -EINVAL;
			}
		}
		if (keep) {
			memcpy(p->oom_policy, data + off, len);
			p->oom_policy[len] = '\0';
		}
		return 0;
	}
	return 0;
}

static bool valid_name(const char *name)
{
	/* bpffs refuses '.' in names */
	if (!*name || strlen(name) >= OOMKIT_NAME_LEN)
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789_-") == strlen(name);
}

int policy_open_src(struct policy *p, const char *step, const char *thing)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts);
	const struct oomkit_meta *m;
	struct bpf_map *map;
	char why[128];
	int err;

	err = elf_check_bpf(p->src.data, p->src.size, why, sizeof(why));
	if (err) {
		p_err("can't %s '%s': %s", step, thing, why);
		return err;
	}
	err = meta_read(p->src.data, p->src.size, &p->meta, &p->nr_meta);
	if (err) {
		p_err("can't %s '%s': malformed %s section", step, thing, OOMKIT_META_SEC);
		return err;
	}

	m = policy_meta(p, OOMKIT_META_POLICY, NULL);
	snprintf(p->name, sizeof(p->name), "%s", m && m->name[0] ? m->name : p->src.name);
	p->doc = m ? m->doc : "";
	if (!valid_name(p->name)) {
		p_err("can't %s '%s': policy name '%s' is not usable as a pin name "
		      "(letters, digits, '_', '-')", step, thing, p->name);
		return -EINVAL;
	}
	/* a drop-in must not pass for (or be pinned as) a built-in */
	if (!p->src.builtin && src_is_builtin_name(p->name)) {
		p_err("can't %s '%s': refusing a drop-in named '%s' like a built-in policy; "
		      "give it its own name", step, thing, p->name);
		return -EEXIST;
	}

	opts.object_name = p->name;
	libbpf_log_reset();
	p->obj = bpf_object__open_mem(p->src.data, p->src.size, &opts);
	if (!p->obj) {
		err = -errno;
		p_err("can't %s '%s': libbpf can't open it: %s", step, thing, libbpf_errstr(err));
		return err;
	}

	bpf_object__for_each_map(map, p->obj) {
		const char *type = struct_ops_type(p->obj, map);

		if (!type)
			continue;
		if (!strcmp(type, "bpf_oom_ops")) {
			/* every one is checked: each is attached, each name logged */
			err = read_oom_name(p, map, !p->has_oom, step, thing);
			if (err)
				return err;
			p->has_oom = true;
		} else if (!strcmp(type, "bpf_psi_ops")) {
			p->has_psi = true;
		}
	}
	if (!p->has_oom && !p->has_psi) {
		p_err("can't %s '%s': no bpf_oom_ops or bpf_psi_ops struct_ops map in it",
		      step, thing);
		return -ENOENT;
	}
	if (p->has_oom && !p->oom_policy[0])
		snprintf(p->oom_policy, sizeof(p->oom_policy), "bpf_defined_policy");
	return 0;
}

int policy_open(const char *arg, struct policy *p, const char *step)
{
	int err;

	memset(p, 0, sizeof(*p));
	err = src_resolve(arg, &p->src, step);
	if (err)
		return err;
	return policy_open_src(p, step, arg);
}

void policy_close(struct policy *p)
{
	policy_detach(p);
	bpf_object__close(p->obj);
	p->obj = NULL;
	free(p->meta);
	p->meta = NULL;
	free(p->knobs);
	p->knobs = NULL;
	src_free(&p->src);
}
