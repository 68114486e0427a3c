// SPDX-License-Identifier: GPL-2.0
/* The kernel's system-wide BPF run-time statistics switch (kernel.bpf_stats_enabled). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "bpf_stats.h"
#include "main.h"

#define BPF_STATS_SYSCTL "/proc/sys/kernel/bpf_stats_enabled"

/* The sysctl's first byte: '0' or '1'; '0' if it can't be read. */
static char read_switch(int fd)
{
	char c = '0';

	if (pread(fd, &c, 1, 0) != 1)
		c = '0';
	return c;
}

bool bpf_stats_on(void)
{
	int fd = open(BPF_STATS_SYSCTL, O_RDONLY | O_CLOEXEC);
	char c;

	if (fd < 0)
		return false;
	c = read_switch(fd);
	close(fd);
	return c == '1';
}

int bpf_stats_enable(void)
{
	int fd, err;

	fd = open(BPF_STATS_SYSCTL, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (read_switch(fd) != '0') {
		close(fd);
		return 0;
	}
	err = pwrite(fd, "1\n", 2, 0) == 2 ? 1 : -errno;
	close(fd);
	return err;
}

void bpf_stats_restore(void)
{
	int fd = open(BPF_STATS_SYSCTL, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, "0\n", 2) != 2)
		p_info("note: can't turn BPF run-time statistics back off: %s",
		       strerror(errno));
	close(fd);
}
