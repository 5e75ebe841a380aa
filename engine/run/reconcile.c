/* Mode policies and the diffs of the reconcile loop. */
#include "engine/run/reconcile.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *c1_mode_name(enum c1_run_mode m)
{
	static const char *const names[] = {"apply", "plan", "offboard", "drift"};
	return (int)m >= 0 && m <= C1_MODE_DRIFT ? names[m] : "apply";
}

const struct c1_mode_policy *c1_mode_policy(enum c1_run_mode mode)
{
	static const struct c1_mode_policy apply = {
	    .acts = true, .rolls_back = true, .checks_bucket = true, .deploys_stacks = true};
	static const struct c1_mode_policy plan = {
	    .records_plan = true, .checks_bucket = true, .deploys_stacks = true};
	static const struct c1_mode_policy drift = {.reports_drift = true,
						    .checks_bucket = true,
						    .deploys_stacks = true,
						    .detects_resource_drift = true};
	static const struct c1_mode_policy offboard = {.acts = true, .toward_absent = true};
	switch (mode) {
	case C1_MODE_PLAN: return &plan;
	case C1_MODE_DRIFT: return &drift;
	case C1_MODE_OFFBOARD: return &offboard;
	case C1_MODE_APPLY:
	default: return &apply;
	}
}

static void s_change(struct c1_change *out, enum c1_plan_action action, enum c1_drift_plane plane,
		     const char *resource, const char *drift, const char *want, const char *have)
{
	memset(out, 0, sizeof(*out));
	out->action = action;
	out->plane = plane;
	out->resource = resource;
	out->drift = drift;
	out->want = want;
	out->have = have;
}

bool c1_stack_params_match(const struct c1_cfn_stack *st, const struct c1_cfn_parameter *want, size_t n,
			   char *diff, size_t diff_len)
{
	for (size_t i = 0; i < n; i++) {
		const char *have = c1_cfn_kv_get(st->parameters, st->parameter_count, want[i].key);
		const char *value = want[i].value;
		if (!value)
			continue;
		/* NoEcho values read "****": they cannot be compared */
		if (have && strcmp(have, "****") == 0)
			continue;
		if (!have || strcmp(have, value) != 0) {
			if (strcmp(want[i].key, "ServiceToken") == 0)
				snprintf(diff, diff_len, "%s", want[i].key);
			else
				snprintf(diff, diff_len, "%s=%s", want[i].key, have ? have : "(absent)");
			return false;
		}
	}
	return true;
}

/* Parameters whose values are secrets: named in a diff, never shown. */
static bool s_secret_parameter(const char *key)
{
	return strcmp(key, "ServiceToken") == 0 || strcmp(key, "CloudOneApiKey") == 0 ||
	       strcmp(key, "VisionOneServiceToken") == 0;
}

/* The drift entry's expected value: "Key=value" of the parameter the diff names ("Key=..."). */
static void s_expected_parameter(const struct c1_stack_desired *want, const char *diff, struct c1_change *out)
{
	char key[128];
	size_t n = strcspn(diff, "= ");
	if (n == 0 || n >= sizeof(key))
		return;
	memcpy(key, diff, n);
	key[n] = '\0';
	for (size_t i = 0; i < want->param_count; i++) {
		if (strcmp(want->params[i].key, key) != 0 || !want->params[i].value)
			continue;
		if (s_secret_parameter(key))
			snprintf(out->want_text, sizeof(out->want_text), "%s", key);
		else
			snprintf(out->want_text, sizeof(out->want_text), "%s=%s", key, want->params[i].value);
		out->want = out->want_text;
		return;
	}
}

void c1_diff_stack(const struct c1_cfn_stack *have, const struct c1_stack_desired *want, bool no_updates,
		   struct c1_change *out)
{
	enum c1_stack_action a = c1_stack_action_for_status(have ? have->status : NULL);
	if (a == C1_STACK_CREATE) {
		s_change(out, C1_PLAN_CREATE, C1_DRIFT_AWS, want->name, "stack_missing", "CREATE_COMPLETE",
			 NULL);
		return;
	}
	if (a != C1_STACK_CHECK) {
		s_change(out, a == C1_STACK_FAIL ? C1_PLAN_MANUAL : C1_PLAN_UPDATE, C1_DRIFT_AWS, want->name,
			 "stack_status", "CREATE_COMPLETE", have->status);
		if (a == C1_STACK_FAIL)
			snprintf(
			    out->note, sizeof(out->note),
			    "stack in state %s, which c1onboard cannot recover: fix it in the CloudFormation "
			    "console",
			    have->status);
		else
			snprintf(out->note, sizeof(out->note), "%s", have->status);
		return;
	}
	char diff[300] = "";
	bool match = want->match
			 ? want->match(have, want, diff, sizeof(diff))
			 : c1_stack_params_match(have, want->params, want->param_count, diff, sizeof(diff));
	if (!no_updates && !match) {
		s_change(out, C1_PLAN_UPDATE, C1_DRIFT_AWS, want->name, "parameter_changed", NULL, NULL);
		snprintf(out->note, sizeof(out->note), "%s", diff);
		out->have = out->note; /* the drift entry's actual value is the difference */
		s_expected_parameter(want, diff, out);
		return;
	}
	s_change(out, no_updates || !want->secret_renewed ? C1_PLAN_UNCHANGED : C1_PLAN_UPDATE, C1_DRIFT_AWS,
		 want->name, NULL, NULL, NULL);
}

void c1_diff_stack_resources(const struct c1_cfn_resource_drift_page *drifts, struct c1_change *io)
{
	if (!drifts || drifts->count == 0)
		return;
	io->resource_drifts = drifts->items;
	io->resource_drift_count = drifts->count;
	if (io->action != C1_PLAN_UNCHANGED)
		return;
	io->action = C1_PLAN_MANUAL;
	const struct c1_cfn_resource_drift *r = &drifts->items[0];
	snprintf(
	    io->note, sizeof(io->note),
	    "%zu resource(s) of stack %s changed outside CloudFormation (%s %s%s); put them back in the "
	    "console (CloudFormation, Stack actions, Detect drift shows what differs), or delete the stack "
	    "and run apply",
	    drifts->count, io->resource ? io->resource : "?", r->logical_id ? r->logical_id : "?",
	    r->drift_status ? r->drift_status : "?", drifts->count > 1 ? ", ..." : "");
}

/* "Path=value; Path=value" of one side of the differences, cut to fit. */
static void s_differences(const struct c1_cfn_resource_drift *r, bool expected, char *out, size_t n)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < r->difference_count && used + 1 < n; i++) {
		const struct c1_cfn_property_difference *d = &r->differences[i];
		const char *v = expected ? d->expected : d->actual;
		int k = snprintf(out + used, n - used, "%s%s=%s", used ? "; " : "", d->path ? d->path : "?",
				 v ? v : "(absent)");
		if (k < 0)
			break;
		used += (size_t)k < n - used ? (size_t)k : n - used - 1;
	}
}

void c1_resource_drift_entry(const struct c1_cfn_resource_drift *r, const char **kind, char *expected,
			     size_t expected_len, char *actual, size_t actual_len)
{
	bool deleted = r->drift_status && strcmp(r->drift_status, "DELETED") == 0;
	*kind = deleted ? "resource_deleted" : "resource_modified";
	if (r->difference_count > 0) {
		s_differences(r, true, expected, expected_len);
		s_differences(r, false, actual, actual_len);
		return;
	}
	snprintf(expected, expected_len, "%s", r->expected_properties ? r->expected_properties : "");
	snprintf(actual, actual_len, "%s", deleted || !r->actual_properties ? "" : r->actual_properties);
}

static bool s_role_differs(const char *have, const char *want)
{
	return have && want && strcmp(have, want) != 0;
}

void c1_diff_connector(const char *account_id, bool found, const char *have_role, const char *want_role,
		       struct c1_change *out)
{
	if (!found)
		s_change(out, C1_PLAN_CREATE, C1_DRIFT_CLOUDONE, "ws_connector", "missing", account_id, NULL);
	else if (s_role_differs(have_role, want_role))
		s_change(out, C1_PLAN_UPDATE, C1_DRIFT_CLOUDONE, "ws_connector", "role_changed", want_role,
			 have_role);
	else
		s_change(out, C1_PLAN_UNCHANGED, C1_DRIFT_CLOUDONE, "ws_connector", NULL, NULL, NULL);
}

void c1_diff_cloud_account(const char *account_id, bool found, const char *have_role, const char *want_role,
			   bool role_gone, struct c1_change *out)
{
	if (!found) {
		s_change(out, C1_PLAN_CREATE, C1_DRIFT_CLOUDONE, "cloud_account", "missing", account_id,
			 NULL);
		return;
	}
	if (role_gone && have_role) {
		s_change(out, C1_PLAN_UPDATE, C1_DRIFT_CLOUDONE, "cloud_account", "role_missing", want_role,
			 have_role);
		snprintf(
		    out->note, sizeof(out->note),
		    "re-register: its role %s no longer exists; apply deletes the Cloud One cloud account "
		    "and registers the AWS account again with the c1_role stack's role (the new record "
		    "starts "
		    "afresh: what Cloud One kept for the old one is not carried over)",
		    have_role);
		return;
	}
	if (!s_role_differs(have_role, want_role)) {
		s_change(out, C1_PLAN_UNCHANGED, C1_DRIFT_CLOUDONE, "cloud_account", NULL, NULL, NULL);
		return;
	}
	s_change(out, C1_PLAN_MANUAL, C1_DRIFT_CLOUDONE, "cloud_account", "role_changed", want_role,
		 have_role);
	snprintf(
	    out->note, sizeof(out->note),
	    "Cloud One cloud account %s uses role %s, not %s; fix it in the Cloud One console or offboard "
	    "and apply again",
	    account_id, have_role, want_role);
}

const char *c1_change_fix(const struct c1_change *ch)
{
	switch (ch->action) {
	case C1_PLAN_CREATE: return "apply creates it again";
	case C1_PLAN_UPDATE:
		return ch->drift && strcmp(ch->drift, "role_missing") == 0
			   ? "apply registers the account again with the role the c1_role stack made"
			   : "apply puts the expected value back";
	case C1_PLAN_MANUAL: return ch->note[0] ? ch->note : "by hand (apply cannot change it)";
	default: return NULL;
	}
}

const char *c1_resource_drift_fix(const struct c1_cfn_resource_drift *r)
{
	bool deleted = r->drift_status && strcmp(r->drift_status, "DELETED") == 0;
	/* An update with the same template changes nothing, so apply cannot put it back. */
	return deleted
		   ? "by hand: delete the stack in the CloudFormation console (or offboard --only the "
		     "account) and run apply, which creates it with the resource again"
		   : "by hand: set the resource's properties back to the expected values (CloudFormation "
		     "console, Stack actions, Detect drift shows them), or delete the stack and run apply";
}

static void s_entry(struct c1_change *io, const char *resource, const char *drift, const char *want,
		    const char *have)
{
	if (io->entry_count >= C1_CHANGE_MAX_ENTRIES)
		return;
	struct c1_change_entry *e = &io->entries[io->entry_count++];
	snprintf(e->resource, sizeof(e->resource), "%s", resource);
	e->drift = drift;
	e->want = want;
	e->have = have;
}

/* Notes quote names of any length; a cut note still says what to do first. */
static void s_fmt(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void s_fmt(char *out, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out, n, fmt, ap);
	va_end(ap);
}

/* The row's own bucket is gone: only the person who chose it knows which is right. */
static void s_existing_bucket_note(const struct c1_trail_observed *h, struct c1_change *io)
{
	s_fmt(io->note, sizeof(io->note),
	      "bucket %s, which the row names for CloudTrail, no longer exists, so stack %s forwards "
	      "nothing: recreate the bucket (and the trail that writes to it) in account %s, region "
	      "%s, or put the right bucket in the row's bucket column, then run apply again",
	      h->bucket ? h->bucket : "?", h->ctrl_stack ? h->ctrl_stack : "?", h->account_id, h->region);
}

/* What of the new trail is gone ("trail T and bucket B of stack S"), for the note. */
static void s_new_trail_note(const struct c1_trail_observed *h, const char *trail, const char *bucket,
			     struct c1_change *io)
{
	bool trail_gone = h->trail_seen == C1_SEEN_ABSENT, bucket_gone = h->bucket_seen == C1_SEEN_ABSENT;
	char what[300], keep[200] = "";
	if (trail_gone && bucket_gone)
		s_fmt(what, sizeof(what), "trail %s and bucket %s of stack %s no longer exist", trail, bucket,
		      h->trail_stack);
	else
		s_fmt(what, sizeof(what), "%s %s of stack %s no longer exists",
		      trail_gone ? "trail" : "bucket", trail_gone ? trail : bucket, h->trail_stack);
	/* The stack's bucket goes with it (DeletionPolicy Delete), and a bucket
	 * holding logs makes the delete fail: the logs are the customer's. */
	if (!bucket_gone)
		s_fmt(keep, sizeof(keep), "; %s deletes bucket %s, so copy its logs out and empty it first",
		      h->trail_stack, bucket);
	s_fmt(io->note, sizeof(io->note),
	      "%s, and CloudFormation does not recreate a resource deleted behind its back: in the "
	      "CloudFormation console of account %s, region %s, delete the stacks %s and %s (in that "
	      "order%s), then run apply again, which creates both anew",
	      what, h->account_id, h->region, h->ctrl_stack ? h->ctrl_stack : "?", h->trail_stack, keep);
}

void c1_diff_trail(const struct c1_trail_observed *h, struct c1_change *io)
{
	char trail_res[200], bucket_res[200];
	/* A name the look could not learn reads as the stack's logical resource. */
	snprintf(trail_res, sizeof(trail_res), "%s/Trail", h->trail_stack ? h->trail_stack : "?");
	snprintf(bucket_res, sizeof(bucket_res), "%s/TrailBucket", h->trail_stack ? h->trail_stack : "?");
	const char *trail = h->trail ? h->trail : trail_res;
	const char *bucket = h->bucket ? h->bucket : bucket_res;
	bool bucket_gone = h->bucket_seen == C1_SEEN_ABSENT;
	if (!h->trail_stack) {
		if (!bucket_gone)
			return;
		s_entry(io, bucket, "bucket_missing", "exists", NULL);
		io->action = C1_PLAN_MANUAL;
		s_existing_bucket_note(h, io);
		return;
	}
	bool trail_gone = h->trail_seen == C1_SEEN_ABSENT;
	bool stopped = !trail_gone && h->logging == C1_SEEN_ABSENT;
	if (trail_gone)
		s_entry(io, trail, "trail_missing", "exists", NULL);
	if (stopped)
		s_entry(io, trail, "trail_not_logging", "IsLogging=true", "IsLogging=false");
	if (bucket_gone)
		s_entry(io, bucket, "bucket_missing", "exists", NULL);
	if (!trail_gone && !stopped && !bucket_gone)
		return;
	io->action = C1_PLAN_MANUAL;
	if (trail_gone || bucket_gone)
		s_new_trail_note(h, trail, bucket, io);
	else
		s_fmt(io->note, sizeof(io->note),
		      "trail %s of stack %s is not logging, so Cloud One receives no CloudTrail events: "
		      "start it in the CloudTrail console of account %s, region %s (Trails, %s, Start "
		      "logging); apply does not start a trail",
		      trail, h->trail_stack, h->account_id, h->region, trail);
}
