/* SPDX-License-Identifier: GPL-2.0 */
/* A victim that exits slowly: starved of CPU, it holds its memory after the kill. */
#ifndef __POLICY_SLOW_VICTIM_H
#define __POLICY_SLOW_VICTIM_H

#include <sys/types.h>

/*
 * Starves @pid: two CPU burners in cgroup @busy_rel take CPU 0, and @pid
 * runs there at SCHED_IDLE, behind them. Once killed, it holds its
 * memory until the OOM reaper takes it, 2 s later, and stays an OOM
 * victim until slow_victim_end(). 0 or a negative errno.
 */
int slow_victim_begin(const char *busy_rel, pid_t pid);
/* Kills and reaps the burners, so the starved task runs (and exits if killed). */
void slow_victim_end(void);

#endif /* __POLICY_SLOW_VICTIM_H */
