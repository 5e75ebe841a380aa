/* One error type for every remote API: AWS Query/S3 XML errors, AWS JSON
 * errors, Cloud One and Vision One JSON bodies, and transport failures; plus
 * the retry classification (AWS SDK standard-mode code lists). */
#ifndef C1_NET_API_ERROR_H
#define C1_NET_API_ERROR_H

#include "engine/core/buf.h"
#include "engine/net/headers.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdint.h>

struct c1_api_error {
	long http_status;       /* 0 when no HTTP response arrived */
	char code[96];          /* e.g. "Throttling", "ValidationError", "HTTP429" */
	char message[512];      /* service text, truncated; never holds a secret */
	char request_id[128];   /* x-amzn-RequestId / RequestId element, "" if none */
	bool retryable;         /* transient: may succeed if sent again */
	bool throttling;        /* the service asked us to slow down */
	bool timeout;           /* connect/read timeout (costs more retry quota) */
	long retry_after_ms;    /* Retry-After / x-amz-retry-after; -1 when absent */
	char bucket_region[32]; /* S3: x-amz-bucket-region (redirects, HEAD), "" if none */
};

#define C1_API_ERROR_INIT                                  \
	{                                                  \
		0, "", "", "", false, false, false, -1, "" \
	}

enum c1_api_body_kind {
	C1_API_BODY_AWS_QUERY_XML, /* <ErrorResponse><Error><Code>... */
	C1_API_BODY_AWS_S3_XML,    /* <Error><Code>... (maybe empty body on HEAD) */
	C1_API_BODY_AWS_JSON,      /* {"__type": "...", "message": "..."} */
	C1_API_BODY_CLOUDONE_JSON, /* {"message": "...", "fields": {...}} */
	C1_API_BODY_VISIONONE_JSON /* {"error": {"code": "...", "message": "..."}} */
};

/**
 * Fill `out` from a non-2xx response: status, code, message, request id,
 * Retry-After, then classify. Never fails: unparsable bodies give code
 * "HTTP<status>" and a truncated, printable excerpt as message. An
 * HTTP-date Retry-After is measured from the response's Date header (the
 * server's clock), or from the system clock when there is none. Anything
 * that looks like a credential (ApiKey/Bearer tokens, SigV4 Authorization
 * values, X-Amz-Signature/Security-Token) is replaced by "[REDACTED]".
 */
void c1_api_error_from_response(struct c1_api_error *out, enum c1_api_body_kind kind, long status,
				const struct c1_headers *headers, struct c1_str body);
/** Fill `out` for a failure with no HTTP response (rc from the transport). */
void c1_api_error_from_transport(struct c1_api_error *out, int rc, const char *message);
/*
 * A success (2xx) whose body does not parse at all is "InvalidResponse" and
 * retryable, unlike a body that parses but lacks what we need: a body that
 * is not JSON or XML was cut or garbled on its way (a proxy, a reset the
 * transport did not notice), so sending again may succeed, and the request
 * may have been carried out, so callers treat it as a lost reply. The
 * clients (query.c, s3.c, cloudtrail.c, trend_http.c) set it where they parse.
 */
/** Set retryable/throttling from code and status (SDK standard lists). */
void c1_api_error_classify(struct c1_api_error *err);
/** Parse a Retry-After value (delta-seconds or any RFC 9110 HTTP-date form) relative to now; -1 if invalid.
 */
long c1_api_parse_retry_after_ms(const char *value, int64_t now_wall_ms);
/** "Throttling (HTTP 400, request 1234-...): Rate exceeded" into a caller buffer. */
void c1_api_error_format(const struct c1_api_error *err, char *out, size_t out_len);
/**
 * Copy `text` into `out` (always NUL-terminated): credentials replaced by
 * "[REDACTED]", control characters turned into spaces, invalid UTF-8 into
 * '?', cut at a character boundary with "..." when it does not fit.
 */
void c1_api_error_sanitize(char *out, size_t out_len, struct c1_str text);
/** Parse an HTTP-date (IMF-fixdate, RFC 850 or asctime form) into Unix ms; -1 if invalid. */
int64_t c1_api_parse_http_date_ms(const char *value);

#endif
