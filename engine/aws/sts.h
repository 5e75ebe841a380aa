/* STS client (Query protocol): GetCallerIdentity, AssumeRole and AssumeRoleWithWebIdentity. */
#ifndef C1_AWS_STS_H
#define C1_AWS_STS_H

#include "engine/aws/query.h" /* struct c1_aws_target */
#include "engine/aws/sigv4.h"
#include "engine/core/clock.h"
#include "engine/core/secret.h"
#include "engine/net/api_error.h"
#include "engine/net/http.h"

#include <stdint.h>

#define C1_STS_VERSION "2011-06-15"

struct c1_sts_identity {
	char *account; /* 12 digits */
	char *arn;
	char *user_id;
};

#define C1_STS_IDENTITY_INIT     \
	{                        \
		NULL, NULL, NULL \
	}

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

#define C1_STS_CREDENTIALS_INIT                               \
	{                                                     \
		NULL, C1_SECRET_INIT, C1_SECRET_INIT, 0, NULL \
	}

/**
 * Both return 0; C1_EAPI (C1_ETHROTTLED for throttling) with `err` filled
 * (code, status, request id) for an error response or a response missing
 * required fields; a transport code (C1_ETIMEOUT, C1_ETRANSPORT, ...); or
 * C1_EINVALID for inputs STS would refuse (role ARN, session name of 2-64
 * [A-Za-z0-9+=,.@_-], external id of 2-1224 [A-Za-z0-9+=,.@:/_-], duration
 * 900-43200 s), checked before sending. `err` may be NULL. Signing service
 * "sts", region target->region, time from target->clock. Secrets of the
 * response go straight into struct c1_secret; the XML copies are wiped.
 * Thread-safe if the transport is.
 */
int c1_sts_get_caller_identity(struct c1_sts_identity *out, const struct c1_aws_target *target,
			       const struct c1_sigv4_credentials *creds, struct c1_api_error *err);
int c1_sts_assume_role(struct c1_sts_credentials *out, const struct c1_aws_target *target,
		       const struct c1_sigv4_credentials *creds, const struct c1_sts_assume_role_input *in,
		       struct c1_api_error *err);

struct c1_sts_web_identity_input {
	const char *role_arn;
	const char *role_session_name; /* NULL: "c1onboard-<unix seconds>" (STS requires one) */
	const struct c1_secret *token; /* the OIDC token; sent, never formatted */
	int duration_seconds;          /* 0: leave to STS */
};

/**
 * AssumeRoleWithWebIdentity: an unsigned Query call (the token is the credential). Same return
 * codes and checks as c1_sts_assume_role, plus C1_EINVALID for an empty token.
 */
int c1_sts_assume_role_with_web_identity(struct c1_sts_credentials *out, const struct c1_aws_target *target,
					 const struct c1_sts_web_identity_input *in,
					 struct c1_api_error *err);
void c1_sts_identity_dispose(struct c1_sts_identity *id);
/** ISO-8601 UTC time ("2026-11-27T02:05:06Z", fraction and +hh:mm offset allowed) to Unix ms; C1_EINVALID
 * otherwise. */
int c1_sts_parse_time_ms(int64_t *out, const char *iso8601);
void c1_sts_credentials_dispose(struct c1_sts_credentials *creds);

#endif
