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
 * The same hog in the same cgroup for all three: react/ has memory.high H
 * and memory.max M (no swap). Past memory.high the kernel throttles the
 * hog, its only task: "full" memory pressure. At memory.max it OOM-kills
 * it. earlyoom watches the whole machine (SIGTERM at 10 % MemAvailable):
 * before each run a ballast (tasks with oom_score_adj -1000, which
 * neither killer picks) fills the guest so that line is crossed when the
 * hog reaches memory.high too. So psi-guard and earlyoom see trouble
 * begin at the same point, and the figures compare how fast each acts;
 * with no guard the hog goes on, throttled, to memory.max.
 */
#define REACT_CG	BENCH_CG "/react"
#define BALLAST_CG	BENCH_CG "/ballast"
#define HOG_STEP	MiB
#define PSI_WINDOW_US	1000000
#define RUN_TIMEOUT_MS	120000
#define EARLYOOM_LOG	"/tmp/oomkit-bench-earlyoom.log"
#define NR_MODES	3
#define MAX_BALLAST	64
/* the ballast comes in chunks so a run can hand some back if the guest drifted */
#define CHUNK_KB	(64 * 1024)
#define TRIM_TOLERANCE_KB 1024

enum mode { MODE_NONE, MODE_PSI, MODE_EARLYOOM };
static const char *const mode_names[NR_MODES] = { "no guard", "psi-guard", "earlyoom" };
static const char *const mode_keys[NR_MODES] = { "none", "psi_guard", "earlyoom" };
/* who ended the hog */
static const char *const killer_names[NR_MODES] = { "kernel at memory.max", "psi-guard",
						      "earlyoom" };

static double reaction[NR_MODES][MAX_REPEAT];	/* hog start -> its exit */
static double after_high[NR_MODES][MAX_REPEAT];	/* memory.high crossed -> exit */
static double line_off[NR_MODES][MAX_REPEAT];	/* earlyoom's line - memory.high, MiB */
static int wrong_killer[NR_MODES], before_high[NR_MODES];
static pid_t ballast[MAX_BALLAST];
static int nr_ballast;
static pid_t earlyoom = -1;

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
		vmsg("earlyoom's line %.1f MiB off its place (trim %d)", gap / 1024.0, nr_trim);
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

static int react_run(enum mode mode, int r)
{
	struct oom_sample s[64];
	const char *killer = NULL;
	__u64 t0, t1, high_ns;
	int pfd[2] = { -1, -1 }, i, n, sig, err = 0;
	int nr_trim = 0;
	pid_t pid;
	char go = 'g';

	if (mode == MODE_PSI) {
		char watch[300], window[64];

		snprintf(watch, sizeof(watch), "watch=%s", REACT_CG);
		snprintf(window, sizeof(window), "window_usec=%d", PSI_WINDOW_US);
		err = oomkit_cmd(NULL, 0, "policy", "load", "psi-guard", "--set", watch,
				 "--set", window, NULL);
	} else if (mode == MODE_EARLYOOM) {
		err = start_earlyoom();
		if (err)
			msg("can't start earlyoom: %s", strerror(-err));
	}
	if (err)
		return err;

	/* after the guard is up: its own memory counts too */
	nr_trim = place_line(&line_off[mode][r]);
	if (nr_trim < 0) {
		err = nr_trim;
		goto out;
	}
	if (line_off[mode][r] > TRIM_TOLERANCE_KB / 1024.0 ||
	    line_off[mode][r] < -TRIM_TOLERANCE_KB / 1024.0)
		msg("%s run %d: earlyoom's line is %.1f MiB off its place", mode_names[mode],
		    r + 1, line_off[mode][r]);

	if (pipe2(pfd, O_CLOEXEC)) {
		err = -errno;
		goto out;
	}
	timing_reset();
	pid = fork_into(REACT_CG);
	if (pid < 0) {
		err = pid;
		goto out;
	}
	if (!pid) {
		child_setup("oomkit-hog");
		if (read(pfd[0], &go, 1) != 1)
			_exit(1);
		hog_loop(HOG_STEP);
	}
	timing_watch_high(pid);
	t0 = now_ns();
	if (write(pfd[1], &go, 1) != 1)
		err = -errno;
	sig = wait_end(pid, RUN_TIMEOUT_MS, &t1);
	high_ns = timing_over_high();
	timing_watch_high(0);
	if (sig < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		msg("%s: the hog lived %d s", mode_names[mode], RUN_TIMEOUT_MS / 1000);
		err = sig;
		goto out;
	}

	n = timing_read(s, 64);
	for (i = 0; i < n && !killer; i++)
		if (s[i].kill_ns && s[i].victim_pid == pid)
			killer = s[i].declared ? killer_names[MODE_PSI] : killer_names[MODE_NONE];
	if (!killer && mode == MODE_EARLYOOM && (sig == SIGTERM || sig == SIGKILL))
		killer = killer_names[MODE_EARLYOOM];
	reaction[mode][r] = ns_to_ms(t1 - t0);
	after_high[mode][r] = high_ns ? ns_to_ms(t1 - high_ns) : __builtin_nan("");
	before_high[mode] += !high_ns;
	if (!killer || strcmp(killer, killer_names[mode])) {
		wrong_killer[mode]++;
		msg("%s run %d: the hog was ended by %s (signal %d)", mode_names[mode], r + 1,
		    killer ?: "nobody known", sig);
		if (mode == MODE_EARLYOOM)
			earlyoom_log_tail();
	}
	vmsg("%s: hog ended %.1f ms after its start, %.1f ms after memory.high, by %s "
	     "(signal %d); earlyoom's line %.1f MiB off its place", mode_names[mode],
	     reaction[mode][r], after_high[mode][r], killer ?: "?", sig, line_off[mode][r]);
out:
	if (pfd[0] >= 0) {
		close(pfd[0]);
		close(pfd[1]);
	}
	while (nr_trim-- > 0 && nr_ballast)
		stop_ballast(ballast[nr_ballast - 1]);
	if (mode == MODE_PSI)
		err = oomkit_cmd(NULL, 0, "policy", "unload", "psi-guard", NULL) ?: err;
	else if (mode == MODE_EARLYOOM)
		stop_earlyoom();
	return err;
}

static void add_figures(void)
{
	struct figure *f, *start[NR_MODES], *high[NR_MODES];
	int m;

	for (m = 0; m < NR_MODES; m++) {
		start[m] = f = fig_add(2, "", "ms", "%s: hog start -> hog gone", mode_names[m]);
		snprintf(f->key, sizeof(f->key), "%s.reaction_ms", mode_keys[m]);
		fig_samples(f, reaction[m], opts.repeat);
		if (m == MODE_PSI)
			fig_target(f, TARGET_MAX, PSI_WINDOW_US / 1000 + 50);
		high[m] = f = fig_add(2, "", "ms", "%s: memory.high crossed -> hog gone",
				      mode_names[m]);
		snprintf(f->key, sizeof(f->key), "%s.after_high_ms", mode_keys[m]);
		fig_samples(f, after_high[m], opts.repeat);
		if (m == MODE_PSI)
			fig_target(f, TARGET_MAX, PSI_WINDOW_US / 1000 + 50);
		if (m == MODE_EARLYOOM) {
			f = fig_add(2, "earlyoom.line_offset_mib", "MiB",
				    "earlyoom: its line's distance from its place at the start");
			fig_samples(f, line_off[m], opts.repeat);
		}
		if (wrong_killer[m])
			part_error(2, "%s: in %d of %d runs the hog was not ended by %s",
				   mode_names[m], wrong_killer[m], opts.repeat, killer_names[m]);
		if (before_high[m])
			part_note(2, "%s: in %d of %d runs the hog was gone before it crossed "
				  "memory.high (no 'after memory.high' time)", mode_names[m],
				  before_high[m], opts.repeat);
	}
	f = fig_add(2, "earlyoom_over_psi_guard", "x", "earlyoom / psi-guard, from the hog's start");
	f->value = start[MODE_EARLYOOM]->value / start[MODE_PSI]->value;
	fig_target(f, TARGET_MIN, 5);
	f = fig_add(2, "earlyoom_over_psi_guard_after_high", "x",
		    "earlyoom / psi-guard, from memory.high");
	f->value = high[MODE_EARLYOOM]->value / high[MODE_PSI]->value;
	fig_target(f, TARGET_MIN, 5);
	f = fig_add(2, "none_over_psi_guard", "x", "no guard / psi-guard, from the hog's start");
	f->value = start[MODE_NONE]->value / start[MODE_PSI]->value;
}

int bench_reaction(void)
{
	long long high = opts.react_high_mib * MiB, max = opts.react_max_mib * MiB;
	int r, m, err;

	part_note(2, "one hog touching %llu MiB at a time, as fast as it can, in a cgroup with "
		  "memory.high %d MiB, memory.max %d MiB, no swap", HOG_STEP / MiB,
		  opts.react_high_mib, opts.react_max_mib);
	part_note(2, "no guard: past memory.high the kernel throttles the hog (memory pressure), "
		  "at memory.max it OOM-kills it");
	part_note(2, "psi-guard: watch=that cgroup, full pressure 100 ms per %d ms window; "
		  "it declares a memcg OOM there and the kernel kills", PSI_WINDOW_US / 1000);
	part_note(2, "earlyoom: Debian's, default settings (SIGTERM at 10 %% MemAvailable); "
		  "before each run ballast tasks (oom_score_adj -1000)");
	if (opts.react_line_mib)
		part_note(2, "fill the guest so that its line is crossed when the hog is %d MiB "
			  "past memory.high (-E)", opts.react_line_mib);
	else
		part_note(2, "fill the guest so that its line is crossed when the hog reaches "
			  "memory.high: both guards see trouble begin at the same point");
	part_note(2, "times: CLOCK_MONOTONIC from releasing the hog, memory.high from an fentry "
		  "program, to its exit seen on a pidfd; modes alternate; median of %d",
		  opts.repeat);

	cg_remove_tree(REACT_CG);
	cg_remove_tree(BALLAST_CG);
	if ((err = cg_mkdir(REACT_CG)) || (err = cg_mkdir(BALLAST_CG)) ||
	    (err = write_str(REACT_CG "/memory.high", "%lld", high)) ||
	    (err = write_str(REACT_CG "/memory.max", "%lld", max)) ||
	    (err = write_str(REACT_CG "/memory.swap.max", "0"))) {
		part_error(2, "can't set up %s: %s", REACT_CG, strerror(-err));
		goto out;
	}
	msg("part 2: %lld MiB above earlyoom's line before the ballast", headroom_kb() / 1024);

	for (r = 0; r < opts.repeat && !err; r++)
		for (m = 0; m < NR_MODES && !err; m++)
			err = react_run(m, r);
	if (err) {
		part_error(2, "not completed: %s (see the messages above)", strerror(-err));
		goto out;
	}
	add_figures();
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
