/* Delayed answers without a parked thread: one timer thread holds a min-heap
 * of due times and hands each item back through a callback when its time
 * comes (the server resumes a suspended libmicrohttpd connection there). */
#ifndef C1_SIM_DELAY_H
#define C1_SIM_DELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sim_delay;

/** Called on the timer thread (or in sim_delay_drain) once per item, with the delay's lock held. */
typedef void (*sim_delay_fire_fn)(void *item);

/**
 * Start the timer thread. `fire` must not call back into this module. 0, or
 * C1_ERROR with c1_error_set() when the thread cannot start.
 */
int sim_delay_new(struct sim_delay **out, sim_delay_fire_fn fire);

/**
 * Hand `item` to `fire` at `due_ms` (CLOCK_MONOTONIC ms, see
 * sim_delay_now_ms). Returns false, and keeps nothing, once
 * sim_delay_drain has run: the caller answers at once. Thread-safe.
 */
bool sim_delay_add(struct sim_delay *d, int64_t due_ms, void *item);

/** Fire every pending item now and refuse new ones. Thread-safe; idempotent. */
void sim_delay_drain(struct sim_delay *d);

/** Items waiting. Thread-safe. */
size_t sim_delay_pending(struct sim_delay *d);

/** Drain, stop and join the thread, free. NULL is fine. */
void sim_delay_free(struct sim_delay *d);

/** CLOCK_MONOTONIC in ms. */
int64_t sim_delay_now_ms(void);

#endif
