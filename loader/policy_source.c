// SPDX-License-Identifier: GPL-2.0
/* Finds a policy's ELF image: a built-in, a drop-in of the policy directory, or a path; ownership checks. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/types.h>

#include <oomkit/intf.h>

#include "builtin.h"
#include "main.h"
#include "meta.h"
#include "policy_source.h"

#define DROPIN_SUFFIX ".bpf.o"
#define DROPIN_MAX    (64 << 20) /* no policy is near this; a sanity cap */

static bool has_suffix(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls > lx && !strcmp(s + ls - lx, suffix);
}

/* "dir/kill-newest.bpf.o" -> "kill-newest" */
static void file_stem(const char *path, char *buf, size_t len)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	snprintf(buf, len, "%s", base);
	n = strlen(buf);
	if (has_suffix(buf, DROPIN_SUFFIX))
		buf[n - strlen(DROPIN_SUFFIX)] = '\0';
	else if (has_suffix(buf, ".o"))
		buf[n - 2] = '\0';
}

/* The directory @path is in: "/x.bpf.o" is in "/", "x.bpf.o" in ".". */
static void dir_of(const char *path, char *buf, size_t len)
{
	const char *base = strrchr(path, '/');

	if (base)
		snprintf(buf, len, "%.*s",
			 base == path ? 1 : (int)(base - path), path);
	else
		snprintf(buf, len, ".");
}

/*
 * A drop-in decides which processes die, so only root may have written it:
 * owned by root, not writable by group or others.
 */
static int check_owner(const struct stat *st, const char *step,
		       const char *thing)
{
	if (st->st_uid != 0) {
		p_err("can't %s '%s': refusing a policy object not owned by root (uid %u); "
		      "chown root and chmod go-w it",
		      step, thing, (unsigned int)st->st_uid);
		return -EPERM;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		p_err("can't %s '%s': refusing a policy object writable by %s (mode %04o); "
		      "chmod go-w it",
		      step, thing,
		      (st->st_mode & S_IWOTH) ? "others" : "its group",
		      (unsigned int)(st->st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

/*
 * Like sshd's StrictModes: whoever can write a directory on the way can
 * swap what the path names, so each one must be root's and not writable by
 * group or others. A sticky ancestor (/tmp) is fine: nobody else can rename
 * or remove the root-owned entry below it. The object's own directory must
 * not be writable at all: anyone could add a drop-in (or a FIFO) there.
 */
static int check_dirs(const char *dir, const char *step, const char *thing)
{
	char buf[PATH_MAX], *slash;
	bool own = true;

	snprintf(buf, sizeof(buf), "%s", dir);
	for (;;) {
		const char *d = buf[0] ? buf : "/";
		struct stat st;

		if (lstat(d, &st)) {
			int err = -errno;

			p_err("can't %s '%s': can't stat %s: %s", step, thing,
			      d, strerror(errno));
			return err;
		}
		if (st.st_uid != 0) {
			p_err("can't %s '%s': refusing a policy object under %s: not owned by root "
			      "(uid %u); chown root and chmod go-w it",
			      step, thing, d, (unsigned int)st.st_uid);
			return -EPERM;
		}
		if ((st.st_mode & (S_IWGRP | S_IWOTH)) &&
		    (own || !(st.st_mode & S_ISVTX))) {
			p_err("can't %s '%s': refusing a policy object under %s: writable by %s "
			      "(mode %04o); chmod go-w it",
			      step, thing, d,
			      (st.st_mode & S_IWOTH) ? "others" : "its group",
			      (unsigned int)(st.st_mode & 07777));
			return -EPERM;
		}
		if (!buf[0])
			return 0;
		own = false;
		slash = strrchr(buf, '/');
		if (!slash)
			return 0;
		*slash = '\0';
	}
}

/*
 * Opens a policy object without trusting the path: the directories are
 * checked on their resolved path and the file is opened under it, never
 * through a symlink, and a FIFO cannot block the open.
 */
static int open_trusted(const char *path, const char *step, const char *thing)
{
	char dir[PATH_MAX], real[PATH_MAX], file[PATH_MAX];
	const char *base = strrchr(path, '/');
	int fd, err;

	dir_of(path, dir, sizeof(dir));
	base = base ? base + 1 : path;
	if (!realpath(dir, real)) {
		err = -errno;
		p_err("can't %s '%s': can't open %s: %s", step, thing, path,
		      strerror(errno));
		return err;
	}
	err = check_dirs(strcmp(real, "/") ? real : "", step, thing);
	if (err)
		return err;
	if (snprintf(file, sizeof(file), "%s/%s", strcmp(real, "/") ? real : "",
		     base) >= (int)sizeof(file)) {
		p_err("can't %s '%s': can't open %s: %s", step, thing, path,
		      strerror(ENAMETOOLONG));
		return -ENAMETOOLONG;
	}
	fd = open(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		if (err == -ELOOP)
			p_err("can't %s '%s': refusing %s: a symbolic link; give the object "
			      "itself",
			      step, thing, path);
		else
			p_err("can't %s '%s': can't open %s: %s", step, thing,
			      path, strerror(errno));
		return err;
	}
	return fd;
}

static const struct oomkit_builtin *find_builtin(const char *name)
{
	size_t i;

	for (i = 0; i < oomkit_nr_builtins; i++)
		if (!strcmp(oomkit_builtins[i].name, name))
			return &oomkit_builtins[i];
	return NULL;
}

static bool in_policy_dir(const char *path)
{
	char dir[PATH_MAX], real[PATH_MAX], real_pd[PATH_MAX];

	dir_of(path, dir, sizeof(dir));
	return realpath(dir, real) && realpath(policy_dir, real_pd) &&
	       !strcmp(real, real_pd);
}

/*
 * A policy is named by its object (OOMKIT_OOM_POLICY()'s name, which the
 * loader takes for the pin and the listing), a drop-in of the policy
 * directory is found by its file ('policy load NAME' opens NAME.bpf.o):
 * there the two must agree, or 'policy list' would show a name that
 * 'policy load' cannot find. An unreadable image passes: policy_open_src()
 * says what is wrong with it.
 */
static int check_dropin_name(const struct policy_src *src, const char *step,
			     const char *thing)
{
	struct oomkit_meta *meta;
	size_t i, nr;
	int err = 0;

	if (meta_read(src->data, src->size, &meta, &nr))
		return 0;
	for (i = 0; i < nr; i++) {
		if (meta[i].kind != OOMKIT_META_POLICY || !meta[i].name[0])
			continue;
		/* a built-in's name is refused on its own by policy_open_src() */
		if (strcmp(meta[i].name, src->name) &&
		    !find_builtin(meta[i].name) && in_policy_dir(src->path)) {
			p_err("can't %s '%s': %s names its policy '%s'; a drop-in is found by "
			      "its file name: rename it %s%s",
			      step, thing, src->path, meta[i].name,
			      meta[i].name, DROPIN_SUFFIX);
			err = -EINVAL;
		}
		break;
	}
	free(meta);
	return err;
}

int src_from_file(const char *path, struct policy_src *src, const char *step,
		  const char *thing)
{
	struct stat st;
	size_t off = 0;
	char *buf;
	int fd, err;

	memset(src, 0, sizeof(*src));
	err = open_trusted(path, step, thing);
	if (err < 0)
		return err;
	fd = err;
	if (fstat(fd, &st)) {
		err = -errno;
		p_err("can't %s '%s': can't stat %s: %s", step, thing, path,
		      strerror(errno));
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		err = -EINVAL;
		p_err("can't %s '%s': %s is not a regular file", step, thing,
		      path);
		goto out_close;
	}
	/* check the file we opened, not whatever the path points at later */
	err = check_owner(&st, step, thing);
	if (err)
		goto out_close;
	if (st.st_size > DROPIN_MAX) {
		err = -EFBIG;
		p_err("can't %s '%s': %s is too big for a policy (%lld bytes)",
		      step, thing, path, (long long)st.st_size);
		goto out_close;
	}
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf) {
		err = -ENOMEM;
		p_err("can't %s '%s': out of memory", step, thing);
		goto out_close;
	}
	while (off < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + off, st.st_size - off);

		if (n <= 0) {
			err = n ? -errno : -EIO;
			p_err("can't %s '%s': can't read %s: %s", step, thing,
			      path, strerror(-err));
			free(buf);
			goto out_close;
		}
		off += n;
	}
	src->owned = buf;
	src->data = buf;
	src->size = off;
	snprintf(src->path, sizeof(src->path), "%s", path);
	file_stem(path, src->name, sizeof(src->name));
	err = check_dropin_name(src, step, thing);
	if (err)
		src_free(src);
out_close:
	close(fd);
	return err;
}

bool src_is_builtin_name(const char *name)
{
	return find_builtin(name);
}

static bool looks_like_path(const char *arg)
{
	return strchr(arg, '/') || has_suffix(arg, ".o");
}

int src_resolve(const char *arg, struct policy_src *src, const char *step)
{
	const struct oomkit_builtin *b;
	char path[PATH_MAX];

	if (looks_like_path(arg))
		return src_from_file(arg, src, step, arg);

	b = find_builtin(arg);
	if (b) {
		memset(src, 0, sizeof(*src));
		snprintf(src->name, sizeof(src->name), "%s", b->name);
		src->builtin = true;
		src->data = b->data;
		src->size = b->size;
		return 0;
	}
	snprintf(path, sizeof(path), "%s/%s%s", policy_dir, arg, DROPIN_SUFFIX);
	if (access(path, F_OK)) {
		p_err("can't %s '%s': no such policy (not built in, no %s); see 'oomkit policy list'",
		      step, arg, path);
		return -ENOENT;
	}
	return src_from_file(path, src, step, arg);
}

void src_free(struct policy_src *src)
{
	free(src->owned);
	src->owned = NULL;
	src->data = NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int src_for_each(int (*cb)(const char *name, const char *path, bool builtin,
			   void *ctx),
		 void *ctx)
{
	char **names = NULL, path[PATH_MAX], stem[NAME_MAX + 1];
	size_t i, nr = 0;
	struct dirent *de;
	DIR *dir;
	int err = 0;

	for (i = 0; i < oomkit_nr_builtins; i++) {
		err = cb(oomkit_builtins[i].name, NULL, true, ctx);
		if (err)
			return err;
	}
	dir = opendir(policy_dir);
	if (!dir)
		return 0; /* no drop-in directory is not an error */
	while ((de = readdir(dir))) {
		char **n;

		if (de->d_name[0] == '.' ||
		    !has_suffix(de->d_name, DROPIN_SUFFIX))
			continue;
		n = realloc(names, (nr + 1) * sizeof(*names));
		if (!n) {
			err = -ENOMEM;
			break;
		}
		names = n;
		names[nr] = strdup(de->d_name);
		if (!names[nr]) {
			err = -ENOMEM;
			break;
		}
		nr++;
	}
	closedir(dir);
	if (names)
		qsort(names, nr, sizeof(*names), cmp_str);
	for (i = 0; i < nr && !err; i++) {
		snprintf(path, sizeof(path), "%s/%s", policy_dir, names[i]);
		file_stem(names[i], stem, sizeof(stem));
		err = cb(stem, path, false, ctx);
	}
	for (i = 0; i < nr; i++)
		free(names[i]);
	free(names);
	return err;
}
