// SPDX-License-Identifier: GPL-2.0
/* The OOM report's naming record at the test kernel's ABI level. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/btf.h>

#include "kmsg.h"
#include "proc.h"
#include "report.h"

#define L2_HANDLER "oom bpf handler: "

int abi_level(void)
{
	static int level = -1;
	struct btf *btf;

	if (level >= 0)
		return level;
	btf = btf__load_vmlinux_btf();
	if (!btf)
		return 0;
	/* kernel-abi-level2.md §9: the flags enum is level 2's alone */
	if (btf__find_by_name_kind(btf, "bpf_oom_flags", BTF_KIND_ENUM) >= 0)
		level = 2;
	else if (btf__find_by_name_kind(btf, "bpf_oom_ops", BTF_KIND_STRUCT) >=
		 0)
		level = 1;
	else
		level = 0;
	btf__free(btf);
	return level;
}

const char *report_names(const char *policy, char *buf, size_t len)
{
	if (abi_level() != 2) {
		snprintf(buf, len, "\noom_policy=%s", policy);
		return buf;
	}
	if (!strcmp(policy, "default"))
		return NULL;
	snprintf(buf, len, L2_HANDLER "%s", policy);
	return buf;
}

const char *report_any_handler(void)
{
	return abi_level() == 2 ? L2_HANDLER : NULL;
}

int report_count(long long mark, const char *policy)
{
	const char *named;
	char buf[128];
	int headers, handled;

	named = report_names(policy, buf, sizeof(buf));
	if (named)
		return kmsg_count(mark, named);
	headers = kmsg_count(mark, REPORT_HEADER);
	if (headers < 0)
		return headers;
	handled = kmsg_count(mark, L2_HANDLER);
	if (handled < 0)
		return handled;
	return headers - handled;
}

int report_wait(long long mark, const char *policy, int timeout_ms)
{
	long long deadline = test_now_ms() + timeout_ms;
	int ret;

	for (;;) {
		ret = report_count(mark, policy);
		if (ret)
			return ret < 0 ? ret : 1;
		if (test_now_ms() >= deadline)
			return 0;
		test_sleep_ms(50);
	}
}
