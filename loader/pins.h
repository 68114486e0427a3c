/* SPDX-License-Identifier: GPL-2.0 */
/* The CLI's pins under /sys/fs/bpf/oomkit: check, create, commit, walk, remove. */
#ifndef __OOMKIT_PINS_H
#define __OOMKIT_PINS_H

/*
 * bpffs refuses '.' in names (reserved for the kernel's own files), so the
 * staging dir is "<name>~tmp" and link pins are "link-<map>": policy names
 * are [A-Za-z0-9_-] and map names C identifiers, so neither can clash.
 */
#define PIN_TMP_SUFFIX	"~tmp"
#define PIN_LINK_PREFIX "link-"
/* The links of the programs that keep settings with their cgroup paths. */
#define PIN_FOLLOW_PREFIX "follow-"
/* The .oomkit.meta records (frozen array) and the loaded .rodata. */
#define PIN_META	  "oomkit_meta"
#define PIN_RODATA	  "rodata"
#define PINS_LOCK_WAIT_MS 10000

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

struct pin_dir {
	char name[NAME_MAX + 1];  /* the policy name */
	char entry[NAME_MAX + 1]; /* its directory under the pin root */
	char path[PATH_MAX];
	bool complete; /* false: a NAME~tmp left by an interrupted load */
};

int pins_check_bpffs(const char *step, const char *thing);
/* The checked pin root's fd (-ENOENT, unreported, if absent and !create). */
int pins_root_open(const char *step, const char *thing, bool create);
/* @locked: the caller holds pins_lock(), so a NAME~tmp is a leftover. */
int pins_check_free(const char *name, const char *step, bool locked);
/* The locked pin root's fd, or <0 (-ENOENT, unreported, if absent and !create). */
int pins_lock(const char *step, const char *thing, bool create);
void pins_unlock(int fd);
int pins_create_tmp(const char *name, const char *step, char *tmp, size_t len);
int pins_commit(const char *name, const char *step);
int pins_remove(int root_fd, const char *entry);
int pins_remove_tmp(const char *name);
/* The policy directories under the pin root; reports its own errors. */
int pins_list(const char *step, const char *thing, struct pin_dir **out,
	      size_t *nr);
int pins_open(const char *dir, const char *file);
/*
 * Calls @fn for each link pinned as link-* in @dir, with its fd (closed
 * after the call) and its name past the prefix; stops at the first
 * non-zero return of @fn and returns it. 0 if @dir can't be opened.
 */
int pins_each_link(const char *dir,
		   int (*fn)(int fd, const char *name, void *ctx), void *ctx);

#endif /* __OOMKIT_PINS_H */
