/* A tiny scripted transport for the Query/STS unit tests: records the last
 * request and answers from a fixed list of canned responses or transport
 * failures. Header-only so each test binary stays one file. */
#ifndef C1_TEST_CANNED_TRANSPORT_H
#define C1_TEST_CANNED_TRANSPORT_H

#include "engine/core/alloc.h"
#include "engine/core/buf.h"
#include "engine/core/error.h"
#include "engine/net/headers.h"
#include "engine/net/http.h"

#include <stdlib.h>
#include <string.h>

#define CANNED_MAX 8

struct canned_response {
	int rc; /* nonzero: the transport fails with this code */
	long status;
	const char *headers; /* "Name: value\n..." or NULL */
	const char *body;
};

struct canned_transport {
	struct c1_http_transport base;
	struct canned_response responses[CANNED_MAX];
	size_t count, next;
	int calls;
	/* The last request, deep-copied. */
	char *method, *url, *body;
	struct c1_headers headers;
};

static inline void canned_forget(struct canned_transport *t)
{
	free(t->method);
	free(t->url);
	free(t->body);
	c1_headers_dispose(&t->headers);
	t->method = t->url = t->body = NULL;
}

static inline int canned_send(struct c1_http_transport *self, const struct c1_http_request *req,
			      struct c1_http_response *out)
{
	struct canned_transport *t = (struct canned_transport *)self;
	canned_forget(t);
	t->calls++;
	t->method = c1_strdup(req->method);
	t->url = c1_strdup(req->url);
	t->body = c1_strndup(req->body ? req->body : "", req->body ? req->body_len : 0);
	c1_headers_copy(&t->headers, &req->headers);
	if (t->next >= t->count) {
		c1_error_set("canned transport: no response left");
		return C1_ETRANSPORT;
	}
	const struct canned_response *r = &t->responses[t->next++];
	if (r->rc) {
		c1_error_set("connection reset by peer (canned)");
		return r->rc;
	}
	out->status = r->status;
	const char *h = r->headers;
	while (h && *h) {
		size_t n = strcspn(h, "\n");
		const char *colon = memchr(h, ':', n);
		if (colon) {
			char *name = c1_strndup(h, (size_t)(colon - h));
			struct c1_str v =
			    c1_str_trim((struct c1_str){colon + 1, n - (size_t)(colon + 1 - h)});
			char *value = c1_str_dup(v);
			c1_headers_add(&out->headers, name, value);
			free(name);
			free(value);
		}
		h += n + (h[n] == '\n');
	}
	if (r->body)
		c1_buf_puts(&out->body, r->body);
	return 0;
}

static inline void canned_destroy(struct c1_http_transport *self)
{
	canned_forget((struct canned_transport *)self);
}

static inline void canned_init(struct canned_transport *t)
{
	memset(t, 0, sizeof(*t));
	t->base.send = canned_send;
	t->base.destroy = canned_destroy;
}

static inline void canned_push(struct canned_transport *t, long status, const char *headers, const char *body)
{
	struct canned_response r = {0, status, headers, body};
	t->responses[t->count++] = r;
}

static inline void canned_push_failure(struct canned_transport *t, int rc)
{
	struct canned_response r = {rc, 0, NULL, NULL};
	t->responses[t->count++] = r;
}

#endif
