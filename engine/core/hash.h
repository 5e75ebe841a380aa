/* FNV-1a, 64-bit: the hash the engine's in-memory tables (rate-limit keys,
 * AWS profiles, cloud accounts) and request fingerprints use. Not for
 * anything an attacker could aim at: it is not keyed. */
#ifndef C1_CORE_HASH_H
#define C1_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

#define C1_FNV1A_INIT 1469598103934665603ULL

/** Continue hash `h` (C1_FNV1A_INIT to start) over `n` bytes at `p`. */
static inline uint64_t c1_fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ULL;
	return h;
}

/** FNV-1a of a NUL-terminated string. */
static inline uint64_t c1_fnv1a_str(const char *s)
{
	uint64_t h = C1_FNV1A_INIT;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

#endif
