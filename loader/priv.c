// SPDX-License-Identifier: GPL-2.0
/* The capability check done before anything touches BPF: a clear error instead of EPERM later. */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "main.h"

static bool has_cap(const struct __user_cap_data_struct *d, int cap)
{
	return d[cap / 32].effective & (1U << (cap % 32));
}

/*
 * struct_ops maps, links by id and bpffs pins all need CAP_SYS_ADMIN (which
 * also implies CAP_BPF in the kernel's bpf_capable()).
 */
int require_admin(const char *step, const char *thing)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data)) {
		int err = -errno;

		p_err("can't %s '%s': can't read the capabilities: %s", step,
		      thing, strerror(errno));
		return err;
	}
	if (!has_cap(data, CAP_SYS_ADMIN)) {
		p_err("can't %s '%s': permission denied: needs CAP_SYS_ADMIN and CAP_BPF "
		      "(run it as root)",
		      step, thing);
		return -EPERM;
	}
	return 0;
}
