// SPDX-License-Identifier: GPL-2.0
/* Cgroup ids and paths: where cgroup2 is mounted, a walk of its tree, id -> path with a cache. */
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

/* Depth-first from @abs; @visit as in cgroup_walk(). */
static int walk(char *abs, size_t len, int depth, cgroup_visit_fn visit,
		void *data)
{
	struct dirent *de;
	struct stat st;
	size_t n;
	DIR *dir;
	int ret;

	/* a cgroup removed while we walk is simply not there */
	if (stat(abs, &st))
		return 0;
	ret = visit(abs, &st, data);
	if (ret || depth >= CG_WALK_MAX_DEPTH)
		return ret;
	dir = opendir(abs);
	if (!dir)
		return 0;
	n = strlen(abs);
	while (!ret && (de = readdir(dir))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (snprintf(abs + n, len - n, "/%s", de->d_name) >=
		    (int)(len - n))
			continue;
		ret = walk(abs, len, depth + 1, visit, data);
	}
	abs[n] = '\0';
	closedir(dir);
	return ret;
}

int cgroup_walk(cgroup_visit_fn visit, void *data)
{
	char abs[PATH_MAX];

	snprintf(abs, sizeof(abs), "%s", cgroup2_mount());
	return walk(abs, sizeof(abs), 0, visit, data);
}

const char *cgroup_rel(const char *abs)
{
	const char *rel = abs + strlen(cgroup2_mount());

	return *rel ? rel : "/";
}

struct id_lookup {
	__u64 id;
	char *out;
	size_t len;
};

static int match_id(const char *abs, const struct stat *st, void *data)
{
	struct id_lookup *l = data;

	if (st->st_ino != l->id)
		return 0;
	snprintf(l->out, l->len, "%s", cgroup_rel(abs));
	return 1;
}

const char *cgpath_lookup(__u64 id)
{
	static char path[PATH_MAX];
	struct id_lookup l = { id, path, sizeof(path) };
	unsigned int i;

	for (i = 0; i < CG_CACHE_SIZE; i++)
		if (cache[i].path && cache[i].id == id)
			return cache[i].path;
	path[0] = '\0';
	/* a removed cgroup is not found (the caller prints its id), once */
	if (cgroup_walk(match_id, &l) != 1)
		path[0] = '\0';
	cache_put(id, path);
	return path;
}
