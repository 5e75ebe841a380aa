/* The tenant task: three read-mostly calls and at most two writes (Vision
 * One enrollment) per Cloud One API key, whatever the number of accounts. */
#include "engine/run/tenant.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/core/log.h"
#include "engine/run/io_park.h"
#include "engine/trend/regions.h"

#include <stdio.h>
#include <stdlib.h>

enum { T_APIKEY = 0, T_V1_CHECK, T_V1_TOKEN, T_V1_CONNECT, T_V1_VERIFY, T_EXTERNAL_ID, T_DONE };

/* Checks of Vision One's list after linking before the link counts as not made:
 * a new link may take a moment to show as connected. */
#define S_V1_VERIFY_CHECKS 5

static void s_fail(struct c1_tenant *t, enum c1_step_id step, const struct c1_api_error *err,
		   const char *what)
{
	t->failed = true;
	t->failed_step = step;
	if (err)
		t->err = *err;
	char line[512];
	if (err && err->code[0])
		c1_api_error_format(err, line, sizeof(line));
	else
		snprintf(line, sizeof(line), "%s", c1_error_last());
	snprintf(t->error, sizeof(t->error), "%s: %.120s: %.300s", c1_step_def(step)->name, what, line);
	if (!t->err.code[0])
		snprintf(t->err.code, sizeof(t->err.code), "TenantFailed");
	snprintf(t->err.message, sizeof(t->err.message), "%s", t->error);
	int i = step == C1_STEP_CLOUDONE_ACCOUNT ? 0 : 1;
	t->steps[i].status = C1_STEP_FAILED;
	t->steps[i].finished_ms = c1_job_now_wall();
	if (step == C1_STEP_VISIONONE_LINK)
		t->visionone = C1_V1_FAILED;
	if (step == C1_STEP_CLOUDONE_ACCOUNT)
		t->visionone = C1_V1_SKIPPED;
	struct c1_log_fields lf = C1_LOG_FIELDS_INIT;
	lf.region = t->aws_region;
	lf.step = c1_step_def(step)->name;
	lf.event = "step_failed";
	lf.http_status = t->err.http_status;
	lf.request_id = t->err.request_id;
	c1_log_ev(C1_LOG_WARN, "tenant", &lf, "Cloud One API key %s: %s", t->key_id, t->error);
}

static void s_step_begin(struct c1_tenant *t, int i)
{
	if (t->steps[i].started_ms == 0)
		t->steps[i].started_ms = c1_job_now_wall();
	t->steps[i].status = C1_STEP_RUNNING;
	if (t->steps[i].attempts == 0)
		t->steps[i].attempts = 1; /* retries add theirs in s_after; a task rerun is not a try */
}

/* c1_call_after for the tenant's own calls; a retry is one more try of the running step. */
static enum c1_call_verdict s_after(struct c1_tenant *t, struct c1_task_ctx *ctx, int rc, int ok_alt,
				    const struct c1_api_error *err)
{
	enum c1_call_verdict v =
	    c1_call_after(t->run, ctx, t->rl_key, rc, ok_alt, err, false, &t->run->quota, &t->call);
	for (int i = 0; v == C1_CALL_RETRY && rc != C1_EINPROGRESS && i < 2; i++)
		if (t->steps[i].status == C1_STEP_RUNNING)
			t->steps[i].attempts++;
	return v;
}

static void s_step_done(struct c1_tenant *t, int i)
{
	t->steps[i].status = C1_STEP_DONE;
	t->steps[i].finished_ms = c1_job_now_wall();
}

static int s_finish(struct c1_tenant *t)
{
	t->phase = T_DONE;
	c1_sched_event_signal(t->ready);
	return C1_TASK_DONE;
}

#define GATE()                                                 \
	do {                                                   \
		int g_ = c1_call_gate(t->run, ctx, t->rl_key); \
		if (g_)                                        \
			return g_;                             \
	} while (0)

/* A signal stopped the run: the step the tenant was in fails as interrupted. */
static int s_interrupted(struct c1_tenant *t)
{
	struct c1_api_error e = C1_API_ERROR_INIT;
	snprintf(e.code, sizeof(e.code), "Cancelled");
	snprintf(e.message, sizeof(e.message), "the run was interrupted");
	s_fail(t, t->phase == T_APIKEY ? C1_STEP_CLOUDONE_ACCOUNT : C1_STEP_VISIONONE_LINK, &e,
	       "interrupted");
	return s_finish(t);
}

/* T_APIKEY: the API key names the Cloud One account and its region; the
 * tenant row is written, then the Vision One link is checked (or skipped). */
static int s_resolve_apikey(struct c1_tenant *t, struct c1_task_ctx *ctx)
{
	struct c1_api_error err = C1_API_ERROR_INIT;
	GATE();
	s_step_begin(t, 0);
	struct c1_cloudone_apikey key = C1_CLOUDONE_APIKEY_INIT;
	int rc = c1_cloudone_get_apikey(&key, &t->c1, &err);
	switch (s_after(t, ctx, rc, 0, &err)) {
	case C1_CALL_RETRY: c1_cloudone_apikey_dispose(&key); return C1_TASK_WAIT;
	case C1_CALL_FAIL:
		c1_cloudone_apikey_dispose(&key);
		s_fail(t, C1_STEP_CLOUDONE_ACCOUNT, &err, "the Cloud One API key could not be resolved");
		return s_finish(t);
	default: break;
	}
	snprintf(t->c1_account_id, sizeof(t->c1_account_id), "%s", key.account_id);
	snprintf(t->c1_region, sizeof(t->c1_region), "%s", key.region);
	c1_cloudone_apikey_dispose(&key);
	t->aws_region = c1_regions_aws_for_cloudone(t->c1_region);
	if (!t->aws_region || c1_cloudone_client_set_region(&t->c1, t->c1_region) != 0) {
		struct c1_api_error e = C1_API_ERROR_INIT;
		snprintf(e.code, sizeof(e.code), "UnknownRegion");
		snprintf(e.message, sizeof(e.message),
			 "Cloud One region \"%s\" has no AWS region in c1onboard's table", t->c1_region);
		s_fail(t, C1_STEP_CLOUDONE_ACCOUNT, &e, "unsupported Cloud One region");
		return s_finish(t);
	}
	s_step_done(t, 0);
	struct c1_state_tenant st = {0};
	st.api_key_id = t->key_id;
	st.c1_account_id = t->c1_account_id;
	st.c1_region = t->c1_region;
	c1_job_state_written(t->run, c1_state_tenant_upsert(t->run->state, t->run->run_id, &st));
	/* Offboard leaves the link alone; a strategy that links Vision One
	 * itself (the all-in-one template's Lambdas) needs no link step. */
	t->phase = (c1_mode_policy(t->run->mode)->toward_absent || t->run->strategy->links_visionone)
		       ? T_DONE
		       : T_V1_CHECK;
	if (t->phase == T_DONE) {
		t->visionone = C1_V1_UNKNOWN;
		return s_finish(t);
	}
	return C1_TASK_AGAIN;
}

/* Vision One's connector list (documented: productId, isConnected) judged for
 * this tenant's Cloud One account. RETRY/FAIL as c1_call_after says. */
static enum c1_call_verdict s_v1_seen(struct c1_tenant *t, struct c1_task_ctx *ctx,
				      enum c1_v1_link_seen *seen, struct c1_api_error *err)
{
	struct c1_visionone_connector_list list = C1_VISIONONE_CONNECTOR_LIST_INIT;
	int rc = c1_visionone_list_connectors(&list, &t->v1, err);
	enum c1_call_verdict v = s_after(t, ctx, rc, 0, err);
	if (v == C1_CALL_OK)
		*seen = c1_visionone_link_seen(&list, t->c1_account_id,
					       t->v1_connector_id[0] ? t->v1_connector_id : NULL);
	c1_visionone_connector_list_dispose(&list);
	return v;
}

/* T_V1_CHECK: is Cloud One linked to Vision One? Only a connected entry of
 * Vision One's list tied to this account says so (an undocumented answer
 * never does); anything else is not linked, which only apply repairs. */
static int s_check_visionone_link(struct c1_tenant *t, struct c1_task_ctx *ctx)
{
	struct c1_api_error err = C1_API_ERROR_INIT;
	enum c1_v1_link_seen seen = C1_V1_SEEN_NOT_LINKED;
	GATE();
	s_step_begin(t, 1);
	switch (s_v1_seen(t, ctx, &seen, &err)) {
	case C1_CALL_RETRY: return C1_TASK_WAIT;
	case C1_CALL_FAIL:
		s_fail(t, C1_STEP_VISIONONE_LINK, &err, "the Vision One link could not be checked");
		return s_finish(t);
	default: break;
	}
	if (seen == C1_V1_SEEN_LINKED) {
		t->visionone = C1_V1_ALREADY_LINKED;
		s_step_done(t, 1);
		t->phase = T_EXTERNAL_ID;
	} else if (!c1_mode_policy(t->run->mode)->acts) {
		t->visionone = C1_V1_NOT_LINKED;
		s_step_done(t, 1);
		t->phase = T_EXTERNAL_ID;
	} else {
		t->phase = T_V1_TOKEN;
	}
	return C1_TASK_AGAIN;
}

/* T_V1_TOKEN, T_V1_CONNECT: an enrollment token from Vision One, handed to
 * Cloud One at once to link the two. */
static int s_link_visionone(struct c1_tenant *t, struct c1_task_ctx *ctx)
{
	struct c1_api_error err = C1_API_ERROR_INIT;
	GATE();
	struct c1_visionone_enrollment en = C1_VISIONONE_ENROLLMENT_INIT;
	int rc = c1_visionone_enrollment_token(&en, &t->v1, &err);
	enum c1_call_verdict v = s_after(t, ctx, rc, 0, &err);
	if (v == C1_CALL_OK) {
		struct c1_cloudone_v1_registration reg = C1_CLOUDONE_V1_REGISTRATION_INIT;
		/* The token lives only in memory, used at once; a retry asks for a fresh
		 * one on the next run rather than hold it across the wait. */
		err = (struct c1_api_error)C1_API_ERROR_INIT;
		rc = c1_cloudone_visionone_connect(&reg, &t->c1, &en.token, &err);
		v = s_after(t, ctx, rc, 0, &err);
		if (v == C1_CALL_OK) {
			/* A re-link may answer with the existing registration's connector. */
			const char *id =
			    reg.connector_id && *reg.connector_id ? reg.connector_id : en.connector_id;
			snprintf(t->v1_connector_id, sizeof(t->v1_connector_id), "%s", id ? id : "");
			snprintf(t->v1_reg_status, sizeof(t->v1_reg_status), "%s",
				 reg.status ? reg.status : "");
		}
		c1_cloudone_v1_registration_dispose(&reg);
	}
	c1_visionone_enrollment_dispose(&en);
	if (v == C1_CALL_RETRY)
		return C1_TASK_WAIT;
	if (v == C1_CALL_FAIL) {
		s_fail(t, C1_STEP_VISIONONE_LINK, &err, "linking Cloud One to Vision One failed");
		return s_finish(t);
	}
	/* The reply's status is not documented beyond its name: the list decides. */
	t->v1_checks = 0;
	t->phase = T_V1_VERIFY;
	return C1_TASK_AGAIN;
}

/* T_V1_VERIFY: the link counts once Vision One lists it connected. */
static int s_verify_visionone_link(struct c1_tenant *t, struct c1_task_ctx *ctx)
{
	struct c1_api_error err = C1_API_ERROR_INIT;
	enum c1_v1_link_seen seen = C1_V1_SEEN_NOT_LINKED;
	GATE();
	switch (s_v1_seen(t, ctx, &seen, &err)) {
	case C1_CALL_RETRY: return C1_TASK_WAIT;
	case C1_CALL_FAIL:
		s_fail(t, C1_STEP_VISIONONE_LINK, &err, "the new Vision One link could not be checked");
		return s_finish(t);
	default: break;
	}
	if (seen == C1_V1_SEEN_LINKED) {
		t->visionone = C1_V1_LINKED;
		s_step_done(t, 1);
		t->phase = T_EXTERNAL_ID;
		return C1_TASK_AGAIN;
	}
	if (++t->v1_checks < S_V1_VERIFY_CHECKS)
		return c1_task_wait_for(ctx, t->run->poll_min_ms << (t->v1_checks - 1));
	struct c1_api_error e = C1_API_ERROR_INIT;
	snprintf(e.code, sizeof(e.code), "VisionOneLinkUnconfirmed");
	snprintf(e.message, sizeof(e.message),
		 "Cloud One accepted the link (registration.status \"%.40s\"), but after %d checks Vision "
		 "One's connector list shows %s for Cloud One account %s, so the link is not confirmed; "
		 "check Vision One (Product Connector) and run apply again",
		 t->v1_reg_status[0] ? t->v1_reg_status : "?", t->v1_checks, c1_v1_link_seen_name(seen),
		 t->c1_account_id);
	s_fail(t, C1_STEP_VISIONONE_LINK, &e, "the Vision One link is not confirmed");
	return s_finish(t);
}

/* T_EXTERNAL_ID: Workload Security's external id (its role trusts it); the
 * tenant row gets the link status and the id, and the tenant is ready. */
static int s_read_external_id(struct c1_tenant *t, struct c1_task_ctx *ctx)
{
	struct c1_api_error err = C1_API_ERROR_INIT;
	GATE();
	char *ext = NULL;
	int rc = c1_cloudone_ws_external_id(&ext, &t->c1, &err);
	switch (s_after(t, ctx, rc, 0, &err)) {
	case C1_CALL_RETRY: free(ext); return C1_TASK_WAIT;
	case C1_CALL_FAIL:
		free(ext);
		s_fail(t, C1_STEP_VISIONONE_LINK, &err,
		       "the Workload Security external id could not be read");
		return s_finish(t);
	default: break;
	}
	t->external_id = ext;
	struct c1_state_tenant st = {0};
	st.api_key_id = t->key_id;
	st.visionone = t->visionone;
	st.ws_external_id = t->external_id;
	c1_job_state_written(t->run, c1_state_tenant_upsert(t->run->state, t->run->run_id, &st));
	return s_finish(t);
}

static int s_run_phase(struct c1_tenant *t, struct c1_task_ctx *ctx)
{
	if (ctx->cancelled && t->phase != T_DONE)
		return s_interrupted(t);
	switch (t->phase) {
	case T_APIKEY: return s_resolve_apikey(t, ctx);
	case T_V1_CHECK: return s_check_visionone_link(t, ctx);
	case T_V1_TOKEN:
	case T_V1_CONNECT: return s_link_visionone(t, ctx);
	case T_V1_VERIFY: return s_verify_visionone_link(t, ctx);
	case T_EXTERNAL_ID: return s_read_external_id(t, ctx);
	default: return s_finish(t);
	}
}

static const char *s_phase_step_name(const void *who)
{
	int phase = ((const struct c1_tenant *)who)->phase;
	if (phase == T_APIKEY)
		return c1_step_def(C1_STEP_CLOUDONE_ACCOUNT)->name;
	if (phase == T_V1_CHECK || phase == T_V1_TOKEN || phase == T_V1_CONNECT || phase == T_V1_VERIFY)
		return c1_step_def(C1_STEP_VISIONONE_LINK)->name;
	return NULL;
}

/* The tenant task: one phase per task run (a call, or a wait for one). Lines
 * logged meanwhile (retries) carry the tenant's region and step. */
static int s_run(struct c1_task *task, struct c1_task_ctx *ctx)
{
	struct c1_tenant *t = task->data;
	struct c1_log_scope scope = {NULL, t->aws_region, s_phase_step_name, t};
	const struct c1_log_scope *prev = c1_log_scope_enter(&scope);
	int r = s_run_phase(t, ctx);
	c1_log_scope_leave(prev);
	return r;
}

/* ---- the cloud-account index ---- */

static int s_index_end(struct c1_tenant *t, enum c1_tenant_index_state state)
{
	atomic_store(&t->index_state, state);
	free(t->index_cursor);
	t->index_cursor = NULL;
	c1_sched_event_signal(t->index_ready);
	return C1_TASK_DONE;
}

static int s_index_run(struct c1_task *task, struct c1_task_ctx *ctx)
{
	struct c1_tenant *t = task->data;
	struct c1_api_error err = C1_API_ERROR_INIT;
	if (ctx->cancelled) {
		snprintf(t->index_err.code, sizeof(t->index_err.code), "Cancelled");
		snprintf(t->index_err.message, sizeof(t->index_err.message), "the run was interrupted");
		return s_index_end(t, C1_INDEX_FAILED);
	}
	if (t->index_pages >= C1_CLOUDONE_MAX_PAGES) {
		snprintf(t->index_err.code, sizeof(t->index_err.code), "UnexpectedReplyShape");
		snprintf(t->index_err.message, sizeof(t->index_err.message),
			 "GET /api/cloudaccounts/aws answered more than %d pages, each with a next cursor; "
			 "stopping for this tenant rather than guessing",
			 C1_CLOUDONE_MAX_PAGES);
		return s_index_end(t, C1_INDEX_FAILED);
	}
	GATE();
	struct c1_cloudone_cloud_account_list page = C1_CLOUDONE_CLOUD_ACCOUNT_LIST_INIT;
	char *next = NULL;
	int rc = c1_cloudone_cloud_account_page(&page, &next, &t->c1, t->index_cursor, &err);
	switch (c1_call_after(t->run, ctx, t->rl_key, rc, 0, &err, false, &t->run->quota, &t->index_call)) {
	case C1_CALL_RETRY: free(next); return C1_TASK_WAIT;
	case C1_CALL_FAIL:
		free(next);
		t->index_err = err;
		return s_index_end(t, C1_INDEX_FAILED);
	default: break;
	}
	c1_cloud_index_merge(t->cloud_index, &page);
	c1_cloudone_cloud_account_list_dispose(&page);
	t->index_pages++;
	free(t->index_cursor);
	t->index_cursor = next;
	if (next)
		return C1_TASK_AGAIN;
	C1_DEBUG("tenant", "Cloud One account %s: %zu cloud accounts in %d page(s)", t->c1_account_id,
		 c1_cloud_index_count(t->cloud_index), t->index_pages);
	return s_index_end(t, C1_INDEX_READY);
}

int c1_tenant_cloud_index(struct c1_tenant *t, struct c1_task_ctx *ctx, struct c1_api_error *err)
{
	int state = atomic_load(&t->index_state);
	if (state == C1_INDEX_EMPTY) {
		int expected = C1_INDEX_EMPTY;
		if (atomic_compare_exchange_strong(&t->index_state, &expected, C1_INDEX_FILLING) &&
		    c1_scheduler_submit_unbounded(t->run->sched, &t->index_task) != 0) {
			snprintf(t->index_err.code, sizeof(t->index_err.code), "Cancelled");
			snprintf(t->index_err.message, sizeof(t->index_err.message),
				 "the run was interrupted");
			s_index_end(t, C1_INDEX_FAILED);
		}
		state = atomic_load(&t->index_state);
	}
	if (state == C1_INDEX_READY)
		return 0;
	if (state == C1_INDEX_FAILED) {
		*err = t->index_err;
		c1_error_set("%s", t->index_err.message);
		return C1_ERROR;
	}
	return c1_task_block_on(ctx, t->index_ready);
}

struct c1_tenant *c1_tenant_new(struct c1_run_shared *run, const struct c1_secret *api_key,
				const struct c1_secret *v1_token)
{
	struct c1_tenant *t = c1_calloc(1, sizeof(*t));
	struct c1_cloudone_client c1 = C1_CLOUDONE_CLIENT_INIT;
	struct c1_visionone_client v1 = C1_VISIONONE_CLIENT_INIT;
	t->run = run;
	t->c1 = c1;
	t->v1 = v1;
	t->api_key = api_key;
	t->v1_token = v1_token;
	t->err = (struct c1_api_error)C1_API_ERROR_INIT;
	t->visionone = C1_V1_UNKNOWN;
	c1_sched_event_new(&t->ready, run->sched);
	c1_task_init(&t->task, s_run, NULL, t);
	t->cloud_index = c1_cloud_index_new();
	c1_sched_event_new(&t->index_ready, run->sched);
	c1_task_init(&t->index_task, s_index_run, NULL, t);
	t->index_err = (struct c1_api_error)C1_API_ERROR_INIT;
	struct c1_cloudone_config cc = {run->transport, api_key, NULL, getenv("C1_ENDPOINT_URL"), 0};
	if (c1_cloudone_client_init(&t->c1, &cc) != 0) {
		s_fail(t, C1_STEP_CLOUDONE_ACCOUNT, NULL, "Cloud One client");
		snprintf(t->key_id, sizeof(t->key_id), "unknown");
	} else {
		snprintf(t->key_id, sizeof(t->key_id), "%s", t->c1.key_id);
	}
	struct c1_visionone_config vc = {run->transport, v1_token, NULL, getenv("V1_ENDPOINT_URL"), 0};
	if (!t->failed && c1_visionone_client_init(&t->v1, &vc) != 0)
		s_fail(t, C1_STEP_VISIONONE_LINK, NULL, "Vision One client");
	t->rl_key = c1_ratelimit_key("cloudone", NULL, t->key_id);
	return t;
}

void c1_tenant_start(struct c1_tenant *tenant)
{
	if (tenant->failed || c1_scheduler_submit_unbounded(tenant->run->sched, &tenant->task) != 0)
		c1_sched_event_signal(tenant->ready);
}

void c1_tenant_free(struct c1_tenant *tenant)
{
	if (!tenant)
		return;
	c1_io_slot_free(&tenant->task);
	c1_io_slot_free(&tenant->index_task);
	c1_cloudone_client_dispose(&tenant->c1);
	c1_visionone_client_dispose(&tenant->v1);
	c1_sched_event_free(tenant->ready);
	c1_sched_event_free(tenant->index_ready);
	c1_cloud_index_free(tenant->cloud_index);
	free(tenant->index_cursor);
	free(tenant->external_id);
	free(tenant->rl_key);
	free(tenant);
}

void c1_tenant_report(struct c1_tenant *tenant, struct c1_report_tenant *out)
{
	out->c1_account_id = tenant->c1_account_id[0] ? c1_strdup(tenant->c1_account_id) : NULL;
	out->c1_region = tenant->c1_region[0] ? c1_strdup(tenant->c1_region) : NULL;
	out->visionone = tenant->visionone;
	out->error = tenant->failed ? c1_strdup(tenant->error) : NULL;
	struct c1_state_tenant st = {0};
	st.api_key_id = tenant->key_id;
	st.visionone = tenant->visionone;
	st.error = tenant->failed ? tenant->error : NULL;
	c1_job_state_written(tenant->run,
			     c1_state_tenant_upsert(tenant->run->state, tenant->run->run_id, &st));
}
