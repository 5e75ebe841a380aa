#include "batch/csv_intake.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/core/utf8.h"

#include <csv.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- errors ------------------------------------------------------------------------------- */

void c1_intake_errors_add(struct c1_intake_errors *errors, const char *file, size_t line, size_t column,
			  const char *column_name, const char *fmt, ...)
{
	size_t max = errors->max ? errors->max : C1_INTAKE_MAX_ERRORS;
	if (errors->count >= max) {
		errors->dropped++;
		return;
	}
	if (errors->count == errors->cap) {
		errors->cap = errors->cap ? errors->cap * 2 : 16;
		errors->items = c1_realloc(errors->items, errors->cap * sizeof(*errors->items));
	}
	struct c1_intake_error *e = &errors->items[errors->count++];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *text = c1_malloc(n > 0 ? (size_t)n + 1 : 1);
	text[0] = '\0';
	va_start(ap, fmt);
	if (n > 0)
		vsnprintf(text, (size_t)n + 1, fmt, ap);
	va_end(ap);
	e->file = c1_strdup(file ? file : "");
	e->line = line;
	e->column = column;
	e->column_name = column_name ? c1_strdup(column_name) : NULL;
	e->message = text;
}

void c1_intake_errors_dispose(struct c1_intake_errors *errors)
{
	if (!errors)
		return;
	for (size_t i = 0; i < errors->count; i++) {
		free(errors->items[i].file);
		free(errors->items[i].column_name);
		free(errors->items[i].message);
	}
	free(errors->items);
	errors->items = NULL;
	errors->count = errors->cap = errors->dropped = 0;
}

char *c1_intake_error_format(const struct c1_intake_error *error)
{
	struct c1_buf out = C1_BUF_INIT;
	c1_buf_puts(&out, error->file);
	if (error->line) {
		c1_buf_printf(&out, ":%zu", error->line);
		if (error->column)
			c1_buf_printf(&out, ":%zu", error->column);
	}
	c1_buf_puts(&out, ": ");
	if (error->column_name && *error->column_name)
		c1_buf_printf(&out, "%s: ", error->column_name);
	c1_buf_puts(&out, error->message);
	return c1_buf_detach(&out);
}

void c1_intake_errors_print(const struct c1_intake_errors *errors, FILE *out)
{
	for (size_t i = 0; i < errors->count; i++) {
		char *line = c1_intake_error_format(&errors->items[i]);
		fprintf(out, "%s\n", line);
		free(line);
	}
	if (errors->dropped)
		fprintf(out, "%s: too many errors; %zu more not shown (fix the ones above and run again)\n",
			errors->count ? errors->items[0].file : "", errors->dropped);
}

/* ---- reader state ------------------------------------------------------------------------- */

/* Open-addressing set of keys copied out of the rows, so that a batch reader can free rows as
 * it goes and memory grows by one short key per row, not by the row. `aux` is the Vision One
 * reference of the tenant index's first row. */
struct s_index_entry {
	const char *key; /* NUL-separated parts (a part may be empty) */
	const char *aux;
	size_t len;  /* of key */
	size_t line; /* where the key was first seen */
};

/* Keys live in blocks that never move, so entries point into them; blocks double from 4 KiB
 * (a small sheet stays small) up to 1 MiB. */
struct s_key_block {
	struct s_key_block *next;
	size_t used;
	size_t size;
	char bytes[];
};

#define S_KEY_BLOCK_FIRST ((size_t)4 << 10)
#define S_KEY_BLOCK_MAX   ((size_t)1 << 20)

struct s_index {
	uint32_t *slots; /* entry index + 1; 0 = empty */
	size_t cap;
	struct s_index_entry *entries;
	size_t used;
	size_t entries_cap;
	struct s_key_block *blocks;
};

struct s_ctx {
	struct c1_account_list *list;
	struct c1_intake_errors *errors;
	const struct c1_intake_options *opts;
	struct c1_intake_stats stats;
	const char *file;
	struct csv_parser parser;
	bool parser_ready;

	size_t line;     /* physical line of the byte being fed, 1-based */
	bool prev_cr;    /* the last terminator was CR (a following LF is the same line end) */
	bool in_row;     /* libcsv has started a record */
	size_t row_line; /* where that record started */
	size_t field_line;
	bool skip_line; /* after a quoting error: drop bytes up to the next line end */
	bool fatal;     /* stop reading (too-wide header, huge cell, UTF-16) */

	bool started; /* the first bytes (BOM check) were examined */
	unsigned char lead[3];
	size_t lead_len;

	/* cells of the record being read */
	struct c1_buf cells;
	size_t cell_off[C1_INTAKE_MAX_COLUMNS];
	size_t cell_len[C1_INTAKE_MAX_COLUMNS];
	size_t cell_line[C1_INTAKE_MAX_COLUMNS];
	bool cell_bad[C1_INTAKE_MAX_COLUMNS];
	size_t ncells;  /* stored */
	size_t nfields; /* seen (may exceed the header) */

	bool have_header;
	bool header_failed; /* rows cannot be interpreted; they are counted, not checked */
	bool default_c1_bad;
	bool default_v1_bad;
	bool default_profile_bad;

	struct s_index dup;  /* (account_id, region) */
	struct s_index pair; /* cloudone_api_key_ref -> first row */
	struct c1_buf key;   /* the index key being built */
	struct c1_buf msg;
};

static void *s_csv_realloc(void *ptr, size_t size)
{
	/* libcsv grows its cell buffer through here; refusing past the cap makes it stop with
	 * CSV_ENOMEM instead of following a runaway quoted cell through the whole file. */
	if (size > C1_INTAKE_FIELD_MAX)
		return NULL;
	return c1_realloc(ptr, size);
}

static void s_csv_free(void *ptr)
{
	free(ptr);
}

static void s_parser_init(struct s_ctx *ctx)
{
	csv_init(&ctx->parser, CSV_STRICT | CSV_STRICT_FINI);
	csv_set_realloc_func(&ctx->parser, s_csv_realloc);
	csv_set_free_func(&ctx->parser, s_csv_free);
	csv_set_blk_size(&ctx->parser, 4096);
	ctx->parser_ready = true;
}

static void s_reset_record(struct s_ctx *ctx)
{
	c1_buf_clear(&ctx->cells);
	ctx->ncells = 0;
	ctx->nfields = 0;
	ctx->in_row = false;
}

static void s_err(struct s_ctx *ctx, size_t line, size_t column, const char *column_name, const char *fmt,
		  ...) __attribute__((format(printf, 5, 6)));

static void s_err(struct s_ctx *ctx, size_t line, size_t column, const char *column_name, const char *fmt,
		  ...)
{
	char text[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	c1_intake_errors_add(ctx->errors, ctx->file, line, column, column_name, "%s", text);
}

/* ---- encoding ---------------------------------------------------------------------------- */

/* Offset of the first byte that is not well-formed UTF-8, or SIZE_MAX. */
static size_t s_utf8_invalid_at(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		size_t n = c1_utf8_seq_len(s + i, len - i);
		if (n == 0)
			return i;
		i += n;
	}
	return SIZE_MAX;
}

/* Checks one cell's bytes; reports and returns false on NUL or invalid UTF-8. */
static bool s_check_encoding(struct s_ctx *ctx, size_t i, const char *column_name)
{
	const unsigned char *p = (const unsigned char *)ctx->cells.ptr + ctx->cell_off[i];
	size_t len = ctx->cell_len[i];
	if (memchr(p, '\0', len)) {
		s_err(ctx, ctx->cell_line[i], i + 1, column_name,
		      "contains a NUL byte; the file is not plain text (saved as UTF-16 or a binary "
		      "format?): save it as \"CSV UTF-8\"");
		return false;
	}
	size_t bad = s_utf8_invalid_at(p, len);
	if (bad != SIZE_MAX) {
		s_err(ctx, ctx->cell_line[i], i + 1, column_name,
		      "contains bytes that are not UTF-8 (0x%02x at byte %zu of the cell); save the file as "
		      "\"CSV UTF-8\" (not a legacy code page such as Windows-1252)",
		      p[bad], bad + 1);
		return false;
	}
	return true;
}

static struct c1_str s_cell(const struct s_ctx *ctx, size_t i)
{
	struct c1_str s = {"", 0};
	if (i < ctx->ncells) {
		s.ptr = ctx->cells.ptr + ctx->cell_off[i];
		s.len = ctx->cell_len[i];
	}
	/* results.csv neutralises cells a spreadsheet would evaluate ('=...): read them back as written */
	if (s.len >= 2 && s.ptr[0] == '\'' && strchr("=+-@\t\r", s.ptr[1]))
		return (struct c1_str){s.ptr + 1, s.len - 1};
	return s;
}

/* ---- header ------------------------------------------------------------------------------ */

static const char *s_known_list(void)
{
	return "account_id, name, profile, region, bucket, create_new_trail, stack_name, "
	       "cloudone_api_key, visionone_token, tags";
}

static bool s_all_digits(struct c1_str s)
{
	for (size_t i = 0; i < s.len; i++) {
		if (s.ptr[i] < '0' || s.ptr[i] > '9')
			return false;
	}
	return s.len > 0;
}

static void s_header(struct s_ctx *ctx)
{
	struct c1_account_list *list = ctx->list;
	size_t line = ctx->row_line;
	list->header_line = line;
	ctx->have_header = true;

	if (ctx->nfields > C1_INTAKE_MAX_COLUMNS) {
		s_err(ctx, line, 0, NULL,
		      "the header has %zu columns, more than the %d this tool reads; is this the right "
		      "file? delete unused columns",
		      ctx->nfields, C1_INTAKE_MAX_COLUMNS);
		ctx->header_failed = true;
		ctx->fatal = true;
		return;
	}
	struct c1_str first = c1_str_trim(s_cell(ctx, 0));
	if (ctx->ncells > 0 && (s_all_digits(first) || c1_account_check_account_id(first, &ctx->msg) == 0)) {
		s_err(ctx, line, 0, NULL,
		      "the first line must be the header row (e.g. account_id,profile,bucket,"
		      "cloudone_api_key,visionone_token) but it looks like data; add the header line");
		ctx->header_failed = true;
		return;
	}
	c1_buf_clear(&ctx->msg);

	list->column_count = ctx->ncells;
	list->header = c1_calloc(ctx->ncells, sizeof(*list->header));
	list->header_kind = c1_calloc(ctx->ncells, sizeof(*list->header_kind));
	for (size_t i = 0; i < ctx->ncells; i++) {
		struct c1_str name = c1_str_trim(s_cell(ctx, i));
		enum c1_account_column kind = C1_COL_UNKNOWN;
		if (!s_check_encoding(ctx, i, NULL)) {
			list->header[i] = c1_strdup("");
			list->header_kind[i] = C1_COL_UNKNOWN;
			continue;
		}
		list->header[i] = c1_str_dup(name);
		if (name.len == 0) {
			s_err(
			    ctx, line, i + 1, NULL,
			    "column %zu has no name; name it (x_... for your own notes) or delete the column",
			    i + 1);
		} else {
			kind = c1_account_column_lookup(name);
		}
		if (kind == C1_COL_UNKNOWN && name.len > 0) {
			const char *near = c1_account_column_suggest(name);
			c1_buf_clear(&ctx->msg);
			c1_account_append_quoted(&ctx->msg, name);
			if (near)
				s_err(ctx, line, i + 1, NULL,
				      "unknown column %s; did you mean %s? (columns of your own must start "
				      "with x_)",
				      c1_buf_cstr(&ctx->msg), near);
			else
				s_err(ctx, line, i + 1, NULL,
				      "unknown column %s; the known columns are %s (columns of your own must "
				      "start with x_)",
				      c1_buf_cstr(&ctx->msg), s_known_list());
		}
		/* duplicates: same known column, or the same x_ or result name ignoring case */
		for (size_t j = 0; j < i && kind != C1_COL_UNKNOWN; j++) {
			bool same = kind == list->header_kind[j] &&
				    ((kind != C1_COL_EXTRA && kind != C1_COL_RESULT) ||
				     c1_str_ieq_cstr(name, list->header[j]));
			if (same) {
				c1_buf_clear(&ctx->msg);
				c1_account_append_quoted(&ctx->msg, name);
				s_err(ctx, line, i + 1, NULL,
				      "column %s repeats column %zu (%s); keep only one of them",
				      c1_buf_cstr(&ctx->msg), j + 1, list->header[j]);
				kind = C1_COL_UNKNOWN; /* the first one is used */
				break;
			}
		}
		list->header_kind[i] = kind;
		if (kind < C1_COL_KNOWN_COUNT)
			list->column_index[kind] = (int)i;
		if (kind == C1_COL_RESULT && c1_str_ieq_cstr(name, "status"))
			list->status_column = (int)i;
	}
	c1_buf_clear(&ctx->msg);

	if (list->column_index[C1_COL_ACCOUNT_ID] < 0)
		s_err(ctx, line, 0, NULL,
		      "missing required column account_id: add it with the 12-digit AWS account id of each "
		      "row (format the column as Text)");
	if (list->column_index[C1_COL_PROFILE] < 0 && !list->default_profile)
		s_err(ctx, line, 0, NULL,
		      "missing required column profile: add it with the AWS profile (from ~/.aws/config) "
		      "that reaches each account, or pass --profile for all rows");
	if (list->column_index[C1_COL_CLOUDONE_API_KEY] < 0 && !list->default_cloudone_api_key_ref)
		s_err(ctx, line, 0, NULL,
		      "missing column cloudone_api_key: add it with a reference (env:VAR or file:PATH) per "
		      "row, or pass --cloudone-api-key for all rows");
	if (list->column_index[C1_COL_VISIONONE_TOKEN] < 0 && !list->default_visionone_token_ref)
		s_err(ctx, line, 0, NULL,
		      "missing column visionone_token: add it with a reference (env:VAR or file:PATH) per "
		      "row, or pass --visionone-token for all rows");
}

/* ---- cross-row index ---------------------------------------------------------------------- */

static uint64_t s_fnv(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static const char *s_index_copy(struct s_index *ix, const char *bytes, size_t len)
{
	struct s_key_block *b = ix->blocks;
	if (!b || b->size - b->used < len) {
		size_t size = !b                          ? S_KEY_BLOCK_FIRST
			      : b->size < S_KEY_BLOCK_MAX ? b->size * 2
							  : S_KEY_BLOCK_MAX;
		size = len > size ? len : size;
		b = c1_malloc(sizeof(*b) + size);
		b->next = ix->blocks;
		b->used = 0;
		b->size = size;
		ix->blocks = b;
	}
	char *at = b->bytes + b->used;
	memcpy(at, bytes, len);
	b->used += len;
	return at;
}

static void s_index_grow(struct s_index *ix)
{
	size_t cap = ix->cap ? ix->cap * 2 : 64;
	uint32_t *slots = c1_calloc(cap, sizeof(*slots));
	for (size_t i = 0; i < ix->used; i++) {
		size_t at = (size_t)s_fnv(ix->entries[i].key, ix->entries[i].len) & (cap - 1);
		while (slots[at])
			at = (at + 1) & (cap - 1);
		slots[at] = (uint32_t)(i + 1);
	}
	free(ix->slots);
	ix->slots = slots;
	ix->cap = cap;
}

/* The entry holding `key` (built by s_key_*), or a new one for `line` (then *added). */
static const struct s_index_entry *s_index_find_or_add(struct s_index *ix, const struct c1_buf *key,
						       const char *aux, size_t line, bool *added)
{
	struct c1_str k = c1_buf_view(key);
	size_t len = k.len;
	*added = false;
	if ((ix->used + 1) * 4 >= ix->cap * 3)
		s_index_grow(ix);
	size_t at = (size_t)s_fnv(k.ptr, len) & (ix->cap - 1);
	while (ix->slots[at]) {
		const struct s_index_entry *e = &ix->entries[ix->slots[at] - 1];
		if (e->len == len && memcmp(e->key, k.ptr, len) == 0)
			return e;
		at = (at + 1) & (ix->cap - 1);
	}
	if (ix->used == ix->entries_cap) {
		ix->entries_cap = ix->entries_cap ? ix->entries_cap * 2 : 64;
		ix->entries = c1_realloc(ix->entries, ix->entries_cap * sizeof(*ix->entries));
	}
	struct s_index_entry *e = &ix->entries[ix->used];
	e->key = s_index_copy(ix, k.ptr, len);
	e->len = len;
	e->aux = aux ? s_index_copy(ix, aux, strlen(aux) + 1) : NULL;
	e->line = line;
	ix->slots[at] = (uint32_t)(++ix->used);
	*added = true;
	return e;
}

static void s_index_dispose(struct s_index *ix)
{
	while (ix->blocks) {
		struct s_key_block *next = ix->blocks->next;
		free(ix->blocks);
		ix->blocks = next;
	}
	free(ix->slots);
	free(ix->entries);
	memset(ix, 0, sizeof(*ix));
}

/* (account_id, region). The region of an empty-region row is the region of its API key: two
 * such rows of one account with the same key reference collide after derivation, so the key
 * reference stands in for the region. */
static void s_key_dup(struct c1_buf *key, const struct c1_account_row *r)
{
	c1_buf_clear(key);
	c1_buf_put(key, r->account_id, strlen(r->account_id) + 1);
	c1_buf_put(key, r->region, strlen(r->region) + 1);
	if (!*r->region)
		c1_buf_put(key, r->cloudone_api_key_ref, strlen(r->cloudone_api_key_ref) + 1);
}

/* the tenant: its Cloud One key reference */
static void s_key_tenant(struct c1_buf *key, const struct c1_account_row *r)
{
	c1_buf_clear(key);
	c1_buf_put(key, r->cloudone_api_key_ref, strlen(r->cloudone_api_key_ref) + 1);
}

/* ---- data rows ----------------------------------------------------------------------------- */

struct s_loc {
	int idx; /* header position, -1 when the column is absent */
	size_t line;
	size_t column;
	const char *name;
};

static struct s_loc s_loc(const struct s_ctx *ctx, enum c1_account_column col)
{
	struct s_loc l = {ctx->list->column_index[col], ctx->row_line, 0, c1_account_column_name(col)};
	if (l.idx >= 0) {
		l.column = (size_t)l.idx + 1;
		if ((size_t)l.idx < ctx->ncells)
			l.line = ctx->cell_line[l.idx];
	}
	return l;
}

static struct c1_str s_value(const struct s_ctx *ctx, struct s_loc l)
{
	if (l.idx < 0)
		return (struct c1_str){"", 0};
	return s_cell(ctx, (size_t)l.idx);
}

static bool s_bad(const struct s_ctx *ctx, struct s_loc l)
{
	return l.idx >= 0 && (size_t)l.idx < ctx->ncells && ctx->cell_bad[l.idx];
}

/* Runs one rule; reports its message at the cell. */
static bool s_rule(struct s_ctx *ctx, struct s_loc l, int rc)
{
	if (rc == 0) {
		c1_buf_clear(&ctx->msg);
		return true;
	}
	s_err(ctx, l.line, l.column, l.name, "%s", c1_buf_cstr(&ctx->msg));
	c1_buf_clear(&ctx->msg);
	return false;
}

struct s_refcheck {
	bool ok;
	bool from_default;
	struct c1_str value;
};

static struct s_refcheck s_ref(struct s_ctx *ctx, enum c1_account_column col, const char *dflt, bool dflt_bad,
			       const char *option)
{
	struct s_loc l = s_loc(ctx, col);
	struct s_refcheck r = {false, false, s_value(ctx, l)};
	if (s_bad(ctx, l))
		return r;
	if (r.value.len == 0 && dflt) {
		r.from_default = true;
		r.value = c1_str_from(dflt);
		r.ok = !dflt_bad;
		return r;
	}
	if (l.idx < 0)
		return r; /* missing column: reported once on the header */
	if (r.value.len == 0) {
		s_err(ctx, l.line, l.column, l.name,
		      "is empty; write a secret reference (env:VAR or file:PATH) or pass %s for all rows",
		      option);
		return r;
	}
	r.ok = s_rule(ctx, l, c1_account_check_secret_ref(r.value, &ctx->msg));
	return r;
}

static bool s_row_blank(const struct s_ctx *ctx)
{
	for (size_t i = 0; i < ctx->ncells; i++) {
		if (ctx->cell_len[i])
			return false;
	}
	return true;
}

/* Offsets into the row storage; turned into pointers once the storage stops moving. */
#define S_NONE SIZE_MAX

static size_t s_store(struct c1_buf *arena, struct c1_str s)
{
	size_t off = arena->len;
	c1_buf_put(arena, s.ptr, s.len);
	c1_buf_putc(arena, '\0');
	return off;
}

/* Hand the rows read so far to the batch reader, then let them go. */
static void s_batch_done(struct s_ctx *ctx)
{
	struct c1_account_list *list = ctx->list;
	if (!ctx->opts || !ctx->opts->on_batch || list->count == 0)
		return;
	ctx->opts->on_batch(list, ctx->opts->batch_user);
	for (size_t i = 0; i < list->count; i++)
		c1_account_row_free(list->rows[i]);
	list->count = 0;
}

static void s_data_row(struct s_ctx *ctx)
{
	struct c1_account_list *list = ctx->list;
	struct c1_account_row *row = NULL;
	struct c1_buf arena = C1_BUF_INIT;
	struct c1_tag_view tags[C1_ACCOUNT_MAX_TAGS];
	size_t ntags = 0;
	size_t ncols = list->column_count;
	size_t *value_off = NULL;
	size_t tag_off[C1_ACCOUNT_MAX_TAGS][2];
	bool ok = true, id_ok = false, region_ok = false;
	bool create_new_trail = false, trail_ok = false, profile_default = false;
	struct s_refcheck c1ref = {false, false, {"", 0}}, v1ref = {false, false, {"", 0}};

	if (s_row_blank(ctx))
		return; /* ",,,," rows are what spreadsheet programs save for empty lines */
	ctx->stats.rows_seen++;
	if (ctx->header_failed)
		return;

	row = c1_calloc(1, sizeof(*row));
	row->line = ctx->row_line;

	if (ctx->nfields > ncols) {
		s_err(ctx, ctx->row_line, ncols + 1, NULL,
		      "this row has %zu cells but the header has %zu columns; remove the extra cells, or "
		      "enclose values that contain commas in double quotes",
		      ctx->nfields, ncols);
		ok = false;
	}
	for (size_t i = 0; i < ctx->ncells; i++) {
		const char *name = list->header_kind[i] < C1_COL_KNOWN_COUNT
				       ? c1_account_column_name(list->header_kind[i])
				       : list->header[i];
		ctx->cell_bad[i] = !s_check_encoding(ctx, i, name);
		ok = ok && !ctx->cell_bad[i];
	}

	if (ctx->nfields <= ncols) {
		struct s_loc l = s_loc(ctx, C1_COL_ACCOUNT_ID);
		if (l.idx >= 0 && !s_bad(ctx, l))
			id_ok = s_rule(ctx, l,
				       c1_account_check_account_id(c1_str_trim(s_value(ctx, l)), &ctx->msg));
		ok = ok && id_ok;

		l = s_loc(ctx, C1_COL_PROFILE);
		profile_default = list->default_profile &&
				  (l.idx < 0 || (!s_bad(ctx, l) && c1_str_trim(s_value(ctx, l)).len == 0));
		if (profile_default)
			ok = ok && !ctx->default_profile_bad;
		else if (l.idx >= 0 && !s_bad(ctx, l))
			ok = s_rule(ctx, l, c1_account_check_profile(s_value(ctx, l), &ctx->msg)) && ok;
		else
			ok = false;

		l = s_loc(ctx, C1_COL_REGION);
		region_ok =
		    !s_bad(ctx, l) && s_rule(ctx, l, c1_account_check_region(s_value(ctx, l), &ctx->msg));
		ok = ok && region_ok;

		l = s_loc(ctx, C1_COL_CREATE_NEW_TRAIL);
		trail_ok =
		    !s_bad(ctx, l) &&
		    s_rule(ctx, l, c1_account_parse_bool(s_value(ctx, l), &create_new_trail, &ctx->msg));
		ok = ok && trail_ok;

		l = s_loc(ctx, C1_COL_BUCKET);
		struct c1_str bucket = s_value(ctx, l);
		if (!s_bad(ctx, l) && trail_ok) {
			if (create_new_trail && bucket.len) {
				s_err(ctx, l.line, l.column, l.name,
				      "must be empty when create_new_trail is true (a new trail gets a new "
				      "bucket); clear bucket, or set create_new_trail to false to use this "
				      "existing bucket");
				ok = false;
			} else if (!create_new_trail && bucket.len == 0) {
				s_err(ctx, l.line, l.column, l.name,
				      "is required when create_new_trail is false: write the name of the "
				      "account's existing CloudTrail S3 bucket, or set create_new_trail to "
				      "true "
				      "to create a new trail and bucket (extra cost)");
				ok = false;
			} else if (bucket.len) {
				ok = s_rule(ctx, l, c1_account_check_bucket(bucket, &ctx->msg)) && ok;
			}
		}

		l = s_loc(ctx, C1_COL_STACK_NAME);
		if (!s_bad(ctx, l))
			ok = s_rule(ctx, l, c1_account_check_stack_name(s_value(ctx, l), &ctx->msg)) && ok;

		c1ref = s_ref(ctx, C1_COL_CLOUDONE_API_KEY, list->default_cloudone_api_key_ref,
			      ctx->default_c1_bad, "--cloudone-api-key");
		v1ref = s_ref(ctx, C1_COL_VISIONONE_TOKEN, list->default_visionone_token_ref,
			      ctx->default_v1_bad, "--visionone-token");
		ok = ok && c1ref.ok && v1ref.ok;

		l = s_loc(ctx, C1_COL_TAGS);
		if (!s_bad(ctx, l))
			ok = s_rule(ctx, l,
				    c1_account_parse_tags(s_value(ctx, l), tags, C1_ACCOUNT_MAX_TAGS, &ntags,
							  &ctx->msg)) &&
			     ok;
	} else {
		ok = false;
	}

	/* Build the storage: every cell as read, then the tag strings. */
	value_off = c1_calloc(ncols ? ncols : 1, sizeof(*value_off));
	for (size_t i = 0; i < ncols; i++) {
		struct c1_str v = s_cell(ctx, i);
		enum c1_account_column kind = list->header_kind[i];
		bool secret_col = kind == C1_COL_CLOUDONE_API_KEY || kind == C1_COL_VISIONONE_TOKEN;
		if (i < ctx->ncells && ctx->cell_bad[i])
			v = (struct c1_str){"", 0}; /* not text; the error already says where */
		if (secret_col && v.len && c1_account_check_secret_ref(v, &ctx->msg) != 0)
			v = C1_STR(C1_ACCOUNT_REDACTED); /* never echo a plaintext secret */
		c1_buf_clear(&ctx->msg);
		value_off[i] = s_store(&arena, v);
	}
	for (size_t i = 0; i < ntags; i++) {
		tag_off[i][0] = s_store(&arena, tags[i].key);
		tag_off[i][1] = s_store(&arena, tags[i].value);
	}
	row->storage = c1_buf_detach(&arena);

	row->value_count = ncols;
	row->values = c1_calloc(ncols ? ncols : 1, sizeof(*row->values));
	for (size_t i = 0; i < ncols; i++)
		row->values[i] = row->storage + value_off[i];
	if (ntags) {
		row->tags = c1_calloc(ntags, sizeof(*row->tags));
		for (size_t i = 0; i < ntags; i++) {
			row->tags[i].key = row->storage + tag_off[i][0];
			row->tags[i].value = row->storage + tag_off[i][1];
		}
		row->tag_count = ntags;
	}
	size_t nextra = 0;
	for (size_t i = 0; i < ncols; i++)
		nextra += list->header_kind[i] == C1_COL_EXTRA ? 1 : 0;
	if (nextra) {
		row->extras = c1_calloc(nextra, sizeof(*row->extras));
		for (size_t i = 0; i < ncols; i++) {
			if (list->header_kind[i] == C1_COL_EXTRA) {
				row->extras[row->extra_count].key = list->header[i];
				row->extras[row->extra_count].value = row->values[i];
				row->extra_count++;
			}
		}
	}

#define S_COLV(col) (list->column_index[col] >= 0 ? row->values[list->column_index[col]] : "")
	row->account_id = S_COLV(C1_COL_ACCOUNT_ID);
	row->name = S_COLV(C1_COL_NAME);
	row->profile = profile_default ? list->default_profile : S_COLV(C1_COL_PROFILE);
	row->region = region_ok ? S_COLV(C1_COL_REGION) : "";
	row->bucket = S_COLV(C1_COL_BUCKET);
	row->create_new_trail = create_new_trail;
	row->stack_name =
	    *S_COLV(C1_COL_STACK_NAME) ? S_COLV(C1_COL_STACK_NAME) : C1_ACCOUNT_DEFAULT_STACK_NAME;
	if (c1ref.ok)
		row->cloudone_api_key_ref =
		    c1ref.from_default ? list->default_cloudone_api_key_ref : S_COLV(C1_COL_CLOUDONE_API_KEY);
	else
		row->cloudone_api_key_ref = "";
	if (v1ref.ok)
		row->visionone_token_ref =
		    v1ref.from_default ? list->default_visionone_token_ref : S_COLV(C1_COL_VISIONONE_TOKEN);
	else
		row->visionone_token_ref = "";
#undef S_COLV
	/* The account id cell may carry spaces the checks trimmed; the typed field must not. */
	if (id_ok) {
		char *id = (char *)row->account_id;
		struct c1_str t = c1_str_trim(c1_str_from(id));
		memmove(id, t.ptr, t.len);
		id[t.len] = '\0';
	}

	/* Cross-row rules, on the values as typed (secrets are compared after resolution). */
	bool added;
	if (id_ok && region_ok && (*row->region || c1ref.ok)) {
		s_key_dup(&ctx->key, row);
		const struct s_index_entry *first =
		    s_index_find_or_add(&ctx->dup, &ctx->key, NULL, row->line, &added);
		if (!added) {
			struct s_loc l = s_loc(ctx, C1_COL_ACCOUNT_ID);
			if (*row->region)
				s_err(ctx, l.line, l.column, l.name,
				      "account %s in region %s is already listed on line %zu; each "
				      "(account_id, "
				      "region) pair may appear once: delete this row or change its region",
				      row->account_id, row->region, first->line);
			else
				s_err(
				    ctx, l.line, l.column, l.name,
				    "account %s with region derived from the same Cloud One API key (%s) is "
				    "already listed on line %zu; each (account_id, region) pair may appear "
				    "once: delete this row",
				    row->account_id, row->cloudone_api_key_ref, first->line);
			ok = false;
		}
	}
	if (c1ref.ok && v1ref.ok) {
		s_key_tenant(&ctx->key, row);
		const struct s_index_entry *first =
		    s_index_find_or_add(&ctx->pair, &ctx->key, row->visionone_token_ref, row->line, &added);
		if (!added && strcmp(first->aux, row->visionone_token_ref) != 0) {
			struct s_loc l = s_loc(ctx, C1_COL_VISIONONE_TOKEN);
			s_err(
			    ctx, l.line, l.column, l.name,
			    "%s differs from %s on line %zu, which uses the same Cloud One API key (%s); the "
			    "Vision One link belongs to the Cloud One account, so rows that share a Cloud "
			    "One "
			    "API key must use the same Vision One token: use %s here",
			    row->visionone_token_ref, first->aux, first->line, row->cloudone_api_key_ref,
			    first->aux);
			ok = false;
		}
	}

	row->valid = ok;
	c1_account_list_push(list, row);
	free(value_off);
	const struct c1_intake_options *o = ctx->opts;
	if (o && o->on_batch && list->count >= (o->batch_rows ? o->batch_rows : C1_INTAKE_BATCH_ROWS))
		s_batch_done(ctx);
}

/* ---- libcsv callbacks ---------------------------------------------------------------------- */

static void s_on_field(void *data, size_t len, void *ud)
{
	struct s_ctx *ctx = ud;
	size_t limit =
	    ctx->have_header && !ctx->header_failed ? ctx->list->column_count : C1_INTAKE_MAX_COLUMNS;
	if (ctx->nfields < limit) {
		size_t i = ctx->ncells++;
		ctx->cell_off[i] = ctx->cells.len;
		ctx->cell_len[i] = len;
		ctx->cell_line[i] = ctx->field_line;
		ctx->cell_bad[i] = false;
		c1_buf_put(&ctx->cells, data, len);
		c1_buf_putc(&ctx->cells, '\0');
	}
	ctx->nfields++;
	ctx->field_line = ctx->line;
	size_t bufsize = csv_get_buffer_size(&ctx->parser);
	if (bufsize > ctx->stats.parser_buffer_max)
		ctx->stats.parser_buffer_max = bufsize;
}

static void s_on_row(int c, void *ud)
{
	struct s_ctx *ctx = ud;
	(void)c;
	if (!ctx->have_header) {
		if (!s_row_blank(ctx))
			s_header(ctx);
	} else {
		s_data_row(ctx);
	}
	s_reset_record(ctx);
}

/* ---- feeding ------------------------------------------------------------------------------- */

static void s_parse_failed(struct s_ctx *ctx)
{
	int status = csv_error(&ctx->parser);
	if (status == CSV_ENOMEM || status == CSV_ETOOBIG) {
		s_err(ctx, ctx->field_line, ctx->nfields + 1, NULL,
		      "this cell is longer than %zu bytes; usually a '\"' opens a quoted cell that is never "
		      "closed: check the quotes from this line on (reading stopped here)",
		      C1_INTAKE_FIELD_MAX);
		ctx->fatal = true;
	} else {
		s_err(ctx, ctx->line, ctx->nfields + 1, NULL,
		      "malformed quoting: a '\"' inside an unquoted cell, or text after a closing '\"'; "
		      "enclose the whole cell in double quotes and double every quote inside it (\"\"); "
		      "this row was skipped");
		ctx->skip_line = true;
	}
	csv_free(&ctx->parser);
	s_parser_init(ctx);
	s_reset_record(ctx);
}

static void s_line_end(struct s_ctx *ctx, unsigned char c)
{
	if (c == '\r') {
		ctx->line++;
		ctx->prev_cr = true;
	} else {
		if (!ctx->prev_cr)
			ctx->line++;
		ctx->prev_cr = false;
	}
}

/* Feeds libcsv one physical line at a time so that callbacks see the right line numbers. */
static void s_feed_body(struct s_ctx *ctx, const unsigned char *p, size_t len)
{
	while (len && !ctx->fatal) {
		size_t i = 0;
		bool term = false;
		if (ctx->skip_line) {
			while (i < len && p[i] != '\r' && p[i] != '\n')
				i++;
			if (i < len) {
				s_line_end(ctx, p[i]);
				i++;
				ctx->skip_line = false;
			}
			p += i;
			len -= i;
			continue;
		}
		for (; i < len; i++) {
			unsigned char c = p[i];
			if (c == '\r' || c == '\n') {
				term = true;
				break;
			}
			if (!ctx->in_row && c != ' ' && c != '\t') {
				/* mirrors libcsv: a record starts at its first non-blank byte */
				ctx->in_row = true;
				ctx->row_line = ctx->line;
				ctx->field_line = ctx->line;
			}
		}
		if (i > 0)
			ctx->prev_cr = false;
		size_t seg = term ? i + 1 : i;
		size_t done = csv_parse(&ctx->parser, p, seg, s_on_field, s_on_row, ctx);
		if (done < seg || csv_error(&ctx->parser) != CSV_SUCCESS) {
			s_parse_failed(ctx);
			/* continue after the failing byte; skip_line drops the rest of the line */
			if (ctx->fatal)
				return;
			p += done;
			len -= done;
			continue;
		}
		if (term)
			s_line_end(ctx, p[i]);
		p += seg;
		len -= seg;
	}
}

static void s_start(struct s_ctx *ctx)
{
	size_t skip = 0;
	ctx->started = true;
	if (ctx->lead_len >= 2 && ((ctx->lead[0] == 0xFF && ctx->lead[1] == 0xFE) ||
				   (ctx->lead[0] == 0xFE && ctx->lead[1] == 0xFF))) {
		s_err(ctx, 1, 0, NULL,
		      "the file is UTF-16 text; save it as \"CSV UTF-8 (comma delimited)\" and run again");
		ctx->fatal = true;
		return;
	}
	if (ctx->lead_len == 3 && ctx->lead[0] == 0xEF && ctx->lead[1] == 0xBB && ctx->lead[2] == 0xBF)
		skip = 3;
	s_feed_body(ctx, ctx->lead + skip, ctx->lead_len - skip);
}

static void s_feed(struct s_ctx *ctx, const unsigned char *p, size_t len)
{
	ctx->stats.bytes_read += len;
	if (len > ctx->stats.largest_read)
		ctx->stats.largest_read = len;
	if (!ctx->started) {
		while (len && ctx->lead_len < 3) {
			ctx->lead[ctx->lead_len++] = *p++;
			len--;
		}
		if (ctx->lead_len < 3)
			return;
		s_start(ctx);
	}
	s_feed_body(ctx, p, len);
}

static void s_finish(struct s_ctx *ctx)
{
	if (!ctx->started)
		s_start(ctx);
	if (!ctx->fatal && !ctx->skip_line) {
		if (csv_fini(&ctx->parser, s_on_field, s_on_row, ctx) != 0) {
			s_err(
			    ctx, ctx->field_line, ctx->nfields + 1, NULL,
			    "a quoted cell starting on this line is never closed; add the closing '\"' (and "
			    "double any quote inside the cell); this row was skipped");
			s_reset_record(ctx);
		}
	}
	if (!ctx->have_header && !ctx->fatal)
		s_err(ctx, 0, 0, NULL,
		      "the file has no header row; the first line must name the columns, e.g. "
		      "account_id,profile,bucket,cloudone_api_key,visionone_token");
	else if (ctx->have_header && !ctx->header_failed && !ctx->fatal && ctx->stats.rows_seen == 0)
		s_err(ctx, 0, 0, NULL,
		      "the file has a header but no account rows; add one row per AWS account");
}

/* ---- entry points ---------------------------------------------------------------------------- */

static void s_ctx_init(struct s_ctx *ctx, struct c1_account_list *out, struct c1_intake_errors *errors,
		       const char *name, const struct c1_intake_options *opts)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->list = out;
	ctx->errors = errors;
	ctx->opts = opts;
	ctx->line = 1;
	ctx->msg.max = 8192;
	ctx->cells.max = C1_INTAKE_MAX_COLUMNS * (C1_INTAKE_FIELD_MAX + 1);
	free(out->path);
	out->path = c1_strdup(name ? name : "");
	ctx->file = out->path;
	s_parser_init(ctx);

	const char *profile = opts ? opts->default_profile : NULL;
	if (profile) {
		out->default_profile = c1_strdup(profile);
		if (c1_account_check_profile(c1_str_from(profile), &ctx->msg) != 0) {
			s_err(ctx, 0, 0, "--profile", "%s", c1_buf_cstr(&ctx->msg));
			ctx->default_profile_bad = true;
		}
		c1_buf_clear(&ctx->msg);
	}
	const char *c1 = opts ? opts->default_cloudone_api_key_ref : NULL;
	const char *v1 = opts ? opts->default_visionone_token_ref : NULL;
	if (c1) {
		out->default_cloudone_api_key_ref = c1_strdup(c1);
		if (c1_account_check_secret_ref(c1_str_from(c1), &ctx->msg) != 0) {
			s_err(ctx, 0, 0, "--cloudone-api-key", "%s", c1_buf_cstr(&ctx->msg));
			ctx->default_c1_bad = true;
		}
		c1_buf_clear(&ctx->msg);
	}
	if (v1) {
		out->default_visionone_token_ref = c1_strdup(v1);
		if (c1_account_check_secret_ref(c1_str_from(v1), &ctx->msg) != 0) {
			s_err(ctx, 0, 0, "--visionone-token", "%s", c1_buf_cstr(&ctx->msg));
			ctx->default_v1_bad = true;
		}
		c1_buf_clear(&ctx->msg);
	}
}

static int s_ctx_finish(struct s_ctx *ctx, size_t errors_before)
{
	s_finish(ctx);
	s_batch_done(ctx);
	if (ctx->parser_ready)
		csv_free(&ctx->parser);
	c1_buf_dispose(&ctx->cells);
	c1_buf_dispose(&ctx->msg);
	c1_buf_dispose(&ctx->key);
	s_index_dispose(&ctx->dup);
	s_index_dispose(&ctx->pair);
	if (ctx->opts && ctx->opts->stats)
		*ctx->opts->stats = ctx->stats;
	bool any = ctx->errors->count + ctx->errors->dropped > errors_before;
	if (any)
		c1_error_set("%s: the spreadsheet has errors", ctx->file);
	return any ? C1_EINVALID : 0;
}

int c1_csv_intake_read_mem(struct c1_account_list *out, struct c1_intake_errors *errors, const char *name,
			   const void *bytes, size_t len, const struct c1_intake_options *opts)
{
	struct s_ctx *ctx = c1_malloc(sizeof(*ctx));
	size_t before = errors->count + errors->dropped;
	size_t chunk = opts && opts->chunk_size ? opts->chunk_size : C1_INTAKE_CHUNK;
	const unsigned char *p = bytes;

	s_ctx_init(ctx, out, errors, name, opts);
	while (len && !ctx->fatal) {
		size_t n = len < chunk ? len : chunk;
		s_feed(ctx, p, n);
		p += n;
		len -= n;
	}
	int rc = s_ctx_finish(ctx, before);
	free(ctx);
	return rc;
}

int c1_csv_intake_read(struct c1_account_list *out, struct c1_intake_errors *errors, const char *path,
		       const struct c1_intake_options *opts)
{
	struct s_ctx *ctx = NULL;
	unsigned char *chunk = NULL;
	size_t before = errors->count + errors->dropped;
	size_t size = opts && opts->chunk_size ? opts->chunk_size : C1_INTAKE_CHUNK;
	int rc = 0;
	FILE *f = fopen(path, "rb");

	if (!f) {
		int err = errno;
		rc = err == ENOENT ? C1_ENOTFOUND : C1_ERROR;
		c1_intake_errors_add(errors, path, 0, 0, NULL, "cannot open the spreadsheet: %s%s",
				     strerror(err), err == ENOENT ? "; check the path" : "");
		c1_error_set("%s: cannot open the spreadsheet: %s", path, strerror(err));
		goto cleanup;
	}
	ctx = c1_malloc(sizeof(*ctx));
	chunk = c1_malloc(size);
	s_ctx_init(ctx, out, errors, path, opts);
	while (!ctx->fatal) {
		size_t n = fread(chunk, 1, size, f);
		if (n > 0)
			s_feed(ctx, chunk, n);
		if (n < size) {
			if (ferror(f)) {
				int err = errno;
				c1_intake_errors_add(errors, path, 0, 0, NULL,
						     "cannot read the spreadsheet: %s", strerror(err));
				c1_error_set("%s: cannot read the spreadsheet: %s", path, strerror(err));
				ctx->fatal = true;
				rc = C1_ERROR;
			}
			break;
		}
	}
	int finish_rc = s_ctx_finish(ctx, before);
	if (rc == 0)
		rc = finish_rc;
	else
		c1_error_set("%s: cannot read the spreadsheet", path);

cleanup:
	if (f)
		fclose(f);
	free(chunk);
	free(ctx);
	return rc;
}
