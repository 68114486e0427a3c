/* SPDX-License-Identifier: GPL-2.0 */
/* What a record asks of its reader: a SIGTERM to the likely victim, a tripped policy detached, a hook per record. */
#ifndef __OOMKIT_ACTIONS_H
#define __OOMKIT_ACTIONS_H

#include <stdio.h>

struct oomkit_event;

#define ACTIONS_HOOK_TIMEOUT_SEC 10

/* `--exec CMD` (NULL: none) and `--exec-timeout SEC` (<= 0: the default). */
void actions_set_hook(const char *cmd, long timeout_sec);

/*
 * After @e was printed (@line: its text form): SIGTERM a pressure record's
 * likely victim if it asks, start the hook. Never waits for either.
 */
void actions_run(const struct oomkit_event *e, const char *line);

/* Reaps finished hooks and kills those past their timeout; the reader calls it often. */
void actions_reap(void);

/* At exit: gives the running hooks the rest of their time, then kills them. */
void actions_finish(void);

#endif /* __OOMKIT_ACTIONS_H */
