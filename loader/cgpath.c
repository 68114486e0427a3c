// SPDX-License-Identifier: GPL-2.0
/* Cgroup ids and paths: where cgroup2 is mounted, and id -> path with a cache. */
#include <dirent.h>
#include <limits.h>
#include <mntent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cgpath.h"

#define CG_WALK_MAX_DEPTH 32
#define CG_CACHE_SIZE	  256

/* Paths are allocated to their length: 256 PATH_MAX arrays made 1 MiB. */
struct cg_entry {
	__u64 id;
	char *path; /* "" once the cgroup is gone (ids are never reused) */
};

static struct cg_entry cache[CG_CACHE_SIZE];
static unsigned int cache_next;

const char *cgroup2_mount(void)
{
	static char mnt[PATH_MAX];
	struct mntent *me;
	FILE *f;

	if (mnt[0])
		return mnt;
	snprintf(mnt, sizeof(mnt), "/sys/fs/cgroup");
	f = setmntent("/proc/self/mounts", "r");
	if (!f)
		return mnt;
	while ((me = getmntent(f))) {
		if (!strcmp(me->mnt_type, "cgroup2")) {
			snprintf(mnt, sizeof(mnt), "%s", me->mnt_dir);
			break;
		}
	}
	endmntent(f);
	return mnt;
}

/*
 * Only the ids events name: caching every dir a walk passes evicted them.
 * Out of memory, the id is simply not cached: the next lookup walks again.
 */
static void cache_put(__u64 id, const char *path)
{
	struct cg_entry *e = &cache[cache_next % CG_CACHE_SIZE];
	char *copy = strdup(path);

	if (!copy)
		return;
	cache_next++;
	free(e->path);
	e->id = id;
	e->path = copy;
}

/* Depth-first walk of the cgroup2 tree for one id. */
static int walk(const char *abs, size_t root_len, __u64 id, int depth,
		char *out, size_t len)
{
	struct dirent *de;
	struct stat st;
	int found = 0;
	DIR *dir;

	if (stat(abs, &st))
		return 0;
	if (st.st_ino == id) {
		snprintf(out, len, "%s", abs[root_len] ? abs + root_len : "/");
		return 1;
	}
	if (depth >= CG_WALK_MAX_DEPTH)
		return 0;
	dir = opendir(abs);
	if (!dir)
		return 0;
	while (!found && (de = readdir(dir))) {
		char sub[PATH_MAX];

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", abs, de->d_name) >=
		    (int)sizeof(sub))
			continue;
		found = walk(sub, root_len, id, depth + 1, out, len);
	}
	closedir(dir);
	return found;
}

const char *cgpath_lookup(__u64 id)
{
	static char path[PATH_MAX];
	const char *root = cgroup2_mount();
	unsigned int i;

	for (i = 0; i < CG_CACHE_SIZE; i++)
		if (cache[i].path && cache[i].id == id)
			return cache[i].path;
	path[0] = '\0';
	/* a removed cgroup is not found (the caller prints its id), once */
	if (!walk(root, strlen(root), id, 0, path, sizeof(path)))
		path[0] = '\0';
	cache_put(id, path);
	return path;
}
