#include "engine/core/log.h"

#include "engine/core/buf.h"
#include "engine/core/utf8.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static enum c1_log_level s_level = C1_LOG_INFO;
static enum c1_log_format s_format = C1_LOG_TEXT;
static FILE *s_sink;
static bool s_tty;   /* the sink is a terminal and lines are text */
static bool s_color; /* s_tty and NO_COLOR unset or empty */
static char s_run_id[64];
static char s_status[256]; /* the status line shown at the bottom of the terminal, "" when none */
static _Thread_local const struct c1_log_scope *tl_scope;

static const char *const s_names[] = {"debug", "info", "warn", "error"};
/* Only warnings and errors are coloured: they are what a person scans for. */
static const char *const s_colors[] = {"", "", "\033[33m", "\033[31m"};
#define S_RESET "\033[0m"
/* Back to column 0 and erase the line: what a status line is cleared with. */
#define S_CLEAR "\r\033[K"

bool c1_log_color_ok(FILE *stream)
{
	const char *no = getenv("NO_COLOR"); /* https://no-color.org: set and not empty */
	return stream && isatty(fileno(stream)) && !(no && *no);
}

void c1_log_configure(enum c1_log_level min_level, enum c1_log_format format, FILE *sink)
{
	pthread_mutex_lock(&s_lock);
	s_level = min_level;
	s_format = format;
	s_sink = sink;
	FILE *out = sink ? sink : stderr;
	s_tty = format == C1_LOG_TEXT && isatty(fileno(out));
	s_color = s_tty && c1_log_color_ok(out);
	s_status[0] = '\0';
	pthread_mutex_unlock(&s_lock);
}

enum c1_log_level c1_log_level(void)
{
	return s_level;
}

enum c1_log_format c1_log_format(void)
{
	return s_format;
}

bool c1_log_on_terminal(void)
{
	pthread_mutex_lock(&s_lock);
	bool tty = s_tty;
	pthread_mutex_unlock(&s_lock);
	return tty;
}

void c1_log_set_run_id(const char *run_id)
{
	pthread_mutex_lock(&s_lock);
	snprintf(s_run_id, sizeof(s_run_id), "%s", run_id ? run_id : "");
	pthread_mutex_unlock(&s_lock);
}

const struct c1_log_scope *c1_log_scope_enter(const struct c1_log_scope *scope)
{
	const struct c1_log_scope *prev = tl_scope;
	tl_scope = scope;
	return prev;
}

void c1_log_scope_leave(const struct c1_log_scope *previous)
{
	tl_scope = previous;
}

void c1_log_fields_fill(struct c1_log_fields *f)
{
	const struct c1_log_scope *s = tl_scope;
	if (!s)
		return;
	if (!f->account_id && s->account_id && *s->account_id)
		f->account_id = s->account_id;
	if (!f->region && s->region && *s->region)
		f->region = s->region;
	if (!f->step && s->step_name)
		f->step = s->step_name(s->who);
}

/* Text from services may hold any bytes: a byte that is not well-formed
 * UTF-8 becomes U+FFFD, so every line stays valid JSON. */
static void s_json_str(struct c1_buf *out, const char *s)
{
	if (!s) {
		c1_buf_puts(out, "null");
		return;
	}
	c1_buf_putc(out, '"');
	while (*s) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			c1_buf_printf(out, "\\%c", c);
			s++;
		} else if (c < 0x20 || c == 0x7f) {
			c1_buf_printf(out, "\\u%04x", c);
			s++;
		} else if (c < 0x80) {
			c1_buf_putc(out, (char)c);
			s++;
		} else {
			size_t n = c1_utf8_seq_len((const unsigned char *)s, SIZE_MAX);
			if (n == 0) {
				c1_buf_puts(out, "\\ufffd");
				s++;
			} else {
				c1_buf_put(out, s, n);
				s += n;
			}
		}
	}
	c1_buf_putc(out, '"');
}

static void s_json_key_str(struct c1_buf *out, const char *key, const char *value)
{
	c1_buf_printf(out, ",\"%s\":", key);
	s_json_str(out, value && *value ? value : NULL);
}

static void s_json_key_long(struct c1_buf *out, const char *key, long value)
{
	if (value > 0)
		c1_buf_printf(out, ",\"%s\":%ld", key, value);
	else
		c1_buf_printf(out, ",\"%s\":null", key);
}

static void s_format_json(struct c1_buf *line, const char *when, long msec, enum c1_log_level level,
			  const char *component, const struct c1_log_fields *f, const char *msg)
{
	c1_buf_printf(line, "{\"time\":\"%s.%03ldZ\",\"level\":\"%s\"", when, msec, s_names[level]);
	s_json_key_str(line, "component", component);
	s_json_key_str(line, "run_id", s_run_id);
	s_json_key_str(line, "account_id", f->account_id);
	s_json_key_str(line, "region", f->region);
	s_json_key_str(line, "step", f->step);
	s_json_key_str(line, "event", f->event);
	s_json_key_str(line, "status", f->status);
	s_json_key_long(line, "attempt", f->attempt);
	s_json_key_long(line, "http_status", f->http_status);
	s_json_key_str(line, "request_id", f->request_id);
	s_json_key_str(line, "message", msg);
	c1_buf_puts(line, "}\n");
}

/* Control characters would let a message move the cursor or end the line early. */
static void s_text_clean(struct c1_buf *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		c1_buf_putc(out, c < 0x20 || c == 0x7f ? ' ' : (char)c);
	}
}

static void s_vlog(enum c1_log_level level, const char *component, const struct c1_log_fields *given,
		   const char *fmt, va_list ap)
{
	if (level < s_level || level >= C1_LOG_OFF)
		return;
	struct c1_buf line = C1_BUF_INIT;
	char msg[2048];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	struct c1_log_fields f = given ? *given : C1_LOG_FIELDS_INIT;
	c1_log_fields_fill(&f);

	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char when[40];
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);

	pthread_mutex_lock(&s_lock);
	FILE *sink = s_sink ? s_sink : stderr;
	if (s_format == C1_LOG_JSON) {
		s_format_json(&line, when, ts.tv_nsec / 1000000L, level, component, &f, msg);
	} else {
		/* On a terminal every line starts on a cleared line: the status line
		 * (or a partial line from elsewhere) never carries log text. */
		if (s_tty)
			c1_buf_puts(&line, S_CLEAR);
		if (s_color && s_colors[level][0])
			c1_buf_printf(&line, "%sZ %s%-5s" S_RESET " %s: ", when, s_colors[level],
				      s_names[level], component ? component : "-");
		else
			c1_buf_printf(&line, "%sZ %-5s %s: ", when, s_names[level],
				      component ? component : "-");
		s_text_clean(&line, msg);
		c1_buf_putc(&line, '\n');
		if (s_tty && s_status[0])
			c1_buf_puts(&line, s_status);
	}
	fputs(c1_buf_cstr(&line), sink);
	fflush(sink);
	pthread_mutex_unlock(&s_lock);
	c1_buf_dispose(&line);
}

void c1_log(enum c1_log_level level, const char *component, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	s_vlog(level, component, NULL, fmt, ap);
	va_end(ap);
}

void c1_log_ev(enum c1_log_level level, const char *component, const struct c1_log_fields *f, const char *fmt,
	       ...)
{
	va_list ap;
	va_start(ap, fmt);
	s_vlog(level, component, f, fmt, ap);
	va_end(ap);
}

void c1_log_cli_error(const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&s_lock);
	enum c1_log_format format = s_format;
	pthread_mutex_unlock(&s_lock);
	if (format == C1_LOG_JSON) {
		c1_log_ev(C1_LOG_ERROR, "c1onboard", NULL, "%s", msg);
		return;
	}
	struct c1_buf line = C1_BUF_INIT;
	pthread_mutex_lock(&s_lock);
	if (s_tty)
		c1_buf_puts(&line, S_CLEAR);
	c1_buf_puts(&line, "c1onboard: ");
	s_text_clean(&line, msg);
	c1_buf_putc(&line, '\n');
	if (s_tty && s_status[0])
		c1_buf_puts(&line, s_status);
	FILE *sink = s_sink ? s_sink : stderr;
	fputs(c1_buf_cstr(&line), sink);
	fflush(sink);
	pthread_mutex_unlock(&s_lock);
	c1_buf_dispose(&line);
}

void c1_log_status(const char *line)
{
	pthread_mutex_lock(&s_lock);
	if (s_tty) {
		FILE *sink = s_sink ? s_sink : stderr;
		bool was = s_status[0] != '\0';
		snprintf(s_status, sizeof(s_status), "%s", line ? line : "");
		if (was || s_status[0]) {
			fputs(S_CLEAR, sink);
			fputs(s_status, sink);
			fflush(sink);
		}
	}
	pthread_mutex_unlock(&s_lock);
}
