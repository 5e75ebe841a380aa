/* Per-account advice: the fix hint and rerun verdict follow from the status
 * and the failed step's error; left-behind resources get a removal recipe. */
#include "harness.h"

#include "engine/core/advice.h"
#include "engine/core/alloc.h"

#include <stdlib.h>
#include <string.h>

static struct c1_report_account *s_account(enum c1_account_status status)
{
	struct c1_report_account *a = c1_calloc(1, sizeof(*a));
	a->account_id = c1_strdup("111122223333");
	a->region = c1_strdup("eu-west-2");
	a->status = status;
	a->inputs_json = c1_strdup("{\"profile\":\"cust-a\",\"stack_name\":\"CloudOne\"}");
	return a;
}

static void s_free(struct c1_report_account *a)
{
	c1_report_account_dispose(a);
	free(a);
}

static void s_fail_step(struct c1_report_account *a, const char *name, const char *code, long http,
			bool retryable)
{
	struct c1_report_step *st = c1_report_account_add_step(a);
	st->name = c1_strdup(name);
	st->status = C1_STEP_FAILED;
	st->has_error = true;
	st->error.code = c1_strdup(code);
	st->error.message = c1_strdup("the service said no");
	st->error.http_status = http;
	st->error.retryable = retryable;
}

C1_TEST(a_passing_fault_says_a_rerun_may_succeed)
{
	struct c1_report_account *a = s_account(C1_ACCOUNT_ROLLED_BACK);
	s_fail_step(a, "c1_cloud_account", "HTTP503", 503, true);
	c1_advise_account(a, "apply");
	C1_CHECK_INT(a->rerun, ==, C1_RERUN_YES);
	C1_CHECK_CONTAINS(a->hint, "run apply again");
	C1_CHECK_CONTAINS(a->hint, "--retry-failed");
	s_free(a);
}

C1_TEST(a_refusal_needs_a_fix_before_a_rerun)
{
	struct c1_report_account *a = s_account(C1_ACCOUNT_ROLLED_BACK);
	s_fail_step(a, "ws_connector", "HTTP400", 400, false);
	c1_advise_account(a, "apply");
	C1_CHECK_INT(a->rerun, ==, C1_RERUN_NO);
	C1_CHECK_CONTAINS(a->hint, "ws_connector");

	struct c1_report_account *b = s_account(C1_ACCOUNT_FAILED);
	s_fail_step(b, "cloudone_account", "HTTP401", 401, false);
	c1_advise_account(b, "apply");
	C1_CHECK_INT(b->rerun, ==, C1_RERUN_NO);
	C1_CHECK_CONTAINS(b->hint, "Cloud One key was refused");
	s_free(a);
	s_free(b);
}

C1_TEST(a_failed_stack_points_at_its_events_and_cannot_promise)
{
	struct c1_report_account *a = s_account(C1_ACCOUNT_ROLLED_BACK);
	s_fail_step(a, "cloudtrail_stack", "ROLLBACK_COMPLETE", 0, false);
	c1_advise_account(a, "apply");
	C1_CHECK_INT(a->rerun, ==, C1_RERUN_UNKNOWN);
	C1_CHECK_CONTAINS(a->hint, "events");
	s_free(a);
}

C1_TEST(what_was_left_behind_comes_first_with_a_recipe)
{
	struct c1_report_account *a = s_account(C1_ACCOUNT_FAILED);
	s_fail_step(a, "cloudtrail_stack", "ROLLBACK_COMPLETE", 0, false);
	struct c1_report_rollback *rb = c1_report_account_add_rollback(a);
	rb->step = c1_strdup("c1_role");
	rb->resource = c1_strdup("CloudOne-C1");
	rb->resource_type = c1_strdup("cloudformation_stack");
	rb->status = C1_STEP_UNDO_FAILED;
	c1_advise_account(a, "apply");
	C1_CHECK(strncmp(a->hint, "remove what the rollback left behind", 36) == 0);
	char *how = c1_advice_remove(a, rb);
	C1_CHECK_CONTAINS(how, "delete-stack --stack-name CloudOne-C1 --region eu-west-2 --profile cust-a");
	C1_CHECK_CONTAINS(how, "offboard FILE --only 111122223333");
	free(how);

	rb->resource_type[0] = 'x'; /* unknown kind: still a way out */
	how = c1_advice_remove(a, rb);
	C1_CHECK_CONTAINS(how, "offboard FILE --only 111122223333");
	free(how);
	s_free(a);
}

C1_TEST(drift_is_apply_s_or_a_person_s)
{
	struct c1_report_account *a = s_account(C1_ACCOUNT_DRIFTED);
	struct c1_report_drift *d = c1_report_account_add_drift(a);
	d->fix = c1_strdup("apply creates it again");
	c1_advise_account(a, "drift");
	C1_CHECK_INT(a->rerun, ==, C1_RERUN_YES);
	C1_CHECK_CONTAINS(a->hint, "run apply");

	d = c1_report_account_add_drift(a);
	d->fix = c1_strdup("fix it in the Cloud One console");
	c1_advise_account(a, "drift");
	C1_CHECK_INT(a->rerun, ==, C1_RERUN_NO);
	C1_CHECK_CONTAINS(a->hint, "by hand: fix it in the Cloud One console");
	C1_CHECK_CONTAINS(a->hint, "apply repairs the rest");
	s_free(a);
}

C1_TEST(ok_statuses_get_no_advice_and_stopped_runs_resume)
{
	struct c1_report_account *a = s_account(C1_ACCOUNT_SUCCEEDED);
	a->hint = c1_strdup("stale");
	c1_advise_account(a, "apply");
	C1_CHECK(a->hint == NULL);
	C1_CHECK_INT(a->rerun, ==, C1_RERUN_UNKNOWN);
	a->status = C1_ACCOUNT_NOT_STARTED;
	c1_advise_account(a, "apply");
	C1_CHECK_INT(a->rerun, ==, C1_RERUN_YES);
	c1_advise_account(a, "plan"); /* a plan's not_started is what apply would onboard */
	C1_CHECK(a->hint == NULL);
	a->status = C1_ACCOUNT_ORPHANED;
	c1_advise_account(a, "drift");
	C1_CHECK_CONTAINS(a->hint, "offboard FILE --only 111122223333");
	s_free(a);
}
