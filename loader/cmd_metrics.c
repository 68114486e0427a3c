// SPDX-License-Identifier: GPL-2.0
/* oomkit metrics: the loaded policies' counters as Prometheus/OpenMetrics text, for node_exporter. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "counters.h"
#include "main.h"
#include "pins.h"

/* What each counter counts, for # HELP; indexed like intf.h's table. */
static const char *const help[OOMKIT_NR_STATS] = {
	[OOMKIT_STAT_RUNS] = "Runs of the policy's handlers.",
	[OOMKIT_STAT_KILLS] = "Decisions that killed.",
	[OOMKIT_STAT_TASKS_KILLED] = "Tasks killed.",
	[OOMKIT_STAT_VICTIM_PENDING] =
		"OOMs left alone while an earlier victim was exiting.",
	[OOMKIT_STAT_NO_CANDIDATE] =
		"OOMs in which the policy found nothing to kill.",
	[OOMKIT_STAT_KILL_FAILED] = "Kills the kernel refused.",
	[OOMKIT_STAT_PSI_EVENTS] = "Memory pressure events handled.",
	[OOMKIT_STAT_OOMS_DECLARED] = "OOMs the policy declared.",
	[OOMKIT_STAT_COOLDOWN] = "Pressure events skipped in a cooldown.",
	[OOMKIT_STAT_CGROUPS_FREED] = "Watched cgroups that went away.",
	[OOMKIT_STAT_EVENTS_DROPPED] =
		"Decision records lost to a full ring buffer.",
};

/*
 * Prometheus' text format, which node_exporter's textfile collector reads
 * and OpenMetrics parsers take too: counters named *_total, label values
 * escaped. Policy names are [A-Za-z0-9_-] (pins.c), but escape anyway.
 */
static void label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static int write_metrics(FILE *f, const struct pin_dir *dirs, size_t nr)
{
	__u64(*sums)[OOMKIT_NR_STATS];
	size_t i, loaded = 0;
	bool *ok;
	char why[128];
	__u32 s;

	sums = calloc(nr ? nr : 1, sizeof(*sums));
	ok = calloc(nr ? nr : 1, sizeof(*ok));
	if (!sums || !ok) {
		free(sums);
		free(ok);
		p_err("can't write 'metrics': out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < nr; i++) {
		if (!dirs[i].complete)
			continue;
		loaded++;
		ok[i] = !counters_read(dirs[i].path, sums[i], why, sizeof(why));
	}
	fprintf(f,
		"# HELP oomkit_policies_loaded Policies pinned under " OOMKIT_PIN_ROOT
		".\n"
		"# TYPE oomkit_policies_loaded gauge\n"
		"oomkit_policies_loaded %zu\n",
		loaded);
	for (s = 0; s < OOMKIT_NR_STATS; s++) {
		fprintf(f,
			"# HELP oomkit_%s_total %s\n# TYPE oomkit_%s_total counter\n",
			counter_name(s), help[s] ? help[s] : "",
			counter_name(s));
		for (i = 0; i < nr; i++) {
			if (!ok[i])
				continue;
			fprintf(f, "oomkit_%s_total{policy=\"",
				counter_name(s));
			label(f, dirs[i].name);
			fprintf(f, "\"} %llu\n",
				(unsigned long long)sums[i][s]);
		}
	}
	fprintf(f, "# EOF\n");
	free(sums);
	free(ok);
	return ferror(f) ? -EIO : 0;
}

/*
 * The collector may read the file at any moment: write a temporary file
 * beside it, then rename it over. Mode 0600, or 0640 for --group.
 */
static int write_file(const struct cmd_args *a, const struct pin_dir *dirs,
		      size_t nr)
{
	char tmp[PATH_MAX];
	gid_t gid = (gid_t)-1;
	FILE *f;
	int fd, err;

	if (a->group) {
		struct group *g = getgrnam(a->group);

		if (!g)
			return usage_err(
				"can't write '%s': no group '%s' (see getent group)",
				a->output, a->group);
		gid = g->gr_gid;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", a->output, (int)getpid()) >=
	    (int)sizeof(tmp))
		return usage_err("can't write '%s': path too long", a->output);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0) {
		err = -errno;
		p_err("can't write '%s': can't create %s: %s", a->output, tmp,
		      strerror(-err));
		return err;
	}
	if (a->group && (fchown(fd, -1, gid) || fchmod(fd, 0640))) {
		err = -errno;
		p_err("can't write '%s': can't give it to group '%s': %s",
		      a->output, a->group, strerror(-err));
		close(fd);
		goto out_unlink;
	}
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		p_err("can't write '%s': %s", a->output, strerror(-err));
		goto out_unlink;
	}
	err = write_metrics(f, dirs, nr);
	if (fclose(f) && !err)
		err = -errno;
	if (err) {
		if (err != -ENOMEM)
			p_err("can't write '%s': %s", a->output,
			      strerror(-err));
		goto out_unlink;
	}
	if (rename(tmp, a->output)) {
		err = -errno;
		p_err("can't write '%s': can't rename %s over it: %s",
		      a->output, tmp, strerror(-err));
		goto out_unlink;
	}
	return 0;
out_unlink:
	unlink(tmp);
	return err;
}

int do_metrics(void)
{
	struct pin_dir *dirs = NULL;
	struct cmd_args a;
	size_t nr = 0;
	int err;

	err = parse_args(NULL, "metrics", ARG_OUTPUT, &a);
	if (err || a.help)
		goto out;
	if (a.group && !a.output) {
		err = usage_err("'--group' is for the file of '--output FILE'");
		goto out;
	}
	if (json_output) {
		err = usage_err(
			"'metrics' writes Prometheus text, not JSON: drop -j "
			"('policy show -j' has the same counters)");
		goto out;
	}
	err = require_admin("write", "metrics");
	if (err)
		goto out;
	err = pins_list("write", "metrics", &dirs, &nr);
	if (err)
		goto out;
	if (a.output)
		err = write_file(&a, dirs, nr);
	else
		err = write_metrics(stdout, dirs, nr);
out:
	free(dirs);
	free_args(&a);
	return err;
}
