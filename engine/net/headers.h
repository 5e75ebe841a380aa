/* An ordered list of HTTP header name/value pairs with case-insensitive
 * lookup; shared by the HTTP client and the SigV4 signer. */
#ifndef C1_NET_HEADERS_H
#define C1_NET_HEADERS_H

#include <stddef.h>

struct c1_header {
	char *name;
	char *value;
};

struct c1_headers {
	struct c1_header *items;
	size_t count;
	size_t cap;
};

#define C1_HEADERS_INIT    \
	{                  \
		NULL, 0, 0 \
	}

/** Append a copy of name/value (duplicates allowed, order kept). */
void c1_headers_add(struct c1_headers *headers, const char *name, const char *value);
/** Replace every header of that name with one new value (or add it). */
void c1_headers_set(struct c1_headers *headers, const char *name, const char *value);
/** First value of that name (case-insensitive) or NULL; borrowed. */
const char *c1_headers_get(const struct c1_headers *headers, const char *name);
void c1_headers_remove(struct c1_headers *headers, const char *name);
void c1_headers_copy(struct c1_headers *out, const struct c1_headers *src);
/** Frees everything; values are wiped first (Authorization, tokens). */
void c1_headers_dispose(struct c1_headers *headers);

#endif
