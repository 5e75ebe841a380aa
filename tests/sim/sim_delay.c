/* The timer thread of sim_delay.h. One mutex guards the heap; the thread
 * sleeps on a CLOCK_MONOTONIC condition variable until the earliest due time
 * or a new earlier item, and fires due items with the lock held, so once
 * sim_delay_drain returns no item is left between "popped" and "fired". */
#include "sim_delay.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/run/timer_heap.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct sim_delay {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	struct c1_timer_heap heap;
	sim_delay_fire_fn fire;
	bool stopping; /* drained: refuse new items */
	bool quit;     /* the thread returns */
};

int64_t sim_delay_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *s_thread(void *arg)
{
	struct sim_delay *d = arg;
	pthread_mutex_lock(&d->lock);
	while (!d->quit) {
		int64_t due = 0;
		void *item = NULL;
		if (!c1_timer_heap_peek(&d->heap, &due, NULL)) {
			pthread_cond_wait(&d->wake, &d->lock);
			continue;
		}
		int64_t now = sim_delay_now_ms();
		if (due > now) {
			struct timespec until;
			clock_gettime(CLOCK_MONOTONIC, &until);
			int64_t ns = (int64_t)until.tv_nsec + (due - now) * 1000000;
			until.tv_sec += (time_t)(ns / 1000000000);
			until.tv_nsec = (long)(ns % 1000000000);
			pthread_cond_timedwait(&d->wake, &d->lock, &until);
			continue;
		}
		while (c1_timer_heap_pop_due(&d->heap, now, &item))
			d->fire(item);
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

int sim_delay_new(struct sim_delay **out, sim_delay_fire_fn fire)
{
	struct sim_delay *d = c1_calloc(1, sizeof(*d));
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->wake, &attr);
	pthread_condattr_destroy(&attr);
	c1_timer_heap_init(&d->heap);
	d->fire = fire;
	int rc = pthread_create(&d->thread, NULL, s_thread, d);
	if (rc != 0) {
		c1_error_set("c1sim: cannot start the latency timer thread (error %d)", rc);
		pthread_cond_destroy(&d->wake);
		pthread_mutex_destroy(&d->lock);
		free(d);
		return C1_ERROR;
	}
	*out = d;
	return 0;
}

bool sim_delay_add(struct sim_delay *d, int64_t due_ms, void *item)
{
	bool added = false;
	int64_t first = 0;
	pthread_mutex_lock(&d->lock);
	if (!d->stopping) {
		bool had = c1_timer_heap_peek(&d->heap, &first, NULL);
		c1_timer_heap_push(&d->heap, due_ms, item);
		/* Wake the thread only when this item is due before the one it sleeps for. */
		if (!had || due_ms < first)
			pthread_cond_signal(&d->wake);
		added = true;
	}
	pthread_mutex_unlock(&d->lock);
	return added;
}

void sim_delay_drain(struct sim_delay *d)
{
	void *item = NULL;
	pthread_mutex_lock(&d->lock);
	d->stopping = true;
	while (c1_timer_heap_pop(&d->heap, NULL, &item))
		d->fire(item);
	pthread_mutex_unlock(&d->lock);
}

size_t sim_delay_pending(struct sim_delay *d)
{
	pthread_mutex_lock(&d->lock);
	size_t n = c1_timer_heap_len(&d->heap);
	pthread_mutex_unlock(&d->lock);
	return n;
}

void sim_delay_free(struct sim_delay *d)
{
	if (!d)
		return;
	sim_delay_drain(d);
	pthread_mutex_lock(&d->lock);
	d->quit = true;
	pthread_cond_signal(&d->wake);
	pthread_mutex_unlock(&d->lock);
	pthread_join(d->thread, NULL);
	c1_timer_heap_dispose(&d->heap);
	pthread_cond_destroy(&d->wake);
	pthread_mutex_destroy(&d->lock);
	free(d);
}
