#include "engine/core/buf.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct c1_str c1_str_from(const char *cstr)
{
	struct c1_str s = {cstr ? cstr : "", cstr ? strlen(cstr) : 0};
	return s;
}

bool c1_str_eq(struct c1_str a, struct c1_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

bool c1_str_eq_cstr(struct c1_str a, const char *b)
{
	return c1_str_eq(a, c1_str_from(b));
}

bool c1_str_ieq_cstr(struct c1_str a, const char *b)
{
	size_t blen = strlen(b);
	return a.len == blen && (blen == 0 || strncasecmp(a.ptr, b, blen) == 0);
}

struct c1_str c1_str_trim(struct c1_str s)
{
	while (s.len && (s.ptr[0] == ' ' || s.ptr[0] == '\t')) {
		s.ptr++;
		s.len--;
	}
	while (s.len && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t'))
		s.len--;
	return s;
}

char *c1_str_dup(struct c1_str s)
{
	char *p = c1_malloc(s.len + 1);
	if (s.len)
		memcpy(p, s.ptr, s.len);
	p[s.len] = '\0';
	return p;
}

static size_t s_max(const struct c1_buf *buf)
{
	return buf->max ? buf->max : C1_BUF_DEFAULT_MAX;
}

static int s_reserve(struct c1_buf *buf, size_t extra)
{
	if (extra > s_max(buf) || buf->len > s_max(buf) - extra) {
		c1_error_set("data larger than the %zu-byte limit", s_max(buf));
		return C1_ETOOBIG;
	}
	size_t need = buf->len + extra + 1;
	if (need <= buf->cap)
		return 0;
	size_t cap = buf->cap ? buf->cap : 64;
	while (cap < need)
		cap *= 2;
	buf->ptr = c1_realloc(buf->ptr, cap);
	buf->cap = cap;
	return 0;
}

int c1_buf_put(struct c1_buf *buf, const void *data, size_t len)
{
	int rc = s_reserve(buf, len);
	if (rc)
		return rc;
	if (len)
		memcpy(buf->ptr + buf->len, data, len);
	buf->len += len;
	buf->ptr[buf->len] = '\0';
	return 0;
}

int c1_buf_puts(struct c1_buf *buf, const char *s)
{
	return c1_buf_put(buf, s, strlen(s));
}

int c1_buf_putc(struct c1_buf *buf, char c)
{
	return c1_buf_put(buf, &c, 1);
}

int c1_buf_printf(struct c1_buf *buf, const char *fmt, ...)
{
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	int rc = n < 0 ? C1_ERROR : s_reserve(buf, (size_t)n);
	if (rc == 0) {
		vsnprintf(buf->ptr + buf->len, (size_t)n + 1, fmt, ap2);
		buf->len += (size_t)n;
	}
	va_end(ap2);
	return rc;
}

const char *c1_buf_cstr(const struct c1_buf *buf)
{
	return buf->ptr ? buf->ptr : "";
}

struct c1_str c1_buf_view(const struct c1_buf *buf)
{
	struct c1_str s = {c1_buf_cstr(buf), buf->len};
	return s;
}

void c1_buf_clear(struct c1_buf *buf)
{
	buf->len = 0;
	if (buf->ptr)
		buf->ptr[0] = '\0';
}

char *c1_buf_detach(struct c1_buf *buf)
{
	char *p = buf->ptr ? buf->ptr : c1_strdup("");
	buf->ptr = NULL;
	buf->len = buf->cap = 0;
	return p;
}

void c1_buf_dispose(struct c1_buf *buf)
{
	if (!buf)
		return;
	free(buf->ptr);
	buf->ptr = NULL;
	buf->len = buf->cap = 0;
}

void c1_buf_dispose_secure(struct c1_buf *buf)
{
	if (!buf)
		return;
	c1_wipe(buf->ptr, buf->cap);
	c1_buf_dispose(buf);
}
