// SPDX-License-Identifier: GPL-2.0
/* oomkit config check: reads oomkit.conf and proves every policy and setting would load. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "config.h"
#include "main.h"
#include "policy.h"
#include "scope.h"
#include "tunables.h"

/*
 * The checks of 'policy load' short of the kernel: the object resolves and
 * opens, the scope is a cgroup, and every Set= parses, is in range and
 * names an existing cgroup. Errors come back through p_err_capture() so
 * that each one can carry the file and line it is about.
 */
static int check_policy(struct config *c, const struct config_policy *cp)
{
	const char *arg = cp->policy ? cp->policy : cp->name;
	char msg[1024] = "";
	struct policy p;
	int i, err;

	p_err_capture(msg, sizeof(msg));
	err = policy_open(arg, &p, "load");
	p_err_capture(NULL, 0);
	if (err) {
		err = config_error(c, &cp->policy_pos, "%s", msg);
		goto out;
	}
	/* the section names the instance, as --name does */
	snprintf(p.name, sizeof(p.name), "%s", cp->name);
	if (cp->scope) {
		msg[0] = '\0';
		p_err_capture(msg, sizeof(msg));
		err = scope_resolve(&p, cp->scope, "load");
		p_err_capture(NULL, 0);
		if (err && (err = config_error(c, &cp->scope_pos, "%s", msg)))
			goto out;
	}
	for (i = 0; i < cp->nr_sets; i++) {
		char *set = cp->sets[i];

		msg[0] = '\0';
		p_err_capture(msg, sizeof(msg));
		err = policy_apply_sets(&p, &set, 1);
		p_err_capture(NULL, 0);
		if (err && (err = config_error(c, &cp->set_pos[i], "%s", msg)))
			goto out;
	}
	err = 0;
out:
	policy_close(&p);
	return err;
}

static void print_result(const struct config *c)
{
	size_t i;
	int j;

	if (!json_output) {
		for (i = 0; i < c->nr_errors; i++)
			fprintf(stderr, "%s\n", c->errors[i].text);
		if (c->nr_errors)
			return;
		printf("%s: %zu %s", c->files[0], c->nr_policies,
		       c->nr_policies == 1 ? "policy" : "policies");
		for (i = 0; i < c->nr_policies; i++)
			printf("%s%s", i ? ", " : ": ", c->policies[i].name);
		if (c->nr_files > 1)
			printf(" (%zu drop-in%s)", c->nr_files - 1,
			       c->nr_files == 2 ? "" : "s");
		printf("\n");
		return;
	}
	jsonw_start_object(json_wtr);
	jsonw_name(json_wtr, "files");
	jsonw_start_array(json_wtr);
	for (i = 0; i < c->nr_files; i++)
		jsonw_string(json_wtr, c->files[i]);
	jsonw_end_array(json_wtr);
	jsonw_name(json_wtr, "policies");
	jsonw_start_array(json_wtr);
	for (i = 0; i < c->nr_policies; i++) {
		const struct config_policy *cp = &c->policies[i];

		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "name", cp->name);
		jsonw_string_field(json_wtr, "policy",
				   cp->policy ? cp->policy : cp->name);
		jsonw_name(json_wtr, "sets");
		jsonw_start_array(json_wtr);
		for (j = 0; j < cp->nr_sets; j++)
			jsonw_string(json_wtr, cp->sets[j]);
		jsonw_end_array(json_wtr);
		jsonw_end_object(json_wtr);
	}
	jsonw_end_array(json_wtr);
	jsonw_name(json_wtr, "errors");
	jsonw_start_array(json_wtr);
	for (i = 0; i < c->nr_errors; i++)
		jsonw_string(json_wtr, c->errors[i].text);
	jsonw_end_array(json_wtr);
	jsonw_end_object(json_wtr);
}

static int do_check(void)
{
	const char *path = OOMKIT_DEFAULT_CONFIG;
	struct cmd_args a;
	struct config c;
	size_t i;
	int err;

	err = parse_args("config", "check", ARG_NAMES, &a);
	if (err || a.help)
		goto out_args;
	if (a.nr_names > 1) {
		err = usage_err(
			"too many arguments: 'config check' takes at most one FILE");
		goto out_args;
	}
	if (a.nr_names)
		path = a.names[0];

	err = config_read(path, &c);
	for (i = 0; !err && i < c.nr_policies; i++)
		err = check_policy(&c, &c.policies[i]);
	if (err) {
		p_err("can't check '%s': %s", path, strerror(-err));
		goto out;
	}
	print_result(&c);
	err = c.nr_errors ? -EINVAL : 0;
out:
	config_free(&c);
out_args:
	free_args(&a);
	return err;
}

static int do_help(void)
{
	return print_help("config", NULL);
}

static const struct cmd config_cmds[] = {
	{ "check", do_check },
	{ "help", do_help },
	{ NULL, NULL },
};

int do_config(void)
{
	return cmd_select("config", config_cmds, do_help);
}
