#include "harness.h"

#include "engine/core/error.h"
#include "engine/run/lock.h"

#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* A child that takes the lock, says so on `ready`, and holds it until
 * `release` is closed or it is killed. */
struct holder {
	pid_t pid;
	int release_fd;
};

static struct holder s_spawn_holder_mode(const char *dir, const char *run_id, enum c1_lock_mode mode,
					 int hold_ms);
static struct holder s_spawn_holder(const char *dir, const char *run_id)
{
	return s_spawn_holder_mode(dir, run_id, C1_LOCK_EXCLUSIVE, -1);
}

/* hold_ms >= 0: the child lets go by itself after that long. */
static struct holder s_spawn_holder_mode(const char *dir, const char *run_id, enum c1_lock_mode mode,
					 int hold_ms)
{
	int ready[2];
	int release[2];
	struct holder h = {0, -1};
	char byte = 0;
	C1_CHECK(pipe(ready) == 0 && pipe(release) == 0);
	h.pid = fork();
	C1_CHECK(h.pid >= 0);
	if (h.pid == 0) {
		struct c1_lock *lock = NULL;
		close(ready[0]);
		close(release[1]);
		if (c1_lock_acquire_mode(&lock, dir, mode, 0) != 0)
			_exit(3);
		if (run_id && c1_lock_set_run(lock, run_id) != 0)
			_exit(4);
		if (write(ready[1], "k", 1) != 1)
			_exit(5);
		if (hold_ms >= 0)
			usleep((useconds_t)hold_ms * 1000);
		else
			(void)!read(release[0], &byte, 1);
		c1_lock_release(lock);
		_exit(0);
	}
	close(ready[1]);
	close(release[0]);
	C1_CHECK_INT(read(ready[0], &byte, 1), ==, 1);
	close(ready[0]);
	h.release_fd = release[1];
	return h;
}

static int s_wait(pid_t pid)
{
	int status = 0;
	C1_CHECK_INT(waitpid(pid, &status, 0), ==, pid);
	return status;
}

C1_TEST(second_acquire_is_busy_and_names_holder)
{
	const char *dir = c1_test_tmpdir();
	struct holder h = s_spawn_holder(dir, "20261127T013000Z-3f9a");
	struct c1_lock *lock = NULL;
	char pid_text[32];

	C1_CHECK_INT(c1_lock_acquire(&lock, dir), ==, C1_EBUSY);
	C1_CHECK(lock == NULL);
	snprintf(pid_text, sizeof(pid_text), "pid %ld", (long)h.pid);
	C1_CHECK_CONTAINS(c1_error_last(), pid_text);
	C1_CHECK_CONTAINS(c1_error_last(), "20261127T013000Z-3f9a");
	C1_CHECK_CONTAINS(c1_error_last(), "--state-dir");

	close(h.release_fd);
	C1_CHECK(WIFEXITED(s_wait(h.pid)));
	C1_CHECK_INT(c1_lock_acquire(&lock, dir), ==, 0);
	c1_lock_release(lock);
}

C1_TEST(kill_releases_lock)
{
	const char *dir = c1_test_tmpdir();
	struct holder h = s_spawn_holder(dir, NULL);
	struct c1_lock *lock = NULL;

	C1_CHECK_INT(c1_lock_acquire(&lock, dir), ==, C1_EBUSY);
	kill(h.pid, SIGKILL);
	C1_CHECK(WIFSIGNALED(s_wait(h.pid)));
	close(h.release_fd);
	C1_CHECK_INT(c1_lock_acquire(&lock, dir), ==, 0);
	c1_lock_release(lock);
}

C1_TEST(same_process_cannot_take_it_twice)
{
	const char *dir = c1_test_tmpdir();
	struct c1_lock *a = NULL;
	struct c1_lock *b = NULL;
	C1_CHECK_INT(c1_lock_acquire(&a, dir), ==, 0);
	C1_CHECK_INT(c1_lock_acquire(&b, dir), ==, C1_EBUSY);
	c1_lock_release(a);
	C1_CHECK_INT(c1_lock_acquire(&b, dir), ==, 0);
	c1_lock_release(b);
	c1_lock_release(NULL);
}

C1_TEST(probe_reports_holder)
{
	const char *dir = c1_test_tmpdir();
	struct c1_lock_holder holder;
	struct holder h;

	C1_CHECK_INT(c1_lock_probe(&holder, dir), ==, 0); /* no file yet */
	C1_CHECK(!holder.held);

	h = s_spawn_holder(dir, "run-abc");
	C1_CHECK_INT(c1_lock_probe(&holder, dir), ==, 0);
	C1_CHECK(holder.held);
	C1_CHECK_INT(holder.pid, ==, h.pid);
	C1_CHECK_STR(holder.run_id, "run-abc");
	close(h.release_fd);
	s_wait(h.pid);

	C1_CHECK_INT(c1_lock_probe(&holder, dir), ==, 0);
	C1_CHECK(!holder.held);
}

C1_TEST(creates_private_dir_and_file_with_pid)
{
	char dir[512];
	char path[600];
	char text[128] = {0};
	char expect[64];
	struct stat st;
	struct c1_lock *lock = NULL;
	FILE *f = NULL;

	snprintf(dir, sizeof(dir), "%s/nested/state", c1_test_tmpdir());
	C1_CHECK_INT(c1_lock_acquire(&lock, dir), ==, 0);
	C1_CHECK_INT(c1_lock_set_run(lock, "20261127T013000Z-0001"), ==, 0);
	C1_CHECK(stat(dir, &st) == 0);
	C1_CHECK_INT(st.st_mode & 0777, ==, 0700);
	snprintf(path, sizeof(path), "%s/lock", dir);
	C1_CHECK(stat(path, &st) == 0);
	C1_CHECK_INT(st.st_mode & 0777, ==, 0600);
	f = fopen(path, "r");
	C1_CHECK(f != NULL);
	C1_CHECK(fread(text, 1, sizeof(text) - 1, f) > 0);
	fclose(f);
	snprintf(expect, sizeof(expect), "pid=%ld\n", (long)getpid());
	C1_CHECK_CONTAINS(text, expect);
	C1_CHECK_CONTAINS(text, "run=20261127T013000Z-0001\n");
	c1_lock_release(lock);
}

C1_TEST(unwritable_dir_is_an_error_not_busy)
{
	struct c1_lock *lock = NULL;
	const char *file = c1_test_write_file("plainfile", "x", 0600);
	char dir[600];
	snprintf(dir, sizeof(dir), "%s/sub", file); /* a path under a regular file */
	C1_CHECK_INT(c1_lock_acquire(&lock, dir), ==, C1_ERROR);
	C1_CHECK_CONTAINS(c1_error_last(), "--state-dir");
}

/* plan and drift share the lock with each other; apply and offboard need it alone. */
C1_TEST(shared_holders_coexist_and_exclude_an_exclusive_one)
{
	const char *dir = c1_test_tmpdir();
	struct holder h = s_spawn_holder_mode(dir, "20261127T013000Z-aaaa", C1_LOCK_SHARED, -1);
	struct c1_lock *shared = NULL, *exclusive = NULL;
	struct c1_lock_holder probe;

	C1_CHECK_INT(c1_lock_acquire_mode(&shared, dir, C1_LOCK_SHARED, 0), ==, 0);
	C1_CHECK_INT(c1_lock_acquire_mode(&exclusive, dir, C1_LOCK_EXCLUSIVE, 0), ==, C1_EBUSY);
	C1_CHECK_CONTAINS(c1_error_last(), "--wait-lock");
	C1_CHECK_INT(c1_lock_probe(&probe, dir), ==, 0);
	C1_CHECK(probe.held); /* a shared holder reads as held */
	C1_CHECK(probe.shared);
	c1_lock_release(shared);
	close(h.release_fd);
	C1_CHECK(WIFEXITED(s_wait(h.pid)));
	C1_CHECK_INT(c1_lock_acquire_mode(&exclusive, dir, C1_LOCK_EXCLUSIVE, 0), ==, 0);
	C1_CHECK_INT(c1_lock_acquire_mode(&shared, dir, C1_LOCK_SHARED, 0), ==, C1_EBUSY);
	c1_lock_release(exclusive);
}

/* --wait-lock: a holder that finishes within the wait lets the next run in; one that does not
 * ends the wait with 75's error. */
C1_TEST(wait_lock_outlasts_a_holder_that_finishes)
{
	const char *dir = c1_test_tmpdir();
	struct holder h = s_spawn_holder_mode(dir, NULL, C1_LOCK_EXCLUSIVE, 600);
	struct c1_lock *lock = NULL;
	C1_CHECK_INT(c1_lock_acquire_mode(&lock, dir, C1_LOCK_EXCLUSIVE, 5000), ==, 0);
	c1_lock_release(lock);
	C1_CHECK(WIFEXITED(s_wait(h.pid)));

	h = s_spawn_holder_mode(dir, NULL, C1_LOCK_EXCLUSIVE, -1);
	C1_CHECK_INT(c1_lock_acquire_mode(&lock, dir, C1_LOCK_SHARED, 400), ==, C1_EBUSY);
	C1_CHECK_CONTAINS(c1_error_last(), "did not finish within --wait-lock");
	close(h.release_fd);
	C1_CHECK(WIFEXITED(s_wait(h.pid)));
}
