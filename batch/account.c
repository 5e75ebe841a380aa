#include "batch/account.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/core/suggest.h"
#include "engine/trend/regions.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const s_column_names[C1_COL_KNOWN_COUNT] = {
    "account_id",       "name",       "profile",          "region",          "bucket",
    "create_new_trail", "stack_name", "cloudone_api_key", "visionone_token", "tags",
};

/* ---- row and list ---------------------------------------------------------------------- */

void c1_account_list_init(struct c1_account_list *list)
{
	memset(list, 0, sizeof(*list));
	for (size_t i = 0; i < C1_COL_KNOWN_COUNT; i++)
		list->column_index[i] = -1;
	list->status_column = -1;
}

void c1_account_row_free(struct c1_account_row *row)
{
	if (!row)
		return;
	free(row->tags);
	free(row->extras);
	free(row->values);
	free(row->storage);
	free(row);
}

void c1_account_list_dispose(struct c1_account_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->count; i++)
		c1_account_row_free(list->rows[i]);
	free(list->rows);
	for (size_t i = 0; i < list->column_count; i++)
		free(list->header[i]);
	free(list->header);
	free(list->header_kind);
	free(list->path);
	free(list->default_cloudone_api_key_ref);
	free(list->default_visionone_token_ref);
	free(list->default_profile);
	c1_account_list_init(list);
}

void c1_account_list_push(struct c1_account_list *list, struct c1_account_row *row)
{
	if (list->count == list->cap) {
		list->cap = list->cap ? list->cap * 2 : 64;
		list->rows = c1_realloc(list->rows, list->cap * sizeof(*list->rows));
	}
	list->rows[list->count++] = row;
}

size_t c1_account_list_valid_count(const struct c1_account_list *list)
{
	size_t n = 0;
	for (size_t i = 0; i < list->count; i++)
		n += list->rows[i]->valid ? 1 : 0;
	return n;
}

/* ---- columns ----------------------------------------------------------------------------- */

const char *c1_account_column_name(enum c1_account_column col)
{
	if ((int)col >= 0 && col < C1_COL_KNOWN_COUNT)
		return s_column_names[col];
	return col == C1_COL_EXTRA ? "x_" : "?";
}

enum c1_account_column c1_account_column_lookup(struct c1_str name)
{
	name = c1_str_trim(name);
	for (size_t i = 0; i < C1_COL_KNOWN_COUNT; i++) {
		if (c1_str_ieq_cstr(name, s_column_names[i]))
			return (enum c1_account_column)i;
	}
	if (name.len > 2 && (name.ptr[0] == 'x' || name.ptr[0] == 'X') && name.ptr[1] == '_')
		return C1_COL_EXTRA;
	static const char *const results[] = {C1_RESULT_COLUMNS};
	for (size_t i = 0; i < C1_RESULT_COLUMN_COUNT; i++)
		if (c1_str_ieq_cstr(name, results[i]))
			return C1_COL_RESULT;
	return C1_COL_UNKNOWN;
}

static char s_fold(char c)
{
	if (c >= 'A' && c <= 'Z')
		return (char)(c - 'A' + 'a');
	if (c == ' ' || c == '-' || c == '.')
		return '_'; /* "Account ID", "account-id" are near misses of account_id */
	return c;
}

const char *c1_account_column_suggest(struct c1_str name)
{
	char folded[C1_SUGGEST_MAX];
	const char *best = NULL;
	size_t best_d = (size_t)-1;

	name = c1_str_trim(name);
	if (name.len == 0 || name.len > C1_SUGGEST_MAX)
		return NULL;
	for (size_t i = 0; i < name.len; i++)
		folded[i] = s_fold(name.ptr[i]);
	for (size_t i = 0; i < C1_COL_KNOWN_COUNT; i++) {
		const char *k = s_column_names[i];
		size_t klen = strlen(k);
		size_t dist = c1_suggest_distance(folded, name.len, k, klen);
		size_t limit = klen / 3 > 2 ? klen / 3 : 2;
		if (dist <= limit && dist < best_d) {
			best = k;
			best_d = dist;
		}
	}
	if (best)
		return best;
	/* "aws_account_id", "c1_api_key", "token": one name contains the other. */
	if (name.len >= 4) {
		char tmp[C1_SUGGEST_MAX + 1];
		memcpy(tmp, folded, name.len);
		tmp[name.len] = '\0';
		for (size_t i = 0; i < C1_COL_KNOWN_COUNT; i++) {
			const char *k = s_column_names[i];
			if (strstr(tmp, k) || strstr(k, tmp))
				return k;
		}
		if (strstr(tmp, "api_key") || strstr(tmp, "apikey"))
			return "cloudone_api_key";
	}
	return NULL;
}

/* ---- message helpers ---------------------------------------------------------------------- */

#define S_QUOTE_MAX 60

void c1_account_append_quoted(struct c1_buf *msg, struct c1_str v)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = v.len;
	bool cut = false;
	if (n > S_QUOTE_MAX) {
		n = S_QUOTE_MAX;
		/* do not split a UTF-8 sequence */
		while (n > 0 && ((unsigned char)v.ptr[n] & 0xC0) == 0x80)
			n--;
		cut = true;
	}
	c1_buf_putc(msg, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v.ptr[i];
		if (c == '"' || c == '\\') {
			c1_buf_putc(msg, '\\');
			c1_buf_putc(msg, (char)c);
		} else if (c < 0x20 || c == 0x7f) {
			char esc[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
			c1_buf_put(msg, esc, sizeof(esc));
		} else {
			c1_buf_putc(msg, (char)c);
		}
	}
	c1_buf_puts(msg, cut ? "...\"" : "\"");
}

static int s_fail(struct c1_buf *msg, struct c1_str v, const char *text)
{
	c1_account_append_quoted(msg, v);
	c1_buf_puts(msg, text);
	return C1_EINVALID;
}

static bool s_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool s_is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool s_is_alpha(char c)
{
	return s_is_lower(c) || (c >= 'A' && c <= 'Z');
}

static bool s_has_prefix(struct c1_str v, const char *prefix)
{
	size_t n = strlen(prefix);
	return v.len >= n && memcmp(v.ptr, prefix, n) == 0;
}

static bool s_has_iprefix(struct c1_str v, const char *prefix)
{
	size_t n = strlen(prefix);
	return v.len >= n && strncasecmp(v.ptr, prefix, n) == 0;
}

static bool s_has_suffix(struct c1_str v, const char *suffix)
{
	size_t n = strlen(suffix);
	return v.len >= n && memcmp(v.ptr + v.len - n, suffix, n) == 0;
}

/* ---- account id -------------------------------------------------------------------------- */

/* 1.23457E+11, 1.2E11, 1e+11: what a spreadsheet shows for a 12-digit number. */
static bool s_is_scientific(struct c1_str v)
{
	size_t i = 0;
	if (i >= v.len || !s_is_digit(v.ptr[i]))
		return false;
	while (i < v.len && s_is_digit(v.ptr[i]))
		i++;
	if (i < v.len && (v.ptr[i] == '.' || v.ptr[i] == ',')) {
		i++;
		while (i < v.len && s_is_digit(v.ptr[i]))
			i++;
	}
	if (i >= v.len || (v.ptr[i] != 'e' && v.ptr[i] != 'E'))
		return false;
	i++;
	if (i < v.len && (v.ptr[i] == '+' || v.ptr[i] == '-'))
		i++;
	if (i >= v.len || !s_is_digit(v.ptr[i]))
		return false;
	while (i < v.len && s_is_digit(v.ptr[i]))
		i++;
	return i == v.len;
}

int c1_account_check_account_id(struct c1_str v, struct c1_buf *msg)
{
	size_t digits = 0, seps = 0, others = 0, dot = v.len;
	for (size_t i = 0; i < v.len; i++) {
		char c = v.ptr[i];
		if (s_is_digit(c))
			digits++;
		else if (c == '-' || c == ' ')
			seps++;
		else if (c == '.' && dot == v.len)
			dot = i;
		else
			others++;
	}
	if (v.len == 0) {
		c1_buf_puts(msg, "is empty; every row needs the 12-digit AWS account id");
		return C1_EINVALID;
	}
	if (digits == v.len) {
		if (digits == 12)
			return 0;
		if (digits < 12) {
			c1_account_append_quoted(msg, v);
			c1_buf_printf(
			    msg,
			    " has %zu digits, an AWS account id has 12; a spreadsheet program probably "
			    "dropped leading zeros: format the column as Text and write it as %.*s%.*s",
			    digits, (int)(12 - digits), "000000000000", (int)v.len, v.ptr);
			return C1_EINVALID;
		}
		c1_account_append_quoted(msg, v);
		c1_buf_printf(msg, " has %zu digits, an AWS account id has exactly 12", digits);
		return C1_EINVALID;
	}
	if (s_is_scientific(v))
		return s_fail(
		    msg, v,
		    " is not a 12-digit AWS account id: a spreadsheet program turned it into a number "
		    "in scientific notation and lost digits; format the column as Text and type the "
		    "ids again");
	if (others == 0 && seps == 0 && dot < v.len) {
		bool zeros = true;
		for (size_t i = dot + 1; i < v.len; i++)
			zeros = zeros && v.ptr[i] == '0';
		if (zeros)
			return s_fail(
			    msg, v,
			    " is not a 12-digit AWS account id: a spreadsheet program stored it as a "
			    "decimal number; format the column as Text and write the 12 digits only");
	}
	if (others == 0 && dot == v.len && digits == 12)
		return s_fail(msg, v, " is not a 12-digit AWS account id; remove the dashes and spaces");
	return s_fail(msg, v,
		      " is not a 12-digit AWS account id; write the 12 digits, e.g. 123456789012 (format the "
		      "column as Text to keep leading zeros)");
}

/* ---- profile, region, bool ----------------------------------------------------------------- */

int c1_account_check_profile(struct c1_str v, struct c1_buf *msg)
{
	if (v.len == 0) {
		c1_buf_puts(msg, "is empty; write the name of the AWS profile (from ~/.aws/config or "
				 "~/.aws/credentials) that reaches this account");
		return C1_EINVALID;
	}
	for (size_t i = 0; i < v.len; i++) {
		unsigned char c = (unsigned char)v.ptr[i];
		if (c <= 0x20 || c == 0x7f || c == '[' || c == ']')
			return s_fail(
			    msg, v,
			    " is not a valid profile name: profile names cannot contain spaces, tabs, "
			    "'[' or ']'; write the name as it appears in [profile NAME] in ~/.aws/config");
	}
	return 0;
}

static bool s_looks_like_aws_region(struct c1_str v)
{
	/* ll-word-N, ll-word-word-N (us-gov-west-1): lowercase words and a final number */
	size_t i = 0, parts = 0;
	if (v.len < 4 || !s_is_lower(v.ptr[0]) || !s_is_lower(v.ptr[1]) || v.ptr[2] != '-')
		return false;
	i = 3;
	while (i < v.len) {
		size_t start = i;
		while (i < v.len && s_is_lower(v.ptr[i]))
			i++;
		if (i == start)
			break;
		parts++;
		if (i >= v.len || v.ptr[i] != '-')
			return false;
		i++;
	}
	if (parts == 0 || i >= v.len)
		return false;
	while (i < v.len && s_is_digit(v.ptr[i]))
		i++;
	return i == v.len && s_is_digit(v.ptr[v.len - 1]);
}

int c1_account_check_region(struct c1_str v, struct c1_buf *msg)
{
	char tmp[32];
	if (v.len == 0)
		return 0;
	if (v.len < sizeof(tmp)) {
		memcpy(tmp, v.ptr, v.len);
		tmp[v.len] = '\0';
		if (c1_regions_cloudone_for_aws(tmp))
			return 0;
		const char *aws = c1_regions_aws_for_cloudone(tmp);
		if (aws) {
			c1_account_append_quoted(msg, v);
			c1_buf_printf(
			    msg,
			    " is a Cloud One region code, not an AWS region; write its AWS region %s "
			    "or leave region empty to derive it from the Cloud One API key",
			    aws);
			return C1_EINVALID;
		}
		for (size_t i = 0; i < v.len; i++)
			tmp[i] = s_fold(tmp[i]) == '_' ? '-' : s_fold(tmp[i]);
		if (c1_regions_cloudone_for_aws(tmp)) {
			c1_account_append_quoted(msg, v);
			c1_buf_printf(msg, " is not written as an AWS region; write %s (lowercase)", tmp);
			return C1_EINVALID;
		}
	}
	c1_account_append_quoted(msg, v);
	c1_buf_printf(msg,
		      " %s; the allowed regions are %s, or leave region empty to use the region of the "
		      "Cloud One API key",
		      s_looks_like_aws_region(v) ? "is an AWS region that hosts no Cloud One region"
						 : "is not an AWS region",
		      c1_regions_aws_list());
	return C1_EINVALID;
}

int c1_account_parse_bool(struct c1_str v, bool *out, struct c1_buf *msg)
{
	static const char *const yes[] = {"true", "yes", "1"};
	static const char *const no[] = {"false", "no", "0"};
	*out = false;
	if (v.len == 0)
		return 0;
	for (size_t i = 0; i < 3; i++) {
		if (c1_str_ieq_cstr(v, yes[i])) {
			*out = true;
			return 0;
		}
		if (c1_str_ieq_cstr(v, no[i]))
			return 0;
	}
	return s_fail(msg, v,
		      " is not a yes/no value; write true, false, yes, no, 1 or 0 (empty means false)");
}

/* ---- bucket ------------------------------------------------------------------------------- */

static bool s_is_ipv4_shaped(struct c1_str v)
{
	size_t groups = 0, i = 0;
	while (i < v.len) {
		size_t start = i;
		while (i < v.len && s_is_digit(v.ptr[i]))
			i++;
		if (i == start || i - start > 3)
			return false;
		groups++;
		if (i < v.len) {
			if (v.ptr[i] != '.')
				return false;
			i++;
			if (i == v.len)
				return false;
		}
	}
	return groups == 4;
}

int c1_account_check_bucket(struct c1_str v, struct c1_buf *msg)
{
	static const char *const bad_prefix[] = {"xn--", "sthree-", "amzn-s3-demo-"};
	static const char *const bad_suffix[] = {"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"};

	if (s_has_iprefix(v, "s3://") || s_has_iprefix(v, "arn:"))
		return s_fail(msg, v,
			      " is not a bucket name; write only the bucket name, without s3:// or arn:");
	if (v.len < 3 || v.len > 63) {
		c1_account_append_quoted(msg, v);
		c1_buf_printf(msg, " is %zu characters long; S3 bucket names have 3 to 63 characters", v.len);
		return C1_EINVALID;
	}
	for (size_t i = 0; i < v.len; i++) {
		char c = v.ptr[i];
		if (c >= 'A' && c <= 'Z')
			return s_fail(msg, v,
				      " contains uppercase letters; S3 bucket names are lowercase: write the "
				      "name exactly as the S3 console shows it");
		if (!s_is_lower(c) && !s_is_digit(c) && c != '.' && c != '-')
			return s_fail(
			    msg, v,
			    " is not a valid S3 bucket name: only lowercase letters, digits, '.' and "
			    "'-' are allowed");
	}
	if (!(s_is_lower(v.ptr[0]) || s_is_digit(v.ptr[0])) ||
	    !(s_is_lower(v.ptr[v.len - 1]) || s_is_digit(v.ptr[v.len - 1])))
		return s_fail(msg, v,
			      " is not a valid S3 bucket name: it must start and end with a letter or digit");
	for (size_t i = 1; i < v.len; i++) {
		if (v.ptr[i] == '.' && v.ptr[i - 1] == '.')
			return s_fail(msg, v, " is not a valid S3 bucket name: it contains \"..\"");
	}
	if (s_is_ipv4_shaped(v))
		return s_fail(msg, v, " is not a valid S3 bucket name: it is formatted as an IP address");
	for (size_t i = 0; i < sizeof(bad_prefix) / sizeof(bad_prefix[0]); i++) {
		if (s_has_prefix(v, bad_prefix[i])) {
			c1_account_append_quoted(msg, v);
			c1_buf_printf(msg, " is not a valid S3 bucket name: the prefix %s is reserved by AWS",
				      bad_prefix[i]);
			return C1_EINVALID;
		}
	}
	for (size_t i = 0; i < sizeof(bad_suffix) / sizeof(bad_suffix[0]); i++) {
		if (s_has_suffix(v, bad_suffix[i])) {
			c1_account_append_quoted(msg, v);
			c1_buf_printf(msg, " is not a valid S3 bucket name: the suffix %s is reserved by AWS",
				      bad_suffix[i]);
			return C1_EINVALID;
		}
	}
	return 0;
}

/* ---- stack name ------------------------------------------------------------------------------ */

int c1_account_check_stack_name(struct c1_str v, struct c1_buf *msg)
{
	if (v.len == 0)
		return 0;
	if (v.len > C1_ACCOUNT_STACK_NAME_MAX) {
		c1_account_append_quoted(msg, v);
		c1_buf_printf(msg,
			      " is %zu characters; the stack name may have at most %d (Trend's CloudTrail "
			      "stack derives 64-character resource names from it); shorten it or leave it "
			      "empty for %s",
			      v.len, C1_ACCOUNT_STACK_NAME_MAX, C1_ACCOUNT_DEFAULT_STACK_NAME);
		return C1_EINVALID;
	}
	if (!s_is_alpha(v.ptr[0]))
		return s_fail(msg, v, " is not a valid stack name: it must start with a letter (A-Z, a-z)");
	for (size_t i = 1; i < v.len; i++) {
		if (!s_is_alpha(v.ptr[i]) && !s_is_digit(v.ptr[i]) && v.ptr[i] != '-')
			return s_fail(msg, v,
				      " is not a valid stack name: use only letters, digits and '-' (a "
				      "CloudFormation stack name)");
	}
	return 0;
}

/* ---- secret references -------------------------------------------------------------------- */

int c1_account_check_secret_ref(struct c1_str v, struct c1_buf *msg)
{
	/* Nothing of `v` is ever echoed: a refused value may be the secret itself. */
	if (s_has_prefix(v, "env:")) {
		struct c1_str name = {v.ptr + 4, v.len - 4};
		bool ok = name.len > 0 && (s_is_alpha(name.ptr[0]) || name.ptr[0] == '_');
		for (size_t i = 1; ok && i < name.len; i++)
			ok = s_is_alpha(name.ptr[i]) || s_is_digit(name.ptr[i]) || name.ptr[i] == '_';
		if (ok)
			return 0;
		c1_buf_puts(msg, name.len == 0 ? "env: needs the name of an environment variable, e.g. "
						 "env:C1_API_KEY"
					       : "has an invalid environment variable name after env:; use "
						 "letters, digits and '_', not starting with a digit (e.g. "
						 "env:C1_API_KEY)");
		return C1_EINVALID;
	}
	if (s_has_prefix(v, "file:")) {
		bool ok = v.len > 5;
		for (size_t i = 5; ok && i < v.len; i++)
			ok = (unsigned char)v.ptr[i] >= 0x20 && v.ptr[i] != 0x7f;
		if (ok)
			return 0;
		c1_buf_puts(msg, "file: needs the path of a file that holds only the secret and is readable "
				 "only by you (chmod 600), e.g. file:~/.config/c1onboard/api-key");
		return C1_EINVALID;
	}
	if (s_has_iprefix(v, "env:") || s_has_iprefix(v, "file:")) {
		c1_buf_puts(msg,
			    "has a reference prefix in the wrong case; write env: or file: in lowercase");
		return C1_EINVALID;
	}
	if (v.len == 0) {
		c1_buf_puts(msg, "is empty; write a secret reference env:VAR or file:PATH");
		return C1_EINVALID;
	}
	c1_buf_puts(msg, "is not a secret reference (env:VAR or file:PATH); plaintext secrets are refused "
			 "and not shown here: put the secret in an environment variable (env:VAR) or in a "
			 "file readable only by you (chmod 600, file:PATH), and rotate it if this "
			 "spreadsheet was shared");
	return C1_EINVALID;
}

/* ---- tags ----------------------------------------------------------------------------------- */

static size_t s_utf8_chars(struct c1_str v)
{
	size_t n = 0;
	for (size_t i = 0; i < v.len; i++)
		n += ((unsigned char)v.ptr[i] & 0xC0) != 0x80 ? 1 : 0;
	return n;
}

static bool s_has_ctl(struct c1_str v)
{
	for (size_t i = 0; i < v.len; i++) {
		if ((unsigned char)v.ptr[i] < 0x20 || v.ptr[i] == 0x7f)
			return true;
	}
	return false;
}

int c1_account_parse_tags(struct c1_str v, struct c1_tag_view *out, size_t max, size_t *count,
			  struct c1_buf *msg)
{
	size_t n = 0, pos = 0;
	*count = 0;
	while (pos <= v.len) {
		size_t end = pos;
		while (end < v.len && v.ptr[end] != ';')
			end++;
		struct c1_str seg = c1_str_trim((struct c1_str){v.ptr + pos, end - pos});
		pos = end + 1;
		if (seg.len == 0)
			continue;
		const char *eq = memchr(seg.ptr, '=', seg.len);
		if (!eq)
			return s_fail(msg, seg,
				      " has no '='; write tags as key=value pairs separated by ';', e.g. "
				      "env=prod;owner=ops");
		struct c1_str key = c1_str_trim((struct c1_str){seg.ptr, (size_t)(eq - seg.ptr)});
		struct c1_str val =
		    c1_str_trim((struct c1_str){eq + 1, seg.len - (size_t)(eq - seg.ptr) - 1});
		if (key.len == 0)
			return s_fail(msg, seg,
				      " has an empty key; write key=value with a key of 1 to 128 characters");
		if (s_utf8_chars(key) > C1_ACCOUNT_TAG_KEY_MAX) {
			c1_account_append_quoted(msg, key);
			c1_buf_printf(msg, " is a tag key longer than %d characters; shorten it",
				      C1_ACCOUNT_TAG_KEY_MAX);
			return C1_EINVALID;
		}
		if (s_utf8_chars(val) > C1_ACCOUNT_TAG_VAL_MAX) {
			c1_account_append_quoted(msg, key);
			c1_buf_printf(msg, " has a value longer than %d characters; shorten it",
				      C1_ACCOUNT_TAG_VAL_MAX);
			return C1_EINVALID;
		}
		if (s_has_ctl(key) || s_has_ctl(val))
			return s_fail(msg, key,
				      " contains control characters (line breaks, tabs); remove them");
		if (s_has_iprefix(key, "aws:"))
			return s_fail(
			    msg, key,
			    " is not allowed: tag keys starting with aws: are reserved by AWS; rename "
			    "the tag");
		if (s_has_iprefix(key, "c1onboard:"))
			return s_fail(
			    msg, key,
			    " is not allowed: the c1onboard: prefix is reserved for the tags c1onboard "
			    "adds itself; rename the tag");
		for (size_t i = 0; i < n; i++) {
			if (c1_str_eq(out[i].key, key))
				return s_fail(msg, key, " appears twice in tags; keep one key=value per key");
		}
		if (n == max) {
			c1_buf_printf(msg,
				      "has more than %zu tags; CloudFormation allows 50 tags per stack and "
				      "c1onboard adds 2 of its own; remove some",
				      max);
			return C1_EINVALID;
		}
		out[n].key = key;
		out[n].value = val;
		n++;
	}
	*count = n;
	return 0;
}
