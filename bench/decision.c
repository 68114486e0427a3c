// SPDX-License-Identifier: GPL-2.0
/* oomkit-bench part 1: time spent deciding per memcg OOM, policies against the kernel's selection. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "bench.h"
#include "json.h"

/*
 * decision/ holds N leaves of TASKS_PER_LEAF sleeping tasks and the leaf
 * victim/. Each run caps decision/ at its usage plus HOG_HEADROOM and
 * starts a hog in victim/: the memcg OOM scans all N * 4 + 1 tasks (the
 * kernel) or all N + 1 leaves and their tasks (the policies), kills the
 * hog, and the sleepers survive for the next run. N grows in place.
 */
#define DEC_CG	       BENCH_CG "/decision"
#define VICTIM_CG      DEC_CG "/victim"
#define TASKS_PER_LEAF 4
#define HOG_HEADROOM   (32 * MiB)
#define HOG_STEP       MiB
#define RUN_TIMEOUT_MS 180000
#define NR_CONFIGS     3

static const char *const configs[NR_CONFIGS] = { NULL, "biggest-cgroup",
						 "preference" };

static const char *config_name(int c)
{
	return configs[c] ?: "kernel";
}

struct dec_run {
	double oom_to_kill; /* out_of_memory() entry -> oom_kill_process() entry */
	double decide; /* kernel: mem_cgroup_scan_tasks(); policy: BPF run time - kill */
	double bpf_run; /* policy: BPF stats run time of the killing run */
	double handler; /* policy: time in bpf_handle_oom(), traced */
	double kill;	/* oom_kill_process() */
};

/* medians per [size][config] */
static struct dec_run med[MAX_SIZES][NR_CONFIGS];
static struct dec_run runs[MAX_REPEAT];

static pid_t *sleepers;
static int nr_sleepers, nr_leaves;

static int add_leaves(int upto)
{
	char path[256];
	pid_t pid;
	int t, err;

	for (; nr_leaves < upto; nr_leaves++) {
		snprintf(path, sizeof(path), "%s/leaf%04d", DEC_CG, nr_leaves);
		err = cg_mkdir(path);
		if (err) {
			msg("can't create %s: %s", path, strerror(-err));
			return err;
		}
		for (t = 0; t < TASKS_PER_LEAF; t++) {
			pid = fork_into(path);
			if (pid < 0) {
				msg("can't fork into %s: %s", path,
				    strerror(-pid));
				return pid;
			}
			if (!pid) {
				child_setup("oomkit-sleeper");
				for (;;)
					pause();
			}
			sleepers[nr_sleepers++] = pid;
		}
	}
	return 0;
}

static int sleepers_alive(void)
{
	int i, n = 0;

	for (i = 0; i < nr_sleepers; i++)
		n += !kill(sleepers[i], 0) &&
		     waitpid(sleepers[i], NULL, WNOHANG) == 0;
	return n;
}

/* Sums run_cnt/run_time_ns of the loaded handle_out_of_memory handlers ('oomkit -j policy show'). */
static int handler_stats(__u64 *cnt, __u64 *ns)
{
	static char out[65536];
	const char *p = out;
	long long c, t;
	int err;

	err = oomkit_cmd(out, sizeof(out), "policy", "show", NULL);
	if (err)
		return err;
	*cnt = *ns = 0;
	/* each handler's own numbers follow its name */
	while ((p = strstr(p, "\"name\":\"handle_out_of_memory\""))) {
		c = json_num(p, "run_cnt");
		t = json_num(p, "run_time_ns");
		if (c < 0 || t < 0)
			break;
		*cnt += c;
		*ns += t;
		p = strstr(p, "\"run_time_ns\":");
	}
	return 0;
}

static int dec_run(int config, struct dec_run *r)
{
	long long cur, kills0, vkills0, kills, vkills;
	struct oom_sample s[64];
	__u64 cnt0 = 0, ns0 = 0, cnt1 = 0, ns1 = 0, others = 0;
	int i, n, sig, hit = -1;
	pid_t pid;

	*r = (struct dec_run){};
	if (configs[config] && handler_stats(&cnt0, &ns0))
		return -EIO;
	kills0 = read_key(DEC_CG "/memory.events", "oom_kill");
	vkills0 = read_key(VICTIM_CG "/memory.events", "oom_kill");
	cur = read_ll(DEC_CG "/memory.current");
	if (cur < 0 ||
	    write_str(DEC_CG "/memory.max", "%lld", cur + HOG_HEADROOM))
		return -EIO;
	timing_reset();
	pid = fork_into(VICTIM_CG);
	if (pid < 0)
		return pid;
	if (!pid) {
		child_setup("oomkit-hog");
		hog_loop(HOG_STEP, false);
	}
	sig = wait_end(pid, RUN_TIMEOUT_MS, NULL);
	write_str(DEC_CG "/memory.max", "max");
	if (sig < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		msg("%s: the hog was not killed within %d s",
		    config_name(config), RUN_TIMEOUT_MS / 1000);
		return sig;
	}
	n = timing_read(s, 64);
	if (configs[config] && handler_stats(&cnt1, &ns1))
		return -EIO;
	kills = read_key(DEC_CG "/memory.events", "oom_kill") - kills0;
	vkills = read_key(VICTIM_CG "/memory.events", "oom_kill") - vkills0;

	for (i = 0; i < n; i++) {
		if (hit < 0 && s[i].kill_ns && s[i].victim_pid == pid)
			hit = i;
		else
			others += s[i].handler_ns;
	}
	if (sig != SIGKILL || hit < 0 || kills != vkills) {
		msg("%s: the OOM did not kill the hog alone (signal %d, %d OOM calls, "
		    "hog kill recorded: %s, kills %lld in decision/, %lld in victim/)",
		    config_name(config), sig, n, hit < 0 ? "no" : "yes", kills,
		    vkills);
		return -EINVAL;
	}
	r->oom_to_kill = ns_to_ms(s[hit].kill_ns - s[hit].oom_ns);
	r->kill = ns_to_ms(s[hit].kill_end_ns - s[hit].kill_ns);
	r->handler = ns_to_ms(s[hit].handler_ns);
	if (configs[config]) {
		/* other OOM calls of the episode (victim still exiting) ran the handler too */
		r->bpf_run = ns_to_ms(ns1 - ns0 - others);
		r->decide = r->bpf_run - r->kill;
		vmsg("%s: oom->kill %.3f ms, bpf run %.3f ms (%llu runs), kill %.3f ms, "
		     "%d OOM calls",
		     config_name(config), r->oom_to_kill, r->bpf_run,
		     (unsigned long long)(cnt1 - cnt0), r->kill, n);
	} else {
		r->decide = ns_to_ms(s[hit].scan_ns);
		vmsg("kernel: oom->kill %.3f ms, scan %.3f ms, kill %.3f ms, %d OOM calls",
		     r->oom_to_kill, r->decide, r->kill, n);
	}
	return 0;
}

#define MED(field, out)                                 \
	do {                                            \
		double v_[MAX_REPEAT];                  \
		for (i = 0; i < opts.repeat; i++)       \
			v_[i] = runs[i].field;          \
		(out)->field = median(v_, opts.repeat); \
	} while (0)

static void add_config_figures(int si, int c)
{
	const char *name = config_name(c);
	int n = opts.sizes[si], i;
	double v[MAX_REPEAT];
	struct figure *f;

	for (i = 0; i < opts.repeat; i++)
		v[i] = runs[i].oom_to_kill;
	f = fig_add(1, "", "ms",
		    "%s, %d leaves: out_of_memory() -> oom_kill_process()",
		    name, n);
	snprintf(f->key, sizeof(f->key), "%s.n%d.oom_to_kill_ms", name, n);
	fig_samples(f, v, opts.repeat);
	for (i = 0; i < opts.repeat; i++)
		v[i] = runs[i].decide;
	f = fig_add(1, "", "ms", "%s, %d leaves: %s", name, n,
		    c ? "BPF run time minus the kill" :
			"mem_cgroup_scan_tasks()");
	snprintf(f->key, sizeof(f->key), "%s.n%d.decide_ms", name, n);
	fig_samples(f, v, opts.repeat);
	if (!c)
		return;
	for (i = 0; i < opts.repeat; i++)
		v[i] = runs[i].bpf_run;
	f = fig_add(1, "", "ms", "%s, %d leaves: BPF run time (bpf stats)",
		    name, n);
	snprintf(f->key, sizeof(f->key), "%s.n%d.bpf_run_ms", name, n);
	fig_samples(f, v, opts.repeat);
	for (i = 0; i < opts.repeat; i++)
		v[i] = runs[i].kill;
	f = fig_add(1, "", "ms", "%s, %d leaves: oom_kill_process()", name, n);
	snprintf(f->key, sizeof(f->key), "%s.n%d.kill_ms", name, n);
	fig_samples(f, v, opts.repeat);
}

static int measure_config(int si, int c)
{
	int i, err = 0;

	if (configs[c]) {
		/* the handler run times below need the kernel's BPF stats */
		err = oomkit_cmd(NULL, 0, "policy", "load", configs[c],
				 "--stats", NULL);
		if (err)
			return err;
	}
	for (i = 0; i < opts.repeat && !err; i++)
		err = dec_run(c, &runs[i]);
	if (configs[c])
		err = oomkit_cmd(NULL, 0, "policy", "unload", configs[c], NULL) ?:
			      err;
	if (err)
		return err;
	MED(oom_to_kill, &med[si][c]);
	MED(decide, &med[si][c]);
	MED(bpf_run, &med[si][c]);
	MED(handler, &med[si][c]);
	MED(kill, &med[si][c]);
	add_config_figures(si, c);
	return 0;
}

/* Least-squares slope of ln(y) over ln(n): y ~ n^k. */
static double fit_exponent(int c, int which)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0, x, y;
	int i, k = opts.nr_sizes;

	for (i = 0; i < k; i++) {
		y = which ? med[i][c].decide : med[i][c].oom_to_kill;
		if (!(y > 0))
			return NAN;
		x = log(opts.sizes[i]);
		y = log(y);
		sx += x;
		sy += y;
		sxx += x * x;
		sxy += x * y;
	}
	if (k < 2)
		return NAN;
	return (k * sxy - sx * sy) / (k * sxx - sx * sx);
}

static void print_matrix(int which, const char *title)
{
	char line[512];
	int c, i, len;

	part_note(1, "%s", title);
	len = snprintf(line, sizeof(line), "    %-16s", "leaves");
	for (i = 0; i < opts.nr_sizes; i++)
		len += snprintf(line + len, sizeof(line) - len, " %16d",
				opts.sizes[i]);
	part_note(1, "%s", line);
	for (c = 0; c < NR_CONFIGS; c++) {
		len = snprintf(line, sizeof(line), "    %-16s", config_name(c));
		for (i = 0; i < opts.nr_sizes; i++) {
			double v = which ? med[i][c].decide :
					   med[i][c].oom_to_kill;
			double k = which ? med[i][0].decide :
					   med[i][0].oom_to_kill;
			char cell[32];

			if (c)
				snprintf(cell, sizeof(cell), "%.3f (%.2fx)", v,
					 v / k);
			else
				snprintf(cell, sizeof(cell), "%.3f", v);
			len += snprintf(line + len, sizeof(line) - len, " %16s",
					cell);
		}
		part_note(1, "%s", line);
	}
}

static void add_targets(void)
{
	int last = opts.nr_sizes - 1, n = opts.sizes[last], c;
	struct figure *f;

	for (c = 1; c < NR_CONFIGS; c++) {
		f = fig_add(1, "", "x",
			    "%s / kernel at %d leaves, out_of_memory() -> kill",
			    configs[c], n);
		snprintf(f->key, sizeof(f->key), "%s.ratio_oom_to_kill",
			 configs[c]);
		f->value = med[last][c].oom_to_kill / med[last][0].oom_to_kill;
		fig_target(f, TARGET_MAX, 2);
		f = fig_add(1, "", "x",
			    "%s / kernel at %d leaves, deciding alone",
			    configs[c], n);
		snprintf(f->key, sizeof(f->key), "%s.ratio_decide", configs[c]);
		f->value = med[last][c].decide / med[last][0].decide;
		fig_target(f, TARGET_MAX, 2);
	}
	for (c = 0; c < NR_CONFIGS; c++) {
		f = fig_add(1, "", "",
			    "%s: exponent k of deciding time ~ leaves^k",
			    config_name(c));
		snprintf(f->key, sizeof(f->key), "%s.exponent_decide",
			 config_name(c));
		f->value = fit_exponent(c, 1);
		/* linear or better; the kernel's is context, not a target */
		if (c)
			fig_target(f, TARGET_MAX, 1.1);
		f = fig_add(
			1, "", "",
			"%s: exponent k of out_of_memory() -> kill ~ leaves^k",
			config_name(c));
		snprintf(f->key, sizeof(f->key), "%s.exponent_oom_to_kill",
			 config_name(c));
		f->value = fit_exponent(c, 0);
	}
}

int bench_decision(void)
{
	int si, c, err = 0, max = opts.sizes[opts.nr_sizes - 1];
	long long oom_dump;

	part_note(
		1,
		"memcg OOM in a cgroup of N leaves x %d sleeping tasks plus one victim leaf "
		"whose hog grows %llu MiB past the usage; median of %d runs per cell",
		TASKS_PER_LEAF, HOG_HEADROOM / MiB, opts.repeat);
	part_note(
		1,
		"times from fentry/fexit programs (bpf_ktime_get_ns) and BPF stats; "
		"the kill itself (oom_kill_process) is not part of deciding");

	sleepers = calloc((size_t)max * TASKS_PER_LEAF, sizeof(*sleepers));
	if (!sleepers)
		return -ENOMEM;
	cg_remove_tree(DEC_CG);
	if ((err = cg_mkdir(DEC_CG)) || (err = cg_mkdir(VICTIM_CG)) ||
	    (err = write_str(DEC_CG "/memory.swap.max", "0"))) {
		part_error(1, "can't set up %s: %s", DEC_CG, strerror(-err));
		goto out;
	}
	/* the report's task dump (4000 lines to the console) comes after the kill: skip it */
	oom_dump = read_ll("/proc/sys/vm/oom_dump_tasks");
	write_str("/proc/sys/vm/oom_dump_tasks", "0");

	for (si = 0; si < opts.nr_sizes && !err; si++) {
		__u64 t0 = now_ns();

		err = add_leaves(opts.sizes[si]);
		if (err)
			break;
		msg("part 1: %d leaves, %d tasks (set up in %.1f s)", nr_leaves,
		    nr_sleepers, ns_to_ms(now_ns() - t0) / 1000);
		for (c = 0; c < NR_CONFIGS && !err; c++)
			err = measure_config(si, c);
		if (!err && sleepers_alive() != nr_sleepers) {
			msg("part 1: only %d of %d sleeping tasks alive",
			    sleepers_alive(), nr_sleepers);
			err = -EINVAL;
		}
	}
	if (oom_dump >= 0)
		write_str("/proc/sys/vm/oom_dump_tasks", "%lld", oom_dump);
	if (err) {
		part_error(1, "not completed: %s (see the messages above)",
			   strerror(-err));
		goto out;
	}
	print_matrix(0,
		     "out_of_memory() entry -> oom_kill_process() entry, ms "
		     "(both: constraint check, selection, policy handlers):");
	print_matrix(
		1,
		"deciding alone, ms: kernel = its task scan (mem_cgroup_scan_tasks), "
		"policy = BPF run time (bpf stats) minus the kill it made:");
	add_targets();
out:
	cg_remove_tree(DEC_CG);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	free(sleepers);
	return err;
}
