/* SPDX-License-Identifier: GPL-2.0 */
/* oomkit policy show: attached policies, their handlers' BPF stats and counters. */
#ifndef __OOMKIT_CMD_POLICY_SHOW_H
#define __OOMKIT_CMD_POLICY_SHOW_H

int do_show(void);

#endif /* __OOMKIT_CMD_POLICY_SHOW_H */
