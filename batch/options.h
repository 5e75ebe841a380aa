/* The command line: every subcommand's options parsed and checked into one
 * struct, with usage errors that say what to type instead. */
#ifndef C1_BATCH_OPTIONS_H
#define C1_BATCH_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum c1_strategy { C1_STRATEGY_DIRECT = 0, C1_STRATEGY_TEMPLATE = 1 };

/* Which option groups a subcommand accepts. */
enum c1_option_set {
	C1_OPTS_NONE = 0,
	C1_OPTS_INPUT = 1 << 0,  /* ACCOUNTS.csv argument, secret defaults */
	C1_OPTS_RUN = 1 << 1,    /* -j, --max-failures, --only, --shard, --state-dir, --rate, ... */
	C1_OPTS_WRITE = 1 << 2,  /* --strategy, template options */
	C1_OPTS_DRIFT = 1 << 3,  /* --fail-on-drift */
	C1_OPTS_REPORT = 1 << 4, /* --run ID */
	C1_OPTS_PLAN = 1 << 5,   /* --detailed-exitcode, --changes-only */
	C1_OPTS_CONFIRM = 1 << 6 /* --yes (offboard) */
};

struct c1_rate_override {
	char service[32]; /* cloudformation, sts, s3, cloudtrail, cloudone, visionone */
	double per_second;
};

struct c1_options {
	const char *command;
	const char *accounts_path;
	int concurrency;
	long max_failures;         /* -1: unlimited */
	bool max_failures_percent; /* max_failures is a percentage of the accounts */
	enum c1_strategy strategy;
	char **only; /* NULL-terminated account ids, or NULL */
	size_t only_count;
	int shard_index; /* 1-based K of K/N; 0 when not sharded */
	int shard_count;
	char *state_dir;
	char *reports_dir;
	struct c1_rate_override rates[8];
	size_t rate_count;
	bool log_json;
	bool no_progress;
	bool fail_on_drift;
	bool retry_failed; /* only the rows an earlier results.csv says failed, rolled back, ... */
	long keep_runs;    /* after the run, keep this many runs' reports and state rows; 0: all */
	int verbosity;     /* -1 quiet, 0 normal, 1+ verbose */
	const char *cloudone_api_key_ref;
	const char *visionone_token_ref;
	const char *profile; /* --profile: for rows without one */
	const char *template_url;
	const char *qs_bucket;
	const char *qs_prefix;
	const char *run_id;
	bool merge; /* report --merge DIR...: combine shard report folders */
	const char *const *merge_dirs;
	size_t merge_count;
	const char *ca_bundle;
	long http_timeout_s;    /* whole-request limit; 0 = the transport's default (60 s) */
	bool detailed_exitcode; /* plan: 2 when changes are pending */
	bool changes_only;      /* plan: leave unchanged steps and accounts out of the listing */
	bool yes;               /* offboard: no confirmation asked */
	long wait_lock_s;       /* wait this long for the state-dir lock; 0 = do not wait */
	const char *notify_url; /* --notify: POST the run's summary here when it ends */
	bool help;
	/* owned: the settings file's arguments and the argv parsed (settings, then command line) */
	char **settings_args;
	size_t settings_argc;
	char *settings_path; /* the settings file, when it set anything for this command */
	char **argv;
};

#define C1_DEFAULT_CONCURRENCY 8

/**
 * Parse argv (argv[0] is the subcommand name) for a subcommand accepting
 * `sets`. Returns 0, or C1_EINVALID with c1_error_set() naming the option and
 * the fix. `env` lookups (XDG_STATE_HOME, HOME) go through getenv.
 */
int c1_options_parse(struct c1_options *out, const char *command, unsigned sets, int argc, char **argv);
void c1_options_dispose(struct c1_options *opts);
/** `c1onboard config show COMMAND`: the settings file's path and, for each option of the
 *  command, the value the file sets (with file:line) or that it has its default. Returns 0, or
 *  C1_EINVALID / C1_ERROR with c1_error_last() naming the file:line at fault. */
int c1_options_show_settings(FILE *out, const char *command, unsigned sets);
/** Print the option help for `sets` to `out`. */
void c1_options_print_help(FILE *out, unsigned sets);
/** Is `account_id` selected by --only and --shard? (row index is 0-based) */
bool c1_options_selects(const struct c1_options *opts, const char *account_id);

#endif
