// SPDX-License-Identifier: GPL-2.0
/* What 'policy load' and 'run' do before they attach: open to knobs. */
#include <stdio.h>

#include "attach.h"
#include "main.h"
#include "pins.h"
#include "policy.h"
#include "prepare.h"
#include "scope.h"
#include "tunables.h"

/* --name: the pin directory and the CLI's handle; the kernel's report keeps the policy's. */
static int policy_rename(struct policy *p, const char *name, const char *step)
{
	if (!name)
		return 0;
	if (!policy_name_valid(name))
		return usage_err(
			"can't %s '%s': --name '%s' is not usable as a pin name (letters, "
			"digits, '_', '-')",
			step, p->name, name);
	snprintf(p->name, sizeof(p->name), "%s", name);
	return 0;
}

int policy_prepare(const char *arg, const struct instance_opts *o,
		   struct policy *p, const char *step)
{
	int err;

	err = require_admin(step, arg);
	err = err ?: policy_open(arg, p, step);
	err = err ?: policy_rename(p, o->name, step);
	err = err ?: policy_apply_sets(p, o->sets, o->nr_sets);
	if (!err && o->scope)
		err = scope_resolve(p, o->scope, step);
	/* before the kernel check, so a taken name is reported on any kernel */
	err = err ?: pins_check_free(p->name, step, false);
	err = err ?: policy_check_kernel(p, step);
	err = err ?: policy_load(p, step);
	err = err ?: policy_write_knobs(p);
	return err ?: scope_write(p, step);
}
