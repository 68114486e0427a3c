/* SPDX-License-Identifier: GPL-2.0 */
/* Memory hogs: forked children that sit in a test cgroup holding anonymous memory or page cache. */
#ifndef __OOMKIT_HOG_H
#define __OOMKIT_HOG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Forks a child that joins cgroup @rel (relative to cg_init()'s root), sets
 * its oom_score_adj, touches @bytes of anonymous memory, reports ready and
 * sleeps until killed. Returns once the child is ready or dead (e.g.
 * OOM-killed while allocating: hog_wait() then says SIGKILL), so the
 * caller gets the pid either way; a negative errno if it could not be set up.
 * If @rel is frozen, it returns as soon as the child is in the cgroup: the
 * child allocates after the thaw. Children are named "oomkit-hog" (comm),
 * die with the test process and inherit no file descriptor (a struct_ops
 * link must not outlive its test).
 */
pid_t hog_start(const char *rel, size_t bytes, int oom_score_adj);
/* Same, but allocates @step at a time forever; returns once the child is in the cgroup. */
pid_t hog_start_growing(const char *rel, size_t step, int oom_score_adj);
/*
 * A growing hog with a SIGTERM policy: with @state, it writes
 * HOG_STATE_BYTES and then "END\n" to that file, fsyncs and exits 0 (a
 * workload saving its state); with NULL it ignores SIGTERM.
 */
#define HOG_STATE_BYTES (256 * 1024)
pid_t hog_start_growing_term(const char *rel, size_t step, const char *state);
/*
 * Like hog_start(), but a second thread touches the memory and the main
 * thread calls pthread_exit(): ready once the leader is a zombie without
 * mm and the worker holds @bytes (kill it with the pid returned, the tgid).
 */
pid_t hog_start_exited_main(const char *rel, size_t bytes, int oom_score_adj);
/*
 * A hog at oom_score_adj 0 holding @anon bytes that also maps @path
 * read-only and reads its first @file_bytes, so that much page cache is
 * charged to @rel. With @loop it then reads them in a cycle forever (a
 * thrasher: ready before the first pass); without, it unmaps them and
 * sleeps with the file open, so the cache stays, unmapped and cheap to
 * reclaim, until it dies. Returns like hog_start().
 */
pid_t hog_start_reading(const char *rel, const char *path, size_t anon,
			size_t file_bytes, bool loop);
/* The terminating signal (e.g. SIGKILL), 0 for a normal exit, -ETIMEDOUT if still alive after @timeout_ms. */
int hog_wait(pid_t pid, int timeout_ms);
/* SIGKILLs and reaps every hog still alive; hog_wait() still reports how each ended. */
void hog_kill_all(void);

#ifndef KB
#define KB 1024ULL
#endif
#ifndef MB
#define MB (1024ULL * 1024ULL)
#endif

#endif /* __OOMKIT_HOG_H */
