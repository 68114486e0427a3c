// SPDX-License-Identifier: GPL-2.0
/* oomkit feature: probes the running kernel's BTF for the BPF OOM ABI, names what is missing. */
#include <errno.h>
#include <string.h>
#include <sys/utsname.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "args.h"
#include "main.h"

enum probe_kind { PROBE_STRUCT, PROBE_FIELD, PROBE_KFUNC };

struct probe {
	enum probe_kind kind;
	const char *name;	/* struct, "struct.field" or kfunc */
	const char *group;	/* JSON object it is reported in */
};

static const struct probe probes[] = {
	{ PROBE_STRUCT, "bpf_oom_ops", "struct_ops" },
	{ PROBE_STRUCT, "bpf_psi_ops", "struct_ops" },
	{ PROBE_FIELD, "oom_control.bpf_memory_freed", "fields" },
	{ PROBE_FIELD, "oom_control.bpf_policy_name", "fields" },
	{ PROBE_KFUNC, "bpf_oom_kill_process", "kfuncs" },
	{ PROBE_KFUNC, "bpf_out_of_memory", "kfuncs" },
	{ PROBE_KFUNC, "bpf_task_is_oom_victim", "kfuncs" },
	{ PROBE_KFUNC, "bpf_psi_create_trigger", "kfuncs" },
	{ PROBE_KFUNC, "bpf_get_mem_cgroup", "kfuncs" },
	{ PROBE_KFUNC, "bpf_put_mem_cgroup", "kfuncs" },
	{ PROBE_KFUNC, "bpf_get_root_mem_cgroup", "kfuncs" },
	{ PROBE_KFUNC, "bpf_mem_cgroup_usage", "kfuncs" },
	{ PROBE_KFUNC, "bpf_mem_cgroup_page_state", "kfuncs" },
	{ PROBE_KFUNC, "bpf_mem_cgroup_vm_events", "kfuncs" },
	{ PROBE_KFUNC, "bpf_mem_cgroup_memory_events", "kfuncs" },
	{ PROBE_KFUNC, "bpf_mem_cgroup_flush_stats", "kfuncs" },
};

static bool has_field(const struct btf *btf, const char *spec)
{
	char sname[64];
	const struct btf_member *m;
	const struct btf_type *t;
	const char *dot = strchr(spec, '.');
	int id, i;

	snprintf(sname, sizeof(sname), "%.*s", (int)(dot - spec), spec);
	id = btf__find_by_name_kind(btf, sname, BTF_KIND_STRUCT);
	if (id < 0)
		return false;
	t = btf__type_by_id(btf, id);
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(btf, m->name_off), dot + 1))
			return true;
	return false;
}

static bool probe(const struct btf *btf, const struct probe *p)
{
	switch (p->kind) {
	case PROBE_STRUCT:
		return btf__find_by_name_kind(btf, p->name, BTF_KIND_STRUCT) >= 0;
	case PROBE_FIELD:
		return has_field(btf, p->name);
	case PROBE_KFUNC:
		return btf__find_by_name_kind(btf, p->name, BTF_KIND_FUNC) >= 0;
	}
	return false;
}

int do_feature(int argc, char **argv)
{
	bool present[ARRAY_SIZE(probes)];
	const char *group = NULL;
	struct cmd_args a;
	struct utsname u;
	struct btf *btf;
	size_t i, missing = 0;
	int err;

	err = parse_args(NULL, "feature", argc, argv, 0, &a);
	free_args(&a);
	if (err)
		return err > 0 ? 0 : err;
	btf = btf__load_vmlinux_btf();
	if (!btf) {
		err = -errno;
		p_err("can't probe 'kernel': no kernel BTF (/sys/kernel/btf/vmlinux): %s; "
		      "the BPF OOM ABI needs CONFIG_DEBUG_INFO_BTF", strerror(errno));
		return err;
	}
	for (i = 0; i < ARRAY_SIZE(probes); i++) {
		present[i] = probe(btf, &probes[i]);
		missing += !present[i];
	}
	btf__free(btf);
	uname(&u);

	if (json_output) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "kernel", u.release);
		for (i = 0; i < ARRAY_SIZE(probes); i++) {
			if (!group || strcmp(group, probes[i].group)) {
				if (group)
					jsonw_end_object(json_wtr);
				group = probes[i].group;
				jsonw_name(json_wtr, group);
				jsonw_start_object(json_wtr);
			}
			jsonw_bool_field(json_wtr, probes[i].name, present[i]);
		}
		jsonw_end_object(json_wtr);
		jsonw_name(json_wtr, "missing");
		jsonw_start_array(json_wtr);
		for (i = 0; i < ARRAY_SIZE(probes); i++)
			if (!present[i])
				jsonw_string(json_wtr, probes[i].name);
		jsonw_end_array(json_wtr);
		jsonw_bool_field(json_wtr, "complete", !missing);
		jsonw_end_object(json_wtr);
	} else {
		printf("kernel %s\n", u.release);
		for (i = 0; i < ARRAY_SIZE(probes); i++) {
			if (!group || strcmp(group, probes[i].group)) {
				group = probes[i].group;
				printf("%s:\n", group);
			}
			printf("  %-36s %s\n", probes[i].name, present[i] ? "yes" : "MISSING");
		}
		if (missing)
			printf("missing %zu of %zu: this kernel lacks the BPF OOM ABI oomkit needs "
			       "(the BPF OOM series)\n", missing, ARRAY_SIZE(probes));
		else
			printf("all present\n");
	}
	/* not an error message: the listing says what is missing */
	return missing ? -ENOENT : 0;
}
