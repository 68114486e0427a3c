// SPDX-License-Identifier: GPL-2.0
/* Memory hogs: children that join a test cgroup and hold or keep growing anonymous memory, or read a file. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "hog.h"
#include "proc.h"

#define MAX_HOGS     64
#define PAGE	     4096
#define JOIN_WAIT_MS 5000

/* What the child writes on its pipe. */
#define MSG_READY   'r' /* in the cgroup, memory touched (or growing) */
#define MSG_JOINING 'j' /* about to join a frozen cgroup */
#define MSG_ERROR   'e' /* followed by an int errno */

/* What a hog does once in its cgroup. */
struct hog_spec {
	const char *rel;
	size_t bytes; /* anonymous memory; a growing hog's step */
	int adj;
	bool growing;
	const char *path; /* a file whose page cache it takes, or NULL */
	size_t file_bytes;
	bool loop;	 /* keep reading the file */
	bool main_exits; /* a thread holds the memory, main pthread_exit()s */
	bool on_term;	 /* SIGTERM: save state (or ignore it without one) */
	const char *state;
};

struct hog {
	pid_t pid;
	bool reaped;
	int status;
};

static struct hog hogs[MAX_HOGS];
static int nr_hogs;

static struct hog *find_hog(pid_t pid)
{
	int i;

	for (i = 0; i < nr_hogs; i++)
		if (hogs[i].pid == pid)
			return &hogs[i];
	return NULL;
}

static void track(pid_t pid)
{
	int i;

	/* A cgroup being removed waits for its hogs: cgroup.c reaps them so. */
	cg_set_reaper(hog_kill_all);
	/* Reuse slots of reaped hogs whose result nobody asked for in time. */
	if (nr_hogs == MAX_HOGS) {
		for (i = 0; i < nr_hogs && !hogs[i].reaped; i++)
			;
		if (i == nr_hogs)
			return;
		hogs[i] = hogs[--nr_hogs];
	}
	hogs[nr_hogs++] = (struct hog){ .pid = pid };
}

static void child_send(int fd, char msg, int err)
{
	char buf[1 + sizeof(int)];

	buf[0] = msg;
	memcpy(buf + 1, &err, sizeof(err));
	if (write(fd, buf, msg == MSG_ERROR ? sizeof(buf) : 1) < 0)
		_exit(3);
}

static void child_fail(int fd, int err)
{
	child_send(fd, MSG_ERROR, err);
	_exit(3);
}

/*
 * Plain page faults, one per page, as applications take them: no
 * MAP_POPULATE, whose OOMs happen inside get_user_pages() instead.
 */
static char *alloc(size_t bytes)
{
	char *p;

	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void touch(char *p, size_t bytes)
{
	size_t off;

	for (off = 0; off < bytes; off += PAGE)
		p[off] = (char)(off / PAGE) | 1;
}

static void write_self(const char *file, int val, int fd)
{
	char path[64], buf[32];
	int f, n;

	snprintf(path, sizeof(path), "/proc/self/%s", file);
	n = snprintf(buf, sizeof(buf), "%d", val);
	f = open(path, O_WRONLY);
	if (f < 0 || write(f, buf, n) != n)
		child_fail(fd, errno);
	close(f);
}

/*
 * Charges the first file_bytes of path's page cache to the hog's cgroup
 * by reading them through a mapping. The file stays open: the 9p scratch
 * mount drops an inode's page cache at its last close. With loop, it
 * reports ready and reads them in a cycle forever.
 */
static void read_file(int fd, const struct hog_spec *h, bool frozen)
{
	volatile char sink;
	const char *p;
	size_t off;
	int f;

	f = open(h->path, O_RDONLY);
	if (f < 0)
		child_fail(fd, errno);
	p = mmap(NULL, h->file_bytes, PROT_READ, MAP_SHARED, f, 0);
	if (p == MAP_FAILED)
		child_fail(fd, errno);
	if (h->loop) {
		if (!frozen)
			child_send(fd, MSG_READY, 0);
		for (;;)
			for (off = 0; off < h->file_bytes; off += PAGE)
				sink = p[off];
	}
	for (off = 0; off < h->file_bytes; off += PAGE)
		sink = p[off];
	(void)sink;
	munmap((void *)p, h->file_bytes);
}

struct exited_main {
	pthread_t main;
	int fd;
	size_t bytes;
};

/* The worker of a hog whose main thread exits: it reports ready once main is gone. */
static void *exited_main_worker(void *arg)
{
	struct exited_main *em = arg;
	char *p = alloc(em->bytes);

	if (!p)
		child_fail(em->fd, errno);
	touch(p, em->bytes);
	/* Joined: main is past exit_mm(), a zombie leader without mm. */
	pthread_join(em->main, NULL);
	child_send(em->fd, MSG_READY, 0);
	for (;;)
		pause();
	return NULL;
}

static void __attribute__((noreturn)) exited_main(int fd,
						  const struct hog_spec *h)
{
	static struct exited_main em;
	pthread_t worker;

	em = (struct exited_main){ .main = pthread_self(),
				   .fd = fd,
				   .bytes = h->bytes };
	if (pthread_create(&worker, NULL, exited_main_worker, &em))
		child_fail(fd, EAGAIN);
	pthread_exit(NULL);
}

/* A growing hog's chunks, for a SIGTERM handler that gives them back. */
#define MAX_CHUNKS 4096
static char *chunks[MAX_CHUNKS];
static volatile size_t nr_chunks, chunk_bytes;
static const char *term_state;
static char state_buf[HOG_STATE_BYTES + 4];

/*
 * A workload's shutdown: it first gives its memory back (above
 * memory.high every return to user mode is throttled, up to 2 s), then
 * writes HOG_STATE_BYTES of pattern and "END\n" in one write, syncs and
 * exits 0. Only async-signal-safe calls.
 */
static void save_state(int sig)
{
	size_t i;
	int f;

	(void)sig;
	for (i = 0; i < nr_chunks; i++)
		munmap(chunks[i], chunk_bytes);
	memset(state_buf, 'S', HOG_STATE_BYTES);
	memcpy(state_buf + HOG_STATE_BYTES, "END\n", 4);
	f = open(term_state, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (f < 0)
		_exit(4);
	if (write(f, state_buf, sizeof(state_buf)) != sizeof(state_buf) ||
	    fsync(f))
		_exit(4);
	close(f);
	_exit(0);
}

static void __attribute__((noreturn))
child_main(pid_t parent, int fd, const struct hog_spec *h, bool frozen)
{
	char *p;
	int err;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* So the OOM report names it: "Killed process N (oomkit-hog)". */
	prctl(PR_SET_NAME, "oomkit-hog");
	if (getppid() != parent)
		_exit(3);
	/*
	 * Keep only stdio and the pipe: an inherited struct_ops link or map
	 * fd would keep a policy attached after its test destroyed it.
	 */
	if (fd != 3) {
		if (dup2(fd, 3) < 0)
			_exit(3);
		fd = 3;
	}
	if (syscall(SYS_close_range, 4, ~0U, 0)) {
		int i;

		for (i = 4; i < 4096; i++)
			close(i);
	}

	write_self("oom_score_adj", h->adj, fd);
	if (frozen)
		child_send(fd, MSG_JOINING, 0);
	err = cg_write(h->rel, "cgroup.procs", "0");
	if (err)
		child_fail(fd, -err);

	if (h->main_exits)
		exited_main(fd, h);
	if (h->on_term && h->state) {
		term_state = h->state;
		signal(SIGTERM, save_state);
	} else if (h->on_term) {
		signal(SIGTERM, SIG_IGN);
	}

	if (h->growing) {
		if (!frozen)
			child_send(fd, MSG_READY, 0);
		for (;;) {
			p = alloc(h->bytes);
			if (!p) {
				usleep(10000);
				continue;
			}
			touch(p, h->bytes);
			if (nr_chunks < MAX_CHUNKS) {
				chunks[nr_chunks] = p;
				chunk_bytes = h->bytes;
				nr_chunks = nr_chunks + 1;
			}
		}
	}

	if (h->bytes) {
		p = alloc(h->bytes);
		if (!p)
			child_fail(fd, errno);
		touch(p, h->bytes);
	}
	if (h->path)
		read_file(fd, h, frozen);
	if (!frozen)
		child_send(fd, MSG_READY, 0);
	for (;;)
		pause();
}

/* True once /proc/<pid>/cgroup names @rel's cgroup. */
static bool in_cgroup(pid_t pid, const char *rel)
{
	char path[64], buf[PATH_MAX + 8], *line;
	const char *want = cg_abspath(rel) + strlen(CG_MOUNT);
	ssize_t n;
	int fd;

	/* the root cgroup reads "0::/" */
	if (!*want)
		want = "/";

	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	line = strstr(buf, "0::");
	if (!line)
		return false;
	line += 3;
	line[strcspn(line, "\n")] = '\0';
	return !strcmp(line, want);
}

static pid_t spawn(const struct hog_spec *h)
{
	bool frozen = cg_read_key(h->rel, "cgroup.events", "frozen") == 1;
	char msg[1 + sizeof(int)];
	long long deadline;
	pid_t parent = getpid(), pid;
	int pfd[2], err;
	ssize_t n;

	pid = fork_piped(pfd);
	if (pid < 0)
		return pid;
	if (pid == 0) {
		close(pfd[0]);
		child_main(parent, pfd[1], h, frozen);
	}
	close(pfd[1]);
	track(pid);

	do {
		n = read(pfd[0], msg, sizeof(msg));
	} while (n < 0 && errno == EINTR);
	close(pfd[0]);

	if (n > 0 && msg[0] == MSG_ERROR) {
		memcpy(&err, msg + 1, sizeof(err));
		hog_wait(pid, 1000);
		return err > 0 ? -err : -EIO;
	}
	if (n > 0 && msg[0] == MSG_JOINING) {
		/* It freezes on its way back from the write: poll where it is. */
		deadline = test_now_ms() + JOIN_WAIT_MS;
		while (!in_cgroup(pid, h->rel) && test_now_ms() < deadline &&
		       hog_wait(pid, 0) == -ETIMEDOUT)
			test_sleep_ms(5);
	}
	/* Ready, or dead (EOF): either way the caller decides with hog_wait(). */
	return pid;
}

pid_t hog_start(const char *rel, size_t bytes, int oom_score_adj)
{
	struct hog_spec h = { .rel = rel,
			      .bytes = bytes,
			      .adj = oom_score_adj };

	return spawn(&h);
}

pid_t hog_start_growing(const char *rel, size_t step, int oom_score_adj)
{
	struct hog_spec h = {
		.rel = rel,
		.bytes = step,
		.adj = oom_score_adj,
		.growing = true,
	};

	if (!step)
		return -EINVAL;
	return spawn(&h);
}

pid_t hog_start_growing_term(const char *rel, size_t step, const char *state)
{
	struct hog_spec h = {
		.rel = rel,
		.bytes = step,
		.growing = true,
		.on_term = true,
		.state = state,
	};

	if (!step)
		return -EINVAL;
	return spawn(&h);
}

pid_t hog_start_exited_main(const char *rel, size_t bytes, int oom_score_adj)
{
	struct hog_spec h = {
		.rel = rel,
		.bytes = bytes,
		.adj = oom_score_adj,
		.main_exits = true,
	};

	if (!bytes)
		return -EINVAL;
	return spawn(&h);
}

pid_t hog_start_reading(const char *rel, const char *path, size_t anon,
			size_t file_bytes, bool loop)
{
	struct hog_spec h = {
		.rel = rel,
		.bytes = anon,
		.path = path,
		.file_bytes = file_bytes,
		.loop = loop,
	};

	if (!path || !file_bytes)
		return -EINVAL;
	return spawn(&h);
}

static int result(int status)
{
	if (WIFSIGNALED(status))
		return WTERMSIG(status);
	return 0;
}

int hog_wait(pid_t pid, int timeout_ms)
{
	long long deadline = test_now_ms() + timeout_ms;
	struct hog *h = find_hog(pid);
	int status;
	pid_t w;

	if (h && h->reaped)
		return result(h->status);
	for (;;) {
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return -errno;
		if (test_now_ms() >= deadline)
			return -ETIMEDOUT;
		test_sleep_ms(5);
	}
	if (h) {
		h->reaped = true;
		h->status = status;
	}
	return result(status);
}

void hog_kill_all(void)
{
	int i;

	for (i = 0; i < nr_hogs; i++)
		if (!hogs[i].reaped)
			kill(hogs[i].pid, SIGKILL);
	for (i = 0; i < nr_hogs; i++) {
		if (hogs[i].reaped)
			continue;
		if (waitpid(hogs[i].pid, &hogs[i].status, 0) < 0)
			hogs[i].status = 0;
		hogs[i].reaped = true;
	}
}
