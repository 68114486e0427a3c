/* SPDX-License-Identifier: GPL-2.0 */
/* A policy's ELF image as libelf reads it: is it BPF, its .oomkit.meta records. */
#ifndef __OOMKIT_META_H
#define __OOMKIT_META_H

#include <stddef.h>

struct oomkit_meta;

int elf_check_bpf(const void *data, size_t size, char *why, size_t len);
int meta_read(const void *data, size_t size, struct oomkit_meta **out,
	      size_t *nr);

#endif /* __OOMKIT_META_H */
