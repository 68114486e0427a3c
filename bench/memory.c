// SPDX-License-Identifier: GPL-2.0
/* oomkit-bench part 5: kernel memory each loaded policy holds, and the CLI's peak RSS per command. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define KiB	    1024.0
#define MAX_OBJS    64
#define EVENTS_TIME "1" /* s: 'events' is timed streaming this long */

enum cmd {
	CMD_LOAD,
	CMD_SHOW,
	CMD_EVENTS,
	CMD_UNLOAD,
	NR_CMDS
};
static const char *const cmd_names[NR_CMDS] = { "policy load", "policy show",
						"events", "policy unload" };
static const char *const cmd_keys[NR_CMDS] = { "load", "show", "events",
					       "unload" };

static double prog_kib[MAX_POLICIES][MAX_REPEAT];
static double map_kib[MAX_POLICIES][MAX_REPEAT];
static double total_mib[MAX_POLICIES][MAX_REPEAT];
static double cmd_rss[MAX_POLICIES][NR_CMDS][MAX_REPEAT];
static double list_rss[MAX_REPEAT];
/* each object of the last load of each policy */
static struct kobj_info objs[MAX_POLICIES][2][MAX_OBJS];
static int nr_objs[MAX_POLICIES][2];

static int timed(double *rss, char *const argv[])
{
	struct run_cost cost;
	char out[8192];
	int err;

	err = run_cmd(argv, out, sizeof(out), &cost);
	if (err) {
		msg("'%s %s' failed (%d): %s", argv[1], argv[2] ?: "", err,
		    out);
		return -EIO;
	}
	*rss = cost.maxrss_mib;
	vmsg("%s %s %s: %.2f MiB", argv[1], argv[2] ?: "",
	     argv[2] && argv[3] ? argv[3] : "", cost.maxrss_mib);
	return 0;
}

/* Sums the memlock the kernel charged for what the load left behind. */
static int held_memory(int p, int r, const struct kobj_ids *before)
{
	struct kobj_ids *added;
	long long sum[2] = {};
	int i, k, err;

	added = malloc(sizeof(*added));
	if (!added)
		return -ENOMEM;
	err = kobjs_added(before, added);
	if (err)
		goto out;
	nr_objs[p][0] = nr_objs[p][1] = 0;
	for (k = 0; k < 2 && !err; k++) {
		int n = k ? added->nr_maps : added->nr_progs;

		for (i = 0; i < n && !err; i++) {
			struct kobj_info info;

			err = k ? kobj_map(added->maps[i], &info) :
				  kobj_prog(added->progs[i], &info);
			if (err)
				break;
			sum[k] += info.memlock;
			if (nr_objs[p][k] < MAX_OBJS)
				objs[p][k][nr_objs[p][k]++] = info;
		}
	}
	prog_kib[p][r] = sum[0] / KiB;
	map_kib[p][r] = sum[1] / KiB;
	total_mib[p][r] = (sum[0] + sum[1]) / (KiB * KiB);
	vmsg("%s: programs %.1f KiB, maps %.1f KiB", bench_policies[p],
	     prog_kib[p][r], map_kib[p][r]);
out:
	free(added);
	return err;
}

static int measure(int p, int r, struct kobj_ids *before)
{
	char *name = bench_policies[p], *o = (char *)opts.oomkit;
	char *load[] = { o, "policy", "load", name, NULL };
	char *show[] = { o, "policy", "show", NULL };
	char *events[] = { o, "events", "--timeout", EVENTS_TIME, NULL };
	char *unload[] = { o, "policy", "unload", name, NULL };
	int err;

	err = kobjs_snapshot(before);
	err = err ?: timed(&cmd_rss[p][CMD_LOAD][r], load);
	if (err)
		return err;
	err = held_memory(p, r, before);
	if (err)
		msg("can't read what %s holds: %s", name, strerror(-err));
	err = err ?: timed(&cmd_rss[p][CMD_SHOW][r], show);
	err = err ?: timed(&cmd_rss[p][CMD_EVENTS][r], events);
	return timed(&cmd_rss[p][CMD_UNLOAD][r], unload) ?: err;
}

static void add_detail(struct figure *f, int p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *s;
	int i, k;

	s = open_memstream(&buf, &len);
	if (!s)
		return;
	fprintf(s, "{");
	for (k = 0; k < 2; k++) {
		fprintf(s, "%s\"%s_memlock\": [", k ? ", " : "",
			k ? "maps" : "progs");
		for (i = 0; i < nr_objs[p][k]; i++)
			fprintf(s, "%s{\"name\": \"%s\", \"bytes\": %lld}",
				i ? ", " : "", objs[p][k][i].name,
				objs[p][k][i].memlock);
		fprintf(s, "]");
	}
	fprintf(s, "}");
	if (!fclose(s))
		fig_detail(f, "%s", buf);
	free(buf);
}

static void add_figures(int p)
{
	const char *name = bench_policies[p];
	struct figure *f;
	int c;

	f = fig_add(5, "", "MiB", "%s: kernel memory held (memlock)", name);
	snprintf(f->key, sizeof(f->key), "%s.memlock_mib", name);
	fig_samples(f, total_mib[p], opts.repeat);
	fig_target(f, TARGET_MAX, 1.0);
	add_detail(f, p);
	f = fig_add(5, "", "KiB", "%s: of which programs", name);
	snprintf(f->key, sizeof(f->key), "%s.prog_memlock_kib", name);
	fig_samples(f, prog_kib[p], opts.repeat);
	f = fig_add(5, "", "KiB", "%s: of which maps", name);
	snprintf(f->key, sizeof(f->key), "%s.map_memlock_kib", name);
	fig_samples(f, map_kib[p], opts.repeat);
	for (c = 0; c < NR_CMDS; c++) {
		f = fig_add(5, "", "MiB", "oomkit %s (%s loaded): peak RSS",
			    cmd_names[c], name);
		snprintf(f->key, sizeof(f->key), "%s.%s.maxrss_mib", name,
			 cmd_keys[c]);
		fig_samples(f, cmd_rss[p][c], opts.repeat);
	}
}

int bench_memory(void)
{
	char *list[] = { (char *)opts.oomkit, "policy", "list", NULL };
	struct kobj_ids *before;
	struct figure *f;
	int p, r, err;

	err = bench_list_policies();
	if (err) {
		part_error(5, "can't list the built-in policies: %s",
			   strerror(-err));
		return err;
	}
	part_note(
		5,
		"kernel memory: the memlock the kernel charged (fdinfo) for each program and map "
		"alive after 'oomkit policy load NAME' that was not before, default settings");
	part_note(
		5,
		"peak RSS: wait4's rusage of each command run alone; 'events' streams for %s s; "
		"median of %d",
		EVENTS_TIME, opts.repeat);

	before = malloc(sizeof(*before));
	if (!before)
		return -ENOMEM;
	oomkit_cmd(NULL, 0, "policy", "unload", "--all", NULL);
	for (r = 0; r < opts.repeat && !err; r++) {
		err = timed(&list_rss[r], list);
		for (p = 0; p < nr_bench_policies && !err; p++)
			err = measure(p, r, before);
	}
	free(before);
	if (err) {
		part_error(5, "not completed: %s (see the messages above)",
			   strerror(-err));
		oomkit_cmd(NULL, 0, "policy", "unload", "--all", NULL);
		return err;
	}
	for (p = 0; p < nr_bench_policies; p++)
		add_figures(p);
	f = fig_add(5, "list.maxrss_mib", "MiB",
		    "oomkit policy list: peak RSS");
	fig_samples(f, list_rss, opts.repeat);
	return 0;
}
