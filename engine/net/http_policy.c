#include "engine/net/http_policy.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/core/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct s_policy {
	struct c1_http_transport base; /* first */
	struct c1_http_transport *inner;
	bool own_inner;
	struct c1_ratelimit *limiter;
	char *key;
	struct c1_retry_policy retry;
	struct c1_retry_quota own_quota;
	struct c1_retry_quota *quota;
	enum c1_api_body_kind kind;
	const struct c1_clock *clock;
	struct c1_rand *rng;
};

static int s_send_policy(struct c1_http_transport *self, const struct c1_http_request *req,
			 struct c1_http_response *out);

void c1_http_policy_options_init(struct c1_http_policy_options *opts, enum c1_api_body_kind kind)
{
	memset(opts, 0, sizeof(*opts));
	c1_retry_policy_init(&opts->retry, C1_RETRY_STANDARD_2026);
	bool aws = kind == C1_API_BODY_AWS_QUERY_XML || kind == C1_API_BODY_AWS_S3_XML ||
		   kind == C1_API_BODY_AWS_JSON;
	opts->retry.hint = aws ? C1_RETRY_HINT_CLAMPED : C1_RETRY_HINT_MINIMUM;
	opts->body_kind = kind;
}

static bool s_is_2xx(long status)
{
	return status >= 200 && status < 300;
}

static void s_reset_response(struct c1_http_response *out)
{
	c1_headers_dispose(&out->headers);
	c1_buf_clear(&out->body);
	out->status = 0;
}

static int s_run(struct s_policy *p, const struct c1_http_request *req, struct c1_http_response *out,
		 struct c1_http_outcome *oc)
{
	int rc = 0;
	int last_cost = 0;
	char saved[512] = "";

	memset(oc, 0, sizeof(*oc));
	oc->error = (struct c1_api_error)C1_API_ERROR_INIT;
	for (int attempt = 1;; attempt++) {
		oc->attempts = attempt;
		s_reset_response(out);
		if (p->limiter)
			c1_ratelimit_acquire(p->limiter, p->key);
		rc = p->inner->send(p->inner, req, out);
		if (rc == C1_EINPROGRESS)
			return rc; /* handed to the I/O loop; the answer comes back to the caller's task */

		struct c1_api_error err = C1_API_ERROR_INIT;
		if (rc == 0 && s_is_2xx(out->status)) {
			if (p->limiter)
				c1_ratelimit_on_success(
				    p->limiter, p->key,
				    c1_clock_monotonic_ms(c1_ratelimit_clock(p->limiter)));
			c1_retry_on_success(&p->retry, p->quota, last_cost);
			oc->reason = C1_RETRY_REASON_RETRY;
			oc->error = err;
			return 0;
		}
		if (rc == 0) {
			c1_api_error_from_response(&err, p->kind, out->status, &out->headers,
						   c1_buf_view(&out->body));
		} else if (rc == C1_ETIMEOUT || rc == C1_ETRANSPORT) {
			snprintf(saved, sizeof(saved), "%s", c1_error_last());
			c1_api_error_from_transport(&err, rc, saved);
		} else {
			/* Refused locally (bad URL, header, body over the cap): resending
			 * cannot help. The inner message stays in the error slot. */
			oc->reason = C1_RETRY_REASON_NOT_RETRYABLE;
			c1_api_error_from_transport(&oc->error, rc, c1_error_last());
			return rc;
		}
		oc->error = err;

		if (p->limiter && rc == 0) {
			int64_t now = c1_clock_monotonic_ms(c1_ratelimit_clock(p->limiter));
			if (err.throttling)
				c1_ratelimit_on_throttle(p->limiter, p->key, now);
			else
				c1_ratelimit_on_success(p->limiter, p->key, now);
		}

		struct c1_retry_decision d;
		c1_retry_decide(&d, &p->retry, p->quota, attempt, &err, p->rng);
		oc->reason = d.reason;
		if (!d.retry)
			break;
		C1_DEBUG("http", "%s attempt %d failed (%s, HTTP %ld); retrying in %ld ms",
			 req->method ? req->method : "?", attempt, err.code, err.http_status, d.delay_ms);
		c1_clock_sleep_ms(p->clock, d.delay_ms);
		oc->slept_ms += d.delay_ms;
		last_cost = d.cost;
	}

	char desc[768];
	c1_api_error_format(&oc->error, desc, sizeof(desc));
	if (rc)
		c1_error_set("%s after %d attempt%s (%s)", saved, oc->attempts, oc->attempts == 1 ? "" : "s",
			     c1_retry_reason_name(oc->reason));
	else
		c1_error_set("%s after %d attempt%s (%s)", desc, oc->attempts, oc->attempts == 1 ? "" : "s",
			     c1_retry_reason_name(oc->reason));
	return rc;
}

static int s_send_policy(struct c1_http_transport *self, const struct c1_http_request *req,
			 struct c1_http_response *out)
{
	struct c1_http_outcome oc;
	return s_run((struct s_policy *)self, req, out, &oc);
}

int c1_http_policy_send(struct c1_http_transport *t, const struct c1_http_request *req,
			struct c1_http_response *out, struct c1_http_outcome *outcome)
{
	struct c1_http_outcome local;
	struct c1_http_outcome *oc = outcome ? outcome : &local;
	if (t->send == s_send_policy)
		return s_run((struct s_policy *)t, req, out, oc);

	memset(oc, 0, sizeof(*oc));
	oc->attempts = 1;
	oc->error = (struct c1_api_error)C1_API_ERROR_INIT;
	int rc = t->send(t, req, out);
	if (rc)
		c1_api_error_from_transport(&oc->error, rc, c1_error_last());
	oc->reason = rc == 0 && s_is_2xx(out->status) ? C1_RETRY_REASON_RETRY : C1_RETRY_REASON_NOT_RETRYABLE;
	return rc;
}

struct c1_retry_quota *c1_http_policy_quota(struct c1_http_transport *t)
{
	return t->send == s_send_policy ? ((struct s_policy *)t)->quota : NULL;
}

static void s_destroy(struct c1_http_transport *self)
{
	struct s_policy *p = (struct s_policy *)self;
	if (!p)
		return;
	if (p->own_inner && p->inner)
		p->inner->destroy(p->inner);
	c1_retry_quota_dispose(&p->own_quota);
	free(p->key);
	free(p);
}

int c1_http_policy_new(struct c1_http_transport **out, struct c1_http_transport *inner,
		       const struct c1_http_policy_options *opts)
{
	struct c1_http_policy_options o;
	if (opts)
		o = *opts;
	else
		c1_http_policy_options_init(&o, C1_API_BODY_AWS_QUERY_XML);
	if (!inner) {
		c1_error_set("http policy needs an inner transport");
		return C1_EINVALID;
	}
	if (o.limiter && (!o.limit_key || !*o.limit_key)) {
		c1_error_set("http policy has a rate limiter but no limit key; give e.g. "
			     "\"cloudformation|us-east-1|111122223333\"");
		return C1_EINVALID;
	}
	if (o.retry.max_attempts < 1) {
		c1_error_set("retry max_attempts must be at least 1 (got %d)", o.retry.max_attempts);
		return C1_EINVALID;
	}
	struct s_policy *p = c1_calloc(1, sizeof(*p));
	p->base.send = s_send_policy;
	p->base.destroy = s_destroy;
	p->inner = inner;
	p->own_inner = o.own_inner;
	p->limiter = o.limiter;
	p->key = c1_strdup(o.limit_key ? o.limit_key : "");
	p->retry = o.retry;
	c1_retry_quota_init(&p->own_quota, C1_RETRY_QUOTA_CAPACITY);
	p->quota = o.quota ? o.quota : &p->own_quota;
	p->kind = o.body_kind;
	p->clock = o.clock ? o.clock : c1_clock_system();
	p->rng = o.rng ? o.rng : c1_rand_default();
	*out = &p->base;
	return 0;
}
