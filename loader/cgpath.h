/* SPDX-License-Identifier: GPL-2.0 */
/* Cgroup ids and paths: where cgroup2 is mounted, a walk of its tree, id -> path with a cache. */
#ifndef __OOMKIT_CGPATH_H
#define __OOMKIT_CGPATH_H

#include <stddef.h>
#include <sys/stat.h>
#include <linux/types.h>

const char *cgroup2_mount(void);

/*
 * Called for each cgroup, parents first, with its absolute path and stat
 * (st_ino is the cgroup id). Return 0 to go on; anything else ends the
 * walk, and cgroup_walk() returns it.
 */
typedef int (*cgroup_visit_fn)(const char *abs, const struct stat *st,
			       void *data);
int cgroup_walk(cgroup_visit_fn visit, void *data);

/* @abs (below the cgroup2 mount) as "/a/b"; "/" for the root. */
const char *cgroup_rel(const char *abs);

/* Path relative to the cgroup2 mount ("/" for the root); "" if not found. */
const char *cgpath_lookup(__u64 id);

#endif /* __OOMKIT_CGPATH_H */
