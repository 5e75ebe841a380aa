/* The decorating transport: rate-limit token, send through the inner
 * transport, turn non-2xx into a struct c1_api_error, feed throttling back
 * to the limiter, retry per retry.h with sleeps on the injected clock.
 *
 * One policy transport per target (service, region, principal): the
 * rate-limit key and the retry quota belong to the target, the inner
 * transport and the limiter registry are shared by all targets. */
#ifndef C1_NET_HTTP_POLICY_H
#define C1_NET_HTTP_POLICY_H

#include "engine/core/clock.h"
#include "engine/core/rand.h"
#include "engine/net/api_error.h"
#include "engine/net/http.h"
#include "engine/net/ratelimit.h"
#include "engine/net/retry.h"

#include <stdbool.h>

struct c1_http_policy_options {
	struct c1_ratelimit *limiter; /* borrowed; NULL = no client-side rate limit */
	const char *limit_key;        /* copied; e.g. "cloudformation|us-east-1|111122223333" */
	struct c1_retry_policy retry; /* see c1_http_policy_options_init */
	struct c1_retry_quota *quota; /* borrowed, shared; NULL = one 500-token quota of its own */
	enum c1_api_body_kind body_kind;
	const struct c1_clock *clock; /* sleeps between attempts; NULL = system clock */
	struct c1_rand *rng;          /* jitter; NULL = c1_rand_default() */
	bool own_inner;               /* destroy the inner transport with this one */
};

/**
 * Defaults for a target whose error bodies are `kind`: 2026 standard retry
 * mode, 3 attempts; Retry-After read as a minimum for Cloud One / Vision One
 * kinds and as a clamped x-amz-retry-after for AWS kinds; no limiter.
 */
void c1_http_policy_options_init(struct c1_http_policy_options *opts, enum c1_api_body_kind kind);

/**
 * Wrap `inner` (borrowed unless opts->own_inner). The result is a normal
 * transport: send() returns 0 when the final attempt got an HTTP response of
 * any status (the caller parses the error body itself), or the last
 * transport error code. C1_EINVALID/C1_ETOOBIG from the inner transport are
 * not retried. Thread-safe if the inner transport, clock and rng are. Free
 * with (*out)->destroy(*out).
 */
int c1_http_policy_new(struct c1_http_transport **out, struct c1_http_transport *inner,
		       const struct c1_http_policy_options *opts);

/** What happened across the attempts of one send. */
struct c1_http_outcome {
	int attempts;                /* 1 = no retry */
	long slept_ms;               /* backoff sleeps, not counting rate-limit waits */
	enum c1_retry_reason reason; /* why it stopped: RETRY means the final response was 2xx */
	struct c1_api_error error;   /* the last failure; http_status 0 and code "" after a 2xx */
};

/**
 * send() plus the outcome (attempt count for reports, the classified error).
 * `t` may be any transport: one that is not a policy transport is called
 * once and the outcome filled from its result. `outcome` may be NULL.
 */
int c1_http_policy_send(struct c1_http_transport *t, const struct c1_http_request *req,
			struct c1_http_response *out, struct c1_http_outcome *outcome);

/** The retry quota this policy uses (its own or the shared one); borrowed. */
struct c1_retry_quota *c1_http_policy_quota(struct c1_http_transport *t);

#endif
