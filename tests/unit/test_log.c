/* The logger's JSON lines: every key on every line, fields from the call and
 * from the thread's scope, valid JSON whatever bytes a message holds. */
#include "engine/core/log.h"
#include "tests/unit/harness.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const s_keys[] = {"time",        "level",      "component", "run_id", "account_id",
				     "region",      "step",       "event",     "status", "attempt",
				     "http_status", "request_id", "message"};

/* The lines logged by `fn` in JSON, parsed; NULL when any is not a JSON object. */
static json_t *s_capture(void (*fn)(void))
{
	FILE *f = tmpfile();
	C1_CHECK(f != NULL);
	c1_log_configure(C1_LOG_DEBUG, C1_LOG_JSON, f);
	fn();
	c1_log_configure(C1_LOG_INFO, C1_LOG_TEXT, NULL);
	rewind(f);
	json_t *lines = json_array();
	char buf[4096];
	while (fgets(buf, sizeof(buf), f)) {
		json_error_t e;
		json_t *j = json_loads(buf, 0, &e);
		if (!json_is_object(j)) {
			c1_test_fail(__FILE__, __LINE__, "not a JSON object: %s (%s)", buf, e.text);
			json_decref(j);
			continue;
		}
		for (size_t k = 0; k < sizeof(s_keys) / sizeof(s_keys[0]); k++)
			if (!json_object_get(j, s_keys[k]))
				c1_test_fail(__FILE__, __LINE__, "key %s missing: %s", s_keys[k], buf);
		json_array_append_new(lines, j);
	}
	fclose(f);
	return lines;
}

static const char *s_str(json_t *lines, size_t i, const char *key)
{
	return json_string_value(json_object_get(json_array_get(lines, i), key));
}

static long long s_int(json_t *lines, size_t i, const char *key)
{
	return json_integer_value(json_object_get(json_array_get(lines, i), key));
}

static const char *s_step(const void *who)
{
	return who;
}

static void s_log_some(void)
{
	c1_log_set_run_id("20260101T000000Z-abcd");
	C1_INFO("run", "plain line with \"quotes\", a tab\there and bad bytes \xff\xfe");
	struct c1_log_scope scope = {"111122223333", "eu-west-2", s_step, "ws_role"};
	const struct c1_log_scope *prev = c1_log_scope_enter(&scope);
	struct c1_log_fields f = C1_LOG_FIELDS_INIT;
	f.event = "retry_wait";
	f.attempt = 5;
	f.http_status = 503;
	f.request_id = "req-1";
	c1_log_ev(C1_LOG_WARN, "retry", &f, "waiting");
	c1_log_scope_leave(prev);
	f = C1_LOG_FIELDS_INIT;
	f.account_id = "444455556666";
	f.event = "account_finished";
	f.status = "succeeded";
	c1_log_ev(C1_LOG_INFO, "account", &f, "444455556666 us-east-1: succeeded");
	c1_log_set_run_id(NULL);
}

C1_TEST(json_lines_carry_fields)
{
	json_t *lines = s_capture(s_log_some);
	C1_CHECK_INT(json_array_size(lines), ==, 3);
	C1_CHECK_STR(s_str(lines, 0, "run_id"), "20260101T000000Z-abcd");
	C1_CHECK(json_is_null(json_object_get(json_array_get(lines, 0), "account_id")));
	C1_CHECK(json_is_null(json_object_get(json_array_get(lines, 0), "event")));
	C1_CHECK_CONTAINS(s_str(lines, 0, "message"), "\"quotes\"");
	C1_CHECK_CONTAINS(s_str(lines, 0, "message"), "\xef\xbf\xbd"); /* U+FFFD for a bad byte */
	C1_CHECK_STR(s_str(lines, 1, "level"), "warn");
	C1_CHECK_STR(s_str(lines, 1, "account_id"), "111122223333");
	C1_CHECK_STR(s_str(lines, 1, "region"), "eu-west-2");
	C1_CHECK_STR(s_str(lines, 1, "step"), "ws_role");
	C1_CHECK_STR(s_str(lines, 1, "event"), "retry_wait");
	C1_CHECK_INT(s_int(lines, 1, "attempt"), ==, 5);
	C1_CHECK_INT(s_int(lines, 1, "http_status"), ==, 503);
	C1_CHECK_STR(s_str(lines, 1, "request_id"), "req-1");
	/* out of the scope again: only what the call gives */
	C1_CHECK_STR(s_str(lines, 2, "account_id"), "444455556666");
	C1_CHECK(json_is_null(json_object_get(json_array_get(lines, 2), "region")));
	C1_CHECK(json_is_null(json_object_get(json_array_get(lines, 2), "step")));
	C1_CHECK_STR(s_str(lines, 2, "status"), "succeeded");
	C1_CHECK(json_is_null(json_object_get(json_array_get(lines, 2), "attempt")));
	json_decref(lines);
}

static void s_log_text(void)
{
	c1_log_status("1/2 done"); /* not a terminal: nothing */
	C1_WARN("account", "a\nb");
}

C1_TEST(text_lines_off_a_terminal)
{
	FILE *f = tmpfile();
	C1_CHECK(f != NULL);
	c1_log_configure(C1_LOG_INFO, C1_LOG_TEXT, f);
	C1_CHECK(!c1_log_on_terminal());
	s_log_text();
	c1_log_configure(C1_LOG_INFO, C1_LOG_TEXT, NULL);
	rewind(f);
	char buf[512] = "";
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	C1_CHECK_NOT_CONTAINS(buf, "\033");
	C1_CHECK_NOT_CONTAINS(buf, "done");
	C1_CHECK_CONTAINS(buf, " warn  account: a b\n"); /* one line, whatever the message holds */
}
