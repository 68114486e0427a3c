// SPDX-License-Identifier: GPL-2.0
/* oomkit policy show: attached policies, their handlers' BPF stats and counters. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "args.h"
#include "abi.h"
#include "annotations.h"
#include "bpf_stats.h"
#include "main.h"
#include "pins.h"
#include "policy.h"
#include "cmd_policy_show.h"
#include "cgpath.h"
#include "counters.h"
#include "live.h"
#include "scope.h"
#include "walltime.h"

#define MAX_HANDLERS 8

struct handler {
	char name[64]; /* the struct_ops member */
	__u32 prog_id;
	char prog_name[BPF_OBJ_NAME_LEN];
	__u64 run_cnt;
	__u64 run_time_ns;
	__u64 load_time; /* ns since boot */
};

struct ops_info {
	__u32 link_id;
	__u32 map_id;
	char map_name[NAME_MAX + 1];
	enum abi_kind kind;
	char type[32]; /* abi_kind_name(), "?" if unknown */
	char oom_policy[OOM_POLICY_NAME_LEN + 1];
	struct handler h[MAX_HANDLERS];
	int nr_h;
	int order; /* among OOM handlers, 1 = runs first; 0 = n/a */
	bool ours;
	bool detached;	/* a link that runs nothing any more */
	bool prog_link; /* a program's link (level 2's PSI), no map */
};

struct show_ctx {
	const struct btf *vmlinux;
	struct abi_links links;
};

static void prog_stats(struct handler *h)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd;

	fd = bpf_prog_get_fd_by_id(h->prog_id);
	if (fd < 0)
		return;
	if (!bpf_prog_get_info_by_fd(fd, &info, &len)) {
		snprintf(h->prog_name, sizeof(h->prog_name), "%s", info.name);
		h->run_cnt = info.run_cnt;
		h->run_time_ns = info.run_time_ns;
		h->load_time = info.load_time;
	}
	close(fd);
}

/*
 * A struct_ops map's value, read back with key 0, holds prog ids where the
 * function pointers were (what 'bpftool struct_ops dump' shows).
 */
static void describe_value(struct show_ctx *ctx, struct ops_info *o, int map_fd,
			   const struct bpf_map_info *minfo)
{
	char name[OOM_POLICY_NAME_LEN + 1];
	const struct btf_type *vt, *dt;
	const struct btf_member *m;
	__u32 data_off = 0, zero = 0, dtype = 0;
	bool found = false;
	char *val;
	int i;

	vt = btf__type_by_id(ctx->vmlinux, minfo->btf_vmlinux_value_type_id);
	if (!vt || !btf_is_struct(vt))
		return;
	m = btf_members(vt);
	for (i = 0; i < btf_vlen(vt); i++, m++) {
		if (!strcmp(btf__name_by_offset(ctx->vmlinux, m->name_off),
			    "data")) {
			data_off = m->offset / 8;
			dtype = m->type;
			dt = btf__type_by_id(ctx->vmlinux,
					     btf__resolve_type(ctx->vmlinux,
							       m->type));
			found = dt && btf_is_struct(dt);
			break;
		}
	}
	if (!found)
		return;
	val = calloc(1, minfo->value_size);
	if (!val)
		return;
	if (bpf_map_lookup_elem(map_fd, &zero, val))
		goto out;

	m = btf_members(dt);
	for (i = 0; i < btf_vlen(dt); i++, m++) {
		const char *mname =
			btf__name_by_offset(ctx->vmlinux, m->name_off);
		const struct btf_type *mt =
			btf__type_by_id(ctx->vmlinux, m->type);
		__u32 off = data_off + m->offset / 8;

		while (mt && (btf_is_typedef(mt) || btf_is_mod(mt)))
			mt = btf__type_by_id(ctx->vmlinux, mt->type);
		if (!mt || off >= minfo->value_size)
			continue;
		if (btf_is_ptr(mt)) {
			const struct btf_type *pt =
				btf__type_by_id(ctx->vmlinux, mt->type);
			struct handler *h;
			__u64 id;

			if (!pt || !btf_is_func_proto(pt) ||
			    off + 8 > minfo->value_size)
				continue;
			memcpy(&id, val + off, sizeof(id));
			if (!id || o->nr_h >= MAX_HANDLERS)
				continue;
			h = &o->h[o->nr_h++];
			snprintf(h->name, sizeof(h->name), "%s", mname);
			h->prog_id = (__u32)id;
			prog_stats(h);
		}
	}
	if (o->kind == ABI_KIND_OOM && data_off < minfo->value_size &&
	    abi_value_name(ctx->vmlinux, btf__resolve_type(ctx->vmlinux, dtype),
			   val + data_off, minfo->value_size - data_off, name,
			   sizeof(name)))
		snprintf(o->oom_policy, sizeof(o->oom_policy), "%s",
			 abi_reported_name(name));
out:
	free(val);
}

static int describe_map(struct show_ctx *ctx, __u32 map_id, struct ops_info *o)
{
	struct bpf_map_info minfo = {};
	__u32 len = sizeof(minfo);
	int fd;

	fd = bpf_map_get_fd_by_id(map_id);
	if (fd < 0)
		return -errno;
	if (bpf_map_get_info_by_fd(fd, &minfo, &len)) {
		close(fd);
		return -errno;
	}
	o->map_id = map_id;
	snprintf(o->map_name, sizeof(o->map_name), "%s", minfo.name);
	o->kind = abi_map_kind(NULL, NULL, &minfo);
	snprintf(o->type, sizeof(o->type), "%s", abi_kind_name(o->kind));
	if (o->kind != ABI_KIND_OTHER)
		describe_value(ctx, o, fd, &minfo);
	close(fd);
	return 0;
}

/*
 * A pinned "link-<program>" that is no struct_ops link: at level 2 a PSI
 * policy is programs (abi.h, ABI_PROG_PSI_TRACE), shown as one handler
 * each, named by the pin (the kernel keeps 15 characters of the name).
 */
static void describe_prog_link(struct ops_info *o,
			       const struct bpf_link_info *info,
			       const char *name)
{
	struct handler *h = &o->h[0];

	o->prog_link = true;
	o->kind = ABI_KIND_PSI;
	/* tp_btf programs: raw tracepoint links */
	snprintf(o->type, sizeof(o->type), "%s",
		 info->type == BPF_LINK_TYPE_RAW_TRACEPOINT ? "tracepoint" :
		 info->type == BPF_LINK_TYPE_TRACING	    ? "tracing" :
							      "link");
	snprintf(o->map_name, sizeof(o->map_name), "%s", name);
	o->nr_h = 1;
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->prog_id = info->prog_id;
	prog_stats(h);
}

static void print_ops(const struct ops_info *o)
{
	int i;

	if (json_output) {
		jsonw_start_object(json_wtr);
		if (o->prog_link) {
			jsonw_string_field(json_wtr, "program", o->map_name);
			jsonw_null_field(json_wtr, "map_id");
		} else {
			jsonw_string_field(json_wtr, "map", o->map_name);
			jsonw_uint_field(json_wtr, "map_id", o->map_id);
		}
		jsonw_string_field(json_wtr, "type", o->type);
		if (o->link_id)
			jsonw_uint_field(json_wtr, "link_id", o->link_id);
		else
			jsonw_null_field(json_wtr, "link_id");
		jsonw_bool_field(json_wtr, "detached", o->detached);
		if (o->kind == ABI_KIND_OOM) {
			jsonw_string_field(json_wtr, "oom_policy",
					   o->oom_policy);
			jsonw_uint_field(json_wtr, "attach_order", o->order);
		}
		jsonw_name(json_wtr, "handlers");
		jsonw_start_array(json_wtr);
		for (i = 0; i < o->nr_h; i++) {
			jsonw_start_object(json_wtr);
			jsonw_string_field(json_wtr, "name", o->h[i].name);
			jsonw_uint_field(json_wtr, "prog_id", o->h[i].prog_id);
			jsonw_string_field(json_wtr, "prog_name",
					   o->h[i].prog_name);
			jsonw_uint_field(json_wtr, "run_cnt", o->h[i].run_cnt);
			jsonw_uint_field(json_wtr, "run_time_ns",
					 o->h[i].run_time_ns);
			jsonw_end_object(json_wtr);
		}
		jsonw_end_array(json_wtr);
		jsonw_end_object(json_wtr);
		return;
	}
	if (o->prog_link)
		printf("    %s program %s: link %u", o->type, o->map_name,
		       o->link_id);
	else if (o->link_id)
		printf("    %s %s: map %u, link %u%s", o->type, o->map_name,
		       o->map_id, o->link_id, o->detached ? " (detached)" : "");
	else
		printf("    %s %s: map %u, not attached", o->type, o->map_name,
		       o->map_id);
	if (o->kind == ABI_KIND_OOM)
		printf(", attach order %d, oom_policy=%s", o->order,
		       o->oom_policy);
	printf("\n");
	for (i = 0; i < o->nr_h; i++)
		printf("        %-24s prog %-6u runs %-8llu run time %llu ns\n",
		       o->h[i].name, o->h[i].prog_id,
		       (unsigned long long)o->h[i].run_cnt,
		       (unsigned long long)o->h[i].run_time_ns);
}

/* Boot-time ns (bpf_prog_info.load_time) to wall-clock seconds. */
/*
 * The kernel copies value_size bytes per CPU into a lookup's buffer: a
 * pinned oomkit_stats is read only if it has the layout we size it for.
 */
static void print_counters(const char *dir)
{
	__u64 sums[OOMKIT_NR_STATS];
	char why[128] = "";
	__u32 i;
	int err;

	err = counters_read(dir, sums, why, sizeof(why));
	if (json_output) {
		jsonw_name(json_wtr, "stats");
		if (err) {
			jsonw_null(json_wtr);
			if (why[0])
				jsonw_string_field(json_wtr, "stats_error",
						   why);
			return;
		}
		jsonw_start_object(json_wtr);
	} else {
		if (err) {
			if (why[0])
				printf("    counters: unreadable: oomkit_stats is %s\n",
				       why);
			return;
		}
		printf("    counters:");
	}
	for (i = 0; i < OOMKIT_NR_STATS; i++) {
		if (json_output)
			jsonw_uint_field(json_wtr, counter_name(i), sums[i]);
		else
			printf("%s %s %llu", i ? "," : "", counter_name(i),
			       (unsigned long long)sums[i]);
	}
	if (json_output)
		jsonw_end_object(json_wtr);
	else
		printf("\n");
}

/* The slowest decision, and a trip (bpf/health.bpf.h); nothing for a policy without. */
static void print_health(const char *dir)
{
	struct oomkit_health h;
	char when[64] = "";

	if (health_read(dir, &h))
		return;
	if (h.tripped_ns)
		boot_to_wall_str(h.tripped_ns, false, when, sizeof(when));
	if (json_output) {
		jsonw_name(json_wtr, "health");
		jsonw_start_object(json_wtr);
		jsonw_uint_field(json_wtr, "worst_decision_ns", h.worst_ns);
		jsonw_bool_field(json_wtr, "tripped", h.tripped_ns);
		if (h.tripped_ns)
			jsonw_string_field(json_wtr, "tripped_at", when);
		jsonw_end_object(json_wtr);
		return;
	}
	printf("    health: worst decision %llu us%s%s%s\n",
	       (unsigned long long)h.worst_ns / 1000,
	       h.tripped_ns ? "; TRIPPED at " : "", when,
	       h.tripped_ns ? ": it passes every OOM on (max_fallbacks)" : "");
}

/* The links pinned in one of our dirs, described: how many, or -ENOMEM. */
static int dir_ops(struct show_ctx *ctx, const struct pin_dir *d,
		   struct ops_info **out)
{
	struct ops_info *v = NULL, *n;
	struct dirent *de;
	int nr = 0;
	DIR *dir;

	dir = opendir(d->path);
	if (!dir)
		return 0;
	while ((de = readdir(dir))) {
		struct bpf_link_info info = {};
		__u64 cgid;
		int fd;

		if (strncmp(de->d_name, PIN_LINK_PREFIX,
			    strlen(PIN_LINK_PREFIX)))
			continue;
		fd = pins_open(d->path, de->d_name);
		if (fd < 0)
			continue;
		if (abi_link_info(fd, &info, &cgid)) {
			close(fd);
			continue;
		}
		close(fd);
		n = realloc(v, (nr + 1) * sizeof(*v));
		if (!n) {
			closedir(dir);
			free(v);
			return -ENOMEM;
		}
		v = n;
		memset(&v[nr], 0, sizeof(v[nr]));
		v[nr].ours = true;
		v[nr].link_id = info.id;
		if (info.type != BPF_LINK_TYPE_STRUCT_OPS) {
			describe_prog_link(&v[nr], &info,
					   de->d_name +
						   strlen(PIN_LINK_PREFIX));
			nr++;
			continue;
		}
		v[nr].detached = abi_link_detached(&info, cgid);
		describe_map(ctx, info.struct_ops.map_id, &v[nr]);
		/* the kernel keeps 15 characters of a map name; the pin has it all */
		snprintf(v[nr].map_name, sizeof(v[nr].map_name), "%s",
			 de->d_name + strlen(PIN_LINK_PREFIX));
		if (v[nr].kind == ABI_KIND_OOM)
			v[nr].order =
				abi_run_order(&ctx->links, info.id, 0, NULL);
		nr++;
	}
	closedir(dir);
	*out = v;
	return nr;
}

/* One of our pin dirs and the struct_ops it holds. */
struct dir_view {
	struct ops_info *ops;
	int nr;
};

/*
 * Its --scope, and whether that cgroup is gone: level 2 then detached the
 * handler itself, level 1's filter matches no OOM any more (unload it).
 */
static void print_scope(const struct pin_dir *d)
{
	struct oomkit_scope s;
	const char *state = "";
	bool gone;

	scope_read(d->path, &s);
	gone = scope_removed(&s);
	if (gone)
		state = abi_scopes_in_kernel() ?
				"removed: the kernel detached the policy" :
				"removed: the policy handles no OOM; unload it";
	if (json_output) {
		jsonw_string_field(json_wtr, "scope",
				   s.cgroup_id ? s.path : "/");
		jsonw_bool_field(json_wtr, "scope_removed", gone);
		return;
	}
	if (s.cgroup_id)
		printf(gone ? "    scope: %s%s (%s)\n" : "    scope: %s%s%s\n",
		       cgroup2_mount(), s.path, state);
}

static void print_setting_word(const struct live_setting *s, char *buf,
			       size_t len)
{
	const char *key = s->meta ? s->meta->name : s->map;

	if (s->meta && !s->meta->value_from_arg)
		snprintf(buf, len, "%s=%s", key, s->path[0] ? s->path : "?");
	else
		snprintf(buf, len, "%s=%s:%lld", key,
			 s->path[0] ? s->path : "?", (long long)s->value);
}

/* The tunables' loaded values and the per-cgroup settings, from the pins. */
static void print_live(const struct pin_dir *d)
{
	struct live_policy lp;
	char why[256] = "", val[64], word[PATH_MAX + 96];
	size_t i;
	int err, n = 0;

	p_err_capture(why, sizeof(why));
	err = d->complete ? live_open(d->name, "show", &lp) : -ENOENT;
	p_err_capture(NULL, 0);
	if (err || !lp.has_meta) {
		if (!err)
			live_close(&lp);
		if (json_output) {
			jsonw_null_field(json_wtr, "tunables");
			jsonw_null_field(json_wtr, "settings");
		}
		return;
	}
	if (json_output) {
		jsonw_name(json_wtr, "tunables");
		jsonw_start_array(json_wtr);
	}
	for (i = 0; i < lp.p.nr_meta; i++) {
		const struct oomkit_meta *m = &lp.p.meta[i];

		if (m->kind != OOMKIT_META_TUNABLE)
			continue;
		live_tunable(&lp, m, val, sizeof(val));
		if (json_output) {
			jsonw_start_object(json_wtr);
			jsonw_string_field(json_wtr, "name", m->name);
			jsonw_string_field(json_wtr, "value", val);
			jsonw_end_object(json_wtr);
		} else {
			printf("%s%s=%s",
			       n++ ? ", " : "    tunables: ", m->name, val);
		}
	}
	if (json_output) {
		jsonw_end_array(json_wtr);
		jsonw_name(json_wtr, "settings");
		jsonw_start_array(json_wtr);
	} else if (n) {
		printf("\n");
	}
	for (i = 0; i < lp.nr_settings; i++) {
		const struct live_setting *s = &lp.settings[i];

		if (json_output) {
			jsonw_start_object(json_wtr);
			jsonw_string_field(json_wtr, "key",
					   s->meta ? s->meta->name : "");
			jsonw_string_field(json_wtr, "map", s->map);
			jsonw_string_field(json_wtr, "path", s->path);
			jsonw_int_field(json_wtr, "value", s->value);
			if (s->cgroup_id)
				jsonw_uint_field(json_wtr, "cgroup_id",
						 s->cgroup_id);
			else
				jsonw_null_field(json_wtr, "cgroup_id");
			jsonw_bool_field(json_wtr, "follows_path", s->by_path);
			jsonw_end_object(json_wtr);
			continue;
		}
		if (!i)
			printf("    settings:\n");
		print_setting_word(s, word, sizeof(word));
		if (s->cgroup_id)
			printf("        %s (cgroup id %llu%s)\n", word,
			       (unsigned long long)s->cgroup_id,
			       s->by_path ? "" : ", by id only");
		else
			printf("        %s (no cgroup there now)\n", word);
	}
	if (json_output)
		jsonw_end_array(json_wtr);
	live_close(&lp);
}

static void print_policy(const struct pin_dir *d, const struct dir_view *view)
{
	const struct ops_info *ops = view->ops;
	__u64 load_time = 0;
	char when[64] = "?";
	int nr = view->nr, i, order = 0;
	bool oom = false, psi = false;

	for (i = 0; i < nr; i++) {
		oom |= ops[i].kind == ABI_KIND_OOM;
		psi |= ops[i].kind == ABI_KIND_PSI;
		if (ops[i].order && (!order || ops[i].order < order))
			order = ops[i].order;
		if (ops[i].nr_h &&
		    (!load_time || ops[i].h[0].load_time < load_time))
			load_time = ops[i].h[0].load_time;
	}
	if (load_time)
		boot_to_wall_str(load_time, false, when, sizeof(when));

	if (json_output) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "name", d->name);
		jsonw_string_field(json_wtr, "pin_dir", d->path);
		jsonw_bool_field(json_wtr, "complete", d->complete);
		jsonw_string_field(json_wtr, "kind",
				   policy_kind_name(oom, psi));
		if (order)
			jsonw_uint_field(json_wtr, "attach_order", order);
		else
			jsonw_null_field(json_wtr, "attach_order");
		if (load_time) {
			jsonw_string_field(json_wtr, "loaded_at", when);
			jsonw_int_field(json_wtr, "loaded_at_unix",
					boot_to_wall_ns(load_time) /
						NSEC_PER_SEC);
		} else {
			jsonw_null_field(json_wtr, "loaded_at");
		}
		print_scope(d);
		jsonw_name(json_wtr, "struct_ops");
		jsonw_start_array(json_wtr);
		for (i = 0; i < nr; i++)
			print_ops(&ops[i]);
		jsonw_end_array(json_wtr);
		print_counters(d->path);
		print_health(d->path);
		print_live(d);
		annot_print(d->path);
		jsonw_end_object(json_wtr);
	} else {
		printf("%s%s  %s", d->name,
		       d->complete ? "" :
				     " (INCOMPLETE: an interrupted load; "
				     "'oomkit policy unload --all' removes it)",
		       oom || psi ? policy_kind_name(oom, psi) : "-");
		if (order)
			printf("  attach order %d", order);
		printf("  loaded %s\n", when);
		print_scope(d);
		for (i = 0; i < nr; i++)
			print_ops(&ops[i]);
		print_counters(d->path);
		print_health(d->path);
		print_live(d);
		annot_print(d->path);
	}
}

static bool in_list(const __u32 *v, size_t nr, __u32 id)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (v[i] == id)
			return true;
	return false;
}

/* OOM handler and PSI maps on the system that are not in our pins. */
static int print_foreign(struct show_ctx *ctx, const __u32 *ours,
			 size_t nr_ours)
{
	__u32 id = 0;
	int n = 0;

	while (!bpf_map_get_next_id(id, &id)) {
		struct bpf_map_info minfo = {};
		__u32 len = sizeof(minfo);
		struct ops_info o = {};
		int fd;

		if (in_list(ours, nr_ours, id))
			continue;
		fd = bpf_map_get_fd_by_id(id);
		if (fd < 0)
			continue;
		if (bpf_map_get_info_by_fd(fd, &minfo, &len) ||
		    abi_map_kind(NULL, NULL, &minfo) == ABI_KIND_OTHER) {
			close(fd);
			continue;
		}
		close(fd);
		describe_map(ctx, id, &o);
		o.order = abi_run_order(&ctx->links, 0, id, &o.link_id);
		if (!n++ && !json_output)
			printf("attached by other tools:\n");
		print_ops(&o);
	}
	return n;
}

int do_show(void)
{
	struct dir_view *views = NULL;
	struct show_ctx ctx = {};
	struct pin_dir *dirs = NULL;
	__u32 *ours = NULL;
	size_t nr = 0, nr_ours = 0, i;
	struct cmd_args a;
	int err, nf, j;

	err = parse_args("policy", "show", 0, &a);
	free_args(&a);
	if (err || a.help)
		return err;
	err = require_admin("show", "policies");
	if (err)
		return err;
	err = pins_list("show", "policies", &dirs, &nr);
	if (err)
		return err;
	/* without the kernel's BTF nothing can be described but the pins */
	ctx.vmlinux = abi_vmlinux_btf();
	err = abi_links_collect(&ctx.links);
	if (err)
		goto out_nomem;
	/* everything is gathered first: nothing is printed of a listing we can't finish */
	views = calloc(nr ? nr : 1, sizeof(*views));
	if (!views)
		goto out_nomem;
	for (i = 0; i < nr; i++) {
		__u32 *m;

		views[i].nr = dir_ops(&ctx, &dirs[i], &views[i].ops);
		if (views[i].nr < 0)
			goto out_nomem;
		m = realloc(ours, (nr_ours + views[i].nr + 1) * sizeof(*ours));
		if (!m)
			goto out_nomem;
		ours = m;
		for (j = 0; j < views[i].nr; j++)
			ours[nr_ours++] = views[i].ops[j].map_id;
	}

	if (json_output) {
		jsonw_start_object(json_wtr);
		jsonw_bool_field(json_wtr, "bpf_stats_enabled", bpf_stats_on());
		jsonw_name(json_wtr, "policies");
		jsonw_start_array(json_wtr);
	}
	for (i = 0; i < nr; i++)
		print_policy(&dirs[i], &views[i]);
	if (json_output) {
		jsonw_end_array(json_wtr);
		jsonw_name(json_wtr, "foreign");
		jsonw_start_array(json_wtr);
	}
	nf = print_foreign(&ctx, ours, nr_ours);
	if (json_output) {
		jsonw_end_array(json_wtr);
		jsonw_end_object(json_wtr);
	} else {
		if (!nr && !nf)
			printf("no policy attached\n");
		if ((nr || nf) && !bpf_stats_on())
			printf("note: BPF run-time statistics are off (kernel.bpf_stats_enabled=0): "
			       "run counts stay 0; 'policy load --stats' turns them on\n");
	}
out:
	for (i = 0; views && i < nr; i++)
		free(views[i].ops);
	free(views);
	free(ours);
	free(dirs);
	abi_links_free(&ctx.links);
	return err;

out_nomem:
	p_err("can't show 'policies': out of memory");
	err = -ENOMEM;
	goto out;
}
