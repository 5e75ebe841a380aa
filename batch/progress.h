/* The progress display of a run on stderr: one redrawn line on a terminal
 * (done / failed / in flight, rate, ETA), a plain log line every few seconds
 * otherwise, nothing with --no-progress. */
#ifndef C1_BATCH_PROGRESS_H
#define C1_BATCH_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct c1_progress {
	FILE *out;
	bool enabled;
	bool tty;
	size_t total;
	int64_t started_ms;
	int64_t last_plain_ms;
	bool drawn;
};

/** Set up for `total` accounts; `enabled` false draws nothing. */
void c1_progress_init(struct c1_progress *p, FILE *out, bool enabled, size_t total, int64_t now_ms);
/** Redraw with the current counts. */
void c1_progress_update(struct c1_progress *p, size_t done, size_t failed, size_t in_flight, int64_t now_ms);
/** Format the line (for tests): "12/200 done, 1 failed, 8 in flight, 3.1/s, ETA 1m02s". */
void c1_progress_format(char *out, size_t n, size_t total, size_t done, size_t failed, size_t in_flight,
			int64_t elapsed_ms);
/** Clear the terminal line. */
void c1_progress_finish(struct c1_progress *p);

#endif
