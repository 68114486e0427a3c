/* SPDX-License-Identifier: GPL-2.0 */
/* Self-description of a policy object in .oomkit.meta: its name and tunables. */
#ifndef __OOMKIT_META_BPF_H
#define __OOMKIT_META_BPF_H

/* scripts/gen-embedded.sh reads the policy name of a built-in at this place. */
_Static_assert(sizeof(struct oomkit_meta) == 232 &&
		       __builtin_offsetof(struct oomkit_meta, name) == 40,
	       "struct oomkit_meta moved: update scripts/gen-embedded.sh");

/*
 * Every macro here emits one struct oomkit_meta into OOMKIT_META_SEC. The
 * records are static, const and marked used: clang keeps them, libbpf skips
 * the section when it opens the object ("skipping unrecognized data
 * section"), `bpftool gen object` copies it through, and the CLI reads it
 * from the ELF file. No pointers, so no relocations.
 */
#define __OOMKIT_META(id)                                  \
	static const struct oomkit_meta __oomkit_meta_##id \
		__attribute__((section(OOMKIT_META_SEC), used, aligned(8)))

/**
 * OOMKIT_POLICY - name the policy and describe it in one line
 * @policy_name: the CLI name
 * @policy_doc: one line for `oomkit policy list`
 *
 * OOMKIT_OOM_POLICY() and OOMKIT_PSI_POLICY() emit it with the name they
 * give the struct_ops; only an object that defines its own struct_ops
 * (the host tests' fake) uses it directly.
 */
#define OOMKIT_POLICY(policy_name, policy_doc) \
	__OOMKIT_META(policy) = {              \
		.kind = OOMKIT_META_POLICY,    \
		.name = policy_name,           \
		.doc = policy_doc,             \
	}

/**
 * OOMKIT_TUNABLE - declare a const volatile rodata tunable the CLI can set
 * @type: its C type (bool, u32, u64, s64...)
 * @var: the variable, and the KEY of `--set KEY=VALUE`
 * @def: default value (the CLI reads it back from .rodata)
 * @lo: smallest value the CLI accepts
 * @hi: largest value the CLI accepts
 * @var_doc: one line, with the unit
 *
 * Tunables are set between open and load; the verifier then sees them as
 * constants, so a disabled branch costs nothing.
 */
#define OOMKIT_TUNABLE(type, var, def, lo, hi, var_doc) \
	__OOMKIT_META(tunable_##var) = {                \
		.kind = OOMKIT_META_TUNABLE,            \
		.min = (lo),                            \
		.max = (hi),                            \
		.name = #var,                           \
		.doc = var_doc,                         \
	};                                              \
	const volatile type var = (def)

#endif /* __OOMKIT_META_BPF_H */
