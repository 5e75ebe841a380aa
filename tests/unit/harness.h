/* Minimal test harness: C1_TEST(name) registers a case; each test binary runs
 * one named case (how ctest calls it) or all of them. A failed check prints
 * file:line and exits non-zero. */
#ifndef C1_TEST_HARNESS_H
#define C1_TEST_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void c1_test_register(const char *name, void (*fn)(void));
void c1_test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));
/** A fresh directory for this case, removed when the case passes. */
const char *c1_test_tmpdir(void);
/** Write `content` to tmpdir/name with `mode`; returns the path (owned by the harness). */
const char *c1_test_write_file(const char *name, const char *content, int mode);
/** Path under ../shared (SPEC, testdata); owned by the harness. */
const char *c1_test_shared_path(const char *rel);
/** Path under the source tree (examples, corpora); owned by the harness. */
const char *c1_test_source_path(const char *rel);

#define C1_TEST(name)                                                     \
	static void name(void);                                           \
	__attribute__((constructor)) static void c1_test_reg_##name(void) \
	{                                                                 \
		c1_test_register(#name, name);                            \
	}                                                                 \
	static void name(void)

#define C1_CHECK(cond)                                                               \
	do {                                                                         \
		if (!(cond))                                                         \
			c1_test_fail(__FILE__, __LINE__, "check failed: %s", #cond); \
	} while (0)

#define C1_CHECK_INT(a, op, b)                                                                         \
	do {                                                                                           \
		long long c1_a_ = (long long)(a), c1_b_ = (long long)(b);                              \
		if (!(c1_a_ op c1_b_))                                                                 \
			c1_test_fail(__FILE__, __LINE__, "%s %s %s: %lld vs %lld", #a, #op, #b, c1_a_, \
				     c1_b_);                                                           \
	} while (0)

#define C1_CHECK_STR(a, b)                                                                     \
	do {                                                                                   \
		const char *c1_a_ = (a), *c1_b_ = (b);                                         \
		if (!c1_a_ || !c1_b_ || strcmp(c1_a_, c1_b_) != 0)                             \
			c1_test_fail(__FILE__, __LINE__, "%s == %s: \"%s\" vs \"%s\"", #a, #b, \
				     c1_a_ ? c1_a_ : "(null)", c1_b_ ? c1_b_ : "(null)");      \
	} while (0)

#define C1_CHECK_CONTAINS(hay, needle)                                                                      \
	do {                                                                                                \
		const char *c1_h_ = (hay), *c1_n_ = (needle);                                               \
		if (!c1_h_ || !strstr(c1_h_, c1_n_))                                                        \
			c1_test_fail(__FILE__, __LINE__, "%s does not contain \"%s\": \"%s\"", #hay, c1_n_, \
				     c1_h_ ? c1_h_ : "(null)");                                             \
	} while (0)

#define C1_CHECK_NOT_CONTAINS(hay, needle)                                                   \
	do {                                                                                 \
		const char *c1_h_ = (hay), *c1_n_ = (needle);                                \
		if (c1_h_ && strstr(c1_h_, c1_n_))                                           \
			c1_test_fail(__FILE__, __LINE__, "%s contains \"%s\"", #hay, c1_n_); \
	} while (0)

#endif
