// SPDX-License-Identifier: GPL-2.0
/* Host tests: 'oomkit events' on a pinned ring filled by a test program: --count, removed cgroups, bytes in names. */
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include <oomkit/intf.h>

#include "cli.h"
#include "test.h"

#define FAKE_DIR "/sys/fs/bpf/oomkit/fake"

static struct cli_res r;
static struct bpf_object *obj;

/* A pinned fake/oomkit_events (a new ring each time) and the program that fills it. */
static struct bpf_program *pin_fake_ring(void)
{
	struct bpf_map *map;

	bpf_object__close(obj);
	mkdir("/sys/fs/bpf/oomkit", 0700);
	if (!ASSERT_OK(mkdir(FAKE_DIR, 0700), "mkdir"))
		return NULL;
	obj = bpf_object__open_file(
		build_path("selftests/host/host_events.bpf.o"), NULL);
	if (!ASSERT_OK_PTR(obj, "open host_events") ||
	    !ASSERT_OK(bpf_object__load(obj), "load host_events"))
		return NULL;
	map = bpf_object__find_map_by_name(obj, "oomkit_events");
	if (!ASSERT_OK(bpf_map__pin(map, FAKE_DIR "/oomkit_events"),
		       "pin the ring"))
		return NULL;
	return bpf_object__find_program_by_name(obj, "host_emit");
}

/* The same, in a private bpffs; NULL on failure. */
static struct bpf_program *fake_ring(void)
{
	obj = NULL;
	if (!ASSERT_OK(private_bpffs(), "private bpffs"))
		return NULL;
	return pin_fake_ring();
}

static bool emit(struct bpf_program *prog, struct oomkit_event *e)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = e,
		    .ctx_size_in = sizeof(*e));

	return ASSERT_OK(bpf_prog_test_run_opts(bpf_program__fd(prog), &opts),
			 "run host_emit") &&
	       ASSERT_EQ(opts.retval, 0, "ringbuf_output");
}

static int nr_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* One poll drains every ready record: --count N printed them all. */
TEST(events_count_prints_at_most_n)
{
	struct bpf_program *prog = fake_ring();
	struct oomkit_event e = { .decision = OOMKIT_DEC_OBSERVE,
				  .trigger = OOMKIT_TRIG_OOM_MEMCG,
				  .victim_cgroup_id = 1ULL << 40 };

	if (!prog)
		goto out;
	strcpy(e.policy, "fake");
	for (int i = 0; i < 5; i++) {
		e.score = i;
		if (!emit(prog, &e))
			goto out;
	}
	if (!ASSERT_OK(CLI(&r, "-j", "events", "--count", "2", "--timeout",
			   "10"),
		       "events"))
		goto out;
	ASSERT_EQ(r.status, 0, "exit status");
	ASSERT_EQ(json_lines(r.out), 2, "--count 2: two records");
	ASSERT_HAS_SUBSTR(r.out, "\"score\":1,", "the first two");
	/* the rest stay in the ring for the next reader */
	if (!ASSERT_OK(CLI(&r, "events", "--count", "1", "--timeout", "10"),
		       "events"))
		goto out;
	ASSERT_EQ(nr_lines(r.out), 1, "--count 1: one line");
	ASSERT_HAS_SUBSTR(r.out, "victim=cgroup:1099511627776 ",
			  "a removed cgroup by id");
	if (!ASSERT_OK(CLI(&r, "-j", "events", "--count", "5", "--timeout",
			   "2"),
		       "events"))
		goto out;
	ASSERT_EQ(json_lines(r.out), 2, "the two left, then the timeout");
	ASSERT_HAS_SUBSTR(r.out, "\"score\":4,", "the last one");
out:
	bpf_object__close(obj);
}

/*
 * A task can name itself anything (prctl PR_SET_NAME): a comm with a
 * newline, a reason with a quote, bytes that are not UTF-8 must neither
 * add a line nor break the JSON.
 */
TEST(events_names_cannot_forge_a_line)
{
	struct bpf_program *prog = fake_ring();
	struct oomkit_event e = { .decision = OOMKIT_DEC_KILL_TASK,
				  .trigger = OOMKIT_TRIG_OOM_MEMCG,
				  .nr_pids = 1,
				  .pids = { 42 } };

	if (!prog)
		goto out;
	strcpy(e.policy, "fake");
	/* what a forged line would look like, after a newline */
	strcpy(e.comm, "x\n00:00 fake");
	strcpy(e.reason, "a \"b\\\" c\x1b[2J\xc2\x85\xff");
	if (!emit(prog, &e) || !emit(prog, &e))
		goto out;
	if (!ASSERT_OK(CLI(&r, "events", "--count", "1", "--timeout", "10"),
		       "events"))
		goto out;
	ASSERT_EQ(r.status, 0, "exit status");
	ASSERT_EQ(nr_lines(r.out), 1, "one record, one line");
	ASSERT_HAS_SUBSTR(r.out, " comm=x\\x0a00:00\\x20fake ",
			  "comm escaped, blanks too");
	ASSERT_HAS_SUBSTR(
		r.out,
		" reason=\"a \\x22b\\x5c\\x22 c\\x1b[2J\\xc2\\x85\\xff\"\n",
		"reason: quote, backslash, ESC, C1 and a stray byte escaped");
	if (!ASSERT_OK(CLI(&r, "-j", "events", "--count", "1", "--timeout",
			   "10"),
		       "events -j"))
		goto out;
	ASSERT_TRUE(json_valid(r.out), "valid JSON");
	ASSERT_HAS_SUBSTR(r.out, "\"comm\":\"x\\n00:00 fake\"", "comm in JSON");
	ASSERT_HAS_SUBSTR(r.out, "c\\u001b[2J\xc2\x85\\ufffd\"",
			  "ESC escaped, invalid byte U+FFFD");
out:
	bpf_object__close(obj);
}

/* A kill says its mode, why and how many died; an older record (nr_killed 0) prints as before. */
TEST(events_print_the_kill_mode)
{
	struct bpf_program *prog = fake_ring();
	struct oomkit_event e = { .decision = OOMKIT_DEC_KILL_CGROUP,
				  .trigger = OOMKIT_TRIG_OOM_MEMCG,
				  .nr_pids = 3,
				  .pids = { 42, 43, 44 },
				  .nr_killed = 3,
				  .kill_mode = OOMKIT_KILL_ESCALATE,
				  .kill_cause = OOMKIT_CAUSE_AGAIN,
				  .cause_value = 400000,
				  .cause_limit = 10000000 };
	struct oomkit_event small = e, group = e;

	if (!prog)
		goto out;
	strcpy(e.policy, "fake");
	small.kill_cause = OOMKIT_CAUSE_SMALL_TASK;
	small.cause_value = 3 << 20;
	small.cause_limit = 16 << 20;
	group.kill_mode = OOMKIT_KILL_TASK;
	group.kill_cause = OOMKIT_CAUSE_OOM_GROUP;
	group.group_cgroup_id = 1ULL << 40;
	if (!emit(prog, &e) || !emit(prog, &small) || !emit(prog, &group))
		goto out;
	if (!ASSERT_OK(CLI(&r, "events", "--count", "3", "--timeout", "10"),
		       "events"))
		goto out;
	ASSERT_EQ(r.status, 0, "exit status");
	ASSERT_HAS_SUBSTR(
		r.out,
		" pids=42,43,44 mode=escalate cause=chosen-again killed=3 "
		"why=\"escalated: chosen again 0.4 s after, within 10.0 s\"\n",
		"chosen again");
	ASSERT_HAS_SUBSTR(
		r.out,
		" cause=small-task killed=3 "
		"why=\"escalated: task would free 3.0 MiB < 16.0 MiB\"\n",
		"small task");
	ASSERT_HAS_SUBSTR(r.out,
			  " mode=task cause=oom-group killed=3 "
			  "why=\"memory.oom.group on cgroup:1099511627776\"\n",
			  "oom.group, its cgroup gone");
	if (!emit(prog, &e))
		goto out;
	if (!ASSERT_OK(CLI(&r, "-j", "events", "--count", "1", "--timeout",
			   "10"),
		       "events -j"))
		goto out;
	ASSERT_TRUE(json_valid(r.out), "valid JSON");
	ASSERT_HAS_SUBSTR(
		r.out,
		"\"kill_mode\":\"escalate\",\"kill_cause\":"
		"\"chosen-again\",\"kill_why\":\"escalated: chosen "
		"again 0.4 s after, within 10.0 s\",\"tasks_killed\":3,"
		"\"cause_value\":400000,\"cause_limit\":10000000}",
		"the fields in JSON");
	e.nr_killed = 0;
	if (!emit(prog, &e) ||
	    !ASSERT_OK(CLI(&r, "events", "--count", "1", "--timeout", "10"),
		       "events"))
		goto out;
	ASSERT_TRUE(!strstr(r.out, " mode="), "an older record: no mode");
out:
	bpf_object__close(obj);
}

/*
 * A pressure record that asks a reclaim prints it (text and JSON), and the
 * reader says in one line when the cgroup to reclaim from is gone.
 */
TEST(events_print_a_reclaim_and_skip_a_gone_cgroup)
{
	struct bpf_program *prog = fake_ring();
	struct oomkit_event e = { .decision = OOMKIT_DEC_PRESSURE,
				  .trigger = OOMKIT_TRIG_PSI,
				  .flags = OOMKIT_EVF_RECLAIM,
				  .reclaim_cgroup_id = 1ULL << 40,
				  .reclaim_bytes = 32 << 20 };
	char *nl;

	if (!prog)
		goto out;
	strcpy(e.policy, "fake");
	/* the deadline is the reader's clock's "later": boot ns far ahead */
	e.deadline_ns = 1ULL << 62;
	if (!emit(prog, &e) ||
	    !ASSERT_OK(CLI(&r, "events", "--count", "1", "--timeout", "10"),
		       "events"))
		goto out;
	ASSERT_EQ(r.status, 0, "exit status");
	ASSERT_HAS_SUBSTR(
		r.out, " reclaim=cgroup:1099511627776 reclaim_bytes=33554432",
		"the reclaim in the text");
	ASSERT_HAS_SUBSTR(
		r.err, "can't reclaim for 'fake': cgroup 1099511627776 is gone",
		"a gone cgroup is said");
	if (!emit(prog, &e) || !ASSERT_OK(CLI(&r, "-j", "events", "--count",
					      "1", "--timeout", "10"),
					  "events -j"))
		goto out;
	/* the record's line, then the reader's error as an object of its own */
	nl = strchr(r.out, '\n');
	if (ASSERT_TRUE(nl != NULL, "a record line"))
		*nl = '\0';
	ASSERT_TRUE(json_valid(r.out), "valid JSON");
	ASSERT_TRUE(nl && strstr(nl + 1,
				 "{\"error\":\"can't reclaim for 'fake'"),
		    "the error in JSON");
	ASSERT_HAS_SUBSTR(r.out,
			  "\"reclaim_cgroup_id\":1099511627776,\"reclaim\":"
			  "\"cgroup:1099511627776\",\"reclaim_bytes\":33554432",
			  "the reclaim in JSON");
out:
	bpf_object__close(obj);
}

/*
 * A pressure record read after its deadline asks no reclaim: the kernel
 * decides by then. (The reader once took the past deadline for one far
 * ahead, an unsigned difference, and reclaimed anyway.) 4 KiB from the
 * root, were it done: harmless on the host.
 */
TEST(events_reclaim_after_the_deadline_is_skipped)
{
	struct bpf_program *prog = fake_ring();
	struct oomkit_event e = { .decision = OOMKIT_DEC_PRESSURE,
				  .trigger = OOMKIT_TRIG_PSI,
				  .flags = OOMKIT_EVF_RECLAIM,
				  .reclaim_cgroup_id = 0,
				  .reclaim_bytes = 4096,
				  .deadline_ns = 1 };

	if (!prog)
		goto out;
	strcpy(e.policy, "fake");
	if (!emit(prog, &e) ||
	    !ASSERT_OK(CLI(&r, "events", "--count", "1", "--timeout", "10"),
		       "events"))
		goto out;
	ASSERT_EQ(r.status, 0, "exit status");
	ASSERT_HAS_SUBSTR(r.out, " reclaim=/ reclaim_bytes=4096",
			  "the reclaim in the text");
	ASSERT_TRUE(!strstr(r.err, "reclaim"), "no reclaim was started");
out:
	bpf_object__close(obj);
}

static void unpin_fake(void)
{
	unlink(FAKE_DIR "/oomkit_events");
	rmdir(FAKE_DIR);
}

/* A service's reader runs before, between and after the policies it reads. */
TEST(events_follows_policies_loaded_after_it_started)
{
	struct oomkit_event e = { .decision = OOMKIT_DEC_OBSERVE,
				  .trigger = OOMKIT_TRIG_OOM_MEMCG };
	struct bpf_program *prog;
	char out[8192];
	int fd = -1;
	pid_t pid;

	obj = NULL;
	if (!ASSERT_OK(private_bpffs(), "private bpffs"))
		return;
	pid = cli_spawn(&fd, NULL, "-j", "events", "--count", "2", "--timeout",
			"20", NULL);
	if (!ASSERT_GT(pid, 0, "start the reader"))
		return;
	test_sleep_ms(1500); /* it waits, with nothing loaded */
	prog = pin_fake_ring();
	strcpy(e.policy, "fake");
	e.score = 1;
	if (!prog || !emit(prog, &e))
		goto out;
	test_sleep_ms(2500); /* it found the policy and read the record */
	/* unloaded and loaded again: a new ring under the same name */
	unpin_fake();
	test_sleep_ms(1500);
	prog = pin_fake_ring();
	e.score = 2;
	if (!prog || !emit(prog, &e))
		goto out;
	ASSERT_EQ(cli_finish(pid, fd, out, sizeof(out), 15000), 0,
		  "exit after two records");
	pid = -1;
	ASSERT_EQ(json_lines(out), 2, "both records");
	ASSERT_HAS_SUBSTR(out, "\"score\":1,", "the first policy's record");
	ASSERT_HAS_SUBSTR(out, "\"score\":2,",
			  "the record of the policy loaded again");
out:
	if (pid > 0)
		cli_finish(pid, fd, out, sizeof(out), 0);
	bpf_object__close(obj);
}

/* Two readers of one ring would each get some records: one reads, one waits. */
TEST(events_one_reader_per_policy)
{
	struct oomkit_event e = { .decision = OOMKIT_DEC_OBSERVE,
				  .trigger = OOMKIT_TRIG_OOM_MEMCG };
	struct bpf_program *prog = fake_ring();
	char out[8192], expect[256];
	int fd = -1;
	pid_t pid;

	if (!prog)
		goto out;
	pid = cli_spawn(&fd, NULL, "events", "--count", "1", "--timeout", "20",
			NULL);
	if (!ASSERT_GT(pid, 0, "start the first reader"))
		goto out;
	test_sleep_ms(1000);
	if (!ASSERT_OK(CLI(&r, "events", "fake", "--timeout", "1"),
		       "a second reader, by name"))
		goto out;
	ASSERT_EQ(r.status, 1, "exit status");
	ASSERT_STR_EQ(
		r.err,
		"Error: can't stream 'fake': its records go to another reader; "
		"stop that one first\n",
		"stderr");
	if (!ASSERT_OK(CLI(&r, "events", "--timeout", "2"),
		       "a second reader of all"))
		goto out;
	snprintf(
		expect, sizeof(expect),
		"note: 'fake': its records go to another reader (pid %d); this one takes over "
		"when that one stops\n"
		"note: no loaded policy has records for this reader yet: waiting\n",
		(int)pid);
	ASSERT_EQ(r.status, 0, "exit status");
	ASSERT_STR_EQ(r.err, expect, "stderr");
	strcpy(e.policy, "fake");
	if (!emit(prog, &e))
		goto out;
	ASSERT_EQ(cli_finish(pid, fd, out, sizeof(out), 15000), 0,
		  "the first reader's exit");
	ASSERT_EQ(nr_lines(out), 1, "the first reader has the record");
	/* it is gone: the next reader gets the policy */
	if (!emit(prog, &e) || !ASSERT_OK(CLI(&r, "events", "fake", "--count",
					      "1", "--timeout", "5"),
					  "next reader"))
		goto out;
	ASSERT_EQ(r.status, 0, "exit status");
	ASSERT_EQ(nr_lines(r.out), 1, "the next reader has the next record");
out:
	bpf_object__close(obj);
}

/*
 * --journal: one native-protocol datagram per decision to journald's
 * socket, here a socket of ours on a private /run (this host has no
 * journald): the line, its priority and the fields.
 */
TEST(events_journal_sends_one_entry_per_decision)
{
	struct bpf_program *prog = fake_ring();
	struct oomkit_event e = { .decision = OOMKIT_DEC_KILL_TASK,
				  .trigger = OOMKIT_TRIG_OOM_MEMCG,
				  .nr_pids = 1,
				  .pids = { 42 } };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[4096];
	ssize_t n;
	int fd = -1;

	if (!prog)
		goto out;
	if (!ASSERT_OK(mount("tmpfs", "/run", "tmpfs", 0, "mode=0755"),
		       "a private /run") ||
	    !ASSERT_OK(mkdir("/run/systemd", 0755), "mkdir") ||
	    !ASSERT_OK(mkdir("/run/systemd/journal", 0755), "mkdir"))
		goto out;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path),
		 "/run/systemd/journal/socket");
	if (!ASSERT_GE(fd, 0, "socket") ||
	    !ASSERT_OK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), "bind"))
		goto out;
	strcpy(e.policy, "fake");
	strcpy(e.comm, "hog");
	if (!emit(prog, &e))
		goto out;
	ASSERT_OK(CLI(&r, "-j", "events", "--journal"), "events -j --journal");
	ASSERT_EQ(r.status, 2, "not with -j");
	if (!ASSERT_OK(CLI(&r, "events", "--journal", "--count", "1",
			   "--timeout", "10"),
		       "events --journal"))
		goto out;
	ASSERT_EQ(r.status, 0, r.err);
	ASSERT_STR_EQ(r.out, "", "nothing on stdout");
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	if (!ASSERT_GT(n, 0, "one datagram"))
		goto out;
	buf[n] = '\0';
	ASSERT_HAS_SUBSTR(
		buf,
		"MESSAGE=fake oom-memcg scope=global decision=kill-task "
		"pids=42 comm=hog\n",
		"the line, without its time");
	ASSERT_HAS_SUBSTR(buf, "\nPRIORITY=4\n", "a kill is a warning");
	ASSERT_HAS_SUBSTR(buf, "\nSYSLOG_IDENTIFIER=oomkit\n", "identifier");
	ASSERT_HAS_SUBSTR(buf, "\nOOMKIT_DECISION=kill-task\n", "a field");
	ASSERT_LT(recv(fd, buf, sizeof(buf), 0), 0, "and only one");
out:
	if (fd >= 0)
		close(fd);
	bpf_object__close(obj);
}
