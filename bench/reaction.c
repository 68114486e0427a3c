// SPDX-License-Identifier: GPL-2.0
/* oomkit-bench part 2: hog start to its kill under no guard, psi-guard and earlyoom. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "bench.h"

/*
 * The same hog in the same cgroup for all: react/ has memory.high H and
 * memory.max M (no swap). Past memory.high the kernel throttles the hog,
 * its only task: "full" memory pressure. At memory.max it OOM-kills it.
 * earlyoom watches the whole machine (SIGTERM at 10 % MemAvailable), so
 * two scenarios:
 *
 * cgroup:  the setup as it is: the machine has room, only the
 *          cgroup runs out. earlyoom, on its default settings, sees no
 *          trouble; what ends the hog is the kernel at memory.max.
 * machine: before each run a ballast (tasks with oom_score_adj -1000,
 *          which no killer picks) fills the guest so that earlyoom's line
 *          is crossed when the hog reaches memory.high: both guards see
 *          trouble begin at the same point, and the figures compare how
 *          fast each acts on it.
 */
#define REACT_CG       BENCH_CG "/react"
#define BALLAST_CG     BENCH_CG "/ballast"
#define HOG_STEP       MiB
#define PSI_WINDOW_US  1000000
#define RUN_TIMEOUT_MS 120000
#define EARLYOOM_LOG   "/tmp/oomkit-bench-earlyoom.log"
#define MAX_BALLAST    64
/* the ballast comes in chunks so a run can hand some back if the guest drifted */
#define CHUNK_KB	  (64 * 1024)
#define TRIM_TOLERANCE_KB 1024

enum mode {
	MODE_NONE,
	MODE_PSI,
	MODE_EARLYOOM,
	NR_MODES
};
static const char *const mode_names[NR_MODES] = { "no guard", "psi-guard",
						  "earlyoom" };
static const char *const mode_keys[NR_MODES] = { "none", "psi_guard",
						 "earlyoom" };
/* who ended the hog, indexed like the modes */
static const char *const killer_names[NR_MODES] = { "the kernel at memory.max",
						    "psi-guard", "earlyoom" };

enum scen {
	SCEN_CGROUP,
	SCEN_MACHINE,
	NR_SCENS
};
static const char *const scen_keys[NR_SCENS] = { "cgroup", "machine" };

struct react_runs {
	double start[MAX_REPEAT];    /* hog start -> its exit */
	double high[MAX_REPEAT];     /* memory.high crossed -> exit */
	double fill[MAX_REPEAT];     /* hog start -> memory.high crossed */
	double line_off[MAX_REPEAT]; /* earlyoom's line - memory.high, MiB */
	int wrong_killer, before_high;
};

static struct react_runs runs[NR_SCENS][NR_MODES];
static pid_t ballast[MAX_BALLAST];
static int nr_ballast;
static pid_t earlyoom = -1;

/* The one that should end the hog: earlyoom only acts when the machine runs low. */
static enum mode expected_killer(enum scen scen, enum mode mode)
{
	return scen == SCEN_CGROUP && mode == MODE_EARLYOOM ? MODE_NONE : mode;
}

/* where earlyoom's line goes: at memory.high, or -E MiB past it */
static long long high_kb(void)
{
	return (opts.react_high_mib + opts.react_line_mib) * 1024LL;
}

/* How far MemAvailable is above earlyoom's SIGTERM line, KiB. */
static long long headroom_kb(void)
{
	return meminfo_kb("MemAvailable") - meminfo_kb("MemTotal") / 10;
}

/* A task holding @kb KiB of anonymous memory that no killer picks; returns its pid. */
static pid_t start_ballast(long long kb)
{
	int pfd[2];
	char c;
	pid_t pid;

	if (nr_ballast == MAX_BALLAST || pipe2(pfd, O_CLOEXEC))
		return -EINVAL;
	pid = fork_into(BALLAST_CG);
	if (pid < 0)
		return pid;
	if (!pid) {
		size_t off, bytes = kb * 1024;
		volatile char *p;

		child_setup("oomkit-ballast");
		write_str("/proc/self/oom_score_adj", "-1000");
		p = malloc(bytes);
		if (p)
			for (off = 0; off < bytes; off += 4096)
				p[off] = 1;
		if (write(pfd[1], p ? "r" : "e", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(pfd[1]);
	ballast[nr_ballast++] = pid;
	if (read(pfd[0], &c, 1) != 1 || c != 'r') {
		close(pfd[0]);
		return -ENOMEM;
	}
	close(pfd[0]);
	return pid;
}

static void stop_ballast(pid_t pid)
{
	int i;

	for (i = 0; i < nr_ballast; i++) {
		if (ballast[i] != pid)
			continue;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		ballast[i] = ballast[--nr_ballast];
		return;
	}
}

/*
 * Waits (up to 30 s) until MemAvailable held still within 256 KiB for 1.5
 * s. Freed memory comes back late: pages freed in bulk (the last run's
 * hog, a stopped ballast) sit on the per-CPU page lists, which are not
 * counted as free and shrink only at each vmstat interval (1 s).
 */
static long long settle(void)
{
	long long cur, prev = headroom_kb();
	int i, stable = 0;

	for (i = 0; i < 300 && stable < 15; i++) {
		usleep(100000);
		cur = headroom_kb();
		stable = cur - prev < 256 && prev - cur < 256 ? stable + 1 : 0;
		prev = cur;
	}
	return prev;
}

/*
 * Ballast chunks fill the guest to within one chunk of the line, then
 * trim tasks take the rest: only added, as an allocation counts at once
 * and a release does not. Returns how many trim tasks were started (they
 * are the last ones in ballast[]: stopped after the run); *off_mib: how
 * far off the line ended.
 */
static int place_line(double *off_mib)
{
	long long gap = settle() - high_kb();
	int i, nr_trim = 0;
	pid_t pid;

	while (gap < -TRIM_TOLERANCE_KB && nr_ballast) {
		stop_ballast(ballast[nr_ballast - 1]);
		gap = settle() - high_kb();
	}
	while (gap > CHUNK_KB + TRIM_TOLERANCE_KB) {
		pid = start_ballast(CHUNK_KB);
		if (pid < 0)
			return pid;
		gap = settle() - high_kb();
	}
	for (i = 0; i < 6 && gap > TRIM_TOLERANCE_KB / 2; i++) {
		pid = start_ballast(gap);
		if (pid < 0)
			return pid;
		nr_trim++;
		gap = settle() - high_kb();
		vmsg("earlyoom's line %.1f MiB off its place (trim %d)",
		     gap / 1024.0, nr_trim);
	}
	*off_mib = gap / 1024.0;
	return nr_trim;
}

static void earlyoom_log_tail(void)
{
	char buf[4096];
	ssize_t n;
	int fd;

	fd = open(EARLYOOM_LOG, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	msg("earlyoom's output:\n%s", buf);
}

static int start_earlyoom(void)
{
	char buf[8192];
	int fd, i;

	unlink(EARLYOOM_LOG);
	earlyoom = fork();
	if (earlyoom < 0)
		return -errno;
	if (!earlyoom) {
		fd = open(EARLYOOM_LOG, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		/* its default settings: no options */
		execlp("earlyoom", "earlyoom", (char *)NULL);
		_exit(127);
	}
	/* up once it printed its first memory report */
	for (i = 0; i < 3000; i++) {
		fd = open(EARLYOOM_LOG, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			ssize_t n = read(fd, buf, sizeof(buf) - 1);

			close(fd);
			buf[n > 0 ? n : 0] = '\0';
			if (strstr(buf, "mem avail"))
				return 0;
		}
		if (waitpid(earlyoom, NULL, WNOHANG) == earlyoom) {
			msg("earlyoom exited: %s", buf);
			earlyoom = -1;
			return -ECHILD;
		}
		usleep(10000);
	}
	return -ETIMEDOUT;
}

static void stop_earlyoom(void)
{
	if (earlyoom <= 0)
		return;
	kill(earlyoom, SIGTERM);
	waitpid(earlyoom, NULL, 0);
	earlyoom = -1;
}

/* Who ended the hog @pid, from the kernel's kill records and its signal; -1 if unknown. */
static int find_killer(enum mode mode, pid_t pid, int sig)
{
	struct oom_sample s[64];
	int i, n = timing_read(s, 64);

	for (i = 0; i < n; i++)
		if (s[i].kill_ns && s[i].victim_pid == pid)
			return s[i].declared ? MODE_PSI : MODE_NONE;
	if (mode == MODE_EARLYOOM && (sig == SIGTERM || sig == SIGKILL))
		return MODE_EARLYOOM;
	return -1;
}

static int start_guard(enum mode mode)
{
	char watch[300], window[64];
	int err = 0;

	if (mode == MODE_PSI) {
		snprintf(watch, sizeof(watch), "watch=%s", REACT_CG);
		snprintf(window, sizeof(window), "window_usec=%d",
			 PSI_WINDOW_US);
		err = oomkit_cmd(NULL, 0, "policy", "load", "psi-guard",
				 "--set", watch, "--set", window, NULL);
	} else if (mode == MODE_EARLYOOM) {
		err = start_earlyoom();
		if (err)
			msg("can't start earlyoom: %s", strerror(-err));
	}
	return err;
}

static int stop_guard(enum mode mode)
{
	if (mode == MODE_PSI)
		return oomkit_cmd(NULL, 0, "policy", "unload", "psi-guard",
				  NULL);
	if (mode == MODE_EARLYOOM)
		stop_earlyoom();
	return 0;
}

/* Starts the hog in react/, blocked on @go_fd until the clock starts. */
static pid_t start_hog(int go_fd)
{
	pid_t pid = fork_into(REACT_CG);
	char go;

	if (pid)
		return pid;
	child_setup("oomkit-hog");
	if (read(go_fd, &go, 1) != 1)
		_exit(1);
	hog_loop(HOG_STEP, true);
}

static int react_run(enum scen scen, enum mode mode, int r)
{
	struct react_runs *rr = &runs[scen][mode];
	int pfd[2] = { -1, -1 }, sig, killer, err, nr_trim = 0;
	__u64 t0, t1, high_ns;
	enum mode want = expected_killer(scen, mode);
	pid_t pid;

	err = start_guard(mode);
	if (err)
		return err;

	rr->line_off[r] = __builtin_nan("");
	if (scen == SCEN_MACHINE) {
		/* after the guard is up: its own memory counts too */
		nr_trim = place_line(&rr->line_off[r]);
		if (nr_trim < 0) {
			err = nr_trim;
			goto out;
		}
		if (rr->line_off[r] > TRIM_TOLERANCE_KB / 1024.0 ||
		    rr->line_off[r] < -TRIM_TOLERANCE_KB / 1024.0)
			msg("%s run %d: earlyoom's line is %.1f MiB off its place",
			    mode_names[mode], r + 1, rr->line_off[r]);
	} else {
		/* the last run's hog comes back late (per-CPU lists): start from a still machine */
		settle();
	}

	if (pipe2(pfd, O_CLOEXEC)) {
		err = -errno;
		goto out;
	}
	timing_reset();
	pid = start_hog(pfd[0]);
	if (pid < 0) {
		err = pid;
		goto out;
	}
	timing_watch_high(pid);
	t0 = now_ns();
	if (write(pfd[1], "g", 1) != 1)
		err = -errno;
	sig = wait_end(pid, RUN_TIMEOUT_MS, &t1);
	high_ns = timing_over_high();
	timing_watch_high(0);
	if (sig < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		msg("%s, %s: the hog lived %d s", scen_keys[scen],
		    mode_names[mode], RUN_TIMEOUT_MS / 1000);
		err = sig;
		goto out;
	}

	killer = find_killer(mode, pid, sig);
	rr->start[r] = ns_to_ms(t1 - t0);
	rr->high[r] = high_ns ? ns_to_ms(t1 - high_ns) : __builtin_nan("");
	rr->fill[r] = high_ns ? ns_to_ms(high_ns - t0) : __builtin_nan("");
	rr->before_high += !high_ns;
	if (killer != (int)want) {
		rr->wrong_killer++;
		msg("%s, %s run %d: the hog was ended by %s (signal %d)",
		    scen_keys[scen], mode_names[mode], r + 1,
		    killer < 0 ? "nobody known" : killer_names[killer], sig);
		if (mode == MODE_EARLYOOM)
			earlyoom_log_tail();
	}
	vmsg("%s, %s: hog ended %.1f ms after its start, %.1f ms after memory.high "
	     "(crossed at %.1f ms), by %s (signal %d)",
	     scen_keys[scen], mode_names[mode], rr->start[r], rr->high[r],
	     rr->fill[r], killer < 0 ? "?" : killer_names[killer], sig);
out:
	if (pfd[0] >= 0) {
		close(pfd[0]);
		close(pfd[1]);
	}
	while (nr_trim-- > 0 && nr_ballast)
		stop_ballast(ballast[nr_ballast - 1]);
	return stop_guard(mode) ?: err;
}

static struct figure *add_runs(enum scen scen, enum mode mode, const char *what,
			       const char *key, const double *v)
{
	struct figure *f = fig_add(2, "", "ms", "%s: %s: %s", scen_keys[scen],
				   mode_names[mode], what);

	snprintf(f->key, sizeof(f->key), "%s.%s.%s", scen_keys[scen],
		 mode_keys[mode], key);
	fig_samples(f, v, opts.repeat);
	return f;
}

static void add_ratio(enum scen scen, const char *key, const char *what,
		      const struct figure *num, const struct figure *den,
		      double min)
{
	struct figure *f = fig_add(2, "", "x", "%s: %s", scen_keys[scen], what);

	snprintf(f->key, sizeof(f->key), "%s.%s", scen_keys[scen], key);
	f->value = num->value / den->value;
	if (min)
		fig_target(f, TARGET_MIN, min);
}

static void add_figures(enum scen scen)
{
	struct figure *start[NR_MODES] = {}, *high[NR_MODES] = {};
	const double window_ms = PSI_WINDOW_US / 1000 + 50;
	struct react_runs *rr;
	enum mode m;

	for (m = 0; m < NR_MODES; m++) {
		rr = &runs[scen][m];
		if (scen == SCEN_MACHINE && m == MODE_NONE)
			continue;
		start[m] = add_runs(scen, m, "hog start -> hog gone",
				    "reaction_ms", rr->start);
		if (m == MODE_PSI) {
			fig_target(start[m], TARGET_MAX, window_ms);
			add_runs(scen, m, "hog start -> memory.high crossed",
				 "fill_ms", rr->fill);
		}
		if (m != MODE_NONE)
			high[m] = add_runs(scen, m,
					   "memory.high crossed -> hog gone",
					   "after_high_ms", rr->high);
		if (m == MODE_PSI)
			fig_target(high[m], TARGET_MAX, window_ms);
		if (scen == SCEN_MACHINE && m == MODE_EARLYOOM) {
			struct figure *f = fig_add(
				2, "", "MiB",
				"machine: earlyoom's line, off its place");

			snprintf(f->key, sizeof(f->key),
				 "machine.earlyoom.line_offset_mib");
			fig_samples(f, rr->line_off, opts.repeat);
		}
		if (rr->wrong_killer)
			part_error(
				2,
				"%s, %s: in %d of %d runs the hog was not ended by %s",
				scen_keys[scen], mode_names[m],
				rr->wrong_killer, opts.repeat,
				killer_names[expected_killer(scen, m)]);
		if (rr->before_high)
			part_note(
				2,
				"%s, %s: in %d of %d runs the hog was gone before it crossed "
				"memory.high (no 'after memory.high' time)",
				scen_keys[scen], mode_names[m], rr->before_high,
				opts.repeat);
	}
	/* the 5x is judged where its setup is: the cgroup scenario */
	add_ratio(scen, "earlyoom_over_psi_guard",
		  "earlyoom / psi-guard, from the hog's start",
		  start[MODE_EARLYOOM], start[MODE_PSI],
		  scen == SCEN_CGROUP ? 5 : 0);
	if (scen == SCEN_CGROUP)
		add_ratio(scen, "none_over_psi_guard",
			  "no guard / psi-guard, from the hog's start",
			  start[MODE_NONE], start[MODE_PSI], 0);
	else
		add_ratio(scen, "earlyoom_over_psi_guard_after_high",
			  "earlyoom / psi-guard, from memory.high",
			  high[MODE_EARLYOOM], high[MODE_PSI], 0);
}

static void add_notes(void)
{
	part_note(
		2,
		"one hog taking %llu MiB per mmap(MAP_POPULATE), as fast as it can, in a "
		"cgroup with memory.high %d MiB, memory.max %d MiB, no swap",
		HOG_STEP / MiB, opts.react_high_mib, opts.react_max_mib);
	part_note(
		2,
		"no guard: past memory.high the kernel throttles the hog (memory pressure), "
		"at memory.max it OOM-kills it");
	part_note(
		2,
		"psi-guard: watch=that cgroup, full pressure 100 ms per %d ms window; "
		"it declares a memcg OOM there and the kernel kills",
		PSI_WINDOW_US / 1000);
	part_note(
		2,
		"earlyoom: Debian's, default settings (SIGTERM at 10 %% MemAvailable)");
	part_note(
		2,
		"cgroup: the machine has room, only the cgroup runs out: earlyoom does not "
		"act, the kernel kills at memory.max");
	if (opts.react_line_mib)
		part_note(
			2,
			"machine: ballast tasks (oom_score_adj -1000) fill the guest so that "
			"earlyoom's line is crossed %d MiB past memory.high (-E)",
			opts.react_line_mib);
	else
		part_note(
			2,
			"machine: ballast tasks (oom_score_adj -1000) fill the guest so that "
			"earlyoom's line is crossed at memory.high: both see trouble at once");
	part_note(
		2,
		"times: CLOCK_MONOTONIC from releasing the hog, memory.high from an fentry "
		"program, to its exit seen on a pidfd; modes alternate; median of %d",
		opts.repeat);
}

static int run_scenario(enum scen scen)
{
	int r, err = 0;
	enum mode m;

	for (r = 0; r < opts.repeat && !err; r++)
		for (m = 0; m < NR_MODES && !err; m++)
			if (scen != SCEN_MACHINE || m != MODE_NONE)
				err = react_run(scen, m, r);
	if (err)
		part_error(2, "%s: not completed: %s (see the messages above)",
			   scen_keys[scen], strerror(-err));
	else
		add_figures(scen);
	return err;
}

int bench_reaction(void)
{
	long long high = opts.react_high_mib * MiB,
		  max = opts.react_max_mib * MiB;
	int err;

	add_notes();
	cg_remove_tree(REACT_CG);
	cg_remove_tree(BALLAST_CG);
	if ((err = cg_mkdir(REACT_CG)) || (err = cg_mkdir(BALLAST_CG)) ||
	    (err = write_str(REACT_CG "/memory.high", "%lld", high)) ||
	    (err = write_str(REACT_CG "/memory.max", "%lld", max)) ||
	    (err = write_str(REACT_CG "/memory.swap.max", "0"))) {
		part_error(2, "can't set up %s: %s", REACT_CG, strerror(-err));
		goto out;
	}
	msg("part 2: %lld MiB above earlyoom's line", headroom_kb() / 1024);

	/* no ballast yet: the machine has room */
	err = run_scenario(SCEN_CGROUP);
	err = run_scenario(SCEN_MACHINE) ?: err;
out:
	stop_earlyoom();
	while (nr_ballast)
		stop_ballast(ballast[0]);
	cg_remove_tree(REACT_CG);
	cg_remove_tree(BALLAST_CG);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return err;
}
