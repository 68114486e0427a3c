/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers for the CLI tests (host and VM) and the policy scenarios: run build/oomkit, capture its output, check its pins. */
#ifndef __OOMKIT_CLI_TEST_H
#define __OOMKIT_CLI_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>

/* The CLI tests read its output with these. */
#include "json.h"

#define CLI_OUT_MAX (256 << 10)
#define CLI_ERR_MAX (64 << 10)

struct cli_res {
	int status; /* exit code, or 128 + signal */
	char out[CLI_OUT_MAX];
	char err[CLI_ERR_MAX];
};

enum {
	CLI_AS_NOBODY = 1 << 0, /* setresuid/gid 65534: no capabilities left */
	CLI_MERGED = 1
		     << 1, /* stderr on stdout's pipe, interleaved as written */
};

/* A path under build/ (derived from this test binary's location). */
const char *build_path(const char *rel);

/*
 * Runs build/oomkit with the NULL-terminated arguments, waits (at most
 * 60 s), and captures stdout/stderr. envs: NULL-terminated "K=V" list.
 */
int cli_runv(struct cli_res *r, unsigned int flags, const char *const *envs,
	     const char *const *argv);
int cli_run(struct cli_res *r, unsigned int flags, const char *const *envs,
	    ...);
#define CLI(r, ...) cli_run((r), 0, NULL, __VA_ARGS__, NULL)
/*
 * Runs build/oomkit with @argv (NULL-terminated, without argv[0]) and no
 * time limit, its stdout and stderr both into @out (NUL-terminated, the
 * first @len - 1 bytes kept). Returns its exit code, or a negative errno.
 */
int cli_run_merged(const char *const *argv, char *out, size_t len);

/*
 * fork(), the child as user 65534 with no capabilities left (it exits 1
 * if it can't drop them), for what an unprivileged user could do.
 */
pid_t fork_as_nobody(void);

/* Starts build/oomkit in the background with stdout to a pipe (*out_fd). */
pid_t cli_spawn(int *out_fd, const char *const *envs, ...);
/* Reads the spawned CLI's stdout until EOF or timeout, then SIGTERMs and reaps it; returns exit status. */
int cli_finish(pid_t pid, int out_fd, char *buf, size_t len, int timeout_ms);

/* The first line of stderr, without its newline. */
const char *cli_err_line(const struct cli_res *r);

/* A private bpffs on /sys/fs/bpf in a new mount namespace (this process only). */
int private_bpffs(void);
bool pin_exists(const char *name);
int nr_struct_ops_links(void);
/* bpf_link_info.struct_ops: map id and level 2's cgroup_id; 0 or a negative errno (-EINVAL: not struct_ops). */
int struct_ops_link_info(int link_fd, __u32 *map_id, __u64 *cgroup_id);
/* 1 if the struct_ops link still runs its handlers, 0 if detached, or a negative errno. */
int struct_ops_link_attached(int link_fd);
/* Of those, the ones still attached to a map (a detached one reports map_id 0). */
int nr_attached_struct_ops_links(void);
/* struct_ops maps in the kernel (what `bpftool struct_ops show` lists). */
int nr_struct_ops_maps(void);
/* Runs the kernel counted for every struct_ops program (0 while BPF stats are off). */
long long struct_ops_run_cnt(void);

/* kernel.bpf_stats_enabled: 1, 0, or -1 if unreadable; and setting it. */
int bpf_stats_sysctl(void);
bool bpf_stats_sysctl_set(bool on);

/* Copies a file, then sets owner and mode, for the ownership tests. */
int copy_file(const char *from, const char *to, uid_t uid, mode_t mode);

#endif /* __OOMKIT_CLI_TEST_H */
