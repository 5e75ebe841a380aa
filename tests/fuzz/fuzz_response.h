/* Shared by the fuzz targets that drive a client: one fuzz input is read as a small HTTP answer
 * ("<selector> <status>\n", header lines, a blank line, the body) and a transport replays it
 * for every request, so the reply parsers behind each client call see arbitrary bytes.
 * Header-only so each target stays one file plus this. */
#ifndef C1_FUZZ_RESPONSE_H
#define C1_FUZZ_RESPONSE_H

#include "engine/core/alloc.h"
#include "engine/core/buf.h"
#include "engine/core/error.h"
#include "engine/net/headers.h"
#include "engine/net/http.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct fuzz_response {
	unsigned selector; /* which call the target makes */
	long status;
	struct c1_headers headers;
	struct c1_str body;
};

/* Digits only, capped: the first line must stay cheap to mutate into every call and status. */
static inline unsigned long fuzz_number(const char **p, const char *end, unsigned long cap)
{
	unsigned long v = 0;
	while (*p < end && **p == ' ')
		(*p)++;
	while (*p < end && **p >= '0' && **p <= '9') {
		v = v * 10 + (unsigned long)(**p - '0');
		if (v > cap)
			v = cap;
		(*p)++;
	}
	return v;
}

/* Without a blank line the rest is all body, so a seed can be just "3 200\n<xml...>". */
static inline void fuzz_response_parse(struct fuzz_response *out, const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	memset(out, 0, sizeof(*out));
	out->selector = (unsigned)fuzz_number(&p, end, 1000);
	out->status = (long)fuzz_number(&p, end, 999);
	const char *eol = memchr(p, '\n', (size_t)(end - p));
	p = eol ? eol + 1 : end;
	const char *blank = NULL;
	if (p < end && *p == '\n')
		blank = p - 1; /* no header lines */
	for (const char *q = p; !blank && q + 1 < end; q++) {
		if (q[0] == '\n' && q[1] == '\n')
			blank = q;
	}
	if (!blank) {
		out->body = (struct c1_str){p, (size_t)(end - p)};
		return;
	}
	while (p < blank) {
		const char *nl = memchr(p, '\n', (size_t)(blank - p));
		const char *line_end = nl ? nl : blank;
		const char *colon = memchr(p, ':', (size_t)(line_end - p));
		if (colon && colon > p) {
			char *name = c1_strndup(p, (size_t)(colon - p));
			struct c1_str v =
			    c1_str_trim((struct c1_str){colon + 1, (size_t)(line_end - colon - 1)});
			char *value = c1_str_dup(v);
			/* header names and values never hold NUL on the wire */
			if (strlen(name) == (size_t)(colon - p) && strlen(value) == v.len)
				c1_headers_add(&out->headers, name, value);
			free(name);
			free(value);
		}
		p = line_end + 1;
	}
	p = blank + 2;
	out->body = (struct c1_str){p, (size_t)(end - p)};
}

static inline void fuzz_response_dispose(struct fuzz_response *r)
{
	c1_headers_dispose(&r->headers);
}

struct fuzz_transport {
	struct c1_http_transport base;
	const struct fuzz_response *answer;
	int calls;
};

/* A client that loops on a reply (paging, retries) must stop on its own; the cap only keeps a
 * target from spinning if one does not, and shows up as a timeout the fuzzer reports. */
static inline int fuzz_transport_send(struct c1_http_transport *self, const struct c1_http_request *req,
				      struct c1_http_response *out)
{
	struct fuzz_transport *t = (struct fuzz_transport *)self;
	(void)req;
	if (++t->calls > 2000) {
		c1_error_set("fuzz transport: too many calls");
		return C1_ETRANSPORT;
	}
	out->status = t->answer->status;
	c1_headers_copy(&out->headers, &t->answer->headers);
	if (c1_buf_put(&out->body, t->answer->body.ptr, t->answer->body.len) != 0) {
		c1_error_set("fuzz transport: body over the cap");
		return C1_ETOOBIG;
	}
	return 0;
}

static inline void fuzz_transport_destroy(struct c1_http_transport *self)
{
	(void)self;
}

static inline void fuzz_transport_init(struct fuzz_transport *t, const struct fuzz_response *answer)
{
	memset(t, 0, sizeof(*t));
	t->base.send = fuzz_transport_send;
	t->base.destroy = fuzz_transport_destroy;
	t->answer = answer;
}

#endif
