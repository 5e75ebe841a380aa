#include "harness.h"

#include "engine/run/timer_heap.h"

#include <stdint.h>

static uint64_t s_rng = 88172645463325252ull;

static uint64_t s_next(void)
{
	s_rng ^= s_rng << 13;
	s_rng ^= s_rng >> 7;
	s_rng ^= s_rng << 17;
	return s_rng;
}

C1_TEST(empty_heap_has_nothing)
{
	struct c1_timer_heap h = C1_TIMER_HEAP_INIT;
	int64_t when = 42;
	void *item = &when;
	C1_CHECK(!c1_timer_heap_peek(&h, &when, &item));
	C1_CHECK(!c1_timer_heap_pop(&h, &when, &item));
	C1_CHECK(!c1_timer_heap_pop_due(&h, INT64_MAX, &item));
	C1_CHECK_INT(when, ==, 42);
	C1_CHECK(item == &when);
	C1_CHECK_INT(c1_timer_heap_len(&h), ==, 0);
	c1_timer_heap_dispose(&h);
	c1_timer_heap_dispose(NULL);
}

C1_TEST(pops_in_time_order)
{
	struct c1_timer_heap h = C1_TIMER_HEAP_INIT;
	enum { N = 20000 };
	for (size_t i = 0; i < N; i++)
		c1_timer_heap_push(&h, (int64_t)(s_next() % 100000) - 50000, (void *)(uintptr_t)(i + 1));
	C1_CHECK_INT(c1_timer_heap_len(&h), ==, N);
	int64_t prev = INT64_MIN, when = 0;
	void *item = NULL;
	size_t n = 0;
	while (c1_timer_heap_pop(&h, &when, &item)) {
		C1_CHECK_INT(when, >=, prev);
		C1_CHECK(item != NULL);
		prev = when;
		n++;
	}
	C1_CHECK_INT(n, ==, N);
	c1_timer_heap_dispose(&h);
}

/* Tasks parked until the same instant must resume in the order they parked,
 * or an AGAIN-heavy tenant could overtake accounts waiting longer. */
C1_TEST(equal_times_come_out_in_push_order)
{
	struct c1_timer_heap h = C1_TIMER_HEAP_INIT;
	enum { N = 3000 };
	/* Interleave three times so equal keys are spread across the heap. */
	for (size_t i = 0; i < N; i++)
		c1_timer_heap_push(&h, (int64_t)(i % 3) * 10, (void *)(uintptr_t)i);
	int64_t when = 0, last_when = -1;
	void *item = NULL;
	uintptr_t last = 0;
	bool first = true;
	while (c1_timer_heap_pop(&h, &when, &item)) {
		uintptr_t v = (uintptr_t)item;
		C1_CHECK_INT(v % 3, ==, when / 10);
		if (when == last_when && !first)
			C1_CHECK_INT(v, >, last);
		last_when = when;
		last = v;
		first = false;
	}
	c1_timer_heap_dispose(&h);
}

C1_TEST(pop_due_respects_now)
{
	struct c1_timer_heap h = C1_TIMER_HEAP_INIT;
	int a, b, c;
	c1_timer_heap_push(&h, 300, &c);
	c1_timer_heap_push(&h, 100, &a);
	c1_timer_heap_push(&h, 200, &b);
	void *item = NULL;
	C1_CHECK(!c1_timer_heap_pop_due(&h, 99, &item));
	C1_CHECK(c1_timer_heap_pop_due(&h, 100, &item));
	C1_CHECK(item == &a);
	C1_CHECK(!c1_timer_heap_pop_due(&h, 150, &item));
	int64_t when = 0;
	C1_CHECK(c1_timer_heap_peek(&h, &when, &item));
	C1_CHECK_INT(when, ==, 200);
	C1_CHECK(item == &b);
	C1_CHECK(c1_timer_heap_pop_due(&h, 1000, &item));
	C1_CHECK(item == &b);
	C1_CHECK(c1_timer_heap_pop_due(&h, 1000, &item));
	C1_CHECK(item == &c);
	C1_CHECK_INT(c1_timer_heap_len(&h), ==, 0);
	c1_timer_heap_dispose(&h);
}

/* Interleaved pushes and pops, checked against a sorted reference. */
C1_TEST(interleaved_matches_reference)
{
	struct c1_timer_heap h = C1_TIMER_HEAP_INIT;
	enum { N = 5000 };
	static int64_t ref[N];
	size_t nref = 0;
	for (size_t round = 0; round < 4 * N; round++) {
		bool push = nref == 0 || (nref < N && s_next() % 3 != 0);
		if (push) {
			int64_t w = (int64_t)(s_next() % 1000);
			c1_timer_heap_push(&h, w, NULL);
			size_t i = nref++;
			while (i > 0 && ref[i - 1] > w) {
				ref[i] = ref[i - 1];
				i--;
			}
			ref[i] = w;
		} else {
			int64_t w = -1;
			C1_CHECK(c1_timer_heap_pop(&h, &w, NULL));
			C1_CHECK_INT(w, ==, ref[0]);
			memmove(ref, ref + 1, (nref - 1) * sizeof(ref[0]));
			nref--;
		}
		C1_CHECK_INT(c1_timer_heap_len(&h), ==, nref);
	}
	c1_timer_heap_dispose(&h);
}
