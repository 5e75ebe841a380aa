/* Growable byte buffer with a hard size cap (untrusted input never grows it
 * without bound), and the non-owning string view passed by value. */
#ifndef C1_CORE_BUF_H
#define C1_CORE_BUF_H

#include <stdbool.h>
#include <stddef.h>

/** Non-owning view of `len` bytes; not necessarily NUL-terminated. */
struct c1_str {
	const char *ptr;
	size_t len;
};

#define C1_STR(literal) ((struct c1_str){(literal), sizeof(literal) - 1})
struct c1_str c1_str_from(const char *cstr); /* NULL gives an empty view */
bool c1_str_eq(struct c1_str a, struct c1_str b);
bool c1_str_eq_cstr(struct c1_str a, const char *b);
bool c1_str_ieq_cstr(struct c1_str a, const char *b); /* ASCII case-insensitive */
struct c1_str c1_str_trim(struct c1_str s);           /* spaces and tabs */
/** New heap NUL-terminated copy; caller frees. */
char *c1_str_dup(struct c1_str s);

/** Growable buffer; ptr is always NUL-terminated once anything was added. */
struct c1_buf {
	char *ptr;
	size_t len;
	size_t cap;
	size_t max; /* 0 means C1_BUF_DEFAULT_MAX */
};

#define C1_BUF_DEFAULT_MAX ((size_t)64 * 1024 * 1024)
#define C1_BUF_INIT           \
	{                     \
		NULL, 0, 0, 0 \
	}

/** Append bytes; C1_ETOOBIG (buffer unchanged) when the cap would be passed. */
int c1_buf_put(struct c1_buf *buf, const void *data, size_t len);
int c1_buf_puts(struct c1_buf *buf, const char *s);
int c1_buf_putc(struct c1_buf *buf, char c);
int c1_buf_printf(struct c1_buf *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** The contents as a C string ("" when empty); borrowed. */
const char *c1_buf_cstr(const struct c1_buf *buf);
struct c1_str c1_buf_view(const struct c1_buf *buf);
void c1_buf_clear(struct c1_buf *buf);
/** Hand the heap string to the caller (never NULL) and reset the buffer. */
char *c1_buf_detach(struct c1_buf *buf);
void c1_buf_dispose(struct c1_buf *buf);
/** Dispose after zeroing the whole allocation (buffers that held secrets). */
void c1_buf_dispose_secure(struct c1_buf *buf);

#endif
