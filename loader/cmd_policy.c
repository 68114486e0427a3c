// SPDX-License-Identifier: GPL-2.0
/* oomkit policy { list | load | show | set | unset | unload }: the handlers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "args.h"
#include "attach.h"
#include "bpf_stats.h"
#include "main.h"
#include "pins.h"
#include "policy.h"
#include "prepare.h"
#include "shadow.h"
#include "cmd_policy_set.h"
#include "cmd_policy_show.h"
#include "tunables.h"

static void print_meta_json(const struct policy *p)
{
	char val[64];
	size_t i;

	jsonw_name(json_wtr, "tunables");
	jsonw_start_array(json_wtr);
	for (i = 0; i < p->nr_meta; i++) {
		const struct oomkit_meta *m = &p->meta[i];
		struct tunable_type tt;

		if (m->kind != OOMKIT_META_TUNABLE)
			continue;
		tunable_type(p, m->name, &tt);
		tunable_format(p, m->name, val, sizeof(val));
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "name", m->name);
		jsonw_string_field(json_wtr, "type", tunable_type_name(&tt));
		jsonw_string_field(json_wtr, "default", val);
		jsonw_int_field(json_wtr, "min", m->min);
		jsonw_int_field(json_wtr, "max", m->max);
		jsonw_string_field(json_wtr, "doc", m->doc);
		jsonw_end_object(json_wtr);
	}
	jsonw_end_array(json_wtr);

	jsonw_name(json_wtr, "cgroup_knobs");
	jsonw_start_array(json_wtr);
	for (i = 0; i < p->nr_meta; i++) {
		const struct oomkit_meta *m = &p->meta[i];

		if (m->kind != OOMKIT_META_CGROUP_KNOB)
			continue;
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "name", m->name);
		jsonw_string_field(json_wtr, "map", m->map);
		jsonw_string_field(json_wtr, "syntax",
				   m->value_from_arg ? "CGROUP_PATH:N" :
						       "CGROUP_PATH");
		if (m->value_from_arg) {
			jsonw_int_field(json_wtr, "min", m->min);
			jsonw_int_field(json_wtr, "max", m->max);
		} else {
			jsonw_int_field(json_wtr, "value", m->value);
		}
		jsonw_string_field(json_wtr, "doc", m->doc);
		jsonw_end_object(json_wtr);
	}
	jsonw_end_array(json_wtr);
}

static void print_meta_plain(const struct policy *p)
{
	char val[64], range[64];
	size_t i;
	int n = 0;

	for (i = 0; i < p->nr_meta; i++) {
		const struct oomkit_meta *m = &p->meta[i];
		struct tunable_type tt;

		if (m->kind != OOMKIT_META_TUNABLE)
			continue;
		if (!n++)
			printf("    tunables:\n");
		tunable_type(p, m->name, &tt);
		tunable_format(p, m->name, val, sizeof(val));
		if (m->min < m->max && !tt.is_bool)
			snprintf(range, sizeof(range), "[%lld..%lld]",
				 (long long)m->min, (long long)m->max);
		else
			range[0] = '\0';
		printf("      %-24s %-4s = %-10s %-22s %s\n", m->name,
		       tunable_type_name(&tt), val, range, m->doc);
	}
	n = 0;
	for (i = 0; i < p->nr_meta; i++) {
		const struct oomkit_meta *m = &p->meta[i];
		char syntax[96];

		if (m->kind != OOMKIT_META_CGROUP_KNOB)
			continue;
		if (!n++)
			printf("    per-cgroup settings:\n");
		snprintf(syntax, sizeof(syntax), "%s=CGROUP%s", m->name,
			 m->value_from_arg ? ":N" : "");
		printf("      %-24s %s\n", syntax, m->doc);
	}
}

struct list_ctx {
	int nr;
};

static int list_one(const char *name, const char *path, bool builtin,
		    void *vctx)
{
	struct list_ctx *ctx = vctx;
	struct policy p = {};
	char why[1024] = "";
	int err;

	ctx->nr++;
	/* a refused drop-in is listed with its reason, not fatal to the list */
	p_err_capture(why, sizeof(why));
	if (builtin)
		err = src_resolve(name, &p.src, "open");
	else
		err = src_from_file(path, &p.src, "open", path);
	if (!err)
		err = policy_open_src(&p, "open", builtin ? name : path);
	p_err_capture(NULL, 0);

	if (json_output) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "name", err ? name : p.name);
		jsonw_string_field(json_wtr, "origin",
				   builtin ? "builtin" : "drop-in");
		jsonw_string_field(json_wtr, "source",
				   builtin ? "builtin" : path);
		if (err) {
			jsonw_string_field(json_wtr, "error", why);
		} else {
			jsonw_string_field(json_wtr, "kind", policy_kind(&p));
			if (p.has_oom)
				jsonw_string_field(json_wtr, "oom_policy",
						   p.oom_policy);
			else
				jsonw_null_field(json_wtr, "oom_policy");
			jsonw_string_field(json_wtr, "description", p.doc);
			print_meta_json(&p);
		}
		jsonw_end_object(json_wtr);
	} else if (err) {
		printf("%-20s %-5s %s\n    refused: %s\n", name, "-", path,
		       why);
	} else {
		printf("%-20s %-5s %s\n", p.name, policy_kind(&p),
		       builtin ? "built-in" : path);
		if (p.doc[0])
			printf("    %s\n", p.doc);
		if (p.has_oom)
			printf("    oom_policy=%s\n", p.oom_policy);
		print_meta_plain(&p);
	}
	policy_close(&p);
	return 0;
}

static int do_list(void)
{
	struct list_ctx ctx = {};
	struct cmd_args a;
	int err;

	err = parse_args("policy", "list", 0, &a);
	free_args(&a);
	if (err || a.help)
		return err;
	if (json_output)
		jsonw_start_array(json_wtr);
	err = src_for_each(list_one, &ctx);
	if (json_output)
		jsonw_end_array(json_wtr);
	else if (!ctx.nr)
		printf("no policies (none built in, none in %s)\n", policy_dir);
	return err;
}

static void print_loaded(const struct policy *p, const char *pin_dir, int stats)
{
	size_t i;

	if (!json_output) {
		printf("%s: loaded (%s, %s), pinned at %s\n", p->name,
		       policy_kind(p),
		       p->src.builtin ? "built-in" : p->src.path, pin_dir);
		if (p->has_oom)
			printf("oom_policy=%s\n", p->oom_policy);
		if (p->scope.cgroup_id)
			printf("scope %s: it handles the OOMs of this cgroup and below\n",
			       p->scope_dir);
		if (shadow_on(p))
			printf("shadow: it decides at each OOM and kills nothing; "
			       "'oomkit policy show' counts how its choices matched\n");
		if (stats > 0)
			p_info("note: turned on BPF run-time statistics for the whole machine "
			       "(kernel.bpf_stats_enabled=1), as --stats asks");
		return;
	}
	jsonw_start_object(json_wtr);
	jsonw_string_field(json_wtr, "name", p->name);
	jsonw_string_field(json_wtr, "kind", policy_kind(p));
	jsonw_string_field(json_wtr, "source",
			   p->src.builtin ? "builtin" : p->src.path);
	if (p->has_oom)
		jsonw_string_field(json_wtr, "oom_policy", p->oom_policy);
	else
		jsonw_null_field(json_wtr, "oom_policy");
	jsonw_string_field(json_wtr, "pin_dir", pin_dir);
	jsonw_string_field(json_wtr, "scope",
			   p->scope.cgroup_id ? p->scope.path : "/");
	jsonw_bool_field(json_wtr, "shadow", shadow_on(p));
	jsonw_name(json_wtr, "links");
	jsonw_start_array(json_wtr);
	for (i = 0; i < p->nr_links; i++) {
		struct bpf_link_info info = {};
		__u32 len = sizeof(info);

		bpf_link_get_info_by_fd(bpf_link__fd(p->links[i]), &info, &len);
		/* the handlers' attachments; the tracing followers are the policy's own business */
		if (info.type != BPF_LINK_TYPE_STRUCT_OPS)
			continue;
		jsonw_start_object(json_wtr);
		jsonw_uint_field(json_wtr, "link_id", info.id);
		jsonw_uint_field(json_wtr, "map_id", info.struct_ops.map_id);
		jsonw_end_object(json_wtr);
	}
	jsonw_end_array(json_wtr);
	jsonw_bool_field(json_wtr, "bpf_stats_enabled", bpf_stats_on());
	jsonw_end_object(json_wtr);
}

static void on_load_signal(int sig)
{
	attach_signal = sig;
}

/*
 * From the lock to the commit a signal must not kill us with a policy
 * attached and pinned in NAME~tmp: it is noted, and attach or commit rolls
 * back. Before that nothing is attached; after it the policy is loaded.
 */
static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_load_signal };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static int do_load(void)
{
	char tmp[PATH_MAX], final[PATH_MAX];
	struct policy p = {};
	bool made_tmp = false;
	struct cmd_args a;
	int err, stats = 0, lock_fd = -1;

	err = parse_args("policy", "load",
			 ARG_TARGET | ARG_SET | ARG_STATS | ARG_INSTANCE, &a);
	if (err || a.help)
		goto out_args;
	err = policy_prepare(&a, &p, "load");
	if (err)
		goto out;
	catch_signals();
	lock_fd = pins_lock("load", p.name, true);
	if (lock_fd < 0) {
		err = lock_fd;
		goto out;
	}
	/* again under the lock: another load may have committed since */
	err = pins_check_free(p.name, "load", true);
	err = err ?: policy_check_signal(&p, "load");
	if (err)
		goto out;
	/*
	 * Run counts and times in 'policy show' need the kernel's BPF stats,
	 * a switch for every BPF program of the machine: only when asked.
	 */
	if (a.stats) {
		stats = bpf_stats_enable();
		if (stats < 0) {
			p_err("can't load '%s': can't turn on BPF run-time statistics "
			      "(kernel.bpf_stats_enabled): %s",
			      p.name, strerror(-stats));
			err = stats;
			goto out;
		}
	}
	err = pins_create_tmp(p.name, "load", tmp, sizeof(tmp));
	if (err)
		goto out;
	made_tmp = true;
	err = policy_attach(&p, "load", tmp);
	err = err ?: policy_check_signal(&p, "load");
	err = err ?: pins_commit(p.name, "load");
	if (err)
		goto out;
	made_tmp = false;
	snprintf(final, sizeof(final), "%s/%s", OOMKIT_PIN_ROOT, p.name);
	print_loaded(&p, final, stats);
	policy_keep_links(&p);
out:
	if (made_tmp) {
		/* rollback: links first (detach), then whatever was pinned */
		policy_detach(&p);
		pins_remove_tmp(p.name);
	}
	/* a failed load leaves the system-wide stats as it found them */
	if (err && stats > 0)
		bpf_stats_restore();
	pins_unlock(lock_fd);
	policy_close(&p);
out_args:
	free_args(&a);
	return err;
}

static int do_unload(void)
{
	struct cmd_args a;
	int err;

	err = parse_args("policy", "unload", ARG_TARGET | ARG_ALL, &a);
	if (!err && !a.help)
		err = unload_policies(a.all ? NULL : a.target);
	free_args(&a);
	return err;
}

int unload_policies(const char *target)
{
	struct pin_dir *dirs = NULL;
	const char *what = target ? target : "--all";
	size_t nr = 0, i, n = 0;
	bool *done = NULL;
	int err, root_fd = -1;

	err = require_admin("unload", what);
	if (err)
		goto out;
	/* held across the scan and every removal: a load's ~tmp is never ours */
	root_fd = pins_lock("unload", what, false);
	if (root_fd < 0 && root_fd != -ENOENT) {
		err = root_fd;
		goto out;
	}
	/* no pin root: nothing to unload (and nothing to remove through) */
	err = root_fd < 0 ? 0 : pins_list("unload", what, &dirs, &nr);
	if (err)
		goto out;
	done = calloc(nr ? nr : 1, sizeof(*done));
	if (!done) {
		err = -ENOMEM;
		p_err("can't unload '%s': out of memory", what);
		goto out;
	}
	for (i = 0; i < nr; i++) {
		int e;

		if (target && strcmp(dirs[i].name, target))
			continue;
		n++;
		/* keep going on errors: --all cleans what it can */
		e = pins_remove(root_fd, dirs[i].entry);
		if (!e) {
			done[i] = true;
			continue;
		}
		p_err("can't unload '%s': can't remove %s: %s", dirs[i].name,
		      dirs[i].path, strerror(-e));
		err = e;
	}
	if (!n && target) {
		p_err("can't unload '%s': not loaded (see 'oomkit policy show')",
		      target);
		err = -ENOENT;
		goto out;
	}
	if (err)
		goto out;
	if (json_output) {
		jsonw_start_object(json_wtr);
		jsonw_name(json_wtr, "unloaded");
		jsonw_start_array(json_wtr);
	}
	for (i = 0; i < nr; i++) {
		if (!done[i])
			continue;
		if (json_output)
			jsonw_string(json_wtr, dirs[i].name);
		else
			printf("%s: unloaded%s\n", dirs[i].name,
			       dirs[i].complete ?
				       "" :
				       " (leftover of an interrupted load)");
	}
	if (json_output) {
		jsonw_end_array(json_wtr);
		jsonw_end_object(json_wtr);
	} else if (!n) {
		printf("nothing to unload\n");
	}
out:
	pins_unlock(root_fd);
	free(done);
	free(dirs);
	return err;
}

static int do_help(void)
{
	return print_help("policy", NULL);
}

static const struct cmd cmds[] = {
	{ "list", do_list },	      { "load", do_load },
	{ "show", do_show },	      { "set", do_policy_set },
	{ "unset", do_policy_unset }, { "unload", do_unload },
	{ "help", do_help },	      { NULL, NULL },
};

int do_policy(void)
{
	return cmd_select("policy", cmds, do_help);
}
