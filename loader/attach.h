/* SPDX-License-Identifier: GPL-2.0 */
/* A policy into the kernel: kernel check, load, attach and pin, with rollback. */
#ifndef __OOMKIT_ATTACH_H
#define __OOMKIT_ATTACH_H

#include <signal.h>

struct policy;

int policy_check_kernel(const struct policy *p, const char *step);
int policy_load(struct policy *p, const char *step);
int policy_attach(struct policy *p, const char *step, const char *pin_dir);
/* Detach and drop the links (before policy_close(), which leaves them be). */
void policy_detach(struct policy *p);
void policy_keep_links(struct policy *p);
/* Set by 'policy load' signal handlers; attach and commit roll back on it. */
extern volatile sig_atomic_t attach_signal;
/* -EINTR, reported, once attach_signal is set. */
int policy_check_signal(const struct policy *p, const char *step);

#endif /* __OOMKIT_ATTACH_H */
