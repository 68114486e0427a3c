// SPDX-License-Identifier: GPL-2.0
/* Host tests: --set is type- and range-checked and cgroup paths must exist, before anything loads. */
#include <limits.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "test.h"

#define FAKE "selftests/host/host_fake_oom.bpf.o"

static struct cli_res r;

/* Where this host mounts cgroup2 (the CLI resolves relative paths against it). */
static const char *cg2_mount(void)
{
	static char mnt[PATH_MAX];
	struct mntent *me;
	FILE *f;

	if (mnt[0])
		return mnt;
	snprintf(mnt, sizeof(mnt), "/sys/fs/cgroup");
	f = setmntent("/proc/self/mounts", "r");
	while (f && (me = getmntent(f))) {
		if (!strcmp(me->mnt_type, "cgroup2")) {
			snprintf(mnt, sizeof(mnt), "%s", me->mnt_dir);
			break;
		}
	}
	if (f)
		endmntent(f);
	return mnt;
}

static void expect_set_error(const char *set, int status, const char *err)
{
	char what[256];

	snprintf(what, sizeof(what), "--set %s", set);
	if (!ASSERT_OK(CLI(&r, "policy", "load", build_path(FAKE), "--set",
			   set),
		       what))
		return;
	ASSERT_EQ(r.status, status, what);
	ASSERT_STR_EQ(r.err, err, what);
	ASSERT_FALSE(pin_exists("host-fake"), "nothing pinned");

	if (!ASSERT_OK(CLI(&r, "-j", "run", build_path(FAKE), "--set", set),
		       what))
		return;
	ASSERT_EQ(r.status, status, what);
	ASSERT_TRUE(json_valid(r.out), "the JSON error parses");
	ASSERT_HAS_SUBSTR(r.out, "{\"error\":\"can't set '", what);
}

TEST(set_unknown_tunable)
{
	expect_set_error(
		"nope=1", 2,
		"Error: can't set 'nope' on 'host-fake': no such tunable "
		"(keys: kill_all, threshold_pct, bias_bytes, small_u8, prio, avoid)\n");
}

/* getopt takes --set's value whatever it starts with: "-j=1" is a key, not -j. */
TEST(set_value_may_start_with_a_dash)
{
	expect_set_error(
		"-j=1", 2,
		"Error: can't set '-j' on 'host-fake': no such tunable "
		"(keys: kill_all, threshold_pct, bias_bytes, small_u8, prio, avoid)\n");
}

TEST(set_needs_key_value)
{
	if (!ASSERT_OK(CLI(&r, "policy", "load", build_path(FAKE), "--set",
			   "kill_all"),
		       "run"))
		return;
	ASSERT_EQ(r.status, 2, "exit status");
	ASSERT_STR_EQ(
		r.err,
		"Error: can't parse '--set kill_all': expected KEY=VALUE\n",
		"stderr");
}

TEST(set_bad_bool)
{
	expect_set_error("kill_all=maybe", 2,
			 "Error: can't set 'kill_all' on 'host-fake': "
			 "'maybe' is not a bool (use true or false)\n");
}

TEST(set_bad_integer)
{
	expect_set_error("threshold_pct=ten", 2,
			 "Error: can't set 'threshold_pct' on "
			 "'host-fake': 'ten' is not an integer (u32)\n");
	expect_set_error("threshold_pct=10x", 2,
			 "Error: can't set 'threshold_pct' on "
			 "'host-fake': '10x' is not an integer (u32)\n");
}

TEST(set_out_of_the_policys_range)
{
	expect_set_error("threshold_pct=101", 2,
			 "Error: can't set 'threshold_pct' on "
			 "'host-fake': 101 is out of range [1, 100]\n");
	expect_set_error("threshold_pct=0", 2,
			 "Error: can't set 'threshold_pct' on "
			 "'host-fake': 0 is out of range [1, 100]\n");
	expect_set_error("bias_bytes=-2k", 2,
			 "Error: can't set 'bias_bytes' on "
			 "'host-fake': -2k is out of range [-1024, 1024]\n");
}

TEST(set_out_of_the_types_range)
{
	expect_set_error("small_u8=256", 2,
			 "Error: can't set 'small_u8' on 'host-fake': "
			 "256 is out of range [0, 255]\n");
	expect_set_error("small_u8=-1", 2,
			 "Error: can't set 'small_u8' on 'host-fake': "
			 "-1 is out of range [0, 255]\n");
}

/* Not below the cgroup2 mount: no cgroup can ever be made there. */
TEST(set_cgroup_that_does_not_exist)
{
	expect_set_error("avoid=/oomkit-no-such-cgroup", 1,
			 "Error: can't set 'avoid' on 'host-fake': cgroup "
			 "'/oomkit-no-such-cgroup' does not exist "
			 "(No such file or directory)\n");
}

/*
 * Below the mount, a cgroup not made yet (a service that starts later) is
 * kept by its path, with a note; ".." there is refused, not guessed at.
 */
TEST(set_cgroup_not_made_yet_is_kept_by_path)
{
	char set[PATH_MAX + 32], note[2 * PATH_MAX];

	snprintf(set, sizeof(set), "avoid=%s/oomkit-later.service",
		 cg2_mount());
	if (!ASSERT_OK(CLI(&r, "policy", "load", build_path(FAKE), "--set",
			   set),
		       "load"))
		return;
	snprintf(note, sizeof(note),
		 "note: 'avoid=%s/oomkit-later.service' on 'host-fake': no "
		 "such cgroup yet; it applies once it is made\n",
		 cg2_mount());
	ASSERT_TRUE(!strncmp(r.err, note, strlen(note)),
		    "the note, then the kernel check");
	ASSERT_FALSE(pin_exists("host-fake"), "nothing pinned");

	snprintf(set, sizeof(set), "avoid=%s/a/../oomkit-later.service",
		 cg2_mount());
	snprintf(
		note, sizeof(note),
		"Error: can't set 'avoid' on 'host-fake': cgroup "
		"'%s/a/../oomkit-later.service' does not exist (No such file or directory)\n",
		cg2_mount());
	expect_set_error(set, 1, note);
}

TEST(set_path_that_is_not_a_cgroup)
{
	expect_set_error("avoid=/tmp", 1,
			 "Error: can't set 'avoid' on 'host-fake': '/tmp' is "
			 "not a cgroup2 directory\n");
}

TEST(set_knob_needs_its_number)
{
	expect_set_error("prio=/sys/fs/cgroup", 2,
			 "Error: can't set 'prio' on 'host-fake': "
			 "'/sys/fs/cgroup' is not CGROUP_PATH:N\n");
	expect_set_error("prio=/sys/fs/cgroup:1000", 2,
			 "Error: can't set 'prio' on 'host-fake': "
			 "1000 is out of range [-100, 100]\n");
}

/* Valid settings get past --set: the next refusal is the kernel's missing ABI. */
TEST(set_valid_values_reach_the_kernel_check)
{
	/* run checks bpffs (its pin check) before the kernel */
	if (!ASSERT_OK(private_bpffs(), "private bpffs"))
		return;
	if (!ASSERT_OK(CLI(&r, "run", build_path(FAKE), "--set",
			   "kill_all=true", "--set", "threshold_pct=0x10",
			   "--set", "bias_bytes=-1k", "--set", "small_u8=255"),
		       "run"))
		return;
	ASSERT_EQ(r.status, 1, "exit status");
	ASSERT_STR_EQ(
		r.err,
		"Error: can't run 'host-fake': this kernel has no bpf_oom_ops (needs "
		"the BPF OOM series; see 'oomkit feature')\n",
		"stderr");
}

/* A KEY=VALUE whose value is @n copies of @fill between @pre and @post. */
static char *long_set(const char *key, const char *pre, char fill, size_t n,
		      const char *post)
{
	size_t lk = strlen(key), lp = strlen(pre), lq = strlen(post);
	char *s = malloc(lk + 1 + lp + n + lq + 1);

	if (!s)
		return NULL;
	sprintf(s, "%s=%s", key, pre);
	memset(s + lk + 1 + lp, fill, n);
	strcpy(s + lk + 1 + lp + n, post);
	return s;
}

static void expect_too_long(const char *target, const char *set,
			    const char *name, const char *policy)
{
	char err[256], what[64];

	snprintf(err, sizeof(err),
		 "Error: can't set '%s' on '%s': cgroup path too long (at most "
		 "4095 bytes)\n",
		 name, policy);
	snprintf(what, sizeof(what), "--set %s=<%zu bytes>", name, strlen(set));
	if (!ASSERT_OK(CLI(&r, "policy", "load", target, "--set", set), what))
		return;
	ASSERT_EQ(r.status, 2, what);
	ASSERT_STR_EQ(r.err, err, what);
	ASSERT_FALSE(pin_exists(policy), "nothing pinned");
	if (!ASSERT_OK(CLI(&r, "run", target, "--set", set), what))
		return;
	ASSERT_EQ(r.status, 2, what);
	ASSERT_STR_EQ(r.err, err, what);
}

/* No length overflows the path buffer, and no path is cut short to name another cgroup. */
TEST(set_cgroup_path_too_long)
{
	/* the lengths that crashed the release build, PATH_MAX, and the biggest argv string */
	static const size_t lens[] = { 4096,  4100,  8250,  8938,
				       21682, 22218, 131000 };
	char *s;

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		s = long_set("priority", "", 'a', lens[i], ":5");
		if (!ASSERT_OK_PTR(s, "alloc"))
			return;
		expect_too_long("priority", s, "priority", "priority");
		free(s);
		s = long_set("prio", "/", 'a', lens[i], ":5");
		expect_too_long(build_path(FAKE), s, "prio", "host-fake");
		free(s);
		s = long_set("avoid", "", 'a', lens[i], "");
		expect_too_long(build_path(FAKE), s, "avoid", "host-fake");
		free(s);
	}
	/* an absolute path that truncation turned into the cgroup2 root */
	s = long_set("prefer", cg2_mount(), '/', 4100, "nonexistent");
	expect_too_long("preference", s, "prefer", "preference");
	free(s);
	/* relative: short enough alone, too long once under the cgroup2 mount */
	s = long_set("avoid", "", 'a', 4090, "");
	expect_too_long(build_path(FAKE), s, "avoid", "host-fake");
	free(s);
}

/*
 * The root's memcg and psi group are the system's: a per-cgroup setting
 * there is refused and told to be omitted (psi-guard's watch=. reached
 * bpf_out_of_memory(root memcg), a kernel BUG).
 */
TEST(set_cgroup2_root_is_refused)
{
	static const struct {
		const char *target, *key, *path, *suffix, *policy;
	} cases[] = {
		{ "psi-guard", "watch", ".", "", "psi-guard" },
		{ "psi-guard", "watch", "", "", "psi-guard" },
		{ "psi-guard", "watch", "/", "", "psi-guard" },
		{ "psi-guard", "watch", "/./", "", "psi-guard" },
		{ "preference", "prefer", "", "", "preference" },
		{ "priority", "priority", "", ":5", "priority" },
		{ FAKE, "prio", "", ":5", "host-fake" },
		{ FAKE, "avoid", ".", "", "host-fake" },
	};
	char set[PATH_MAX + 64], err[PATH_MAX + 256], what[PATH_MAX + 128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *target = strchr(cases[i].target, '/') ?
					     build_path(cases[i].target) :
					     cases[i].target;
		/* "." is relative to the mount; the others are appended to it */
		bool rel = !strcmp(cases[i].path, ".");

		snprintf(set, sizeof(set), "%s=%s%s%s", cases[i].key,
			 rel ? "" : cg2_mount(), cases[i].path,
			 cases[i].suffix);
		snprintf(
			err, sizeof(err),
			"Error: can't set '%s' on '%s': '%s%s%s' is the cgroup2 "
			"root, not a cgroup below it; omit the setting for the system-wide "
			"behaviour\n",
			cases[i].key, cases[i].policy, cg2_mount(),
			rel ? "/" : "", cases[i].path);
		snprintf(what, sizeof(what), "--set %s", set);
		if (!ASSERT_OK(CLI(&r, "policy", "load", target, "--set", set),
			       what))
			return;
		ASSERT_EQ(r.status, 2, what);
		ASSERT_STR_EQ(r.err, err, what);
		ASSERT_FALSE(pin_exists(cases[i].policy), "nothing pinned");
	}
}

/* Decimal, or hex with 0x: "010" is no silent octal 8. */
TEST(set_integer_with_a_leading_zero)
{
	static const char *const vals[] = { "010", "08", "-010", "00",
					    "0010k" };
	char set[64], err[256];

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		const char *key = vals[i][strlen(vals[i]) - 1] == 'k' ?
					  "bias_bytes" :
					  "threshold_pct";

		snprintf(set, sizeof(set), "%s=%s", key, vals[i]);
		snprintf(
			err, sizeof(err),
			"Error: can't set '%s' on 'host-fake': '%s' has a "
			"leading 0 (octal?); write it in decimal, or in hex with 0x\n",
			key, vals[i]);
		expect_set_error(set, 2, err);
	}
	expect_set_error("threshold_pct=0x", 2,
			 "Error: can't set 'threshold_pct' on "
			 "'host-fake': '0x' is not an integer (u32)\n");
}

/* k/M/G are binary sizes: only a *_bytes tunable (or knob) takes them. */
TEST(set_size_suffix_only_for_bytes)
{
	static const char *const vals[] = { "1k", "1M", "1g", "0x1k" };
	char set[64], err[256];

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		snprintf(set, sizeof(set), "threshold_pct=%s", vals[i]);
		snprintf(
			err, sizeof(err),
			"Error: can't set 'threshold_pct' on 'host-fake': '%s' "
			"has a size suffix; only *_bytes settings take k, M or G\n",
			vals[i]);
		expect_set_error(set, 2, err);
	}
	expect_set_error("prio=/:1k", 2,
			 "Error: can't set 'prio' on 'host-fake': '/:1k' is "
			 "not CGROUP_PATH:N\n");
	/* where they belong they still work */
	if (!ASSERT_OK(private_bpffs(), "private bpffs") ||
	    !ASSERT_OK(CLI(&r, "run", build_path(FAKE), "--set",
			   "bias_bytes=1k", "--set", "threshold_pct=0x20",
			   "--set", "small_u8=10"),
		       "run"))
		return;
	ASSERT_EQ(r.status, 1, "exit status");
	ASSERT_STR_EQ(
		r.err,
		"Error: can't run 'host-fake': this kernel has no bpf_oom_ops (needs "
		"the BPF OOM series; see 'oomkit feature')\n",
		"reaches the kernel check");
}
