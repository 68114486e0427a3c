/* SPDX-License-Identifier: GPL-2.0 */
/* Boot-clock timestamps (bpf_ktime_get_boot_ns(), load times) as wall-clock time. */
#ifndef __OOMKIT_WALLTIME_H
#define __OOMKIT_WALLTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define NSEC_PER_SEC 1000000000LL

/* CLOCK_BOOTTIME now, in ns: the clock of bpf_ktime_get_boot_ns(). */
long long boot_now_ns(void);
/* Nanoseconds since the epoch of a CLOCK_BOOTTIME time. */
long long boot_to_wall_ns(__u64 boot_ns);
/* "2026-01-02T03:04:05Z", or with milliseconds ("...05.678Z") if @msec. */
void boot_to_wall_str(__u64 boot_ns, bool msec, char *buf, size_t len);

#endif /* __OOMKIT_WALLTIME_H */
