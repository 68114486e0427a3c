/* SPDX-License-Identifier: GPL-2.0 */
/* --scope CGROUP: the cgroup whose OOMs an instance handles, and its state. */
#ifndef __OOMKIT_SCOPE_H
#define __OOMKIT_SCOPE_H

#include <stdbool.h>
#include <stddef.h>

#include <oomkit/intf.h>

struct policy;

/* The library's map every policy has (bpf/abi.bpf.h), pinned beside it. */
#define SCOPE_MAP "oomkit_scope"

/*
 * Resolves @arg (a cgroup2 directory, absolute or relative to the mount)
 * into p->scope and p->scope_dir. The cgroup2 root is the whole system,
 * as no --scope. Reports its errors: -ENOENT, -ENOTDIR, -ENAMETOOLONG.
 */
int scope_resolve(struct policy *p, const char *arg, const char *step);
/*
 * After load, before attach: writes p->scope into the object's scope map.
 * A scope on an object without the map (built against an older
 * bpf/abi.bpf.h) is refused at level 1, which filters in the policy.
 */
int scope_write(struct policy *p, const char *step);

/* The scope pinned in @pin_dir; 0, or -ENOENT: none pinned (the system). */
int scope_read(const char *pin_dir, struct oomkit_scope *s);
/* Whether the scope cgroup is gone (removed, or another cgroup at its path). */
bool scope_removed(const struct oomkit_scope *s);

#endif /* __OOMKIT_SCOPE_H */
