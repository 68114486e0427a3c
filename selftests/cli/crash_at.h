/* SPDX-License-Identifier: GPL-2.0 */
/* The environment that makes build/oomkit die at a chosen bpf() call (preload/crash_at.c). */
#ifndef __OOMKIT_CLI_CRASH_AT_H
#define __OOMKIT_CLI_CRASH_AT_H

#include <limits.h>
#include <stdio.h>

#include "cli.h"

struct crash_at {
	char preload[PATH_MAX + 16];
	char spec[64];
	const char *env[3];
};

/* @spec is CMD:N:SIG, e.g. "obj_pin:1:kill"; pass c->env to cli_run(). */
static inline const char *const *crash_at_env(struct crash_at *c,
					      const char *spec)
{
	snprintf(c->preload, sizeof(c->preload), "LD_PRELOAD=%s",
		 build_path("selftests/cli/crash_at.so"));
	snprintf(c->spec, sizeof(c->spec), "OOMKIT_CRASH_AT=%s", spec);
	c->env[0] = c->preload;
	c->env[1] = c->spec;
	c->env[2] = NULL;
	return c->env;
}

#endif /* __OOMKIT_CLI_CRASH_AT_H */
