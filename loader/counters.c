// SPDX-License-Identifier: GPL-2.0
/* A loaded policy's own counters (its pinned oomkit_stats, summed over CPUs) and health (oomkit_health). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "counters.h"
#include "pins.h"

static const char *const names[] = {
#define OOMKIT_X_STR(e, s) s,
	OOMKIT_STATS(OOMKIT_X_STR)
#undef OOMKIT_X_STR
};

const char *counter_name(unsigned int i)
{
	return i < OOMKIT_NR_STATS ? names[i] : "?";
}

/* A pinned map of that name is anyone's to make: read only what fits. */
static bool layout_ok(int fd, char *why, size_t len)
{
	struct bpf_map_info info = {};
	__u32 ilen = sizeof(info);

	if (bpf_map_get_info_by_fd(fd, &info, &ilen)) {
		snprintf(why, len, "can't read its map info: %s",
			 strerror(errno));
		return false;
	}
	if (info.type == BPF_MAP_TYPE_PERCPU_ARRAY &&
	    info.key_size == sizeof(__u32) && info.value_size == sizeof(__u64))
		return true;
	snprintf(why, len,
		 "not a per-CPU array of u64 (type %s, key %u, value %u bytes)",
		 libbpf_bpf_map_type_str(info.type) ?: "?", info.key_size,
		 info.value_size);
	return false;
}

int counters_read(const char *dir, __u64 sums[OOMKIT_NR_STATS], char *why,
		  size_t len)
{
	int fd = pins_open(dir, "oomkit_stats");
	int ncpu = libbpf_num_possible_cpus();
	__u64 *vals = NULL;
	int err = 0, c;
	__u32 i;

	memset(sums, 0, OOMKIT_NR_STATS * sizeof(*sums));
	if (fd < 0)
		return -ENOENT;
	if (!layout_ok(fd, why, len)) {
		err = -EINVAL;
		goto out;
	}
	if (ncpu <= 0) {
		err = ncpu ?: -EINVAL;
		snprintf(why, len, "can't count the possible CPUs");
		goto out;
	}
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals) {
		err = -ENOMEM;
		snprintf(why, len, "out of memory");
		goto out;
	}
	for (i = 0; i < OOMKIT_NR_STATS; i++)
		if (!bpf_map_lookup_elem(fd, &i, vals))
			for (c = 0; c < ncpu; c++)
				sums[i] += vals[c];
out:
	free(vals);
	close(fd);
	return err;
}

int health_read(const char *dir, struct oomkit_health *h)
{
	int fd = pins_open(dir, "oomkit_health"), err = 0;
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), key = 0;

	memset(h, 0, sizeof(*h));
	if (fd < 0)
		return -ENOENT;
	/* the value is copied at its own size: read only the layout we know */
	if (bpf_map_get_info_by_fd(fd, &info, &len) ||
	    info.value_size != sizeof(*h))
		err = -EINVAL;
	else if (bpf_map_lookup_elem(fd, &key, h))
		err = -errno;
	close(fd);
	return err;
}
