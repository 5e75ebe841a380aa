/* c1onboard report: re-renders a past run's report.json and report.html from the state store
 * (the newest run, or --run ID), so a report that was lost or deleted, or a
 * run whose process died before writing it, can be had again. Read-only: it
 * takes no lock, so it runs beside an apply. With --merge DIR... it combines
 * the report folders of shard runs instead (batch/report_merge). */
#include "batch/commands.h"
#include "batch/exit_codes.h"
#include "batch/csv_intake.h"
#include "batch/report_merge.h"
#include "batch/results_csv.h"
#include "batch/runner.h"
#include "engine/core/advice.h"
#include "engine/core/error.h"
#include "engine/core/report_model.h"
#include "engine/core/sha256.h"
#include "engine/run/state.h"
#include "reports/report_html.h"
#include "reports/report_json.h"

#include <stdio.h>
#include <string.h>

static enum c1_run_mode s_mode_of(const char *command)
{
	if (command && strcmp(command, "plan") == 0)
		return C1_MODE_PLAN;
	if (command && strcmp(command, "drift") == 0)
		return C1_MODE_DRIFT;
	if (command && strcmp(command, "offboard") == 0)
		return C1_MODE_OFFBOARD;
	return C1_MODE_APPLY;
}

/* results.csv needs the run's rows: its input file, read again if it is
 * still the file the run read (same SHA-256). Otherwise say why there is none. */
static void s_results_csv(const struct c1_report *report, const char *reports_dir, struct c1_state *state)
{
	char sha[C1_SHA256_HEX_SIZE] = "";
	const char *path = report->run.input_path;
	if (!path || !report->run.input_sha256) {
		fprintf(stderr, "c1onboard report: results.csv not written: run %s names no input file\n",
			report->run.id);
		return;
	}
	bool readable = c1_sha256_file_hex(sha, path) == 0;
	if (!readable || strcmp(sha, report->run.input_sha256) != 0) {
		fprintf(stderr,
			"c1onboard report: results.csv not written: %s %s since run %s read it (report.json "
			"and report.html have every account)\n",
			path, readable ? "changed" : "cannot be read", report->run.id);
		return;
	}
	struct c1_account_list list;
	struct c1_intake_errors errors = C1_INTAKE_ERRORS_INIT;
	c1_account_list_init(&list);
	int rc = c1_csv_intake_read(&list, &errors, path, NULL);
	if (rc == 0 || rc == C1_EINVALID) /* rows with errors are rows of the run too (invalid) */
		rc = c1_results_csv_write_report(reports_dir, &list, report, state);
	if (rc != 0)
		fprintf(stderr, "c1onboard report: results.csv not written: %s\n", c1_error_last());
	c1_intake_errors_dispose(&errors);
	c1_account_list_dispose(&list);
}

/* --merge: the exit code is the merged run's, as if one run had done every shard. */
static int s_merge(const struct c1_options *opts, const char *reports_dir)
{
	struct c1_report *merged = NULL;
	int rc = c1_report_merge(opts->merge_dirs, opts->merge_count, reports_dir, &merged);
	if (rc != 0) {
		fprintf(stderr, "c1onboard report --merge: %s\n", c1_error_last());
		return rc == C1_EINVALID ? C1_EXIT_USAGE : C1_EXIT_SOFTWARE;
	}
	if (opts->verbosity >= 0)
		printf("merged %zu shard(s), %zu account(s): %s/%s/report.json\n", opts->merge_count,
		       merged->total, reports_dir, merged->run.id);
	int exit_code = c1_runner_exit_code(s_mode_of(merged->run.command), merged->summary, false);
	c1_report_free(merged);
	return exit_code;
}

int c1_cmd_report(const struct c1_options *opts)
{
	struct c1_state *state = NULL;
	struct c1_report *report = NULL;
	char run_id[C1_STATE_RUN_ID_SIZE];
	const char *reports_dir = opts->reports_dir ? opts->reports_dir : "reports";
	int exit_code = C1_EXIT_OK;
	if (opts->merge)
		return s_merge(opts, reports_dir);
	if (c1_state_open(&state, opts->state_dir) != 0) {
		fprintf(stderr, "c1onboard report: %s\n", c1_error_last());
		return C1_EXIT_CONFIG;
	}
	int rc = opts->run_id ? 0 : c1_state_latest_run(state, run_id);
	if (rc == 0)
		rc = c1_state_load_report(state, opts->run_id ? opts->run_id : run_id, &report);
	for (size_t i = 0; rc == 0 && i < report->accounts_len; i++)
		c1_advise_account(&report->accounts[i], report->run.command);
	if (rc == C1_ENOTFOUND) {
		fprintf(stderr, "c1onboard report: %s; check --state-dir (%s)\n", c1_error_last(),
			opts->state_dir);
		exit_code = C1_EXIT_USAGE;
	} else if (rc != 0) {
		fprintf(stderr, "c1onboard report: %s\n", c1_error_last());
		exit_code = C1_EXIT_SOFTWARE;
	} else if (c1_report_write_json(report, reports_dir) != 0) {
		fprintf(stderr, "c1onboard report: %s\n", c1_error_last());
		exit_code = C1_EXIT_SOFTWARE;
	} else if (c1_report_write_html(report, reports_dir) != 0) {
		fprintf(stderr, "c1onboard report: report.html: %s\n", c1_error_last());
		exit_code = C1_EXIT_SOFTWARE;
	} else {
		s_results_csv(report, reports_dir, state);
		if (opts->verbosity >= 0)
			printf("report of run %s: %s/%s/report.json and report.html\n", report->run.id,
			       reports_dir, report->run.id);
	}
	c1_report_free(report);
	c1_state_close(state);
	return exit_code;
}
