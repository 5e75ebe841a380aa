#include "batch/secrets.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool s_one_line(const char *v, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

static int s_resolve_env(struct c1_secret *out, const char *ref, const char *name, const char *where)
{
	const char *v = getenv(name);
	if (!v || !*v) {
		c1_error_set("%s (%s): environment variable %s is %s; export it before running c1onboard "
			     "(e.g. source your secrets.env) or fix the reference",
			     ref, where, name, v ? "empty" : "not set");
		return C1_ECONFIG;
	}
	size_t len = strlen(v);
	if (!s_one_line(v, len)) {
		c1_error_set("%s (%s): environment variable %s contains line breaks or other control "
			     "characters; a secret must be one line: fix the variable",
			     ref, where, name);
		return C1_ECONFIG;
	}
	c1_secret_set(out, v, len);
	return 0;
}

static int s_resolve_file(struct c1_secret *out, const char *ref, const char *path_in, const char *where)
{
	char *path = NULL;
	char *data = NULL;
	size_t len = 0;
	int fd = -1;
	int rc = C1_ECONFIG;
	struct stat st;

	if (path_in[0] == '~' && path_in[1] == '/') {
		const char *home = getenv("HOME");
		if (!home || !*home) {
			c1_error_set("%s (%s): cannot expand ~ because HOME is not set; write the full path",
				     ref, where);
			goto cleanup;
		}
		path = c1_asprintf("%s%s", home, path_in + 1);
	} else {
		path = c1_strdup(path_in);
	}
	/* O_NONBLOCK: a FIFO must not hang the run before fstat refuses it. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		c1_error_set("%s (%s): cannot open %s: %s", ref, where, path, strerror(errno));
		goto cleanup;
	}
	if (fstat(fd, &st) != 0) {
		c1_error_set("%s (%s): cannot stat %s: %s", ref, where, path, strerror(errno));
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode)) {
		c1_error_set("%s (%s): %s is not a regular file; point the reference at a file that "
			     "holds only the secret",
			     ref, where, path);
		goto cleanup;
	}
	if (st.st_mode & 077) {
		c1_error_set("%s (%s): %s can be read or written by group or others (mode %04o); secret "
			     "files must be private: run chmod 600 %s",
			     ref, where, path, (unsigned)(st.st_mode & 07777), path);
		goto cleanup;
	}
	if ((size_t)st.st_size > C1_SECRET_FILE_MAX) {
		c1_error_set("%s (%s): %s is %lld bytes, more than the %zu a secret file may have; it "
			     "should hold only the key or token",
			     ref, where, path, (long long)st.st_size, C1_SECRET_FILE_MAX);
		goto cleanup;
	}
	data = c1_malloc(C1_SECRET_FILE_MAX + 1);
	for (;;) {
		ssize_t n = read(fd, data + len, C1_SECRET_FILE_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			c1_error_set("%s (%s): cannot read %s: %s", ref, where, path, strerror(errno));
			goto cleanup;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > C1_SECRET_FILE_MAX) {
			c1_error_set("%s (%s): %s grew past %zu bytes while being read", ref, where, path,
				     C1_SECRET_FILE_MAX);
			goto cleanup;
		}
	}
	if (len && data[len - 1] == '\n') {
		len--;
		if (len && data[len - 1] == '\r')
			len--;
	}
	if (len == 0) {
		c1_error_set("%s (%s): %s is empty; write the secret into it", ref, where, path);
		goto cleanup;
	}
	if (!s_one_line(data, len)) {
		c1_error_set("%s (%s): %s holds more than one line or control characters; it must hold "
			     "only the secret, on one line",
			     ref, where, path);
		goto cleanup;
	}
	c1_secret_set(out, data, len);
	rc = 0;

cleanup:
	if (data) {
		c1_wipe(data, C1_SECRET_FILE_MAX + 1);
		free(data);
	}
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}

int c1_secret_resolve(struct c1_secret *out, const char *ref, const char *where)
{
	struct c1_buf msg = C1_BUF_INIT;
	int rc = C1_ECONFIG;
	if (!where)
		where = "secret";
	c1_secret_dispose(out);
	if (!ref || c1_account_check_secret_ref(c1_str_from(ref), &msg) != 0) {
		/* the message of the rule never quotes the value, which may be the secret */
		c1_error_set("%s: the secret reference %s", where, ref ? c1_buf_cstr(&msg) : "is missing");
		goto cleanup;
	}
	if (strncmp(ref, "env:", 4) == 0)
		rc = s_resolve_env(out, ref, ref + 4, where);
	else
		rc = s_resolve_file(out, ref, ref + 5, where);

cleanup:
	c1_buf_dispose(&msg);
	return rc;
}

/* ---- store ----------------------------------------------------------------------------------- */

struct s_entry {
	char *ref;
	struct c1_secret secret;
	int rc;
	char *message; /* the failure, when rc != 0 */
	bool reported; /* resolve_rows printed the failure already */
	size_t group;  /* resolve_rows: index of the distinct API key value */
	bool grouped;
};

/* Entries are separately allocated: callers keep `struct s_entry *` and borrowed secrets across
 * later lookups, which append; a flat array would move them on growth. */
struct s_group {
	struct s_entry *api;
	struct s_entry *token;
	size_t line;
};
struct c1_secret_store {
	struct s_entry **entries;
	size_t count;
	size_t cap;
	/* resolve_rows: one per distinct API key value, kept across calls so that rows read in
	 * batches are compared with every earlier row */
	struct s_group *groups;
	size_t ngroups;
};

struct c1_secret_store *c1_secret_store_new(void)
{
	return c1_calloc(1, sizeof(struct c1_secret_store));
}

void c1_secret_store_free(struct c1_secret_store *store)
{
	if (!store)
		return;
	for (size_t i = 0; i < store->count; i++) {
		free(store->entries[i]->ref);
		free(store->entries[i]->message);
		c1_secret_dispose(&store->entries[i]->secret);
		free(store->entries[i]);
	}
	free(store->entries);
	free(store->groups);
	free(store);
}

/* Distinct references are one pair per tenant (hundreds at most): a linear scan is enough. */
static struct s_entry *s_entry(struct c1_secret_store *store, const char *ref, const char *where)
{
	for (size_t i = 0; i < store->count; i++) {
		if (strcmp(store->entries[i]->ref, ref) == 0)
			return store->entries[i];
	}
	if (store->count == store->cap) {
		store->cap = store->cap ? store->cap * 2 : 8;
		store->entries = c1_realloc(store->entries, store->cap * sizeof(*store->entries));
	}
	struct s_entry *e = c1_calloc(1, sizeof(*e));
	store->entries[store->count++] = e;
	e->ref = c1_strdup(ref);
	e->rc = c1_secret_resolve(&e->secret, ref, where);
	if (e->rc)
		e->message = c1_strdup(c1_error_last());
	return e;
}

int c1_secret_store_get(struct c1_secret_store *store, const struct c1_secret **out, const char *ref,
			const char *where)
{
	struct s_entry *e = s_entry(store, ref ? ref : "", where ? where : "secret");
	*out = e->rc ? NULL : &e->secret;
	if (e->rc)
		c1_error_set("%s", e->message);
	return e->rc;
}

static void s_where(struct c1_buf *where, const struct c1_account_list *list,
		    const struct c1_account_row *row, enum c1_account_column col, bool *from_option,
		    size_t *column)
{
	int idx = list->column_index[col];
	*from_option = idx < 0 || !*row->values[idx];
	*column = idx < 0 ? 0 : (size_t)idx + 1;
	c1_buf_clear(where);
	if (*from_option)
		c1_buf_puts(where,
			    col == C1_COL_CLOUDONE_API_KEY ? "--cloudone-api-key" : "--visionone-token");
	else
		c1_buf_printf(where, "%s:%zu %s", list->path ? list->path : "", row->line,
			      c1_account_column_name(col));
}

/* Resolves one reference of a row; reports a failure the first time the reference is seen. */
static struct s_entry *s_row_ref(struct c1_secret_store *store, const struct c1_account_list *list,
				 const struct c1_account_row *row, enum c1_account_column col,
				 const char *ref, struct c1_intake_errors *errors, bool *failed)
{
	struct c1_buf where = C1_BUF_INIT;
	bool from_option;
	size_t column;
	s_where(&where, list, row, col, &from_option, &column);
	struct s_entry *e = s_entry(store, ref, c1_buf_cstr(&where));
	if (e->rc && !e->reported) {
		e->reported = true;
		if (from_option)
			c1_intake_errors_add(errors, list->path, 0, 0, NULL, "%s", e->message);
		else
			c1_intake_errors_add(errors, list->path, row->line, column,
					     c1_account_column_name(col), "%s", e->message);
		*failed = true;
	}
	c1_buf_dispose(&where);
	return e->rc ? NULL : e;
}

int c1_secret_store_resolve_rows(struct c1_secret_store *store, struct c1_account_list *list,
				 struct c1_intake_errors *errors)
{
	bool failed = false;

	for (size_t i = 0; i < list->count; i++) {
		struct c1_account_row *row = list->rows[i];
		if (!row->valid)
			continue;
		struct s_entry *api = s_row_ref(store, list, row, C1_COL_CLOUDONE_API_KEY,
						row->cloudone_api_key_ref, errors, &failed);
		struct s_entry *token = s_row_ref(store, list, row, C1_COL_VISIONONE_TOKEN,
						  row->visionone_token_ref, errors, &failed);
		if (!api || !token) {
			row->valid = false;
			failed = true;
			continue;
		}
		if (!api->grouped) {
			/* same key value behind another reference joins that reference's group */
			api->grouped = true;
			api->group = store->ngroups;
			for (size_t g = 0; g < store->ngroups; g++) {
				if (c1_secret_equals(&store->groups[g].api->secret, &api->secret)) {
					api->group = g;
					break;
				}
			}
			if (api->group == store->ngroups) {
				store->groups =
				    c1_realloc(store->groups, (store->ngroups + 1) * sizeof(*store->groups));
				store->groups[store->ngroups++] = (struct s_group){api, token, row->line};
			}
		}
		struct s_group *g = &store->groups[api->group];
		if (g->token != token && !c1_secret_equals(&g->token->secret, &token->secret)) {
			int idx = list->column_index[C1_COL_VISIONONE_TOKEN];
			c1_intake_errors_add(
			    errors, list->path, row->line, idx < 0 ? 0 : (size_t)idx + 1,
			    c1_account_column_name(C1_COL_VISIONONE_TOKEN),
			    "the Cloud One API key of this row (%s) is the same key as on line %zu "
			    "(%s), but the Vision One token (%s) is a different token from line "
			    "%zu's (%s); the Vision One link belongs to the Cloud One account: use "
			    "one token per Cloud One API key",
			    api->ref, g->line, g->api->ref, token->ref, g->line, g->token->ref);
			row->valid = false;
			failed = true;
		}
	}
	if (failed)
		c1_error_set("%s: some secret references could not be used", list->path ? list->path : "");
	return failed ? C1_ECONFIG : 0;
}
