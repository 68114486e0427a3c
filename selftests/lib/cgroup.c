// SPDX-License-Identifier: GPL-2.0
/* cgroup v2 helpers: a private tree per test, made and torn down on every path. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "proc.h"

#define NR_PATH_BUFS  4
#define EMPTY_WAIT_MS 10000

static char cg_root[PATH_MAX];
/* hog.c's hog_kill_all(), once a hog was started: see cg_set_reaper(). */
static void (*reaper)(void);

void cg_set_reaper(void (*reap)(void))
{
	reaper = reap;
}

static void reap_children(void)
{
	if (reaper)
		reaper();
}

static int join_path(char *buf, size_t len, const char *base, const char *rel)
{
	int n;

	if (!rel || !rel[0] || !strcmp(rel, "."))
		n = snprintf(buf, len, "%s", base);
	else if (rel[0] == '/')
		n = snprintf(buf, len, "%s", rel);
	else
		n = snprintf(buf, len, "%s/%s", base, rel);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/*
 * <private root>/<rel>: -EINVAL before cg_init(), which gives the root,
 * unless @rel is absolute (the bench's cgroups: it has no private root).
 */
static int rel_path(char *buf, size_t len, const char *rel)
{
	if (!cg_root[0] && (!rel || rel[0] != '/'))
		return -EINVAL;
	return join_path(buf, len, cg_root, rel);
}

const char *cg_abspath(const char *rel)
{
	static char bufs[NR_PATH_BUFS][PATH_MAX];
	static int next;
	char *buf = bufs[next++ % NR_PATH_BUFS];

	if (join_path(buf, PATH_MAX, cg_root, rel))
		buf[0] = '\0';
	return buf;
}

static int write_file(const char *path, const char *buf)
{
	size_t len = strlen(buf);
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	close(fd);
	return err;
}

static int read_file(const char *path, char *buf, size_t len)
{
	size_t off = 0;
	ssize_t n;
	int fd;

	if (!len)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (off < len - 1) {
		n = read(fd, buf + off, len - 1 - off);
		if (n < 0) {
			n = -errno;
			close(fd);
			return n;
		}
		if (!n)
			break;
		off += n;
	}
	buf[off] = '\0';
	close(fd);
	return off;
}

static long long parse_key(const char *buf, const char *key)
{
	size_t klen = strlen(key);
	const char *p = buf;

	while (p && *p) {
		if (!strncmp(p, key, klen) && p[klen] == ' ')
			return strtoll(p + klen + 1, NULL, 10);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

/* Enables memory for the children of @dir; "already enabled" is fine. */
static int enable_memory(const char *dir)
{
	char path[PATH_MAX], buf[256];

	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", dir);
	if (read_file(path, buf, sizeof(buf)) >= 0 && strstr(buf, "memory"))
		return 0;
	return write_file(path, "+memory");
}

/* Moves us out of @dir's subtree, so cgroup.kill there cannot hit the test itself. */
static void leave_subtree(const char *dir)
{
	char buf[PATH_MAX + 8], *rel;
	size_t mlen = strlen(CG_MOUNT);

	if (read_file("/proc/self/cgroup", buf, sizeof(buf)) < 0)
		return;
	rel = strstr(buf, "0::");
	if (!rel)
		return;
	rel += 3;
	rel[strcspn(rel, "\n")] = '\0';
	if (!strncmp(dir, CG_MOUNT, mlen) &&
	    !strncmp(rel, dir + mlen, strlen(dir + mlen)))
		write_file(CG_MOUNT "/cgroup.procs", "0");
}

/* A just-emptied cgroup can report EBUSY for a moment. */
static int rmdir_retry(const char *path)
{
	int i;

	for (i = 0; i < 100; i++) {
		if (!rmdir(path) || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			break;
		test_sleep_ms(10);
	}
	return -errno;
}

static int rmdir_cb(const char *path, const struct stat *sb, int type,
		    struct FTW *ftw)
{
	int err;

	(void)sb;
	(void)ftw;
	if (type != FTW_DP)
		return 0;
	err = rmdir_retry(path);
	if (err)
		fprintf(stderr, "cgroup: can't remove %s: %s\n", path,
			strerror(-err));
	return 0;
}

/* Kills the subtree's tasks (cgroup.kill, which also reaches frozen ones), waits until empty, rmdirs it. */
static int remove_tree(const char *dir)
{
	char path[PATH_MAX], buf[512];
	long long deadline;
	int err;

	if (access(dir, F_OK))
		return 0;
	leave_subtree(dir);
	snprintf(path, sizeof(path), "%s/cgroup.kill", dir);
	err = write_file(path, "1");
	if (err)
		fprintf(stderr, "cgroup: can't kill %s: %s\n", dir,
			strerror(-err));
	/* Our own hogs are zombies until reaped. */
	reap_children();

	snprintf(path, sizeof(path), "%s/cgroup.events", dir);
	deadline = test_now_ms() + EMPTY_WAIT_MS;
	while (read_file(path, buf, sizeof(buf)) > 0 &&
	       parse_key(buf, "populated") != 0) {
		if (test_now_ms() > deadline) {
			fprintf(stderr, "cgroup: %s still populated\n", dir);
			break;
		}
		test_sleep_ms(10);
	}
	/* Leave it thawed; a frozen empty cgroup rmdirs fine, but be tidy. */
	snprintf(path, sizeof(path), "%s/cgroup.freeze", dir);
	write_file(path, "0");

	nftw(dir, rmdir_cb, 16, FTW_DEPTH | FTW_PHYS);
	return access(dir, F_OK) ? 0 : -EBUSY;
}

int cg_init(const char *test)
{
	int err;

	if (!test || !test[0] || strchr(test, '/'))
		return -EINVAL;
	err = enable_memory(CG_MOUNT);
	if (err)
		return err;
	if (mkdir(CG_TOP, 0755) && errno != EEXIST)
		return -errno;
	err = enable_memory(CG_TOP);
	if (err)
		return err;
	if (snprintf(cg_root, sizeof(cg_root), "%s/%s", CG_TOP, test) >=
	    (int)sizeof(cg_root))
		return -ENAMETOOLONG;
	/* A stale tree from a crashed run would make the numbers lie. */
	err = remove_tree(cg_root);
	if (err)
		goto fail;
	if (mkdir(cg_root, 0755)) {
		err = -errno;
		goto fail;
	}
	err = enable_memory(cg_root);
	if (err)
		goto fail;
	return 0;
fail:
	cg_root[0] = '\0';
	return err;
}

int cg_create(const char *rel)
{
	char path[PATH_MAX], parent[PATH_MAX], *slash;
	int err;

	err = rel_path(path, sizeof(path), rel);
	if (err)
		return err;
	strcpy(parent, path);
	slash = strrchr(parent, '/');
	if (!slash || slash == parent)
		return -EINVAL;
	*slash = '\0';
	err = enable_memory(parent);
	if (err)
		return err;
	if (mkdir(path, 0755))
		return -errno;
	return 0;
}

/* <private root>/<rel>/<file>, for cg_read() and cg_write(). */
static int file_path(char *buf, size_t len, const char *rel, const char *file)
{
	int err;

	err = rel_path(buf, len, rel);
	if (err)
		return err;
	if (strlen(buf) + strlen(file) + 2 > len)
		return -ENAMETOOLONG;
	strcat(buf, "/");
	strcat(buf, file);
	return 0;
}

int cg_write(const char *rel, const char *file, const char *fmt, ...)
{
	char path[PATH_MAX], buf[4096];
	va_list ap;
	int err;

	err = file_path(path, sizeof(path), rel, file);
	if (err)
		return err;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return write_file(path, buf);
}

int cg_read(const char *rel, const char *file, char *buf, size_t len)
{
	char path[PATH_MAX];
	int err;

	err = file_path(path, sizeof(path), rel, file);
	if (err)
		return err;
	return read_file(path, buf, len);
}

long long cg_read_key(const char *rel, const char *file, const char *key)
{
	char buf[16384];

	if (cg_read(rel, file, buf, sizeof(buf)) < 0)
		return -1;
	return parse_key(buf, key);
}

long long cg_read_long(const char *rel, const char *file)
{
	char buf[64];

	if (cg_read(rel, file, buf, sizeof(buf)) <= 0)
		return -1;
	if (!strncmp(buf, "max", 3))
		return LLONG_MAX;
	return strtoll(buf, NULL, 10);
}

unsigned long long cg_id(const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	if (rel_path(path, sizeof(path), rel))
		return 0;
	if (stat(path, &st))
		return 0;
	return st.st_ino;
}

long long oom_kills(const char *rel)
{
	return cg_read_key(rel, "memory.events", "oom_kill");
}

int cg_freeze(const char *rel, bool on)
{
	long long deadline = test_now_ms() + EMPTY_WAIT_MS;
	int err;

	err = cg_write(rel, "cgroup.freeze", on ? "1" : "0");
	if (err)
		return err;
	while (cg_read_key(rel, "cgroup.events", "frozen") != on) {
		if (test_now_ms() > deadline)
			return -ETIMEDOUT;
		test_sleep_ms(5);
	}
	return 0;
}

int cg_enter_as_victim(const char *rel)
{
	int fd, err = 0;

	fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, "0", 1) != 1)
		err = -EIO;
	close(fd);
	return err ?: cg_write(rel, "cgroup.procs", "0");
}

/* rel_path() of a cgroup below the private root, which only cg_cleanup() removes (it also empties it). */
static int below_root(char *buf, size_t len, const char *rel)
{
	int err = rel_path(buf, len, rel);

	if (!err && !strcmp(buf, cg_root))
		err = -EINVAL;
	return err;
}

int cg_remove(const char *rel)
{
	char path[PATH_MAX];

	return below_root(path, sizeof(path), rel) ?: rmdir_retry(path);
}

int cg_remove_tree(const char *rel)
{
	char path[PATH_MAX];

	return below_root(path, sizeof(path), rel) ?: remove_tree(path);
}

int cg_cleanup(void)
{
	int err;

	if (!cg_root[0]) {
		reap_children();
		return 0;
	}
	err = remove_tree(cg_root);
	cg_root[0] = '\0';
	return err;
}

void cg_reap_leftovers(void)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dir;

	dir = opendir(CG_TOP);
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", CG_TOP, de->d_name);
		printf("# runner: removing leftover cgroup %s\n", path);
		remove_tree(path);
	}
	closedir(dir);
}
