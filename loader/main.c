// SPDX-License-Identifier: GPL-2.0
/* oomkit's entry point: global options, the object table, errors to exit codes. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "doc.h"
#include "main.h"

const char *bin_name = "oomkit";
json_writer_t *json_wtr;
bool json_output;
bool pretty_output;
bool debug_output;
const char *policy_dir = OOMKIT_DEFAULT_POLICY_DIR;

/* libbpf's messages, kept so a failed load can show the verifier's tail. */
static char *log_buf;
static size_t log_len, log_cap;
#define LOG_MAX (4 << 20)

void libbpf_log_reset(void)
{
	log_len = 0;
	if (log_buf)
		log_buf[0] = '\0';
}

const char *libbpf_log(void)
{
	return log_buf ? log_buf : "";
}

const char *libbpf_errstr(int err)
{
	static char buf[128];

	libbpf_strerror(err, buf, sizeof(buf));
	return buf;
}

static int libbpf_print_fn(enum libbpf_print_level level, const char *fmt, va_list args)
{
	va_list copy;
	int n;

	if (debug_output) {
		va_copy(copy, args);
		vfprintf(stderr, fmt, copy);
		va_end(copy);
	}
	if (level == LIBBPF_DEBUG)
		return 0;
	va_copy(copy, args);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0 || log_len + n + 1 > LOG_MAX)
		return 0;
	if (log_len + n + 1 > log_cap) {
		size_t cap = (log_len + n + 1) * 2;
		char *p = realloc(log_buf, cap);

		if (!p)
			return 0;
		log_buf = p;
		log_cap = cap;
	}
	vsnprintf(log_buf + log_len, n + 1, fmt, args);
	log_len += n;
	return 0;
}

/* While set, p_err() fills this buffer instead of printing (listings). */
static char *err_capture;
static size_t err_capture_len;

void p_err_capture(char *buf, size_t len)
{
	err_capture = buf;
	err_capture_len = len;
}

void p_err(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (err_capture) {
		snprintf(err_capture, err_capture_len, "%s", msg);
		return;
	}
	if (json_output) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "error", msg);
		jsonw_end_object(json_wtr);
	} else {
		fprintf(stderr, "Error: %s\n", msg);
	}
}

void p_info(const char *fmt, ...)
{
	va_list ap;

	if (json_output)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int usage_err(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p_err("%s", msg);
	return -EUSAGE;
}

bool is_prefix(const char *pfx, const char *str)
{
	return pfx && *pfx && !strncmp(str, pfx, strlen(pfx));
}

bool is_help_arg(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "--help") || !strcmp(arg, "help");
}

int print_help(const char *object, const char *verb)
{
	if (json_output) {
		jsonw_null(json_wtr);
		return 0;
	}
	return doc_print_usage(stdout, object, verb) ? -EUSAGE : 0;
}

/* bpftool's rule: a unique prefix selects a verb ("pol sh"). */
int cmd_select(const char *object, const struct cmd *cmds, int argc, char **argv,
	       int (*help)(int argc, char **argv))
{
	const char *sp = object ? " " : "";
	const struct cmd *c, *found = NULL;

	if (!object)
		object = "";
	if (argc < 1)
		return usage_err("missing command (see '%s%s%s --help')", bin_name, sp, object);
	if (is_help_arg(argv[0]))
		return help(argc, argv);
	for (c = cmds; c->name; c++) {
		if (!strcmp(argv[0], c->name))
			return c->func(argc - 1, argv + 1);
		if (is_prefix(argv[0], c->name)) {
			if (found && found->func != c->func)
				return usage_err("ambiguous prefix: '%s' could be '%s' or '%s'",
						 argv[0], found->name, c->name);
			found = c;
		}
	}
	if (found)
		return found->func(argc - 1, argv + 1);
	return usage_err("what is '%s'? (see '%s%s%s --help')", argv[0], bin_name, sp, object);
}

static int do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return print_help(NULL, NULL);
}

static int do_version(void)
{
	if (json_output) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "version", OOMKIT_VERSION);
		jsonw_string_field(json_wtr, "libbpf_version", libbpf_version_string());
		jsonw_end_object(json_wtr);
	} else {
		printf("%s v%s\nusing libbpf %s\n", bin_name, OOMKIT_VERSION,
		       libbpf_version_string());
	}
	return 0;
}

static const struct cmd main_cmds[] = {
	{ "policy",	do_policy },
	{ "run",	do_run },
	{ "events",	do_events },
	{ "feature",	do_feature },
	{ "config",	do_config },
	{ "help",	do_help },
	{ NULL,		NULL },
};

/*
 * Global options are taken anywhere before "--" (so "policy show -j" works
 * as well as "-j policy show") and removed from argv; -h stays where it is
 * because its meaning depends on the command before it.
 */
static int take_global_opts(int *argcp, char **argv, bool *version)
{
	int i, out = 0, argc = *argcp;
	bool rest = false;

	for (i = 0; i < argc; i++) {
		char *a = argv[i];

		if (rest || a[0] != '-' || !strcmp(a, "-")) {
			argv[out++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			rest = true;
			argv[out++] = a;
		} else if (!strcmp(a, "--json")) {
			json_output = true;
		} else if (!strcmp(a, "--pretty")) {
			json_output = pretty_output = true;
		} else if (!strcmp(a, "--debug")) {
			debug_output = true;
		} else if (!strcmp(a, "--version")) {
			*version = true;
		} else if (!strcmp(a, "--policy-dir") || !strncmp(a, "--policy-dir=", 13)) {
			if (a[12] == '=') {
				policy_dir = a + 13;
			} else if (i + 1 < argc) {
				policy_dir = argv[++i];
			} else {
				/* reported by main once the JSON writer exists */
				*argcp = out;
				return -EUSAGE;
			}
		} else if (!strcmp(a, "--set")) {
			/* its value may start with '-' */
			argv[out++] = a;
			if (i + 1 < argc)
				argv[out++] = argv[++i];
		} else if (a[1] != '-' && strspn(a + 1, "jpdV") == strlen(a + 1)) {
			const char *c;

			for (c = a + 1; *c; c++) {
				if (*c == 'j')
					json_output = true;
				else if (*c == 'p')
					json_output = pretty_output = true;
				else if (*c == 'd')
					debug_output = true;
				else
					*version = true;
			}
		} else {
			argv[out++] = a;
		}
	}
	argv[out] = NULL;
	*argcp = out;
	return 0;
}

int main(int argc, char **argv)
{
	bool version = false;
	const char *env;
	int err;

	argc--;
	argv++;
	/* Output is streamed to pipes by 'run' and 'events': no block buffering. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	env = getenv("OOMKIT_POLICY_DIR");
	if (env && *env)
		policy_dir = env;

	err = take_global_opts(&argc, argv, &version);
	if (json_output) {
		json_wtr = jsonw_new(stdout);
		if (!json_wtr) {
			fprintf(stderr, "Error: can't create the JSON writer\n");
			return 1;
		}
		jsonw_pretty(json_wtr, pretty_output);
	}
	if (err) {
		usage_err("option '--policy-dir' needs a directory");
		goto out;
	}

	libbpf_set_print(libbpf_print_fn);

	if (version) {
		err = do_version();
		goto out;
	}
	err = cmd_select(NULL, main_cmds, argc, argv, do_help);
out:
	if (json_wtr)
		jsonw_destroy(&json_wtr);
	if (!err)
		return 0;
	return err == -EUSAGE ? 2 : 1;
}
