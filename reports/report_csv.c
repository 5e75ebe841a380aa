/* CSV cells and rows, quoted and neutralised. */
#include "reports/report_csv.h"

#include <stdbool.h>
#include <string.h>

static bool s_formula(const char *cell)
{
	return cell[0] && strchr("=+-@\t\r", cell[0]) != NULL;
}

void c1_csv_put_cell(struct c1_buf *out, const char *cell)
{
	if (!cell)
		cell = "";
	size_t n = strlen(cell);
	bool neutralise = s_formula(cell);
	bool quote = neutralise || strpbrk(cell, ",\"\r\n") != NULL ||
		     (n > 0 && (cell[0] == ' ' || cell[n - 1] == ' '));
	if (!quote) {
		c1_buf_put(out, cell, n);
		return;
	}
	c1_buf_putc(out, '"');
	if (neutralise)
		c1_buf_putc(out, '\'');
	for (const char *p = cell; *p; p++) {
		if (*p == '"')
			c1_buf_putc(out, '"');
		c1_buf_putc(out, *p);
	}
	c1_buf_putc(out, '"');
}

void c1_csv_put_row(struct c1_buf *out, const char *const *cells, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			c1_buf_putc(out, ',');
		c1_csv_put_cell(out, cells[i]);
	}
	c1_buf_putc(out, '\n');
}
