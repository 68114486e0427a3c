// SPDX-License-Identifier: GPL-2.0
/* Helpers the ABI tests share: running syscall programs, OOM scenario set-up, report lines. */
#include <errno.h>
#include <stdio.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cgroup.h"
#include "helpers.h"
#include "hog.h"
#include "kmsg.h"
#include "test.h"

#include "oom_handlers.skel.h"

int run_syscall_prog(struct bpf_program *prog)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	int err;

	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
	return err < 0 ? -errno : 0;
}

pid_t oom_prepare(const char *rel, unsigned long long max_bytes, size_t step)
{
	int err;

	err = cg_create(rel);
	if (err)
		return err;
	if (max_bytes) {
		err = cg_write(rel, "memory.max", "%llu", max_bytes);
		if (err)
			return err;
	}
	err = cg_freeze(rel, true);
	if (err)
		return err;
	return hog_start_growing(rel, step, 0);
}

bool cg_init_one(const char *test, const char *rel)
{
	return ASSERT_OK(cg_init(test), "cg_init") &&
	       ASSERT_OK(cg_create(rel), "cg_create");
}

struct oom_handlers *oom_prepare_handlers(const char *test, const char *rel,
					  pid_t *hog)
{
	struct oom_handlers *skel;

	if (!ASSERT_OK(cg_init(test), "cg_init"))
		return NULL;
	*hog = oom_prepare(rel, 32 * MB, 1 * MB);
	if (!ASSERT_GT(*hog, 0, "oom_prepare"))
		return NULL;
	skel = oom_handlers__open_and_load();
	if (!ASSERT_OK_PTR(skel, "oom_handlers__open_and_load"))
		return NULL;
	skel->bss->scope_cgid = cg_id(rel);
	return skel;
}

int oom_report(long long mark, char *line, size_t len)
{
	return kmsg_grep(mark, "invoked oom-killer:", line, len);
}

const char *killed_line(const char *message, pid_t pid)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%s: Killed process %d (", message, pid);
	return buf;
}
