/* SPDX-License-Identifier: GPL-2.0 */
/* oomkit policy set|unset: a loaded policy's per-cgroup settings changed in place. */
#ifndef __OOMKIT_CMD_POLICY_SET_H
#define __OOMKIT_CMD_POLICY_SET_H

int do_policy_set(void);
int do_policy_unset(void);

#endif /* __OOMKIT_CMD_POLICY_SET_H */
