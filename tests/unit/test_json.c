/* JSON helpers: bounded parsing, dotted-path lookups, building. */
#include "harness.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/core/json.h"

#include <stdlib.h>
#include <string.h>

C1_TEST(parse_and_get_by_path)
{
	json_t *v = NULL;
	const char *text = "{\"registration\":{\"status\":\"complete\",\"count\":3,\"ok\":true},"
			   "\"items\":[{\"id\":\"a\"},{\"id\":\"b\"}],\"big\":1.5}";
	C1_CHECK_INT(c1_json_parse(&v, c1_str_from(text), 0, 0), ==, 0);
	C1_CHECK_STR(c1_json_get_string(v, "registration.status"), "complete");
	C1_CHECK_STR(c1_json_get_string(v, "items.1.id"), "b");
	C1_CHECK(c1_json_get_string(v, "items.2.id") == NULL);
	C1_CHECK(c1_json_get_string(v, "items.x") == NULL);
	C1_CHECK(c1_json_get_string(v, "registration.count") == NULL); /* not a string */
	C1_CHECK(c1_json_get_string(v, "registration..status") == NULL);
	int64_t n = 0;
	C1_CHECK_INT(c1_json_get_int(v, "registration.count", &n), ==, 0);
	C1_CHECK_INT(n, ==, 3);
	C1_CHECK_INT(c1_json_get_int(v, "big", &n), ==, C1_EINVALID);
	C1_CHECK_INT(c1_json_get_int(v, "nope", &n), ==, C1_ENOTFOUND);
	bool b = false;
	C1_CHECK_INT(c1_json_get_bool(v, "registration.ok", &b), ==, 0);
	C1_CHECK(b);
	C1_CHECK_INT(c1_json_get_bool(v, "registration.status", &b), ==, C1_EINVALID);
	json_decref(v);
}

C1_TEST(parse_limits_and_errors)
{
	json_t *v = NULL;
	C1_CHECK_INT(c1_json_parse(&v, c1_str_from("{\"a\":1}"), 3, 0), ==, C1_ETOOBIG);
	char deep[200];
	for (int i = 0; i < 100; i++)
		deep[i] = '[';
	for (int i = 0; i < 100; i++)
		deep[100 + i] = ']';
	C1_CHECK_INT(c1_json_parse(&v, (struct c1_str){deep, 200}, 0, 64), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), "deeper");
	C1_CHECK_INT(c1_json_parse(&v, (struct c1_str){deep, 200}, 0, 100), ==, 0);
	json_decref(v);
	/* brackets inside strings do not count */
	C1_CHECK_INT(c1_json_parse(&v, c1_str_from("{\"k\":\"[[[[[[\\\"[[[[\"}"), 0, 2), ==, 0);
	json_decref(v);
	/* the error names a position, never the text (bodies may carry tokens) */
	C1_CHECK_INT(c1_json_parse(&v, c1_str_from("{\"token\": SECRETVALUE}"), 0, 0), ==, C1_EINVALID);
	C1_CHECK_NOT_CONTAINS(c1_error_last(), "SECRETVALUE");
	C1_CHECK_CONTAINS(c1_error_last(), "line 1");
	C1_CHECK_INT(c1_json_parse(&v, c1_str_from("{\"a\":1,\"a\":2}"), 0, 0), ==, C1_EINVALID);
	C1_CHECK(v == NULL);
}

C1_TEST(build_and_dump)
{
	json_t *o = json_object();
	C1_CHECK_INT(c1_json_set_string(o, "name", "acct \"1\""), ==, 0);
	c1_json_set_int(o, "n", 42);
	c1_json_set_bool(o, "on", true);
	C1_CHECK_INT(c1_json_set_string(o, "none", NULL), ==, 0);
	C1_CHECK_INT(c1_json_set_string(o, "bad", "\xff"), ==, C1_EINVALID);
	char *s = c1_json_dump(o);
	C1_CHECK_STR(s, "{\"name\":\"acct \\\"1\\\"\",\"n\":42,\"on\":true,\"none\":null}");
	free(s);
	json_decref(o);
}

/* A response nested 10,000 deep (a hostile or broken server) is refused with a message, before
 * Jansson's recursive parser could exhaust a worker thread's stack. */
C1_TEST(nesting_10000_deep_is_refused)
{
	const size_t depth = 10000;
	char *text = c1_malloc(2 * depth * 6 + 16);
	json_t *v = NULL;
	size_t n = 0;
	for (size_t i = 0; i < depth; i++)
		text[n++] = '[';
	for (size_t i = 0; i < depth; i++)
		text[n++] = ']';
	C1_CHECK_INT(c1_json_parse(&v, (struct c1_str){text, n}, 0, 0), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), "nested deeper than 64 levels");
	C1_CHECK(v == NULL);
	n = 0;
	for (size_t i = 0; i < depth; i++) {
		memcpy(text + n, "{\"a\":", 5);
		n += 5;
	}
	text[n++] = '1';
	for (size_t i = 0; i < depth; i++)
		text[n++] = '}';
	C1_CHECK_INT(c1_json_parse(&v, (struct c1_str){text, n}, 0, 0), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), "deeper");
	C1_CHECK(v == NULL);
	free(text);
}
