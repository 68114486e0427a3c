// SPDX-License-Identifier: GPL-2.0
/* oomkit feature: the running kernel's BPF OOM ABI level, and what of it the kernel's BTF lacks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "abi.h"
#include "args.h"
#include "main.h"

int do_feature(void)
{
	const struct abi_feature *feats;
	const struct abi_probe *k;
	const struct btf *btf;
	const char *group = NULL;
	struct cmd_args a;
	struct utsname u;
	size_t nr, i, n = 0, missing = 0;
	bool *present;
	int err;

	err = parse_args(NULL, "feature", 0, &a);
	free_args(&a);
	if (err || a.help)
		return err;
	err = abi_kernel(&k);
	if (err) {
		p_err("can't probe 'kernel': no kernel BTF (/sys/kernel/btf/vmlinux): %s; "
		      "the BPF OOM ABI needs CONFIG_DEBUG_INFO_BTF",
		      strerror(-err));
		return err;
	}
	btf = abi_vmlinux_btf();
	nr = abi_features(&feats);
	present = calloc(nr, sizeof(*present));
	if (!present) {
		p_err("can't probe 'kernel': out of memory");
		return -ENOMEM;
	}
	/* the list is the detected level's; with none, level 1's (what the policies need) */
	for (i = 0; i < nr; i++) {
		if (!abi_feature_needed(&feats[i], k->level))
			continue;
		n++;
		present[i] = abi_feature_present(btf, &feats[i]);
		missing += !present[i];
	}
	uname(&u);

	if (json_output) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "kernel", u.release);
		jsonw_name(json_wtr, "abi");
		jsonw_start_object(json_wtr);
		jsonw_uint_field(json_wtr, "level", k->level);
		if (k->level == ABI_NONE)
			jsonw_string_field(json_wtr, "reason", k->why);
		else
			jsonw_null_field(json_wtr, "reason");
		jsonw_end_object(json_wtr);
		for (i = 0; i < nr; i++) {
			if (!abi_feature_needed(&feats[i], k->level))
				continue;
			if (!group || strcmp(group, feats[i].group)) {
				if (group)
					jsonw_end_object(json_wtr);
				group = feats[i].group;
				jsonw_name(json_wtr, group);
				jsonw_start_object(json_wtr);
			}
			jsonw_bool_field(json_wtr, feats[i].name, present[i]);
		}
		jsonw_end_object(json_wtr);
		jsonw_name(json_wtr, "missing");
		jsonw_start_array(json_wtr);
		for (i = 0; i < nr; i++)
			if (abi_feature_needed(&feats[i], k->level) &&
			    !present[i])
				jsonw_string(json_wtr, feats[i].name);
		jsonw_end_array(json_wtr);
		jsonw_bool_field(json_wtr, "complete", !missing);
		jsonw_end_object(json_wtr);
	} else {
		printf("kernel %s\n", u.release);
		if (k->level == ABI_NONE)
			printf("BPF OOM ABI: none: %s\n", k->why);
		else
			printf("BPF OOM ABI: %s\n", abi_level_name(k->level));
		for (i = 0; i < nr; i++) {
			if (!abi_feature_needed(&feats[i], k->level))
				continue;
			if (!group || strcmp(group, feats[i].group)) {
				group = feats[i].group;
				printf("%s:\n", group);
			}
			printf("  %-36s %s\n", feats[i].name,
			       present[i] ? "yes" : "MISSING");
		}
		if (missing)
			printf("missing %zu of %zu: this kernel lacks the BPF OOM ABI oomkit needs "
			       "(the BPF OOM series)\n",
			       missing, n);
		else
			printf("all present\n");
	}
	free(present);
	/* not an error message: the listing says what is missing */
	return missing ? -ENOENT : 0;
}
