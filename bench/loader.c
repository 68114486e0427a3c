// SPDX-License-Identifier: GPL-2.0
/* oomkit-bench part 3: wall time and peak RSS of 'oomkit policy load' against 'bpftool struct_ops register'. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "bench.h"

/* bpftool pins the struct_ops links here, as oomkit pins its own */
#define BPFTOOL_PIN_DIR "/sys/fs/bpf/oomkit-bench"

static const char *const policies[] = { "biggest-cgroup", "psi-guard" };
#define NR_POLICIES (int)(sizeof(policies) / sizeof(policies[0]))

enum tool {
	TOOL_OOMKIT,
	TOOL_BPFTOOL,
	NR_TOOLS
};
static const char *const tool_names[NR_TOOLS] = {
	"oomkit policy load", "bpftool struct_ops register"
};

static double wall[NR_POLICIES][NR_TOOLS][MAX_REPEAT];
static double rss[NR_POLICIES][NR_TOOLS][MAX_REPEAT];

static int unpin_bpftool(void)
{
	char *argv[] = { "rm", "-rf", BPFTOOL_PIN_DIR, NULL };

	return run_cmd(argv, NULL, 0, NULL);
}

static int load_once(int p, enum tool t, int r)
{
	char obj[512], out[8192];
	struct run_cost cost;
	int err;

	if (t == TOOL_OOMKIT) {
		char *argv[] = { (char *)opts.oomkit, "policy", "load",
				 (char *)policies[p], NULL };

		err = run_cmd(argv, out, sizeof(out), &cost);
	} else {
		char *argv[] = { (char *)opts.bpftool, "struct_ops",
				 "register",	       obj,
				 BPFTOOL_PIN_DIR,      NULL };

		snprintf(obj, sizeof(obj), "%s/%s.bpf.o", opts.policy_dir,
			 policies[p]);
		mkdir(BPFTOOL_PIN_DIR, 0755);
		err = run_cmd(argv, out, sizeof(out), &cost);
	}
	if (err) {
		msg("%s %s failed (%d): %s", tool_names[t], policies[p], err,
		    out);
		return -EIO;
	}
	if (r >= 0) {
		wall[p][t][r] = cost.wall_ms;
		rss[p][t][r] = cost.maxrss_mib;
	}
	vmsg("%s %s%s: %.1f ms, %.2f MiB", tool_names[t], policies[p],
	     r < 0 ? " (warm-up)" : "", cost.wall_ms, cost.maxrss_mib);

	/* detach: neither unload is timed */
	if (t == TOOL_OOMKIT)
		return oomkit_cmd(NULL, 0, "policy", "unload", policies[p],
				  NULL);
	return unpin_bpftool() ? -EIO : 0;
}

static void add_figures(int p)
{
	struct figure *f, *w[NR_TOOLS], *m[NR_TOOLS];
	int t;

	for (t = 0; t < NR_TOOLS; t++) {
		w[t] = f = fig_add(3, "", "ms", "%s %s: wall time",
				   tool_names[t], policies[p]);
		snprintf(f->key, sizeof(f->key), "%s.%s.wall_ms", policies[p],
			 t ? "bpftool" : "oomkit");
		fig_samples(f, wall[p][t], opts.repeat);
		m[t] = f = fig_add(3, "", "MiB", "%s %s: peak RSS",
				   tool_names[t], policies[p]);
		snprintf(f->key, sizeof(f->key), "%s.%s.maxrss_mib",
			 policies[p], t ? "bpftool" : "oomkit");
		fig_samples(f, rss[p][t], opts.repeat);
	}
	f = fig_add(3, "", "x", "oomkit / bpftool, %s: wall time", policies[p]);
	snprintf(f->key, sizeof(f->key), "%s.ratio_wall", policies[p]);
	f->value = w[TOOL_OOMKIT]->value / w[TOOL_BPFTOOL]->value;
	fig_target(f, TARGET_MAX, 1.5);
	f = fig_add(3, "", "x", "oomkit / bpftool, %s: peak RSS", policies[p]);
	snprintf(f->key, sizeof(f->key), "%s.ratio_maxrss", policies[p]);
	f->value = m[TOOL_OOMKIT]->value / m[TOOL_BPFTOOL]->value;
	fig_target(f, TARGET_MAX, 1.5);
}

int bench_loader(void)
{
	int p, r, t, err = 0;

	part_note(
		3,
		"each run execs the tool on the same object (oomkit: the built-in copy of "
		"build/policies/<name>.bpf.o) and times it to its exit:");
	part_note(
		3,
		"wall time from fork to wait4, peak RSS from wait4's rusage; both pin their "
		"links; detaching is not timed; runs alternate the tools after one untimed run "
		"each (cold caches); median of %d",
		opts.repeat);

	oomkit_cmd(NULL, 0, "policy", "unload", "--all", NULL);
	unpin_bpftool();
	for (p = 0; p < NR_POLICIES && !err; p++)
		for (r = -1; r < opts.repeat && !err; r++)
			for (t = 0; t < NR_TOOLS && !err; t++)
				err = load_once(p, t, r);
	if (err) {
		part_error(3, "not completed: %s (see the messages above)",
			   strerror(-err));
		oomkit_cmd(NULL, 0, "policy", "unload", "--all", NULL);
		unpin_bpftool();
		return err;
	}
	for (p = 0; p < NR_POLICIES; p++)
		add_figures(p);
	return 0;
}
