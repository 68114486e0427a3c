/* SPDX-License-Identifier: GPL-2.0 */
/* Cgroup ids and paths: where cgroup2 is mounted, and id -> path with a cache. */
#ifndef __OOMKIT_CGPATH_H
#define __OOMKIT_CGPATH_H

#include <stddef.h>
#include <linux/types.h>

const char *cgroup2_mount(void);
/* Path relative to the cgroup2 mount ("/" for the root); "" if not found. */
const char *cgpath_lookup(__u64 id);

#endif /* __OOMKIT_CGPATH_H */
