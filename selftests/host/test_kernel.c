// SPDX-License-Identifier: GPL-2.0
/* Host tests: a kernel without the BPF OOM ABI, bpffs states and pin leftovers. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "test.h"

#define FAKE "selftests/host/host_fake_oom.bpf.o"

static struct cli_res r;

static const char no_abi[] =
	"Error: can't load 'host-fake': this kernel has no bpf_oom_ops "
	"(needs the BPF OOM series; see 'oomkit feature')\n";

TEST(load_on_a_kernel_without_the_abi)
{
	int links;

	if (!ASSERT_OK(private_bpffs(), "private bpffs"))
		return;
	links = nr_struct_ops_links();
	if (!ASSERT_OK(CLI(&r, "policy", "load", build_path(FAKE)), "run"))
		return;
	ASSERT_EQ(r.status, 1, "exit status");
	ASSERT_STR_EQ(r.err, no_abi, "stderr");
	ASSERT_STR_EQ(r.out, "", "stdout");
	ASSERT_FALSE(pin_exists("host-fake"), "nothing pinned");
	ASSERT_EQ(nr_struct_ops_links(), links, "no new struct_ops link");

	if (!ASSERT_OK(CLI(&r, "-j", "policy", "load", build_path(FAKE)),
		       "run -j"))
		return;
	ASSERT_EQ(r.status, 1, "exit status (-j)");
	ASSERT_STR_EQ(
		r.out,
		"{\"error\":\"can't load 'host-fake': this kernel has no bpf_oom_ops "
		"(needs the BPF OOM series; see 'oomkit feature')\"}\n",
		"stdout (-j)");
	ASSERT_FALSE(pin_exists("host-fake"), "nothing pinned (-j)");
}

/* The embedded policies meet the same refusal, named as the brief words it. */
TEST(load_builtin_on_a_kernel_without_the_abi)
{
	if (!ASSERT_OK(private_bpffs(), "private bpffs"))
		return;
	if (!ASSERT_OK(CLI(&r, "policy", "load", "biggest-cgroup"), "run"))
		return;
	ASSERT_EQ(r.status, 1, "exit status");
	ASSERT_STR_EQ(
		r.err,
		"Error: can't load 'biggest-cgroup': this kernel has no bpf_oom_ops "
		"(needs the BPF OOM series; see 'oomkit feature')\n",
		"stderr");
	ASSERT_FALSE(pin_exists("biggest-cgroup"), "nothing pinned");
}

TEST(load_needs_a_bpffs)
{
	if (!ASSERT_OK(private_bpffs(), "private bpffs"))
		return;
	/* hide it under a tmpfs: /sys/fs/bpf is then no BPF filesystem */
	if (!ASSERT_OK(mount("tmpfs", "/sys/fs/bpf", "tmpfs", 0, NULL),
		       "mount tmpfs"))
		return;
	if (!ASSERT_OK(CLI(&r, "policy", "load", build_path(FAKE)), "run"))
		return;
	ASSERT_EQ(r.status, 1, "exit status");
	ASSERT_STR_EQ(
		r.err,
		"Error: can't load 'host-fake': /sys/fs/bpf is not a BPF filesystem; "
		"mount it (mount -t bpf bpf /sys/fs/bpf)\n",
		"stderr");
}

TEST(load_when_the_pin_dir_is_taken)
{
	if (!ASSERT_OK(private_bpffs(), "private bpffs"))
		return;
	mkdir("/sys/fs/bpf/oomkit", 0700);
	if (!ASSERT_OK(mkdir("/sys/fs/bpf/oomkit/host-fake", 0700),
		       "take the name"))
		return;
	if (!ASSERT_OK(CLI(&r, "policy", "load", build_path(FAKE)), "run"))
		return;
	ASSERT_EQ(r.status, 1, "exit status");
	ASSERT_STR_EQ(r.err,
		      "Error: can't load 'host-fake': already loaded "
		      "(/sys/fs/bpf/oomkit/host-fake exists); unload it first "
		      "(oomkit policy unload host-fake)\n",
		      "stderr");
	ASSERT_OK(rmdir("/sys/fs/bpf/oomkit/host-fake"),
		  "the dir is still ours to remove");

	if (!ASSERT_OK(mkdir("/sys/fs/bpf/oomkit/host-fake~tmp", 0700),
		       "leave a ~tmp"))
		return;
	if (!ASSERT_OK(CLI(&r, "policy", "load", build_path(FAKE)), "run"))
		return;
	ASSERT_EQ(r.status, 1, "exit status (~tmp)");
	ASSERT_STR_EQ(
		r.err,
		"Error: can't load 'host-fake': /sys/fs/bpf/oomkit/host-fake~tmp "
		"exists (an interrupted load); clean it with "
		"'oomkit policy unload host-fake'\n",
		"stderr (~tmp)");
	ASSERT_TRUE(pin_exists("host-fake"), "the ~tmp is left to unload");
}

TEST(run_refuses_a_loaded_name)
{
	if (!ASSERT_OK(private_bpffs(), "private bpffs"))
		return;
	mkdir("/sys/fs/bpf/oomkit", 0700);
	mkdir("/sys/fs/bpf/oomkit/host-fake", 0700);
	if (!ASSERT_OK(CLI(&r, "run", build_path(FAKE)), "run"))
		return;
	ASSERT_EQ(r.status, 1, "exit status");
	ASSERT_STR_EQ(r.err,
		      "Error: can't run 'host-fake': already loaded "
		      "(/sys/fs/bpf/oomkit/host-fake exists); unload it first "
		      "(oomkit policy unload host-fake)\n",
		      "stderr");
}

TEST(show_and_unload_all_find_leftovers)
{
	if (!ASSERT_OK(private_bpffs(), "private bpffs"))
		return;
	mkdir("/sys/fs/bpf/oomkit", 0700);
	if (!ASSERT_OK(mkdir("/sys/fs/bpf/oomkit/crashed~tmp", 0700),
		       "a leftover"))
		return;
	if (!ASSERT_OK(CLI(&r, "-j", "policy", "show"), "show"))
		return;
	ASSERT_EQ(r.status, 0, "show exit status");
	ASSERT_TRUE(json_valid(r.out), "show -j parses");
	ASSERT_HAS_SUBSTR(
		r.out,
		"\"name\":\"crashed\",\"pin_dir\":\"/sys/fs/bpf/oomkit/crashed~tmp\","
		"\"complete\":false",
		"show lists the leftover");
	if (!ASSERT_OK(CLI(&r, "policy", "show"), "show plain"))
		return;
	ASSERT_HAS_SUBSTR(
		r.out,
		"crashed (INCOMPLETE: an interrupted load; 'oomkit policy unload "
		"--all' removes it)",
		"plain show");

	if (!ASSERT_OK(CLI(&r, "-j", "policy", "unload", "--all"), "unload"))
		return;
	ASSERT_EQ(r.status, 0, "unload exit status");
	ASSERT_STR_EQ(r.out, "{\"unloaded\":[\"crashed\"]}\n", "unload -j");
	ASSERT_FALSE(pin_exists("crashed"), "the leftover is gone");
}

TEST(unload_a_name_not_loaded)
{
	if (!ASSERT_OK(private_bpffs(), "private bpffs"))
		return;
	if (!ASSERT_OK(CLI(&r, "policy", "unload", "host-fake"), "run"))
		return;
	ASSERT_EQ(r.status, 1, "exit status");
	ASSERT_STR_EQ(
		r.err,
		"Error: can't unload 'host-fake': not loaded (see 'oomkit policy show')\n",
		"stderr");
	if (!ASSERT_OK(CLI(&r, "-j", "policy", "unload", "--all"),
		       "unload --all"))
		return;
	ASSERT_EQ(r.status, 0, "--all with nothing loaded");
	ASSERT_STR_EQ(r.out, "{\"unloaded\":[]}\n", "unload --all -j");
}

TEST(events_with_nothing_loaded)
{
	if (!ASSERT_OK(private_bpffs(), "private bpffs"))
		return;
	/* a service's reader starts before the policies: it waits for them */
	if (!ASSERT_OK(CLI(&r, "events", "--timeout", "1"), "run"))
		return;
	ASSERT_EQ(r.status, 0, "exit status");
	ASSERT_STR_EQ(
		r.err,
		"note: no loaded policy has records for this reader yet: waiting\n",
		"stderr");
	ASSERT_STR_EQ(r.out, "", "stdout");
	if (!ASSERT_OK(CLI(&r, "events", "nope"), "run"))
		return;
	ASSERT_EQ(r.status, 1, "exit status (a name)");
	ASSERT_STR_EQ(
		r.err,
		"Error: can't stream 'nope': not loaded (see 'oomkit policy show')\n",
		"stderr (a name)");
}

TEST(feature_reports_what_the_host_lacks)
{
	if (!ASSERT_OK(CLI(&r, "feature"), "run"))
		return;
	ASSERT_EQ(r.status, 1, "exit status");
	ASSERT_HAS_SUBSTR(
		r.out,
		"\nBPF OOM ABI: none: the kernel's BTF has no struct bpf_oom_ops "
		"(no BPF OOM series in this kernel)\nstruct_ops:\n",
		"the level, and why");
	ASSERT_HAS_SUBSTR(r.out,
			  "  bpf_oom_ops                          MISSING\n",
			  "plain");
	ASSERT_HAS_SUBSTR(r.out,
			  "  bpf_oom_kill_process                 MISSING\n",
			  "plain");
	ASSERT_HAS_SUBSTR(r.out, "this kernel lacks the BPF OOM ABI", "plain");
}

/* A psi-only policy needs bpf_psi_ops, and says so. */
TEST(load_psi_policy_on_a_kernel_without_the_abi)
{
	if (!ASSERT_OK(private_bpffs(), "private bpffs"))
		return;
	if (!ASSERT_OK(CLI(&r, "policy", "load", "psi-guard"), "run"))
		return;
	ASSERT_EQ(r.status, 1, "exit status");
	ASSERT_STR_EQ(
		r.err,
		"Error: can't load 'psi-guard': this kernel has no bpf_psi_ops "
		"(needs the BPF OOM series; see 'oomkit feature')\n",
		"stderr");
	ASSERT_FALSE(pin_exists("psi-guard"), "nothing pinned");
}

/* -d shows libbpf's own messages, and the error still ends the output. */
TEST(debug_output_shows_libbpf)
{
	const char *last;

	if (!ASSERT_OK(private_bpffs(), "private bpffs"))
		return;
	if (!ASSERT_OK(CLI(&r, "-d", "policy", "load", build_path(FAKE)),
		       "run"))
		return;
	ASSERT_EQ(r.status, 1, "exit status");
	ASSERT_HAS_SUBSTR(r.err, "libbpf: ", "libbpf's messages");
	last = strstr(r.err, "Error: ");
	if (ASSERT_OK_PTR(last, "an error line"))
		ASSERT_STR_EQ(last, no_abi, "the error is the last line");
}

/*
 * A load between create-tmp and commit holds an flock on the pin root (this
 * test plays that load): its ~tmp is reported busy, not a leftover, and
 * unload waits for it instead of tearing it down.
 */
TEST(pin_root_lock_keeps_a_load_in_progress)
{
	long long t0;
	int fd;

	if (!ASSERT_OK(private_bpffs(), "private bpffs"))
		return;
	mkdir("/sys/fs/bpf/oomkit", 0700);
	if (!ASSERT_OK(mkdir("/sys/fs/bpf/oomkit/host-fake~tmp", 0700),
		       "a load's ~tmp"))
		return;
	fd = open("/sys/fs/bpf/oomkit", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!ASSERT_GE(fd, 0, "open the pin root") ||
	    !ASSERT_OK(flock(fd, LOCK_EX), "take the lock"))
		return;

	if (!ASSERT_OK(CLI(&r, "policy", "load", build_path(FAKE)), "load"))
		goto out;
	ASSERT_EQ(r.status, 1, "load exit status");
	ASSERT_STR_EQ(
		r.err,
		"Error: can't load 'host-fake': busy: another oomkit is loading it "
		"(/sys/fs/bpf/oomkit/host-fake~tmp exists); retry when it is done\n",
		"load");

	t0 = test_now_ms();
	if (!ASSERT_OK(CLI(&r, "policy", "unload", "--all"), "unload --all"))
		goto out;
	ASSERT_GE(test_now_ms() - t0, 9000, "unload waited for the lock");
	ASSERT_EQ(r.status, 1, "unload exit status");
	ASSERT_STR_EQ(
		r.err,
		"Error: can't unload '--all': busy: another oomkit has held "
		"/sys/fs/bpf/oomkit for 10 s (a load or unload in progress); retry\n",
		"unload --all");
	ASSERT_TRUE(pin_exists("host-fake"), "the load's ~tmp is left alone");

	/* once the load is gone (crashed), its ~tmp is a leftover */
	close(fd);
	fd = -1;
	if (!ASSERT_OK(CLI(&r, "policy", "unload", "--all"), "unload --all"))
		goto out;
	ASSERT_EQ(r.status, 0, "unload exit status");
	ASSERT_STR_EQ(r.out,
		      "host-fake: unloaded (leftover of an interrupted load)\n",
		      "unload");
	ASSERT_FALSE(pin_exists("host-fake"), "removed");
out:
	if (fd >= 0)
		close(fd);
}
