// SPDX-License-Identifier: GPL-2.0
/* Kernel log helpers: walk /dev/kmsg records from a sequence-number mark. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmsg.h"
#include "proc.h"

/* A record is at most ~1 KiB of text plus its dictionary. */
#define RECORD_MAX 8192

/* Decodes "prio,seq,ts,flags;text\n[ KEY=val\n]..." into seq and unescaped text. */
static bool parse_record(char *rec, long long *seq, char *text, size_t len)
{
	char *semi, *p, *end;
	size_t o = 0;

	if (sscanf(rec, "%*u,%lld,", seq) != 1)
		return false;
	semi = strchr(rec, ';');
	if (!semi)
		return false;
	p = semi + 1;
	end = strchr(p, '\n');
	if (!end)
		end = p + strlen(p);
	while (p < end && o + 1 < len) {
		unsigned int c;

		if (p[0] == '\\' && p[1] == 'x' &&
		    sscanf(p + 2, "%2x", &c) == 1) {
			text[o++] = (char)c;
			p += 4;
			continue;
		}
		text[o++] = *p++;
	}
	text[o] = '\0';
	return true;
}

/*
 * The next record of @fd (O_NONBLOCK) into @rec, NUL-terminated: its
 * length, 0 at the end of the log, or a negative errno.
 */
static ssize_t next_record(int fd, char *rec, size_t len)
{
	ssize_t n;

	for (;;) {
		n = read(fd, rec, len - 1);
		if (n >= 0)
			break;
		/* EPIPE: records were overwritten under us; keep going. */
		if (errno == EPIPE || errno == EINTR)
			continue;
		return errno == EAGAIN ? 0 : -errno;
	}
	rec[n] = '\0';
	return n;
}

/*
 * Calls @fn for every record of @fd from its position on with seq >=
 * @mark, until it returns non-zero; returns that value, 0 at the end of
 * the log, or a negative errno.
 */
static int read_records(int fd, long long mark,
			int (*fn)(const char *text, void *arg), void *arg)
{
	static char rec[RECORD_MAX], text[RECORD_MAX];
	long long seq;
	ssize_t n;
	int ret = 0;

	for (;;) {
		n = next_record(fd, rec, sizeof(rec));
		if (n <= 0) {
			ret = n;
			break;
		}
		if (!parse_record(rec, &seq, text, sizeof(text)) || seq < mark)
			continue;
		ret = fn(text, arg);
		if (ret)
			break;
	}
	return ret;
}

/* read_records() over the whole log, from its first record. */
static int walk(long long mark, int (*fn)(const char *text, void *arg),
		void *arg)
{
	int fd, ret;

	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = read_records(fd, mark, fn, arg);
	close(fd);
	return ret;
}

long long kmsg_mark(void)
{
	static char rec[RECORD_MAX];
	long long seq, next = 0;
	ssize_t n;
	int fd;

	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* SEEK_END would skip to the end but not tell the sequence number. */
	while ((n = next_record(fd, rec, sizeof(rec))) > 0) {
		if (sscanf(rec, "%*u,%lld,", &seq) == 1 && seq >= next)
			next = seq + 1;
	}
	close(fd);
	return next;
}

struct grep_arg {
	const char *substr;
	char *line;
	size_t len;
	int count;
};

static int grep_cb(const char *text, void *arg)
{
	struct grep_arg *g = arg;

	if (!strstr(text, g->substr))
		return 0;
	if (g->line && g->len)
		snprintf(g->line, g->len, "%s", text);
	return 1;
}

int kmsg_grep(long long mark, const char *substr, char *line, size_t len)
{
	struct grep_arg g = { substr, line, len, 0 };

	if (line && len)
		line[0] = '\0';
	return walk(mark, grep_cb, &g);
}

static int count_cb(const char *text, void *arg)
{
	struct grep_arg *g = arg;

	if (strstr(text, g->substr))
		g->count++;
	return 0;
}

int kmsg_count(long long mark, const char *substr)
{
	struct grep_arg g = { substr, NULL, 0, 0 };
	int err;

	err = walk(mark, count_cb, &g);
	return err < 0 ? err : g.count;
}

int kmsg_wait(long long mark, const char *substr, int timeout_ms)
{
	long long deadline = test_now_ms() + timeout_ms;
	int ret;

	for (;;) {
		ret = kmsg_grep(mark, substr, NULL, 0);
		if (ret)
			return ret;
		if (test_now_ms() >= deadline)
			return 0;
		test_sleep_ms(50);
	}
}

int kmsg_follow(void)
{
	int fd;

	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (lseek(fd, 0, SEEK_END) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

struct tally_arg {
	const char *const *substrs;
	int *counts;
	int records;
};

static int tally_cb(const char *text, void *arg)
{
	struct tally_arg *t = arg;
	int i;

	t->records++;
	for (i = 0; t->substrs[i]; i++)
		if (strstr(text, t->substrs[i]))
			t->counts[i]++;
	return 0;
}

int kmsg_follow_count(int fd, const char *const *substrs, int *counts)
{
	struct tally_arg t = { substrs, counts, 0 };
	int err;

	err = read_records(fd, 0, tally_cb, &t);
	return err < 0 ? err : t.records;
}
