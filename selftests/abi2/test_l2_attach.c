// SPDX-License-Identifier: GPL-2.0
/* Level 2: attaching bpf_oom_ops maps to cgroups: flags, anchors, revisions, info, detach, update, auto-detach. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cgroup.h"
#include "l2.h"
#include "test.h"

#include "l2_dispatch.skel.h"

static __u32 map_id(struct bpf_map *map)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_map_get_info_by_fd(bpf_map__fd(map), &info, &len))
		return 0;
	return info.id;
}

TEST(l2_attach_flags_anchors_revision_info)
{
	struct l2_dispatch *skel = NULL;
	int a = -1, a2 = -1, b = -1, fd;
	__u64 cgid;
	__u32 id;

	if (!ASSERT_OK(cg_init("l2_attach"), "cg_init") ||
	    !ASSERT_OK(cg_create("x"), "cg_create x"))
		return;
	skel = l2_dispatch__open_and_load();
	if (!ASSERT_OK_PTR(skel, "l2_dispatch__open_and_load"))
		goto cleanup;

	a = l2_attach(skel->maps.ops_a, "x", 0, 0, 0);
	if (!ASSERT_GE(a, 0, "attach ops_a to x"))
		goto cleanup;
	/* the same map again, to the same cgroup */
	a2 = l2_attach(skel->maps.ops_a, "x", 0, 0, 0);
	ASSERT_GE(a2, 0, "attach ops_a to x a second time");

	fd = l2_attach(skel->maps.ops_b, "x", 1 << 0 /* BPF_F_ALLOW_OVERRIDE */, 0, 0);
	ASSERT_EQ(fd, -EINVAL, "a flag outside BEFORE/AFTER/ID/PREORDER/LINK");
	fd = l2_attach(skel->maps.ops_b, "x", BPF_F_BEFORE, a, 0);
	ASSERT_EQ(fd, -EINVAL, "an anchor without BPF_F_LINK");
	fd = l2_attach(skel->maps.ops_b, "x", BPF_F_BEFORE | BPF_F_AFTER | BPF_F_LINK, a, 0);
	ASSERT_EQ(fd, -EINVAL, "an anchor with both BEFORE and AFTER");
	fd = l2_attach(skel->maps.ops_b, "x", 0, 0, 12345);
	ASSERT_EQ(fd, -ESTALE, "a wrong expected_revision");
	/* a cgroup starts at revision 1; two attachments so far: 3 */
	fd = l2_attach(skel->maps.ops_b, "x", 0, 0, 2);
	ASSERT_EQ(fd, -ESTALE, "revision 2, one behind");
	b = l2_attach(skel->maps.ops_b, "x", BPF_F_BEFORE | BPF_F_LINK, a, 3);
	ASSERT_GE(b, 0, "BEFORE ops_a's link, at revision 3");
	fd = l2_attach(skel->maps.ops_c, "/proc", 0, 0, 0);
	ASSERT_LT(fd, 0, "a target that is no cgroup");
	if (fd >= 0)
		close(fd);

	if (ASSERT_OK(l2_link_info(a, &id, &cgid), "link info")) {
		ASSERT_EQ(id, map_id(skel->maps.ops_a), "info: map_id");
		ASSERT_EQ(cgid, cg_id("x"), "info: cgroup_id");
	}

	/* update: same type and ready, else -EINVAL; a wrong old map -EPERM */
	{
		LIBBPF_OPTS(bpf_link_update_opts, opts,
			    .flags = BPF_F_REPLACE,
			    .old_map_fd = bpf_map__fd(skel->maps.ops_d));

		ASSERT_EQ(bpf_link_update(a, bpf_map__fd(skel->maps.ops_c), &opts) ? -errno : 0,
			  -EPERM, "update with a wrong expected old map");
	}
	ASSERT_EQ(bpf_link_update(a, bpf_map__fd(skel->maps.ops_e), NULL) ? -errno : 0,
		  -EINVAL, "update to a map whose value was never written");
	/* (ops_c's value was written by the attempt on /proc) */
	ASSERT_OK(bpf_link_update(a, bpf_map__fd(skel->maps.ops_c), NULL) ? -errno : 0,
		  "update to ops_c");
	if (ASSERT_OK(l2_link_info(a, &id, &cgid), "link info after update"))
		ASSERT_EQ(id, map_id(skel->maps.ops_c), "info: the new map_id");

	/* BPF_LINK_DETACH: EPOLLHUP, no cgroup, no update */
	ASSERT_FALSE(l2_link_hup(a, 0), "an attached link does not poll HUP");
	ASSERT_OK(bpf_link_detach(a) ? -errno : 0, "BPF_LINK_DETACH");
	ASSERT_TRUE(l2_link_hup(a, 1000), "a detached link polls HUP");
	if (ASSERT_OK(l2_link_info(a, &id, &cgid), "link info after detach"))
		ASSERT_EQ(cgid, 0, "info: no cgroup after detach");
	ASSERT_EQ(bpf_link_update(a, bpf_map__fd(skel->maps.ops_a), NULL) ? -errno : 0,
		  -ENOLINK, "update of a detached link");
cleanup:
	if (a >= 0)
		close(a);
	if (a2 >= 0)
		close(a2);
	if (b >= 0)
		close(b);
	l2_dispatch__destroy(skel);
	cg_cleanup();
}

TEST(l2_links_auto_detach_on_cgroup_removal)
{
	struct l2_dispatch *skel = NULL;
	int a = -1, fd;
	__u64 cgid = 1;
	__u32 id;

	if (!ASSERT_OK(cg_init("l2_autodetach"), "cg_init") ||
	    !ASSERT_OK(cg_create("z"), "cg_create z"))
		return;
	skel = l2_dispatch__open_and_load();
	if (!ASSERT_OK_PTR(skel, "l2_dispatch__open_and_load"))
		goto cleanup;
	a = l2_attach(skel->maps.ops_a, "z", 0, 0, 0);
	if (!ASSERT_GE(a, 0, "attach ops_a to z"))
		goto cleanup;
	if (!ASSERT_OK(rmdir(cg_abspath("z")) ? -errno : 0, "rmdir z"))
		goto cleanup;
	/* the cgroup's release is asynchronous */
	ASSERT_TRUE(l2_link_hup(a, 10000), "the link polls HUP once z is released");
	ASSERT_TRUE(WAIT_UNTIL(!l2_link_info(a, &id, &cgid) && cgid == 0, 10000),
		    "info: no cgroup after auto-detach");
	ASSERT_EQ(bpf_link_update(a, bpf_map__fd(skel->maps.ops_a), NULL) ? -errno : 0,
		  -ENOLINK, "update after auto-detach");
	/* the map is still good for another cgroup */
	fd = l2_attach(skel->maps.ops_a, NULL, 0, 0, 0);
	ASSERT_GE(fd, 0, "attach the map elsewhere");
	if (fd >= 0)
		close(fd);
cleanup:
	if (a >= 0)
		close(a);
	l2_dispatch__destroy(skel);
	cg_cleanup();
}
