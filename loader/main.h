/* SPDX-License-Identifier: GPL-2.0 */
/* Shared declarations of the oomkit CLI: global options, output helpers, command tables. */
#ifndef __OOMKIT_MAIN_H
#define __OOMKIT_MAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "json_writer.h"

#define OOMKIT_VERSION	"0.1.0"
#define OOMKIT_BPFFS	"/sys/fs/bpf"
#define OOMKIT_PIN_ROOT OOMKIT_BPFFS "/oomkit"
/* Set by the Makefile (POLICYDIR, SYSCONFDIR), its one definition. */
#define OOMKIT_DEFAULT_POLICY_DIR OOMKIT_POLICY_DIR

/*
 * Handlers and library code return 0 or a negative errno; -EUSAGE marks a
 * mistake in the command line (exit 2), anything else is a run-time
 * failure (exit 1). The error has always been printed already.
 */
#define EUSAGE 4096

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

extern const char *bin_name;
extern json_writer_t *json_wtr;
extern bool json_output;
extern bool pretty_output;
extern bool debug_output;
extern const char *policy_dir;

void p_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void p_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void p_err_capture(char *buf, size_t len);
int usage_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A handler takes the rest of the command line from args.c (parse_args()). */
struct cmd {
	const char *name;
	int (*func)(void);
};

bool is_prefix(const char *pfx, const char *str);

/* Commands (the verb tables live in cmd_*.c). */
int do_policy(void);
int do_run(void);
int do_events(void);
int do_feature(void);
int do_config(void);
int do_apply(void);
int do_stop(void);
/* policy unload NAME, or every policy if @target is NULL (--all). */
int unload_policies(const char *target);
int do_metrics(void);

/* doc.c: one table for --help and the man page. */
int print_help(const char *object, const char *verb);

/* priv.c */
int require_admin(const char *step, const char *thing);

/*
 * libbpf's last warning line (main.c), without its "libbpf: " prefix: the
 * reason for a failed load that is not the verifier's (whose log comes
 * through bpf_program__set_log_buf(), attach.c).
 */
void libbpf_warn_reset(void);
const char *libbpf_last_warn(void);
/* The program whose load libbpf last reported refused since the reset, "" if none. */
const char *libbpf_failed_prog(void);
/* strerror() that also knows libbpf's own codes (4000 and up). */
const char *libbpf_errstr(int err);

#endif /* __OOMKIT_MAIN_H */
