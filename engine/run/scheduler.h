/* The scheduler: a fixed pool of worker threads running resumable tasks, a
 * timer heap for tasks that wait, events for tasks that block, admission
 * control (-j) and cancellation. Design note: docs/scheduler.md. */
#ifndef C1_RUN_SCHEDULER_H
#define C1_RUN_SCHEDULER_H

#include "engine/core/clock.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct c1_scheduler;
struct c1_sched_event;
struct c1_task;

/** What a task's run function asks for next. */
enum c1_task_result {
	C1_TASK_DONE = 0,  /* finished: the scheduler releases the task */
	C1_TASK_AGAIN = 1, /* run again when a worker is free, behind the tasks already ready */
	C1_TASK_WAIT = 2,  /* park until ctx->wake_at_ms (scheduler clock); holds no worker */
	C1_TASK_BLOCK = 3  /* park until ctx->block_on is signalled; holds no worker */
};

/** How the scheduler let go of a task (the argument of its release callback). */
enum c1_task_end {
	C1_TASK_END_DONE = 0,        /* run returned C1_TASK_DONE */
	C1_TASK_END_NOT_STARTED = 1, /* never ran: cancel, stop_admission, or submitted after them */
	C1_TASK_END_ABANDONED = 2    /* ran at least once, then the scheduler was freed under it */
};

/**
 * What one run of a task sees and answers. Filled by the scheduler before each
 * run; the task sets wake_at_ms or block_on before returning WAIT or BLOCK.
 */
struct c1_task_ctx {
	struct c1_scheduler *sched; /* to submit follow-up tasks or signal events */
	int64_t now_ms;             /* scheduler clock (monotonic ms) when this run began */
	/* c1_scheduler_cancel was called: reach a safe point and return DONE. A
	 * parked task is woken early by cancel, so with `cancelled` set a WAIT may
	 * not have elapsed and a BLOCK event may not be signalled. */
	bool cancelled;
	uint32_t runs;        /* earlier runs of this task (0 on its first run) */
	unsigned worker;      /* index of the running worker (0 in manual mode) */
	struct c1_task *task; /* the task being run */
	/* Answers: */
	int64_t wake_at_ms;              /* for C1_TASK_WAIT; at or before now = run again at once */
	struct c1_sched_event *block_on; /* for C1_TASK_BLOCK */
};

/**
 * A resumable step machine. The caller owns the memory and fills run, release
 * and data (c1_task_init); the rest is private to the scheduler and must not
 * be touched while the task is submitted. A task belongs to one thread at a
 * time: while `run` executes, no other thread runs or moves it.
 */
struct c1_task {
	/** One bounded piece of work (at most one remote call); returns a c1_task_result. */
	int (*run)(struct c1_task *t, struct c1_task_ctx *ctx);
	/**
	 * Optional. Called exactly once when the scheduler lets go of the task,
	 * outside the scheduler lock, on a worker or on the thread that called
	 * submit/cancel/stop_admission/free/wait. It may free the task, signal
	 * events and submit tasks. The task may be submitted again after it.
	 */
	void (*release)(struct c1_task *t, enum c1_task_end end);
	void *data; /* the caller's: step state, errors, results */

	void *io; /* the owner's: what engine/run/io_park keeps for a call in flight */

	/* Private to the scheduler. */
	struct c1_task *next;
	bool io_began;     /* this run started I/O (c1_task_io_begin) */
	bool io_pending;   /* that I/O has not ended yet */
	bool io_then_done; /* the run returned DONE: release once the I/O ended */
	struct c1_sched_event *waiting_on;
	int64_t wake_at_ms;
	uint32_t runs;
	int state;
	bool bounded;
};

/** Clear `t` and set its callbacks and data; call before the first submit. */
void c1_task_init(struct c1_task *t, int (*run)(struct c1_task *t, struct c1_task_ctx *ctx),
		  void (*release)(struct c1_task *t, enum c1_task_end end), void *data);

/** Shorthand in a run function: `return c1_task_wait_for(ctx, 500);`. */
static inline int c1_task_wait_for(struct c1_task_ctx *ctx, int64_t delay_ms)
{
	ctx->wake_at_ms = ctx->now_ms + delay_ms;
	return C1_TASK_WAIT;
}

/** Shorthand in a run function: `return c1_task_block_on(ctx, tenant_ready);`. */
static inline int c1_task_block_on(struct c1_task_ctx *ctx, struct c1_sched_event *ev)
{
	ctx->block_on = ev;
	return C1_TASK_BLOCK;
}

struct c1_scheduler_options {
	/* Worker threads; 0 = 4. Ignored in manual mode. */
	unsigned threads;
	/* -j: admission-controlled tasks started and not finished; 0 = unlimited. */
	size_t max_in_flight;
	/* Timer clock; NULL = c1_clock_system(). With worker threads its
	 * monotonic time must move with real time: workers sleep on a real
	 * condition variable for (next wake - clock now). Fake clocks: manual mode. */
	const struct c1_clock *clock;
	/* No worker threads: tasks run only inside c1_scheduler_run_until_idle
	 * (and wait), on the calling thread, which jumps over idle time with the
	 * clock's sleep_ms, so a c1_fake_clock makes runs instant and repeatable. */
	bool manual;
};

#define C1_SCHEDULER_OPTIONS_INIT \
	{                         \
		0, 0, NULL, false \
	}

/** Counters for the progress line; a consistent snapshot. */
struct c1_scheduler_stats {
	/* Cumulative. */
	uint64_t submitted;   /* every task ever submitted */
	uint64_t admitted;    /* passed admission (unbounded tasks at once) */
	uint64_t done;        /* released after C1_TASK_DONE */
	uint64_t not_started; /* handed back without running */
	/* Current. */
	size_t queued;    /* waiting for admission (-j) */
	size_t ready;     /* admitted, waiting for a worker */
	size_t running;   /* inside run() now */
	size_t parked;    /* on the timer heap or blocked on an event */
	size_t in_flight; /* admission-controlled tasks admitted and not finished */
};

/**
 * New scheduler; starts the worker threads unless opts->manual. opts may be
 * NULL for defaults. Returns 0, C1_EINVALID for absurd options (threads >
 * 1024), or C1_ERROR when a thread cannot be started (message set).
 */
int c1_scheduler_new(struct c1_scheduler **out, const struct c1_scheduler_options *opts);

/**
 * Stop the workers (each finishes the run it is in), then release every task
 * still held: never-run ones as NOT_STARTED, the rest as ABANDONED. Events
 * still alive are detached and may be freed afterwards. Call it from a thread
 * that is not a worker, normally after c1_scheduler_wait. NULL is fine.
 */
void c1_scheduler_free(struct c1_scheduler *s);

/**
 * Submit an admission-controlled task (an account): it runs once fewer than
 * max_in_flight such tasks are admitted and unfinished; the others queue in
 * submission order. After c1_scheduler_cancel or c1_scheduler_stop_admission
 * the task is released as NOT_STARTED before this returns, and the return is
 * C1_ECANCELLED. C1_EINVALID when t has no run function or is already
 * submitted. Thread-safe, also from inside a run function.
 */
int c1_scheduler_submit(struct c1_scheduler *s, struct c1_task *t);

/**
 * Submit a task that bypasses admission and does not count against -j (a
 * tenant step that admitted accounts block on: queueing it behind them would
 * deadlock). stop_admission does not refuse it; after cancel it is released
 * as NOT_STARTED and the return is C1_ECANCELLED. Thread-safe.
 */
int c1_scheduler_submit_unbounded(struct c1_scheduler *s, struct c1_task *t);

/**
 * Cancel the run (SIGINT/SIGTERM): from now on ctx->cancelled is true;
 * every task that has not run yet (queued or admitted) is released as
 * NOT_STARTED before this returns; parked tasks are moved to the ready queue
 * to reach a safe point early; running tasks see the flag on their next run.
 * WAIT and BLOCK returned after this are still honoured (a task may wait for
 * a stack to settle); a second call wakes the parked tasks again. Thread-safe
 * but not async-signal-safe: call it from a normal thread, not a handler.
 */
void c1_scheduler_cancel(struct c1_scheduler *s);

/** True once c1_scheduler_cancel was called; for long runs. Thread-safe, lock-free. */
bool c1_scheduler_cancelled(struct c1_scheduler *s);

/**
 * The --max-failures circuit breaker: no admission-controlled task starts
 * any more; the ones that have not run are released as NOT_STARTED before
 * this returns. Tasks in flight continue undisturbed (ctx->cancelled stays
 * false) and unbounded tasks still run. Thread-safe.
 */
void c1_scheduler_stop_admission(struct c1_scheduler *s);

/**
 * Block until every submitted task has been released (DONE or handed back,
 * release callbacks returned). Tasks may keep submitting while it waits. In
 * manual mode it is c1_scheduler_run_until_idle. Returns 0, or in manual mode
 * C1_ERROR when tasks stay blocked on events nobody can signal. Never call it
 * from a run or release callback: it would wait for itself.
 */
int c1_scheduler_wait(struct c1_scheduler *s);

/**
 * c1_scheduler_wait for at most timeout_ms of real time, for a caller that
 * redraws progress or checks a signal flag between waits. Returns 0 when
 * idle, C1_ETIMEOUT otherwise (no message set). Manual mode: as wait.
 */
int c1_scheduler_wait_timeout(struct c1_scheduler *s, int64_t timeout_ms);

/**
 * Manual mode driver: run ready tasks on this thread; when none is ready and
 * a timer is pending, advance to it with the clock's sleep_ms (instant with a
 * fake clock) and go on. Returns 0 once no task is left, or C1_ERROR (message
 * says how many) when the rest are blocked on unsignalled events. C1_EINVALID
 * for a scheduler with worker threads. One driving thread at a time.
 */
int c1_scheduler_run_until_idle(struct c1_scheduler *s);

/*
 * Parking on I/O: a run that sends a request without waiting for it calls
 * c1_task_io_begin; whatever the run then returns, the task parks (holding no
 * worker, not woken by cancel: its request is still out) until
 * c1_task_io_done, and then runs again, or is released if the run had
 * returned DONE. So a request in flight is never abandoned under its task.
 */

/** The context of the run executing on this thread, NULL outside a run. */
struct c1_task_ctx *c1_task_current_ctx(void);
/** From inside ctx's run: the run has sent a request whose answer will come through c1_task_io_done. */
void c1_task_io_begin(struct c1_task_ctx *ctx);
/** From inside ctx's run: the request announced by c1_task_io_begin was not sent after all. */
void c1_task_io_cancel(struct c1_task_ctx *ctx);
/** From any thread (the I/O loop): the request of `t` ended. */
void c1_task_io_done(struct c1_scheduler *s, struct c1_task *t);

/** A snapshot of the counters. Thread-safe. */
void c1_scheduler_stats(struct c1_scheduler *s, struct c1_scheduler_stats *out);

/** The scheduler clock (borrowed). */
const struct c1_clock *c1_scheduler_clock(const struct c1_scheduler *s);

/**
 * A one-shot event of scheduler `s` (a tenant step done): signalled once, it
 * stays signalled and tasks blocking on it later continue at once. Free with
 * c1_sched_event_free.
 */
int c1_sched_event_new(struct c1_sched_event **out, struct c1_scheduler *s);

/**
 * Free an event. Tasks still blocked on it are woken as if it had been
 * signalled (they find it gone: do not block on an event you may free).
 * NULL is fine. Thread-safe with respect to the scheduler.
 */
void c1_sched_event_free(struct c1_sched_event *ev);

/** Signal: every blocked task moves to the ready queue in blocking order. Idempotent. Thread-safe. */
void c1_sched_event_signal(struct c1_sched_event *ev);

/** Whether the event was signalled. Thread-safe. */
bool c1_sched_event_is_signalled(struct c1_sched_event *ev);

#endif
