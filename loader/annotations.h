/* SPDX-License-Identifier: GPL-2.0 */
/* Other OOM daemons' cgroup xattrs: the programs that follow them, and reading those already set. */
#ifndef __OOMKIT_ANNOTATIONS_H
#define __OOMKIT_ANNOTATIONS_H

#include <stdbool.h>

struct bpf_program;
struct policy;

#define ANNOT_MAP "oomkit_annot"

/* One of bpf/annotations.bpf.h's xattr hooks (a follower: attach.c). */
bool annot_is_hook(const struct bpf_program *prog);
/* Whether the loaded @p reads annotations (its tunables turned one on). */
int annot_wanted(const struct policy *p, const char *step, bool *wanted);
/* Once the hooks are attached: every annotation already on a cgroup. */
int annot_seed(const struct policy *p, const char *step);
/* For 'policy show': the annotations pinned in @pin_dir, by cgroup path. */
void annot_print(const char *pin_dir);

#endif /* __OOMKIT_ANNOTATIONS_H */
