/* SPDX-License-Identifier: GPL-2.0 */
/* The kernel's OOM report, as each ABI level prints the handler that acted. */
#ifndef __OOMKIT_REPORT_H
#define __OOMKIT_REPORT_H

#include <stddef.h>

/*
 * Level 1 appends "oom_policy=NAME" to the report's header record (NAME
 * "default" when the kernel chose); level 2 prints a record "oom bpf
 * handler: NAME" after the header only when a BPF handler killed, and
 * nothing when the kernel chose. Tests ask by policy name and leave the
 * level to these.
 */

/* The test kernel's ABI level (1 or 2), probed once from its BTF; 0: neither. */
int abi_level(void);

/* The header record of every OOM report, at either level. */
#define REPORT_HEADER "invoked oom-killer"

/*
 * The substring of the record naming @policy, in @buf; NULL for "default"
 * at level 2, which no record names (count it as headers minus handler
 * records, report_any_handler()).
 */
const char *report_names(const char *policy, char *buf, size_t len);
/* The substring every record naming a BPF handler has at level 2; NULL at level 1. */
const char *report_any_handler(void);

/* OOM reports printed after @mark that name @policy; negative errno. */
int report_count(long long mark, const char *policy);
/* Polls until one does: 1 found, 0 timed out, negative errno. */
int report_wait(long long mark, const char *policy, int timeout_ms);

#endif /* __OOMKIT_REPORT_H */
