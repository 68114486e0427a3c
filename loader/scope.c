// SPDX-License-Identifier: GPL-2.0
/* --scope CGROUP: resolve it, hand it to the policy, read it back for show. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "abi.h"
#include "cgpath.h"
#include "main.h"
#include "pins.h"
#include "policy.h"
#include "scope.h"

int scope_resolve(struct policy *p, const char *arg, const char *step)
{
	const char *mnt = cgroup2_mount(), *rel, *c;
	char path[PATH_MAX], real[PATH_MAX];
	size_t n = strlen(mnt);
	struct statfs sfs;
	struct stat st;
	__u32 level = 0;

	if (!p->has_oom)
		return usage_err(
			"can't %s '%s': --scope is for OOM policies, and it has no OOM "
			"handler",
			step, p->name);
	if (!arg[0])
		return usage_err("can't %s '%s': --scope needs a cgroup", step,
				 p->name);
	if (snprintf(path, sizeof(path), "%s%s%s", arg[0] == '/' ? "" : mnt,
		     arg[0] == '/' ? "" : "/", arg) >= (int)sizeof(path))
		return usage_err("can't %s '%s': scope cgroup path too long",
				 step, p->name);
	if (!realpath(path, real) || stat(real, &st)) {
		p_err("can't %s '%s': scope cgroup '%s' does not exist (%s); create "
		      "it first",
		      step, p->name, path, strerror(errno));
		return -ENOENT;
	}
	if (!S_ISDIR(st.st_mode) || statfs(real, &sfs) ||
	    sfs.f_type != CGROUP2_SUPER_MAGIC || strncmp(real, mnt, n) ||
	    (real[n] && real[n] != '/')) {
		p_err("can't %s '%s': scope '%s' is not a cgroup below %s",
		      step, p->name, path, mnt);
		return -ENOTDIR;
	}
	rel = real[n] ? real + n : "/";
	if (strlen(rel) >= sizeof(p->scope.path))
		return usage_err(
			"can't %s '%s': scope '%s' is too deep a path (at most %zu bytes below %s)",
			step, p->name, real, sizeof(p->scope.path) - 1, mnt);
	for (c = rel; *c; c++)
		level += *c == '/' && c[1];
	memset(&p->scope, 0, sizeof(p->scope));
	snprintf(p->scope.path, sizeof(p->scope.path), "%s", rel);
	/* the root is the system: what a policy without --scope handles */
	if (level) {
		/* a cgroup2 directory's inode number is the cgroup id */
		p->scope.cgroup_id = st.st_ino;
		p->scope.level = level;
	}
	snprintf(p->scope_dir, sizeof(p->scope_dir), "%s", real);
	return 0;
}

int scope_write(struct policy *p, const char *step)
{
	struct bpf_map *map = bpf_object__find_map_by_name(p->obj, SCOPE_MAP);
	__u32 key = 0;
	int err;

	if (!map) {
		if (!p->scope.cgroup_id || abi_scopes_in_kernel())
			return 0;
		p_err("can't %s '%s': it has no %s map to keep --scope at this ABI "
		      "level: it was built against an older bpf/abi.bpf.h; rebuild it",
		      step, p->name, SCOPE_MAP);
		return -EOPNOTSUPP;
	}
	if (bpf_map_update_elem(bpf_map__fd(map), &key, &p->scope, BPF_ANY)) {
		err = -errno;
		p_err("can't %s '%s': can't write its scope: %s", step, p->name,
		      libbpf_errstr(err));
		return err;
	}
	return 0;
}

int scope_read(const char *pin_dir, struct oomkit_scope *s)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), key = 0;
	int fd, err;

	memset(s, 0, sizeof(*s));
	fd = pins_open(pin_dir, SCOPE_MAP);
	if (fd < 0)
		return -ENOENT;
	/* a foreign map of that name must not overrun our buffer */
	err = bpf_map_get_info_by_fd(fd, &info, &len);
	if (!err && info.value_size != sizeof(*s))
		err = -EPROTO;
	if (!err && bpf_map_lookup_elem(fd, &key, s))
		err = -errno;
	close(fd);
	if (err)
		memset(s, 0, sizeof(*s));
	return err;
}

bool scope_removed(const struct oomkit_scope *s)
{
	char path[PATH_MAX];
	struct stat st;

	if (!s->cgroup_id)
		return false;
	snprintf(path, sizeof(path), "%s%s", cgroup2_mount(), s->path);
	return stat(path, &st) || st.st_ino != s->cgroup_id;
}
