// SPDX-License-Identifier: GPL-2.0
/* Level 2: attaching bpf_oom_ops maps to cgroups: flags, anchors, revisions, info, detach, update, auto-detach. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "cgroup.h"
#include "cli.h"
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

	fd = l2_attach(skel->maps.ops_b, "x", 1 << 0 /* BPF_F_ALLOW_OVERRIDE */,
		       0, 0);
	ASSERT_EQ(fd, -EINVAL, "a flag outside BEFORE/AFTER/ID/PREORDER/LINK");
	fd = l2_attach(skel->maps.ops_b, "x", BPF_F_BEFORE, a, 0);
	ASSERT_EQ(fd, -EINVAL, "an anchor without BPF_F_LINK");
	fd = l2_attach(skel->maps.ops_b, "x",
		       BPF_F_BEFORE | BPF_F_AFTER | BPF_F_LINK, a, 0);
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

	if (ASSERT_OK(struct_ops_link_info(a, &id, &cgid), "link info")) {
		ASSERT_EQ(id, map_id(skel->maps.ops_a), "info: map_id");
		ASSERT_EQ(cgid, cg_id("x"), "info: cgroup_id");
	}

	/* update: same type and ready, else -EINVAL; a wrong old map -EPERM */
	{
		LIBBPF_OPTS(bpf_link_update_opts, opts, .flags = BPF_F_REPLACE,
			    .old_map_fd = bpf_map__fd(skel->maps.ops_d));

		ASSERT_EQ(bpf_link_update(a, bpf_map__fd(skel->maps.ops_c),
					  &opts) ?
				  -errno :
				  0,
			  -EPERM, "update with a wrong expected old map");
	}
	ASSERT_EQ(bpf_link_update(a, bpf_map__fd(skel->maps.ops_e), NULL) ?
			  -errno :
			  0,
		  -EINVAL, "update to a map whose value was never written");
	/* (ops_c's value was written by the attempt on /proc) */
	ASSERT_OK(bpf_link_update(a, bpf_map__fd(skel->maps.ops_c), NULL) ?
			  -errno :
			  0,
		  "update to ops_c");
	if (ASSERT_OK(struct_ops_link_info(a, &id, &cgid),
		      "link info after update"))
		ASSERT_EQ(id, map_id(skel->maps.ops_c), "info: the new map_id");

	/* BPF_LINK_DETACH: EPOLLHUP, no cgroup, no update */
	ASSERT_FALSE(l2_link_hup(a, 0), "an attached link does not poll HUP");
	ASSERT_OK(bpf_link_detach(a) ? -errno : 0, "BPF_LINK_DETACH");
	ASSERT_TRUE(l2_link_hup(a, 1000), "a detached link polls HUP");
	if (ASSERT_OK(struct_ops_link_info(a, &id, &cgid),
		      "link info after detach"))
		ASSERT_EQ(cgid, 0, "info: no cgroup after detach");
	ASSERT_EQ(bpf_link_update(a, bpf_map__fd(skel->maps.ops_a), NULL) ?
			  -errno :
			  0,
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
	ASSERT_TRUE(l2_link_hup(a, 10000),
		    "the link polls HUP once z is released");
	ASSERT_TRUE(WAIT_UNTIL(!struct_ops_link_info(a, &id, &cgid) &&
				       cgid == 0,
			       10000),
		    "info: no cgroup after auto-detach");
	ASSERT_EQ(bpf_link_update(a, bpf_map__fd(skel->maps.ops_a), NULL) ?
			  -errno :
			  0,
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

/* BPF_PROG_QUERY, attach_type BPF_STRUCT_OPS, query.type_id (after revision): 0 or -errno. */
static int query(const char *rel, __u32 type_id, bool effective, __u32 *ids,
		 __u32 *cnt, __u64 *revision)
{
	union {
		union bpf_attr attr;
		char raw[sizeof(union bpf_attr)];
	} u;
	int cg_fd, err;

	memset(&u, 0, sizeof(u));
	cg_fd = open(cg_abspath(rel), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg_fd < 0)
		return -errno;
	u.attr.query.target_fd = cg_fd;
	u.attr.query.attach_type = BPF_STRUCT_OPS;
	u.attr.query.query_flags = effective ? BPF_F_QUERY_EFFECTIVE : 0;
	u.attr.query.prog_ids = (__u64)(unsigned long)ids;
	u.attr.query.prog_cnt = *cnt;
	memcpy(u.raw + offsetof(union bpf_attr, query.revision) + 8, &type_id,
	       sizeof(type_id));
	err = syscall(__NR_bpf, BPF_PROG_QUERY, &u.attr, sizeof(u.attr)) ?
		      -errno :
		      0;
	close(cg_fd);
	*cnt = u.attr.query.prog_cnt;
	if (revision)
		*revision = u.attr.query.revision;
	return err;
}

TEST(l2_query_lists_own_and_effective_maps)
{
	struct l2_dispatch *skel = NULL;
	__u32 ids[8], cnt, oom_ops_id;
	int a = -1, b = -1, c = -1;
	struct btf *vmlinux;
	__u64 revision;

	vmlinux = btf__load_vmlinux_btf();
	if (!ASSERT_OK_PTR(vmlinux, "vmlinux BTF"))
		return;
	oom_ops_id =
		btf__find_by_name_kind(vmlinux, "bpf_oom_ops", BTF_KIND_STRUCT);
	if (!ASSERT_GT(oom_ops_id, 0, "BTF id of struct bpf_oom_ops") ||
	    !ASSERT_OK(cg_init("l2_query"), "cg_init") ||
	    !ASSERT_OK(cg_create("q"), "q") ||
	    !ASSERT_OK(cg_create("q/r"), "q/r"))
		goto cleanup;
	skel = l2_dispatch__open_and_load();
	if (!ASSERT_OK_PTR(skel, "l2_dispatch__open_and_load"))
		goto cleanup;
	a = l2_attach(skel->maps.ops_a, "q", 0, 0, 0);
	b = l2_attach(skel->maps.ops_b, "q", BPF_F_BEFORE, 0, 0);
	c = l2_attach(skel->maps.ops_c, "q/r", 0, 0, 0);
	if (!ASSERT_GE(a, 0, "ops_a on q") ||
	    !ASSERT_GE(b, 0, "ops_b first on q") ||
	    !ASSERT_GE(c, 0, "ops_c on q/r"))
		goto cleanup;

	cnt = 8;
	if (ASSERT_OK(query("q", oom_ops_id, false, ids, &cnt, &revision),
		      "query q") &&
	    ASSERT_EQ(cnt, 2, "q: two maps")) {
		ASSERT_EQ(ids[0], map_id(skel->maps.ops_b), "q: ops_b first");
		ASSERT_EQ(ids[1], map_id(skel->maps.ops_a), "q: then ops_a");
		ASSERT_EQ(revision, 3, "q: revision 1 + two attachments");
	}
	cnt = 8;
	if (ASSERT_OK(query("q/r", oom_ops_id, true, ids, &cnt, NULL),
		      "effective query q/r") &&
	    ASSERT_EQ(cnt, 3, "q/r: three effective maps")) {
		ASSERT_EQ(ids[0], map_id(skel->maps.ops_c),
			  "q/r: its own first");
		ASSERT_EQ(ids[1], map_id(skel->maps.ops_b),
			  "q/r: then q's, ops_b");
		ASSERT_EQ(ids[2], map_id(skel->maps.ops_a), "q/r: and ops_a");
	}
	cnt = 1;
	ASSERT_EQ(query("q", oom_ops_id, false, ids, &cnt, NULL), -ENOSPC,
		  "room for one of two");
	ASSERT_EQ(cnt, 2, "the count says two");
	cnt = 8;
	ASSERT_EQ(query("q",
			btf__find_by_name_kind(vmlinux, "task_struct",
					       BTF_KIND_STRUCT),
			false, ids, &cnt, NULL),
		  -ENOENT, "a type that is no cgroup struct_ops");
cleanup:
	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
	if (c >= 0)
		close(c);
	l2_dispatch__destroy(skel);
	btf__free(vmlinux);
	cg_cleanup();
}
