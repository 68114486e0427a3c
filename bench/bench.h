/* SPDX-License-Identifier: GPL-2.0 */
/* oomkit-bench: the guest side of 'make bench', shared declarations of its parts. */
#ifndef __OOMKIT_BENCH_H
#define __OOMKIT_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>

#include "cgroup.h"
#include "oom_timing.h"
#include "proc.h"

#define MiB	   (1024ULL * 1024ULL)
#define CG_ROOT	   "/sys/fs/cgroup"
#define BENCH_CG   CG_ROOT "/oomkit-bench"
#define MAX_SIZES  6
#define MAX_REPEAT 15
#define NR_PARTS   5

struct bench_opts {
	const char *oomkit;	/* the CLI under test */
	const char *bpftool;	/* the reference loader */
	const char *policy_dir; /* build/policies: objects for bpftool */
	const char *json;	/* where results.json goes */
	int repeat;		/* runs per configuration (median) */
	int sizes[MAX_SIZES];	/* leaf cgroup counts of part 1, ascending */
	int nr_sizes;
	unsigned int parts; /* bit i: part i + 1 */
	int react_high_mib; /* part 2's memory.high */
	int react_max_mib;  /* part 2's memory.max */
	int react_line_mib; /* earlyoom's line, MiB past memory.high */
	bool verbose;
};

extern struct bench_opts opts;

/* --- results: each figure is a table row and a JSON object (report.c) --- */

enum target_kind {
	TARGET_NONE,
	TARGET_MAX, /* value <= target */
	TARGET_MIN, /* value >= target */
};

struct figure {
	int part;	  /* 1..NR_PARTS */
	char name[96];	  /* what it is */
	char key[64];	  /* JSON key */
	double value;	  /* NAN when not measured */
	const char *unit; /* "ms", "MiB", "x", "" */
	enum target_kind kind;
	double target;
	double samples[MAX_REPEAT]; /* the runs the median came from */
	int nr_samples;
	char *detail; /* NULL, or JSON written as is under "detail" (malloc()ed) */
};

struct figure *fig_add(int part, const char *key, const char *unit,
		       const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void fig_target(struct figure *f, enum target_kind kind, double target);
void fig_samples(struct figure *f, const double *v, int n);
/* Sets f->detail from printf-style JSON text; replaces an earlier one. */
void fig_detail(struct figure *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Free-form lines printed under a part's heading (setup, what each figure covers). */
void part_note(int part, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void part_error(int part, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void report_print(void);
int report_json(const char *path);

/* --- the parts --- */

int bench_decision(void);
int bench_reaction(void);
int bench_loader(void);
int bench_record(void);
int bench_memory(void);

/* --- kernel clocks (timing.c) --- */

int timing_open(void);
void timing_close(void);
void timing_reset(void);
/* Times @pid's first throttling over memory.high; 0 until then. */
void timing_watch_high(pid_t pid);
__u64 timing_over_high(void);
/* Copies the samples recorded since the last reset; returns how many. */
int timing_read(struct oom_sample *out, int max);

/* --- BPF objects in the kernel (kobjs.c) --- */

#define KOBJS_MAX 512

struct kobj_ids {
	__u32 progs[KOBJS_MAX];
	__u32 maps[KOBJS_MAX];
	int nr_progs;
	int nr_maps;
};

struct kobj_info {
	char name[16];	      /* the kernel's (BPF_OBJ_NAME_LEN) */
	__u32 verified_insns; /* programs only */
	long long memlock;    /* bytes, from fdinfo */
};

int kobjs_snapshot(struct kobj_ids *ids);
/* The programs and maps alive now that @before did not list. */
int kobjs_added(const struct kobj_ids *before, struct kobj_ids *added);
int kobj_prog(__u32 id, struct kobj_info *out);
int kobj_map(__u32 id, struct kobj_info *out);

/* --- helpers (util.c) --- */

__u64 now_ns(void);
double ns_to_ms(__u64 ns);
void msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int write_str(const char *path, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
long long read_ll(const char *path);
long long read_key(const char *path, const char *key);
/*
 * From selftests/lib, on absolute paths: cg_create(), cg_remove_tree(),
 * cg_id() (cgroup.h), meminfo_kb(), fork_piped() (proc.h).
 */
int cg_mkdir(const char *path);
/* Forks a child straight into cgroup @path (clone3); 0 in the child. */
pid_t fork_into(const char *path);
/* Waits for @pid to end; returns its signal (0 for an exit), -ETIMEDOUT; *end_ns: when it ended. */
int wait_end(pid_t pid, int timeout_ms, __u64 *end_ns);
void child_setup(const char *comm);
void __attribute__((noreturn)) hog_loop(size_t step, bool populate);

struct run_cost {
	double wall_ms;
	double maxrss_mib;
	int status; /* exit status, or 128 + signal */
};
/* Runs argv, output into @out (NUL-terminated, may be NULL), cost into @cost (may be NULL). */
int run_cmd(char *const argv[], char *out, size_t len, struct run_cost *cost);
int oomkit_cmd(char *out, size_t len, ...);
/* The built-in policies, from 'oomkit policy list' (drop-ins are not among them). */
#define MAX_POLICIES 16
extern char bench_policies[MAX_POLICIES][32];
extern int nr_bench_policies;
int bench_list_policies(void);
/* of the values that are not NaN */
double median(const double *v, int n);

#endif /* __OOMKIT_BENCH_H */
