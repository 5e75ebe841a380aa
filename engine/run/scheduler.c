#include "engine/run/scheduler.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/core/log.h"
#include "engine/run/timer_heap.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define C1_SCHED_DEFAULT_THREADS 4
#define C1_SCHED_MAX_THREADS     1024
/* Longest single timed wait; a later timer is simply waited for again. */
#define C1_SCHED_MAX_WAIT_MS     (3600 * 1000)

enum s_state { S_IDLE = 0, S_QUEUED, S_READY, S_RUNNING, S_TIMER, S_BLOCKED, S_IO };

static _Thread_local struct c1_task_ctx *s_current_ctx;

struct c1_task_ctx *c1_task_current_ctx(void)
{
	return s_current_ctx;
}

/* Intrusive FIFO through c1_task.next: submitting never allocates. */
struct s_queue {
	struct c1_task *head;
	struct c1_task *tail;
	size_t len;
};

struct s_worker {
	struct c1_scheduler *s;
	pthread_t thread;
	pthread_cond_t cond; /* one per worker, so a wakeup reaches exactly one thread */
	bool woken;
	struct s_worker *next_idle;
	unsigned index;
};

struct c1_sched_event {
	struct c1_scheduler *s; /* NULL once the scheduler is freed */
	struct c1_sched_event *prev;
	struct c1_sched_event *next;
	struct s_queue waiters;
	bool signalled;
};

struct c1_scheduler {
	pthread_mutex_t lock;
	pthread_cond_t idle_cond; /* outstanding dropped to 0 */
	const struct c1_clock *clock;
	bool manual;
	size_t max_in_flight;

	struct s_worker *workers;
	unsigned nworkers;
	unsigned nstarted;
	struct s_worker *idle;       /* stack of workers in an untimed wait */
	struct s_worker *timekeeper; /* the one worker in a timed wait for the earliest timer */

	struct s_queue pending; /* waiting for admission */
	struct s_queue ready;
	struct c1_timer_heap timers;
	struct c1_sched_event *events; /* every live event, for cancel and free */

	size_t running;
	size_t parked;
	size_t io_parked; /* S_IO: not moved by cancel or unpark_all */
	size_t in_flight;
	size_t outstanding; /* submitted and not yet released */
	uint64_t submitted;
	uint64_t admitted;
	uint64_t done;
	uint64_t not_started;

	bool stopped_admission;
	bool shutdown;
	atomic_bool cancelled;
};

static void s_queue_push(struct s_queue *q, struct c1_task *t)
{
	t->next = NULL;
	if (q->tail)
		q->tail->next = t;
	else
		q->head = t;
	q->tail = t;
	q->len++;
}

static struct c1_task *s_queue_pop(struct s_queue *q)
{
	struct c1_task *t = q->head;
	if (!t)
		return NULL;
	q->head = t->next;
	if (!q->head)
		q->tail = NULL;
	q->len--;
	t->next = NULL;
	return t;
}

/* Append all of `from` to `to`, leaving `from` empty. */
static void s_queue_splice(struct s_queue *to, struct s_queue *from)
{
	if (!from->head)
		return;
	if (to->tail)
		to->tail->next = from->head;
	else
		to->head = from->head;
	to->tail = from->tail;
	to->len += from->len;
	from->head = from->tail = NULL;
	from->len = 0;
}

static void s_make_ready(struct c1_scheduler *s, struct c1_task *t)
{
	t->state = S_READY;
	t->waiting_on = NULL;
	s_queue_push(&s->ready, t);
}

static void s_wake(struct s_worker *w)
{
	w->woken = true;
	pthread_cond_signal(&w->cond);
}

/* Caller holds the lock. Wakes one worker in an untimed wait; true if any. */
static bool s_wake_idle(struct c1_scheduler *s)
{
	struct s_worker *w = s->idle;
	if (!w)
		return false;
	s->idle = w->next_idle;
	w->next_idle = NULL;
	s_wake(w);
	return true;
}

/* Caller holds the lock. Ready work appeared: wake an idle worker, or else
 * the timekeeper, which is idle too until its timer. Woken workers that find
 * more ready work wake the next one (see s_worker_main), so one call is
 * enough however many tasks became ready. */
static void s_wake_one(struct c1_scheduler *s)
{
	if (s_wake_idle(s))
		return;
	if (s->timekeeper) {
		s_wake(s->timekeeper);
		s->timekeeper = NULL;
	}
}

static void s_wake_all(struct c1_scheduler *s)
{
	while (s_wake_idle(s))
		;
	if (s->timekeeper) {
		s_wake(s->timekeeper);
		s->timekeeper = NULL;
	}
}

/* Caller holds the lock. Moves queued tasks into free admission slots. */
static void s_admit(struct c1_scheduler *s)
{
	while (s->pending.head && !s->stopped_admission && !atomic_load(&s->cancelled) &&
	       (s->max_in_flight == 0 || s->in_flight < s->max_in_flight)) {
		struct c1_task *t = s_queue_pop(&s->pending);
		s->in_flight++;
		s->admitted++;
		s_make_ready(s, t);
	}
}

/* Caller holds the lock. Moves every task of the ready queue that has never
 * run (and, if only_bounded, is admission-controlled) to `out`, keeping the
 * others in order. */
static void s_take_unstarted(struct c1_scheduler *s, struct s_queue *out, bool only_bounded)
{
	struct s_queue keep = {NULL, NULL, 0};
	struct c1_task *t;
	while ((t = s_queue_pop(&s->ready)) != NULL) {
		if (t->runs == 0 && (t->bounded || !only_bounded)) {
			if (t->bounded)
				s->in_flight--;
			s_queue_push(out, t);
		} else {
			s_queue_push(&keep, t);
		}
	}
	s->ready = keep;
}

/* Caller holds the lock. Moves every parked task to the ready queue. */
static void s_unpark_all(struct c1_scheduler *s)
{
	void *item;
	while (c1_timer_heap_pop(&s->timers, NULL, &item))
		s_make_ready(s, item);
	for (struct c1_sched_event *ev = s->events; ev; ev = ev->next) {
		struct c1_task *t;
		while ((t = s_queue_pop(&ev->waiters)) != NULL)
			s_make_ready(s, t);
	}
	s->parked = 0;
}

/* Called WITHOUT the lock. Releases every task of `list` and then counts
 * them; the counts move only after the callbacks returned, so wait() cannot
 * return while a release callback is still running. */
static void s_release_list(struct c1_scheduler *s, struct s_queue *list, enum c1_task_end end)
{
	size_t n = 0;
	struct c1_task *t = list->head;
	while (t) {
		struct c1_task *next = t->next; /* release may free t */
		t->next = NULL;
		t->state = S_IDLE;
		t->waiting_on = NULL;
		if (t->release)
			t->release(t, end);
		n++;
		t = next;
	}
	list->head = list->tail = NULL;
	list->len = 0;
	if (n == 0)
		return;
	pthread_mutex_lock(&s->lock);
	if (end == C1_TASK_END_DONE)
		s->done += n;
	else
		s->not_started += n;
	s->outstanding -= n;
	if (s->outstanding == 0)
		pthread_cond_broadcast(&s->idle_cond);
	pthread_mutex_unlock(&s->lock);
}

/* Caller holds the lock; drops and retakes it around the release callback. */
static void s_finish(struct c1_scheduler *s, struct c1_task *t)
{
	struct s_queue one = {NULL, NULL, 0};
	bool bounded = t->bounded; /* release may free t */
	/* Release BEFORE the slot is handed on: the release callback may stop
	 * admission (the --max-failures circuit breaker). Admitting first let
	 * another worker start the next account before the breaker tripped, so
	 * one account too many ran. The slot is counted free before the release,
	 * though: once the release makes `outstanding` zero, wait() returns and
	 * the stats must already read in_flight == 0. */
	if (bounded)
		s->in_flight--;
	s_queue_push(&one, t);
	pthread_mutex_unlock(&s->lock);
	s_release_list(s, &one, C1_TASK_END_DONE);
	pthread_mutex_lock(&s->lock);
	if (bounded)
		s_admit(s);
	if (s->ready.head)
		s_wake_one(s);
}

/* Caller holds the lock; it is dropped while the task runs. The task is
 * RUNNING and in no queue meanwhile, so no other thread can reach it. */
static void s_run_task(struct c1_scheduler *s, struct c1_task *t, unsigned worker)
{
	struct c1_task_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.sched = s;
	ctx.now_ms = c1_clock_monotonic_ms(s->clock);
	ctx.cancelled = atomic_load(&s->cancelled);
	ctx.runs = t->runs;
	ctx.worker = worker;
	ctx.task = t;
	t->state = S_RUNNING;
	t->io_began = false;
	s->running++;
	pthread_mutex_unlock(&s->lock);

	s_current_ctx = &ctx;
	int r = t->run(t, &ctx);
	s_current_ctx = NULL;

	pthread_mutex_lock(&s->lock);
	s->running--;
	if (t->runs < UINT32_MAX)
		t->runs++;
	if (t->io_began) {
		t->io_began = false;
		if (t->io_pending) {
			/* Whatever the run answered, its request is still out: park until it ends. */
			t->state = S_IO;
			t->io_then_done = r == C1_TASK_DONE;
			s->io_parked++;
			return;
		}
		/* The answer came while the run was returning: run again at once. */
		if (r != C1_TASK_DONE) {
			s_make_ready(s, t);
			return;
		}
	}
	switch (r) {
	case C1_TASK_AGAIN: s_make_ready(s, t); break;
	case C1_TASK_WAIT: {
		int64_t now = c1_clock_monotonic_ms(s->clock);
		if (ctx.wake_at_ms <= now) {
			s_make_ready(s, t);
			break;
		}
		void *top = NULL;
		t->state = S_TIMER;
		t->wake_at_ms = ctx.wake_at_ms;
		c1_timer_heap_push(&s->timers, ctx.wake_at_ms, t);
		s->parked++;
		/* A timekeeper sleeping towards a later timer must re-arm. */
		if (c1_timer_heap_peek(&s->timers, NULL, &top) && top == t && s->timekeeper) {
			s_wake(s->timekeeper);
			s->timekeeper = NULL;
		}
		break;
	}
	case C1_TASK_BLOCK: {
		struct c1_sched_event *ev = ctx.block_on;
		if (!ev || ev->s != s) {
			C1_WARN("scheduler", "a task returned BLOCK without an event of this scheduler; "
					     "running it again instead");
			s_make_ready(s, t);
		} else if (ev->signalled) {
			s_make_ready(s, t);
		} else {
			t->state = S_BLOCKED;
			t->waiting_on = ev;
			s_queue_push(&ev->waiters, t);
			s->parked++;
		}
		break;
	}
	case C1_TASK_DONE: s_finish(s, t); break;
	default:
		C1_WARN("scheduler", "a task returned unknown result %d; treating it as done", r);
		s_finish(s, t);
		break;
	}
}

void c1_task_io_begin(struct c1_task_ctx *ctx)
{
	struct c1_scheduler *s = ctx->sched;
	pthread_mutex_lock(&s->lock);
	ctx->task->io_began = true;
	ctx->task->io_pending = true;
	pthread_mutex_unlock(&s->lock);
}

void c1_task_io_cancel(struct c1_task_ctx *ctx)
{
	struct c1_scheduler *s = ctx->sched;
	pthread_mutex_lock(&s->lock);
	ctx->task->io_began = false;
	ctx->task->io_pending = false;
	pthread_mutex_unlock(&s->lock);
}

void c1_task_io_done(struct c1_scheduler *s, struct c1_task *t)
{
	pthread_mutex_lock(&s->lock);
	t->io_pending = false;
	if (t->state == S_IO) {
		s->io_parked--;
		if (t->io_then_done) {
			t->io_then_done = false;
			s_finish(s, t);
		} else {
			s_make_ready(s, t);
			s_wake_one(s);
		}
	}
	pthread_mutex_unlock(&s->lock);
}

/* Caller holds the lock. */
static void s_expire_timers(struct c1_scheduler *s, int64_t now)
{
	void *item;
	while (c1_timer_heap_pop_due(&s->timers, now, &item)) {
		s->parked--;
		s_make_ready(s, item);
	}
}

static struct timespec s_deadline_after(int64_t ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (ms < 0)
		ms = 0;
	if (ms > C1_SCHED_MAX_WAIT_MS)
		ms = C1_SCHED_MAX_WAIT_MS;
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

static void *s_worker_main(void *arg)
{
	struct s_worker *me = arg;
	struct c1_scheduler *s = me->s;

	pthread_mutex_lock(&s->lock);
	while (!s->shutdown) {
		int64_t now = c1_clock_monotonic_ms(s->clock);
		s_expire_timers(s, now);
		struct c1_task *t = s_queue_pop(&s->ready);
		if (t) {
			/* Chain the wakeups: more ready work goes to the next idle
			 * worker, and somebody must keep watching the timers. */
			if (s->ready.head)
				s_wake_one(s);
			else if (s->timers.len && !s->timekeeper)
				s_wake_idle(s);
			s_run_task(s, t, me->index);
			continue;
		}
		int64_t when;
		if (c1_timer_heap_peek(&s->timers, &when, NULL) && !s->timekeeper) {
			struct timespec deadline = s_deadline_after(when - now);
			s->timekeeper = me;
			me->woken = false;
			while (!me->woken && !s->shutdown) {
				if (pthread_cond_timedwait(&me->cond, &s->lock, &deadline) == ETIMEDOUT)
					break;
			}
			if (s->timekeeper == me)
				s->timekeeper = NULL;
			continue;
		}
		me->woken = false;
		me->next_idle = s->idle;
		s->idle = me;
		while (!me->woken && !s->shutdown)
			pthread_cond_wait(&me->cond, &s->lock);
		if (!me->woken) {
			/* shutdown without being popped: take myself off the stack */
			struct s_worker **pp = &s->idle;
			while (*pp && *pp != me)
				pp = &(*pp)->next_idle;
			if (*pp)
				*pp = me->next_idle;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static void s_cond_init_monotonic(pthread_cond_t *c)
{
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(c, &attr);
	pthread_condattr_destroy(&attr);
}

/* Stops and joins the started workers; leaves tasks alone. */
static void s_stop_workers(struct c1_scheduler *s)
{
	pthread_mutex_lock(&s->lock);
	s->shutdown = true;
	s_wake_all(s);
	pthread_mutex_unlock(&s->lock);
	for (unsigned i = 0; i < s->nstarted; i++)
		pthread_join(s->workers[i].thread, NULL);
	s->nstarted = 0;
}

/* Releases every task still held, repeatedly: a release callback may signal
 * events or submit, and a submit after shutdown is handed straight back. */
static void s_release_everything(struct c1_scheduler *s)
{
	for (;;) {
		struct s_queue never = {NULL, NULL, 0};
		struct s_queue abandoned = {NULL, NULL, 0};
		struct c1_task *t;
		pthread_mutex_lock(&s->lock);
		s_unpark_all(s);
		while ((t = s_queue_pop(&s->pending)) != NULL)
			s_queue_push(&never, t);
		while ((t = s_queue_pop(&s->ready)) != NULL) {
			if (t->bounded)
				s->in_flight--;
			s_queue_push(t->runs == 0 ? &never : &abandoned, t);
		}
		pthread_mutex_unlock(&s->lock);
		if (!never.head && !abandoned.head)
			break;
		s_release_list(s, &never, C1_TASK_END_NOT_STARTED);
		s_release_list(s, &abandoned, C1_TASK_END_ABANDONED);
	}
}

static void s_destroy(struct c1_scheduler *s)
{
	pthread_mutex_lock(&s->lock);
	struct c1_sched_event *ev = s->events;
	while (ev) {
		struct c1_sched_event *next = ev->next;
		ev->s = NULL;
		ev->prev = ev->next = NULL;
		ev = next;
	}
	s->events = NULL;
	pthread_mutex_unlock(&s->lock);
	for (unsigned i = 0; i < s->nworkers; i++)
		pthread_cond_destroy(&s->workers[i].cond);
	free(s->workers);
	c1_timer_heap_dispose(&s->timers);
	pthread_cond_destroy(&s->idle_cond);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int c1_scheduler_new(struct c1_scheduler **out, const struct c1_scheduler_options *opts)
{
	struct c1_scheduler_options o = C1_SCHEDULER_OPTIONS_INIT;
	struct c1_scheduler *s = NULL;
	int err = 0;

	*out = NULL;
	if (opts)
		o = *opts;
	if (o.threads > C1_SCHED_MAX_THREADS) {
		c1_error_set(
		    "scheduler: %u worker threads asked for; use at most %d (tasks that wait hold no "
		    "thread, so a few threads serve hundreds of accounts)",
		    o.threads, C1_SCHED_MAX_THREADS);
		err = C1_EINVALID;
		goto cleanup;
	}
	s = c1_calloc(1, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s_cond_init_monotonic(&s->idle_cond);
	c1_timer_heap_init(&s->timers);
	atomic_init(&s->cancelled, false);
	s->clock = o.clock ? o.clock : c1_clock_system();
	s->manual = o.manual;
	s->max_in_flight = o.max_in_flight;
	s->nworkers = o.manual ? 0 : (o.threads ? o.threads : C1_SCHED_DEFAULT_THREADS);
	if (s->nworkers)
		s->workers = c1_calloc(s->nworkers, sizeof(*s->workers));
	for (unsigned i = 0; i < s->nworkers; i++) {
		s->workers[i].s = s;
		s->workers[i].index = i;
		s_cond_init_monotonic(&s->workers[i].cond);
	}
	for (unsigned i = 0; i < s->nworkers; i++) {
		int rc = pthread_create(&s->workers[i].thread, NULL, s_worker_main, &s->workers[i]);
		if (rc != 0) {
			c1_error_set(
			    "scheduler: cannot start worker thread %u of %u (%s); lower --threads or "
			    "raise the process limit",
			    i + 1, s->nworkers, strerror(rc));
			err = C1_ERROR;
			goto cleanup;
		}
		s->nstarted++;
	}
	*out = s;
	s = NULL;

cleanup:
	if (s) {
		s_stop_workers(s);
		s_destroy(s);
	}
	return err;
}

void c1_scheduler_free(struct c1_scheduler *s)
{
	if (!s)
		return;
	s_stop_workers(s);
	s_release_everything(s);
	s_destroy(s);
}

void c1_task_init(struct c1_task *t, int (*run)(struct c1_task *t, struct c1_task_ctx *ctx),
		  void (*release)(struct c1_task *t, enum c1_task_end end), void *data)
{
	memset(t, 0, sizeof(*t));
	t->run = run;
	t->release = release;
	t->data = data;
}

static int s_submit(struct c1_scheduler *s, struct c1_task *t, bool bounded)
{
	struct s_queue refused = {NULL, NULL, 0};
	int err = 0;

	if (!t || !t->run) {
		c1_error_set("scheduler: task without a run function submitted; call c1_task_init first");
		return C1_EINVALID;
	}
	pthread_mutex_lock(&s->lock);
	if (t->state != S_IDLE) {
		c1_error_set("scheduler: task submitted twice; a task may be submitted again only after "
			     "its release callback");
		err = C1_EINVALID;
		goto cleanup;
	}
	t->bounded = bounded;
	t->runs = 0;
	t->next = NULL;
	t->waiting_on = NULL;
	s->submitted++;
	s->outstanding++;
	if (s->shutdown || atomic_load(&s->cancelled) || (bounded && s->stopped_admission)) {
		t->state = S_QUEUED; /* not idle until released: a second submit is refused */
		s_queue_push(&refused, t);
		err = C1_ECANCELLED;
		goto cleanup;
	}
	if (bounded && s->max_in_flight && s->in_flight >= s->max_in_flight) {
		t->state = S_QUEUED;
		s_queue_push(&s->pending, t);
		goto cleanup;
	}
	if (bounded)
		s->in_flight++;
	s->admitted++;
	s_make_ready(s, t);
	s_wake_one(s);

cleanup:
	pthread_mutex_unlock(&s->lock);
	s_release_list(s, &refused, C1_TASK_END_NOT_STARTED);
	return err;
}

int c1_scheduler_submit(struct c1_scheduler *s, struct c1_task *t)
{
	return s_submit(s, t, true);
}

int c1_scheduler_submit_unbounded(struct c1_scheduler *s, struct c1_task *t)
{
	return s_submit(s, t, false);
}

void c1_scheduler_cancel(struct c1_scheduler *s)
{
	struct s_queue never = {NULL, NULL, 0};
	struct c1_task *t;

	pthread_mutex_lock(&s->lock);
	atomic_store(&s->cancelled, true);
	while ((t = s_queue_pop(&s->pending)) != NULL)
		s_queue_push(&never, t);
	s_take_unstarted(s, &never, false);
	s_unpark_all(s);
	if (s->ready.head)
		s_wake_one(s);
	pthread_mutex_unlock(&s->lock);
	s_release_list(s, &never, C1_TASK_END_NOT_STARTED);
}

bool c1_scheduler_cancelled(struct c1_scheduler *s)
{
	return atomic_load(&s->cancelled);
}

void c1_scheduler_stop_admission(struct c1_scheduler *s)
{
	struct s_queue never = {NULL, NULL, 0};
	struct c1_task *t;

	pthread_mutex_lock(&s->lock);
	s->stopped_admission = true;
	while ((t = s_queue_pop(&s->pending)) != NULL)
		s_queue_push(&never, t);
	s_take_unstarted(s, &never, true);
	pthread_mutex_unlock(&s->lock);
	s_release_list(s, &never, C1_TASK_END_NOT_STARTED);
}

int c1_scheduler_run_until_idle(struct c1_scheduler *s)
{
	int err = 0;
	size_t left;

	if (!s->manual) {
		c1_error_set("scheduler: run_until_idle drives a manual scheduler; this one has worker "
			     "threads, use c1_scheduler_wait");
		return C1_EINVALID;
	}
	pthread_mutex_lock(&s->lock);
	for (;;) {
		int64_t now = c1_clock_monotonic_ms(s->clock);
		s_expire_timers(s, now);
		struct c1_task *t = s_queue_pop(&s->ready);
		if (t) {
			s_run_task(s, t, 0);
			continue;
		}
		int64_t when;
		if (!c1_timer_heap_peek(&s->timers, &when, NULL))
			break;
		pthread_mutex_unlock(&s->lock);
		c1_clock_sleep_ms(s->clock, when - now);
		pthread_mutex_lock(&s->lock);
	}
	left = s->outstanding;
	pthread_mutex_unlock(&s->lock);
	if (left) {
		c1_error_set("scheduler: %zu task(s) are blocked on events that no remaining task will "
			     "signal; signal or free those events",
			     left);
		err = C1_ERROR;
	}
	return err;
}

int c1_scheduler_wait(struct c1_scheduler *s)
{
	if (s->manual)
		return c1_scheduler_run_until_idle(s);
	pthread_mutex_lock(&s->lock);
	while (s->outstanding > 0)
		pthread_cond_wait(&s->idle_cond, &s->lock);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

int c1_scheduler_wait_timeout(struct c1_scheduler *s, int64_t timeout_ms)
{
	int err = 0;
	if (s->manual)
		return c1_scheduler_run_until_idle(s);
	struct timespec deadline = s_deadline_after(timeout_ms);
	pthread_mutex_lock(&s->lock);
	while (s->outstanding > 0) {
		if (pthread_cond_timedwait(&s->idle_cond, &s->lock, &deadline) == ETIMEDOUT) {
			err = s->outstanding > 0 ? C1_ETIMEOUT : 0;
			break;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return err;
}

void c1_scheduler_stats(struct c1_scheduler *s, struct c1_scheduler_stats *out)
{
	pthread_mutex_lock(&s->lock);
	out->submitted = s->submitted;
	out->admitted = s->admitted;
	out->done = s->done;
	out->not_started = s->not_started;
	out->queued = s->pending.len;
	out->ready = s->ready.len;
	out->running = s->running;
	out->parked = s->parked + s->io_parked;
	out->in_flight = s->in_flight;
	pthread_mutex_unlock(&s->lock);
}

const struct c1_clock *c1_scheduler_clock(const struct c1_scheduler *s)
{
	return s->clock;
}

int c1_sched_event_new(struct c1_sched_event **out, struct c1_scheduler *s)
{
	struct c1_sched_event *ev = c1_calloc(1, sizeof(*ev));
	ev->s = s;
	pthread_mutex_lock(&s->lock);
	ev->next = s->events;
	if (s->events)
		s->events->prev = ev;
	s->events = ev;
	pthread_mutex_unlock(&s->lock);
	*out = ev;
	return 0;
}

/* Caller holds the lock. */
static void s_event_wake_waiters(struct c1_scheduler *s, struct c1_sched_event *ev)
{
	if (!ev->waiters.head)
		return;
	s->parked -= ev->waiters.len;
	for (struct c1_task *t = ev->waiters.head; t; t = t->next) {
		t->state = S_READY;
		t->waiting_on = NULL;
	}
	s_queue_splice(&s->ready, &ev->waiters);
	s_wake_one(s);
}

void c1_sched_event_free(struct c1_sched_event *ev)
{
	if (!ev)
		return;
	struct c1_scheduler *s = ev->s;
	if (s) {
		pthread_mutex_lock(&s->lock);
		s_event_wake_waiters(s, ev);
		if (ev->prev)
			ev->prev->next = ev->next;
		else
			s->events = ev->next;
		if (ev->next)
			ev->next->prev = ev->prev;
		pthread_mutex_unlock(&s->lock);
	}
	free(ev);
}

void c1_sched_event_signal(struct c1_sched_event *ev)
{
	struct c1_scheduler *s = ev->s;
	if (!s) {
		ev->signalled = true;
		return;
	}
	pthread_mutex_lock(&s->lock);
	ev->signalled = true;
	s_event_wake_waiters(s, ev);
	pthread_mutex_unlock(&s->lock);
}

bool c1_sched_event_is_signalled(struct c1_sched_event *ev)
{
	struct c1_scheduler *s = ev->s;
	bool v;
	if (!s)
		return ev->signalled;
	pthread_mutex_lock(&s->lock);
	v = ev->signalled;
	pthread_mutex_unlock(&s->lock);
	return v;
}
