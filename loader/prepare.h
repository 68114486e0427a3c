/* SPDX-License-Identifier: GPL-2.0 */
/* What 'policy load' and 'run' do before they attach: open to knobs. */
#ifndef __OOMKIT_PREPARE_H
#define __OOMKIT_PREPARE_H

struct policy;

/* What a command asks of an instance besides the policy it is. */
struct instance_opts {
	char **sets; /* --set KEY=VALUE */
	int nr_sets;
	const char *name; /* --name: its pin directory; NULL: the policy's name */
	const char *
		scope; /* --scope: the cgroup whose OOMs it handles; NULL: all */
};

/*
 * Checks the caller's privileges, opens @arg into @p, names it, applies
 * the --set values and the scope, checks that its name is not pinned yet
 * and that the kernel has what it needs, loads it and fills its knob and
 * scope maps. On error (reported), policy_close() still owns what was made.
 */
int policy_prepare(const char *arg, const struct instance_opts *o,
		   struct policy *p, const char *step);

#endif /* __OOMKIT_PREPARE_H */
