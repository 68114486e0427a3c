// SPDX-License-Identifier: GPL-2.0
/* Host tests: what scripts/dmesg-check accepts in a guest kernel log and what it rejects. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "test.h"

#define CHECK "../scripts/dmesg-check"
#define CLEAN "../selftests/host/dmesg/clean-oom.log"

static char out[16 << 10];

/* Runs dmesg-check on @log; its stdout goes to out[]. Returns its exit code. */
static int dmesg_check(const char *log)
{
	char cmd[2 * 4096 + 16];
	size_t n;
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "'%s' '%s' 2>/dev/null", build_path(CHECK),
		 log);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The clean sample log with @tail after it, in a temporary file; returns its path. */
static const char *clean_plus(const char *tail)
{
	static char path[] = "/tmp/oomkit-dmesg-XXXXXX";
	char buf[4096];
	FILE *in, *o;
	size_t n;
	int fd;

	strcpy(path, "/tmp/oomkit-dmesg-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	o = fdopen(fd, "w");
	in = fopen(build_path(CLEAN), "r");
	if (!o || !in) {
		if (in)
			fclose(in);
		if (o)
			fclose(o);
		else
			close(fd);
		unlink(path);
		return NULL;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, o);
	fputs(tail, o);
	fclose(in);
	if (fclose(o)) {
		unlink(path);
		return NULL;
	}
	return path;
}

/* The clean log plus @tail must fail, and the output must quote @line. */
static void expect_rejected(const char *tail, const char *line)
{
	const char *log = clean_plus(tail);

	if (!ASSERT_OK_PTR(log, "temporary log"))
		return;
	ASSERT_EQ(dmesg_check(log), 1, "exit status");
	ASSERT_HAS_SUBSTR(out, line, "reported line");
	unlink(log);
}

/* A boot with lockdep's banner, an OOM report and its victim's last failing fault. */
TEST(dmesg_check_accepts_a_clean_boot_with_oom_reports)
{
	ASSERT_EQ(dmesg_check(build_path(CLEAN)), 0, "exit status");
	ASSERT_STR_EQ(out, "", "output");
}

/* An OOM report's stack may pass through lockdep's code: a frame is not a splat. */
TEST(dmesg_check_accepts_lockdep_frames_in_an_oom_report)
{
	static const char report[] =
		"[  824.543100] oomkit-hog invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n"
		"[  824.543200] oom_policy=biggest_cgroup\n"
		"[  824.543300] CPU: 1 UID: 0 PID: 700 Comm: oomkit-hog Not tainted 6.12.117 #2\n"
		"[  824.543400] Call Trace:\n"
		"[  824.543500]  <TASK>\n"
		"[  824.544922]  ? __raw_spin_lock_init+0x41/0x65\n"
		"[  824.544954]  ? lockdep_init_map_type+0xc4/0x1d4\n"
		"[  824.544983]  __lookup_slow+0x78/0xfe\n"
		"[  824.545100]  </TASK>\n";
	const char *log = clean_plus(report);

	if (!ASSERT_OK_PTR(log, "temporary log"))
		return;
	ASSERT_EQ(dmesg_check(log), 0, "exit status");
	ASSERT_STR_EQ(out, "", "output");
	unlink(log);
}

TEST(dmesg_check_says_when_the_log_is_missing)
{
	ASSERT_EQ(dmesg_check("/nonexistent/dmesg.log"), 2, "exit status");
}

TEST(dmesg_check_rejects_a_bug)
{
	expect_rejected(
		"[   20.100000] BUG: kernel NULL pointer dereference, address: 0000000000000008\n",
		"BUG: kernel NULL pointer dereference");
}

TEST(dmesg_check_rejects_a_warning)
{
	expect_rejected(
		"[   20.100000] WARNING: CPU: 0 PID: 70 at mm/memcontrol.c:1612 "
		"mem_cgroup_out_of_memory+0x4a/0x8d\n",
		"WARNING: CPU: 0 PID: 70 at mm/memcontrol.c:1612");
}

TEST(dmesg_check_rejects_an_rcu_stall)
{
	expect_rejected(
		"[   40.100000] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:\n"
		"[   40.100100] rcu: \t1-....: (2099 ticks this GP) idle=8f4c/1/0x4000000000000000\n",
		"rcu_preempt detected stalls on CPUs/tasks");
}

TEST(dmesg_check_rejects_a_kasan_report)
{
	expect_rejected("[   20.100000] KASAN: null-ptr-deref in range "
			"[0x0000000000000040-0x0000000000000047]\n",
			"KASAN: null-ptr-deref");
}

/* psi_cgroup_free()'s WARN_ONCE text, even without the WARNING line after it. */
TEST(dmesg_check_rejects_a_psi_trigger_leak)
{
	expect_rejected("[   30.100000] psi: trigger leak\n",
			"psi: trigger leak");
}

TEST(dmesg_check_rejects_a_lockdep_splat)
{
	expect_rejected(
		"[   30.100000] ======================================================\n"
		"[   30.100010] WARNING: possible circular locking dependency detected\n"
		"[   30.100020] 6.12.117 #2 Not tainted\n",
		"possible circular locking dependency detected");
	expect_rejected("[   30.100000] INFO: lockdep is turned off.\n",
			"lockdep is turned off");
}

/* A stack dump with no OOM report before it is shown with the lines that say why. */
TEST(dmesg_check_rejects_a_stray_call_trace)
{
	expect_rejected(
		"[  150.100000] INFO: task oomkit-hog:70 blocked for more than 120 seconds.\n"
		"[  150.100010] task:oomkit-hog state:D stack:0 pid:70 tgid:70 ppid:60\n"
		"[  150.100020] Call Trace:\n"
		"[  150.100030]  <TASK>\n",
		"INFO: task oomkit-hog:70 blocked for more than 120 seconds.");
}

/* Only the victim's own allocation failure is expected, not another task's. */
TEST(dmesg_check_rejects_a_non_victims_allocation_failure)
{
	expect_rejected(
		"[   50.100000] oomkit-hog: page allocation failure: order:0, "
		"mode:0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP)\n"
		"[   50.100010] CPU: 0 UID: 0 PID: 64 Comm: oomkit-hog Not tainted 6.12.117 #2\n"
		"[   50.100020] Hardware name: QEMU Standard PC (i440FX + PIIX, 1996)\n"
		"[   50.100030] Call Trace:\n",
		"PID: 64 Comm: oomkit-hog");
}
