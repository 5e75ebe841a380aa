/* A binary min-heap of (wake time, item) entries for the scheduler's parked
 * tasks: O(log n) push and pop, and entries with equal times come out in the
 * order they went in. Not thread-safe; the scheduler guards it with its lock. */
#ifndef C1_RUN_TIMER_HEAP_H
#define C1_RUN_TIMER_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct c1_timer_entry {
	int64_t when_ms; /* monotonic ms of the owner's clock */
	uint64_t seq;    /* insertion number: breaks ties so equal times stay FIFO */
	void *item;      /* borrowed; the heap never dereferences it */
};

struct c1_timer_heap {
	struct c1_timer_entry *v;
	size_t len;
	size_t cap;
	uint64_t next_seq;
};

#define C1_TIMER_HEAP_INIT    \
	{                     \
		NULL, 0, 0, 0 \
	}

/** Make `h` an empty heap (same as C1_TIMER_HEAP_INIT). */
void c1_timer_heap_init(struct c1_timer_heap *h);
/** Free the heap's storage; items are not touched. NULL is fine. */
void c1_timer_heap_dispose(struct c1_timer_heap *h);

/** Add `item` due at `when_ms`. O(log n); grows the storage (aborts on OOM). */
void c1_timer_heap_push(struct c1_timer_heap *h, int64_t when_ms, void *item);

/**
 * The earliest entry without removing it. Returns false when the heap is
 * empty (outputs untouched). Either output may be NULL.
 */
bool c1_timer_heap_peek(const struct c1_timer_heap *h, int64_t *when_ms, void **item);

/**
 * Remove the earliest entry (among equal times, the first pushed). Returns
 * false when the heap is empty. Either output may be NULL. O(log n).
 */
bool c1_timer_heap_pop(struct c1_timer_heap *h, int64_t *when_ms, void **item);

/**
 * Pop the earliest entry only if it is due (when_ms <= now_ms). Returns false
 * when the heap is empty or nothing is due yet.
 */
bool c1_timer_heap_pop_due(struct c1_timer_heap *h, int64_t now_ms, void **item);

/** Number of entries. */
size_t c1_timer_heap_len(const struct c1_timer_heap *h);

#endif
