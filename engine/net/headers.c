#include "engine/net/headers.h"

#include "engine/core/alloc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void c1_headers_add(struct c1_headers *headers, const char *name, const char *value)
{
	if (headers->count == headers->cap) {
		headers->cap = headers->cap ? headers->cap * 2 : 8;
		headers->items = c1_realloc(headers->items, headers->cap * sizeof(*headers->items));
	}
	headers->items[headers->count].name = c1_strdup(name);
	headers->items[headers->count].value = c1_strdup(value ? value : "");
	headers->count++;
}

void c1_headers_set(struct c1_headers *headers, const char *name, const char *value)
{
	c1_headers_remove(headers, name);
	c1_headers_add(headers, name, value);
}

const char *c1_headers_get(const struct c1_headers *headers, const char *name)
{
	for (size_t i = 0; i < headers->count; i++)
		if (strcasecmp(headers->items[i].name, name) == 0)
			return headers->items[i].value;
	return NULL;
}

void c1_headers_remove(struct c1_headers *headers, const char *name)
{
	size_t kept = 0;
	for (size_t i = 0; i < headers->count; i++) {
		if (strcasecmp(headers->items[i].name, name) == 0) {
			free(headers->items[i].name);
			c1_free_secure_str(headers->items[i].value);
			continue;
		}
		headers->items[kept++] = headers->items[i];
	}
	headers->count = kept;
}

void c1_headers_copy(struct c1_headers *out, const struct c1_headers *src)
{
	for (size_t i = 0; i < src->count; i++)
		c1_headers_add(out, src->items[i].name, src->items[i].value);
}

void c1_headers_dispose(struct c1_headers *headers)
{
	if (!headers)
		return;
	for (size_t i = 0; i < headers->count; i++) {
		free(headers->items[i].name);
		c1_free_secure_str(headers->items[i].value);
	}
	free(headers->items);
	headers->items = NULL;
	headers->count = headers->cap = 0;
}
