// SPDX-License-Identifier: GPL-2.0
/* Host tests: 'policy set/unset' change a pinned policy's knob maps in place, all or nothing. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/types.h>

#include <oomkit/intf.h>

#include "cli.h"
#include "test.h"

#define DIR "/sys/fs/bpf/oomkit/host-fake"

static struct cli_res r;

struct knob_path {
	char path[256];
};

static const struct oomkit_meta fake_meta[] = {
	{ .kind = OOMKIT_META_POLICY, .name = "host-fake" },
	{ .kind = OOMKIT_META_TUNABLE, .min = 0, .max = 1, .name = "kill_all" },
	{ .kind = OOMKIT_META_CGROUP_KNOB,
	  .min = -100,
	  .max = 100,
	  .value_from_arg = 1,
	  .name = "prio",
	  .map = "host_fake_prio" },
	{ .kind = OOMKIT_META_CGROUP_KNOB,
	  .value = 100,
	  .name = "avoid",
	  .map = "host_fake_prio" },
};

static int pin_new(const char *name, enum bpf_map_type type, __u32 key,
		   __u32 val, __u32 max)
{
	char path[256];
	int fd, err;

	fd = bpf_map_create(type, name, key, val, max, NULL);
	if (fd < 0)
		return fd;
	snprintf(path, sizeof(path), DIR "/%s", name);
	err = bpf_obj_pin(fd, path);
	close(fd);
	return err;
}

/* What 'policy load' of the fake would pin for its knobs, without a kernel that loads it. */
static bool pin_fake(bool with_meta)
{
	__u32 i;
	int fd;

	if (!ASSERT_OK(private_bpffs(), "private bpffs"))
		return false;
	mkdir("/sys/fs/bpf/oomkit", 0700);
	if (!ASSERT_OK(mkdir(DIR, 0700), "mkdir"))
		return false;
	if (!ASSERT_OK(pin_new("host_fake_prio", BPF_MAP_TYPE_HASH, 8, 8, 16),
		       "id map") ||
	    !ASSERT_OK(pin_new("host_fake_prio_paths", BPF_MAP_TYPE_HASH,
			       sizeof(struct knob_path), 8, 16),
		       "paths map"))
		return false;
	if (!with_meta)
		return true;
	if (!ASSERT_OK(pin_new("oomkit_meta", BPF_MAP_TYPE_ARRAY, 4,
			       sizeof(struct oomkit_meta), 4),
		       "meta map"))
		return false;
	fd = bpf_obj_get(DIR "/oomkit_meta");
	for (i = 0; i < 4; i++)
		bpf_map_update_elem(fd, &i, &fake_meta[i], BPF_ANY);
	close(fd);
	return true;
}

/* The value pinned for @path in the paths map, or -999 if none. */
static long long by_path(const char *path)
{
	struct knob_path k = {};
	__s64 v = -999;
	int fd;

	snprintf(k.path, sizeof(k.path), "%s", path);
	fd = bpf_obj_get(DIR "/host_fake_prio_paths");
	if (fd < 0)
		return -1000;
	bpf_map_lookup_elem(fd, &k, &v);
	close(fd);
	return v;
}

TEST(policy_set_writes_the_paths_map)
{
	if (!pin_fake(true))
		return;
	if (!ASSERT_OK(CLI(&r, "policy", "set", "host-fake",
			   "avoid=oomkit-live-a", "prio=oomkit-live-b:-5"),
		       "set"))
		return;
	ASSERT_EQ(r.status, 0, r.err);
	ASSERT_HAS_SUBSTR(r.out, "host-fake: set avoid=oomkit-live-a\n",
			  "says what it set");
	ASSERT_HAS_SUBSTR(r.err, "no such cgroup yet", "notes the path");
	ASSERT_EQ(by_path("/oomkit-live-a"), 100, "avoid's value by path");
	ASSERT_EQ(by_path("/oomkit-live-b"), -5, "prio's N by path");

	if (!ASSERT_OK(CLI(&r, "-j", "policy", "show"), "show -j"))
		return;
	ASSERT_TRUE(json_valid(r.out), "show -j parses");
	ASSERT_HAS_SUBSTR(r.out,
			  "{\"key\":\"avoid\",\"map\":\"host_fake_prio\","
			  "\"path\":\"/oomkit-live-a\",\"value\":100,"
			  "\"cgroup_id\":null,\"follows_path\":true}",
			  "show lists the setting by path");
	if (!ASSERT_OK(CLI(&r, "policy", "show"), "show"))
		return;
	ASSERT_HAS_SUBSTR(
		r.out, "        prio=/oomkit-live-b:-5 (no cgroup there now)\n",
		"plain show");

	/* again with another value: replaced */
	ASSERT_OK(CLI(&r, "policy", "set", "host-fake", "prio=oomkit-live-a:7"),
		  "set again");
	ASSERT_EQ(r.status, 0, r.err);
	ASSERT_EQ(by_path("/oomkit-live-a"), 7, "replaced");
}

TEST(policy_set_of_a_tunable_is_refused)
{
	if (!pin_fake(true))
		return;
	if (!ASSERT_OK(CLI(&r, "policy", "set", "host-fake",
			   "avoid=oomkit-live-a", "kill_all=true"),
		       "set"))
		return;
	ASSERT_EQ(r.status, 2, "a usage error");
	ASSERT_STR_EQ(
		r.err,
		"Error: can't set 'kill_all' on 'host-fake': a tunable is fixed when the "
		"policy loads; reload it with the new value, or change the config and run "
		"'oomkit apply'\n",
		"one line saying to reload");
	ASSERT_EQ(by_path("/oomkit-live-a"), -999, "nothing half applied");
}

TEST(policy_set_checks_everything_first)
{
	if (!pin_fake(true))
		return;
	if (!ASSERT_OK(CLI(&r, "policy", "set", "host-fake",
			   "avoid=oomkit-live-a", "prio=oomkit-live-b:500"),
		       "set"))
		return;
	ASSERT_EQ(r.status, 2, r.err);
	ASSERT_HAS_SUBSTR(r.err, "500 is out of range [-100, 100]", "why");
	ASSERT_EQ(by_path("/oomkit-live-a"), -999, "nothing half applied");

	ASSERT_OK(CLI(&r, "policy", "set", "host-fake", "nope=x"), "set");
	ASSERT_EQ(r.status, 2, r.err);
	ASSERT_HAS_SUBSTR(r.err,
			  "no such tunable (keys: kill_all, prio, avoid)",
			  "lists the keys");

	ASSERT_OK(CLI(&r, "policy", "set", "host-fake"), "set");
	ASSERT_EQ(r.status, 2, r.err);
	ASSERT_STR_EQ(
		r.err,
		"Error: 'policy set host-fake' needs at least one KEY=VALUE (see 'oomkit "
		"policy set --help')\n",
		"needs a setting");
}

TEST(policy_unset_removes_what_was_set)
{
	if (!pin_fake(true))
		return;
	CLI(&r, "policy", "set", "host-fake", "avoid=oomkit-live-a",
	    "avoid=oomkit-live-c", "prio=oomkit-live-b:3");
	if (!ASSERT_EQ(r.status, 0, r.err))
		return;

	/* one that is not set: an error, and the others stay */
	ASSERT_OK(CLI(&r, "policy", "unset", "host-fake", "avoid=oomkit-live-a",
		      "avoid=oomkit-live-b"),
		  "unset");
	ASSERT_EQ(r.status, 1, r.err);
	ASSERT_STR_EQ(
		r.err,
		"Error: can't unset 'avoid=oomkit-live-b' on 'host-fake': not set (see "
		"'oomkit policy show')\n",
		"prio's path is not avoid's");
	ASSERT_EQ(by_path("/oomkit-live-a"), 100, "nothing half applied");

	ASSERT_OK(CLI(&r, "policy", "unset", "host-fake",
		      "avoid=oomkit-live-a"),
		  "unset");
	ASSERT_EQ(r.status, 0, r.err);
	ASSERT_STR_EQ(r.out, "host-fake: unset avoid=oomkit-live-a\n",
		      "says so");
	ASSERT_EQ(by_path("/oomkit-live-a"), -999, "gone");
	ASSERT_EQ(by_path("/oomkit-live-c"), 100, "the other avoid stays");

	/* KEY alone: every setting of that key, no other */
	ASSERT_OK(CLI(&r, "policy", "unset", "host-fake", "prio"), "unset");
	ASSERT_EQ(r.status, 0, r.err);
	ASSERT_EQ(by_path("/oomkit-live-b"), -999, "prio gone");
	ASSERT_EQ(by_path("/oomkit-live-c"), 100, "avoid stays");

	ASSERT_OK(CLI(&r, "policy", "unset", "host-fake", "kill_all"), "unset");
	ASSERT_EQ(r.status, 2, r.err);
	ASSERT_HAS_SUBSTR(r.err, "a tunable is fixed when the policy loads",
			  "a tunable can't be unset");
}

TEST(policy_set_needs_a_loaded_policy_and_its_meta)
{
	if (!pin_fake(false))
		return;
	ASSERT_OK(CLI(&r, "policy", "set", "nope", "avoid=x"), "set");
	ASSERT_EQ(r.status, 1, r.err);
	ASSERT_STR_EQ(
		r.err,
		"Error: can't set 'nope': not loaded (see 'oomkit policy show')\n",
		"not loaded");
	ASSERT_OK(CLI(&r, "policy", "set", "host-fake", "avoid=x"), "set");
	ASSERT_EQ(r.status, 1, r.err);
	ASSERT_HAS_SUBSTR(r.err, "loaded without its metadata",
			  "no oomkit_meta");
}
