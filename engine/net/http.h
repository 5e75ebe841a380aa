/* HTTP client: one request/response model and a transport function table.
 * The real transport is libcurl (connection reuse through a share handle,
 * TLS verification always on, plain http only to loopback, capped bodies);
 * tests plug in a scripted transport instead of sockets. */
#ifndef C1_NET_HTTP_H
#define C1_NET_HTTP_H

#include "engine/core/buf.h"
#include "engine/net/headers.h"

#include <stdbool.h>
#include <stddef.h>

struct c1_http_request {
	const char *method; /* "GET", "POST", "DELETE", "HEAD", ... */
	const char *url;    /* absolute http(s) URL, already percent-encoded */
	struct c1_headers headers;
	const char *body; /* may be NULL; borrowed */
	size_t body_len;
	long timeout_ms; /* whole-request deadline; 0 = transport default */
	/* An instance/container metadata request: plain http to the AWS link-local metadata hosts
	 * is allowed for it (and only for it; every other request is https or loopback). */
	bool aws_metadata;
};

#define C1_HTTP_REQUEST_INIT                                   \
	{                                                      \
		NULL, NULL, C1_HEADERS_INIT, NULL, 0, 0, false \
	}

struct c1_http_response {
	long status;               /* 0 when no response arrived */
	struct c1_headers headers; /* names as received */
	struct c1_buf body;
};

#define C1_HTTP_RESPONSE_INIT                   \
	{                                       \
		0, C1_HEADERS_INIT, C1_BUF_INIT \
	}

void c1_http_request_dispose(struct c1_http_request *req);
void c1_http_response_dispose(struct c1_http_response *resp);

/**
 * A transport sends one request and fills `out` (status, headers, body).
 * Returns 0 when any HTTP response arrived (whatever its status), or
 * C1_ETIMEOUT / C1_ETRANSPORT / C1_ETOOBIG / C1_EINVALID / C1_ECONFIG (a
 * refused TLS certificate) with c1_error_set().
 * Implementations must be thread-safe: workers share one transport.
 */
/**
 * The end of a submitted request, called once on the transport's I/O thread:
 * rc as send() would return it, `resp` to take from (move its fields out; the
 * transport disposes what is left), `error` the message send() would have set
 * (NULL when rc is 0). Keep it short: other transfers wait meanwhile.
 */
typedef void (*c1_http_done_fn)(void *arg, int rc, struct c1_http_response *resp, const char *error);

struct c1_http_transport {
	int (*send)(struct c1_http_transport *self, const struct c1_http_request *req,
		    struct c1_http_response *out);
	void (*destroy)(struct c1_http_transport *self);
	/**
	 * Optional (NULL: only send). Start the request and return at once; the
	 * request is copied. `body_max` caps the response body as out->body.max
	 * does for send (0: the transport's cap). Returns 0 once the request is
	 * on its way (`done` will run exactly once), or the error send() would
	 * give for a request it refuses (nothing sent, `done` never runs).
	 */
	int (*submit)(struct c1_http_transport *self, const struct c1_http_request *req, size_t body_max,
		      c1_http_done_fn done, void *arg);
};

static inline int c1_http_send(struct c1_http_transport *t, const struct c1_http_request *req,
			       struct c1_http_response *out)
{
	return t->send(t, req, out);
}

#endif
