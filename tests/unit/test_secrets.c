/* Secret references (SPEC 3): env:/file: resolution, unsafe files refused, messages that name
 * the reference but never the value, and the key/token pairing on resolved values. */
#include "harness.h"

#include "batch/csv_intake.h"
#include "batch/secrets.h"
#include "engine/core/alloc.h"
#include "engine/core/error.h"

#include <stdlib.h>
#include <sys/stat.h>

C1_TEST(env_reference_resolves)
{
	struct c1_secret s = C1_SECRET_INIT;
	setenv("C1TEST_KEY", "tmc12345:abcdef", 1);
	C1_CHECK_INT(c1_secret_resolve(&s, "env:C1TEST_KEY", "accounts.csv:2 cloudone_api_key"), ==, 0);
	C1_CHECK_STR(c1_secret_reveal(&s), "tmc12345:abcdef");
	c1_secret_dispose(&s);
}

C1_TEST(env_unset_or_empty_refused)
{
	struct c1_secret s = C1_SECRET_INIT;
	unsetenv("C1TEST_UNSET");
	C1_CHECK_INT(c1_secret_resolve(&s, "env:C1TEST_UNSET", "accounts.csv:7 visionone_token"), ==,
		     C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "C1TEST_UNSET is not set");
	C1_CHECK_CONTAINS(c1_error_last(), "accounts.csv:7 visionone_token");
	C1_CHECK(!c1_secret_is_set(&s));
	setenv("C1TEST_EMPTY", "", 1);
	C1_CHECK_INT(c1_secret_resolve(&s, "env:C1TEST_EMPTY", "x"), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "is empty");
	setenv("C1TEST_MULTI", "secretpart1\nInjected: header", 1);
	C1_CHECK_INT(c1_secret_resolve(&s, "env:C1TEST_MULTI", "x"), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "one line");
	C1_CHECK_NOT_CONTAINS(c1_error_last(), "secretpart1");
	c1_secret_dispose(&s);
}

C1_TEST(plaintext_reference_refused_without_echo)
{
	struct c1_secret s = C1_SECRET_INIT;
	C1_CHECK_INT(c1_secret_resolve(&s, "tmc1Zz9SuperSecretKeyValue", "--cloudone-api-key"), ==,
		     C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "--cloudone-api-key");
	C1_CHECK_CONTAINS(c1_error_last(), "plaintext");
	C1_CHECK_NOT_CONTAINS(c1_error_last(), "SuperSecret");
	C1_CHECK_INT(c1_secret_resolve(&s, NULL, "x"), ==, C1_ECONFIG);
}

C1_TEST(file_reference_strips_one_newline)
{
	struct c1_secret s = C1_SECRET_INIT;
	const char *path = c1_test_write_file("key", "abc:def\n", 0600);
	char *ref = c1_asprintf("file:%s", path);
	C1_CHECK_INT(c1_secret_resolve(&s, ref, "x"), ==, 0);
	C1_CHECK_STR(c1_secret_reveal(&s), "abc:def");
	C1_CHECK_INT(s.len, ==, 7);
	free(ref);

	path = c1_test_write_file("key-crlf", "abc:def\r\n", 0400);
	ref = c1_asprintf("file:%s", path);
	C1_CHECK_INT(c1_secret_resolve(&s, ref, "x"), ==, 0);
	C1_CHECK_STR(c1_secret_reveal(&s), "abc:def");
	free(ref);

	/* a second line is not silently dropped: it is refused */
	path = c1_test_write_file("key-2", "abc\n\n", 0600);
	ref = c1_asprintf("file:%s", path);
	C1_CHECK_INT(c1_secret_resolve(&s, ref, "x"), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "one line");
	free(ref);
	c1_secret_dispose(&s);
}

C1_TEST(file_readable_by_group_or_others_refused)
{
	struct c1_secret s = C1_SECRET_INIT;
	const char *path = c1_test_write_file("shared-key", "topsecretvalue\n", 0640);
	char *ref = c1_asprintf("file:%s", path);
	C1_CHECK_INT(c1_secret_resolve(&s, ref, "accounts.csv:3 cloudone_api_key"), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "mode 0640");
	char *fix = c1_asprintf("chmod 600 %s", path);
	C1_CHECK_CONTAINS(c1_error_last(), fix);
	C1_CHECK_CONTAINS(c1_error_last(), "accounts.csv:3 cloudone_api_key");
	C1_CHECK_NOT_CONTAINS(c1_error_last(), "topsecret");
	C1_CHECK(!c1_secret_is_set(&s));
	free(fix);
	free(ref);

	path = c1_test_write_file("world-key", "topsecretvalue\n", 0604);
	ref = c1_asprintf("file:%s", path);
	C1_CHECK_INT(c1_secret_resolve(&s, ref, "x"), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "chmod 600");
	free(ref);
}

C1_TEST(file_must_be_small_regular_and_present)
{
	struct c1_secret s = C1_SECRET_INIT;
	char *ref = c1_asprintf("file:%s", c1_test_tmpdir());
	C1_CHECK_INT(c1_secret_resolve(&s, ref, "x"), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "not a regular file");
	free(ref);

	char *big = c1_malloc(C1_SECRET_FILE_MAX + 2);
	memset(big, 'a', C1_SECRET_FILE_MAX + 1);
	big[C1_SECRET_FILE_MAX + 1] = '\0';
	ref = c1_asprintf("file:%s", c1_test_write_file("big", big, 0600));
	C1_CHECK_INT(c1_secret_resolve(&s, ref, "x"), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "more than the 65536");
	free(ref);
	free(big);

	ref = c1_asprintf("file:%s/missing", c1_test_tmpdir());
	C1_CHECK_INT(c1_secret_resolve(&s, ref, "x"), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "No such file");
	free(ref);

	ref = c1_asprintf("file:%s", c1_test_write_file("empty", "\n", 0600));
	C1_CHECK_INT(c1_secret_resolve(&s, ref, "x"), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "is empty");
	free(ref);
}

C1_TEST(file_tilde_expands_to_home)
{
	struct c1_secret s = C1_SECRET_INIT;
	char *old = getenv("HOME") ? c1_strdup(getenv("HOME")) : NULL;
	c1_test_write_file("tilde-key", "from-home\n", 0600);
	setenv("HOME", c1_test_tmpdir(), 1);
	int rc = c1_secret_resolve(&s, "file:~/tilde-key", "x");
	if (old)
		setenv("HOME", old, 1);
	free(old);
	C1_CHECK_INT(rc, ==, 0);
	C1_CHECK_STR(c1_secret_reveal(&s), "from-home");
	c1_secret_dispose(&s);
}

C1_TEST(store_resolves_each_reference_once)
{
	struct c1_secret_store *store = c1_secret_store_new();
	const struct c1_secret *a = NULL, *b = NULL;
	setenv("C1TEST_ONCE", "first", 1);
	C1_CHECK_INT(c1_secret_store_get(store, &a, "env:C1TEST_ONCE", "x"), ==, 0);
	setenv("C1TEST_ONCE", "second", 1);
	C1_CHECK_INT(c1_secret_store_get(store, &b, "env:C1TEST_ONCE", "x"), ==, 0);
	C1_CHECK(a == b);
	C1_CHECK_STR(c1_secret_reveal(b), "first");
	unsetenv("C1TEST_ONCE_MISSING");
	C1_CHECK_INT(c1_secret_store_get(store, &a, "env:C1TEST_ONCE_MISSING", "x"), ==, C1_ECONFIG);
	C1_CHECK(a == NULL);
	C1_CHECK_CONTAINS(c1_error_last(), "C1TEST_ONCE_MISSING");
	c1_secret_store_free(store);
	c1_secret_store_free(NULL);
}

static void s_load(struct c1_account_list *list, struct c1_intake_errors *errors, const char *csv)
{
	c1_account_list_init(list);
	C1_CHECK_INT(c1_csv_intake_read_mem(list, errors, "accounts.csv", csv, strlen(csv), NULL), ==, 0);
}

C1_TEST(rows_unset_reference_reported_once)
{
	struct c1_account_list list;
	struct c1_intake_errors errors = C1_INTAKE_ERRORS_INIT;
	setenv("C1TEST_K1", "key-one", 1);
	unsetenv("C1TEST_T_UNSET");
	s_load(&list, &errors,
	       "account_id,profile,bucket,cloudone_api_key,visionone_token\n"
	       "111122223333,p,b-1,env:C1TEST_K1,env:C1TEST_T_UNSET\n"
	       "111122224444,p,b-1,env:C1TEST_K1,env:C1TEST_T_UNSET\n"
	       "111122225555,p,b-1,env:C1TEST_K1,env:C1TEST_T_UNSET\n");
	struct c1_secret_store *store = c1_secret_store_new();
	C1_CHECK_INT(c1_secret_store_resolve_rows(store, &list, &errors), ==, C1_ECONFIG);
	C1_CHECK_INT(errors.count, ==, 1);
	C1_CHECK_INT(errors.items[0].line, ==, 2);
	C1_CHECK_INT(errors.items[0].column, ==, 5);
	C1_CHECK_CONTAINS(errors.items[0].message, "C1TEST_T_UNSET is not set");
	C1_CHECK_INT(c1_account_list_valid_count(&list), ==, 0);
	c1_secret_store_free(store);
	c1_account_list_dispose(&list);
	c1_intake_errors_dispose(&errors);
}

C1_TEST(rows_same_key_value_need_same_token_value)
{
	struct c1_account_list list;
	struct c1_intake_errors errors = C1_INTAKE_ERRORS_INIT;
	/* two references, one key: the pairing rule applies to the values */
	setenv("C1TEST_KA", "tenant-one-key", 1);
	setenv("C1TEST_KB", "tenant-one-key", 1);
	setenv("C1TEST_TA", "token-one", 1);
	setenv("C1TEST_TA2", "token-one", 1);
	setenv("C1TEST_TB", "token-two", 1);
	setenv("C1TEST_K2", "tenant-two-key", 1);
	s_load(&list, &errors,
	       "account_id,profile,bucket,cloudone_api_key,visionone_token\n"
	       "111122223333,p,b-1,env:C1TEST_KA,env:C1TEST_TA\n"
	       "111122224444,p,b-1,env:C1TEST_KB,env:C1TEST_TA2\n"
	       "111122225555,p,b-1,env:C1TEST_KB,env:C1TEST_TA2\n"
	       "111122226666,p,b-1,env:C1TEST_K2,env:C1TEST_TB\n");
	struct c1_secret_store *store = c1_secret_store_new();
	C1_CHECK_INT(c1_secret_store_resolve_rows(store, &list, &errors), ==, 0);
	C1_CHECK_INT(errors.count, ==, 0);
	c1_secret_store_free(store);
	c1_account_list_dispose(&list);

	s_load(&list, &errors,
	       "account_id,profile,bucket,cloudone_api_key,visionone_token\n"
	       "111122223333,p,b-1,env:C1TEST_KA,env:C1TEST_TA\n"
	       "111122224444,p,b-1,env:C1TEST_K2,env:C1TEST_TB\n"
	       "111122225555,p,b-1,env:C1TEST_KB,env:C1TEST_TB\n");
	store = c1_secret_store_new();
	C1_CHECK_INT(c1_secret_store_resolve_rows(store, &list, &errors), ==, C1_ECONFIG);
	C1_CHECK_INT(errors.count, ==, 1);
	C1_CHECK_INT(errors.items[0].line, ==, 4);
	C1_CHECK_INT(errors.items[0].column, ==, 5);
	C1_CHECK_CONTAINS(errors.items[0].message, "same key as on line 2 (env:C1TEST_KA)");
	C1_CHECK_NOT_CONTAINS(errors.items[0].message, "tenant-one-key");
	C1_CHECK_NOT_CONTAINS(errors.items[0].message, "token-two");
	C1_CHECK(list.rows[0]->valid);
	C1_CHECK(list.rows[1]->valid);
	C1_CHECK(!list.rows[2]->valid);
	c1_secret_store_free(store);
	c1_account_list_dispose(&list);
	c1_intake_errors_dispose(&errors);
}

/* The users' shape: 100 tenants, so 200 distinct references. The store grows many times while
 * resolve_rows holds entries of earlier rows (a flat array moved them: heap-use-after-free past
 * 8 references). Tenant 99's key reference holds tenant 50's key with another token: reported on
 * its own line, naming tenant 50's; tenant 98's holds tenant 10's key and token: fine. */
C1_TEST(rows_two_hundred_references_pairing_on_the_right_line)
{
	struct c1_account_list list;
	struct c1_intake_errors errors = C1_INTAKE_ERRORS_INIT;
	struct c1_buf csv = C1_BUF_INIT;
	char name[64], value[64];

	c1_buf_puts(&csv, "account_id,profile,bucket,cloudone_api_key,visionone_token\n");
	for (int t = 0; t < 100; t++) {
		int key_of = t == 99 ? 50 : t == 98 ? 10 : t;
		int token_of = t == 98 ? 10 : t;
		snprintf(name, sizeof(name), "C1TEST_MANY_K%02d", t);
		snprintf(value, sizeof(value), "tenant-%02d-key", key_of);
		setenv(name, value, 1);
		snprintf(name, sizeof(name), "C1TEST_MANY_T%02d", t);
		snprintf(value, sizeof(value), "tenant-%02d-token", token_of);
		setenv(name, value, 1);
		/* one row per tenant, on line t + 2 */
		c1_buf_printf(&csv, "1111%08d,p,b-1,env:C1TEST_MANY_K%02d,env:C1TEST_MANY_T%02d\n", t, t, t);
	}
	s_load(&list, &errors, c1_buf_cstr(&csv));
	C1_CHECK_INT(errors.count, ==, 0);
	struct c1_secret_store *store = c1_secret_store_new();
	C1_CHECK_INT(c1_secret_store_resolve_rows(store, &list, &errors), ==, C1_ECONFIG);
	C1_CHECK_INT(errors.count, ==, 1);
	C1_CHECK_INT(errors.items[0].line, ==, 101);
	C1_CHECK_INT(errors.items[0].column, ==, 5);
	C1_CHECK_CONTAINS(errors.items[0].message,
			  "(env:C1TEST_MANY_K99) is the same key as on line 52 (env:C1TEST_MANY_K50)");
	C1_CHECK_CONTAINS(errors.items[0].message,
			  "(env:C1TEST_MANY_T99) is a different token from line 52's "
			  "(env:C1TEST_MANY_T50)");
	C1_CHECK_NOT_CONTAINS(errors.items[0].message, "tenant-50-key");
	C1_CHECK_NOT_CONTAINS(errors.items[0].message, "tenant-99-token");
	C1_CHECK_INT(c1_account_list_valid_count(&list), ==, 99);
	C1_CHECK(!list.rows[99]->valid);

	/* every reference was resolved once and stays where resolve_rows left it */
	const struct c1_secret *first = NULL, *again = NULL;
	C1_CHECK_INT(c1_secret_store_get(store, &first, "env:C1TEST_MANY_K00", "x"), ==, 0);
	for (int t = 0; t < 100; t++) {
		const struct c1_secret *s = NULL;
		snprintf(name, sizeof(name), "env:C1TEST_MANY_T%02d", t);
		C1_CHECK_INT(c1_secret_store_get(store, &s, name, "x"), ==, 0);
	}
	C1_CHECK_INT(c1_secret_store_get(store, &again, "env:C1TEST_MANY_K00", "x"), ==, 0);
	C1_CHECK(first == again);
	C1_CHECK_STR(c1_secret_reveal(first), "tenant-00-key");

	for (int t = 0; t < 100; t++) {
		snprintf(name, sizeof(name), "C1TEST_MANY_K%02d", t);
		unsetenv(name);
		snprintf(name, sizeof(name), "C1TEST_MANY_T%02d", t);
		unsetenv(name);
	}
	c1_secret_store_free(store);
	c1_account_list_dispose(&list);
	c1_intake_errors_dispose(&errors);
	c1_buf_dispose(&csv);
}

/* Unset variables among many references: each reported once, at the first row using it. */
C1_TEST(rows_many_references_each_failure_reported_once)
{
	struct c1_account_list list;
	struct c1_intake_errors errors = C1_INTAKE_ERRORS_INIT;
	struct c1_buf csv = C1_BUF_INIT;
	char name[64];

	c1_buf_puts(&csv, "account_id,profile,bucket,cloudone_api_key,visionone_token\n");
	for (int t = 0; t < 60; t++) {
		snprintf(name, sizeof(name), "C1TEST_SOME_K%02d", t);
		setenv(name, name + 7, 1);
		snprintf(name, sizeof(name), "C1TEST_SOME_T%02d", t);
		setenv(name, name + 7, 1);
	}
	unsetenv("C1TEST_SOME_K07");
	unsetenv("C1TEST_SOME_T41");
	/* two rows per tenant: tenant t on lines 2t + 2 and 2t + 3 */
	for (int t = 0; t < 60; t++)
		for (int k = 0; k < 2; k++)
			c1_buf_printf(&csv, "22%02d%08d,p,b-1,env:C1TEST_SOME_K%02d,env:C1TEST_SOME_T%02d\n",
				      k, t, t, t);
	s_load(&list, &errors, c1_buf_cstr(&csv));
	C1_CHECK_INT(errors.count, ==, 0);
	struct c1_secret_store *store = c1_secret_store_new();
	C1_CHECK_INT(c1_secret_store_resolve_rows(store, &list, &errors), ==, C1_ECONFIG);
	C1_CHECK_INT(errors.count, ==, 2);
	C1_CHECK_INT(errors.items[0].line, ==, 16);
	C1_CHECK_INT(errors.items[0].column, ==, 4);
	C1_CHECK_CONTAINS(errors.items[0].message, "env:C1TEST_SOME_K07 (accounts.csv:16 cloudone_api_key)");
	C1_CHECK_INT(errors.items[1].line, ==, 84);
	C1_CHECK_INT(errors.items[1].column, ==, 5);
	C1_CHECK_CONTAINS(errors.items[1].message, "env:C1TEST_SOME_T41 (accounts.csv:84 visionone_token)");
	C1_CHECK_INT(c1_account_list_valid_count(&list), ==, 116);

	for (int t = 0; t < 60; t++) {
		snprintf(name, sizeof(name), "C1TEST_SOME_K%02d", t);
		unsetenv(name);
		snprintf(name, sizeof(name), "C1TEST_SOME_T%02d", t);
		unsetenv(name);
	}
	c1_secret_store_free(store);
	c1_account_list_dispose(&list);
	c1_intake_errors_dispose(&errors);
	c1_buf_dispose(&csv);
}
