#include "engine/net/retry.h"

#include <math.h>

void c1_retry_policy_init(struct c1_retry_policy *policy, enum c1_retry_mode mode)
{
	policy->mode = mode;
	policy->hint = C1_RETRY_HINT_MINIMUM;
	policy->max_attempts = 3;
	policy->max_backoff_ms = 20000;
	policy->max_retry_after_ms = 300000;
	policy->retry_after_extra_ms = 5000;
	policy->cost_first_try_success = 1;
	if (mode == C1_RETRY_STANDARD_CLASSIC) {
		policy->base_ms = 1000;
		policy->throttle_base_ms = 1000;
		policy->cost_transient = 5;
		policy->cost_timeout = 10;
		policy->cost_throttling = 5;
	} else {
		policy->base_ms = 50;
		policy->throttle_base_ms = 1000;
		policy->cost_transient = 14;
		policy->cost_timeout = 14;
		policy->cost_throttling = 5;
	}
}

void c1_retry_quota_init(struct c1_retry_quota *quota, int capacity)
{
	pthread_mutex_init(&quota->lock, NULL);
	quota->capacity = capacity > 0 ? capacity : C1_RETRY_QUOTA_CAPACITY;
	quota->available = quota->capacity;
}

void c1_retry_quota_dispose(struct c1_retry_quota *quota)
{
	if (!quota)
		return;
	pthread_mutex_destroy(&quota->lock);
}

bool c1_retry_quota_acquire(struct c1_retry_quota *quota, int cost)
{
	bool ok = false;
	pthread_mutex_lock(&quota->lock);
	if (cost <= quota->available) {
		quota->available -= cost;
		ok = true;
	}
	pthread_mutex_unlock(&quota->lock);
	return ok;
}

void c1_retry_quota_release(struct c1_retry_quota *quota, int amount)
{
	if (amount <= 0)
		return;
	pthread_mutex_lock(&quota->lock);
	quota->available =
	    amount > quota->capacity - quota->available ? quota->capacity : quota->available + amount;
	pthread_mutex_unlock(&quota->lock);
}

int c1_retry_quota_available(struct c1_retry_quota *quota)
{
	pthread_mutex_lock(&quota->lock);
	int n = quota->available;
	pthread_mutex_unlock(&quota->lock);
	return n;
}

static long s_computed_delay(const struct c1_retry_policy *policy, int retry, bool throttling, double r)
{
	/* Doubles: 2^(i-1) overflows a long long for large attempt counts, and
	 * the cap makes anything past 2^40 irrelevant anyway. */
	double exp = ldexp(1.0, retry - 1 > 40 ? 40 : retry - 1);
	double cap = (double)policy->max_backoff_ms;
	double ms;
	if (policy->mode == C1_RETRY_STANDARD_CLASSIC) {
		ms = fmin(r * (double)policy->base_ms * exp, cap);
	} else {
		long base = throttling ? policy->throttle_base_ms : policy->base_ms;
		ms = r * fmin((double)base * exp, cap);
	}
	return ms <= 0 ? 0 : (long)ms;
}

static int s_cost(const struct c1_retry_policy *policy, const struct c1_api_error *err)
{
	if (err->throttling)
		return policy->cost_throttling;
	if (err->timeout)
		return policy->cost_timeout;
	return policy->cost_transient;
}

void c1_retry_decide(struct c1_retry_decision *out, const struct c1_retry_policy *policy,
		     struct c1_retry_quota *quota, int attempt, const struct c1_api_error *err,
		     struct c1_rand *rng)
{
	out->retry = false;
	out->delay_ms = 0;
	out->cost = 0;

	if (!err->retryable && !err->throttling) {
		out->reason = C1_RETRY_REASON_NOT_RETRYABLE;
		return;
	}
	if (attempt >= policy->max_attempts) {
		out->reason = C1_RETRY_REASON_ATTEMPTS_EXHAUSTED;
		return;
	}
	long hint = err->retry_after_ms;
	if (policy->hint == C1_RETRY_HINT_MINIMUM && hint > policy->max_retry_after_ms) {
		out->reason = C1_RETRY_REASON_RETRY_AFTER_TOO_LONG;
		return;
	}
	int cost = s_cost(policy, err);
	if (quota && !c1_retry_quota_acquire(quota, cost)) {
		out->reason = C1_RETRY_REASON_QUOTA_EXHAUSTED;
		return;
	}

	double r = c1_rand_next(rng);
	long delay = s_computed_delay(policy, attempt, err->throttling, r);
	if (hint >= 0) {
		if (policy->hint == C1_RETRY_HINT_MINIMUM) {
			if (hint > delay)
				delay = hint;
		} else if (policy->hint == C1_RETRY_HINT_CLAMPED) {
			long hi = delay + policy->retry_after_extra_ms;
			delay = hint < delay ? delay : hint > hi ? hi : hint;
		}
	}
	out->retry = true;
	out->reason = C1_RETRY_REASON_RETRY;
	out->delay_ms = delay;
	out->cost = quota ? cost : 0;
}

void c1_retry_on_success(const struct c1_retry_policy *policy, struct c1_retry_quota *quota, int last_cost)
{
	if (!quota)
		return;
	c1_retry_quota_release(quota, last_cost > 0 ? last_cost : policy->cost_first_try_success);
}

const char *c1_retry_reason_name(enum c1_retry_reason reason)
{
	switch (reason) {
	case C1_RETRY_REASON_RETRY: return "retry";
	case C1_RETRY_REASON_NOT_RETRYABLE: return "not retryable";
	case C1_RETRY_REASON_ATTEMPTS_EXHAUSTED: return "attempts exhausted";
	case C1_RETRY_REASON_QUOTA_EXHAUSTED: return "retry quota exhausted";
	case C1_RETRY_REASON_RETRY_AFTER_TOO_LONG: return "Retry-After too long";
	}
	return "unknown";
}
