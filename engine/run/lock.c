#include "engine/run/lock.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A probe (c1_lock_probe, or a concurrent `report`) holds the lock for
 * microseconds; retrying this long keeps such a probe from failing a run. */
#define C1_LOCK_TRIES        10
#define C1_LOCK_RETRY_MS     25
#define C1_LOCK_WAIT_POLL_MS 250 /* --wait-lock: how often to look again */

struct c1_lock {
	int fd;
	char *path;
	enum c1_lock_mode mode;
};

static int s_mkdir_p(const char *dir)
{
	int rc = C1_ERROR;
	char *copy = c1_strdup(dir);
	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0700) != 0 && errno != EEXIST) {
			c1_error_set("cannot create state directory %s: %s; pick another --state-dir", copy,
				     strerror(errno));
			goto cleanup;
		}
		*p = '/';
	}
	if (mkdir(copy, 0700) != 0 && errno != EEXIST) {
		c1_error_set("cannot create state directory %s: %s; pick another --state-dir", copy,
			     strerror(errno));
		goto cleanup;
	}
	rc = 0;
cleanup:
	free(copy);
	return rc;
}

static void s_parse_holder(struct c1_lock_holder *h, const char *text)
{
	const char *p = strstr(text, "pid=");
	if (p) {
		char *end = NULL;
		long v = strtol(p + 4, &end, 10);
		if (end != p + 4 && v > 0)
			h->pid = (pid_t)v;
	}
	h->shared = strstr(text, "mode=shared") != NULL;
	p = strstr(text, "run=");
	if (p) {
		size_t n = strcspn(p + 4, "\n");
		if (n >= sizeof(h->run_id))
			n = sizeof(h->run_id) - 1;
		memcpy(h->run_id, p + 4, n);
		h->run_id[n] = '\0';
	}
}

static void s_read_holder(struct c1_lock_holder *h, int fd)
{
	char text[256];
	ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
	if (n <= 0)
		return;
	text[n] = '\0';
	s_parse_holder(h, text);
}

static int s_write_contents(struct c1_lock *lock, const char *run_id)
{
	char text[160];
	int n = snprintf(text, sizeof(text), "pid=%ld\nrun=%s\nmode=%s\n", (long)getpid(),
			 run_id ? run_id : "", lock->mode == C1_LOCK_SHARED ? "shared" : "exclusive");
	if (n < 0 || (size_t)n >= sizeof(text)) {
		c1_error_set("run id too long for the lock file %s", lock->path);
		return C1_ERROR;
	}
	if (ftruncate(lock->fd, 0) != 0 || pwrite(lock->fd, text, (size_t)n, 0) != (ssize_t)n) {
		c1_error_set("cannot write %s: %s", lock->path, strerror(errno));
		return C1_ERROR;
	}
	return 0;
}

static int64_t s_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void s_busy_message(const struct c1_lock *lock, const struct c1_lock_holder *h, char *out, size_t size)
{
	if (h->pid > 0)
		snprintf(out, size, "another c1onboard run (pid %ld%s%s) holds the state-dir lock %s",
			 (long)h->pid, h->run_id[0] ? ", run " : "", h->run_id, lock->path);
	else
		snprintf(out, size, "another c1onboard run holds the state-dir lock %s", lock->path);
}

int c1_lock_acquire_mode(struct c1_lock **out, const char *state_dir, enum c1_lock_mode mode, long wait_ms)
{
	int rc = C1_ERROR;
	struct c1_lock *lock = NULL;
	bool told = false;

	*out = NULL;
	if (s_mkdir_p(state_dir) != 0)
		goto cleanup;
	lock = c1_calloc(1, sizeof(*lock));
	lock->fd = -1;
	lock->mode = mode;
	lock->path = c1_asprintf("%s/lock", state_dir);
	lock->fd = open(lock->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock->fd < 0) {
		c1_error_set("cannot open the lock file %s: %s", lock->path, strerror(errno));
		goto cleanup;
	}
	int64_t deadline = s_mono_ms() + (wait_ms > 0 ? wait_ms : 0);
	for (int i = 0;; i++) {
		if (flock(lock->fd, (mode == C1_LOCK_SHARED ? LOCK_SH : LOCK_EX) | LOCK_NB) == 0)
			break;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			c1_error_set("cannot lock %s: %s", lock->path, strerror(errno));
			goto cleanup;
		}
		bool waiting = wait_ms > 0 && s_mono_ms() < deadline;
		if (i + 1 >= C1_LOCK_TRIES && !waiting) {
			struct c1_lock_holder h = {0};
			char busy[512];
			s_read_holder(&h, lock->fd);
			s_busy_message(lock, &h, busy, sizeof(busy));
			c1_error_set(
			    "%s; %s", busy,
			    wait_ms > 0
				? "it did not finish within --wait-lock; wait longer or use another "
				  "--state-dir"
				: "wait for it to finish (or give --wait-lock SECONDS) or use another "
				  "--state-dir");
			rc = C1_EBUSY;
			goto cleanup;
		}
		if (waiting && i + 1 >= C1_LOCK_TRIES && !told) {
			struct c1_lock_holder h = {0};
			char busy[512];
			s_read_holder(&h, lock->fd);
			s_busy_message(lock, &h, busy, sizeof(busy));
			C1_INFO("lock", "%s; waiting up to %ld s for it (--wait-lock)", busy, wait_ms / 1000);
			told = true;
		}
		struct timespec ts = {0, (i + 1 < C1_LOCK_TRIES ? C1_LOCK_RETRY_MS : C1_LOCK_WAIT_POLL_MS) *
					     1000000L};
		nanosleep(&ts, NULL);
	}
	if (s_write_contents(lock, NULL) != 0)
		goto cleanup;
	*out = lock;
	lock = NULL;
	rc = 0;
cleanup:
	c1_lock_release(lock);
	return rc;
}

int c1_lock_acquire(struct c1_lock **out, const char *state_dir)
{
	return c1_lock_acquire_mode(out, state_dir, C1_LOCK_EXCLUSIVE, 0);
}

int c1_lock_set_run(struct c1_lock *lock, const char *run_id)
{
	return s_write_contents(lock, run_id);
}

int c1_lock_probe(struct c1_lock_holder *out, const char *state_dir)
{
	int rc = C1_ERROR;
	char *path = c1_asprintf("%s/lock", state_dir);
	int fd = -1;

	memset(out, 0, sizeof(*out));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT) {
			rc = 0;
		} else {
			c1_error_set("cannot open the lock file %s: %s", path, strerror(errno));
		}
		goto cleanup;
	}
	s_read_holder(out, fd);
	/* exclusive: a shared holder must read as held too */
	if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
		flock(fd, LOCK_UN);
	} else if (errno == EWOULDBLOCK) {
		out->held = true;
	} else {
		c1_error_set("cannot test the lock %s: %s", path, strerror(errno));
		goto cleanup;
	}
	rc = 0;
cleanup:
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}

void c1_lock_release(struct c1_lock *lock)
{
	if (!lock)
		return;
	if (lock->fd >= 0) {
		flock(lock->fd, LOCK_UN);
		close(lock->fd);
	}
	free(lock->path);
	free(lock);
}
