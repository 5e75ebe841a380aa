/* A remote call parks its task, not its worker thread. The call gate arms the
 * running task's slot; the run's transport (c1_io_transport_new) submits the
 * armed request to the event-driven transport and answers C1_EINPROGRESS; the
 * step gives up its run (c1_call_after says RETRY) and the scheduler parks the
 * task until the answer arrives. The task's next run takes the same path to
 * the same call, and the slot answers it at once with the stored response:
 * step code keeps its "one synchronous call per run" shape while thousands of
 * requests are in flight on a few threads. Calls made without a gate (or by
 * a transport without submit) are sent synchronously as before. */
#ifndef C1_RUN_IO_PARK_H
#define C1_RUN_IO_PARK_H

#include "engine/net/http.h"
#include "engine/run/scheduler.h"

#include <stdbool.h>

/** The parking transport over `inner` (borrowed; must outlive it). */
int c1_io_transport_new(struct c1_http_transport **out, struct c1_http_transport *inner);

/**
 * At a call gate of ctx's task: true when the task holds the answer to the
 * call it is about to repeat; the gate was passed (rate-limit token taken)
 * when that call was sent, so the caller skips it and calls c1_io_arm.
 */
bool c1_io_replaying(struct c1_task_ctx *ctx);
/** The gate passed: the next request this thread sends for ctx's task may park it. */
void c1_io_arm(struct c1_task_ctx *ctx);
/** Nothing armed on this thread (before sends that must not park, e.g. a credentials refresh). */
void c1_io_disarm(void);
/** Free the slot of a task (its owner frees the task). NULL-safe; the task must not be parked on I/O. */
void c1_io_slot_free(struct c1_task *task);

#endif
