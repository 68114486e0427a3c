/* SPDX-License-Identifier: GPL-2.0 */
/* Where a policy's ELF image comes from: a built-in, a drop-in, or a path. */
#ifndef __OOMKIT_POLICY_SOURCE_H
#define __OOMKIT_POLICY_SOURCE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

struct policy_src {
	char name[NAME_MAX + 1]; /* built-in name, or the drop-in's file stem */
	char path[PATH_MAX];	 /* drop-in file; "" for a built-in */
	bool builtin;
	const void *data; /* the ELF image */
	size_t size;
	void *owned; /* data to free (drop-ins) */
};

int src_resolve(const char *arg, struct policy_src *src, const char *step);
int src_from_file(const char *path, struct policy_src *src, const char *step,
		  const char *thing);
void src_free(struct policy_src *src);
bool src_is_builtin_name(const char *name);
/* Built-ins and drop-ins in list order; cb returns non-zero to stop. */
int src_for_each(int (*cb)(const char *name, const char *path, bool builtin,
			   void *ctx),
		 void *ctx);

#endif /* __OOMKIT_POLICY_SOURCE_H */
