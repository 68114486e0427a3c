// SPDX-License-Identifier: GPL-2.0
/* Host tests: loader/abi.c's level probe on BTF built here (level 1, level 2, none), names and run order. */
#include <stdio.h>
#include <string.h>

#include <bpf/btf.h>

#include "../../loader/abi.h"
#include "test.h"

/* The parts of kernel BTF the probe reads, in the shapes of kernel-abi-level2.md §9. */
struct shape {
	bool ops;     /* a struct bpf_oom_ops at all */
	bool bpf_oom; /* its third member, level 1's kernel-private pointer */
	const char *first; /* the struct the handler's first argument points to */
	const char *second; /* and its second's; NULL: one argument */
	bool psi;	    /* a struct bpf_psi_ops */
};

/* btf__add_field() appends to the type added last: build what a struct points to first. */
static struct btf *make_btf(const struct shape *s)
{
	int int_id, char_id, name_id, arg1, arg2 = 0, proto, handler, oom = 0,
					    ops;
	struct btf *btf = btf__new_empty();

	if (!btf)
		return NULL;
	int_id = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	char_id = btf__add_int(btf, "char", 1, BTF_INT_CHAR);
	if (s->psi) {
		btf__add_struct(btf, "bpf_psi_ops", 8);
		btf__add_field(btf, "init", btf__add_ptr(btf, int_id), 0, 0);
	}
	if (!s->ops)
		return btf;

	btf__add_struct(btf, s->first, 4);
	btf__add_field(btf, "x", int_id, 0, 0);
	arg1 = btf__add_ptr(btf, btf__find_by_name_kind(btf, s->first,
							BTF_KIND_STRUCT));
	if (s->second) {
		int st = btf__add_struct(btf, s->second, 4);

		btf__add_field(btf, "x", int_id, 0, 0);
		arg2 = btf__add_ptr(btf, st);
	}
	proto = btf__add_func_proto(btf, int_id);
	btf__add_func_param(btf, "oc", arg1);
	if (s->second)
		btf__add_func_param(btf, "cgrp", arg2);
	handler = btf__add_ptr(btf, proto);
	name_id = btf__add_array(btf, int_id, char_id, ABI_OOM_NAME_LEN);
	if (s->bpf_oom) {
		int st = btf__add_struct(btf, "bpf_oom", 4);

		btf__add_field(btf, "x", int_id, 0, 0);
		oom = btf__add_ptr(btf, st);
	}
	ops = btf__add_struct(btf, "bpf_oom_ops", s->bpf_oom ? 80 : 72);
	btf__add_field(btf, "handle_out_of_memory", handler, 0, 0);
	btf__add_field(btf, "name", name_id, 64, 0);
	if (s->bpf_oom)
		btf__add_field(btf, "bpf_oom", oom, 72 * 8, 0);
	return ops > 0 ? btf : NULL;
}

static void probe_shape(const struct shape *s, struct abi_probe *p)
{
	struct btf *btf = make_btf(s);

	memset(p, 0xff, sizeof(*p));
	if (!ASSERT_OK_PTR(btf, "build the BTF"))
		return;
	abi_probe_btf(btf, p);
	test_log("level %d: %s\n", p->level, p->why);
	btf__free(btf);
}

TEST(abi_probe_level_1_shape)
{
	const struct shape s = { .ops = true,
				 .bpf_oom = true,
				 .first = "oom_control",
				 .psi = true };
	struct abi_probe p;

	probe_shape(&s, &p);
	ASSERT_EQ(p.level, ABI_LEVEL_1, "level");
	ASSERT_TRUE(p.has_oom && p.has_psi, "bpf_oom_ops and bpf_psi_ops seen");
	ASSERT_STR_EQ(p.why, "", "no reason");
	ASSERT_STR_EQ(abi_level_name(p.level), "level 1", "its name");
}

/* A level-1 kernel built without PSI is still level 1; its PSI maps are refused by kind. */
TEST(abi_probe_level_1_without_psi)
{
	const struct shape s = { .ops = true,
				 .bpf_oom = true,
				 .first = "oom_control" };
	struct abi_probe p;

	probe_shape(&s, &p);
	ASSERT_EQ(p.level, ABI_LEVEL_1, "level");
	ASSERT_FALSE(p.has_psi, "no bpf_psi_ops");
}

TEST(abi_probe_level_2_shape)
{
	const struct shape s = { .ops = true,
				 .first = "oom_control",
				 .second = "cgroup" };
	struct abi_probe p;

	probe_shape(&s, &p);
	ASSERT_EQ(p.level, ABI_LEVEL_2, "level");
	ASSERT_FALSE(p.has_psi, "no bpf_psi_ops");
	ASSERT_STR_EQ(p.why, "", "no reason");
	ASSERT_STR_EQ(abi_level_name(p.level), "level 2", "its name");
}

TEST(abi_probe_none_without_bpf_oom_ops)
{
	const struct shape s = { .ops = false };
	struct abi_probe p;

	probe_shape(&s, &p);
	ASSERT_EQ(p.level, ABI_NONE, "level");
	ASSERT_FALSE(p.has_oom, "no bpf_oom_ops");
	ASSERT_STR_EQ(
		p.why,
		"the kernel's BTF has no struct bpf_oom_ops (no BPF OOM series in "
		"this kernel)",
		"reason");
	ASSERT_STR_EQ(abi_level_name(p.level), "none", "its name");
}

/* Two arguments, but the series' v3 shape: the count alone would have said level 2. */
TEST(abi_probe_none_for_a_v3_handler)
{
	const struct shape s = { .ops = true,
				 .first = "oom_control",
				 .second = "bpf_struct_ops_link" };
	const struct shape ctx = { .ops = true,
				   .first = "bpf_oom_ctx",
				   .second = "cgroup" };
	struct abi_probe p;

	probe_shape(&s, &p);
	ASSERT_EQ(p.level, ABI_NONE, "level (link second)");
	ASSERT_TRUE(p.has_oom, "bpf_oom_ops seen");
	ASSERT_STR_EQ(
		p.why,
		"handle_out_of_memory()'s second argument is not a struct cgroup * "
		"(a v2/v3 revision of the series, which oomkit does not speak)",
		"reason");

	probe_shape(&ctx, &p);
	ASSERT_EQ(p.level, ABI_NONE, "level (context first)");
	ASSERT_STR_EQ(
		p.why,
		"handle_out_of_memory()'s first argument is not a struct oom_control * "
		"(a v2/v3 revision of the series, which oomkit does not speak)",
		"reason");
}

TEST(abi_probe_none_for_mixed_shapes)
{
	const struct shape l2_psi = { .ops = true,
				      .first = "oom_control",
				      .second = "cgroup",
				      .psi = true };
	const struct shape l1_two_args = { .ops = true,
					   .bpf_oom = true,
					   .first = "oom_control",
					   .second = "cgroup" };
	struct abi_probe p;

	probe_shape(&l2_psi, &p);
	ASSERT_EQ(p.level, ABI_NONE, "level 2's bpf_oom_ops with bpf_psi_ops");
	ASSERT_HAS_SUBSTR(p.why, "which level 2 removed, is there", "reason");

	probe_shape(&l1_two_args, &p);
	ASSERT_EQ(p.level, ABI_NONE, "3 members, 2 arguments");
	ASSERT_STR_EQ(
		p.why,
		"struct bpf_oom_ops has 3 members and handle_out_of_memory() 2 "
		"arguments: neither level 1 (3 with bpf_oom, 1) nor level 2 (2, 2)",
		"reason");
}

TEST(abi_value_name_and_reported_name)
{
	const struct shape s = { .ops = true,
				 .bpf_oom = true,
				 .first = "oom_control" };
	struct btf *btf = make_btf(&s);
	char value[80] = {}, name[ABI_OOM_NAME_LEN + 1];
	int id;

	if (!ASSERT_OK_PTR(btf, "build the BTF"))
		return;
	id = btf__find_by_name_kind(btf, "bpf_oom_ops", BTF_KIND_STRUCT);
	memcpy(value + 8, "biggest-cgroup", 14);
	ASSERT_EQ(abi_value_name(btf, id, value, sizeof(value), name,
				 sizeof(name)),
		  1, "found");
	ASSERT_STR_EQ(name, "biggest-cgroup", "the name");
	ASSERT_STR_EQ(abi_reported_name(name), "biggest-cgroup",
		      "reported as is");

	memset(value, 0, sizeof(value));
	ASSERT_EQ(abi_value_name(btf, id, value, sizeof(value), name,
				 sizeof(name)),
		  1, "empty");
	ASSERT_STR_EQ(abi_reported_name(name), "bpf_defined_policy",
		      "an empty name's report");

	/* 64 bytes without a NUL stop at the member's end */
	memset(value + 8, 'a', ABI_OOM_NAME_LEN);
	ASSERT_EQ(abi_value_name(btf, id, value, sizeof(value), name,
				 sizeof(name)),
		  1, "full");
	ASSERT_EQ(strlen(name), ABI_OOM_NAME_LEN, "at most 64 bytes");

	ASSERT_EQ(abi_value_name(btf, id, value, 8, name, sizeof(name)), 0,
		  "value too short");
	ASSERT_EQ(abi_value_name(btf,
				 btf__find_by_name_kind(btf, "oom_control",
							BTF_KIND_STRUCT),
				 value, sizeof(value), name, sizeof(name)),
		  0, "no name member");
	btf__free(btf);
}

/* Handlers run in link id order; PSI links take no rank but are skipped. */
TEST(abi_run_order_by_link_id)
{
	struct abi_link_ent v[] = {
		{ .link_id = 3, .map_id = 30, .kind = ABI_KIND_OOM },
		{ .link_id = 4, .map_id = 40, .kind = ABI_KIND_PSI },
		{ .link_id = 9, .map_id = 90, .kind = ABI_KIND_OOM },
	};
	struct abi_links l = { .v = v, .nr = 3 };
	__u32 link = 0;

	ASSERT_EQ(abi_run_order(&l, 3, 0, NULL), 1, "first");
	ASSERT_EQ(abi_run_order(&l, 9, 0, NULL), 2, "second, after a PSI link");
	ASSERT_EQ(abi_run_order(&l, 0, 90, &link), 2, "by map");
	ASSERT_EQ(link, 9, "the map's link");
	ASSERT_EQ(abi_run_order(&l, 4, 0, NULL), 0, "a PSI link has no rank");
	ASSERT_EQ(abi_run_order(&l, 7, 0, NULL), 0, "unknown link");
}

TEST(abi_kind_names)
{
	ASSERT_STR_EQ(abi_kind_name(ABI_KIND_OOM), "bpf_oom_ops", "oom");
	ASSERT_STR_EQ(abi_kind_name(ABI_KIND_PSI), "bpf_psi_ops", "psi");
	ASSERT_EQ(abi_map_kind(NULL, NULL, NULL), ABI_KIND_OTHER,
		  "nothing to look at");
}

/* This host's kernel has no BPF OOM ABI: the probe says none, and why, once. */
TEST(abi_kernel_on_this_host_is_none)
{
	const struct abi_probe *k, *again;
	char why[384];

	if (!ASSERT_OK(abi_kernel(&k), "probe the kernel"))
		return;
	ASSERT_EQ(k->level, ABI_NONE, "level");
	ASSERT_STR_EQ(
		k->why,
		"the kernel's BTF has no struct bpf_oom_ops (no BPF OOM series in "
		"this kernel)",
		"reason");
	if (ASSERT_OK(abi_kernel(&again), "probe again"))
		ASSERT_TRUE(again == k, "probed once");
	ASSERT_EQ(abi_check_kind(ABI_KIND_OOM, why, sizeof(why)), -EOPNOTSUPP,
		  "an OOM map");
	ASSERT_STR_EQ(
		why,
		"this kernel has no bpf_oom_ops (needs the BPF OOM series; see "
		"'oomkit feature')",
		"its reason");
	ASSERT_EQ(abi_check_kind(ABI_KIND_PSI, why, sizeof(why)), -EOPNOTSUPP,
		  "a PSI map");
	ASSERT_STR_EQ(
		why,
		"this kernel has no bpf_psi_ops (needs the BPF OOM series; see "
		"'oomkit feature')",
		"its reason");
}
