// SPDX-License-Identifier: GPL-2.0
/* What 'policy load' and 'run' do before they attach: open to knobs. */
#include <stdio.h>

#include "args.h"
#include "attach.h"
#include "main.h"
#include "pins.h"
#include "policy.h"
#include "prepare.h"
#include "scope.h"
#include "shadow.h"
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

int policy_prepare(const struct cmd_args *a, struct policy *p, const char *step)
{
	int err;

	err = require_admin(step, a->target);
	err = err ?: policy_open(a->target, p, step);
	err = err ?: policy_rename(p, a->name, step);
	err = err ?: policy_apply_sets(p, a->sets, a->nr_sets);
	if (!err && a->shadow)
		err = shadow_request(p, step);
	if (!err && a->scope)
		err = scope_resolve(p, a->scope, step);
	/* before the kernel check, so a taken name is reported on any kernel */
	err = err ?: pins_check_free(p->name, step, false);
	err = err ?: policy_check_kernel(p, step);
	err = err ?: policy_load(p, step);
	err = err ?: policy_write_knobs(p);
	return err ?: scope_write(p, step);
}
