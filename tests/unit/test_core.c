/* Core helpers: bounded buffers, string views, secrets, error slot, fake clock. */
#include "harness.h"

#include "engine/core/alloc.h"
#include "engine/core/buf.h"
#include "engine/core/clock.h"
#include "engine/core/error.h"
#include "engine/core/parse.h"
#include "engine/core/secret.h"
#include "engine/net/headers.h"

#include <stdlib.h>

C1_TEST(buf_grows_and_stays_terminated)
{
	struct c1_buf b = C1_BUF_INIT;
	for (int i = 0; i < 1000; i++)
		C1_CHECK_INT(c1_buf_printf(&b, "%d,", i), ==, 0);
	C1_CHECK_INT(b.len, ==, strlen(b.ptr));
	C1_CHECK(strncmp(b.ptr, "0,1,2,", 6) == 0);
	char *s = c1_buf_detach(&b);
	C1_CHECK(b.ptr == NULL);
	free(s);
}

C1_TEST(buf_refuses_past_cap)
{
	struct c1_buf b = C1_BUF_INIT;
	b.max = 10;
	C1_CHECK_INT(c1_buf_puts(&b, "0123456789"), ==, 0);
	C1_CHECK_INT(c1_buf_putc(&b, 'x'), ==, C1_ETOOBIG);
	C1_CHECK_INT(b.len, ==, 10);
	C1_CHECK_CONTAINS(c1_error_last(), "limit");
	c1_buf_dispose(&b);
}

C1_TEST(str_trim_and_compare)
{
	struct c1_str s = c1_str_trim(c1_str_from("  Account_Id\t"));
	C1_CHECK(c1_str_ieq_cstr(s, "account_id"));
	C1_CHECK(!c1_str_eq_cstr(s, "account_id"));
	char *d = c1_str_dup(s);
	C1_CHECK_STR(d, "Account_Id");
	free(d);
}

C1_TEST(secret_wiped_and_compared)
{
	struct c1_secret a = C1_SECRET_INIT, b = C1_SECRET_INIT;
	c1_secret_set(&a, "key:secret", 10);
	c1_secret_copy(&b, &a);
	C1_CHECK(c1_secret_equals(&a, &b));
	c1_secret_set(&b, "other", 5);
	C1_CHECK(!c1_secret_equals(&a, &b));
	c1_secret_dispose(&a);
	c1_secret_dispose(&b);
	C1_CHECK(!c1_secret_is_set(&a));
	c1_secret_dispose(&a); /* twice is fine */
}

C1_TEST(headers_case_insensitive)
{
	struct c1_headers h = C1_HEADERS_INIT;
	c1_headers_add(&h, "Content-Type", "text/xml");
	c1_headers_add(&h, "X-Amz-Date", "1");
	c1_headers_set(&h, "x-amz-date", "2");
	C1_CHECK_STR(c1_headers_get(&h, "CONTENT-TYPE"), "text/xml");
	C1_CHECK_STR(c1_headers_get(&h, "X-AMZ-DATE"), "2");
	C1_CHECK_INT(h.count, ==, 2);
	c1_headers_remove(&h, "content-type");
	C1_CHECK(c1_headers_get(&h, "content-type") == NULL);
	c1_headers_dispose(&h);
}

C1_TEST(fake_clock_sleep_advances)
{
	struct c1_fake_clock fc;
	c1_fake_clock_init(&fc, 1440000000000);
	int64_t t0 = c1_clock_monotonic_ms(&fc.clock);
	c1_clock_sleep_ms(&fc.clock, 250);
	C1_CHECK_INT(c1_clock_monotonic_ms(&fc.clock) - t0, ==, 250);
	C1_CHECK_INT(fc.slept_ms, ==, 250);
	C1_CHECK_INT(c1_clock_wall_ms(&fc.clock), ==, 1440000000250);
}

C1_TEST(parse_long_is_strict)
{
	long v = -1;
	C1_CHECK_INT(c1_parse_long(&v, "8080", 0, 65535), ==, 0);
	C1_CHECK_INT(v, ==, 8080);
	const char *bad[] = {"", " 5", "+5", "-5", "5x", "65536", "99999999999999999999", NULL};
	for (int i = 0; bad[i]; i++)
		C1_CHECK_INT(c1_parse_long(&v, bad[i], 0, 65535), ==, C1_EINVALID);
	C1_CHECK_INT(c1_parse_long(&v, NULL, 0, 1), ==, C1_EINVALID);
	C1_CHECK_INT(v, ==, 8080); /* untouched on failure */
}
