// SPDX-License-Identifier: GPL-2.0
/* Reads a policy's ELF image with libelf: is it BPF, and its .oomkit.meta records. */
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>

#include <oomkit/intf.h>

#include "meta.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

static Elf *elf_open_mem(const void *data, size_t size)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return NULL;
	/* libelf only reads an ELF_C_READ image; the cast is its API's */
	return elf_memory((char *)data, size);
}

int elf_check_bpf(const void *data, size_t size, char *why, size_t len)
{
	GElf_Ehdr ehdr;
	Elf *elf;
	int err = 0;

	if (size < 4 || memcmp(data, ELFMAG, SELFMAG)) {
		snprintf(why, len, "not an ELF file");
		return -ENOEXEC;
	}
	elf = elf_open_mem(data, size);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &ehdr)) {
		snprintf(why, len, "not a valid ELF file (%s)", elf_errmsg(-1));
		err = -ENOEXEC;
	} else if (ehdr.e_machine != EM_BPF) {
		snprintf(
			why, len,
			"an ELF file but not a BPF object (e_machine %u, not EM_BPF)",
			(unsigned int)ehdr.e_machine);
		err = -ENOEXEC;
	} else if (ehdr.e_type != ET_REL) {
		snprintf(why, len,
			 "a BPF ELF file but not a relocatable object");
		err = -ENOEXEC;
	}
	if (elf)
		elf_end(elf);
	return err;
}

int meta_read(const void *data, size_t size, struct oomkit_meta **out,
	      size_t *nr)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx, i;
	int err = 0;
	Elf *elf;

	*out = NULL;
	*nr = 0;
	elf = elf_open_mem(data, size);
	if (!elf)
		return -ENOEXEC;
	if (elf_getshdrstrndx(elf, &shstrndx)) {
		err = -ENOEXEC;
		goto out;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr shdr;
		const char *name;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &shdr))
			continue;
		name = elf_strptr(elf, shstrndx, shdr.sh_name);
		if (!name || strcmp(name, OOMKIT_META_SEC))
			continue;
		d = elf_getdata(scn, NULL);
		/* fixed-size records; anything else is a different layout */
		if (!d || !d->d_buf || d->d_size % sizeof(struct oomkit_meta)) {
			err = -EPROTO;
			goto out;
		}
		*out = malloc(d->d_size ? d->d_size : 1);
		if (!*out) {
			err = -ENOMEM;
			goto out;
		}
		memcpy(*out, d->d_buf, d->d_size);
		*nr = d->d_size / sizeof(struct oomkit_meta);
		for (i = 0; i < *nr; i++) {
			/* the strings are fixed arrays: never trust a terminator */
			(*out)[i].name[sizeof((*out)[i].name) - 1] = '\0';
			(*out)[i].map[sizeof((*out)[i].map) - 1] = '\0';
			(*out)[i].doc[sizeof((*out)[i].doc) - 1] = '\0';
		}
		break;
	}
out:
	elf_end(elf);
	return err;
}
