// SPDX-License-Identifier: GPL-2.0
/* oomkit's entry point: global options, the object table, errors to exit codes. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "args.h"
#include "doc.h"
#include "main.h"

const char *bin_name = "oomkit";
json_writer_t *json_wtr;
bool json_output;
bool pretty_output;
bool debug_output;
const char *policy_dir = OOMKIT_DEFAULT_POLICY_DIR;

/* The last message libbpf printed above debug level. */
static char last_warn[1024];
/* The program libbpf last said the kernel refused (its own words, below). */
static char failed_prog[128];
#define LIBBPF_PROG_FAILED "prog '%s': BPF program load failed"

void libbpf_warn_reset(void)
{
	last_warn[0] = '\0';
	failed_prog[0] = '\0';
}

const char *libbpf_failed_prog(void)
{
	return failed_prog;
}

/* Its last line, as a failed step's reason. */
const char *libbpf_last_warn(void)
{
	static char line[sizeof(last_warn)];
	const char *end = last_warn + strlen(last_warn), *p;

	while (end > last_warn && end[-1] == '\n')
		end--;
	for (p = end; p > last_warn && p[-1] != '\n'; p--)
		;
	if (!strncmp(p, "libbpf: ", 8))
		p += 8;
	snprintf(line, sizeof(line), "%.*s", (int)(end - p), p);
	return line;
}

const char *libbpf_errstr(int err)
{
	static char buf[128];

	libbpf_strerror(err, buf, sizeof(buf));
	return buf;
}

static int libbpf_print_fn(enum libbpf_print_level level, const char *fmt,
			   va_list args)
{
	va_list copy;

	if (debug_output) {
		va_copy(copy, args);
		vfprintf(stderr, fmt, copy);
		va_end(copy);
	}
	/* a failed load unloads every program: only this names the one refused */
	if (!strncmp(fmt, "libbpf: ", 8) &&
	    !strncmp(fmt + 8, LIBBPF_PROG_FAILED, strlen(LIBBPF_PROG_FAILED))) {
		va_copy(copy, args);
		snprintf(failed_prog, sizeof(failed_prog), "%s",
			 va_arg(copy, const char *));
		va_end(copy);
	}
	if (level != LIBBPF_DEBUG)
		vsnprintf(last_warn, sizeof(last_warn), fmt, args);
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

int print_help(const char *object, const char *verb)
{
	if (json_output) {
		jsonw_null(json_wtr);
		return 0;
	}
	return doc_print_usage(stdout, object, verb) ? -EUSAGE : 0;
}

static int do_help(void)
{
	return print_help(NULL, NULL);
}

static int do_version(void)
{
	if (json_output) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "version", OOMKIT_VERSION);
		jsonw_string_field(json_wtr, "libbpf_version",
				   libbpf_version_string());
		jsonw_end_object(json_wtr);
	} else {
		printf("%s v%s\nusing libbpf %s\n", bin_name, OOMKIT_VERSION,
		       libbpf_version_string());
	}
	return 0;
}

static const struct cmd main_cmds[] = {
	{ "policy", do_policy }, { "run", do_run },
	{ "events", do_events }, { "feature", do_feature },
	{ "config", do_config }, { "apply", do_apply },
	{ "stop", do_stop },	 { "metrics", do_metrics },
	{ "help", do_help },	 { NULL, NULL },
};

int main(int argc, char **argv)
{
	bool version = false;
	const char *env;
	int err;

	/* Output is streamed to pipes by 'run' and 'events': no block buffering. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	env = getenv("OOMKIT_POLICY_DIR");
	if (env && *env)
		policy_dir = env;

	err = args_scan(argc, argv, &version);
	if (json_output) {
		json_wtr = jsonw_new(stdout);
		if (!json_wtr) {
			fprintf(stderr,
				"Error: can't create the JSON writer\n");
			return 1;
		}
		jsonw_pretty(json_wtr, pretty_output);
	}
	if (err == -EUSAGE)
		usage_err("option '--policy-dir' needs a directory");
	else if (err)
		p_err("can't parse the command line: out of memory");
	if (err)
		goto out;

	libbpf_set_print(libbpf_print_fn);

	if (version) {
		err = do_version();
		goto out;
	}
	err = cmd_select(NULL, main_cmds, do_help);
out:
	if (json_wtr)
		jsonw_destroy(&json_wtr);
	if (!err)
		return 0;
	return err == -EUSAGE ? 2 : 1;
}
