// SPDX-License-Identifier: GPL-2.0
/* The CLI's pins under /sys/fs/bpf/oomkit: check, create, commit, walk, remove. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int pins_check_free(const char *name, const char *step)
{
	char final[PATH_MAX], tmp[PATH_MAX];
	int err;

	err = pins_check_bpffs(step, name);
	if (err)
		return err;
	pin_paths(name, final, tmp, sizeof(final));
	if (!access(final, F_OK)) {
		p_err("can't %s '%s': already loaded (%s exists); unload it first "
		      "(oomkit policy unload %s)", step, name, final, name);
		return -EEXIST;
	}
	if (!access(tmp, F_OK)) {
		p_err("can't %s '%s': %s exists (an interrupted or concurrent load); "
		      "clean it with 'oomkit policy unload %s'", step, name, tmp, name);
		return -EEXIST;
	}
	return 0;
}

int pins_create_tmp(const char *name, const char *step, char *tmp, size_t len)
{
	char final[PATH_MAX];

	if (mkdir(OOMKIT_PIN_ROOT, 0700) && errno != EEXIST) {
		int err = -errno;

		p_err("can't %s '%s': can't create %s: %s", step, name, OOMKIT_PIN_ROOT,
		      strerror(errno));
		return err;
	}
	pin_paths(name, final, tmp, len);
	/* mkdir is the lock: a concurrent load of the same name fails here */
	if (mkdir(tmp, 0700)) {
		int err = -errno;

		p_err("can't %s '%s': can't create %s: %s", step, name, tmp, strerror(errno));
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

		p_err("can't %s '%s': can't rename %s to %s: %s", step, name, tmp, final,
		      strerror(errno));
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

/*
 * Detach each pinned link before unpinning it: another holder of the link
 * (bpftool, a crashed loader's leftovers) must not keep the policy alive.
 */
int pins_remove(const char *dir)
{
	struct dirent *de;
	int err = 0;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		char path[PATH_MAX];

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (!strncmp(de->d_name, PIN_LINK_PREFIX, strlen(PIN_LINK_PREFIX))) {
			int fd = bpf_obj_get(path);

			if (fd >= 0) {
				/* EOPNOTSUPP on kernels without link detach: unpin suffices */
				bpf_link_detach(fd);
				close(fd);
			}
		}
		if (unlink(path) && errno != ENOENT && !err)
			err = -errno;
	}
	closedir(d);
	if (rmdir(dir) && errno != ENOENT && !err)
		err = -errno;
	return err;
}

static int cmp_pin(const void *a, const void *b)
{
	return strcmp(((const struct pin_dir *)a)->name, ((const struct pin_dir *)b)->name);
}

int pins_list(struct pin_dir **out, size_t *nr)
{
	struct pin_dir *v = NULL, *n;
	struct dirent *de;
	size_t cnt = 0;
	DIR *d;

	*out = NULL;
	*nr = 0;
	d = opendir(OOMKIT_PIN_ROOT);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		const char *name = de->d_name;
		size_t len = strlen(name);
		bool complete = true;

		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		if (name[0] == '.')
			continue;
		if (len > strlen(PIN_TMP_SUFFIX) &&
		    !strcmp(name + len - strlen(PIN_TMP_SUFFIX), PIN_TMP_SUFFIX))
			complete = false;
		n = realloc(v, (cnt + 1) * sizeof(*v));
		if (!n) {
			closedir(d);
			free(v);
			return -ENOMEM;
		}
		v = n;
		if (complete)
			snprintf(v[cnt].name, sizeof(v[cnt].name), "%s", name);
		else
			snprintf(v[cnt].name, sizeof(v[cnt].name), "%.*s",
				 (int)(len - strlen(PIN_TMP_SUFFIX)), name);
		snprintf(v[cnt].path, sizeof(v[cnt].path), "%s/%s", OOMKIT_PIN_ROOT, name);
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
