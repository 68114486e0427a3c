// SPDX-License-Identifier: GPL-2.0
/* oomkit apply: converge the loaded policies on oomkit.conf, with no unprotected moment. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "abi.h"
#include "args.h"
#include "attach.h"
#include "config.h"
#include "live.h"
#include "main.h"
#include "pins.h"
#include "plan.h"
#include "policy.h"
#include "scope.h"
#include "tunables.h"

/* One change of a kept policy's settings: a knob to write, or a setting to remove. */
struct setting_op {
	const struct knob_setting *set; /* NULL: remove @unset */
	const struct live_setting *unset;
};

struct target {
	const struct config_policy *cp; /* NULL: loaded, not configured */
	char name[NAME_MAX + 1];
	struct policy p; /* what the config gives (configured only) */
	struct live_policy lp;
	bool have_lp;
	struct setting_op *ops;
	size_t nr_ops;
	bool attached; /* a new instance attached under NAME~tmp */
	bool committed;
};

struct apply {
	const char *file;
	struct target *t;
	size_t nr;
	int root_fd;
};

struct first_order {
	const struct abi_links *links;
	int order;
};

static int note_order(int fd, const char *name, void *ctx)
{
	struct bpf_link_info info = {};
	struct first_order *f = ctx;
	__u32 len = sizeof(info);
	int o;

	(void)name;
	if (!bpf_link_get_info_by_fd(fd, &info, &len)) {
		o = abi_run_order(f->links, info.id, 0, NULL);
		if (o && (!f->order || o < f->order))
			f->order = o;
	}
	return 0;
}

/* The attach order of the first OOM handler pinned in @dir; 0 if none. */
static int loaded_order(const char *dir, const struct abi_links *links)
{
	struct first_order f = { .links = links };

	pins_each_link(dir, note_order, &f);
	return f.order;
}

static bool same_tunables(const struct target *t)
{
	struct bpf_map *map = bpf_object__find_map_by_name(t->p.obj, ".rodata");
	const void *want;
	size_t size = 0;

	if (!map)
		return !t->lp.rodata;
	want = bpf_map__initial_value(map, &size);
	return t->lp.rodata && want && size == t->lp.rodata_size &&
	       !memcmp(want, t->lp.rodata, size);
}

/* Whether the loaded instance came from the policy the section names. */
static bool same_policy(const struct target *t)
{
	const struct oomkit_meta *want, *have;

	want = policy_meta(&t->p, OOMKIT_META_POLICY, NULL);
	have = policy_meta(&t->lp.p, OOMKIT_META_POLICY, NULL);
	/* loaded by an older oomkit, without its meta: the tunables decide */
	return !have || (want && !strcmp(want->name, have->name));
}

/* Whether its scope is the configured cgroup (the same one, not a new one at the path). */
static bool same_scope(const struct target *t)
{
	struct oomkit_scope s;

	/* none pinned (an older oomkit's load): the whole system */
	scope_read(t->lp.dir, &s);
	return s.cgroup_id == t->p.scope.cgroup_id;
}

/* The setting of @lp for @k's cgroup (by path, or by id if it has no path key). */
static const struct live_setting *live_match(const struct live_policy *lp,
					     const struct knob_setting *k)
{
	size_t i;

	for (i = 0; i < lp->nr_settings; i++) {
		const struct live_setting *s = &lp->settings[i];

		if (strcmp(s->map, k->meta->map))
			continue;
		if (k->follow[0] ? s->by_path && !strcmp(s->path, k->follow) :
				   !s->by_path && s->cgroup_id == k->cgroup_id)
			return s;
	}
	return NULL;
}

static bool knob_same_key(const struct knob_setting *a,
			  const struct knob_setting *b)
{
	if (strcmp(a->meta->map, b->meta->map))
		return false;
	if (a->follow[0] || b->follow[0])
		return !strcmp(a->follow, b->follow);
	return a->cgroup_id == b->cgroup_id;
}

static int add_op(struct target *t, const struct knob_setting *set,
		  const struct live_setting *unset)
{
	struct setting_op *o = realloc(t->ops, (t->nr_ops + 1) * sizeof(*o));

	if (!o)
		return -ENOMEM;
	t->ops = o;
	o[t->nr_ops].set = set;
	o[t->nr_ops].unset = unset;
	t->nr_ops++;
	return 0;
}

/* A kept policy's settings: what to write and what to remove to match the config. */
static int diff_settings(struct target *t)
{
	size_t i, j;
	int err;

	for (i = 0; i < t->p.nr_knobs; i++) {
		const struct knob_setting *k = &t->p.knobs[i];
		const struct live_setting *s;
		bool later = false;

		/* the last Set= of a cgroup wins, as it does at load */
		for (j = i + 1; j < t->p.nr_knobs && !later; j++)
			later = knob_same_key(k, &t->p.knobs[j]);
		if (later)
			continue;
		s = live_match(&t->lp, k);
		if (s && s->value == k->value)
			continue;
		err = add_op(t, k, NULL);
		if (err)
			return err;
	}
	for (i = 0; i < t->lp.nr_settings; i++) {
		const struct live_setting *s = &t->lp.settings[i];
		bool wanted = false;

		for (j = 0; j < t->p.nr_knobs && !wanted; j++)
			wanted = live_match(&t->lp, &t->p.knobs[j]) == s;
		if (!wanted && (err = add_op(t, NULL, s)))
			return err;
	}
	return 0;
}

static void op_text(const struct setting_op *o, char *buf, size_t len)
{
	if (o->set) {
		const struct knob_setting *k = o->set;
		const char *path = k->follow[0] ? k->follow : k->path;

		if (k->meta->value_from_arg)
			snprintf(buf, len, "set %s=%s:%lld", k->meta->name,
				 path, (long long)k->value);
		else
			snprintf(buf, len, "set %s=%s", k->meta->name, path);
		return;
	}
	snprintf(buf, len, "unset %s=%s",
		 o->unset->meta ? o->unset->meta->name : o->unset->map,
		 o->unset->path[0] ? o->unset->path : "?");
}

/*
 * The section's policy, opened with its Set= applied: a mistake there is
 * the config's, reported at its line, as 'config check' does, exit 1.
 */
static int open_configured(const struct apply *ap,
			   const struct config_policy *cp, const char *arg,
			   struct policy *p)
{
	const struct config_pos *pos = &cp->policy_pos;
	char msg[1024] = "";
	int i, err;

	p_err_capture(msg, sizeof(msg));
	err = policy_open(arg, p, "load");
	/* the section names the instance, as --name does */
	if (!err)
		snprintf(p->name, sizeof(p->name), "%s", cp->name);
	if (!err && cp->scope) {
		pos = &cp->scope_pos;
		err = scope_resolve(p, cp->scope, "load");
	}
	for (i = 0; !err && i < cp->nr_sets; i++) {
		pos = &cp->set_pos[i];
		err = policy_apply_sets(p, &cp->sets[i], 1);
	}
	p_err_capture(NULL, 0);
	if (!err)
		return 0;
	p_err("can't apply '%s': %s:%d: %s; nothing was changed", ap->file,
	      pos->file, pos->line, msg);
	return -EINVAL;
}

/* Everything the plan needs, read without changing anything. */
static int gather(struct apply *ap, const struct config *c,
		  struct plan_item **items_out)
{
	struct abi_links links = {};
	struct pin_dir *dirs = NULL;
	struct plan_item *items;
	size_t nr_dirs = 0, i, j, n;
	int err;

	err = pins_list("apply", ap->file, &dirs, &nr_dirs);
	if (err)
		return err;
	if (abi_links_collect(&links)) {
		free(dirs);
		p_err("can't apply '%s': out of memory", ap->file);
		return -ENOMEM;
	}
	n = c->nr_policies + nr_dirs;
	ap->t = calloc(n ?: 1, sizeof(*ap->t));
	items = calloc(n ?: 1, sizeof(*items));
	if (!ap->t || !items) {
		err = -ENOMEM;
		p_err("can't apply '%s': out of memory", ap->file);
		goto out;
	}
	*items_out = items;
	for (i = 0; i < c->nr_policies; i++) {
		const struct config_policy *cp = &c->policies[i];
		const char *arg = cp->policy ? cp->policy : cp->name;
		struct target *t = &ap->t[ap->nr++];
		struct plan_item *it = &items[i];

		t->cp = cp;
		snprintf(t->name, sizeof(t->name), "%s", cp->name);
		err = open_configured(ap, cp, arg, &t->p);
		if (err)
			goto out;
		it->name = t->name;
		it->configured = true;
		it->oom = t->p.has_oom;
		/* level 2 runs each scope cgroup's handlers in their own order */
		it->run_list = abi_scopes_in_kernel() ? t->p.scope.cgroup_id :
							0;
		for (j = 0; j < nr_dirs; j++)
			if (dirs[j].complete && !strcmp(dirs[j].name, t->name))
				break;
		if (j == nr_dirs)
			continue;
		it->loaded = true;
		err = live_open(t->name, "apply", &t->lp);
		if (err)
			goto out;
		t->have_lp = true;
		/* its place in its run list (abi_run_order()) */
		it->order = loaded_order(dirs[j].path, &links);
		it->oom = it->order > 0;
		it->comparable =
			t->lp.has_meta &&
			(t->lp.rodata ||
			 !bpf_object__find_map_by_name(t->p.obj, ".rodata"));
		it->same_tunables = it->comparable && same_tunables(t);
		it->policy_changed = !same_policy(t);
		it->scope_changed = !same_scope(t);
	}
	/* loaded and not configured (leftovers of an interrupted load too) */
	for (j = 0; j < nr_dirs; j++) {
		struct target *t;
		bool configured = false;

		for (i = 0; i < c->nr_policies && !configured; i++)
			configured = dirs[j].complete &&
				     !strcmp(dirs[j].name, c->policies[i].name);
		if (configured)
			continue;
		t = &ap->t[ap->nr];
		snprintf(t->name, sizeof(t->name), "%s", dirs[j].entry);
		items[ap->nr].name = t->name;
		items[ap->nr].loaded = true;
		ap->nr++;
	}
out:
	abi_links_free(&links);
	free(dirs);
	return err;
}

static void print_plan(const struct apply *ap, const struct plan_item *items,
		       size_t changes, bool dry)
{
	char text[PATH_MAX + 128];
	size_t i, j;

	if (json_output) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "config", ap->file);
		jsonw_bool_field(json_wtr, "dry_run", dry);
		jsonw_uint_field(json_wtr, "changes", changes);
		jsonw_name(json_wtr, "plan");
		jsonw_start_array(json_wtr);
	} else if (!changes) {
		printf("nothing to change: the loaded policies are what %s says\n",
		       ap->file);
		return;
	} else {
		printf(dry ? "%s: the plan (--dry-run: nothing changed)\n" :
			     "%s: applied\n",
		       ap->file);
	}
	for (i = 0; i < ap->nr; i++) {
		const struct target *t = &ap->t[i];
		const struct plan_item *it = &items[i];

		if (!it->configured && !it->loaded)
			continue;
		if (json_output) {
			jsonw_start_object(json_wtr);
			jsonw_string_field(json_wtr, "name", t->name);
			jsonw_string_field(json_wtr, "action",
					   plan_action_name(it->action));
			if (it->why)
				jsonw_string_field(json_wtr, "why",
						   plan_why_text(it->why));
			else
				jsonw_null_field(json_wtr, "why");
			jsonw_name(json_wtr, "settings");
			jsonw_start_array(json_wtr);
			for (j = 0; j < t->nr_ops; j++) {
				op_text(&t->ops[j], text, sizeof(text));
				jsonw_string(json_wtr, text);
			}
			jsonw_end_array(json_wtr);
			jsonw_end_object(json_wtr);
			continue;
		}
		if (it->action == PLAN_KEEP && !t->nr_ops)
			printf("%s: keep\n", t->name);
		else if (it->action == PLAN_KEEP)
			printf("%s: keep, settings in place\n", t->name);
		else
			printf("%s: %s (%s)\n", t->name,
			       plan_action_name(it->action),
			       plan_why_text(it->why));
		for (j = 0; j < t->nr_ops; j++) {
			op_text(&t->ops[j], text, sizeof(text));
			printf("    %s\n", text);
		}
	}
	if (json_output) {
		jsonw_end_array(json_wtr);
		jsonw_end_object(json_wtr);
	}
}

static int write_ops(struct apply *ap, struct target *t, struct live_change *c)
{
	size_t i;
	int err = 0;

	for (i = 0; i < t->nr_ops && !err; i++) {
		const struct setting_op *o = &t->ops[i];
		const char *map = o->set ? o->set->meta->map : o->unset->map;
		int ids, paths;

		err = live_knob_fds(&t->lp, map, &ids, &paths);
		if (err) {
			p_err("can't apply '%s': can't open the maps '%s' of '%s': %s",
			      ap->file, map, t->name, strerror(-err));
			return err;
		}
		if (o->set) {
			err = live_write_setting(c, ids, paths, o->set);
		} else {
			char key[256] = "";

			if (o->unset->by_path) {
				memcpy(key, o->unset->path,
				       strnlen(o->unset->path,
					       sizeof(key) - 1));
				err = live_change_delete(c, paths, key,
							 sizeof(key));
			}
			if (!err && o->unset->cgroup_id)
				err = live_change_delete(
					c, ids, &o->unset->cgroup_id,
					sizeof(o->unset->cgroup_id));
		}
		/* the fds stay open: the undo log writes back through them */
		if (err) {
			p_err("can't apply '%s': can't change the settings of '%s' (map '%s'): %s",
			      ap->file, t->name, map, strerror(-err));
			return err;
		}
	}
	return 0;
}

/* After a failure: the new instances go, the settings come back, the rest never moved. */
static void roll_back(struct apply *ap, struct live_change *c)
{
	size_t i, n = 0;

	live_change_undo(c);
	for (i = 0; i < ap->nr; i++) {
		struct target *t = &ap->t[i];

		if (!t->attached || t->committed)
			continue;
		policy_detach(&t->p);
		pins_remove_tmp(t->name);
		t->attached = false;
	}
	fprintf(stderr, "%s: kept the previous state: ", bin_name);
	for (i = 0; i < ap->nr; i++)
		if (ap->t[i].have_lp || !ap->t[i].cp)
			fprintf(stderr, "%s%s", n++ ? ", " : "", ap->t[i].name);
	fprintf(stderr, "%s\n",
		n ? " stay loaded as they were" : "nothing loaded");
}

static int execute(struct apply *ap, struct plan_item *items)
{
	struct live_change c = {};
	char tmp[PATH_MAX];
	size_t i;
	int err = 0;

	/* 1. the new instances in the kernel, verified: nothing runs yet */
	for (i = 0; i < ap->nr && !err; i++) {
		struct target *t = &ap->t[i];

		if (items[i].action != PLAN_LOAD &&
		    items[i].action != PLAN_REPLACE)
			continue;
		err = policy_check_kernel(&t->p, "apply");
		err = err ?: policy_load(&t->p, "apply");
		err = err ?: policy_write_knobs(&t->p);
		err = err ?: scope_write(&t->p, "apply");
	}
	if (err)
		goto fail;
	/* leftovers of an interrupted load hold a NAME~tmp a new instance needs */
	for (i = 0; i < ap->nr; i++)
		if (items[i].action == PLAN_UNLOAD &&
		    strstr(ap->t[i].name, PIN_TMP_SUFFIX))
			pins_remove(ap->root_fd, ap->t[i].name);
	/* 2. attached in the config's order under NAME~tmp, beside the old ones */
	for (i = 0; i < ap->nr && !err; i++) {
		struct target *t = &ap->t[i];

		if (items[i].action != PLAN_LOAD &&
		    items[i].action != PLAN_REPLACE)
			continue;
		err = pins_create_tmp(t->name, "apply", tmp, sizeof(tmp));
		if (err)
			break;
		t->attached = true;
		err = policy_attach(&t->p, "apply", tmp);
	}
	/* 3. the kept ones' settings in place */
	for (i = 0; i < ap->nr && !err; i++)
		if (items[i].action == PLAN_KEEP && ap->t[i].nr_ops)
			err = write_ops(ap, &ap->t[i], &c);
	if (err)
		goto fail;
	/* 4. each old instance detached only now, its new one renamed into place */
	for (i = 0; i < ap->nr; i++) {
		struct target *t = &ap->t[i];
		int e = 0;

		if (!t->attached)
			continue;
		if (items[i].action == PLAN_REPLACE)
			e = pins_remove(ap->root_fd, t->name);
		e = e ?: pins_commit(t->name, "apply");
		if (e) {
			p_err("can't apply '%s': can't put '%s' in place: %s; its new "
			      "instance stays attached under %s/%s" PIN_TMP_SUFFIX,
			      ap->file, t->name, strerror(-e), OOMKIT_PIN_ROOT,
			      t->name);
			err = err ?: e;
		}
		t->committed = true;
		policy_keep_links(&t->p);
	}
	/* 5. what the config no longer names, once its successors run */
	for (i = 0; i < ap->nr; i++) {
		int e;

		if (items[i].action != PLAN_UNLOAD)
			continue;
		e = pins_remove(ap->root_fd, ap->t[i].name);
		if (e) {
			p_err("can't apply '%s': can't unload '%s': %s",
			      ap->file, ap->t[i].name, strerror(-e));
			err = err ?: e;
		}
	}
	live_change_free(&c);
	return err;
fail:
	roll_back(ap, &c);
	live_change_free(&c);
	return err;
}

static void print_config_errors(const struct config *c)
{
	size_t i;

	for (i = 0; i < c->nr_errors; i++)
		fprintf(stderr, "%s\n", c->errors[i].text);
}

int do_apply(void)
{
	struct apply ap = { .file = OOMKIT_DEFAULT_CONFIG, .root_fd = -1 };
	struct plan_item *items = NULL;
	struct config c = {};
	struct cmd_args a;
	size_t i, changes;
	int err;

	err = parse_args(NULL, "apply", ARG_APPLY, &a);
	if (err || a.help)
		goto out_args;
	if (a.config)
		ap.file = a.config;
	err = require_admin("apply", ap.file);
	if (err)
		goto out_args;
	err = config_read(ap.file, &c);
	if (!err && c.nr_errors) {
		if (!json_output)
			print_config_errors(&c);
		p_err("can't apply '%s': %zu mistake%s in the configuration (above; "
		      "'oomkit config check' lists them); nothing was changed",
		      ap.file, c.nr_errors, c.nr_errors == 1 ? "" : "s");
		err = -EINVAL;
		goto out;
	}
	if (err) {
		p_err("can't apply '%s': %s", ap.file, strerror(-err));
		goto out;
	}
	/* one oomkit at a time from the first look to the last change */
	ap.root_fd = pins_lock("apply", ap.file, !a.dry_run);
	if (ap.root_fd < 0 && !(a.dry_run && ap.root_fd == -ENOENT)) {
		err = ap.root_fd;
		goto out;
	}
	err = gather(&ap, &c, &items);
	if (err)
		goto out;
	changes = plan_compute(items, ap.nr);
	for (i = 0; i < ap.nr && !err; i++)
		if (items[i].action == PLAN_KEEP && items[i].configured)
			err = diff_settings(&ap.t[i]);
	if (err) {
		p_err("can't apply '%s': out of memory", ap.file);
		goto out;
	}
	for (i = 0; i < ap.nr; i++)
		changes += items[i].action == PLAN_KEEP && ap.t[i].nr_ops;
	if (a.dry_run || !changes) {
		print_plan(&ap, items, changes, a.dry_run);
		goto out;
	}
	err = execute(&ap, items);
	if (!err)
		print_plan(&ap, items, changes, false);
out:
	for (i = 0; ap.t && i < ap.nr; i++) {
		struct target *t = &ap.t[i];

		if (t->attached && !t->committed) {
			policy_detach(&t->p);
			pins_remove_tmp(t->name);
		}
		policy_close(&t->p);
		if (t->have_lp)
			live_close(&t->lp);
		free(t->ops);
	}
	free(ap.t);
	free(items);
	pins_unlock(ap.root_fd);
	config_free(&c);
out_args:
	free_args(&a);
	return err;
}

/* What 'systemctl stop oomkit' runs: unload every policy, unless the config keeps them. */
int do_stop(void)
{
	const char *file = OOMKIT_DEFAULT_CONFIG;
	struct config c = {};
	struct cmd_args a;
	int err;

	err = parse_args(NULL, "stop", ARG_APPLY, &a);
	if (err || a.help)
		goto out_args;
	if (a.dry_run) {
		err = usage_err(
			"'stop' takes no --dry-run (see '%s stop --help')",
			bin_name);
		goto out_args;
	}
	if (a.config)
		file = a.config;
	err = config_read(file, &c);
	if (!err && !c.nr_errors && c.keep_on_stop) {
		if (json_output) {
			jsonw_start_object(json_wtr);
			jsonw_bool_field(json_wtr, "kept", true);
			jsonw_end_object(json_wtr);
		} else {
			printf("keeping the loaded policies: OnStop=keep in %s\n",
			       file);
		}
		goto out;
	}
	/* a config that can't be read keeps no policy: the default holds */
	if (err || c.nr_errors)
		p_info("note: can't read OnStop= from %s ('oomkit config check' says why); "
		       "unloading, as OnStop=unload does",
		       file);
	err = unload_policies(NULL);
out:
	config_free(&c);
out_args:
	free_args(&a);
	return err;
}
