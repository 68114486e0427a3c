// SPDX-License-Identifier: GPL-2.0
/* What 'policy load' and 'run' do before they attach: open to knobs. */
#include "attach.h"
#include "main.h"
#include "pins.h"
#include "policy.h"
#include "prepare.h"
#include "tunables.h"

int policy_prepare(const char *arg, char **sets, int nr_sets, struct policy *p,
		   const char *step)
{
	int err;

	err = require_admin(step, arg);
	err = err ?: policy_open(arg, p, step);
	err = err ?: policy_apply_sets(p, sets, nr_sets);
	/* before the kernel check, so a taken name is reported on any kernel */
	err = err ?: pins_check_free(p->name, step, false);
	err = err ?: policy_check_kernel(p, step);
	err = err ?: policy_load(p, step);
	return err ?: policy_write_knobs(p);
}
