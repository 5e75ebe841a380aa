/* The step table and the pure decisions of the step machines. */
#include "engine/run/steps.h"

#include <string.h>

static const struct c1_step_def s_steps[C1_STEP_COUNT] = {
    {C1_STEP_PREFLIGHT, "preflight", C1_SCOPE_ACCOUNT, C1_UNDO_NONE, NULL, NULL, false},
    {C1_STEP_CLOUDONE_ACCOUNT, "cloudone_account", C1_SCOPE_TENANT, C1_UNDO_NONE, NULL, NULL, false},
    {C1_STEP_VISIONONE_LINK, "visionone_link", C1_SCOPE_TENANT, C1_UNDO_NONE, NULL, NULL, false},
    {C1_STEP_NEW_TRAIL, "new_trail", C1_SCOPE_ACCOUNT, C1_UNDO_DELETE_STACK, "-Trail", "BucketName", false},
    {C1_STEP_WS_ROLE, "ws_role", C1_SCOPE_ACCOUNT, C1_UNDO_DELETE_STACK, "-WS", "RoleArn", false},
    {C1_STEP_WS_CONNECTOR, "ws_connector", C1_SCOPE_ACCOUNT, C1_UNDO_DELETE_CONNECTOR, NULL, NULL, true},
    {C1_STEP_C1_ROLE, "c1_role", C1_SCOPE_ACCOUNT, C1_UNDO_DELETE_STACK, "-C1", "CloudOneRoleArn", false},
    {C1_STEP_C1_CLOUD_ACCOUNT, "c1_cloud_account", C1_SCOPE_ACCOUNT, C1_UNDO_DELETE_CLOUD_ACCOUNT, NULL, NULL,
     true},
    {C1_STEP_CLOUDTRAIL_TOKEN, "cloudtrail_token", C1_SCOPE_ACCOUNT, C1_UNDO_NONE, NULL, NULL, false},
    {C1_STEP_CLOUDTRAIL_STACK, "cloudtrail_stack", C1_SCOPE_ACCOUNT, C1_UNDO_DELETE_STACK, "-CTrl", NULL,
     true},
};

const struct c1_step_def *c1_step_def(enum c1_step_id id)
{
	if ((int)id < 0 || id >= C1_STEP_COUNT)
		return NULL;
	return &s_steps[id];
}

const struct c1_step_def *c1_step_find(const char *name)
{
	for (size_t i = 0; name && i < C1_STEP_COUNT; i++)
		if (strcmp(s_steps[i].name, name) == 0)
			return &s_steps[i];
	return NULL;
}

bool c1_step_applies(enum c1_step_id id, bool create_new_trail)
{
	return id != C1_STEP_NEW_TRAIL || create_new_trail;
}

size_t c1_steps_rollback_order(const bool done[C1_STEP_COUNT], enum c1_step_id out[C1_STEP_COUNT])
{
	size_t n = 0;
	for (int i = C1_STEP_COUNT - 1; i >= 0; i--)
		if (done[i] && s_steps[i].undo != C1_UNDO_NONE)
			out[n++] = (enum c1_step_id)i;
	return n;
}

static bool s_ends(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

enum c1_stack_action c1_stack_action_for_status(const char *status)
{
	if (!status || strcmp(status, "DELETE_COMPLETE") == 0)
		return C1_STACK_CREATE;
	if (strcmp(status, "REVIEW_IN_PROGRESS") == 0)
		return C1_STACK_DELETE_AND_CREATE;
	if (s_ends(status, "_IN_PROGRESS"))
		return C1_STACK_WAIT;
	if (strcmp(status, "CREATE_COMPLETE") == 0 || strcmp(status, "UPDATE_COMPLETE") == 0 ||
	    strcmp(status, "UPDATE_ROLLBACK_COMPLETE") == 0 || strcmp(status, "IMPORT_COMPLETE") == 0 ||
	    strcmp(status, "IMPORT_ROLLBACK_COMPLETE") == 0)
		return C1_STACK_CHECK;
	if (strcmp(status, "UPDATE_ROLLBACK_FAILED") == 0)
		return C1_STACK_CONTINUE_ROLLBACK;
	/* A stack that never finished its creation holds nothing worth keeping. A
	 * DELETE_FAILED stack was already on its way out (typically our own rollback whose
	 * delete failed): CloudFormation accepts DeleteStack on it again, so finish the
	 * delete and create it afresh instead of leaving the account stuck. */
	if (strcmp(status, "ROLLBACK_COMPLETE") == 0 || strcmp(status, "CREATE_FAILED") == 0 ||
	    strcmp(status, "ROLLBACK_FAILED") == 0 || strcmp(status, "DELETE_FAILED") == 0)
		return C1_STACK_DELETE_AND_CREATE;
	return C1_STACK_FAIL;
}

const char *c1_stack_action_name(enum c1_stack_action a)
{
	static const char *const names[] = {
	    "create", "check", "wait", "delete_and_create", "continue_rollback", "fail"};
	return (unsigned)a < sizeof(names) / sizeof(names[0]) ? names[a] : "?";
}

const char *c1_plan_action_name(enum c1_plan_action a)
{
	static const char *const names[] = {"create",  "adopt", "update", "unchanged",
					    "invalid", "skip",  "manual"};
	return (unsigned)a < sizeof(names) / sizeof(names[0]) ? names[a] : "?";
}

enum c1_account_status c1_account_status_from_outcome(const struct c1_account_outcome *o)
{
	if (o->not_started)
		return C1_ACCOUNT_NOT_STARTED;
	if (o->interrupted)
		return C1_ACCOUNT_INTERRUPTED;
	if (o->invalid)
		return C1_ACCOUNT_INVALID;
	if (o->failed)
		return o->rollback_clean ? C1_ACCOUNT_ROLLED_BACK : C1_ACCOUNT_FAILED;
	if (o->plan_command) {
		if (o->plan == C1_PLAN_UNCHANGED || o->plan == C1_PLAN_SKIP)
			return C1_ACCOUNT_UNCHANGED;
		return o->found_existing ? C1_ACCOUNT_DRIFTED : C1_ACCOUNT_NOT_STARTED;
	}
	if (o->drift_command || o->drift_found)
		return o->drift_found ? C1_ACCOUNT_DRIFTED : C1_ACCOUNT_UNCHANGED;
	if (!o->wrote)
		return C1_ACCOUNT_UNCHANGED;
	return o->was_onboarded ? C1_ACCOUNT_REPAIRED : C1_ACCOUNT_SUCCEEDED;
}
