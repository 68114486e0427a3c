// SPDX-License-Identifier: GPL-2.0
/* Other OOM daemons' cgroup xattrs: the programs that follow them, and reading those already set. */
#include <errno.h>
#include <string.h>
#include <sys/xattr.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "oomkit/intf.h"
#include "annotations.h"
#include "cgpath.h"
#include "main.h"
#include "policy.h"

#define SEED_PROG "oomkit_annot_seed"

static const char *const names[OOMKIT_ANNOT_NR] = OOMKIT_ANNOT_NAMES;

const char *annot_name(unsigned int i)
{
	return i < OOMKIT_ANNOT_NR ? names[i] : NULL;
}

bool annot_is_hook(const struct bpf_program *prog)
{
	const char *sec = bpf_program__section_name(prog);

	return !strcmp(sec, "fexit/kernfs_vfs_user_xattr_set") ||
	       !strcmp(sec, "fexit/kernfs_vfs_xattr_set");
}

/* Runs the seed program on @ctx; its return value in *@ret. */
static int run_seed(int fd, struct oomkit_annot_seed *ctx, int *ret)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = ctx,
		    .ctx_size_in = sizeof(*ctx));
	int err;

	err = bpf_prog_test_run_opts(fd, &opts);
	if (err)
		return err;
	*ret = (int)opts.retval;
	return 0;
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
	err = run_seed(bpf_program__fd(prog), &ctx, &ret);
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
		w->err = run_seed(w->fd, &ctx, &ret);
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
