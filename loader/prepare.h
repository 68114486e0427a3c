/* SPDX-License-Identifier: GPL-2.0 */
/* What 'policy load' and 'run' do before they attach: open to knobs. */
#ifndef __OOMKIT_PREPARE_H
#define __OOMKIT_PREPARE_H

struct cmd_args;
struct policy;

/*
 * Checks the caller's privileges, opens a->target into @p, names it
 * (--name), applies the --set values and the --scope, checks that its name
 * is not pinned yet and that the kernel has what it needs, loads it and
 * fills its knob and scope maps. On error (reported), policy_close() still owns what was made.
 */
int policy_prepare(const struct cmd_args *a, struct policy *p,
		   const char *step);

#endif /* __OOMKIT_PREPARE_H */
