/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers the ABI tests share: running syscall programs, OOM scenario set-up, report lines. */
#ifndef __ABI_HELPERS_H
#define __ABI_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct bpf_program;
struct oom_handlers;

/* OOM waits: generous for TCG, but every wait polls. */
#define OOM_TIMEOUT_MS	      30000
#define GLOBAL_OOM_TIMEOUT_MS 150000

/* Runs a SEC("syscall") program once with BPF_PROG_TEST_RUN: 0 or a negative errno. */
int run_syscall_prog(struct bpf_program *prog);

/*
 * Creates cgroup @rel with memory.max = @max_bytes (0: no limit), frozen,
 * and starts a hog growing @step at a time in it: thawing @rel starts the
 * OOM. Frozen first so the test can aim a policy at the pid before any
 * OOM can happen. Returns the hog's pid or a negative errno.
 */
pid_t oom_prepare(const char *rel, unsigned long long max_bytes, size_t step);

/*
 * The prelude of the tests that drive progs/oom_handlers.bpf.c: cg_init(@test),
 * oom_prepare(@rel, 32 MB, 1 MB) (its pid to *@hog), the handlers loaded and
 * scoped to @rel, nothing attached. NULL once a step's assertion failed; the
 * caller's cleanup (oom_handlers__destroy(), cg_cleanup()) still runs.
 */
struct oom_handlers *oom_prepare_handlers(const char *test, const char *rel,
					  pid_t *hog);

/*
 * The prelude of the tests on one cgroup: cg_init(@test), then cg_create(@rel),
 * each asserted. False once one failed; the caller's cleanup (cg_cleanup())
 * still runs, and is harmless after a failed cg_init().
 */
bool cg_init_one(const char *test, const char *rel);

/*
 * The first OOM report record after @mark ("... invoked oom-killer: ...",
 * whose second line is "oom_policy=<name>"), copied to @line. 1 found, 0 not.
 */
int oom_report(long long mark, char *line, size_t len);

/* "<message>: Killed process <pid> (" as the kernel prints a kill. */
const char *killed_line(const char *message, pid_t pid);

#endif /* __ABI_HELPERS_H */
