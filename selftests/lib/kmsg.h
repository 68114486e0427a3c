/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel log helpers: find records printed after a mark in /dev/kmsg. */
#ifndef __OOMKIT_KMSG_H
#define __OOMKIT_KMSG_H

#include <stddef.h>

/*
 * Records are matched on their text with "\xNN" escapes undone, so a
 * printk with an embedded newline (the OOM report's "oom_policy=" line)
 * is one record containing '\n'.
 */

/* The sequence number the next /dev/kmsg record will get; negative errno on failure. */
long long kmsg_mark(void);
/* First record after @mark containing @substr, copied to @line (may be NULL): 1 found, 0 not, negative errno. */
int kmsg_grep(long long mark, const char *substr, char *line, size_t len);
/* How many records after @mark contain @substr; negative errno on failure. */
int kmsg_count(long long mark, const char *substr);
/* Polls until a record after @mark contains @substr: 1 found, 0 timed out, negative errno. */
int kmsg_wait(long long mark, const char *substr, int timeout_ms);

/*
 * A reader that keeps its place, for long runs: the functions above read
 * the log from its first record each time (~1.3 s for 50k records under
 * TCG). kmsg_follow() opens /dev/kmsg after its last record and returns
 * the fd; kmsg_follow_count() reads the records printed since the fd's
 * previous read and adds to @counts[i] those containing @substrs[i]
 * (NULL-terminated). It returns how many records it read, or a negative
 * errno.
 */
int kmsg_follow(void);
int kmsg_follow_count(int fd, const char *const *substrs, int *counts);

#endif /* __OOMKIT_KMSG_H */
