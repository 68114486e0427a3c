/* SPDX-License-Identifier: GPL-2.0 */
/* Policies that tripped (bpf/health.bpf.h): their links detached by the reader of the trip record. */
#ifndef __OOMKIT_TRIP_H
#define __OOMKIT_TRIP_H

/*
 * Detaches the struct_ops links of every pinned policy whose health says
 * it tripped; its pins stay, for 'policy show'. Returns how many links
 * were detached, or a negative errno (reported).
 */
int trip_detach_tripped(void);

#endif /* __OOMKIT_TRIP_H */
