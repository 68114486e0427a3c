// SPDX-License-Identifier: GPL-2.0
/* Policies that tripped (bpf/health.bpf.h): their links detached by the reader of the trip record. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "counters.h"
#include "main.h"
#include "pins.h"
#include "trip.h"

struct trip_detach {
	const char *policy;
	int nr;
};

/* A detached link stays pinned, defunct: 'policy show' says so. */
static int detach_link(int fd, const char *name, void *ctx)
{
	struct trip_detach *t = ctx;

	if (!bpf_link_detach(fd))
		t->nr++;
	else if (errno != ENOLINK)
		p_err("can't detach link '%s' of the tripped policy '%s': %s",
		      name, t->policy, strerror(errno));
	return 0;
}

int trip_detach_tripped(void)
{
	struct pin_dir *dirs = NULL;
	struct oomkit_health h;
	struct trip_detach t;
	size_t nr = 0, i;
	int err, n, total = 0;

	err = pins_list("detach", "a tripped policy", &dirs, &nr);
	if (err)
		return err;
	for (i = 0; i < nr; i++) {
		if (!dirs[i].complete || health_read(dirs[i].path, &h) ||
		    !h.tripped_ns)
			continue;
		t.policy = dirs[i].name;
		t.nr = 0;
		pins_each_link(dirs[i].path, detach_link, &t);
		n = t.nr;
		if (n > 0)
			p_info("%s: detached: it tripped (max_fallbacks); its pins "
			       "stay for 'oomkit policy show'",
			       dirs[i].name);
		total += n > 0 ? n : 0;
	}
	free(dirs);
	return total;
}
