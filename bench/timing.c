// SPDX-License-Identifier: GPL-2.0
/* oomkit-bench: loads oom_timing.bpf.c (fentry/fexit on the OOM path) and reads its samples. */
#include <errno.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "bench.h"
#include "oom_timing.skel.h"

static struct oom_timing *skel;

int timing_open(void)
{
	int err;

	skel = oom_timing__open_and_load();
	if (!skel) {
		msg("can't load oom_timing.bpf.o: %s", strerror(errno));
		return -errno;
	}
	err = oom_timing__attach(skel);
	if (err) {
		msg("can't attach oom_timing.bpf.o: %s", strerror(-err));
		oom_timing__destroy(skel);
		skel = NULL;
	}
	return err;
}

void timing_close(void)
{
	oom_timing__destroy(skel);
	skel = NULL;
}

/* Between runs only: nothing is in the OOM path then. */
void timing_reset(void)
{
	memset(skel->bss->samples, 0, sizeof(skel->bss->samples));
	skel->bss->dropped = 0;
	__atomic_store_n(&skel->bss->nr_samples, 0, __ATOMIC_SEQ_CST);
}

void timing_watch_high(pid_t pid)
{
	skel->bss->over_high_ns = 0;
	__atomic_store_n(&skel->bss->high_pid, pid, __ATOMIC_SEQ_CST);
}

__u64 timing_over_high(void)
{
	return __atomic_load_n(&skel->bss->over_high_ns, __ATOMIC_SEQ_CST);
}

int timing_read(struct oom_sample *out, int max)
{
	int n = __atomic_load_n(&skel->bss->nr_samples, __ATOMIC_SEQ_CST);

	if (n > OOM_TIMING_MAX)
		n = OOM_TIMING_MAX;
	if (n > max)
		n = max;
	memcpy(out, skel->bss->samples, n * sizeof(*out));
	return n;
}
