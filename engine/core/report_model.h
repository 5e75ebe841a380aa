/* The report model: what one run produced, as plain structs. The engine
 * fills it; reports/ renders it (JSON, HTML, CSV). It holds no engine
 * internals and no secret; every string is a heap copy owned by the model. */
#ifndef C1_CORE_REPORT_MODEL_H
#define C1_CORE_REPORT_MODEL_H

#include "engine/core/status.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define C1_REPORT_SCHEMA_ID "c1onboard.report/v2"

/* Error of a step or an undo, from struct c1_api_error or the engine. */
struct c1_report_error {
	char *code;       /* "ValidationError", "HTTP500", "ETIMEOUT", ... */
	char *message;    /* sanitized, never a secret */
	long http_status; /* 0 when no HTTP response */
	char *request_id; /* NULL when none */
	bool retryable;   /* transient (throttling, 5xx, timeout): the same call may succeed later */
};

/* One failed try of a step's call that was tried again. */
struct c1_report_retry {
	char *at;   /* ISO-8601 UTC of the failed try */
	char *code; /* "Throttling", "HTTP503", "ETIMEOUT", ... */
	long http_status;
	char *request_id;
	double wait_s; /* how long the call waited before the next try */
	bool outage;   /* a slow retry after the SDK-style ones ran out */
};

/* A CloudFormation event that explains a stack failure. */
struct c1_report_event {
	char *at; /* ISO-8601 UTC or NULL */
	char *logical_id;
	char *resource_type;
	char *status;
	char *reason;
};

/* Retries kept per step; `attempts` still counts every try. */
#define C1_REPORT_MAX_RETRIES 16

struct c1_report_step {
	char *name; /* step table name: "preflight", "ws_role", ... */
	enum c1_step_status status;
	int attempts;      /* tries of its calls: 1 + retries (all of them, not only those kept) */
	char *started_at;  /* ISO-8601 UTC or NULL */
	char *finished_at; /* ISO-8601 UTC or NULL */
	bool has_error;
	struct c1_report_error error;
	char *plan;        /* plan runs: create, adopt, update, unchanged; NULL otherwise */
	char *plan_note;   /* plan runs: why (a changed parameter, a stack status); NULL when none */
	char *resource;    /* what the step made or found: stack name, connector id; NULL when none */
	char *resource_id; /* the stack's ARN; NULL when none */
	struct c1_report_retry *retries;
	size_t retries_len;
	struct c1_report_event *events; /* a failed stack's events */
	size_t events_len;
};

/* One undo performed while rolling an account back. */
struct c1_report_rollback {
	char *step;          /* the step undone */
	char *resource;      /* what it removed: stack name, connector id, ... */
	char *resource_type; /* "cloudformation_stack", "ws_connector", "cloud_account"; NULL unknown */
	char *at;            /* ISO-8601 UTC when the undo ended; NULL unknown */
	enum c1_step_status status; /* UNDONE, UNDO_FAILED (left behind) or SKIPPED */
	bool has_error;
	struct c1_report_error error;
};

struct c1_report_drift {
	enum c1_drift_plane plane;
	char *resource; /* "CloudOne-WS", "connector 123", ... */
	char *kind;     /* "stack_deleted", "parameter_changed", "missing", ... */
	char *expected; /* NULL when not applicable */
	char *actual;   /* NULL when not applicable (e.g. missing) */
	char *fix;      /* what fixes it: "apply ...", or the console action; NULL when none known */
	char *action;   /* repairs only: what apply did ("created", "updated", ...) */
};

/* May a rerun of the same input succeed? */
enum c1_rerun { C1_RERUN_UNKNOWN = 0, C1_RERUN_YES, C1_RERUN_NO };

struct c1_report_stack {
	char *name;
	char *id;     /* stack ARN; NULL when unknown */
	char *status; /* CloudFormation status, e.g. CREATE_COMPLETE */
};

struct c1_report_account {
	int row; /* input row number (1 = first data row) */
	char *account_id;
	char *name; /* NULL when the spreadsheet has none */
	char *region;
	enum c1_account_status status;
	double duration_s;
	char *reason; /* one line for the CSV/HTML; NULL when none */
	char *tenant; /* the Cloud One account id of its tenant (tenants[]); NULL when not resolved */
	/* what the row asked for: a JSON object {profile, bucket, create_new_trail, stack_name,
	 * tags}; NULL when not known (a report re-rendered from the state store) */
	char *inputs_json;
	char *plan; /* plan runs: what apply would do (create, adopt, update, unchanged); NULL otherwise */
	char *caller_arn; /* the AWS identity the row's profile signed in as; NULL when not known */
	char *hint;       /* what to do about a status that is not ok; NULL when nothing */
	enum c1_rerun rerun;

	struct c1_report_step *steps;
	size_t steps_len;
	struct c1_report_rollback *rollback;
	size_t rollback_len;
	struct c1_report_drift *drift;
	size_t drift_len;
	struct c1_report_drift *repairs; /* what apply repaired (drift entries with `action`) */
	size_t repairs_len;

	/* resources that exist after the run */
	struct c1_report_stack *stacks;
	size_t stacks_len;
	char *connector_id;     /* Workload Security AWS connector; NULL when none */
	char *cloud_account_id; /* Cloud One cloud account; NULL when none */
};

struct c1_report_tenant {
	char *c1_account_id; /* NULL when the API key could not be resolved */
	char *c1_region;
	enum c1_visionone_status visionone;
	char *error; /* NULL when none */
};

struct c1_report_run {
	char *id; /* e.g. 20261127T013000Z-3f9a; also the report directory name */
	char *command;
	char *strategy;
	enum c1_run_status status;
	char *started_at;  /* ISO-8601 UTC */
	char *finished_at; /* NULL while running */
	char *tool_version;
	char *input_path;
	char *input_sha256;
	char *options_json; /* a JSON object of the effective options (no secrets); NULL means {} */
	bool has_exit_code; /* the process exit code is known (a finished run's report) */
	int exit_code;
	char *host; /* the machine the run ran on; NULL when not known */
	char *user; /* the OS user who ran it; NULL when not known */
};

/* An account whose status differs from the one it had in its most recent earlier run. */
struct c1_report_change {
	char *account_id;
	char *region;
	char *before;
	char *now;
};

/* What changed since the previous run (a run's own report; merged and re-rendered ones have none). */
struct c1_report_since {
	bool known;
	size_t new_accounts; /* no earlier run had them */
	size_t same;         /* the same outcome as before (succeeded then unchanged counts as same) */
	struct c1_report_change *changed;
	size_t changed_len;
};

struct c1_report {
	struct c1_report_run run;
	struct c1_report_since since;
	size_t summary[C1_ACCOUNT_STATUS_COUNT]; /* see c1_report_compute_summary */
	size_t total;
	struct c1_report_tenant *tenants;
	size_t tenants_len;
	struct c1_report_account *accounts;
	size_t accounts_len;
};

/** A new, empty model (all NULL/0); free with c1_report_free. Never fails (OOM aborts). */
struct c1_report *c1_report_new(void);
/** Free the model and every string and array in it. NULL is fine. */
void c1_report_free(struct c1_report *report);

/*
 * Appenders: each returns a zeroed element inside the model's array, valid
 * until the next append to the same array. Assign heap strings (c1_strdup)
 * to its fields; the model frees them.
 */
struct c1_report_account *c1_report_add_account(struct c1_report *report);
struct c1_report_tenant *c1_report_add_tenant(struct c1_report *report);
struct c1_report_step *c1_report_account_add_step(struct c1_report_account *account);
struct c1_report_rollback *c1_report_account_add_rollback(struct c1_report_account *account);
struct c1_report_drift *c1_report_account_add_drift(struct c1_report_account *account);
struct c1_report_stack *c1_report_account_add_stack(struct c1_report_account *account);
struct c1_report_change *c1_report_since_add_change(struct c1_report_since *since);
/** Free what `since` owns and zero it. */
void c1_report_since_dispose(struct c1_report_since *since);
struct c1_report_drift *c1_report_account_add_repair(struct c1_report_account *account);
struct c1_report_retry *c1_report_step_add_retry(struct c1_report_step *step);
struct c1_report_event *c1_report_step_add_event(struct c1_report_step *step);

/* Free arrays of model elements and all they own (for records kept outside a model). NULL is fine. */
void c1_report_retries_free(struct c1_report_retry *items, size_t n);
void c1_report_events_free(struct c1_report_event *items, size_t n);
void c1_report_rollbacks_free(struct c1_report_rollback *items, size_t n);
void c1_report_drifts_free(struct c1_report_drift *items, size_t n);

/** Free what an account owns and zero it (for engines that keep one outside a model). NULL is fine. */
void c1_report_account_dispose(struct c1_report_account *account);
/** Replace `*field` with a copy of `value` (NULL clears it). */
void c1_report_set_str(char **field, const char *value);
/** Recount summary[] and total from the accounts. */
void c1_report_compute_summary(struct c1_report *report);

/** Format Unix ms as ISO-8601 UTC with milliseconds ("2026-11-27T01:30:00.123Z"); needs 25 bytes. */
void c1_report_format_time(char out[32], int64_t unix_ms);

#endif
