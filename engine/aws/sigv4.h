/* AWS Signature Version 4 on OpenSSL: header signing and query-string
 * presigning. Time is an input, never read here. */
#ifndef C1_AWS_SIGV4_H
#define C1_AWS_SIGV4_H

#include "engine/core/buf.h"
#include "engine/net/http.h"

#include <stdbool.h>
#include <stdint.h>

/** Borrowed view of credentials for one signing call. */
struct c1_sigv4_credentials {
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token; /* NULL or "" when none */
};

struct c1_sigv4_params {
	const char *region;  /* "us-east-1" */
	const char *service; /* signing name: "sts", "cloudformation", "s3", "cloudtrail" */
	int64_t time_s;      /* Unix seconds of the signature */
	bool add_content_sha256; /* S3: send x-amz-content-sha256 */
};

/**
 * Sign `req` in place: adds Host (from the URL, when absent), X-Amz-Date,
 * X-Amz-Security-Token (when a session token is given) and Authorization.
 * Returns 0, or C1_EINVALID when the URL cannot be parsed.
 */
int c1_sigv4_sign_request(struct c1_http_request *req, const struct c1_sigv4_credentials *creds,
			  const struct c1_sigv4_params *params);

/** Query-string presign: new URL with X-Amz-* parameters; caller frees *out. */
int c1_sigv4_presign_url(char **out, const char *method, const char *url, const struct c1_headers *headers,
			 const struct c1_sigv4_credentials *creds, const struct c1_sigv4_params *params,
			 int expires_s);

/** Stages, exposed for the golden-file tests. Each appends to `out`. */
int c1_sigv4_canonical_request(struct c1_buf *out, const struct c1_http_request *req,
			       const char *signed_headers_out_hint);
int c1_sigv4_string_to_sign(struct c1_buf *out, const char *canonical_request,
			    const struct c1_sigv4_params *params);

#endif
