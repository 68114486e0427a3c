// SPDX-License-Identifier: GPL-2.0
/* The command-line grammar shared by the commands: NAME|PATH, --set, --all, --count, --timeout. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "main.h"

static int parse_long(const char *opt, const char *val, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(val, &end, 10);
	if (errno || !*val || *end || *out <= 0)
		return usage_err("option '%s' needs a positive integer, not '%s'", opt, val);
	return 0;
}

int parse_args(const char *object, const char *verb, int argc, char **argv,
	       unsigned int allowed, struct cmd_args *a)
{
	const char *cmd = object ? object : verb;
	const char *sub = object ? verb : "";
	const char *sp = object ? " " : "";
	int i, err;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < argc; i++) {
		const char *arg = argv[i];

		if (is_help_arg(arg) && strcmp(arg, "help")) {
			free_args(a);
			print_help(object, verb);
			return 1;
		}
		if ((allowed & ARG_SET) && !strcmp(arg, "--set")) {
			char **s;

			if (i + 1 >= argc)
				return usage_err("option '--set' needs KEY=VALUE");
			s = realloc(a->sets, (a->nr_sets + 1) * sizeof(*s));
			if (!s)
				return -ENOMEM;
			a->sets = s;
			a->sets[a->nr_sets++] = argv[++i];
		} else if ((allowed & ARG_SET) && !strncmp(arg, "--set=", 6)) {
			char **s = realloc(a->sets, (a->nr_sets + 1) * sizeof(*s));

			if (!s)
				return -ENOMEM;
			a->sets = s;
			a->sets[a->nr_sets++] = (char *)arg + 6;
		} else if ((allowed & ARG_ALL) && !strcmp(arg, "--all")) {
			a->all = true;
		} else if ((allowed & ARG_STREAM) &&
			   (!strcmp(arg, "--count") || !strcmp(arg, "--timeout"))) {
			if (i + 1 >= argc)
				return usage_err("option '%s' needs a value", arg);
			err = parse_long(arg, argv[i + 1],
					 arg[2] == 'c' ? &a->count : &a->timeout_sec);
			if (err)
				return err;
			i++;
		} else if (arg[0] == '-' && arg[1]) {
			return usage_err("unknown option '%s' for '%s%s%s' (see '%s %s%s%s --help')",
					 arg, cmd, sp, sub, bin_name, cmd, sp, sub);
		} else if (allowed & ARG_NAMES) {
			char **n = realloc(a->names, (a->nr_names + 1) * sizeof(*n));

			if (!n)
				return -ENOMEM;
			a->names = n;
			a->names[a->nr_names++] = (char *)arg;
		} else if ((allowed & (ARG_TARGET | ARG_ALL)) && !a->target) {
			a->target = arg;
		} else {
			return usage_err("unexpected argument '%s' for '%s%s%s' (see '%s %s%s%s --help')",
					 arg, cmd, sp, sub, bin_name, cmd, sp, sub);
		}
	}
	if (a->target && !*a->target)
		return usage_err("'%s%s%s' needs a NAME|PATH, not an empty string", cmd, sp, sub);
	if ((allowed & ARG_ALL) && a->all && a->target)
		return usage_err("'%s%s%s' takes NAME or --all, not both", cmd, sp, sub);
	if ((allowed & ARG_TARGET) && !a->target && !a->all)
		return usage_err("'%s%s%s' needs %s (see '%s %s%s%s --help')", cmd, sp, sub,
				 (allowed & ARG_ALL) ? "NAME or --all" : "NAME|PATH",
				 bin_name, cmd, sp, sub);
	return 0;
}

void free_args(struct cmd_args *a)
{
	free(a->sets);
	free(a->names);
	a->sets = NULL;
	a->names = NULL;
}
