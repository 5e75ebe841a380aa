/* Configuration, simulated time and the seeded generators every module
 * shares. Ids come from a counter run through splitmix64 (a bijection), so
 * they are unique and depend only on the seed and the order of requests. */
#include "sim.h"
#include "sim_server.h"

#include "engine/core/alloc.h"
#include "engine/core/rand.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static struct sim_config s_config = {1.0, 0};
static struct c1_rand_xoshiro s_rng;
static pthread_mutex_t s_id_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t s_id_counter;
static pthread_once_t s_once = PTHREAD_ONCE_INIT;

static void s_default_init(void)
{
	c1_rand_xoshiro_init(&s_rng, s_config.seed);
}

static uint64_t s_splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

void sim_world_init(const struct sim_config *cfg)
{
	pthread_once(&s_once, s_default_init);
	if (cfg) {
		s_config = *cfg;
		if (s_config.time_scale <= 0)
			s_config.time_scale = 1.0;
	}
	sim_world_reset();
}

void sim_world_reset(void)
{
	pthread_once(&s_once, s_default_init);
	pthread_mutex_lock(&s_rng.lock);
	uint64_t x = s_config.seed;
	for (int i = 0; i < 4; i++) {
		x = s_splitmix(x);
		s_rng.s[i] = x;
	}
	pthread_mutex_unlock(&s_rng.lock);
	pthread_mutex_lock(&s_id_lock);
	s_id_counter = 0;
	pthread_mutex_unlock(&s_id_lock);
}

const struct sim_config *sim_world_config(void)
{
	return &s_config;
}

int64_t sim_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t sim_after_ms(int64_t now_ms, double simulated_seconds)
{
	return now_ms + (int64_t)(simulated_seconds * s_config.time_scale * 1000.0);
}

double sim_random(void)
{
	pthread_once(&s_once, s_default_init);
	return c1_rand_next(&s_rng.base);
}

static uint64_t s_next_id_bits(void)
{
	pthread_mutex_lock(&s_id_lock);
	uint64_t n = ++s_id_counter;
	pthread_mutex_unlock(&s_id_lock);
	/* splitmix64 of (seed-mixed counter) is a bijection of the counter. */
	return s_splitmix(n ^ (s_config.seed * 0xd1342543de82ef95ULL));
}

void sim_new_id(char *out, size_t out_len, const char *prefix, size_t hex_digits)
{
	static const char hex[] = "0123456789abcdef";
	size_t pos = 0;
	if (!out || out_len == 0)
		return;
	for (const char *p = prefix ? prefix : ""; *p && pos + 1 < out_len; p++)
		out[pos++] = *p;
	uint64_t bits = s_next_id_bits();
	int left = 16;
	for (size_t i = 0; i < hex_digits && pos + 1 < out_len; i++) {
		if (left == 0) {
			bits = s_splitmix(bits);
			left = 16;
		}
		out[pos++] = hex[(bits >> 60) & 0xf];
		bits <<= 4;
		left--;
	}
	out[pos] = '\0';
}

void sim_new_request_id(char *out, size_t out_len)
{
	char h[40];
	sim_new_id(h, sizeof(h), "", 32);
	snprintf(out, out_len, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}

void sim_grow(void **items, size_t *cap, size_t count, size_t size)
{
	if (count < *cap)
		return;
	*cap = *cap ? *cap * 2 : 16;
	*items = c1_realloc(*items, *cap * size);
}

void sim_copy(char *dst, size_t len, const char *src)
{
	size_t n = src ? strnlen(src, len - 1) : 0;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

void sim_format_time(char *out, size_t len, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
