/* SPDX-License-Identifier: GPL-2.0 */
/* The one source of oomkit's command documentation: --help and the man page. */
#ifndef __OOMKIT_DOC_H
#define __OOMKIT_DOC_H

#include <stdio.h>

struct doc_opt {
	const char *flag;
	const char *text;
};

struct doc_cmd {
	const char *object; /* "policy", or NULL for a top-level command */
	const char *verb;
	const char *args;    /* synopsis after "oomkit OBJECT VERB" */
	const char *summary; /* one line */
	const char *text;    /* paragraphs separated by "\n\n" */
	const struct doc_opt *opts;
};

extern const struct doc_cmd doc_cmds[];

/* Help for one command, every verb of an object, or everything (NULLs). */
int doc_print_usage(FILE *f, const char *object, const char *verb);
void doc_print_man(FILE *f);

#endif /* __OOMKIT_DOC_H */
