// SPDX-License-Identifier: GPL-2.0
/* Decision streams: the oomkit_events ring buffers, one line (JSON object, journal entry) per event. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <string.h>
#include <time.h>
#include <linux/types.h>

#include <bpf/libbpf.h>
#include <systemd/sd-journal.h>

#include <oomkit/intf.h>

#include "actions.h"
#include "cgpath.h"
#include "events.h"
#include "main.h"
#include "text.h"
#include "walltime.h"

#define POLL_MS 200
/* how often a follower looks for policies loaded or unloaded since */
#define REFRESH_MS 1000

static const char *const decision_names[] = {
#define OOMKIT_X_STR(e, s) s,
	OOMKIT_DECISIONS(OOMKIT_X_STR)
#undef OOMKIT_X_STR
};

static const char *const trigger_names[] = {
	[OOMKIT_TRIG_OOM_MEMCG] = "oom-memcg",
	[OOMKIT_TRIG_OOM_GLOBAL] = "oom-global",
	[OOMKIT_TRIG_PSI] = "psi",
	[OOMKIT_TRIG_CGROUP_FREE] = "cgroup-free",
};

static const char *const kill_mode_names[] = {
#define OOMKIT_X_STR(e, s) s,
	OOMKIT_KILL_MODES(OOMKIT_X_STR)
#undef OOMKIT_X_STR
};

static const char *const kill_cause_names[] = {
#define OOMKIT_X_STR(e, s) s,
	OOMKIT_KILL_CAUSES(OOMKIT_X_STR)
#undef OOMKIT_X_STR
};

static volatile sig_atomic_t exiting;
static long nr_seen;

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

const char *events_decision_name(__u32 d)
{
	return d < OOMKIT_NR_DECISIONS ? decision_names[d] : "unknown";
}

const char *events_trigger_name(__u32 t)
{
	return t < OOMKIT_NR_TRIGGERS ? trigger_names[t] : "unknown";
}

#define decision_name events_decision_name
#define trigger_name  events_trigger_name

static const char *kill_mode_name(__u32 m)
{
	return m < OOMKIT_NR_KILL_MODES ? kill_mode_names[m] : "unknown";
}

static const char *kill_cause_name(__u32 c)
{
	return c < OOMKIT_NR_KILL_CAUSES ? kill_cause_names[c] : "unknown";
}

/* A record of a kill in a chosen cgroup, by a policy build that says how. */
static bool has_kill_mode(const struct oomkit_event *e)
{
	return e->nr_killed && (e->decision == OOMKIT_DEC_KILL_TASK ||
				e->decision == OOMKIT_DEC_KILL_CGROUP);
}

/* "/a/b" for a live cgroup, "cgroup:ID" for one already removed. */
static void cg_name(__u64 id, char *buf, size_t len)
{
	const char *p = id ? cgpath_lookup(id) : "";

	if (!id)
		snprintf(buf, len, "-");
	else if (*p)
		snprintf(buf, len, "%s", p);
	else
		snprintf(buf, len, "cgroup:%llu", (unsigned long long)id);
}

/* "12.3 s" of @usec; "12.3 MiB" of @bytes. */
static void fmt_sec(char *buf, size_t len, __u64 usec)
{
	snprintf(buf, len, "%llu.%llu s", (unsigned long long)(usec / 1000000),
		 (unsigned long long)(usec % 1000000 / 100000));
}

static void fmt_mib(char *buf, size_t len, __u64 bytes)
{
	snprintf(buf, len, "%llu.%llu MiB", (unsigned long long)(bytes >> 20),
		 (unsigned long long)(((bytes & ((1ULL << 20) - 1)) * 10) >>
				      20));
}

/* One line on why the kill took one task or the group, from the record's cause. */
static void kill_why(const struct oomkit_event *e, char *buf, size_t len)
{
	char v[32], l[32];
	int n;

	switch (e->kill_cause) {
	case OOMKIT_CAUSE_MODE:
		snprintf(buf, len, "kill_mode %s",
			 kill_mode_name(e->kill_mode));
		break;
	case OOMKIT_CAUSE_FIRST:
		fmt_sec(l, sizeof(l), e->cause_limit);
		if (!e->cause_value) {
			snprintf(buf, len, "first choice: the biggest task");
			break;
		}
		fmt_sec(v, sizeof(v), e->cause_value);
		snprintf(buf, len,
			 "chosen again %s after, past %s: the biggest task", v,
			 l);
		break;
	case OOMKIT_CAUSE_AGAIN:
		fmt_sec(v, sizeof(v), e->cause_value);
		fmt_sec(l, sizeof(l), e->cause_limit);
		snprintf(buf, len,
			 "escalated: chosen again %s after, within %s", v, l);
		break;
	case OOMKIT_CAUSE_SMALL_TASK:
		fmt_mib(v, sizeof(v), e->cause_value);
		fmt_mib(l, sizeof(l), e->cause_limit);
		snprintf(buf, len, "escalated: task would free %s < %s", v, l);
		break;
	case OOMKIT_CAUSE_OOM_GROUP:
		n = snprintf(buf, len, "memory.oom.group on ");
		if (n > 0 && (size_t)n < len)
			cg_name(e->group_cgroup_id, buf + n, len - n);
		break;
	case OOMKIT_CAUSE_INNER:
		snprintf(buf, len,
			 "an inner cgroup's own tasks: only the biggest");
		break;
	default:
		snprintf(buf, len, "unknown");
	}
}

static void print_json(const struct oomkit_event *e)
{
	char buf[PATH_MAX];
	__u32 i;

	jsonw_start_object(json_wtr);
	boot_to_wall_str(e->ts_ns, true, buf, sizeof(buf));
	jsonw_string_field(json_wtr, "time", buf);
	jsonw_uint_field(json_wtr, "ts_ns", e->ts_ns);
	jsonw_string_field(json_wtr, "policy", e->policy);
	jsonw_string_field(json_wtr, "trigger", trigger_name(e->trigger));
	jsonw_string_field(json_wtr, "decision", decision_name(e->decision));
	jsonw_uint_field(json_wtr, "scope_cgroup_id", e->scope_cgroup_id);
	cg_name(e->scope_cgroup_id, buf, sizeof(buf));
	jsonw_string_field(json_wtr, "scope",
			   e->scope_cgroup_id ? buf : "global");
	jsonw_uint_field(json_wtr, "scope_bytes", e->scope_bytes);
	jsonw_uint_field(json_wtr, "victim_cgroup_id", e->victim_cgroup_id);
	if (e->victim_cgroup_id) {
		cg_name(e->victim_cgroup_id, buf, sizeof(buf));
		jsonw_string_field(json_wtr, "victim", buf);
	} else {
		jsonw_null_field(json_wtr, "victim");
	}
	jsonw_uint_field(json_wtr, "victim_bytes", e->victim_bytes);
	jsonw_int_field(json_wtr, "score", e->score);
	jsonw_int_field(json_wtr, "error", e->error);
	jsonw_name(json_wtr, "pids");
	jsonw_start_array(json_wtr);
	for (i = 0; i < e->nr_pids && i < OOMKIT_MAX_PIDS; i++)
		jsonw_uint(json_wtr, e->pids[i]);
	jsonw_end_array(json_wtr);
	jsonw_name(json_wtr, "also_kills");
	jsonw_start_array(json_wtr);
	for (i = 0; i < e->nr_also && i < OOMKIT_MAX_PIDS; i++)
		jsonw_uint(json_wtr, e->also_pids[i]);
	jsonw_end_array(json_wtr);
	jsonw_string_field(json_wtr, "comm", e->comm);
	jsonw_name(json_wtr, "candidates");
	jsonw_start_array(json_wtr);
	for (i = 0; i < e->nr_candidates && i < OOMKIT_MAX_CANDIDATES; i++) {
		jsonw_start_object(json_wtr);
		jsonw_uint_field(json_wtr, "cgroup_id",
				 e->candidates[i].cgroup_id);
		cg_name(e->candidates[i].cgroup_id, buf, sizeof(buf));
		jsonw_string_field(json_wtr, "cgroup", buf);
		jsonw_uint_field(json_wtr, "bytes", e->candidates[i].bytes);
		jsonw_end_object(json_wtr);
	}
	jsonw_end_array(json_wtr);
	jsonw_string_field(json_wtr, "reason", e->reason);
	/* a notice: the victim fields name the likely victim */
	if (e->decision == OOMKIT_DEC_PRESSURE) {
		jsonw_uint_field(json_wtr, "deadline_ns", e->deadline_ns);
		jsonw_int_field(json_wtr, "grace_ms",
				e->deadline_ns > e->ts_ns ?
					(e->deadline_ns - e->ts_ns) / 1000000 :
					0);
		jsonw_bool_field(json_wtr, "term", e->flags & OOMKIT_EVF_TERM);
		if (e->flags & OOMKIT_EVF_RECLAIM) {
			jsonw_uint_field(json_wtr, "reclaim_cgroup_id",
					 e->reclaim_cgroup_id);
			cg_name(e->reclaim_cgroup_id, buf, sizeof(buf));
			jsonw_string_field(json_wtr, "reclaim",
					   e->reclaim_cgroup_id ? buf : "/");
			jsonw_uint_field(json_wtr, "reclaim_bytes",
					 e->reclaim_bytes);
		}
	}
	/* Only for a kill by a policy build that says how (nr_killed 0 before). */
	if (has_kill_mode(e)) {
		jsonw_string_field(json_wtr, "kill_mode",
				   kill_mode_name(e->kill_mode));
		jsonw_string_field(json_wtr, "kill_cause",
				   kill_cause_name(e->kill_cause));
		kill_why(e, buf, sizeof(buf));
		jsonw_string_field(json_wtr, "kill_why", buf);
		jsonw_uint_field(json_wtr, "tasks_killed", e->nr_killed);
		jsonw_uint_field(json_wtr, "cause_value", e->cause_value);
		jsonw_uint_field(json_wtr, "cause_limit", e->cause_limit);
		if (e->group_cgroup_id) {
			jsonw_uint_field(json_wtr, "oom_group_cgroup_id",
					 e->group_cgroup_id);
			cg_name(e->group_cgroup_id, buf, sizeof(buf));
			jsonw_string_field(json_wtr, "oom_group", buf);
		}
	}
	jsonw_end_object(json_wtr);
}

/*
 * One line per record, whatever the record holds: task names and cgroup
 * paths are the user's bytes (a comm can hold a newline) and go through
 * text_escape(), so a line can be neither forged nor split.
 */
static void format_plain(FILE *f, const struct oomkit_event *e)
{
	char path[PATH_MAX], scope[PATH_MAX], victim[PATH_MAX];
	char policy[4 * sizeof(e->policy)], comm[4 * sizeof(e->comm)];
	char reason[4 * sizeof(e->reason)], why[4 * PATH_MAX];
	__u32 i;

	cg_name(e->scope_cgroup_id, path, sizeof(path));
	text_escape(path, sizeof(path), 1, scope, sizeof(scope));
	cg_name(e->victim_cgroup_id, path, sizeof(path));
	text_escape(path, sizeof(path), 1, victim, sizeof(victim));
	text_escape(e->policy, sizeof(e->policy), 1, policy, sizeof(policy));
	fprintf(f, "%s %s scope=%s decision=%s", policy,
		trigger_name(e->trigger), e->scope_cgroup_id ? scope : "global",
		decision_name(e->decision));
	/* a notice names who would likely die, not a victim */
	if (e->victim_cgroup_id)
		fprintf(f, " %s=%s bytes=%llu",
			e->decision == OOMKIT_DEC_PRESSURE ? "likely_victim" :
							     "victim",
			victim, (unsigned long long)e->victim_bytes);
	if (e->nr_pids) {
		fprintf(f, " pids=");
		for (i = 0; i < e->nr_pids && i < OOMKIT_MAX_PIDS; i++)
			fprintf(f, "%s%u", i ? "," : "", e->pids[i]);
	}
	/* The kernel kills every process sharing the victim's mm. */
	if (e->nr_also) {
		fprintf(f, e->decision == OOMKIT_DEC_OBSERVE ?
				   " would_also_kill=" :
				   " also_kills=");
		for (i = 0; i < e->nr_also && i < OOMKIT_MAX_PIDS; i++)
			fprintf(f, "%s%u", i ? "," : "", e->also_pids[i]);
	}
	if (e->comm[0])
		fprintf(f, " comm=%s",
			text_escape(e->comm, 16, 1, comm, sizeof(comm)));
	if (e->decision == OOMKIT_DEC_PRESSURE)
		fprintf(f, " grace_ms=%llu%s",
			e->deadline_ns > e->ts_ns ?
				(unsigned long long)(e->deadline_ns -
						     e->ts_ns) /
					1000000 :
				0ULL,
			e->flags & OOMKIT_EVF_TERM ? " term=1" : "");
	if (e->decision == OOMKIT_DEC_PRESSURE &&
	    (e->flags & OOMKIT_EVF_RECLAIM)) {
		cg_name(e->reclaim_cgroup_id, path, sizeof(path));
		text_escape(path, sizeof(path), 1, why, sizeof(why));
		fprintf(f, " reclaim=%s reclaim_bytes=%llu",
			e->reclaim_cgroup_id ? why : "/",
			(unsigned long long)e->reclaim_bytes);
	}
	if (has_kill_mode(e)) {
		/* the why may hold a cgroup path: the user's bytes */
		kill_why(e, path, sizeof(path));
		fprintf(f, " mode=%s cause=%s killed=%u why=\"%s\"",
			kill_mode_name(e->kill_mode),
			kill_cause_name(e->kill_cause), e->nr_killed,
			text_escape(path, sizeof(path), 0, why, sizeof(why)));
	}
	if (e->error)
		fprintf(f, " error=%d", e->error);
	if (e->reason[0])
		fprintf(f, " reason=\"%s\"",
			text_escape(e->reason, 64, 0, reason, sizeof(reason)));
}

/* The journal's priority of a decision: a kill is a warning, a failed one an error. */
static int decision_priority(__u32 d)
{
	switch (d) {
	case OOMKIT_DEC_KILL_FAILED:
		return LOG_ERR;
	case OOMKIT_DEC_KILL_TASK:
	case OOMKIT_DEC_KILL_CGROUP:
	case OOMKIT_DEC_DECLARE_OOM:
		return LOG_WARNING;
	case OOMKIT_DEC_OBSERVE:
	case OOMKIT_DEC_SHADOW:
	case OOMKIT_DEC_NO_CANDIDATE:
		return LOG_NOTICE;
	default:
		return LOG_INFO;
	}
}

bool events_journal;

/* The text line of @e, malloc()ed; NULL if out of memory. */
static char *plain_line(const struct oomkit_event *e)
{
	char *line = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&line, &len);
	if (!f)
		return NULL;
	format_plain(f, e);
	if (fclose(f))
		return NULL;
	return line;
}

static void print_plain(const struct oomkit_event *e, const char *line)
{
	char when[64], policy[4 * sizeof(e->policy)];

	if (!events_journal) {
		boot_to_wall_str(e->ts_ns, true, when, sizeof(when));
		printf("%s %s\n", when, line);
	} else {
		/* the journal stamps the line itself; the fields are for journalctl -F */
		text_escape(e->policy, sizeof(e->policy), 1, policy,
			    sizeof(policy));
		sd_journal_send("MESSAGE=%s", line, "PRIORITY=%d",
				decision_priority(e->decision),
				"SYSLOG_IDENTIFIER=oomkit", "OOMKIT_POLICY=%s",
				policy, "OOMKIT_DECISION=%s",
				decision_name(e->decision), "OOMKIT_TRIGGER=%s",
				trigger_name(e->trigger), NULL);
	}
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct oomkit_event e = {};
	char *line;

	(void)ctx;
	/* tolerate a shorter record from an older policy build */
	memcpy(&e, data, size < sizeof(e) ? size : sizeof(e));
	e.policy[sizeof(e.policy) - 1] = '\0';
	e.comm[sizeof(e.comm) - 1] = '\0';
	e.reason[sizeof(e.reason) - 1] = '\0';
	line = plain_line(&e);
	if (json_output)
		print_json(&e);
	else if (line)
		print_plain(&e, line);
	fflush(stdout);
	nr_seen++;
	/* after the record is out: a hook may read what was printed */
	actions_run(&e, line ?: "");
	free(line);
	return 0;
}

int events_add(struct ring_buffer **rb, int map_fd)
{
	if (!*rb) {
		*rb = ring_buffer__new(map_fd, handle_event, NULL, NULL);
		return *rb ? 0 : -errno;
	}
	return ring_buffer__add(*rb, map_fd, handle_event, NULL);
}

/*
 * ring_buffer__poll() drains every ready record, more than --count asks
 * for; wait the same way, then take only what is left to print. The rest
 * stays in the ring for the next reader.
 */
static int poll_at_most(struct ring_buffer *rb, long n)
{
	struct pollfd pfd = { .fd = ring_buffer__epoll_fd(rb),
			      .events = POLLIN };
	int ret = poll(&pfd, 1, POLL_MS);

	if (ret < 0)
		return -errno;
	return ret ? ring_buffer__consume_n(rb, n) : 0;
}

int events_loop(struct ring_buffer *rb, long count, long timeout_sec,
		int (*refresh)(void *ctx, struct ring_buffer **rb), void *ctx)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct timespec start, now, last;
	int err = 0;

	/* no SA_RESTART: the poll must return so we can detach */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	clock_gettime(CLOCK_MONOTONIC, &start);
	last = start;
	nr_seen = 0;
	while (!exiting) {
		if (rb && count) {
			err = poll_at_most(rb, count - nr_seen);
		} else if (rb) {
			err = ring_buffer__poll(rb, POLL_MS);
		} else {
			/* nothing to read (yet): just wait to be stopped */
			struct timespec ts = { 0, POLL_MS * 1000000L };

			nanosleep(&ts, NULL);
			err = 0;
		}
		actions_reap();
		if (err == -EINTR) {
			err = 0;
			continue;
		}
		if (err < 0)
			break;
		err = 0;
		if (count && nr_seen >= count)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (timeout_sec && now.tv_sec - start.tv_sec >= timeout_sec)
			break;
		if (refresh &&
		    (now.tv_sec - last.tv_sec) * 1000 +
				    (now.tv_nsec - last.tv_nsec) / 1000000 >=
			    REFRESH_MS) {
			last = now;
			err = refresh(ctx, &rb);
			if (err)
				break;
		}
	}
	actions_finish();
	return err;
}
