// SPDX-License-Identifier: GPL-2.0
/* libbpf print callback that keeps the last log (verifier output) for assertions. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "bpf_util.h"
#include "test.h"

/* Verifier logs of rejected programs can be long; keep the tail past this. */
#define LOG_MAX (4 << 20)

static bool capturing;
static char *log_buf;
static size_t log_len, log_cap;

static void append(const char *fmt, va_list ap)
{
	char tmp[4096], *big = NULL;
	const char *s = tmp;
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(tmp, sizeof(tmp), fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(tmp)) {
		big = malloc(n + 1);
		if (!big)
			return;
		va_copy(aq, ap);
		vsnprintf(big, n + 1, fmt, aq);
		va_end(aq);
		s = big;
	}
	if (log_len + n + 1 > log_cap && log_cap < LOG_MAX) {
		size_t cap = log_cap ? log_cap : 65536;
		char *p;

		while (cap < log_len + n + 1 && cap < LOG_MAX)
			cap *= 2;
		p = realloc(log_buf, cap);
		if (p) {
			log_buf = p;
			log_cap = cap;
		}
	}
	if (log_len + n + 1 > log_cap) {
		/* Full: drop the oldest half, the end of a log says why it failed. */
		size_t keep = log_len / 2;

		if ((size_t)n + 1 > log_cap - keep) {
			free(big);
			return;
		}
		memmove(log_buf, log_buf + log_len - keep, keep);
		log_len = keep;
	}
	memcpy(log_buf + log_len, s, n + 1);
	log_len += n;
	free(big);
}

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (capturing) {
		append(fmt, ap);
		if (!test_verbose())
			return 0;
	}
	if (level == LIBBPF_DEBUG && !test_verbose())
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void libbpf_capture_log(bool on)
{
	if (on) {
		log_len = 0;
		if (log_buf)
			log_buf[0] = '\0';
	}
	capturing = on;
	libbpf_set_print(print_fn);
}

const char *libbpf_last_log(void)
{
	return log_buf ? log_buf : "";
}
