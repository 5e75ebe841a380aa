#include "engine/net/ratelimit.h"

#include "engine/core/alloc.h"
#include "engine/core/buf.h"
#include "engine/core/error.h"
#include "engine/core/hash.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define C1_RATELIMIT_MAX_RATE     100000.0
#define C1_RATELIMIT_MEASURE_MS   500 /* SDK RateClocker time bucket */
#define C1_RATELIMIT_SMOOTHING    0.8
#define C1_RATELIMIT_MAX_SVC_NAME 64

struct s_entry {
	struct s_entry *next; /* hash chain */
	char *key;
	double ceiling; /* configured req/s */
	double burst;   /* configured bucket size at the ceiling */
	double fill;    /* current req/s */
	double tokens;
	int64_t last_refill_ms;
	/* CUBIC state, meaningful while recovering after a throttle. */
	bool recovering;
	double w_max;
	double k;
	int64_t last_fail_ms;
	/* Send-rate measurement (SDK RateClocker). */
	double measured;
	int64_t last_bucket_ms;
	double count;
	/* FIFO of blocking waiters: ticket numbers, head = serving. */
	uint64_t next_ticket;
	uint64_t serving;
	pthread_cond_t cond;
};

struct s_service {
	struct s_service *next;
	char *name;
	double rate;
	double burst;
	double start; /* > 0: new keys begin here and grow toward `rate` (CUBIC) */
};

struct c1_ratelimit {
	pthread_mutex_t lock;
	const struct c1_clock *clock;
	bool real_clock;
	struct c1_ratelimit_options opts;
	struct s_entry **buckets;
	size_t nbuckets;
	size_t count;
	struct s_service *services;
};

static uint64_t s_hash(const char *s)
{
	return c1_fnv1a_str(s);
}

int c1_ratelimit_new(struct c1_ratelimit **out, const struct c1_ratelimit_options *opts)
{
	struct c1_ratelimit *rl = c1_calloc(1, sizeof(*rl));
	struct c1_ratelimit_options o = C1_RATELIMIT_OPTIONS_INIT;
	if (opts)
		o = *opts;
	if (!o.clock)
		o.clock = c1_clock_system();
	if (!(o.default_rate > 0))
		o.default_rate = 10;
	if (!(o.min_rate > 0))
		o.min_rate = 0.5;
	if (!(o.beta > 0 && o.beta < 1))
		o.beta = 0.7;
	if (!(o.scale > 0))
		o.scale = 0.4;
	rl->opts = o;
	rl->clock = o.clock;
	rl->real_clock = o.clock == c1_clock_system();
	pthread_mutex_init(&rl->lock, NULL);
	rl->nbuckets = 64;
	rl->buckets = c1_calloc(rl->nbuckets, sizeof(*rl->buckets));
	*out = rl;
	return 0;
}

void c1_ratelimit_free(struct c1_ratelimit *rl)
{
	if (!rl)
		return;
	for (size_t i = 0; i < rl->nbuckets; i++) {
		struct s_entry *e = rl->buckets[i];
		while (e) {
			struct s_entry *next = e->next;
			pthread_cond_destroy(&e->cond);
			free(e->key);
			free(e);
			e = next;
		}
	}
	struct s_service *s = rl->services;
	while (s) {
		struct s_service *next = s->next;
		free(s->name);
		free(s);
		s = next;
	}
	free(rl->buckets);
	pthread_mutex_destroy(&rl->lock);
	free(rl);
}

const struct c1_clock *c1_ratelimit_clock(const struct c1_ratelimit *rl)
{
	return rl->clock;
}

static size_t s_service_len(const char *key)
{
	return strcspn(key, "|");
}

static const struct s_service *s_find_service(const struct c1_ratelimit *rl, const char *name, size_t len)
{
	for (const struct s_service *s = rl->services; s; s = s->next)
		if (strlen(s->name) == len && memcmp(s->name, name, len) == 0)
			return s;
	return NULL;
}

static double s_burst_for(double rate, double burst)
{
	return burst > 0 ? burst : (rate > 1 ? rate : 1);
}

/* Bucket size at the current fill rate: the configured burst scaled down
 * with the rate (SDK: capacity follows the rate), never below one token. */
static double s_capacity(const struct s_entry *e)
{
	double cap = e->burst * (e->fill / e->ceiling);
	return cap < 1 ? 1 : cap;
}

static void s_rehash(struct c1_ratelimit *rl)
{
	size_t n = rl->nbuckets * 2;
	struct s_entry **b = c1_calloc(n, sizeof(*b));
	for (size_t i = 0; i < rl->nbuckets; i++) {
		struct s_entry *e = rl->buckets[i];
		while (e) {
			struct s_entry *next = e->next;
			size_t j = s_hash(e->key) & (n - 1);
			e->next = b[j];
			b[j] = e;
			e = next;
		}
	}
	free(rl->buckets);
	rl->buckets = b;
	rl->nbuckets = n;
}

/* Caller holds rl->lock. Entries live until the registry is freed or
 * c1_ratelimit_forget drops one nobody is blocked on, so a blocking acquirer
 * (who holds a ticket) may keep the pointer across unlocking. */
static struct s_entry *s_get(struct c1_ratelimit *rl, const char *key, int64_t now_ms)
{
	size_t i = s_hash(key) & (rl->nbuckets - 1);
	for (struct s_entry *e = rl->buckets[i]; e; e = e->next)
		if (strcmp(e->key, key) == 0)
			return e;
	if (rl->count + 1 > rl->nbuckets) {
		s_rehash(rl);
		i = s_hash(key) & (rl->nbuckets - 1);
	}
	struct s_entry *e = c1_calloc(1, sizeof(*e));
	e->key = c1_strdup(key);
	const struct s_service *svc = s_find_service(rl, key, s_service_len(key));
	e->ceiling = svc ? svc->rate : rl->opts.default_rate;
	e->burst = svc ? svc->burst : s_burst_for(e->ceiling, rl->opts.default_burst);
	e->fill = e->ceiling;
	e->tokens = e->burst;
	e->last_refill_ms = now_ms;
	if (svc && svc->start > 0 && svc->start < e->ceiling) {
		/* As if just recovered to `start`: CUBIC regrowth takes it toward the
		 * ceiling while the service answers without throttling. */
		e->fill = svc->start;
		e->tokens = s_capacity(e);
		e->recovering = true;
		e->w_max = svc->start;
		e->k = 0;
		e->last_fail_ms = now_ms;
	}
	e->last_bucket_ms = now_ms - now_ms % C1_RATELIMIT_MEASURE_MS;
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&e->cond, &attr);
	pthread_condattr_destroy(&attr);
	e->next = rl->buckets[i];
	rl->buckets[i] = e;
	rl->count++;
	return e;
}

static void s_refill(struct s_entry *e, int64_t now_ms)
{
	/* A clock that went backwards (fake clocks, a caller passing a stale
	 * now) must not mint tokens or move the reference point. */
	if (now_ms <= e->last_refill_ms)
		return;
	e->tokens += (double)(now_ms - e->last_refill_ms) / 1000.0 * e->fill;
	double cap = s_capacity(e);
	if (e->tokens > cap)
		e->tokens = cap;
	e->last_refill_ms = now_ms;
}

static int64_t s_try(struct s_entry *e, int64_t now_ms)
{
	s_refill(e, now_ms);
	if (e->tokens >= 1.0) {
		e->tokens -= 1.0;
		return 0;
	}
	double ms = ceil((1.0 - e->tokens) * 1000.0 / e->fill);
	return ms < 1 ? 1 : (int64_t)ms;
}

void c1_ratelimit_forget(struct c1_ratelimit *rl, const char *key)
{
	if (!rl || !key)
		return;
	pthread_mutex_lock(&rl->lock);
	size_t i = s_hash(key) & (rl->nbuckets - 1);
	for (struct s_entry **pp = &rl->buckets[i]; *pp; pp = &(*pp)->next) {
		struct s_entry *e = *pp;
		if (strcmp(e->key, key) != 0)
			continue;
		if (e->serving == e->next_ticket) { /* nobody blocked in acquire on it */
			*pp = e->next;
			pthread_cond_destroy(&e->cond);
			free(e->key);
			free(e);
			rl->count--;
		}
		break;
	}
	pthread_mutex_unlock(&rl->lock);
}

int64_t c1_ratelimit_try_acquire(struct c1_ratelimit *rl, const char *key, int64_t now_ms)
{
	pthread_mutex_lock(&rl->lock);
	struct s_entry *e = s_get(rl, key, now_ms);
	int64_t wait = s_try(e, now_ms);
	pthread_mutex_unlock(&rl->lock);
	return wait;
}

static struct timespec s_deadline(int64_t wait_ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(wait_ms / 1000);
	ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

void c1_ratelimit_acquire(struct c1_ratelimit *rl, const char *key)
{
	pthread_mutex_lock(&rl->lock);
	struct s_entry *e = s_get(rl, key, c1_clock_monotonic_ms(rl->clock));
	uint64_t ticket = e->next_ticket++;
	for (;;) {
		if (ticket != e->serving) {
			/* Not our turn: sleep until the head moves (or the rate changes). */
			pthread_cond_wait(&e->cond, &rl->lock);
			continue;
		}
		int64_t wait = s_try(e, c1_clock_monotonic_ms(rl->clock));
		if (wait == 0)
			break;
		if (rl->real_clock) {
			struct timespec ts = s_deadline(wait);
			pthread_cond_timedwait(&e->cond, &rl->lock, &ts);
		} else {
			pthread_mutex_unlock(&rl->lock);
			c1_clock_sleep_ms(rl->clock, wait);
			pthread_mutex_lock(&rl->lock);
		}
	}
	e->serving++;
	if (e->serving != e->next_ticket)
		pthread_cond_broadcast(&e->cond);
	pthread_mutex_unlock(&rl->lock);
}

/* SDK RateClocker: count responses in 500 ms buckets and smooth the rate
 * seen at each bucket change. */
static void s_measure(struct s_entry *e, int64_t now_ms)
{
	int64_t bucket = now_ms - now_ms % C1_RATELIMIT_MEASURE_MS;
	e->count += 1;
	if (bucket > e->last_bucket_ms) {
		double current = e->count / ((double)(bucket - e->last_bucket_ms) / 1000.0);
		e->measured = current * C1_RATELIMIT_SMOOTHING + e->measured * (1 - C1_RATELIMIT_SMOOTHING);
		e->count = 0;
		e->last_bucket_ms = bucket;
	}
}

static void s_set_fill(struct s_entry *e, double fill, int64_t now_ms)
{
	/* Bank the tokens earned at the old rate before switching. */
	s_refill(e, now_ms);
	bool faster = fill > e->fill;
	e->fill = fill;
	double cap = s_capacity(e);
	if (e->tokens > cap)
		e->tokens = cap;
	/* A faster rate shortens the head waiter's wait: let it recompute. */
	if (faster && e->serving != e->next_ticket)
		pthread_cond_broadcast(&e->cond);
}

void c1_ratelimit_on_success(struct c1_ratelimit *rl, const char *key, int64_t now_ms)
{
	pthread_mutex_lock(&rl->lock);
	struct s_entry *e = s_get(rl, key, now_ms);
	s_measure(e, now_ms);
	if (e->recovering) {
		double dt = (double)(now_ms - e->last_fail_ms) / 1000.0;
		double rate = rl->opts.scale * pow(dt - e->k, 3) + e->w_max;
		if (rate >= e->ceiling) {
			rate = e->ceiling;
			e->recovering = false;
		}
		if (rate < rl->opts.min_rate)
			rate = rl->opts.min_rate;
		s_set_fill(e, rate, now_ms);
	}
	pthread_mutex_unlock(&rl->lock);
}

void c1_ratelimit_on_throttle(struct c1_ratelimit *rl, const char *key, int64_t now_ms)
{
	pthread_mutex_lock(&rl->lock);
	struct s_entry *e = s_get(rl, key, now_ms);
	s_measure(e, now_ms);
	/* The rate we were really sending at is the best guess of what the
	 * service tolerates; before any measurement, use the current rate. */
	double base = e->measured > 0 && e->measured < e->fill ? e->measured : e->fill;
	e->w_max = base;
	e->k = cbrt(base * (1 - rl->opts.beta) / rl->opts.scale);
	e->last_fail_ms = now_ms;
	e->recovering = true;
	double rate = base * rl->opts.beta;
	if (rate < rl->opts.min_rate)
		rate = rl->opts.min_rate;
	if (rate > e->ceiling)
		rate = e->ceiling;
	s_set_fill(e, rate, now_ms);
	pthread_mutex_unlock(&rl->lock);
}

double c1_ratelimit_rate(struct c1_ratelimit *rl, const char *key)
{
	pthread_mutex_lock(&rl->lock);
	double r = s_get(rl, key, c1_clock_monotonic_ms(rl->clock))->fill;
	pthread_mutex_unlock(&rl->lock);
	return r;
}

double c1_ratelimit_ceiling(struct c1_ratelimit *rl, const char *key)
{
	pthread_mutex_lock(&rl->lock);
	double r = s_get(rl, key, c1_clock_monotonic_ms(rl->clock))->ceiling;
	pthread_mutex_unlock(&rl->lock);
	return r;
}

static bool s_service_name_ok(const char *name, size_t len)
{
	if (len == 0 || len > C1_RATELIMIT_MAX_SVC_NAME)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!isalnum(c) && c != '-' && c != '_')
			return false;
	}
	return true;
}

int c1_ratelimit_set_service_rate(struct c1_ratelimit *rl, const char *service, double rate, double burst)
{
	size_t len = service ? strlen(service) : 0;
	if (!s_service_name_ok(service, len)) {
		c1_error_set("rate limit service name '%.64s' is invalid; use letters, digits, '-' or '_'",
			     service ? service : "");
		return C1_EINVALID;
	}
	if (!(rate > 0) || rate > C1_RATELIMIT_MAX_RATE || burst > C1_RATELIMIT_MAX_RATE) {
		c1_error_set("rate %g/s for '%s' is out of range; give a number above 0 and at most %g", rate,
			     service, C1_RATELIMIT_MAX_RATE);
		return C1_EINVALID;
	}
	burst = s_burst_for(rate, burst);
	pthread_mutex_lock(&rl->lock);
	struct s_service *svc = (struct s_service *)s_find_service(rl, service, len);
	if (!svc) {
		svc = c1_calloc(1, sizeof(*svc));
		svc->name = c1_strdup(service);
		svc->next = rl->services;
		rl->services = svc;
	}
	svc->rate = rate;
	svc->burst = burst;
	svc->start = 0;
	int64_t now = c1_clock_monotonic_ms(rl->clock);
	for (size_t i = 0; i < rl->nbuckets; i++) {
		for (struct s_entry *e = rl->buckets[i]; e; e = e->next) {
			if (s_service_len(e->key) != len || memcmp(e->key, service, len) != 0)
				continue;
			s_refill(e, now);
			e->ceiling = rate;
			e->burst = burst;
			s_set_fill(e, e->recovering && e->fill < rate ? e->fill : rate, now);
		}
	}
	pthread_mutex_unlock(&rl->lock);
	return 0;
}

int c1_ratelimit_set_service_start(struct c1_ratelimit *rl, const char *service, double start)
{
	size_t len = service ? strlen(service) : 0;
	pthread_mutex_lock(&rl->lock);
	struct s_service *svc = (struct s_service *)s_find_service(rl, service, len);
	if (svc && start > 0 && start <= svc->rate)
		svc->start = start;
	pthread_mutex_unlock(&rl->lock);
	if (!svc || !(start > 0) || start > svc->rate) {
		c1_error_set("start rate %g/s for '%.64s' needs a configured ceiling at or above it", start,
			     service ? service : "");
		return C1_EINVALID;
	}
	return 0;
}

int c1_ratelimit_apply_option(struct c1_ratelimit *rl, const char *spec)
{
	int rc = C1_EINVALID;
	char *service = NULL;
	const char *eq = spec ? strchr(spec, '=') : NULL;
	if (!eq || eq == spec) {
		c1_error_set("--rate '%.80s' is not SERVICE=N/s (e.g. cloudformation=2/s)", spec ? spec : "");
		goto cleanup;
	}
	service = c1_strndup(spec, (size_t)(eq - spec));
	const char *num = eq + 1;
	char *end = NULL;
	errno = 0;
	double rate = strtod(num, &end);
	if (end == num || errno != 0 || !isdigit((unsigned char)num[0]) ||
	    (*end != '\0' && strcmp(end, "/s") != 0)) {
		c1_error_set("--rate '%.80s': '%.40s' is not a rate; write N or N/s with N a number, e.g. "
			     "cloudformation=2/s",
			     spec, num);
		goto cleanup;
	}
	rc = c1_ratelimit_set_service_rate(rl, service, rate, 0);
cleanup:
	free(service);
	return rc;
}

char *c1_ratelimit_key(const char *service, const char *region, const char *principal)
{
	struct c1_buf b = C1_BUF_INIT;
	const char *parts[3] = {service, region, principal};
	for (int i = 0; i < 3; i++) {
		if (!parts[i] || !*parts[i])
			continue;
		if (b.len)
			c1_buf_putc(&b, '|');
		c1_buf_puts(&b, parts[i]);
	}
	return c1_buf_detach(&b);
}
