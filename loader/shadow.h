/* SPDX-License-Identifier: GPL-2.0 */
/* Shadow mode (bpf/shadow.bpf.h): --shadow, and the hooks that see the kernel's kills. */
#ifndef __OOMKIT_SHADOW_H
#define __OOMKIT_SHADOW_H

#include <stdbool.h>

struct bpf_program;
struct policy;

/* --shadow: sets the tunable, or says in one line why @p has no shadow mode. */
int shadow_request(struct policy *p, const char *step);
/* Whether @p is set to run in shadow. */
bool shadow_on(const struct policy *p);
/* One of the hooks that see the kernel's kills (shadow's comparison, health's fallbacks). */
bool shadow_is_hook(const struct bpf_program *prog);

#endif /* __OOMKIT_SHADOW_H */
