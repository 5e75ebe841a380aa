/* Client-side rate limiting: one token bucket per key ("cloudformation|
 * us-east-1|111122223333", "cloudone|<api key id>") in a registry shared by
 * all threads, adaptive like the SDK's adaptive retry mode (multiplicative
 * decrease on throttling, CUBIC regrowth up to the configured ceiling). */
#ifndef C1_NET_RATELIMIT_H
#define C1_NET_RATELIMIT_H

#include "engine/core/clock.h"

#include <stdint.h>

struct c1_ratelimit;

struct c1_ratelimit_options {
	const struct c1_clock *clock; /* NULL = c1_clock_system() */
	double default_rate;          /* req/s ceiling for services not configured; 0 = 10 */
	double default_burst;         /* bucket size; 0 = max(1, rate) */
	double min_rate;              /* floor after decreases; 0 = 0.5 (SDK) */
	double beta;                  /* multiplicative decrease; 0 = 0.7 */
	double scale;                 /* CUBIC scale constant; 0 = 0.4 */
};

#define C1_RATELIMIT_OPTIONS_INIT   \
	{                           \
		NULL, 0, 0, 0, 0, 0 \
	}

/** New empty registry. Thread-safe; free with c1_ratelimit_free. */
int c1_ratelimit_new(struct c1_ratelimit **out, const struct c1_ratelimit_options *opts);
/** Frees the registry. No caller may be inside acquire. NULL is fine. */
void c1_ratelimit_free(struct c1_ratelimit *rl);

/**
 * Set the ceiling (req/s) and burst for every key of `service` (the part of
 * the key before the first '|'), existing or future. burst <= 0 means
 * max(1, rate). Existing keys keep their current tokens and are clamped to
 * the new ceiling. C1_EINVALID for a non-positive or absurd rate.
 */
int c1_ratelimit_set_service_rate(struct c1_ratelimit *rl, const char *service, double rate, double burst);

/**
 * Keys of `service` created from now on start at `start` req/s instead of the
 * ceiling and grow toward it (CUBIC, as after a throttle) while the service
 * does not throttle: for services whose real limit is not published. Set the
 * ceiling first; set_service_rate clears it (a user's --rate is a fixed
 * ceiling). C1_EINVALID when start is not in (0, ceiling].
 */
int c1_ratelimit_set_service_start(struct c1_ratelimit *rl, const char *service, double start);

/**
 * Apply one `--rate SERVICE=N/s` option ("cloudformation=2/s", "cloudone=20",
 * "s3=0.5/s"). C1_EINVALID with a message saying the expected form.
 */
int c1_ratelimit_apply_option(struct c1_ratelimit *rl, const char *spec);

/** "service|region|principal" with NULL/empty parts skipped; caller frees. */
char *c1_ratelimit_key(const char *service, const char *region, const char *principal);

/**
 * Non-blocking: take one token for `key` at time `now_ms` (monotonic ms of
 * the registry clock). Returns 0 when a token was taken, otherwise the ms
 * until one will be available (nothing taken; ask again then). The key is
 * created on first use. Thread-safe. A scheduler may park the caller on a
 * timer for the returned time instead of blocking a thread.
 */
int64_t c1_ratelimit_try_acquire(struct c1_ratelimit *rl, const char *key, int64_t now_ms);

/**
 * Blocking: take one token, waiting as long as needed. Waiters for a key
 * queue in FIFO order; only the head waits on a timed condition variable,
 * the rest on an untimed one, so nobody spins. With a non-system clock the
 * head sleeps through the clock's sleep_ms instead (fake clocks). Thread-safe.
 */
void c1_ratelimit_acquire(struct c1_ratelimit *rl, const char *key);

/**
 * Drop `key`'s bucket (a finished account's own keys): its state is lost, as
 * if never used. Kept when a caller is blocked in acquire on it. Thread-safe.
 */
void c1_ratelimit_forget(struct c1_ratelimit *rl, const char *key);

/** A response arrived that was not throttled: measure the send rate, regrow. */
void c1_ratelimit_on_success(struct c1_ratelimit *rl, const char *key, int64_t now_ms);
/** The service throttled us: rate := max(min_rate, beta * min(measured, rate)). */
void c1_ratelimit_on_throttle(struct c1_ratelimit *rl, const char *key, int64_t now_ms);

/** The key's current fill rate in req/s (its ceiling if never used). */
double c1_ratelimit_rate(struct c1_ratelimit *rl, const char *key);
/** The key's ceiling in req/s. */
double c1_ratelimit_ceiling(struct c1_ratelimit *rl, const char *key);
/** The registry clock (borrowed). */
const struct c1_clock *c1_ratelimit_clock(const struct c1_ratelimit *rl);

#endif
