// SPDX-License-Identifier: GPL-2.0
/* Opens a policy object: ELF checks, libbpf open, metadata, kind and oom_policy name. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "abi.h"
#include "main.h"
#include "meta.h"
#include "policy.h"

const struct oomkit_meta *policy_meta(const struct policy *p, __u32 kind,
				      const char *name)
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

const char *policy_kind_name(bool has_oom, bool has_psi)
{
	if (has_oom && has_psi)
		return "both";
	return has_oom ? "oom" : has_psi ? "psi" : "none";
}

const char *policy_kind(const struct policy *p)
{
	return policy_kind_name(p->has_oom, p->has_psi);
}

/*
 * The kernel copies the handler's name from the map value; read it from the
 * initial value. It is printed next to "Killed process" in the kernel log,
 * so a newline or control byte there could forge report lines: -EINVAL.
 */
static int read_oom_name(struct policy *p, const struct bpf_map *map, bool keep,
			 const char *step, const char *thing)
{
	char name[OOM_POLICY_NAME_LEN + 1];
	const void *data;
	size_t size;
	int i;

	data = bpf_map__initial_value((struct bpf_map *)map, &size);
	if (!abi_value_name(bpf_object__btf(p->obj),
			    bpf_map__btf_value_type_id(map), data, size, name,
			    sizeof(name)))
		return 0;
	for (i = 0; name[i]; i++) {
		unsigned char c = name[i];

		if (c < 0x20 || c > 0x7e) {
			p_err("can't %s '%s': its %s name has byte 0x%02x at %d; "
			      "the kernel logs it with each kill, so only printable ASCII "
			      "is allowed",
			      step, thing, abi_kind_name(ABI_KIND_OOM), c, i);
			return -EINVAL;
		}
	}
	if (keep)
		snprintf(p->oom_policy, sizeof(p->oom_policy), "%s", name);
	return 0;
}

bool policy_name_valid(const char *name)
{
	/* bpffs refuses '.' in names */
	if (!*name || strlen(name) >= OOMKIT_NAME_LEN)
		return false;
	return strspn(name,
		      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789_-") == strlen(name);
}

int policy_open_src(struct policy *p, const char *step, const char *thing)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts);
	const struct oomkit_meta *m;
	struct bpf_program *prog;
	struct bpf_map *map;
	char why[320];
	int err;

	err = elf_check_bpf(p->src.data, p->src.size, why, sizeof(why));
	if (err) {
		p_err("can't %s '%s': %s", step, thing, why);
		return err;
	}
	err = meta_read(p->src.data, p->src.size, &p->meta, &p->nr_meta);
	if (err) {
		p_err("can't %s '%s': malformed %s section", step, thing,
		      OOMKIT_META_SEC);
		return err;
	}

	m = policy_meta(p, OOMKIT_META_POLICY, NULL);
	snprintf(p->name, sizeof(p->name), "%s",
		 m && m->name[0] ? m->name : p->src.name);
	p->doc = m ? m->doc : "";
	if (!policy_name_valid(p->name)) {
		p_err("can't %s '%s': policy name '%s' is not usable as a pin name "
		      "(letters, digits, '_', '-')",
		      step, thing, p->name);
		return -EINVAL;
	}
	/* a drop-in must not pass for (or be pinned as) a built-in */
	if (!p->src.builtin && src_is_builtin_name(p->name)) {
		p_err("can't %s '%s': refusing a drop-in named '%s' like a built-in policy; "
		      "give it its own name",
		      step, thing, p->name);
		return -EEXIST;
	}

	opts.object_name = p->name;
	p->obj = bpf_object__open_mem(p->src.data, p->src.size, &opts);
	if (!p->obj) {
		err = -errno;
		p_err("can't %s '%s': libbpf can't open it: %s", step, thing,
		      libbpf_errstr(err));
		return err;
	}
	err = abi_select_variant(p->obj, why, sizeof(why));
	if (err) {
		p_err("can't %s '%s': %s", step, thing, why);
		return err;
	}

	bpf_object__for_each_map(map, p->obj) {
		switch (abi_map_kind(p->obj, map, NULL)) {
		case ABI_KIND_OOM:
			/* every one is checked: each is attached, each name logged */
			err = read_oom_name(p, map, !p->has_oom, step, thing);
			if (err)
				return err;
			p->has_oom = true;
			break;
		case ABI_KIND_PSI:
			p->has_psi = true;
			break;
		default:
			break;
		}
	}
	/* level 2: a PSI policy is programs only (abi.h) */
	bpf_object__for_each_program(prog, p->obj)
		if (abi_prog_role(prog) != ABI_PROG_NONE)
			p->has_psi = true;
	if (!p->has_oom && !p->has_psi) {
		p_err("can't %s '%s': no %s or %s struct_ops map in it", step,
		      thing, abi_kind_name(ABI_KIND_OOM),
		      abi_kind_name(ABI_KIND_PSI));
		return -ENOENT;
	}
	if (p->has_oom && !p->oom_policy[0])
		snprintf(p->oom_policy, sizeof(p->oom_policy), "%s",
			 abi_reported_name(""));
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
	bpf_object__close(p->obj);
	p->obj = NULL;
	free(p->meta);
	p->meta = NULL;
	free(p->knobs);
	p->knobs = NULL;
	src_free(&p->src);
}
