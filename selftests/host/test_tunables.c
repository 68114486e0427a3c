// SPDX-License-Identifier: GPL-2.0
/* Host tests: --set is type- and range-checked and cgroup paths must exist, before anything loads. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "test.h"

#define FAKE "selftests/host/host_fake_oom.bpf.o"

static struct cli_res r;

static void expect_set_error(const char *set, int status, const char *err)
{
	char what[256];

	snprintf(what, sizeof(what), "--set %s", set);
	if (!ASSERT_OK(CLI(&r, "policy", "load", build_path(FAKE), "--set", set), what))
		return;
	ASSERT_EQ(r.status, status, what);
	ASSERT_STR_EQ(r.err, err, what);
	ASSERT_FALSE(pin_exists("host-fake"), "nothing pinned");

	if (!ASSERT_OK(CLI(&r, "-j", "run", build_path(FAKE), "--set", set), what))
		return;
	ASSERT_EQ(r.status, status, what);
	ASSERT_TRUE(json_valid(r.out), "the JSON error parses");
	ASSERT_HAS_SUBSTR(r.out, "{\"error\":\"can't set '", what);
}

TEST(set_unknown_tunable)
{
	expect_set_error("nope=1", 2, "Error: can't set 'nope' on 'host-fake': no such tunable "
			 "(keys: kill_all, threshold_pct, bias_bytes, small_u8, prio, avoid)\n");
}

TEST(set_needs_key_value)
{
	if (!ASSERT_OK(CLI(&r, "policy", "load", build_path(FAKE), "--set", "kill_all"), "run"))
		return;
	ASSERT_EQ(r.status, 2, "exit status");
	ASSERT_STR_EQ(r.err, "Error: can't parse '--set kill_all': expected KEY=VALUE\n", "stderr");
}

TEST(set_bad_bool)
{
	expect_set_error("kill_all=maybe", 2, "Error: can't set 'kill_all' on 'host-fake': "
			 "'maybe' is not a bool (use true or false)\n");
}

TEST(set_bad_integer)
{
	expect_set_error("threshold_pct=ten", 2, "Error: can't set 'threshold_pct' on "
			 "'host-fake': 'ten' is not an integer (u32)\n");
	expect_set_error("threshold_pct=10x", 2, "Error: can't set 'threshold_pct' on "
			 "'host-fake': '10x' is not an integer (u32)\n");
}

TEST(set_out_of_the_policys_range)
{
	expect_set_error("threshold_pct=101", 2, "Error: can't set 'threshold_pct' on "
			 "'host-fake': 101 is out of range [1, 100]\n");
	expect_set_error("threshold_pct=0", 2, "Error: can't set 'threshold_pct' on "
			 "'host-fake': 0 is out of range [1, 100]\n");
	expect_set_error("bias_bytes=-2k", 2, "Error: can't set 'bias_bytes' on "
			 "'host-fake': -2k is out of range [-1024, 1024]\n");
}

TEST(set_out_of_the_types_range)
{
	expect_set_error("small_u8=256", 2, "Error: can't set 'small_u8' on 'host-fake': "
			 "256 is out of range [0, 255]\n");
	expect_set_error("small_u8=-1", 2, "Error: can't set 'small_u8' on 'host-fake': "
			 "-1 is out of range [0, 255]\n");
}

TEST(set_cgroup_that_does_not_exist)
{
	expect_set_error("avoid=/sys/fs/cgroup/oomkit-no-such-cgroup", 1,
			 "Error: can't set 'avoid' on 'host-fake': cgroup "
			 "'/sys/fs/cgroup/oomkit-no-such-cgroup' does not exist "
			 "(No such file or directory)\n");
}

TEST(set_path_that_is_not_a_cgroup)
{
	expect_set_error("avoid=/tmp", 1, "Error: can't set 'avoid' on 'host-fake': '/tmp' is "
			 "not a cgroup2 directory\n");
}

TEST(set_knob_needs_its_number)
{
	expect_set_error("prio=/sys/fs/cgroup", 2, "Error: can't set 'prio' on 'host-fake': "
			 "'/sys/fs/cgroup' is not CGROUP_PATH:N\n");
	expect_set_error("prio=/sys/fs/cgroup:1000", 2, "Error: can't set 'prio' on 'host-fake': "
			 "1000 is out of range [-100, 100]\n");
}

/* Valid settings get past --set: the next refusal is the kernel's missing ABI. */
TEST(set_valid_values_reach_the_kernel_check)
{
	if (!ASSERT_OK(CLI(&r, "run", build_path(FAKE), "--set", "kill_all=true", "--set",
			   "threshold_pct=0x10", "--set", "bias_bytes=-1k", "--set", "small_u8=255"),
		       "run"))
		return;
	ASSERT_EQ(r.status, 1, "exit status");
	ASSERT_STR_EQ(r.err, "Error: can't run 'host-fake': this kernel has no bpf_oom_ops (needs "
		      "the BPF OOM series; see 'oomkit feature')\n", "stderr");
}
