#include "engine/core/clock.h"

#include <errno.h>
#include <time.h>

static int64_t s_read(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t s_system_monotonic(void *ctx)
{
	(void)ctx;
	return s_read(CLOCK_MONOTONIC);
}

static int64_t s_system_wall(void *ctx)
{
	(void)ctx;
	return s_read(CLOCK_REALTIME);
}

static void s_system_sleep(void *ctx, int64_t ms)
{
	(void)ctx;
	if (ms <= 0)
		return;
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static const struct c1_clock s_system = {s_system_monotonic, s_system_wall, s_system_sleep, NULL};

const struct c1_clock *c1_clock_system(void)
{
	return &s_system;
}

static int64_t s_fake_monotonic(void *ctx)
{
	return ((struct c1_fake_clock *)ctx)->monotonic_ms;
}

static int64_t s_fake_wall(void *ctx)
{
	return ((struct c1_fake_clock *)ctx)->wall_ms;
}

static void s_fake_sleep(void *ctx, int64_t ms)
{
	struct c1_fake_clock *fake = ctx;
	if (ms <= 0)
		return;
	fake->slept_ms += ms;
	c1_fake_clock_advance(fake, ms);
}

void c1_fake_clock_init(struct c1_fake_clock *fake, int64_t wall_ms)
{
	fake->clock.monotonic_ms = s_fake_monotonic;
	fake->clock.wall_ms = s_fake_wall;
	fake->clock.sleep_ms = s_fake_sleep;
	fake->clock.ctx = fake;
	fake->monotonic_ms = 1000000;
	fake->wall_ms = wall_ms;
	fake->slept_ms = 0;
}

void c1_fake_clock_advance(struct c1_fake_clock *fake, int64_t ms)
{
	fake->monotonic_ms += ms;
	fake->wall_ms += ms;
}
