/* SPDX-License-Identifier: GPL-2.0 */
/* What 'policy load' and 'run' do before they attach: open to knobs. */
#ifndef __OOMKIT_PREPARE_H
#define __OOMKIT_PREPARE_H

struct policy;

/*
 * Checks the caller's privileges, opens @arg into @p, applies the --set
 * values, checks that its name is not pinned yet and that the kernel has
 * what it needs, loads it and fills its knob maps. On error (reported),
 * policy_close() still owns what was made.
 */
int policy_prepare(const char *arg, char **sets, int nr_sets, struct policy *p,
		   const char *step);

#endif /* __OOMKIT_PREPARE_H */
