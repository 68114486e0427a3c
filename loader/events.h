/* SPDX-License-Identifier: GPL-2.0 */
/* Decision streams: the oomkit_events ring buffers, one line (or JSON object) per event. */
#ifndef __OOMKIT_EVENTS_H
#define __OOMKIT_EVENTS_H

#include <stdbool.h>
#include <linux/types.h>

struct ring_buffer;

/* Each decision to the journal (sd_journal_send), with a priority, not to stdout. */
extern bool events_journal;

/* The names records print for a decision and a trigger ("unknown" past the tables). */
const char *events_decision_name(__u32 d);
const char *events_trigger_name(__u32 t);

/* Adds one ring buffer map to *rb (created on first use). */
int events_add(struct ring_buffer **rb, int map_fd);
/*
 * Polls until SIGINT/SIGTERM, count events (0: no limit) or timeout_sec
 * (0: none). Every second, refresh (if set) may hand over another set of
 * rings (or NULL: none to read); its error ends the loop.
 */
int events_loop(struct ring_buffer *rb, long count, long timeout_sec,
		int (*refresh)(void *ctx, struct ring_buffer **rb), void *ctx);

#endif /* __OOMKIT_EVENTS_H */
