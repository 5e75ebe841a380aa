#include "reports/report_dir.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool s_plain_name(const char *name)
{
	if (!name || !*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    strcmp(name, "latest") == 0)
		return false;
	for (const char *p = name; *p; p++) {
		char c = *p;
		bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			  c == '.' || c == '_' || c == '-';
		if (!ok)
			return false;
	}
	return strlen(name) <= 128;
}

static int s_mkdir_p(const char *dir)
{
	int rc = C1_ERROR;
	char *copy = c1_strdup(dir);
	size_t n = strlen(copy);
	while (n > 1 && copy[n - 1] == '/')
		copy[--n] = '\0';
	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0755) != 0 && errno != EEXIST) {
			c1_error_set("cannot create reports directory %s: %s; pick another --reports-dir",
				     copy, strerror(errno));
			goto cleanup;
		}
		*p = '/';
	}
	if (mkdir(copy, 0755) != 0 && errno != EEXIST) {
		c1_error_set("cannot create reports directory %s: %s; pick another --reports-dir", copy,
			     strerror(errno));
		goto cleanup;
	}
	rc = 0;
cleanup:
	free(copy);
	return rc;
}

int c1_report_dir_check_writable(const char *reports_dir)
{
	if (s_mkdir_p(reports_dir) != 0)
		return C1_ERROR;
	char *probe = c1_asprintf("%s/.c1onboard-write-check.XXXXXX", reports_dir);
	int fd = mkstemp(probe);
	int err = errno;
	if (fd >= 0) {
		close(fd);
		unlink(probe);
	}
	free(probe);
	if (fd < 0) {
		c1_error_set("cannot write in the reports folder %s: %s; fix its permissions or pick another "
			     "--reports-dir (nothing was changed)",
			     reports_dir, strerror(err));
		return C1_ERROR;
	}
	return 0;
}

int c1_report_dir_prepare(char **out_dir, const char *reports_dir, const char *run_id)
{
	int rc = C1_ERROR;
	char *dir = NULL;

	*out_dir = NULL;
	if (!s_plain_name(run_id)) {
		c1_error_set(
		    "run id \"%s\" cannot name a report directory (letters, digits, '.', '_', '-' only)",
		    run_id ? run_id : "");
		rc = C1_EINVALID;
		goto cleanup;
	}
	if (s_mkdir_p(reports_dir) != 0)
		goto cleanup;
	dir = c1_asprintf("%s/%s", reports_dir, run_id);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		c1_error_set("cannot create report directory %s: %s", dir, strerror(errno));
		goto cleanup;
	}
	*out_dir = dir;
	dir = NULL;
	rc = 0;
cleanup:
	free(dir);
	return rc;
}

struct c1_report_file {
	char *path;
	char *tmp;
	int fd;
};

int c1_report_file_open(struct c1_report_file **out, const char *dir, const char *name)
{
	struct c1_report_file *f = c1_calloc(1, sizeof(*f));
	f->path = c1_asprintf("%s/%s", dir, name);
	f->tmp = c1_asprintf("%s/.%s.tmp.%ld", dir, name, (long)getpid());
	/* Whatever sits at the temp name (a stale file of an earlier run with this pid, or a symlink
	 * or hard link someone planted) is removed, not written through: the report always goes into
	 * a file this call created. */
	if (unlink(f->tmp) != 0 && errno != ENOENT) {
		c1_error_set("cannot remove %s left in the reports folder: %s", f->tmp, strerror(errno));
		f->fd = -1;
	} else {
		f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0640);
		if (f->fd < 0)
			c1_error_set("cannot create %s: %s", f->tmp, strerror(errno));
	}
	*out = NULL;
	if (f->fd < 0) {
		free(f->tmp);
		free(f->path);
		free(f);
		return C1_ERROR;
	}
	*out = f;
	return 0;
}

int c1_report_file_write(struct c1_report_file *f, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t n = write(f->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			c1_error_set("cannot write %s: %s", f->tmp, strerror(errno));
			return C1_ERROR;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void c1_report_file_abort(struct c1_report_file *f)
{
	if (!f)
		return;
	if (f->fd >= 0)
		close(f->fd);
	unlink(f->tmp);
	free(f->tmp);
	free(f->path);
	free(f);
}

int c1_report_file_commit(struct c1_report_file *f)
{
	/* The umask may have narrowed the create mode; reports are for readers. */
	if (fchmod(f->fd, 0640) != 0 || fsync(f->fd) != 0) {
		c1_error_set("cannot finish %s: %s", f->tmp, strerror(errno));
		c1_report_file_abort(f);
		return C1_ERROR;
	}
	int fd = f->fd;
	f->fd = -1;
	if (close(fd) != 0) {
		c1_error_set("cannot write %s: %s", f->tmp, strerror(errno));
		c1_report_file_abort(f);
		return C1_ERROR;
	}
	if (rename(f->tmp, f->path) != 0) {
		c1_error_set("cannot replace %s: %s", f->path, strerror(errno));
		c1_report_file_abort(f);
		return C1_ERROR;
	}
	free(f->tmp);
	free(f->path);
	free(f);
	return 0;
}

int c1_report_dir_write_file(const char *dir, const char *name, const void *data, size_t len)
{
	struct c1_report_file *f = NULL;
	if (c1_report_file_open(&f, dir, name) != 0)
		return C1_ERROR;
	if (c1_report_file_write(f, data, len) != 0) {
		c1_report_file_abort(f);
		return C1_ERROR;
	}
	return c1_report_file_commit(f);
}

int c1_report_dir_point_latest(const char *reports_dir, const char *run_id)
{
	int rc = C1_ERROR;
	char *latest = c1_asprintf("%s/latest", reports_dir);
	char *tmp = c1_asprintf("%s/.latest.tmp.%ld", reports_dir, (long)getpid());
	struct stat st;

	if (!s_plain_name(run_id)) {
		c1_error_set("run id \"%s\" cannot name a report directory", run_id ? run_id : "");
		rc = C1_EINVALID;
		goto cleanup;
	}
	if (lstat(latest, &st) == 0) {
		char target[256];
		ssize_t n;
		if (!S_ISLNK(st.st_mode)) {
			c1_error_set(
			    "%s exists and is not a symlink; remove or rename it so it can point at the "
			    "newest run",
			    latest);
			goto cleanup;
		}
		/* Re-rendering an older run (`report --run`) must not move latest
		 * back: run ids start with their UTC start second, so they sort.
		 * Only the time part counts: two runs of the same second carry
		 * random suffixes, and the one written last is the newest. */
		n = readlink(latest, target, sizeof(target) - 1);
		if (n > 0) {
			target[n] = '\0';
			size_t time_len = strcspn(run_id, "-");
			if (s_plain_name(target) && strncmp(target, run_id, time_len) > 0 &&
			    stat(latest, &st) == 0) {
				rc = 0;
				goto cleanup;
			}
		}
	}
	unlink(tmp);
	if (symlink(run_id, tmp) != 0) {
		c1_error_set("cannot create symlink %s: %s", tmp, strerror(errno));
		goto cleanup;
	}
	if (rename(tmp, latest) != 0) {
		c1_error_set("cannot replace %s: %s", latest, strerror(errno));
		unlink(tmp);
		goto cleanup;
	}
	rc = 0;
cleanup:
	free(tmp);
	free(latest);
	return rc;
}

/* 20261206T135500Z-3f9a: what c1_state_run_begin names a run. */
static bool s_run_id_shaped(const char *name)
{
	size_t n = strlen(name);
	if (n < 18 || name[8] != 'T' || name[15] != 'Z' || name[16] != '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (i == 8 || i == 15 || i == 16)
			continue;
		if (i < 15 ? !isdigit((unsigned char)name[i]) : !isalnum((unsigned char)name[i]))
			return false;
	}
	return true;
}

static int s_cmp_desc(const void *a, const void *b)
{
	return strcmp(*(char *const *)b, *(char *const *)a);
}

/* Remove dir/name's regular files, then the directory (a run folder holds no subfolders). */
static int s_remove_run_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -1;
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char *path = c1_asprintf("%s/%s", dir, e->d_name);
		if (unlink(path) != 0 && errno != ENOENT)
			rc = -1;
		free(path);
	}
	closedir(d);
	if (rc == 0 && rmdir(dir) != 0 && errno != ENOENT)
		rc = -1;
	return rc;
}

int c1_report_dir_prune(const char *reports_dir, size_t keep, size_t *removed)
{
	*removed = 0;
	DIR *d = opendir(reports_dir);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		c1_error_set("cannot read %s: %s", reports_dir, strerror(errno));
		return C1_ERROR;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (!s_run_id_shaped(e->d_name))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 32;
			names = c1_realloc(names, cap * sizeof(*names));
		}
		names[n++] = c1_strdup(e->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), s_cmp_desc);
	char target[256] = "";
	char *latest = c1_asprintf("%s/latest", reports_dir);
	ssize_t len = readlink(latest, target, sizeof(target) - 1);
	target[len > 0 ? len : 0] = '\0';
	free(latest);
	int rc = 0;
	for (size_t i = keep ? keep : 1; i < n; i++) {
		if (strcmp(names[i], target) == 0)
			continue;
		char *dir = c1_asprintf("%s/%s", reports_dir, names[i]);
		if (s_remove_run_dir(dir) != 0) {
			if (rc == 0)
				c1_error_set("cannot remove the old report folder %s: %s", dir,
					     strerror(errno));
			rc = C1_ERROR;
		} else {
			(*removed)++;
		}
		free(dir);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}
