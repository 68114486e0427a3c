// SPDX-License-Identifier: GPL-2.0
/* Level-2 attachment helpers (see l2.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cgroup.h"
#include "l2.h"
#include "test.h"

int l2_attach(struct bpf_map *map, const char *rel, __u32 flags,
	      int relative_fd, __u64 expected_revision)
{
	struct bpf_link *link;
	union bpf_attr attr;
	int cg_fd, fd, err;

	/* Writes the value (-EBUSY, tolerated, once written), then fails */
	link = bpf_map__attach_struct_ops(map);
	if (link) {
		bpf_link__destroy(link);
		return -EEXIST;
	}

	cg_fd = open(cg_abspath(rel), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg_fd < 0)
		return -errno;
	memset(&attr, 0, sizeof(attr));
	attr.link_create.map_fd = bpf_map__fd(map);
	attr.link_create.target_fd = cg_fd;
	attr.link_create.attach_type = BPF_STRUCT_OPS;
	attr.link_create.flags = flags;
	attr.link_create.cgroup.relative_fd = relative_fd;
	attr.link_create.cgroup.expected_revision = expected_revision;
	fd = syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
	err = errno;
	close(cg_fd);
	if (fd < 0)
		return -err;
	/* a struct_ops link must not outlive its test in a hog */
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

bool l2_link_hup(int link_fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = link_fd, .events = POLLIN };

	return poll(&pfd, 1, timeout_ms) == 1 && (pfd.revents & POLLHUP);
}
