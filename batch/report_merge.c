/* Merging shard reports: read, move accounts, recount, write. */
#include "batch/report_merge.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/core/log.h"
#include "reports/report_dir.h"
#include "reports/report_html.h"
#include "reports/report_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* DIR/report.json, else DIR/latest/report.json (caller frees); NULL when neither is there. */
static char *s_report_path(const char *dir)
{
	char *p = c1_asprintf("%s/report.json", dir);
	if (access(p, R_OK) == 0)
		return p;
	free(p);
	p = c1_asprintf("%s/latest/report.json", dir);
	if (access(p, R_OK) == 0)
		return p;
	free(p);
	return NULL;
}

static bool s_str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The merged run: the first shard's, spanning every shard's time, finished only if all did. */
static void s_merge_run(struct c1_report_run *into, struct c1_report_run *from, bool first)
{
	if (first) {
		*into = *from;
		memset(from, 0, sizeof(*from));
		return;
	}
	if (from->started_at && (!into->started_at || strcmp(from->started_at, into->started_at) < 0))
		c1_report_set_str(&into->started_at, from->started_at);
	if (from->finished_at && into->finished_at && strcmp(from->finished_at, into->finished_at) > 0)
		c1_report_set_str(&into->finished_at, from->finished_at);
	if (!from->finished_at)
		c1_report_set_str(&into->finished_at, NULL);
	if (from->status != C1_RUN_FINISHED)
		into->status = from->status;
	if (!s_str_eq(into->input_sha256, from->input_sha256))
		c1_report_set_str(&into->input_sha256, NULL);
	if (into->id && from->id && strcmp(from->id, into->id) < 0)
		c1_report_set_str(&into->id, from->id);
}

static bool s_has_tenant(const struct c1_report *r, const char *c1_account_id)
{
	for (size_t i = 0; c1_account_id && i < r->tenants_len; i++)
		if (s_str_eq(r->tenants[i].c1_account_id, c1_account_id))
			return true;
	return false;
}

static bool s_has_account(const struct c1_report *r, const struct c1_report_account *a)
{
	for (size_t i = 0; i < r->accounts_len; i++)
		if (s_str_eq(r->accounts[i].account_id, a->account_id) &&
		    s_str_eq(r->accounts[i].region, a->region))
			return true;
	return false;
}

/* Move `from`'s accounts and new tenants into `into`; returns how many accounts were already there. */
static size_t s_move_parts(struct c1_report *into, struct c1_report *from)
{
	size_t duplicates = 0;
	for (size_t i = 0; i < from->tenants_len; i++) {
		struct c1_report_tenant *t = &from->tenants[i];
		if (s_has_tenant(into, t->c1_account_id))
			continue;
		*c1_report_add_tenant(into) = *t;
		memset(t, 0, sizeof(*t));
	}
	for (size_t i = 0; i < from->accounts_len; i++) {
		struct c1_report_account *a = &from->accounts[i];
		if (s_has_account(into, a)) {
			duplicates++;
			continue;
		}
		*c1_report_add_account(into) = *a;
		memset(a, 0, sizeof(*a));
	}
	return duplicates;
}

/* The merged run's id: the earliest shard's timestamp, then "-merged". */
static void s_merged_id(struct c1_report_run *run)
{
	const char *dash = run->id ? strchr(run->id, '-') : NULL;
	char *id =
	    c1_asprintf("%.*s-merged", dash ? (int)(dash - run->id) : 16, run->id ? run->id : "merged");
	free(run->id);
	run->id = id;
}

/* results.csv: the shards' rows under the first one's header; skipped (with a warning) when one lacks it. */
static int s_merge_results(const char *const *dirs, size_t n, const char *reports_dir, const char *run_id)
{
	struct c1_buf out = C1_BUF_INIT;
	out.max = SIZE_MAX;
	char *header = NULL;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		char *report = s_report_path(dirs[i]);
		char *path =
		    c1_asprintf("%.*sresults.csv", (int)(strlen(report) - strlen("report.json")), report);
		FILE *f = fopen(path, "r");
		free(report);
		if (!f) {
			C1_WARN("report", "--merge: %s has no results.csv; the merged folder has none",
				dirs[i]);
			free(path);
			rc = 1;
			break;
		}
		char line[65536];
		bool first_line = true;
		while (fgets(line, sizeof(line), f)) {
			if (first_line && header && strcmp(line, header) != 0) {
				C1_WARN(
				    "report",
				    "--merge: %s has other columns than the first shard's; no results.csv",
				    path);
				rc = 1;
				break;
			}
			if (first_line && !header)
				header = c1_strdup(line);
			if (!first_line || i == 0)
				c1_buf_puts(&out, line);
			first_line = false;
		}
		fclose(f);
		free(path);
	}
	char *dir = NULL;
	if (rc == 0) {
		rc = c1_report_dir_prepare(&dir, reports_dir, run_id);
		if (rc == 0)
			rc = c1_report_dir_write_file(dir, "results.csv", out.ptr ? out.ptr : "", out.len);
	} else {
		rc = 0; /* the merged report.json stands without it */
	}
	free(dir);
	free(header);
	c1_buf_dispose(&out);
	return rc;
}

int c1_report_merge(const char *const *dirs, size_t n, const char *reports_dir, struct c1_report **out)
{
	struct c1_report *merged = c1_report_new();
	size_t duplicates = 0;
	int rc = 0;
	*out = NULL;
	for (size_t i = 0; i < n && rc == 0; i++) {
		char *path = s_report_path(dirs[i]);
		struct c1_report *shard = NULL;
		if (!path) {
			c1_error_set(
			    "%s holds no report.json (nor latest/report.json); give the reports folder of "
			    "each shard",
			    dirs[i]);
			rc = C1_EINVALID;
		} else {
			rc = c1_report_read_json(&shard, path);
		}
		if (rc == 0 && i > 0 && !s_str_eq(shard->run.command, merged->run.command)) {
			c1_error_set("%s is a %s run, the first shard a %s run; merge the shards of one run",
				     path, shard->run.command ? shard->run.command : "?",
				     merged->run.command ? merged->run.command : "?");
			rc = C1_EINVALID;
		}
		if (rc == 0) {
			s_merge_run(&merged->run, &shard->run, i == 0);
			duplicates += s_move_parts(merged, shard);
		}
		c1_report_free(shard);
		free(path);
	}
	if (rc == 0) {
		if (duplicates)
			C1_WARN("report",
				"--merge: %zu account(s) appear in more than one shard; the first is kept",
				duplicates);
		s_merged_id(&merged->run);
		merged->run.has_exit_code = false; /* the merge's own, printed by report --merge */
		c1_report_compute_summary(merged);
		rc = c1_report_write_json(merged, reports_dir);
		if (rc == 0)
			rc = c1_report_write_html(merged, reports_dir);
	}
	if (rc == 0)
		rc = s_merge_results(dirs, n, reports_dir, merged->run.id);
	if (rc != 0) {
		c1_report_free(merged);
		return rc;
	}
	*out = merged;
	return 0;
}
