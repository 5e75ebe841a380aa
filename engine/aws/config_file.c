/* Parser for the AWS shared config/credentials files. It follows CPython 3.11 configparser
 * (RawConfigParser defaults, which botocore uses) and botocore/configloader.py:
 *   - lines end at \n, \r\n or \r (universal newlines); the file must be UTF-8;
 *   - a line whose stripped text starts with '#' or ';' is a comment; there are no inline
 *     comments ("region = x # y" has the value "x # y");
 *   - a line indented deeper than the option line above it continues that option's value; a
 *     blank line inside a value is kept; the joined value is right-stripped;
 *   - "[name]" (the last ']' closes it) starts a section; "[DEFAULT]" feeds every section;
 *   - "key = value" or "key: value" (first '=' or ':'), key lower-cased, both stripped;
 *   - a duplicate section or key within one file, a key outside any section, a line that is
 *     none of these: errors;
 *   - a value that is empty on its own line and continues on indented lines is a nested block
 *     of "key = value" lines (keys keep their case);
 *   - config: "[default]" and "[profile NAME]" (shlex-split into exactly two words, the first
 *     only has to start with "profile") are profiles, "[services X]" and "[sso-session X]"
 *     likewise; credentials: every section is a profile; the later of two sections that map to
 *     the same name wins;
 *   - a profile's settings are the credentials-file section's over the config-file section's. */
#include "engine/aws/config_file.h"

#include "engine/core/alloc.h"
#include "engine/core/buf.h"
#include "engine/core/error.h"
#include "engine/core/hash.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------------- environment */

static const char *s_system_getenv(void *ctx, const char *name)
{
	(void)ctx;
	return getenv(name);
}

static const struct c1_aws_env s_system_env = {s_system_getenv, NULL};

const struct c1_aws_env *c1_aws_env_system(void)
{
	return &s_system_env;
}

const char *c1_aws_env_get(const struct c1_aws_env *env, const char *name)
{
	if (!env)
		env = &s_system_env;
	return env->getenv(env->ctx, name);
}

/* ---------------------------------------------------------------- data model */

struct c1_aws_section {
	char *name;
	enum c1_aws_file file;
	unsigned line;
	struct c1_aws_setting *settings;
	size_t count;
};

struct c1_aws_profile {
	char *name;
	const struct c1_aws_section *config_sec;
	const struct c1_aws_section *cred_sec;
};

/* String -> index map (open addressing) so files with thousands of profiles stay linear. */
struct s_map {
	const char **keys;
	size_t *vals;
	size_t cap;
	size_t count;
};

struct s_named {
	char *name;
	const struct c1_aws_section *sec;
};

struct s_file {
	char *path;
	struct c1_aws_section **sections;
	size_t count;
};

struct c1_aws_config {
	struct s_file files[2]; /* [0] config, [1] credentials */
	struct c1_aws_profile *profiles;
	size_t profile_count;
	const char **names;
	struct s_map profile_map;
	struct s_named *services;
	size_t services_count;
	struct s_map services_map;
	struct s_named *sso;
	size_t sso_count;
	struct s_map sso_map;
};

static uint64_t s_hash(const char *s, size_t len)
{
	return c1_fnv1a(C1_FNV1A_INIT, s, len);
}

static size_t s_map_find(const struct s_map *m, const char *key, size_t len)
{
	if (!m->cap)
		return SIZE_MAX;
	size_t i = (size_t)(s_hash(key, len) & (m->cap - 1));
	while (m->keys[i]) {
		if (strlen(m->keys[i]) == len && memcmp(m->keys[i], key, len) == 0)
			return m->vals[i];
		i = (i + 1) & (m->cap - 1);
	}
	return SIZE_MAX;
}

/** Insert or replace; `key` is borrowed and must outlive the map. */
static void s_map_put(struct s_map *m, const char *key, size_t val)
{
	if ((m->count + 1) * 2 > m->cap) {
		struct s_map bigger = {NULL, NULL, m->cap ? m->cap * 2 : 16, 0};
		bigger.keys = c1_calloc(bigger.cap, sizeof(*bigger.keys));
		bigger.vals = c1_calloc(bigger.cap, sizeof(*bigger.vals));
		for (size_t i = 0; i < m->cap; i++)
			if (m->keys[i])
				s_map_put(&bigger, m->keys[i], m->vals[i]);
		free(m->keys);
		free(m->vals);
		*m = bigger;
	}
	size_t len = strlen(key);
	size_t i = (size_t)(s_hash(key, len) & (m->cap - 1));
	while (m->keys[i]) {
		if (strcmp(m->keys[i], key) == 0) {
			m->vals[i] = val;
			return;
		}
		i = (i + 1) & (m->cap - 1);
	}
	m->keys[i] = key;
	m->vals[i] = val;
	m->count++;
}

static void s_map_dispose(struct s_map *m)
{
	free(m->keys);
	free(m->vals);
	m->keys = NULL;
	m->vals = NULL;
	m->cap = m->count = 0;
}

static void s_setting_dispose(struct c1_aws_setting *s)
{
	free(s->key);
	free(s->value);
	c1_secret_dispose(&s->secret);
	for (size_t i = 0; i < s->sub_count; i++) {
		free(s->sub[i].key);
		free(s->sub[i].value);
	}
	free(s->sub);
	memset(s, 0, sizeof(*s));
}

static void s_section_free(struct c1_aws_section *sec)
{
	if (!sec)
		return;
	for (size_t i = 0; i < sec->count; i++)
		s_setting_dispose(&sec->settings[i]);
	free(sec->settings);
	free(sec->name);
	free(sec);
}

void c1_aws_config_free(struct c1_aws_config *cfg)
{
	if (!cfg)
		return;
	for (int f = 0; f < 2; f++) {
		for (size_t i = 0; i < cfg->files[f].count; i++)
			s_section_free(cfg->files[f].sections[i]);
		free(cfg->files[f].sections);
		free(cfg->files[f].path);
	}
	for (size_t i = 0; i < cfg->profile_count; i++)
		free(cfg->profiles[i].name);
	free(cfg->profiles);
	free(cfg->names);
	for (size_t i = 0; i < cfg->services_count; i++)
		free(cfg->services[i].name);
	free(cfg->services);
	for (size_t i = 0; i < cfg->sso_count; i++)
		free(cfg->sso[i].name);
	free(cfg->sso);
	s_map_dispose(&cfg->profile_map);
	s_map_dispose(&cfg->services_map);
	s_map_dispose(&cfg->sso_map);
	free(cfg);
}

/* ---------------------------------------------------------------- text helpers */

/* Byte length of the code point at p when Python's str.isspace() holds for it, else 0.
 * Input is valid UTF-8 (checked before parsing). */
static size_t s_space_len(const char *p, const char *end)
{
	if (p >= end)
		return 0;
	const unsigned char *u = (const unsigned char *)p;
	unsigned c = u[0];
	if (c < 0x80)
		return (c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f)) ? 1 : 0;
	if (c == 0xc2 && end - p >= 2)
		return (u[1] == 0x85 || u[1] == 0xa0) ? 2 : 0;
	if (c == 0xe1 && end - p >= 3)
		return (u[1] == 0x9a && u[2] == 0x80) ? 3 : 0; /* U+1680 */
	if (c == 0xe2 && end - p >= 3) {
		if (u[1] == 0x80 && (u[2] <= 0x8a || u[2] == 0xa8 || u[2] == 0xa9 || u[2] == 0xaf))
			return 3; /* U+2000..200A, U+2028, U+2029, U+202F */
		if (u[1] == 0x81 && u[2] == 0x9f)
			return 3; /* U+205F */
		return 0;
	}
	if (c == 0xe3 && end - p >= 3)
		return (u[1] == 0x80 && u[2] == 0x80) ? 3 : 0; /* U+3000 */
	return 0;
}

/* Line breaks that str.splitlines() knows besides \r and \n (used for nested blocks). */
static size_t s_linebreak_len(const char *p, const char *end)
{
	const unsigned char *u = (const unsigned char *)p;
	if (p >= end)
		return 0;
	if (u[0] == 0x0b || u[0] == 0x0c || u[0] == 0x1c || u[0] == 0x1d || u[0] == 0x1e || u[0] == '\n' ||
	    u[0] == '\r')
		return 1;
	if (u[0] == 0xc2 && end - p >= 2 && u[1] == 0x85)
		return 2;
	if (u[0] == 0xe2 && end - p >= 3 && u[1] == 0x80 && (u[2] == 0xa8 || u[2] == 0xa9))
		return 3;
	return 0;
}

static struct c1_str s_lstrip(struct c1_str s)
{
	size_t n;
	while ((n = s_space_len(s.ptr, s.ptr + s.len)) > 0) {
		s.ptr += n;
		s.len -= n;
	}
	return s;
}

static struct c1_str s_rstrip(struct c1_str s)
{
	while (s.len) {
		size_t start = s.len - 1;
		while (start > 0 && ((unsigned char)s.ptr[start] & 0xc0) == 0x80)
			start--;
		if (s_space_len(s.ptr + start, s.ptr + s.len) != s.len - start)
			break;
		s.len = start;
	}
	return s;
}

static struct c1_str s_strip(struct c1_str s)
{
	return s_rstrip(s_lstrip(s));
}

/* Offset of the first byte that breaks strict UTF-8 (as Python's decoder: no overlongs, no
 * surrogates, nothing past U+10FFFF), or SIZE_MAX when all is valid. */
static size_t s_utf8_invalid_at(const char *text, size_t len)
{
	const unsigned char *u = (const unsigned char *)text;
	size_t i = 0;
	while (i < len) {
		unsigned c = u[i];
		size_t need;
		unsigned lo = 0x80, hi = 0xbf;
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			if (c == 0xe0)
				lo = 0xa0;
			if (c == 0xed)
				hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			if (c == 0xf0)
				lo = 0x90;
			if (c == 0xf4)
				hi = 0x8f;
		} else {
			return i;
		}
		if (len - i <= need)
			return i;
		if (u[i + 1] < lo || u[i + 1] > hi)
			return i;
		for (size_t k = 2; k <= need; k++)
			if ((u[i + k] & 0xc0) != 0x80)
				return i;
		i += need + 1;
	}
	return SIZE_MAX;
}

static unsigned s_line_of(const char *text, size_t off)
{
	unsigned line = 1;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n')
			line++;
		else if (text[i] == '\r' && !(i + 1 < off && text[i + 1] == '\n'))
			line++;
	}
	return line;
}

static bool s_is_secret_key(const char *key)
{
	return strcmp(key, "aws_secret_access_key") == 0 || strcmp(key, "aws_session_token") == 0 ||
	       strcmp(key, "aws_security_token") == 0;
}

/* ---------------------------------------------------------------- shlex */

static void s_argv_push(char ***argv, size_t *argc, size_t *cap, struct c1_buf *tok)
{
	if (*argc + 2 > *cap) {
		*cap = *cap ? *cap * 2 : 8;
		*argv = c1_realloc(*argv, *cap * sizeof(**argv));
	}
	(*argv)[(*argc)++] = c1_strndup(tok->ptr ? tok->ptr : "", tok->len);
	(*argv)[*argc] = NULL;
	c1_buf_clear(tok);
}

int c1_aws_shlex_split(char ***out_argv, size_t *out_argc, const char *s)
{
	char **argv = NULL;
	size_t argc = 0, cap = 0;
	struct c1_buf tok = C1_BUF_INIT;
	char state = ' ', escaped_state = 'a';
	bool quoted = false;
	int rc = 0;

	*out_argv = NULL;
	if (out_argc)
		*out_argc = 0;
	for (size_t i = 0;; i++) {
		char c = s[i];
		bool eof = c == '\0';
		bool ws = c == ' ' || c == '\t' || c == '\r' || c == '\n';
		if (state == ' ') {
			if (eof)
				break;
			if (ws)
				continue;
			if (c == '\\') {
				escaped_state = 'a';
				state = '\\';
			} else if (c == '\'' || c == '"') {
				state = c;
			} else {
				c1_buf_putc(&tok, c);
				state = 'a';
			}
		} else if (state == '\'' || state == '"') {
			quoted = true;
			if (eof) {
				c1_error_set("No closing quotation");
				rc = C1_EINVALID;
				goto cleanup;
			}
			if (c == state) {
				state = 'a';
			} else if (c == '\\' && state == '"') {
				escaped_state = state;
				state = '\\';
			} else {
				c1_buf_putc(&tok, c);
			}
		} else if (state == '\\') {
			if (eof) {
				c1_error_set("No escaped character");
				rc = C1_EINVALID;
				goto cleanup;
			}
			/* Inside double quotes only \" and \\ are escapes; the backslash stays otherwise. */
			if (escaped_state == '"' && c != '\\' && c != '"')
				c1_buf_putc(&tok, '\\');
			c1_buf_putc(&tok, c);
			state = escaped_state;
		} else { /* 'a': inside a word */
			if (eof || ws) {
				if (tok.len || quoted)
					s_argv_push(&argv, &argc, &cap, &tok);
				quoted = false;
				if (eof)
					break;
				state = ' ';
			} else if (c == '\'' || c == '"') {
				state = c;
			} else if (c == '\\') {
				escaped_state = 'a';
				state = '\\';
			} else {
				c1_buf_putc(&tok, c);
			}
		}
	}
	if (!argv) {
		argv = c1_calloc(1, sizeof(*argv));
	}
	*out_argv = argv;
	argv = NULL;
	if (out_argc)
		*out_argc = argc;
cleanup:
	c1_aws_argv_free(argv);
	c1_buf_dispose_secure(&tok);
	return rc;
}

void c1_aws_argv_free(char **argv)
{
	if (!argv)
		return;
	for (size_t i = 0; argv[i]; i++)
		c1_free_secure_str(argv[i]);
	free(argv);
}

/* ---------------------------------------------------------------- INI parse */

struct s_part {
	struct c1_str text;
	unsigned line;
};

struct s_opt {
	char *key;
	unsigned line;
	struct s_part *parts;
	size_t count;
	size_t cap;
};

struct s_bsec {
	char *name;
	unsigned line;
	struct s_opt *opts;
	size_t count;
	size_t cap;
};

struct s_parse {
	const char *fname;
	enum c1_aws_file file;
	struct s_bsec *secs;
	size_t count;
	size_t cap;
	struct s_map sec_map;
	struct s_bsec defaults; /* [DEFAULT] */
};

static void s_bsec_dispose(struct s_bsec *b)
{
	for (size_t i = 0; i < b->count; i++) {
		free(b->opts[i].key);
		free(b->opts[i].parts);
	}
	free(b->opts);
	free(b->name);
	memset(b, 0, sizeof(*b));
}

static void s_parse_dispose(struct s_parse *p)
{
	for (size_t i = 0; i < p->count; i++)
		s_bsec_dispose(&p->secs[i]);
	free(p->secs);
	s_map_dispose(&p->sec_map);
	s_bsec_dispose(&p->defaults);
}

static int s_fail(const char *fname, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int s_fail(const char *fname, unsigned line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line)
		c1_error_set("%s:%u: %s", fname, line, msg);
	else
		c1_error_set("%s: %s", fname, msg);
	return C1_ECONFIG;
}

static void s_part_add(struct s_opt *o, struct c1_str text, unsigned line)
{
	if (o->count == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 2;
		o->parts = c1_realloc(o->parts, o->cap * sizeof(*o->parts));
	}
	o->parts[o->count].text = text;
	o->parts[o->count].line = line;
	o->count++;
}

static struct s_opt *s_opt_find(struct s_bsec *b, const char *key)
{
	for (size_t i = 0; i < b->count; i++)
		if (strcmp(b->opts[i].key, key) == 0)
			return &b->opts[i];
	return NULL;
}

/* Printable, bounded excerpt of a line for messages; lines of the credentials file are not
 * quoted because they may hold a secret. */
static void s_excerpt(char *out, size_t out_len, struct c1_str s)
{
	size_t n = 0;
	for (size_t i = 0; i < s.len && n + 4 < out_len; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		out[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	if (s.len && n + 4 >= out_len) {
		out[n++] = '.';
		out[n++] = '.';
		out[n++] = '.';
	}
	out[n] = '\0';
}

static int s_parse_ini(struct s_parse *p, const char *text, size_t len)
{
	const char *end = text + len;
	const char *pos = text;
	unsigned lineno = 0;
	struct s_bsec *cur = NULL; /* index-stable only until the next section: kept as pointer */
	size_t cur_index = SIZE_MAX;
	bool cur_is_default = false;
	size_t opt_index = SIZE_MAX;
	size_t indent_level = 0;

	while (pos < end) {
		const char *eol = pos;
		while (eol < end && *eol != '\n' && *eol != '\r')
			eol++;
		struct c1_str line = {pos, (size_t)(eol - pos)};
		if (eol < end && *eol == '\r' && eol + 1 < end && eol[1] == '\n')
			pos = eol + 2;
		else
			pos = eol < end ? eol + 1 : end;
		lineno++;

		cur = cur_is_default ? &p->defaults : (cur_index != SIZE_MAX ? &p->secs[cur_index] : NULL);
		struct c1_str value = s_strip(line);
		bool comment = value.len && (value.ptr[0] == '#' || value.ptr[0] == ';');
		if (!value.len || comment) {
			/* A blank (not comment) line inside a value is kept; the join strips it at the end.
			 */
			if (!comment && cur && opt_index != SIZE_MAX)
				s_part_add(&cur->opts[opt_index], value, lineno);
			continue;
		}
		size_t indent = 0;
		for (const char *q = line.ptr; q < value.ptr;) {
			q += s_space_len(q, line.ptr + line.len);
			indent++;
		}
		if (cur && opt_index != SIZE_MAX && indent > indent_level) {
			s_part_add(&cur->opts[opt_index], value, lineno);
			continue;
		}
		indent_level = indent;

		/* "[" header "]": the regex \[(.+)\] takes the last ']' with at least one char inside. */
		size_t close = SIZE_MAX;
		if (value.ptr[0] == '[') {
			for (size_t i = value.len; i-- > 2;) {
				if (value.ptr[i] == ']') {
					close = i;
					break;
				}
			}
		}
		if (close != SIZE_MAX) {
			struct c1_str name = {value.ptr + 1, close - 1};
			opt_index = SIZE_MAX;
			if (c1_str_eq_cstr(name, "DEFAULT")) {
				cur_is_default = true;
				cur_index = SIZE_MAX;
				if (!p->defaults.name) {
					p->defaults.name = c1_strdup("DEFAULT");
					p->defaults.line = lineno;
				}
				continue;
			}
			size_t existing = s_map_find(&p->sec_map, name.ptr, name.len);
			if (existing != SIZE_MAX) {
				char ex[96];
				s_excerpt(ex, sizeof(ex), name);
				return s_fail(
				    p->fname, lineno,
				    "section [%s] appears a second time (first at line %u); merge the "
				    "two sections into one",
				    ex, p->secs[existing].line);
			}
			if (p->count == p->cap) {
				p->cap = p->cap ? p->cap * 2 : 16;
				p->secs = c1_realloc(p->secs, p->cap * sizeof(*p->secs));
				/* the map holds name pointers, which do not move with the array */
			}
			struct s_bsec *b = &p->secs[p->count];
			memset(b, 0, sizeof(*b));
			b->name = c1_str_dup(name);
			b->line = lineno;
			s_map_put(&p->sec_map, b->name, p->count);
			cur_index = p->count++;
			cur_is_default = false;
			continue;
		}
		if (!cur) {
			if (lineno == 1 && line.len >= 3 && memcmp(line.ptr, "\xef\xbb\xbf", 3) == 0)
				return s_fail(
				    p->fname, lineno,
				    "the file starts with a UTF-8 byte order mark, which the AWS CLI "
				    "rejects as well; save the file as UTF-8 without BOM");
			return s_fail(p->fname, lineno,
				      "setting outside any section; put it under a section header such as "
				      "[default]%s",
				      p->file == C1_AWS_FILE_CONFIG ? " or [profile NAME]" : " or [NAME]");
		}
		size_t delim = SIZE_MAX;
		for (size_t i = 0; i < value.len; i++) {
			if (value.ptr[i] == '=' || value.ptr[i] == ':') {
				delim = i;
				break;
			}
		}
		struct c1_str key = {value.ptr, delim == SIZE_MAX ? 0 : delim};
		key = s_rstrip(key);
		if (delim == SIZE_MAX || key.len == 0) {
			if (p->file == C1_AWS_FILE_CREDENTIALS)
				return s_fail(
				    p->fname, lineno,
				    "expected \"key = value\" (the line is not shown because this file "
				    "holds secrets)");
			char ex[96];
			s_excerpt(ex, sizeof(ex), value);
			return s_fail(p->fname, lineno, "expected \"key = value\", found \"%s\"", ex);
		}
		char *lkey = c1_str_dup(key);
		for (char *k = lkey; *k; k++)
			if (*k >= 'A' && *k <= 'Z')
				*k = (char)(*k - 'A' + 'a');
		struct s_opt *dup = s_opt_find(cur, lkey);
		if (dup) {
			char ex[96];
			s_excerpt(ex, sizeof(ex), c1_str_from(lkey));
			int rc =
			    s_fail(p->fname, lineno,
				   "key \"%s\" appears a second time in section [%s] (first at line %u); "
				   "keep one",
				   ex, cur->name, dup->line);
			free(lkey);
			return rc;
		}
		if (cur->count == cur->cap) {
			cur->cap = cur->cap ? cur->cap * 2 : 8;
			cur->opts = c1_realloc(cur->opts, cur->cap * sizeof(*cur->opts));
		}
		struct s_opt *o = &cur->opts[cur->count];
		memset(o, 0, sizeof(*o));
		o->key = lkey;
		o->line = lineno;
		struct c1_str v = {value.ptr + delim + 1, value.len - delim - 1};
		s_part_add(o, s_strip(v), lineno);
		opt_index = cur->count++;
	}
	return 0;
}

/* Turn the collected lines of one option into a setting (join, right-strip, nested block). */
static int s_make_setting(struct c1_aws_setting *out, const struct s_opt *o, const struct s_parse *p)
{
	int rc = 0;
	size_t total = 0;
	char *joined = NULL;
	bool nested = false;

	memset(out, 0, sizeof(*out));
	out->key = c1_strdup(o->key);
	out->file = p->file;
	out->line = o->line;
	out->is_secret = s_is_secret_key(o->key);

	if (o->parts[0].text.len == 0) {
		for (size_t i = 1; i < o->count && !nested; i++)
			nested = o->parts[i].text.len > 0;
	}
	if (nested && !out->is_secret) {
		out->nested = true;
		for (size_t i = 1; i < o->count; i++) {
			const char *q = o->parts[i].text.ptr, *qend = q + o->parts[i].text.len;
			while (q < qend) {
				const char *e = q;
				size_t br = 0;
				while (e < qend && (br = s_linebreak_len(e, qend)) == 0)
					e++;
				struct c1_str sub = s_strip((struct c1_str){q, (size_t)(e - q)});
				q = e < qend ? e + br : qend;
				if (!sub.len)
					continue;
				const char *eq = memchr(sub.ptr, '=', sub.len);
				if (!eq) {
					rc = s_fail(
					    p->fname, o->parts[i].line,
					    "the indented block under \"%s\" (line %u) must hold \"key = "
					    "value\" lines",
					    o->key, o->line);
					goto cleanup;
				}
				struct c1_str k = s_strip((struct c1_str){sub.ptr, (size_t)(eq - sub.ptr)});
				struct c1_str v =
				    s_strip((struct c1_str){eq + 1, (size_t)(sub.ptr + sub.len - eq - 1)});
				/* Later duplicates win, as in the dict botocore builds. */
				size_t slot = out->sub_count;
				for (size_t j = 0; j < out->sub_count; j++)
					if (c1_str_eq_cstr(k, out->sub[j].key))
						slot = j;
				if (slot == out->sub_count) {
					out->sub =
					    c1_realloc(out->sub, (out->sub_count + 1) * sizeof(*out->sub));
					out->sub[slot].key = c1_str_dup(k);
					out->sub_count++;
				} else {
					free(out->sub[slot].value);
				}
				out->sub[slot].value = c1_str_dup(v);
			}
		}
		goto cleanup;
	}

	for (size_t i = 0; i < o->count; i++)
		total += o->parts[i].text.len + 1;
	joined = c1_malloc(total + 1);
	size_t n = 0;
	for (size_t i = 0; i < o->count; i++) {
		if (i)
			joined[n++] = '\n';
		memcpy(joined + n, o->parts[i].text.ptr, o->parts[i].text.len);
		n += o->parts[i].text.len;
	}
	struct c1_str jv = s_rstrip((struct c1_str){joined, n});
	if (out->is_secret)
		c1_secret_set(&out->secret, jv.ptr, jv.len);
	else
		out->value = c1_str_dup(jv);
cleanup:
	if (joined) {
		c1_wipe(joined, total + 1);
		free(joined);
	}
	if (rc)
		s_setting_dispose(out);
	return rc;
}

static int s_build_section(struct c1_aws_section **out, const struct s_bsec *b, const struct s_parse *p)
{
	int rc = 0;
	struct c1_aws_section *sec = c1_calloc(1, sizeof(*sec));
	sec->name = c1_strdup(b->name);
	sec->file = p->file;
	sec->line = b->line;
	sec->settings = c1_calloc(b->count + p->defaults.count + 1, sizeof(*sec->settings));
	for (size_t i = 0; i < b->count; i++) {
		rc = s_make_setting(&sec->settings[sec->count], &b->opts[i], p);
		if (rc)
			goto cleanup;
		sec->count++;
	}
	/* [DEFAULT] keys show up in every section that does not set them itself. */
	for (size_t i = 0; i < p->defaults.count; i++) {
		if (s_opt_find((struct s_bsec *)b, p->defaults.opts[i].key))
			continue;
		rc = s_make_setting(&sec->settings[sec->count], &p->defaults.opts[i], p);
		if (rc)
			goto cleanup;
		sec->count++;
	}
	*out = sec;
	sec = NULL;
cleanup:
	s_section_free(sec);
	return rc;
}

static int s_parse_file(struct s_file *f, const char *text, size_t len, const char *fname,
			enum c1_aws_file file)
{
	struct s_parse p = {fname, file, NULL, 0, 0, {NULL, NULL, 0, 0}, {NULL, 0, NULL, 0, 0}};
	int rc = 0;

	const char *nul = memchr(text, '\0', len);
	if (nul) {
		rc = s_fail(fname, s_line_of(text, (size_t)(nul - text)),
			    "the file contains a NUL byte; it must be a UTF-8 text file");
		goto cleanup;
	}
	size_t bad = s_utf8_invalid_at(text, len);
	if (bad != SIZE_MAX) {
		rc = s_fail(fname, s_line_of(text, bad), "the file is not valid UTF-8; re-save it as UTF-8");
		goto cleanup;
	}
	rc = s_parse_ini(&p, text, len);
	if (rc)
		goto cleanup;
	f->sections = c1_calloc(p.count + 1, sizeof(*f->sections));
	for (size_t i = 0; i < p.count; i++) {
		rc = s_build_section(&f->sections[f->count], &p.secs[i], &p);
		if (rc)
			goto cleanup;
		f->count++;
	}
cleanup:
	s_parse_dispose(&p);
	return rc;
}

/* ---------------------------------------------------------------- profiles */

static size_t s_profile_slot(struct c1_aws_config *cfg, const char *name)
{
	size_t idx = s_map_find(&cfg->profile_map, name, strlen(name));
	if (idx != SIZE_MAX)
		return idx;
	if ((cfg->profile_count & (cfg->profile_count - 1)) == 0) {
		size_t cap = cfg->profile_count ? cfg->profile_count * 2 : 1;
		cfg->profiles = c1_realloc(cfg->profiles, cap * sizeof(*cfg->profiles));
	}
	/* The map keys point at the names, which stay put when the array moves. */
	struct c1_aws_profile *pr = &cfg->profiles[cfg->profile_count];
	memset(pr, 0, sizeof(*pr));
	pr->name = c1_strdup(name);
	s_map_put(&cfg->profile_map, pr->name, cfg->profile_count);
	return cfg->profile_count++;
}

static void s_named_put(struct s_named **arr, size_t *count, struct s_map *map, const char *name,
			const struct c1_aws_section *sec)
{
	size_t idx = s_map_find(map, name, strlen(name));
	if (idx != SIZE_MAX) {
		(*arr)[idx].sec = sec;
		return;
	}
	*arr = c1_realloc(*arr, (*count + 1) * sizeof(**arr));
	(*arr)[*count].name = c1_strdup(name);
	(*arr)[*count].sec = sec;
	/* re-key: the realloc moved nothing the map points at (names are separate allocations) */
	s_map_put(map, (*arr)[*count].name, *count);
	(*count)++;
}

/* botocore _parse_section: shlex-split the header; exactly two words names the thing. */
static char *s_second_word(const char *header)
{
	char **argv = NULL;
	size_t argc = 0;
	char *name = NULL;
	if (c1_aws_shlex_split(&argv, &argc, header) == 0 && argc == 2)
		name = c1_strdup(argv[1]);
	c1_aws_argv_free(argv);
	c1_error_clear();
	return name;
}

static void s_build_maps(struct c1_aws_config *cfg)
{
	const struct s_file *conf = &cfg->files[0];
	for (size_t i = 0; i < conf->count; i++) {
		const struct c1_aws_section *sec = conf->sections[i];
		const char *h = sec->name;
		char *name = NULL;
		if (strncmp(h, "profile", 7) == 0) {
			name = s_second_word(h);
			if (name) {
				size_t slot = s_profile_slot(cfg, name); /* may move cfg->profiles */
				cfg->profiles[slot].config_sec = sec;
			}
		} else if (strncmp(h, "sso-session", 11) == 0) {
			name = s_second_word(h);
			if (name)
				s_named_put(&cfg->sso, &cfg->sso_count, &cfg->sso_map, name, sec);
		} else if (strncmp(h, "services", 8) == 0) {
			name = s_second_word(h);
			if (name)
				s_named_put(&cfg->services, &cfg->services_count, &cfg->services_map, name,
					    sec);
		} else if (strcmp(h, "default") == 0) {
			size_t slot = s_profile_slot(cfg, "default");
			cfg->profiles[slot].config_sec = sec;
		}
		free(name);
	}
	const struct s_file *cred = &cfg->files[1];
	for (size_t i = 0; i < cred->count; i++) {
		size_t slot = s_profile_slot(cfg, cred->sections[i]->name);
		cfg->profiles[slot].cred_sec = cred->sections[i];
	}
	cfg->names = c1_calloc(cfg->profile_count + 1, sizeof(*cfg->names));
	for (size_t i = 0; i < cfg->profile_count; i++)
		cfg->names[i] = cfg->profiles[i].name;
}

int c1_aws_config_parse(struct c1_aws_config **out, const char *config_text, size_t config_len,
			const char *config_name, const char *credentials_text, size_t credentials_len,
			const char *credentials_name)
{
	int rc = 0;
	struct c1_aws_config *cfg = c1_calloc(1, sizeof(*cfg));
	*out = NULL;
	cfg->files[0].path = c1_strdup(config_name ? config_name : "");
	cfg->files[1].path = c1_strdup(credentials_name ? credentials_name : "");
	if (config_text) {
		rc = s_parse_file(&cfg->files[0], config_text, config_len,
				  config_name ? config_name : "AWS config file", C1_AWS_FILE_CONFIG);
		if (rc)
			goto cleanup;
	}
	if (credentials_text) {
		rc = s_parse_file(&cfg->files[1], credentials_text, credentials_len,
				  credentials_name ? credentials_name : "AWS credentials file",
				  C1_AWS_FILE_CREDENTIALS);
		if (rc)
			goto cleanup;
	}
	s_build_maps(cfg);
	*out = cfg;
	cfg = NULL;
cleanup:
	c1_aws_config_free(cfg);
	return rc;
}

/* ---------------------------------------------------------------- loading */

/* posixpath.expandvars: $name ([A-Za-z0-9_]+) and ${name}; unknown variables stay as written. */
static char *s_expandvars(const char *path, const struct c1_aws_env *env)
{
	struct c1_buf b = C1_BUF_INIT;
	size_t i = 0, len = strlen(path);
	while (i < len) {
		if (path[i] == '$') {
			size_t j = i + 1, ns = 0, ne = 0;
			if (j < len && path[j] == '{') {
				const char *close = memchr(path + j + 1, '}', len - j - 1);
				if (close) {
					ns = j + 1;
					ne = (size_t)(close - path);
					j = ne + 1;
				}
			} else {
				while (j < len && ((path[j] >= 'a' && path[j] <= 'z') ||
						   (path[j] >= 'A' && path[j] <= 'Z') ||
						   (path[j] >= '0' && path[j] <= '9') || path[j] == '_'))
					j++;
				ns = i + 1;
				ne = j;
			}
			if (j > i + 1 && (ne > ns || path[i + 1] == '{')) {
				char *name = c1_strndup(path + ns, ne - ns);
				const char *val = c1_aws_env_get(env, name);
				free(name);
				if (val) {
					c1_buf_puts(&b, val);
					i = j;
					continue;
				}
				c1_buf_put(&b, path + i, j - i);
				i = j;
				continue;
			}
		}
		c1_buf_putc(&b, path[i]);
		i++;
	}
	return c1_buf_detach(&b);
}

/* posixpath.expanduser for "~" and "~/..." (not "~user"). */
static char *s_expanduser(const char *path, const struct c1_aws_env *env)
{
	if (path[0] != '~' || (path[1] != '\0' && path[1] != '/'))
		return c1_strdup(path);
	const char *home = c1_aws_env_get(env, "HOME");
	char *pw_home = NULL;
	if (!home) {
		struct passwd pw, *res = NULL;
		char buf[4096];
		if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) == 0 && res)
			pw_home = c1_strdup(res->pw_dir);
		home = pw_home;
	}
	if (!home) {
		free(pw_home);
		return c1_strdup(path);
	}
	size_t hl = strlen(home);
	while (hl > 0 && home[hl - 1] == '/')
		hl--;
	char *res = c1_asprintf("%.*s%s", (int)hl, home, path + 1);
	free(pw_home);
	if (!res[0]) {
		free(res);
		res = c1_strdup("/");
	}
	return res;
}

static char *s_resolve_path(const char *explicit_path, const char *env_name, const char *fallback,
			    const struct c1_aws_env *env)
{
	const char *raw = explicit_path ? explicit_path : c1_aws_env_get(env, env_name);
	if (!raw)
		raw = fallback;
	char *vars = s_expandvars(raw, env);
	char *res = s_expanduser(vars, env);
	free(vars);
	return res;
}

/* Read a whole file into one exact-size allocation (no realloc copies of secrets left behind).
 * *text stays NULL when the file is absent or not a regular file (botocore: isfile() false). */
static int s_read_file(char **text, size_t *len, const char *path, size_t max, const char *what)
{
	int rc = 0;
	int fd = -1;
	char *buf = NULL;
	size_t cap = 0, n = 0;
	struct stat st;

	*text = NULL;
	*len = 0;
	if (!path[0])
		goto cleanup; /* an empty AWS_CONFIG_FILE means no file, as in botocore */
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		goto cleanup;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		c1_error_set("%s: cannot read the %s: %s; fix its permissions or point %s elsewhere", path,
			     what, strerror(errno),
			     strcmp(what, "AWS config file") == 0 ? "AWS_CONFIG_FILE"
								  : "AWS_SHARED_CREDENTIALS_FILE");
		rc = C1_ECONFIG;
		goto cleanup;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		goto cleanup;
	if ((uintmax_t)st.st_size > max) {
		c1_error_set("%s: the %s is larger than the %zu-byte limit", path, what, max);
		rc = C1_ECONFIG;
		goto cleanup;
	}
	cap = (size_t)st.st_size + 1; /* +1 notices growth past the stat size */
	buf = c1_malloc(cap + 1);
	for (;;) {
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			c1_error_set("%s: cannot read the %s: %s", path, what, strerror(errno));
			rc = C1_ECONFIG;
			goto cleanup;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == cap) {
			c1_error_set("%s: the %s changed while it was being read; try again", path, what);
			rc = C1_ECONFIG;
			goto cleanup;
		}
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	buf = NULL;
cleanup:
	if (buf) {
		c1_wipe(buf, cap + 1);
		free(buf);
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

int c1_aws_config_load(struct c1_aws_config **out, const struct c1_aws_config_options *opts)
{
	int rc = 0;
	const struct c1_aws_env *env = opts ? opts->env : NULL;
	size_t max = opts && opts->max_file_bytes ? opts->max_file_bytes : C1_AWS_CONFIG_DEFAULT_MAX_BYTES;
	char *config_path =
	    s_resolve_path(opts ? opts->config_path : NULL, "AWS_CONFIG_FILE", "~/.aws/config", env);
	char *cred_path = s_resolve_path(opts ? opts->credentials_path : NULL, "AWS_SHARED_CREDENTIALS_FILE",
					 "~/.aws/credentials", env);
	char *config_text = NULL, *cred_text = NULL;
	size_t config_len = 0, cred_len = 0;

	*out = NULL;
	rc = s_read_file(&config_text, &config_len, config_path, max, "AWS config file");
	if (rc)
		goto cleanup;
	rc = s_read_file(&cred_text, &cred_len, cred_path, max, "AWS credentials file");
	if (rc)
		goto cleanup;
	rc = c1_aws_config_parse(out, config_text, config_len, config_path, cred_text, cred_len, cred_path);
cleanup:
	if (config_text) {
		c1_wipe(config_text, config_len);
		free(config_text);
	}
	if (cred_text) {
		c1_wipe(cred_text, cred_len);
		free(cred_text);
	}
	free(config_path);
	free(cred_path);
	return rc;
}

/* ---------------------------------------------------------------- lookups */

const char *c1_aws_config_path(const struct c1_aws_config *cfg, enum c1_aws_file file)
{
	return cfg->files[file == C1_AWS_FILE_CREDENTIALS ? 1 : 0].path;
}

const struct c1_aws_profile *c1_aws_config_profile(const struct c1_aws_config *cfg, const char *name)
{
	if (!cfg || !name)
		return NULL;
	size_t idx = s_map_find(&cfg->profile_map, name, strlen(name));
	return idx == SIZE_MAX ? NULL : &cfg->profiles[idx];
}

const char *const *c1_aws_config_profile_names(const struct c1_aws_config *cfg, size_t *count)
{
	if (count)
		*count = cfg->profile_count;
	return cfg->names;
}

const struct c1_aws_section *c1_aws_config_services(const struct c1_aws_config *cfg, const char *name)
{
	size_t idx = name ? s_map_find(&cfg->services_map, name, strlen(name)) : SIZE_MAX;
	return idx == SIZE_MAX ? NULL : cfg->services[idx].sec;
}

const struct c1_aws_section *c1_aws_config_sso_session(const struct c1_aws_config *cfg, const char *name)
{
	size_t idx = name ? s_map_find(&cfg->sso_map, name, strlen(name)) : SIZE_MAX;
	return idx == SIZE_MAX ? NULL : cfg->sso[idx].sec;
}

const char *c1_aws_default_profile_name(const struct c1_aws_env *env)
{
	const char *name = c1_aws_env_get(env, "AWS_DEFAULT_PROFILE");
	if (!name)
		name = c1_aws_env_get(env, "AWS_PROFILE");
	return name && name[0] ? name : "default";
}

const char *c1_aws_profile_name(const struct c1_aws_profile *profile)
{
	return profile->name;
}

const struct c1_aws_setting *c1_aws_section_setting(const struct c1_aws_section *section, const char *key)
{
	if (!section)
		return NULL;
	for (size_t i = 0; i < section->count; i++)
		if (strcmp(section->settings[i].key, key) == 0)
			return &section->settings[i];
	return NULL;
}

const struct c1_aws_setting *c1_aws_profile_setting_in(const struct c1_aws_profile *profile, const char *key,
						       enum c1_aws_file file)
{
	if (!profile)
		return NULL;
	return c1_aws_section_setting(
	    file == C1_AWS_FILE_CREDENTIALS ? profile->cred_sec : profile->config_sec, key);
}

const struct c1_aws_setting *c1_aws_profile_setting(const struct c1_aws_profile *profile, const char *key)
{
	const struct c1_aws_setting *s = c1_aws_profile_setting_in(profile, key, C1_AWS_FILE_CREDENTIALS);
	return s ? s : c1_aws_profile_setting_in(profile, key, C1_AWS_FILE_CONFIG);
}

const char *c1_aws_profile_get(const struct c1_aws_profile *profile, const char *key)
{
	const struct c1_aws_setting *s = c1_aws_profile_setting(profile, key);
	return s && !s->is_secret && !s->nested ? s->value : NULL;
}

bool c1_aws_profile_has(const struct c1_aws_profile *profile, const char *key)
{
	return c1_aws_profile_setting(profile, key) != NULL;
}

bool c1_aws_profile_in_file(const struct c1_aws_profile *profile, enum c1_aws_file file)
{
	return profile && (file == C1_AWS_FILE_CREDENTIALS ? profile->cred_sec : profile->config_sec) != NULL;
}

bool c1_aws_section_is_empty(const struct c1_aws_section *section)
{
	return !section || section->count == 0;
}

const char *c1_aws_setting_sub(const struct c1_aws_setting *setting, const char *key)
{
	if (!setting || !setting->nested)
		return NULL;
	for (size_t i = 0; i < setting->sub_count; i++)
		if (strcmp(setting->sub[i].key, key) == 0)
			return setting->sub[i].value;
	return NULL;
}
