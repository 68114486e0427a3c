// SPDX-License-Identifier: GPL-2.0
/* oomkit events: stream the decisions of policies already pinned under /sys/fs/bpf/oomkit. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "args.h"
#include "events.h"
#include "main.h"
#include "pins.h"

static bool wanted(const struct cmd_args *a, const char *name)
{
	int i;

	if (!a->nr_names)
		return true;
	for (i = 0; i < a->nr_names; i++)
		if (!strcmp(a->names[i], name))
			return true;
	return false;
}

int do_events(void)
{
	struct ring_buffer *rb = NULL;
	struct pin_dir *dirs = NULL;
	int *fds = NULL, nr_fds = 0, i;
	size_t nr = 0, j;
	struct cmd_args a;
	int err;

	err = parse_args(NULL, "events", ARG_NAMES | ARG_STREAM, &a);
	if (err || a.help)
		goto out;
	err = require_admin("stream", "events");
	if (err)
		goto out;
	err = pins_list("stream", "events", &dirs, &nr);
	if (err)
		goto out;
	for (i = 0; i < a.nr_names; i++) {
		for (j = 0; j < nr; j++)
			if (dirs[j].complete &&
			    !strcmp(dirs[j].name, a.names[i]))
				break;
		if (j == nr) {
			p_err("can't stream '%s': not loaded (see 'oomkit policy show')",
			      a.names[i]);
			err = -ENOENT;
			goto out;
		}
	}
	fds = calloc(nr ? nr : 1, sizeof(*fds));
	if (!fds) {
		p_err("can't stream 'events': out of memory");
		err = -ENOMEM;
		goto out;
	}
	for (j = 0; j < nr; j++) {
		int fd;

		if (!dirs[j].complete || !wanted(&a, dirs[j].name))
			continue;
		fd = pins_open(dirs[j].path, "oomkit_events");
		if (fd < 0)
			continue; /* a policy without events */
		fds[nr_fds++] = fd;
		err = events_add(&rb, fd);
		if (err) {
			p_err("can't stream '%s': %s", dirs[j].name,
			      libbpf_errstr(err));
			goto out;
		}
	}
	if (!rb) {
		p_err("can't stream 'events': no loaded policy has an oomkit_events map "
		      "(see 'oomkit policy load')");
		err = -ENOENT;
		goto out;
	}
	err = events_loop(rb, a.count, a.timeout_sec);
	if (err)
		p_err("can't stream 'events': %s", libbpf_errstr(err));
out:
	ring_buffer__free(rb);
	for (i = 0; i < nr_fds; i++)
		close(fds[i]);
	free(fds);
	free(dirs);
	free_args(&a);
	return err;
}
