/* SPDX-License-Identifier: GPL-2.0 */
/* The command-line grammar shared by the commands: NAME|PATH, --set, --all, --count, --timeout. */
#ifndef __OOMKIT_ARGS_H
#define __OOMKIT_ARGS_H

#include <stdbool.h>

enum {
	ARG_TARGET	= 1 << 0,	/* exactly one NAME|PATH */
	ARG_SET		= 1 << 1,	/* --set KEY=VALUE, repeatable */
	ARG_ALL		= 1 << 2,	/* --all (instead of the target) */
	ARG_STREAM	= 1 << 3,	/* --count N, --timeout SEC */
	ARG_NAMES	= 1 << 4,	/* any number of NAMEs */
};

struct cmd_args {
	const char *target;
	char **sets;
	int nr_sets;
	char **names;
	int nr_names;
	bool all;
	long count;		/* 0: unlimited */
	long timeout_sec;	/* 0: none */
};

/* 1: help printed, 0: parsed, -EUSAGE: bad command line (reported). */
int parse_args(const char *object, const char *verb, int argc, char **argv,
	       unsigned int allowed, struct cmd_args *a);
void free_args(struct cmd_args *a);

#endif /* __OOMKIT_ARGS_H */
