#include "engine/core/alloc.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void s_oom(size_t size)
{
	fprintf(stderr, "c1onboard: out of memory allocating %zu bytes\n", size);
	abort();
}

void *c1_malloc(size_t size)
{
	void *p = malloc(size ? size : 1); /* NOLINT: the one allowed malloc */
	if (!p)
		s_oom(size);
	return p;
}

void *c1_calloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1); /* NOLINT: the wrapper */
	if (!p)
		s_oom(count * size);
	return p;
}

void *c1_realloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1); /* NOLINT: the wrapper */
	if (!p)
		s_oom(size);
	return p;
}

char *c1_strdup(const char *s)
{
	return s ? c1_strndup(s, strlen(s)) : NULL;
}

char *c1_strndup(const char *s, size_t n)
{
	if (!s)
		return NULL;
	size_t len = strnlen(s, n);
	char *p = c1_malloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *c1_asprintf(const char *fmt, ...)
{
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	char *p = c1_malloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	return p;
}

void c1_wipe(void *ptr, size_t len)
{
	if (ptr && len)
		OPENSSL_cleanse(ptr, len);
}

void c1_free_secure_str(char *s)
{
	if (!s)
		return;
	c1_wipe(s, strlen(s));
	free(s);
}
