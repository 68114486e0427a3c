/* SPDX-License-Identifier: GPL-2.0 */
/* The command line: one getopt_long() pass, then each command takes its words and options. */
#ifndef __OOMKIT_ARGS_H
#define __OOMKIT_ARGS_H

#include <stdbool.h>

struct cmd;

enum {
	ARG_TARGET = 1 << 0,   /* exactly one NAME|PATH */
	ARG_SET = 1 << 1,      /* --set KEY=VALUE, repeatable */
	ARG_ALL = 1 << 2,      /* --all (instead of the target) */
	ARG_STREAM = 1 << 3,   /* --count N, --timeout SEC */
	ARG_NAMES = 1 << 4,    /* any number of NAMEs */
	ARG_STATS = 1 << 5,    /* --stats */
	ARG_OUTPUT = 1 << 6,   /* --output FILE, --group GROUP */
	ARG_INSTANCE = 1 << 7, /* --name NAME, --scope CGROUP, --shadow */
	ARG_APPLY = 1 << 8,    /* --config FILE, --dry-run */
	ARG_JOURNAL = 1 << 9,  /* --journal */
	ARG_EXEC = 1 << 10,    /* --exec CMD, --exec-timeout SEC */
};

struct cmd_args {
	bool help; /* --help was given and printed: do nothing else */
	const char *target;
	char **sets;
	int nr_sets;
	char **names;
	int nr_names;
	bool all;
	bool stats; /* --stats: turn on the kernel's BPF run-time statistics */
	const char *output;    /* --output FILE */
	const char *group;     /* --group GROUP: who else may read it */
	const char *name;      /* --name NAME: the instance's pin name */
	const char *scope;     /* --scope CGROUP: the OOMs it handles */
	bool shadow;	       /* --shadow: decide, kill nothing, compare */
	const char *config;    /* --config FILE */
	bool dry_run;	       /* --dry-run: print the plan, change nothing */
	bool journal;	       /* --journal: decisions to the journal */
	const char *exec;      /* --exec CMD: a hook per record */
	long exec_timeout_sec; /* --exec-timeout SEC; 0: the default */
	long count;	       /* 0: unlimited */
	long timeout_sec;      /* 0: none */
};

/*
 * Parses the whole command line once, in order (options anywhere, --opt=val,
 * "--" ends them), acting on the global options (-j, -p, -d, --policy-dir)
 * and keeping the words and the commands' options for what follows.
 * -EUSAGE if a global option lacks its value, or -ENOMEM: main reports it.
 */
int args_scan(int argc, char **argv, bool *version);

/* bpftool's rule: the next word selects a command, exactly or by unique prefix. */
int cmd_select(const char *object, const struct cmd *cmds, int (*help)(void));

/* The rest of the command line for one command; 0 (maybe with a->help) or -errno. */
int parse_args(const char *object, const char *verb, unsigned int allowed,
	       struct cmd_args *a);
void free_args(struct cmd_args *a);

#endif /* __OOMKIT_ARGS_H */
