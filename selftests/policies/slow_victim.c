// SPDX-License-Identifier: GPL-2.0
/* A victim that exits slowly: CPU burners and SCHED_IDLE keep a killed task from running. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "slow_victim.h"

#define NR_BURNERS 2
#define SLOW_CPU   0

static pid_t burners[NR_BURNERS] = { -1, -1 };

/* A CPU-bound child on SLOW_CPU in cgroup @rel; dies with the test process. */
static pid_t burner_start(const char *rel)
{
	cpu_set_t set;
	pid_t pid;
	int err;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		CPU_ZERO(&set);
		CPU_SET(SLOW_CPU, &set);
		sched_setaffinity(0, sizeof(set), &set);
		for (;;)
			;
	}
	err = cg_write(rel, "cgroup.procs", "%d", pid);
	if (err) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return err;
	}
	return pid;
}

int slow_victim_begin(const char *busy_rel, pid_t pid)
{
	struct sched_param param = { .sched_priority = 0 };
	cpu_set_t set;
	int i, err;

	for (i = 0; i < NR_BURNERS; i++) {
		err = burner_start(busy_rel);
		if (err < 0)
			goto err;
		burners[i] = err;
	}
	CPU_ZERO(&set);
	CPU_SET(SLOW_CPU, &set);
	if (sched_setaffinity(pid, sizeof(set), &set) ||
	    sched_setscheduler(pid, SCHED_IDLE, &param)) {
		err = -errno;
		goto err;
	}
	return 0;
err:
	slow_victim_end();
	return err;
}

/* An unreaped burner would be a zombie keeping its cgroup dying. */
void slow_victim_end(void)
{
	int i;

	for (i = 0; i < NR_BURNERS; i++) {
		if (burners[i] <= 0)
			continue;
		kill(burners[i], SIGKILL);
		waitpid(burners[i], NULL, 0);
		burners[i] = -1;
	}
}
