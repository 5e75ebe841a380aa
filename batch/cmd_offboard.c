/* c1onboard offboard: checks the spreadsheet and configuration like validate, then
 * runs every selected account through the engine (batch/runner). */
#include "batch/commands.h"
#include "batch/exit_codes.h"
#include "batch/run_input.h"
#include "batch/runner.h"

int c1_cmd_offboard(const struct c1_options *opts)
{
	struct c1_run_input in;
	int exit_code = c1_run_input_load(&in, opts);
	if (exit_code == C1_EXIT_OK) {
		struct c1_runner_input ri = {opts, C1_MODE_OFFBOARD, &in.list, in.secrets, in.aws, NULL};
		exit_code = c1_runner_run(&ri);
	}
	c1_run_input_dispose(&in);
	return exit_code;
}
