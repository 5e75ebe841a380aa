/* AWS Signature Version 4 on OpenSSL: header signing, query-string
 * presigning, and recomputing a received request's signature (for the
 * simulator). Time is an input, never read here. */
#ifndef C1_AWS_SIGV4_H
#define C1_AWS_SIGV4_H

#include "engine/core/buf.h"
#include "engine/net/headers.h"
#include "engine/net/http.h"

#include <stdbool.h>
#include <stdint.h>

#define C1_SIGV4_ALGORITHM     "AWS4-HMAC-SHA256"
#define C1_SIGV4_UNSIGNED      "UNSIGNED-PAYLOAD"
#define C1_SIGV4_HEX_LEN       64
#define C1_SIGV4_MAX_EXPIRES_S 604800 /* presigned URLs live at most 7 days */

/** Borrowed view of credentials for one signing call. */
struct c1_sigv4_credentials {
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token; /* NULL or "" when none */
};

/** How the path becomes the canonical URI. */
enum c1_sigv4_path_mode {
	C1_SIGV4_PATH_AUTO = 0,    /* S3 rules for service "s3", NORMALIZE for every other service */
	C1_SIGV4_PATH_NORMALIZE,   /* drop "." / "..", collapse "//", then URI-encode the sent path again */
	C1_SIGV4_PATH_ENCODE_ONLY, /* keep segments as sent, URI-encode the sent path again */
	C1_SIGV4_PATH_AS_IS        /* S3: the sent path, neither normalized nor double-encoded */
};

/** Every stage of one signature, for golden-file tests and debugging. */
struct c1_sigv4_trace {
	struct c1_buf canonical_request;
	struct c1_buf string_to_sign;
	char signature[C1_SIGV4_HEX_LEN + 1];
};

#define C1_SIGV4_TRACE_INIT                  \
	{                                    \
		C1_BUF_INIT, C1_BUF_INIT, "" \
	}

void c1_sigv4_trace_dispose(struct c1_sigv4_trace *trace);

struct c1_sigv4_params {
	const char *region;      /* "us-east-1" */
	const char *service;     /* signing name: "sts", "cloudformation", "s3", "cloudtrail" */
	int64_t time_s;          /* Unix seconds of the signature */
	bool add_content_sha256; /* S3: send and sign x-amz-content-sha256 */
	bool unsigned_payload;   /* payload hash "UNSIGNED-PAYLOAD" (S3 presign) instead of SHA-256(body) */
	bool omit_session_token; /* add the token after signing, unsigned (services that ask for it) */
	enum c1_sigv4_path_mode path_mode;
	struct c1_sigv4_trace *trace; /* NULL normally; receives the stages when set */
};

/**
 * Sign `req` in place: adds Host (from the URL, when absent), X-Amz-Date,
 * x-amz-content-sha256 (when asked, or when `req` already has one), X-Amz-Security-Token (when a session
 * token is given) and Authorization, replacing earlier values of those.
 * Every other header in `req` is signed except hop-by-hop ones and
 * User-Agent, so the transport must send them unchanged.
 * Returns 0, or C1_EINVALID when the URL, credentials or params are unusable.
 * Thread-safe; derived keys are wiped before returning.
 */
int c1_sigv4_sign_request(struct c1_http_request *req, const struct c1_sigv4_credentials *creds,
			  const struct c1_sigv4_params *params);

/**
 * Query-string presign of `req` (method, url, headers, body; not modified):
 * *out is a new URL with the X-Amz-* parameters and X-Amz-Signature, its
 * query in canonical order. Headers of `req` (and Host) are signed, so the
 * eventual sender must send them. expires_s in 1..604800.
 * Returns 0 or C1_EINVALID; caller frees *out.
 */
int c1_sigv4_presign_url(char **out, const struct c1_http_request *req,
			 const struct c1_sigv4_credentials *creds, const struct c1_sigv4_params *params,
			 int expires_s);

/* ---- Stages (shared by signing and verification, exposed for tests) ---- */

/** What one canonical request covers; all borrowed. */
struct c1_sigv4_canonical_input {
	const char *method;
	struct c1_str path;  /* as sent on the wire (percent-encoded), e.g. "/a/b%20c"; empty means "/" */
	struct c1_str query; /* as sent, without "?"; empty when none */
	const struct c1_headers *headers;
	const char
	    *signed_headers;      /* NULL: every signable header; else the ';' list to cover (verification) */
	const char *payload_hash; /* hex SHA-256 of the body, or "UNSIGNED-PAYLOAD" */
	enum c1_sigv4_path_mode path_mode; /* AUTO is treated as NORMALIZE here */
	bool drop_signature_param;         /* presigned verification: leave X-Amz-Signature out */
};

/**
 * Append the canonical request to `out` and, when `signed_headers_out` is
 * not NULL, the SignedHeaders list to it. Returns 0 or C1_ETOOBIG.
 */
int c1_sigv4_canonical_request(struct c1_buf *out, struct c1_buf *signed_headers_out,
			       const struct c1_sigv4_canonical_input *in);
/** Append the string to sign for `amz_date` ("20150830T123600Z") and `scope`
 * ("date/region/service/aws4_request"). */
int c1_sigv4_string_to_sign(struct c1_buf *out, const char *amz_date, const char *scope,
			    struct c1_str canonical_request);
/**
 * HMAC chain from the secret over the date, region and service named in
 * `scope`, then the hex signature of `string_to_sign` into `out_hex`.
 * Returns 0 or C1_EINVALID (malformed scope). Intermediate keys are wiped.
 */
int c1_sigv4_signature(char out_hex[C1_SIGV4_HEX_LEN + 1], const char *secret_access_key, const char *scope,
		       struct c1_str string_to_sign);
/** Lower-case hex SHA-256 of `data` into `out_hex`. */
void c1_sigv4_sha256_hex(char out_hex[C1_SIGV4_HEX_LEN + 1], struct c1_str data);
/** "YYYYMMDDTHHMMSSZ" for Unix seconds; C1_EINVALID when out of range. */
int c1_sigv4_format_amz_date(char out[17], int64_t time_s);

/* ---- Verification (what the simulator needs) ---- */

/** The parts of an `Authorization: AWS4-HMAC-SHA256 ...` header; heap strings. */
struct c1_sigv4_authorization {
	char *access_key_id;
	char *scope; /* "20150830/us-east-1/service/aws4_request" */
	char *date;  /* "20150830" */
	char *region;
	char *service;
	char *signed_headers; /* "host;x-amz-date" */
	char signature[C1_SIGV4_HEX_LEN + 1];
};

#define C1_SIGV4_AUTHORIZATION_INIT                    \
	{                                              \
		NULL, NULL, NULL, NULL, NULL, NULL, "" \
	}

/** Parse the header value; C1_EINVALID with a message naming the broken part. */
int c1_sigv4_authorization_parse(struct c1_sigv4_authorization *out, const char *value);
void c1_sigv4_authorization_dispose(struct c1_sigv4_authorization *authz);

/** A received request, as the server saw it; all borrowed. */
struct c1_sigv4_verify_input {
	const char *method;
	const char *raw_path;  /* path as on the wire, still percent-encoded */
	const char *raw_query; /* query as on the wire without "?"; NULL when none */
	const struct c1_headers *headers;
	struct c1_str body;
	const char *signed_headers;   /* SignedHeaders from Authorization (or X-Amz-SignedHeaders) */
	const char *credential_scope; /* "date/region/service/aws4_request" */
	const char *amz_date;     /* NULL: the X-Amz-Date header (presigned: pass the X-Amz-Date parameter) */
	const char *payload_hash; /* NULL: x-amz-content-sha256 header if present, else SHA-256(body) */
	bool presigned;           /* query auth: X-Amz-Signature is not part of the canonical query */
	enum c1_sigv4_path_mode path_mode; /* AUTO: S3 rules when the scope's service is "s3" */
};

/**
 * Recompute the signature of a received request with the same code the
 * signer uses. Returns 0 or
 * C1_EINVALID (no date, malformed scope).
 */
int c1_sigv4_compute_signature(char out_hex[C1_SIGV4_HEX_LEN + 1], const struct c1_sigv4_verify_input *in,
			       const char *secret_access_key, struct c1_sigv4_trace *trace);
/**
 * 0 when `signature_hex` is the right signature (constant-time compare),
 * C1_EAUTH when it is not, C1_EINVALID when the input is unusable.
 */
int c1_sigv4_verify(const struct c1_sigv4_verify_input *in, const char *secret_access_key,
		    const char *signature_hex);

#endif
