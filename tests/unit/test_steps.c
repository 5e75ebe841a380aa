/* The step table and the pure decisions of the step machines. */
#include "engine/run/steps.h"
#include "tests/unit/harness.h"

C1_TEST(table_is_in_spec_order)
{
	static const char *const want[] = {
	    "preflight",    "cloudone_account", "visionone_link",   "new_trail",        "ws_role",
	    "ws_connector", "c1_role",          "c1_cloud_account", "cloudtrail_token", "cloudtrail_stack"};
	for (int i = 0; i < C1_STEP_COUNT; i++)
		C1_CHECK_STR(c1_step_def((enum c1_step_id)i)->name, want[i]);
	C1_CHECK(c1_step_def(C1_STEP_COUNT) == NULL);
	C1_CHECK(c1_step_find("ws_connector") == c1_step_def(C1_STEP_WS_CONNECTOR));
	C1_CHECK(c1_step_find("nope") == NULL);
	C1_CHECK_INT(c1_step_def(C1_STEP_VISIONONE_LINK)->scope, ==, C1_SCOPE_TENANT);
	C1_CHECK_INT(c1_step_def(C1_STEP_VISIONONE_LINK)->undo, ==, C1_UNDO_NONE);
	C1_CHECK_STR(c1_step_def(C1_STEP_CLOUDTRAIL_STACK)->stack_suffix, "-CTrl");
	C1_CHECK(!c1_step_applies(C1_STEP_NEW_TRAIL, false));
	C1_CHECK(c1_step_applies(C1_STEP_NEW_TRAIL, true));
}

C1_TEST(rollback_reverses_undoable_steps_only)
{
	bool done[C1_STEP_COUNT] = {0};
	enum c1_step_id out[C1_STEP_COUNT];
	done[C1_STEP_PREFLIGHT] = done[C1_STEP_VISIONONE_LINK] = true; /* never undone */
	done[C1_STEP_WS_ROLE] = done[C1_STEP_WS_CONNECTOR] = done[C1_STEP_C1_ROLE] = true;
	done[C1_STEP_CLOUDTRAIL_TOKEN] = true;
	size_t n = c1_steps_rollback_order(done, out);
	C1_CHECK_INT(n, ==, 3);
	C1_CHECK_INT(out[0], ==, C1_STEP_C1_ROLE);
	C1_CHECK_INT(out[1], ==, C1_STEP_WS_CONNECTOR);
	C1_CHECK_INT(out[2], ==, C1_STEP_WS_ROLE);
	bool none[C1_STEP_COUNT] = {0};
	C1_CHECK_INT(c1_steps_rollback_order(none, out), ==, 0);
}

C1_TEST(stack_recovery_decisions)
{
	C1_CHECK_INT(c1_stack_action_for_status(NULL), ==, C1_STACK_CREATE);
	C1_CHECK_INT(c1_stack_action_for_status("DELETE_COMPLETE"), ==, C1_STACK_CREATE);
	C1_CHECK_INT(c1_stack_action_for_status("CREATE_COMPLETE"), ==, C1_STACK_CHECK);
	C1_CHECK_INT(c1_stack_action_for_status("UPDATE_ROLLBACK_COMPLETE"), ==, C1_STACK_CHECK);
	C1_CHECK_INT(c1_stack_action_for_status("ROLLBACK_COMPLETE"), ==, C1_STACK_DELETE_AND_CREATE);
	C1_CHECK_INT(c1_stack_action_for_status("UPDATE_ROLLBACK_FAILED"), ==, C1_STACK_CONTINUE_ROLLBACK);
	C1_CHECK_INT(c1_stack_action_for_status("CREATE_IN_PROGRESS"), ==, C1_STACK_WAIT);
	C1_CHECK_INT(c1_stack_action_for_status("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"), ==, C1_STACK_WAIT);
	C1_CHECK_INT(c1_stack_action_for_status("REVIEW_IN_PROGRESS"), ==, C1_STACK_DELETE_AND_CREATE);
	C1_CHECK_INT(c1_stack_action_for_status("DELETE_FAILED"), ==, C1_STACK_DELETE_AND_CREATE);
	C1_CHECK_INT(c1_stack_action_for_status("SOMETHING_NEW"), ==, C1_STACK_FAIL);
}

C1_TEST(status_mapping)
{
	struct c1_account_outcome o = {0};
	C1_CHECK_INT(c1_account_status_from_outcome(&o), ==, C1_ACCOUNT_UNCHANGED);
	o.wrote = true;
	C1_CHECK_INT(c1_account_status_from_outcome(&o), ==, C1_ACCOUNT_SUCCEEDED);
	o.was_onboarded = true;
	C1_CHECK_INT(c1_account_status_from_outcome(&o), ==, C1_ACCOUNT_REPAIRED);
	o.failed = true;
	C1_CHECK_INT(c1_account_status_from_outcome(&o), ==, C1_ACCOUNT_FAILED);
	o.rollback_clean = true;
	C1_CHECK_INT(c1_account_status_from_outcome(&o), ==, C1_ACCOUNT_ROLLED_BACK);
	o.invalid = true;
	C1_CHECK_INT(c1_account_status_from_outcome(&o), ==, C1_ACCOUNT_INVALID);
	o.not_started = true;
	C1_CHECK_INT(c1_account_status_from_outcome(&o), ==, C1_ACCOUNT_NOT_STARTED);
	struct c1_account_outcome d = {0};
	d.drift_command = true;
	C1_CHECK_INT(c1_account_status_from_outcome(&d), ==, C1_ACCOUNT_UNCHANGED);
	d.drift_found = true;
	C1_CHECK_INT(c1_account_status_from_outcome(&d), ==, C1_ACCOUNT_DRIFTED);
	/* apply that repaired what it could but met drift it cannot fix */
	struct c1_account_outcome a = {0};
	a.wrote = a.was_onboarded = a.drift_found = true;
	C1_CHECK_INT(c1_account_status_from_outcome(&a), ==, C1_ACCOUNT_DRIFTED);
	C1_CHECK_STR(c1_plan_action_name(C1_PLAN_ADOPT), "adopt");
	C1_CHECK_STR(c1_stack_action_name(C1_STACK_CONTINUE_ROLLBACK), "continue_rollback");
}

C1_TEST(plan_status_says_what_apply_would_do)
{
	struct c1_account_outcome p = {0};
	p.plan_command = p.drift_command = true;
	p.plan = C1_PLAN_UNCHANGED;
	p.found_existing = true;
	C1_CHECK_INT(c1_account_status_from_outcome(&p), ==, C1_ACCOUNT_UNCHANGED);
	p.plan = C1_PLAN_UPDATE;
	C1_CHECK_INT(c1_account_status_from_outcome(&p), ==, C1_ACCOUNT_DRIFTED);
	p.plan = C1_PLAN_CREATE;
	p.found_existing = false;
	C1_CHECK_INT(c1_account_status_from_outcome(&p), ==, C1_ACCOUNT_NOT_STARTED);
	p.invalid = true;
	C1_CHECK_INT(c1_account_status_from_outcome(&p), ==, C1_ACCOUNT_INVALID);
}
