/* SPDX-License-Identifier: GPL-2.0 */
/* cgroup v2 helpers: a private tree per test under /sys/fs/cgroup/oomkit-test. */
#ifndef __OOMKIT_CGROUP_H
#define __OOMKIT_CGROUP_H

#include <stdbool.h>
#include <stddef.h>

#define CG_MOUNT "/sys/fs/cgroup"
#define CG_TOP	 CG_MOUNT "/oomkit-test"

/*
 * Every rel path is relative to the private root made by cg_init(); NULL or
 * "" is the private root itself, and an absolute path (CG_MOUNT: the root
 * cgroup) is taken as it is. Functions return 0 (or a count) on success
 * and a negative errno on failure.
 */

/* Makes /sys/fs/cgroup/oomkit-test/<test> (removing a stale one first), memory enabled down to it. */
int cg_init(const char *test);
/* mkdir, after enabling memory in the parent's subtree_control (so a leaf can still hold tasks). */
int cg_create(const char *rel);
int cg_write(const char *rel, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Reads the whole file, NUL-terminated; returns its length. */
int cg_read(const char *rel, const char *file, char *buf, size_t len);
/* The value of "key value" line in a flat-keyed file (memory.events, memory.stat...); -1 if absent. */
long long cg_read_key(const char *rel, const char *file, const char *key);
/* A file holding one number (memory.current, memory.peak...); -1 on error, "max" reads as LLONG_MAX. */
long long cg_read_long(const char *rel, const char *file);
/* The cgroup id (the directory's inode number), 0 on error. */
unsigned long long cg_id(const char *rel);
/* Absolute path; a few rotating static buffers, so two calls may share an expression. */
const char *cg_abspath(const char *rel);
/* Writes cgroup.freeze and waits (up to 10 s) until cgroup.events reports the state. */
int cg_freeze(const char *rel, bool on);

/*
 * For a forked child meant to be an OOM's victim: oom_score_adj 0, not the
 * -1000 the runner protects itself (and so its children) with, then into
 * @rel. 0 or a negative errno.
 */
int cg_enter_as_victim(const char *rel);
/* rmdir of one cgroup its caller emptied, retried while it reports EBUSY (as it may just after). */
int cg_remove(const char *rel);
/* Kills every task of the private tree, waits until it is empty, removes it bottom-up; idempotent. */
int cg_cleanup(void);
/* The same for the subtree @rel (not the private root: cg_cleanup()); 0 if it is not there. */
int cg_remove_tree(const char *rel);

/* For the runner: removes anything left under CG_TOP by a crashed test. */
void cg_reap_leftovers(void);
/*
 * How to kill and reap the children this process forked into test
 * cgroups, which a cgroup being removed waits for (zombies keep it
 * populated). hog.c sets hog_kill_all() when it starts its first hog, so
 * that cgroup.c needs nothing of hog.c.
 */
void cg_set_reaper(void (*reap)(void));

/* memory.events oom_kill of @rel. */
long long oom_kills(const char *rel);

#endif /* __OOMKIT_CGROUP_H */
