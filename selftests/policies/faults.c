// SPDX-License-Identifier: GPL-2.0
/* Faults, as figures: OOM storms under cgroup churn, under policy reloads, and with 'oomkit run' SIGKILLed. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "cli.h"
#include "hog.h"
#include "kmsg.h"
#include "report.h"
#include "scenario.h"
#include "test.h"

#define POLICY "biggest-cgroup"
/* The "Killed process" line is never ratelimited: one per kill, naming who chose. */
#define POLICY_KILL POLICY ": Killed process"
#define KERNEL_KILL "Memory cgroup out of memory: Killed process"
/*
 * The report's header, with the record naming the policy (report.h), is
 * ratelimited (10 per 5 s): it is waited for, never counted against the
 * kills.
 */
#define PIN_ROOT "/sys/fs/bpf/oomkit"

/* Storm hogs grow 1 MB at a time up to their cgroup's limit. */
#define STORM_STEP (1 * MB)
#define STORM_MAX  (16 * MB)
/* A storm hog still alive after this is an OOM lost (or a hung guest). */
#define HOG_DEATH_MS 60000
/* Waits for a few storm OOMs: several hog lifetimes under a loaded TCG host. */
#define OOMS_WAIT_MS 120000
/* Link and map release is deferred to a workqueue and RCU. */
#define DETACH_WAIT_MS 30000
/* The probe at the end: a cgroup, a 16 MB allocation in it, its removal. */
#define RESPONSIVE_MS 30000

#define CHURN_OOMS    30
#define CHURN_CGROUPS 200
/* Churn cgroups alive at once: their tasks stay far smaller than the storm's leaf. */
#define CHURN_LIVE    4
#define CHURN_TASK    (1 * MB)
#define CHURN_MAX     (8 * MB)
#define CHURN_WAIT_MS 240000
/* Decision records read back: the ring buffer holds ~600. */
#define MAX_EVENTS 256

#define RELOAD_CYCLES 10
#define RUN_KILLS     3

/*
 * What the storm and churn children share with the test, in a shared
 * anonymous mapping; read and written with __atomic builtins.
 */
struct faults {
	const char *storm_rel; /* the storm hogs' cgroup */
	int stop; /* test -> children: finish the current step, exit */
	int ooms; /* storm hogs OOM-killed so far */
	int lost; /* storm hogs that outlived HOG_DEATH_MS or died otherwise */
	int storm_err; /* hog_start_growing()'s negative errno */
	int churned;   /* churn cgroups created (and later removed) */
	int churn_removed;
	int churn_tasks; /* of those, how many held a task */
	int churn_bad; /* a churn task found dead, or a churn cgroup with an oom_kill */
	int churn_err; /* the first negative errno of a churn step */
	int churn_done;
};

static int get(const int *v)
{
	return __atomic_load_n(v, __ATOMIC_ACQUIRE);
}

static void set(int *v, int val)
{
	__atomic_store_n(v, val, __ATOMIC_RELEASE);
}

static void inc(int *v)
{
	__atomic_add_fetch(v, 1, __ATOMIC_ACQ_REL);
}

/* What the tests count in the kernel log, from the test's start. */
enum log_key {
	LOG_POLICY_KILL,
	LOG_KERNEL_KILL,
	LOG_POLICY_REPORT,
	LOG_DEFAULT_REPORT,
	LOG_REPORT, /* every OOM report printed (ratelimited) */
	LOG_BAD,    /* dmesg_bad_patterns, summed */
	NR_LOG_KEYS,
};

struct tally {
	int n[NR_LOG_KEYS];
};

/*
 * One reader of /dev/kmsg that keeps its place (kmsg_follow()): a look
 * reads only the records printed since the last one. kmsg_count() reads
 * the whole log each time, ~1.3 s at 50k records under TCG, and a storm
 * prints ~80 records per OOM report: polled, it made a reload cycle take
 * 30 s.
 */
#define MAX_PATTERNS 16
static const char *log_patterns[MAX_PATTERNS + 1];
static int log_counts[MAX_PATTERNS];
static int log_errors;
static int log_fd = -1;

static int log_open(void)
{
	static char policy_report[64], default_report[64];
	const char *keys[LOG_BAD] = {
		[LOG_POLICY_KILL] = POLICY_KILL,
		[LOG_KERNEL_KILL] = KERNEL_KILL,
		[LOG_POLICY_REPORT] = report_names(POLICY, policy_report,
						   sizeof(policy_report)),
		[LOG_DEFAULT_REPORT] = report_names("default", default_report,
						    sizeof(default_report)),
		[LOG_REPORT] = REPORT_HEADER,
	};
	int i, n = 0;

	/* level 2 names no one when the kernel chose: count handler records */
	if (!keys[LOG_DEFAULT_REPORT])
		keys[LOG_DEFAULT_REPORT] = report_any_handler();

	for (i = 0; i < LOG_BAD; i++)
		log_patterns[n++] = keys[i];
	for (i = 0; dmesg_bad_patterns[i] && n < MAX_PATTERNS; i++)
		log_patterns[n++] = dmesg_bad_patterns[i];
	log_patterns[n] = NULL;
	memset(log_counts, 0, sizeof(log_counts));
	log_errors = 0;
	log_fd = kmsg_follow();
	return log_fd < 0 ? log_fd : 0;
}

static void log_close(void)
{
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
}

/* The counts now, after reading what the kernel printed since the last look. */
static struct tally log_now(void)
{
	struct tally t = {};
	int i, err;

	err = kmsg_follow_count(log_fd, log_patterns, log_counts);
	if (err < 0) {
		/* a log we cannot read is not a clean one */
		printf("# can't read /dev/kmsg: %s\n", strerror(-err));
		log_errors++;
	}
	for (i = 0; i < LOG_BAD; i++)
		t.n[i] = log_counts[i];
	if (report_any_handler())
		t.n[LOG_DEFAULT_REPORT] =
			log_counts[LOG_REPORT] - log_counts[LOG_DEFAULT_REPORT];
	t.n[LOG_BAD] = log_errors;
	for (i = LOG_BAD; log_patterns[i]; i++)
		t.n[LOG_BAD] += log_counts[i];
	return t;
}

/* How many records of @key the kernel printed since the tally @from. */
static int since(const struct tally *from, enum log_key key)
{
	return log_now().n[key] - from->n[key];
}

static struct faults *faults_new(const char *storm_rel)
{
	struct faults *f;

	f = mmap(NULL, sizeof(*f), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (f == MAP_FAILED)
		return NULL;
	memset(f, 0, sizeof(*f));
	f->storm_rel = storm_rel;
	return f;
}

/*
 * Forks a child running @fn: it dies with the test (PDEATHSIG), and its
 * hogs with it, so a test the runner kills on timeout leaves no storm.
 */
static pid_t child_start(void (*fn)(struct faults *f), struct faults *f)
{
	pid_t parent = getpid(), pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	fn(f);
	hog_kill_all();
	_exit(0);
}

/* Tells the children to stop and reaps @pid; a child stuck past 60 s is killed. */
static int child_stop(struct faults *f, pid_t pid)
{
	int status;

	if (pid <= 0)
		return 0;
	set(&f->stop, 1);
	if (!WAIT_UNTIL(waitpid(pid, &status, WNOHANG) == pid, HOG_DEATH_MS)) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return -ETIMEDOUT;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/*
 * The storm: one hog at a time grows in storm_rel until an OOM kills it,
 * then the next starts. A hog is reaped before the next one starts, so no
 * OOM ever finds an earlier victim still exiting: each OOM has exactly one
 * candidate and one right outcome.
 */
static void storm_main(struct faults *f)
{
	pid_t pid;
	int sig;

	while (!get(&f->stop)) {
		pid = hog_start_growing(f->storm_rel, STORM_STEP, 0);
		if (pid < 0) {
			set(&f->storm_err, pid);
			return;
		}
		sig = hog_wait(pid, HOG_DEATH_MS);
		if (sig != SIGKILL) {
			inc(&f->lost);
			return;
		}
		inc(&f->ooms);
	}
}

/* A storm hog outlived its OOM, or could not start: the storm is over. */
static bool storm_broken(struct faults *f)
{
	return get(&f->lost) || get(&f->storm_err);
}

/* Until the storm has OOMed @n times in all; false on a lost hog or an error. */
static bool wait_ooms(struct faults *f, int n)
{
	bool ok =
		WAIT_UNTIL(get(&f->ooms) >= n || storm_broken(f), OOMS_WAIT_MS);

	ASSERT_EQ(get(&f->lost), 0, "storm hogs not OOM-killed in time");
	ASSERT_EQ(get(&f->storm_err), 0, "storm hog start");
	return ASSERT_TRUE(ok && get(&f->ooms) >= n, "the storm goes on");
}

/* Until @n kill lines of the policy follow the tally @from. */
static bool wait_policy_kills(struct faults *f, const struct tally *from, int n)
{
	return WAIT_UNTIL(since(from, LOG_POLICY_KILL) >= n || storm_broken(f),
			  OOMS_WAIT_MS) &&
	       !storm_broken(f);
}

/* Entries under the CLI's pin root; none when it does not exist. */
static int nr_pins(void)
{
	struct dirent *de;
	DIR *dir;
	int n = 0;

	dir = opendir(PIN_ROOT);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dir)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(dir);
	return n;
}

static bool struct_ops_back_to(int links, int maps)
{
	return nr_struct_ops_links() == links && nr_struct_ops_maps() == maps;
}

/* Nothing of a policy is left in the kernel: no struct_ops link, no struct_ops map, no pin. */
static bool nothing_attached(int links, int maps)
{
	bool gone = WAIT_UNTIL(struct_ops_back_to(links, maps), DETACH_WAIT_MS);

	ASSERT_EQ(nr_struct_ops_links(), links,
		  "struct_ops links (as bpftool link show lists them)");
	ASSERT_EQ(nr_struct_ops_maps(), maps,
		  "struct_ops maps (as bpftool struct_ops show lists them)");
	return ASSERT_EQ(nr_pins(), 0, "entries under " PIN_ROOT) && gone;
}

/*
 * After the policy's link is gone (and with it, its struct_ops map, which
 * the link releases only after unregistering the handler): the next two
 * storm OOMs are the kernel's, and no report names a policy.
 */
static bool next_ooms_are_the_kernels(struct faults *f)
{
	struct tally mark = log_now();
	bool ok;

	ok = wait_ooms(f, get(&f->ooms) + 2);
	/* the report's header may be ratelimited: the storm prints another */
	ok &= ASSERT_TRUE(WAIT_UNTIL(since(&mark, LOG_DEFAULT_REPORT) > 0 ||
					     storm_broken(f),
				     OOMS_WAIT_MS),
			  "an OOM report names no policy");
	ok &= ASSERT_GE(since(&mark, LOG_KERNEL_KILL), 1,
			"kernel kills after the detach");
	ok &= ASSERT_EQ(since(&mark, LOG_POLICY_KILL), 0,
			"policy kills after the detach");
	ok &= ASSERT_EQ(since(&mark, LOG_POLICY_REPORT), 0,
			"reports naming the policy after the detach");
	return ok;
}

/*
 * Still usable after the faults: a cgroup is created, a fresh 16 MB hog
 * in it gets its memory and lives, and the cgroup is removed, in time.
 */
static bool guest_responsive(void)
{
	long long start = test_now_ms(), took;
	bool ok;
	pid_t pid;

	if (!ASSERT_OK(cg_create("probe"), "probe cgroup") ||
	    !ASSERT_OK(cg_write("probe", "memory.max", "%llu", 32 * MB),
		       "probe memory.max"))
		return false;
	pid = hog_start("probe", 16 * MB, 0);
	ok = ASSERT_TRUE(hog_alive(pid), "a fresh 16 MB allocation");
	if (pid > 0) {
		kill(pid, SIGKILL);
		ok &= ASSERT_EQ(hog_wait(pid, HOG_DEATH_MS), SIGKILL,
				"the probe hog ends");
	}
	ok &= ASSERT_OK(cg_remove("probe"), "probe cgroup removed");
	took = test_now_ms() - start;
	test_log("guest responsive: probe cgroup + 16 MB + rmdir in %lld ms",
		 took);
	return ASSERT_LT(took, RESPONSIVE_MS, "ms for the probe") && ok;
}

/* A churn cgroup: oom/c<n>, its task's leaf (itself or oom/c<n>/sub) and that task. */
struct churn_slot {
	char dir[32];
	char leaf[40];
	bool nested;
	pid_t pid;
};

static void churn_fail(struct faults *f, int err)
{
	/* keep the first error: the later ones follow from it */
	__atomic_compare_exchange_n(&f->churn_err, &(int){ 0 }, err, false,
				    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* Checks the slot's task is alive and nothing in it was OOM-killed, then removes it. */
static void churn_remove(struct faults *f, struct churn_slot *s)
{
	int err;

	if (!s->dir[0])
		return;
	if (oom_kills(s->leaf) != 0)
		inc(&f->churn_bad);
	if (s->pid > 0) {
		if (hog_wait(s->pid, 0) != -ETIMEDOUT)
			inc(&f->churn_bad);
		kill(s->pid, SIGKILL);
		/* reaped first: a zombie would keep the memcg */
		if (hog_wait(s->pid, HOG_DEATH_MS) < 0)
			churn_fail(f, -ETIMEDOUT);
	}
	if (s->nested) {
		err = cg_remove(s->leaf);
		if (err)
			churn_fail(f, err);
		else
			inc(&f->churn_removed);
	}
	err = cg_remove(s->dir);
	if (err)
		churn_fail(f, err);
	else
		inc(&f->churn_removed);
	memset(s, 0, sizeof(*s));
}

/* More of the churn done than of the storm: churned/CHURN_CGROUPS > ooms/CHURN_OOMS. */
static bool churn_ahead(struct faults *f)
{
	return get(&f->churned) * CHURN_OOMS > get(&f->ooms) * CHURN_CGROUPS;
}

/*
 * The churn: CHURN_CGROUPS cgroups created and removed under oom/, beside
 * the storm's leaf, so the policy's walk of oom/ meets them appearing and
 * going. Paced to the storm, they spread over its first CHURN_OOMS OOMs.
 * Every second has memory.max, every fifth a child that holds the task,
 * every third a 1 MB task (whose charge may itself be an OOM of oom/; the
 * storm's leaf is still the biggest). At most CHURN_LIVE live at once.
 */
static void churn_main(struct faults *f)
{
	struct churn_slot slots[CHURN_LIVE] = {};
	struct churn_slot *s;
	int i, err;

	for (i = 0; get(&f->churned) < CHURN_CGROUPS && !get(&f->stop); i++) {
		while (churn_ahead(f) && !get(&f->stop))
			test_sleep_ms(10);
		s = &slots[i % CHURN_LIVE];
		churn_remove(f, s);

		snprintf(s->dir, sizeof(s->dir), "oom/c%d", i);
		snprintf(s->leaf, sizeof(s->leaf), "oom/c%d", i);
		err = cg_create(s->dir);
		if (err)
			goto fail;
		inc(&f->churned);
		if (i % 2) {
			err = cg_write(s->dir, "memory.max", "%llu", CHURN_MAX);
			if (err)
				goto fail;
		}
		if (i % 5 == 4 && get(&f->churned) < CHURN_CGROUPS) {
			snprintf(s->leaf, sizeof(s->leaf), "oom/c%d/sub", i);
			err = cg_create(s->leaf);
			if (err)
				goto fail;
			s->nested = true;
			inc(&f->churned);
		}
		if (i % 3 == 0) {
			s->pid = hog_start(s->leaf, CHURN_TASK, 0);
			if (s->pid < 0) {
				err = s->pid;
				goto fail;
			}
			inc(&f->churn_tasks);
		}
	}
	for (i = 0; i < CHURN_LIVE; i++)
		churn_remove(f, &slots[i]);
	set(&f->churn_done, 1);
	return;
fail:
	churn_fail(f, err);
	for (i = 0; i < CHURN_LIVE; i++)
		churn_remove(f, &slots[i]);
}

/*
 * The storm of the reload and SIGKILL tests: its hogs in storm/, alone
 * under STORM_MAX, with no policy loaded yet. Called in a begun scenario.
 */
static struct faults *storm_setup(void)
{
	struct faults *f;

	if (!ASSERT_OK(cg_create("storm"), "cg_create storm") ||
	    !ASSERT_OK(cg_write("storm", "memory.max", "%llu", STORM_MAX),
		       "memory.max"))
		return NULL;
	f = faults_new("storm");
	if (!ASSERT_OK_PTR(f, "shared state"))
		return NULL;
	return f;
}

/*
 * Starts the storm child and waits for its first OOM, so that what the
 * test does next happens mid-storm. *@storm is set even on a failed wait,
 * for the cleanup to stop the child.
 */
static bool storm_start(struct faults *f, pid_t *storm, struct tally *start,
			long long *start_ms)
{
	*start = log_now();
	*start_ms = test_now_ms();
	*storm = child_start(storm_main, f);
	return ASSERT_GT(*storm, 0, "storm child") && wait_ooms(f, 1);
}

/* Stops the storm child; returns its OOMs, *@t the kmsg tally at the stop. */
static int storm_stop(struct faults *f, pid_t *storm, struct tally *t)
{
	int ooms;

	ASSERT_EQ(child_stop(f, *storm), 0, "storm child exit");
	*storm = -1;
	ooms = get(&f->ooms);
	*t = log_now();
	return ooms;
}

/* No OOM of the storm in storm/ lost: each hog killed, once, by one side. */
static void storm_accounted(struct faults *f, const struct tally *t, int ooms)
{
	ASSERT_EQ(get(&f->lost), 0, "storm hogs not OOM-killed in time");
	ASSERT_EQ(get(&f->storm_err), 0, "storm hog start");
	ASSERT_EQ(oom_kills("storm"), ooms,
		  "storm oom_kill: one per storm hog");
	ASSERT_EQ(t->n[LOG_POLICY_KILL] + t->n[LOG_KERNEL_KILL], ooms,
		  "kill lines: every OOM killed once, by one side");
}

/* Undoes storm_setup() and storm_start(), whichever part of them was done. */
static void storm_cleanup(struct faults *f, pid_t storm)
{
	log_close();
	if (f) {
		child_stop(f, storm);
		munmap(f, sizeof(*f));
	}
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}

/*
 * Issue 9: CHURN_OOMS memcg OOMs in oom/ (24 MB) under biggest-cgroup,
 * while CHURN_CGROUPS cgroups are created and removed beside the storm's
 * leaf. Every OOM is the policy's and kills the storm hog (oom/'s
 * hierarchical oom_kill equals the storm's: no churn task died, removed
 * cgroups included), no kill fails, the churn succeeds step by step.
 */
TEST(oom_storm_survives_cgroup_churn)
{
	static struct oomkit_event ev[MAX_EVENTS];
	int ooms, nr, i, elsewhere = 0;
	pid_t storm = -1, churn = -1;
	struct tally start, t;
	struct faults *f = NULL;
	long long start_ms;

	if (!ASSERT_OK(scenario_begin("storm_churn"), "scenario_begin"))
		goto cleanup;
	if (!ASSERT_OK(cg_create("oom"), "cg_create oom") ||
	    !ASSERT_OK(cg_write("oom", "memory.max", "%llu", 24 * MB),
		       "memory.max") ||
	    !ASSERT_OK(cg_create("oom/storm"), "cg_create storm"))
		goto cleanup;
	f = faults_new("oom/storm");
	if (!ASSERT_OK_PTR(f, "shared state"))
		goto cleanup;
	if (!ASSERT_OK(log_open(), "kmsg reader") ||
	    !ASSERT_OK(policy_load(POLICY, NULL), "policy load"))
		goto cleanup;

	start = log_now();
	start_ms = test_now_ms();
	churn = child_start(churn_main, f);
	storm = child_start(storm_main, f);
	if (!ASSERT_GT(churn, 0, "churn child") ||
	    !ASSERT_GT(storm, 0, "storm child"))
		goto cleanup;
	while (!get(&f->churn_done) || get(&f->ooms) < CHURN_OOMS) {
		if (storm_broken(f) || get(&f->churn_err) ||
		    test_now_ms() - start_ms > CHURN_WAIT_MS)
			break;
		test_sleep_ms(100);
	}
	ASSERT_EQ(child_stop(f, churn), 0, "churn child exit");
	churn = -1;
	ooms = storm_stop(f, &storm, &t);
	test_log("figures: %d OOMs handled by %s, %d cgroups churned "
		 "(%d removed, %d with a task), %d OOM reports, "
		 "%d WARN lines, %lld ms",
		 t.n[LOG_POLICY_KILL], POLICY, get(&f->churned),
		 get(&f->churn_removed), get(&f->churn_tasks), t.n[LOG_REPORT],
		 t.n[LOG_BAD], test_now_ms() - start_ms);

	ASSERT_EQ(get(&f->lost), 0, "storm hogs not OOM-killed in time");
	ASSERT_EQ(get(&f->storm_err), 0, "storm hog start");
	ASSERT_OK(get(&f->churn_err), "churn steps");
	ASSERT_EQ(get(&f->churn_done), 1, "churn finished");
	ASSERT_EQ(get(&f->churned), CHURN_CGROUPS, "cgroups churned");
	ASSERT_EQ(get(&f->churn_removed), CHURN_CGROUPS,
		  "churn cgroups removed");
	ASSERT_EQ(get(&f->churn_bad), 0, "churn tasks dead or OOM-killed");
	ASSERT_GE(ooms, CHURN_OOMS, "storm OOMs");
	ASSERT_EQ(oom_kills("oom/storm"), ooms,
		  "storm oom_kill: each kill in the storm's leaf");
	ASSERT_EQ(oom_kills("oom"), ooms,
		  "oom oom_kill (hierarchical, removed cgroups too)");
	ASSERT_EQ(since(&start, LOG_POLICY_KILL), ooms,
		  "kill lines of the policy");
	ASSERT_EQ(since(&start, LOG_KERNEL_KILL), 0,
		  "kill lines of the kernel");
	ASSERT_GE(since(&start, LOG_POLICY_REPORT), 1,
		  "reports naming " POLICY);
	ASSERT_EQ(since(&start, LOG_DEFAULT_REPORT), 0,
		  "reports naming no policy (the kernel's)");
	ASSERT_EQ(policy_stat(POLICY, OOMKIT_STAT_KILLS), ooms,
		  "kills counter");
	ASSERT_EQ(policy_stat(POLICY, OOMKIT_STAT_KILL_FAILED), 0,
		  "kill_failed counter");
	nr = policy_events(POLICY, ev, MAX_EVENTS);
	ASSERT_EQ(event_count(ev, nr, OOMKIT_DEC_KILL_TASK), ooms,
		  "kill-task records");
	for (i = 0; i < nr; i++)
		if (ev[i].decision == OOMKIT_DEC_KILL_TASK)
			elsewhere += ev[i].victim_cgroup_id !=
				     cg_id("oom/storm");
	ASSERT_EQ(elsewhere, 0,
		  "kill-task records with a victim outside the storm's leaf");
	test_log("%d records: %d kill-task, %d victim-pending", nr,
		 event_count(ev, nr, OOMKIT_DEC_KILL_TASK),
		 event_count(ev, nr, OOMKIT_DEC_VICTIM_PENDING));
	guest_responsive();
	ASSERT_EQ(since(&start, LOG_BAD), 0, "WARNING/BUG records in dmesg");

cleanup:
	log_close();
	if (f) {
		child_stop(f, churn);
		child_stop(f, storm);
		munmap(f, sizeof(*f));
	}
	ASSERT_EQ(scenario_end(POLICY, NULL), 0, "nr_dying_descendants");
}

/*
 * One load/unload cycle during the storm. From the load's return every
 * OOM is the policy's (the attach takes oom_lock: no OOM runs across it);
 * from the unload's return, with the link and its map gone, every OOM is
 * the kernel's.
 */
static bool reload_cycle(struct faults *f, int links, int maps)
{
	struct tally loaded;
	bool ok;

	if (!ASSERT_OK(policy_load(POLICY, NULL), "policy load"))
		return false;
	loaded = log_now();
	ok = ASSERT_TRUE(pin_exists(POLICY), "pinned");
	ok &= ASSERT_EQ(nr_struct_ops_links(), links + 1,
			"attached: one struct_ops link");
	ok &= wait_ooms(f, get(&f->ooms) + 2);
	ok &= ASSERT_TRUE(WAIT_UNTIL(since(&loaded, LOG_POLICY_REPORT) > 0 ||
					     storm_broken(f),
				     OOMS_WAIT_MS),
			  "an OOM report names the policy");
	ok &= ASSERT_GE(since(&loaded, LOG_POLICY_KILL), 1,
			"policy kills while loaded");
	ok &= ASSERT_EQ(since(&loaded, LOG_KERNEL_KILL), 0,
			"kernel kills while loaded");
	ok &= ASSERT_EQ(since(&loaded, LOG_DEFAULT_REPORT), 0,
			"reports of the kernel's choice while loaded");
	ok &= ASSERT_EQ(policy_stat(POLICY, OOMKIT_STAT_KILL_FAILED), 0,
			"kill_failed counter");
	if (!ok)
		return false;

	if (!ASSERT_OK(oomkit("policy", "unload", POLICY, NULL),
		       "policy unload"))
		return false;
	return nothing_attached(links, maps) && next_ooms_are_the_kernels(f);
}

/*
 * Issue 9: RELOAD_CYCLES `oomkit policy load/unload biggest-cgroup` while
 * an OOM storm runs in storm/ (16 MB). Every cycle succeeds, each side of
 * it is handled by whom it should be, and no OOM is lost: every storm hog
 * dies, and the kills of both sides add up to the storm's oom_kill.
 */
TEST(policy_reload_during_oom_storm)
{
	int links, maps, cycles = 0, ooms;
	struct tally start, t;
	struct faults *f = NULL;
	long long start_ms;
	pid_t storm = -1;

	if (!ASSERT_OK(scenario_begin("reload_storm"), "scenario_begin"))
		goto cleanup;
	f = storm_setup();
	if (!f)
		goto cleanup;
	links = nr_struct_ops_links();
	maps = nr_struct_ops_maps();
	if (!ASSERT_OK(log_open(), "kmsg reader"))
		goto cleanup;

	if (!storm_start(f, &storm, &start, &start_ms))
		goto cleanup;
	for (; cycles < RELOAD_CYCLES; cycles++) {
		if (!reload_cycle(f, links, maps)) {
			test_log("cycle %d failed", cycles + 1);
			break;
		}
	}
	ooms = storm_stop(f, &storm, &t);
	test_log("figures: %d load/unload cycles survived, %d OOMs "
		 "(%d by %s, %d by the kernel), %d OOM reports, "
		 "%d WARN lines, %lld ms",
		 cycles, ooms, t.n[LOG_POLICY_KILL], POLICY,
		 t.n[LOG_KERNEL_KILL], t.n[LOG_REPORT], t.n[LOG_BAD],
		 test_now_ms() - start_ms);

	ASSERT_EQ(cycles, RELOAD_CYCLES, "load/unload cycles survived");
	storm_accounted(f, &t, ooms);
	ASSERT_GE(t.n[LOG_POLICY_KILL], cycles,
		  "policy kills: some in every cycle");
	ASSERT_GE(t.n[LOG_KERNEL_KILL], cycles,
		  "kernel kills: some after every unload");
	guest_responsive();
	ASSERT_EQ(since(&start, LOG_BAD), 0, "WARNING/BUG records in dmesg");

cleanup:
	storm_cleanup(f, storm);
}

/*
 * One `oomkit -j run biggest-cgroup`, SIGKILLed once its policy has killed
 * @kills storm hogs: it pinned nothing, so its link and map must die with
 * it, and the next OOMs are the kernel's.
 */
static bool run_sigkill_round(struct faults *f, int links, int maps, int kills,
			      int *lines)
{
	static char out[CLI_OUT_MAX];
	struct tally mark;
	int fd = -1;
	bool ok;
	pid_t run;

	mark = log_now();
	run = cli_spawn(&fd, NULL, "-j", "run", POLICY, NULL);
	if (!ASSERT_GT(run, 0, "spawn oomkit run"))
		return false;
	/* the link is listed a moment before it is registered: wait for its kills */
	ok = ASSERT_TRUE(WAIT_UNTIL(nr_struct_ops_links() == links + 1,
				    DETACH_WAIT_MS),
			 "attached: one struct_ops link");
	ok = ok && ASSERT_TRUE(wait_policy_kills(f, &mark, kills),
			       "the policy kills in the storm");
	ok &= ASSERT_FALSE(pin_exists(POLICY), "run pins nothing");

	kill(run, SIGKILL);
	ok &= ASSERT_EQ(cli_finish(run, fd, out, sizeof(out), HOG_DEATH_MS),
			128 + SIGKILL, "oomkit run died of SIGKILL");
	*lines = json_lines(out);
	return nothing_attached(links, maps) && next_ooms_are_the_kernels(f) &&
	       ok;
}

/*
 * Issue 9: `oomkit run biggest-cgroup` (foreground, no pins) SIGKILLed
 * mid-storm, RUN_KILLS times in a row: afterwards nothing stays attached
 * (no struct_ops link or map, nothing under the pin root) and the next
 * OOMs are the kernel's; no OOM is lost around the kills.
 */
TEST(run_sigkilled_mid_storm_detaches)
{
	int links, maps, rounds = 0, ooms, lines = 0;
	struct tally start, t;
	struct faults *f = NULL;
	long long start_ms;
	pid_t storm = -1;

	if (!ASSERT_OK(scenario_begin("run_sigkill"), "scenario_begin"))
		goto cleanup;
	f = storm_setup();
	if (!f)
		goto cleanup;
	links = nr_struct_ops_links();
	maps = nr_struct_ops_maps();
	if (!ASSERT_OK(log_open(), "kmsg reader"))
		goto cleanup;

	if (!storm_start(f, &storm, &start, &start_ms))
		goto cleanup;
	for (; rounds < RUN_KILLS; rounds++) {
		/* a different point of the storm each time */
		if (!run_sigkill_round(f, links, maps, 2 + rounds, &lines)) {
			test_log("round %d failed", rounds + 1);
			break;
		}
		test_log("round %d: %d decisions streamed before the SIGKILL",
			 rounds + 1, lines);
	}
	ooms = storm_stop(f, &storm, &t);
	test_log("figures: %d runs SIGKILLed mid-storm, %d OOMs "
		 "(%d by %s, %d by the kernel), %d WARN lines, %lld ms",
		 rounds, ooms, t.n[LOG_POLICY_KILL], POLICY,
		 t.n[LOG_KERNEL_KILL], t.n[LOG_BAD], test_now_ms() - start_ms);

	ASSERT_EQ(rounds, RUN_KILLS, "runs SIGKILLed and detached");
	storm_accounted(f, &t, ooms);
	guest_responsive();
	ASSERT_EQ(since(&start, LOG_BAD), 0, "WARNING/BUG records in dmesg");

cleanup:
	storm_cleanup(f, storm);
}
