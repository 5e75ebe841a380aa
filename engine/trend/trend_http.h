/* Request plumbing shared by the Cloud One and Vision One clients: the
 * endpoint override rule (SPEC 6), one authenticated JSON request per call,
 * status-to-code mapping and api_error filling. Credentials stay in
 * struct c1_secret and never reach a message. */
#ifndef C1_TREND_TREND_HTTP_H
#define C1_TREND_TREND_HTTP_H

#include "engine/core/buf.h"
#include "engine/core/secret.h"
#include "engine/net/api_error.h"
#include "engine/net/http.h"

#include <jansson.h>
#include <stdbool.h>

/* Responses of the Trend APIs are small JSON documents; anything larger is refused. */
#define C1_TREND_MAX_RESPONSE_BYTES ((size_t)4 * 1024 * 1024)

/**
 * The origin ("scheme://host[:port]", no trailing slash) that requests for
 * `default_origin` go to: `override` when it is set (non-NULL, non-empty),
 * else `default_origin`. The override must be an absolute http(s) URL with
 * no path beyond "/", no query and no fragment, and plain http only to a
 * loopback host (c1_url_check_transport_allowed).
 * `var` names the override's source for messages ("C1_ENDPOINT_URL").
 * Returns 0 with *out (caller frees), or C1_ECONFIG with a how-to-fix message.
 */
int c1_trend_origin(char **out, const char *override, const char *var, const char *default_origin);

/** One request to a Trend API; everything borrowed. */
struct c1_trend_request {
	const char *method;                  /* "GET", "POST", "DELETE" */
	const char *url;                     /* absolute URL, already percent-encoded; printed in messages */
	const char *auth_scheme;             /* "ApiKey" or "Bearer" */
	const struct c1_secret *credential;  /* sent as "<auth_scheme> <credential>" */
	const char *api_version;             /* value of the api-version header, NULL for none */
	const char *body;                    /* JSON text, NULL for none (then no Content-Type) */
	const struct c1_secret *body_secret; /* a secret inside `body` (enrollment token), NULL for none */
	enum c1_api_body_kind error_kind;    /* C1_API_BODY_CLOUDONE_JSON or _VISIONONE_JSON */
	const char *what;                    /* "Cloud One GET /api/apikeys/{id}", for messages */
	long timeout_ms;                     /* 0: transport default */
};

struct c1_trend_response {
	long status;
	json_t *json; /* owned; NULL when the 2xx body was empty */
};

#define C1_TREND_RESPONSE_INIT \
	{                      \
		0, NULL        \
	}

void c1_trend_response_dispose(struct c1_trend_response *resp);

/**
 * Send `req` once. Returns 0 for a 2xx whose body is empty or a JSON object
 * (parsed into out->json); otherwise `err` is filled (kind req->error_kind)
 * and the code is: C1_EAUTH for 401, C1_ENOTFOUND for 404, C1_ETHROTTLED
 * for 429 or a throttling code, C1_EAPI for any other status or a 2xx body
 * that is not a JSON object (code "InvalidResponse"), the transport's code
 * (C1_ETIMEOUT, C1_ETRANSPORT, ...) when no response arrived, C1_EINVALID
 * for a missing credential. c1_error_last() names req->what and the status,
 * never the credential or req->body_secret: a reply that echoes either has
 * it replaced by "[REDACTED]" in err->message. `err` may be NULL.
 * Thread-safe if the transport is.
 */
int c1_trend_call(struct c1_trend_response *out, struct c1_http_transport *transport,
		  const struct c1_trend_request *req, struct c1_api_error *err);

/** Fill `err` as a 2xx reply that lacks what the caller needs (code "InvalidResponse"); returns C1_EAPI. */
int c1_trend_bad_reply(struct c1_api_error *err, long status, const char *what, const char *missing);

/** Copy of the string at `path` of `json` (caller frees), or NULL when absent or not a string. */
char *c1_trend_json_strdup(const json_t *json, const char *path);

/**
 * Move the string at `path` of `json` into `out` and zero the document's
 * copy (tokens in replies). 0, or C1_ENOTFOUND when absent, empty or not a string.
 */
int c1_trend_json_take_secret(struct c1_secret *out, json_t *json, const char *path);

#endif
