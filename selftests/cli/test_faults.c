// SPDX-License-Identifier: GPL-2.0
/* VM: the verifier's refusal is shown and nothing stays; feature and the ABI level on the test kernel; a knob map filled before attach. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "cgroup.h"
#include "cli.h"
#include "report.h"
#include "test.h"

static struct cli_res r;

TEST(verifier_failure_shows_the_log_tail)
{
	const char *obj = build_path("selftests/cli/cli_bad_verifier.bpf.o");
	/* the handler of the kernel's level (bpf/abi.bpf.h) is the one loaded */
	const char *prog = abi_level() == 2 ? "cli_bad_handle_oom_l2" :
					      "cli_bad_handle_out_of_memory";
	char want[192];
	const char *last;
	int links;

	CLI(&r, "policy", "unload", "--all");
	links = nr_struct_ops_links();
	if (!ASSERT_OK(CLI(&r, "policy", "load", obj), "load"))
		return;
	ASSERT_EQ(r.status, 1, "exit status");
	ASSERT_STR_EQ(r.out, "", "stdout");
	ASSERT_HAS_SUBSTR(r.err, "oomkit verifier log (last 20 lines):\n",
			  "the log header");
	ASSERT_HAS_SUBSTR(r.err, "invalid mem access 'map_value_or_null'",
			  "the verifier's reason");
	last = strstr(r.err, "Error: ");
	if (ASSERT_OK_PTR(last, "an error line")) {
		snprintf(
			want, sizeof(want),
			"Error: can't load 'cli_bad_verifier': the verifier rejected "
			"program '%s' (",
			prog);
		ASSERT_HAS_SUBSTR(last, want, "the error line");
		ASSERT_FALSE(strchr(last, '\n') && strchr(last, '\n')[1],
			     "the error is the last line");
	}
	ASSERT_FALSE(pin_exists("cli_bad_verifier"), "nothing pinned");
	ASSERT_EQ(nr_struct_ops_links(), links, "nothing attached");

	if (!ASSERT_OK(CLI(&r, "-j", "policy", "load", obj), "load -j"))
		return;
	ASSERT_EQ(r.status, 1, "exit status (-j)");
	ASSERT_TRUE(json_valid(r.out), "the JSON error parses");
	snprintf(
		want, sizeof(want),
		"{\"error\":\"can't load 'cli_bad_verifier': the verifier rejected "
		"program '%s' (",
		prog);
	ASSERT_HAS_SUBSTR(r.out, want, "the JSON error");
	ASSERT_HAS_SUBSTR(r.out, "\"verifier_log\":[", "the log in JSON");
}

TEST(feature_reports_everything_present)
{
	const char *ops = abi_level() == 2 ?
				  "\"struct_ops\":{\"bpf_oom_ops\":true}" :
				  "\"struct_ops\":{\"bpf_oom_ops\":true,"
				  "\"bpf_psi_ops\":true}";

	if (!ASSERT_OK(CLI(&r, "feature"), "feature"))
		return;
	ASSERT_EQ(r.status, 0, "exit status");
	ASSERT_HAS_SUBSTR(r.out, "all present\n", "plain");
	ASSERT_FALSE(strstr(r.out, "MISSING"), "nothing missing");
	if (!ASSERT_OK(CLI(&r, "-j", "feature"), "feature -j"))
		return;
	ASSERT_EQ(r.status, 0, "exit status (-j)");
	ASSERT_TRUE(json_valid(r.out), "feature -j parses");
	ASSERT_HAS_SUBSTR(r.out, ops, "struct_ops");
	ASSERT_HAS_SUBSTR(r.out, "\"missing\":[],\"complete\":true}",
			  "complete");
}

/*
 * Each test kernel carries one level (kernel-abi.md, kernel-abi-level2.md);
 * feature names it, plain and -j, with that level's field and not the
 * other's. The level is the suite's own BTF probe (selftests/lib/report.c).
 */
TEST(feature_names_the_kernels_abi_level)
{
	bool l2 = abi_level() == 2;
	const char *mine = l2 ? "bpf_handler_name" : "bpf_policy_name";
	const char *other = l2 ? "bpf_policy_name" : "bpf_handler_name";
	char want[128];

	if (!ASSERT_OK(CLI(&r, "feature"), "feature"))
		return;
	ASSERT_EQ(r.status, 0, "exit status");
	snprintf(want, sizeof(want), "\nBPF OOM ABI: level %d\nstruct_ops:\n",
		 l2 ? 2 : 1);
	ASSERT_HAS_SUBSTR(r.out, want, "plain");
	snprintf(want, sizeof(want), "  oom_control.%-24s yes\n", mine);
	ASSERT_HAS_SUBSTR(r.out, want, "the level's field list");
	ASSERT_FALSE(strstr(r.out, other), "no field of the other level");
	if (!ASSERT_OK(CLI(&r, "-j", "feature"), "feature -j"))
		return;
	ASSERT_EQ(r.status, 0, "exit status (-j)");
	ASSERT_TRUE(json_valid(r.out), "feature -j parses");
	snprintf(want, sizeof(want),
		 "\"abi\":{\"level\":%d,\"reason\":null},\"struct_ops\":",
		 l2 ? 2 : 1);
	ASSERT_HAS_SUBSTR(r.out, want, "-j");
}

/* psi-guard's init reads its watch map at attach: the CLI must fill it before. */
TEST(cgroup_knob_reaches_the_map_before_attach)
{
	unsigned long long id;
	long long val = 0;
	int fd = -1;
	char set[512];

	CLI(&r, "policy", "unload", "--all");
	if (!ASSERT_OK(cg_init("cli_knob"), "cg_init"))
		return;
	if (!ASSERT_OK(cg_create("watched"), "cg_create"))
		goto out;
	id = cg_id("watched");
	snprintf(set, sizeof(set), "watch=%s", cg_abspath("watched"));
	if (!ASSERT_OK(CLI(&r, "-j", "policy", "load", "psi-guard", "--set",
			   set),
		       "load"))
		goto out;
	if (!ASSERT_EQ(r.status, 0, "load exit status")) {
		fprintf(stderr, "%s%s", r.out, r.err);
		goto out;
	}
	ASSERT_HAS_SUBSTR(
		r.out,
		"\"kind\":\"psi\",\"source\":\"builtin\",\"oom_policy\":null",
		"a psi policy");
	fd = bpf_obj_get("/sys/fs/bpf/oomkit/psi-guard/watch");
	if (!ASSERT_GE(fd, 0, "the knob map is pinned"))
		goto out;
	ASSERT_OK(bpf_map_lookup_elem(fd, &id, &val),
		  "the cgroup's id is in the map");
	ASSERT_EQ(val, 1, "with the knob's value");
	if (!ASSERT_OK(CLI(&r, "-j", "policy", "show"), "show"))
		goto out;
	ASSERT_HAS_SUBSTR(
		r.out,
		"\"name\":\"psi-guard\",\"pin_dir\":\"/sys/fs/bpf/oomkit/psi-guard\","
		"\"complete\":true,\"kind\":\"psi\",\"attach_order\":null,",
		"show");
	if (abi_level() == 2) {
		/* no bpf_psi_ops: init ran at load, the sampler is a tracepoint link */
		ASSERT_HAS_SUBSTR(r.out,
				  "{\"program\":\"psi_guard_avgs___l2\","
				  "\"map_id\":null,\"type\":\"tracepoint\",",
				  "the psi_avgs_work program's link");
	} else {
		ASSERT_HAS_SUBSTR(r.out, "\"type\":\"bpf_psi_ops\"",
				  "the psi struct_ops");
		ASSERT_HAS_SUBSTR(r.out, "\"name\":\"init\"",
				  "its init handler");
	}
out:
	if (fd >= 0)
		close(fd);
	CLI(&r, "policy", "unload", "--all");
	cg_cleanup();
}
