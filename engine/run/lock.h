/* The state-dir lock: a flock on STATE_DIR/lock per run. Runs that change
 * the cloud (apply, offboard) take it exclusively, so two of them never share
 * a state store; read-only runs (plan, drift) share it with each other. The
 * kernel drops it when the holder exits or is killed, so a crashed run never
 * leaves a stale lock behind. */
#ifndef C1_RUN_LOCK_H
#define C1_RUN_LOCK_H

#include <stdbool.h>
#include <sys/types.h>

#define C1_LOCK_RUN_ID_MAX 64

struct c1_lock;

/** Who holds (or last held) the lock, read from the lock file. */
struct c1_lock_holder {
	bool held;                       /* some open file description holds the flock now */
	pid_t pid;                       /* 0 when the file names none */
	char run_id[C1_LOCK_RUN_ID_MAX]; /* "" before the holder began its run */
	bool shared;                     /* the file's last writer took it shared (others may hold it too) */
};

enum c1_lock_mode { C1_LOCK_EXCLUSIVE = 0, C1_LOCK_SHARED };

/**
 * Take the exclusive lock on `state_dir`/lock (creating the dir 0700 and the
 * file 0600) without blocking for long: a holder that keeps it for ~250 ms
 * wins. On success `*out` is owned by the caller (c1_lock_release) and the
 * file says `pid=<our pid>`. The descriptor is close-on-exec, so children
 * (credential_process helpers) never inherit the lock.
 * Returns 0; C1_EBUSY when another process holds it (the message names its
 * pid and run id; the CLI exits 75); C1_ERROR when the dir or file cannot be
 * created or opened. Not for sharing across threads.
 */
int c1_lock_acquire(struct c1_lock **out, const char *state_dir);

/**
 * The same in `mode`, waiting up to `wait_ms` for the holders to go (0: the
 * brief retry above only); the first wait is logged once, naming the holder.
 * A shared lock coexists with other shared ones and excludes an exclusive one.
 */
int c1_lock_acquire_mode(struct c1_lock **out, const char *state_dir, enum c1_lock_mode mode, long wait_ms);

/** Record `run_id` next to our pid in the lock file (after the run began). 0 or C1_ERROR. */
int c1_lock_set_run(struct c1_lock *lock, const char *run_id);

/**
 * Report whether anyone holds the lock of `state_dir`, and the pid/run id the
 * file names, without keeping the lock. A missing dir or file gives
 * held=false and 0. Note: the probe takes the lock for an instant, which is
 * why c1_lock_acquire retries briefly. Returns 0 or C1_ERROR.
 */
int c1_lock_probe(struct c1_lock_holder *out, const char *state_dir);

/** Unlock and free; the file stays (removing it would race a new acquirer). NULL is fine. */
void c1_lock_release(struct c1_lock *lock);

#endif
