// SPDX-License-Identifier: GPL-2.0
/* psi-guard scenarios: pressure declares a memcg or global OOM, cooldown, removed cgroups, watch limits. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "cli.h"
#include "hog.h"
#include "kmsg.h"
#include "scenario.h"
#include "test.h"

#define POLICY	    "psi-guard"
#define PSI_WAIT_MS 30000

static const char *watch(const char *rel)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "watch=%s", cg_abspath(rel));
	return buf;
}

/* The guest's ABI level (scripts/vm-run passes OOMKIT_ABI): 1 or 2. */
static int abi_level(void)
{
	const char *v = getenv("OOMKIT_ABI");

	return v && !strcmp(v, "2") ? 2 : 1;
}

/*
 * The OOM report's constraint for an OOM psi-guard declared: level 1
 * prints its text, level 2 the kernel's own name (kernel-abi-level2.md §6).
 */
static const char *declared_constraint(bool global)
{
	if (abi_level() == 1)
		return "constraint=CONSTRAINT_BPF_PSI_MEM,";
	return global ? "constraint=CONSTRAINT_NONE," :
			"constraint=CONSTRAINT_MEMCG,";
}

/* How many OOMs were declared since @mark, by their reports. */
static int declared_ooms(long long mark)
{
	/* level 2: the declared OOM's report names GFP_KERNEL and the kworker */
	if (abi_level() == 1)
		return kmsg_count(mark, "constraint=CONSTRAINT_BPF_PSI_MEM");
	return kmsg_count(mark,
			  "invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL)");
}

/*
 * Who killed, by the report: level 1 names the policy (or "default") in
 * an oom_policy= line; level 2 prints "oom bpf handler: <name>" only when
 * a BPF handler killed, and nothing for the kernel's killer.
 */
static bool report_names(long long mark, const char *policy)
{
	char line[512], want[96];

	if (abi_level() == 1)
		return oom_report_names(mark, policy);
	if (!strcmp(policy, "default"))
		return ASSERT_EQ(kmsg_count(mark, "oom bpf handler:"), 0,
				 "no BPF handler in the OOM report");
	snprintf(want, sizeof(want), "oom bpf handler: %s", policy);
	if (!ASSERT_EQ(kmsg_grep(mark, "oom bpf handler:", line, sizeof(line)),
		       1, "OOM report's handler line"))
		return false;
	return ASSERT_HAS_SUBSTR(line, want, "the policy in the OOM report");
}

/* Polls a counter of @policy until it reaches @min; returns the last value. */
static long long wait_stat(const char *policy, enum oomkit_stat stat,
			   long long min, int ms)
{
	long long deadline = test_now_ms() + ms, val;

	for (;;) {
		val = policy_stat(policy, stat);
		if (val >= min || test_now_ms() >= deadline)
			return val;
		test_sleep_ms(50);
	}
}

/*
 * The upstream PSI scenario: a task stuck at memory.high (40 MB, no swap)
 * stalls on reclaim; psi-guard's trigger on its cgroup fires and declares
 * an OOM there (level 1: with CONSTRAINT_BPF_PSI_MEM; level 2: from the
 * psi_avgs_work tracepoint's bpf_wq, CONSTRAINT_MEMCG); with no OOM policy
 * attached the kernel kills the task.
 */
TEST(psi_guard_declares_memcg_oom)
{
	struct oomkit_event ev[16];
	const struct oomkit_event *decl;
	char line[512];
	long long mark;
	pid_t hog;
	int nr;

	if (!ASSERT_OK(scenario_begin("psi_declare"), "scenario_begin") ||
	    !ASSERT_OK(cg_create("psi"), "cg_create psi") ||
	    !ASSERT_OK(cg_write("psi", "memory.high", "%llu", 40 * MB),
		       "memory.high"))
		goto cleanup;
	if (!ASSERT_OK(policy_load(POLICY, watch("psi"), NULL), "policy load"))
		goto cleanup;
	mark = kmsg_mark();
	hog = hog_start_growing("psi", 4 * MB, 0);

	ASSERT_TRUE(hog_killed(hog), "the stalled task is killed");
	ASSERT_EQ(oom_kills("psi"), 1, "psi oom_kill");
	if (oom_kill_line(mark, line, sizeof(line)))
		ASSERT_HAS_SUBSTR(line, declared_constraint(false),
				  "constraint text");
	ASSERT_EQ(declared_ooms(mark), 1, "one declared OOM");
	report_names(mark, "default");
	ASSERT_GE(policy_stat(POLICY, OOMKIT_STAT_PSI_EVENTS), 1,
		  "psi_events counter");
	ASSERT_GE(policy_stat(POLICY, OOMKIT_STAT_OOMS_DECLARED), 1,
		  "ooms_declared counter");
	nr = policy_events(POLICY, ev, 16);
	decl = event_find(ev, nr, OOMKIT_DEC_DECLARE_OOM);
	if (ASSERT_TRUE(decl != NULL, "declare-oom record")) {
		ASSERT_EQ(decl->trigger, OOMKIT_TRIG_PSI, "trigger");
		ASSERT_EQ(decl->scope_cgroup_id, cg_id("psi"),
			  "pressured cgroup");
		ASSERT_EQ(decl->error, 0, "declared");
	}

cleanup:
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}

/*
 * psi-guard + biggest-cgroup, the intended pair: the watched parent (memory.high
 * 56 MB) holds big (40 MB, idle) and grow (stalling at the limit). The
 * declared OOM goes to biggest-cgroup, which kills big. grow then climbs
 * back to the limit and stalls again: within the cooldown that costs no
 * second kill.
 */
TEST(psi_guard_with_biggest_cgroup_and_cooldown)
{
	long long mark;
	pid_t big, grow;

	if (!ASSERT_OK(scenario_begin("psi_pair"), "scenario_begin") ||
	    !ASSERT_OK(cg_create("psi"), "cg_create psi") ||
	    !ASSERT_OK(cg_write("psi", "memory.high", "%llu", 56 * MB),
		       "memory.high") ||
	    !ASSERT_OK(cg_create("psi/big"), "cg_create big") ||
	    !ASSERT_OK(cg_create("psi/grow"), "cg_create grow"))
		goto cleanup;
	if (!ASSERT_OK(policy_load("biggest-cgroup", NULL),
		       "load biggest-cgroup") ||
	    !ASSERT_OK(policy_load(POLICY, watch("psi"),
				   "cooldown_usec=120000000", NULL),
		       "load psi-guard"))
		goto cleanup;
	big = hog_start("psi/big", 40 * MB, 0);
	mark = kmsg_mark();
	grow = hog_start_growing("psi/grow", 2 * MB, 0);

	ASSERT_TRUE(hog_killed(big), "biggest-cgroup kills big");
	report_names(mark, "biggest-cgroup");
	ASSERT_EQ(declared_ooms(mark), 1, "one declared OOM");
	ASSERT_GE(wait_stat(POLICY, OOMKIT_STAT_COOLDOWN, 1, PSI_WAIT_MS), 1,
		  "pressure again, within the cooldown");
	ASSERT_TRUE(hog_alive(grow), "grow survives the second episode");
	ASSERT_EQ(oom_kills("psi/big"), 1, "big oom_kill");
	ASSERT_EQ(oom_kills("psi/grow"), 0, "grow oom_kill");
	ASSERT_EQ(policy_stat(POLICY, OOMKIT_STAT_OOMS_DECLARED), 1,
		  "one OOM declared");
	ASSERT_EQ(policy_stat("biggest-cgroup", OOMKIT_STAT_KILLS), 1,
		  "one kill");

cleanup:
	ASSERT_EQ(scenario_end(POLICY, "biggest-cgroup", NULL), 0,
		  "nr_dying_descendants");
}

/*
 * A watched cgroup that is removed: handle_cgroup_free (level 1) or the
 * rmdir tracepoint (level 2) reports it and its state is dropped.
 */
TEST(psi_guard_forgets_removed_cgroup)
{
	struct oomkit_event ev[16];
	const struct oomkit_event *freed;
	unsigned long long id;
	int nr;

	if (!ASSERT_OK(scenario_begin("psi_free"), "scenario_begin") ||
	    !ASSERT_OK(cg_create("gone"), "cg_create gone") ||
	    !ASSERT_OK(cg_create("kept"), "cg_create kept"))
		goto cleanup;
	id = cg_id("gone");
	if (!ASSERT_OK(policy_load(POLICY, watch("gone"), NULL), "policy load"))
		goto cleanup;
	if (!ASSERT_OK(rmdir(cg_abspath("gone")), "rmdir gone"))
		goto cleanup;

	ASSERT_EQ(wait_stat(POLICY, OOMKIT_STAT_CGROUPS_FREED, 1, PSI_WAIT_MS),
		  1, "cgroups_freed counter");
	nr = policy_events(POLICY, ev, 16);
	freed = event_find(ev, nr, OOMKIT_DEC_CGROUP_FREED);
	if (ASSERT_TRUE(freed != NULL, "cgroup-freed record")) {
		ASSERT_EQ(freed->trigger, OOMKIT_TRIG_CGROUP_FREE, "trigger");
		ASSERT_EQ(freed->scope_cgroup_id, id,
			  "the removed cgroup's id");
	}
	ASSERT_EQ(policy_stat(POLICY, OOMKIT_STAT_PSI_EVENTS), 0,
		  "no pressure event");

cleanup:
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}

/* No watch=: one system-wide trigger; attaching and detaching must work and be quiet. */
TEST(psi_guard_system_wide_by_default)
{
	if (!ASSERT_OK(scenario_begin("psi_system"), "scenario_begin"))
		goto cleanup;
	if (!ASSERT_OK(policy_load(POLICY, NULL), "policy load"))
		goto cleanup;
	ASSERT_EQ(policy_stat(POLICY, OOMKIT_STAT_OOMS_DECLARED), 0,
		  "no OOM declared");
	ASSERT_OK(policy_unload(POLICY), "policy unload");

cleanup:
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}

/* Filling most of the 1 GiB guest takes ~15 s under TCG; a loaded host may triple that. */
#define SYSTEM_WAIT_MS 120000
/* The thrasher's file, and the memory left beside the big hogs for its page cache. */
#define THRASH_BYTES (192 * MB)
#define CACHE_ROOM   (128 * MB)

/*
 * A system-wide pressure episode, the way it happens without swap: the
 * page cache a workload keeps reading no longer fits. big holds all but
 * CACHE_ROOM of the guest's available memory and sleeps; thrash then
 * reads a 192 MB file in a cycle. Its clean page cache can always be
 * reclaimed, so reclaim keeps making progress and the kernel never
 * declares an OOM itself: the guest only stalls, on reclaim and refaults
 * (40-50% "some" and "full" measured here). A growing anonymous hog would
 * stall only briefly before the kernel's own OOM, a race the trigger may
 * lose. psi-guard (no watch=, one system-wide trigger on "some" pressure)
 * declares a global OOM, and biggest-cgroup kills in big, the biggest
 * leaf (page cache not counted). Then big2 takes big's place: the same
 * pressure again, inside the cooldown, must cost no second kill.
 */
TEST(psi_guard_system_wide_episode)
{
	struct oomkit_event ev[16];
	const struct oomkit_event *decl, *kill;
	char path[PATH_MAX], line[512];
	pid_t big = -1, big2, thrash;
	long long mark, avail, start;
	unsigned long long bytes;
	int nr;

	if (!ASSERT_OK(scenario_begin("psi_system_episode"),
		       "scenario_begin") ||
	    !ASSERT_OK(cg_create("big"), "cg_create big") ||
	    !ASSERT_OK(cg_create("big2"), "cg_create big2") ||
	    !ASSERT_OK(cg_create("thrash"), "cg_create thrash") ||
	    !ASSERT_OK(scratch_file("thrash", THRASH_BYTES, path, sizeof(path)),
		       "scratch file"))
		goto cleanup;
	if (!ASSERT_OK(policy_load("biggest-cgroup", NULL),
		       "load biggest-cgroup") ||
	    !ASSERT_OK(policy_load(POLICY, "full=0", "cooldown_usec=300000000",
				   NULL),
		       "load psi-guard"))
		goto cleanup;

	avail = meminfo_kb("MemAvailable") * (long long)KB;
	if (!ASSERT_GE(avail, (long long)(CACHE_ROOM + 256 * MB),
		       "MemAvailable"))
		goto cleanup;
	bytes = (avail - CACHE_ROOM) & ~(MB - 1);
	start = test_now_ms();
	big = hog_start("big", bytes, 0);
	if (!ASSERT_TRUE(hog_alive(big), "big ready"))
		goto cleanup;
	test_log("big: %llu MB in %lld ms\n", bytes / MB,
		 test_now_ms() - start);
	if (!ASSERT_EQ(policy_stat(POLICY, OOMKIT_STAT_PSI_EVENTS), 0,
		       "no pressure yet"))
		goto cleanup;

	mark = kmsg_mark();
	start = test_now_ms();
	thrash = hog_start_reading("thrash", path, 0, THRASH_BYTES, true);
	if (!ASSERT_GT(thrash, 0, "thrasher"))
		goto cleanup;
	if (!ASSERT_EQ(hog_wait(big, SYSTEM_WAIT_MS), SIGKILL, "big killed"))
		goto cleanup;
	test_log("big killed %lld ms into the thrash\n", test_now_ms() - start);

	ASSERT_GE(policy_stat(POLICY, OOMKIT_STAT_PSI_EVENTS), 1,
		  "psi_events counter");
	ASSERT_EQ(policy_stat(POLICY, OOMKIT_STAT_OOMS_DECLARED), 1,
		  "ooms_declared counter");
	nr = policy_events(POLICY, ev, 16);
	decl = event_find(ev, nr, OOMKIT_DEC_DECLARE_OOM);
	if (ASSERT_TRUE(decl != NULL, "declare-oom record")) {
		ASSERT_EQ(decl->trigger, OOMKIT_TRIG_PSI, "trigger");
		ASSERT_EQ(decl->scope_cgroup_id, 0, "system-wide");
		ASSERT_EQ(decl->error, 0, "declared");
		ASSERT_EQ(decl->score, 1, "memory freed");
	}
	/* One OOM in the guest: the declared one, nothing the kernel ran into. */
	ASSERT_EQ(kmsg_count(mark, "invoked oom-killer"), 1, "one OOM report");
	ASSERT_EQ(declared_ooms(mark), 1, "the declared one");
	report_names(mark, "biggest-cgroup");
	if (oom_kill_line(mark, line, sizeof(line))) {
		ASSERT_HAS_SUBSTR(line, declared_constraint(true),
				  "constraint text");
		ASSERT_HAS_SUBSTR(line, ",global_oom,", "a global OOM");
	}
	nr = policy_events("biggest-cgroup", ev, 16);
	kill = event_find(ev, nr, OOMKIT_DEC_KILL_TASK);
	if (ASSERT_TRUE(kill != NULL, "biggest-cgroup kill record")) {
		ASSERT_EQ(kill->trigger, OOMKIT_TRIG_OOM_GLOBAL,
			  "a global OOM for the policy");
		ASSERT_EQ(kill->victim_cgroup_id, cg_id("big"),
			  "victim cgroup");
		ASSERT_EQ(kill->pids[0], big, "victim pid");
	}

	/* The same pressure again, within the cooldown. */
	start = test_now_ms();
	big2 = hog_start("big2", bytes, 0);
	ASSERT_TRUE(hog_alive(big2), "big2 ready");
	ASSERT_GE(wait_stat(POLICY, OOMKIT_STAT_COOLDOWN, 1, SYSTEM_WAIT_MS), 1,
		  "pressure again, within the cooldown");
	test_log("cooldown skip %lld ms after big2 started\n",
		 test_now_ms() - start);
	ASSERT_TRUE(hog_alive(big2), "big2 survives the second episode");
	ASSERT_TRUE(hog_alive(thrash), "the thrasher survives");
	ASSERT_EQ(oom_kills("big"), 1, "big oom_kill");
	ASSERT_EQ(oom_kills("big2") + oom_kills("thrash"), 0,
		  "big2, thrash oom_kill");
	ASSERT_EQ(policy_stat(POLICY, OOMKIT_STAT_OOMS_DECLARED), 1,
		  "one OOM declared");
	ASSERT_EQ(policy_stat("biggest-cgroup", OOMKIT_STAT_KILLS), 1,
		  "one kill");
	ASSERT_EQ(kmsg_count(mark, "Killed process"), 1,
		  "one kill in the system");

cleanup:
	ASSERT_EQ(scenario_end(POLICY, "biggest-cgroup", NULL), 0,
		  "nr_dying_descendants");
}

/*
 * C1: watch= the cgroup2 root. A memcg OOM declared on the root memcg hit
 * the kernel's BUG_ON(mem_cgroup_is_root()) in mem_cgroup_scan_tasks()
 * with oom_lock held: on c424f4f the guest panicked 18 s into the
 * episode of psi_guard_system_wide_episode loaded this way. Now the
 * kernel takes a root memcg as a global OOM and reports the root's
 * trigger as cgroup 0 (abi suite), the library declares the root
 * cgroup's OOM as a global one, and the CLI refuses the setting, here on
 * a kernel where the load would otherwise attach: system-wide is
 * psi-guard without watch= (psi_guard_system_wide_by_default).
 */
TEST(psi_guard_watch_root_is_refused)
{
	int links = nr_struct_ops_links();

	ASSERT_EQ(policy_load(POLICY, watch(CG_MOUNT), NULL), 2,
		  "watch=<the cgroup2 mount>");
	ASSERT_EQ(policy_load(POLICY, "watch=.", NULL), 2, "watch=.");
	ASSERT_FALSE(pin_exists(POLICY), "nothing pinned");
	ASSERT_EQ(nr_struct_ops_links(), links, "nothing attached");
}

#define MAX_WATCH 64

/* `oomkit policy load psi-guard` with @n watch= settings, on w0..w<n-1>; its exit status. */
static int load_watching(int n)
{
	static char sets[MAX_WATCH + 1][PATH_MAX + 16];
	const char *argv[2 * (MAX_WATCH + 1) + 5];
	int i, argc = 0, status;
	char rel[16];
	pid_t pid;

	argv[argc++] = "oomkit";
	argv[argc++] = "policy";
	argv[argc++] = "load";
	argv[argc++] = POLICY;
	for (i = 0; i < n && i <= MAX_WATCH; i++) {
		snprintf(rel, sizeof(rel), "w%d", i);
		snprintf(sets[i], sizeof(sets[i]), "%s", watch(rel));
		argv[argc++] = "--set";
		argv[argc++] = sets[i];
	}
	argv[argc] = NULL;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execv(build_path("oomkit"), (char *const *)argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/*
 * L2: psi-guard watches at most 64 cgroups; 65 must fail the load (init
 * returns -E2BIG: level 1's bpf_psi_ops init in the attach, level 2's
 * syscall init the loader runs) rather than attach with one of them
 * unwatched. 64 load.
 */
TEST(psi_guard_refuses_more_than_64_watches)
{
	char rel[16];
	int i;

	if (!ASSERT_OK(scenario_begin("psi_watch_65"), "scenario_begin"))
		goto cleanup;
	for (i = 0; i <= MAX_WATCH; i++) {
		snprintf(rel, sizeof(rel), "w%d", i);
		if (!ASSERT_OK(cg_create(rel), "cg_create"))
			goto cleanup;
	}
	ASSERT_NEQ(load_watching(MAX_WATCH + 1), 0,
		   "65 watch= cgroups: load fails");
	ASSERT_NEQ(access("/sys/fs/bpf/oomkit/" POLICY, F_OK), 0,
		   "nothing pinned");
	policy_unload(POLICY);
	if (ASSERT_EQ(load_watching(MAX_WATCH), 0, "64 watch= cgroups: loaded"))
		ASSERT_OK(policy_unload(POLICY), "policy unload");

cleanup:
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}

/* Notice and grace: the grace, and what a kill may take after it (see below). */
#define GRACE_USEC	4000000
#define GRACE_KILL_USEC 2000000
#define WINDOW_USEC	1000000
#define SAMPLE_USEC	2000000
#define KILL_SLACK_MS	100
#define READER_DRAIN_MS 1500

static long long boot_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * How long after the grace a persisting pressure is reported again, at
 * most: level 1's trigger once a window, level 2's sample every ~2 s
 * (bpf/abi.bpf.h, oomkit_psi_period_usec()).
 */
static long long report_period_ms(void)
{
	return (abi_level() == 1 ? WINDOW_USEC : SAMPLE_USEC) / 1000;
}

/* The JSON line of the first record with @decision in the reader's @out, copied to @line. */
static bool reader_record(const char *out, const char *decision, char *line,
			  size_t len)
{
	char want[64];
	const char *p, *start, *end;

	snprintf(want, sizeof(want), "\"decision\":\"%s\"", decision);
	p = strstr(out, want);
	if (!p)
		return false;
	for (start = p; start > out && start[-1] != '\n'; start--)
		;
	end = strchr(p, '\n');
	if (!end)
		end = p + strlen(p);
	snprintf(line, len, "%.*s", (int)(end - start), start);
	return true;
}

/* The first number of the JSON array @key in @line ("pids":[N,...]), -1 if none. */
static long long json_first(const char *line, const char *key)
{
	char want[64];
	const char *p;

	snprintf(want, sizeof(want), "\"%s\":[", key);
	p = strstr(line, want);
	return p && p[strlen(want)] != ']' ? atoll(p + strlen(want)) : -1;
}

/* `oomkit -j events psi-guard [--exec HOOK]` in the background: the reader a notice needs. */
static pid_t start_reader(int *fd, const char *hook)
{
	if (hook)
		return cli_spawn(fd, NULL, "-j", "events", POLICY, "--exec",
				 hook, NULL);
	return cli_spawn(fd, NULL, "-j", "events", POLICY, NULL);
}

/*
 * Notice and grace, a workload that shuts down cleanly: psi-guard with
 * grace_usec 4 s and term=1 publishes a pressure record naming the
 * stalled workload; the reader (`oomkit events`) SIGTERMs it and runs the
 * --exec hook; the workload saves its state (a 256 KiB file and an END
 * line) and exits 0 well within the grace. Its pressure ends with it, so
 * no OOM is declared, not even after grace + a report period.
 */
TEST(psi_guard_grace_lets_a_workload_save_its_state)
{
	char state[64], hook[512], envf[64];
	char *out = NULL, line[4096], buf[4096];
	long long notice_ms, exit_ms, pressure_ts;
	int fd = -1, st;
	pid_t reader = -1, hog;
	FILE *f;
	size_t n;

	snprintf(state, sizeof(state), "/tmp/psi-grace-state");
	snprintf(envf, sizeof(envf), "/tmp/psi-grace-hook.env");
	unlink(state);
	unlink(envf);
	snprintf(
		hook, sizeof(hook),
		"[ \"$OOMKIT_DECISION\" = pressure ] && env | grep ^OOMKIT_ > %s.tmp && mv %s.tmp %s",
		envf, envf, envf);
	out = malloc(CLI_OUT_MAX);
	if (!ASSERT_TRUE(out != NULL, "malloc") ||
	    !ASSERT_OK(scenario_begin("psi_grace_save"), "scenario_begin") ||
	    !ASSERT_OK(cg_create("psi"), "cg_create psi") ||
	    !ASSERT_OK(cg_write("psi", "memory.high", "%llu", 40 * MB),
		       "memory.high"))
		goto cleanup;
	if (!ASSERT_OK(policy_load(POLICY, watch("psi"), "grace_usec=4000000",
				   "term=1", NULL),
		       "policy load"))
		goto cleanup;
	reader = start_reader(&fd, hook);
	if (!ASSERT_GT(reader, 0, "reader"))
		goto cleanup;
	/* the reader has the ring once it waits (it opened it at start) */
	test_sleep_ms(500);
	hog = hog_start_growing_term("psi", 4 * MB, state);
	if (!ASSERT_GT(hog, 0, "workload"))
		goto cleanup;

	st = hog_wait(hog, PSI_WAIT_MS + GRACE_USEC / 1000);
	exit_ms = boot_ms();
	ASSERT_EQ(st, 0, "the workload exits by itself (SIGTERM handled)");
	ASSERT_GE(policy_stat(POLICY, OOMKIT_STAT_PRESSURE_NOTICES), 1,
		  "pressure_notices counter");
	/* the deadline and a report period pass: nothing is declared */
	test_sleep_ms(GRACE_USEC / 1000 + 2 * report_period_ms());
	ASSERT_EQ(policy_stat(POLICY, OOMKIT_STAT_OOMS_DECLARED), 0,
		  "no OOM declared");
	ASSERT_EQ(oom_kills("psi"), 0, "psi oom_kill");

	cli_finish(reader, fd, out, CLI_OUT_MAX, READER_DRAIN_MS);
	reader = -1;
	if (ASSERT_TRUE(reader_record(out, "pressure", line, sizeof(line)),
			"pressure record")) {
		ASSERT_EQ(json_num(line, "scope_cgroup_id"), cg_id("psi"),
			  "the pressured cgroup");
		ASSERT_EQ(json_num(line, "victim_cgroup_id"), cg_id("psi"),
			  "likely victim's cgroup");
		ASSERT_EQ(json_first(line, "pids"), hog, "likely victim pid");
		ASSERT_HAS_SUBSTR(line, "\"term\":true", "term asked");
		/* the episode starts at the report; the record is stamped after the walk */
		pressure_ts =
			json_num(line, "deadline_ns") - GRACE_USEC * 1000LL;
		ASSERT_LE(pressure_ts, json_num(line, "ts_ns"),
			  "deadline: grace_usec after the report");
		test_log("notice: the walk took %lld us\n",
			 (json_num(line, "ts_ns") - pressure_ts) / 1000);
		notice_ms = pressure_ts / 1000000;
		test_log(
			"workload saved its state and exited %lld ms after the notice (grace %d ms)\n",
			exit_ms - notice_ms, GRACE_USEC / 1000);
		ASSERT_LT(exit_ms - notice_ms, GRACE_USEC / 1000,
			  "exited within the grace");
	}
	ASSERT_FALSE(reader_record(out, "declare-oom", line, sizeof(line)),
		     "no declare-oom record");

	f = fopen(state, "r");
	if (ASSERT_TRUE(f != NULL, "state file")) {
		fseek(f, 0, SEEK_END);
		ASSERT_EQ(ftell(f), HOG_STATE_BYTES + 4, "state file size");
		fseek(f, -4, SEEK_END);
		n = fread(buf, 1, 4, f);
		buf[n] = '\0';
		ASSERT_STR_EQ(buf, "END\n", "state file complete");
		fclose(f);
	}
	f = fopen(envf, "r");
	if (ASSERT_TRUE(f != NULL, "the hook ran")) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = '\0';
		fclose(f);
		snprintf(line, sizeof(line), "OOMKIT_PID=%d\n", hog);
		ASSERT_HAS_SUBSTR(buf, line, "hook: OOMKIT_PID");
		ASSERT_HAS_SUBSTR(buf, "OOMKIT_DECISION=pressure\n",
				  "hook: OOMKIT_DECISION");
		ASSERT_HAS_SUBSTR(buf, "OOMKIT_POLICY=psi-guard\n",
				  "hook: OOMKIT_POLICY");
		ASSERT_HAS_SUBSTR(buf, "OOMKIT_TERM=1\n", "hook: OOMKIT_TERM");
	}

cleanup:
	if (reader > 0)
		cli_finish(reader, fd, out ? out : buf,
			   out ? CLI_OUT_MAX : sizeof(buf), 0);
	free(out);
	unlink(state);
	unlink(envf);
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}

/*
 * Notice and grace, a workload that ignores SIGTERM: its pressure stays,
 * so the OOM is declared at the first report at or after the deadline
 * and the kernel kills it: within grace + one report period (level 1: the
 * 1 s window; level 2: the ~2 s sample) + 100 ms of the notice.
 */
TEST(psi_guard_grace_kills_a_workload_that_ignores_term)
{
	long long kill_ms, notice_ms, decl_ms, bound_ms;
	char *out = NULL, line[4096];
	int fd = -1, st;
	pid_t reader = -1, hog;

	out = malloc(CLI_OUT_MAX);
	if (!ASSERT_TRUE(out != NULL, "malloc") ||
	    !ASSERT_OK(scenario_begin("psi_grace_kill"), "scenario_begin") ||
	    !ASSERT_OK(cg_create("psi"), "cg_create psi") ||
	    !ASSERT_OK(cg_write("psi", "memory.high", "%llu", 40 * MB),
		       "memory.high"))
		goto cleanup;
	if (!ASSERT_OK(policy_load(POLICY, watch("psi"), "grace_usec=2000000",
				   "term=1", NULL),
		       "policy load"))
		goto cleanup;
	reader = start_reader(&fd, NULL);
	if (!ASSERT_GT(reader, 0, "reader"))
		goto cleanup;
	test_sleep_ms(500);
	hog = hog_start_growing_term("psi", 4 * MB, NULL);
	if (!ASSERT_GT(hog, 0, "workload"))
		goto cleanup;

	st = hog_wait(hog, PSI_WAIT_MS + GRACE_KILL_USEC / 1000);
	kill_ms = boot_ms();
	ASSERT_EQ(st, SIGKILL, "the workload is OOM-killed");
	ASSERT_EQ(oom_kills("psi"), 1, "psi oom_kill");
	ASSERT_EQ(policy_stat(POLICY, OOMKIT_STAT_OOMS_DECLARED), 1,
		  "one OOM declared");
	/* level 2's next ~2 s sample may already be past a 2 s grace */
	if (GRACE_KILL_USEC / 1000 > report_period_ms())
		ASSERT_GE(policy_stat(POLICY, OOMKIT_STAT_GRACE_WAITS), 1,
			  "reports within the grace waited");
	test_log("grace_waits %lld\n",
		 policy_stat(POLICY, OOMKIT_STAT_GRACE_WAITS));

	cli_finish(reader, fd, out, CLI_OUT_MAX, READER_DRAIN_MS);
	reader = -1;
	if (!ASSERT_TRUE(reader_record(out, "pressure", line, sizeof(line)),
			 "pressure record"))
		goto cleanup;
	ASSERT_EQ(json_first(line, "pids"), hog, "likely victim pid");
	notice_ms = (json_num(line, "deadline_ns") - GRACE_KILL_USEC * 1000LL) /
		    1000000;
	if (!ASSERT_TRUE(reader_record(out, "declare-oom", line, sizeof(line)),
			 "declare-oom record"))
		goto cleanup;
	/*
	 * Stamped once bpf_out_of_memory() returned, the kill done: the
	 * kernel's time of the kill, without this process's wait for it.
	 */
	decl_ms = json_num(line, "ts_ns") / 1000000;
	bound_ms = GRACE_KILL_USEC / 1000 + report_period_ms() + KILL_SLACK_MS;
	test_log(
		"declared and killed %lld ms after the notice, %lld ms after the grace (bound %lld ms); seen here %lld ms after it\n",
		decl_ms - notice_ms,
		decl_ms - notice_ms - GRACE_KILL_USEC / 1000, bound_ms,
		kill_ms - notice_ms);
	ASSERT_GE(decl_ms - notice_ms, GRACE_KILL_USEC / 1000,
		  "not declared before the deadline");
	ASSERT_LE(decl_ms - notice_ms, bound_ms,
		  "killed within grace + report period + 100 ms");

cleanup:
	if (reader > 0)
		cli_finish(reader, fd, out ? out : line,
			   out ? CLI_OUT_MAX : sizeof(line), 0);
	free(out);
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}

/* Reclaim first: the protected cache, and how long the scene may stall. */
#define CACHE_BYTES	 (24 * MB)
#define RECLAIM_BYTES	 (32 * MB)
#define WORK_BYTES	 (28 * MB)
#define UNSTALL_AFTER_MS 30000

/*
 * The reclaim-first scene: psi (memory.high 40 MB, watched) holds
 * psi/cache, 24 MB of page cache that memory.min keeps from the kernel's
 * own reclaim (a protected cache, as a database's buffer cgroup might
 * be), and psi/work, empty yet. A task taking anonymous memory in work
 * stalls at memory.high with nothing left that psi's reclaim may take:
 * only memory.reclaim written to psi/cache, which ignores the target's
 * own protection, makes room.
 */
static bool reclaim_scene(const char *test)
{
	char path[PATH_MAX];
	pid_t reader;

	if (!ASSERT_OK(scenario_begin(test), "scenario_begin") ||
	    !ASSERT_OK(cg_create("psi"), "cg_create psi") ||
	    !ASSERT_OK(cg_create("psi/cache"), "cg_create psi/cache") ||
	    !ASSERT_OK(cg_create("psi/work"), "cg_create psi/work") ||
	    !ASSERT_OK(cg_write("psi/cache", "memory.min", "max"),
		       "memory.min") ||
	    !ASSERT_OK(scratch_file("psi-cache", CACHE_BYTES, path,
				    sizeof(path)),
		       "scratch file"))
		return false;
	reader = hog_start_reading("psi/cache", path, 0, CACHE_BYTES, false);
	if (!ASSERT_GT(reader, 0, "page cache reader") ||
	    !ASSERT_GE(cg_read_key("psi/cache", "memory.stat", "file"),
		       CACHE_BYTES * 9 / 10, "page cache charged to psi/cache"))
		return false;
	return ASSERT_OK(cg_write("psi", "memory.high", "%llu", 40 * MB),
			 "memory.high");
}

/*
 * A test's backstop: should nothing act on the stall, psi's memory.high
 * is lifted after UNSTALL_AFTER_MS so the stalled hog_start() returns and
 * the test fails on its checks instead of hanging.
 */
static pid_t unstall_later(void)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		test_sleep_ms(UNSTALL_AFTER_MS);
		cg_write("psi", "memory.high", "max");
		_exit(0);
	}
	return pid;
}

static void unstall_cancel(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/*
 * Reclaim first, a protected cache: psi-guard with a 4 s grace and
 * reclaim=psi/cache:32M publishes a pressure record asking for that
 * reclaim; the reader (`oomkit events`) writes it to psi/cache's
 * memory.reclaim, the cache goes, the stalled task gets its 28 MB and
 * the pressure ends: no OOM, no kill, even after the deadline. The test
 * without the reclaim (below) shows the kernel alone kills instead.
 */
TEST(psi_guard_reclaim_first_frees_a_protected_cache)
{
	char *out = NULL, line[4096];
	long long start, ready_ms;
	pid_t reader = -1, work, unstall = -1;
	int fd = -1;

	out = malloc(CLI_OUT_MAX);
	if (!ASSERT_TRUE(out != NULL, "malloc") ||
	    !reclaim_scene("psi_reclaim_cache"))
		goto cleanup;
	if (!ASSERT_OK(policy_load(POLICY, watch("psi"), "grace_usec=4000000",
				   cg_setting_n("reclaim", "psi/cache",
						RECLAIM_BYTES),
				   NULL),
		       "policy load"))
		goto cleanup;
	reader = start_reader(&fd, NULL);
	if (!ASSERT_GT(reader, 0, "reader"))
		goto cleanup;
	test_sleep_ms(500);
	unstall = unstall_later();
	start = test_now_ms();
	/* returns once it holds all 28 MB: after the reclaim */
	work = hog_start("psi/work", WORK_BYTES, 0);
	ready_ms = test_now_ms() - start;
	if (!ASSERT_TRUE(hog_alive(work), "the workload got its memory"))
		goto cleanup;
	test_log("the workload had its %llu MB %lld ms after it started\n",
		 WORK_BYTES / MB, ready_ms);
	ASSERT_LT(ready_ms, GRACE_USEC / 1000 + 2 * report_period_ms(),
		  "unstalled by the reclaim, not the backstop");
	ASSERT_GE(cg_read_key("psi", "memory.events", "high"), 1,
		  "psi went past memory.high");
	ASSERT_LE(cg_read_key("psi/cache", "memory.stat", "file"),
		  CACHE_BYTES / 4, "the protected cache was reclaimed");
	/* the deadline and a report period pass: nothing is declared */
	test_sleep_ms(GRACE_USEC / 1000 + 2 * report_period_ms());
	ASSERT_GE(policy_stat(POLICY, OOMKIT_STAT_PRESSURE_NOTICES), 1,
		  "pressure_notices counter");
	ASSERT_EQ(policy_stat(POLICY, OOMKIT_STAT_OOMS_DECLARED), 0,
		  "no OOM declared");
	ASSERT_EQ(oom_kills("psi"), 0, "psi oom_kill");
	ASSERT_TRUE(hog_alive(work), "the workload lives");

	cli_finish(reader, fd, out, CLI_OUT_MAX, READER_DRAIN_MS);
	reader = -1;
	if (ASSERT_TRUE(reader_record(out, "pressure", line, sizeof(line)),
			"pressure record")) {
		ASSERT_EQ(json_num(line, "reclaim_cgroup_id"),
			  cg_id("psi/cache"), "reclaim from the cache");
		ASSERT_EQ(json_num(line, "reclaim_bytes"), RECLAIM_BYTES,
			  "reclaim_bytes");
	}
	ASSERT_FALSE(reader_record(out, "declare-oom", line, sizeof(line)),
		     "no declare-oom record");

cleanup:
	unstall_cancel(unstall);
	if (reader > 0)
		cli_finish(reader, fd, out ? out : line,
			   out ? CLI_OUT_MAX : sizeof(line), 0);
	free(out);
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}

/*
 * The same scene without reclaim: the kernel's reclaim leaves the
 * protected cache alone, the stall lasts past the grace, and the declared
 * OOM kills the workload. (Without this, the test above could pass on the
 * kernel's reclaim alone.)
 */
TEST(psi_guard_protected_cache_stays_without_reclaim)
{
	pid_t work, unstall = -1;

	if (!reclaim_scene("psi_reclaim_none"))
		goto cleanup;
	if (!ASSERT_OK(policy_load(POLICY, watch("psi"), "grace_usec=2000000",
				   NULL),
		       "policy load"))
		goto cleanup;
	unstall = unstall_later();
	work = hog_start("psi/work", WORK_BYTES, 0);
	ASSERT_EQ(hog_wait(work, PSI_WAIT_MS), SIGKILL,
		  "the workload is OOM-killed");
	ASSERT_EQ(oom_kills("psi"), 1, "psi oom_kill");
	ASSERT_EQ(policy_stat(POLICY, OOMKIT_STAT_OOMS_DECLARED), 1,
		  "one OOM declared");
	ASSERT_GE(cg_read_key("psi/cache", "memory.stat", "file"),
		  CACHE_BYTES * 9 / 10, "the protected cache stayed");

cleanup:
	unstall_cancel(unstall);
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}

/*
 * Reclaim first, a leak: with the same reclaim, a task that keeps taking
 * anonymous memory eats the room the reclaim made and stalls again; the
 * pressure stays past the grace and the declared OOM kills it. The cache
 * was reclaimed all the same.
 */
TEST(psi_guard_reclaim_first_still_kills_a_leak)
{
	char *out = NULL, line[4096];
	pid_t reader = -1, leak;
	int fd = -1;

	out = malloc(CLI_OUT_MAX);
	if (!ASSERT_TRUE(out != NULL, "malloc") ||
	    !reclaim_scene("psi_reclaim_leak"))
		goto cleanup;
	if (!ASSERT_OK(policy_load(POLICY, watch("psi"), "grace_usec=2000000",
				   cg_setting_n("reclaim", "psi/cache",
						RECLAIM_BYTES),
				   NULL),
		       "policy load"))
		goto cleanup;
	reader = start_reader(&fd, NULL);
	if (!ASSERT_GT(reader, 0, "reader"))
		goto cleanup;
	test_sleep_ms(500);
	leak = hog_start_growing("psi/work", 4 * MB, 0);
	if (!ASSERT_GT(leak, 0, "leak"))
		goto cleanup;
	ASSERT_EQ(hog_wait(leak, PSI_WAIT_MS + 3 * GRACE_KILL_USEC / 1000),
		  SIGKILL, "the leak is OOM-killed");
	ASSERT_EQ(oom_kills("psi"), 1, "psi oom_kill");
	ASSERT_EQ(policy_stat(POLICY, OOMKIT_STAT_OOMS_DECLARED), 1,
		  "one OOM declared");
	ASSERT_LE(cg_read_key("psi/cache", "memory.stat", "file"),
		  CACHE_BYTES / 4, "the protected cache was reclaimed first");

	cli_finish(reader, fd, out, CLI_OUT_MAX, READER_DRAIN_MS);
	reader = -1;
	if (ASSERT_TRUE(reader_record(out, "pressure", line, sizeof(line)),
			"pressure record"))
		ASSERT_EQ(json_num(line, "reclaim_cgroup_id"),
			  cg_id("psi/cache"), "reclaim from the cache");
	ASSERT_TRUE(reader_record(out, "declare-oom", line, sizeof(line)),
		    "declare-oom record");

cleanup:
	if (reader > 0)
		cli_finish(reader, fd, out ? out : line,
			   out ? CLI_OUT_MAX : sizeof(line), 0);
	free(out);
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}
