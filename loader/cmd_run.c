// SPDX-License-Identifier: GPL-2.0
/* oomkit run: load and attach a policy without pins, stream its decisions, detach on a signal. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "actions.h"
#include "args.h"
#include "attach.h"
#include "events.h"
#include "main.h"
#include "pins.h"
#include "policy.h"
#include "prepare.h"

int do_run(void)
{
	struct ring_buffer *rb = NULL;
	struct policy p = {};
	struct bpf_map *map;
	struct cmd_args a;
	int err, stats_fd = -1, lock_fd = -1;

	err = parse_args(NULL, "run",
			 ARG_TARGET | ARG_SET | ARG_STREAM | ARG_INSTANCE |
				 ARG_EXEC,
			 &a);
	if (err || a.help)
		goto out_args;
	/* the same name twice would make the kernel report two policies as one */
	err = policy_prepare(&a, &p, "run");
	if (err)
		goto out;
	/*
	 * While it runs, run counts and times come with its decisions: the
	 * kernel counts for as long as this fd is open, and stops with it
	 * unless someone else asked (nothing machine-wide is left behind).
	 */
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);

	map = bpf_object__find_map_by_name(p.obj, "oomkit_events");
	if (map) {
		err = events_add(&rb, bpf_map__fd(map));
		if (err) {
			p_err("can't run '%s': can't read its oomkit_events: %s",
			      p.name, libbpf_errstr(err));
			goto out;
		}
	}
	/* a load must not commit the same name between this check and attach */
	lock_fd = pins_lock("run", p.name, false);
	if (lock_fd < 0 && lock_fd != -ENOENT) {
		err = lock_fd;
		goto out;
	}
	err = pins_check_free(p.name, "run", lock_fd >= 0);
	if (err)
		goto out;
	/* nothing pinned: the links die with this process, however it ends */
	err = policy_attach(&p, "run", NULL);
	pins_unlock(lock_fd);
	lock_fd = -1;
	if (err)
		goto out;
	if (p.has_oom)
		p_info("%s: attached (%s), oom_policy=%s, scope %s; Ctrl-C detaches",
		       p.name, policy_kind(&p), p.oom_policy,
		       p.scope.cgroup_id ? p.scope_dir : "the system");
	else
		p_info("%s: attached (%s); Ctrl-C detaches", p.name,
		       policy_kind(&p));

	actions_set_hook(a.exec, a.exec_timeout_sec);
	err = events_loop(rb, a.count, a.timeout_sec, NULL, NULL);
	if (err)
		p_err("can't run '%s': reading events failed: %s", p.name,
		      libbpf_errstr(err));
	policy_detach(&p);
	p_info("%s: detached", p.name);
out:
	if (stats_fd >= 0)
		close(stats_fd);
	pins_unlock(lock_fd);
	ring_buffer__free(rb);
	policy_close(&p);
out_args:
	free_args(&a);
	return err;
}
