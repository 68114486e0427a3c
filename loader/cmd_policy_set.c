// SPDX-License-Identifier: GPL-2.0
/* oomkit policy set|unset: a loaded policy's per-cgroup settings changed in place. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "args.h"
#include "cgpath.h"
#include "cmd_policy_set.h"
#include "live.h"
#include "main.h"
#include "pins.h"
#include "tunables.h"

/* The pinned maps of one knob map, opened once per command. */
struct knob_fds {
	char map[OOMKIT_NAME_LEN];
	int ids, paths;
};

struct fd_cache {
	struct knob_fds v[16];
	int nr;
};

static int cache_get(struct fd_cache *fc, const struct live_policy *lp,
		     const char *map, const char *step,
		     const struct knob_fds **out)
{
	struct knob_fds *k;
	int i, err;

	for (i = 0; i < fc->nr; i++)
		if (!strcmp(fc->v[i].map, map)) {
			*out = &fc->v[i];
			return 0;
		}
	if (fc->nr == (int)ARRAY_SIZE(fc->v))
		return -E2BIG;
	k = &fc->v[fc->nr];
	err = live_knob_fds(lp, map, &k->ids, &k->paths);
	if (err) {
		p_err("can't %s on '%s': can't open its pinned map '%s' or '%s_paths' in %s: %s",
		      step, lp->p.name, map, map, lp->dir, strerror(-err));
		return err;
	}
	snprintf(k->map, sizeof(k->map), "%s", map);
	fc->nr++;
	*out = k;
	return 0;
}

static void cache_close(struct fd_cache *fc)
{
	int i;

	for (i = 0; i < fc->nr; i++) {
		close(fc->v[i].ids);
		close(fc->v[i].paths);
	}
}

/* Under the pin lock: a load, unload or apply is not halfway through it. */
static int open_loaded(const char *name, const char *step,
		       struct live_policy *lp, int *lock_fd)
{
	int err;

	err = require_admin(step, name);
	if (err)
		return err;
	*lock_fd = pins_lock(step, name, false);
	if (*lock_fd == -ENOENT) {
		p_err("can't %s '%s': not loaded (see 'oomkit policy show')",
		      step, name);
		return -ENOENT;
	}
	if (*lock_fd < 0)
		return *lock_fd;
	err = live_open(name, step, lp);
	if (!err && !lp->has_meta) {
		p_err("can't %s '%s': it was loaded without its metadata (no %s/%s, an older "
		      "oomkit); reload it to change its settings in place",
		      step, name, lp->dir, PIN_META);
		err = -ENOENT;
	}
	return err;
}

static int need_words(const struct cmd_args *a, const char *verb,
		      const char *what)
{
	if (a->nr_names < 1)
		return usage_err(
			"'policy %s' needs NAME and %s (see '%s policy %s --help')",
			verb, what, bin_name, verb);
	if (a->nr_names < 2)
		return usage_err(
			"'policy %s %s' needs at least one %s (see '%s policy %s --help')",
			verb, a->names[0], what, bin_name, verb);
	return 0;
}

static void print_done(const char *verb, const char *name, char **words, int nr)
{
	int i;

	if (json_output) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "name", name);
		jsonw_name(json_wtr, verb);
		jsonw_start_array(json_wtr);
		for (i = 0; i < nr; i++)
			jsonw_string(json_wtr, words[i]);
		jsonw_end_array(json_wtr);
		jsonw_end_object(json_wtr);
		return;
	}
	for (i = 0; i < nr; i++)
		printf("%s: %s %s\n", name, verb, words[i]);
}

int do_policy_set(void)
{
	struct live_policy lp = {};
	struct fd_cache fc = {};
	struct live_change c = {};
	struct cmd_args a;
	int err, lock_fd = -1;
	size_t i;

	err = parse_args("policy", "set", ARG_NAMES, &a);
	if (err || a.help)
		goto out_args;
	err = need_words(&a, "set", "KEY=VALUE");
	err = err ?: open_loaded(a.names[0], "set", &lp, &lock_fd);
	/* every setting parsed and checked before the first write */
	err = err ?: policy_parse_live_sets(&lp.p, a.names + 1, a.nr_names - 1);
	if (err)
		goto out;
	for (i = 0; i < lp.p.nr_knobs; i++) {
		const struct knob_setting *ks = &lp.p.knobs[i];
		const struct knob_fds *k;

		err = cache_get(&fc, &lp, ks->meta->map, "set", &k);
		if (err)
			goto undo;
		err = live_write_setting(&c, k->ids, k->paths, ks);
		if (err) {
			p_err("can't set '%s' on '%s': can't write its map '%s': %s; "
			      "nothing was changed",
			      ks->meta->name, lp.p.name, ks->meta->map,
			      strerror(-err));
			goto undo;
		}
	}
	print_done("set", lp.p.name, a.names + 1, a.nr_names - 1);
	goto out;
undo:
	live_change_undo(&c);
out:
	cache_close(&fc);
	live_change_free(&c);
	live_close(&lp);
	pins_unlock(lock_fd);
out_args:
	free_args(&a);
	return err;
}

/* KEY or KEY=PATH[:N]: the settings of @lp it names, marked in @hit. */
static int match_unset(const struct live_policy *lp, const char *word,
		       bool *hit)
{
	char key[OOMKIT_NAME_LEN + 1], path[PATH_MAX], follow[256];
	const struct oomkit_meta *m;
	const char *eq = strchr(word, '=');
	size_t klen = eq ? (size_t)(eq - word) : strlen(word), i;
	__u64 id = 0;
	struct stat st;
	int n = 0;

	if (!klen || klen >= sizeof(key))
		return usage_err(
			"can't unset '%s' on '%s': expected KEY or KEY=CGROUP_PATH",
			word, lp->p.name);
	snprintf(key, sizeof(key), "%.*s", (int)klen, word);
	if (policy_meta(&lp->p, OOMKIT_META_TUNABLE, key))
		return usage_err(
			"can't unset '%s' on '%s': a tunable is fixed when the policy loads; "
			"reload it, or change the config and run 'oomkit apply'",
			key, lp->p.name);
	m = policy_meta(&lp->p, OOMKIT_META_CGROUP_KNOB, key);
	if (!m)
		return usage_err(
			"can't unset '%s' on '%s': no such per-cgroup setting (see 'oomkit policy "
			"list')",
			key, lp->p.name);
	follow[0] = '\0';
	if (eq) {
		char *colon;

		if (!eq[1])
			return usage_err(
				"can't unset '%s' on '%s': no cgroup path given",
				word, lp->p.name);
		if (eq[1] == '/')
			snprintf(path, sizeof(path), "%s", eq + 1);
		else if (snprintf(path, sizeof(path), "%s/%s", cgroup2_mount(),
				  eq + 1) >= (int)sizeof(path))
			return usage_err(
				"can't unset '%s' on '%s': cgroup path too long",
				key, lp->p.name);
		/* CGROUP:N: the N does not matter to an unset */
		colon = strrchr(path, ':');
		if (m->value_from_arg && colon && colon[1] &&
		    strspn(colon + 1, "-+0123456789") == strlen(colon + 1))
			*colon = '\0';
		if (knob_follow_key(path, follow, sizeof(follow)))
			return usage_err(
				"can't unset '%s' on '%s': '.' or '..' in a path not there",
				word, lp->p.name);
		if (!stat(path, &st))
			id = st.st_ino;
	}
	for (i = 0; i < lp->nr_settings; i++) {
		const struct live_setting *s = &lp->settings[i];

		if (s->meta != m)
			continue;
		if (eq &&
		    !(s->by_path && follow[0] && !strcmp(s->path, follow)) &&
		    !(id && s->cgroup_id == id))
			continue;
		hit[i] = true;
		n++;
	}
	if (!n) {
		p_err("can't unset '%s' on '%s': not set (see 'oomkit policy show')",
		      word, lp->p.name);
		return -ENOENT;
	}
	return 0;
}

int do_policy_unset(void)
{
	struct live_policy lp = {};
	struct fd_cache fc = {};
	struct live_change c = {};
	bool *hit = NULL;
	struct cmd_args a;
	int err, lock_fd = -1, i;
	size_t j;

	err = parse_args("policy", "unset", ARG_NAMES, &a);
	if (err || a.help)
		goto out_args;
	err = need_words(&a, "unset", "KEY[=CGROUP_PATH]");
	err = err ?: open_loaded(a.names[0], "unset", &lp, &lock_fd);
	if (err)
		goto out;
	hit = calloc(lp.nr_settings ?: 1, sizeof(*hit));
	if (!hit) {
		p_err("can't unset on '%s': out of memory", lp.p.name);
		err = -ENOMEM;
		goto out;
	}
	for (i = 1; i < a.nr_names && !err; i++)
		err = match_unset(&lp, a.names[i], hit);
	if (err)
		goto out;
	for (j = 0; j < lp.nr_settings; j++) {
		const struct live_setting *s = &lp.settings[j];
		const struct knob_fds *k;
		char key[256] = "";

		if (!hit[j])
			continue;
		err = cache_get(&fc, &lp, s->map, "unset", &k);
		if (err)
			goto undo;
		if (s->by_path) {
			/* a _paths key is at most 255 bytes and NUL-padded */
			memcpy(key, s->path, strnlen(s->path, sizeof(key) - 1));
			err = live_change_delete(&c, k->paths, key,
						 sizeof(key));
		}
		if (!err && s->cgroup_id)
			err = live_change_delete(&c, k->ids, &s->cgroup_id,
						 sizeof(s->cgroup_id));
		if (err) {
			p_err("can't unset '%s' on '%s': can't write its map '%s': %s; "
			      "nothing was changed",
			      s->meta ? s->meta->name : s->map, lp.p.name,
			      s->map, strerror(-err));
			goto undo;
		}
	}
	print_done("unset", lp.p.name, a.names + 1, a.nr_names - 1);
	goto out;
undo:
	live_change_undo(&c);
out:
	cache_close(&fc);
	live_change_free(&c);
	free(hit);
	live_close(&lp);
	pins_unlock(lock_fd);
out_args:
	free_args(&a);
	return err;
}
