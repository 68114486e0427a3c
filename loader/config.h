/* SPDX-License-Identifier: GPL-2.0 */
/* oomkit.conf: the policies a machine runs, read from a file and its drop-in directory. */
#ifndef __OOMKIT_CONFIG_H
#define __OOMKIT_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

/* OOMKIT_SYSCONFDIR: from the Makefile (SYSCONFDIR) */
#define OOMKIT_DEFAULT_CONFIG OOMKIT_SYSCONFDIR "/oomkit/oomkit.conf"
/* The section of oomkit's own settings: no policy can be pinned by this name. */
#define CONFIG_GENERAL "oomkit"

/* Where a section or key was read: file (one of config.files) and line. */
struct config_pos {
	const char *file;
	int line;
};

/*
 * One [NAME] section: an instance of a policy, pinned as NAME (as
 * 'policy load --name NAME'), with its scope and settings.
 */
struct config_policy {
	char name[NAME_MAX + 1];
	struct config_pos pos; /* the first [NAME] line */
	char *policy; /* Policy=: built-in, drop-in name or .bpf.o path;
		       * NULL: the policy called NAME */
	struct config_pos
		policy_pos; /* the section's line while Policy= is unset */
	char *scope; /* Scope=: a cgroup (as --scope); NULL: the system */
	struct config_pos scope_pos;
	char **sets; /* Set=KEY=VALUE, in order */
	struct config_pos *set_pos;
	int nr_sets;
};

/* A mistake found: where, and "FILE:LINE: what is wrong and what to do". */
struct config_error {
	struct config_pos pos;
	char *text;
};

struct config {
	char **files; /* read, in order: the file, then its drop-ins */
	size_t nr_files;
	struct config_policy *policies; /* in the order first seen */
	size_t nr_policies;
	struct config_error *errors; /* in file order, then line order */
	size_t nr_errors;
	bool keep_on_stop; /* [oomkit] OnStop=keep: 'oomkit stop' unloads nothing */
};

/*
 * Reads @path and then @path.d/\*.conf in name order (a missing directory
 * is no error); a section seen again adds to the first. A file must be
 * owned by root or the caller and not writable by group or others, as
 * drop-in policies must. Every mistake found is added to c->errors, and
 * reading goes on so that one run reports them all. Returns 0, or a
 * negative errno when out of memory (c->errors may then be incomplete).
 */
int config_read(const char *path, struct config *c);
/* Adds an error at @pos, keeping c->errors sorted; -ENOMEM if it could not. */
int config_error(struct config *c, const struct config_pos *pos,
		 const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void config_free(struct config *c);

#endif /* __OOMKIT_CONFIG_H */
