/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers the policy scenarios share: the CLI, a policy's pinned counters and records. */
#ifndef __POLICY_SCENARIO_H
#define __POLICY_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>

#include "oomkit/intf.h"

/* OOM waits: generous for TCG, but every wait polls. */
#define OOM_TIMEOUT_MS 30000
/* How long a survivor is watched for a late kill. */
#define SURVIVE_MS 500

/*
 * Runs build/oomkit with the NULL-terminated arguments and returns its exit
 * status (or a negative errno); its output is kept for oomkit_output() and
 * printed when the status is not 0.
 */
int oomkit(const char *arg, ...) __attribute__((sentinel));
const char *oomkit_output(void);

/* Unloads every policy a killed test may have left, then cg_init(@test). */
int scenario_begin(const char *test);

/*
 * scenario_begin(@test), then the tree most scenarios use: cgroup "oom"
 * with memory.max @max_bytes and, under it, the NULL-terminated leaves
 * ("a" makes "oom/a"). 0 or the first negative errno.
 */
int scenario_begin_tree(const char *test, unsigned long long max_bytes,
			const char *leaf, ...) __attribute__((sentinel));

/*
 * Asserts that the first OOM report after the kmsg_mark() @mark names
 * @policy (report.h: by level; "default": the kernel chose).
 */
bool oom_report_names(long long mark, const char *policy);
/* Asserts there is an "oom-kill:constraint=..." line after @mark and copies the first to @line. */
bool oom_kill_line(long long mark, char *line, size_t len);

/*
 * The three-leaf OOM the preference and priority scenarios share.
 * scenario_begin_abc() makes oom (memory.max 64 MB) with leaves a, b, c.
 * After the policy's load, abc_oom(): a and b take @bytes[0] and
 * @bytes[1] and sleep, then c allocating @bytes[2] causes one OOM. It
 * checks that the hog of leaf @victim (0 a, 1 b, 2 c) alone died, of
 * SIGKILL, counted in its oom_kill only, that the OOM report names
 * @policy, and copies @policy's kill record to @rec. Returns whether
 * every check held.
 */
int scenario_begin_abc(const char *test);
bool abc_oom(const char *policy, const unsigned long long bytes[3], int victim,
	     struct oomkit_event *rec);

/*
 * Cgroup settings for policy_load(): "@key=<absolute path of @rel>" and
 * "@key=<absolute path of @rel>:@n". A few rotating static buffers, so
 * several can be arguments of one call.
 */
const char *cg_setting(const char *key, const char *rel);
const char *cg_setting_n(const char *key, const char *rel, int n);

/* `oomkit policy load NAME --set KEY=VALUE...`, the settings NULL-terminated. */
int policy_load(const char *name, ...) __attribute__((sentinel));
/* `oomkit policy unload NAME`; quiet if it is not loaded. */
int policy_unload(const char *name);

/* A counter of the loaded policy, summed over CPUs from its pinned oomkit_stats; negative errno. */
long long policy_stat(const char *name, enum oomkit_stat stat);

/*
 * Drains the policy's pinned oomkit_events into @ev (at most @max); returns
 * how many were read, or a negative errno. Records already drained are gone.
 */
int policy_events(const char *name, struct oomkit_event *ev, int max);
/* The first record with @decision, NULL if none. */
const struct oomkit_event *event_find(const struct oomkit_event *ev, int nr,
				      __u32 decision);
/* How many records have @decision. */
int event_count(const struct oomkit_event *ev, int nr, __u32 decision);

/*
 * Kernel log records after *@mark that say the kernel is in trouble
 * (WARNING:, BUG:, refcount_t, Oops, INFO: as hung tasks and RCU stalls
 * print it), then moves *@mark past them: called often during long runs.
 */
int dmesg_bad_records(long long *mark);
/* What dmesg_bad_records() looks for, NULL-terminated. */
extern const char *const dmesg_bad_patterns[];

/* The hog was OOM-killed: it died of SIGKILL within OOM_TIMEOUT_MS. */
bool hog_killed(pid_t pid);
/* The hog is still alive SURVIVE_MS from now. */
bool hog_alive(pid_t pid);

/*
 * A sparse file of @bytes in the VM's read-write scratch directory
 * ($OOMKIT_SCRATCH, set by scripts/vm-run). Reads of it go through the
 * page cache (with readahead, see scripts/vm-init), charged to the memcg
 * of the task that reads it: clean pages reclaim can drop with no swap,
 * unlike tmpfs. The mount drops a file's cache when nobody has it open.
 * The path goes to @path; scenario_end() removes the file.
 */
int scratch_file(const char *name, size_t bytes, char *path, size_t len);

/*
 * Unloads the NULL-terminated policies, kills the hogs,
 * removes the scratch files, reclaims the page cache still charged to the
 * private tree (page cache would keep a removed cgroup dying), removes the
 * tree, then waits (up to 30 s) for /sys/fs/cgroup/oomkit-test to show
 * nr_dying_descendants 0: a memcg or task reference a policy leaked would
 * keep a removed memcg dying forever. Returns that final count, after
 * printing what still holds memcgs dying if it is not 0.
 */
long long scenario_end(const char *policy, ...) __attribute__((sentinel));

#endif /* __POLICY_SCENARIO_H */
