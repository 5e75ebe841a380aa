/* The progress display of a run: one line at the bottom of a terminal (done /
 * failed / in flight, completion rate, ETA), kept by the logger so log lines
 * never land on it. Nothing off a terminal, in JSON logs, with -q or with
 * --no-progress: there the account events are the log's own lines. */
#ifndef C1_BATCH_PROGRESS_H
#define C1_BATCH_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct c1_progress {
	bool enabled;
	size_t total;
	int64_t started_ms;
	/* The completion rate runs from the first moment accounts were seen done
	 * to the latest: the wait before the first account finishes (every
	 * account takes its time, however many run at once) and the wait since
	 * the latest one are not completions and would bend the rate. */
	size_t first_done;
	int64_t first_done_ms;
	size_t last_done;
	int64_t last_done_ms;
	bool drawn;
	char line[160]; /* as last drawn */
};

/** Set up for `total` accounts; `enabled` false draws nothing (counts are still kept). */
void c1_progress_init(struct c1_progress *p, bool enabled, size_t total, int64_t now_ms);
/** Record that `done` accounts have finished by `now_ms` (done never decreases). */
void c1_progress_observe(struct c1_progress *p, size_t done, int64_t now_ms);
/** Accounts finished per second, from the completions observed; 0 while none has finished. */
double c1_progress_rate(const struct c1_progress *p);
/** Seconds left at `now_ms`, at the completion rate, counting down from the latest
 * completion (never below 0); -1 while unknown (nothing finished yet). */
long c1_progress_eta_s(const struct c1_progress *p, int64_t now_ms);
/** Observe and redraw with the current counts. */
void c1_progress_update(struct c1_progress *p, size_t done, size_t failed, size_t in_flight, int64_t now_ms);
/** Format the line (for tests): "12/200 done, 1 failed, 8 in flight, 3.1/s, ETA 1m02s";
 * `eta_s` -1 reads "ETA -". */
void c1_progress_format(char *out, size_t n, size_t total, size_t done, size_t failed, size_t in_flight,
			double rate, long eta_s);
/** Take the line off the terminal. */
void c1_progress_finish(struct c1_progress *p);

#endif
