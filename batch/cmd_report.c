/* c1onboard report: re-renders a past run's report.json and report.html from the state store
 * (the newest run, or --run ID), so a report that was lost or deleted, or a
 * run whose process died before writing it, can be had again. Read-only: it
 * takes no lock, so it runs beside an apply. With --merge DIR... it combines
 * the report folders of shard runs instead (batch/report_merge). */
#include "batch/commands.h"
#include "batch/exit_codes.h"
#include "batch/report_merge.h"
#include "batch/runner.h"
#include "engine/core/error.h"
#include "engine/core/report_model.h"
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
	} else if (opts->verbosity >= 0) {
		printf("report of run %s: %s/%s/report.json and report.html\n", report->run.id, reports_dir,
		       report->run.id);
	}
	c1_report_free(report);
	c1_state_close(state);
	return exit_code;
}
