/* SPDX-License-Identifier: GPL-2.0 */
/* Running a loaded program once with BPF_PROG_RUN: an init, a seed. */
#ifndef OOMKIT_PROG_RUN_H
#define OOMKIT_PROG_RUN_H

#include <stddef.h>

/*
 * Runs program @fd once on @ctx (@size bytes, or NULL and 0); its return
 * value in *@retval. 0, or the syscall's negative errno.
 */
int prog_run(int fd, void *ctx, size_t size, int *retval);

#endif /* OOMKIT_PROG_RUN_H */
