// SPDX-License-Identifier: GPL-2.0
/* Boot-clock timestamps (bpf_ktime_get_boot_ns(), load times) as wall-clock time. */
#include <stdio.h>
#include <time.h>

#include "walltime.h"

static long long ts_ns(const struct timespec *ts)
{
	return (long long)ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec;
}

long long boot_now_ns(void)
{
	struct timespec boot;

	clock_gettime(CLOCK_BOOTTIME, &boot);
	return ts_ns(&boot);
}

/* The offset between the clocks now: good enough for a log line. */
long long boot_to_wall_ns(__u64 boot_ns)
{
	struct timespec real;

	clock_gettime(CLOCK_REALTIME, &real);
	return ts_ns(&real) - boot_now_ns() + (long long)boot_ns;
}

void boot_to_wall_str(__u64 boot_ns, bool msec, char *buf, size_t len)
{
	long long ns = boot_to_wall_ns(boot_ns);
	time_t sec = ns / NSEC_PER_SEC;
	struct tm tm;
	size_t n;

	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", gmtime_r(&sec, &tm));
	if (msec)
		snprintf(buf + n, len - n, ".%03lldZ", (ns / 1000000LL) % 1000);
	else
		snprintf(buf + n, len - n, "Z");
}
