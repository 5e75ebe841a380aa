#include "engine/core/log.h"

#include "engine/core/buf.h"

#include <pthread.h>
#include <stdarg.h>
#include <time.h>

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static enum c1_log_level s_level = C1_LOG_INFO;
static enum c1_log_format s_format = C1_LOG_TEXT;
static FILE *s_sink;

static const char *const s_names[] = {"debug", "info", "warn", "error"};

void c1_log_configure(enum c1_log_level min_level, enum c1_log_format format, FILE *sink)
{
	pthread_mutex_lock(&s_lock);
	s_level = min_level;
	s_format = format;
	s_sink = sink;
	pthread_mutex_unlock(&s_lock);
}

enum c1_log_level c1_log_level(void)
{
	return s_level;
}

static void s_json_escape(struct c1_buf *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			c1_buf_printf(out, "\\%c", c);
		else if (c < 0x20)
			c1_buf_printf(out, "\\u%04x", c);
		else
			c1_buf_putc(out, (char)c);
	}
}

void c1_log(enum c1_log_level level, const char *component, const char *fmt, ...)
{
	if (level < s_level || level >= C1_LOG_OFF)
		return;
	struct c1_buf msg = C1_BUF_INIT, line = C1_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	char tmp[2048];
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	c1_buf_puts(&msg, tmp);

	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char when[40];
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);

	if (s_format == C1_LOG_JSON) {
		c1_buf_printf(&line, "{\"time\":\"%s.%03ldZ\",\"level\":\"%s\",\"component\":\"", when,
			      ts.tv_nsec / 1000000L, s_names[level]);
		s_json_escape(&line, component ? component : "");
		c1_buf_puts(&line, "\",\"msg\":\"");
		s_json_escape(&line, c1_buf_cstr(&msg));
		c1_buf_puts(&line, "\"}\n");
	} else {
		c1_buf_printf(&line, "%sZ %-5s %s: %s\n", when, s_names[level], component ? component : "-",
			      c1_buf_cstr(&msg));
	}
	pthread_mutex_lock(&s_lock);
	FILE *sink = s_sink ? s_sink : stderr;
	fputs(c1_buf_cstr(&line), sink);
	fflush(sink);
	pthread_mutex_unlock(&s_lock);
	c1_buf_dispose(&msg);
	c1_buf_dispose(&line);
}
