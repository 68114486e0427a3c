/* SPDX-License-Identifier: GPL-2.0 */
/* The interface shared by oomkit's BPF side and its user space: records and enums. */
#ifndef __OOMKIT_INTF_H
#define __OOMKIT_INTF_H

/*
 * Included from BPF programs (after vmlinux.h) and from user space (after
 * <linux/types.h>), so only __u32/__u64 style types are used here.
 */

#define OOMKIT_NAME_LEN	      32
#define OOMKIT_DOC_LEN	      128
#define OOMKIT_MAX_PIDS	      8
#define OOMKIT_MAX_CANDIDATES 4

/* The ELF section carrying policy and tunable descriptions for the CLI. */
#define OOMKIT_META_SEC ".oomkit.meta"

/* clang-format off: the tables below read as tables */
/* What a policy decided; one event record per decision. */
#define OOMKIT_DECISIONS(X)                            \
	X(OOMKIT_DEC_KILL_TASK, "kill-task")           \
	X(OOMKIT_DEC_KILL_CGROUP, "kill-cgroup")       \
	X(OOMKIT_DEC_OBSERVE, "observe")               \
	X(OOMKIT_DEC_VICTIM_PENDING, "victim-pending") \
	X(OOMKIT_DEC_NO_CANDIDATE, "no-candidate")     \
	X(OOMKIT_DEC_KILL_FAILED, "kill-failed")       \
	X(OOMKIT_DEC_DECLARE_OOM, "declare-oom")       \
	X(OOMKIT_DEC_COOLDOWN, "cooldown")             \
	X(OOMKIT_DEC_CGROUP_FREED, "cgroup-freed")     \
	X(OOMKIT_DEC_PRESSURE, "pressure")             \
	X(OOMKIT_DEC_SHADOW, "shadow")                 \
	X(OOMKIT_DEC_TRIPPED, "tripped")

#define OOMKIT_X_ENUM(e, s) e,
enum oomkit_decision {
	OOMKIT_DECISIONS(OOMKIT_X_ENUM) OOMKIT_NR_DECISIONS
};
/* clang-format on */

/* clang-format off */
/* How a policy kills in the cgroup it chose: its kill_mode tunable's values (bpf/kill.bpf.h). */
#define OOMKIT_KILL_MODES(X)				\
	X(OOMKIT_KILL_TASK,		"task")		\
	X(OOMKIT_KILL_CGROUP,		"cgroup")	\
	X(OOMKIT_KILL_ESCALATE,		"escalate")

enum oomkit_kill_mode {
	OOMKIT_KILL_MODES(OOMKIT_X_ENUM)
	OOMKIT_NR_KILL_MODES
};

/* Why a kill took one task or the whole cgroup. */
#define OOMKIT_KILL_CAUSES(X)						\
	X(OOMKIT_CAUSE_MODE,		"mode")		/* as the mode says */	\
	X(OOMKIT_CAUSE_FIRST,		"first")	/* escalate: not chosen within escalate_usec */ \
	X(OOMKIT_CAUSE_AGAIN,		"chosen-again")	/* escalate: chosen again within it */ \
	X(OOMKIT_CAUSE_SMALL_TASK,	"small-task")	/* escalate: the task frees < escalate_min_bytes */ \
	X(OOMKIT_CAUSE_OOM_GROUP,	"oom-group")	/* memory.oom.group in scope */ \
	X(OOMKIT_CAUSE_INNER,		"inner")	/* an inner memcg's own tasks */

enum oomkit_kill_cause {
	OOMKIT_KILL_CAUSES(OOMKIT_X_ENUM)
	OOMKIT_NR_KILL_CAUSES
};
/* clang-format on */

/* What made the policy run. */
enum oomkit_trigger {
	OOMKIT_TRIG_OOM_MEMCG,	 /* handle_out_of_memory, memcg OOM */
	OOMKIT_TRIG_OOM_GLOBAL,	 /* handle_out_of_memory, global OOM */
	OOMKIT_TRIG_PSI,	 /* handle_psi_event */
	OOMKIT_TRIG_CGROUP_FREE, /* handle_cgroup_free */
	OOMKIT_NR_TRIGGERS
};

/* clang-format off */
/* Per-policy counters: a per-CPU array map "oomkit_stats", summed by the CLI. */
#define OOMKIT_STATS(X)							\
	X(OOMKIT_STAT_RUNS,		"runs")				\
	X(OOMKIT_STAT_KILLS,		"kills")			\
	X(OOMKIT_STAT_TASKS_KILLED,	"tasks_killed")			\
	X(OOMKIT_STAT_VICTIM_PENDING,	"victim_pending")		\
	X(OOMKIT_STAT_NO_CANDIDATE,	"no_candidate")			\
	X(OOMKIT_STAT_KILL_FAILED,	"kill_failed")			\
	X(OOMKIT_STAT_PSI_EVENTS,	"psi_events")			\
	X(OOMKIT_STAT_OOMS_DECLARED,	"ooms_declared")		\
	X(OOMKIT_STAT_COOLDOWN,		"cooldown_skips")		\
	X(OOMKIT_STAT_CGROUPS_FREED,	"cgroups_freed")		\
	X(OOMKIT_STAT_PRESSURE_NOTICES,	"pressure_notices")		\
	X(OOMKIT_STAT_GRACE_WAITS,	"grace_waits")			\
	X(OOMKIT_STAT_SHADOW_CHOICES,	"shadow_choices")		\
	X(OOMKIT_STAT_SHADOW_SAME_TASK,	"shadow_same_task")		\
	X(OOMKIT_STAT_SHADOW_SAME_CGROUP, "shadow_same_cgroup")		\
	X(OOMKIT_STAT_SHADOW_OTHER,	"shadow_other")			\
	X(OOMKIT_STAT_SHADOW_NO_KILL,	"shadow_no_kill")		\
	X(OOMKIT_STAT_FALLBACKS,	"fallbacks")			\
	X(OOMKIT_STAT_FALSE_CLAIMS,	"false_claims")			\
	X(OOMKIT_STAT_TRIPPED_SKIPS,	"tripped_skips")		\
	X(OOMKIT_STAT_EVENTS_DROPPED,	"events_dropped")

enum oomkit_stat {
	OOMKIT_STATS(OOMKIT_X_ENUM)
	OOMKIT_NR_STATS
};
/* clang-format on */

struct oomkit_candidate {
	__u64 cgroup_id;
	__u64 bytes;
};

/* One decision, sent through the ring buffer map "oomkit_events". */
struct oomkit_event {
	__u64 ts_ns;		/* bpf_ktime_get_boot_ns() */
	__u64 scope_cgroup_id;	/* OOMing memcg's cgroup, 0 = global */
	__u64 victim_cgroup_id; /* 0 when nothing was chosen */
	__u64 victim_bytes;	/* the measure the choice was made on */
	__u64 scope_bytes;	/* usage of the OOM scope */
	__s64 score;		/* policy-specific rank (priority, ...) */
	__u32 decision;		/* enum oomkit_decision */
	__u32 trigger;		/* enum oomkit_trigger */
	__s32 error;		/* kfunc error for kill-failed, else 0 */
	__u32 nr_pids;		/* pids[] used, may be < tasks killed */
	__u32 pids[OOMKIT_MAX_PIDS];
	__u32 nr_candidates;
	__u32 nr_also; /* also_pids[] used */
	struct oomkit_candidate candidates[OOMKIT_MAX_CANDIDATES];
	char policy[OOMKIT_NAME_LEN];
	char comm[16];	 /* first victim's comm */
	char reason[64]; /* one human line: why this victim */
	/*
	 * Processes outside pids[] sharing the victim's mm: the kernel kills
	 * them with it (observe: would kill). The first OOMKIT_MAX_PIDS.
	 */
	__u32 also_pids[OOMKIT_MAX_PIDS];
	/*
	 * A pressure record's notice (bpf/notice.bpf.h): victim_cgroup_id,
	 * pids[0] and comm name the likely victim; the OOM is declared at
	 * deadline_ns (boot ns) at the earliest, and only if the pressure
	 * is still there. flags asks the reader to act first.
	 */
	__u64 deadline_ns;
	__u32 flags; /* OOMKIT_EVF_* */
	/*
	 * How the chosen cgroup was killed (kill-task, kill-cgroup): 0
	 * nr_killed in a record of an older policy build, or of no kill.
	 */
	__u32 nr_killed;  /* processes killed (a group: its killable ones) */
	__u32 kill_mode;  /* enum oomkit_kill_mode the policy ran with */
	__u32 kill_cause; /* enum oomkit_kill_cause */
	/*
	 * The cause's measure against its limit: chosen-again and first, usec
	 * since the cgroup was last chosen (first: 0 if never) and
	 * escalate_usec; small-task, the task's bytes and escalate_min_bytes.
	 */
	__u64 cause_value;
	__u64 cause_limit;
	__u64 group_cgroup_id; /* oom-group: the cgroup that has it set */
	/*
	 * A pressure record's reclaim (OOMKIT_EVF_RECLAIM): the reader writes
	 * reclaim_bytes to this cgroup's memory.reclaim (0: the root's) within
	 * the grace, so the pressure may end before the deadline.
	 */
	__u64 reclaim_cgroup_id;
	__u64 reclaim_bytes;
};

/* What a pressure record asks of its reader (oomkit run, oomkit events). */
enum oomkit_event_flags {
	OOMKIT_EVF_TERM = 1 << 0,    /* SIGTERM pids[0] now */
	OOMKIT_EVF_DETACH = 1 << 1,  /* a trip: detach the policy's links */
	OOMKIT_EVF_RECLAIM = 1 << 2, /* write reclaim_bytes to memory.reclaim */
};

/*
 * A policy's health (bpf/health.bpf.h): the one element of the array map
 * "oomkit_health", pinned beside oomkit_stats.
 */
struct oomkit_health {
	__u64 worst_ns;	       /* the slowest decision, boot ns */
	__u64 window_start_ns; /* the fallback window's start */
	__u64 tripped_ns;      /* when it tripped; 0: it has not */
	__u32 window_fallbacks;
	__u32 pad;
};

/*
 * What `--scope CGROUP` gave an instance: the one element of the array map
 * "oomkit_scope", written by the CLI before it attaches. cgroup_id 0: the
 * whole system. The path stays for `policy show` after the cgroup is gone.
 */
#define OOMKIT_SCOPE_PATH_LEN 256
struct oomkit_scope {
	__u64 cgroup_id; /* the scope cgroup's id (its cgroup2 inode) */
	__u32 level;	 /* its depth below the cgroup2 root */
	__u32 pad;
	char path[OOMKIT_SCOPE_PATH_LEN]; /* below the cgroup2 mount */
};

/*
 * Cgroup xattrs other OOM daemons read (bpf/annotations.bpf.h): systemd's
 * ManagedOOMPreference= (user.oomd_avoid, user.oomd_omit: booleans) and
 * facebook oomd's (trusted.oomd_prefer, trusted.oomd_avoid and their
 * user. forms: present or not). The map "oomkit_annot" holds, per cgroup
 * id, a bit per name in this order.
 */
enum oomkit_annot_name {
	OOMKIT_ANNOT_USER_AVOID,
	OOMKIT_ANNOT_USER_OMIT,
	OOMKIT_ANNOT_USER_PREFER,
	OOMKIT_ANNOT_TRUSTED_AVOID,
	OOMKIT_ANNOT_TRUSTED_PREFER,
	OOMKIT_ANNOT_NR,
};

#define OOMKIT_ANNOT_NAME_LEN 24
#define OOMKIT_ANNOT_NAMES                                                       \
	{                                                                        \
		"user.oomd_avoid",    "user.oomd_omit",	     "user.oomd_prefer", \
		"trusted.oomd_avoid", "trusted.oomd_prefer",                     \
	}

struct oomkit_annot {
	__u32 present; /* the xattr exists */
	__u32 truth;   /* and its value is a true boolean */
	__u32 heard;   /* set or removed since the hooks attached */
	__u32 pad;
};

/*
 * The context of the SEC("syscall") program "oomkit_annot_seed", which the
 * CLI runs once per xattr found at attach (cgroup_id 0: only asks whether
 * the instance reads annotations at all; it returns 1 if so).
 */
#define OOMKIT_ANNOT_VALUE_LEN 16
struct oomkit_annot_seed {
	__u64 cgroup_id;
	__u32 name; /* enum oomkit_annot_name */
	__u32 len;  /* the value's full size; value[] holds its start */
	char value[OOMKIT_ANNOT_VALUE_LEN];
};

/*
 * Descriptions in section OOMKIT_META_SEC, read by the CLI from the ELF
 * file: fixed-size records, no pointers, so no relocations are needed.
 */
enum oomkit_meta_kind {
	OOMKIT_META_POLICY = 1,	 /* name + description of the object */
	OOMKIT_META_TUNABLE,	 /* a const volatile rodata variable */
	OOMKIT_META_CGROUP_KNOB, /* KEY=CGROUP_PATH[:N] into a hash map */
};

struct oomkit_meta {
	__u32 kind; /* enum oomkit_meta_kind */
	__u32 pad1; /* 0 (the CLI takes types from BTF) */
	__s64 min;  /* tunable range, knob value range */
	__s64 max;
	__s64 value;	      /* knob: value stored unless value_from_arg;
					 * 0 for a tunable (its default is the
					 * variable's initial value) */
	__u32 value_from_arg; /* knob: 1 = value is the ":N" part */
	__u32 pad2;
	char name[OOMKIT_NAME_LEN]; /* policy name / variable / key */
	char map[OOMKIT_NAME_LEN];  /* knob: the map, u64 id -> s64 */
	char doc[OOMKIT_DOC_LEN];
};

#endif /* __OOMKIT_INTF_H */
