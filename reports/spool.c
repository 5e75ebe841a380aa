#include "reports/spool.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "reports/report_html.h"
#include "reports/report_json.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Where row i's entry sits in the file: the account text, then the note. A
 * rendered account is never empty, so len == 0 marks a row not put. */
struct s_entry {
	uint64_t off;
	uint32_t len;
	uint32_t note_len;
};

struct c1_report_spool {
	pthread_mutex_t lock;
	int fd;
	char *name;
	uint64_t end; /* bytes written */
	struct s_entry *rows;
	size_t rows_len;
	size_t put; /* rows put */
	size_t summary[C1_ACCOUNT_STATUS_COUNT];
	char *error; /* the first write failure; the spool writes nothing after it */
};

int c1_report_spool_new_fd(struct c1_report_spool **out, int fd, const char *name, size_t rows)
{
	struct c1_report_spool *s = c1_calloc(1, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->fd = fd;
	s->name = c1_strdup(name);
	s->rows = c1_calloc(rows + 1, sizeof(*s->rows));
	s->rows_len = rows;
	*out = s;
	return 0;
}

int c1_report_spool_new(struct c1_report_spool **out, const char *dir, size_t rows)
{
	char *path = c1_asprintf("%s/.report-spool.XXXXXX", dir);
	int fd = mkstemp(path);
	*out = NULL;
	if (fd < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
		int err = errno;
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
		c1_error_set("cannot create the report spool %s: %s", path, strerror(err));
		free(path);
		return C1_ERROR;
	}
	/* Unlinked at once: the text lives as long as the descriptor, and a
	 * killed run leaves nothing behind (the state store has its outcomes). */
	unlink(path);
	c1_report_spool_new_fd(out, fd, path, rows);
	free(path);
	return 0;
}

void c1_report_spool_free(struct c1_report_spool *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	pthread_mutex_destroy(&s->lock);
	free(s->name);
	free(s->rows);
	free(s->error);
	free(s);
}

static int s_write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? errno : EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int c1_report_spool_put(struct c1_report_spool *s, size_t row, const struct c1_report_account *account,
			const char *note)
{
	int rc = 0;
	struct c1_buf text = C1_BUF_INIT;
	size_t note_len = note ? strlen(note) : 0;
	enum c1_account_status status = account->status;
	if ((int)status < 0 || status >= C1_ACCOUNT_STATUS_COUNT)
		status = C1_ACCOUNT_FAILED;

	text.max = SIZE_MAX;
	int render_rc = c1_report_account_to_json_text(&text, account);
	size_t len = text.len;
	if (render_rc == 0 && note_len)
		c1_buf_put(&text, note, note_len);

	pthread_mutex_lock(&s->lock);
	if (row >= s->rows_len || s->rows[row].len) {
		c1_error_set("report spool: row %zu %s", row,
			     row >= s->rows_len ? "is out of range" : "was put twice");
		rc = C1_EINVALID;
		goto cleanup;
	}
	/* The account is counted whatever happens to its text: the summary and
	 * the exit code must not depend on the disk. */
	s->summary[status]++;
	s->put++;
	if (s->error) {
		c1_error_set("%s", s->error);
		rc = C1_ERROR;
		goto cleanup;
	}
	if (render_rc != 0 || len == 0 || len > UINT32_MAX || note_len > UINT32_MAX) {
		if (render_rc == 0)
			c1_error_set("the report entry of account %s (row %d) is too large",
				     account->account_id ? account->account_id : "", account->row);
		s->error = c1_strdup(c1_error_last());
		rc = C1_ERROR;
		goto cleanup;
	}
	int err = s_write_all(s->fd, text.ptr, text.len);
	if (err != 0) {
		c1_error_set("cannot write the report spool %s (a temp file of this run): %s", s->name,
			     strerror(err));
		s->error = c1_strdup(c1_error_last());
		rc = C1_ERROR;
		goto cleanup;
	}
	s->rows[row] = (struct s_entry){s->end, (uint32_t)len, (uint32_t)note_len};
	s->end += text.len;
cleanup:
	pthread_mutex_unlock(&s->lock);
	c1_buf_dispose(&text);
	return rc;
}

void c1_report_spool_summary(struct c1_report_spool *s, size_t summary[C1_ACCOUNT_STATUS_COUNT],
			     size_t *total)
{
	pthread_mutex_lock(&s->lock);
	memcpy(summary, s->summary, sizeof(s->summary));
	*total = s->put;
	pthread_mutex_unlock(&s->lock);
}

const char *c1_report_spool_error(struct c1_report_spool *s)
{
	pthread_mutex_lock(&s->lock);
	const char *e = s->error;
	pthread_mutex_unlock(&s->lock);
	return e;
}

/* Append `len` bytes at `off` of the spool to `out`. */
static int s_read_at(struct c1_report_spool *s, uint64_t off, size_t len, struct c1_buf *out)
{
	char chunk[16384];
	while (len > 0) {
		size_t want = len < sizeof(chunk) ? len : sizeof(chunk);
		ssize_t n = pread(s->fd, chunk, want, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			c1_error_set("cannot read the report spool %s (a temp file of this run): %s", s->name,
				     n < 0 ? strerror(errno) : "it is shorter than written");
			return C1_ERROR;
		}
		int rc = c1_buf_put(out, chunk, (size_t)n);
		if (rc != 0) {
			c1_error_set("report spool: an entry does not fit its buffer");
			return rc;
		}
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

/* Entry `row`, or a code and message when it cannot be read. */
static int s_entry(struct s_entry *out, struct c1_report_spool *s, size_t row)
{
	int rc = 0;
	pthread_mutex_lock(&s->lock);
	if (s->error) {
		c1_error_set("%s", s->error);
		rc = C1_ERROR;
	} else if (row >= s->rows_len || s->rows[row].len == 0) {
		c1_error_set("report spool: row %zu has no entry", row);
		rc = C1_ENOTFOUND;
	} else {
		*out = s->rows[row];
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int c1_report_spool_read(struct c1_report_spool *s, size_t row, struct c1_buf *out)
{
	struct s_entry e;
	int rc = s_entry(&e, s, row);
	return rc != 0 ? rc : s_read_at(s, e.off, e.len, out);
}

int c1_report_spool_read_note(struct c1_report_spool *s, size_t row, struct c1_buf *out)
{
	struct s_entry e;
	int rc = s_entry(&e, s, row);
	return rc != 0 ? rc : s_read_at(s, e.off + e.len, e.note_len, out);
}

static int s_account_text(struct c1_buf *out, size_t i, void *payload)
{
	int rc = c1_report_spool_read(payload, i, out);
	if (rc == C1_ENOTFOUND) {
		/* Every selected row is put when its job ends, started or not. */
		c1_error_set("report spool: the account of row %zu never reported (internal error)", i);
		rc = C1_ERROR;
	}
	return rc;
}

int c1_report_spool_write_json(struct c1_report_spool *s, struct c1_report *head, const char *reports_dir)
{
	const char *error = c1_report_spool_error(s);
	c1_report_spool_summary(s, head->summary, &head->total);
	if (error) {
		c1_error_set("%s", error);
		return C1_ERROR;
	}
	return c1_report_write_json_stream(head, s->rows_len, s_account_text, s, reports_dir);
}

int c1_report_spool_write_html(struct c1_report_spool *s, struct c1_report *head, const char *reports_dir)
{
	const char *error = c1_report_spool_error(s);
	c1_report_spool_summary(s, head->summary, &head->total);
	if (error) {
		c1_error_set("%s", error);
		return C1_ERROR;
	}
	return c1_report_write_html_stream(head, s->rows_len, s_account_text, s, reports_dir);
}
