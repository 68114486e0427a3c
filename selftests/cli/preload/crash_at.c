// SPDX-License-Identifier: GPL-2.0
/* Test-only LD_PRELOAD shim: signals the CLI right after its Nth bpf(CMD). */
/*
 * OOMKIT_CRASH_AT=CMD:N:SIG, with CMD obj_pin or link_create and SIG kill,
 * int or term: once the Nth successful bpf(CMD) returns, the process sends
 * itself SIG. libbpf (static in build/oomkit) makes every bpf() call through
 * libc's syscall(), which this wraps, so the tests crash the binary that is
 * shipped, and that binary carries no test hook.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>

static long (*real_syscall)(long nr, ...);
static int crash_cmd = -1, crash_sig;
static unsigned int crash_nth, seen;

struct name_value {
	const char *name;
	int value;
};

static const struct name_value cmds[] = {
	{ "obj_pin", BPF_OBJ_PIN },
	{ "link_create", BPF_LINK_CREATE },
};

static const struct name_value sigs[] = {
	{ "kill", SIGKILL },
	{ "int", SIGINT },
	{ "term", SIGTERM },
};

static int lookup(const char *name, const struct name_value *t, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (!strcmp(name, t[i].name))
			return t[i].value;
	return -1;
}

__attribute__((constructor)) static void crash_at_init(void)
{
	const char *spec = getenv("OOMKIT_CRASH_AT");
	char cmd[32], sig[16];

	real_syscall = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	if (!spec)
		return;
	if (sscanf(spec, "%31[^:]:%u:%15s", cmd, &crash_nth, sig) != 3 ||
	    (crash_cmd = lookup(cmd, cmds, sizeof(cmds) / sizeof(cmds[0]))) <
		    0 ||
	    (crash_sig = lookup(sig, sigs, sizeof(sigs) / sizeof(sigs[0]))) <
		    0 ||
	    !crash_nth) {
		/* a typo must not let a test pass without its crash */
		fprintf(stderr, "crash_at: bad OOMKIT_CRASH_AT '%s'\n", spec);
		_exit(127);
	}
}

long syscall(long nr, ...)
{
	long a[6], ret;
	va_list ap;
	int i;

	/* the kernel ignores the arguments a call does not take */
	va_start(ap, nr);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	ret = real_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	if (nr == __NR_bpf && a[0] == crash_cmd && ret >= 0 &&
	    ++seen == crash_nth)
		raise(crash_sig);
	return ret;
}
