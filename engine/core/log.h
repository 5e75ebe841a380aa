/* Process-wide logger: text or JSON lines on stderr, thread-safe. Secrets
 * cannot reach it: struct c1_secret has no formatter, and callers log ids. */
#ifndef C1_CORE_LOG_H
#define C1_CORE_LOG_H

#include <stdio.h>

enum c1_log_level { C1_LOG_DEBUG = 0, C1_LOG_INFO = 1, C1_LOG_WARN = 2, C1_LOG_ERROR = 3, C1_LOG_OFF = 4 };
enum c1_log_format { C1_LOG_TEXT = 0, C1_LOG_JSON = 1 };

void c1_log_configure(enum c1_log_level min_level, enum c1_log_format format, FILE *sink);
enum c1_log_level c1_log_level(void);
void c1_log(enum c1_log_level level, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define C1_DEBUG(comp, ...)     c1_log(C1_LOG_DEBUG, comp, __VA_ARGS__)
#define C1_INFO(comp, ...)      c1_log(C1_LOG_INFO, comp, __VA_ARGS__)
#define C1_WARN(comp, ...)      c1_log(C1_LOG_WARN, comp, __VA_ARGS__)
#define C1_ERROR_LOG(comp, ...) c1_log(C1_LOG_ERROR, comp, __VA_ARGS__)

#endif
