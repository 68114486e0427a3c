// SPDX-License-Identifier: GPL-2.0
/* Host tests: --help on every command, usage errors exit 2, the man page matches --help. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "test.h"

static struct cli_res r;

static void expect_help(const char *const *argv, const char *synopsis)
{
	char what[256];

	snprintf(what, sizeof(what), "'oomkit %s%s%s --help'",
		 argv[0] ? argv[0] : "", argv[0] && argv[1] ? " " : "",
		 argv[0] && argv[1] ? argv[1] : "");
	if (!ASSERT_OK(cli_runv(&r, 0, NULL, argv), what))
		return;
	ASSERT_EQ(r.status, 0, what);
	ASSERT_HAS_SUBSTR(r.out, "Usage: ", what);
	ASSERT_HAS_SUBSTR(r.out, synopsis, what);
	ASSERT_STR_EQ(r.err, "", what);
}

TEST(help_on_every_command)
{
	static const struct {
		const char *argv[4];
		const char *synopsis;
	} cases[] = {
		{ { "--help" }, "oomkit [OPTIONS] feature" },
		{ { "help" }, "oomkit [OPTIONS] policy load NAME|PATH" },
		{ { "policy", "--help" },
		  "oomkit [OPTIONS] policy unload NAME | --all" },
		{ { "policy", "list", "--help" },
		  "oomkit [OPTIONS] policy list [--policy-dir DIR]" },
		{ { "policy", "load", "--help" },
		  "policy load NAME|PATH [--set KEY=VALUE]..." },
		{ { "policy", "show", "-h" }, "oomkit [OPTIONS] policy show" },
		{ { "policy", "unload", "--help" },
		  "oomkit [OPTIONS] policy unload NAME | --all" },
		{ { "run", "--help" }, "oomkit [OPTIONS] run NAME|PATH" },
		{ { "events", "--help" }, "oomkit [OPTIONS] events [NAME]..." },
		{ { "feature", "--help" }, "oomkit [OPTIONS] feature" },
		/* -h means the command before it */
		{ { "policy", "-h", "show" },
		  "oomkit [OPTIONS] policy unload NAME | --all" },
		{ { "-dh" }, "oomkit [OPTIONS] feature" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_help(cases[i].argv, cases[i].synopsis);
}

TEST(help_in_json_mode_is_null)
{
	if (!ASSERT_OK(CLI(&r, "-j", "policy", "load", "--help"), "run"))
		return;
	ASSERT_EQ(r.status, 0, "exit status");
	ASSERT_STR_EQ(r.out, "null\n", "stdout");
}

TEST(version)
{
	if (!ASSERT_OK(CLI(&r, "-V"), "run"))
		return;
	ASSERT_EQ(r.status, 0, "exit status");
	ASSERT_HAS_SUBSTR(r.out, "oomkit v", "stdout");
	if (!ASSERT_OK(CLI(&r, "-j", "--version"), "run -j"))
		return;
	ASSERT_TRUE(json_valid(r.out), "version -j is JSON");
	ASSERT_HAS_SUBSTR(r.out, "\"libbpf_version\":", "stdout");
}

static void expect_usage(const char *const *argv, const char *err_line)
{
	char what[256];

	snprintf(what, sizeof(what), "'oomkit %s %s %s'",
		 argv[0] ? argv[0] : "", argv[0] && argv[1] ? argv[1] : "",
		 argv[0] && argv[1] && argv[2] ? argv[2] : "");
	if (!ASSERT_OK(cli_runv(&r, 0, NULL, argv), what))
		return;
	ASSERT_EQ(r.status, 2, what);
	ASSERT_STR_EQ(cli_err_line(&r), err_line, what);
	ASSERT_STR_EQ(r.out, "", what);
}

TEST(usage_errors_exit_2)
{
	static const struct {
		const char *argv[6];
		const char *err;
	} cases[] = {
		{ { NULL }, "Error: missing command (see 'oomkit --help')" },
		{ { "frob" }, "Error: what is 'frob'? (see 'oomkit --help')" },
		{ { "policy" },
		  "Error: missing command (see 'oomkit policy --help')" },
		{ { "policy", "frob" },
		  "Error: what is 'frob'? (see 'oomkit policy --help')" },
		{ { "policy", "load" },
		  "Error: 'policy load' needs NAME|PATH (see 'oomkit policy load --help')" },
		{ { "policy", "load", "a", "b" },
		  "Error: unexpected argument 'b' for 'policy load' (see 'oomkit policy load --help')" },
		{ { "policy", "load", "a", "--bogus" },
		  "Error: unrecognized option '--bogus' for 'policy load' (see 'oomkit policy load --help')" },
		{ { "policy", "load", "a", "--set" },
		  "Error: option '--set' needs KEY=VALUE" },
		{ { "policy", "unload" },
		  "Error: 'policy unload' needs NAME or --all (see 'oomkit policy unload --help')" },
		{ { "policy", "unload", "a", "--all" },
		  "Error: 'policy unload' takes NAME or --all, not both" },
		{ { "policy", "show", "extra" },
		  "Error: unexpected argument 'extra' for 'policy show' (see 'oomkit policy show --help')" },
		{ { "events", "--count", "0" },
		  "Error: option '--count' needs a positive integer, not '0'" },
		{ { "run" },
		  "Error: 'run' needs NAME|PATH (see 'oomkit run --help')" },
		{ { "feature", "now" },
		  "Error: unexpected argument 'now' for 'feature' (see 'oomkit feature --help')" },
		{ { "--policy-dir" },
		  "Error: option '--policy-dir' needs a directory" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_usage(cases[i].argv, cases[i].err);
}

/* getopt_long rules: --opt=val, options anywhere, "--" ends them. */
TEST(options_parse_like_getopt_long)
{
	static const struct {
		const char *argv[6];
		const char *err;
	} cases[] = {
		{ { "events", "--count=0" },
		  "Error: option '--count' needs a positive integer, not '0'" },
		{ { "events", "--timeout=" },
		  "Error: option '--timeout' needs a positive integer, not ''" },
		{ { "--policy-dir=/nowhere", "policy", "show", "extra" },
		  "Error: unexpected argument 'extra' for 'policy show' (see 'oomkit policy show --help')" },
		/* after the command and after a word */
		{ { "policy", "unload", "a", "--all" },
		  "Error: 'policy unload' takes NAME or --all, not both" },
		{ { "events", "a", "--count", "x" },
		  "Error: option '--count' needs a positive integer, not 'x'" },
		{ { "policy", "load", "--set" },
		  "Error: option '--set' needs KEY=VALUE" },
		/* an option of another command is not this one's */
		{ { "policy", "load", "a", "--all" },
		  "Error: unrecognized option '--all' for 'policy load' (see 'oomkit policy load --help')" },
		/* after "--" an option is a word */
		{ { "policy", "show", "--", "-j" },
		  "Error: unexpected argument '-j' for 'policy show' (see 'oomkit policy show --help')" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_usage(cases[i].argv, cases[i].err);
}

/* An unknown option is one line on stderr and exit 2, wherever it is. */
TEST(unknown_option_is_one_line)
{
	static const struct {
		const char *argv[4];
		const char *err;
	} cases[] = {
		{ { "--bogus" },
		  "Error: unrecognized option '--bogus' (see 'oomkit --help')\n" },
		{ { "-x", "policy", "show" },
		  "Error: unrecognized option '-x' (see 'oomkit --help')\n" },
		{ { "policy", "--bogus", "show" },
		  "Error: unrecognized option '--bogus' (see 'oomkit policy --help')\n" },
		{ { "policy", "show", "-x" },
		  "Error: unrecognized option '-x' for 'policy show' (see 'oomkit policy show --help')\n" },
		{ { "events", "--all=1" },
		  "Error: unrecognized option '--all=1' for 'events' (see 'oomkit events --help')\n" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!ASSERT_OK(cli_runv(&r, 0, NULL, cases[i].argv),
			       cases[i].argv[0]))
			return;
		ASSERT_EQ(r.status, 2, cases[i].argv[0]);
		ASSERT_STR_EQ(r.err, cases[i].err, cases[i].argv[0]);
		ASSERT_STR_EQ(r.out, "", cases[i].argv[0]);
	}
}

TEST(usage_error_in_json_mode)
{
	if (!ASSERT_OK(CLI(&r, "policy", "frob", "-j"), "run"))
		return;
	ASSERT_EQ(r.status, 2, "exit status");
	ASSERT_STR_EQ(
		r.out,
		"{\"error\":\"what is 'frob'? (see 'oomkit policy --help')\"}\n",
		"stdout");
	ASSERT_STR_EQ(r.err, "", "stderr");
	ASSERT_TRUE(json_valid(r.out), "the error is JSON");
}

TEST(verb_prefixes_like_bpftool)
{
	if (!ASSERT_OK(CLI(&r, "pol", "l", "--help"), "run"))
		return;
	/* "l" is ambiguous: list and load */
	ASSERT_EQ(r.status, 2, "exit status");
	ASSERT_STR_EQ(cli_err_line(&r),
		      "Error: ambiguous prefix: 'l' could be 'list' or 'load'",
		      "stderr");
	if (!ASSERT_OK(CLI(&r, "pol", "lis", "--help"), "run"))
		return;
	ASSERT_EQ(r.status, 0, "exit status");
	ASSERT_HAS_SUBSTR(r.out, "policy list", "stdout");
}

/* Like bpftool's synctypes test: the man page and --help come from one table. */
TEST(man_page_lists_every_command)
{
	static const char *const synopses[] = {
		"policy list", "policy load", "policy show", "policy unload",
		"] run ",      "] events ",   "] feature",
	};
	static char man[65536];
	FILE *f = fopen(build_path("oomkit.8"), "r");
	size_t n;

	if (!ASSERT_OK_PTR(f, "build/oomkit.8 (make man)"))
		return;
	n = fread(man, 1, sizeof(man) - 1, f);
	man[n] = '\0';
	fclose(f);
	ASSERT_HAS_SUBSTR(man, ".TH OOMKIT 8", "man header");
	for (size_t i = 0; i < sizeof(synopses) / sizeof(synopses[0]); i++)
		ASSERT_HAS_SUBSTR(man, synopses[i], "man synopsis");
	ASSERT_HAS_SUBSTR(man, ".SH EXIT STATUS", "man exit status");
}
