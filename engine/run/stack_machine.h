/* One CloudFormation stack of an account driven one remote call per task
 * run: look at it, create or update it and poll it to a settled status (with
 * the events that explain a failure), delete it and poll it gone, continue a
 * failed update rollback. The ledger's intent and outcome of each create and
 * delete are written here. Both strategies drive their stacks with it; what
 * to do with what it observed is theirs. */
#ifndef C1_RUN_STACK_MACHINE_H
#define C1_RUN_STACK_MACHINE_H

#include "engine/aws/cloudformation.h"
#include "engine/run/account_job.h"

#include <stdbool.h>
#include <stdint.h>

enum c1_stack_phase {
	C1_STACK_PHASE_LOOK = 0,
	C1_STACK_PHASE_CREATE,
	C1_STACK_PHASE_UPDATE,
	C1_STACK_PHASE_POLL,   /* after create or update, until settled */
	C1_STACK_PHASE_EVENTS, /* it ended failed: fetch the reasons */
	C1_STACK_PHASE_DELETE,
	C1_STACK_PHASE_DELETE_POLL,
	C1_STACK_PHASE_CONTINUE_ROLLBACK,
	C1_STACK_PHASE_DETECT_DRIFT,    /* DetectStackDrift on a settled stack */
	C1_STACK_PHASE_DRIFT_POLL,      /* until the detection is complete */
	C1_STACK_PHASE_RESOURCE_DRIFTS, /* the drifted resources, page by page */
};

/* What one task run of the machine came to. */
enum c1_stack_event {
	C1_STACK_PENDING = 0, /* not there yet: return m->task_rc from the task */
	C1_STACK_OBSERVED,    /* LOOK done: m->found, m->cur */
	C1_STACK_SETTLED,     /* the create or update completed: m->cur has the outputs */
	C1_STACK_DELETED,     /* gone (or never there); the ledger says so */
	C1_STACK_FAILED,      /* m->failure and m->err say why */
	C1_STACK_DRIFT_KNOWN, /* detection done: m->drifts holds the MODIFIED and DELETED resources */
};

enum c1_stack_failure {
	C1_STACK_CALL_FAILED = 0, /* a call failed for good: m->err, m->failed_call */
	C1_STACK_REFUSED,         /* the state store refused the ledger intent: the call was not sent */
	C1_STACK_VANISHED,        /* the stack disappeared while being created or updated */
	C1_STACK_ENDED_FAILED,    /* it ended failed: err.code is the status, err.message the reasons */
	C1_STACK_NOT_DELETED,     /* the delete ended in a status other than DELETE_COMPLETE */
};

struct c1_stack_machine {
	enum c1_stack_phase phase;
	char name[64];
	enum c1_step_id poll_step; /* whose learned poll wait it uses */
	struct c1_cfn_stack cur;   /* the last look */
	bool found;                /* cur is a stack that is not DELETE_COMPLETE */
	bool updating;             /* the operation in POLL/EVENTS is an update */
	bool created;              /* this machine's CreateStack went through (the ledger has it) */
	bool maybe_created;        /* a CreateStack try failed in a way that may have gone through */
	bool wrote;                /* a write call went through */
	bool no_updates;           /* UpdateStack found nothing to change: in sync */
	char *stack_id;            /* from CreateStack */
	int64_t op_started_ms;     /* failure events older than this belong to earlier operations */
	enum c1_stack_failure failure;
	const char *failed_call; /* "DescribeStacks", "CreateStack", ... */
	struct c1_api_error err;
	int task_rc; /* C1_STACK_PENDING: the task result */
	/* resource drift (DetectStackDrift) */
	bool drift_checked; /* a detection completed: drifts is the answer */
	char *detection_id;
	char *drift_cursor;
	struct c1_cfn_resource_drift_page drifts; /* only resources that differ */
};

void c1_stack_machine_init(struct c1_stack_machine *m, const char *name, enum c1_step_id poll_step);
void c1_stack_machine_dispose(struct c1_stack_machine *m);
/** Take an observation made elsewhere (preflight's look) as the machine's look; `st` is moved. */
void c1_stack_machine_seed(struct c1_stack_machine *m, struct c1_cfn_stack *st, bool found);
/** Go to `phase` at the next step. */
void c1_stack_machine_goto(struct c1_stack_machine *m, enum c1_stack_phase phase);

/**
 * One task run: at most one remote call. `in` describes the stack for
 * CREATE and UPDATE (its name is m->name) and may be NULL otherwise.
 */
enum c1_stack_event c1_stack_machine_step(struct c1_stack_machine *m, struct c1_account_job *job,
					  struct c1_task_ctx *ctx, const struct c1_cfn_stack_input *in);

/** Is the stack tagged c1onboard:account=`account_id` (made by c1onboard for this account)? */
bool c1_stack_is_ours(const struct c1_cfn_stack *st, const char *account_id);

/** The tags every stack of the account carries (ours, the run's, the row's); returns how many (<= cap). */
size_t c1_stack_tags(const struct c1_account_job *job, struct c1_cfn_tag *tags, size_t cap);
#define C1_STACK_MAX_TAGS (C1_ACCOUNT_MAX_TAGS + 2)

#endif
