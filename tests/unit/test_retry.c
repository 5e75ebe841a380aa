/* Retry decisions: exact full-jitter delays from an injected random source,
 * attempt limits, the retry quota, and server hints (Retry-After,
 * x-amz-retry-after). */
#include "harness.h"

#include "engine/core/rand.h"
#include "engine/net/retry.h"

static struct c1_api_error s_err(bool retryable, bool throttling, bool timeout, long retry_after_ms)
{
	struct c1_api_error e = C1_API_ERROR_INIT;
	e.http_status = throttling ? 429 : 503;
	e.retryable = retryable;
	e.throttling = throttling;
	e.timeout = timeout;
	e.retry_after_ms = retry_after_ms;
	return e;
}

static long s_delay(const struct c1_retry_policy *p, int attempt, struct c1_api_error e, double r)
{
	struct c1_rand_fixed rng;
	c1_rand_fixed_init(&rng, r);
	struct c1_retry_decision d;
	c1_retry_decide(&d, p, NULL, attempt, &e, &rng.base);
	if (!d.retry)
		return -1;
	return d.delay_ms;
}

C1_TEST(defaults_2026)
{
	struct c1_retry_policy p;
	c1_retry_policy_init(&p, C1_RETRY_STANDARD_2026);
	C1_CHECK_INT(p.max_attempts, ==, 3);
	C1_CHECK_INT(p.base_ms, ==, 50);
	C1_CHECK_INT(p.throttle_base_ms, ==, 1000);
	C1_CHECK_INT(p.max_backoff_ms, ==, 20000);
	C1_CHECK_INT(p.cost_transient, ==, 14);
	C1_CHECK_INT(p.cost_throttling, ==, 5);
	c1_retry_policy_init(&p, C1_RETRY_STANDARD_CLASSIC);
	C1_CHECK_INT(p.cost_transient, ==, 5);
	C1_CHECK_INT(p.cost_timeout, ==, 10);
}

C1_TEST(delays_2026_exact)
{
	struct c1_retry_policy p;
	c1_retry_policy_init(&p, C1_RETRY_STANDARD_2026);
	p.max_attempts = 50;
	struct c1_api_error transient = s_err(true, false, false, -1);
	struct c1_api_error throttle = s_err(true, true, false, -1);
	/* rand * min(base * 2^(i-1), 20 s) */
	C1_CHECK_INT(s_delay(&p, 1, transient, 0.5), ==, 25);
	C1_CHECK_INT(s_delay(&p, 2, transient, 0.5), ==, 50);
	C1_CHECK_INT(s_delay(&p, 3, transient, 0.5), ==, 100);
	C1_CHECK_INT(s_delay(&p, 1, throttle, 0.5), ==, 500);
	C1_CHECK_INT(s_delay(&p, 2, throttle, 0.5), ==, 1000);
	C1_CHECK_INT(s_delay(&p, 3, throttle, 0.25), ==, 1000);
	/* capped before jitter: throttling retry 10 = 0.5 * min(512 s, 20 s) */
	C1_CHECK_INT(s_delay(&p, 10, throttle, 0.5), ==, 10000);
	C1_CHECK_INT(s_delay(&p, 49, throttle, 0.5), ==, 10000);
	C1_CHECK_INT(s_delay(&p, 1, throttle, 0.0), ==, 0);
	C1_CHECK(s_delay(&p, 1, throttle, 0.999999) < 1000);
}

C1_TEST(delays_classic_exact)
{
	struct c1_retry_policy p;
	c1_retry_policy_init(&p, C1_RETRY_STANDARD_CLASSIC);
	p.max_attempts = 50;
	struct c1_api_error transient = s_err(true, false, false, -1);
	struct c1_api_error throttle = s_err(true, true, false, -1);
	/* botocore: min(rand * 2^(i-1) s, 20 s), same base for every error */
	C1_CHECK_INT(s_delay(&p, 1, transient, 0.5), ==, 500);
	C1_CHECK_INT(s_delay(&p, 1, throttle, 0.5), ==, 500);
	C1_CHECK_INT(s_delay(&p, 2, transient, 0.5), ==, 1000);
	C1_CHECK_INT(s_delay(&p, 6, transient, 0.5), ==, 16000);
	C1_CHECK_INT(s_delay(&p, 7, transient, 0.5), ==, 20000);
	C1_CHECK_INT(s_delay(&p, 40, transient, 0.1), ==, 20000);
}

C1_TEST(max_attempts_and_not_retryable)
{
	struct c1_retry_policy p;
	c1_retry_policy_init(&p, C1_RETRY_STANDARD_2026);
	struct c1_rand_fixed rng;
	c1_rand_fixed_init(&rng, 0.5);
	struct c1_retry_decision d;
	struct c1_api_error e = s_err(true, false, false, -1);

	c1_retry_decide(&d, &p, NULL, 1, &e, &rng.base);
	C1_CHECK(d.retry);
	c1_retry_decide(&d, &p, NULL, 2, &e, &rng.base);
	C1_CHECK(d.retry);
	c1_retry_decide(&d, &p, NULL, 3, &e, &rng.base); /* 3 attempts made: done */
	C1_CHECK(!d.retry);
	C1_CHECK_INT(d.reason, ==, C1_RETRY_REASON_ATTEMPTS_EXHAUSTED);
	C1_CHECK_INT(d.delay_ms, ==, 0);

	struct c1_api_error validation = s_err(false, false, false, -1);
	validation.http_status = 400;
	c1_retry_decide(&d, &p, NULL, 1, &validation, &rng.base);
	C1_CHECK(!d.retry);
	C1_CHECK_INT(d.reason, ==, C1_RETRY_REASON_NOT_RETRYABLE);

	p.max_attempts = 1;
	c1_retry_decide(&d, &p, NULL, 1, &e, &rng.base);
	C1_CHECK(!d.retry);
	C1_CHECK_STR(c1_retry_reason_name(d.reason), "attempts exhausted");
}

C1_TEST(quota_exhaustion_and_refund)
{
	struct c1_retry_policy p;
	c1_retry_policy_init(&p, C1_RETRY_STANDARD_2026);
	p.max_attempts = 1000;
	struct c1_retry_quota q;
	c1_retry_quota_init(&q, 0);
	C1_CHECK_INT(c1_retry_quota_available(&q), ==, 500);
	struct c1_rand_fixed rng;
	c1_rand_fixed_init(&rng, 0.5);
	struct c1_api_error transient = s_err(true, false, false, -1);
	struct c1_api_error throttle = s_err(true, true, false, -1);
	struct c1_retry_decision d;

	int granted = 0;
	for (;;) {
		c1_retry_decide(&d, &p, &q, 1, &transient, &rng.base);
		if (!d.retry)
			break;
		C1_CHECK_INT(d.cost, ==, 14);
		granted++;
	}
	C1_CHECK_INT(granted, ==, 35); /* 35 * 14 = 490 */
	C1_CHECK_INT(d.reason, ==, C1_RETRY_REASON_QUOTA_EXHAUSTED);
	C1_CHECK_INT(c1_retry_quota_available(&q), ==, 10);
	/* Throttling retries are cheaper (5): two still fit. */
	c1_retry_decide(&d, &p, &q, 1, &throttle, &rng.base);
	C1_CHECK(d.retry);
	C1_CHECK_INT(d.cost, ==, 5);
	c1_retry_decide(&d, &p, &q, 1, &throttle, &rng.base);
	C1_CHECK(d.retry);
	c1_retry_decide(&d, &p, &q, 1, &throttle, &rng.base);
	C1_CHECK(!d.retry);
	C1_CHECK_INT(c1_retry_quota_available(&q), ==, 0);

	/* A success after a retry refunds that retry's cost; a first-try success 1. */
	c1_retry_on_success(&p, &q, 14);
	C1_CHECK_INT(c1_retry_quota_available(&q), ==, 14);
	c1_retry_on_success(&p, &q, 0);
	C1_CHECK_INT(c1_retry_quota_available(&q), ==, 15);
	c1_retry_decide(&d, &p, &q, 1, &transient, &rng.base);
	C1_CHECK(d.retry);

	/* Refunds never exceed capacity. */
	c1_retry_quota_release(&q, 10000);
	C1_CHECK_INT(c1_retry_quota_available(&q), ==, 500);
	c1_retry_on_success(&p, &q, 0);
	C1_CHECK_INT(c1_retry_quota_available(&q), ==, 500);
	c1_retry_quota_dispose(&q);
}

C1_TEST(quota_classic_timeout_costs_more)
{
	struct c1_retry_policy p;
	c1_retry_policy_init(&p, C1_RETRY_STANDARD_CLASSIC);
	struct c1_retry_quota q;
	c1_retry_quota_init(&q, 500);
	struct c1_rand_fixed rng;
	c1_rand_fixed_init(&rng, 0.5);
	struct c1_retry_decision d;
	struct c1_api_error timeout = s_err(true, false, true, -1);
	struct c1_api_error transient = s_err(true, false, false, -1);
	c1_retry_decide(&d, &p, &q, 1, &timeout, &rng.base);
	C1_CHECK_INT(d.cost, ==, 10);
	c1_retry_decide(&d, &p, &q, 1, &transient, &rng.base);
	C1_CHECK_INT(d.cost, ==, 5);
	C1_CHECK_INT(c1_retry_quota_available(&q), ==, 485);
	c1_retry_quota_dispose(&q);
}

C1_TEST(retry_after_minimum_cloudone)
{
	struct c1_retry_policy p;
	c1_retry_policy_init(&p, C1_RETRY_STANDARD_2026);
	C1_CHECK_INT(p.hint, ==, C1_RETRY_HINT_MINIMUM);
	/* 429 Retry-After: 2 -> at least 2000 ms, although jitter says 500 */
	C1_CHECK_INT(s_delay(&p, 1, s_err(true, true, false, 2000), 0.5), ==, 2000);
	/* 503 Retry-After: 0 -> computed delay stands */
	C1_CHECK_INT(s_delay(&p, 1, s_err(true, false, false, 0), 0.5), ==, 25);
	/* exactly at the cap is honoured, above it is a failure to report */
	C1_CHECK_INT(s_delay(&p, 1, s_err(true, true, false, 300000), 0.5), ==, 300000);

	struct c1_retry_quota q;
	c1_retry_quota_init(&q, 500);
	struct c1_rand_fixed rng;
	c1_rand_fixed_init(&rng, 0.5);
	struct c1_retry_decision d;
	struct c1_api_error e = s_err(true, true, false, 300001);
	c1_retry_decide(&d, &p, &q, 1, &e, &rng.base);
	C1_CHECK(!d.retry);
	C1_CHECK_INT(d.reason, ==, C1_RETRY_REASON_RETRY_AFTER_TOO_LONG);
	C1_CHECK_INT(c1_retry_quota_available(&q), ==, 500); /* nothing taken */
	c1_retry_quota_dispose(&q);
}

C1_TEST(x_amz_retry_after_clamped)
{
	struct c1_retry_policy p;
	c1_retry_policy_init(&p, C1_RETRY_STANDARD_2026);
	p.hint = C1_RETRY_HINT_CLAMPED;
	/* throttling, rng 0.5: computed 500 ms; hint clamped to [500, 5500] */
	C1_CHECK_INT(s_delay(&p, 1, s_err(true, true, false, 100), 0.5), ==, 500);
	C1_CHECK_INT(s_delay(&p, 1, s_err(true, true, false, 3000), 0.5), ==, 3000);
	C1_CHECK_INT(s_delay(&p, 1, s_err(true, true, false, 9000), 0.5), ==, 5500);
	/* a huge hint is clamped, not a reason to give up */
	C1_CHECK_INT(s_delay(&p, 1, s_err(true, true, false, 10000000), 0.5), ==, 5500);
	/* ignored entirely when told so */
	p.hint = C1_RETRY_HINT_IGNORE;
	C1_CHECK_INT(s_delay(&p, 1, s_err(true, true, false, 9000), 0.5), ==, 500);
}

C1_TEST(rand_sources)
{
	struct c1_rand_xoshiro a, b;
	c1_rand_xoshiro_init(&a, 42);
	c1_rand_xoshiro_init(&b, 42);
	double sum = 0;
	for (int i = 0; i < 1000; i++) {
		double x = c1_rand_next(&a.base);
		C1_CHECK(x >= 0.0 && x < 1.0);
		C1_CHECK(x == c1_rand_next(&b.base)); /* same seed, same sequence */
		sum += x;
	}
	C1_CHECK(sum > 400 && sum < 600);
	c1_rand_xoshiro_dispose(&a);
	c1_rand_xoshiro_dispose(&b);
	double d = c1_rand_next(c1_rand_default());
	C1_CHECK(d >= 0.0 && d < 1.0);
	struct c1_rand_fixed f;
	c1_rand_fixed_init(&f, 1.0);
	C1_CHECK(c1_rand_next(&f.base) < 1.0);
}
