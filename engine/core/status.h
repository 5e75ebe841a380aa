/* The status vocabulary of a run (SPEC 5): account, step and run statuses,
 * drift planes and Vision One link states, with the names report.json and
 * the state store use for them. Shared by the engine and the reports. */
#ifndef C1_CORE_STATUS_H
#define C1_CORE_STATUS_H

#include <stdbool.h>

/* SPEC 5 account statuses, in report order. RUNNING exists only in the state
 * store (an account in flight); it is never rendered. */
enum c1_account_status {
	C1_ACCOUNT_SUCCEEDED = 0,
	C1_ACCOUNT_UNCHANGED,
	C1_ACCOUNT_REPAIRED,
	C1_ACCOUNT_DRIFTED,
	C1_ACCOUNT_ROLLED_BACK,
	C1_ACCOUNT_FAILED,
	C1_ACCOUNT_INVALID,
	C1_ACCOUNT_INTERRUPTED, /* in flight when a signal stopped the run; the next run resumes it */
	C1_ACCOUNT_NOT_STARTED,
	C1_ACCOUNT_ORPHANED, /* onboarded by an earlier run, no longer in the spreadsheet; left in place */
	C1_ACCOUNT_STATUS_COUNT,                     /* number of reportable statuses */
	C1_ACCOUNT_RUNNING = C1_ACCOUNT_STATUS_COUNT /* state store only */
};

enum c1_step_status {
	C1_STEP_PENDING = 0,
	C1_STEP_RUNNING,
	C1_STEP_DONE,
	C1_STEP_FAILED,
	C1_STEP_UNDONE,
	C1_STEP_UNDO_FAILED,
	C1_STEP_SKIPPED,
	C1_STEP_STATUS_COUNT
};

enum c1_run_status {
	C1_RUN_RUNNING = 0,
	C1_RUN_FINISHED,
	C1_RUN_INTERRUPTED,
	C1_RUN_CRASHED,
	C1_RUN_STATUS_COUNT
};

enum c1_drift_plane {
	C1_DRIFT_AWS = 0,
	C1_DRIFT_CLOUDONE,
	C1_DRIFT_VISIONONE,
	C1_DRIFT_CONFIG,
	C1_DRIFT_PLANE_COUNT
};

/* The Vision One link of a Cloud One tenant. */
enum c1_visionone_status {
	C1_V1_UNKNOWN = 0,    /* not checked (plan before the tenant step, crashed run) */
	C1_V1_LINKED,         /* linked by this run */
	C1_V1_ALREADY_LINKED, /* found linked, nothing done */
	C1_V1_NOT_LINKED,     /* found unlinked and left so (drift, plan) */
	C1_V1_FAILED,         /* the link step failed; see error */
	C1_V1_SKIPPED,        /* not attempted (tenant step before it failed) */
	C1_V1_STATUS_COUNT
};

/** Names as they appear in report.json and the state store ("rolled_back", "undo_failed", ...). */
const char *c1_account_status_name(enum c1_account_status s); /* RUNNING gives "running" */
const char *c1_step_status_name(enum c1_step_status s);
const char *c1_run_status_name(enum c1_run_status s);
const char *c1_drift_plane_name(enum c1_drift_plane p);
const char *c1_visionone_status_name(enum c1_visionone_status s);
/** Did a run end with this account onboarded (succeeded, unchanged, repaired or drifted)? */
bool c1_account_status_onboarded(enum c1_account_status s);
/** Parse a name back; C1_EINVALID for anything else. RUNNING is accepted for accounts. */
int c1_account_status_parse(enum c1_account_status *out, const char *name);
int c1_step_status_parse(enum c1_step_status *out, const char *name);
int c1_run_status_parse(enum c1_run_status *out, const char *name);
int c1_drift_plane_parse(enum c1_drift_plane *out, const char *name);
int c1_visionone_status_parse(enum c1_visionone_status *out, const char *name);

#endif
