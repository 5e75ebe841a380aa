/* The reports directory: REPORTS_DIR/<run-id>/ with files replaced atomically
 * (a reader never sees half a report) and REPORTS_DIR/latest, a relative
 * symlink to the newest run's directory, swapped atomically with rename. */
#ifndef C1_REPORTS_REPORT_DIR_H
#define C1_REPORTS_REPORT_DIR_H

#include <stddef.h>

/**
 * Create `reports_dir` (and parents) and `reports_dir`/`run_id` (mode 0755
 * before umask); `*out_dir` gets the run directory path (caller frees).
 * C1_EINVALID when run_id is not a plain name ([A-Za-z0-9._-], not "." or
 * "..", not "latest"); C1_ERROR when a directory cannot be created.
 */
int c1_report_dir_prepare(char **out_dir, const char *reports_dir, const char *run_id);

/**
 * Create `reports_dir` (and parents) and prove a file can be written in it (a temp file,
 * removed again), so a run finds an unusable folder before it changes anything. 0, or
 * C1_ERROR naming the folder, the reason and the fix.
 */
int c1_report_dir_check_writable(const char *reports_dir);

/**
 * Write `len` bytes as `dir`/`name`: a temp file in the same dir, fsync,
 * chmod 0640 (the owner and its group: reviewers, not everyone), rename over the target. 0 or C1_ERROR (temp
 * removed).
 */
int c1_report_dir_write_file(const char *dir, const char *name, const void *data, size_t len);

/** The same, written in pieces: open, write any number of times, then commit (or abort). */
struct c1_report_file;
int c1_report_file_open(struct c1_report_file **out, const char *dir, const char *name);
int c1_report_file_write(struct c1_report_file *f, const void *data, size_t len);
/** fsync, chmod 0640 (the owner and its group: reviewers, not everyone), rename over the target; frees `f`
 * either way. 0 or C1_ERROR. */
int c1_report_file_commit(struct c1_report_file *f);
/** Remove the temp file and free `f`. NULL is fine. */
void c1_report_file_abort(struct c1_report_file *f);

/**
 * Point `reports_dir`/latest at `run_id` (relative target, so the reports
 * dir can be moved): a new symlink renamed over the old one. Run ids sort by
 * start time, so when latest already points at an existing run that sorts
 * after `run_id` (re-rendering an old run) it is left alone. C1_ERROR when
 * `latest` is a real directory or file (the message says to remove it).
 */
int c1_report_dir_point_latest(const char *reports_dir, const char *run_id);

/**
 * Remove the run directories of `reports_dir` (names shaped like run ids,
 * 20261206T135500Z-3f9a) beyond the newest `keep` (at least 1), and never
 * the one `latest` points at; other files and directories are left alone.
 * `*removed` gets how many went. 0, or C1_ERROR naming the first path that
 * could not be removed (the others are still tried).
 */
int c1_report_dir_prune(const char *reports_dir, size_t keep, size_t *removed);

#endif
