// SPDX-License-Identifier: GPL-2.0
/* Process helpers the suites and the bench share: clocks, a fork with a pipe, /proc/meminfo. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"

long long test_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

void test_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

pid_t fork_piped(int pfd[2])
{
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		pid = -errno;
		close(pfd[0]);
		close(pfd[1]);
	}
	return pid;
}

size_t read_to_eof(int fd, char *buf, size_t len)
{
	char sink[4096];
	size_t used = 0;
	ssize_t n;

	for (;;) {
		if (used + 1 < len)
			n = read(fd, buf + used, len - used - 1);
		else
			n = read(fd, sink, sizeof(sink));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (used + 1 < len)
			used += n;
	}
	if (len)
		buf[used] = '\0';
	close(fd);
	return used;
}

int exit_code(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	return 128 + WTERMSIG(wstatus);
}

long long meminfo_kb(const char *key)
{
	size_t klen = strlen(key);
	long long val = -1;
	char buf[256];
	FILE *f;

	f = fopen("/proc/meminfo", "re");
	if (!f)
		return -1;
	while (fgets(buf, sizeof(buf), f)) {
		if (!strncmp(buf, key, klen) && buf[klen] == ':') {
			val = strtoll(buf + klen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}
