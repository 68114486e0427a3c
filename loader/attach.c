// SPDX-License-Identifier: GPL-2.0
/* Kernel check, load (with the verifier's tail on failure), attach and pin, with rollback. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "abi.h"
#include "annotations.h"
#include "shadow.h"
#include "attach.h"
#include "main.h"
#include "pins.h"
#include "policy.h"
#include "scope.h"
#include "tunables.h"

#define VERIFIER_TAIL_LINES 20

int policy_check_kernel(const struct policy *p, const char *step)
{
	char why[384];
	int err = 0;

	if (p->has_oom)
		err = abi_check_kind(ABI_KIND_OOM, why, sizeof(why));
	if (!err && p->has_psi)
		err = abi_check_kind(ABI_KIND_PSI, why, sizeof(why));
	if (err)
		p_err("can't %s '%s': %s", step, p->name, why);
	return err;
}

/*
 * One log buffer lent to every program. libbpf loads a program without a log
 * and asks for one (log_level 1) only once the kernel refused it, then stops:
 * only the failing program writes here, and malloc() leaves the pages of a
 * passing load untouched. 16 MiB is the size libbpf itself starts with
 * (BPF_LOG_BUF_SIZE). It grows only a buffer of its own on ENOSPC; with ours,
 * a longer log still keeps its end (the kernel's log rotates since 6.4),
 * which is the part shown, though the load then fails with ENOSPC.
 */
#define VERIFIER_LOG_SIZE (16U << 20)

/* The last VERIFIER_TAIL_LINES lines of @log: on stderr, or as JSON. */
static void print_verifier_tail(const char *log)
{
	const char *end = log + strlen(log), *p;
	int lines = 0;

	/* walk back VERIFIER_TAIL_LINES newlines from the end */
	for (p = end; p > log; p--) {
		if (p[-1] == '\n' && p != end && ++lines == VERIFIER_TAIL_LINES)
			break;
	}
	if (json_output) {
		const char *l = p;

		jsonw_name(json_wtr, "verifier_log");
		jsonw_start_array(json_wtr);
		while (l < end) {
			const char *nl = memchr(l, '\n', end - l);
			char line[512];
			size_t n = nl ? (size_t)(nl - l) : (size_t)(end - l);

			snprintf(line, sizeof(line), "%.*s", (int)n, l);
			jsonw_string(json_wtr, line);
			l += n + 1;
		}
		jsonw_end_array(json_wtr);
		return;
	}
	fprintf(stderr, "%s verifier log (last %d lines):\n", bin_name,
		VERIFIER_TAIL_LINES);
	fwrite(p, 1, end - p, stderr);
}

/*
 * libbpf names the refused program; else (an older libbpf's words) the
 * first one not loaded, as programs load in object order and the first
 * refusal stops the load.
 */
static const char *failed_prog_name(const struct policy *p)
{
	struct bpf_program *prog;

	if (libbpf_failed_prog()[0])
		return libbpf_failed_prog();
	bpf_object__for_each_program(prog, p->obj)
		if (bpf_program__autoload(prog) && bpf_program__fd(prog) < 0)
			return bpf_program__name(prog);
	return "";
}

static int report_verifier(const struct policy *p, const char *step,
			   const char *log, int err)
{
	const char *prog = failed_prog_name(p);
	char why[1024];

	if (debug_output)
		fprintf(stderr, "%s: verifier log of program '%s':\n%s",
			bin_name, prog, log);
	if (json_output) {
		jsonw_start_object(json_wtr);
		jsonw_name(json_wtr, "error");
		snprintf(
			why, sizeof(why),
			"can't %s '%s': the verifier rejected program '%s' (%s)",
			step, p->name, prog, libbpf_errstr(err));
		jsonw_string(json_wtr, why);
		print_verifier_tail(log);
		jsonw_end_object(json_wtr);
		return err;
	}
	print_verifier_tail(log);
	p_err("can't %s '%s': the verifier rejected program '%s' (%s); the log's tail is above, "
	      "-d prints all of it",
	      step, p->name, prog, libbpf_errstr(err));
	return err;
}

int policy_load(struct policy *p, const char *step)
{
	struct bpf_program *prog;
	char *log;
	int err;

	log = malloc(VERIFIER_LOG_SIZE);
	if (!log) {
		p_err("can't %s '%s': out of memory for the verifier log", step,
		      p->name);
		return -ENOMEM;
	}
	log[0] = '\0';
	bpf_object__for_each_program(prog, p->obj)
		bpf_program__set_log_buf(prog, log, VERIFIER_LOG_SIZE);
	libbpf_warn_reset();
	err = bpf_object__load(p->obj);
	/* libbpf reads the buffer only during the load */
	if (err && log[0])
		report_verifier(p, step, log, err);
	else if (err)
		p_err("can't %s '%s': %s (%s)", step, p->name,
		      libbpf_last_warn(), libbpf_errstr(err));
	free(log);
	return err;
}

volatile sig_atomic_t attach_signal;

int policy_check_signal(const struct policy *p, const char *step)
{
	if (!attach_signal)
		return 0;
	p_err("can't %s '%s': interrupted by %s before the commit; rolled back",
	      step, p->name, strsignal(attach_signal));
	return -EINTR;
}

static int pin_map(const struct policy *p, const char *dir, const char *name,
		   const char *step, bool must)
{
	struct bpf_map *map = bpf_object__find_map_by_name(p->obj, name);
	char path[PATH_MAX];
	int err;

	if (!map) {
		if (!must)
			return 0;
		p_err("can't %s '%s': the object has no map '%s'", step,
		      p->name, name);
		return -ENOENT;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	err = bpf_map__pin(map, path);
	if (err)
		p_err("can't %s '%s': can't pin map '%s' at %s: %s", step,
		      p->name, name, path, libbpf_errstr(err));
	return err;
}

/*
 * The .oomkit.meta records as a frozen array map beside the pins: what
 * 'policy set' and 'policy show' decode the pinned maps with, even when
 * the drop-in file it came from is gone or changed since.
 */
static int pin_meta(const struct policy *p, const char *dir, const char *step)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_RDONLY_PROG);
	char path[PATH_MAX];
	__u32 i, nr = p->nr_meta ? p->nr_meta : 1;
	int fd, err = 0;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, PIN_META, sizeof(__u32),
			    sizeof(struct oomkit_meta), nr, &opts);
	if (fd < 0) {
		err = -errno;
		goto fail;
	}
	for (i = 0; !err && i < p->nr_meta; i++)
		if (bpf_map_update_elem(fd, &i, &p->meta[i], BPF_ANY))
			err = -errno;
	if (!err && bpf_map_freeze(fd))
		err = -errno;
	snprintf(path, sizeof(path), "%s/%s", dir, PIN_META);
	if (!err && bpf_obj_pin(fd, path))
		err = -errno;
	close(fd);
	if (!err)
		return 0;
fail:
	p_err("can't %s '%s': can't pin its metadata as %s/%s: %s", step,
	      p->name, dir, PIN_META, strerror(-err));
	return err;
}

/* The loaded .rodata, for the tunables' values in 'policy show' and 'apply'. */
static int pin_rodata(const struct policy *p, const char *dir, const char *step)
{
	struct bpf_map *map = bpf_object__find_map_by_name(p->obj, ".rodata");
	char path[PATH_MAX];
	int err;

	if (!map)
		return 0;
	snprintf(path, sizeof(path), "%s/%s", dir, PIN_RODATA);
	err = bpf_map__pin(map, path);
	if (err)
		p_err("can't %s '%s': can't pin map '.rodata' at %s: %s", step,
		      p->name, path, libbpf_errstr(err));
	return err;
}

/*
 * Whether @map's value holds a bpf_wq or a bpf_timer (a member of its
 * own, as the kernel's BTF record finds them). The kernel arms neither in
 * a map that no user-space reference or pin holds (-EPERM: nothing would
 * cancel it), so a policy that pins and exits must pin such a map.
 */
static bool holds_async(const struct policy *p, const struct bpf_map *map)
{
	const struct btf *btf = bpf_object__btf(p->obj);
	const struct btf_type *t, *mt;
	const struct btf_member *m;
	const char *name;
	int i;

	t = btf ? btf__type_by_id(btf, bpf_map__btf_value_type_id(map)) : NULL;
	if (!t || !btf_is_struct(t))
		return false;
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++) {
		int id = btf__resolve_type(btf, m->type);

		mt = id > 0 ? btf__type_by_id(btf, id) : NULL;
		if (!mt || !btf_is_struct(mt))
			continue;
		name = btf__name_by_offset(btf, mt->name_off);
		if (name &&
		    (!strcmp(name, "bpf_wq") || !strcmp(name, "bpf_timer")))
			return true;
	}
	return false;
}

/*
 * Programs that keep per-cgroup state in step with the cgroups: settings
 * with their paths (bpf/knobs.bpf.h), annotations with their xattrs
 * (bpf/annotations.bpf.h); and those in step with the kernel's kills,
 * for shadow and health (OOMKIT_KILL_HOOKS(), bpf/health.bpf.h).
 */
static bool is_follower(const struct bpf_program *prog)
{
	const char *sec = bpf_program__section_name(prog);

	/* a PSI policy's level-2 rmdir program shares the section (abi.h) */
	if (!bpf_program__autoload(prog) ||
	    abi_prog_role(prog) != ABI_PROG_NONE)
		return false;
	return !strcmp(sec, "tp_btf/cgroup_mkdir") ||
	       !strcmp(sec, "tp_btf/cgroup_rmdir") || annot_is_hook(prog) ||
	       shadow_is_hook(prog);
}

static int attach_prog(struct policy *p, struct bpf_program *prog,
		       const char *step, const char *pin_dir,
		       const char *pin_prefix)
{
	char path[PATH_MAX];
	struct bpf_link *link;
	int err;

	link = bpf_program__attach(prog);
	if (!link) {
		err = -errno;
		p_err("can't %s '%s': can't attach '%s' (%s): %s", step,
		      p->name, bpf_program__name(prog),
		      bpf_program__section_name(prog), libbpf_errstr(err));
		return err;
	}
	p->links[p->nr_links++] = link;
	if (!pin_dir)
		return 0;
	snprintf(path, sizeof(path), "%s/%s%s", pin_dir, pin_prefix,
		 bpf_program__name(prog));
	err = bpf_link__pin(link, path);
	if (err)
		p_err("can't %s '%s': can't pin link at %s: %s", step, p->name,
		      path, libbpf_errstr(err));
	return err;
}

/*
 * Before any handler can act: from here on a cgroup made at a set path
 * gets its setting in the kernel, and one made since the settings were
 * parsed is found by the look that follows.
 */
static int attach_followers(struct policy *p, const char *step,
			    const char *pin_dir)
{
	struct bpf_program *prog;
	bool annot;
	int err;

	/* an instance that reads no annotations gets no xattr hooks */
	err = annot_wanted(p, step, &annot);
	if (err)
		return err;
	bpf_object__for_each_program(prog, p->obj) {
		if (!is_follower(prog) || (!annot && annot_is_hook(prog)))
			continue;
		err = attach_prog(p, prog, step, pin_dir, PIN_FOLLOW_PREFIX);
		if (err)
			return err;
	}
	err = policy_resolve_knobs(p);
	/* after the hooks: a change from here on is theirs to see */
	return err ?: annot ? annot_seed(p, step) : 0;
}

/*
 * Level 2's PSI programs (abi.h): the init first, which reads the knobs
 * the followers resolved and may refuse, then the tracing programs,
 * pinned as "link-<program>" beside the struct_ops links.
 */
static int attach_abi_progs(struct policy *p, const char *step,
			    const char *pin_dir)
{
	struct bpf_program *prog;
	const char *hint;
	int err;

	bpf_object__for_each_program(prog, p->obj) {
		if (abi_prog_role(prog) != ABI_PROG_PSI_INIT)
			continue;
		err = abi_run_init(prog, &hint);
		if (err) {
			p_err("can't %s '%s': its init '%s' failed: %s%s", step,
			      p->name, bpf_program__name(prog),
			      libbpf_errstr(err), hint);
			return err;
		}
	}
	bpf_object__for_each_program(prog, p->obj) {
		if (abi_prog_role(prog) != ABI_PROG_PSI_TRACE)
			continue;
		err = attach_prog(p, prog, step, pin_dir, PIN_LINK_PREFIX);
		err = err ?: policy_check_signal(p, step);
		if (err)
			return err;
	}
	return 0;
}

int policy_attach(struct policy *p, const char *step, const char *pin_dir)
{
	struct bpf_program *prog;
	struct bpf_map *map;
	size_t nr = 0, i;
	struct bpf_map *paths;
	int err;

	bpf_object__for_each_map(map, p->obj)
		if (abi_map_kind(p->obj, map, NULL) != ABI_KIND_OTHER)
			nr++;
	bpf_object__for_each_program(prog, p->obj)
		nr += is_follower(prog) ||
		      abi_prog_role(prog) == ABI_PROG_PSI_TRACE;
	p->links = calloc(nr, sizeof(*p->links));
	if (!p->links) {
		p_err("can't %s '%s': out of memory", step, p->name);
		return -ENOMEM;
	}
	err = attach_followers(p, step, pin_dir);
	err = err ?: attach_abi_progs(p, step, pin_dir);
	if (err)
		goto rollback;

	bpf_object__for_each_map(map, p->obj) {
		enum abi_kind kind = abi_map_kind(p->obj, map, NULL);
		struct bpf_link *link = NULL;
		char path[PATH_MAX], name[NAME_MAX + 1];
		const char *hint;

		if (kind == ABI_KIND_OTHER)
			continue;
		if (pin_dir)
			snprintf(path, sizeof(path), "%s/" PIN_LINK_PREFIX "%s",
				 pin_dir,
				 abi_map_name(map, name, sizeof(name)));
		err = abi_attach(map, kind,
				 p->scope_dir[0] ? p->scope_dir : NULL,
				 pin_dir ? path : NULL, &link, &hint);
		if (err) {
			p_err("can't %s '%s': can't attach %s '%s': %s%s", step,
			      p->name, abi_kind_name(kind), bpf_map__name(map),
			      libbpf_errstr(err), hint);
			goto rollback;
		}
		p->links[p->nr_links++] = link;
		if (!pin_dir)
			continue;
		/* a level-2 link comes pinned (abi.c says why) */
		err = bpf_link__pin_path(link) ? 0 : bpf_link__pin(link, path);
		if (err) {
			p_err("can't %s '%s': can't pin link at %s: %s", step,
			      p->name, path, libbpf_errstr(err));
			goto rollback;
		}
		err = policy_check_signal(p, step);
		if (err)
			goto rollback;
	}
	if (!pin_dir)
		return 0;

	err = pin_map(p, pin_dir, "oomkit_events", step, false);
	err = err ?: pin_map(p, pin_dir, "oomkit_stats", step, false);
	err = err ?: pin_map(p, pin_dir, "oomkit_health", step, false);
	err = err ?: pin_map(p, pin_dir, SCOPE_MAP, step, false);
	err = err ?: pin_map(p, pin_dir, ANNOT_MAP, step, false);
	err = err ?: pin_meta(p, pin_dir, step);
	err = err ?: pin_rodata(p, pin_dir, step);
	for (i = 0; !err && i < p->nr_meta; i++) {
		if (p->meta[i].kind != OOMKIT_META_CGROUP_KNOB)
			continue;
		err = pin_map(p, pin_dir, p->meta[i].map, step, true);
		paths = knob_paths_map(p, p->meta[i].map);
		if (!err && paths)
			err = pin_map(p, pin_dir, bpf_map__name(paths), step,
				      true);
	}
	bpf_object__for_each_map(map, p->obj) {
		if (err)
			break;
		if (bpf_map__autocreate(map) && holds_async(p, map))
			err = pin_map(p, pin_dir, bpf_map__name(map), step,
				      true);
	}
	err = err ?: policy_check_signal(p, step);
	if (err)
		goto rollback;
	return 0;

rollback:
	policy_detach(p);
	return err;
}

/*
 * Close our link fds. Pinned links survive this (the pin holds them), unless
 * the caller removed the pins first: that is the rollback order.
 */
void policy_detach(struct policy *p)
{
	size_t i;

	for (i = 0; i < p->nr_links; i++) {
		if (bpf_link__pin_path(p->links[i]))
			bpf_link__unpin(p->links[i]);
		bpf_link__destroy(p->links[i]);
	}
	free(p->links);
	p->links = NULL;
	p->nr_links = 0;
}

/* Keep the (pinned) links attached, but let go of our fds, as bpftool's struct_ops register does. */
void policy_keep_links(struct policy *p)
{
	size_t i;

	for (i = 0; i < p->nr_links; i++) {
		bpf_link__disconnect(p->links[i]);
		bpf_link__destroy(p->links[i]);
	}
	free(p->links);
	p->links = NULL;
	p->nr_links = 0;
}
