/* AWS Query protocol client (STS, CloudFormation, IAM): form-encoded POST
 * signed with SigV4, XML results, XML errors. One attempt per call; retries
 * and rate limiting belong to a decorating transport. */
#ifndef C1_AWS_QUERY_H
#define C1_AWS_QUERY_H

#include "engine/aws/sigv4.h"
#include "engine/core/buf.h"
#include "engine/core/clock.h"
#include "engine/core/xml.h"
#include "engine/net/api_error.h"
#include "engine/net/http.h"

#include <stddef.h>

/** Where and how to send one AWS service's requests (all borrowed). */
struct c1_aws_target {
	struct c1_http_transport *transport;
	const char *endpoint_url; /* "https://sts.us-east-1.amazonaws.com" or an override */
	const char *region;       /* signing region */
	const struct c1_clock *clock;
};

/** Ordered request parameters; values are wiped on dispose. */
struct c1_query_param {
	char *key;
	char *value;
};

struct c1_query_params {
	struct c1_query_param *items;
	size_t count;
	size_t cap;
};

#define C1_QUERY_PARAMS_INIT \
	{                    \
		NULL, 0, 0   \
	}

/** Append key=value (copies; a NULL value is skipped: optional parameters). */
void c1_query_params_add(struct c1_query_params *params, const char *key, const char *value);
/** Append key=<decimal>. */
void c1_query_params_add_int(struct c1_query_params *params, const char *key, long long value);
/**
 * Append one list element: "<list>.member.<index>" when `field` is NULL,
 * else "<list>.member.<index>.<field>" (index starts at 1), e.g.
 * ("Tags", 1, "Key", "team") -> Tags.member.1.Key=team.
 */
void c1_query_params_add_member(struct c1_query_params *params, const char *list, size_t index,
				const char *field, const char *value);
/** Value of the first parameter named `key`, or NULL; borrowed. */
const char *c1_query_params_get(const struct c1_query_params *params, const char *key);
void c1_query_params_dispose(struct c1_query_params *params);

/**
 * Append "Action=<action>&Version=<version>&k=v..." to `out`, every name and
 * value RFC 3986-encoded (space as %20). Returns 0 or C1_ETOOBIG.
 */
int c1_query_encode(struct c1_buf *out, const char *action, const char *version,
		    const struct c1_query_params *params);

struct c1_query_request {
	const char *service;                  /* signing name: "sts", "cloudformation" */
	const char *action;                   /* "AssumeRole" */
	const char *version;                  /* "2011-06-15" */
	const struct c1_query_params *params; /* may be NULL */
	long timeout_ms;                      /* 0: transport default */
};

struct c1_query_response {
	long status;
	xmlDoc *doc;     /* owned */
	xmlNode *result; /* borrowed from doc: <ActionResult>, or the root when absent */
	char request_id[128];
};

#define C1_QUERY_RESPONSE_INIT    \
	{                         \
		0, NULL, NULL, "" \
	}

void c1_query_response_dispose(struct c1_query_response *resp);

/**
 * Send one Query-protocol call: POST to target->endpoint_url with
 * Content-Type application/x-www-form-urlencoded; charset=utf-8, signed for
 * req->service in target->region at the clock's wall time (not signed when
 * `creds` is NULL: STS AssumeRoleWithWebIdentity).
 * Returns 0 with `out` filled on 2xx; C1_EAPI (C1_ETHROTTLED when the error
 * is throttling) with `err` filled for an error response or a 2xx whose body
 * is not XML; the transport's code (C1_ETIMEOUT, C1_ETRANSPORT, ...) with
 * `err` from c1_api_error_from_transport; C1_EINVALID for unusable inputs.
 * c1_error_last() always describes the failure without secrets. `err` may
 * be NULL. Thread-safe if the transport is.
 */
int c1_query_call(struct c1_query_response *out, const struct c1_aws_target *target,
		  const struct c1_sigv4_credentials *creds, const struct c1_query_request *req,
		  struct c1_api_error *err);

#endif
