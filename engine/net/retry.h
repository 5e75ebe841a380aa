/* Retry decisions with AWS SDK "standard" mode semantics: attempt limit,
 * full-jitter exponential backoff, a shared retry quota (token bucket) and
 * server hints (Retry-After, x-amz-retry-after). Pure: time and randomness
 * come in as arguments, so every delay is reproducible in tests. */
#ifndef C1_NET_RETRY_H
#define C1_NET_RETRY_H

#include "engine/core/rand.h"
#include "engine/net/api_error.h"

#include <pthread.h>
#include <stdbool.h>

enum c1_retry_mode {
	/* The SDK retry update ("2026", AWS_NEW_RETRIES_2026): base 50 ms for
	 * transient errors and 1 s for throttling, transient retries cost 14
	 * quota tokens, throttling retries 5. The default everywhere. */
	C1_RETRY_STANDARD_2026 = 0,
	/* botocore standard mode "2.0": delay = min(rand * 2^(i-1) s, 20 s),
	 * every retry costs 5 tokens, a timeout 10. */
	C1_RETRY_STANDARD_CLASSIC = 1
};

/* How to read c1_api_error.retry_after_ms. */
enum c1_retry_hint {
	/* Cloud One / Vision One `Retry-After`: wait at least that long; a value
	 * above max_retry_after_ms ends the retries (the caller reports it). */
	C1_RETRY_HINT_MINIMUM = 0,
	/* AWS `x-amz-retry-after` (ms): clamped to [computed, computed + 5 s]. */
	C1_RETRY_HINT_CLAMPED = 1,
	/* Ignore server hints. */
	C1_RETRY_HINT_IGNORE = 2
};

struct c1_retry_policy {
	enum c1_retry_mode mode;
	enum c1_retry_hint hint;
	int max_attempts;           /* first try included; default 3 */
	long base_ms;               /* backoff base for transient errors */
	long throttle_base_ms;      /* backoff base for throttling errors */
	long max_backoff_ms;        /* cap on the computed delay; 20000 */
	long max_retry_after_ms;    /* C1_RETRY_HINT_MINIMUM: larger hints give up; 300000 */
	long retry_after_extra_ms;  /* C1_RETRY_HINT_CLAMPED: upper clamp above computed; 5000 */
	int cost_transient;         /* quota tokens per retry of a transient error */
	int cost_timeout;           /* ... of a connect/read timeout */
	int cost_throttling;        /* ... of a throttling error */
	int cost_first_try_success; /* refund when the first attempt succeeds; 1 */
};

/** Fill `policy` with the SDK defaults of `mode` (3 attempts, hint MINIMUM). */
void c1_retry_policy_init(struct c1_retry_policy *policy, enum c1_retry_mode mode);

/**
 * The retry quota: a token bucket shared by every request of one client
 * (SDK: per client; here: per target, see docs/http-retry-ratelimit.md).
 * A retry takes tokens; a success refunds the last retry's cost (or
 * cost_first_try_success); an empty bucket stops retries, which keeps a
 * failing dependency from being hammered. Thread-safe.
 */
struct c1_retry_quota {
	pthread_mutex_t lock;
	int capacity; /* 500 */
	int available;
};

#define C1_RETRY_QUOTA_CAPACITY 500

/** Full bucket of `capacity` tokens (<= 0 means 500). Pair with dispose. */
void c1_retry_quota_init(struct c1_retry_quota *quota, int capacity);
void c1_retry_quota_dispose(struct c1_retry_quota *quota);
/** Take `cost` tokens if that many are left; false (nothing taken) otherwise. */
bool c1_retry_quota_acquire(struct c1_retry_quota *quota, int cost);
/** Give back `amount` tokens, never above capacity. */
void c1_retry_quota_release(struct c1_retry_quota *quota, int amount);
int c1_retry_quota_available(struct c1_retry_quota *quota);

enum c1_retry_reason {
	C1_RETRY_REASON_RETRY = 0,           /* retry after delay_ms */
	C1_RETRY_REASON_NOT_RETRYABLE,       /* the error will not go away by resending */
	C1_RETRY_REASON_ATTEMPTS_EXHAUSTED,  /* max_attempts reached */
	C1_RETRY_REASON_QUOTA_EXHAUSTED,     /* the retry quota is empty */
	C1_RETRY_REASON_RETRY_AFTER_TOO_LONG /* server asked for more than max_retry_after_ms */
};

struct c1_retry_decision {
	bool retry;
	enum c1_retry_reason reason;
	long delay_ms; /* sleep this long before the next attempt (0 when !retry) */
	int cost;      /* quota tokens taken for this retry; pass to c1_retry_on_success */
};

/**
 * Decide whether attempt number `attempt` (1 = the first try) that failed
 * with `err` gets another try, and after how long.
 *
 * Delay for retry i (= attempt): 2026 mode rand * min(base * 2^(i-1), cap)
 * with base = throttle_base_ms for throttling errors, base_ms otherwise;
 * classic mode min(rand * 1000 * 2^(i-1), cap). Then the server hint per
 * policy->hint. When a retry is granted, its cost is taken from `quota`
 * (NULL = no quota).
 *
 * @param rng  random source in [0,1) (c1_rand_default() in production).
 * Thread-safe as long as `rng` is.
 */
void c1_retry_decide(struct c1_retry_decision *out, const struct c1_retry_policy *policy,
		     struct c1_retry_quota *quota, int attempt, const struct c1_api_error *err,
		     struct c1_rand *rng);

/**
 * Refund the quota after a successful response (any 2xx). `last_cost` is
 * the cost of the retry that led to it (0 when the first try succeeded:
 * then cost_first_try_success is refunded, as in the SDK).
 */
void c1_retry_on_success(const struct c1_retry_policy *policy, struct c1_retry_quota *quota, int last_cost);

/** "retry", "not retryable", "attempts exhausted", ... for messages. */
const char *c1_retry_reason_name(enum c1_retry_reason reason);

#endif
