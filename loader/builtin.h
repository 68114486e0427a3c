/* SPDX-License-Identifier: GPL-2.0 */
/* The policies built into the oomkit binary: one BPF object per policies/<name>.bpf.c. */
#ifndef __OOMKIT_BUILTIN_H
#define __OOMKIT_BUILTIN_H

#include <stddef.h>

struct oomkit_builtin {
	const char *name; /* policy file stem, e.g. "biggest-cgroup" */
	const void *data; /* the ELF object, as built in build/policies/ */
	size_t size;
};

/* Generated into build/loader/embedded.S by scripts/gen-embedded.sh. */
extern const struct oomkit_builtin oomkit_builtins[];
extern const size_t oomkit_nr_builtins;

#endif /* __OOMKIT_BUILTIN_H */
