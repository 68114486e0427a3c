// SPDX-License-Identifier: GPL-2.0
/* oomkit-bench part 3: what loading costs, 'oomkit policy load' against 'bpftool struct_ops register', and the verifier's work. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "bench.h"

/* bpftool pins the struct_ops links here, as oomkit pins its own */
#define BPFTOOL_PIN_DIR "/sys/fs/bpf/oomkit-bench"
#define MAX_PROGS	64
/* the kernel's cap is 1,000,000 (BPF_COMPLEXITY_LIMIT_INSNS); we keep a tenth */
#define INSNS_TARGET 100000

enum tool {
	TOOL_OOMKIT,
	TOOL_BPFTOOL,
	NR_TOOLS
};
static const char *const tool_names[NR_TOOLS] = {
	"oomkit policy load", "bpftool struct_ops register"
};

static double wall[MAX_POLICIES][NR_TOOLS][MAX_REPEAT];
static double rss[MAX_POLICIES][NR_TOOLS][MAX_REPEAT];
static double insns_max[MAX_POLICIES][MAX_REPEAT];
/* every program of the last oomkit load of each policy */
static struct kobj_info progs[MAX_POLICIES][MAX_PROGS];
static int nr_progs[MAX_POLICIES];
static bool bpftool_failed[MAX_POLICIES];

static int unpin_bpftool(void)
{
	char *argv[] = { "rm", "-rf", BPFTOOL_PIN_DIR, NULL };

	return run_cmd(argv, NULL, 0, NULL);
}

/*
 * bpftool pins each link under the kernel's name of its map, 15
 * characters: a policy's level-1 and level-2 maps (biggest_cgroup_ops,
 * biggest_cgroup_ops___l2) then share a name, the second pin fails and
 * bpftool exits 255, with every map loaded and registered all the same.
 * That run counts; any other error does not.
 */
static bool only_pin_clashes(const char *out)
{
	const char *p;
	int errors = 0, clashes = 0;

	for (p = out; (p = strstr(p, "Error: ")); p++) {
		errors++;
		clashes += !strncmp(p, "Error: can't pin link ", 22) &&
			   strstr(p, ": File exists") &&
			   strstr(p, ": File exists") < strchrnul(p, '\n');
	}
	return errors && errors == clashes;
}

/* What the verifier went through for each program the load left behind. */
static int read_insns(int p, const struct kobj_ids *before, int r)
{
	struct kobj_ids *added;
	int i, err;

	added = malloc(sizeof(*added));
	if (!added)
		return -ENOMEM;
	err = kobjs_added(before, added);
	if (err)
		goto out;
	nr_progs[p] = 0;
	insns_max[p][r] = 0;
	for (i = 0; i < added->nr_progs && i < MAX_PROGS; i++) {
		struct kobj_info *k = &progs[p][nr_progs[p]];

		err = kobj_prog(added->progs[i], k);
		if (err)
			goto out;
		nr_progs[p]++;
		if (k->verified_insns > insns_max[p][r])
			insns_max[p][r] = k->verified_insns;
	}
	if (!nr_progs[p])
		err = -ENOENT;
out:
	free(added);
	return err;
}

static int load_once(int p, enum tool t, int r, struct kobj_ids *before)
{
	const char *name = bench_policies[p];
	char obj[512], out[8192];
	struct run_cost cost;
	int err;

	if (t == TOOL_OOMKIT) {
		char *argv[] = { (char *)opts.oomkit, "policy", "load",
				 (char *)name, NULL };

		err = kobjs_snapshot(before);
		err = err ?: run_cmd(argv, out, sizeof(out), &cost);
	} else {
		char *argv[] = { (char *)opts.bpftool, "struct_ops",
				 "register",	       obj,
				 BPFTOOL_PIN_DIR,      NULL };

		snprintf(obj, sizeof(obj), "%s/%s.bpf.o", opts.policy_dir,
			 name);
		if (bpftool_failed[p])
			return 0;
		mkdir(BPFTOOL_PIN_DIR, 0755);
		err = run_cmd(argv, out, sizeof(out), &cost);
	}
	if (err && t == TOOL_BPFTOOL && only_pin_clashes(out)) {
		vmsg("bpftool %s: a link pin clashed, everything else done",
		     name);
		err = 0;
	}
	if (err && t == TOOL_BPFTOOL) {
		/* e.g. a level-2 variant's program this kernel refuses */
		msg("%s %s failed (%d), no comparison for it", tool_names[t],
		    name, err);
		bpftool_failed[p] = true;
		unpin_bpftool();
		return 0;
	}
	if (err) {
		msg("%s %s failed (%d): %s", tool_names[t], name, err, out);
		return -EIO;
	}
	if (r >= 0) {
		wall[p][t][r] = cost.wall_ms;
		rss[p][t][r] = cost.maxrss_mib;
	}
	vmsg("%s %s%s: %.1f ms, %.2f MiB", tool_names[t], name,
	     r < 0 ? " (warm-up)" : "", cost.wall_ms, cost.maxrss_mib);

	/* detach: neither unload is timed */
	if (t == TOOL_BPFTOOL)
		return unpin_bpftool() ? -EIO : 0;
	err = r >= 0 ? read_insns(p, before, r) : 0;
	if (err)
		msg("can't read the programs %s loaded: %s", name,
		    strerror(-err));
	return oomkit_cmd(NULL, 0, "policy", "unload", name, NULL) ?: err;
}

static void add_insns_figure(int p)
{
	const char *name = bench_policies[p];
	char *buf = NULL;
	size_t len = 0;
	struct figure *f;
	FILE *s;
	int i;

	f = fig_add(3, "", "", "%s: verified instructions, largest program",
		    name);
	snprintf(f->key, sizeof(f->key), "%s.verified_insns_max", name);
	fig_samples(f, insns_max[p], opts.repeat);
	fig_target(f, TARGET_MAX, INSNS_TARGET);
	s = open_memstream(&buf, &len);
	if (!s)
		return;
	/* a list: the kernel keeps 15 characters of a name, two may agree */
	fprintf(s, "{\"programs\": [");
	for (i = 0; i < nr_progs[p]; i++)
		fprintf(s, "%s{\"name\": \"%s\", \"verified_insns\": %u}",
			i ? ", " : "", progs[p][i].name,
			progs[p][i].verified_insns);
	fprintf(s, "]}");
	if (!fclose(s))
		fig_detail(f, "%s", buf);
	free(buf);
}

static void add_figures(int p)
{
	const char *name = bench_policies[p];
	struct figure *f, *w[NR_TOOLS], *m[NR_TOOLS];
	int t;

	if (bpftool_failed[p]) {
		for (t = 0; t < opts.repeat; t++)
			wall[p][TOOL_BPFTOOL][t] = rss[p][TOOL_BPFTOOL][t] =
				__builtin_nan("");
		part_error(
			3,
			"bpftool can't load %s: no ratio (see the messages above)",
			name);
	}
	for (t = 0; t < NR_TOOLS; t++) {
		w[t] = f = fig_add(3, "", "ms", "%s %s: wall time",
				   tool_names[t], name);
		snprintf(f->key, sizeof(f->key), "%s.%s.wall_ms", name,
			 t ? "bpftool" : "oomkit");
		fig_samples(f, wall[p][t], opts.repeat);
		m[t] = f = fig_add(3, "", "MiB", "%s %s: peak RSS",
				   tool_names[t], name);
		snprintf(f->key, sizeof(f->key), "%s.%s.maxrss_mib", name,
			 t ? "bpftool" : "oomkit");
		fig_samples(f, rss[p][t], opts.repeat);
	}
	f = fig_add(3, "", "x", "oomkit / bpftool, %s: wall time", name);
	snprintf(f->key, sizeof(f->key), "%s.ratio_wall", name);
	f->value = w[TOOL_OOMKIT]->value / w[TOOL_BPFTOOL]->value;
	fig_target(f, TARGET_MAX, 1.0);
	f = fig_add(3, "", "x", "oomkit / bpftool, %s: peak RSS", name);
	snprintf(f->key, sizeof(f->key), "%s.ratio_maxrss", name);
	f->value = m[TOOL_OOMKIT]->value / m[TOOL_BPFTOOL]->value;
	fig_target(f, TARGET_MAX, 1.0);
	add_insns_figure(p);
}

int bench_loader(void)
{
	struct kobj_ids *before;
	int p, r, t, err;

	err = bench_list_policies();
	if (err) {
		part_error(3, "can't list the built-in policies: %s",
			   strerror(-err));
		return err;
	}
	part_note(
		3,
		"every built-in policy; each run execs the tool on the same object (oomkit: the "
		"built-in copy of build/policies/<name>.bpf.o) and times it to its exit:");
	part_note(
		3,
		"wall time from fork to wait4, peak RSS from wait4's rusage; both pin their "
		"links; detaching is not timed; runs alternate the tools after one untimed run "
		"each (cold caches); median of %d",
		opts.repeat);
	part_note(
		3,
		"bpftool registers both ABI variants of a policy's handler (level 1 and ___l2) "
		"and loads the programs of both; oomkit loads only the kernel's variant");
	part_note(
		3,
		"verified instructions: bpf_prog_info.verified_insns of every program an oomkit "
		"load leaves in the kernel (the kernel's limit is 1,000,000 per program)");

	before = malloc(sizeof(*before));
	if (!before)
		return -ENOMEM;
	oomkit_cmd(NULL, 0, "policy", "unload", "--all", NULL);
	unpin_bpftool();
	for (p = 0; p < nr_bench_policies && !err; p++)
		for (r = -1; r < opts.repeat && !err; r++)
			for (t = 0; t < NR_TOOLS && !err; t++)
				err = load_once(p, t, r, before);
	free(before);
	if (err) {
		part_error(3, "not completed: %s (see the messages above)",
			   strerror(-err));
		oomkit_cmd(NULL, 0, "policy", "unload", "--all", NULL);
		unpin_bpftool();
		return err;
	}
	for (p = 0; p < nr_bench_policies; p++)
		add_figures(p);
	return 0;
}
