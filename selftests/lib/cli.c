// SPDX-License-Identifier: GPL-2.0
/* Helpers for the CLI tests (host and VM) and the policy scenarios: run build/oomkit, capture its output, check its pins. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <stddef.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "cli.h"
#include "proc.h"
#include "report.h"

#define CLI_MAX_ARGS   64
#define CLI_TIMEOUT_MS 60000

const char *build_path(const char *rel)
{
	static char bufs[4][PATH_MAX];
	static int next;
	char exe[PATH_MAX], *slash;
	ssize_t n;
	char *buf = bufs[next++ % 4];

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		n = 0;
	exe[n] = '\0';
	/* build/selftests/<binary> -> build */
	for (int i = 0; i < 2; i++) {
		slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
	}
	if (snprintf(buf, PATH_MAX, "%s/%s", exe, rel) >= PATH_MAX)
		buf[0] = '\0';
	return buf;
}

/* User and group 65534, no supplementary groups: no capabilities left. */
static bool drop_to_nobody(void)
{
	return !setgroups(0, NULL) && !setresgid(65534, 65534, 65534) &&
	       !setresuid(65534, 65534, 65534);
}

pid_t fork_as_nobody(void)
{
	pid_t pid = fork();

	if (!pid && !drop_to_nobody())
		_exit(1);
	return pid;
}

static void child_exec(unsigned int flags, const char *const *envs,
		       const char *const *argv)
{
	const char *args[CLI_MAX_ARGS + 2];
	int i;

	for (i = 0; envs && envs[i]; i++)
		putenv((char *)envs[i]);
	if ((flags & CLI_AS_NOBODY) && !drop_to_nobody())
		_exit(126);
	args[0] = build_path("oomkit");
	for (i = 0; argv[i] && i < CLI_MAX_ARGS; i++)
		args[i + 1] = argv[i];
	args[i + 1] = NULL;
	execv(args[0], (char *const *)args);
	_exit(127);
}

/*
 * Appends what poll() found readable on *@fd to @buf (@size bytes, *@len
 * used, one kept for the NUL); at EOF or an error closes it and sets -1.
 */
static void drain(int *fd, short revents, char *buf, size_t size, size_t *len)
{
	ssize_t n;

	if (*fd < 0 || !(revents & (POLLIN | POLLHUP)))
		return;
	n = read(*fd, buf + *len, size - 1 - *len);
	if (n <= 0) {
		close(*fd);
		*fd = -1;
	} else {
		*len += n;
	}
}

/*
 * Forks build/oomkit @argv with stdout on a new pipe, and stderr on another
 * when @err_fd is not NULL (on the same one with CLI_MERGED); the read
 * ends go to *@out_fd and *@err_fd.
 */
static pid_t fork_cli(unsigned int flags, const char *const *envs,
		      const char *const *argv, int *out_fd, int *err_fd)
{
	int out[2], err[2] = { -1, -1 };
	pid_t pid;

	if (err_fd && pipe2(err, O_CLOEXEC))
		return -errno;
	pid = fork_piped(out);
	if (pid < 0) {
		if (err_fd) {
			close(err[0]);
			close(err[1]);
		}
		return pid;
	}
	if (!pid) {
		dup2(out[1], 1);
		if (err_fd)
			dup2(err[1], 2);
		else if (flags & CLI_MERGED)
			dup2(out[1], 2);
		child_exec(flags, envs, argv);
	}
	close(out[1]);
	*out_fd = out[0];
	if (err_fd) {
		close(err[1]);
		*err_fd = err[0];
	}
	return pid;
}

int cli_runv(struct cli_res *r, unsigned int flags, const char *const *envs,
	     const char *const *argv)
{
	size_t out_len = 0, err_len = 0;
	int out, err, wstatus;
	long long deadline;
	pid_t pid;

	r->status = -1;
	r->out[0] = r->err[0] = '\0';
	pid = fork_cli(flags, envs, argv, &out, &err);
	if (pid < 0)
		return pid;

	deadline = test_now_ms() + CLI_TIMEOUT_MS;
	for (;;) {
		/* poll() skips a closed (negative) fd */
		struct pollfd p[2] = { { out, POLLIN, 0 }, { err, POLLIN, 0 } };
		long long left = deadline - test_now_ms();

		if (out < 0 && err < 0)
			break;
		if (left <= 0) {
			kill(pid, SIGKILL);
			break;
		}
		if (poll(p, 2, (int)left) < 0 && errno != EINTR)
			break;
		drain(&out, p[0].revents, r->out, sizeof(r->out), &out_len);
		drain(&err, p[1].revents, r->err, sizeof(r->err), &err_len);
	}
	if (out >= 0)
		close(out);
	if (err >= 0)
		close(err);
	r->out[out_len] = '\0';
	r->err[err_len] = '\0';
	if (waitpid(pid, &wstatus, 0) < 0)
		return -errno;
	r->status = exit_code(wstatus);
	return 0;
}

int cli_run_merged(const char *const *argv, char *out, size_t len)
{
	int fd, wstatus;
	pid_t pid;

	pid = fork_cli(CLI_MERGED, NULL, argv, &fd, NULL);
	if (pid < 0)
		return pid;
	read_to_eof(fd, out, len);
	while (waitpid(pid, &wstatus, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return exit_code(wstatus);
}

static int collect_args(const char **argv, va_list ap)
{
	const char *a;
	int n = 0;

	while ((a = va_arg(ap, const char *)) && n < CLI_MAX_ARGS)
		argv[n++] = a;
	argv[n] = NULL;
	return n;
}

int cli_run(struct cli_res *r, unsigned int flags, const char *const *envs, ...)
{
	const char *argv[CLI_MAX_ARGS + 1];
	va_list ap;

	va_start(ap, envs);
	collect_args(argv, ap);
	va_end(ap);
	return cli_runv(r, flags, envs, argv);
}

pid_t cli_spawn(int *out_fd, const char *const *envs, ...)
{
	const char *argv[CLI_MAX_ARGS + 1];
	va_list ap;

	va_start(ap, envs);
	collect_args(argv, ap);
	va_end(ap);
	return fork_cli(0, envs, argv, out_fd, NULL);
}

int cli_finish(pid_t pid, int out_fd, char *buf, size_t len, int timeout_ms)
{
	long long deadline = test_now_ms() + timeout_ms;
	size_t got = 0;
	int wstatus;

	for (;;) {
		struct pollfd p = { out_fd, POLLIN, 0 };
		long long left = deadline - test_now_ms();
		ssize_t n;

		if (left <= 0)
			break;
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		n = read(out_fd, buf + got, len - 1 - got);
		if (n <= 0)
			break;
		got += n;
	}
	buf[got] = '\0';
	close(out_fd);
	kill(pid, SIGTERM);
	if (waitpid(pid, &wstatus, 0) < 0)
		return -errno;
	return exit_code(wstatus);
}

const char *cli_err_line(const struct cli_res *r)
{
	static char line[4096];
	const char *nl = strchr(r->err, '\n');
	size_t n = nl ? (size_t)(nl - r->err) : strlen(r->err);

	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	memcpy(line, r->err, n);
	line[n] = '\0';
	return line;
}

int private_bpffs(void)
{
	if (unshare(CLONE_NEWNS))
		return -errno;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -errno;
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700"))
		return -errno;
	return 0;
}

bool pin_exists(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/fs/bpf/oomkit/%s", name);
	if (!access(path, F_OK))
		return true;
	snprintf(path, sizeof(path), "/sys/fs/bpf/oomkit/%s~tmp", name);
	return !access(path, F_OK);
}

int struct_ops_link_info(int link_fd, __u32 *map_id, __u64 *cgroup_id)
{
	/* libbpf 1.5's struct has no cgroup_id: it follows map_id, 8-aligned */
	union {
		struct bpf_link_info info;
		char raw[sizeof(struct bpf_link_info) + 16];
	} u;
	size_t off = offsetof(struct bpf_link_info, struct_ops.map_id) + 8;
	__u32 len = sizeof(u);

	memset(&u, 0, sizeof(u));
	if (bpf_link_get_info_by_fd(link_fd, &u.info, &len))
		return -errno;
	if (u.info.type != BPF_LINK_TYPE_STRUCT_OPS)
		return -EINVAL;
	*map_id = u.info.struct_ops.map_id;
	memcpy(cgroup_id, u.raw + off, sizeof(*cgroup_id));
	return 0;
}

int struct_ops_link_attached(int link_fd)
{
	__u32 map_id;
	__u64 cgid;
	int err;

	err = struct_ops_link_info(link_fd, &map_id, &cgid);
	if (err)
		return err;
	/* on detach level 1 clears the link's map, level 2 its cgroup */
	return abi_level() == 2 ? !!cgid : !!map_id;
}

static int count_struct_ops_links(bool attached_only)
{
	__u32 id = 0, map_id;
	__u64 cgid;
	int n = 0;

	while (!bpf_link_get_next_id(id, &id)) {
		int fd = bpf_link_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (attached_only ? struct_ops_link_attached(fd) > 0 :
				    !struct_ops_link_info(fd, &map_id, &cgid))
			n++;
		close(fd);
	}
	return n;
}

int nr_struct_ops_links(void)
{
	return count_struct_ops_links(false);
}

int nr_attached_struct_ops_links(void)
{
	return count_struct_ops_links(true);
}

int nr_struct_ops_maps(void)
{
	__u32 id = 0;
	int n = 0;

	while (!bpf_map_get_next_id(id, &id)) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_map_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_map_get_info_by_fd(fd, &info, &len) &&
		    info.type == BPF_MAP_TYPE_STRUCT_OPS)
			n++;
		close(fd);
	}
	return n;
}

long long struct_ops_run_cnt(void)
{
	long long n = 0;
	__u32 id = 0;

	while (!bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_prog_get_info_by_fd(fd, &info, &len) &&
		    info.type == BPF_PROG_TYPE_STRUCT_OPS)
			n += info.run_cnt;
		close(fd);
	}
	return n;
}

#define STATS_SYSCTL "/proc/sys/kernel/bpf_stats_enabled"

int bpf_stats_sysctl(void)
{
	char c = '?';
	int fd = open(STATS_SYSCTL, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (read(fd, &c, 1) != 1)
		c = '?';
	close(fd);
	return c == '1' ? 1 : c == '0' ? 0 : -1;
}

bool bpf_stats_sysctl_set(bool on)
{
	int fd = open(STATS_SYSCTL, O_WRONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, on ? "1\n" : "0\n", 2) == 2;
	close(fd);
	return ok;
}

int copy_file(const char *from, const char *to, uid_t uid, mode_t mode)
{
	char buf[65536];
	int in, out, err = 0;
	ssize_t n;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	unlink(to);
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		err = -errno;
		close(in);
		return err;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (write(out, buf, n) != n) {
			err = -EIO;
			break;
		}
	}
	if (n < 0)
		err = -errno;
	if (!err && (fchown(out, uid, 0) || fchmod(out, mode)))
		err = -errno;
	close(in);
	close(out);
	return err;
}
