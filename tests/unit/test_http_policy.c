/* The decorating transport over the scripted transport, on a fake clock:
 * retries of 5xx and throttling, Retry-After, non-retryable errors, quota,
 * transport errors, and feedback into the rate limiter. */
#include "harness.h"

#include "engine/core/error.h"
#include "engine/net/http_policy.h"
#include "engine/net/http_script.h"

#include <pthread.h>
#include <stdio.h>
#include <time.h>

#define KEY_CF "cloudformation|us-east-1|111122223333"

static const char *s_throttling_xml =
    "<ErrorResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\"><Error><Type>Sender</Type>"
    "<Code>Throttling</Code><Message>Rate exceeded</Message></Error>"
    "<RequestId>11111111-2222-3333-4444-555555555555</RequestId></ErrorResponse>";

static const char *s_validation_xml =
    "<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code>"
    "<Message>Stack with id x does not exist</Message></Error><RequestId>r-1</RequestId></ErrorResponse>";

struct fixture {
	struct c1_fake_clock clock;
	struct c1_rand_fixed rng;
	struct c1_http_script *script;
	struct c1_http_transport *t;
	struct c1_ratelimit *limiter;
};

static void s_setup(struct fixture *f, enum c1_api_body_kind kind, bool with_limiter)
{
	memset(f, 0, sizeof(*f));
	c1_fake_clock_init(&f->clock, 1767225600000LL);
	c1_rand_fixed_init(&f->rng, 0.5);
	f->script = c1_http_script_new();
	struct c1_http_policy_options o;
	c1_http_policy_options_init(&o, kind);
	o.clock = &f->clock.clock;
	o.rng = &f->rng.base;
	if (with_limiter) {
		struct c1_ratelimit_options ro = C1_RATELIMIT_OPTIONS_INIT;
		ro.clock = &f->clock.clock;
		C1_CHECK_INT(c1_ratelimit_new(&f->limiter, &ro), ==, 0);
		C1_CHECK_INT(c1_ratelimit_set_service_rate(f->limiter, "cloudformation", 5, 0), ==, 0);
		o.limiter = f->limiter;
		o.limit_key = KEY_CF;
	}
	C1_CHECK_INT(c1_http_policy_new(&f->t, c1_http_script_transport(f->script), &o), ==, 0);
}

static void s_teardown(struct fixture *f)
{
	f->t->destroy(f->t);
	c1_http_script_free(f->script);
	c1_ratelimit_free(f->limiter);
}

static int s_get(struct fixture *f, struct c1_http_response *out, struct c1_http_outcome *oc)
{
	struct c1_http_request req = C1_HTTP_REQUEST_INIT;
	req.method = "POST";
	req.url = "https://cloudformation.us-east-1.amazonaws.com/";
	req.body = "Action=DescribeStacks";
	req.body_len = strlen(req.body);
	c1_headers_add(&req.headers, "Content-Type", "application/x-www-form-urlencoded");
	int rc = c1_http_policy_send(f->t, &req, out, oc);
	c1_http_request_dispose(&req);
	return rc;
}

C1_TEST(retries_503_then_succeeds)
{
	struct fixture f;
	s_setup(&f, C1_API_BODY_AWS_QUERY_XML, false);
	c1_http_script_push(f.script, 503, NULL, "Service Unavailable");
	c1_http_script_push(f.script, 503, NULL, "Service Unavailable");
	c1_http_script_push(f.script, 200, "Content-Type: text/xml", "<DescribeStacksResponse/>");
	struct c1_http_response r = C1_HTTP_RESPONSE_INIT;
	struct c1_http_outcome oc;
	C1_CHECK_INT(s_get(&f, &r, &oc), ==, 0);
	C1_CHECK_INT(r.status, ==, 200);
	C1_CHECK_STR(c1_buf_cstr(&r.body), "<DescribeStacksResponse/>");
	C1_CHECK_INT(oc.attempts, ==, 3);
	C1_CHECK_INT(oc.reason, ==, C1_RETRY_REASON_RETRY);
	C1_CHECK_STR(oc.error.code, "");
	/* 2026 mode, transient, rand 0.5: 0.5 * 50 + 0.5 * 100 ms */
	C1_CHECK_INT(oc.slept_ms, ==, 75);
	C1_CHECK_INT(f.clock.slept_ms, ==, 75);
	C1_CHECK_INT(c1_http_script_count(f.script), ==, 3);
	/* every attempt resends the same request */
	const struct c1_http_script_request *last = c1_http_script_request(f.script, 2);
	C1_CHECK_STR(last->body, "Action=DescribeStacks");
	C1_CHECK_STR(c1_headers_get(&last->headers, "content-type"), "application/x-www-form-urlencoded");
	/* two retries of 14 taken, the last refunded on success */
	C1_CHECK_INT(c1_retry_quota_available(c1_http_policy_quota(f.t)), ==, 486);
	c1_http_response_dispose(&r);
	s_teardown(&f);
}

C1_TEST(gives_up_after_max_attempts_with_last_response)
{
	struct fixture f;
	s_setup(&f, C1_API_BODY_AWS_QUERY_XML, false);
	for (int i = 0; i < 4; i++)
		c1_http_script_push(f.script, 500, NULL,
				    "<ErrorResponse><Error><Code>InternalFailure</Code>"
				    "<Message>boom</Message></Error></ErrorResponse>");
	struct c1_http_response r = C1_HTTP_RESPONSE_INIT;
	struct c1_http_outcome oc;
	C1_CHECK_INT(s_get(&f, &r, &oc), ==, 0); /* an HTTP response arrived */
	C1_CHECK_INT(r.status, ==, 500);
	C1_CHECK_CONTAINS(c1_buf_cstr(&r.body), "boom");
	C1_CHECK_INT(oc.attempts, ==, 3);
	C1_CHECK_INT(oc.reason, ==, C1_RETRY_REASON_ATTEMPTS_EXHAUSTED);
	C1_CHECK_STR(oc.error.code, "InternalFailure");
	C1_CHECK_INT(oc.error.http_status, ==, 500);
	C1_CHECK_INT(c1_http_script_pending(f.script), ==, 1);
	C1_CHECK_CONTAINS(c1_error_last(), "after 3 attempts");
	c1_http_response_dispose(&r);
	s_teardown(&f);
}

C1_TEST(retry_after_seconds_honoured_cloudone)
{
	struct fixture f;
	s_setup(&f, C1_API_BODY_CLOUDONE_JSON, false);
	c1_http_script_push(f.script, 429, "Retry-After: 2", "{\"message\":\"Too many API requests\"}");
	c1_http_script_push(f.script, 200, NULL, "{\"id\":\"x\"}");
	struct c1_http_response r = C1_HTTP_RESPONSE_INIT;
	struct c1_http_outcome oc;
	C1_CHECK_INT(s_get(&f, &r, &oc), ==, 0);
	C1_CHECK_INT(r.status, ==, 200);
	C1_CHECK_INT(oc.attempts, ==, 2);
	/* jitter alone would give 500 ms; the server asked for 2 s */
	C1_CHECK_INT(f.clock.slept_ms, >=, 2000);
	C1_CHECK_INT(f.clock.slept_ms, <, 2600);
	c1_http_response_dispose(&r);
	s_teardown(&f);
}

C1_TEST(retry_after_http_date_honoured)
{
	struct fixture f;
	s_setup(&f, C1_API_BODY_CLOUDONE_JSON, false);
	/* The server's Date and an HTTP-date 3 s later. */
	char hdrs[256];
	snprintf(hdrs, sizeof(hdrs),
		 "Date: Wed, 21 Oct 2026 07:28:00 GMT\nRetry-After: Wed, 21 Oct 2026 07:28:03 GMT");
	c1_http_script_push(f.script, 503, hdrs, "{\"message\":\"maintenance\"}");
	c1_http_script_push(f.script, 204, NULL, NULL);
	struct c1_http_response r = C1_HTTP_RESPONSE_INIT;
	struct c1_http_outcome oc;
	C1_CHECK_INT(s_get(&f, &r, &oc), ==, 0);
	C1_CHECK_INT(r.status, ==, 204);
	C1_CHECK_INT(oc.attempts, ==, 2);
	C1_CHECK_INT(f.clock.slept_ms, >=, 3000);
	C1_CHECK_INT(f.clock.slept_ms, <, 3500);
	c1_http_response_dispose(&r);
	s_teardown(&f);
}

C1_TEST(retry_after_too_long_is_reported_not_slept)
{
	struct fixture f;
	s_setup(&f, C1_API_BODY_CLOUDONE_JSON, false);
	c1_http_script_push(f.script, 429, "Retry-After: 3600", "{\"message\":\"Too many API requests\"}");
	struct c1_http_response r = C1_HTTP_RESPONSE_INIT;
	struct c1_http_outcome oc;
	C1_CHECK_INT(s_get(&f, &r, &oc), ==, 0);
	C1_CHECK_INT(r.status, ==, 429);
	C1_CHECK_INT(oc.attempts, ==, 1);
	C1_CHECK_INT(oc.reason, ==, C1_RETRY_REASON_RETRY_AFTER_TOO_LONG);
	C1_CHECK_INT(oc.error.retry_after_ms, ==, 3600000);
	C1_CHECK_INT(f.clock.slept_ms, ==, 0);
	C1_CHECK_CONTAINS(c1_error_last(), "Retry-After");
	c1_http_response_dispose(&r);
	s_teardown(&f);
}

C1_TEST(validation_error_not_retried)
{
	struct fixture f;
	s_setup(&f, C1_API_BODY_AWS_QUERY_XML, false);
	c1_http_script_push(f.script, 400, "x-amzn-RequestId: r-1", s_validation_xml);
	c1_http_script_push(f.script, 200, NULL, "never sent");
	struct c1_http_response r = C1_HTTP_RESPONSE_INIT;
	struct c1_http_outcome oc;
	C1_CHECK_INT(s_get(&f, &r, &oc), ==, 0);
	C1_CHECK_INT(r.status, ==, 400);
	C1_CHECK_CONTAINS(c1_buf_cstr(&r.body), "ValidationError"); /* caller can parse it */
	C1_CHECK_INT(oc.attempts, ==, 1);
	C1_CHECK_INT(oc.reason, ==, C1_RETRY_REASON_NOT_RETRYABLE);
	C1_CHECK_STR(oc.error.code, "ValidationError");
	C1_CHECK(!oc.error.retryable);
	C1_CHECK_INT(f.clock.slept_ms, ==, 0);
	C1_CHECK_INT(c1_http_script_count(f.script), ==, 1);
	C1_CHECK_INT(c1_retry_quota_available(c1_http_policy_quota(f.t)), ==, 500);
	c1_http_response_dispose(&r);
	s_teardown(&f);
}

C1_TEST(throttling_retried_with_throttle_base_and_lowers_rate)
{
	struct fixture f;
	s_setup(&f, C1_API_BODY_AWS_QUERY_XML, true);
	C1_CHECK_INT(c1_ratelimit_rate(f.limiter, KEY_CF) == 5.0, ==, 1);
	c1_http_script_push(f.script, 400, NULL, s_throttling_xml);
	c1_http_script_push(f.script, 200, NULL, "<ok/>");
	struct c1_http_response r = C1_HTTP_RESPONSE_INIT;
	struct c1_http_outcome oc;
	C1_CHECK_INT(s_get(&f, &r, &oc), ==, 0);
	C1_CHECK_INT(r.status, ==, 200);
	C1_CHECK_INT(oc.attempts, ==, 2);
	/* throttling base 1 s, rand 0.5 -> 500 ms (not the 25 ms of a transient error) */
	C1_CHECK_INT(oc.slept_ms, ==, 500);
	/* throttle: 5 -> 3.5/s; the success 0.5 s later regrows along CUBIC, still below 5 */
	double rate = c1_ratelimit_rate(f.limiter, KEY_CF);
	if (!(rate >= 3.5 && rate < 5.0))
		c1_test_fail(__FILE__, __LINE__, "rate after throttling %.3f, want in [3.5, 5)", rate);
	/* throttling retries cost 5; refunded on success */
	C1_CHECK_INT(c1_retry_quota_available(c1_http_policy_quota(f.t)), ==, 500);
	c1_http_response_dispose(&r);
	s_teardown(&f);
}

C1_TEST(rate_limit_token_per_attempt)
{
	struct fixture f;
	s_setup(&f, C1_API_BODY_AWS_QUERY_XML, true);
	/* burst 5 at 5/s: the first five go at once, then one every 200 ms */
	for (int i = 0; i < 7; i++)
		c1_http_script_push(f.script, 200, NULL, "<ok/>");
	for (int i = 0; i < 7; i++) {
		struct c1_http_response r = C1_HTTP_RESPONSE_INIT;
		C1_CHECK_INT(s_get(&f, &r, NULL), ==, 0);
		c1_http_response_dispose(&r);
	}
	C1_CHECK_INT(f.clock.slept_ms, ==, 400);
	s_teardown(&f);
}

C1_TEST(transport_errors_retried)
{
	struct fixture f;
	s_setup(&f, C1_API_BODY_AWS_QUERY_XML, false);
	c1_http_script_push_error(f.script, C1_ETIMEOUT,
				  "POST cloudformation.us-east-1.amazonaws.com: timed out");
	c1_http_script_push_error(f.script, C1_ETRANSPORT,
				  "POST cloudformation.us-east-1.amazonaws.com: reset");
	c1_http_script_push(f.script, 200, NULL, "<ok/>");
	struct c1_http_response r = C1_HTTP_RESPONSE_INIT;
	struct c1_http_outcome oc;
	C1_CHECK_INT(s_get(&f, &r, &oc), ==, 0);
	C1_CHECK_INT(r.status, ==, 200);
	C1_CHECK_INT(oc.attempts, ==, 3);
	c1_http_response_dispose(&r);

	/* when every attempt fails, the last transport code comes back */
	for (int i = 0; i < 3; i++)
		c1_http_script_push_error(f.script, C1_ETIMEOUT,
					  "POST cloudformation.us-east-1.amazonaws.com: timed out");
	C1_CHECK_INT(s_get(&f, &r, &oc), ==, C1_ETIMEOUT);
	C1_CHECK_INT(r.status, ==, 0);
	C1_CHECK_INT(oc.attempts, ==, 3);
	C1_CHECK(oc.error.timeout);
	C1_CHECK_CONTAINS(c1_error_last(), "timed out");
	C1_CHECK_CONTAINS(c1_error_last(), "after 3 attempts");
	c1_http_response_dispose(&r);
	s_teardown(&f);
}

C1_TEST(local_refusals_not_retried)
{
	struct fixture f;
	s_setup(&f, C1_API_BODY_AWS_QUERY_XML, false);
	c1_http_script_push_error(f.script, C1_ETOOBIG, "response body larger than the limit");
	c1_http_script_push_error(f.script, C1_EINVALID, "refusing plain http to 'example.com'");
	struct c1_http_response r = C1_HTTP_RESPONSE_INIT;
	struct c1_http_outcome oc;
	C1_CHECK_INT(s_get(&f, &r, &oc), ==, C1_ETOOBIG);
	C1_CHECK_INT(oc.attempts, ==, 1);
	C1_CHECK_CONTAINS(c1_error_last(), "larger than");
	C1_CHECK_INT(s_get(&f, &r, &oc), ==, C1_EINVALID);
	C1_CHECK_INT(oc.attempts, ==, 1);
	C1_CHECK_INT(f.clock.slept_ms, ==, 0);
	c1_http_response_dispose(&r);
	s_teardown(&f);
}

C1_TEST(shared_quota_exhaustion_stops_retries)
{
	struct fixture f;
	memset(&f, 0, sizeof(f));
	c1_fake_clock_init(&f.clock, 0);
	c1_rand_fixed_init(&f.rng, 0.5);
	f.script = c1_http_script_new();
	struct c1_retry_quota q;
	c1_retry_quota_init(&q, 20);
	struct c1_http_policy_options o;
	c1_http_policy_options_init(&o, C1_API_BODY_AWS_QUERY_XML);
	o.clock = &f.clock.clock;
	o.rng = &f.rng.base;
	o.quota = &q;
	C1_CHECK_INT(c1_http_policy_new(&f.t, c1_http_script_transport(f.script), &o), ==, 0);
	C1_CHECK(c1_http_policy_quota(f.t) == &q);
	for (int i = 0; i < 3; i++)
		c1_http_script_push(f.script, 503, NULL, "");
	struct c1_http_response r = C1_HTTP_RESPONSE_INIT;
	struct c1_http_outcome oc;
	C1_CHECK_INT(s_get(&f, &r, &oc), ==, 0);
	C1_CHECK_INT(r.status, ==, 503);
	C1_CHECK_INT(oc.attempts, ==, 2); /* 20 tokens: one retry of 14, not two */
	C1_CHECK_INT(oc.reason, ==, C1_RETRY_REASON_QUOTA_EXHAUSTED);
	C1_CHECK_INT(c1_retry_quota_available(&q), ==, 6);
	c1_http_response_dispose(&r);
	s_teardown(&f);
	c1_retry_quota_dispose(&q);
}

C1_TEST(plain_transport_through_policy_send)
{
	struct c1_http_script *s = c1_http_script_new();
	c1_http_script_push(s, 503, NULL, "");
	struct c1_http_request req = C1_HTTP_REQUEST_INIT;
	req.method = "GET";
	req.url = "https://example.com/";
	struct c1_http_response r = C1_HTTP_RESPONSE_INIT;
	struct c1_http_outcome oc;
	/* not a policy transport: sent once, outcome still filled */
	C1_CHECK_INT(c1_http_policy_send(c1_http_script_transport(s), &req, &r, &oc), ==, 0);
	C1_CHECK_INT(oc.attempts, ==, 1);
	C1_CHECK_INT(r.status, ==, 503);
	C1_CHECK(c1_http_policy_quota(c1_http_script_transport(s)) == NULL);
	c1_http_response_dispose(&r);
	c1_http_script_free(s);
}

C1_TEST(options_validated)
{
	struct c1_http_script *s = c1_http_script_new();
	struct c1_http_transport *t = NULL;
	struct c1_ratelimit *rl = NULL;
	C1_CHECK_INT(c1_ratelimit_new(&rl, NULL), ==, 0);
	struct c1_http_policy_options o;
	c1_http_policy_options_init(&o, C1_API_BODY_CLOUDONE_JSON);
	C1_CHECK_INT(o.retry.hint, ==, C1_RETRY_HINT_MINIMUM);
	o.limiter = rl;
	C1_CHECK_INT(c1_http_policy_new(&t, c1_http_script_transport(s), &o), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), "limit key");
	o.limit_key = "cloudone|KEYID";
	o.retry.max_attempts = 0;
	C1_CHECK_INT(c1_http_policy_new(&t, c1_http_script_transport(s), &o), ==, C1_EINVALID);
	C1_CHECK_INT(c1_http_policy_new(&t, NULL, &o), ==, C1_EINVALID);
	c1_http_policy_options_init(&o, C1_API_BODY_AWS_JSON);
	C1_CHECK_INT(o.retry.hint, ==, C1_RETRY_HINT_CLAMPED);
	/* own_inner: destroying the policy destroys the script too (no leak) */
	o.own_inner = true;
	C1_CHECK_INT(c1_http_policy_new(&t, c1_http_script_transport(s), &o), ==, 0);
	t->destroy(t);
	c1_ratelimit_free(rl);
}

struct mt_arg {
	struct c1_http_transport *t;
	int ok;
};

static void *s_mt_main(void *arg)
{
	struct mt_arg *a = arg;
	for (int i = 0; i < 50; i++) {
		struct c1_http_request req = C1_HTTP_REQUEST_INIT;
		req.method = "GET";
		req.url = "https://cloudaccounts.us-1.cloudone.trendmicro.com/api/cloudaccounts/aws";
		struct c1_http_response r = C1_HTTP_RESPONSE_INIT;
		if (c1_http_send(a->t, &req, &r) == 0 && r.status == 200)
			a->ok++;
		c1_http_response_dispose(&r);
	}
	return NULL;
}

C1_TEST(threads_share_one_policy)
{
	struct c1_http_script *s = c1_http_script_new();
	/* a 500 every fifth response: retried (rand 0 -> no sleep) */
	for (int i = 0; i < 250; i++)
		c1_http_script_push(s, i % 5 == 4 ? 500 : 200, NULL, "{}");
	struct c1_rand_fixed rng;
	c1_rand_fixed_init(&rng, 0.0);
	struct c1_http_policy_options o;
	c1_http_policy_options_init(&o, C1_API_BODY_CLOUDONE_JSON);
	o.rng = &rng.base;
	o.retry.max_attempts = 10; /* interleaving may hand one thread several 500s */
	struct c1_http_transport *t = NULL;
	C1_CHECK_INT(c1_http_policy_new(&t, c1_http_script_transport(s), &o), ==, 0);
	pthread_t th[4];
	struct mt_arg args[4];
	for (int i = 0; i < 4; i++) {
		args[i] = (struct mt_arg){t, 0};
		pthread_create(&th[i], NULL, s_mt_main, &args[i]);
	}
	int ok = 0;
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		ok += args[i].ok;
	}
	C1_CHECK_INT(ok, ==, 200);
	/* 200 successes and the 49 failures before them; the last 500 is left */
	C1_CHECK_INT(c1_http_script_count(s), ==, 249);
	C1_CHECK_INT(c1_http_script_pending(s), ==, 1);
	t->destroy(t);
	c1_http_script_free(s);
}
