/* SPDX-License-Identifier: GPL-2.0 */
/* The kernel's system-wide BPF run-time statistics switch (kernel.bpf_stats_enabled). */
#ifndef __OOMKIT_BPF_STATS_H
#define __OOMKIT_BPF_STATS_H

#include <stdbool.h>

/* Whether the kernel counts BPF programs' runs and run time now. */
bool bpf_stats_on(void);
/* 1 if the stats were off and are on now, 0 if they were on, <0 on error. */
int bpf_stats_enable(void);
/* Back to off, for a command that turned them on and then failed. */
void bpf_stats_restore(void);

#endif /* __OOMKIT_BPF_STATS_H */
