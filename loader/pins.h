/* SPDX-License-Identifier: GPL-2.0 */
/* The CLI's pins under /sys/fs/bpf/oomkit: check, create, commit, walk, remove. */
#ifndef __OOMKIT_PINS_H
#define __OOMKIT_PINS_H

/*
 * bpffs refuses '.' in names (reserved for the kernel's own files), so the
 * staging dir is "<name>~tmp" and link pins are "link-<map>": policy names
 * are [A-Za-z0-9_-] and map names C identifiers, so neither can clash.
 */
#define PIN_TMP_SUFFIX		"~tmp"
#define PIN_LINK_PREFIX		"link-"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

struct pin_dir {
	char name[NAME_MAX + 1];	/* the policy name */
	char path[PATH_MAX];
	bool complete;			/* false: a NAME~tmp left by an interrupted load */
};

int pins_check_bpffs(const char *step, const char *thing);
int pins_check_free(const char *name, const char *step);
int pins_create_tmp(const char *name, const char *step, char *tmp, size_t len);
int pins_commit(const char *name, const char *step);
int pins_remove(const char *dir);
int pins_list(struct pin_dir **out, size_t *nr);
int pins_open(const char *dir, const char *file);

#endif /* __OOMKIT_PINS_H */
