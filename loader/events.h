/* SPDX-License-Identifier: GPL-2.0 */
/* Decision streams: the oomkit_events ring buffers, one line (or JSON object) per event. */
#ifndef __OOMKIT_EVENTS_H
#define __OOMKIT_EVENTS_H

struct ring_buffer;

/* Adds one ring buffer map to *rb (created on first use). */
int events_add(struct ring_buffer **rb, int map_fd);
/* Polls until SIGINT/SIGTERM, count events (0: no limit) or timeout_sec (0: none). */
int events_loop(struct ring_buffer *rb, long count, long timeout_sec);

#endif /* __OOMKIT_EVENTS_H */
