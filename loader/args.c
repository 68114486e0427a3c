// SPDX-License-Identifier: GPL-2.0
/* The command line: one getopt_long() pass, then each command takes its words and options. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "main.h"

/* getopt_long() values of the options without a short form */
enum {
	OPT_WORD = 1, /* what getopt returns for a word in "-" mode */
	OPT_POLICY_DIR = 256,
	OPT_SET,
	OPT_ALL,
	OPT_COUNT,
	OPT_TIMEOUT,
	OPT_STATS,
	OPT_OUTPUT,
	OPT_GROUP,
	OPT_NAME,
	OPT_SCOPE,
	OPT_SHADOW,
	OPT_CONFIG,
	OPT_DRY_RUN,
	OPT_JOURNAL,
	OPT_EXEC,
	OPT_EXEC_TIMEOUT,
	OPT_UNKNOWN, /* recorded, reported by the command it reaches */
	OPT_MISSING, /* an option without its value (in .val's tok) */
};

/*
 * Every option of every command is in the one table, so getopt knows which
 * take a value wherever they are: a --set value may start with '-'. Which
 * command accepts which is parse_args()'s business.
 */
static const struct option long_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "pretty", no_argument, NULL, 'p' },
	{ "debug", no_argument, NULL, 'd' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ "policy-dir", required_argument, NULL, OPT_POLICY_DIR },
	{ "set", required_argument, NULL, OPT_SET },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "group", required_argument, NULL, OPT_GROUP },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "scope", required_argument, NULL, OPT_SCOPE },
	{ "shadow", no_argument, NULL, OPT_SHADOW },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "journal", no_argument, NULL, OPT_JOURNAL },
	{ "exec", required_argument, NULL, OPT_EXEC },
	{ "exec-timeout", required_argument, NULL, OPT_EXEC_TIMEOUT },
	{ NULL, 0, NULL, 0 },
};

/* One word or command option of the command line, in its order. */
struct arg_tok {
	int opt;	 /* OPT_WORD, 'h', OPT_SET, ... */
	int missing;	 /* OPT_MISSING: the option that lacks its value */
	char name[32];	 /* "--set", "-h", "-x" (an unknown letter) */
	const char *val; /* the word, or the option's value */
	bool used;	 /* taken by a command selector */
};

static struct arg_tok *toks;
static int nr_toks;

static const char *opt_name(int val, char *buf, size_t len)
{
	const struct option *o;

	for (o = long_opts; o->name; o++)
		if (o->val == val) {
			snprintf(buf, len, "--%s", o->name);
			return buf;
		}
	snprintf(buf, len, "-%c", val);
	return buf;
}

static int add_tok(int opt, const char *val)
{
	struct arg_tok *t = realloc(toks, (nr_toks + 1) * sizeof(*t));

	if (!t)
		return -ENOMEM; /* main reports it, once the JSON writer exists */
	toks = t;
	t = &toks[nr_toks++];
	memset(t, 0, sizeof(*t));
	t->opt = opt;
	t->val = val;
	return 0;
}

int args_scan(int argc, char **argv, bool *version)
{
	int c, i, err = 0, bad = 0;

	opterr = 0; /* errors are reported where they belong, as Error: lines */
	/* "-": words come back in order (as OPT_WORD); ":": a missing value is ':' */
	while ((c = getopt_long(argc, argv, "-:jpdVh", long_opts, NULL)) !=
	       -1) {
		switch (c) {
		case 'j':
			json_output = true;
			break;
		case 'p':
			json_output = pretty_output = true;
			break;
		case 'd':
			debug_output = true;
			break;
		case 'V':
			*version = true;
			break;
		case OPT_POLICY_DIR:
			policy_dir = optarg;
			break;
		case ':':
			if (optopt == OPT_POLICY_DIR) {
				bad = -EUSAGE;
				break;
			}
			err = add_tok(OPT_MISSING, NULL);
			if (err)
				break;
			toks[nr_toks - 1].missing = optopt;
			opt_name(optopt, toks[nr_toks - 1].name,
				 sizeof(toks->name));
			break;
		case '?':
			/* a short option is its letter; a long one the whole token */
			if (optopt > 0 && optopt < 256) {
				err = add_tok(OPT_UNKNOWN, NULL);
				if (!err)
					snprintf(toks[nr_toks - 1].name,
						 sizeof(toks->name), "-%c",
						 optopt);
			} else {
				err = add_tok(OPT_UNKNOWN, argv[optind - 1]);
			}
			break;
		default: /* a word, 'h' or a command's option */
			err = add_tok(c, optarg);
			if (!err && c != OPT_WORD)
				opt_name(c, toks[nr_toks - 1].name,
					 sizeof(toks->name));
			break;
		}
		if (err)
			return err;
	}
	/* after "--", only words */
	for (i = optind; i < argc && !err; i++)
		err = add_tok(OPT_WORD, argv[i]);
	if (!err && bad)
		return bad;
	return err;
}

/* An option as the user wrote it: an unknown long one is its whole token. */
static const char *opt_text(const struct arg_tok *t)
{
	return t->opt == OPT_UNKNOWN && t->val ? t->val : t->name;
}

/* A missing option value, said as each option's own message has it. */
static int missing_value(const struct arg_tok *t)
{
	if (t->missing == OPT_SET)
		return usage_err("option '--set' needs KEY=VALUE");
	return usage_err("option '%s' needs a value", t->name);
}

/* The ARG_ flag a command needs to take this option; 0 for a word. */
static unsigned int needs(const struct arg_tok *t)
{
	switch (t->opt == OPT_MISSING ? t->missing : t->opt) {
	case OPT_SET:
		return ARG_SET;
	case OPT_ALL:
		return ARG_ALL;
	case OPT_COUNT:
	case OPT_TIMEOUT:
		return ARG_STREAM;
	case OPT_STATS:
		return ARG_STATS;
	case OPT_OUTPUT:
	case OPT_GROUP:
		return ARG_OUTPUT;
	case OPT_NAME:
	case OPT_SCOPE:
	case OPT_SHADOW:
		return ARG_INSTANCE;
	case OPT_CONFIG:
	case OPT_DRY_RUN:
		return ARG_APPLY;
	case OPT_JOURNAL:
		return ARG_JOURNAL;
	case OPT_EXEC:
	case OPT_EXEC_TIMEOUT:
		return ARG_EXEC;
	default:
		return 0;
	}
}

int cmd_select(const char *object, const struct cmd *cmds, int (*help)(void))
{
	const char *sp = object ? " " : "";
	const struct cmd *c, *found = NULL;
	struct arg_tok *word = NULL;
	int i;

	if (!object)
		object = "";
	/* the first word, unless a --help or an unknown option comes before it */
	for (i = 0; i < nr_toks && !word; i++) {
		struct arg_tok *t = &toks[i];

		if (t->used)
			continue;
		if (t->opt == 'h')
			return help();
		if (t->opt == OPT_UNKNOWN)
			return usage_err(
				"unrecognized option '%s' (see '%s%s%s --help')",
				opt_text(t), bin_name, sp, object);
		if (t->opt == OPT_WORD)
			word = t;
	}
	if (!word)
		return usage_err("missing command (see '%s%s%s --help')",
				 bin_name, sp, object);
	word->used = true;
	for (c = cmds; c->name; c++) {
		if (!strcmp(word->val, c->name))
			return c->func();
		if (is_prefix(word->val, c->name)) {
			if (found && found->func != c->func)
				return usage_err(
					"ambiguous prefix: '%s' could be '%s' or '%s'",
					word->val, found->name, c->name);
			found = c;
		}
	}
	if (found)
		return found->func();
	return usage_err("what is '%s'? (see '%s%s%s --help')", word->val,
			 bin_name, sp, object);
}

static int parse_long(const char *opt, const char *val, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(val, &end, 10);
	if (errno || !*val || *end || *out <= 0)
		return usage_err(
			"option '%s' needs a positive integer, not '%s'", opt,
			val);
	return 0;
}

static int push(char ***v, int *nr, const char *s)
{
	char **n = realloc(*v, (*nr + 1) * sizeof(*n));

	if (!n) {
		p_err("can't parse the command line: out of memory");
		return -ENOMEM;
	}
	*v = n;
	n[(*nr)++] = (char *)s;
	return 0;
}

int parse_args(const char *object, const char *verb, unsigned int allowed,
	       struct cmd_args *a)
{
	const char *cmd = object ? object : verb;
	const char *sub = object ? verb : "";
	const char *sp = object ? " " : "";
	int i, err = 0;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < nr_toks && !err; i++) {
		const struct arg_tok *t = &toks[i];
		unsigned int need = needs(t);

		if (t->used)
			continue;
		if (t->opt == 'h') {
			free_args(a);
			a->help = true;
			return print_help(object, verb);
		}
		if (t->opt == OPT_UNKNOWN || (need && !(allowed & need))) {
			err = usage_err(
				"unrecognized option '%s' for '%s%s%s' (see '%s %s%s%s --help')",
				opt_text(t), cmd, sp, sub, bin_name, cmd, sp,
				sub);
		} else if (t->opt == OPT_MISSING) {
			err = missing_value(t);
		} else if (t->opt == OPT_SET) {
			err = push(&a->sets, &a->nr_sets, t->val);
		} else if (t->opt == OPT_ALL) {
			a->all = true;
		} else if (t->opt == OPT_STATS) {
			a->stats = true;
		} else if (t->opt == OPT_OUTPUT) {
			a->output = t->val;
		} else if (t->opt == OPT_GROUP) {
			a->group = t->val;
		} else if (t->opt == OPT_NAME) {
			a->name = t->val;
		} else if (t->opt == OPT_SCOPE) {
			a->scope = t->val;
		} else if (t->opt == OPT_SHADOW) {
			a->shadow = true;
		} else if (t->opt == OPT_CONFIG) {
			a->config = t->val;
		} else if (t->opt == OPT_DRY_RUN) {
			a->dry_run = true;
		} else if (t->opt == OPT_JOURNAL) {
			a->journal = true;
		} else if (t->opt == OPT_EXEC) {
			a->exec = t->val;
		} else if (t->opt == OPT_EXEC_TIMEOUT) {
			err = parse_long(t->name, t->val, &a->exec_timeout_sec);
			if (!err && a->exec_timeout_sec <= 0)
				err = usage_err(
					"'--exec-timeout' needs SEC > 0");
		} else if (t->opt == OPT_COUNT || t->opt == OPT_TIMEOUT) {
			err = parse_long(t->name, t->val,
					 t->opt == OPT_COUNT ? &a->count :
							       &a->timeout_sec);
		} else if (allowed & ARG_NAMES) {
			err = push(&a->names, &a->nr_names, t->val);
		} else if ((allowed & (ARG_TARGET | ARG_ALL)) && !a->target) {
			a->target = t->val;
		} else {
			err = usage_err(
				"unexpected argument '%s' for '%s%s%s' (see '%s %s%s%s --help')",
				t->val, cmd, sp, sub, bin_name, cmd, sp, sub);
		}
	}
	if (err)
		return err;
	if (a->target && !*a->target)
		return usage_err(
			"'%s%s%s' needs a NAME|PATH, not an empty string", cmd,
			sp, sub);
	if ((allowed & ARG_ALL) && a->all && a->target)
		return usage_err("'%s%s%s' takes NAME or --all, not both", cmd,
				 sp, sub);
	if ((allowed & ARG_TARGET) && !a->target && !a->all)
		return usage_err("'%s%s%s' needs %s (see '%s %s%s%s --help')",
				 cmd, sp, sub,
				 (allowed & ARG_ALL) ? "NAME or --all" :
						       "NAME|PATH",
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
