/* c1sim's delay timer: items come back in due order, not before they are due,
 * and a drain hands back everything at once and refuses new items. */
#include "harness.h"
#include "sim_delay.h"

#include <pthread.h>
#include <time.h>

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static int s_order[16];
static int64_t s_fired_at[16];
static int s_fired;

static void s_fire(void *item)
{
	int id = (int)(intptr_t)item;
	pthread_mutex_lock(&s_lock);
	s_fired_at[id] = sim_delay_now_ms();
	s_order[s_fired++] = id;
	pthread_mutex_unlock(&s_lock);
}

static int s_count(void)
{
	pthread_mutex_lock(&s_lock);
	int n = s_fired;
	pthread_mutex_unlock(&s_lock);
	return n;
}

static void s_wait_for(int n, int64_t limit_ms)
{
	int64_t start = sim_delay_now_ms();
	while (s_count() < n && sim_delay_now_ms() - start < limit_ms) {
		struct timespec ts = {0, 2 * 1000000L};
		nanosleep(&ts, NULL);
	}
}

C1_TEST(items_fire_in_due_order_when_due)
{
	struct sim_delay *d = NULL;
	s_fired = 0;
	C1_CHECK_INT(sim_delay_new(&d, s_fire), ==, 0);
	int64_t t0 = sim_delay_now_ms();
	/* Added out of order; the later-added earlier item must wake the thread. */
	C1_CHECK(sim_delay_add(d, t0 + 150, (void *)(intptr_t)2));
	C1_CHECK(sim_delay_add(d, t0 + 100, (void *)(intptr_t)1));
	C1_CHECK(sim_delay_add(d, t0 + 50, (void *)(intptr_t)0));
	C1_CHECK(sim_delay_add(d, t0 + 150, (void *)(intptr_t)3)); /* same time: after 2 */
	s_wait_for(4, 5000);
	C1_CHECK_INT(s_count(), ==, 4);
	for (int i = 0; i < 4; i++)
		C1_CHECK_INT(s_order[i], ==, i);
	C1_CHECK_INT(s_fired_at[0] - t0, >=, 50);
	C1_CHECK_INT(s_fired_at[1] - t0, >=, 100);
	C1_CHECK_INT(s_fired_at[2] - t0, >=, 150);
	C1_CHECK_INT(sim_delay_pending(d), ==, 0);
	sim_delay_free(d);
}

C1_TEST(drain_fires_everything_and_refuses_new_items)
{
	struct sim_delay *d = NULL;
	s_fired = 0;
	C1_CHECK_INT(sim_delay_new(&d, s_fire), ==, 0);
	int64_t t0 = sim_delay_now_ms();
	for (int i = 0; i < 5; i++)
		C1_CHECK(sim_delay_add(d, t0 + 60000 + i, (void *)(intptr_t)i));
	C1_CHECK_INT(sim_delay_pending(d), ==, 5);
	sim_delay_drain(d);
	C1_CHECK_INT(s_count(), ==, 5);
	C1_CHECK_INT(sim_delay_now_ms() - t0, <, 5000);
	C1_CHECK(!sim_delay_add(d, t0, (void *)(intptr_t)9));
	C1_CHECK_INT(sim_delay_pending(d), ==, 0);
	sim_delay_free(d);
	sim_delay_free(NULL);
}
