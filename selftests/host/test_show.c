// SPDX-License-Identifier: GPL-2.0
/* Host tests: 'policy show' reads a pinned oomkit_stats only if it has the layout it sizes its buffer for. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "test.h"

#define FAKE_DIR   "/sys/fs/bpf/oomkit/fake"
#define FAKE_STATS FAKE_DIR "/oomkit_stats"

static struct cli_res r;

static bool pin_fake_stats(enum bpf_map_type type, __u32 key, __u32 value)
{
	int fd, err;

	unlink(FAKE_STATS);
	fd = bpf_map_create(type, "oomkit_stats", key, value, 16, NULL);
	if (!ASSERT_GE(fd, 0, "bpf_map_create"))
		return false;
	err = bpf_obj_pin(fd, FAKE_STATS);
	close(fd);
	return ASSERT_OK(err, "pin it as oomkit_stats");
}

/* A value of 256 bytes per CPU overflowed the 8-per-CPU buffer (malloc abort, exit 134). */
TEST(show_refuses_a_foreign_oomkit_stats)
{
	static const struct {
		enum bpf_map_type type;
		__u32 key, value;
		const char *why;
	} cases[] = {
		{ BPF_MAP_TYPE_PERCPU_ARRAY, 4, 256,
		  "not a per-CPU array of u64 (type percpu_array, key 4, value 256 bytes)" },
		{ BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4096,
		  "not a per-CPU array of u64 (type percpu_array, key 4, value 4096 bytes)" },
		{ BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4,
		  "not a per-CPU array of u64 (type percpu_array, key 4, value 4 bytes)" },
		{ BPF_MAP_TYPE_ARRAY, 4, 8,
		  "not a per-CPU array of u64 (type array, key 4, value 8 bytes)" },
		{ BPF_MAP_TYPE_PERCPU_HASH, 8, 64,
		  "not a per-CPU array of u64 (type percpu_hash, key 8, value 64 bytes)" },
		{ BPF_MAP_TYPE_HASH, 4, 8,
		  "not a per-CPU array of u64 (type hash, key 4, value 8 bytes)" },
	};
	char want[256];

	if (!ASSERT_OK(private_bpffs(), "private bpffs"))
		return;
	mkdir("/sys/fs/bpf/oomkit", 0700);
	if (!ASSERT_OK(mkdir(FAKE_DIR, 0700), "mkdir"))
		return;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!pin_fake_stats(cases[i].type, cases[i].key,
				    cases[i].value))
			return;
		if (!ASSERT_OK(CLI(&r, "policy", "show"), "show"))
			return;
		ASSERT_EQ(r.status, 0, cases[i].why);
		snprintf(want, sizeof(want),
			 "    counters: unreadable: oomkit_stats is %s\n",
			 cases[i].why);
		ASSERT_HAS_SUBSTR(r.out, want, "plain show");
		if (!ASSERT_OK(CLI(&r, "-j", "policy", "show"), "show -j"))
			return;
		ASSERT_EQ(r.status, 0, cases[i].why);
		ASSERT_TRUE(json_valid(r.out), "show -j parses");
		snprintf(want, sizeof(want),
			 "\"stats\":null,\"stats_error\":\"%s\",",
			 cases[i].why);
		ASSERT_HAS_SUBSTR(r.out, want, "show -j");
	}
	/* the layout the policies have is read */
	if (!pin_fake_stats(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8))
		return;
	if (!ASSERT_OK(CLI(&r, "-j", "policy", "show"), "show -j"))
		return;
	ASSERT_EQ(r.status, 0, "a sound oomkit_stats");
	ASSERT_HAS_SUBSTR(r.out, "\"stats\":{\"runs\":0,", "its counters");
}
