/* SPDX-License-Identifier: GPL-2.0 */
/* An OOM victim that cannot exit: shared memory the reaper can't free, its only thread in D state on a frozen fs. */
#ifndef __OOMKIT_STUCK_H
#define __OOMKIT_STUCK_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Makes ext2 on the /dev/ram0 ramdisk (mke2fs from the host's root),
 * mounts it on /tmp/oomkit-frozen and freezes it (FIFREEZE). 0 or a
 * negative errno. Needs CONFIG_BLK_DEV_RAM and CONFIG_EXT2_FS.
 */
int frozen_fs_begin(void);

/*
 * Forks a single-threaded child (comm "oomkit-stuck", oom_score_adj 0)
 * that joins cgroup @rel, maps @shmem_bytes of a MAP_SHARED memfd (the
 * OOM reaper skips shared mappings), touches them and then writes to the
 * frozen fs, which parks it in D state: SIGKILL cannot end it, so an OOM
 * kill leaves its memory charged until frozen_fs_end(). Returns once it is
 * in D state: its pid, or a negative errno.
 */
pid_t stuck_start(const char *rel, size_t shmem_bytes);

/* Thaws and unmounts the fs (stuck children then run on), reaps the children. Idempotent. */
void frozen_fs_end(void);

/* The child's state letter from /proc/<pid>/stat ('D', 'Z', ...), 0 if gone. */
char stuck_state(pid_t pid);

#endif /* __OOMKIT_STUCK_H */
