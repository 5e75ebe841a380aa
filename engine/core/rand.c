#include "engine/core/rand.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

static uint64_t s_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t s_splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static double s_xoshiro_next(struct c1_rand *self)
{
	struct c1_rand_xoshiro *r = (struct c1_rand_xoshiro *)self;
	pthread_mutex_lock(&r->lock);
	uint64_t *s = r->s;
	uint64_t result = s_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = s_rotl(s[3], 45);
	pthread_mutex_unlock(&r->lock);
	/* Top 53 bits give every double in [0,1) with equal spacing. */
	return (double)(result >> 11) * 0x1.0p-53;
}

void c1_rand_xoshiro_init(struct c1_rand_xoshiro *rng, uint64_t seed)
{
	rng->base.next = s_xoshiro_next;
	pthread_mutex_init(&rng->lock, NULL);
	for (int i = 0; i < 4; i++)
		rng->s[i] = s_splitmix(&seed);
}

void c1_rand_xoshiro_dispose(struct c1_rand_xoshiro *rng)
{
	if (!rng)
		return;
	pthread_mutex_destroy(&rng->lock);
}

static struct c1_rand_xoshiro s_default;
static pthread_once_t s_default_once = PTHREAD_ONCE_INIT;

static void s_default_init(void)
{
	uint64_t seed = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, &seed, sizeof(seed)) != (ssize_t)sizeof(seed)) {
		/* Jitter only needs to differ between processes; time and pid do. */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ ((uint64_t)getpid() << 40);
	}
	if (fd >= 0)
		close(fd);
	c1_rand_xoshiro_init(&s_default, seed);
}

struct c1_rand *c1_rand_default(void)
{
	pthread_once(&s_default_once, s_default_init);
	return &s_default.base;
}

static double s_fixed_next(struct c1_rand *self)
{
	return ((struct c1_rand_fixed *)self)->value;
}

void c1_rand_fixed_init(struct c1_rand_fixed *rng, double value)
{
	rng->base.next = s_fixed_next;
	if (!(value >= 0.0)) /* also catches NaN */
		value = 0.0;
	if (value >= 1.0)
		value = 0x1.fffffffffffffp-1;
	rng->value = value;
}
