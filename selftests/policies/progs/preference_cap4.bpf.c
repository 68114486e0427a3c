// SPDX-License-Identifier: GPL-2.0
/* Test-only build of preference with a 4-cgroup reading cap (PGSCAN_MAX_CGROUPS), for the scenario of review finding M7. */
#define PGSCAN_MAX_CGROUPS 4
#define PREFERENCE_NAME	   "preference_cap4"
#include "policies/preference.bpf.c"
