/* One account's onboarding as a scheduler task: the data every strategy
 * works on (row, tenant, AWS context, per-step records), the retry and
 * rate-limit gate around each single-attempt call, and turning the records
 * into the account's report entry and state rows. Also the run-wide data
 * jobs share and the strategy seam (a function table per strategy). */
#ifndef C1_RUN_ACCOUNT_JOB_H
#define C1_RUN_ACCOUNT_JOB_H

#include "engine/core/rand.h"
#include "engine/net/api_error.h"
#include "engine/net/ratelimit.h"
#include "engine/net/retry.h"
#include "engine/run/account_spec.h"
#include "engine/run/aws_context.h"
#include "engine/run/cloud_index.h"
#include "engine/run/reconcile.h"
#include "engine/run/scheduler.h"
#include "engine/run/state.h"
#include "engine/run/steps.h"
#include "engine/trend/cloudone.h"
#include "engine/trend/visionone.h"
#include "engine/core/report_model.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct c1_account_job;

/** A strategy: how one account is onboarded. The runner calls `run` as the job's task body. */
struct c1_strategy_ops {
	const char *name;
	/** One bounded piece of work; returns a c1_task_result. DONE when the account is finished. */
	int (*run)(struct c1_account_job *job, struct c1_task_ctx *ctx);
	/** Optional: add what only this strategy knows to the account's report entry. */
	void (*report)(struct c1_account_job *job, struct c1_report_account *out);
	/** The strategy links Vision One itself (the template's Lambdas do): tenants skip their link step. */
	bool links_visionone;
};

/** The tries of one remote call, across the task runs that retry it. */
struct c1_call_tries {
	int attempt;   /* tries sent, throttled ones included */
	int failures;  /* tries that failed other than by throttling: these use up max_attempts */
	int outage;    /* slow retries taken after the SDK-style ones ran out */
	int last_cost; /* retry-quota tokens of the last retry, refunded on success */
};
#define C1_CALL_TRIES_INIT ((struct c1_call_tries){0, 0, 0, 0})

/* Stack operations whose duration a run learns (c1_job_poll_begin). */
enum c1_poll_op { C1_POLL_CREATE = 0, C1_POLL_UPDATE, C1_POLL_DELETE, C1_POLL_OP_COUNT };

/** What every job of a run shares (read-only after start, except the atomics and locked parts). */
struct c1_run_shared {
	enum c1_run_mode mode;
	char run_id[C1_STATE_RUN_ID_SIZE];
	struct c1_state *state;
	struct c1_scheduler *sched;
	struct c1_ratelimit *rl;
	struct c1_retry_policy retry_aws, retry_trend;
	struct c1_retry_quota quota;
	struct c1_aws_cache *aws;
	struct c1_http_transport *transport;
	const struct c1_strategy_ops *strategy;
	/* Where strategy template's stack comes from (--template-url, --qs-bucket,
	 * --qs-prefix); NULL: the published template. Borrowed for the run. */
	const char *template_url, *qs_bucket, *qs_prefix;
	int64_t poll_min_ms, poll_max_ms; /* stack polling backoff */
	/* The shortest poll wait that found each kind of stack operation
	 * complete (c1_job_poll_begin's index); 0 = none yet. A stack of the
	 * same template takes about as long in every account, so later ones
	 * poll first when the fastest one was done, not every poll_min_ms. */
	_Atomic int64_t poll_learned_ms[C1_STEP_COUNT * C1_POLL_OP_COUNT];
	/* After a call's SDK-style retries (max_attempts, quota) are spent on a
	 * transient error, `outage_retries` more tries spaced outage_delay_ms,
	 * doubling: a service blip must not roll back an account mid-onboarding. */
	int outage_retries;
	int64_t outage_delay_ms;
	long max_failures; /* accounts allowed to fail; < 0 unlimited */
	atomic_long failures;
	atomic_long finished;
	atomic_long wrote_any;
	atomic_long state_write_failures; /* c1_job_state_written */
	pthread_mutex_t out_lock;         /* plan lines */
	FILE *plan_out;
	bool verbose;
	/* Called last when a job's task ends, however it ended (its outcome is
	 * final): the runner turns the job into its report entry, frees it and
	 * starts the next row, so only -j jobs exist at a time. May be NULL. */
	void (*job_ended)(struct c1_account_job *job);
	void *feed; /* the runner's */
};

/** One Cloud One tenant (API key) of the run. */
struct c1_tenant {
	struct c1_task task;
	struct c1_run_shared *run;
	char key_id[128];
	const struct c1_secret *api_key;
	const struct c1_secret *v1_token;
	struct c1_cloudone_client c1;
	struct c1_visionone_client v1;
	struct c1_sched_event *ready;
	char c1_account_id[16];
	char c1_region[32];
	const char *aws_region; /* mapped from c1_region */
	char *external_id;
	enum c1_visionone_status visionone;
	/* the link this run made: the connector it names and registration.status,
	 * until Vision One's list shows it connected (c1_visionone_link_seen) */
	char v1_connector_id[64];
	char v1_reg_status[48];
	int v1_checks;
	bool failed;
	enum c1_step_id failed_step;
	struct c1_api_error err; /* the failing call */
	char error[512];         /* one line for the accounts it fails */
	/* step machine */
	int phase;
	struct c1_call_tries call;
	char *rl_key;
	struct {
		enum c1_step_status status;
		int attempts;
		int64_t started_ms, finished_ms;
	} steps[2]; /* cloudone_account, visionone_link */
	/* The tenant's cloud accounts, listed once when an account first needs
	 * them (c1_tenant_cloud_index); filled by index_task, page by page. */
	struct c1_cloud_index *cloud_index;
	struct c1_task index_task;
	struct c1_sched_event *index_ready;
	atomic_int index_state; /* enum c1_tenant_index_state */
	struct c1_call_tries index_call;
	char *index_cursor;
	int index_pages;
	struct c1_api_error index_err; /* why the listing failed */
};

/** Per-step record of an account. */
struct c1_step_rec {
	enum c1_step_status status;
	int attempts;
	int64_t started_ms, finished_ms; /* Unix ms */
	bool has_error;
	struct c1_api_error err;
	char *resource; /* stack name, connector id, ... */
	char *physical; /* stack id */
	bool owned;     /* created by this run or an unfinished earlier one: rollback may undo it */
	bool existed;   /* found existing (adopted / in sync) */
	bool wrote;     /* a write call of this step succeeded */
	enum c1_plan_action plan;
	char *plan_note;
	int retries_total;               /* failed tries its calls took again */
	struct c1_report_retry *retries; /* the first C1_REPORT_MAX_RETRIES of them */
	size_t retries_len;
	struct c1_report_event *events; /* a failed stack's events */
	size_t events_len;
};

struct c1_account_job {
	struct c1_task task;
	struct c1_run_shared *run;
	const struct c1_account_spec *row; /* = &spec */
	struct c1_account_spec spec;
	int row_no;  /* 1-based input row */
	size_t slot; /* index among the run's selected rows (the report's order) */
	struct c1_tenant *tenant;
	char region[32];
	char base[16]; /* stack base name */
	struct c1_aws_context aws;
	bool aws_ready;
	bool refresh_warned; /* a failed credentials refresh is logged once */
	bool bucket_checked;
	bool bucket_gone; /* the bucket check found the row's bucket absent (S3 404) */
	int64_t started_ms, finished_ms;

	/* machine */
	int stage;                       /* strategy-defined */
	enum c1_step_id step;            /* current step */
	struct c1_call_tries call;       /* the current call */
	struct c1_call_tries write_call; /* a create that alternates with a look-up */
	struct c1_retry_quota quota;     /* this account's retry quota */
	int64_t poll_ms;
	int poll_kind;          /* poll_learned_ms index of the current wait; -1 when none */
	int64_t poll_waited_ms; /* sum of the current wait's poll delays */
	int64_t deadline_ms;
	int rollback_i; /* index into rollback order */
	size_t rollback_n;
	enum c1_step_id rollback_order[C1_STEP_COUNT];

	struct c1_step_rec steps[C1_STEP_COUNT];
	struct c1_account_outcome outcome;
	char reason[600];
	char *caller_arn; /* preflight's GetCallerIdentity */

	/* outputs of steps */
	char *ws_role_arn;
	char *c1_role_arn;
	char *trail_bucket;
	int64_t connector_id;
	char *cloud_account_id;
	struct c1_cloudone_cloudtrail_params ct;
	bool ct_have;
	struct c1_report_rollback *rb;
	size_t rb_len;
	struct c1_report_drift *drift;
	size_t drift_len;
	struct c1_report_drift *repairs; /* what apply changed on a resource that drifted */
	size_t repairs_len;
	void *strategy_data; /* for strategies other than direct */
};

/** What the run's mode does with an account's resources (c1_mode_policy). */
static inline const struct c1_mode_policy *c1_job_policy(const struct c1_account_job *job)
{
	return c1_mode_policy(job->run->mode);
}

/* ---- call gate (used by strategies and tenants) ---- */

enum c1_call_verdict { C1_CALL_OK = 0, C1_CALL_RETRY = 1, C1_CALL_FAIL = 2 };

/**
 * Before a remote call: take a token of `rl_key`. 0 to go ahead, or
 * C1_TASK_WAIT with ctx->wake_at_ms set to the slot.
 */
int c1_call_gate(struct c1_run_shared *run, struct c1_task_ctx *ctx, const char *rl_key);

/**
 * c1_call_gate for a call of this account, after making its AWS credentials
 * fresh (c1_aws_context_refresh): an account can outlive a role session.
 */
int c1_job_gate(struct c1_account_job *job, struct c1_task_ctx *ctx, const char *rl_key);

/* What a preflight check says: go on, wait (return C1_TASK_WAIT: a rate-limit
 * slot or a retry), or the account is invalid (`code` and `msg` say why). */
enum c1_check_verdict { C1_CHECK_OK = 0, C1_CHECK_WAIT, C1_CHECK_INVALID };

/**
 * Preflight of the row's credentials and identity, one call per task run:
 * the profile yields credentials and STS GetCallerIdentity names the row's
 * account_id. Sets job->aws_ready on success.
 */
enum c1_check_verdict c1_job_check_identity(struct c1_account_job *job, struct c1_task_ctx *ctx, char *code,
					    size_t code_len, char *msg, size_t msg_len);

/**
 * Preflight of the row's existing CloudTrail bucket, one call per task run:
 * it must exist and be in the account's region. Uses HeadBucket, which
 * reports the region (x-amz-bucket-region) even for a bucket of another
 * account (the usual log-archive org-trail bucket) that answers 403.
 */
enum c1_check_verdict c1_job_check_bucket(struct c1_account_job *job, struct c1_task_ctx *ctx, char *code,
					  size_t code_len, char *msg, size_t msg_len);
/**
 * The account-level preflight both strategies start with: the identity
 * check, then (for a row that uses an existing trail bucket, outside
 * offboard) the bucket check, one remote call per task run. OK once all
 * passed; WAIT (return C1_TASK_WAIT); INVALID with `code` and `msg`.
 */
enum c1_check_verdict c1_job_preflight_checks(struct c1_account_job *job, struct c1_task_ctx *ctx, char *code,
					      size_t code_len, char *msg, size_t msg_len);
/**
 * Record that preflight stopped the account: the preflight step failed with
 * `code`/`msg`, the reason line, outcome `invalid`. The strategy then finishes.
 */
void c1_job_invalid(struct c1_account_job *job, const char *code, const char *msg);

/**
 * After a call returned `rc` with `err`: OK (0, or rc in `ok_codes` such as
 * C1_ENOTFOUND passed as ok_alt), RETRY (ctx->wake_at_ms set; the caller
 * returns C1_TASK_WAIT), or FAIL (give up). Throttling slows `rl_key` and
 * never uses up attempts, only quota: it must slow an account, not fail it.
 * Once max_attempts or the quota are spent on a transient error, the run's
 * outage retries follow. `tries` is reset on OK and FAIL. `quota` is the
 * caller's retry quota: one per account (as the SDKs keep one per client and
 * the api-reference advises one client per account+region), so one account's
 * throttling cannot use up every other account's retries.
 */
enum c1_call_verdict c1_call_after(struct c1_run_shared *run, struct c1_task_ctx *ctx, const char *rl_key,
				   int rc, int ok_alt, const struct c1_api_error *err, bool aws,
				   struct c1_retry_quota *quota, struct c1_call_tries *tries);

/**
 * c1_call_after for a call of this account (its quota and `job->call`),
 * which also keeps each retry in the current step's record for the report.
 */
enum c1_call_verdict c1_job_call_after(struct c1_account_job *job, struct c1_task_ctx *ctx,
				       const char *rl_key, int rc, int ok_alt, const struct c1_api_error *err,
				       bool aws);

/* ---- job life cycle ---- */

/** A new job for `spec` (copied; its strings borrowed) under `tenant`. */
struct c1_account_job *c1_account_job_new(struct c1_run_shared *run, const struct c1_account_spec *spec,
					  int row_no, struct c1_tenant *tenant);
void c1_account_job_free(struct c1_account_job *job);

/** Mark the current step started (record + state row). */
void c1_job_step_start(struct c1_account_job *job, enum c1_step_id id);
/** Finish a step with `status`; `err` may be NULL; message overrides err->message when set. */
void c1_job_step_finish(struct c1_account_job *job, enum c1_step_id id, enum c1_step_status status,
			const struct c1_api_error *err, const char *message);
/** Did the run reach this step (started it, or decided about it)? */
bool c1_job_step_reached(const struct c1_step_rec *s);
/**
 * Plan run: set outcome.plan to the strongest action of the account's
 * reached steps (create > update > adopt > unchanged) and found_existing to
 * whether any step found its resource in place.
 */
void c1_job_plan_outcome(struct c1_account_job *job);
/** Set the account's reason line (first one wins unless `force`); job->reason may be an argument. */
void c1_job_reason(struct c1_account_job *job, bool force, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** Append a rollback entry to the report. */
void c1_job_add_rollback(struct c1_account_job *job, const char *step, const char *resource,
			 enum c1_step_status status, const struct c1_api_error *err);
/** Append a drift entry; `fix` says what repairs it (NULL: none known). Returns it. */
struct c1_report_drift *c1_job_add_drift(struct c1_account_job *job, enum c1_drift_plane plane,
					 const char *resource, const char *kind, const char *expected,
					 const char *actual, const char *fix);
/** Record that apply acts on a drifted resource (`action`: "created", "updated", ...). */
void c1_job_add_repair(struct c1_account_job *job, enum c1_drift_plane plane, const char *resource,
		       const char *kind, const char *expected, const char *actual, const char *action);

/**
 * Fill `out` (a zeroed report account) from the job's records and write the
 * account row to the state store. `status` is final.
 */
void c1_account_job_report(struct c1_account_job *job, struct c1_report_account *out);

/** The next stack poll delay: poll_min_ms, doubling up to poll_max_ms (job->poll_ms = 0 restarts). */
int64_t c1_job_next_poll(struct c1_account_job *job);

/**
 * The first poll delay after starting `op` on the stack of step `step`: the
 * shortest wait that found the same operation complete earlier in the run
 * (at least poll_min_ms), then c1_job_next_poll's schedule from poll_min_ms.
 */
int64_t c1_job_poll_begin(struct c1_account_job *job, enum c1_step_id step, enum c1_poll_op op);
/** The operation begun by c1_job_poll_begin is complete: teach the run its wait. */
void c1_job_poll_complete(struct c1_account_job *job);

/** Unix ms now. */
int64_t c1_job_now_wall(void);

/**
 * The ledger's intent before a create (`deleting` false) or delete call, at
 * the call's gate: durable before the call is sent. The run that repeats a
 * parked call to take its answer finds it written and skips it. 0, or the
 * store's error: the call must then not be made (the armed request is
 * disarmed); c1_error_last() says why.
 */
int c1_job_intent(struct c1_account_job *job, struct c1_task_ctx *ctx, const struct c1_resource_key *key,
		  bool deleting);

/**
 * The result of a state-store write whose failure must not stop the account
 * (a step row, an outcome after its remote call: the ledger's intent is
 * still there and the next run resolves it with a look-up). Counts it and
 * logs the first one of the run with the store's message. Returns `rc`.
 * Intents are not for this: without one the remote call must not be made.
 */
int c1_job_state_written(struct c1_run_shared *run, int rc);

#endif
