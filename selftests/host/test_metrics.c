// SPDX-License-Identifier: GPL-2.0
/* Host tests: oomkit metrics prints a pinned policy's counters as Prometheus text, to stdout or a file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include <oomkit/intf.h>

#include "cli.h"
#include "test.h"

#define FAKE_DIR "/sys/fs/bpf/oomkit/fake"
#define PROM	 "/tmp/oomkit-host-metrics.prom"

static struct cli_res r;

/* fake/oomkit_stats: kills 3 on one CPU and 4 on another, runs 9. */
static bool pin_fake_stats(void)
{
	int ncpu = libbpf_num_possible_cpus(), fd;
	__u64 *vals;
	__u32 key;
	bool ok;

	if (!ASSERT_OK(private_bpffs(), "private bpffs"))
		return false;
	mkdir("/sys/fs/bpf/oomkit", 0700);
	if (!ASSERT_OK(mkdir(FAKE_DIR, 0700), "mkdir"))
		return false;
	fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "oomkit_stats",
			    sizeof(__u32), sizeof(__u64), OOMKIT_NR_STATS,
			    NULL);
	vals = calloc(ncpu, sizeof(*vals));
	if (!ASSERT_GE(fd, 0, "map") || !ASSERT_OK_PTR(vals, "calloc"))
		return false;
	key = OOMKIT_STAT_KILLS;
	vals[0] = 3;
	vals[ncpu - 1] += 4;
	ok = ASSERT_OK(bpf_map_update_elem(fd, &key, vals, 0), "kills");
	key = OOMKIT_STAT_RUNS;
	memset(vals, 0, ncpu * sizeof(*vals));
	vals[0] = 9;
	ok = ok && ASSERT_OK(bpf_map_update_elem(fd, &key, vals, 0), "runs");
	ok = ok && ASSERT_OK(bpf_obj_pin(fd, FAKE_DIR "/oomkit_stats"), "pin");
	free(vals);
	close(fd);
	return ok;
}

TEST(metrics_prints_each_counter_per_policy)
{
	if (!pin_fake_stats() || !ASSERT_OK(CLI(&r, "metrics"), "metrics"))
		return;
	ASSERT_EQ(r.status, 0, "exit status");
	ASSERT_STR_EQ(r.err, "", "stderr");
	ASSERT_HAS_SUBSTR(
		r.out,
		"# TYPE oomkit_policies_loaded gauge\noomkit_policies_loaded 1\n",
		"policies");
	ASSERT_HAS_SUBSTR(r.out,
			  "# TYPE oomkit_kills_total counter\n"
			  "oomkit_kills_total{policy=\"fake\"} 7\n",
			  "kills summed over CPUs");
	ASSERT_HAS_SUBSTR(r.out, "oomkit_runs_total{policy=\"fake\"} 9\n",
			  "runs");
	ASSERT_HAS_SUBSTR(
		r.out,
		"oomkit_events_dropped_total{policy=\"fake\"} 0\n# EOF\n",
		"the last counter, then # EOF");
}

TEST(metrics_file_is_replaced_whole_and_group_readable)
{
	struct stat st;

	unlink(PROM);
	if (!pin_fake_stats())
		return;
	if (!ASSERT_OK(CLI(&r, "metrics", "--output", PROM),
		       "metrics --output"))
		return;
	ASSERT_EQ(r.status, 0, "exit status");
	ASSERT_STR_EQ(r.out, "", "nothing on stdout");
	if (ASSERT_OK(stat(PROM, &st), "the file"))
		ASSERT_EQ(st.st_mode & 0777, 0600, "mode 0600");
	if (!ASSERT_OK(CLI(&r, "metrics", "--output", PROM, "--group",
			   "nogroup"),
		       "--group"))
		return;
	ASSERT_EQ(r.status, 0, "exit status");
	if (ASSERT_OK(stat(PROM, &st), "the file")) {
		ASSERT_EQ(st.st_mode & 0777, 0640, "mode 0640");
		ASSERT_EQ(st.st_gid, 65534, "group nogroup");
	}
	if (!ASSERT_OK(CLI(&r, "metrics", "--output", PROM, "--group",
			   "no-such-group"),
		       "a group that does not exist"))
		return;
	ASSERT_EQ(r.status, 2, "exit status");
	ASSERT_STR_EQ(r.err,
		      "Error: can't write '" PROM "': no group 'no-such-group' "
		      "(see getent group)\n",
		      "stderr");
	ASSERT_EQ(system("ls " PROM ".tmp.* 2>/dev/null | grep -q ."), 256,
		  "no temporary left");
	if (!ASSERT_OK(CLI(&r, "metrics", "--group", "nogroup"),
		       "--group without --output"))
		return;
	ASSERT_EQ(r.status, 2, "exit status");
	ASSERT_STR_EQ(r.err,
		      "Error: '--group' is for the file of '--output FILE'\n",
		      "stderr");
	unlink(PROM);
}
