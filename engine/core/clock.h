/* Time source behind a small function table, so retry, rate-limit and signer
 * code takes time as input and tests can run on a fake clock. */
#ifndef C1_CORE_CLOCK_H
#define C1_CORE_CLOCK_H

#include <stdint.h>

struct c1_clock {
	int64_t (*monotonic_ms)(void *ctx); /* for intervals and deadlines */
	int64_t (*wall_ms)(void *ctx);      /* Unix epoch, for signing and expiry */
	void (*sleep_ms)(void *ctx, int64_t ms);
	void *ctx;
};

/** The real clock; thread-safe, static lifetime. */
const struct c1_clock *c1_clock_system(void);

/** A clock that moves only when told to; sleeping advances it. Not thread-safe. */
struct c1_fake_clock {
	struct c1_clock clock;
	int64_t monotonic_ms;
	int64_t wall_ms;
	int64_t slept_ms; /* total asked to sleep, for assertions */
};

void c1_fake_clock_init(struct c1_fake_clock *fake, int64_t wall_ms);
void c1_fake_clock_advance(struct c1_fake_clock *fake, int64_t ms);

static inline int64_t c1_clock_monotonic_ms(const struct c1_clock *c)
{
	return c->monotonic_ms(c->ctx);
}
static inline int64_t c1_clock_wall_ms(const struct c1_clock *c)
{
	return c->wall_ms(c->ctx);
}
static inline void c1_clock_sleep_ms(const struct c1_clock *c, int64_t ms)
{
	c->sleep_ms(c->ctx, ms);
}

#endif
