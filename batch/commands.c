#include "batch/commands.h"

#include "batch/exit_codes.h"
#include "engine/core/suggest.h"
#include "engine/core/error.h"
#include "engine/core/log.h"

#include <stdio.h>
#include <string.h>

static const struct c1_command s_commands[] = {
    {"validate", "validate ACCOUNTS.csv [options]", "offline check of the spreadsheet only", C1_OPTS_INPUT,
     c1_cmd_validate},
    {"plan", "plan ACCOUNTS.csv [options]", "preflight every account, change nothing, print the plan",
     C1_OPTS_INPUT | C1_OPTS_RUN | C1_OPTS_WRITE | C1_OPTS_PLAN, c1_cmd_plan},
    {"apply", "apply ACCOUNTS.csv [options]", "onboard or repair every account (idempotent)",
     C1_OPTS_INPUT | C1_OPTS_RUN | C1_OPTS_WRITE | C1_OPTS_DRIFT, c1_cmd_apply},
    {"drift", "drift ACCOUNTS.csv [options]", "detect drift only, change nothing",
     C1_OPTS_INPUT | C1_OPTS_RUN | C1_OPTS_DRIFT, c1_cmd_drift},
    {"offboard", "offboard ACCOUNTS.csv [options]", "remove the integration, in reverse step order",
     C1_OPTS_INPUT | C1_OPTS_RUN | C1_OPTS_WRITE | C1_OPTS_CONFIRM, c1_cmd_offboard},
    {"report", "report [--run ID | --merge DIR...] [options]",
     "re-render the reports of a past run from the state store, or merge shard report folders",
     C1_OPTS_REPORT, c1_cmd_report},
    {NULL, NULL, NULL, 0, NULL},
};

const struct c1_command *c1_commands(void)
{
	return s_commands;
}

const struct c1_command *c1_command_find(const char *name)
{
	for (const struct c1_command *c = s_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static void s_print_tool_help(FILE *out)
{
	fprintf(out, "Usage: c1onboard COMMAND ACCOUNTS.csv [options]\n\n"
		     "Onboard many AWS accounts into Trend Cloud One and Vision One.\n\nCommands:\n");
	for (const struct c1_command *c = s_commands; c->name; c++)
		fprintf(out, "  %-10s %s\n", c->name, c->summary);
	fprintf(out, "  %-10s %s\n", "config", "config show [COMMAND]: the options the settings file sets");
	fprintf(out,
		"\nRun 'c1onboard COMMAND --help' for a command's options. Defaults for any option can\n"
		"be kept in $XDG_CONFIG_HOME/c1onboard/config (`name = value`, [COMMAND] sections).\n"
		"Other options: --version, --help.\n"
		"Exit codes: 0 ok, 1 an account failed or was rolled back, 2 drift found (or, with plan\n"
		"--detailed-exitcode, changes pending), 64 usage,\n"
		"65 bad spreadsheet, 70 internal error (a report not written), 75 state dir locked by\n"
		"another run, 78 configuration error.\n");
}

/* c1onboard config show [COMMAND]: what the settings file sets, option by option. */
static int s_config(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "show") != 0 || argc > 3) {
		fprintf(stderr, "usage: c1onboard config show [COMMAND]   (COMMAND defaults to apply)\n");
		return C1_EXIT_USAGE;
	}
	const struct c1_command *cmd = c1_command_find(argc == 3 ? argv[2] : "apply");
	if (!cmd) {
		fprintf(stderr, "c1onboard: config show: unknown command '%s'\n", argv[2]);
		return C1_EXIT_USAGE;
	}
	if (c1_options_show_settings(stdout, cmd->name, cmd->option_sets) != 0) {
		fprintf(stderr, "c1onboard: %s\n", c1_error_last());
		return C1_EXIT_USAGE;
	}
	return C1_EXIT_OK;
}

static void s_print_command_help(FILE *out, const struct c1_command *cmd)
{
	fprintf(out, "Usage: c1onboard %s\n\n%s.\n\nOptions:\n", cmd->usage, cmd->summary);
	c1_options_print_help(out, cmd->option_sets);
}

int c1_cli_main(int argc, char **argv)
{
	if (argc < 2) {
		s_print_tool_help(stderr);
		return C1_EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
		s_print_tool_help(stdout);
		return C1_EXIT_OK;
	}
	if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
		printf("c1onboard %s\n", C1_VERSION);
		return C1_EXIT_OK;
	}
	if (strcmp(name, "config") == 0)
		return s_config(argc - 1, argv + 1);
	const struct c1_command *cmd = c1_command_find(name);
	if (!cmd) {
		const char *names[16];
		size_t n = 0;
		for (const struct c1_command *c = s_commands; c->name && n + 1 < 16; c++)
			names[n++] = c->name;
		names[n] = NULL;
		const char *near = c1_suggest_nearest(name, names);
		if (near)
			fprintf(
			    stderr,
			    "c1onboard: unknown command '%s'; did you mean '%s'? (see c1onboard --help)\n",
			    name, near);
		else
			fprintf(stderr,
				"c1onboard: unknown command '%s'; commands are validate, plan, apply, drift, "
				"offboard, report (see c1onboard --help)\n",
				name);
		return C1_EXIT_USAGE;
	}
	struct c1_options opts;
	int rc = c1_options_parse(&opts, cmd->name, cmd->option_sets, argc - 1, argv + 1);
	int exit_code = C1_EXIT_OK;
	if (rc) {
		fprintf(stderr, "c1onboard: %s\n", c1_error_last());
		exit_code = C1_EXIT_USAGE;
		goto cleanup;
	}
	if (opts.help) {
		s_print_command_help(stdout, cmd);
		goto cleanup;
	}
	enum c1_log_level level = opts.verbosity < 0    ? C1_LOG_ERROR
				  : opts.verbosity == 0 ? C1_LOG_INFO
							: C1_LOG_DEBUG;
	c1_log_configure(level, opts.log_json ? C1_LOG_JSON : C1_LOG_TEXT, stderr);
	exit_code = cmd->run(&opts);
cleanup:
	c1_options_dispose(&opts);
	return exit_code;
}
