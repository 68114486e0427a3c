// SPDX-License-Identifier: GPL-2.0
/* Running a loaded program once with BPF_PROG_RUN: an init, a seed. */
#include <bpf/bpf.h>

#include "prog_run.h"

int prog_run(int fd, void *ctx, size_t size, int *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = ctx,
		    .ctx_size_in = size);
	int err;

	err = bpf_prog_test_run_opts(fd, &opts);
	if (err)
		return err;
	*retval = (int)opts.retval;
	return 0;
}
