/* Process-wide logger: text or JSON lines on stderr, thread-safe. Secrets
 * cannot reach it: struct c1_secret has no formatter, and callers log ids.
 *
 * JSON lines carry the same keys on every line (null when not applicable),
 * so a reader can rely on them; the README's table lists them. On a terminal
 * in text format the logger also owns one status line (the progress) at the
 * bottom: each log line clears it first and redraws it after, so log text
 * never lands on it. */
#ifndef C1_CORE_LOG_H
#define C1_CORE_LOG_H

#include <stdbool.h>
#include <stdio.h>

enum c1_log_level { C1_LOG_DEBUG = 0, C1_LOG_INFO = 1, C1_LOG_WARN = 2, C1_LOG_ERROR = 3, C1_LOG_OFF = 4 };
enum c1_log_format { C1_LOG_TEXT = 0, C1_LOG_JSON = 1 };

/** The structured part of a log line; NULL / 0 members mean "not applicable"
 * (or, for account_id, region and step: taken from the thread's scope). */
struct c1_log_fields {
	const char *account_id; /* AWS account id */
	const char *region;     /* AWS region */
	const char *step;       /* onboarding step name (SPEC 4) */
	const char *event;      /* stable event name: account_finished, step_failed, retry_wait */
	const char *status;     /* the account's status, with account_finished */
	int attempt;            /* tries sent so far, with retry_wait */
	long http_status;       /* of the last answer; 0 when none arrived */
	const char *request_id; /* the service's request id of the last answer */
};
#define C1_LOG_FIELDS_INIT ((struct c1_log_fields){NULL, NULL, NULL, NULL, NULL, 0, 0, NULL})

/** What a worker thread is busy with: lines logged meanwhile carry its
 * account, region and current step. `step_name(who)` is asked at log time
 * (the step moves on while the scope stays) and may return NULL. */
struct c1_log_scope {
	const char *account_id;
	const char *region;
	const char *(*step_name)(const void *who);
	const void *who;
};

/**
 * Log to `sink` (stderr when NULL) from `min_level` up, as text or JSON.
 * Whether the sink is a terminal and whether colour is allowed (a terminal,
 * text format, and NO_COLOR unset or empty) are decided here, once.
 */
void c1_log_configure(enum c1_log_level min_level, enum c1_log_format format, FILE *sink);
enum c1_log_level c1_log_level(void);
enum c1_log_format c1_log_format(void);
/** The sink is a terminal and lines are text: a status line can be kept. */
bool c1_log_on_terminal(void);
/** Colour escapes are allowed on `stream` (a terminal, NO_COLOR unset or empty). */
bool c1_log_color_ok(FILE *stream);
/** The run id every later line carries (copied; NULL forgets it). */
void c1_log_set_run_id(const char *run_id);

/** Make `scope` the calling thread's until c1_log_scope_leave(returned value).
 * The scope is borrowed: it must outlive the leave. */
const struct c1_log_scope *c1_log_scope_enter(const struct c1_log_scope *scope);
void c1_log_scope_leave(const struct c1_log_scope *previous);
/** Fill account_id, region and step of `f` that are NULL from the thread's scope. */
void c1_log_fields_fill(struct c1_log_fields *f);

void c1_log(enum c1_log_level level, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** c1_log with structured fields (`f` may be NULL). The message stays the
 * readable text line; in JSON the fields become keys of their own. */
void c1_log_ev(enum c1_log_level level, const char *component, const struct c1_log_fields *f, const char *fmt,
	       ...) __attribute__((format(printf, 4, 5)));

/** A message that ends or breaks the run, whatever the level: "c1onboard: MESSAGE"
 * in text (as the tool has always said it), an error line in JSON. */
void c1_log_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/**
 * Show `line` as the status line at the bottom of a terminal (NULL or ""
 * clears it). Does nothing unless c1_log_on_terminal(). Thread-safe.
 */
void c1_log_status(const char *line);

#define C1_DEBUG(comp, ...)     c1_log(C1_LOG_DEBUG, comp, __VA_ARGS__)
#define C1_INFO(comp, ...)      c1_log(C1_LOG_INFO, comp, __VA_ARGS__)
#define C1_WARN(comp, ...)      c1_log(C1_LOG_WARN, comp, __VA_ARGS__)
#define C1_ERROR_LOG(comp, ...) c1_log(C1_LOG_ERROR, comp, __VA_ARGS__)

#endif
