/* A seeded, thread-safe pseudo-random source for jitter (retry delays, poll
 * spreading). Not for secrets: use OpenSSL RAND_bytes for those. */
#ifndef C1_CORE_RAND_H
#define C1_CORE_RAND_H

#include <pthread.h>
#include <stdint.h>

/**
 * A random source behind a function table so tests can inject exact values.
 * `next` returns a double in [0, 1) and must be thread-safe.
 */
struct c1_rand {
	double (*next)(struct c1_rand *self);
};

/** xoshiro256** guarded by a mutex; embed it and pass &rng.base. */
struct c1_rand_xoshiro {
	struct c1_rand base;
	pthread_mutex_t lock;
	uint64_t s[4];
};

/** Seed deterministically (seed 0 is fine). Pair with c1_rand_xoshiro_dispose. */
void c1_rand_xoshiro_init(struct c1_rand_xoshiro *rng, uint64_t seed);
void c1_rand_xoshiro_dispose(struct c1_rand_xoshiro *rng);

/** Process-wide source seeded from the OS once; thread-safe, static lifetime. */
struct c1_rand *c1_rand_default(void);

/** A source that always returns `value` (clamped into [0, 1)); for tests. */
struct c1_rand_fixed {
	struct c1_rand base;
	double value;
};
void c1_rand_fixed_init(struct c1_rand_fixed *rng, double value);

static inline double c1_rand_next(struct c1_rand *r)
{
	return r->next(r);
}

#endif
