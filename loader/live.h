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

/* Map writes that can be taken back: each entry as it was before. */
struct live_undo {
	int fd;
	char key[256];
	__u32 key_size;
	bool had;
	__s64 old;
};

struct live_change {
	struct live_undo *u;
	size_t nr;
};

int live_change_update(struct live_change *c, int fd, const void *key,
		       __u32 size, __s64 val);
/* An absent entry is no error. */
int live_change_delete(struct live_change *c, int fd, const void *key,
		       __u32 size);
/* Newest first: every entry written as it was. */
void live_change_undo(struct live_change *c);
void live_change_free(struct live_change *c);
/* @ks into a loaded policy's maps: the path first, then the id there now. */
int live_write_setting(struct live_change *c, int ids, int paths,
		       const struct knob_setting *ks);

#endif /* __OOMKIT_LIVE_H */
