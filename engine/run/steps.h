/* The one step table of SPEC 4 (name, scope, what undoes it) and the pure
 * decisions the step machines take: stack-state recovery, rollback order,
 * plan wording and the final account status. No I/O here. */
#ifndef C1_RUN_STEPS_H
#define C1_RUN_STEPS_H

#include "engine/core/status.h"

#include <stdbool.h>
#include <stddef.h>

enum c1_step_id {
	C1_STEP_PREFLIGHT = 0,
	C1_STEP_CLOUDONE_ACCOUNT,
	C1_STEP_VISIONONE_LINK,
	C1_STEP_NEW_TRAIL,
	C1_STEP_WS_ROLE,
	C1_STEP_WS_CONNECTOR,
	C1_STEP_C1_ROLE,
	C1_STEP_C1_CLOUD_ACCOUNT,
	C1_STEP_CLOUDTRAIL_TOKEN,
	C1_STEP_CLOUDTRAIL_STACK,
	C1_STEP_COUNT
};

enum c1_step_scope { C1_SCOPE_ACCOUNT = 0, C1_SCOPE_TENANT };

/* What undoes a step. */
enum c1_undo_kind {
	C1_UNDO_NONE = 0,
	C1_UNDO_DELETE_STACK,
	C1_UNDO_DELETE_CONNECTOR,
	C1_UNDO_DELETE_CLOUD_ACCOUNT
};

struct c1_step_def {
	enum c1_step_id id;
	const char *name;         /* report name: "ws_role" */
	enum c1_step_scope scope; /* tenant steps run once per Cloud One API key */
	enum c1_undo_kind undo;   /* rollback and offboard */
	const char *stack_suffix; /* "-WS" for stack steps, NULL otherwise */
	const char *output;       /* the stack output later steps read ("RoleArn"), NULL when none */
	/* found in place and not made by an unfinished run, it shows the account
	 * was onboarded before (then apply `repaired` it): a stack alone is what a
	 * failed run or another actor leaves behind */
	bool proves_onboarded;
};

/** Row `id` of the table (SPEC 4 order); NULL past the end. Static. */
const struct c1_step_def *c1_step_def(enum c1_step_id id);
/** Row by name; NULL when unknown. */
const struct c1_step_def *c1_step_find(const char *name);
/** Whether the step applies to an account (new_trail only with create_new_trail). */
bool c1_step_applies(enum c1_step_id id, bool create_new_trail);

/**
 * Rollback order: the undoable steps among `done` (indexed by step id), in
 * reverse step order, into `out` (room for C1_STEP_COUNT). Returns how many.
 */
size_t c1_steps_rollback_order(const bool done[C1_STEP_COUNT], enum c1_step_id out[C1_STEP_COUNT]);

/** What to do with a stack found in a given CloudFormation status before creating or updating it. */
enum c1_stack_action {
	C1_STACK_CREATE = 0,        /* absent: create it */
	C1_STACK_CHECK,             /* settled and usable: compare parameters (unchanged or update) */
	C1_STACK_WAIT,              /* *_IN_PROGRESS (maybe another actor): poll again */
	C1_STACK_DELETE_AND_CREATE, /* ROLLBACK_COMPLETE, DELETE_FAILED...: delete, then create */
	C1_STACK_CONTINUE_ROLLBACK, /* UPDATE_ROLLBACK_FAILED: ContinueUpdateRollback, then check */
	C1_STACK_FAIL               /* unknown or stuck (IMPORT_ROLLBACK_FAILED...): report it */
};

/** The recovery decision for a stack status (NULL: absent). */
enum c1_stack_action c1_stack_action_for_status(const char *status);
const char *c1_stack_action_name(enum c1_stack_action a);

/** One line of a plan. */
enum c1_plan_action {
	C1_PLAN_CREATE = 0,
	C1_PLAN_ADOPT,
	C1_PLAN_UPDATE,
	C1_PLAN_UNCHANGED,
	C1_PLAN_INVALID,
	C1_PLAN_SKIP,  /* the step does not apply (new_trail without create_new_trail) */
	C1_PLAN_MANUAL /* differs, and apply cannot change it: the plan note says what to do by hand */
};
const char *c1_plan_action_name(enum c1_plan_action a);

/** What an account's steps did, for the final status. */
struct c1_account_outcome {
	bool invalid;        /* preflight said no (nothing changed) */
	bool failed;         /* a step failed for good */
	bool rollback_clean; /* after a failure: every undo worked */
	bool wrote;          /* at least one write call succeeded */
	bool was_onboarded;  /* the account had been onboarded by an earlier finished run */
	bool drift_found;    /* a verify found a difference (drift), or apply met one it cannot fix */
	bool drift_command;  /* the run is `drift` (or `plan`): nothing is changed */
	bool not_started;
	bool interrupted; /* started, then stopped by a signal before it finished */
	/* plan: what apply would do (the strongest step action), and whether any
	 * part of the integration exists already (then pending changes are drift) */
	bool plan_command;
	enum c1_plan_action plan;
	bool found_existing;
};

/**
 * SPEC 5 status from an outcome. A plan reads `unchanged` when apply would
 * change nothing, `drifted` when it would repair an integration that exists
 * in part, and `not_started` when it would onboard the account from scratch.
 */
enum c1_account_status c1_account_status_from_outcome(const struct c1_account_outcome *o);

#endif
