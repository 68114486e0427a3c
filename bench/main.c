// SPDX-License-Identifier: GPL-2.0
/* oomkit-bench: runs the benchmark's parts inside the test VM, prints the table, writes JSON. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

struct bench_opts opts = {
	.repeat = 5,
	.sizes = { 10, 100, 1000 },
	.nr_sizes = 3,
	.parts = (1u << NR_PARTS) - 1,
	.react_high_mib = 8,
	.react_max_mib = 10,
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: oomkit-bench --oomkit PATH --bpftool PATH --policy-dir DIR [-o FILE]\n"
		"                    [-r RUNS] [-n N,N,...] [-p PART,...] [-H MiB] [-M MiB] [-E MiB] [-v]\n"
		"\n"
		"Runs in the test VM (see scripts/bench.sh), as root, with nothing else loaded.\n"
		"  -r RUNS      runs per configuration, median reported (default 5, at most %d)\n"
		"  -n N,...     leaf cgroup counts of part 1, ascending (default 10,100,1000)\n"
		"  -p PART,...  parts to run: 1 decision cost, 2 reaction time, 3 loader cost,\n"
		"               4 record latency, 5 memory\n"
		"  -H MiB       part 2's memory.high (default %d)\n"
		"  -M MiB       part 2's memory.max (default %d)\n"
		"  -E MiB       part 2: earlyoom's line crossed this far past memory.high (default 0)\n"
		"  -o FILE      JSON results\n"
		"  -v           one line per run\n",
		MAX_REPEAT, opts.react_high_mib, opts.react_max_mib);
}

static int parse_list(const char *s, int *out, int max)
{
	char *end;
	int n = 0;

	while (*s && n < max) {
		out[n++] = strtol(s, &end, 10);
		if (end == s || out[n - 1] <= 0 || (*end && *end != ','))
			return -EINVAL;
		s = *end ? end + 1 : end;
	}
	return *s ? -EINVAL : n;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "oomkit", required_argument, NULL, 'O' },
		{ "bpftool", required_argument, NULL, 'B' },
		{ "policy-dir", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int parts[NR_PARTS], i, n, c, err = 0, failed = 0;

	while ((c = getopt_long(argc, argv, "o:r:n:p:H:M:E:vh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'O':
			opts.oomkit = optarg;
			break;
		case 'B':
			opts.bpftool = optarg;
			break;
		case 'P':
			opts.policy_dir = optarg;
			break;
		case 'o':
			opts.json = optarg;
			break;
		case 'v':
			opts.verbose = true;
			break;
		case 'r':
			opts.repeat = atoi(optarg);
			if (opts.repeat < 1 || opts.repeat > MAX_REPEAT)
				goto bad;
			break;
		case 'n':
			opts.nr_sizes =
				parse_list(optarg, opts.sizes, MAX_SIZES);
			if (opts.nr_sizes < 1)
				goto bad;
			break;
		case 'p':
			n = parse_list(optarg, parts, NR_PARTS);
			if (n < 1)
				goto bad;
			for (opts.parts = 0, i = 0; i < n; i++) {
				if (parts[i] > NR_PARTS)
					goto bad;
				opts.parts |= 1u << (parts[i] - 1);
			}
			break;
		case 'H':
			opts.react_high_mib = atoi(optarg);
			break;
		case 'M':
			opts.react_max_mib = atoi(optarg);
			break;
		case 'E':
			opts.react_line_mib = atoi(optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (opts.react_high_mib < 1 ||
	    opts.react_max_mib <= opts.react_high_mib ||
	    opts.react_line_mib < 0 ||
	    opts.react_line_mib >= opts.react_max_mib - opts.react_high_mib)
		goto bad;
	if (optind != argc || !opts.oomkit || !opts.bpftool || !opts.policy_dir)
		goto bad;
	if (geteuid()) {
		msg("must run as root, in the test VM (scripts/bench.sh)");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* a policy left attached would decide in the kernel's runs */
	oomkit_cmd(NULL, 0, "policy", "unload", "--all", NULL);
	err = cg_mkdir(BENCH_CG);
	if (err) {
		msg("can't create %s: %s", BENCH_CG, strerror(-err));
		return 1;
	}
	err = timing_open();
	if (err)
		return 1;
	if (opts.parts & 1) {
		msg("part 1: decision cost");
		failed |= !!bench_decision();
	}
	if (opts.parts & 2) {
		msg("part 2: reaction time");
		failed |= !!bench_reaction();
	}
	if (opts.parts & 8) {
		msg("part 4: record latency");
		failed |= !!bench_record();
	}
	/* the loader and memory parts run without the clocks' programs loaded */
	timing_close();
	if (opts.parts & 4) {
		msg("part 3: loader cost");
		failed |= !!bench_loader();
	}
	if (opts.parts & 16) {
		msg("part 5: memory");
		failed |= !!bench_memory();
	}
	rmdir(BENCH_CG);

	report_print();
	if (opts.json) {
		err = report_json(opts.json);
		if (err)
			msg("can't write %s: %s", opts.json, strerror(-err));
	}
	return failed || err ? 1 : 0;
bad:
	usage(stderr);
	return 2;
}
