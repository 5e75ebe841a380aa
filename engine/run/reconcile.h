/* A step's reconcile, the part without I/O: what the run's mode does with a
 * change (its policy: the one place a mode is read), and the diff of what a
 * step observed against what the row wants, as one change. Plan prints the
 * change, drift reports it, apply acts on it, offboard wants every resource
 * absent: one list, rendered by mode. */
#ifndef C1_RUN_RECONCILE_H
#define C1_RUN_RECONCILE_H

#include "engine/aws/cloudformation.h"
#include "engine/run/steps.h"

#include <stdbool.h>
#include <stddef.h>

enum c1_run_mode { C1_MODE_APPLY = 0, C1_MODE_PLAN, C1_MODE_OFFBOARD, C1_MODE_DRIFT };

/* What a mode does with the resources of an account. */
struct c1_mode_policy {
	bool acts;                   /* changes are made (apply, offboard) */
	bool records_plan;           /* changes are the plan (plan) */
	bool reports_drift;          /* changes are drift (drift) */
	bool toward_absent;          /* every resource is wanted absent (offboard) */
	bool rolls_back;             /* a failed account's resources are undone (apply) */
	bool checks_bucket;          /* the row's trail bucket (and a new trail) must be there */
	bool deploys_stacks;         /* stacks are looked at before the steps (not offboard) */
	bool detects_resource_drift; /* settled stacks get DetectStackDrift (drift) */
};

/** The command that runs `mode`: "apply", "plan", "offboard", "drift". */
const char *c1_mode_name(enum c1_run_mode mode);

/** The policy of `mode` (static storage). */
const struct c1_mode_policy *c1_mode_policy(enum c1_run_mode mode);

/* One more drift entry of a change, beside its own (c1_diff_trail). The
 * resource is a copy: it may be composed ("<stack>/Trail"). */
struct c1_change_entry {
	char resource[200];
	const char *drift, *want, *have;
};

#define C1_CHANGE_MAX_ENTRIES 3

/*
 * One change a step would make. A drift run reports it as
 * {plane, resource, drift, want, have}; a plan shows {action, note}.
 * Strings are borrowed from the observed and desired records, except note.
 */
struct c1_change {
	enum c1_plan_action action; /* CREATE, UPDATE, UNCHANGED or MANUAL */
	enum c1_drift_plane plane;
	const char *resource;
	const char *drift; /* "stack_missing", "role_changed"...; NULL: none to report */
	const char *want, *have;
	char note[512];
	char want_text[300]; /* storage for `want` when the diff composes it ("Key=value") */
	/* resources of the stack changed outside CloudFormation (c1_diff_stack_resources) */
	const struct c1_cfn_resource_drift *resource_drifts;
	size_t resource_drift_count;
	/* the trail and bucket the stack's row depends on, found missing or stopped (plane aws) */
	struct c1_change_entry entries[C1_CHANGE_MAX_ENTRIES];
	size_t entry_count;
};

/* A stack as the row wants it. Parameters whose value is NULL are not known yet. */
struct c1_stack_desired {
	const char *name;
	const struct c1_cfn_parameter *params;
	size_t param_count;
	/* a NoEcho value (the CloudTrail service token) was fetched anew: the
	 * stack must get it, although the stack cannot show it */
	bool secret_renewed;
	/* how to compare the stack's echoed parameters; NULL: c1_stack_params_match */
	bool (*match)(const struct c1_cfn_stack *st, const struct c1_stack_desired *want, char *diff,
		      size_t diff_len);
};

/**
 * The stack `have` (NULL when absent) against `want`. `no_updates`:
 * CloudFormation said an update would change nothing (then it is in sync).
 * Absent: create. Unusable status: update (the recovery CloudFormation
 * allows), or manual when none does. Settled: update when an echoed
 * parameter differs.
 */
void c1_diff_stack(const struct c1_cfn_stack *have, const struct c1_stack_desired *want, bool no_updates,
		   struct c1_change *out);

/**
 * What fixes a change found by a drift run, for its report entry: "apply
 * ..." when apply makes it right, or the note's manual action. Static or
 * the change's own storage.
 */
const char *c1_change_fix(const struct c1_change *ch);

/** What fixes a resource changed outside CloudFormation (always by hand). Static. */
const char *c1_resource_drift_fix(const struct c1_cfn_resource_drift *r);

/**
 * Add the resources DetectStackDrift found changed (MODIFIED, DELETED) to a
 * stack's change. Apply cannot put them back (an update with the same
 * template changes nothing), so a stack otherwise unchanged becomes manual.
 */
void c1_diff_stack_resources(const struct c1_cfn_resource_drift_page *drifts, struct c1_change *io);

/**
 * The drift entry of one changed resource: kind "resource_modified" or
 * "resource_deleted"; expected and actual as "Path=value; ..." from its
 * property differences (cut to fit), or its properties when it has none.
 */
void c1_resource_drift_entry(const struct c1_cfn_resource_drift *r, const char **kind, char *expected,
			     size_t expected_len, char *actual, size_t actual_len);

/** First echoed parameter of `st` that differs from `want` ("Key=have"); true when all match. */
bool c1_stack_params_match(const struct c1_cfn_stack *st, const struct c1_cfn_parameter *want, size_t n,
			   char *diff, size_t diff_len);

/**
 * The Workload Security connector of AWS account `account_id`: `found`, using
 * role `have_role`; the ws_role stack gives `want_role` (NULL: not known).
 * A role that differs is an update (Workload Security switches it in place).
 */
void c1_diff_connector(const char *account_id, bool found, const char *have_role, const char *want_role,
		       struct c1_change *out);

/**
 * The Cloud One cloud account of `account_id`, as c1_diff_connector, and
 * `role_gone`: IAM said its role no longer exists (NoSuchEntity). A gone
 * role is an update: apply registers the account again (the note spells out
 * what that loses). A role that differs and exists is manual: Cloud One
 * documents no call that changes it, and registering again would lose the
 * record's settings for no reason apply can see.
 */
void c1_diff_cloud_account(const char *account_id, bool found, const char *have_role, const char *want_role,
			   bool role_gone, struct c1_change *out);

/* What a look found: there, not there (the service said so), or not known. */
enum c1_seen { C1_SEEN_UNKNOWN = 0, C1_SEEN_PRESENT, C1_SEEN_ABSENT };

/*
 * The CloudTrail trail and bucket an onboarded row's forwarder reads. A
 * new-trail row's are its -Trail stack's (`trail_stack`); otherwise the row
 * names the bucket and the trail is not c1onboard's to look at.
 */
struct c1_trail_observed {
	const char *account_id, *region;
	const char *trail_stack; /* "<base>-Trail"; NULL: the row names an existing bucket */
	const char *ctrl_stack;  /* "<base>-CTrl", which forwards from the bucket */
	const char *bucket;      /* the stack's BucketName output or the row's bucket; NULL: not known */
	enum c1_seen bucket_seen;
	const char *trail; /* new trail: the stack's trail (its physical id); NULL: not known */
	enum c1_seen trail_seen;
	enum c1_seen logging; /* ABSENT: the trail exists and does not log */
};

/**
 * Add what is missing of the row's trail and bucket to its stack's change
 * `io`: one entry each (plane aws) for a bucket gone ("bucket_missing"), a
 * trail gone ("trail_missing") or not logging ("trail_not_logging"). What is
 * not known adds nothing. Any entry makes the change manual, whatever the
 * stack's own diff said: CloudFormation does not recreate a resource deleted
 * behind its back, and a forwarder pointed at a missing bucket forwards
 * nothing. The note names what is missing and the console action that fixes
 * it (stacks to delete, then apply; or the bucket to recreate or the row to
 * correct; or the trail to start).
 */
void c1_diff_trail(const struct c1_trail_observed *have, struct c1_change *io);

#endif
