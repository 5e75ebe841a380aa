/* The runner: wires the run-wide pieces together, admits the accounts and
 * turns their records into report.json. */
#include "batch/runner.h"

#include "batch/exit_codes.h"
#include "batch/results_csv.h"
#include "batch/previous.h"
#include "batch/progress.h"
#include "engine/core/advice.h"
#include "engine/core/alloc.h"
#include "engine/core/clock.h"
#include "engine/core/error.h"
#include "engine/core/log.h"
#include "engine/core/sha256.h"
#include "engine/net/http_curl.h"
#include "engine/net/url.h"
#include "engine/run/io_park.h"
#include "engine/run/lock.h"
#include "engine/run/strategy_direct.h"
#include "engine/run/strategy_template.h"
#include "engine/run/tenant.h"
#include "reports/report_json.h"
#include "reports/report_dir.h"
#include "reports/spool.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t s_signalled;

static void s_on_signal(int sig)
{
	s_signalled = sig;
}

int c1_runner_exit_code(enum c1_run_mode mode, const size_t summary[C1_ACCOUNT_STATUS_COUNT],
			bool fail_on_drift)
{
	if (summary[C1_ACCOUNT_FAILED] || summary[C1_ACCOUNT_ROLLED_BACK] || summary[C1_ACCOUNT_INVALID] ||
	    summary[C1_ACCOUNT_INTERRUPTED])
		return C1_EXIT_FAILED;
	/* SPEC 2: drift found and not repaired: the drift command, an apply that
	 * leaves an account drifted (what it cannot repair), or --fail-on-drift.
	 * A plan's drifted account is one apply would repair. */
	if ((summary[C1_ACCOUNT_DRIFTED] || summary[C1_ACCOUNT_ORPHANED]) &&
	    (mode == C1_MODE_DRIFT || mode == C1_MODE_APPLY || fail_on_drift))
		return C1_EXIT_DRIFT;
	/* A plan's not_started is an account apply would onboard, not one a run left undone. */
	if (summary[C1_ACCOUNT_NOT_STARTED] && mode != C1_MODE_PLAN)
		return C1_EXIT_FAILED;
	return C1_EXIT_OK;
}

static char *s_options_json(const struct c1_options *o)
{
	json_t *j = json_object();
	json_object_set_new(j, "concurrency", json_integer(o->concurrency));
	json_object_set_new(j, "strategy",
			    json_string(o->strategy == C1_STRATEGY_TEMPLATE ? "template" : "direct"));
	if (o->max_failures >= 0)
		json_object_set_new(j, "max_failures",
				    json_string_nocheck(o->max_failures_percent ? "percent" : "count"));
	if (o->max_failures >= 0)
		json_object_set_new(j, "max_failures_value", json_integer(o->max_failures));
	if (o->only_count) {
		json_t *a = json_array();
		for (size_t i = 0; i < o->only_count; i++)
			json_array_append_new(a, json_string(o->only[i]));
		json_object_set_new(j, "only", a);
	}
	if (o->shard_count)
		json_object_set_new(j, "shard", json_sprintf("%d/%d", o->shard_index, o->shard_count));
	if (o->state_dir)
		json_object_set_new(j, "state_dir", json_string(o->state_dir));
	if (o->reports_dir)
		json_object_set_new(j, "reports_dir", json_string(o->reports_dir));
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	char *out = c1_strdup(s);
	free(s);
	return out;
}

static int64_t s_env_ms(const char *name, int64_t def)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return def;
	char *end = NULL;
	long long n = strtoll(v, &end, 10);
	return (end && *end == '\0' && n > 0) ? (int64_t)n : def;
}

/* ---- rows to jobs: only -j jobs exist at a time ----
 * A job (about 11 KB with its strategy's data) is made when a slot frees;
 * when it ends, its report entry (about 3 KB of text) and a plan's lines go
 * to the report spool, a temp file (reports/spool), so memory follows -j,
 * not the number of rows. */

struct s_row_slot {
	const struct c1_account_row *row;
	int row_no;
	struct c1_tenant *tenant;
};

struct s_feed {
	struct c1_run_shared *run;
	struct s_row_slot *slots;
	size_t n;
	size_t next; /* under lock */
	pthread_mutex_t lock;
	struct c1_report_spool *spool; /* entry i is slot i's report entry (+ plan lines) */
	atomic_bool spool_failed;      /* the failure was logged */
	struct c1_previous prev;       /* statuses of earlier runs; read-only once loaded */
	struct c1_report_since since;  /* under lock; known when prev loaded */
	/* plan: steps per action across the accounts planned (under lock) */
	size_t plan_steps[C1_PLAN_MANUAL + 1];
	size_t plan_accounts_changing;
	bool changes_only; /* plan --changes-only */
};

/* The account against its most recent earlier run, for the report's "since the previous run". */
static void s_note_change(struct s_feed *f, const struct c1_report_account *acct)
{
	if (!f->since.known)
		return;
	const char *now = c1_account_status_name(acct->status);
	const char *before = c1_previous_status(&f->prev, acct->account_id, acct->region);
	const char *changed = c1_previous_changed(before, now);
	pthread_mutex_lock(&f->lock);
	if (strcmp(changed, "new") == 0)
		f->since.new_accounts++;
	else if (strcmp(changed, "no") == 0)
		f->since.same++;
	else {
		struct c1_report_change *c = c1_report_since_add_change(&f->since);
		c->account_id = c1_strdup(acct->account_id);
		c->region = c1_strdup(acct->region ? acct->region : "");
		c->before = c1_strdup(before);
		c->now = c1_strdup(now);
	}
	pthread_mutex_unlock(&f->lock);
}

/* What the engine needs of a row (the row keeps the strings for the run). */
static struct c1_account_spec s_spec_of(const struct c1_account_row *row)
{
	return (struct c1_account_spec){.line = row->line,
					.account_id = row->account_id,
					.name = row->name,
					.profile = row->profile,
					.region = row->region,
					.bucket = row->bucket,
					.create_new_trail = row->create_new_trail,
					.stack_name = row->stack_name,
					.tags = row->tags,
					.tag_count = row->tag_count};
}

/* Rows owed by this thread's feeding loop: a submit refused after a cancel
 * releases its job at once, and that release asks for the next row from
 * inside the loop; counting instead of recursing keeps the stack flat. */
static _Thread_local size_t s_owed;
static _Thread_local bool s_feeding;

static void s_feed_more(struct s_feed *f, size_t k)
{
	s_owed += k;
	if (s_feeding)
		return;
	s_feeding = true;
	while (s_owed > 0) {
		s_owed--;
		pthread_mutex_lock(&f->lock);
		size_t i = f->next < f->n ? f->next++ : f->n;
		pthread_mutex_unlock(&f->lock);
		if (i >= f->n) {
			s_owed = 0;
			break;
		}
		const struct s_row_slot *sl = &f->slots[i];
		struct c1_account_spec spec = s_spec_of(sl->row);
		struct c1_account_job *job = c1_account_job_new(f->run, &spec, sl->row_no, sl->tenant);
		job->slot = i;
		c1_scheduler_submit(f->run->sched, &job->task);
	}
	s_feeding = false;
}

static char *s_plan_text(struct c1_account_job *job, struct c1_report_account *acct, bool changes_only);
static void s_count_plan(struct s_feed *f, const struct c1_account_job *job,
			 const struct c1_report_account *acct);
/* Would apply change something for this step? */
static bool s_plan_changes(enum c1_plan_action a)
{
	return a == C1_PLAN_CREATE || a == C1_PLAN_ADOPT || a == C1_PLAN_UPDATE || a == C1_PLAN_MANUAL;
}

/* Does an account in this status need a person? A plan's not_started and
 * drifted accounts are its plan (apply would onboard or repair them). */
static bool s_status_ok(enum c1_run_mode mode, enum c1_account_status st)
{
	if (st == C1_ACCOUNT_SUCCEEDED || st == C1_ACCOUNT_UNCHANGED || st == C1_ACCOUNT_REPAIRED)
		return true;
	return mode == C1_MODE_PLAN && (st == C1_ACCOUNT_NOT_STARTED || st == C1_ACCOUNT_DRIFTED);
}

/* One log line per finished account: what cron's log and a JSON reader follow
 * instead of a progress line. */
static void s_log_account_finished(enum c1_run_mode mode, const struct c1_report_account *acct)
{
	struct c1_log_fields lf = C1_LOG_FIELDS_INIT;
	const char *status = c1_account_status_name(acct->status);
	lf.account_id = acct->account_id;
	lf.region = acct->region;
	lf.event = "account_finished";
	lf.status = status;
	for (size_t i = 0; i < acct->steps_len && !lf.step; i++)
		if (acct->steps[i].status == C1_STEP_FAILED)
			lf.step = acct->steps[i].name; /* the step it ended on */
	bool ok = s_status_ok(mode, acct->status);
	const char *reason = acct->reason && *acct->reason ? acct->reason : NULL;
	c1_log_ev(ok ? C1_LOG_INFO : C1_LOG_WARN, "account", &lf, "%s %s: %s%s%s",
		  acct->account_id ? acct->account_id : "-",
		  acct->region && *acct->region ? acct->region : "-", status, reason ? ": " : "",
		  reason ? reason : "");
}

static void s_job_ended(struct c1_account_job *job)
{
	struct s_feed *f = job->run->feed;
	struct c1_report_account acct;
	char *plan_text = NULL;
	memset(&acct, 0, sizeof(acct));
	c1_account_job_report(job, &acct); /* also the account's state row */
	s_note_change(f, &acct);
	s_log_account_finished(job->run->mode, &acct);
	if (job->run->mode == C1_MODE_PLAN) {
		plan_text = s_plan_text(job, &acct, f->changes_only);
		s_count_plan(f, job, &acct);
	}
	/* A failed spool (disk full) still counts the account; the run goes on,
	 * the state store has every outcome, and the report fails at the end. */
	if (c1_report_spool_put(f->spool, job->slot, &acct, plan_text) != 0 &&
	    !atomic_exchange(&f->spool_failed, true))
		C1_ERROR_LOG("run",
			     "report: %s; accounts go on (the state store has their outcomes), "
			     "report.json will not be written",
			     c1_error_last());
	free(plan_text);
	c1_report_account_dispose(&acct);
	c1_account_job_free(job);
	s_feed_more(f, 1);
}

/* The steps a plan lists: reached, and meaningful for this row. */
static bool s_plan_step_listed(const struct c1_account_job *job, int i)
{
	const struct c1_step_rec *s = &job->steps[i];
	return i >= C1_STEP_NEW_TRAIL && i != C1_STEP_VISIONONE_LINK && s->plan != C1_PLAN_SKIP &&
	       c1_job_step_reached(s);
}

/* A plan's totals: its steps by action, and the accounts with something to change. */
static void s_count_plan(struct s_feed *f, const struct c1_account_job *job,
			 const struct c1_report_account *acct)
{
	if (acct->status == C1_ACCOUNT_INVALID || job->outcome.failed)
		return;
	size_t counts[C1_PLAN_MANUAL + 1] = {0};
	bool changing = false;
	for (int i = 0; i < C1_STEP_COUNT; i++) {
		if (!s_plan_step_listed(job, i) || job->steps[i].plan > C1_PLAN_MANUAL)
			continue;
		counts[job->steps[i].plan]++;
		changing = changing || s_plan_changes(job->steps[i].plan);
	}
	pthread_mutex_lock(&f->lock);
	for (int a = 0; a <= C1_PLAN_MANUAL; a++)
		f->plan_steps[a] += counts[a];
	f->plan_accounts_changing += changing ? 1 : 0;
	pthread_mutex_unlock(&f->lock);
}

static char *s_plan_text(struct c1_account_job *job, struct c1_report_account *acct, bool changes_only)
{
	struct c1_buf b = C1_BUF_INIT;
	const char *verdict = acct->status == C1_ACCOUNT_INVALID ? "invalid"
			      : job->outcome.failed              ? "failed"
								 : c1_plan_action_name(job->outcome.plan);
	c1_buf_printf(&b, "%s %s (row %d): %s\n", job->row->account_id, job->region[0] ? job->region : "-",
		      job->row_no, verdict);
	if (acct->status == C1_ACCOUNT_INVALID || job->outcome.failed) {
		c1_buf_printf(&b, "  %s: %s\n", verdict, acct->reason ? acct->reason : "");
		return c1_buf_detach(&b);
	}
	bool any = false;
	for (int i = C1_STEP_NEW_TRAIL; i < C1_STEP_COUNT; i++) {
		const struct c1_step_rec *s = &job->steps[i];
		if (!s_plan_step_listed(job, i) || (changes_only && !s_plan_changes(s->plan)))
			continue;
		any = true;
		const char *name = c1_step_def((enum c1_step_id)i)->name;
		c1_buf_printf(&b, "  %-18s %s%s%s\n", name, c1_plan_action_name(s->plan),
			      s->plan_note ? "  " : "", s->plan_note ? s->plan_note : "");
	}
	if (changes_only && !any) {
		c1_buf_dispose(&b); /* nothing to change: not listed */
		return NULL;
	}
	return c1_buf_detach(&b);
}

/* The report spool: an unlinked temp file in the state dir (the tool's own,
 * locked, directory). C1ONBOARD_REPORT_SPOOL_FILE names a file to use
 * instead; tests pass /dev/full to see a full disk. */
static int s_spool_new(struct c1_report_spool **out, const char *state_dir, size_t rows)
{
	const char *path = getenv("C1ONBOARD_REPORT_SPOOL_FILE");
	if (!path || !*path)
		return c1_report_spool_new(out, state_dir, rows);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		c1_error_set("cannot open the report spool %s: %s", path, strerror(errno));
		return C1_ERROR;
	}
	return c1_report_spool_new_fd(out, fd, path, rows);
}

/* Default client-side ceilings, per rate-limit key (docs/rate-limits.md has
 * the source of each). Keys: AWS services per account and region (each
 * account's own principal), Cloud One per API key (its tenant; Vision One
 * calls of a tenant share it). Where the service publishes no number the
 * limiter starts at `start` and grows toward `ceiling` until the service
 * throttles. `--rate SERVICE=N` sets a fixed ceiling instead. */
struct s_default_rate {
	const char *service;
	double start, ceiling; /* req/s */
};
static const struct s_default_rate s_default_rates[] = {
    {"cloudformation", 4, 4}, /* unpublished; ~5 DescribeStacks/s reported; polls are seconds apart */
    {"sts", 10, 10},          /* GetCallerIdentity: one per account */
    {"s3", 10, 10},           /* HeadBucket: one per account; S3 allows 5,500 GET/HEAD/s per prefix */
    {"cloudone", 8, 50},      /* SaaS unpublished; 8/s = DSM's default 500 calls/min per API key */
};

/* What one c1_runner_run owns, set up phase by phase; s_runner_dispose frees
 * whatever was made, however far the setup got. */
struct s_runner {
	const struct c1_runner_input *in;
	const struct c1_options *opts;
	struct c1_run_shared run;
	struct c1_lock *lock;
	struct c1_http_transport *transport; /* libcurl */
	struct c1_http_transport *parked;    /* over transport; what the tasks call through */
	bool sched_ok;
	bool run_begun; /* the state store's run row is open: an early exit records a crash */
	size_t max_in_flight;
	struct s_feed feed;
	struct c1_tenant **tenants;
	size_t ntenants;
	struct c1_report *report;
	char *options_json;
	char sha[C1_SHA256_HEX_SIZE]; /* of the accounts file; "" when it could not be read */
	int64_t started_wall;
	struct sigaction sa_old_int, sa_old_term;
	bool signals_set;
	bool cancelled;      /* a signal stopped admission */
	bool report_written; /* report.json, report.html and results.csv */
	/* accounts the ledger holds that no row names: reported after the rows */
	struct s_orphan *orphans;
	size_t norphans, orphans_cap;
};

static void s_runner_init(struct s_runner *r, const struct c1_runner_input *in)
{
	memset(r, 0, sizeof(*r));
	r->in = in;
	r->opts = in->opts;
	pthread_mutex_init(&r->feed.lock, NULL);
	r->run.mode = in->mode;
	r->run.strategy = in->strategy ? in->strategy : &c1_strategy_direct;
	if (!in->strategy && r->opts->strategy == C1_STRATEGY_TEMPLATE)
		r->run.strategy = &c1_strategy_template;
	r->run.template_url = r->opts->template_url;
	r->run.qs_bucket = r->opts->qs_bucket;
	r->run.qs_prefix = r->opts->qs_prefix;
	pthread_mutex_init(&r->run.out_lock, NULL);
	c1_retry_quota_init(&r->run.quota, 0);
}

/* The state-dir lock, the state store and the run's row in it. Returns 0, or
 * the exit code to end with: 75 when another run holds the lock, 78 when the
 * state dir is unusable, 70 when the run row cannot be written. */
static int s_open_state_and_lock(struct s_runner *r)
{
	const struct c1_options *opts = r->opts;
	/* plan and drift change nothing in the cloud: they share the state dir with each other */
	enum c1_lock_mode mode =
	    r->in->mode == C1_MODE_PLAN || r->in->mode == C1_MODE_DRIFT ? C1_LOCK_SHARED : C1_LOCK_EXCLUSIVE;
	int rc = c1_lock_acquire_mode(&r->lock, opts->state_dir, mode, opts->wait_lock_s * 1000);
	if (rc != 0) {
		c1_log_cli_error("%s", c1_error_last());
		return rc == C1_EBUSY ? C1_EXIT_TEMPFAIL : C1_EXIT_CONFIG;
	}
	if (c1_state_open(&r->run.state, opts->state_dir) != 0) {
		c1_log_cli_error("%s", c1_error_last());
		return C1_EXIT_CONFIG;
	}
	r->options_json = s_options_json(opts);
	c1_sha256_file_hex(r->sha, opts->accounts_path);
	struct c1_state_run_info info = {
	    c1_mode_name(r->in->mode), r->run.strategy->name,     C1_VERSION,
	    opts->accounts_path,       r->sha[0] ? r->sha : NULL, r->options_json};
	if (c1_state_run_begin(r->run.state, &info, r->run.run_id) != 0) {
		c1_log_cli_error("%s", c1_error_last());
		return C1_EXIT_SOFTWARE;
	}
	r->run_begun = true;
	c1_log_set_run_id(r->run.run_id);
	c1_lock_set_run(r->lock, r->run.run_id);
	r->started_wall = c1_clock_system()->wall_ms(NULL);
	return C1_EXIT_OK;
}

/* The rate limiter: the default ceilings, then the --rate ones over them. */
static void s_rate_limiter_new(struct c1_ratelimit **out, const struct c1_options *opts)
{
	struct c1_ratelimit_options rlo = C1_RATELIMIT_OPTIONS_INIT;
	c1_ratelimit_new(out, &rlo);
	for (size_t i = 0; i < sizeof(s_default_rates) / sizeof(s_default_rates[0]); i++) {
		const struct s_default_rate *d = &s_default_rates[i];
		c1_ratelimit_set_service_rate(*out, d->service, d->ceiling, d->ceiling);
		if (d->start < d->ceiling)
			c1_ratelimit_set_service_start(*out, d->service, d->start);
	}
	for (size_t i = 0; i < opts->rate_count; i++)
		c1_ratelimit_set_service_rate(*out, opts->rates[i].service, opts->rates[i].per_second, 0);
}

/* The pieces every job shares: transport, rate limiter, retry policies, stack
 * polling and outage pacing, the AWS credentials cache and the scheduler.
 * Returns 0, or the exit code to end with (70). */
static int s_build_shared(struct s_runner *r)
{
	const struct c1_options *opts = r->opts;
	struct c1_run_shared *run = &r->run;
	struct c1_http_curl_options copts = C1_HTTP_CURL_OPTIONS_INIT;
	copts.ca_bundle = opts->ca_bundle;
	copts.timeout_ms = opts->http_timeout_s * 1000;
	if (c1_http_curl_new(&r->transport, &copts) != 0) {
		c1_log_cli_error("%s", c1_error_last());
		return C1_EXIT_SOFTWARE;
	}
	/* Gated calls of tasks park their task on the I/O loop (engine/run/io_park). */
	c1_io_transport_new(&r->parked, r->transport);
	run->transport = r->parked;
	s_rate_limiter_new(&run->rl, opts);
	c1_retry_policy_init(&run->retry_aws, C1_RETRY_STANDARD_2026);
	run->retry_aws.max_attempts = 5;
	run->retry_aws.hint = C1_RETRY_HINT_CLAMPED;
	c1_retry_policy_init(&run->retry_trend, C1_RETRY_STANDARD_2026);
	run->retry_trend.max_attempts = 5;
	/* CloudFormation: poll no faster than every 5-30 s (SDK waiters poll every 5 or 30 s). */
	run->poll_min_ms = s_env_ms("C1ONBOARD_POLL_MIN_MS", 5000);
	run->poll_max_ms = s_env_ms("C1ONBOARD_POLL_MAX_MS", 30000);
	run->outage_retries = 4;
	run->outage_delay_ms = s_env_ms("C1ONBOARD_OUTAGE_DELAY_MS", 5000);
	c1_aws_cache_new(&run->aws, r->in->aws, r->parked);
	c1_aws_cache_set_refresh_margin(run->aws, s_env_ms("C1ONBOARD_CREDENTIALS_MARGIN_MS", 0));

	struct c1_scheduler_options so = C1_SCHEDULER_OPTIONS_INIT;
	so.max_in_flight = opts->concurrency > 0 ? (size_t)opts->concurrency : C1_DEFAULT_CONCURRENCY;
	/* Remote calls park their task, not a worker (engine/run/io_park), so the
	 * workers only do CPU work (signing, parsing, the state store) and the
	 * rare synchronous call (a credentials refresh): a few suffice. 1,000
	 * accounts at -j 500, 100 ms per request: 14.5 s on 4 threads, 13.8 s on 16. */
	int64_t threads = so.max_in_flight < 2 ? 2 : so.max_in_flight > 8 ? 8 : (int64_t)so.max_in_flight;
	so.threads = (unsigned)s_env_ms("C1ONBOARD_THREADS", threads);
	if (c1_scheduler_new(&run->sched, &so) != 0) {
		c1_log_cli_error("%s", c1_error_last());
		return C1_EXIT_SOFTWARE;
	}
	r->sched_ok = true;
	r->max_in_flight = so.max_in_flight;
	return C1_EXIT_OK;
}

/* The selected valid rows (--only, --shard) whose secrets resolve, each with
 * its tenant (one per Cloud One API key); jobs are made as slots free
 * (s_feed_more). */
static void s_select_rows(struct s_runner *r)
{
	const struct c1_account_list *list = r->in->list;
	struct s_feed *feed = &r->feed;
	feed->slots = c1_calloc(list->count + 1, sizeof(*feed->slots));
	r->tenants = c1_calloc(list->count + 1, sizeof(*r->tenants));
	for (size_t i = 0; i < list->count; i++) {
		const struct c1_account_row *row = list->rows[i];
		if (!row->valid || !c1_options_selects(r->opts, row->account_id))
			continue;
		if (r->opts->retry_failed && !c1_results_status_retried(row->values[list->status_column]))
			continue;
		const struct c1_secret *key = NULL, *token = NULL;
		if (c1_secret_store_get(r->in->secrets, &key, row->cloudone_api_key_ref,
					"cloudone_api_key") != 0 ||
		    c1_secret_store_get(r->in->secrets, &token, row->visionone_token_ref,
					"visionone_token") != 0)
			continue;
		struct c1_tenant *t = NULL;
		for (size_t k = 0; k < r->ntenants && !t; k++)
			if (c1_secret_equals(r->tenants[k]->api_key, key))
				t = r->tenants[k];
		if (!t) {
			t = c1_tenant_new(&r->run, key, token);
			r->tenants[r->ntenants++] = t;
		}
		feed->slots[feed->n++] = (struct s_row_slot){row, (int)(i + 1), t};
	}
	feed->run = &r->run;
	feed->changes_only = r->opts->changes_only;
}

/* ---- orphans: onboarded by an earlier run, no longer in the spreadsheet ---- */

struct s_orphan {
	char *account_id, *region, *run_id;
};

/* Does a row of the spreadsheet (valid or not) name this account in this region (or in any, when it has
 * none)? */
static bool s_in_spreadsheet(const struct c1_account_list *list, const char *account_id, const char *region)
{
	for (size_t i = 0; i < list->count; i++) {
		const struct c1_account_row *row = list->rows[i];
		if (strcmp(row->account_id, account_id) == 0 &&
		    (!row->region[0] || strcmp(row->region, region) == 0))
			return true;
	}
	return false;
}

static void s_orphan_check(void *payload, const char *account_id, const char *region, const char *run_id)
{
	struct s_runner *r = payload;
	if (s_in_spreadsheet(r->in->list, account_id, region))
		return;
	if (r->norphans == r->orphans_cap) {
		r->orphans_cap = r->orphans_cap ? 2 * r->orphans_cap : 16;
		r->orphans = c1_realloc(r->orphans, r->orphans_cap * sizeof(*r->orphans));
	}
	r->orphans[r->norphans++] =
	    (struct s_orphan){c1_strdup(account_id), c1_strdup(region), c1_strdup(run_id)};
}

/* Orphans are reported, never removed: removing needs the row (profile, stack name) back. */
static void s_find_orphans(struct s_runner *r)
{
	if (r->in->mode == C1_MODE_OFFBOARD)
		return;
	if (c1_state_ledger_accounts(r->run.state, s_orphan_check, r) != 0)
		C1_WARN("run", "orphaned accounts not checked: %s", c1_error_last());
}

static int s_put_orphans(struct s_runner *r)
{
	for (size_t k = 0; k < r->norphans; k++) {
		const struct s_orphan *o = &r->orphans[k];
		struct c1_report_account a;
		memset(&a, 0, sizeof(a));
		a.account_id = c1_strdup(o->account_id);
		a.region = c1_strdup(o->region);
		a.status = C1_ACCOUNT_ORPHANED;
		a.reason = c1_asprintf(
		    "onboarded (last by run %s) but no longer in the spreadsheet; its integration is "
		    "left in place: to remove it, put its row back and run offboard --only %s",
		    o->run_id[0] ? o->run_id : "?", o->account_id);
		c1_advise_account(&a, c1_mode_name(r->in->mode));
		int rc = c1_report_spool_put(r->feed.spool, r->feed.n + k, &a, NULL);
		c1_report_account_dispose(&a);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* The report spool and head, the job-ended hook and the failure budget
 * (--max-failures) over the selected rows. Returns 0, or the exit code to
 * end with (70). */
static int s_prepare_feed(struct s_runner *r)
{
	const struct c1_options *opts = r->opts;
	size_t njobs = r->feed.n;
	if (s_spool_new(&r->feed.spool, opts->state_dir, njobs + r->norphans) != 0 || s_put_orphans(r) != 0) {
		c1_log_cli_error("report: %s", c1_error_last());
		return C1_EXIT_SOFTWARE;
	}
	r->report = c1_report_new();
	if (c1_previous_load(&r->feed.prev, r->run.state, r->run.run_id) == 0)
		r->feed.since.known = true;
	else
		C1_WARN("run", "the report will not say what changed since the previous run: %s",
			c1_error_last());
	r->run.feed = &r->feed;
	r->run.job_ended = s_job_ended;
	if (opts->max_failures < 0)
		r->run.max_failures = -1;
	else if (opts->max_failures_percent)
		r->run.max_failures = (long)((double)opts->max_failures * (double)njobs / 100.0);
	else
		r->run.max_failures = opts->max_failures;
	return C1_EXIT_OK;
}

/* SIGINT/SIGTERM only set a flag: s_admit_jobs stops admission at its next look. */
static void s_signals_catch(struct s_runner *r)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = s_on_signal;
	sigemptyset(&sa.sa_mask);
	s_signalled = 0;
	sigaction(SIGINT, &sa, &r->sa_old_int);
	sigaction(SIGTERM, &sa, &r->sa_old_term);
	r->signals_set = true;
}

static void s_signals_restore(struct s_runner *r)
{
	if (!r->signals_set)
		return;
	sigaction(SIGINT, &r->sa_old_int, NULL);
	sigaction(SIGTERM, &r->sa_old_term, NULL);
	r->signals_set = false;
}

/* Starts the tenants and the first -j jobs, then waits for every job while
 * flushing the state store, drawing progress and, on a signal, cancelling. */
static void s_admit_jobs(struct s_runner *r)
{
	struct c1_run_shared *run = &r->run;
	size_t njobs = r->feed.n;
	for (size_t k = 0; k < r->ntenants; k++)
		c1_tenant_start(r->tenants[k]);
	s_feed_more(&r->feed, r->max_in_flight < njobs ? r->max_in_flight : njobs);

	struct c1_progress prog;
	const struct c1_clock *clk = c1_clock_system();
	c1_progress_init(&prog, !r->opts->no_progress && r->opts->verbosity >= 0 && c1_log_on_terminal(),
			 njobs, clk->monotonic_ms(NULL));
	while (c1_scheduler_wait_timeout(run->sched, 200) == C1_ETIMEOUT) {
		c1_job_state_written(run, c1_state_flush(run->state));
		if (s_signalled && !r->cancelled) {
			C1_WARN("run", "signal %d: stopping; accounts in flight stop at a safe point",
				(int)s_signalled);
			c1_scheduler_cancel(run->sched);
			r->cancelled = true;
		}
		struct c1_scheduler_stats st;
		c1_scheduler_stats(run->sched, &st);
		c1_progress_update(&prog, (size_t)atomic_load(&run->finished),
				   (size_t)atomic_load(&run->failures), st.in_flight,
				   clk->monotonic_ms(NULL));
	}
	c1_progress_finish(&prog);
	if (s_signalled)
		r->cancelled = true;
}

/* A plan prints each account's lines on stdout, in row order. */
static void s_print_plan(struct s_runner *r)
{
	struct c1_buf plan = C1_BUF_INIT;
	for (size_t i = 0; i < r->feed.n; i++) {
		c1_buf_clear(&plan);
		if (c1_report_spool_read_note(r->feed.spool, i, &plan) == 0)
			fputs(c1_buf_cstr(&plan), stdout);
	}
	c1_buf_dispose(&plan);
}

/* "Plan: 3 to create, 1 to update, 20 unchanged (steps); 2 of 5 accounts would change." */
static void s_print_plan_totals(struct s_runner *r)
{
	const size_t *n = r->feed.plan_steps;
	printf(
	    "Plan: %zu to create, %zu to update, %zu to adopt, %zu to change by hand, %zu unchanged (steps); "
	    "%zu of %zu account%s would change\n",
	    n[C1_PLAN_CREATE], n[C1_PLAN_UPDATE], n[C1_PLAN_ADOPT], n[C1_PLAN_MANUAL], n[C1_PLAN_UNCHANGED],
	    r->feed.plan_accounts_changing, r->feed.n, r->feed.n == 1 ? "" : "s");
}

/* The report's head: the run, its tenants and the summary; the accounts'
 * entries were spooled as their jobs ended. */
static void s_collect_report(struct s_runner *r)
{
	struct c1_report *report = r->report;
	char ts[32];
	report->run.id = c1_strdup(r->run.run_id);
	report->run.command = c1_strdup(c1_mode_name(r->in->mode));
	report->run.strategy = c1_strdup(r->run.strategy->name);
	report->run.status = r->cancelled ? C1_RUN_INTERRUPTED : C1_RUN_FINISHED;
	c1_report_format_time(ts, r->started_wall);
	report->run.started_at = c1_strdup(ts);
	c1_report_format_time(ts, c1_clock_system()->wall_ms(NULL));
	report->run.finished_at = c1_strdup(ts);
	report->run.tool_version = c1_strdup(C1_VERSION);
	report->run.input_path = c1_strdup(r->opts->accounts_path);
	report->run.input_sha256 = r->sha[0] ? c1_strdup(r->sha) : NULL;
	report->run.options_json = c1_strdup(r->options_json);
	for (size_t k = 0; k < r->ntenants; k++)
		c1_tenant_report(r->tenants[k], c1_report_add_tenant(report));
	if (r->in->mode == C1_MODE_PLAN && !r->opts->log_json) {
		s_print_plan(r);
		s_print_plan_totals(r);
	}
	c1_report_spool_summary(r->feed.spool, report->summary, &report->total);
}

/* The summary as the state store's run row keeps it: {"<status>": n, ..., "total": n}. */
static char *s_summary_json(const struct c1_report *report)
{
	json_t *sj = json_object();
	for (int s = 0; s < C1_ACCOUNT_STATUS_COUNT; s++)
		json_object_set_new(sj, c1_account_status_name((enum c1_account_status)s),
				    json_integer((json_int_t)report->summary[s]));
	json_object_set_new(sj, "total", json_integer((json_int_t)report->total));
	char *d = json_dumps(sj, JSON_COMPACT);
	char *summary = c1_strdup(d);
	free(d);
	json_decref(sj);
	return summary;
}

/* Closes the run's row in the state store with its status and summary. */
static void s_finish_state_run(struct s_runner *r)
{
	char *summary = s_summary_json(r->report);
	c1_job_state_written(
	    &r->run, c1_state_run_finish(r->run.state, r->run.run_id, r->report->run.status, summary));
	r->run_begun = false;
	long state_failures = atomic_load(&r->run.state_write_failures);
	if (state_failures > 0)
		C1_WARN(
		    "state",
		    "%ld state-store writes failed in this run (the first is logged above); the report is "
		    "complete, and the next run re-checks with look-ups what the store could not record",
		    state_failures);
	free(summary);
}

/* ---- the run's result on stdout ----
 * The only thing a run writes on stdout (besides a plan's lines): the counts,
 * one line per account a person must look at, and where the report is; with
 * -q too, so a cron mail says what went wrong and nothing else. Logs stay on
 * stderr. */

/* A reason on one line and short enough for a mail; report.json has it whole. */
static void s_put_reason(FILE *out, const char *reason)
{
	enum { REASON_MAX = 300 };
	size_t n = strlen(reason), cut = n;
	if (n > REASON_MAX) {
		cut = REASON_MAX;
		while (cut > 0 && ((unsigned char)reason[cut] & 0xC0) == 0x80)
			cut--; /* not inside a UTF-8 sequence */
	}
	for (size_t i = 0; i < cut; i++) {
		unsigned char c = (unsigned char)reason[i];
		fputc(c < 0x20 || c == 0x7f ? ' ' : (int)c, out);
	}
	if (cut < n)
		fputs("...", out);
}

static const char *s_status_color(enum c1_account_status st)
{
	switch (st) {
	case C1_ACCOUNT_FAILED:
	case C1_ACCOUNT_ROLLED_BACK:
	case C1_ACCOUNT_INVALID:
	case C1_ACCOUNT_INTERRUPTED: return "\033[31m";
	default: return "\033[33m";
	}
}

/* Each spooled account a person must look at, in row order (orphans last), to `each`. */
static int s_each_attention(struct s_runner *r, void (*each)(void *payload, json_t *acct), void *payload)
{
	struct c1_buf text = C1_BUF_INIT;
	int rc = 0;
	for (size_t i = 0; i < r->feed.n + r->norphans && rc == 0; i++) {
		c1_buf_clear(&text);
		rc = c1_report_spool_read(r->feed.spool, i, &text);
		if (rc == C1_ENOTFOUND) {
			rc = 0;
			continue;
		}
		if (rc != 0)
			break;
		json_t *doc = json_loadb(c1_buf_cstr(&text), text.len, 0, NULL);
		enum c1_account_status st;
		const char *name = json_string_value(json_object_get(doc, "status"));
		if (doc && name && c1_account_status_parse(&st, name) == 0 && !s_status_ok(r->in->mode, st))
			each(payload, doc);
		json_decref(doc);
	}
	c1_buf_dispose(&text);
	return rc;
}

struct s_text_summary {
	FILE *out;
	bool color;
};

static void s_text_account(void *payload, json_t *a)
{
	struct s_text_summary *ts = payload;
	const char *status = json_string_value(json_object_get(a, "status"));
	const char *region = json_string_value(json_object_get(a, "region"));
	const char *reason = json_string_value(json_object_get(a, "reason"));
	enum c1_account_status st;
	if (c1_account_status_parse(&st, status) != 0)
		st = C1_ACCOUNT_FAILED;
	fprintf(ts->out, "  %s %s ", json_string_value(json_object_get(a, "account_id")),
		region && *region ? region : "-");
	if (ts->color)
		fprintf(ts->out, "%s%s\033[0m", s_status_color(st), status);
	else
		fputs(status, ts->out);
	if (reason && *reason) {
		fputs(": ", ts->out);
		s_put_reason(ts->out, reason);
	}
	fputc('\n', ts->out);
}

static void s_json_account(void *payload, json_t *a)
{
	json_t *item = json_object();
	static const char *const keys[] = {"row", "account_id", "region", "status", "reason"};
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		json_t *v = json_object_get(a, keys[k]);
		json_object_set(item, keys[k], v ? v : json_null());
	}
	json_array_append_new(payload, item);
}

/*
 * text:  apply RUN: 24 accounts: 23 succeeded 1 rolled_back
 *          600892374487 us-east-1 rolled_back: c1_cloud_account failed: ...
 *        report: DIR/RUN/report.json
 * json:  {"run_id", "command", "exit_code", "total", "summary", "accounts", "report"} on one line
 */
#define C1_NOTIFY_TIMEOUT_MS 10000L

/* The run's counts as JSON: what the JSON result line and --notify share. */
static json_t *s_counts_doc(const struct s_runner *r, const char *report_path, int exit_code)
{
	const struct c1_report *report = r->report;
	enum c1_run_mode mode = r->in->mode;
	json_t *doc = json_object(), *sum = json_object();
	json_object_set_new(doc, "run_id", json_string(r->run.run_id));
	json_object_set_new(doc, "command", json_string(c1_mode_name(mode)));
	json_object_set_new(doc, "exit_code", json_integer(exit_code));
	json_object_set_new(doc, "total", json_integer((json_int_t)report->total));
	for (int s = 0; s < C1_ACCOUNT_STATUS_COUNT; s++)
		json_object_set_new(sum, c1_account_status_name((enum c1_account_status)s),
				    json_integer((json_int_t)report->summary[s]));
	json_object_set_new(doc, "summary", sum);
	if (mode == C1_MODE_PLAN) {
		const size_t *n = r->feed.plan_steps;
		json_t *plan = json_object();
		json_object_set_new(plan, "create", json_integer((json_int_t)n[C1_PLAN_CREATE]));
		json_object_set_new(plan, "update", json_integer((json_int_t)n[C1_PLAN_UPDATE]));
		json_object_set_new(plan, "adopt", json_integer((json_int_t)n[C1_PLAN_ADOPT]));
		json_object_set_new(plan, "manual", json_integer((json_int_t)n[C1_PLAN_MANUAL]));
		json_object_set_new(plan, "unchanged", json_integer((json_int_t)n[C1_PLAN_UNCHANGED]));
		json_object_set_new(plan, "accounts_changing",
				    json_integer((json_int_t)r->feed.plan_accounts_changing));
		json_object_set_new(doc, "plan", plan);
	}
	json_object_set_new(doc, "report", report_path ? json_string(report_path) : json_null());
	return doc;
}

/* --notify URL: a short JSON summary (counts and the report's path, never an account's reason
 * or a secret) for the chat webhooks MSPs use; `text` makes it a message as Slack, Mattermost
 * and Google Chat incoming webhooks read them. A failure is a warning: the run's outcome
 * stands. */
static void s_notify(struct s_runner *r, const char *report_path, int exit_code)
{
	const char *url = r->opts->notify_url;
	if (!url || !r->transport)
		return;
	json_t *doc = s_counts_doc(r, report_path, exit_code);
	struct c1_buf text = C1_BUF_INIT;
	c1_buf_printf(&text, "c1onboard %s %s: %zu account%s:", c1_mode_name(r->in->mode), r->run.run_id,
		      r->report->total, r->report->total == 1 ? "" : "s");
	for (int s = 0; s < C1_ACCOUNT_STATUS_COUNT; s++)
		if (r->report->summary[s])
			c1_buf_printf(&text, " %zu %s", r->report->summary[s],
				      c1_account_status_name((enum c1_account_status)s));
	c1_buf_printf(&text, " (exit %d); report: %s", exit_code, report_path ? report_path : "not written");
	json_object_set_new(doc, "text", json_string(c1_buf_cstr(&text)));
	char host[256];
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		json_object_set_new(doc, "host", json_string(host));
	}
	json_object_set_new(doc, "tool", json_string("c1onboard " C1_VERSION));
	char *body = json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(doc);
	c1_buf_dispose(&text);
	struct c1_http_request req = C1_HTTP_REQUEST_INIT;
	struct c1_http_response resp = C1_HTTP_RESPONSE_INIT;
	req.method = "POST";
	req.url = url;
	req.body = body;
	req.body_len = body ? strlen(body) : 0;
	req.timeout_ms = C1_NOTIFY_TIMEOUT_MS;
	c1_headers_set(&req.headers, "Content-Type", "application/json");
	resp.body.max = 64 * 1024;
	int rc = c1_http_send(r->transport, &req, &resp);
	if (rc != 0)
		C1_WARN("notify", "--notify: the summary could not be sent: %s", c1_error_last());
	else if (resp.status < 200 || resp.status > 299)
		C1_WARN("notify", "--notify: the receiver answered HTTP %ld; the summary was not taken",
			resp.status);
	else
		C1_INFO("notify", "--notify: summary sent (HTTP %ld)", resp.status);
	c1_http_request_dispose(&req);
	c1_http_response_dispose(&resp);
	free(body);
}

static void s_print_summary(struct s_runner *r, const char *reports_dir, bool written, int exit_code)
{
	const struct c1_report *report = r->report;
	enum c1_run_mode mode = r->in->mode;
	char *path = written ? c1_asprintf("%s/%s/report.json", reports_dir, r->run.run_id) : NULL;
	s_notify(r, path, exit_code);
	if (r->opts->log_json) {
		json_t *doc = s_counts_doc(r, path, exit_code), *accts = json_array();
		bool listed = s_each_attention(r, s_json_account, accts) == 0;
		json_object_set_new(doc, "accounts", listed ? accts : json_null());
		if (!listed)
			json_decref(accts);
		char *line = json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII);
		if (line)
			printf("%s\n", line);
		free(line);
		json_decref(doc);
	} else {
		printf("%s %s: %zu account%s:", c1_mode_name(mode), r->run.run_id, report->total,
		       report->total == 1 ? "" : "s");
		for (int s = 0; s < C1_ACCOUNT_STATUS_COUNT; s++)
			if (report->summary[s])
				printf(" %zu %s", report->summary[s],
				       c1_account_status_name((enum c1_account_status)s));
		if (mode == C1_MODE_PLAN && report->summary[C1_ACCOUNT_NOT_STARTED])
			printf(" (not_started: apply would onboard)");
		if (mode == C1_MODE_PLAN && report->summary[C1_ACCOUNT_DRIFTED])
			printf(" (drifted: apply would repair all but steps planned manual)");
		putchar('\n');
		struct s_text_summary ts = {stdout, c1_log_color_ok(stdout)};
		fflush(stdout);
		if (s_each_attention(r, s_text_account, &ts) != 0)
			printf("  (the accounts cannot be listed: %s)\n", c1_error_last());
		if (path)
			printf("report: %s\n", path);
		else
			printf("report: not written (exit %d; the log says why)\n", exit_code);
	}
	fflush(stdout);
	free(path);
}

/* Writes report.json (+ latest) and returns the run's exit code: 70 when
 * the report cannot be written, 1 when a signal stopped the run, else what
 * the summary says (c1_runner_exit_code). */
/* results.csv beside report.json: the selected rows in input order with their outcomes. */
static int s_write_results(struct s_runner *r, const char *reports_dir)
{
	const struct c1_account_row **rows = c1_calloc(r->feed.n + 1, sizeof(*rows));
	for (size_t i = 0; i < r->feed.n; i++)
		rows[i] = r->feed.slots[i].row;
	int rc = c1_results_csv_write(reports_dir, r->run.run_id, r->in->list, rows, r->feed.n, r->feed.spool,
				      r->run.state);
	free(rows);
	return rc;
}

/* --keep-runs: old report folders and state rows go once this run's report is
 * safe; a failure to prune is a warning, never the run's outcome. */
static void s_prune(struct s_runner *r, const char *reports_dir)
{
	size_t runs = 0, folders = 0;
	if (c1_state_prune_runs(r->run.state, (size_t)r->opts->keep_runs, &runs) != 0)
		C1_WARN("run", "--keep-runs: the state store kept its old runs: %s", c1_error_last());
	if (c1_report_dir_prune(reports_dir, (size_t)r->opts->keep_runs, &folders) != 0)
		C1_WARN("run", "--keep-runs: %s", c1_error_last());
	if (runs || folders)
		C1_INFO("run", "--keep-runs %ld: forgot %zu old run(s), removed %zu report folder(s)",
			r->opts->keep_runs, runs, folders);
}

static const char *s_reports_dir(const struct s_runner *r)
{
	return r->opts->reports_dir;
}

static int s_write_report(struct s_runner *r)
{
	const char *reports_dir = s_reports_dir(r);
	/* The exit code goes into the report: it follows from the counts, known before the file. */
	size_t summary[C1_ACCOUNT_STATUS_COUNT], total = 0;
	c1_report_spool_summary(r->feed.spool, summary, &total);
	int exit_code = c1_runner_exit_code(r->in->mode, summary, r->opts->fail_on_drift);
	if (r->cancelled)
		exit_code = C1_EXIT_FAILED;
	/* terraform's -detailed-exitcode: 2 = apply would change something */
	if (r->in->mode == C1_MODE_PLAN && r->opts->detailed_exitcode && exit_code == C1_EXIT_OK &&
	    r->feed.plan_accounts_changing > 0)
		exit_code = C1_EXIT_DRIFT;
	r->report->run.has_exit_code = true;
	r->report->run.exit_code = exit_code;
	char host[256];
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		c1_report_set_str(&r->report->run.host, host);
	}
	const struct passwd *pw = getpwuid(geteuid());
	if (pw && pw->pw_name)
		c1_report_set_str(&r->report->run.user, pw->pw_name);
	/* every job has ended: the comparison is complete */
	c1_report_since_dispose(&r->report->since);
	r->report->since = r->feed.since;
	memset(&r->feed.since, 0, sizeof(r->feed.since));
	/* A full disk or a read-only folder loses no outcome (they are in the state store); say how
	 * to get the report once the folder is fixed. */
	if (c1_report_spool_write_json(r->feed.spool, r->report, reports_dir) != 0) {
		c1_log_cli_error("report: %s; every account's outcome is in the state store: make room in %s "
				 "and run `c1onboard report --run %s` (same --state-dir)",
				 c1_error_last(), reports_dir, r->run.run_id);
		return C1_EXIT_SOFTWARE;
	}
	if (c1_report_spool_write_html(r->feed.spool, r->report, reports_dir) != 0) {
		c1_log_cli_error(
		    "report.html: %s; every account's outcome is in the state store: make room in "
		    "%s and run `c1onboard report --run %s` (same --state-dir)",
		    c1_error_last(), reports_dir, r->run.run_id);
		return C1_EXIT_SOFTWARE;
	}
	if (s_write_results(r, reports_dir) != 0) {
		c1_log_cli_error("results.csv: %s", c1_error_last());
		return C1_EXIT_SOFTWARE;
	}
	if (r->opts->keep_runs > 0)
		s_prune(r, reports_dir);
	r->report_written = true;
	return exit_code;
}

static void s_runner_dispose(struct s_runner *r)
{
	s_signals_restore(r);
	if (r->run_begun && r->run.state)
		c1_job_state_written(&r->run,
				     c1_state_run_finish(r->run.state, r->run.run_id, C1_RUN_CRASHED, NULL));
	/* Requests still out (an early exit) end before the tasks they would wake go away. */
	if (r->transport)
		c1_http_curl_quiesce(r->transport);
	if (r->sched_ok)
		c1_scheduler_free(r->run.sched);
	c1_report_spool_free(r->feed.spool);
	c1_previous_dispose(&r->feed.prev);
	c1_report_since_dispose(&r->feed.since);
	for (size_t k = 0; k < r->norphans; k++) {
		free(r->orphans[k].account_id);
		free(r->orphans[k].region);
		free(r->orphans[k].run_id);
	}
	free(r->orphans);
	free(r->feed.slots);
	pthread_mutex_destroy(&r->feed.lock);
	for (size_t k = 0; k < r->ntenants; k++)
		c1_tenant_free(r->tenants[k]);
	free(r->tenants);
	c1_report_free(r->report);
	c1_aws_cache_free(r->run.aws);
	c1_ratelimit_free(r->run.rl);
	if (r->parked)
		r->parked->destroy(r->parked);
	if (r->transport)
		r->transport->destroy(r->transport);
	c1_state_close(r->run.state);
	c1_lock_release(r->lock);
	c1_retry_quota_dispose(&r->run.quota);
	pthread_mutex_destroy(&r->run.out_lock);
	free(r->options_json);
}

int c1_runner_run(const struct c1_runner_input *in)
{
	if (in->opts->retry_failed && in->list->status_column < 0) {
		c1_log_cli_error("--retry-failed needs a results.csv of an earlier run (a file with a "
				 "status column), not %s",
				 in->list->path ? in->list->path : "this spreadsheet");
		return C1_EXIT_USAGE;
	}
	if (in->opts->notify_url && c1_url_check_transport_allowed(in->opts->notify_url) != 0) {
		c1_log_cli_error("--notify: %s", c1_error_last());
		return C1_EXIT_CONFIG;
	}
	/* SPEC 2: an unwritable reports folder is a configuration error found before any change. */
	if (c1_report_dir_check_writable(in->opts->reports_dir) != 0) {
		c1_log_cli_error("%s", c1_error_last());
		return C1_EXIT_CONFIG;
	}
	struct s_runner r;
	s_runner_init(&r, in);
	int exit_code = s_open_state_and_lock(&r);
	if (exit_code != C1_EXIT_OK)
		goto cleanup;
	exit_code = s_build_shared(&r);
	if (exit_code != C1_EXIT_OK)
		goto cleanup;
	s_select_rows(&r);
	s_find_orphans(&r);
	exit_code = s_prepare_feed(&r);
	if (exit_code != C1_EXIT_OK)
		goto cleanup;
	s_signals_catch(&r);
	s_admit_jobs(&r);
	s_collect_report(&r);
	s_finish_state_run(&r);
	exit_code = s_write_report(&r);
	s_print_summary(&r, s_reports_dir(&r), r.report_written, exit_code);

cleanup:
	s_runner_dispose(&r);
	return exit_code;
}
