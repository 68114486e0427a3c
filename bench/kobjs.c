// SPDX-License-Identifier: GPL-2.0
/* oomkit-bench: the BPF programs and maps a command left in the kernel, with their verifier and memlock figures. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "bench.h"

/*
 * Ids only grow and are never reused while the object lives, so what a
 * load added is what the kernel lists afterwards and did not list before.
 * The bench's own programs (oom_timing) are in both lists.
 */
static int list_ids(int (*next)(__u32, __u32 *), __u32 *ids, int max)
{
	__u32 id = 0;
	int n = 0;

	while (!next(id, &id)) {
		if (n == max)
			return -E2BIG;
		ids[n++] = id;
	}
	return errno == ENOENT ? n : -errno;
}

int kobjs_snapshot(struct kobj_ids *ids)
{
	int n;

	n = list_ids(bpf_prog_get_next_id, ids->progs, KOBJS_MAX);
	if (n < 0)
		return n;
	ids->nr_progs = n;
	n = list_ids(bpf_map_get_next_id, ids->maps, KOBJS_MAX);
	if (n < 0)
		return n;
	ids->nr_maps = n;
	return 0;
}

static bool has_id(const __u32 *ids, int n, __u32 id)
{
	int i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

int kobjs_added(const struct kobj_ids *before, struct kobj_ids *added)
{
	struct kobj_ids now;
	int i, err;

	err = kobjs_snapshot(&now);
	if (err)
		return err;
	memset(added, 0, sizeof(*added));
	for (i = 0; i < now.nr_progs; i++)
		if (!has_id(before->progs, before->nr_progs, now.progs[i]))
			added->progs[added->nr_progs++] = now.progs[i];
	for (i = 0; i < now.nr_maps; i++)
		if (!has_id(before->maps, before->nr_maps, now.maps[i]))
			added->maps[added->nr_maps++] = now.maps[i];
	return 0;
}

/* The kernel charges each object to memlock and says how much in its fdinfo. */
static long long fd_memlock(int fd)
{
	char path[64], line[256];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %lld", &v) == 1)
			break;
	fclose(f);
	return v < 0 ? -ENOENT : v;
}

int kobj_prog(__u32 id, struct kobj_info *out)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd, err = 0;

	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	if (bpf_prog_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		goto out;
	}
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", info.name);
	out->verified_insns = info.verified_insns;
	out->memlock = fd_memlock(fd);
	if (out->memlock < 0)
		err = out->memlock;
out:
	close(fd);
	return err;
}

int kobj_map(__u32 id, struct kobj_info *out)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd, err = 0;

	fd = bpf_map_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	if (bpf_map_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		goto out;
	}
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", info.name);
	out->memlock = fd_memlock(fd);
	if (out->memlock < 0)
		err = out->memlock;
out:
	close(fd);
	return err;
}
