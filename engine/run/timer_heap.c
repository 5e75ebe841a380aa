#include "engine/run/timer_heap.h"

#include "engine/core/alloc.h"

#include <stdlib.h>

/* Strict order on (when, seq): seq is unique, so no two entries compare
 * equal and the heap order is total, which is what makes equal times FIFO. */
static bool s_before(const struct c1_timer_entry *a, const struct c1_timer_entry *b)
{
	if (a->when_ms != b->when_ms)
		return a->when_ms < b->when_ms;
	return a->seq < b->seq;
}

static void s_sift_up(struct c1_timer_heap *h, size_t i)
{
	struct c1_timer_entry e = h->v[i];
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!s_before(&e, &h->v[parent]))
			break;
		h->v[i] = h->v[parent];
		i = parent;
	}
	h->v[i] = e;
}

static void s_sift_down(struct c1_timer_heap *h, size_t i)
{
	struct c1_timer_entry e = h->v[i];
	for (;;) {
		size_t child = 2 * i + 1;
		if (child >= h->len)
			break;
		if (child + 1 < h->len && s_before(&h->v[child + 1], &h->v[child]))
			child++;
		if (!s_before(&h->v[child], &e))
			break;
		h->v[i] = h->v[child];
		i = child;
	}
	h->v[i] = e;
}

void c1_timer_heap_init(struct c1_timer_heap *h)
{
	h->v = NULL;
	h->len = 0;
	h->cap = 0;
	h->next_seq = 0;
}

void c1_timer_heap_dispose(struct c1_timer_heap *h)
{
	if (!h)
		return;
	free(h->v);
	c1_timer_heap_init(h);
}

void c1_timer_heap_push(struct c1_timer_heap *h, int64_t when_ms, void *item)
{
	if (h->len == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;
		h->v = c1_realloc(h->v, cap * sizeof(*h->v));
		h->cap = cap;
	}
	h->v[h->len].when_ms = when_ms;
	h->v[h->len].seq = h->next_seq++;
	h->v[h->len].item = item;
	h->len++;
	s_sift_up(h, h->len - 1);
}

bool c1_timer_heap_peek(const struct c1_timer_heap *h, int64_t *when_ms, void **item)
{
	if (h->len == 0)
		return false;
	if (when_ms)
		*when_ms = h->v[0].when_ms;
	if (item)
		*item = h->v[0].item;
	return true;
}

bool c1_timer_heap_pop(struct c1_timer_heap *h, int64_t *when_ms, void **item)
{
	if (!c1_timer_heap_peek(h, when_ms, item))
		return false;
	h->len--;
	if (h->len > 0) {
		h->v[0] = h->v[h->len];
		s_sift_down(h, 0);
	}
	return true;
}

bool c1_timer_heap_pop_due(struct c1_timer_heap *h, int64_t now_ms, void **item)
{
	if (h->len == 0 || h->v[0].when_ms > now_ms)
		return false;
	return c1_timer_heap_pop(h, NULL, item);
}

size_t c1_timer_heap_len(const struct c1_timer_heap *h)
{
	return h->len;
}
