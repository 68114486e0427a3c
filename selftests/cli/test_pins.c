// SPDX-License-Identifier: GPL-2.0
/* VM: pins outlive the CLI and bpftool sees them; a taken name; a crash between attach and pin; foreign struct_ops. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "crash_at.h"
#include "report.h"
#include "test.h"

#ifndef OOMKIT_BPFTOOL
#define OOMKIT_BPFTOOL "bpftool"
#endif

static struct cli_res r;
static char buf[CLI_OUT_MAX];

/* Runs bpftool with one argument string; its stdout in buf. */
static int bpftool(const char *args)
{
	const char *tool = getenv("BPFTOOL") ?: OOMKIT_BPFTOOL;
	char cmd[1024];
	size_t n;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "%s %s 2>&1", tool, args);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	return pclose(f);
}

TEST(pins_survive_the_cli_and_bpftool_sees_them)
{
	long long link_id, map_id;
	char want[128];

	CLI(&r, "policy", "unload", "--all");
	if (!ASSERT_OK(CLI(&r, "-j", "policy", "load", "biggest-cgroup"),
		       "load") ||
	    !ASSERT_EQ(r.status, 0, "load exit status")) {
		fprintf(stderr, "%s%s", r.out, r.err);
		goto out;
	}
	link_id = json_num(r.out, "link_id");
	map_id = json_num(r.out, "map_id");
	if (!ASSERT_GT(link_id, 0, "link id") ||
	    !ASSERT_GT(map_id, 0, "map id"))
		goto out;
	/* the CLI has exited: the pins hold the policy */
	ASSERT_TRUE(pin_exists("biggest-cgroup"), "pinned");
	/* named as the map, without the level-2 flavor: the same at both levels */
	ASSERT_OK(
		access("/sys/fs/bpf/oomkit/biggest-cgroup/link-biggest_cgroup_ops",
		       F_OK),
		"the link pin");
	ASSERT_OK(access("/sys/fs/bpf/oomkit/biggest-cgroup/oomkit_events",
			 F_OK),
		  "events pin");
	ASSERT_OK(access("/sys/fs/bpf/oomkit/biggest-cgroup/oomkit_stats",
			 F_OK),
		  "stats pin");

	ASSERT_EQ(bpftool("struct_ops show"), 0, "bpftool struct_ops show");
	snprintf(want, sizeof(want), "%lld: ", map_id);
	ASSERT_HAS_SUBSTR(buf, want, "bpftool lists the struct_ops map");
	ASSERT_HAS_SUBSTR(buf, "bpf_oom_ops", "as a bpf_oom_ops");
	ASSERT_EQ(bpftool("link show"), 0, "bpftool link show");
	snprintf(want, sizeof(want), "%lld: struct_ops", link_id);
	ASSERT_HAS_SUBSTR(buf, want, "bpftool lists the link");
	/* bpftool 7.5 exits 255 after printing a pinned link: judge by its output */
	bpftool("link show pinned /sys/fs/bpf/oomkit/biggest-cgroup/link-biggest_cgroup_ops");
	ASSERT_HAS_SUBSTR(buf, want,
			  "bpftool reads the pinned link: that link");
	snprintf(want, sizeof(want), "map %lld", map_id);
	ASSERT_HAS_SUBSTR(
		buf, want,
		"bpftool: the link holds the policy's struct_ops map");
	snprintf(want, sizeof(want), "%lld: struct_ops", link_id);

	if (!ASSERT_OK(CLI(&r, "policy", "unload", "biggest-cgroup"), "unload"))
		goto out;
	ASSERT_EQ(r.status, 0, "unload exit status");
	ASSERT_EQ(bpftool("link show"), 0, "bpftool link show after unload");
	ASSERT_FALSE(strstr(buf, want), "the link is gone");
out:
	CLI(&r, "policy", "unload", "--all");
}

TEST(load_refuses_a_name_already_loaded)
{
	int links;

	CLI(&r, "policy", "unload", "--all");
	if (!ASSERT_OK(CLI(&r, "policy", "load", "observe"), "load") ||
	    !ASSERT_EQ(r.status, 0, "first load"))
		goto out;
	links = nr_struct_ops_links();
	if (!ASSERT_OK(CLI(&r, "policy", "load", "observe"), "load again"))
		goto out;
	ASSERT_EQ(r.status, 1, "second load exit status");
	ASSERT_STR_EQ(r.err,
		      "Error: can't load 'observe': already loaded "
		      "(/sys/fs/bpf/oomkit/observe exists); unload it first "
		      "(oomkit policy unload observe)\n",
		      "stderr");
	ASSERT_EQ(nr_struct_ops_links(), links, "no second attachment");
	ASSERT_TRUE(pin_exists("observe"), "the first stays");
out:
	CLI(&r, "policy", "unload", "--all");
}

TEST(crash_between_attach_and_pin_is_recovered)
{
	struct crash_at crash;
	int links;

	CLI(&r, "policy", "unload", "--all");
	links = nr_struct_ops_links();
	/* pins 1 and 2 are the kill hooks' links (OOMKIT_KILL_HOOKS()), 3 the handler's */
	if (!ASSERT_OK(cli_run(&r, 0, crash_at_env(&crash, "obj_pin:3:kill"),
			       "policy", "load", "biggest-cgroup", NULL),
		       "load"))
		goto out;
	ASSERT_EQ(r.status, 128 + SIGKILL,
		  "the CLI died right after attaching");
	ASSERT_EQ(nr_struct_ops_links(), links + 1,
		  "its link survives in the ~tmp pin");
	ASSERT_OK(access("/sys/fs/bpf/oomkit/biggest-cgroup~tmp", F_OK),
		  "the ~tmp dir");

	if (!ASSERT_OK(CLI(&r, "-j", "policy", "show"), "show"))
		goto out;
	ASSERT_EQ(r.status, 0, "show exit status");
	ASSERT_HAS_SUBSTR(
		r.out,
		"\"name\":\"biggest-cgroup\",\"pin_dir\":\"/sys/fs/bpf/oomkit/"
		"biggest-cgroup~tmp\",\"complete\":false,\"kind\":\"oom\"",
		"show reports the leftover, attached");
	if (!ASSERT_OK(CLI(&r, "policy", "load", "biggest-cgroup"),
		       "load over it"))
		goto out;
	ASSERT_EQ(r.status, 1, "a load over the leftover is refused");

	if (!ASSERT_OK(CLI(&r, "policy", "unload", "--all"), "unload --all"))
		goto out;
	ASSERT_EQ(r.status, 0, "unload --all exit status");
	ASSERT_STR_EQ(
		r.out,
		"biggest-cgroup: unloaded (leftover of an interrupted load)\n",
		"unload output");
	ASSERT_FALSE(pin_exists("biggest-cgroup"), "nothing left pinned");
	ASSERT_TRUE(WAIT_UNTIL(nr_struct_ops_links() == links, 5000),
		    "the link is gone");
out:
	CLI(&r, "policy", "unload", "--all");
}

TEST(show_lists_foreign_bpf_oom_ops)
{
	struct bpf_object *obj = NULL;
	struct bpf_link *link = NULL;
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct bpf_map *map;
	char want[256];
	int link_fd = -1, cg_fd;

	CLI(&r, "policy", "unload", "--all");
	obj = bpf_object__open_file(
		build_path("selftests/cli/cli_foreign.bpf.o"), NULL);
	if (!ASSERT_OK_PTR(obj, "open cli_foreign"))
		return;
	if (!ASSERT_OK(bpf_object__load(obj), "load cli_foreign"))
		goto out;
	map = bpf_object__find_map_by_name(obj, "cli_foreign_ops");
	link = bpf_map__attach_struct_ops(map);
	if (!link && abi_level() == 2) {
		/*
		 * Level 2 links a bpf_oom_ops to a cgroup; libbpf 1.5 cannot,
		 * but its failed call above wrote the map's value.
		 */
		cg_fd = open("/sys/fs/cgroup", O_RDONLY | O_DIRECTORY);
		link_fd = bpf_link_create(bpf_map__fd(map), cg_fd,
					  BPF_STRUCT_OPS, NULL);
		close(cg_fd);
		if (!ASSERT_GE(link_fd, 0, "attach cli_foreign to the root"))
			goto out;
	} else if (!ASSERT_OK_PTR(link, "attach cli_foreign")) {
		goto out;
	}
	if (!ASSERT_OK(bpf_map_get_info_by_fd(bpf_map__fd(map), &info, &len),
		       "map info"))
		goto out;

	if (!ASSERT_OK(CLI(&r, "policy", "load", "observe"), "load observe") ||
	    !ASSERT_EQ(r.status, 0, "load observe exit status"))
		goto out;
	if (!ASSERT_OK(CLI(&r, "-j", "policy", "show"), "show"))
		goto out;
	ASSERT_TRUE(json_valid(r.out), "show -j parses");
	snprintf(want, sizeof(want),
		 "\"foreign\":[{\"map\":\"cli_foreign_ops\",\"map_id\":%u,"
		 "\"type\":\"bpf_oom_ops\",\"link_id\":",
		 info.id);
	ASSERT_HAS_SUBSTR(r.out, want, "the foreign struct_ops");
	ASSERT_HAS_SUBSTR(r.out,
			  "\"oom_policy\":\"cli-foreign\",\"attach_order\":1,",
			  "attached first");
	ASSERT_HAS_SUBSTR(
		r.out,
		"\"name\":\"observe\",\"pin_dir\":\"/sys/fs/bpf/oomkit/observe\","
		"\"complete\":true,\"kind\":\"oom\",\"attach_order\":2,",
		"ours runs second");
	if (!ASSERT_OK(CLI(&r, "policy", "show"), "show plain"))
		goto out;
	ASSERT_HAS_SUBSTR(
		r.out,
		"attached by other tools:\n    bpf_oom_ops cli_foreign_ops: map ",
		"plain show");
out:
	bpf_link__destroy(link);
	if (link_fd >= 0)
		close(link_fd);
	bpf_object__close(obj);
	CLI(&r, "policy", "unload", "--all");
}
