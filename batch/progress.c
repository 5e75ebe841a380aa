/* Progress line: rate and ETA from the accounts finished so far. */
#include "batch/progress.h"

#include <unistd.h>

void c1_progress_init(struct c1_progress *p, FILE *out, bool enabled, size_t total, int64_t now_ms)
{
	p->out = out;
	p->enabled = enabled;
	p->tty = out && isatty(fileno(out));
	p->total = total;
	p->started_ms = now_ms;
	p->last_plain_ms = now_ms;
	p->drawn = false;
}

void c1_progress_format(char *out, size_t n, size_t total, size_t done, size_t failed, size_t in_flight,
			int64_t elapsed_ms)
{
	double rate = elapsed_ms > 0 ? (double)done * 1000.0 / (double)elapsed_ms : 0;
	char eta[32] = "ETA -";
	if (rate > 0 && total >= done) {
		long secs = (long)((double)(total - done) / rate);
		snprintf(eta, sizeof(eta), "ETA %ldm%02lds", secs / 60, secs % 60);
	}
	snprintf(out, n, "%zu/%zu done, %zu failed, %zu in flight, %.1f/s, %s", done, total, failed,
		 in_flight, rate, eta);
}

void c1_progress_update(struct c1_progress *p, size_t done, size_t failed, size_t in_flight, int64_t now_ms)
{
	char line[160];
	if (!p->enabled || !p->out)
		return;
	c1_progress_format(line, sizeof(line), p->total, done, failed, in_flight, now_ms - p->started_ms);
	if (p->tty) {
		fprintf(p->out, "\r\033[K%s", line);
		fflush(p->out);
		p->drawn = true;
	} else if (now_ms - p->last_plain_ms >= 5000) {
		fprintf(p->out, "progress: %s\n", line);
		p->last_plain_ms = now_ms;
	}
}

void c1_progress_finish(struct c1_progress *p)
{
	if (p->enabled && p->tty && p->drawn) {
		fprintf(p->out, "\r\033[K");
		fflush(p->out);
	}
}
