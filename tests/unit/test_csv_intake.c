/* Spreadsheet intake (SPEC 3): accepted CSV forms, every header/value/cross-row rule with its
 * file:line:column and fix hint, all errors in one run, bounded memory on big files. */
#include "harness.h"

#include "batch/account.h"
#include "batch/csv_intake.h"
#include "engine/core/alloc.h"
#include "engine/core/error.h"

#include <stdlib.h>
#include <sys/stat.h>

#define HDR                                                                                             \
	"account_id,name,profile,region,bucket,create_new_trail,stack_name,cloudone_api_key,visionone_" \
	"token,tags\n"
#define GOOD1 "111122223333,Prod,prod,us-east-1,trail-bucket,false,,env:C1_T1,env:V1_T1,env=prod\n"
#define GOOD2 "444455556666,Dev,dev,,,true,Dev1,env:C1_T1,env:V1_T1,\n"

struct s_run {
	struct c1_account_list list;
	struct c1_intake_errors errors;
	int rc;
};

static void s_read_opts(struct s_run *r, const char *csv, const struct c1_intake_options *opts)
{
	struct c1_intake_errors e = C1_INTAKE_ERRORS_INIT;
	c1_account_list_init(&r->list);
	r->errors = e;
	r->rc = c1_csv_intake_read_mem(&r->list, &r->errors, "accounts.csv", csv, strlen(csv), opts);
}

static void s_read(struct s_run *r, const char *csv)
{
	s_read_opts(r, csv, NULL);
}

static void s_done(struct s_run *r)
{
	c1_account_list_dispose(&r->list);
	c1_intake_errors_dispose(&r->errors);
}

static void s_dump(const struct s_run *r)
{
	c1_intake_errors_print(&r->errors, stderr);
}

/* Exactly one error, at line:column, naming column `name` (NULL: none), containing `phrase`. */
static const struct c1_intake_error *s_one(const struct s_run *r, size_t line, size_t column,
					   const char *name, const char *phrase)
{
	if (r->errors.count != 1)
		s_dump(r);
	C1_CHECK_INT(r->errors.count, ==, 1);
	C1_CHECK_INT(r->rc, ==, C1_EINVALID);
	const struct c1_intake_error *e = &r->errors.items[0];
	C1_CHECK_STR(e->file, "accounts.csv");
	C1_CHECK_INT(e->line, ==, line);
	C1_CHECK_INT(e->column, ==, column);
	if (name)
		C1_CHECK_STR(e->column_name, name);
	else
		C1_CHECK(e->column_name == NULL);
	C1_CHECK_CONTAINS(e->message, phrase);
	return e;
}

/* A bad row between two good ones: one error on line 3, the neighbours still load. */
static void s_rule(const char *bad_row, size_t column, const char *name, const char *phrase)
{
	struct s_run r;
	char *csv = c1_asprintf("%s%s%s%s", HDR, GOOD1, bad_row, GOOD2);
	s_read(&r, csv);
	s_one(&r, 3, column, name, phrase);
	C1_CHECK_INT(r.list.count, ==, 3);
	C1_CHECK(r.list.rows[0]->valid);
	C1_CHECK(!r.list.rows[1]->valid);
	C1_CHECK(r.list.rows[2]->valid);
	C1_CHECK_INT(r.list.rows[2]->line, ==, 4);
	s_done(&r);
	free(csv);
}

/* A row that must be accepted. */
static void s_ok(const char *row)
{
	struct s_run r;
	char *csv = c1_asprintf("%s%s", HDR, row);
	s_read(&r, csv);
	if (r.errors.count)
		s_dump(&r);
	C1_CHECK_INT(r.errors.count, ==, 0);
	C1_CHECK_INT(r.list.count, ==, 1);
	C1_CHECK(r.list.rows[0]->valid);
	s_done(&r);
	free(csv);
}

/* ---- accepted forms ------------------------------------------------------------------------ */

C1_TEST(valid_rows_are_typed)
{
	struct s_run r;
	s_read(&r, HDR GOOD1 GOOD2);
	C1_CHECK_INT(r.rc, ==, 0);
	C1_CHECK_INT(r.errors.count, ==, 0);
	C1_CHECK_INT(r.list.count, ==, 2);
	const struct c1_account_row *a = r.list.rows[0], *b = r.list.rows[1];
	C1_CHECK_INT(a->line, ==, 2);
	C1_CHECK_STR(a->account_id, "111122223333");
	C1_CHECK_STR(a->name, "Prod");
	C1_CHECK_STR(a->profile, "prod");
	C1_CHECK_STR(a->region, "us-east-1");
	C1_CHECK_STR(a->bucket, "trail-bucket");
	C1_CHECK(!a->create_new_trail);
	C1_CHECK_STR(a->stack_name, "CloudOne");
	C1_CHECK_STR(a->cloudone_api_key_ref, "env:C1_T1");
	C1_CHECK_STR(a->visionone_token_ref, "env:V1_T1");
	C1_CHECK_INT(a->tag_count, ==, 1);
	C1_CHECK_STR(a->tags[0].key, "env");
	C1_CHECK_STR(a->tags[0].value, "prod");
	C1_CHECK_INT(b->line, ==, 3);
	C1_CHECK_STR(b->region, "");
	C1_CHECK(b->create_new_trail);
	C1_CHECK_STR(b->stack_name, "Dev1");
	C1_CHECK_INT(b->tag_count, ==, 0);
	C1_CHECK_INT(r.list.column_count, ==, 10);
	C1_CHECK_STR(r.list.header[9], "tags");
	C1_CHECK_INT(a->value_count, ==, 10);
	C1_CHECK_STR(a->values[4], "trail-bucket");
	s_done(&r);
}

C1_TEST(bom_crlf_quotes_and_embedded_newlines_accepted)
{
	struct s_run r;
	/* the quoted name spans lines 2-4; the next record starts on line 5 and has an error */
	s_read(&r, "\xEF\xBB\xBF"
		   "account_id,name,profile,bucket,cloudone_api_key,visionone_token\r\n"
		   "111122223333,\"Acme, \"\"Inc\"\"\r\nline two\r\nline three\",prod,b-1,env:A,env:B\r\n"
		   "444455556666,x,prod,Bkt,env:A,env:B\r\n");
	const struct c1_intake_error *e = s_one(&r, 5, 4, "bucket", "uppercase");
	(void)e;
	C1_CHECK_STR(r.list.header[0], "account_id"); /* BOM stripped */
	C1_CHECK_INT(r.list.count, ==, 2);
	C1_CHECK_STR(r.list.rows[0]->name, "Acme, \"Inc\"\r\nline two\r\nline three");
	C1_CHECK_INT(r.list.rows[0]->line, ==, 2);
	C1_CHECK(r.list.rows[0]->valid);
	C1_CHECK_INT(r.list.rows[1]->line, ==, 5);
	s_done(&r);
}

C1_TEST(tiny_chunks_give_the_same_result)
{
	const char *csv =
	    "\xEF\xBB\xBF" HDR GOOD1 "\r\n"
	    "999988887777,\"a\r\nb\",p,eu-west-9,,,,env:X,env:Y,\r\n\r\n" GOOD2 "1234,,p,,,,,,,\n";
	struct s_run whole, tiny;
	struct c1_intake_options opts = {0};
	s_read(&whole, csv);
	for (size_t chunk = 1; chunk <= 5; chunk++) {
		opts.chunk_size = chunk;
		s_read_opts(&tiny, csv, &opts);
		C1_CHECK_INT(tiny.list.count, ==, whole.list.count);
		C1_CHECK_INT(tiny.errors.count, ==, whole.errors.count);
		for (size_t i = 0; i < whole.errors.count; i++) {
			char *a = c1_intake_error_format(&whole.errors.items[i]);
			char *b = c1_intake_error_format(&tiny.errors.items[i]);
			C1_CHECK_STR(b, a);
			free(a);
			free(b);
		}
		for (size_t i = 0; i < whole.list.count; i++)
			C1_CHECK_INT(tiny.list.rows[i]->line, ==, whole.list.rows[i]->line);
		s_done(&tiny);
	}
	C1_CHECK(whole.errors.count >= 3);
	s_done(&whole);
}

C1_TEST(blank_lines_and_empty_comma_rows_are_skipped)
{
	struct s_run r;
	s_read(&r, "\n\n" HDR "\n" GOOD1 ",,,,,,,,,\n   \n" GOOD2 "\n\n\r\n");
	C1_CHECK_INT(r.errors.count, ==, 0);
	C1_CHECK_INT(r.list.header_line, ==, 3);
	C1_CHECK_INT(r.list.count, ==, 2);
	C1_CHECK_INT(r.list.rows[0]->line, ==, 5);
	C1_CHECK_INT(r.list.rows[1]->line, ==, 8);
	s_done(&r);
}

C1_TEST(unquoted_values_are_trimmed_quoted_kept)
{
	struct s_run r;
	s_read(&r, HDR "  111122223333 , Prod Team ,\tprod\t, us-east-1 ,b-1,no,,env:C1_T1 ,env:V1_T1,\n"
		       "444455556666,\" spaced \",p,,,yes,,env:C1_T1,env:V1_T1,\n");
	C1_CHECK_INT(r.errors.count, ==, 0);
	C1_CHECK_STR(r.list.rows[0]->account_id, "111122223333");
	C1_CHECK_STR(r.list.rows[0]->name, "Prod Team");
	C1_CHECK_STR(r.list.rows[0]->profile, "prod");
	C1_CHECK_STR(r.list.rows[0]->cloudone_api_key_ref, "env:C1_T1");
	C1_CHECK_STR(r.list.rows[1]->name, " spaced ");
	s_done(&r);
}

C1_TEST(fewer_cells_than_header_are_empty)
{
	s_ok("111122223333,Prod,prod,us-east-1,b-1,false,,env:A,env:B\n");
}

/* ---- rejected forms --------------------------------------------------------------------------- */

C1_TEST(invalid_utf8_rejected)
{
	s_rule("777788889999,Caf\xE9,prod,,b-1,,,env:C1_T1,env:V1_T1,\n", 2, "name", "not UTF-8");
}

C1_TEST(nul_byte_rejected)
{
	struct s_run r;
	static const char csv[] = HDR GOOD1 "777788889999,a\0b,prod,,b-1,,,env:C1_T1,env:V1_T1,\n" GOOD2;
	struct c1_intake_errors e = C1_INTAKE_ERRORS_INIT;
	c1_account_list_init(&r.list);
	r.errors = e;
	r.rc = c1_csv_intake_read_mem(&r.list, &r.errors, "accounts.csv", csv, sizeof(csv) - 1, NULL);
	s_one(&r, 3, 2, "name", "NUL byte");
	C1_CHECK_INT(r.list.count, ==, 3);
	C1_CHECK(r.list.rows[2]->valid);
	s_done(&r);
}

C1_TEST(more_cells_than_header_rejected)
{
	s_rule("777788889999,Acme, Inc,prod,,b-1,,,env:C1_T1,env:V1_T1,\n", 11, NULL,
	       "11 cells but the header has 10");
}

C1_TEST(unterminated_quote_at_eof_rejected)
{
	struct s_run r;
	s_read(&r, HDR GOOD1 "777788889999,\"Acme,prod,,b-1,,,env:C1_T1,env:V1_T1,\n" GOOD2);
	s_one(&r, 3, 2, NULL, "never closed");
	C1_CHECK_INT(r.list.count, ==, 1);
	s_done(&r);
}

C1_TEST(malformed_quote_skips_row_and_continues)
{
	struct s_run r;
	s_read(&r, HDR GOOD1 "777788889999,Ac\"me,prod,,b-1,,,env:C1_T1,env:V1_T1,\n" GOOD2);
	s_one(&r, 3, 2, NULL, "malformed quoting");
	C1_CHECK_INT(r.list.count, ==, 2);
	C1_CHECK_INT(r.list.rows[1]->line, ==, 4);
	C1_CHECK(r.list.rows[1]->valid);
	s_done(&r);
}

C1_TEST(overlong_cell_stops_reading)
{
	struct s_run r;
	size_t big = C1_INTAKE_FIELD_MAX + 100;
	char *csv = c1_malloc(strlen(HDR GOOD1) + big + 64);
	size_t n = strlen(HDR GOOD1);
	memcpy(csv, HDR GOOD1, n);
	memcpy(csv + n, "777788889999,\"", 14);
	memset(csv + n + 14, 'x', big);
	memcpy(csv + n + 14 + big, "\"\n", 3);
	struct c1_intake_stats stats;
	struct c1_intake_options opts = {0};
	opts.stats = &stats;
	s_read_opts(&r, csv, &opts);
	s_one(&r, 3, 2, NULL, "longer than 65536 bytes");
	C1_CHECK_INT(stats.parser_buffer_max, <=, C1_INTAKE_FIELD_MAX);
	s_done(&r);
	free(csv);
}

C1_TEST(utf16_file_rejected)
{
	struct s_run r;
	s_read(&r, "\xFF\xFE"
		   "a\0c\0");
	s_one(&r, 1, 0, NULL, "UTF-16");
	s_done(&r);
}

/* ---- header ----------------------------------------------------------------------------------- */

C1_TEST(header_required)
{
	struct s_run r;
	s_read(&r, "");
	s_one(&r, 0, 0, NULL, "no header row");
	s_done(&r);
	s_read(&r, "\n\n");
	s_one(&r, 0, 0, NULL, "no header row");
	s_done(&r);
	s_read(&r, HDR);
	s_one(&r, 0, 0, NULL, "no account rows");
	s_done(&r);
}

C1_TEST(header_that_looks_like_data_rejected)
{
	struct s_run r;
	s_read(&r, GOOD1 GOOD2);
	s_one(&r, 1, 0, NULL, "must be the header");
	C1_CHECK_INT(r.list.count, ==, 0);
	s_done(&r);
}

C1_TEST(header_case_insensitive_any_order)
{
	struct s_run r;
	s_read(&r, " VisionOne_Token ,PROFILE,Account_ID,CloudOne_API_Key,Bucket\n"
		   "env:V1,prod,111122223333,env:C1,b-1\n");
	C1_CHECK_INT(r.errors.count, ==, 0);
	C1_CHECK_STR(r.list.rows[0]->account_id, "111122223333");
	C1_CHECK_STR(r.list.rows[0]->visionone_token_ref, "env:V1");
	C1_CHECK_STR(r.list.header[0], "VisionOne_Token"); /* as read, trimmed */
	C1_CHECK_INT(r.list.column_index[C1_COL_ACCOUNT_ID], ==, 2);
	s_done(&r);
}

C1_TEST(unknown_column_suggests_nearest)
{
	struct s_run r;
	s_read(&r, "acount_id,profile,bucket,cloudone_api_key,visionone_token\n"
		   "111122223333,prod,b-1,env:A,env:B\n");
	/* the misspelt column also leaves account_id missing: two errors */
	C1_CHECK_INT(r.errors.count, ==, 2);
	C1_CHECK_INT(r.errors.items[0].line, ==, 1);
	C1_CHECK_INT(r.errors.items[0].column, ==, 1);
	C1_CHECK_CONTAINS(r.errors.items[0].message, "\"acount_id\"; did you mean account_id?");
	C1_CHECK_CONTAINS(r.errors.items[1].message, "missing required column account_id");
	s_done(&r);

	s_read(&r, "account_id,profile,bucket,cloudone_api_key,visionone_token,stackname,Regoin\n"
		   "111122223333,prod,b-1,env:A,env:B,,\n");
	C1_CHECK_INT(r.errors.count, ==, 2);
	C1_CHECK_CONTAINS(r.errors.items[0].message, "did you mean stack_name?");
	C1_CHECK_INT(r.errors.items[0].column, ==, 6);
	C1_CHECK_CONTAINS(r.errors.items[1].message, "did you mean region?");
	s_done(&r);
}

C1_TEST(unknown_column_far_from_all_lists_known)
{
	struct s_run r;
	s_read(&r, "account_id,profile,bucket,cloudone_api_key,visionone_token,owner\n"
		   "111122223333,prod,b-1,env:A,env:B,me\n");
	s_one(&r, 1, 6, NULL, "the known columns are account_id, name");
	C1_CHECK_CONTAINS(r.errors.items[0].message, "x_");
	s_done(&r);
}

C1_TEST(x_columns_kept)
{
	struct s_run r;
	s_read(&r, "account_id,X_Notes,profile,bucket,cloudone_api_key,visionone_token,x_owner\n"
		   "111122223333,\"call Bob, not Alice\",prod,b-1,env:A,env:B,ops\n");
	C1_CHECK_INT(r.errors.count, ==, 0);
	const struct c1_account_row *row = r.list.rows[0];
	C1_CHECK_INT(row->extra_count, ==, 2);
	C1_CHECK_STR(row->extras[0].key, "X_Notes");
	C1_CHECK_STR(row->extras[0].value, "call Bob, not Alice");
	C1_CHECK_STR(row->extras[1].key, "x_owner");
	C1_CHECK_STR(row->extras[1].value, "ops");
	s_done(&r);
}

C1_TEST(duplicate_column_rejected)
{
	struct s_run r;
	s_read(&r, "account_id,profile,bucket,cloudone_api_key,visionone_token,Account_ID\n"
		   "111122223333,prod,b-1,env:A,env:B,111122223333\n");
	s_one(&r, 1, 6, NULL, "repeats column 1");
	C1_CHECK(r.list.rows[0]->valid); /* the first one is used */
	s_done(&r);
}

C1_TEST(missing_required_column_rejected)
{
	struct s_run r;
	s_read(&r, "account_id,bucket,cloudone_api_key,visionone_token\n111122223333,b-1,env:A,env:B\n");
	s_one(&r, 1, 0, NULL, "missing required column profile");
	s_done(&r);
	s_read(&r, "account_id,profile,bucket\n111122223333,p,b-1\n");
	C1_CHECK_INT(r.errors.count, ==, 2);
	C1_CHECK_CONTAINS(r.errors.items[0].message, "--cloudone-api-key");
	C1_CHECK_CONTAINS(r.errors.items[1].message, "--visionone-token");
	s_done(&r);
}

C1_TEST(option_defaults_replace_missing_columns_and_empty_cells)
{
	struct s_run r;
	struct c1_intake_options opts = {0};
	opts.default_cloudone_api_key_ref = "env:C1_DEFAULT";
	opts.default_visionone_token_ref = "file:~/v1-token";
	s_read_opts(&r, "account_id,profile,bucket\n111122223333,p,b-1\n", &opts);
	C1_CHECK_INT(r.errors.count, ==, 0);
	C1_CHECK_STR(r.list.rows[0]->cloudone_api_key_ref, "env:C1_DEFAULT");
	C1_CHECK_STR(r.list.rows[0]->visionone_token_ref, "file:~/v1-token");
	s_done(&r);

	s_read_opts(
	    &r, "account_id,profile,bucket,cloudone_api_key\n111122223333,p,b-1,\n444455556666,p,b-1,env:X\n",
	    &opts);
	C1_CHECK_INT(r.errors.count, ==, 0);
	C1_CHECK_STR(r.list.rows[0]->cloudone_api_key_ref, "env:C1_DEFAULT");
	C1_CHECK_STR(r.list.rows[1]->cloudone_api_key_ref, "env:X");
	s_done(&r);

	opts.default_cloudone_api_key_ref = "c1-plaintext-api-key-123";
	s_read_opts(&r, "account_id,profile,bucket\n111122223333,p,b-1\n", &opts);
	s_one(&r, 0, 0, "--cloudone-api-key", "plaintext");
	C1_CHECK_NOT_CONTAINS(r.errors.items[0].message, "c1-plaintext");
	C1_CHECK(!r.list.rows[0]->valid);
	s_done(&r);
}

/* --profile: for rows without a profile column, or with an empty cell; a row's own profile wins. */
C1_TEST(profile_option_fills_missing_column_and_empty_cells)
{
	struct s_run r;
	struct c1_intake_options opts = {0};
	opts.default_cloudone_api_key_ref = "env:C1_DEFAULT";
	opts.default_visionone_token_ref = "env:V1_DEFAULT";
	s_read_opts(&r, "account_id,bucket\n111122223333,b-1\n", &opts);
	s_one(&r, 1, 0, NULL, "or pass --profile for all rows");
	s_done(&r);

	opts.default_profile = "msp-hub";
	s_read_opts(&r, "account_id,bucket\n111122223333,b-1\n", &opts);
	C1_CHECK_INT(r.errors.count, ==, 0);
	C1_CHECK_STR(r.list.rows[0]->profile, "msp-hub");
	s_done(&r);

	s_read_opts(&r, "account_id,profile,bucket\n111122223333,,b-1\n444455556666,own,b-1\n", &opts);
	C1_CHECK_INT(r.errors.count, ==, 0);
	C1_CHECK_STR(r.list.rows[0]->profile, "msp-hub");
	C1_CHECK_STR(r.list.rows[1]->profile, "own");
	C1_CHECK_STR(r.list.rows[0]->values[1], ""); /* the input echoed as it was */
	s_done(&r);

	opts.default_profile = "two words";
	s_read_opts(&r, "account_id,bucket\n111122223333,b-1\n", &opts);
	s_one(&r, 0, 0, "--profile", "");
	C1_CHECK(!r.list.rows[0]->valid);
	s_done(&r);
}

/* ---- values ------------------------------------------------------------------------------------- */

C1_TEST(account_id_must_be_12_digits)
{
	s_rule("12345,a,prod,,b-1,,,env:C1_T1,env:V1_T1,\n", 1, "account_id", "\"12345\" has 5 digits");
	s_rule("abcdefghijkl,a,prod,,b-1,,,env:C1_T1,env:V1_T1,\n", 1, "account_id",
	       "not a 12-digit AWS account id");
	s_rule("1234567890123,a,prod,,b-1,,,env:C1_T1,env:V1_T1,\n", 1, "account_id", "exactly 12");
	s_rule(",a,prod,,b-1,,,env:C1_T1,env:V1_T1,\n", 1, "account_id", "is empty");
	s_rule("1234-5678-9012,a,prod,,b-1,,,env:C1_T1,env:V1_T1,\n", 1, "account_id", "remove the dashes");
	s_ok("012345678901,a,prod,,b-1,,,env:C1_T1,env:V1_T1,\n");
}

C1_TEST(account_id_spreadsheet_damage_explained)
{
	s_rule("12345678901,a,prod,,b-1,,,env:C1_T1,env:V1_T1,\n", 1, "account_id",
	       "dropped leading zeros: format the column as Text and write it as 012345678901");
	s_rule("1.23457E+11,a,prod,,b-1,,,env:C1_T1,env:V1_T1,\n", 1, "account_id", "scientific notation");
	s_rule("123456789012.0,a,prod,,b-1,,,env:C1_T1,env:V1_T1,\n", 1, "account_id", "decimal number");
}

C1_TEST(profile_must_be_a_profile_name)
{
	s_rule("777788889999,a,,,b-1,,,env:C1_T1,env:V1_T1,\n", 3, "profile", "is empty");
	s_rule("777788889999,a,my profile,,b-1,,,env:C1_T1,env:V1_T1,\n", 3, "profile",
	       "cannot contain spaces");
	s_rule("777788889999,a,[prod],,b-1,,,env:C1_T1,env:V1_T1,\n", 3, "profile", "'['");
}

C1_TEST(region_must_be_in_cloudone_table)
{
	s_rule("777788889999,a,prod,eu-west-1,b-1,,,env:C1_T1,env:V1_T1,\n", 4, "region",
	       "hosts no Cloud One region; the allowed regions are us-east-1, ap-south-1, eu-west-2");
	s_rule("777788889999,a,prod,eu-west-1,b-1,,,env:C1_T1,env:V1_T1,\n", 4, "region",
	       "leave region empty");
	s_rule("777788889999,a,prod,moon-1,b-1,,,env:C1_T1,env:V1_T1,\n", 4, "region",
	       "is not an AWS region");
	s_rule("777788889999,a,prod,de-1,b-1,,,env:C1_T1,env:V1_T1,\n", 4, "region",
	       "Cloud One region code, not an AWS region; write its AWS region eu-central-1");
	s_ok("777788889999,a,prod,ca-central-1,b-1,,,env:C1_T1,env:V1_T1,\n");
}

C1_TEST(create_new_trail_is_a_boolean)
{
	s_rule("777788889999,a,prod,,b-1,maybe,,env:C1_T1,env:V1_T1,\n", 6, "create_new_trail",
	       "write true, false, yes, no, 1 or 0");
	s_ok("777788889999,a,prod,,,TRUE,,env:C1_T1,env:V1_T1,\n");
	s_ok("777788889999,a,prod,,,Yes,,env:C1_T1,env:V1_T1,\n");
	s_ok("777788889999,a,prod,,,1,,env:C1_T1,env:V1_T1,\n");
	s_ok("777788889999,a,prod,,b-1,No,,env:C1_T1,env:V1_T1,\n");
	s_ok("777788889999,a,prod,,b-1,0,,env:C1_T1,env:V1_T1,\n");
}

C1_TEST(bucket_required_without_new_trail)
{
	s_rule("777788889999,a,prod,,,false,,env:C1_T1,env:V1_T1,\n", 5, "bucket",
	       "is required when create_new_trail is false");
	s_rule("777788889999,a,prod,,,,,env:C1_T1,env:V1_T1,\n", 5, "bucket", "is required");
}

C1_TEST(bucket_forbidden_with_new_trail)
{
	s_rule("777788889999,a,prod,,b-1,true,,env:C1_T1,env:V1_T1,\n", 5, "bucket",
	       "must be empty when create_new_trail is true");
}

C1_TEST(bucket_follows_s3_naming_rules)
{
	static const char *const bad[][2] = {
	    {"ab", "3 to 63"},
	    {"a234567890123456789012345678901234567890123456789012345678901234", "3 to 63"},
	    {"Trail-Bucket", "uppercase"},
	    {"trail_bucket", "only lowercase letters"},
	    {"-trail", "start and end with a letter or digit"},
	    {"trail.", "start and end"},
	    {"trail..logs", "\"..\""},
	    {"192.168.5.4", "IP address"},
	    {"xn--trail", "prefix xn--"},
	    {"sthree-trail", "prefix sthree-"},
	    {"amzn-s3-demo-trail", "prefix amzn-s3-demo-"},
	    {"trail-s3alias", "suffix -s3alias"},
	    {"trail--ol-s3", "suffix --ol-s3"},
	    {"trail.mrap", "suffix .mrap"},
	    {"trail--x-s3", "suffix --x-s3"},
	    {"s3://trail", "without s3://"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *row = c1_asprintf("777788889999,a,prod,,%s,,,env:C1_T1,env:V1_T1,\n", bad[i][0]);
		s_rule(row, 5, "bucket", bad[i][1]);
		free(row);
	}
	s_ok("777788889999,a,prod,,my.trail-bucket.2024,,,env:C1_T1,env:V1_T1,\n");
	s_ok("777788889999,a,prod,,abc,,,env:C1_T1,env:V1_T1,\n");
}

C1_TEST(stack_name_at_most_8_and_cfn_shaped)
{
	s_rule("777788889999,a,prod,,b-1,,CloudOne1,env:C1_T1,env:V1_T1,\n", 7, "stack_name",
	       "is 9 characters; the stack name may have at most 8");
	s_rule("777788889999,a,prod,,b-1,,1Cloud,env:C1_T1,env:V1_T1,\n", 7, "stack_name",
	       "start with a letter");
	s_rule("777788889999,a,prod,,b-1,,C1_One,env:C1_T1,env:V1_T1,\n", 7, "stack_name",
	       "only letters, digits and '-'");
	s_ok("777788889999,a,prod,,b-1,,C1-One2,env:C1_T1,env:V1_T1,\n");
}

C1_TEST(tags_rules)
{
	s_rule("777788889999,a,prod,,b-1,,,env:C1_T1,env:V1_T1,env=prod;env=dev\n", 10, "tags",
	       "appears twice");
	s_rule("777788889999,a,prod,,b-1,,,env:C1_T1,env:V1_T1,=prod\n", 10, "tags", "empty key");
	s_rule("777788889999,a,prod,,b-1,,,env:C1_T1,env:V1_T1,owner\n", 10, "tags", "has no '='");
	s_rule("777788889999,a,prod,,b-1,,,env:C1_T1,env:V1_T1,aws:cost=1\n", 10, "tags", "reserved by AWS");
	s_rule("777788889999,a,prod,,b-1,,,env:C1_T1,env:V1_T1,C1onboard:run=x\n", 10, "tags",
	       "c1onboard: prefix is reserved");
	char *long_key = c1_malloc(200);
	memset(long_key, 'k', 129);
	long_key[129] = '\0';
	char *row = c1_asprintf("777788889999,a,prod,,b-1,,,env:C1_T1,env:V1_T1,%s=v\n", long_key);
	s_rule(row, 10, "tags", "longer than 128 characters");
	free(row);
	char *long_val = c1_malloc(300);
	memset(long_val, 'v', 257);
	long_val[257] = '\0';
	row = c1_asprintf("777788889999,a,prod,,b-1,,,env:C1_T1,env:V1_T1,k=%s\n", long_val);
	s_rule(row, 10, "tags", "longer than 256 characters");
	free(row);
	long_key[128] = '\0';
	long_val[256] = '\0';
	row = c1_asprintf("777788889999,a,prod,,b-1,,,env:C1_T1,env:V1_T1,%s=%s;x=;y=a=b;\n", long_key,
			  long_val);
	s_ok(row);
	free(row);
	free(long_key);
	free(long_val);

	struct c1_buf many = C1_BUF_INIT;
	c1_buf_puts(&many, "777788889999,a,prod,,b-1,,,env:C1_T1,env:V1_T1,");
	for (int i = 0; i < 49; i++)
		c1_buf_printf(&many, "k%d=v;", i);
	c1_buf_putc(&many, '\n');
	s_rule(c1_buf_cstr(&many), 10, "tags", "more than 48 tags");
	c1_buf_dispose(&many);
}

C1_TEST(plaintext_secret_refused_without_echo)
{
	struct s_run r;
	s_read(&r, HDR GOOD1 "777788889999,a,prod,,b-1,,,k3yS3cr3tV4lu3AAAA,env:V1_T1,\n" GOOD2);
	const struct c1_intake_error *e =
	    s_one(&r, 3, 8, "cloudone_api_key", "plaintext secrets are refused");
	C1_CHECK_CONTAINS(e->message, "chmod 600");
	C1_CHECK_NOT_CONTAINS(e->message, "k3yS3cr3t");
	char *line = c1_intake_error_format(e);
	C1_CHECK_NOT_CONTAINS(line, "k3yS3cr3t");
	free(line);
	/* nor does the row keep it for the results CSV */
	const struct c1_account_row *row = r.list.rows[1];
	C1_CHECK_STR(row->values[7], C1_ACCOUNT_REDACTED);
	C1_CHECK_STR(row->cloudone_api_key_ref, "");
	for (size_t i = 0; i < row->value_count; i++)
		C1_CHECK_NOT_CONTAINS(row->values[i], "k3yS3cr3t");
	s_done(&r);
}

C1_TEST(secret_reference_shape)
{
	s_rule("777788889999,a,prod,,b-1,,,env:9LIVES,env:V1_T1,\n", 8, "cloudone_api_key",
	       "invalid environment variable name");
	s_rule("777788889999,a,prod,,b-1,,,env:C1_T1,env:,\n", 9, "visionone_token", "env: needs the name");
	s_rule("777788889999,a,prod,,b-1,,,env:C1_T1,file:,\n", 9, "visionone_token", "file: needs the path");
	s_rule("777788889999,a,prod,,b-1,,,ENV:C1_T1,env:V1_T1,\n", 8, "cloudone_api_key", "lowercase");
	s_rule("777788889999,a,prod,,b-1,,,env:C1_T1,,\n", 9, "visionone_token", "is empty");
	s_ok("777788889999,a,prod,,b-1,,,file:/run/secrets/c1 key,file:~/v1,\n");
}

/* ---- cross-row ------------------------------------------------------------------------------ */

C1_TEST(duplicate_account_and_region_names_first_line)
{
	s_rule("111122223333,again,prod,us-east-1,b-2,,,env:C1_T1,env:V1_T1,\n", 1, "account_id",
	       "already listed on line 2");
	/* same account in another region is fine */
	struct s_run r;
	s_read(&r, HDR GOOD1 "111122223333,eu,prod,eu-west-2,b-2,,,env:C1_T1,env:V1_T1,\n");
	C1_CHECK_INT(r.errors.count, ==, 0);
	s_done(&r);
	/* empty region twice with the same key derives the same region */
	s_read(&r, HDR "111122223333,a,p,,b-1,,,env:C1_T1,env:V1_T1,\n"
		       "111122223333,b,p,,b-2,,,env:C1_T1,env:V1_T1,\n");
	s_one(&r, 3, 1, "account_id", "already listed on line 2");
	s_done(&r);
}

C1_TEST(shared_api_key_needs_same_token)
{
	struct s_run r;
	s_read(&r, HDR GOOD1 "777788889999,a,prod,,b-1,,,env:C1_T1,env:V1_OTHER,\n" GOOD2
			     "999988887777,a,prod,,b-1,,,env:C1_T2,env:V1_OTHER,\n");
	const struct c1_intake_error *e = s_one(&r, 3, 9, "visionone_token", "on line 2");
	C1_CHECK_CONTAINS(e->message, "env:V1_OTHER differs from env:V1_T1");
	C1_CHECK_CONTAINS(e->message, "env:C1_T1");
	C1_CHECK_INT(r.list.count, ==, 4);
	C1_CHECK(r.list.rows[3]->valid); /* another key may use any token */
	s_done(&r);
}

/* ---- reporting ------------------------------------------------------------------------------ */

C1_TEST(all_errors_of_the_file_in_one_run)
{
	struct s_run r;
	s_read(&r, HDR GOOD1 "12345,a,prod,,b-1,,,env:C1_T1,env:V1_T1,\n"
			     "777788889991,a,prod,mars-1,b-1,,,env:C1_T1,env:V1_T1,\n"
			     "777788889992,a,prod,,B,,,env:C1_T1,env:V1_T1,\n"
			     "777788889993,a,prod,,b-1,,TooLongName,env:C1_T1,env:V1_T1,\n"
			     "777788889994,a,prod,,b-1,,,plain,env:V1_T1,\n" GOOD2);
	C1_CHECK_INT(r.rc, ==, C1_EINVALID);
	C1_CHECK_INT(r.errors.count, ==, 5);
	static const size_t lines[] = {3, 4, 5, 6, 7};
	static const size_t cols[] = {1, 4, 5, 7, 8};
	for (size_t i = 0; i < 5; i++) {
		C1_CHECK_INT(r.errors.items[i].line, ==, lines[i]);
		C1_CHECK_INT(r.errors.items[i].column, ==, cols[i]);
	}
	C1_CHECK_INT(c1_account_list_valid_count(&r.list), ==, 2);
	s_done(&r);
}

C1_TEST(error_format_and_cap)
{
	struct s_run r;
	struct c1_buf csv = C1_BUF_INIT;
	c1_buf_puts(&csv, HDR);
	for (int i = 0; i < 10; i++)
		c1_buf_printf(&csv, "12345,a,prod,,b-1,,,env:C1_T1,env:V1_T1,\n");
	c1_account_list_init(&r.list);
	struct c1_intake_errors e = C1_INTAKE_ERRORS_INIT;
	e.max = 3;
	r.errors = e;
	r.rc = c1_csv_intake_read_mem(&r.list, &r.errors, "accounts.csv", csv.ptr, csv.len, NULL);
	C1_CHECK_INT(r.rc, ==, C1_EINVALID);
	C1_CHECK_INT(r.errors.count, ==, 3);
	C1_CHECK_INT(r.errors.dropped, ==, 7);
	char *line = c1_intake_error_format(&r.errors.items[0]);
	C1_CHECK(strncmp(line, "accounts.csv:2:1: account_id: \"12345\" has 5 digits", 50) == 0);
	free(line);

	char *printed = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&printed, &size);
	c1_intake_errors_print(&r.errors, mem);
	fclose(mem);
	C1_CHECK_CONTAINS(printed, "accounts.csv:4:1: account_id:");
	C1_CHECK_CONTAINS(printed, "accounts.csv: too many errors; 7 more not shown");
	free(printed);
	c1_buf_dispose(&csv);
	s_done(&r);
}

C1_TEST(missing_file_reported)
{
	struct c1_account_list list;
	struct c1_intake_errors errors = C1_INTAKE_ERRORS_INIT;
	c1_account_list_init(&list);
	char *path = c1_asprintf("%s/nope.csv", c1_test_tmpdir());
	int rc = c1_csv_intake_read(&list, &errors, path, NULL);
	C1_CHECK_INT(rc, ==, C1_ENOTFOUND);
	C1_CHECK_INT(errors.count, ==, 1);
	C1_CHECK_CONTAINS(errors.items[0].message, "cannot open");
	C1_CHECK_CONTAINS(c1_error_last(), "nope.csv");
	free(path);
	c1_account_list_dispose(&list);
	c1_intake_errors_dispose(&errors);
}

C1_TEST(examples_validate)
{
	struct c1_account_list list;
	struct c1_intake_errors errors = C1_INTAKE_ERRORS_INIT;
	c1_account_list_init(&list);
	int rc = c1_csv_intake_read(&list, &errors, c1_test_source_path("examples/accounts.csv"), NULL);
	c1_intake_errors_print(&errors, stderr);
	C1_CHECK_INT(rc, ==, 0);
	C1_CHECK_INT(list.count, ==, 5);
	C1_CHECK_INT(c1_account_list_valid_count(&list), ==, 5);
	bool new_trail = false;
	for (size_t i = 0; i < list.count; i++)
		new_trail = new_trail || list.rows[i]->create_new_trail;
	C1_CHECK(new_trail);
	C1_CHECK_INT(list.rows[0]->extra_count, ==, 1);
	c1_account_list_dispose(&list);
	c1_intake_errors_dispose(&errors);

	/* the bad example shows one error per rule */
	c1_account_list_init(&list);
	rc = c1_csv_intake_read(&list, &errors, c1_test_source_path("examples/bad-accounts.csv"), NULL);
	C1_CHECK_INT(rc, ==, C1_EINVALID);
	C1_CHECK_INT(errors.count, >=, 15);
	for (size_t i = 1; i < errors.count; i++)
		C1_CHECK_INT(errors.items[i].line, >, errors.items[i - 1].line); /* one per row */
	c1_account_list_dispose(&list);
	c1_intake_errors_dispose(&errors);
}

/* ---- memory --------------------------------------------------------------------------------- */

#if defined(__SANITIZE_ADDRESS__)
#define S_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define S_ASAN 1
#endif
#endif

#ifdef S_ASAN
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
					      void (*free_hook)(const volatile void *));
size_t __sanitizer_get_allocated_size(const volatile void *p);
int __sanitizer_get_ownership(const volatile void *p);

static long long s_heap_now, s_heap_peak;

static void s_malloc_hook(const volatile void *p, size_t size)
{
	(void)p;
	s_heap_now += (long long)size;
	if (s_heap_now > s_heap_peak)
		s_heap_peak = s_heap_now;
}

static void s_free_hook(const volatile void *p)
{
	if (p && __sanitizer_get_ownership(p))
		s_heap_now -= (long long)__sanitizer_get_allocated_size(p);
}
#endif

C1_TEST(hundred_thousand_rows_stream_in_bounded_memory)
{
	char *path = c1_asprintf("%s/big.csv", c1_test_tmpdir());
	FILE *f = fopen(path, "wb");
	C1_CHECK(f != NULL);
	fputs("account_id,name,profile,region,bucket,cloudone_api_key,visionone_token,tags,x_notes\n", f);
	for (int i = 0; i < 100000; i++)
		fprintf(f,
			"%012d,Customer %d,cust%d,,trail-%d,env:C1_T%d,env:V1_T%d,team=t%d,"
			"\"onboarded by the night shift, ticket %d, reviewed by the MSP team\"\n",
			100000000 + i, i, i, i, i % 10, i % 10, i % 7, i);
	fclose(f);
	struct stat st;
	C1_CHECK_INT(stat(path, &st), ==, 0);

	struct c1_account_list list;
	struct c1_intake_errors errors = C1_INTAKE_ERRORS_INIT;
	struct c1_intake_stats stats;
	struct c1_intake_options opts = {0};
	opts.stats = &stats;
	c1_account_list_init(&list);
#ifdef S_ASAN
	static bool hooked;
	if (!hooked)
		hooked = __sanitizer_install_malloc_and_free_hooks(s_malloc_hook, s_free_hook) != 0;
	long long before = s_heap_now;
	s_heap_peak = s_heap_now;
#endif
	int rc = c1_csv_intake_read(&list, &errors, path, &opts);
#ifdef S_ASAN
	long long after = s_heap_now, peak = s_heap_peak;
#endif
	c1_intake_errors_print(&errors, stderr);
	C1_CHECK_INT(rc, ==, 0);
	C1_CHECK_INT(list.count, ==, 100000);
	C1_CHECK_STR(list.rows[99999]->account_id, "000100099999");
	C1_CHECK_INT(list.rows[99999]->line, ==, 100001);
	/* the file went through the parser in fixed chunks and no cell buffer grew with it */
	C1_CHECK_INT(stats.bytes_read, ==, st.st_size);
	C1_CHECK_INT(stats.largest_read, ==, C1_INTAKE_CHUNK);
	C1_CHECK_INT(stats.parser_buffer_max, <=, C1_INTAKE_FIELD_MAX);
	C1_CHECK_INT(stats.rows_seen, ==, 100000);
#ifdef S_ASAN
	/* peak heap while reading = the rows kept + the cross-row index (one short key per row,
	 * freed at the end) + a small constant, far below the file size */
	fprintf(stderr, "file %lld bytes, rows %lld bytes, peak above rows %lld bytes\n",
		(long long)st.st_size, after - before, peak - after);
	C1_CHECK_INT(st.st_size, >, 12 * 1024 * 1024);
	C1_CHECK_INT(after - before, >, 0);
	C1_CHECK_INT(peak - after, <, 2 * 1024 * 1024 + 128 * 100000);
#endif
	c1_account_list_dispose(&list);
	c1_intake_errors_dispose(&errors);
	free(path);
}

struct s_batches {
	size_t calls;
	size_t rows;
	size_t largest;
	size_t invalid;
	size_t last_line;
	bool in_order;
};

static void s_on_batch(struct c1_account_list *batch, void *user)
{
	struct s_batches *b = user;
	b->calls++;
	b->rows += batch->count;
	b->largest = batch->count > b->largest ? batch->count : b->largest;
	for (size_t i = 0; i < batch->count; i++) {
		b->invalid += batch->rows[i]->valid ? 0 : 1;
		b->in_order = b->in_order && batch->rows[i]->line > b->last_line;
		b->last_line = batch->rows[i]->line;
	}
}

/* validate's way of reading: rows come in batches and are freed after each, so the heap holds
 * one batch plus the cross-row index however long the file; the cross-row rules still see the
 * whole file (a duplicate of line 2 on the last line, a tenant's token changed far below). */
C1_TEST(batches_keep_memory_bounded_and_cross_row_rules_whole)
{
	char *path = c1_asprintf("%s/batches.csv", c1_test_tmpdir());
	FILE *f = fopen(path, "wb");
	C1_CHECK(f != NULL);
	fputs("account_id,name,profile,region,bucket,cloudone_api_key,visionone_token,x_notes\n", f);
	for (int i = 0; i < 100000; i++)
		fprintf(
		    f,
		    "%012d,Customer %d,cust%d,us-east-1,trail-%d,env:C1_T%d,env:V1_T%d,\"ticket %d, ok\"\n",
		    100000000 + i, i, i, i, i % 10, i % 10, i);
	fprintf(f, "%012d,again,cust0,us-east-1,trail-x,env:C1_T3,env:V1_T3,\n", 100000000);
	fprintf(f, "%012d,other token,cust9,us-east-1,trail-y,env:C1_T4,env:V1_T9,\n", 200000000);
	fclose(f);

	struct c1_account_list list;
	struct c1_intake_errors errors = C1_INTAKE_ERRORS_INIT;
	struct c1_intake_options opts = {0};
	struct s_batches b = {0};
	b.in_order = true;
	opts.on_batch = s_on_batch;
	opts.batch_user = &b;
	opts.batch_rows = 1000;
	c1_account_list_init(&list);
#ifdef S_ASAN
	static bool hooked;
	if (!hooked)
		hooked = __sanitizer_install_malloc_and_free_hooks(s_malloc_hook, s_free_hook) != 0;
	long long before = s_heap_now;
	s_heap_peak = s_heap_now;
#endif
	int rc = c1_csv_intake_read(&list, &errors, path, &opts);
#ifdef S_ASAN
	long long peak = s_heap_peak;
	fprintf(stderr, "batches: peak %lld bytes above the start\n", peak - before);
	/* the rows alone would be about 50 MB (hundred_thousand_rows_stream_in_bounded_memory) */
	C1_CHECK_INT(peak - before, <, 2 * 1024 * 1024 + 128 * 100000);
#endif
	C1_CHECK_INT(rc, ==, C1_EINVALID);
	C1_CHECK_INT(b.rows, ==, 100002);
	C1_CHECK_INT(b.largest, ==, 1000);
	C1_CHECK_INT(b.calls, ==, 101);
	C1_CHECK(b.in_order);
	C1_CHECK_INT(b.invalid, ==, 2);
	C1_CHECK_INT(list.count, ==, 0); /* every batch was let go */
	C1_CHECK_INT(errors.count, ==, 2);
	C1_CHECK_INT(errors.items[0].line, ==, 100002);
	C1_CHECK(strstr(errors.items[0].message, "already listed on line 2") != NULL);
	C1_CHECK_INT(errors.items[1].line, ==, 100003);
	C1_CHECK(strstr(errors.items[1].message, "env:V1_T4 on line 6") != NULL);
	c1_account_list_dispose(&list);
	c1_intake_errors_dispose(&errors);
	free(path);
}

/* A results.csv is an input too: its result columns are known (status is kept for --retry-failed),
 * and a cell results.csv neutralised ('=...) reads back as written. */
C1_TEST(results_csv_reads_back_as_input)
{
	struct s_run r;
	s_read(&r, "account_id,name,profile,create_new_trail,cloudone_api_key,visionone_token,status,reason,"
		   "run_id,changed_since_previous,previous_status\n"
		   "111122223333,\"'=HYPERLINK(\"\"x\"\")\",prod,true,env:C1_T1,env:V1_T1,rolled_back,"
		   "\"ws_connector failed\",20261206T0000Z-ab,new,\n");
	if (r.rc != 0)
		s_dump(&r);
	C1_CHECK_INT(r.rc, ==, 0);
	C1_CHECK_INT(r.errors.count, ==, 0);
	C1_CHECK_INT(r.list.count, ==, 1);
	C1_CHECK_INT(r.list.status_column, ==, 6);
	C1_CHECK_STR(r.list.rows[0]->name, "=HYPERLINK(\"x\")");
	C1_CHECK_STR(r.list.rows[0]->values[6], "rolled_back");
	C1_CHECK_INT(r.list.header_kind[7], ==, C1_COL_RESULT);
	C1_CHECK_INT(r.list.rows[0]->extra_count, ==, 0);
	s_done(&r);
	/* a plain spreadsheet has none, and a repeated result column is refused like any other */
	s_read(&r, HDR GOOD1);
	C1_CHECK_INT(r.list.status_column, ==, -1);
	s_done(&r);
	s_read(&r, "account_id,profile,create_new_trail,cloudone_api_key,visionone_token,status,Status\n"
		   "111122223333,prod,true,env:C1_T1,env:V1_T1,failed,failed\n");
	C1_CHECK(r.errors.count > 0);
	s_done(&r);
}
