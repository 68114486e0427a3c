/* SPDX-License-Identifier: GPL-2.0 */
/* Process helpers the suites and the bench share: clocks, a fork with a pipe, /proc/meminfo. */
#ifndef __OOMKIT_PROC_H
#define __OOMKIT_PROC_H

#include <stddef.h>
#include <sys/types.h>

/* Milliseconds on CLOCK_MONOTONIC, for polling loops. */
long long test_now_ms(void);
/* Sleeps that many milliseconds. */
void test_sleep_ms(int ms);

/*
 * fork() with stdio flushed (so the child does not repeat buffered
 * output) and a close-on-exec pipe in @pfd; the caller dup2()s the ends
 * it wants. A negative errno, with no fd left open, on failure.
 */
pid_t fork_piped(int pfd[2]);
/*
 * Reads @fd until EOF into @buf (NUL-terminated, at most @len - 1 bytes
 * kept; the rest is read and dropped, so a chatty writer never blocks),
 * then closes it. Returns how many bytes were kept.
 */
size_t read_to_eof(int fd, char *buf, size_t len);
/* A waitpid() status as a shell shows it: the exit code, or 128 + the signal. */
int exit_code(int wstatus);

/* A key of /proc/meminfo in kB (e.g. "MemAvailable"); -1 if absent. */
long long meminfo_kb(const char *key);

#endif /* __OOMKIT_PROC_H */
