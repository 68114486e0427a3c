// SPDX-License-Identifier: GPL-2.0
/* --set KEY=VALUE: tunables into .rodata before load, per-cgroup knobs into their maps after. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "cgpath.h"
#include "main.h"
#include "policy.h"
#include "tunables.h"

/* The cgroup2 root's inode number, and so its cgroup id (kernfs starts at 1). */
#define CGROUP2_ROOT_ID 1

static struct bpf_map *rodata_map(const struct policy *p)
{
	return bpf_object__find_map_by_name(p->obj, ".rodata");
}

int tunable_type_btf(const struct btf *btf, const char *var,
		     struct tunable_type *tt)
{
	const struct btf_var_secinfo *vsi;
	const struct btf_type *sec;
	int id, i;

	memset(tt, 0, sizeof(*tt));
	if (!btf)
		return -ENOENT;
	id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
	if (id < 0)
		return -ENOENT;
	sec = btf__type_by_id(btf, id);
	vsi = btf_var_secinfos(sec);
	for (i = 0; i < btf_vlen(sec); i++, vsi++) {
		const struct btf_type *v = btf__type_by_id(btf, vsi->type);
		const struct btf_type *t;
		int tid;

		if (strcmp(btf__name_by_offset(btf, v->name_off), var))
			continue;
		tt->found = true;
		tt->offset = vsi->offset;
		tid = btf__resolve_type(btf, v->type);
		t = tid < 0 ? NULL : btf__type_by_id(btf, tid);
		if (t && btf_is_int(t)) {
			tt->is_bool = btf_int_encoding(t) & BTF_INT_BOOL;
			tt->is_signed = btf_int_encoding(t) & BTF_INT_SIGNED;
			tt->size = t->size;
		} else if (t && btf_is_any_enum(t)) {
			tt->is_signed = btf_kflag(t);
			tt->size = t->size;
		}
		/* only what we can range-check: bool and 8..64-bit integers */
		if (tt->size != 1 && tt->size != 2 && tt->size != 4 &&
		    tt->size != 8)
			tt->size = 0;
		if (tt->size && tt->size != vsi->size)
			tt->size = 0;
		return tt->size ? 0 : -EOPNOTSUPP;
	}
	return -ENOENT;
}

int tunable_type(const struct policy *p, const char *var,
		 struct tunable_type *tt)
{
	return tunable_type_btf(bpf_object__btf(p->obj), var, tt);
}

const char *tunable_type_name(const struct tunable_type *tt)
{
	static const char *const s[] = { "s8", "s16", "s32", "s64" };
	static const char *const u[] = { "u8", "u16", "u32", "u64" };
	int idx = tt->size == 1 ? 0 : tt->size == 2 ? 1 : tt->size == 4 ? 2 : 3;

	if (!tt->size)
		return "unsupported";
	if (tt->is_bool)
		return "bool";
	return tt->is_signed ? s[idx] : u[idx];
}

static void *rodata_var(const struct policy *p, const struct tunable_type *tt)
{
	struct bpf_map *map = rodata_map(p);
	size_t size = 0;
	char *data;

	if (!map)
		return NULL;
	data = bpf_map__initial_value(map, &size);
	if (!data || tt->offset + tt->size > size)
		return NULL;
	return data + tt->offset;
}

static int read_raw(const void *v, const struct tunable_type *tt, __s64 *sv,
		    __u64 *uv)
{
	__u64 raw = 0;

	switch (tt->size) {
	case 1:
		raw = *(const __u8 *)v;
		break;
	case 2:
		raw = *(const __u16 *)v;
		break;
	case 4:
		raw = *(const __u32 *)v;
		break;
	case 8:
		raw = *(const __u64 *)v;
		break;
	}
	*uv = raw;
	if (tt->is_signed && tt->size < 8 && (raw >> (tt->size * 8 - 1)) & 1)
		raw |= ~0ULL << (tt->size * 8); /* sign-extend */
	*sv = (__s64)raw;
	return 0;
}

int tunable_format_raw(const struct tunable_type *tt, const void *data,
		       size_t size, char *buf, size_t len)
{
	__s64 sv;
	__u64 uv;

	if (!tt->size || !data || tt->offset + tt->size > size) {
		snprintf(buf, len, "?");
		return -ENOENT;
	}
	read_raw((const char *)data + tt->offset, tt, &sv, &uv);
	if (tt->is_bool)
		snprintf(buf, len, "%s", uv ? "true" : "false");
	else if (tt->is_signed)
		snprintf(buf, len, "%lld", (long long)sv);
	else
		snprintf(buf, len, "%llu", (unsigned long long)uv);
	return 0;
}

int tunable_format(const struct policy *p, const char *var, char *buf,
		   size_t len)
{
	struct bpf_map *map = rodata_map(p);
	const void *data = NULL;
	struct tunable_type tt;
	size_t size = 0;
	int err;

	err = tunable_type(p, var, &tt);
	if (!err && map)
		data = bpf_map__initial_value(map, &size);
	if (err || !data) {
		snprintf(buf, len, "?");
		return err ?: -ENOENT;
	}
	return tunable_format_raw(&tt, data, size, buf, len);
}

static int parse_bool(const char *s, bool *b)
{
	static const char *const yes[] = { "true", "1", "yes", "on" };
	static const char *const no[] = { "false", "0", "no", "off" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i])) {
			*b = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*b = false;
			return 0;
		}
	}
	return -EINVAL;
}

/*
 * A decimal integer, or hexadecimal with an explicit 0x; in 128 bits to see
 * overflow. "010" is refused (-EDOM), not read as octal 8. A binary suffix
 * (k, M, G) only where @sizes, for byte counts: 5m is no time (-ENOTSUP).
 */
static int parse_int(const char *s, __int128 *out, bool sizes)
{
	unsigned long long mag;
	__int128 v, mult = 1;
	bool neg = false;
	int base = 10;
	char *end;

	while (*s == ' ')
		s++;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (*s < '0' || *s > '9')
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!isxdigit((unsigned char)*s))
			return -EINVAL;
	} else if (s[0] == '0' && s[1] >= '0' && s[1] <= '9') {
		return -EDOM;
	}
	errno = 0;
	mag = strtoull(s, &end, base);
	if (errno)
		return -ERANGE;
	switch (*end) {
	case 'k':
	case 'K':
		mult = 1ULL << 10;
		break;
	case 'm':
	case 'M':
		mult = 1ULL << 20;
		break;
	case 'g':
	case 'G':
		mult = 1ULL << 30;
		break;
	}
	if (mult > 1) {
		if (!sizes)
			return -ENOTSUP;
		end++;
	}
	if (*end)
		return -EINVAL;
	v = (__int128)mag * mult;
	*out = neg ? -v : v;
	return 0;
}

/* Units are in the names (style.md): only *_bytes settings take k/M/G. */
static bool takes_sizes(const char *name)
{
	size_t n = strlen(name);

	return n >= 6 && !strcmp(name + n - 6, "_bytes");
}

static void type_range(const struct tunable_type *tt, __int128 *lo,
		       __int128 *hi)
{
	unsigned int bits = tt->size * 8;

	if (tt->is_bool) {
		*lo = 0;
		*hi = 1;
	} else if (tt->is_signed) {
		*lo = -((__int128)1 << (bits - 1));
		*hi = ((__int128)1 << (bits - 1)) - 1;
	} else {
		*lo = 0;
		*hi = ((__int128)1 << bits) - 1;
	}
}

static int set_tunable(struct policy *p, const struct oomkit_meta *m,
		       const char *val)
{
	struct tunable_type tt;
	__int128 v, lo, hi;
	void *dst;
	int err;

	err = tunable_type(p, m->name, &tt);
	if (err) {
		p_err("can't set '%s' on '%s': the object has no usable .rodata variable '%s' (%s)",
		      m->name, p->name, m->name, strerror(-err));
		return err;
	}
	if (tt.is_bool) {
		bool b;

		if (parse_bool(val, &b))
			return usage_err(
				"can't set '%s' on '%s': '%s' is not a bool (use true or false)",
				m->name, p->name, val);
		v = b;
	} else if ((err = parse_int(val, &v, takes_sizes(m->name)))) {
		type_range(&tt, &lo, &hi);
		if (err == -ERANGE)
			return usage_err(
				"can't set '%s' on '%s': %s is out of range [%lld, %llu]",
				m->name, p->name, val, (long long)lo,
				(unsigned long long)hi);
		if (err == -EDOM)
			return usage_err(
				"can't set '%s' on '%s': '%s' has a leading 0 (octal?); "
				"write it in decimal, or in hex with 0x",
				m->name, p->name, val);
		if (err == -ENOTSUP)
			return usage_err(
				"can't set '%s' on '%s': '%s' has a size suffix; only "
				"*_bytes settings take k, M or G",
				m->name, p->name, val);
		return usage_err(
			"can't set '%s' on '%s': '%s' is not an integer (%s)",
			m->name, p->name, val, tunable_type_name(&tt));
	}
	type_range(&tt, &lo, &hi);
	/* the policy's own range, when it gives one, narrows the type's */
	if (!tt.is_bool && m->min < m->max) {
		if (m->min > lo)
			lo = m->min;
		if (m->max < hi)
			hi = m->max;
	}
	if (v < lo || v > hi)
		return usage_err(
			"can't set '%s' on '%s': %s is out of range [%lld, %llu]",
			m->name, p->name, val, (long long)lo,
			(unsigned long long)(hi < 0 ? 0 : hi));
	dst = rodata_var(p, &tt);
	if (!dst) {
		p_err("can't set '%s' on '%s': no .rodata map", m->name,
		      p->name);
		return -ENOENT;
	}
	switch (tt.size) {
	case 1:
		*(__u8 *)dst = (__u8)v;
		break;
	case 2:
		*(__u16 *)dst = (__u16)v;
		break;
	case 4:
		*(__u32 *)dst = (__u32)v;
		break;
	case 8:
		*(__u64 *)dst = (__u64)v;
		break;
	}
	return 0;
}

/*
 * The path of @path below the cgroup2 mount, as the kernel's cgroup_mkdir
 * tracepoint gives it ("/a/b"): what a setting follows. "" (the setting
 * then holds for this cgroup's id only) for a path too long to be a key
 * or not below the mount. A path not there yet (!@exists) is taken as
 * written, so it must be plain: -EINVAL for "." or "..".
 */
static int follow_key(const char *path, char *key, size_t len, bool exists)
{
	const char *mnt = cgroup2_mount(), *rel = path, *s;
	size_t n = strlen(mnt);
	char real[PATH_MAX], *out;

	memset(key, 0, len);
	if (exists && realpath(path, real))
		rel = real;
	if (!exists)
		for (s = strstr(path, "/."); s; s = strstr(s + 1, "/."))
			if (s[2] == '/' || !s[2] ||
			    (s[2] == '.' && (s[3] == '/' || !s[3])))
				return -EINVAL;
	if (strncmp(rel, mnt, n) || (rel[n] && rel[n] != '/'))
		return 0;
	/* "//a//b/" -> "/a/b" */
	out = key;
	for (s = rel + n; *s; s++) {
		if (*s == '/' && out > key && out[-1] == '/')
			continue;
		if ((size_t)(out - key) >= len - 1) {
			memset(key, 0, len);
			return 0;
		}
		*out++ = *s;
	}
	if (out > key + 1 && out[-1] == '/')
		*--out = '\0';
	return 0;
}

static int add_knob(struct policy *p, const struct oomkit_meta *m,
		    const char *val)
{
	struct knob_setting *k;
	char path[PATH_MAX], follow[256], *colon;
	int err;
	__int128 v = m->value;
	struct statfs sfs;
	struct stat st;

	/* refused, never truncated: a cut path may name another cgroup */
	if (strlen(val) >= sizeof(path))
		return usage_err(
			"can't set '%s' on '%s': cgroup path too long (at most %zu bytes)",
			m->name, p->name, sizeof(path) - 1);
	snprintf(path, sizeof(path), "%s", val);
	colon = strrchr(path, ':');
	if (m->value_from_arg) {
		if (!colon || parse_int(colon + 1, &v, takes_sizes(m->name)))
			return usage_err(
				"can't set '%s' on '%s': '%s' is not CGROUP_PATH:N",
				m->name, p->name, val);
		*colon = '\0';
		if ((m->min < m->max && (v < m->min || v > m->max)) ||
		    v < INT64_MIN || v > INT64_MAX)
			return usage_err(
				"can't set '%s' on '%s': %s is out of range [%lld, %lld]",
				m->name, p->name, colon + 1, (long long)m->min,
				(long long)m->max);
	}
	if (!path[0])
		return usage_err("can't set '%s' on '%s': no cgroup path given",
				 m->name, p->name);
	if (path[0] != '/') {
		/* relative to the cgroup2 mount, like systemd's cgroup paths */
		char abs[PATH_MAX];

		if (snprintf(abs, sizeof(abs), "%s/%s", cgroup2_mount(),
			     path) >= (int)sizeof(abs))
			return usage_err(
				"can't set '%s' on '%s': cgroup path too long (at most %zu bytes)",
				m->name, p->name, sizeof(path) - 1);
		memcpy(path, abs, sizeof(path));
	}
	if (stat(path, &st)) {
		err = -errno;
		/* kept by path: it applies from the cgroup's mkdir on */
		if (err == -ENOENT &&
		    !follow_key(path, follow, sizeof(follow), false) &&
		    follow[0]) {
			p_info("note: '%s=%s' on '%s': no such cgroup yet; it applies once it "
			       "is made",
			       m->name, path, p->name);
			st.st_ino = 0;
		} else {
			p_err("can't set '%s' on '%s': cgroup '%s' does not exist (%s)",
			      m->name, p->name, path, strerror(-err));
			return err;
		}
	} else if (!S_ISDIR(st.st_mode) || statfs(path, &sfs) ||
		   sfs.f_type != CGROUP2_SUPER_MAGIC) {
		p_err("can't set '%s' on '%s': '%s' is not a cgroup2 directory",
		      m->name, p->name, path);
		return -ENOTDIR;
	} else {
		/* a cgroup2 directory elsewhere than the mount: its id only */
		follow_key(path, follow, sizeof(follow), true);
	}
	/*
	 * The root is no cgroup to single out: its memcg and psi group are the
	 * system's, and a knob's meta cannot say a policy means that, so a
	 * setting on it is refused rather than guessed at.
	 */
	if (st.st_ino == CGROUP2_ROOT_ID)
		return usage_err(
			"can't set '%s' on '%s': '%s' is the cgroup2 root, not a cgroup "
			"below it; omit the setting for the system-wide behaviour",
			m->name, p->name, path);

	k = realloc(p->knobs, (p->nr_knobs + 1) * sizeof(*k));
	if (!k) {
		p_err("can't set '%s' on '%s': out of memory", m->name,
		      p->name);
		return -ENOMEM;
	}
	p->knobs = k;
	k += p->nr_knobs++;
	k->meta = m;
	snprintf(k->path, sizeof(k->path), "%s", path);
	memcpy(k->follow, follow, sizeof(k->follow));
	/* a cgroup2 directory's inode number is the cgroup id */
	k->cgroup_id = st.st_ino;
	k->value = (__s64)v;
	return 0;
}

static void list_keys(const struct policy *p, char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < p->nr_meta && off < len; i++) {
		if (p->meta[i].kind != OOMKIT_META_TUNABLE &&
		    p->meta[i].kind != OOMKIT_META_CGROUP_KNOB)
			continue;
		off += snprintf(buf + off, len - off, "%s%s", off ? ", " : "",
				p->meta[i].name);
	}
	if (!off)
		snprintf(buf, len, "none");
}

static const struct oomkit_meta *
policy_meta_n(const struct policy *p, __u32 kind, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < p->nr_meta; i++)
		if (p->meta[i].kind == kind &&
		    !strncmp(p->meta[i].name, name, n) && !p->meta[i].name[n])
			return &p->meta[i];
	return NULL;
}

static int apply_sets(struct policy *p, char **sets, int nr)
{
	char key[OOMKIT_NAME_LEN + 1], keys[512];
	const struct oomkit_meta *m;
	const char *eq;
	int i, err;

	for (i = 0; i < nr; i++) {
		eq = strchr(sets[i], '=');
		if (!eq || eq == sets[i])
			return usage_err(
				"can't parse '--set %s': expected KEY=VALUE",
				sets[i]);
		if ((size_t)(eq - sets[i]) >= sizeof(key)) {
			list_keys(p, keys, sizeof(keys));
			return usage_err(
				"can't set '%.*s' on '%s': no such tunable (keys: %s)",
				(int)(eq - sets[i]), sets[i], p->name, keys);
		}
		snprintf(key, sizeof(key), "%.*s", (int)(eq - sets[i]),
			 sets[i]);
		m = policy_meta(p, OOMKIT_META_TUNABLE, key);
		if (m) {
			err = set_tunable(p, m, eq + 1);
		} else {
			m = policy_meta(p, OOMKIT_META_CGROUP_KNOB, key);
			if (!m) {
				list_keys(p, keys, sizeof(keys));
				return usage_err(
					"can't set '%s' on '%s': no such tunable (keys: %s)",
					key, p->name, keys);
			}
			err = add_knob(p, m, eq + 1);
		}
		if (err)
			return err;
	}
	return 0;
}

int policy_apply_sets(struct policy *p, char **sets, int nr)
{
	return apply_sets(p, sets, nr);
}

int policy_parse_live_sets(struct policy *p, char **sets, int nr)
{
	const char *eq;
	int i;

	/* before any setting is parsed (and noted on): a tunable refuses them all */
	for (i = 0; i < nr; i++) {
		eq = strchr(sets[i], '=');
		if (!eq || eq == sets[i] || eq - sets[i] >= OOMKIT_NAME_LEN)
			continue;
		if (policy_meta_n(p, OOMKIT_META_TUNABLE, sets[i],
				  eq - sets[i]))
			return usage_err(
				"can't set '%.*s' on '%s': a tunable is fixed when the policy "
				"loads; reload it with the new value, or change the config and "
				"run 'oomkit apply'",
				(int)(eq - sets[i]), sets[i], p->name);
	}
	return apply_sets(p, sets, nr);
}

int knob_follow_key(const char *path, char *key, size_t len)
{
	struct stat st;

	return follow_key(path, key, len, !stat(path, &st));
}

struct bpf_map *knob_paths_map(const struct policy *p, const char *map)
{
	char name[OOMKIT_NAME_LEN + 8];

	snprintf(name, sizeof(name), "%s_paths", map);
	return bpf_object__find_map_by_name(p->obj, name);
}

static int write_knob(struct policy *p, const struct knob_setting *k,
		      bool by_path)
{
	struct bpf_map *map =
		bpf_object__find_map_by_name(p->obj, k->meta->map);
	int err;

	if (!map) {
		p_err("can't set '%s' on '%s': the object has no map '%s'",
		      k->meta->name, p->name, k->meta->map);
		return -ENOENT;
	}
	if (k->cgroup_id) {
		err = bpf_map__update_elem(map, &k->cgroup_id,
					   sizeof(k->cgroup_id), &k->value,
					   sizeof(k->value), BPF_ANY);
		if (err)
			goto fail;
	}
	map = knob_paths_map(p, k->meta->map);
	if (!by_path || !map || !k->follow[0])
		return 0;
	err = bpf_map__update_elem(map, k->follow, sizeof(k->follow), &k->value,
				   sizeof(k->value), BPF_ANY);
	if (!err)
		return 0;
fail:
	p_err("can't set '%s' on '%s': can't write map '%s': %s", k->meta->name,
	      p->name, bpf_map__name(map), libbpf_errstr(err));
	return err;
}

int policy_write_knobs(struct policy *p)
{
	size_t i;
	int err;

	for (i = 0; i < p->nr_knobs; i++) {
		err = write_knob(p, &p->knobs[i], true);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Once the mkdir followers are attached: a cgroup made at a set path
 * since the settings were parsed was missed by both, so look again.
 */
int policy_resolve_knobs(struct policy *p)
{
	char path[PATH_MAX];
	struct stat st;
	size_t i;
	int err;

	for (i = 0; i < p->nr_knobs; i++) {
		struct knob_setting *k = &p->knobs[i];

		if (!k->follow[0] || !knob_paths_map(p, k->meta->map))
			continue;
		snprintf(path, sizeof(path), "%s%s", cgroup2_mount(),
			 k->follow);
		if (stat(path, &st) || st.st_ino == k->cgroup_id)
			continue;
		k->cgroup_id = st.st_ino;
		err = write_knob(p, k, false);
		if (err)
			return err;
	}
	return 0;
}
