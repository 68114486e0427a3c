// SPDX-License-Identifier: GPL-2.0
/* Host tests: the JSON shapes of 'policy list', 'feature' and 'policy show'. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "test.h"

#define SCRATCH "/tmp/oomkit-host-test"

static struct cli_res r;

TEST(policy_list_json_shape)
{
	const char *dir = SCRATCH "/list";

	mkdir(SCRATCH, 0755);
	mkdir(dir, 0755);
	if (!ASSERT_OK(
		    copy_file(build_path("selftests/host/host_fake_oom.bpf.o"),
			      SCRATCH "/list/host-fake.bpf.o", 0, 0644),
		    "copy"))
		return;
	if (!ASSERT_OK(CLI(&r, "-j", "policy", "list", "--policy-dir", dir),
		       "list"))
		goto out;
	ASSERT_EQ(r.status, 0, "exit status");
	ASSERT_TRUE(json_valid(r.out), "list -j parses");
	ASSERT_EQ(r.out[0], '[', "an array");
	ASSERT_HAS_SUBSTR(
		r.out,
		"{\"name\":\"host-fake\",\"origin\":\"drop-in\",\"source\":\"" SCRATCH
		"/list/host-fake.bpf.o\",\"kind\":\"oom\",\"oom_policy\":\"host-fake\","
		"\"description\":\"host tests only: a bpf_oom_ops no host kernel can load\","
		"\"tunables\":[{\"name\":\"kill_all\",\"type\":\"bool\",\"default\":\"false\","
		"\"min\":0,\"max\":1,\"doc\":\"kill every task of the victim cgroup\"},",
		"the drop-in");
	ASSERT_HAS_SUBSTR(
		r.out,
		"{\"name\":\"threshold_pct\",\"type\":\"u32\",\"default\":\"50\","
		"\"min\":1,\"max\":100,",
		"a u32 tunable");
	ASSERT_HAS_SUBSTR(
		r.out,
		"\"cgroup_knobs\":[{\"name\":\"prio\",\"map\":\"host_fake_prio\","
		"\"syntax\":\"CGROUP_PATH:N\",\"min\":-100,\"max\":100,",
		"a knob");
	ASSERT_HAS_SUBSTR(
		r.out,
		"{\"name\":\"avoid\",\"map\":\"host_fake_prio\",\"syntax\":"
		"\"CGROUP_PATH\",\"value\":100,",
		"a fixed-value knob");
out:
	unlink(SCRATCH "/list/host-fake.bpf.o");
	rmdir(dir);
}

TEST(policy_list_has_the_builtins)
{
	static const char *const names[] = {
		"observe",  "biggest-cgroup", "preference",
		"priority", "psi-guard",
	};

	if (!ASSERT_OK(CLI(&r, "-j", "policy", "list", "--policy-dir",
			   "/nonexistent"),
		       "list"))
		return;
	ASSERT_EQ(r.status, 0, "exit status");
	ASSERT_TRUE(json_valid(r.out), "list -j parses");
	ASSERT_FALSE(strstr(r.out, "\"error\""), "no built-in is refused");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char want[128];

		snprintf(want, sizeof(want),
			 "{\"name\":\"%s\",\"origin\":\"builtin\"", names[i]);
		ASSERT_HAS_SUBSTR(r.out, want, names[i]);
	}
	ASSERT_HAS_SUBSTR(
		r.out,
		"\"name\":\"psi-guard\",\"origin\":\"builtin\",\"source\":"
		"\"builtin\",\"kind\":\"psi\",\"oom_policy\":null",
		"psi-guard's kind");
	ASSERT_HAS_SUBSTR(
		r.out,
		"\"name\":\"biggest-cgroup\",\"origin\":\"builtin\",\"source\":"
		"\"builtin\",\"kind\":\"oom\",\"oom_policy\":\"biggest-cgroup\"",
		"biggest-cgroup's kind");
}

TEST(feature_json_shape)
{
	if (!ASSERT_OK(CLI(&r, "-j", "feature"), "feature"))
		return;
	ASSERT_EQ(r.status, 1, "exit status: the host lacks the ABI");
	ASSERT_TRUE(json_valid(r.out), "feature -j parses");
	ASSERT_HAS_SUBSTR(
		r.out,
		"\"abi\":{\"level\":0,\"reason\":\"the kernel's BTF has no struct "
		"bpf_oom_ops (no BPF OOM series in this kernel)\"},\"struct_ops\":",
		"abi");
	ASSERT_HAS_SUBSTR(
		r.out,
		"\"struct_ops\":{\"bpf_oom_ops\":false,\"bpf_psi_ops\":false}",
		"struct_ops");
	ASSERT_HAS_SUBSTR(r.out,
			  "\"fields\":{\"oom_control.bpf_memory_freed\":false,"
			  "\"oom_control.bpf_policy_name\":false}",
			  "fields");
	ASSERT_HAS_SUBSTR(r.out, "\"kfuncs\":{\"bpf_oom_kill_process\":false,",
			  "kfuncs");
	ASSERT_HAS_SUBSTR(r.out,
			  "\"missing\":[\"bpf_oom_ops\",\"bpf_psi_ops\",",
			  "missing");
	ASSERT_HAS_SUBSTR(r.out, "\"complete\":false}", "complete");
	ASSERT_STR_EQ(r.err, "", "stderr");
}

TEST(policy_show_json_shape_when_empty)
{
	if (!ASSERT_OK(private_bpffs(), "private bpffs"))
		return;
	if (!ASSERT_OK(CLI(&r, "-j", "policy", "show"), "show"))
		return;
	ASSERT_EQ(r.status, 0, "exit status");
	ASSERT_TRUE(json_valid(r.out), "show -j parses");
	ASSERT_HAS_SUBSTR(r.out, "\"policies\":[],\"foreign\":[]}",
			  "empty lists");
	if (!ASSERT_OK(CLI(&r, "-p", "policy", "show"), "show -p"))
		return;
	ASSERT_TRUE(json_valid(r.out), "show -p parses");
	ASSERT_HAS_SUBSTR(r.out, "\n    \"policies\": [],\n", "pretty-printed");
}

/* RFC 3629 UTF-8: what a JSON parser must accept (json_valid() looks at structure only). */
static bool utf8_valid(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s) {
		unsigned int cp, n, i;

		if (*s < 0x80) {
			s++;
			continue;
		}
		n = *s >= 0xf0 ? 4 : *s >= 0xe0 ? 3 : *s >= 0xc0 ? 2 : 0;
		if (!n || *s > 0xf4)
			return false;
		cp = *s & (0x7f >> n);
		for (i = 1; i < n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i] & 0x3f);
		}
		if (cp < (n == 2 ? 0x80u :
			  n == 3 ? 0x800u :
				   0x10000u) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		s += n;
	}
	return true;
}

/* Paths (and names, comm) are bytes: -j output stays valid JSON whatever they hold. */
TEST(json_output_is_valid_utf8)
{
	static const char *const bad[] = {
		"\xff",
		"\x80",
		"\xc3",
		"\xc0\xaf",
		"\xe0\x80\xaf",
		"\xed\xa0\x80",
		"\xf4\x90\x80\x80",
		"\xf8\x88\x80\x80\x80",
		"\xfe\xfe",
		"a\xc3(b",
	};
	char path[256], want[64];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(path, sizeof(path), SCRATCH "/nope-%s-x.bpf.o",
			 bad[i]);
		if (!ASSERT_OK(CLI(&r, "-j", "policy", "load", path), "load"))
			return;
		ASSERT_EQ(r.status, 1, "exit status");
		ASSERT_TRUE(json_valid(r.out), "the error parses");
		ASSERT_TRUE(utf8_valid(r.out), "the error is UTF-8");
		ASSERT_HAS_SUBSTR(r.out, "\\ufffd", "bad bytes are replaced");
	}
	/* well-formed UTF-8 passes through */
	snprintf(path, sizeof(path),
		 SCRATCH "/nope-\xc3\xa9\xe2\x82\xac\xf0\x9f\x90\xa7.bpf.o");
	if (!ASSERT_OK(CLI(&r, "-j", "policy", "load", path), "load"))
		return;
	snprintf(want, sizeof(want),
		 "nope-\xc3\xa9\xe2\x82\xac\xf0\x9f\x90\xa7.bpf.o");
	ASSERT_HAS_SUBSTR(r.out, want, "UTF-8 kept");
	ASSERT_FALSE(strstr(r.out, "\\ufffd"), "nothing replaced");

	/* a drop-in directory with such a name, in a listing */
	mkdir(SCRATCH, 0755);
	mkdir(SCRATCH "/\xff\xfe", 0755);
	if (!ASSERT_OK(
		    copy_file(build_path("selftests/host/host_fake_oom.bpf.o"),
			      SCRATCH "/\xff\xfe/f\xe9.bpf.o", 0, 0644),
		    "copy"))
		return;
	if (ASSERT_OK(CLI(&r, "-j", "policy", "list", "--policy-dir",
			  SCRATCH "/\xff\xfe"),
		      "list")) {
		ASSERT_EQ(r.status, 0, "list exit status");
		ASSERT_TRUE(json_valid(r.out) && utf8_valid(r.out),
			    "list -j is valid JSON");
		ASSERT_HAS_SUBSTR(r.out,
				  "\"source\":\"" SCRATCH
				  "/\\ufffd\\ufffd/f\\ufffd.bpf.o\"",
				  "the source path");
	}
	unlink(SCRATCH "/\xff\xfe/f\xe9.bpf.o");
	rmdir(SCRATCH "/\xff\xfe");
}
