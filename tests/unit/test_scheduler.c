#include "harness.h"

#include "engine/core/alloc.h"
#include "engine/core/clock.h"
#include "engine/core/error.h"
#include "engine/run/scheduler.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

static int64_t s_real_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void s_sleep_ms(int64_t ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Poll a scheduler until `cond` holds on its stats or 5 s pass. */
#define WAIT_FOR_STATS(s, st, cond)                           \
	do {                                                  \
		int64_t wf_deadline_ = s_real_ms() + 5000;    \
		for (;;) {                                    \
			c1_scheduler_stats((s), &(st));       \
			if (cond)                             \
				break;                        \
			C1_CHECK(s_real_ms() < wf_deadline_); \
			s_sleep_ms(1);                        \
		}                                             \
	} while (0)

/* ---- a scripted task: a string of steps, one per run ---------------------
 * 'A' = AGAIN, 'W' = WAIT wait_ms, 'B' = BLOCK on ev, 'D' = DONE. Every run
 * appends the task's letter to a shared trace (manual mode: one thread). */

struct script {
	struct c1_task task;
	char name;
	const char *steps;
	size_t pos;
	int64_t wait_ms;
	struct c1_sched_event *ev;
	char *trace;
	size_t *trace_len;
	int64_t woke_at[16]; /* ctx->now_ms of each run */
	int64_t asked[16];   /* wake_at_ms asked for by each WAIT */
	int released;
	enum c1_task_end end;
};

static int s_script_run(struct c1_task *t, struct c1_task_ctx *ctx)
{
	struct script *sc = t->data;
	if (sc->trace)
		sc->trace[(*sc->trace_len)++] = sc->name;
	if (sc->pos < 16)
		sc->woke_at[sc->pos] = ctx->now_ms;
	char step = sc->steps[sc->pos];
	if (sc->pos < 16)
		sc->asked[sc->pos] = ctx->now_ms + sc->wait_ms;
	sc->pos++;
	switch (step) {
	case 'A': return C1_TASK_AGAIN;
	case 'W': return c1_task_wait_for(ctx, sc->wait_ms);
	case 'B': return c1_task_block_on(ctx, sc->ev);
	default: return C1_TASK_DONE;
	}
}

static void s_script_release(struct c1_task *t, enum c1_task_end end)
{
	struct script *sc = t->data;
	sc->released++;
	sc->end = end;
}

static void s_script_init(struct script *sc, char name, const char *steps, char *trace, size_t *trace_len)
{
	memset(sc, 0, sizeof(*sc));
	sc->name = name;
	sc->steps = steps;
	sc->trace = trace;
	sc->trace_len = trace_len;
	c1_task_init(&sc->task, s_script_run, s_script_release, sc);
}

static struct c1_scheduler *s_manual(struct c1_fake_clock *fake, size_t j)
{
	struct c1_scheduler_options o = C1_SCHEDULER_OPTIONS_INIT;
	struct c1_scheduler *s = NULL;
	c1_fake_clock_init(fake, 1700000000000);
	o.clock = &fake->clock;
	o.manual = true;
	o.max_in_flight = j;
	C1_CHECK_INT(c1_scheduler_new(&s, &o), ==, 0);
	return s;
}

static struct c1_scheduler *s_threaded(unsigned threads, size_t j)
{
	struct c1_scheduler_options o = C1_SCHEDULER_OPTIONS_INIT;
	struct c1_scheduler *s = NULL;
	o.threads = threads;
	o.max_in_flight = j;
	C1_CHECK_INT(c1_scheduler_new(&s, &o), ==, 0);
	return s;
}

C1_TEST(again_requeues_behind_others)
{
	struct c1_fake_clock fake;
	struct c1_scheduler *s = s_manual(&fake, 0);
	char trace[64] = {0};
	size_t n = 0;
	struct script a, b, c;
	s_script_init(&a, 'a', "AAD", trace, &n);
	s_script_init(&b, 'b', "AAD", trace, &n);
	s_script_init(&c, 'c', "AAD", trace, &n);
	C1_CHECK_INT(c1_scheduler_submit(s, &a.task), ==, 0);
	C1_CHECK_INT(c1_scheduler_submit(s, &b.task), ==, 0);
	C1_CHECK_INT(c1_scheduler_submit(s, &c.task), ==, 0);
	C1_CHECK_INT(c1_scheduler_run_until_idle(s), ==, 0);
	C1_CHECK_STR(trace, "abcabcabc");
	C1_CHECK_INT(a.released, ==, 1);
	C1_CHECK_INT(a.end, ==, C1_TASK_END_DONE);
	struct c1_scheduler_stats st;
	c1_scheduler_stats(s, &st);
	C1_CHECK_INT(st.submitted, ==, 3);
	C1_CHECK_INT(st.done, ==, 3);
	C1_CHECK_INT(st.running + st.parked + st.ready + st.queued + st.in_flight, ==, 0);
	c1_scheduler_free(s);
}

/* -j 2: the third task starts only when one of the first two is done, and
 * admission follows submission order. */
C1_TEST(admission_follows_submission_order)
{
	struct c1_fake_clock fake;
	struct c1_scheduler *s = s_manual(&fake, 2);
	char trace[64] = {0};
	size_t n = 0;
	struct script t[4];
	for (int i = 0; i < 4; i++) {
		s_script_init(&t[i], (char)('a' + i), "AD", trace, &n);
		C1_CHECK_INT(c1_scheduler_submit(s, &t[i].task), ==, 0);
	}
	struct c1_scheduler_stats st;
	c1_scheduler_stats(s, &st);
	C1_CHECK_INT(st.in_flight, ==, 2);
	C1_CHECK_INT(st.queued, ==, 2);
	C1_CHECK_INT(c1_scheduler_wait(s), ==, 0);
	C1_CHECK_STR(trace, "ababcdcd");
	c1_scheduler_free(s);
}

/* Manual mode jumps over idle time with the fake clock: ten minutes of
 * waiting take no real time, and each wake happens exactly when asked. */
C1_TEST(manual_mode_fake_clock_wakes_exactly)
{
	struct c1_fake_clock fake;
	struct c1_scheduler *s = s_manual(&fake, 0);
	int64_t start = fake.monotonic_ms;
	struct script a, b;
	s_script_init(&a, 'a', "WWWD", NULL, NULL);
	a.wait_ms = 200000;
	s_script_init(&b, 'b', "WD", NULL, NULL);
	b.wait_ms = 300000;
	C1_CHECK_INT(c1_scheduler_submit(s, &a.task), ==, 0);
	C1_CHECK_INT(c1_scheduler_submit(s, &b.task), ==, 0);
	int64_t t0 = s_real_ms();
	C1_CHECK_INT(c1_scheduler_run_until_idle(s), ==, 0);
	C1_CHECK_INT(s_real_ms() - t0, <, 1000);
	C1_CHECK_INT(fake.monotonic_ms - start, ==, 600000);
	for (int i = 1; i < 4; i++)
		C1_CHECK_INT(a.woke_at[i], ==, start + 200000 * i);
	C1_CHECK_INT(b.woke_at[1], ==, start + 300000);
	c1_scheduler_free(s);
}

/* Real threads and the system clock: a WAIT resumes no earlier than asked
 * and soon after (no polling interval), in wake-time order. */
C1_TEST(wait_wakes_not_before_its_time_and_close_after)
{
	struct c1_scheduler *s = s_threaded(2, 0);
	enum { N = 6 };
	struct script t[N];
	for (int i = 0; i < N; i++) {
		s_script_init(&t[i], (char)('a' + i), "WWD", NULL, NULL);
		t[i].wait_ms = 120 - 20 * i; /* later submissions wake first */
	}
	for (int i = 0; i < N; i++)
		C1_CHECK_INT(c1_scheduler_submit(s, &t[i].task), ==, 0);
	C1_CHECK_INT(c1_scheduler_wait_timeout(s, 10000), ==, 0);
	for (int i = 0; i < N; i++) {
		for (int k = 1; k <= 2; k++) {
			int64_t asked = t[i].asked[k - 1];
			C1_CHECK_INT(t[i].woke_at[k], >=, asked);
			C1_CHECK_INT(t[i].woke_at[k], <=, asked + 75); /* slack for a loaded CI box */
		}
		C1_CHECK_INT(t[i].end, ==, C1_TASK_END_DONE);
	}
	c1_scheduler_free(s);
}

/* A worker asleep until a late timer must re-arm when an earlier one is
 * added by another worker, or the early task oversleeps. */
C1_TEST(earlier_timer_rearms_sleeping_worker)
{
	struct c1_scheduler *s = s_threaded(2, 0);
	struct script late, early;
	s_script_init(&late, 'l', "WD", NULL, NULL);
	late.wait_ms = 400;
	s_script_init(&early, 'e', "WD", NULL, NULL);
	early.wait_ms = 30;
	C1_CHECK_INT(c1_scheduler_submit(s, &late.task), ==, 0);
	struct c1_scheduler_stats st;
	WAIT_FOR_STATS(s, st, st.parked == 1 && st.running == 0);
	s_sleep_ms(10); /* let the timekeeper settle into its 400 ms wait */
	C1_CHECK_INT(c1_scheduler_submit(s, &early.task), ==, 0);
	C1_CHECK_INT(c1_scheduler_wait_timeout(s, 5000), ==, 0);
	C1_CHECK_INT(early.woke_at[1], >=, early.asked[0]);
	C1_CHECK_INT(early.woke_at[1], <=, early.asked[0] + 150); /* not at the 400 ms timer */
	C1_CHECK_INT(late.woke_at[1], >=, late.asked[0]);
	c1_scheduler_free(s);
}

struct caller {
	struct c1_task task;
	atomic_int *inside;
	atomic_int *max_inside;
	int runs;
};

/* First run parks briefly, second holds the worker 100 ms like a slow
 * remote call. */
static int s_caller_run(struct c1_task *t, struct c1_task_ctx *ctx)
{
	struct caller *c = t->data;
	if (c->runs++ == 0)
		return c1_task_wait_for(ctx, 20);
	int cur = atomic_fetch_add(c->inside, 1) + 1;
	int m = atomic_load(c->max_inside);
	while (cur > m && !atomic_compare_exchange_weak(c->max_inside, &m, cur))
		;
	s_sleep_ms(100);
	atomic_fetch_sub(c->inside, 1);
	return C1_TASK_DONE;
}

/* Timers that fall due together are spread over the idle workers: four
 * tasks on four threads make their slow calls side by side instead of one
 * after another on the worker that noticed the timers. Measured as overlap,
 * not wall time, so a loaded machine does not make it flaky. */
C1_TEST(due_timers_spread_over_workers)
{
	enum { N = 4 };
	struct c1_scheduler *s = s_threaded(4, 0);
	struct caller c[N];
	atomic_int inside, max_inside;
	atomic_init(&inside, 0);
	atomic_init(&max_inside, 0);
	memset(c, 0, sizeof(c));
	for (int i = 0; i < N; i++) {
		c[i].inside = &inside;
		c[i].max_inside = &max_inside;
		c1_task_init(&c[i].task, s_caller_run, NULL, &c[i]);
		C1_CHECK_INT(c1_scheduler_submit(s, &c[i].task), ==, 0);
	}
	C1_CHECK_INT(c1_scheduler_wait_timeout(s, 10000), ==, 0);
	C1_CHECK_INT(atomic_load(&max_inside), >=, 3);
	C1_CHECK_INT(atomic_load(&max_inside), <=, 4);
	c1_scheduler_free(s);
}

/* Tasks blocked on an event run again only after the signal, in the order
 * they blocked; later BLOCKs on the signalled event continue at once. */
C1_TEST(block_resumes_on_signal_in_order)
{
	struct c1_fake_clock fake;
	struct c1_scheduler *s = s_manual(&fake, 0);
	struct c1_sched_event *ev = NULL;
	C1_CHECK_INT(c1_sched_event_new(&ev, s), ==, 0);
	char trace[64] = {0};
	size_t n = 0;
	struct script a, b, c;
	s_script_init(&a, 'a', "BD", trace, &n);
	s_script_init(&b, 'b', "BD", trace, &n);
	s_script_init(&c, 'c', "BD", trace, &n);
	a.ev = b.ev = c.ev = ev;
	C1_CHECK_INT(c1_scheduler_submit(s, &c.task), ==, 0);
	C1_CHECK_INT(c1_scheduler_submit(s, &a.task), ==, 0);
	C1_CHECK_INT(c1_scheduler_submit(s, &b.task), ==, 0);
	/* Nothing can signal it: the driver says so instead of hanging. */
	C1_CHECK_INT(c1_scheduler_run_until_idle(s), ==, C1_ERROR);
	C1_CHECK_CONTAINS(c1_error_last(), "3 task(s) are blocked");
	struct c1_scheduler_stats st;
	c1_scheduler_stats(s, &st);
	C1_CHECK_INT(st.parked, ==, 3);
	C1_CHECK(!c1_sched_event_is_signalled(ev));
	C1_CHECK_STR(trace, "cab");

	c1_sched_event_signal(ev);
	C1_CHECK(c1_sched_event_is_signalled(ev));
	C1_CHECK_INT(c1_scheduler_run_until_idle(s), ==, 0);
	C1_CHECK_STR(trace, "cabcab");

	/* Already signalled: blocking costs one pass through the ready queue. */
	struct script d;
	s_script_init(&d, 'd', "BBD", trace, &n);
	d.ev = ev;
	C1_CHECK_INT(c1_scheduler_submit(s, &d.task), ==, 0);
	C1_CHECK_INT(c1_scheduler_run_until_idle(s), ==, 0);
	C1_CHECK_STR(trace, "cabcabddd");
	c1_sched_event_signal(ev); /* idempotent */
	c1_sched_event_free(ev);
	c1_scheduler_free(s);
}

/* Threads: blocked tasks hold no worker and wake on a signal from another
 * thread; freeing an event with waiters wakes them too. */
C1_TEST(block_wakes_across_threads)
{
	struct c1_scheduler *s = s_threaded(2, 0);
	struct c1_sched_event *ev = NULL, *gone = NULL;
	C1_CHECK_INT(c1_sched_event_new(&ev, s), ==, 0);
	C1_CHECK_INT(c1_sched_event_new(&gone, s), ==, 0);
	enum { N = 20 };
	struct script t[N];
	for (int i = 0; i < N; i++) {
		s_script_init(&t[i], 'x', "BD", NULL, NULL);
		t[i].ev = i % 2 ? ev : gone;
		C1_CHECK_INT(c1_scheduler_submit(s, &t[i].task), ==, 0);
	}
	struct c1_scheduler_stats st;
	WAIT_FOR_STATS(s, st, st.parked == N);
	s_sleep_ms(20);
	for (int i = 0; i < N; i++)
		C1_CHECK_INT(t[i].released, ==, 0);
	C1_CHECK_INT(c1_scheduler_wait_timeout(s, 10), ==, C1_ETIMEOUT);
	c1_sched_event_signal(ev);
	c1_sched_event_free(gone);
	C1_CHECK_INT(c1_scheduler_wait_timeout(s, 5000), ==, 0);
	for (int i = 0; i < N; i++) {
		C1_CHECK_INT(t[i].pos, ==, 2);
		C1_CHECK_INT(t[i].released, ==, 1);
	}
	c1_sched_event_free(ev);
	c1_scheduler_free(s);
}

/* ---- admission under load ------------------------------------------------ */

struct load {
	atomic_int current;
	atomic_int max_seen;
	atomic_int released;
	atomic_int bad_end;
};

struct load_task {
	struct c1_task task;
	struct load *load;
	int steps;
	unsigned seed;
};

static int s_load_run(struct c1_task *t, struct c1_task_ctx *ctx)
{
	struct load_task *lt = t->data;
	if (ctx->runs == 0) {
		int cur = atomic_fetch_add(&lt->load->current, 1) + 1;
		int m = atomic_load(&lt->load->max_seen);
		while (cur > m && !atomic_compare_exchange_weak(&lt->load->max_seen, &m, cur))
			;
	}
	if ((int)ctx->runs + 1 >= lt->steps) {
		atomic_fetch_sub(&lt->load->current, 1);
		return C1_TASK_DONE;
	}
	lt->seed = lt->seed * 1103515245u + 12345u;
	if ((lt->seed >> 16) % 2)
		return C1_TASK_AGAIN;
	return c1_task_wait_for(ctx, (lt->seed >> 20) % 2);
}

static void s_load_release(struct c1_task *t, enum c1_task_end end)
{
	struct load_task *lt = t->data;
	if (end != C1_TASK_END_DONE)
		atomic_fetch_add(&lt->load->bad_end, 1);
	atomic_fetch_add(&lt->load->released, 1);
}

C1_TEST(max_in_flight_bounds_admitted_tasks)
{
	enum { N = 3000, J = 7 };
	struct c1_scheduler *s = s_threaded(4, J);
	struct load load;
	atomic_init(&load.current, 0);
	atomic_init(&load.max_seen, 0);
	atomic_init(&load.released, 0);
	atomic_init(&load.bad_end, 0);
	struct load_task *tasks = c1_calloc(N, sizeof(*tasks));
	C1_CHECK(tasks != NULL);
	for (int i = 0; i < N; i++) {
		tasks[i].load = &load;
		tasks[i].steps = 1 + i % 5;
		tasks[i].seed = (unsigned)i;
		c1_task_init(&tasks[i].task, s_load_run, s_load_release, &tasks[i]);
		C1_CHECK_INT(c1_scheduler_submit(s, &tasks[i].task), ==, 0);
	}
	struct c1_scheduler_stats st;
	c1_scheduler_stats(s, &st);
	C1_CHECK_INT(st.in_flight, <=, J);
	C1_CHECK_INT(c1_scheduler_wait_timeout(s, 30000), ==, 0);
	C1_CHECK_INT(atomic_load(&load.max_seen), <=, J);
	/* The bound is a bound, not a throttle to one: it was reached. */
	C1_CHECK_INT(atomic_load(&load.max_seen), ==, J);
	C1_CHECK_INT(atomic_load(&load.released), ==, N);
	C1_CHECK_INT(atomic_load(&load.bad_end), ==, 0);
	c1_scheduler_stats(s, &st);
	C1_CHECK_INT(st.admitted, ==, N);
	C1_CHECK_INT(st.done, ==, N);
	C1_CHECK_INT(st.in_flight, ==, 0);
	c1_scheduler_free(s);
	free(tasks);
}

/* -j 1 and the one admitted account blocks on its tenant step: the tenant
 * task must run although the admission slot is taken. */
struct signaller {
	struct c1_task task;
	struct c1_sched_event *ev;
	int runs;
};

static int s_signaller_run(struct c1_task *t, struct c1_task_ctx *ctx)
{
	struct signaller *sg = t->data;
	if (sg->runs++ == 0)
		return c1_task_wait_for(ctx, 5);
	c1_sched_event_signal(sg->ev);
	return C1_TASK_DONE;
}

C1_TEST(unbounded_task_is_not_starved_by_admission)
{
	struct c1_scheduler *s = s_threaded(2, 1);
	struct c1_sched_event *ev = NULL;
	C1_CHECK_INT(c1_sched_event_new(&ev, s), ==, 0);
	struct script acct[4];
	for (int i = 0; i < 4; i++) {
		s_script_init(&acct[i], 'x', "BD", NULL, NULL);
		acct[i].ev = ev;
		C1_CHECK_INT(c1_scheduler_submit(s, &acct[i].task), ==, 0);
	}
	struct c1_scheduler_stats st;
	WAIT_FOR_STATS(s, st, st.parked == 1);
	C1_CHECK_INT(st.queued, ==, 3);
	struct signaller sg = {.ev = ev};
	c1_task_init(&sg.task, s_signaller_run, NULL, &sg);
	C1_CHECK_INT(c1_scheduler_submit_unbounded(s, &sg.task), ==, 0);
	C1_CHECK_INT(c1_scheduler_wait_timeout(s, 5000), ==, 0);
	for (int i = 0; i < 4; i++)
		C1_CHECK_INT(acct[i].end, ==, C1_TASK_END_DONE);
	C1_CHECK_INT(sg.runs, ==, 2);
	c1_sched_event_free(ev);
	c1_scheduler_free(s);
}

/* ---- cancellation --------------------------------------------------------- */

struct polite {
	struct c1_task task;
	atomic_int *not_started;
	int runs;
	bool saw_cancel;
	int64_t cancel_seen_real_ms;
	int64_t done_real_ms;
	int64_t settle_ms; /* after cancel, one more WAIT (a stack settling) */
	struct c1_sched_event *ev;
	enum c1_task_end end;
	int released;
};

static int s_polite_run(struct c1_task *t, struct c1_task_ctx *ctx)
{
	struct polite *p = t->data;
	p->runs++;
	if (ctx->cancelled) {
		if (!p->saw_cancel) {
			p->saw_cancel = true;
			p->cancel_seen_real_ms = s_real_ms();
			if (p->settle_ms)
				return c1_task_wait_for(ctx, p->settle_ms);
		}
		p->done_real_ms = s_real_ms();
		return C1_TASK_DONE;
	}
	if (p->ev)
		return c1_task_block_on(ctx, p->ev);
	return c1_task_wait_for(ctx, 10000);
}

static void s_polite_release(struct c1_task *t, enum c1_task_end end)
{
	struct polite *p = t->data;
	p->end = end;
	p->released++;
	if (end == C1_TASK_END_NOT_STARTED)
		atomic_fetch_add(p->not_started, 1);
}

C1_TEST(cancel_hands_back_queued_and_wakes_parked)
{
	struct c1_scheduler *s = s_threaded(2, 2);
	struct c1_sched_event *never = NULL;
	C1_CHECK_INT(c1_sched_event_new(&never, s), ==, 0);
	atomic_int not_started;
	atomic_init(&not_started, 0);
	enum { N = 10 };
	struct polite p[N], tenant;
	for (int i = 0; i < N; i++) {
		memset(&p[i], 0, sizeof(p[i]));
		p[i].not_started = &not_started;
		c1_task_init(&p[i].task, s_polite_run, s_polite_release, &p[i]);
	}
	p[1].settle_ms = 30;
	memset(&tenant, 0, sizeof(tenant));
	tenant.not_started = &not_started;
	tenant.ev = never;
	c1_task_init(&tenant.task, s_polite_run, s_polite_release, &tenant);
	for (int i = 0; i < N; i++)
		C1_CHECK_INT(c1_scheduler_submit(s, &p[i].task), ==, 0);
	C1_CHECK_INT(c1_scheduler_submit_unbounded(s, &tenant.task), ==, 0);

	struct c1_scheduler_stats st;
	WAIT_FOR_STATS(s, st, st.parked == 3);
	C1_CHECK_INT(st.queued, ==, N - 2);
	C1_CHECK(!c1_scheduler_cancelled(s));
	int64_t t0 = s_real_ms();
	c1_scheduler_cancel(s);
	C1_CHECK(c1_scheduler_cancelled(s));
	/* Handed back before cancel returned, never run. */
	C1_CHECK_INT(atomic_load(&not_started), ==, N - 2);
	for (int i = 2; i < N; i++) {
		C1_CHECK_INT(p[i].end, ==, C1_TASK_END_NOT_STARTED);
		C1_CHECK_INT(p[i].runs, ==, 0);
	}
	/* Late submissions are refused the same way. */
	struct polite late;
	memset(&late, 0, sizeof(late));
	late.not_started = &not_started;
	c1_task_init(&late.task, s_polite_run, s_polite_release, &late);
	C1_CHECK_INT(c1_scheduler_submit(s, &late.task), ==, C1_ECANCELLED);
	C1_CHECK_INT(late.released, ==, 1);
	C1_CHECK_INT(late.end, ==, C1_TASK_END_NOT_STARTED);

	C1_CHECK_INT(c1_scheduler_wait_timeout(s, 5000), ==, 0);
	C1_CHECK_INT(s_real_ms() - t0, <, 2000); /* not the 10 s wait */
	/* The parked ones were woken, saw the flag and stopped at a safe point. */
	struct polite *woken[3] = {&p[0], &p[1], &tenant};
	for (int i = 0; i < 3; i++) {
		C1_CHECK(woken[i]->saw_cancel);
		C1_CHECK_INT(woken[i]->end, ==, C1_TASK_END_DONE);
		C1_CHECK_INT(woken[i]->released, ==, 1);
	}
	/* A WAIT after cancel is honoured: the settling task waited it out. */
	C1_CHECK_INT(p[1].done_real_ms - p[1].cancel_seen_real_ms, >=, 29);
	c1_scheduler_stats(s, &st);
	C1_CHECK_INT(st.not_started, ==, N - 2 + 1);
	C1_CHECK_INT(st.done, ==, 3);
	c1_sched_event_free(never);
	c1_scheduler_free(s);
}

C1_TEST(stop_admission_lets_in_flight_finish)
{
	struct c1_scheduler *s = s_threaded(2, 2);
	enum { N = 10 };
	struct script t[N];
	for (int i = 0; i < N; i++) {
		s_script_init(&t[i], 'x', "WD", NULL, NULL);
		t[i].wait_ms = 60;
		C1_CHECK_INT(c1_scheduler_submit(s, &t[i].task), ==, 0);
	}
	struct c1_scheduler_stats st;
	WAIT_FOR_STATS(s, st, st.parked == 2);
	c1_scheduler_stop_admission(s);
	C1_CHECK(!c1_scheduler_cancelled(s));
	for (int i = 2; i < N; i++) {
		C1_CHECK_INT(t[i].released, ==, 1);
		C1_CHECK_INT(t[i].end, ==, C1_TASK_END_NOT_STARTED);
		C1_CHECK_INT(t[i].pos, ==, 0);
	}
	struct script late, tenant;
	s_script_init(&late, 'l', "D", NULL, NULL);
	s_script_init(&tenant, 't', "AD", NULL, NULL);
	C1_CHECK_INT(c1_scheduler_submit(s, &late.task), ==, C1_ECANCELLED);
	C1_CHECK_INT(late.end, ==, C1_TASK_END_NOT_STARTED);
	C1_CHECK_INT(c1_scheduler_submit_unbounded(s, &tenant.task), ==, 0);
	C1_CHECK_INT(c1_scheduler_wait_timeout(s, 5000), ==, 0);
	C1_CHECK_INT(tenant.end, ==, C1_TASK_END_DONE);
	C1_CHECK_INT(tenant.pos, ==, 2);
	/* In flight undisturbed: they slept their full wait, not woken early. */
	for (int i = 0; i < 2; i++) {
		C1_CHECK_INT(t[i].end, ==, C1_TASK_END_DONE);
		C1_CHECK_INT(t[i].woke_at[1], >=, t[i].asked[0]);
	}
	c1_scheduler_stats(s, &st);
	C1_CHECK_INT(st.done, ==, 3);
	C1_CHECK_INT(st.not_started, ==, N - 2 + 1);
	c1_scheduler_free(s);
}

/* Freeing a scheduler with work left releases every task exactly once. */
C1_TEST(free_releases_leftover_tasks)
{
	struct c1_scheduler *s = s_threaded(2, 2);
	struct script t[5];
	for (int i = 0; i < 5; i++) {
		s_script_init(&t[i], 'x', "WD", NULL, NULL);
		t[i].wait_ms = 60000;
		C1_CHECK_INT(c1_scheduler_submit(s, &t[i].task), ==, 0);
	}
	struct c1_scheduler_stats st;
	WAIT_FOR_STATS(s, st, st.parked == 2);
	c1_scheduler_free(s);
	for (int i = 0; i < 5; i++) {
		C1_CHECK_INT(t[i].released, ==, 1);
		C1_CHECK_INT(t[i].end, ==, i < 2 ? C1_TASK_END_ABANDONED : C1_TASK_END_NOT_STARTED);
	}
}

C1_TEST(misuse_is_refused)
{
	struct c1_scheduler *s = NULL;
	struct c1_scheduler_options o = C1_SCHEDULER_OPTIONS_INIT;
	o.threads = 5000;
	C1_CHECK_INT(c1_scheduler_new(&s, &o), ==, C1_EINVALID);
	C1_CHECK(s == NULL);
	C1_CHECK_CONTAINS(c1_error_last(), "at most");

	struct c1_fake_clock fake;
	s = s_manual(&fake, 0);
	struct c1_task bare;
	memset(&bare, 0, sizeof(bare));
	C1_CHECK_INT(c1_scheduler_submit(s, &bare), ==, C1_EINVALID);
	struct script a;
	s_script_init(&a, 'a', "D", NULL, NULL);
	C1_CHECK_INT(c1_scheduler_submit(s, &a.task), ==, 0);
	C1_CHECK_INT(c1_scheduler_submit(s, &a.task), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), "submitted twice");
	C1_CHECK_INT(c1_scheduler_run_until_idle(s), ==, 0);
	/* Released tasks may be submitted again. */
	a.pos = 0;
	C1_CHECK_INT(c1_scheduler_submit(s, &a.task), ==, 0);
	C1_CHECK_INT(c1_scheduler_wait(s), ==, 0);
	C1_CHECK_INT(a.released, ==, 2);
	c1_scheduler_free(s);

	s = s_threaded(1, 0);
	C1_CHECK_INT(c1_scheduler_run_until_idle(s), ==, C1_EINVALID);
	c1_scheduler_free(s);
	c1_scheduler_free(NULL);
}

/* ---- stress: no lost wakeups ---------------------------------------------- */

enum { STRESS_TASKS = 10000, STRESS_EVENTS = 64 };

struct stress {
	struct c1_sched_event *ev[STRESS_EVENTS];
	atomic_int released;
	atomic_int bad;
};

struct stress_task {
	struct c1_task task;
	struct stress *st;
	atomic_int inside; /* 1 while a thread is in run: must never be seen set */
	int steps_left;
	int runs;
	unsigned seed;
	int signal_ev; /* >= 0: a tenant-like task that signals this event */
};

static int s_stress_run(struct c1_task *t, struct c1_task_ctx *ctx)
{
	struct stress_task *x = t->data;
	int result;
	if (atomic_exchange(&x->inside, 1) != 0)
		atomic_fetch_add(&x->st->bad, 1);
	if ((uint32_t)x->runs != ctx->runs)
		atomic_fetch_add(&x->st->bad, 1);
	x->runs++;
	x->seed = x->seed * 1664525u + 1013904223u;
	unsigned r = x->seed >> 8;
	if (x->steps_left-- <= 0) {
		if (x->signal_ev >= 0)
			c1_sched_event_signal(x->st->ev[x->signal_ev]);
		result = C1_TASK_DONE;
	} else if (x->signal_ev >= 0) {
		result = c1_task_wait_for(ctx, r % 20);
	} else {
		switch (r % 3) {
		case 0: result = C1_TASK_AGAIN; break;
		case 1: result = c1_task_wait_for(ctx, (r >> 4) % 3); break;
		default: result = c1_task_block_on(ctx, x->st->ev[(r >> 4) % STRESS_EVENTS]); break;
		}
	}
	atomic_store(&x->inside, 0);
	return result;
}

static void s_stress_release(struct c1_task *t, enum c1_task_end end)
{
	struct stress_task *x = t->data;
	if (end != C1_TASK_END_DONE)
		atomic_fetch_add(&x->st->bad, 1);
	atomic_fetch_add(&x->st->released, 1);
}

C1_TEST(stress_no_lost_wakeups)
{
	struct c1_scheduler *s = s_threaded(8, 256);
	struct stress st;
	atomic_init(&st.released, 0);
	atomic_init(&st.bad, 0);
	for (int i = 0; i < STRESS_EVENTS; i++)
		C1_CHECK_INT(c1_sched_event_new(&st.ev[i], s), ==, 0);
	struct stress_task *x = c1_calloc(STRESS_TASKS + STRESS_EVENTS, sizeof(*x));
	C1_CHECK(x != NULL);
	for (int i = 0; i < STRESS_TASKS + STRESS_EVENTS; i++) {
		x[i].st = &st;
		x[i].seed = (unsigned)i * 2654435761u;
		x[i].steps_left = 1 + i % 6;
		x[i].signal_ev = i >= STRESS_TASKS ? i - STRESS_TASKS : -1;
		atomic_init(&x[i].inside, 0);
		c1_task_init(&x[i].task, s_stress_run, s_stress_release, &x[i]);
	}
	/* Accounts first (most queue for admission), then the signallers as
	 * unbounded tasks, submitted while the pool is already busy. */
	for (int i = 0; i < STRESS_TASKS; i++)
		C1_CHECK_INT(c1_scheduler_submit(s, &x[i].task), ==, 0);
	for (int i = STRESS_TASKS; i < STRESS_TASKS + STRESS_EVENTS; i++)
		C1_CHECK_INT(c1_scheduler_submit_unbounded(s, &x[i].task), ==, 0);
	/* A lost wakeup shows up as a timeout here, not as a hung test. */
	C1_CHECK_INT(c1_scheduler_wait_timeout(s, 60000), ==, 0);
	C1_CHECK_INT(atomic_load(&st.bad), ==, 0);
	C1_CHECK_INT(atomic_load(&st.released), ==, STRESS_TASKS + STRESS_EVENTS);
	for (int i = 0; i < STRESS_TASKS + STRESS_EVENTS; i++)
		C1_CHECK_INT(x[i].runs, ==, 2 + i % 6);
	struct c1_scheduler_stats stats;
	c1_scheduler_stats(s, &stats);
	C1_CHECK_INT(stats.done, ==, STRESS_TASKS + STRESS_EVENTS);
	C1_CHECK_INT(stats.running + stats.parked + stats.ready + stats.queued + stats.in_flight, ==, 0);
	for (int i = 0; i < STRESS_EVENTS; i++)
		c1_sched_event_free(st.ev[i]);
	c1_scheduler_free(s);
	free(x);
}

/* ---- idle workers cost nothing -------------------------------------------- */

struct sleeper {
	struct c1_task task;
	int left;
};

static int s_sleeper_run(struct c1_task *t, struct c1_task_ctx *ctx)
{
	struct sleeper *sl = t->data;
	if (sl->left-- <= 0)
		return C1_TASK_DONE;
	return c1_task_wait_for(ctx, 50);
}

static int64_t s_cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 500 tasks each waiting 50 ms ten times on 4 threads: the workers sleep on
 * a condition variable between timers, so the process uses a small fraction
 * of one CPU; a polling or spinning pool would burn the whole wall time. */
C1_TEST(waiting_tasks_cost_little_cpu)
{
	enum { N = 500 };
	struct c1_scheduler *s = s_threaded(4, 0);
	struct sleeper *sl = c1_calloc(N, sizeof(*sl));
	C1_CHECK(sl != NULL);
	int64_t wall0 = s_real_ms(), cpu0 = s_cpu_ms();
	for (int i = 0; i < N; i++) {
		sl[i].left = 10;
		c1_task_init(&sl[i].task, s_sleeper_run, NULL, &sl[i]);
		C1_CHECK_INT(c1_scheduler_submit(s, &sl[i].task), ==, 0);
	}
	C1_CHECK_INT(c1_scheduler_wait_timeout(s, 20000), ==, 0);
	int64_t wall = s_real_ms() - wall0, cpu = s_cpu_ms() - cpu0;
	printf("waiting_tasks_cost_little_cpu: wall %lld ms, cpu %lld ms\n", (long long)wall, (long long)cpu);
	C1_CHECK_INT(wall, >=, 500);
	C1_CHECK_INT(wall, <, 2500); /* the waits overlap: not 500 x 10 x 50 ms */
	C1_CHECK_INT(cpu * 5, <, wall);
	for (int i = 0; i < N; i++)
		C1_CHECK_INT(sl[i].left, ==, -1);
	c1_scheduler_free(s);
	free(sl);
}

/* ---- parking on I/O -------------------------------------------------------
 * A task whose run starts I/O parks until c1_task_io_done, whatever the run
 * returned; an answer that arrives while the run is still returning makes it
 * run again at once; a run that returned DONE is released only after its I/O
 * ended; cancel does not wake a task whose request is out. */

struct io_task {
	struct c1_task task;
	struct c1_scheduler *s;
	atomic_int runs;
	atomic_int released;
	int mode;         /* 0: park WAIT far; 1: answer before returning; 2: DONE with I/O out */
	int64_t done_at;  /* real ms when the "I/O thread" answered */
	int64_t rerun_at; /* real ms of the run after the answer */
	pthread_t io;
	bool io_started;
};

static void *s_io_thread(void *arg)
{
	struct io_task *it = arg;
	s_sleep_ms(80);
	it->done_at = s_real_ms();
	c1_task_io_done(it->s, &it->task);
	return NULL;
}

static int s_io_run(struct c1_task *t, struct c1_task_ctx *ctx)
{
	struct io_task *it = t->data;
	int n = atomic_fetch_add(&it->runs, 1);
	if (n > 0) {
		it->rerun_at = s_real_ms();
		return C1_TASK_DONE;
	}
	c1_task_io_begin(ctx);
	if (it->mode == 1) {
		c1_task_io_done(it->s, t); /* the answer beats the return */
		return c1_task_wait_for(ctx, 3600 * 1000);
	}
	it->io_started = pthread_create(&it->io, NULL, s_io_thread, it) == 0;
	if (it->mode == 2)
		return C1_TASK_DONE;
	/* The step asks for an hour: the I/O must decide, not this. */
	return c1_task_wait_for(ctx, 3600 * 1000);
}

static void s_io_release(struct c1_task *t, enum c1_task_end end)
{
	struct io_task *it = t->data;
	(void)end;
	atomic_fetch_add(&it->released, 1);
}

C1_TEST(io_parks_until_the_answer_whatever_the_run_returned)
{
	for (int mode = 0; mode < 3; mode++) {
		struct c1_scheduler_options o = C1_SCHEDULER_OPTIONS_INIT;
		o.threads = 2;
		struct c1_scheduler *s = NULL;
		C1_CHECK_INT(c1_scheduler_new(&s, &o), ==, 0);
		struct io_task it;
		memset(&it, 0, sizeof(it));
		it.s = s;
		it.mode = mode;
		c1_task_init(&it.task, s_io_run, s_io_release, &it);
		C1_CHECK_INT(c1_scheduler_submit(s, &it.task), ==, 0);
		if (mode == 0) {
			/* parked on its request: cancel must not run it early */
			struct c1_scheduler_stats st;
			WAIT_FOR_STATS(s, st, st.parked == 1);
			c1_scheduler_cancel(s);
			C1_CHECK_INT(atomic_load(&it.runs), ==, 1);
		}
		C1_CHECK_INT(c1_scheduler_wait(s), ==, 0);
		if (it.io_started)
			pthread_join(it.io, NULL);
		C1_CHECK_INT(atomic_load(&it.released), ==, 1);
		if (mode == 2) {
			C1_CHECK_INT(atomic_load(&it.runs), ==, 1); /* released, not run again */
		} else {
			C1_CHECK_INT(atomic_load(&it.runs), ==, 2);
			if (mode == 0)
				C1_CHECK(it.rerun_at >= it.done_at);
		}
		c1_scheduler_free(s);
	}
}
