/* Command line: every option parsed and checked, usage errors that name the fix. */
#include "harness.h"

#include "batch/commands.h"
#include "batch/exit_codes.h"
#include "batch/options.h"
#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/core/suggest.h"

#include <stdlib.h>
#include <string.h>

#define ALL_SETS (C1_OPTS_INPUT | C1_OPTS_RUN | C1_OPTS_WRITE | C1_OPTS_DRIFT)

static int parse(struct c1_options *o, unsigned sets, char **argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	return c1_options_parse(o, argv[0], sets, argc, argv);
}

C1_TEST(defaults_and_options_after_the_file)
{
	struct c1_options o;
	char *argv[] = {"apply",    "accounts.csv",  "-j", "16", "--strategy",
			"template", "--no-progress", "-v", NULL};
	C1_CHECK_INT(parse(&o, ALL_SETS, argv), ==, 0);
	C1_CHECK_STR(o.accounts_path, "accounts.csv");
	C1_CHECK_INT(o.concurrency, ==, 16);
	C1_CHECK_INT(o.strategy, ==, C1_STRATEGY_TEMPLATE);
	C1_CHECK(o.no_progress);
	C1_CHECK_INT(o.verbosity, ==, 1);
	C1_CHECK_INT(o.max_failures, ==, -1);
	C1_CHECK_CONTAINS(o.state_dir, "c1onboard");
	char *beside = c1_asprintf("%s/reports", o.state_dir); /* beside the state store, not in ./ */
	C1_CHECK_STR(o.reports_dir, beside);
	free(beside);
	C1_CHECK_STR(o.qs_bucket, "cloudone-community");
	C1_CHECK_STR(o.qs_prefix, "");
	c1_options_dispose(&o);
}

C1_TEST(concurrency_out_of_range_is_usage_error)
{
	struct c1_options o;
	char *argv[] = {"apply", "a.csv", "-j", "0", NULL};
	C1_CHECK_INT(parse(&o, ALL_SETS, argv), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), "--concurrency");
	c1_options_dispose(&o);
	char *argv2[] = {"apply", "a.csv", "-j", "8x", NULL};
	C1_CHECK_INT(parse(&o, ALL_SETS, argv2), ==, C1_EINVALID);
	c1_options_dispose(&o);
}

C1_TEST(max_failures_count_and_percent)
{
	struct c1_options o;
	char *argv[] = {"apply", "a.csv", "--max-failures", "10%", NULL};
	C1_CHECK_INT(parse(&o, ALL_SETS, argv), ==, 0);
	C1_CHECK_INT(o.max_failures, ==, 10);
	C1_CHECK(o.max_failures_percent);
	c1_options_dispose(&o);
	char *argv2[] = {"apply", "a.csv", "--max-failures", "3", NULL};
	C1_CHECK_INT(parse(&o, ALL_SETS, argv2), ==, 0);
	C1_CHECK_INT(o.max_failures, ==, 3);
	C1_CHECK(!o.max_failures_percent);
	c1_options_dispose(&o);
	char *argv3[] = {"apply", "a.csv", "--max-failures", "150%", NULL};
	C1_CHECK_INT(parse(&o, ALL_SETS, argv3), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), "percentage");
	c1_options_dispose(&o);
}

C1_TEST(only_and_shard_select_accounts)
{
	struct c1_options o;
	char *argv[] = {"apply", "a.csv", "--only", "111122223333,444455556666", NULL};
	C1_CHECK_INT(parse(&o, ALL_SETS, argv), ==, 0);
	C1_CHECK_INT(o.only_count, ==, 2);
	C1_CHECK(c1_options_selects(&o, "444455556666"));
	C1_CHECK(!c1_options_selects(&o, "777788889999"));
	c1_options_dispose(&o);

	char *bad[] = {"apply", "a.csv", "--only", "1111,2222", NULL};
	C1_CHECK_INT(parse(&o, ALL_SETS, bad), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), "12-digit");
	c1_options_dispose(&o);

	/* Every account lands in exactly one of N shards. */
	int hits[4] = {0, 0, 0, 0};
	for (int k = 1; k <= 4; k++) {
		char shard[8];
		snprintf(shard, sizeof(shard), "%d/4", k);
		char *sargv[] = {"apply", "a.csv", "--shard", shard, NULL};
		C1_CHECK_INT(parse(&o, ALL_SETS, sargv), ==, 0);
		for (int i = 0; i < 200; i++) {
			char id[13];
			snprintf(id, sizeof(id), "%012d", 100000 + i * 7919);
			if (c1_options_selects(&o, id))
				hits[k - 1]++;
		}
		c1_options_dispose(&o);
	}
	C1_CHECK_INT(hits[0] + hits[1] + hits[2] + hits[3], ==, 200);
	for (int k = 0; k < 4; k++)
		C1_CHECK_INT(hits[k], >, 20);

	char *bad_shard[] = {"apply", "a.csv", "--shard", "5/4", NULL};
	C1_CHECK_INT(parse(&o, ALL_SETS, bad_shard), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), "K/N");
	c1_options_dispose(&o);
}

C1_TEST(http_timeout_whole_seconds)
{
	struct c1_options o;
	char *argv[] = {"apply", "a.csv", "--http-timeout", "5", NULL};
	C1_CHECK_INT(parse(&o, ALL_SETS, argv), ==, 0);
	C1_CHECK_INT(o.http_timeout_s, ==, 5);
	c1_options_dispose(&o);
	char *argv2[] = {"apply", "a.csv", NULL};
	C1_CHECK_INT(parse(&o, ALL_SETS, argv2), ==, 0);
	C1_CHECK_INT(o.http_timeout_s, ==, 0); /* the transport's 60 s */
	c1_options_dispose(&o);
	char *argv3[] = {"apply", "a.csv", "--http-timeout", "0", NULL};
	C1_CHECK_INT(parse(&o, ALL_SETS, argv3), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), "--http-timeout \"0\": expected whole seconds");
	c1_options_dispose(&o);
	char *argv4[] = {"apply", "a.csv", "--http-timeout", "2.5", NULL};
	C1_CHECK_INT(parse(&o, ALL_SETS, argv4), ==, C1_EINVALID);
	c1_options_dispose(&o);
}

C1_TEST(rate_overrides)
{
	struct c1_options o;
	char *argv[] = {"apply", "a.csv", "--rate", "cloudformation=5/s", "--rate", "cloudone=2.5", NULL};
	C1_CHECK_INT(parse(&o, ALL_SETS, argv), ==, 0);
	C1_CHECK_INT(o.rate_count, ==, 2);
	C1_CHECK_STR(o.rates[0].service, "cloudformation");
	C1_CHECK(o.rates[1].per_second == 2.5);
	c1_options_dispose(&o);
	char *bad[] = {"apply", "a.csv", "--rate", "cloudfrmation=5/s", NULL};
	C1_CHECK_INT(parse(&o, ALL_SETS, bad), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), "SERVICE=N/s");
	c1_options_dispose(&o);
	char *bad2[] = {"apply", "a.csv", "--rate", "s3=-1/s", NULL};
	C1_CHECK_INT(parse(&o, ALL_SETS, bad2), ==, C1_EINVALID);
	c1_options_dispose(&o);
}

C1_TEST(plaintext_secret_option_refused_without_echo)
{
	struct c1_options o;
	char *argv[] = {"apply", "a.csv", "--cloudone-api-key", "AbCdEf123:SuperSecretValue", NULL};
	C1_CHECK_INT(parse(&o, ALL_SETS, argv), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), "env:");
	C1_CHECK_NOT_CONTAINS(c1_error_last(), "SuperSecretValue");
	c1_options_dispose(&o);
	char *ok[] = {"apply",   "a.csv", "--cloudone-api-key", "env:C1_KEY", "--visionone-token",
		      "file:/x", NULL};
	C1_CHECK_INT(parse(&o, ALL_SETS, ok), ==, 0);
	C1_CHECK_STR(o.cloudone_api_key_ref, "env:C1_KEY");
	c1_options_dispose(&o);
}

C1_TEST(option_not_for_this_command_is_rejected)
{
	struct c1_options o;
	char *argv[] = {"validate", "a.csv", "-j", "4", NULL};
	C1_CHECK_INT(parse(&o, C1_OPTS_INPUT, argv), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), "validate --help");
	c1_options_dispose(&o);
	char *argv2[] = {"drift", "a.csv", "--strategy", "direct", NULL};
	C1_CHECK_INT(parse(&o, C1_OPTS_INPUT | C1_OPTS_RUN | C1_OPTS_DRIFT, argv2), ==, C1_EINVALID);
	c1_options_dispose(&o);
}

C1_TEST(missing_file_and_extra_args)
{
	struct c1_options o;
	char *argv[] = {"plan", NULL};
	C1_CHECK_INT(parse(&o, ALL_SETS, argv), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), "ACCOUNTS.csv");
	c1_options_dispose(&o);
	char *argv2[] = {"plan", "a.csv", "b.csv", NULL};
	C1_CHECK_INT(parse(&o, ALL_SETS, argv2), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), "b.csv");
	c1_options_dispose(&o);
	char *argv3[] = {"plan", "a.csv", "--state-dir", NULL};
	C1_CHECK_INT(parse(&o, ALL_SETS, argv3), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), "needs a value");
	c1_options_dispose(&o);
}

C1_TEST(mistyped_option_names_the_nearest)
{
	struct c1_options o;
	char *argv[] = {"apply", "a.csv", "--concurency", "4", NULL};
	C1_CHECK_INT(parse(&o, ALL_SETS, argv), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), "did you mean --concurrency?");
	c1_options_dispose(&o);
	char *argv2[] = {"apply", "a.csv", "--max-failres=3", NULL};
	C1_CHECK_INT(parse(&o, ALL_SETS, argv2), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), "did you mean --max-failures?");
	c1_options_dispose(&o);
	char *argv3[] = {"apply", "a.csv", "--merge", NULL};
	C1_CHECK_INT(parse(&o, ALL_SETS, argv3), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), "--merge is not an option of 'apply'");
	c1_options_dispose(&o);
	char *argv4[] = {"apply", "a.csv", "--frobnicate", NULL};
	C1_CHECK_INT(parse(&o, ALL_SETS, argv4), ==, C1_EINVALID);
	C1_CHECK(strstr(c1_error_last(), "did you mean") == NULL);
	c1_options_dispose(&o);
	const char *const commands[] = {"validate", "plan", "apply", "drift", "offboard", "report", NULL};
	C1_CHECK_STR(c1_suggest_nearest("aply", commands), "apply");
	C1_CHECK_STR(c1_suggest_nearest("OFFBORD", commands), "offboard");
	C1_CHECK(c1_suggest_nearest("onboard", commands) == NULL ||
		 strcmp(c1_suggest_nearest("onboard", commands), "offboard") == 0);
	C1_CHECK(c1_suggest_nearest("xyz", commands) == NULL);
}

C1_TEST(cli_exit_codes)
{
	char *usage[] = {"c1onboard", "apply", "a.csv", "--bogus", NULL};
	C1_CHECK_INT(c1_cli_main(4, usage), ==, C1_EXIT_USAGE);
	char *unknown[] = {"c1onboard", "onboard", NULL};
	C1_CHECK_INT(c1_cli_main(2, unknown), ==, C1_EXIT_USAGE);
	char *none[] = {"c1onboard", NULL};
	C1_CHECK_INT(c1_cli_main(1, none), ==, C1_EXIT_USAGE);
	char *version[] = {"c1onboard", "--version", NULL};
	C1_CHECK_INT(c1_cli_main(2, version), ==, C1_EXIT_OK);
	char *help[] = {"c1onboard", "apply", "--help", NULL};
	C1_CHECK_INT(c1_cli_main(3, help), ==, C1_EXIT_OK);
}

C1_TEST(xdg_state_home_default)
{
	setenv("XDG_STATE_HOME", "/var/tmp/xdgtest", 1);
	struct c1_options o;
	char *argv[] = {"apply", "a.csv", NULL};
	C1_CHECK_INT(parse(&o, ALL_SETS, argv), ==, 0);
	C1_CHECK_STR(o.state_dir, "/var/tmp/xdgtest/c1onboard");
	c1_options_dispose(&o);
	unsetenv("XDG_STATE_HOME");
	setenv("HOME", "/home/msp", 1);
	C1_CHECK_INT(parse(&o, ALL_SETS, argv), ==, 0);
	C1_CHECK_STR(o.state_dir, "/home/msp/.local/state/c1onboard");
	c1_options_dispose(&o);
}

static char *s_settings_file(const char *text)
{
	char *path = c1_asprintf("%s/c1onboard-config", c1_test_tmpdir());
	FILE *f = fopen(path, "w");
	C1_CHECK(f != NULL);
	fputs(text, f);
	fclose(f);
	setenv("C1ONBOARD_CONFIG", path, 1);
	return path;
}

/* The settings file: defaults for any option, [command] sections, the command line wins. */
C1_TEST(settings_file_sets_defaults_and_the_command_line_wins)
{
	struct c1_options o;
	char *path =
	    s_settings_file("# MSP defaults\nconcurrency = 16\nstate_dir = /srv/c1\nno-progress = true\n"
			    "fail-on-drift = false\n[apply]\nmax-failures = 10%\n[plan]\n"
			    "detailed-exitcode\nmax-failures = 3\n");
	char *apply[] = {"apply", "a.csv", NULL};
	C1_CHECK_INT(parse(&o, ALL_SETS, apply), ==, 0);
	C1_CHECK_INT(o.concurrency, ==, 16);
	C1_CHECK_STR(o.state_dir, "/srv/c1");
	C1_CHECK_STR(o.reports_dir, "/srv/c1/reports");
	C1_CHECK(o.no_progress);
	C1_CHECK(!o.fail_on_drift);
	C1_CHECK_INT(o.max_failures, ==, 10);
	C1_CHECK(o.max_failures_percent);
	C1_CHECK(!o.detailed_exitcode); /* [plan] only */
	c1_options_dispose(&o);

	char *cli[] = {"apply", "a.csv", "-j", "4", "--max-failures", "2", NULL};
	C1_CHECK_INT(parse(&o, ALL_SETS, cli), ==, 0);
	C1_CHECK_INT(o.concurrency, ==, 4);
	C1_CHECK_INT(o.max_failures, ==, 2);
	C1_CHECK(!o.max_failures_percent);
	c1_options_dispose(&o);

	char *plan[] = {"plan", "a.csv", NULL};
	C1_CHECK_INT(parse(&o, ALL_SETS | C1_OPTS_PLAN, plan), ==, 0);
	C1_CHECK(o.detailed_exitcode);
	C1_CHECK_INT(o.max_failures, ==, 3);
	c1_options_dispose(&o);

	/* validate has no -j: a default outside any section is not for it */
	char *validate[] = {"validate", "a.csv", NULL};
	C1_CHECK_INT(parse(&o, C1_OPTS_INPUT, validate), ==, 0);
	c1_options_dispose(&o);
	unsetenv("C1ONBOARD_CONFIG");
	free(path);
}

C1_TEST(settings_file_errors_name_the_line_and_the_fix)
{
	struct c1_options o;
	char *argv[] = {"apply", "a.csv", NULL};
	char *path = s_settings_file("concurrency = 8\nconcurency = 3\n");
	C1_CHECK_INT(parse(&o, ALL_SETS, argv), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(),
			  "c1onboard-config:2: unknown option 'concurency'; did you mean 'concurrency'?");
	c1_options_dispose(&o);
	free(path);
	path = s_settings_file("[aply]\nconcurrency = 3\n");
	C1_CHECK_INT(parse(&o, ALL_SETS, argv), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), ":1: [aply] is not a command; did you mean [apply]?");
	c1_options_dispose(&o);
	free(path);
	path = s_settings_file("[apply]\nmerge = true\n");
	C1_CHECK_INT(parse(&o, ALL_SETS, argv), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), ":2: 'merge' is not an option of 'apply'");
	c1_options_dispose(&o);
	free(path);
	path = s_settings_file("no-progress = maybe\n");
	C1_CHECK_INT(parse(&o, ALL_SETS, argv), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), "is a flag");
	c1_options_dispose(&o);
	free(path);
	path = s_settings_file("concurrency = lots\n");
	C1_CHECK_INT(parse(&o, ALL_SETS, argv), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), "options also come from");
	c1_options_dispose(&o);
	free(path);
	path = s_settings_file("just some words here\n");
	C1_CHECK_INT(parse(&o, ALL_SETS, argv), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), ":1: expected `name = value`");
	c1_options_dispose(&o);
	unsetenv("C1ONBOARD_CONFIG");
	free(path);
}
