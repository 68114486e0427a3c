// SPDX-License-Identifier: GPL-2.0
/* preference scenarios: prefer/avoid/omit against size, and reclaim scans breaking ties. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "cli.h"
#include "hog.h"
#include "kmsg.h"
#include "scenario.h"
#include "slow_victim.h"
#include "test.h"

#define POLICY "preference"
/* The test build with a 4-reading cap (progs/preference_cap4.bpf.c), a drop-in. */
#define CAP4 "preference_cap4"

/* prefer=b: b (20 MB) dies although a (30 MB) is bigger; c's 24 MB cause the OOM. */
TEST(preference_prefer_beats_size)
{
	static const unsigned long long bytes[3] = { 30 * MB, 20 * MB,
						     24 * MB };
	struct oomkit_event rec;

	if (!ASSERT_OK(scenario_begin_abc("preference_prefer"), "setup") ||
	    !ASSERT_OK(policy_load(POLICY, cg_setting("prefer", "oom/b"), NULL),
		       "policy load"))
		goto cleanup;
	if (abc_oom(POLICY, bytes, 1, &rec)) {
		ASSERT_EQ(rec.score, 1, "score: prefer");
		ASSERT_HAS_SUBSTR(rec.reason, "preferred", "reason");
	}

cleanup:
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}

/* avoid=oom/a (set on a) and omit=oom/b: c, the smallest, is the only one left to die. */
TEST(preference_avoid_and_omit)
{
	static const unsigned long long bytes[3] = { 30 * MB, 20 * MB,
						     24 * MB };
	struct oomkit_event rec;

	if (!ASSERT_OK(scenario_begin_abc("preference_avoid_omit"), "setup") ||
	    !ASSERT_OK(policy_load(POLICY, cg_setting("avoid", "oom/a"),
				   cg_setting("omit", "oom/b"), NULL),
		       "policy load"))
		goto cleanup;
	if (abc_oom(POLICY, bytes, 2, &rec))
		ASSERT_EQ(rec.nr_candidates, 2, "candidates: c and avoided a");

cleanup:
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}

/*
 * Settings follow their paths (issue 12): avoid=oom/db survives a restart
 * of db (its cgroup removed and made again: a new id, new processes), and
 * avoid=oom/later holds for a cgroup made after the load. batch, the
 * smallest, is the one left to die; without the followers db, the
 * biggest, was.
 */
TEST(preference_avoid_follows_a_restarted_service)
{
	unsigned long long old_id;
	pid_t db, later, batch;

	if (!ASSERT_OK(scenario_begin_tree("preference_follow", 64 * MB, "db",
					   "batch", NULL),
		       "setup"))
		goto cleanup;
	db = hog_start("oom/db", 8 * MB, 0);
	if (!ASSERT_GT(db, 0, "db, before the restart") ||
	    !ASSERT_OK(policy_load(POLICY, cg_setting("avoid", "oom/db"),
				   cg_setting("avoid", "oom/later"), NULL),
		       "policy load"))
		goto cleanup;
	/* systemctl restart db: stop, rmdir, mkdir, start */
	old_id = cg_id("oom/db");
	kill(db, SIGKILL);
	ASSERT_EQ(hog_wait(db, 10000), SIGKILL, "db stopped");
	if (!ASSERT_OK(cg_remove("oom/db"), "rmdir db") ||
	    !ASSERT_OK(cg_create("oom/db"), "mkdir db") ||
	    !ASSERT_OK(cg_create("oom/later"), "mkdir later"))
		goto cleanup;
	ASSERT_NEQ(cg_id("oom/db"), old_id, "db has a new cgroup id");
	db = hog_start("oom/db", 24 * MB, 0);
	later = hog_start("oom/later", 20 * MB, 0);
	batch = hog_start("oom/batch", 30 * MB, 0);

	ASSERT_TRUE(hog_killed(batch), "batch killed");
	ASSERT_TRUE(hog_alive(db), "the restarted db survives");
	ASSERT_TRUE(hog_alive(later), "later, made after the load, survives");
	ASSERT_EQ(oom_kills("oom/db"), 0, "db oom_kill");
	ASSERT_EQ(oom_kills("oom/later"), 0, "later oom_kill");
	ASSERT_EQ(oom_kills("oom/batch"), 1, "batch oom_kill");

cleanup:
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}

/* A setting on a parent covers its subtree: avoid=oom/x spares x/big, y dies. */
TEST(preference_inherited_from_ancestor)
{
	pid_t big, y;

	if (!ASSERT_OK(scenario_begin_tree("preference_inherit", 64 * MB, "x",
					   "x/big", "y", NULL),
		       "setup"))
		goto cleanup;
	if (!ASSERT_OK(policy_load(POLICY, cg_setting("avoid", "oom/x"), NULL),
		       "policy load"))
		goto cleanup;
	big = hog_start("oom/x/big", 40 * MB, 0);
	y = hog_start("oom/y", 32 * MB, 0);

	ASSERT_TRUE(hog_killed(y), "y killed");
	ASSERT_TRUE(hog_alive(big), "x/big survives");
	ASSERT_EQ(oom_kills("oom/x/big"), 0, "x/big oom_kill");
	ASSERT_EQ(oom_kills("oom/y"), 1, "y oom_kill");

cleanup:
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}

/* Pages reclaim scanned in @rel since it was created. */
static long long pgscan(const char *rel)
{
	return cg_read_key(rel, "memory.stat", "pgscan");
}

/*
 * Gives @rel @bytes of page cache of @file (read by a child that then
 * sleeps, oom's limit raised for it) and has memory.reclaim drop all of
 * it, so reclaim scans about that many pages there, and nothing is left
 * for the OOM's own reclaim to scan later. More is asked than there is:
 * with no swap, the anonymous rest cannot go and the write fails with
 * EAGAIN once the cache is gone.
 */
static bool scan_pages(const char *rel, const char *file, size_t bytes)
{
	long long before = pgscan(rel);
	pid_t reader;
	int err;

	if (!ASSERT_OK(cg_write("oom", "memory.max", "%llu", 256 * MB),
		       "memory.max: room"))
		return false;
	reader = hog_start_reading(rel, file, 0, bytes, false);
	if (!ASSERT_GT(reader, 0, "page cache reader") ||
	    !ASSERT_GE(cg_read_key(rel, "memory.stat", "file"), bytes * 9 / 10,
		       "page cache charged"))
		return false;
	err = cg_write(rel, "memory.reclaim", "%llu", 2ULL * bytes);
	if (!ASSERT_TRUE(!err || err == -EAGAIN, "memory.reclaim") ||
	    !ASSERT_LE(cg_read_key(rel, "memory.stat", "file"), 64 * KB,
		       "page cache dropped") ||
	    !ASSERT_GE(pgscan(rel) - before, (long long)(bytes / 4096) * 9 / 10,
		       "pages scanned"))
		return false;
	test_log("%s: pgscan +%lld\n", rel, pgscan(rel) - before);
	return true;
}

/*
 * One OOM: oom is left room for 4 MB more, then an 8 MB hog in @cause
 * (its pid to *@cause_pid) overflows it. The hog @victim of leaf @rel must
 * die, and @policy's one kill record since the last drain name @rel;
 * it is copied to @rec.
 */
static bool oom_once(const char *policy, const char *cause, pid_t *cause_pid,
		     pid_t victim, const char *rel, struct oomkit_event *rec)
{
	unsigned long long cur = cg_read_long("oom", "memory.current");
	struct oomkit_event ev[16];
	char what[64];
	int nr;

	if (!ASSERT_OK(cg_write("oom", "memory.max", "%llu", cur + 4 * MB),
		       "memory.max: 4 MB left"))
		return false;
	*cause_pid = hog_start(cause, 8 * MB, 0);
	snprintf(what, sizeof(what), "%s killed", rel);
	if (!ASSERT_TRUE(hog_killed(victim), what))
		return false;
	nr = policy_events(policy, ev, 16);
	if (!ASSERT_EQ(event_count(ev, nr, OOMKIT_DEC_KILL_TASK), 1,
		       "one kill record"))
		return false;
	*rec = *event_find(ev, nr, OOMKIT_DEC_KILL_TASK);
	return ASSERT_EQ(rec->victim_cgroup_id, cg_id(rel), "victim cgroup");
}

/* The growth quoted in a record's reason ("..., pgscan +N, ..."); -1 if absent. */
static long long reason_pgscan(const struct oomkit_event *rec)
{
	const char *p = strstr(rec->reason, "pgscan +");

	return p ? strtoll(p + strlen("pgscan +"), NULL, 10) : -1;
}

/*
 * Among equal preferences, the leaf reclaim scanned since the previous
 * OOM dies first, and growth below pgscan_min_pages (1024 here) is none.
 * Under oom: big 32 MB, never scanned; old 8 MB, 32 MB of its page cache
 * scanned before OOM 1 and never after; new 12 MB; n 16 MB; p 8 MB,
 * preferred; t1..t3, 8 MB hogs that each cause one OOM.
 *   OOM 1: p, preferred, dies; the walk records every leaf's pgscan.
 *   16 MB of new's page cache scanned. OOM 2: new dies, though big is
 *   bigger; and old's count since creation is the biggest, so counting
 *   scans since creation (or not counting them) picks another leaf.
 *   1 MB of n's page cache scanned (256 pages). OOM 3: that is under
 *   pgscan_min_pages, so size decides: big dies, not n.
 */
TEST(preference_pgscan_growth_breaks_ties)
{
	char f_old[PATH_MAX], f_new[PATH_MAX], f_n[PATH_MAX];
	pid_t p, big, old, new, n, t1 = -1, t2 = -1, t3 = -1;
	struct oomkit_event rec;

	if (!ASSERT_OK(scenario_begin_tree("preference_pgscan", 256 * MB, "p",
					   "big", "old", "new", "n", "t1", "t2",
					   "t3", NULL),
		       "setup") ||
	    !ASSERT_OK(scratch_file("old", 32 * MB, f_old, sizeof(f_old)),
		       "scratch file old") ||
	    !ASSERT_OK(scratch_file("new", 16 * MB, f_new, sizeof(f_new)),
		       "scratch file new") ||
	    !ASSERT_OK(scratch_file("n", 1 * MB, f_n, sizeof(f_n)),
		       "scratch file n"))
		goto cleanup;
	if (!ASSERT_OK(policy_load(POLICY, cg_setting("prefer", "oom/p"),
				   "pgscan_min_pages=1024", NULL),
		       "policy load"))
		goto cleanup;
	p = hog_start("oom/p", 8 * MB, 0);
	big = hog_start("oom/big", 32 * MB, 0);
	old = hog_start("oom/old", 8 * MB, 0);
	new = hog_start("oom/new", 12 * MB, 0);
	n = hog_start("oom/n", 16 * MB, 0);
	if (!ASSERT_TRUE(hog_alive(p) && hog_alive(big) && hog_alive(old) &&
				 hog_alive(new) && hog_alive(n),
			 "hogs ready"))
		goto cleanup;

	/* OOM 1: preference first; the baseline of every leaf's scans. */
	if (!scan_pages("oom/old", f_old, 32 * MB) ||
	    !oom_once(POLICY, "oom/t1", &t1, p, "oom/p", &rec))
		goto cleanup;
	ASSERT_EQ(rec.score, 1, "OOM 1: preferred");

	/* OOM 2: new was scanned since OOM 1, old only before. */
	if (!scan_pages("oom/new", f_new, 16 * MB))
		goto cleanup;
	ASSERT_GT(pgscan("oom/old"), pgscan("oom/new"),
		  "old scanned more since creation");
	if (!oom_once(POLICY, "oom/t2", &t2, new, "oom/new", &rec))
		goto cleanup;
	ASSERT_EQ(rec.score, 0, "OOM 2: no preference");
	ASSERT_GE(reason_pgscan(&rec), 1024,
		  "OOM 2: growth quoted in the reason");
	ASSERT_LT(rec.victim_bytes, 16 * MB, "OOM 2: not the biggest");

	/* OOM 3: n's growth is under pgscan_min_pages; big is the biggest. */
	if (!scan_pages("oom/n", f_n, 1 * MB) ||
	    !oom_once(POLICY, "oom/t3", &t3, big, "oom/big", &rec))
		goto cleanup;
	ASSERT_EQ(reason_pgscan(&rec), 0, "OOM 3: no growth counted");

	ASSERT_TRUE(hog_alive(old) && hog_alive(n), "old and n survive");
	ASSERT_TRUE(hog_alive(t1) && hog_alive(t2) && hog_alive(t3),
		    "the OOMs' causes survive");
	ASSERT_EQ(oom_kills("oom/p") + oom_kills("oom/new") +
			  oom_kills("oom/big"),
		  3, "p, new, big oom_kill");
	ASSERT_EQ(oom_kills("oom/old") + oom_kills("oom/n"), 0,
		  "old, n oom_kill");
	ASSERT_EQ(oom_kills("oom"), 3, "three OOM kills");
	ASSERT_EQ(policy_stat(POLICY, OOMKIT_STAT_KILLS), 3, "kills counter");

cleanup:
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}

/*
 * Writes oom's memory.max from a child and ends the write once an OOM of
 * it found s pending: the kernel's write loops on OOMs until the usage
 * fits or a fatal signal comes. Left to run until the reaper frees s, one
 * of those OOMs straddles the reap: the policy finds s pending, the
 * kernel's selection a moment later finds s reaped (MMF_OOM_SKIP) and
 * kills b. Both follow one rule; only the moment differs. Ended at the
 * first pending OOM, well inside the reaper's 2 s delay, no OOM runs when
 * the reap happens.
 */
static int lower_max_until_pending(long long max, long long pending)
{
	int status = 0;
	pid_t child;
	bool seen;

	child = fork();
	if (child < 0)
		return -errno;
	if (!child)
		_exit(cg_write("oom", "memory.max", "%lld", max) ? 1 : 0);
	seen = WAIT_UNTIL(policy_stat(POLICY, OOMKIT_STAT_VICTIM_PENDING) >
					  pending ||
				  waitpid(child, &status, WNOHANG) == child,
			  OOM_TIMEOUT_MS);
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	if (!seen)
		return -ETIMEDOUT;
	return WIFEXITED(status) && WEXITSTATUS(status) ? -EIO : 0;
}

/*
 * An OOM that finds a victim still exiting is not a "previous OOM": its
 * walk stops at the victim, so baselines it took would cover only the
 * leaves before it. Under oom, in walk order: a, 8 MB and 16 MB of page
 * cache that limit reclaim leaves alone (memory.min); b, 40 MB; s, 16 MB,
 * preferred and starved of CPU, so it exits slowly; t, the OOM's cause.
 *   OOM 1: s dies; the walk records every leaf's pgscan.
 *   While s is pending: a's cache is reclaimed (4096 pages scanned), then
 *   a lower memory.max makes OOMs that find s pending; their walks see a.
 *   OOM 2 (t2's): a dies, scanned since OOM 1, though b is bigger.
 *   Baselines taken by the pending walks would leave a no growth and
 *   kill b.
 * s stays pending only until the OOM reaper takes its memory, 2 s after
 * the kill; the test checks the pending OOMs came after the scan, ends
 * them before the reap, and lets s exit before OOM 2.
 */
TEST(preference_pending_oom_keeps_baselines)
{
	pid_t a, b, s, t, t2;
	struct oomkit_event ev[256];
	const struct oomkit_event *last = NULL;
	long long pending, cur, before, killed, mark;
	char f_a[PATH_MAX];
	int err, nr, i;

	if (!ASSERT_OK(scenario_begin_tree("preference_pending", 256 * MB, "a",
					   "b", "s", "t", "t2", NULL),
		       "setup") ||
	    !ASSERT_OK(cg_create("busy"), "cg_create busy") ||
	    !ASSERT_OK(scratch_file("a", 16 * MB, f_a, sizeof(f_a)),
		       "scratch file a"))
		goto cleanup;
	if (!ASSERT_OK(policy_load(POLICY, cg_setting("prefer", "oom/s"),
				   "pgscan_min_pages=1024", NULL),
		       "policy load"))
		goto cleanup;
	a = hog_start_reading("oom/a", f_a, 8 * MB, 16 * MB, false);
	if (!ASSERT_TRUE(hog_alive(a), "a ready") ||
	    !ASSERT_GE(cg_read_key("oom/a", "memory.stat", "file"),
		       16 * MB * 9 / 10, "a's page cache") ||
	    !ASSERT_OK(cg_write("oom/a", "memory.min", "%llu", 64 * MB),
		       "a's memory.min"))
		goto cleanup;
	b = hog_start("oom/b", 40 * MB, 0);
	s = hog_start("oom/s", 16 * MB, 0);
	if (!ASSERT_TRUE(hog_alive(b) && hog_alive(s), "hogs ready") ||
	    !ASSERT_OK(slow_victim_begin("busy", s), "starve s"))
		goto cleanup;

	/* OOM 1: t, thawed, wants 8 MB where 4 MB are left. */
	cur = cg_read_long("oom", "memory.current");
	if (!ASSERT_OK(cg_write("oom", "memory.max", "%llu", cur + 4 * MB),
		       "memory.max: 4 MB left") ||
	    !ASSERT_OK(cg_freeze("oom/t", true), "freeze t"))
		goto cleanup;
	t = hog_start("oom/t", 8 * MB, 0);
	if (!ASSERT_GT(t, 0, "t") ||
	    !ASSERT_OK(cg_freeze("oom/t", false), "thaw t") ||
	    !ASSERT_TRUE(WAIT_UNTIL(oom_kills("oom/s") == 1, OOM_TIMEOUT_MS),
			 "OOM 1 kills s"))
		goto cleanup;
	killed = test_now_ms();

	/* s pending: scan a, then OOMs whose walks pass a and stop at s. */
	before = pgscan("oom/a");
	err = cg_write("oom/a", "memory.reclaim", "%llu", 32 * MB);
	if (!ASSERT_TRUE(!err || err == -EAGAIN, "memory.reclaim a") ||
	    !ASSERT_GE(pgscan("oom/a") - before, 4096 * 9 / 10,
		       "a's pages scanned"))
		goto cleanup;
	pending = policy_stat(POLICY, OOMKIT_STAT_VICTIM_PENDING);
	test_log("a scanned %lld ms after OOM 1's kill\n",
		 test_now_ms() - killed);
	/* Each OOM of the write's loop finds s pending. */
	cur = cg_read_long("oom", "memory.current");
	if (!ASSERT_OK(lower_max_until_pending(cur - 2 * MB, pending),
		       "memory.max: 2 MB less"))
		goto cleanup;
	ASSERT_GT(policy_stat(POLICY, OOMKIT_STAT_VICTIM_PENDING), pending,
		  "OOMs found s pending after a's scan");
	ASSERT_EQ(policy_stat(POLICY, OOMKIT_STAT_KILLS), 1,
		  "no kill while s is pending");
	/* s exits once it runs again: OOM 2 must not find it pending. */
	slow_victim_end();
	if (!ASSERT_TRUE(hog_killed(s), "s exits once it can run"))
		goto cleanup;
	/* Drains the ring (all of it, records past 256 dropped): room for OOM 2's. */
	policy_events(POLICY, ev, 256);

	/* OOM 2: an 8 MB hog where 4 MB are left. */
	cur = cg_read_long("oom", "memory.current");
	if (!ASSERT_OK(cg_write("oom", "memory.max", "%llu", cur + 4 * MB),
		       "memory.max: 4 MB left"))
		goto cleanup;
	mark = kmsg_mark();
	t2 = hog_start("oom/t2", 8 * MB, 0);
	ASSERT_TRUE(hog_killed(a), "a killed");
	oom_report_names(mark, POLICY);
	ASSERT_TRUE(hog_alive(t) && hog_alive(t2), "t and t2 survive");
	ASSERT_TRUE(hog_alive(b), "b survives");
	ASSERT_EQ(oom_kills("oom/a"), 1, "a oom_kill");
	ASSERT_EQ(oom_kills("oom/b"), 0, "b oom_kill");
	nr = policy_events(POLICY, ev, 256);
	for (i = 0; i < nr; i++)
		if (ev[i].decision == OOMKIT_DEC_KILL_TASK)
			last = &ev[i];
	if (ASSERT_TRUE(last != NULL, "OOM 2 kill record")) {
		ASSERT_EQ(last->victim_cgroup_id, cg_id("oom/a"),
			  "OOM 2 victim: a");
		ASSERT_GE(reason_pgscan(last), 4096 * 9 / 10,
			  "OOM 2: a's growth since OOM 1");
	}

cleanup:
	slow_victim_end();
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}

/*
 * M7: baselines for more candidates than a reading cap. preference built
 * with PGSCAN_MAX_CGROUPS 4 (build/selftests/policies/preference_cap4.bpf.o,
 * for a build that caps readings). Under oom, in walk order: p 8 MB,
 * preferred; a..e 8 MB each, equal preference; t1, t2, the OOMs' causes.
 * 32 MB of e's page cache are scanned before OOM 1.
 *   OOM 1: p dies; the walk reads every candidate's pgscan, e's too.
 *   16 MB of a's page cache scanned. OOM 2: a dies, the only leaf
 *   scanned since OOM 1. A cap of 4 readings keeps baselines for p, a, b
 *   and c only; e then counts every scan since its creation (8192 pages,
 *   more than a's 4096) and dies instead.
 */
TEST(preference_pgscan_baselines_past_reading_cap)
{
	char f_a[PATH_MAX], f_e[PATH_MAX], obj[PATH_MAX];
	pid_t p, a, b, c, d, e, t1 = -1, t2 = -1;
	struct oomkit_event rec;

	snprintf(obj, sizeof(obj), "%s",
		 build_path("selftests/policies/preference_cap4.bpf.o"));
	if (!ASSERT_OK(scenario_begin_tree("preference_cap", 256 * MB, "p", "a",
					   "b", "c", "d", "e", "t1", "t2",
					   NULL),
		       "setup") ||
	    !ASSERT_OK(scratch_file("a", 16 * MB, f_a, sizeof(f_a)),
		       "scratch file a") ||
	    !ASSERT_OK(scratch_file("e", 32 * MB, f_e, sizeof(f_e)),
		       "scratch file e"))
		goto cleanup;
	if (!ASSERT_OK(policy_load(obj, cg_setting("prefer", "oom/p"),
				   "pgscan_min_pages=1024", NULL),
		       "policy load (reading cap 4)"))
		goto cleanup;
	p = hog_start("oom/p", 8 * MB, 0);
	a = hog_start("oom/a", 8 * MB, 0);
	b = hog_start("oom/b", 8 * MB, 0);
	c = hog_start("oom/c", 8 * MB, 0);
	d = hog_start("oom/d", 8 * MB, 0);
	e = hog_start("oom/e", 8 * MB, 0);
	if (!ASSERT_TRUE(hog_alive(p) && hog_alive(a) && hog_alive(b) &&
				 hog_alive(c) && hog_alive(d) && hog_alive(e),
			 "hogs ready"))
		goto cleanup;

	/* OOM 1: preference first; e's old scans become its baseline. */
	if (!scan_pages("oom/e", f_e, 32 * MB) ||
	    !oom_once(CAP4, "oom/t1", &t1, p, "oom/p", &rec))
		goto cleanup;

	/* OOM 2: only a was scanned since OOM 1. */
	if (!scan_pages("oom/a", f_a, 16 * MB))
		goto cleanup;
	ASSERT_GT(pgscan("oom/e"), pgscan("oom/a"),
		  "e scanned more since creation");
	if (!oom_once(CAP4, "oom/t2", &t2, a, "oom/a", &rec))
		goto cleanup;
	ASSERT_GE(reason_pgscan(&rec), 1024, "OOM 2: a's growth quoted");
	ASSERT_TRUE(hog_alive(b) && hog_alive(c) && hog_alive(d) &&
			    hog_alive(e),
		    "b, c, d, e survive");
	ASSERT_EQ(oom_kills("oom/e"), 0, "e oom_kill");

cleanup:
	ASSERT_EQ(scenario_end(CAP4, NULL), 0, "nr_dying_descendants");
}
