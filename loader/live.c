// SPDX-License-Identifier: GPL-2.0
/* A loaded policy read back from its pins: metadata, tunables' values, settings by path. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "cgpath.h"
#include "live.h"
#include "main.h"
#include "pins.h"
#include "tunables.h"

#include <bpf/libbpf.h>

static int read_meta(struct live_policy *lp)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), i;
	int fd, err = 0;

	fd = pins_open(lp->dir, PIN_META);
	if (fd < 0)
		return -errno;
	if (bpf_map_get_info_by_fd(fd, &info, &len) ||
	    info.type != BPF_MAP_TYPE_ARRAY || info.key_size != sizeof(__u32) ||
	    info.value_size != sizeof(struct oomkit_meta)) {
		close(fd);
		return -EPROTO;
	}
	lp->p.meta = calloc(info.max_entries ?: 1, sizeof(*lp->p.meta));
	if (!lp->p.meta) {
		close(fd);
		return -ENOMEM;
	}
	for (i = 0; i < info.max_entries; i++) {
		struct oomkit_meta *m = &lp->p.meta[lp->p.nr_meta];

		if (bpf_map_lookup_elem(fd, &i, m)) {
			err = -errno;
			break;
		}
		/* an empty record: a policy without any */
		if (!m->kind)
			continue;
		m->name[sizeof(m->name) - 1] = '\0';
		m->map[sizeof(m->map) - 1] = '\0';
		m->doc[sizeof(m->doc) - 1] = '\0';
		lp->p.nr_meta++;
	}
	close(fd);
	return err;
}

static int read_rodata(struct live_policy *lp)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), zero = 0;
	int fd, err = 0;

	fd = pins_open(lp->dir, PIN_RODATA);
	if (fd < 0)
		return -errno;
	if (bpf_map_get_info_by_fd(fd, &info, &len) ||
	    info.type != BPF_MAP_TYPE_ARRAY || !info.btf_id) {
		close(fd);
		return -EPROTO;
	}
	lp->btf = btf__load_from_kernel_by_id(info.btf_id);
	lp->rodata = calloc(1, info.value_size ?: 1);
	if (!lp->btf || !lp->rodata ||
	    bpf_map_lookup_elem(fd, &zero, lp->rodata))
		err = -errno ?: -ENOMEM;
	else
		lp->rodata_size = info.value_size;
	close(fd);
	return err;
}

const struct oomkit_meta *live_knob_of(const struct policy *p, const char *map,
				       __s64 value)
{
	const struct oomkit_meta *arg = NULL;
	size_t i;

	for (i = 0; i < p->nr_meta; i++) {
		const struct oomkit_meta *m = &p->meta[i];

		if (m->kind != OOMKIT_META_CGROUP_KNOB || strcmp(m->map, map))
			continue;
		if (m->value_from_arg)
			arg = m;
		else if (m->value == value)
			return m;
	}
	return arg;
}

int live_knob_fds(const struct live_policy *lp, const char *map, int *ids_fd,
		  int *paths_fd)
{
	char name[OOMKIT_NAME_LEN + 8];
	int err;

	*ids_fd = pins_open(lp->dir, map);
	if (*ids_fd < 0)
		return -errno;
	snprintf(name, sizeof(name), "%s_paths", map);
	*paths_fd = pins_open(lp->dir, name);
	if (*paths_fd < 0) {
		err = -errno;
		close(*ids_fd);
		*ids_fd = -1;
		return err;
	}
	return 0;
}

static struct live_setting *add_setting(struct live_policy *lp)
{
	struct live_setting *s;

	s = realloc(lp->settings, (lp->nr_settings + 1) * sizeof(*s));
	if (!s)
		return NULL;
	lp->settings = s;
	s += lp->nr_settings++;
	memset(s, 0, sizeof(*s));
	return s;
}

static bool knob_map_seen(const struct policy *p, size_t upto, const char *map)
{
	size_t i;

	for (i = 0; i < upto; i++)
		if (p->meta[i].kind == OOMKIT_META_CGROUP_KNOB &&
		    !strcmp(p->meta[i].map, map))
			return true;
	return false;
}

/* Every setting of one knob map: by path first, then ids no path accounts for. */
static int read_map_settings(struct live_policy *lp, const char *map)
{
	struct oomkit_knob_path {
		char path[256];
	} key, next;
	size_t first = lp->nr_settings, i;
	int ids, paths, err;
	__u64 id, nid;
	__s64 val;

	err = live_knob_fds(lp, map, &ids, &paths);
	if (err)
		return err;
	memset(&key, 0, sizeof(key));
	for (err = bpf_map_get_next_key(paths, NULL, &next); !err;
	     err = bpf_map_get_next_key(paths, &key, &next)) {
		struct live_setting *s;
		char abs[PATH_MAX];
		struct stat st;

		key = next;
		if (bpf_map_lookup_elem(paths, &key, &val))
			continue;
		s = add_setting(lp);
		if (!s)
			goto nomem;
		snprintf(s->map, sizeof(s->map), "%s", map);
		snprintf(s->path, sizeof(s->path), "%.*s",
			 (int)sizeof(key.path), key.path);
		s->value = val;
		s->by_path = true;
		s->meta = live_knob_of(&lp->p, map, val);
		snprintf(abs, sizeof(abs), "%s%s", cgroup2_mount(), s->path);
		if (!stat(abs, &st))
			s->cgroup_id = st.st_ino;
	}
	for (err = bpf_map_get_next_key(ids, NULL, &nid); !err;
	     err = bpf_map_get_next_key(ids, &id, &nid)) {
		struct live_setting *s;
		bool known = false;

		id = nid;
		if (bpf_map_lookup_elem(ids, &id, &val))
			continue;
		for (i = first; i < lp->nr_settings && !known; i++)
			known = lp->settings[i].cgroup_id == id;
		if (known)
			continue;
		s = add_setting(lp);
		if (!s)
			goto nomem;
		snprintf(s->map, sizeof(s->map), "%s", map);
		snprintf(s->path, sizeof(s->path), "%s", cgpath_lookup(id));
		s->cgroup_id = id;
		s->value = val;
		s->meta = live_knob_of(&lp->p, map, val);
	}
	close(ids);
	close(paths);
	return 0;
nomem:
	close(ids);
	close(paths);
	return -ENOMEM;
}

int live_open(const char *name, const char *step, struct live_policy *lp)
{
	struct stat st;
	size_t i;
	int err;

	memset(lp, 0, sizeof(*lp));
	snprintf(lp->p.name, sizeof(lp->p.name), "%s", name);
	if (!policy_name_valid(name))
		return usage_err(
			"can't %s '%s': not a policy name (letters, digits, '_', '-'); "
			"see 'oomkit policy show'",
			step, name);
	err = pins_check_bpffs(step, name);
	if (err)
		return err;
	snprintf(lp->dir, sizeof(lp->dir), "%s/%s", OOMKIT_PIN_ROOT, name);
	if (lstat(lp->dir, &st) || !S_ISDIR(st.st_mode)) {
		p_err("can't %s '%s': not loaded (see 'oomkit policy show')",
		      step, name);
		return -ENOENT;
	}
	err = read_meta(lp);
	if (err == -ENOENT)
		return 0; /* loaded by an oomkit that did not pin it */
	if (err) {
		p_err("can't %s '%s': can't read its metadata %s/%s: %s", step,
		      name, lp->dir, PIN_META, strerror(-err));
		live_close(lp);
		return err;
	}
	lp->has_meta = true;
	read_rodata(lp); /* without it, tunables show as "?" */
	for (i = 0; i < lp->p.nr_meta; i++) {
		const struct oomkit_meta *m = &lp->p.meta[i];

		if (m->kind != OOMKIT_META_CGROUP_KNOB ||
		    knob_map_seen(&lp->p, i, m->map))
			continue;
		err = read_map_settings(lp, m->map);
		if (err) {
			p_err("can't %s '%s': can't read its map '%s' (%s/%s): %s",
			      step, name, m->map, lp->dir, m->map,
			      strerror(-err));
			live_close(lp);
			return err;
		}
	}
	return 0;
}

int live_tunable(const struct live_policy *lp, const struct oomkit_meta *m,
		 char *buf, size_t len)
{
	struct tunable_type tt;
	int err;

	err = tunable_type_btf(lp->btf, m->name, &tt);
	if (err) {
		snprintf(buf, len, "?");
		return err;
	}
	return tunable_format_raw(&tt, lp->rodata, lp->rodata_size, buf, len);
}

static int remember(struct live_change *c, int fd, const void *key, __u32 size)
{
	struct live_undo *u = realloc(c->u, (c->nr + 1) * sizeof(*u));

	if (!u)
		return -ENOMEM;
	c->u = u;
	u += c->nr++;
	memset(u, 0, sizeof(*u));
	u->fd = fd;
	u->key_size = size;
	memcpy(u->key, key, size);
	u->had = !bpf_map_lookup_elem(fd, key, &u->old);
	return 0;
}

int live_change_update(struct live_change *c, int fd, const void *key,
		       __u32 size, __s64 val)
{
	int err = remember(c, fd, key, size);

	if (!err && bpf_map_update_elem(fd, key, &val, BPF_ANY))
		err = -errno;
	return err;
}

int live_change_delete(struct live_change *c, int fd, const void *key,
		       __u32 size)
{
	int err = remember(c, fd, key, size);

	if (!err && bpf_map_delete_elem(fd, key) && errno != ENOENT)
		err = -errno;
	return err;
}

/* Newest first: every entry as it was. */
void live_change_undo(struct live_change *c)
{
	size_t i;

	for (i = c->nr; i-- > 0;) {
		struct live_undo *u = &c->u[i];

		if (u->had)
			bpf_map_update_elem(u->fd, u->key, &u->old, BPF_ANY);
		else
			bpf_map_delete_elem(u->fd, u->key);
	}
}

void live_change_free(struct live_change *c)
{
	free(c->u);
	c->u = NULL;
	c->nr = 0;
}

int live_write_setting(struct live_change *c, int ids, int paths,
		       const struct knob_setting *ks)
{
	char abs[PATH_MAX];
	__u64 id = ks->cgroup_id;
	struct stat st;
	int err;

	/* the path first: a cgroup made from now on gets it at mkdir */
	if (ks->follow[0]) {
		err = live_change_update(c, paths, ks->follow,
					 sizeof(ks->follow), ks->value);
		if (err)
			return err;
		/* and one made since the parse is found here */
		snprintf(abs, sizeof(abs), "%s%s", cgroup2_mount(), ks->follow);
		if (!stat(abs, &st))
			id = st.st_ino;
	}
	if (!id)
		return 0;
	return live_change_update(c, ids, &id, sizeof(id), ks->value);
}

void live_close(struct live_policy *lp)
{
	free(lp->p.meta);
	lp->p.meta = NULL;
	free(lp->p.knobs);
	lp->p.knobs = NULL;
	btf__free(lp->btf);
	lp->btf = NULL;
	free(lp->rodata);
	lp->rodata = NULL;
	free(lp->settings);
	lp->settings = NULL;
	lp->nr_settings = 0;
}
