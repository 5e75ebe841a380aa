/* The account row model: one spreadsheet row as typed values, the list that owns the rows
 * together with the header as read, and the per-value rules every row must satisfy
 * (account id, profile, region, bucket, stack name, tags, secret references). */
#ifndef C1_BATCH_ACCOUNT_H
#define C1_BATCH_ACCOUNT_H

#include "engine/core/buf.h"
#include "engine/run/account_spec.h" /* struct c1_kv, C1_ACCOUNT_MAX_TAGS */

#include <stdbool.h>
#include <stddef.h>

/* Known spreadsheet columns (SPEC 3). Header positions map to one of these, or to EXTRA for
 * `x_` notes columns. */
enum c1_account_column {
	C1_COL_ACCOUNT_ID = 0,
	C1_COL_NAME,
	C1_COL_PROFILE,
	C1_COL_REGION,
	C1_COL_BUCKET,
	C1_COL_CREATE_NEW_TRAIL,
	C1_COL_STACK_NAME,
	C1_COL_CLOUDONE_API_KEY,
	C1_COL_VISIONONE_TOKEN,
	C1_COL_TAGS,
	C1_COL_KNOWN_COUNT, /* number of known columns */
	C1_COL_EXTRA = C1_COL_KNOWN_COUNT,
	C1_COL_RESULT, /* a column results.csv adds (status, reason, ...): read back, not acted on */
	C1_COL_UNKNOWN
};

/* The columns results.csv adds to the input's; `status` is what --retry-failed selects on. */
#define C1_RESULT_COLUMNS      "status", "reason", "run_id", "changed_since_previous", "previous_status"
#define C1_RESULT_COLUMN_COUNT 5

#define C1_ACCOUNT_DEFAULT_STACK_NAME "CloudOne"
#define C1_ACCOUNT_STACK_NAME_MAX     8
#define C1_ACCOUNT_TAG_KEY_MAX        128 /* characters */
#define C1_ACCOUNT_TAG_VAL_MAX        256 /* characters */
/* What a secret column holds in `values` when it held something other than a reference. */
#define C1_ACCOUNT_REDACTED           "[redacted]"

/** One data row. Every string is non-NULL ("" when absent) and owned by the row's storage,
 *  except the defaults (stack name, option-supplied profile and secret references) and extra
 *  column names, which are borrowed from the list that holds the row. */
struct c1_account_row {
	size_t line; /* 1-based physical line where the record starts */
	bool valid;  /* false when the intake reported at least one error on this row */
	const char *account_id;
	const char *name;
	const char *profile;
	const char *region; /* "" = derive from the Cloud One API key's region */
	const char *bucket; /* "" when create_new_trail */
	bool create_new_trail;
	const char *stack_name;           /* C1_ACCOUNT_DEFAULT_STACK_NAME when the cell is empty */
	const char *cloudone_api_key_ref; /* "env:VAR" or "file:PATH", never the secret */
	const char *visionone_token_ref;  /* idem; "" when the cell held something else */
	struct c1_kv *tags;
	size_t tag_count;
	struct c1_kv *extras; /* x_ columns, in header order */
	size_t extra_count;
	/* The cells as read, one per header column ("" for missing trailing cells), so a writer
	 * can echo the input row. A secret column that held a non-reference reads
	 * C1_ACCOUNT_REDACTED here, never the value. */
	const char **values;
	size_t value_count;
	char *storage; /* owns the strings above */
};

/** All rows of one spreadsheet plus its header. Initialise with c1_account_list_init(). */
struct c1_account_list {
	char *path;                           /* as given to the reader */
	size_t header_line;                   /* physical line of the header (usually 1) */
	char **header;                        /* column names as read (trimmed, original case) */
	enum c1_account_column *header_kind;  /* per header position */
	size_t column_count;                  /* entries in header / header_kind */
	int column_index[C1_COL_KNOWN_COUNT]; /* header position of each known column, -1 if absent */
	int status_column;                    /* header position of results.csv's `status`, -1 if absent */
	struct c1_account_row **rows;         /* in file order */
	size_t count;
	size_t cap;
	char *default_cloudone_api_key_ref; /* from --cloudone-api-key, NULL when not given */
	char *default_visionone_token_ref;  /* from --visionone-token, NULL when not given */
	char *default_profile;              /* from --profile, NULL when not given */
};

/** Empty list (no header, no rows, every column absent). */
void c1_account_list_init(struct c1_account_list *list);
/** Free every row, the header and the defaults; the list is empty afterwards. NULL is fine. */
void c1_account_list_dispose(struct c1_account_list *list);
/** Append a heap row; the list owns it from now on. */
void c1_account_list_push(struct c1_account_list *list, struct c1_account_row *row);
/** Number of rows with valid == true. */
size_t c1_account_list_valid_count(const struct c1_account_list *list);
/** Free one row and its storage. NULL is fine. */
void c1_account_row_free(struct c1_account_row *row);

/** Canonical name of a known column ("account_id"), "x_" for EXTRA, "?" otherwise. */
const char *c1_account_column_name(enum c1_account_column col);
/** Column for a header name: trimmed, ASCII case-insensitive; EXTRA for names starting with
 *  x_ (any case); UNKNOWN otherwise. */
enum c1_account_column c1_account_column_lookup(struct c1_str name);
/** The known column nearest to an unknown name (Damerau-Levenshtein, case-insensitive), or NULL
 *  when none is close enough to be a plausible typo. Static string. */
const char *c1_account_column_suggest(struct c1_str name);

/* Value rules. Each returns 0 when `v` is acceptable, or C1_EINVALID after appending one
 * message to `msg` that says what is wrong and how to fix it (without the column name, which
 * the caller prefixes). Values are quoted in messages, bounded and escaped; the secret
 * reference rule never quotes its input. */

/** Exactly 12 ASCII digits. Recognises what spreadsheet programs do to ids (dropped leading
 *  zeros, 1.23457E+11, 123456789012.0, dashes) and says so. */
int c1_account_check_account_id(struct c1_str v, struct c1_buf *msg);
/** Non-empty AWS profile name: no whitespace, no '[' or ']', no control characters. */
int c1_account_check_profile(struct c1_str v, struct c1_buf *msg);
/** Empty, or one of the AWS regions of the Cloud One table (engine/trend/regions.h). */
int c1_account_check_region(struct c1_str v, struct c1_buf *msg);
/** true/false/yes/no/1/0, ASCII case-insensitive; empty means false. */
int c1_account_parse_bool(struct c1_str v, bool *out, struct c1_buf *msg);
/** S3 general purpose bucket naming rules (3-63 chars, lowercase letters, digits, '.', '-',
 *  letter/digit at both ends, no "..", not an IPv4 address, reserved prefixes/suffixes). */
int c1_account_check_bucket(struct c1_str v, struct c1_buf *msg);
/** Empty (the default is used), or at most 8 characters matching [A-Za-z][A-Za-z0-9-]*. */
int c1_account_check_stack_name(struct c1_str v, struct c1_buf *msg);
/** `env:NAME` with NAME = [A-Za-z_][A-Za-z0-9_]*, or `file:PATH` with a non-empty PATH.
 *  Anything else is refused as a plaintext secret; the message never contains `v`. */
int c1_account_check_secret_ref(struct c1_str v, struct c1_buf *msg);

/** One parsed tag: views into the tags cell. */
struct c1_tag_view {
	struct c1_str key;
	struct c1_str value;
};

/** Parse `key=value;key=value` into out[0..*count). Keys and values are trimmed; empty
 *  segments (";;", a trailing ';') are skipped; a value may contain '='. Rules: key 1-128
 *  characters, value 0-256 characters, no duplicate key, no `aws:` or `c1onboard:` prefix
 *  (case-insensitive), at most `max` tags. `out` needs room for `max` entries. */
int c1_account_parse_tags(struct c1_str v, struct c1_tag_view *out, size_t max, size_t *count,
			  struct c1_buf *msg);

/** Append `v` to `msg` in double quotes, escaping quotes, backslashes and control bytes and
 *  cutting it after 60 bytes ("..." marks the cut). Never use it on a secret. */
void c1_account_append_quoted(struct c1_buf *msg, struct c1_str v);

#endif
