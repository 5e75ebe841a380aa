/* The state store: STATE_DIR/state.db (SQLite, WAL) with runs, accounts,
 * steps, tenants and the resource ledger that makes a killed run resumable.
 * It never stores a secret: no function here takes one. */
#ifndef C1_RUN_STATE_H
#define C1_RUN_STATE_H

#include "engine/core/clock.h"
#include "engine/core/error.h"
#include "engine/core/status.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define C1_STATE_SCHEMA_VERSION 2
#define C1_STATE_RUN_ID_SIZE    32 /* "20261127T013000Z-3f9a" + NUL, with room */

/*
 * Durability: WAL with synchronous=NORMAL. A transaction whose call returned
 * is in the WAL file (written before the commit returns), so it survives the
 * process being killed at any instant (SIGKILL included); only an OS crash or
 * power loss can drop the last commits, and then the ledger's remote lookup
 * (adopt what exists) covers the gap. FULL would fsync every commit, which
 * costs seconds across thousands of accounts for no gain against process death.
 *
 * Grouping: step, account and tenant rows and ledger outcomes join one
 * transaction that commits within 250 ms (at the next write after that, at
 * c1_state_flush, at a ledger intent or run write, or at close). Ledger
 * intents (written before a remote create or delete) and run rows commit
 * before returning, so the crash-safety above holds for them; a process
 * killed mid-run may lose the last 250 ms of bookkeeping and outcomes, never
 * an intent: a lost outcome leaves its intent, which the next run resolves
 * by looking the resource up.
 *
 * Threads: one connection per store, guarded by a mutex, so every function
 * may be called from any worker thread. Do not use a store across fork():
 * open a new one in the child.
 */
struct c1_state;
struct c1_report; /* engine/core/report_model.h: what c1_state_load_report rebuilds */

/** Commit grouped step/account/tenant rows now (the runner calls it while it waits). */
C1_MUST_CHECK int c1_state_flush(struct c1_state *st);

/**
 * Open (creating) `state_dir` (mode 0700) and `state_dir`/state.db (0600),
 * set WAL, synchronous=NORMAL, busy timeout 10 s, foreign_keys=ON, and
 * migrate the schema to C1_STATE_SCHEMA_VERSION. Runs left `running` whose
 * process is gone (nobody holds state_dir/lock, or we hold it and the run is
 * not the one the lock names) are marked `crashed`. `*out` is owned by the
 * caller (c1_state_close). Returns 0; C1_ECONFIG when the dir cannot be
 * created or the db is newer than this tool; C1_ERROR for SQLite errors
 * (corrupt or unwritable file), the message naming state.db.
 */
int c1_state_open(struct c1_state **out, const char *state_dir);
/** Close the connection and free. NULL is fine. */
void c1_state_close(struct c1_state *state);
/** Timestamps come from `clock`'s wall time (default c1_clock_system()); for tests. */
void c1_state_set_clock(struct c1_state *state, const struct c1_clock *clock);
/** Path of state.db; borrowed. */
const char *c1_state_db_path(const struct c1_state *state);
/** PRAGMA integrity_check: 0 when "ok", C1_ERROR with the first problem otherwise. */
int c1_state_integrity_check(struct c1_state *state);

/* ---- runs ---- */

/** What a run is, recorded when it begins. Strings are copied; NULL is stored as NULL. */
struct c1_state_run_info {
	const char *command;      /* "apply", "plan", ... (required) */
	const char *strategy;     /* "direct" | "template" */
	const char *tool_version; /* C1_VERSION */
	const char *input_path;
	const char *input_sha256;
	const char *options_json; /* JSON object of effective options; never a secret */
};

/**
 * Insert a new run with status `running` and a fresh id
 * (<UTC yyyymmddThhmmssZ>-<4 hex>, unique in the store) into `out_id`.
 * Returns 0, C1_EINVALID (no command, options_json not an object) or C1_ERROR.
 */
C1_MUST_CHECK int c1_state_run_begin(struct c1_state *state, const struct c1_state_run_info *info,
				     char out_id[C1_STATE_RUN_ID_SIZE]);
/**
 * Set the run's final status (FINISHED, INTERRUPTED, CRASHED), finished_at,
 * and summary_json (NULL keeps the old one). C1_ENOTFOUND for an unknown run.
 */
C1_MUST_CHECK int c1_state_run_finish(struct c1_state *state, const char *run_id, enum c1_run_status status,
				      const char *summary_json);
/** Id of the newest run (of `command`, or any when NULL). C1_ENOTFOUND when none. */
int c1_state_run_latest(struct c1_state *state, const char *command, char out_id[C1_STATE_RUN_ID_SIZE]);
/** Status of a run. C1_ENOTFOUND for an unknown run. */
int c1_state_run_status(struct c1_state *state, const char *run_id, enum c1_run_status *out);

/* ---- accounts and steps (per run) ---- */

/** One input row in one run. NULL strings and 0 times mean "keep what is stored". */
struct c1_state_account {
	int row;  /* input row number; (run, row) is the key */
	int line; /* CSV line, 0 = keep */
	const char *account_id;
	const char *region;
	const char *name;
	enum c1_account_status status; /* includes C1_ACCOUNT_RUNNING */
	int64_t started_at_ms;         /* Unix ms */
	int64_t finished_at_ms;
	int64_t duration_ms; /* < 0 = keep */
	const char *reason;
	const char *resources_json; /* report.json shapes: c1_report_account_parts_to_json */
	const char *drift_json;
	const char *rollback_json;
};

/** Insert or update the account row (run_id, row). account_id is required on insert. */
C1_MUST_CHECK int c1_state_account_upsert(struct c1_state *state, const char *run_id,
					  const struct c1_state_account *account);

/**
 * A step attempt begins: status running, attempts + 1, started_at set on the
 * first attempt. The step row is keyed by (run, account_id, region, step);
 * tenant steps are recorded under each account that waits on them.
 */
C1_MUST_CHECK int c1_state_step_start(struct c1_state *state, const char *run_id, const char *account_id,
				      const char *region, const char *step);

/** The outcome of a step, or of its undo. NULL strings store NULL. */
struct c1_state_step_outcome {
	enum c1_step_status status; /* DONE, FAILED, UNDONE, UNDO_FAILED, SKIPPED, PENDING */
	const char *error_code;
	const char *error_message; /* sanitized (c1_api_error); never a secret */
	long http_status;          /* 0 = none */
	const char *request_id;
	const char *resource_kind; /* "stack", "ws_connector", ... */
	const char *resource_id;   /* NULL keeps a stored id */
};

/** Record an outcome (inserts the step with 0 attempts if it never started: skipped/pending). */
C1_MUST_CHECK int c1_state_step_finish(struct c1_state *state, const char *run_id, const char *account_id,
				       const char *region, const char *step,
				       const struct c1_state_step_outcome *outcome);

/** A Cloud One tenant in a run, keyed by (run, api_key_id). NULL strings keep stored values. */
struct c1_state_tenant {
	const char *api_key_id; /* the part of the key before ':' (an identifier, not the secret) */
	const char *c1_account_id;
	const char *c1_region;
	enum c1_visionone_status visionone;
	const char *ws_external_id; /* Workload Security external id (not a secret) */
	const char *error;
};

C1_MUST_CHECK int c1_state_tenant_upsert(struct c1_state *state, const char *run_id,
					 const struct c1_state_tenant *tenant);

/* ---- resource ledger (independent of runs) ---- */

enum c1_resource_kind {
	C1_RESOURCE_STACK = 0,
	C1_RESOURCE_WS_CONNECTOR,
	C1_RESOURCE_CLOUD_ACCOUNT,
	C1_RESOURCE_VISIONONE_LINK,
	C1_RESOURCE_CLOUDTRAIL_TOKEN,
	C1_RESOURCE_KIND_COUNT
};

enum c1_resource_state {
	C1_RESOURCE_INTENT = 0,    /* about to be created; outcome unknown if the run died */
	C1_RESOURCE_CREATED,       /* created by us */
	C1_RESOURCE_DELETE_INTENT, /* about to be deleted */
	C1_RESOURCE_DELETED,
	C1_RESOURCE_ADOPTED, /* found existing and taken over */
	C1_RESOURCE_STATE_COUNT
};

const char *c1_resource_kind_name(enum c1_resource_kind kind);
const char *c1_resource_state_name(enum c1_resource_state state);

/** Ledger key: name is the stack name, or the AWS account id for the Cloud One kinds. */
struct c1_resource_key {
	const char *account_id;
	const char *region;
	enum c1_resource_kind kind;
	const char *name;
};

/** A ledger row, owned by the caller (c1_resource_dispose). */
struct c1_resource {
	char *account_id;
	char *region;
	enum c1_resource_kind kind;
	char *name;
	char *physical_id; /* stack ARN, connector id, ...; NULL until known */
	enum c1_resource_state state;
	char *created_by_run;
	char *updated_by_run;
	char *updated_at; /* ISO-8601 UTC */
	char *detail_json;
};

struct c1_resource_list {
	struct c1_resource *items;
	size_t len;
};

/*
 * Transitions. Each writes one row (insert or update) in its own
 * transaction before/after the remote call; a NULL physical_id or
 * detail_json keeps the stored value. No transition is refused: the engine
 * owns the life cycle (e.g. intent again after deleted).
 */
/** Before a create call. Sets created_by_run when the row is new or was deleted. */
C1_MUST_CHECK int c1_state_resource_intent(struct c1_state *state, const struct c1_resource_key *key,
					   const char *run_id, const char *detail_json);
/** After a create call succeeded. Sets created_by_run. */
C1_MUST_CHECK int c1_state_resource_created(struct c1_state *state, const struct c1_resource_key *key,
					    const char *run_id, const char *physical_id,
					    const char *detail_json);
/** Found existing (before creating, or resolving an intent left by a killed run). */
C1_MUST_CHECK int c1_state_resource_adopted(struct c1_state *state, const struct c1_resource_key *key,
					    const char *run_id, const char *physical_id,
					    const char *detail_json);
/** Before a delete call. */
C1_MUST_CHECK int c1_state_resource_delete_intent(struct c1_state *state, const struct c1_resource_key *key,
						  const char *run_id);
/** After a delete call succeeded (or the resource was found gone). */
C1_MUST_CHECK int c1_state_resource_deleted(struct c1_state *state, const struct c1_resource_key *key,
					    const char *run_id);

/**
 * A resource the engine found in place (its look-up saw it): record it and
 * say whether it is ours to undo, in one step under the store's lock.
 * `*ours` is true when the ledger says this run created it, or an earlier
 * run that never finished (an intent left by a killed run, now resolved to
 * created). Otherwise it is recorded as adopted. 0 or a state-store error;
 * when only the write failed, `*ours` is still the ledger's verdict.
 */
C1_MUST_CHECK int c1_state_resource_found(struct c1_state *state, const struct c1_resource_key *key,
					  const char *run_id, const char *physical_id, bool *ours);

/** One row. C1_ENOTFOUND when the key has no row. */
int c1_state_resource_get(struct c1_state *state, const struct c1_resource_key *key, struct c1_resource *out);
/** Every row of an account (region NULL = all regions), ordered by kind then name. */
int c1_state_resource_list_for_account(struct c1_state *state, const char *account_id, const char *region,
				       struct c1_resource_list *out);
/** Rows left in intent or delete_intent (a run died between intent and outcome). */
int c1_state_resource_list_pending(struct c1_state *state, struct c1_resource_list *out);
void c1_resource_dispose(struct c1_resource *resource);
void c1_resource_list_dispose(struct c1_resource_list *list);

/* ---- reading a run back ---- */

/**
 * Load run `run_id` as a report model (`*out`, caller frees with
 * c1_report_free): run info, tenants, accounts by row with their steps in
 * the order they started, rollback/drift/resources, and a recomputed
 * summary. Accounts still `running` (the run died) load as failed with a
 * reason saying so. C1_ENOTFOUND for an unknown run; C1_EINVALID when
 * stored JSON is damaged.
 */
int c1_state_load_report(struct c1_state *state, const char *run_id, struct c1_report **out);

/**
 * Keep the newest `keep` runs (at least 1) and forget older ones: their run,
 * account, step and tenant rows go; the resource ledger stays whole, since
 * it is what later runs undo and adopt from. `*pruned` gets how many runs
 * went. Running runs are never pruned. 0 or a store error.
 */
C1_MUST_CHECK int c1_state_prune_runs(struct c1_state *state, size_t keep, size_t *pruned);

/**
 * Every (account, region) the resource ledger holds live resources of
 * (created or adopted), with the newest run that touched them:
 * fn(payload, account_id, region, run_id). 0 or a store error.
 */
int c1_state_ledger_accounts(struct c1_state *state,
			     void (*fn)(void *payload, const char *account_id, const char *region,
					const char *run_id),
			     void *payload);

/** The id of the newest run that is not running into `out`; C1_ENOTFOUND when the store has none. */
int c1_state_latest_run(struct c1_state *state, char out[C1_STATE_RUN_ID_SIZE]);

/**
 * Each account's status in the most recent run before `run_id` that had it
 * (what "changed since the previous run" compares with): `fn` is called once
 * per (account, region) with the status name. One query, whatever the
 * number of runs kept. 0 or a store error.
 */
int c1_state_previous_statuses(struct c1_state *state, const char *run_id,
			       void (*fn)(void *payload, const char *account_id, const char *region,
					  const char *status),
			       void *payload);

#endif
