/* Allocation wrappers: every heap allocation goes through here and aborts on
 * out-of-memory (state lives in SQLite; a dead process resumes). */
#ifndef C1_CORE_ALLOC_H
#define C1_CORE_ALLOC_H

#include <stddef.h>

void *c1_malloc(size_t size);
void *c1_calloc(size_t count, size_t size);
void *c1_realloc(void *ptr, size_t size);
char *c1_strdup(const char *s);
char *c1_strndup(const char *s, size_t n);
/** printf into a new heap string owned by the caller. */
char *c1_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** Zero `len` bytes at `ptr` in a way the compiler cannot elide. */
void c1_wipe(void *ptr, size_t len);
/** Wipe a NUL-terminated string and free it; NULL is fine. */
void c1_free_secure_str(char *s);

#endif
