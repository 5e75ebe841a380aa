/* The subcommand table: one cmd_<verb>.c per subcommand, each a run function
 * over parsed options returning a process exit code (batch/exit_codes.h). */
#ifndef C1_BATCH_COMMANDS_H
#define C1_BATCH_COMMANDS_H

#include "batch/options.h"

struct c1_command {
	const char *name;
	const char *usage;   /* after "c1onboard " */
	const char *summary; /* one line for the tool's --help */
	unsigned option_sets;
	int (*run)(const struct c1_options *opts);
};

int c1_cmd_validate(const struct c1_options *opts);
int c1_cmd_plan(const struct c1_options *opts);
int c1_cmd_apply(const struct c1_options *opts);
int c1_cmd_drift(const struct c1_options *opts);
int c1_cmd_offboard(const struct c1_options *opts);
int c1_cmd_report(const struct c1_options *opts);

/** The table, NULL-name terminated. */
const struct c1_command *c1_commands(void);
const struct c1_command *c1_command_find(const char *name);
/** Full CLI entry point (what main() calls); returns the exit code. */
int c1_cli_main(int argc, char **argv);

#endif
