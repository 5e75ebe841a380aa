/* Advice per account: fix hints and the rerun verdict, from the model alone. */
#include "engine/core/advice.h"

#include "engine/core/alloc.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool s_eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* The row's profile, for a command line a reader can paste; NULL when unknown. */
static char *s_profile(const struct c1_report_account *a)
{
	json_t *in = a->inputs_json ? json_loads(a->inputs_json, 0, NULL) : NULL;
	const char *p = json_string_value(json_object_get(in, "profile"));
	char *out = p && *p ? c1_strdup(p) : NULL;
	json_decref(in);
	return out;
}

char *c1_advice_remove(const struct c1_report_account *a, const struct c1_report_rollback *rb)
{
	const char *id = a->account_id ? a->account_id : "?";
	const char *res = rb->resource ? rb->resource : "?";
	const char *region = a->region ? a->region : "?";
	char *profile = s_profile(a);
	char *out;
	if (s_eq(rb->resource_type, "cloudformation_stack"))
		out = c1_asprintf("delete stack %s in the CloudFormation console of account %s, region %s "
				  "(or: aws cloudformation delete-stack --stack-name %s --region %s%s%s), "
				  "or run: c1onboard offboard FILE --only %s",
				  res, id, region, res, region, profile ? " --profile " : "",
				  profile ? profile : "", id);
	else if (s_eq(rb->resource_type, "ws_connector"))
		out = c1_asprintf("delete AWS connector %s of account %s in Workload Security (Computers, "
				  "the AWS account, Remove), or run: c1onboard offboard FILE --only %s",
				  res, id, id);
	else if (s_eq(rb->resource_type, "cloud_account"))
		out = c1_asprintf("remove AWS account %s in Cloud One (Cloud Accounts, AWS), or run: "
				  "c1onboard offboard FILE --only %s",
				  id, id);
	else
		out =
		    c1_asprintf("remove %s of account %s by hand, or run: c1onboard offboard FILE --only %s",
				res, id, id);
	free(profile);
	return out;
}

static const struct c1_report_step *s_failed_step(const struct c1_report_account *a)
{
	for (size_t i = 0; i < a->steps_len; i++)
		if (a->steps[i].status == C1_STEP_FAILED && a->steps[i].has_error)
			return &a->steps[i];
	return NULL;
}

static size_t s_left_behind(const struct c1_report_account *a)
{
	size_t n = 0;
	for (size_t i = 0; i < a->rollback_len; i++)
		n += a->rollback[i].status == C1_STEP_UNDO_FAILED;
	return n;
}

/* A stack that ended failed carries its status as the error code. */
static bool s_stack_status(const char *code)
{
	size_t n = code ? strlen(code) : 0;
	return n > 9 && (strcmp(code + n - 9, "_COMPLETE") == 0 || strcmp(code + n - 7, "_FAILED") == 0);
}

/* Hint and verdict for an account whose step failed. */
static void s_advise_failure(struct c1_report_account *a, const struct c1_report_step *st)
{
	const struct c1_report_error *e = &st->error;
	const char *step = st->name ? st->name : "a step";
	bool tenant = s_eq(step, "cloudone_account") || s_eq(step, "visionone_link");
	if (e->retryable) {
		a->rerun = C1_RERUN_YES;
		a->hint = c1_asprintf(
		    "%s met a passing fault (%s%s): run apply again later; with results.csv "
		    "as input, --retry-failed reruns only such rows",
		    step, e->code ? e->code : "error", e->http_status >= 500 ? ", a server error" : "");
	} else if (s_stack_status(e->code)) {
		a->rerun = C1_RERUN_UNKNOWN;
		a->hint = c1_asprintf("the %s stack failed: the step's events name the failing resource and "
				      "why; fix that in the account (a rerun may succeed if the cause was "
				      "passing), then run apply again",
				      step);
	} else if (tenant && (e->http_status == 401 || e->http_status == 403)) {
		a->rerun = C1_RERUN_NO;
		a->hint =
		    c1_asprintf("the tenant's %s key was refused (HTTP %ld): put a valid key with the "
				"needed role in the spreadsheet, then run apply again",
				s_eq(step, "visionone_link") ? "Vision One" : "Cloud One", e->http_status);
	} else if (e->http_status == 401 || e->http_status == 403 || s_eq(e->code, "AccessDenied") ||
		   s_eq(e->code, "AccessDeniedException")) {
		a->rerun = C1_RERUN_NO;
		a->hint = c1_asprintf("%s was denied: give the row's profile (or the tenant's key) the "
				      "permission the error names, then run apply again",
				      step);
	} else {
		a->rerun = C1_RERUN_NO;
		char why[128];
		if (e->http_status > 0)
			snprintf(why, sizeof(why), "HTTP %ld, %s", e->http_status,
				 e->code ? e->code : "error");
		else
			snprintf(why, sizeof(why), "%s", e->code ? e->code : "error");
		a->hint = c1_asprintf("%s was refused (%s): fix what the error message says, then run apply "
				      "again",
				      step, why);
	}
}

static void s_advise_drift(struct c1_report_account *a, const char *command)
{
	const char *manual = NULL;
	for (size_t i = 0; i < a->drift_len && !manual; i++)
		if (a->drift[i].fix && strncmp(a->drift[i].fix, "apply", 5) != 0)
			manual = a->drift[i].fix;
	if (manual) {
		a->rerun = C1_RERUN_NO;
		a->hint = c1_asprintf("by hand: %s%s", manual,
				      s_eq(command, "apply") ? "" : "; apply repairs the rest");
	} else {
		a->rerun = C1_RERUN_YES;
		a->hint = c1_strdup("run apply: it repairs this drift");
	}
}

void c1_advise_account(struct c1_report_account *a, const char *command)
{
	const struct c1_report_step *st = s_failed_step(a);
	free(a->hint);
	a->hint = NULL;
	a->rerun = C1_RERUN_UNKNOWN;
	switch (a->status) {
	case C1_ACCOUNT_INVALID:
		a->rerun = C1_RERUN_NO;
		a->hint = c1_strdup("fix the row (or the profile it names) as the reason says; c1onboard "
				    "validate checks rows without making changes");
		break;
	case C1_ACCOUNT_ROLLED_BACK:
	case C1_ACCOUNT_FAILED:
		if (st)
			s_advise_failure(a, st);
		if (s_left_behind(a)) {
			char *first = a->hint;
			a->hint =
			    c1_asprintf("remove what the rollback left behind (left_behind says how)%s%s",
					first ? "; then: " : "", first ? first : "");
			free(first);
		}
		break;
	case C1_ACCOUNT_DRIFTED: s_advise_drift(a, command); break;
	case C1_ACCOUNT_INTERRUPTED:
	case C1_ACCOUNT_NOT_STARTED:
		if (s_eq(command, "plan"))
			break;
		a->rerun = C1_RERUN_YES;
		a->hint = c1_strdup("run the same command again: it picks up where this run stopped");
		break;
	case C1_ACCOUNT_ORPHANED:
		a->hint = c1_asprintf("no longer in the spreadsheet: put its row back, or remove it with "
				      "c1onboard offboard FILE --only %s",
				      a->account_id ? a->account_id : "ACCOUNT");
		break;
	default: break;
	}
}
