// SPDX-License-Identifier: GPL-2.0
/* Policies that tripped (bpf/health.bpf.h): their links detached by the reader of the trip record. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "counters.h"
#include "main.h"
#include "pins.h"
#include "trip.h"

/* The links pinned as link-* in @d: detached (a detached link stays pinned, defunct). */
static int detach_links(const struct pin_dir *d)
{
	DIR *dir = opendir(d->path);
	struct dirent *de;
	int n = 0, fd;

	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, PIN_LINK_PREFIX,
			    strlen(PIN_LINK_PREFIX)))
			continue;
		fd = pins_open(d->path, de->d_name);
		if (fd < 0)
			continue;
		if (!bpf_link_detach(fd))
			n++;
		else if (errno != ENOLINK)
			p_err("can't detach '%s' of the tripped policy '%s': %s",
			      de->d_name, d->name, strerror(errno));
		close(fd);
	}
	closedir(dir);
	return n;
}

int trip_detach_tripped(void)
{
	struct pin_dir *dirs = NULL;
	struct oomkit_health h;
	size_t nr = 0, i;
	int err, n, total = 0;

	err = pins_list("detach", "a tripped policy", &dirs, &nr);
	if (err)
		return err;
	for (i = 0; i < nr; i++) {
		if (!dirs[i].complete || health_read(dirs[i].path, &h) ||
		    !h.tripped_ns)
			continue;
		n = detach_links(&dirs[i]);
		if (n > 0)
			p_info("%s: detached: it tripped (max_fallbacks); its pins "
			       "stay for 'oomkit policy show'",
			       dirs[i].name);
		total += n > 0 ? n : 0;
	}
	free(dirs);
	return total;
}
