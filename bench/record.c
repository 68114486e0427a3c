// SPDX-License-Identifier: GPL-2.0
/* oomkit-bench part 4: from the kernel's kill to its line in 'oomkit events' (JSON, journal), over a storm of OOMs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "bench.h"
#include "json.h"

/*
 * record/ holds NR_OOMS leaves, each capped at LEAF_MAX. Each run starts a
 * hog in every leaf at once: NR_OOMS memcg OOMs as close together as two
 * CPUs make them, each decided by REC_POLICY (the biggest cgroup of a
 * leaf's OOM is that leaf). The reader under test, a child, prints each
 * record; we stamp its arrival on CLOCK_MONOTONIC, the clock of
 * oom_timing.bpf.c's oom_kill_process() entry.
 */
#define REC_CG		 BENCH_CG "/record"
#define REC_POLICY	 "biggest-cgroup"
#define NR_OOMS		 50
#define LEAF_MAX	 (4 * MiB)
#define STORM_TIMEOUT_MS 300000
#define READY_TIMEOUT_MS 60000
#define LATENCY_TARGET	 10.0 /* ms, median */
#define EVENTS_LOCK	 "/run/oomkit/events/" REC_POLICY ".lock"
/* where sd_journal_send() writes; the guest runs no journald, so we read it */
#define JOURNAL_DIR  "/run/systemd/journal"
#define JOURNAL_SOCK JOURNAL_DIR "/socket"

enum reader {
	READER_JSON,
	READER_JOURNAL,
	NR_READERS
};
static const char *const reader_names[NR_READERS] = { "events -j",
						      "events --journal" };
static const char *const reader_keys[NR_READERS] = { "json", "journal" };

struct storm {
	pid_t hogs[NR_OOMS];
	__u64 arrival_ns[NR_OOMS]; /* 0: no line for this hog yet */
	double latency_ms[NR_OOMS];
	int nr_lines;	/* every record line, the hogs' or not */
	int nr_matched; /* lines naming a hog */
};

static double med_ms[NR_READERS][MAX_REPEAT];
static double worst_ms[NR_READERS][MAX_REPEAT];
static double lost[NR_READERS][MAX_REPEAT];
static double dropped[NR_READERS][MAX_REPEAT];
/* every latency of every run: what the medians come from */
static double all_ms[NR_READERS][MAX_REPEAT][NR_OOMS];
static int nr_all[NR_READERS][MAX_REPEAT];

static int journal_fd = -1;

static int journal_open(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, size = 1 << 20;

	if (mkdir("/run/systemd", 0755) && errno != EEXIST)
		return -errno;
	if (mkdir(JOURNAL_DIR, 0755) && errno != EEXIST)
		return -errno;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* a storm's records must all fit while we are busy stamping */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", JOURNAL_SOCK);
	/* EADDRINUSE: a journald is there, and the figures would be its */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		close(fd);
		return err;
	}
	journal_fd = fd;
	return 0;
}

static void journal_close(void)
{
	if (journal_fd < 0)
		return;
	close(journal_fd);
	unlink(JOURNAL_SOCK);
	journal_fd = -1;
}

static long long events_dropped(void)
{
	static char out[65536];

	if (oomkit_cmd(out, sizeof(out), "policy", "show", NULL))
		return -1;
	return json_num(out, "events_dropped");
}

/* The reader, with its records on *fd (JSON) or on the journal socket. */
static pid_t start_reader(enum reader rd, int *fd)
{
	char *json[] = { (char *)opts.oomkit, "-j", "events", REC_POLICY,
			 NULL };
	char *journal[] = { (char *)opts.oomkit, "events", "--journal",
			    REC_POLICY, NULL };
	int pfd[2], null;
	pid_t pid;

	pid = fork_piped(pfd);
	if (pid < 0)
		return pid;
	if (!pid) {
		null = open("/dev/null", O_WRONLY);
		dup2(rd == READER_JSON ? pfd[1] : null, 1);
		dup2(null, 2);
		execv(opts.oomkit, rd == READER_JSON ? json : journal);
		_exit(127);
	}
	close(pfd[1]);
	if (rd == READER_JSON) {
		*fd = pfd[0];
	} else {
		close(pfd[0]);
		*fd = journal_fd;
	}
	return pid;
}

/* The reader writes its pid into the lock file once it holds the policy's ring. */
static int wait_ready(pid_t pid)
{
	long long end = test_now_ms() + READY_TIMEOUT_MS;
	char buf[32];
	int fd, n;

	while (test_now_ms() < end) {
		fd = open(EVENTS_LOCK, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			if (n > 0 && (buf[n] = '\0', atoi(buf) == pid)) {
				/* its ring buffer is set up right after */
				test_sleep_ms(200);
				return 0;
			}
		}
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return -ECHILD;
		test_sleep_ms(20);
	}
	return -ETIMEDOUT;
}

/* A record's first pid: after "pids":[ in JSON, pids= in the journal's MESSAGE. */
static void match_line(struct storm *s, const char *line, __u64 now,
		       const char *tag)
{
	const char *p = strstr(line, tag);
	pid_t pid;
	int i;

	s->nr_lines++;
	if (!p)
		return;
	pid = atoi(p + strlen(tag));
	for (i = 0; i < NR_OOMS; i++) {
		if (s->hogs[i] != pid || s->arrival_ns[i])
			continue;
		s->arrival_ns[i] = now;
		s->nr_matched++;
		return;
	}
}

static int read_json(struct storm *s, int fd, char *buf, size_t size,
		     size_t *have)
{
	char *line, *nl;
	__u64 now;
	ssize_t n;

	n = read(fd, buf + *have, size - 1 - *have);
	if (n <= 0)
		return n ? -errno : -EPIPE;
	now = now_ns();
	*have += n;
	buf[*have] = '\0';
	for (line = buf; (nl = strchr(line, '\n')); line = nl + 1) {
		*nl = '\0';
		match_line(s, line, now, "\"pids\":[");
	}
	*have -= line - buf;
	memmove(buf, line, *have);
	if (*have == size - 1)
		*have = 0; /* a line this long is no record of ours */
	return 0;
}

static int read_journal(struct storm *s, int fd)
{
	char buf[8192];
	ssize_t n;

	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	buf[n] = '\0';
	if (strstr(buf, "MESSAGE="))
		match_line(s, buf, now_ns(), "pids=");
	return 0;
}

static int start_hogs(struct storm *s)
{
	char path[256];
	pid_t pid;
	int i;

	for (i = 0; i < NR_OOMS; i++) {
		snprintf(path, sizeof(path), "%s/leaf%02d", REC_CG, i);
		pid = fork_into(path);
		if (pid < 0)
			return pid;
		if (!pid) {
			child_setup("oomkit-hog");
			hog_loop(MiB, true);
		}
		s->hogs[i] = pid;
	}
	return 0;
}

static void stop_hogs(struct storm *s)
{
	int i;

	for (i = 0; i < NR_OOMS; i++) {
		if (s->hogs[i] <= 0)
			continue;
		kill(s->hogs[i], SIGKILL);
		waitpid(s->hogs[i], NULL, 0);
	}
}

static int storm(enum reader rd, int r)
{
	static char buf[65536];
	static struct oom_sample samples[OOM_TIMING_MAX];
	struct pollfd pfd = { .events = POLLIN };
	long long end, drop0, drop1;
	struct storm s = {};
	size_t have = 0;
	int i, j, n, nr = 0, kills = 0, err;
	pid_t reader;

	drop0 = events_dropped();
	if (drop0 < 0)
		return -EIO;
	reader = start_reader(rd, &pfd.fd);
	if (reader < 0)
		return reader;
	err = wait_ready(reader);
	if (err) {
		msg("%s: the reader did not start: %s", reader_names[rd],
		    strerror(-err));
		goto out_reader;
	}
	timing_reset();
	err = start_hogs(&s);
	if (err) {
		msg("can't start the hogs: %s", strerror(-err));
		goto out_hogs;
	}
	end = test_now_ms() + STORM_TIMEOUT_MS;
	while (s.nr_matched < NR_OOMS && test_now_ms() < end) {
		n = poll(&pfd, 1, 1000);
		if (n < 0 && errno != EINTR) {
			err = -errno;
			break;
		}
		if (n <= 0)
			continue;
		err = rd == READER_JSON ?
			      read_json(&s, pfd.fd, buf, sizeof(buf), &have) :
			      read_journal(&s, pfd.fd);
		if (err)
			break;
	}
	if (err)
		msg("%s: reading the records: %s", reader_names[rd],
		    strerror(-err));
out_hogs:
	stop_hogs(&s);
out_reader:
	kill(reader, SIGTERM);
	waitpid(reader, NULL, 0);
	if (rd == READER_JSON)
		close(pfd.fd);
	else /* what a slow reader left there is not the next run's */
		while (recv(journal_fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			;
	if (err)
		return err;

	n = timing_read(samples, OOM_TIMING_MAX);
	for (i = 0; i < NR_OOMS; i++) {
		for (j = 0; j < n; j++)
			if (samples[j].kill_ns &&
			    samples[j].victim_pid == s.hogs[i])
				break;
		if (j == n)
			continue; /* not killed: counted below */
		kills++;
		if (!s.arrival_ns[i])
			continue;
		s.latency_ms[nr] =
			ns_to_ms(s.arrival_ns[i] - samples[j].kill_ns);
		all_ms[rd][r][nr] = s.latency_ms[nr];
		nr++;
	}
	nr_all[rd][r] = nr;
	drop1 = events_dropped();
	if (kills < NR_OOMS)
		msg("%s: %d of %d hogs were OOM-killed (%d OOM calls traced)",
		    reader_names[rd], kills, NR_OOMS, n);
	med_ms[rd][r] = median(s.latency_ms, nr);
	worst_ms[rd][r] = 0;
	for (i = 0; i < nr; i++)
		if (s.latency_ms[i] > worst_ms[rd][r])
			worst_ms[rd][r] = s.latency_ms[i];
	/* a hog the kernel killed but no line named */
	lost[rd][r] = NR_OOMS - s.nr_matched;
	dropped[rd][r] = drop1 < 0 ? __builtin_nan("") : drop1 - drop0;
	vmsg("%s: %d kills, %d lines (%d of hogs), median %.2f ms, worst %.2f ms, "
	     "events_dropped +%.0f",
	     reader_names[rd], kills, s.nr_lines, s.nr_matched, med_ms[rd][r],
	     worst_ms[rd][r], dropped[rd][r]);
	return 0;
}

static double max_of(const double *v, int n)
{
	double m = __builtin_nan("");
	int i;

	for (i = 0; i < n; i++)
		if (!(v[i] <= m))
			m = v[i];
	return m;
}

static void add_detail(struct figure *f, enum reader rd)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *s;
	int r, i;

	s = open_memstream(&buf, &len);
	if (!s)
		return;
	fprintf(s, "{\"latency_ms\": [");
	for (r = 0; r < opts.repeat; r++) {
		fprintf(s, "%s[", r ? ", " : "");
		for (i = 0; i < nr_all[rd][r]; i++)
			fprintf(s, "%s%.3f", i ? ", " : "", all_ms[rd][r][i]);
		fprintf(s, "]");
	}
	fprintf(s, "]}");
	if (!fclose(s))
		fig_detail(f, "%s", buf);
	free(buf);
}

static void add_figures(enum reader rd)
{
	const char *name = reader_names[rd], *key = reader_keys[rd];
	struct figure *f;

	f = fig_add(4, "", "ms", "%s: kill -> line, median of %d OOMs", name,
		    NR_OOMS);
	snprintf(f->key, sizeof(f->key), "%s.latency_median_ms", key);
	fig_samples(f, med_ms[rd], opts.repeat);
	fig_target(f, TARGET_MAX, LATENCY_TARGET);
	add_detail(f, rd);
	f = fig_add(4, "", "ms", "%s: kill -> line, worst (of every run)",
		    name);
	snprintf(f->key, sizeof(f->key), "%s.latency_worst_ms", key);
	fig_samples(f, worst_ms[rd], opts.repeat);
	f->value = max_of(worst_ms[rd], opts.repeat);
	f = fig_add(4, "", "", "%s: kills with no line (most of any run)",
		    name);
	snprintf(f->key, sizeof(f->key), "%s.lost", key);
	fig_samples(f, lost[rd], opts.repeat);
	f->value = max_of(lost[rd], opts.repeat);
	fig_target(f, TARGET_MAX, 0);
	f = fig_add(4, "", "", "%s: events_dropped (most of any run)", name);
	snprintf(f->key, sizeof(f->key), "%s.events_dropped", key);
	fig_samples(f, dropped[rd], opts.repeat);
	f->value = max_of(dropped[rd], opts.repeat);
	fig_target(f, TARGET_MAX, 0);
}

static int make_leaves(void)
{
	char path[256];
	int i, err;

	err = cg_mkdir(REC_CG);
	for (i = 0; i < NR_OOMS && !err; i++) {
		snprintf(path, sizeof(path), "%s/leaf%02d", REC_CG, i);
		err = cg_mkdir(path);
		if (!err) {
			snprintf(path, sizeof(path), "%s/leaf%02d/memory.max",
				 REC_CG, i);
			err = write_str(path, "%llu", LEAF_MAX);
		}
		if (!err) {
			/* no swap to slow the kill down, should the guest have any */
			snprintf(path, sizeof(path),
				 "%s/leaf%02d/memory.swap.max", REC_CG, i);
			write_str(path, "0");
		}
	}
	return err;
}

int bench_record(void)
{
	int r, rd, err;

	part_note(
		4,
		"%d hogs start at once, one in each of %d leaf cgroups (memory.max %llu MiB), "
		"under %s: %d memcg OOMs per run",
		NR_OOMS, NR_OOMS, LEAF_MAX / MiB, REC_POLICY, NR_OOMS);
	part_note(
		4,
		"latency: oom_kill_process() entry (fentry clock) to the record's line read by "
		"the bench from the reader (a pipe; for --journal, the journal's socket, bound "
		"by the bench: no journald in the guest); median of the runs' medians");
	err = make_leaves();
	if (err) {
		part_error(4, "can't create the leaves under %s: %s", REC_CG,
			   strerror(-err));
		goto out;
	}
	err = journal_open();
	if (err) {
		part_error(4, "can't bind %s: %s", JOURNAL_SOCK,
			   strerror(-err));
		goto out;
	}
	err = oomkit_cmd(NULL, 0, "policy", "load", REC_POLICY, NULL);
	if (err) {
		part_error(4, "can't load %s", REC_POLICY);
		goto out;
	}
	for (r = 0; r < opts.repeat && !err; r++)
		for (rd = 0; rd < NR_READERS && !err; rd++)
			err = storm(rd, r);
	oomkit_cmd(NULL, 0, "policy", "unload", REC_POLICY, NULL);
	if (err) {
		part_error(4, "not completed: %s (see the messages above)",
			   strerror(-err));
		goto out;
	}
	for (rd = 0; rd < NR_READERS; rd++)
		add_figures(rd);
out:
	journal_close();
	cg_remove_tree(REC_CG);
	return err;
}
