/* A scripted HTTP transport for unit tests: records every request and
 * answers from a queue of canned responses or transport errors, optionally
 * matched by method and URL substring. No sockets. Thread-safe. */
#ifndef C1_NET_HTTP_SCRIPT_H
#define C1_NET_HTTP_SCRIPT_H

#include "engine/net/http.h"

#include <stddef.h>

struct c1_http_script;

/** A recorded request (deep copies: method, url, headers, body). */
struct c1_http_script_request {
	char *method;
	char *url;
	struct c1_headers headers;
	char *body; /* NUL-terminated copy; "" when the request had none */
	size_t body_len;
	long timeout_ms;
};

/** New empty script. Free with c1_http_script_free (or its transport's destroy). */
struct c1_http_script *c1_http_script_new(void);
/** Frees the script, its queue and its records. NULL is fine. */
void c1_http_script_free(struct c1_http_script *script);
/** The transport view (borrowed; same lifetime as the script). */
struct c1_http_transport *c1_http_script_transport(struct c1_http_script *script);

/**
 * Queue a response. `headers` is "Name: value" lines separated by "\n" (or
 * "\r\n"), may be NULL; `body` is copied, may be NULL. Matches any request.
 */
void c1_http_script_push(struct c1_http_script *script, long status, const char *headers, const char *body);
/** Same as push, but only for requests whose method equals `method` (NULL: any)
 * and whose URL contains `url_part` (NULL: any). First match in queue order wins. */
void c1_http_script_push_match(struct c1_http_script *script, const char *method, const char *url_part,
			       long status, const char *headers, const char *body);
/** Queue a transport failure: send returns `rc` (C1_ETIMEOUT, C1_ETRANSPORT...)
 * with `message` as the error text. */
void c1_http_script_push_error(struct c1_http_script *script, int rc, const char *message);

/** Requests received so far (whether answered or not). */
size_t c1_http_script_count(struct c1_http_script *script);
/** The i-th recorded request (borrowed until free), NULL when out of range. */
const struct c1_http_script_request *c1_http_script_request(struct c1_http_script *script, size_t i);
/** Queued responses not consumed yet. */
size_t c1_http_script_pending(struct c1_http_script *script);

#endif
