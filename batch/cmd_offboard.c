/* c1onboard offboard: checks the spreadsheet and configuration like validate, asks for
 * confirmation (or needs --yes off a terminal), then runs every selected account through the
 * engine (batch/runner). */
#include "batch/commands.h"
#include "batch/exit_codes.h"
#include "batch/run_input.h"
#include "batch/runner.h"
#include "engine/core/log.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Removing integrations is the one command that destroys: a person says yes to it, or a
 * script says --yes. Returns C1_EXIT_OK to go on. */
static int s_confirm(const struct c1_options *opts, const struct c1_account_list *list)
{
	if (opts->yes)
		return C1_EXIT_OK;
	size_t n = 0;
	for (size_t i = 0; i < list->count; i++)
		n += c1_options_selects(opts, list->rows[i]->account_id) ? 1 : 0;
	if (!isatty(STDIN_FILENO)) {
		c1_log_cli_error(
		    "offboard would remove the Cloud One integration of %zu account%s and stdin is "
		    "not a terminal to confirm it: add --yes to run it unattended",
		    n, n == 1 ? "" : "s");
		return C1_EXIT_USAGE;
	}
	fprintf(stderr,
		"offboard removes the Cloud One integration of %zu account%s of %s: their CloudFormation "
		"stacks, Workload Security connectors and Cloud One cloud accounts.\nType 'yes' to go on: ",
		n, n == 1 ? "" : "s", opts->accounts_path);
	fflush(stderr);
	char answer[16] = "";
	if (!fgets(answer, sizeof(answer), stdin))
		answer[0] = '\0';
	answer[strcspn(answer, "\r\n")] = '\0';
	if (strcasecmp(answer, "yes") != 0 && strcasecmp(answer, "y") != 0) {
		fprintf(stderr, "offboard: not confirmed; nothing was changed\n");
		return C1_EXIT_FAILED;
	}
	return C1_EXIT_OK;
}

int c1_cmd_offboard(const struct c1_options *opts)
{
	struct c1_run_input in;
	int exit_code = c1_run_input_load(&in, opts);
	if (exit_code == C1_EXIT_OK)
		exit_code = s_confirm(opts, &in.list);
	if (exit_code == C1_EXIT_OK) {
		struct c1_runner_input ri = {opts, C1_MODE_OFFBOARD, &in.list, in.secrets, in.aws, NULL};
		exit_code = c1_runner_run(&ri);
	}
	c1_run_input_dispose(&in);
	return exit_code;
}
