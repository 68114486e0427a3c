// SPDX-License-Identifier: GPL-2.0
/* The CLI's pins under /sys/fs/bpf/oomkit: check, create, commit, walk, remove. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include <bpf/bpf.h>

#include "main.h"
#include "pins.h"

static void pin_paths(const char *name, char *final, char *tmp, size_t len)
{
	snprintf(final, len, "%s/%s", OOMKIT_PIN_ROOT, name);
	snprintf(tmp, len, "%s/%s" PIN_TMP_SUFFIX, OOMKIT_PIN_ROOT, name);
}

int pins_check_bpffs(const char *step, const char *thing)
{
	struct statfs sfs;

	if (statfs(OOMKIT_BPFFS, &sfs) || sfs.f_type != BPF_FS_MAGIC) {
		p_err("can't %s '%s': %s is not a BPF filesystem; mount it (mount -t bpf bpf %s)",
		      step, thing, OOMKIT_BPFFS, OOMKIT_BPFFS);
		return -ENOENT;
	}
	return 0;
}

/*
 * The pin root decides what root unpins and unlinks: only a real directory
 * on bpffs that nobody but root can write is trusted. A fresh bpffs is 1777,
 * so anyone could have made /sys/fs/bpf/oomkit (or a link of that name)
 * before us.
 */
static int check_root_fd(int fd, const char *step, const char *thing)
{
	struct statfs sfs;
	struct stat st;

	if (fstat(fd, &st) || fstatfs(fd, &sfs)) {
		int err = -errno;

		p_err("can't %s '%s': can't stat %s: %s", step, thing,
		      OOMKIT_PIN_ROOT, strerror(errno));
		return err;
	}
	if (sfs.f_type != BPF_FS_MAGIC) {
		p_err("can't %s '%s': refusing pin root %s: not on a BPF filesystem; "
		      "remove it and mount bpffs (mount -t bpf bpf %s)",
		      step, thing, OOMKIT_PIN_ROOT, OOMKIT_BPFFS);
		return -EPERM;
	}
	if (st.st_uid != 0) {
		p_err("can't %s '%s': refusing pin root %s: owned by uid %u, not root; "
		      "check and remove it (rm -r %s)",
		      step, thing, OOMKIT_PIN_ROOT, (unsigned int)st.st_uid,
		      OOMKIT_PIN_ROOT);
		return -EPERM;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		p_err("can't %s '%s': refusing pin root %s: writable by %s (mode %04o); "
		      "check its entries and chmod 0700 it",
		      step, thing, OOMKIT_PIN_ROOT,
		      (st.st_mode & S_IWOTH) ? "others" : "its group",
		      (unsigned int)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

int pins_root_open(const char *step, const char *thing, bool create)
{
	struct stat st;
	int fd, err;

	if (create && mkdir(OOMKIT_PIN_ROOT, 0700) && errno != EEXIST) {
		err = -errno;
		p_err("can't %s '%s': can't create %s: %s", step, thing,
		      OOMKIT_PIN_ROOT, strerror(errno));
		return err;
	}
	/* O_NOFOLLOW: a symlink named oomkit is refused, not followed */
	fd = open(OOMKIT_PIN_ROOT,
		  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		if (err == -ENOENT && !create)
			return err;
		/* O_DIRECTORY|O_NOFOLLOW on a symlink is ENOTDIR or ELOOP: tell which */
		if (err == -ELOOP || err == -ENOTDIR)
			p_err("can't %s '%s': refusing pin root %s: %s, not a directory; "
			      "check and remove it (rm %s)",
			      step, thing, OOMKIT_PIN_ROOT,
			      !lstat(OOMKIT_PIN_ROOT, &st) &&
					      S_ISLNK(st.st_mode) ?
				      "a symbolic link" :
				      "a file",
			      OOMKIT_PIN_ROOT);
		else
			p_err("can't %s '%s': can't open %s: %s", step, thing,
			      OOMKIT_PIN_ROOT, strerror(-err));
		return err;
	}
	err = check_root_fd(fd, step, thing);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/*
 * A ~tmp is a leftover if it is still there while we hold the lock (on
 * @fd, for a moment): a loader holds it from create-tmp to commit.
 */
static bool tmp_is_leftover(int fd, const char *tmp)
{
	bool left;

	if (flock(fd, LOCK_EX | LOCK_NB))
		return false;
	left = !access(tmp, F_OK);
	flock(fd, LOCK_UN);
	return left;
}

int pins_check_free(const char *name, const char *step, bool locked)
{
	char final[PATH_MAX], tmp[PATH_MAX];
	bool busy = false;
	int err, fd;

	err = pins_check_bpffs(step, name);
	if (err)
		return err;
	/* a pin root we would refuse later is reported before anything loads */
	fd = pins_root_open(step, name, false);
	if (fd < 0 && fd != -ENOENT)
		return fd;
	pin_paths(name, final, tmp, sizeof(final));
	if (!access(final, F_OK)) {
		p_err("can't %s '%s': already loaded (%s exists); unload it first "
		      "(oomkit policy unload %s)",
		      step, name, final, name);
		err = -EEXIST;
	} else if (!access(tmp, F_OK)) {
		/* a ~tmp is a leftover unless its loader still holds the lock */
		busy = !locked && fd >= 0 && !tmp_is_leftover(fd, tmp);
		if (busy)
			p_err("can't %s '%s': busy: another oomkit is loading it (%s exists); "
			      "retry when it is done",
			      step, name, tmp);
		else
			p_err("can't %s '%s': %s exists (an interrupted load); "
			      "clean it with 'oomkit policy unload %s'",
			      step, name, tmp, name);
		err = busy ? -EBUSY : -EEXIST;
	}
	if (fd >= 0)
		close(fd);
	return err;
}

/*
 * One oomkit at a time between "is the name free" and "renamed into place"
 * (load), or between the scan and the last unlink (unload): an flock on the
 * pin root directory itself, so nothing outside bpffs is needed and a crash
 * releases it. Waits up to PINS_LOCK_WAIT_MS, then says who is in the way.
 */
int pins_lock(const char *step, const char *thing, bool create)
{
	struct timespec pause = { 0, 20 * 1000000L };
	long long waited = 0;
	int fd;

	fd = pins_root_open(step, thing, create);
	if (fd < 0)
		return fd;
	while (flock(fd, LOCK_EX | LOCK_NB)) {
		int err = -errno;

		if (err != -EWOULDBLOCK && err != -EINTR) {
			p_err("can't %s '%s': can't lock %s: %s", step, thing,
			      OOMKIT_PIN_ROOT, strerror(-err));
			close(fd);
			return err;
		}
		if (waited >= PINS_LOCK_WAIT_MS) {
			p_err("can't %s '%s': busy: another oomkit has held %s for %d s "
			      "(a load or unload in progress); retry",
			      step, thing, OOMKIT_PIN_ROOT,
			      PINS_LOCK_WAIT_MS / 1000);
			close(fd);
			return -EBUSY;
		}
		nanosleep(&pause, NULL);
		waited += 20;
	}
	return fd;
}

void pins_unlock(int fd)
{
	/* closing the last fd of the open file releases the flock */
	if (fd >= 0)
		close(fd);
}

int pins_create_tmp(const char *name, const char *step, char *tmp, size_t len)
{
	char final[PATH_MAX];
	int fd;

	fd = pins_root_open(step, name, true);
	if (fd < 0)
		return fd;
	close(fd);
	pin_paths(name, final, tmp, len);
	/* under pins_lock(): an existing ~tmp here is a leftover, not a load */
	if (mkdir(tmp, 0700)) {
		int err = -errno;

		p_err("can't %s '%s': can't create %s: %s", step, name, tmp,
		      strerror(errno));
		return err;
	}
	return 0;
}

int pins_commit(const char *name, const char *step)
{
	char final[PATH_MAX], tmp[PATH_MAX];

	pin_paths(name, final, tmp, sizeof(final));
	/* bpffs' simple_rename honours NOREPLACE: never clobber another load */
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, final, RENAME_NOREPLACE)) {
		int err = -errno;

		p_err("can't %s '%s': can't rename %s to %s: %s", step, name,
		      tmp, final, strerror(errno));
		return err;
	}
	return 0;
}

int pins_open(const char *dir, const char *file)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return bpf_obj_get(path);
}

int pins_each_link(const char *dir,
		   int (*fn)(int fd, const char *name, void *ctx), void *ctx)
{
	size_t plen = strlen(PIN_LINK_PREFIX);
	struct dirent *de;
	int fd, ret = 0;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return 0;
	while (!ret && (de = readdir(d))) {
		if (strncmp(de->d_name, PIN_LINK_PREFIX, plen))
			continue;
		fd = pins_open(dir, de->d_name);
		if (fd < 0)
			continue;
		ret = fn(fd, de->d_name + plen, ctx);
		close(fd);
	}
	closedir(d);
	return ret;
}

/*
 * Detach each pinned link before unpinning it: another holder of the link
 * (bpftool, a crashed loader's leftovers) must not keep the policy alive.
 * Everything goes through the directory fd: no symlink is followed and
 * nothing outside bpffs is unlinked.
 */
int pins_remove(int root_fd, const char *entry)
{
	struct statfs sfs;
	struct dirent *de;
	int dfd, err = 0;
	DIR *d;

	dfd = openat(root_fd, entry,
		     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstatfs(dfd, &sfs) || sfs.f_type != BPF_FS_MAGIC) {
		close(dfd);
		return -EXDEV;
	}
	d = fdopendir(dfd);
	if (!d) {
		err = -errno;
		close(dfd);
		return err;
	}
	while ((de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if ((!strncmp(de->d_name, PIN_LINK_PREFIX,
			      strlen(PIN_LINK_PREFIX)) ||
		     !strncmp(de->d_name, PIN_FOLLOW_PREFIX,
			      strlen(PIN_FOLLOW_PREFIX))) &&
		    !fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) &&
		    S_ISREG(st.st_mode)) {
			LIBBPF_OPTS(bpf_obj_get_opts, opts,
				    .file_flags = BPF_F_PATH_FD,
				    .path_fd = dfd);
			int fd = bpf_obj_get_opts(de->d_name, &opts);

			if (fd >= 0) {
				/* EOPNOTSUPP on kernels without link detach: unpin suffices */
				bpf_link_detach(fd);
				close(fd);
			}
		}
		if (unlinkat(dfd, de->d_name, 0) && errno != ENOENT && !err)
			err = -errno;
	}
	closedir(d);
	if (unlinkat(root_fd, entry, AT_REMOVEDIR) && errno != ENOENT && !err)
		err = -errno;
	return err;
}

int pins_remove_tmp(const char *name)
{
	char entry[NAME_MAX + 1];
	int fd, err;

	snprintf(entry, sizeof(entry), "%s" PIN_TMP_SUFFIX, name);
	/* we made it in this run: the root passed its checks then */
	fd = open(OOMKIT_PIN_ROOT,
		  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = pins_remove(fd, entry);
	close(fd);
	return err;
}

static int cmp_pin(const void *a, const void *b)
{
	return strcmp(((const struct pin_dir *)a)->name,
		      ((const struct pin_dir *)b)->name);
}

int pins_list(const char *step, const char *thing, struct pin_dir **out,
	      size_t *nr)
{
	struct pin_dir *v = NULL, *n;
	struct dirent *de;
	size_t cnt = 0;
	int fd;
	DIR *d;

	*out = NULL;
	*nr = 0;
	fd = pins_root_open(step, thing, false);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		int err = -errno;

		p_err("can't %s '%s': can't read %s: %s", step, thing,
		      OOMKIT_PIN_ROOT, strerror(errno));
		close(fd);
		return err;
	}
	while ((de = readdir(d))) {
		const char *name = de->d_name;
		size_t len = strlen(name);
		bool complete = true;
		struct stat st;

		if (name[0] == '.')
			continue;
		/* only directories are policies: never follow a link planted here */
		if (de->d_type == DT_UNKNOWN) {
			if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) ||
			    !S_ISDIR(st.st_mode))
				continue;
		} else if (de->d_type != DT_DIR) {
			continue;
		}
		if (len > strlen(PIN_TMP_SUFFIX) &&
		    !strcmp(name + len - strlen(PIN_TMP_SUFFIX),
			    PIN_TMP_SUFFIX))
			complete = false;
		n = realloc(v, (cnt + 1) * sizeof(*v));
		if (!n) {
			closedir(d);
			free(v);
			p_err("can't %s '%s': out of memory", step, thing);
			return -ENOMEM;
		}
		v = n;
		if (complete)
			snprintf(v[cnt].name, sizeof(v[cnt].name), "%s", name);
		else
			snprintf(v[cnt].name, sizeof(v[cnt].name), "%.*s",
				 (int)(len - strlen(PIN_TMP_SUFFIX)), name);
		snprintf(v[cnt].entry, sizeof(v[cnt].entry), "%s", name);
		snprintf(v[cnt].path, sizeof(v[cnt].path), "%s/%s",
			 OOMKIT_PIN_ROOT, name);
		v[cnt].complete = complete;
		cnt++;
	}
	closedir(d);
	if (v)
		qsort(v, cnt, sizeof(*v), cmp_pin);
	*out = v;
	*nr = cnt;
	return 0;
}
