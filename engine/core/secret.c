#include "engine/core/secret.h"

#include "engine/core/alloc.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

void c1_secret_set(struct c1_secret *secret, const char *value, size_t len)
{
	c1_secret_dispose(secret);
	secret->value = c1_malloc(len + 1);
	if (len)
		memcpy(secret->value, value, len);
	secret->value[len] = '\0';
	secret->len = len;
}

bool c1_secret_is_set(const struct c1_secret *secret)
{
	return secret && secret->value && secret->len > 0;
}

const char *c1_secret_reveal(const struct c1_secret *secret)
{
	return secret && secret->value ? secret->value : "";
}

bool c1_secret_equals(const struct c1_secret *a, const struct c1_secret *b)
{
	if (!c1_secret_is_set(a) || !c1_secret_is_set(b))
		return c1_secret_is_set(a) == c1_secret_is_set(b);
	return a->len == b->len && CRYPTO_memcmp(a->value, b->value, a->len) == 0;
}

void c1_secret_copy(struct c1_secret *out, const struct c1_secret *src)
{
	if (c1_secret_is_set(src))
		c1_secret_set(out, src->value, src->len);
	else
		c1_secret_dispose(out);
}

void c1_secret_dispose(struct c1_secret *secret)
{
	if (!secret)
		return;
	if (secret->value) {
		c1_wipe(secret->value, secret->len);
		free(secret->value);
	}
	secret->value = NULL;
	secret->len = 0;
}
