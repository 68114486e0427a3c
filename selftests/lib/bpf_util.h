/* SPDX-License-Identifier: GPL-2.0 */
/* libbpf helpers for tests: capture libbpf's output, including verifier logs. */
#ifndef __OOMKIT_BPF_UTIL_H
#define __OOMKIT_BPF_UTIL_H

#include <stdbool.h>

/*
 * on: installs a libbpf print callback that keeps everything libbpf prints
 * from now on (a failed load prints the verifier log at WARN level); the
 * text is shown on stderr only with -v. off: stops keeping; libbpf
 * warnings go to stderr again.
 */
void libbpf_capture_log(bool on);
/* What was captured since the last libbpf_capture_log(true); "" if nothing. */
const char *libbpf_last_log(void);

#endif /* __OOMKIT_BPF_UTIL_H */
