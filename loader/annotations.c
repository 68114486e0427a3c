// SPDX-License-Identifier: GPL-2.0
/* Other OOM daemons' cgroup xattrs: the programs that follow them, and reading those already set. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/xattr.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "oomkit/intf.h"
#include "annotations.h"
#include "cgpath.h"
#include "json_writer.h"
#include "main.h"
#include "pins.h"
#include "policy.h"
#include "prog_run.h"

#define SEED_PROG "oomkit_annot_seed"

static const char *const names[OOMKIT_ANNOT_NR] = OOMKIT_ANNOT_NAMES;

bool annot_is_hook(const struct bpf_program *prog)
{
	const char *sec = bpf_program__section_name(prog);

	return !strcmp(sec, "fexit/kernfs_vfs_user_xattr_set") ||
	       !strcmp(sec, "fexit/kernfs_vfs_xattr_set");
}

int annot_wanted(const struct policy *p, const char *step, bool *wanted)
{
	struct oomkit_annot_seed ctx = {};
	struct bpf_program *prog;
	int err, ret;

	*wanted = false;
	prog = bpf_object__find_program_by_name(p->obj, SEED_PROG);
	if (!prog || bpf_program__fd(prog) < 0)
		return 0;
	err = prog_run(bpf_program__fd(prog), &ctx, sizeof(ctx), &ret);
	if (err) {
		p_err("can't %s '%s': can't run '%s' with BPF_PROG_RUN: %s",
		      step, p->name, SEED_PROG, libbpf_errstr(err));
		return err;
	}
	*wanted = ret == 1;
	return 0;
}

struct seed_walk {
	int fd;
	int err;
	const char *what; /* the failed step, for the message */
	char path[PATH_MAX];
	const char *name;
};

static int seed_cgroup(const char *abs, const struct stat *st, void *data)
{
	struct seed_walk *w = data;
	unsigned int i;
	ssize_t n;
	int ret;

	for (i = 0; i < OOMKIT_ANNOT_NR; i++) {
		struct oomkit_annot_seed ctx = { .cgroup_id = st->st_ino,
						 .name = i };

		n = lgetxattr(abs, names[i], ctx.value, sizeof(ctx.value));
		/* longer than any boolean: only its size matters */
		if (n < 0 && errno == ERANGE) {
			memset(ctx.value, 0, sizeof(ctx.value));
			n = lgetxattr(abs, names[i], NULL, 0);
		}
		if (n < 0) {
			/* not set, or the cgroup went away meanwhile */
			if (errno == ENODATA || errno == ENOENT)
				continue;
			w->err = -errno;
			w->what = "can't read";
			goto fail;
		}
		ctx.len = n;
		w->err = prog_run(w->fd, &ctx, sizeof(ctx), &ret);
		w->err = w->err ?: ret;
		if (w->err) {
			w->what = "can't record";
			goto fail;
		}
	}
	return 0;
fail:
	snprintf(w->path, sizeof(w->path), "%s", abs);
	w->name = names[i];
	return 1;
}

int annot_seed(const struct policy *p, const char *step)
{
	struct bpf_program *prog;
	struct seed_walk w = {};

	prog = bpf_object__find_program_by_name(p->obj, SEED_PROG);
	if (!prog)
		return 0;
	w.fd = bpf_program__fd(prog);
	if (!cgroup_walk(seed_cgroup, &w))
		return 0;
	p_err("can't %s '%s': %s xattr %s of %s: %s", step, p->name, w.what,
	      w.name, w.path, libbpf_errstr(w.err));
	return w.err;
}

/* One cgroup's annotations as 'policy show' prints them. */
static void print_entry(__u64 id, const struct oomkit_annot *a, int n)
{
	const char *path = cgpath_lookup(id);
	unsigned int i;

	if (json_output) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "cgroup", path);
		jsonw_uint_field(json_wtr, "cgroup_id", id);
		jsonw_name(json_wtr, "xattrs");
		jsonw_start_array(json_wtr);
	} else {
		if (!n)
			printf("    annotations:\n");
		printf("        %s", path[0] ? path : "?");
		if (!path[0])
			printf(" (cgroup id %llu)", (unsigned long long)id);
		printf(":");
	}
	for (i = 0; i < OOMKIT_ANNOT_NR; i++) {
		bool truth = a->truth & (1U << i);

		if (!(a->present & (1U << i)))
			continue;
		if (json_output) {
			jsonw_start_object(json_wtr);
			jsonw_string_field(json_wtr, "name", names[i]);
			jsonw_bool_field(json_wtr, "true", truth);
			jsonw_end_object(json_wtr);
		} else {
			/* oomd's names count by presence; systemd's are booleans */
			printf(" %s%s", names[i],
			       truth || i > OOMKIT_ANNOT_USER_OMIT ? "" :
								     "=false");
		}
	}
	if (json_output) {
		jsonw_end_array(json_wtr);
		jsonw_end_object(json_wtr);
	} else {
		printf("\n");
	}
}

void annot_print(const char *pin_dir)
{
	struct oomkit_annot a;
	__u64 key, next, *prev = NULL;
	int fd, n = 0;

	fd = pins_open(pin_dir, ANNOT_MAP);
	if (fd < 0) {
		/* no annotations read by this instance */
		if (json_output)
			jsonw_null_field(json_wtr, "annotations");
		return;
	}
	if (json_output) {
		jsonw_name(json_wtr, "annotations");
		jsonw_start_array(json_wtr);
	}
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &a) || !a.present)
			continue;
		print_entry(key, &a, n++);
	}
	if (json_output)
		jsonw_end_array(json_wtr);
	close(fd);
}
