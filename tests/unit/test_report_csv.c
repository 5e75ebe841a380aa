/* CSV cells: RFC 4180 quoting, and formulas neutralised (OWASP CSV injection). */
#include "harness.h"

#include "reports/report_csv.h"

static const char *s_cell(const char *in)
{
	static char out[256];
	struct c1_buf b = C1_BUF_INIT;
	c1_csv_put_cell(&b, in);
	snprintf(out, sizeof(out), "%s", c1_buf_cstr(&b));
	c1_buf_dispose(&b);
	return out;
}

C1_TEST(cells_are_quoted_only_when_needed)
{
	C1_CHECK_STR(s_cell("plain"), "plain");
	C1_CHECK_STR(s_cell(NULL), "");
	C1_CHECK_STR(s_cell(""), "");
	C1_CHECK_STR(s_cell("a,b"), "\"a,b\"");
	C1_CHECK_STR(s_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
	C1_CHECK_STR(s_cell("two\nlines"), "\"two\nlines\"");
	C1_CHECK_STR(s_cell(" edge"), "\" edge\"");
	C1_CHECK_STR(s_cell("111122223333"), "111122223333");
}

C1_TEST(formulas_are_neutralised)
{
	C1_CHECK_STR(s_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
	C1_CHECK_STR(s_cell("+1"), "\"'+1\"");
	C1_CHECK_STR(s_cell("-2+3"), "\"'-2+3\"");
	C1_CHECK_STR(s_cell("@SUM(A1)"), "\"'@SUM(A1)\"");
	C1_CHECK_STR(s_cell("\tx"), "\"'\tx\"");
	C1_CHECK_STR(s_cell("a=b"), "a=b"); /* only a leading sign makes a formula */
}

C1_TEST(rows_end_with_a_newline)
{
	struct c1_buf b = C1_BUF_INIT;
	const char *cells[] = {"a", "b,c", "=1"};
	c1_csv_put_row(&b, cells, 3);
	C1_CHECK_STR(c1_buf_cstr(&b), "a,\"b,c\",\"'=1\"\n");
	c1_buf_dispose(&b);
}
