/* Progress line: completion rate and ETA from the accounts finished so far. */
#include "batch/progress.h"

#include "engine/core/log.h"

#include <stdio.h>
#include <string.h>

void c1_progress_init(struct c1_progress *p, bool enabled, size_t total, int64_t now_ms)
{
	*p = (struct c1_progress){0};
	p->enabled = enabled;
	p->total = total;
	p->started_ms = now_ms;
}

void c1_progress_observe(struct c1_progress *p, size_t done, int64_t now_ms)
{
	if (done <= p->last_done)
		return;
	if (p->first_done == 0) {
		p->first_done = done;
		p->first_done_ms = now_ms;
	}
	p->last_done = done;
	p->last_done_ms = now_ms;
}

double c1_progress_rate(const struct c1_progress *p)
{
	if (p->last_done == 0)
		return 0;
	/* Completions seen at two moments: the rate between them. */
	if (p->last_done_ms > p->first_done_ms && p->last_done > p->first_done)
		return (double)(p->last_done - p->first_done) * 1000.0 /
		       (double)(p->last_done_ms - p->first_done_ms);
	/* One moment so far: what finished then took the time since the start. */
	int64_t span = p->last_done_ms - p->started_ms;
	return (double)p->last_done * 1000.0 / (double)(span > 0 ? span : 1);
}

long c1_progress_eta_s(const struct c1_progress *p, int64_t now_ms)
{
	double rate = c1_progress_rate(p);
	if (rate <= 0)
		return -1;
	size_t left = p->total > p->last_done ? p->total - p->last_done : 0;
	double secs = (double)left / rate - (double)(now_ms - p->last_done_ms) / 1000.0;
	return secs > 0 ? (long)(secs + 0.5) : 0;
}

void c1_progress_format(char *out, size_t n, size_t total, size_t done, size_t failed, size_t in_flight,
			double rate, long eta_s)
{
	char eta[32] = "ETA -";
	if (eta_s >= 0)
		snprintf(eta, sizeof(eta), "ETA %ldm%02lds", eta_s / 60, eta_s % 60);
	snprintf(out, n, "%zu/%zu done, %zu failed, %zu in flight, %.1f/s, %s", done, total, failed,
		 in_flight, rate, eta);
}

void c1_progress_update(struct c1_progress *p, size_t done, size_t failed, size_t in_flight, int64_t now_ms)
{
	char line[160];
	c1_progress_observe(p, done, now_ms);
	if (!p->enabled)
		return;
	c1_progress_format(line, sizeof(line), p->total, done, failed, in_flight, c1_progress_rate(p),
			   c1_progress_eta_s(p, now_ms));
	if (p->drawn && strcmp(line, p->line) == 0)
		return; /* the same text again would only make the terminal flicker */
	snprintf(p->line, sizeof(p->line), "%s", line);
	c1_log_status(line);
	p->drawn = true;
}

void c1_progress_finish(struct c1_progress *p)
{
	if (p->enabled && p->drawn)
		c1_log_status(NULL);
	p->drawn = false;
}
