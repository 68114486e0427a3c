/* SPDX-License-Identifier: GPL-2.0 */
/* A loaded policy read back from its pins: metadata, tunables' values, settings by path. */
#ifndef __OOMKIT_LIVE_H
#define __OOMKIT_LIVE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "policy.h"

struct btf;

/* One per-cgroup setting of a loaded policy. */
struct live_setting {
	const struct oomkit_meta
		*meta; /* the key it was set with; NULL if unknown */
	char map[OOMKIT_NAME_LEN];
	char path[PATH_MAX]; /* below the cgroup2 mount, or "" */
	__u64 cgroup_id;     /* 0: no cgroup there now (or by path only) */
	__s64 value;
	bool by_path; /* in <map>_paths: follows the path */
};

struct live_policy {
	/* name, meta and nr_meta only: no object, no source */
	struct policy p;
	char dir[PATH_MAX];
	bool has_meta; /* the pinned oomkit_meta was there (older loads lack it) */
	struct btf *btf; /* the loaded .rodata's */
	void *rodata;	 /* its value, read back */
	size_t rodata_size;
	struct live_setting *settings;
	size_t nr_settings;
};

/* Reads the pins of loaded policy @name; reports its own errors. */
int live_open(const char *name, const char *step, struct live_policy *lp);
void live_close(struct live_policy *lp);
/* The current value of tunable @m: "?" if the .rodata pin is missing. */
int live_tunable(const struct live_policy *lp, const struct oomkit_meta *m,
		 char *buf, size_t len);
/* The pinned id and path maps of knob map @map (fds, to close), or -errno. */
int live_knob_fds(const struct live_policy *lp, const char *map, int *ids_fd,
		  int *paths_fd);
/* The knob that stores @value in @map: a fixed value's, else the CGROUP:N one. */
const struct oomkit_meta *live_knob_of(const struct policy *p, const char *map,
				       __s64 value);

#endif /* __OOMKIT_LIVE_H */
