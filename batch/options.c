#include "batch/options.h"

#include "batch/settings.h"
#include "engine/core/parse.h"
#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/core/suggest.h"
#include "engine/run/strategy_template.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
	OPT_MAX_FAILURES = 256,
	OPT_STRATEGY,
	OPT_ONLY,
	OPT_SHARD,
	OPT_STATE_DIR,
	OPT_REPORTS_DIR,
	OPT_RATE,
	OPT_LOG_FORMAT,
	OPT_NO_PROGRESS,
	OPT_FAIL_ON_DRIFT,
	OPT_RETRY_FAILED,
	OPT_KEEP_RUNS,
	OPT_MERGE,
	OPT_CLOUDONE_KEY,
	OPT_VISIONONE_TOKEN,
	OPT_TEMPLATE_URL,
	OPT_QS_BUCKET,
	OPT_QS_PREFIX,
	OPT_RUN,
	OPT_CA_BUNDLE,
	OPT_HTTP_TIMEOUT,
	OPT_DETAILED_EXITCODE,
	OPT_CHANGES_ONLY,
	OPT_YES,
	OPT_WAIT_LOCK,
	OPT_PROFILE,
	OPT_NOTIFY
};

struct s_option_def {
	struct option opt;
	unsigned sets; /* 0: every subcommand */
	const char *arg;
	const char *help;
};

static const struct s_option_def s_defs[] = {
    {{"concurrency", required_argument, NULL, 'j'},
     C1_OPTS_RUN,
     "N",
     "accounts in flight at once (default 8)"},
    {{"max-failures", required_argument, NULL, OPT_MAX_FAILURES},
     C1_OPTS_RUN,
     "N|P%",
     "stop starting accounts once more than N (or P% of) accounts failed"},
    {{"strategy", required_argument, NULL, OPT_STRATEGY},
     C1_OPTS_WRITE,
     "direct|template",
     "run each step (direct, default) or deploy the all-in-one template"},
    {{"only", required_argument, NULL, OPT_ONLY}, C1_OPTS_RUN, "ID,...", "only these AWS account ids"},
    {{"retry-failed", no_argument, NULL, OPT_RETRY_FAILED},
     C1_OPTS_RUN,
     NULL,
     "with a results.csv as input: only its failed, rolled-back, interrupted, not-started and invalid rows"},
    {{"keep-runs", required_argument, NULL, OPT_KEEP_RUNS},
     C1_OPTS_RUN,
     "N",
     "after the run, keep only the newest N runs' report folders and state rows (the ledger stays)"},
    {{"shard", required_argument, NULL, OPT_SHARD},
     C1_OPTS_RUN,
     "K/N",
     "only the K-th of N shards (split by account id)"},
    {{"state-dir", required_argument, NULL, OPT_STATE_DIR},
     C1_OPTS_RUN | C1_OPTS_REPORT,
     "DIR",
     "state store (default $XDG_STATE_HOME/c1onboard)"},
    {{"reports-dir", required_argument, NULL, OPT_REPORTS_DIR},
     C1_OPTS_RUN | C1_OPTS_REPORT,
     "DIR",
     "where reports go (default STATE_DIR/reports)"},
    {{"rate", required_argument, NULL, OPT_RATE},
     C1_OPTS_RUN,
     "SERVICE=N/s",
     "request rate ceiling for a service (cloudformation, sts, s3, cloudtrail, cloudone, visionone)"},
    {{"log-format", required_argument, NULL, OPT_LOG_FORMAT},
     0,
     "text|json",
     "log format on stderr: text (default) or json (one object a line)"},
    {{"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
     C1_OPTS_RUN,
     NULL,
     "never draw the progress line (drawn only when stderr is a terminal)"},
    {{"fail-on-drift", no_argument, NULL, OPT_FAIL_ON_DRIFT},
     C1_OPTS_DRIFT,
     NULL,
     "exit 2 when drift is found"},
    {{"cloudone-api-key", required_argument, NULL, OPT_CLOUDONE_KEY},
     C1_OPTS_INPUT,
     "env:VAR|file:PATH",
     "Cloud One API key for rows without one"},
    {{"visionone-token", required_argument, NULL, OPT_VISIONONE_TOKEN},
     C1_OPTS_INPUT,
     "env:VAR|file:PATH",
     "Vision One token for rows without one"},
    {{"template-url", required_argument, NULL, OPT_TEMPLATE_URL},
     C1_OPTS_WRITE,
     "URL",
     "all-in-one template (strategy template)"},
    {{"qs-bucket", required_argument, NULL, OPT_QS_BUCKET},
     C1_OPTS_WRITE,
     "BUCKET",
     "bucket holding the nested templates (default cloudone-community)"},
    {{"qs-prefix", required_argument, NULL, OPT_QS_PREFIX},
     C1_OPTS_WRITE,
     "PREFIX",
     "key prefix of the nested templates (default empty)"},
    {{"run", required_argument, NULL, OPT_RUN},
     C1_OPTS_REPORT,
     "ID",
     "the run to re-render (default latest)"},
    {{"merge", no_argument, NULL, OPT_MERGE},
     C1_OPTS_REPORT,
     NULL,
     "report --merge DIR...: combine the report folders of --shard K/N runs into one"},
    {{"ca-bundle", required_argument, NULL, OPT_CA_BUNDLE},
     C1_OPTS_RUN | C1_OPTS_REPORT,
     "FILE",
     "PEM file of CA certificates to trust (TLS is always verified)"},
    {{"http-timeout", required_argument, NULL, OPT_HTTP_TIMEOUT},
     C1_OPTS_RUN,
     "SECONDS",
     "give up on one HTTP request after this long and retry it (default 60)"},
    {{"profile", required_argument, NULL, OPT_PROFILE},
     C1_OPTS_INPUT,
     "NAME",
     "AWS profile of rows without one (no profile column, or an empty cell)"},
    {{"notify", required_argument, NULL, OPT_NOTIFY},
     C1_OPTS_RUN,
     "URL",
     "when the run ends, POST a short JSON summary (counts, report path; no secrets) to URL"},
    {{"wait-lock", required_argument, NULL, OPT_WAIT_LOCK},
     C1_OPTS_RUN,
     "SECONDS",
     "when another run holds the state dir, wait up to this long for it (default: exit 75 at once)"},
    {{"detailed-exitcode", no_argument, NULL, OPT_DETAILED_EXITCODE},
     C1_OPTS_PLAN,
     NULL,
     "exit 2 when the plan has changes, 0 when there is nothing to do (1 on errors)"},
    {{"changes-only", no_argument, NULL, OPT_CHANGES_ONLY},
     C1_OPTS_PLAN,
     NULL,
     "list only the steps that would change (the totals still count every step)"},
    {{"yes", no_argument, NULL, OPT_YES},
     C1_OPTS_CONFIRM,
     NULL,
     "do not ask for confirmation (needed when stdin is not a terminal)"},
    {{"quiet", no_argument, NULL, 'q'}, 0, NULL, "log only errors (the result still goes to stdout)"},
    {{"verbose", no_argument, NULL, 'v'}, 0, NULL, "more detail (repeat for debug)"},
    {{"help", no_argument, NULL, 'h'}, 0, NULL, "this help"},
};

#define S_NDEFS (sizeof(s_defs) / sizeof(s_defs[0]))

static const char *const s_rate_services[] = {"cloudformation", "sts",      "s3",
					      "cloudtrail",     "cloudone", "visionone"};

static bool s_allowed(const struct s_option_def *def, unsigned sets)
{
	return def->sets == 0 || (def->sets & sets) != 0;
}

static bool s_is_account_id(const char *s, size_t len)
{
	if (len != 12)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

static int s_parse_only(struct c1_options *out, const char *arg)
{
	const char *p = arg;
	while (*p) {
		size_t len = strcspn(p, ",");
		if (!s_is_account_id(p, len)) {
			c1_error_set(
			    "--only: \"%.*s\" is not a 12-digit AWS account id; give a comma-separated list "
			    "such as --only 111122223333,444455556666",
			    (int)(len > 40 ? 40 : len), p);
			return C1_EINVALID;
		}
		out->only = c1_realloc(out->only, (out->only_count + 2) * sizeof(char *));
		out->only[out->only_count++] = c1_strndup(p, len);
		out->only[out->only_count] = NULL;
		p += len;
		if (*p == ',')
			p++;
	}
	if (out->only_count == 0) {
		c1_error_set("--only needs at least one account id");
		return C1_EINVALID;
	}
	return 0;
}

static int s_parse_shard(struct c1_options *out, const char *arg)
{
	const char *slash = strchr(arg, '/');
	long k = 0, n = 0;
	char kbuf[16];
	if (!slash || (size_t)(slash - arg) >= sizeof(kbuf))
		goto bad;
	memcpy(kbuf, arg, (size_t)(slash - arg));
	kbuf[slash - arg] = '\0';
	if (c1_parse_long(&k, kbuf, 1, 10000) || c1_parse_long(&n, slash + 1, 1, 10000) || k > n)
		goto bad;
	out->shard_index = (int)k;
	out->shard_count = (int)n;
	return 0;
bad:
	c1_error_set("--shard \"%s\": expected K/N with 1 <= K <= N, e.g. --shard 2/4", arg);
	return C1_EINVALID;
}

static int s_parse_max_failures(struct c1_options *out, const char *arg)
{
	size_t len = strlen(arg);
	char buf[24];
	if (len == 0 || len >= sizeof(buf))
		goto bad;
	memcpy(buf, arg, len + 1);
	bool percent = buf[len - 1] == '%';
	if (percent)
		buf[len - 1] = '\0';
	long v = 0;
	if (c1_parse_long(&v, buf, 0, percent ? 100 : 1000000000L))
		goto bad;
	out->max_failures = v;
	out->max_failures_percent = percent;
	return 0;
bad:
	c1_error_set(
	    "--max-failures \"%s\": expected a count (e.g. 5) or a percentage from 0%% to 100%% (e.g. 10%%)",
	    arg);
	return C1_EINVALID;
}

static int s_parse_rate(struct c1_options *out, const char *arg)
{
	const char *eq = strchr(arg, '=');
	size_t name_len = eq ? (size_t)(eq - arg) : 0;
	const char *service = NULL;
	for (size_t i = 0; eq && i < sizeof(s_rate_services) / sizeof(s_rate_services[0]); i++)
		if (strlen(s_rate_services[i]) == name_len && strncmp(arg, s_rate_services[i], name_len) == 0)
			service = s_rate_services[i];
	if (!service) {
		c1_error_set(
		    "--rate \"%s\": expected SERVICE=N/s where SERVICE is one of cloudformation, sts, s3, "
		    "cloudtrail, cloudone, visionone",
		    arg);
		return C1_EINVALID;
	}
	errno = 0;
	char *end = NULL;
	double rate = strtod(eq + 1, &end);
	if (errno || end == eq + 1 || !(rate > 0 && rate <= 100000) ||
	    (strcmp(end, "/s") != 0 && *end != '\0')) {
		c1_error_set(
		    "--rate \"%s\": the rate must be a positive number of requests per second, e.g. %s=5/s",
		    arg, service);
		return C1_EINVALID;
	}
	for (size_t i = 0; i < out->rate_count; i++) {
		if (strcmp(out->rates[i].service, service) == 0) {
			out->rates[i].per_second = rate;
			return 0;
		}
	}
	if (out->rate_count == sizeof(out->rates) / sizeof(out->rates[0])) {
		c1_error_set("--rate given too many times");
		return C1_EINVALID;
	}
	snprintf(out->rates[out->rate_count].service, sizeof(out->rates[0].service), "%s", service);
	out->rates[out->rate_count++].per_second = rate;
	return 0;
}

static int s_check_secret_ref(const char *option, const char *arg)
{
	if (strncmp(arg, "env:", 4) == 0 || strncmp(arg, "file:", 5) == 0)
		return 0;
	/* Never echo the value: it is most likely the secret itself. */
	c1_error_set("%s takes a reference, not the secret: use env:VARIABLE or file:/path/to/0600-file",
		     option);
	return C1_EINVALID;
}

static char *s_default_state_dir(void)
{
	const char *xdg = getenv("XDG_STATE_HOME");
	if (xdg && xdg[0] == '/')
		return c1_asprintf("%s/c1onboard", xdg);
	const char *home = getenv("HOME");
	return c1_asprintf("%s/.local/state/c1onboard", home && *home ? home : ".");
}

/* "unknown option --concurency for 'apply'; did you mean --concurrency?", or the option
 * belongs to other commands. */
static void s_unknown_option(const char *arg, const char *command, unsigned sets)
{
	char name[C1_SUGGEST_MAX + 1];
	const char *mine[S_NDEFS + 1];
	size_t n = 0;
	size_t len = strcspn(arg, "=");
	const char *bare = arg;
	while (*bare == '-' && bare - arg < 2)
		bare++, len--;
	snprintf(name, sizeof(name), "%.*s", (int)(len < C1_SUGGEST_MAX ? len : C1_SUGGEST_MAX), bare);
	for (size_t i = 0; i < S_NDEFS; i++) {
		if (strcmp(s_defs[i].opt.name, name) == 0 && !s_allowed(&s_defs[i], sets)) {
			c1_error_set("--%s is not an option of '%s'; see 'c1onboard %s --help'", name,
				     command, command);
			return;
		}
		if (s_allowed(&s_defs[i], sets))
			mine[n++] = s_defs[i].opt.name;
	}
	mine[n] = NULL;
	const char *near = c1_suggest_nearest(name, mine);
	if (near)
		c1_error_set("unknown option %s for '%s'; did you mean --%s? (see 'c1onboard %s --help')",
			     arg, command, near, command);
	else
		c1_error_set("unknown option %s for '%s'; see 'c1onboard %s --help'", arg, command, command);
}

static const char *const s_command_names[] = {"validate", "plan",   "apply", "drift",
					      "offboard", "report", NULL};

static const struct s_option_def *s_def_named(const char *name)
{
	for (size_t i = 0; i < S_NDEFS; i++)
		if (strcmp(s_defs[i].opt.name, name) == 0)
			return &s_defs[i];
	return NULL;
}

static bool s_word_in(const char *v, const char *const *words)
{
	for (; *words; words++)
		if (strcasecmp(v, *words) == 0)
			return true;
	return false;
}

/* The settings file's entries for `command` as arguments (--name=value, --flag), appended to
 * out->settings_args. Lines outside any section apply where the command has the option; a
 * [command] section's lines must be options of that command. */
static int s_settings_args(struct c1_options *out, const struct c1_settings *st, const char *command,
			   unsigned sets)
{
	static const char *const yes[] = {"", "true", "yes", "on", "1", NULL};
	static const char *const no[] = {"false", "no", "off", "0", NULL};
	for (size_t i = 0; i < st->count; i++) {
		const struct c1_setting *e = &st->items[i];
		if (e->section && !s_word_in(e->section, s_command_names)) {
			const char *near = c1_suggest_nearest(e->section, s_command_names);
			c1_error_set("%s:%zu: [%s] is not a command%s%s%s", st->path, e->section_line,
				     e->section, near ? "; did you mean [" : "", near ? near : "",
				     near ? "]?" : "");
			return C1_EINVALID;
		}
		if (e->section && strcmp(e->section, command) != 0)
			continue;
		const struct s_option_def *d = s_def_named(e->name);
		if (!d || strcmp(e->name, "help") == 0) {
			const char *names[S_NDEFS + 1];
			size_t n = 0;
			for (size_t k = 0; k < S_NDEFS; k++)
				names[n++] = s_defs[k].opt.name;
			names[n] = NULL;
			const char *near = c1_suggest_nearest(e->name, names);
			c1_error_set("%s:%zu: unknown option '%s'%s%s%s", st->path, e->line, e->name,
				     near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
			return C1_EINVALID;
		}
		if (!s_allowed(d, sets)) {
			if (!e->section)
				continue; /* a default for the commands that have it */
			c1_error_set("%s:%zu: '%s' is not an option of '%s'", st->path, e->line, e->name,
				     command);
			return C1_EINVALID;
		}
		char *arg = NULL;
		if (d->opt.has_arg == no_argument) {
			if (s_word_in(e->value, no))
				continue;
			if (!s_word_in(e->value, yes)) {
				c1_error_set("%s:%zu: '%s' is a flag: write `%s = true` or leave it out",
					     st->path, e->line, e->name, e->name);
				return C1_EINVALID;
			}
			arg = c1_asprintf("--%s", e->name);
		} else {
			if (!*e->value) {
				c1_error_set("%s:%zu: '%s' needs a value: `%s = %s`", st->path, e->line,
					     e->name, e->name, d->arg ? d->arg : "VALUE");
				return C1_EINVALID;
			}
			arg = c1_asprintf("--%s=%s", e->name, e->value);
		}
		out->settings_args =
		    c1_realloc(out->settings_args, (out->settings_argc + 1) * sizeof(char *));
		out->settings_args[out->settings_argc++] = arg;
	}
	return 0;
}

static int s_parse_argv(struct c1_options *out, const char *command, unsigned sets, int argc, char **argv);

int c1_options_parse(struct c1_options *out, const char *command, unsigned sets, int argc, char **argv)
{
	memset(out, 0, sizeof(*out));
	out->command = command;
	out->concurrency = C1_DEFAULT_CONCURRENCY;
	out->max_failures = -1;
	out->template_url = C1_DEFAULT_TEMPLATE_URL;
	out->qs_bucket = C1_DEFAULT_QS_BUCKET;
	out->qs_prefix = "";

	/* The settings file's options come first: the command line's, later, win. */
	struct c1_settings st;
	char *path = c1_settings_path();
	int rc = c1_settings_read(&st, path);
	free(path);
	if (rc == 0)
		rc = s_settings_args(out, &st, command, sets);
	if (rc == 0 && out->settings_argc)
		out->settings_path = c1_strdup(st.path);
	c1_settings_dispose(&st);
	if (rc != 0)
		return C1_EINVALID;
	int n = 0;
	out->argv = c1_calloc((size_t)argc + out->settings_argc + 1, sizeof(char *));
	out->argv[n++] = argv[0];
	for (size_t i = 0; i < out->settings_argc; i++)
		out->argv[n++] = out->settings_args[i];
	for (int i = 1; i < argc; i++)
		out->argv[n++] = argv[i];
	rc = s_parse_argv(out, command, sets, n, out->argv);
	if (rc != 0 && out->settings_path) {
		char *why = c1_strdup(c1_error_last());
		c1_error_set("%s (options also come from %s)", why, out->settings_path);
		free(why);
	}
	return rc;
}

static int s_parse_argv(struct c1_options *out, const char *command, unsigned sets, int argc, char **argv)
{
	int rc = 0;
	struct option longopts[S_NDEFS + 1];
	size_t n = 0;

	for (size_t i = 0; i < S_NDEFS; i++)
		if (s_allowed(&s_defs[i], sets))
			longopts[n++] = s_defs[i].opt;
	memset(&longopts[n], 0, sizeof(longopts[n]));
	/* Leading ":": report missing values ourselves. Options may follow ACCOUNTS.csv. */
	const char *shortopts = (sets & C1_OPTS_RUN) ? ":qvhj:" : ":qvh";

	optind = 0; /* glibc: full re-initialisation, so tests can parse repeatedly */
	opterr = 0;
	for (;;) {
		int idx = -1;
		int c = getopt_long(argc, argv, shortopts, longopts, &idx);
		if (c == -1)
			break;
		long v = 0;
		switch (c) {
		case 'j':
			if (c1_parse_long(&v, optarg, 1, 1024)) {
				c1_error_set(
				    "-j/--concurrency \"%s\": expected a number of accounts from 1 to 1024",
				    optarg);
				rc = C1_EINVALID;
				goto cleanup;
			}
			out->concurrency = (int)v;
			break;
		case OPT_MAX_FAILURES: rc = s_parse_max_failures(out, optarg); break;
		case OPT_STRATEGY:
			if (strcmp(optarg, "direct") == 0) {
				out->strategy = C1_STRATEGY_DIRECT;
			} else if (strcmp(optarg, "template") == 0) {
				out->strategy = C1_STRATEGY_TEMPLATE;
			} else {
				c1_error_set("--strategy \"%s\": expected direct or template", optarg);
				rc = C1_EINVALID;
			}
			break;
		case OPT_ONLY: rc = s_parse_only(out, optarg); break;
		case OPT_SHARD: rc = s_parse_shard(out, optarg); break;
		case OPT_STATE_DIR:
			free(out->state_dir);
			out->state_dir = c1_strdup(optarg);
			break;
		case OPT_REPORTS_DIR:
			free(out->reports_dir);
			out->reports_dir = c1_strdup(optarg);
			break;
		case OPT_RATE: rc = s_parse_rate(out, optarg); break;
		case OPT_LOG_FORMAT:
			if (strcmp(optarg, "text") == 0 || strcmp(optarg, "json") == 0) {
				out->log_json = strcmp(optarg, "json") == 0;
			} else {
				c1_error_set("--log-format \"%s\": expected text or json", optarg);
				rc = C1_EINVALID;
			}
			break;
		case OPT_NO_PROGRESS: out->no_progress = true; break;
		case OPT_FAIL_ON_DRIFT: out->fail_on_drift = true; break;
		case OPT_RETRY_FAILED: out->retry_failed = true; break;
		case OPT_KEEP_RUNS:
			if (c1_parse_long(&v, optarg, 1, 1000000)) {
				c1_error_set("--keep-runs \"%s\": expected a number of runs, at least 1",
					     optarg);
				rc = C1_EINVALID;
				goto cleanup;
			}
			out->keep_runs = v;
			break;
		case OPT_CLOUDONE_KEY:
			rc = s_check_secret_ref("--cloudone-api-key", optarg);
			out->cloudone_api_key_ref = optarg;
			break;
		case OPT_VISIONONE_TOKEN:
			rc = s_check_secret_ref("--visionone-token", optarg);
			out->visionone_token_ref = optarg;
			break;
		case OPT_TEMPLATE_URL: out->template_url = optarg; break;
		case OPT_QS_BUCKET: out->qs_bucket = optarg; break;
		case OPT_QS_PREFIX: out->qs_prefix = optarg; break;
		case OPT_RUN: out->run_id = optarg; break;
		case OPT_MERGE: out->merge = true; break;
		case OPT_CA_BUNDLE: out->ca_bundle = optarg; break;
		case OPT_HTTP_TIMEOUT:
			if (c1_parse_long(&v, optarg, 1, 3600)) {
				c1_error_set("--http-timeout \"%s\": expected whole seconds from 1 to 3600",
					     optarg);
				rc = C1_EINVALID;
				goto cleanup;
			}
			out->http_timeout_s = v;
			break;
		case OPT_DETAILED_EXITCODE: out->detailed_exitcode = true; break;
		case OPT_CHANGES_ONLY: out->changes_only = true; break;
		case OPT_YES: out->yes = true; break;
		case OPT_PROFILE: out->profile = optarg; break;
		case OPT_NOTIFY: out->notify_url = optarg; break;
		case OPT_WAIT_LOCK:
			if (c1_parse_long(&v, optarg, 0, 86400)) {
				c1_error_set("--wait-lock \"%s\": expected whole seconds from 0 to 86400",
					     optarg);
				rc = C1_EINVALID;
				goto cleanup;
			}
			out->wait_lock_s = v;
			break;
		case 'q': out->verbosity = -1; break;
		case 'v': out->verbosity = out->verbosity < 0 ? 1 : out->verbosity + 1; break;
		case 'h': out->help = true; break;
		case ':':
			c1_error_set("%s needs a value; see 'c1onboard %s --help'", argv[optind - 1],
				     command);
			rc = C1_EINVALID;
			break;
		default:
			if (optopt && optopt != '?')
				c1_error_set("unknown option -%c for '%s'; see 'c1onboard %s --help'", optopt,
					     command, command);
			else
				s_unknown_option(argv[optind - 1], command, sets);
			rc = C1_EINVALID;
			break;
		}
		if (rc)
			goto cleanup;
	}
	if (out->help)
		goto cleanup;

	if (sets & C1_OPTS_INPUT) {
		if (optind >= argc) {
			c1_error_set("'%s' needs the accounts spreadsheet: c1onboard %s ACCOUNTS.csv",
				     command, command);
			rc = C1_EINVALID;
			goto cleanup;
		}
		out->accounts_path = argv[optind++];
	}
	if (out->merge) {
		if (optind >= argc) {
			c1_error_set(
			    "--merge needs the report folders of the shards: c1onboard report --merge "
			    "DIR...");
			rc = C1_EINVALID;
			goto cleanup;
		}
		out->merge_dirs = (const char *const *)&argv[optind];
		out->merge_count = (size_t)(argc - optind);
		optind = argc;
	}
	if (optind < argc) {
		c1_error_set("unexpected argument \"%s\" for '%s'; see 'c1onboard %s --help'", argv[optind],
			     command, command);
		rc = C1_EINVALID;
		goto cleanup;
	}
	if (!out->state_dir)
		out->state_dir = s_default_state_dir();
	/* beside the state store, never the current folder (a run from a source tree would
	 * litter it) */
	if (!out->reports_dir)
		out->reports_dir = c1_asprintf("%s/reports", out->state_dir);

cleanup:
	return rc;
}

void c1_options_dispose(struct c1_options *opts)
{
	if (!opts)
		return;
	for (size_t i = 0; i < opts->only_count; i++)
		free(opts->only[i]);
	free(opts->only);
	free(opts->state_dir);
	free(opts->reports_dir);
	for (size_t i = 0; i < opts->settings_argc; i++)
		free(opts->settings_args[i]);
	free(opts->settings_args);
	free(opts->settings_path);
	free(opts->argv);
	memset(opts, 0, sizeof(*opts));
}

void c1_options_print_help(FILE *out, unsigned sets)
{
	for (size_t i = 0; i < S_NDEFS; i++) {
		const struct s_option_def *d = &s_defs[i];
		if (!s_allowed(d, sets))
			continue;
		char left[64];
		char shortname[8] = "";
		if (d->opt.val < 256)
			snprintf(shortname, sizeof(shortname), "-%c, ", d->opt.val);
		snprintf(left, sizeof(left), "%s--%s%s%s", shortname, d->opt.name, d->arg ? " " : "",
			 d->arg ? d->arg : "");
		fprintf(out, "  %-38s %s\n", left, d->help);
	}
}

/* FNV-1a: a stable hash so an account stays in the same shard whatever the row order. */
static uint32_t s_fnv1a(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

bool c1_options_selects(const struct c1_options *opts, const char *account_id)
{
	if (opts->only_count) {
		bool found = false;
		for (size_t i = 0; i < opts->only_count && !found; i++)
			found = strcmp(opts->only[i], account_id) == 0;
		if (!found)
			return false;
	}
	if (opts->shard_count > 1)
		return (int)(s_fnv1a(account_id) % (uint32_t)opts->shard_count) + 1 == opts->shard_index;
	return true;
}

int c1_options_show_settings(FILE *out, const char *command, unsigned sets)
{
	struct c1_settings st;
	char *path = c1_settings_path();
	struct c1_options probe;
	int rc = c1_settings_read(&st, path);
	free(path);
	memset(&probe, 0, sizeof(probe));
	if (rc == 0)
		rc = s_settings_args(&probe, &st, command, sets); /* the same checks a run makes */
	c1_options_dispose(&probe);
	if (rc != 0) {
		c1_settings_dispose(&st);
		return rc;
	}
	fprintf(out, "# c1onboard %s: options from %s%s; the command line wins over them\n", command, st.path,
		st.count ? "" : " (no such file: every option has its default)");
	for (size_t i = 0; i < S_NDEFS; i++) {
		const struct s_option_def *d = &s_defs[i];
		if (!s_allowed(d, sets) || strcmp(d->opt.name, "help") == 0)
			continue;
		const struct c1_setting *last = NULL;
		for (size_t k = 0; k < st.count; k++)
			if (strcmp(st.items[k].name, d->opt.name) == 0 &&
			    (!st.items[k].section || strcmp(st.items[k].section, command) == 0))
				last = &st.items[k];
		if (last)
			fprintf(out, "%-20s = %-30s # %s:%zu%s%s%s\n", d->opt.name, last->value, st.path,
				last->line, last->section ? " [" : "", last->section ? last->section : "",
				last->section ? "]" : "");
		else
			fprintf(out, "%-20s   %-30s # default: %s\n", d->opt.name, "", d->help);
	}
	c1_settings_dispose(&st);
	return 0;
}
