/* STS client (Query protocol): GetCallerIdentity and AssumeRole. */
#ifndef C1_AWS_STS_H
#define C1_AWS_STS_H

#include "engine/aws/sigv4.h"
#include "engine/core/clock.h"
#include "engine/core/secret.h"
#include "engine/net/api_error.h"
#include "engine/net/http.h"

#include <stdint.h>

/** Where and how to send one AWS service's requests (all borrowed). */
struct c1_aws_target {
	struct c1_http_transport *transport;
	const char *endpoint_url; /* "https://sts.us-east-1.amazonaws.com" or an override */
	const char *region;       /* signing region */
	const struct c1_clock *clock;
};

struct c1_sts_identity {
	char *account; /* 12 digits */
	char *arn;
	char *user_id;
};

#define C1_STS_IDENTITY_INIT { NULL, NULL, NULL }

struct c1_sts_assume_role_input {
	const char *role_arn;
	const char *role_session_name; /* NULL: "c1onboard-<unix seconds>" */
	const char *external_id;       /* NULL when none */
	int duration_seconds;          /* 0: leave to STS (3600) */
};

struct c1_sts_credentials {
	char *access_key_id;
	struct c1_secret secret_access_key;
	struct c1_secret session_token;
	int64_t expiration_ms; /* Unix ms */
	char *assumed_role_arn;
};

#define C1_STS_CREDENTIALS_INIT { NULL, C1_SECRET_INIT, C1_SECRET_INIT, 0, NULL }

/**
 * Both return 0, or C1_EAPI with `err` filled (code, status, request id), or
 * a transport code. `err` may be NULL. Thread-safe if the transport is.
 */
int c1_sts_get_caller_identity(struct c1_sts_identity *out, const struct c1_aws_target *target,
			       const struct c1_sigv4_credentials *creds, struct c1_api_error *err);
int c1_sts_assume_role(struct c1_sts_credentials *out, const struct c1_aws_target *target,
		       const struct c1_sigv4_credentials *creds, const struct c1_sts_assume_role_input *in,
		       struct c1_api_error *err);
void c1_sts_identity_dispose(struct c1_sts_identity *id);
void c1_sts_credentials_dispose(struct c1_sts_credentials *creds);

#endif
