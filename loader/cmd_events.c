// SPDX-License-Identifier: GPL-2.0
/* oomkit events: stream the decisions of the policies pinned under /sys/fs/bpf/oomkit, as they come and go. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "actions.h"
#include "args.h"
#include "events.h"
#include "main.h"
#include "pins.h"

/*
 * A ring buffer has one consumer: two readers would each get some of the
 * records. So each policy's records go to one 'oomkit events' at a time,
 * the one holding the policy's lock file here; another reader waits for
 * it (and takes over when it exits). The service's reader is normally the
 * one: read its journal instead.
 */
#define LOCK_DIR "/run/oomkit/events"

struct stream {
	char name[NAME_MAX + 1];
	__u32 map_id; /* a policy loaded again has a new ring */
	int map_fd;
	int lock_fd;
	bool seen; /* still pinned at the last scan */
};

struct reader {
	const struct cmd_args *a;
	struct stream *s;
	size_t nr;
	struct ring_buffer *rb;
	char busy_noted[16]
		       [NAME_MAX + 1]; /* "held by another reader", said once */
	bool idle_noted;
};

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

static struct stream *find(struct reader *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nr; i++)
		if (!strcmp(r->s[i].name, name))
			return &r->s[i];
	return NULL;
}

static void note_busy(struct reader *r, const char *name, int lock_fd)
{
	char pid[32] = "";
	size_t i, free_slot = ARRAY_SIZE(r->busy_noted);
	ssize_t n;

	for (i = 0; i < ARRAY_SIZE(r->busy_noted); i++) {
		if (!strcmp(r->busy_noted[i], name))
			return;
		if (!r->busy_noted[i][0] &&
		    free_slot == ARRAY_SIZE(r->busy_noted))
			free_slot = i;
	}
	if (free_slot < ARRAY_SIZE(r->busy_noted))
		snprintf(r->busy_noted[free_slot], sizeof(r->busy_noted[0]),
			 "%s", name);
	n = pread(lock_fd, pid, sizeof(pid) - 1, 0);
	pid[n > 0 ? n : 0] = '\0';
	pid[strcspn(pid, "\n")] = '\0';
	p_info("note: '%s': its records go to another reader (pid %s); this one takes over "
	       "when that one stops",
	       name, pid[0] ? pid : "?");
}

/* The policy's lock: the fd, -EBUSY if another reader has it (*busy_fd: its file), or -errno. */
static int take_lock(const char *name, int *busy_fd)
{
	char path[PATH_MAX], pid[32];
	int fd, n;

	if (mkdir("/run/oomkit", 0755) && errno != EEXIST)
		return -errno;
	if (mkdir(LOCK_DIR, 0700) && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), LOCK_DIR "/%s.lock", name);
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int err = errno == EWOULDBLOCK ? -EBUSY : -errno;

		if (err == -EBUSY)
			*busy_fd = fd;
		else
			close(fd);
		return err;
	}
	/* the pid is only for the message of a reader that waits: best effort */
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (!ftruncate(fd, 0))
		n = pwrite(fd, pid, n, 0);
	return fd;
}

static void drop(struct stream *s)
{
	close(s->map_fd);
	close(s->lock_fd); /* releases the lock */
}

static __u32 map_id(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_map_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

/* Adds (or renews) the stream of one pinned policy; 1 if the set changed. */
static int add_stream(struct reader *r, const struct pin_dir *d, bool first)
{
	struct stream *s = find(r, d->name), *v;
	int fd, lock_fd, busy_fd = -1;
	__u32 id;

	fd = pins_open(d->path, "oomkit_events");
	if (fd < 0)
		return 0; /* a policy without events */
	id = map_id(fd);
	if (s) {
		s->seen = true;
		if (s->map_id == id) {
			close(fd);
			return 0;
		}
		/* loaded again under the same name: same lock, new ring */
		close(s->map_fd);
		s->map_fd = fd;
		s->map_id = id;
		return 1;
	}
	lock_fd = take_lock(d->name, &busy_fd);
	if (lock_fd < 0) {
		close(fd);
		if (lock_fd == -EBUSY && !(first && r->a->nr_names)) {
			note_busy(r, d->name, busy_fd);
			close(busy_fd);
			return 0;
		}
		if (lock_fd == -EBUSY)
			close(busy_fd);
		if (lock_fd == -EBUSY)
			p_err("can't stream '%s': its records go to another reader; "
			      "stop that one first",
			      d->name);
		else
			p_err("can't stream '%s': can't take its lock in " LOCK_DIR
			      ": %s",
			      d->name, strerror(-lock_fd));
		return lock_fd;
	}
	v = realloc(r->s, (r->nr + 1) * sizeof(*v));
	if (!v) {
		close(fd);
		close(lock_fd);
		p_err("can't stream '%s': out of memory", d->name);
		return -ENOMEM;
	}
	r->s = v;
	s = &v[r->nr++];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", d->name);
	s->map_fd = fd;
	s->map_id = id;
	s->lock_fd = lock_fd;
	s->seen = true;
	return 1;
}

/* The ring buffer set of the current streams, after draining the old one. */
static int rebuild(struct reader *r)
{
	size_t i;
	int err;

	if (r->rb) {
		ring_buffer__consume(r->rb);
		ring_buffer__free(r->rb);
		r->rb = NULL;
	}
	for (i = 0; i < r->nr; i++) {
		err = events_add(&r->rb, r->s[i].map_fd);
		if (err) {
			p_err("can't stream '%s': %s", r->s[i].name,
			      libbpf_errstr(err));
			return err;
		}
	}
	return 0;
}

static int scan(struct reader *r, bool first)
{
	struct pin_dir *dirs = NULL;
	size_t nr = 0, i, j;
	bool changed = false;
	int err, ret;

	err = pins_list("stream", "events", &dirs, &nr);
	if (err)
		return err;
	if (first) {
		for (i = 0; i < (size_t)r->a->nr_names; i++) {
			for (j = 0; j < nr; j++)
				if (dirs[j].complete &&
				    !strcmp(dirs[j].name, r->a->names[i]))
					break;
			if (j == nr) {
				p_err("can't stream '%s': not loaded (see 'oomkit policy show')",
				      r->a->names[i]);
				err = -ENOENT;
				goto out;
			}
		}
	}
	for (i = 0; i < r->nr; i++)
		r->s[i].seen = false;
	for (j = 0; j < nr; j++) {
		if (!dirs[j].complete || !wanted(r->a, dirs[j].name))
			continue;
		ret = add_stream(r, &dirs[j], first);
		if (ret < 0) {
			err = ret;
			goto out;
		}
		changed |= ret;
	}
	/* unloaded: its ring is gone with it */
	for (i = 0; i < r->nr;) {
		if (r->s[i].seen) {
			i++;
			continue;
		}
		drop(&r->s[i]);
		r->s[i] = r->s[--r->nr];
		changed = true;
	}
	if (changed || first)
		err = rebuild(r);
	if (!err && !r->nr && !r->idle_noted) {
		p_info("note: no loaded policy has records for this reader yet: waiting");
		r->idle_noted = true;
	}
	if (r->nr)
		r->idle_noted = false;
out:
	free(dirs);
	return err;
}

static int refresh(void *ctx, struct ring_buffer **rb)
{
	struct reader *r = ctx;
	int err = scan(r, false);

	*rb = r->rb;
	return err;
}

int do_events(void)
{
	struct reader r = {};
	struct cmd_args a;
	size_t i;
	int err;

	err = parse_args(NULL, "events",
			 ARG_NAMES | ARG_STREAM | ARG_JOURNAL | ARG_EXEC, &a);
	if (err || a.help)
		goto out;
	if (a.journal && json_output) {
		err = usage_err(
			"'events --journal' writes journal entries, not JSON: drop -j");
		goto out;
	}
	events_journal = a.journal;
	actions_set_hook(a.exec, a.exec_timeout_sec);
	err = require_admin("stream", "events");
	if (err)
		goto out;
	r.a = &a;
	err = scan(&r, true);
	if (err)
		goto out;
	err = events_loop(r.rb, a.count, a.timeout_sec, refresh, &r);
	if (err)
		p_err("can't stream 'events': %s", libbpf_errstr(err));
out:
	ring_buffer__free(r.rb);
	for (i = 0; i < r.nr; i++)
		drop(&r.s[i]);
	free(r.s);
	free_args(&a);
	return err;
}
