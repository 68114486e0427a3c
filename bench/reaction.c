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
 * The same hog in the same cgroup for all three: react/ has memory.high
 * REACT_HIGH and memory.max REACT_MAX, no swap. Past memory.high the
 * kernel throttles the hog (memory pressure, all its tasks stalled), and
 * at memory.max it OOM-kills it. earlyoom watches the whole machine
 * (SIGTERM below 10 % MemAvailable): a ballast task (oom_score_adj -1000,
 * so neither killer picks it) takes up the guest's memory until that line
 * is crossed when the hog holds REACT_EARLYOOM, halfway between
 * memory.high and memory.max. So each guard has its own trigger on the
 * hog's way up: psi-guard the stall past memory.high, earlyoom the
 * machine's low memory, the kernel the hard limit.
 */
#define REACT_CG	BENCH_CG "/react"
#define BALLAST_CG	BENCH_CG "/ballast"
#define REACT_HIGH	(64 * MiB)
#define REACT_MAX	(96 * MiB)
#define REACT_EARLYOOM	((REACT_HIGH + REACT_MAX) / 2)
#define HOG_STEP	MiB
#define PSI_WINDOW_US	1000000
#define RUN_TIMEOUT_MS	120000
#define EARLYOOM_LOG	"/tmp/oomkit-bench-earlyoom.log"
#define NR_MODES	3
#define MAX_BALLAST	4

enum mode { MODE_NONE, MODE_PSI, MODE_EARLYOOM };
static const char *const mode_names[NR_MODES] = { "no guard", "psi-guard", "earlyoom" };
static const char *const mode_keys[NR_MODES] = { "none", "psi_guard", "earlyoom" };
/* who ended the hog */
static const char *const killer_names[NR_MODES] = { "kernel at memory.max", "psi-guard",
						      "earlyoom" };

static double reaction[NR_MODES][MAX_REPEAT];
static int wrong_killer[NR_MODES];
static pid_t ballast[MAX_BALLAST];
static int nr_ballast;
static pid_t earlyoom = -1;

static int start_ballast(long long bytes)
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
		size_t off;
		char *p;

		child_setup("oomkit-ballast");
		write_str("/proc/self/oom_score_adj", "-1000");
		p = malloc(bytes);
		if (p)
			for (off = 0; off < (size_t)bytes; off += 4096)
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
	return 0;
}

/* Fills the guest until MemAvailable is 10 % of MemTotal plus REACT_EARLYOOM. */
static int fill_guest(long long *left_kb)
{
	long long total = meminfo_kb("MemTotal"), avail, want, gap;
	int i, err;

	want = total / 10 + REACT_EARLYOOM / 1024;
	for (i = 0; i < MAX_BALLAST; i++) {
		avail = meminfo_kb("MemAvailable");
		gap = avail - want;
		vmsg("MemAvailable %lld KiB, wanted %lld KiB", avail, want);
		if (gap < 4096)
			break;
		err = start_ballast(gap * 1024);
		if (err)
			return err;
	}
	*left_kb = meminfo_kb("MemAvailable") - total / 10;
	return 0;
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
	__u64 t0, t1;
	int pfd[2], i, n, sig, err = 0;
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
	close(pfd[0]);
	t0 = now_ns();
	if (write(pfd[1], &go, 1) != 1)
		err = -errno;
	close(pfd[1]);
	sig = wait_end(pid, RUN_TIMEOUT_MS, &t1);
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
	if (!killer || strcmp(killer, killer_names[mode])) {
		wrong_killer[mode]++;
		msg("%s run %d: the hog was ended by %s (signal %d)", mode_names[mode], r + 1,
		    killer ?: "nobody known", sig);
	}
	vmsg("%s: hog ended after %.1f ms by %s (signal %d)", mode_names[mode],
	     reaction[mode][r], killer ?: "?", sig);
out:
	if (mode == MODE_PSI)
		err = oomkit_cmd(NULL, 0, "policy", "unload", "psi-guard", NULL) ?: err;
	else if (mode == MODE_EARLYOOM)
		stop_earlyoom();
	return err;
}

static void add_figures(void)
{
	struct figure *f, *fig[NR_MODES];
	int m;

	for (m = 0; m < NR_MODES; m++) {
		fig[m] = f = fig_add(2, "", "ms", "%s: hog start -> hog killed", mode_names[m]);
		snprintf(f->key, sizeof(f->key), "%s.reaction_ms", mode_keys[m]);
		fig_samples(f, reaction[m], opts.repeat);
		if (m == MODE_PSI)
			fig_target(f, TARGET_MAX, PSI_WINDOW_US / 1000 + 50);
		if (wrong_killer[m])
			part_error(2, "%s: in %d of %d runs the hog was not ended by %s",
				   mode_names[m], wrong_killer[m], opts.repeat, killer_names[m]);
	}
	f = fig_add(2, "earlyoom_over_psi_guard", "x", "earlyoom / psi-guard");
	f->value = fig[MODE_EARLYOOM]->value / fig[MODE_PSI]->value;
	fig_target(f, TARGET_MIN, 5);
	f = fig_add(2, "none_over_psi_guard", "x", "no guard / psi-guard");
	f->value = fig[MODE_NONE]->value / fig[MODE_PSI]->value;
}

int bench_reaction(void)
{
	long long left_kb = 0;
	int r, m, err;

	part_note(2, "one hog touching %llu MiB at a time, as fast as it can, in a cgroup with "
		  "memory.high %llu MiB, memory.max %llu MiB, no swap", HOG_STEP / MiB,
		  REACT_HIGH / MiB, REACT_MAX / MiB);
	part_note(2, "no guard: the kernel OOM-kills at memory.max (past memory.high the hog "
		  "is throttled: memory pressure)");
	part_note(2, "psi-guard: watch=that cgroup, full pressure 100 ms per %d ms window; "
		  "it declares a memcg OOM there", PSI_WINDOW_US / 1000);
	part_note(2, "earlyoom: Debian's, default settings (SIGTERM below 10 %% MemAvailable); a "
		  "ballast task (oom_score_adj -1000) fills the guest so that line is crossed");
	part_note(2, "when the hog holds ~%llu MiB, halfway between memory.high and memory.max",
		  REACT_EARLYOOM / MiB);
	part_note(2, "reaction: from releasing the hog to its exit seen on a pidfd "
		  "(CLOCK_MONOTONIC); runs alternate the three modes; median of %d", opts.repeat);

	cg_remove_tree(REACT_CG);
	cg_remove_tree(BALLAST_CG);
	if ((err = cg_mkdir(REACT_CG)) || (err = cg_mkdir(BALLAST_CG)) ||
	    (err = write_str(REACT_CG "/memory.high", "%llu", REACT_HIGH)) ||
	    (err = write_str(REACT_CG "/memory.max", "%llu", REACT_MAX)) ||
	    (err = write_str(REACT_CG "/memory.swap.max", "0"))) {
		part_error(2, "can't set up %s: %s", REACT_CG, strerror(-err));
		goto out;
	}
	err = fill_guest(&left_kb);
	if (err) {
		part_error(2, "can't fill the guest: %s", strerror(-err));
		goto out;
	}
	msg("part 2: ballast in place: %lld MiB above earlyoom's line", left_kb / 1024);
	part_note(2, "measured: after the ballast, %lld MiB were left above earlyoom's line",
		  left_kb / 1024);

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
	cg_remove_tree(REACT_CG);
	cg_remove_tree(BALLAST_CG);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	nr_ballast = 0;
	return err;
}
