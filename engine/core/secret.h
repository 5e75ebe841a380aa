/* The secret type: API keys, tokens, AWS secret keys and session tokens live
 * only here. It has no printing function; dispose zeroes the memory. */
#ifndef C1_CORE_SECRET_H
#define C1_CORE_SECRET_H

#include <stdbool.h>
#include <stddef.h>

struct c1_secret {
	char *value; /* NUL-terminated; never log, format or store it */
	size_t len;
};

#define C1_SECRET_INIT  \
	{               \
		NULL, 0 \
	}

/** Copy `len` bytes into a fresh secret (replacing and wiping any old value). */
void c1_secret_set(struct c1_secret *secret, const char *value, size_t len);
bool c1_secret_is_set(const struct c1_secret *secret);
/** Borrowed pointer for the one place that must send it (a header, a signer). */
const char *c1_secret_reveal(const struct c1_secret *secret);
/** Constant-time comparison. */
bool c1_secret_equals(const struct c1_secret *a, const struct c1_secret *b);
void c1_secret_copy(struct c1_secret *out, const struct c1_secret *src);
void c1_secret_dispose(struct c1_secret *secret);

#endif
