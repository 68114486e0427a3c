// SPDX-License-Identifier: GPL-2.0
/* An OOM victim that cannot exit: shared memory the reaper can't free, its only thread in D state on a frozen fs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "stuck.h"
#include "test.h"

#define FROZEN_DEV  "/dev/ram0"
#define FROZEN_DIR  "/tmp/oomkit-frozen"
#define FROZEN_FILE FROZEN_DIR "/file"
#define MAX_STUCK   4

static int frozen_fd = -1;
static bool mounted;
static pid_t stuck[MAX_STUCK];

static int run_mke2fs(void)
{
	int status, fd;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		fd = open("/dev/null", O_WRONLY);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp("mke2fs", "mke2fs", "-q", "-F", FROZEN_DEV,
		       (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -EIO;
}

int frozen_fs_begin(void)
{
	int err, fd;

	err = run_mke2fs();
	if (err)
		return err;
	if (mkdir(FROZEN_DIR, 0755) && errno != EEXIST)
		return -errno;
	if (mount(FROZEN_DEV, FROZEN_DIR, "ext2", 0, NULL))
		return -errno;
	mounted = true;
	/* Opened for writing before the freeze; the write is what blocks. */
	fd = open(FROZEN_FILE, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		goto err;
	close(fd);
	frozen_fd = open(FROZEN_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (frozen_fd < 0)
		goto err;
	if (ioctl(frozen_fd, FIFREEZE, 0))
		goto err;
	return 0;
err:
	err = -errno;
	frozen_fs_end();
	return err;
}

char stuck_state(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* "pid (comm) S ...": comm may hold spaces and parentheses */
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

static void __attribute__((noreturn)) stuck_main(const char *rel, size_t bytes,
						 int ready)
{
	size_t off;
	char *p;
	int fd;

	prctl(PR_SET_NAME, "oomkit-stuck");
	if (cg_enter_as_victim(rel))
		_exit(3);
	fd = memfd_create("oomkit-stuck", 0);
	if (fd < 0 || ftruncate(fd, bytes))
		_exit(3);
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		_exit(3);
	for (off = 0; off < bytes; off += 4096)
		p[off] = 1;
	fd = open(FROZEN_FILE, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		_exit(3);
	if (write(ready, "r", 1) != 1)
		_exit(3);
	close(ready);
	/* Sleeps uninterruptibly in sb_start_write() until the thaw */
	if (write(fd, "x", 1) < 0)
		_exit(3);
	for (;;)
		pause();
}

pid_t stuck_start(const char *rel, size_t shmem_bytes)
{
	int pipefd[2], slot;
	char c;
	pid_t pid;

	for (slot = 0; slot < MAX_STUCK && stuck[slot] > 0; slot++)
		;
	if (slot == MAX_STUCK)
		return -ENOSPC;
	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		close(pipefd[0]);
		stuck_main(rel, shmem_bytes, pipefd[1]);
	}
	close(pipefd[1]);
	stuck[slot] = pid;
	if (read(pipefd[0], &c, 1) != 1) {
		close(pipefd[0]);
		return -ECHILD;
	}
	close(pipefd[0]);
	if (!WAIT_UNTIL(stuck_state(pid) == 'D', 5000))
		return -ETIMEDOUT;
	return pid;
}

void frozen_fs_end(void)
{
	int i;

	if (frozen_fd >= 0) {
		if (ioctl(frozen_fd, FITHAW, 0))
			test_log("FITHAW: %s\n", strerror(errno));
		close(frozen_fd);
		frozen_fd = -1;
	}
	for (i = 0; i < MAX_STUCK; i++) {
		if (stuck[i] <= 0)
			continue;
		kill(stuck[i], SIGKILL);
		waitpid(stuck[i], NULL, 0);
		stuck[i] = 0;
	}
	if (mounted) {
		umount2(FROZEN_DIR, MNT_DETACH);
		mounted = false;
	}
}
