/* The retry verdict every engine call goes through (c1_call_after): throttling
 * only slows a call, transient errors use up attempts and then the run's outage
 * retries, anything else fails at once. */
#include "engine/core/error.h"
#include "engine/run/account_job.h"
#include "tests/unit/harness.h"

#include <stdio.h>
#include <string.h>

#define KEY "cloudformation|us-east-1|111122223333"

struct fixture {
	struct c1_run_shared run;
	struct c1_retry_quota quota;
	struct c1_task_ctx ctx;
	struct c1_call_tries tries;
};

static void s_setup(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	struct c1_ratelimit_options rlo = C1_RATELIMIT_OPTIONS_INIT;
	c1_ratelimit_new(&f->run.rl, &rlo);
	c1_retry_policy_init(&f->run.retry_aws, C1_RETRY_STANDARD_2026);
	f->run.retry_aws.max_attempts = 5;
	c1_retry_policy_init(&f->run.retry_trend, C1_RETRY_STANDARD_2026);
	f->run.outage_retries = 4;
	f->run.outage_delay_ms = 1000;
	c1_retry_quota_init(&f->quota, 0);
	f->ctx.now_ms = 50000;
	f->tries = C1_CALL_TRIES_INIT;
}

static void s_teardown(struct fixture *f)
{
	c1_ratelimit_free(f->run.rl);
	c1_retry_quota_dispose(&f->quota);
}

static struct c1_api_error s_error(const char *code, long status)
{
	struct c1_api_error e = C1_API_ERROR_INIT;
	snprintf(e.code, sizeof(e.code), "%s", code);
	e.http_status = status;
	c1_api_error_classify(&e);
	return e;
}

static enum c1_call_verdict s_after(struct fixture *f, int rc, const struct c1_api_error *err)
{
	f->ctx.wake_at_ms = 0;
	return c1_call_after(&f->run, &f->ctx, KEY, rc, C1_ENOTFOUND, err, true, &f->quota, &f->tries);
}

/* The failure of the first CI run: a call throttled several times, then hit
 * by one 5xx, gave up although it had seen only one transient error. */
C1_TEST(throttling_does_not_use_up_attempts)
{
	struct fixture f;
	s_setup(&f);
	struct c1_api_error throttled = s_error("Throttling", 400);
	struct c1_api_error unavailable = s_error("ServiceUnavailable", 503);
	C1_CHECK(throttled.throttling);
	C1_CHECK(unavailable.retryable && !unavailable.throttling);
	for (int i = 0; i < 8; i++)
		C1_CHECK_INT(s_after(&f, C1_EAPI, &throttled), ==, C1_CALL_RETRY);
	for (int i = 0; i < 4; i++) {
		C1_CHECK_INT(s_after(&f, C1_EAPI, &unavailable), ==, C1_CALL_RETRY);
		C1_CHECK_INT(f.tries.outage, ==, 0);
	}
	C1_CHECK_INT(f.tries.attempt, ==, 12);
	C1_CHECK_INT(f.tries.failures, ==, 4);
	C1_CHECK_INT(s_after(&f, 0, NULL), ==, C1_CALL_OK);
	C1_CHECK_INT(f.tries.attempt, ==, 0);
	C1_CHECK_INT(f.tries.failures, ==, 0);
	s_teardown(&f);
}

C1_TEST(transient_errors_get_outage_retries_then_fail)
{
	struct fixture f;
	s_setup(&f);
	struct c1_api_error unavailable = s_error("ServiceUnavailable", 503);
	/* max_attempts 5: four quick retries, each well under the outage delay. */
	for (int i = 0; i < 4; i++) {
		C1_CHECK_INT(s_after(&f, C1_EAPI, &unavailable), ==, C1_CALL_RETRY);
		C1_CHECK(f.ctx.wake_at_ms - f.ctx.now_ms < 1000);
	}
	/* Then the outage retries: 1 s, 2 s, 4 s, 8 s. */
	for (int i = 0; i < 4; i++) {
		C1_CHECK_INT(s_after(&f, C1_EAPI, &unavailable), ==, C1_CALL_RETRY);
		C1_CHECK_INT(f.ctx.wake_at_ms - f.ctx.now_ms, ==, 1000LL << i);
	}
	C1_CHECK_INT(s_after(&f, C1_EAPI, &unavailable), ==, C1_CALL_FAIL);
	C1_CHECK_INT(f.tries.attempt, ==, 0);
	C1_CHECK_INT(f.tries.outage, ==, 0);
	s_teardown(&f);
}

C1_TEST(outage_retries_after_the_quota_runs_dry)
{
	struct fixture f;
	s_setup(&f);
	struct c1_api_error unavailable = s_error("ServiceUnavailable", 503);
	while (c1_retry_quota_acquire(&f.quota, 1))
		;
	C1_CHECK_INT(s_after(&f, C1_EAPI, &unavailable), ==, C1_CALL_RETRY);
	C1_CHECK_INT(f.ctx.wake_at_ms - f.ctx.now_ms, ==, 1000);
	C1_CHECK_INT(f.tries.outage, ==, 1);
	s_teardown(&f);
}

C1_TEST(not_retryable_fails_at_once)
{
	struct fixture f;
	s_setup(&f);
	struct c1_api_error invalid = s_error("ValidationError", 400);
	C1_CHECK(!invalid.retryable);
	C1_CHECK_INT(s_after(&f, C1_EAPI, &invalid), ==, C1_CALL_FAIL);
	C1_CHECK_INT(f.tries.attempt, ==, 0);
	s_teardown(&f);
}

C1_TEST(ok_alternative_and_cancel)
{
	struct fixture f;
	s_setup(&f);
	C1_CHECK_INT(s_after(&f, C1_ENOTFOUND, NULL), ==, C1_CALL_OK);
	struct c1_api_error unavailable = s_error("ServiceUnavailable", 503);
	f.ctx.cancelled = true;
	C1_CHECK_INT(s_after(&f, C1_EAPI, &unavailable), ==, C1_CALL_FAIL);
	s_teardown(&f);
}
