/* c1sim CloudFormation: the Query API (2010-05-15, XML), stacks and their
 * status machine computed lazily from timestamps, stack events, resources
 * and their side effects in other modules, IAM role lookup for STS, drift
 * detection and drift injection, and the state dump. */
#include "sim_cfn.h"

#include "engine/core/alloc.h"
#include "engine/run/timer_heap.h"
#include "engine/core/buf.h"

#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define PAGE_SIZE     100
#define REASON_MAX    1024
#define DRIFT_SECONDS 5.0

enum on_failure { ON_FAILURE_ROLLBACK = 0, ON_FAILURE_DELETE, ON_FAILURE_DO_NOTHING };
enum cfn_op { OP_NONE = 0, OP_CREATE, OP_UPDATE, OP_DELETE, OP_CONTINUE };
enum step_kind { STEP_STACK, STEP_RES, STEP_PREV_RES, STEP_HOOK, STEP_RESTORE };

struct cfn_event {
	int64_t at_ms;
	char id[48];
	char *logical_id, *physical_id, *type, *status, *reason;
};

/* One scheduled transition; applied when a read finds at_ms <= now. */
struct cfn_step {
	int64_t at_ms;
	enum step_kind kind;
	int res; /* index into res (STEP_RES, STEP_HOOK) or prev.res (STEP_PREV_RES) */
	char status[48];
	char *reason;
	bool with_phys;
};

/* What an update replaced, kept for its rollback. */
struct cfn_snapshot {
	bool valid;
	struct cfn_template tmpl;
	struct cfn_kv *params, *outputs;
	size_t nparams, nout;
	struct cfn_resource *res;
	size_t nres;
};

struct cfn_stack {
	char account_id[16];
	char region[32];
	char *name;
	char *stack_id;
	char *principal; /* who created it, for realistic AccessDenied reasons */
	struct cfn_template tmpl;
	char *template_url; /* NULL when created from a TemplateBody */
	struct cfn_kv *params, *tags, *outputs, *pending_outputs;
	size_t nparams, ntags, nout, npending;
	char **caps;
	size_t ncaps;
	struct cfn_resource *res;
	size_t nres;
	struct cfn_snapshot prev;
	char status[48];
	char *reason;
	int64_t created_ms, updated_ms, deleted_ms;
	enum on_failure on_failure;
	enum cfn_op op;
	char failed_logical[256];
	struct cfn_event *events;
	size_t nevents, capevents;
	struct cfn_step *steps;
	size_t nsteps, capsteps, step_next;
	bool hook_busy;
	bool listed; /* in s_stacks and the account index: step changes go on s_due */
};

struct cfn_detection {
	char id[48];
	struct cfn_stack *st;
	int64_t started_ms, done_ms;
	int drifted;
	json_t *results; /* array of {logical,physical,type,expected,actual,status,diffs} */
};

/* Calls into other modules, made after our lock is released. */
enum fx_kind { FX_BUCKET_ADD, FX_BUCKET_REMOVE, FX_TRAIL_ADD, FX_TRAIL_REMOVE, FX_CT_EVENT, FX_ONBOARD };
struct cfn_fx {
	enum fx_kind kind;
	char account[16], region[32];
	char *a, *b, *c; /* bucket/trail name, trail bucket; token; api key, v1 token */
	bool flag;       /* multi-region; created */
};
struct cfn_fxq {
	struct cfn_fx *items;
	size_t n, cap;
};
#define CFN_FXQ_INIT       \
	{                  \
		NULL, 0, 0 \
	}

/* A cross-module call whose answer changes the stack's plan. */
struct cfn_hook {
	struct cfn_stack *st;
	int res;
	int64_t at_ms;
	enum cfn_kind kind;
	char account[16], region[32];
	char *token, *api_key, *v1_token;
};

/* Stacks of one AWS account in creation order: every request names its
 * account, so lookups scan a handful of stacks, not all of them. */
struct acct_stacks {
	char account[16];
	struct cfn_stack **v;
	size_t n, cap;
	struct acct_stacks *next;
};
#define ACCT_SLOTS 16384

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cfn_stack **s_stacks;
static size_t s_nstacks, s_capstacks;
static struct acct_stacks *s_by_acct[ACCT_SLOTS];
/* (time of the next step, stack) for stacks with steps to apply; an entry may
 * be stale (the plan changed), settling skips those. */
static struct c1_timer_heap s_due = C1_TIMER_HEAP_INIT;
static struct cfn_detection *s_dets;
static size_t s_ndets, s_capdets;
static int64_t s_offset_ms;
static char s_forced[64]; /* test hook: the next targeted check of this effect fires */

/* sim_faults_targeted, plus a one-shot effect forced by a test. */
static bool targeted(const char *effect, const char *route, const char *account_id, const char *stack)
{
	if (s_forced[0] && strcmp(s_forced, effect) == 0) {
		s_forced[0] = '\0';
		return true;
	}
	return sim_faults_targeted(effect, "cloudformation", route, account_id, stack);
}

/* ---- small helpers ---- */

static char *dupn(const char *s)
{
	return s ? c1_strdup(s) : NULL;
}

static void set_str(char **slot, const char *v)
{
	free(*slot);
	*slot = dupn(v);
}

static const char *kv_get(const struct cfn_kv *kv, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(kv[i].key, key) == 0)
			return kv[i].value;
	return NULL;
}

static struct cfn_kv *kvs_copy(const struct cfn_kv *kv, size_t n)
{
	struct cfn_kv *out = c1_calloc(n + 1, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		out[i].key = c1_strdup(kv[i].key);
		out[i].value = c1_strdup(kv[i].value);
		out[i].no_echo = kv[i].no_echo;
	}
	return out;
}

static void iso_time(char *out, size_t len, int64_t ms)
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	char base[32];

	gmtime_r(&secs, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, len, "%s.%03dZ", base, (int)(ms % 1000));
}

static bool status_in_progress(const char *status)
{
	return strstr(status, "_IN_PROGRESS") != NULL;
}

static bool is_hook_resource(const struct cfn_stack *st, const struct cfn_resource *r)
{
	return (st->tmpl.kind == CFN_KIND_FORWARDER && strcmp(r->type, "Custom::StackLifecycleEvent") == 0) ||
	       (st->tmpl.kind == CFN_KIND_ALLINONE && strcmp(r->type, "Custom::CloudOneOnboarding") == 0);
}

static void new_uuid(char *out, size_t len)
{
	sim_new_request_id(out, len);
}

/* ---- effects ---- */

static void fx_push(struct cfn_fxq *q, enum fx_kind kind, const struct cfn_stack *st, const char *a,
		    const char *b, const char *c, bool flag)
{
	struct cfn_fx *f;

	if (!q)
		return;
	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 8;
		q->items = c1_realloc(q->items, q->cap * sizeof(*q->items));
	}
	f = &q->items[q->n++];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	snprintf(f->account, sizeof(f->account), "%s", st->account_id);
	snprintf(f->region, sizeof(f->region), "%s", st->region);
	f->a = dupn(a);
	f->b = dupn(b);
	f->c = dupn(c);
	f->flag = flag;
}

static void fx_run(struct cfn_fxq *q)
{
	char reason[REASON_MAX];

	for (size_t i = 0; i < q->n; i++) {
		struct cfn_fx *f = &q->items[i];
		switch (f->kind) {
		case FX_BUCKET_ADD: sim_s3_bucket_add(f->a, f->region, f->account); break;
		case FX_BUCKET_REMOVE: sim_s3_bucket_remove(f->a); break;
		case FX_TRAIL_ADD:
			sim_cloudtrail_trail_add(f->account, f->region, f->a, f->b ? f->b : "", f->flag);
			break;
		case FX_TRAIL_REMOVE: sim_cloudtrail_trail_remove(f->account, f->a); break;
		case FX_CT_EVENT:
			sim_cloudone_cloudtrail_stack_event(f->account, f->region, f->b ? f->b : "", f->flag);
			break;
		case FX_ONBOARD:
			sim_cloudone_template_onboard(f->b ? f->b : "", f->c ? f->c : "", f->account,
						      f->region, f->flag, reason, sizeof(reason));
			break;
		}
		free(f->a);
		c1_free_secure_str(f->b);
		c1_free_secure_str(f->c);
	}
	free(q->items);
	q->items = NULL;
	q->n = q->cap = 0;
}

/* Registrations a resource makes in other modules when it comes to exist. */
static void resource_effects(struct cfn_stack *st, struct cfn_resource *r, bool exists, struct cfn_fxq *fx)
{
	if (exists == r->created)
		return;
	r->created = exists;
	if (strcmp(r->type, "AWS::S3::Bucket") == 0) {
		fx_push(fx, exists ? FX_BUCKET_ADD : FX_BUCKET_REMOVE, st, r->physical_id, NULL, NULL, false);
	} else if (strcmp(r->type, "AWS::CloudTrail::Trail") == 0) {
		json_t *multi = json_object_get(r->props, "IsMultiRegionTrail");
		bool m = json_is_true(multi) ||
			 (json_is_string(multi) && strcmp(json_string_value(multi), "true") == 0);
		fx_push(fx, exists ? FX_TRAIL_ADD : FX_TRAIL_REMOVE, st, r->physical_id,
			json_string_value(json_object_get(r->props, "S3BucketName")), NULL, m);
	} else if (!exists && is_hook_resource(st, r)) {
		/* The custom resource's Delete: the Lambda tells Trend the stack is going. */
		if (st->tmpl.kind == CFN_KIND_FORWARDER)
			fx_push(fx, FX_CT_EVENT, st, NULL, kv_get(st->params, st->nparams, "ServiceToken"),
				NULL, false);
		else
			fx_push(fx, FX_ONBOARD, st, NULL, kv_get(st->params, st->nparams, "CloudOneApiKey"),
				kv_get(st->params, st->nparams, "VisionOneServiceToken"), false);
	}
}

/* ---- events and steps ---- */

static void event_add(struct cfn_stack *st, int64_t at, const char *logical, const char *physical,
		      const char *type, const char *status, const char *reason)
{
	struct cfn_event *e;

	if (st->nevents == st->capevents) {
		st->capevents = st->capevents ? st->capevents * 2 : 16;
		st->events = c1_realloc(st->events, st->capevents * sizeof(*st->events));
	}
	e = &st->events[st->nevents++];
	memset(e, 0, sizeof(*e));
	e->at_ms = at;
	new_uuid(e->id, sizeof(e->id));
	e->logical_id = dupn(logical);
	e->physical_id = dupn(physical);
	e->type = dupn(type);
	e->status = dupn(status);
	e->reason = dupn(reason);
}

static void stack_event(struct cfn_stack *st, int64_t at, const char *status, const char *reason)
{
	snprintf(st->status, sizeof(st->status), "%s", status);
	set_str(&st->reason, reason);
	event_add(st, at, st->name, st->stack_id, "AWS::CloudFormation::Stack", status, reason);
}

static void step_add(struct cfn_stack *st, int64_t at, enum step_kind kind, int res, const char *status,
		     const char *reason, bool with_phys)
{
	struct cfn_step *sp;

	if (st->nsteps == st->capsteps) {
		st->capsteps = st->capsteps ? st->capsteps * 2 : 16;
		st->steps = c1_realloc(st->steps, st->capsteps * sizeof(*st->steps));
	}
	sp = &st->steps[st->nsteps++];
	memset(sp, 0, sizeof(*sp));
	sp->at_ms = at;
	sp->kind = kind;
	sp->res = res;
	snprintf(sp->status, sizeof(sp->status), "%s", status ? status : "");
	sp->reason = dupn(reason);
	sp->with_phys = with_phys;
	if (st->listed && st->nsteps - 1 == st->step_next)
		c1_timer_heap_push(&s_due, at, st);
}

/* Queue the stack's next step (after it advanced or a hook answered). */
static void due_push(struct cfn_stack *st)
{
	if (st->listed && !st->hook_busy && st->step_next < st->nsteps)
		c1_timer_heap_push(&s_due, st->steps[st->step_next].at_ms, st);
}

/* Forget the steps not yet applied (a failure rewrites the rest of the plan). */
static void steps_truncate(struct cfn_stack *st)
{
	for (size_t i = st->step_next; i < st->nsteps; i++)
		free(st->steps[i].reason);
	st->nsteps = st->step_next;
	if (st->nsteps == st->step_next) {
		for (size_t i = 0; i < st->step_next; i++)
			free(st->steps[i].reason);
		st->nsteps = st->step_next = 0;
	}
}

static void snapshot_dispose(struct cfn_snapshot *s)
{
	if (!s->valid)
		return;
	cfn_template_dispose(&s->tmpl);
	cfn_kvs_free(s->params, s->nparams);
	cfn_kvs_free(s->outputs, s->nout);
	cfn_resources_free(s->res, s->nres);
	memset(s, 0, sizeof(*s));
}

static void restore_snapshot(struct cfn_stack *st, struct cfn_fxq *fx)
{
	struct cfn_snapshot *p = &st->prev;

	if (!p->valid)
		return;
	/* Resources the failed update added are deleted by the rollback. */
	for (size_t i = 0; i < st->nres; i++) {
		bool known = false;
		for (size_t k = 0; k < p->nres; k++)
			if (strcmp(p->res[k].logical_id, st->res[i].logical_id) == 0)
				known = true;
		if (!known)
			resource_effects(st, &st->res[i], false, fx);
	}
	cfn_template_dispose(&st->tmpl);
	cfn_kvs_free(st->params, st->nparams);
	cfn_kvs_free(st->outputs, st->nout);
	cfn_kvs_free(st->pending_outputs, st->npending);
	cfn_resources_free(st->res, st->nres);
	st->tmpl = p->tmpl;
	st->params = p->params;
	st->nparams = p->nparams;
	st->outputs = p->outputs;
	st->nout = p->nout;
	st->pending_outputs = NULL;
	st->npending = 0;
	st->res = p->res;
	st->nres = p->nres;
	memset(p, 0, sizeof(*p));
}

static void apply_step(struct cfn_stack *st, struct cfn_step *sp, struct cfn_fxq *fx)
{
	struct cfn_resource *r;
	/* STEP_PREV_RES indexes the previous version (until the restore makes it current). */
	bool prev = sp->kind == STEP_PREV_RES && st->prev.valid;
	struct cfn_resource *res = prev ? st->prev.res : st->res;
	size_t nres = prev ? st->prev.nres : st->nres;

	switch (sp->kind) {
	case STEP_STACK:
		stack_event(st, sp->at_ms, sp->status, sp->reason);
		if (strcmp(sp->status, "DELETE_COMPLETE") == 0)
			st->deleted_ms = sp->at_ms;
		if ((strcmp(sp->status, "CREATE_COMPLETE") == 0 ||
		     strcmp(sp->status, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS") == 0) &&
		    st->pending_outputs) {
			cfn_kvs_free(st->outputs, st->nout);
			st->outputs = st->pending_outputs;
			st->nout = st->npending;
			st->pending_outputs = NULL;
			st->npending = 0;
		}
		break;
	case STEP_RES:
	case STEP_PREV_RES:
		if (sp->res < 0 || (size_t)sp->res >= nres)
			break;
		r = &res[sp->res];
		snprintf(r->status, sizeof(r->status), "%s", sp->status);
		set_str(&r->reason, sp->reason);
		r->status_ms = sp->at_ms;
		event_add(st, sp->at_ms, r->logical_id, sp->with_phys ? r->physical_id : "", r->type,
			  sp->status, sp->reason);
		if (strcmp(sp->status, "CREATE_COMPLETE") == 0 || strcmp(sp->status, "UPDATE_COMPLETE") == 0)
			resource_effects(st, r, true, fx);
		else if (strcmp(sp->status, "DELETE_COMPLETE") == 0)
			resource_effects(st, r, false, fx);
		if (strcmp(sp->status, "DELETE_COMPLETE") == 0 && st->op == OP_UPDATE)
			r->gone = true;
		break;
	case STEP_RESTORE: restore_snapshot(st, fx); break;
	case STEP_HOOK: break;
	}
}

static void hook_dispose(struct cfn_hook *h)
{
	c1_free_secure_str(h->token);
	c1_free_secure_str(h->api_key);
	c1_free_secure_str(h->v1_token);
	memset(h, 0, sizeof(*h));
}

/*
 * Apply the due steps of one stack. A due hook step is handed to the caller
 * (true, *hook filled) when allow_hooks, else the stack waits before it.
 */
static bool stack_advance(struct cfn_stack *st, int64_t now, bool allow_hooks, struct cfn_fxq *fx,
			  struct cfn_hook *hook)
{
	while (!st->hook_busy && st->step_next < st->nsteps && st->steps[st->step_next].at_ms <= now) {
		struct cfn_step *sp = &st->steps[st->step_next];
		if (sp->kind == STEP_HOOK) {
			if (!allow_hooks)
				return false;
			memset(hook, 0, sizeof(*hook));
			hook->st = st;
			hook->res = sp->res;
			hook->at_ms = sp->at_ms;
			hook->kind = st->tmpl.kind;
			snprintf(hook->account, sizeof(hook->account), "%s", st->account_id);
			snprintf(hook->region, sizeof(hook->region), "%s", st->region);
			hook->token = dupn(kv_get(st->params, st->nparams, "ServiceToken"));
			hook->api_key = dupn(kv_get(st->params, st->nparams, "CloudOneApiKey"));
			hook->v1_token = dupn(kv_get(st->params, st->nparams, "VisionOneServiceToken"));
			st->hook_busy = true;
			st->step_next++;
			return true;
		}
		apply_step(st, sp, fx);
		st->step_next++;
	}
	if (!st->hook_busy && st->step_next == st->nsteps && st->nsteps)
		steps_truncate(st);
	return false;
}

/* ---- plans ---- */

static int64_t at(int64_t t0, double seconds)
{
	return sim_after_ms(t0, seconds);
}

static void failure_reason(const struct cfn_stack *st, const struct cfn_resource *r, bool deleting, char *out,
			   size_t len)
{
	char rid[48], tok[48];

	new_uuid(rid, sizeof(rid));
	new_uuid(tok, sizeof(tok));
	if (deleting) {
		if (strcmp(r->type, "AWS::S3::Bucket") == 0)
			snprintf(out, len,
				 "The bucket you tried to delete is not empty (Service: Amazon S3; Status "
				 "Code: 409; "
				 "Error Code: BucketNotEmpty; Request ID: %s; Proxy: null)",
				 rid);
		else if (strcmp(r->type, "AWS::IAM::Role") == 0)
			snprintf(out, len,
				 "Cannot delete entity, must detach all policies first. (Service: "
				 "AmazonIdentityManagement; Status Code: 409; Error Code: DeleteConflict; "
				 "Request ID: %s; "
				 "Proxy: null)",
				 rid);
		else
			snprintf(out, len,
				 "Resource handler returned message: \"Access Denied (Service: %s, Status "
				 "Code: 403, "
				 "Request ID: %s)\" (RequestToken: %s, HandlerErrorCode: AccessDenied)",
				 r->type, rid, tok);
		return;
	}
	if (strncmp(r->type, "Custom::", 8) == 0)
		snprintf(out, len,
			 "Received response status [FAILED] from custom resource. Message returned: Internal "
			 "error "
			 "(RequestId: %s)",
			 rid);
	else if (strcmp(r->type, "AWS::S3::Bucket") == 0)
		snprintf(
		    out, len,
		    "Resource handler returned message: \"%s already exists (Service: S3, Status Code: 409, "
		    "Request ID: %s)\" (RequestToken: %s, HandlerErrorCode: AlreadyExists)",
		    r->physical_id, rid, tok);
	else if (cfn_type_is_iam(r->type))
		snprintf(
		    out, len,
		    "Resource handler returned message: \"User: %s is not authorized to perform: "
		    "iam:CreateRole "
		    "on resource: %s because no identity-based policy allows the iam:CreateRole action "
		    "(Service: Iam, Status Code: 403, Request ID: %s)\" (RequestToken: %s, HandlerErrorCode: "
		    "AccessDenied)",
		    st->principal ? st->principal : "unknown", r->arn ? r->arn : r->physical_id, rid, tok);
	else
		snprintf(out, len,
			 "Resource handler returned message: \"Internal Failure\" (RequestToken: %s, "
			 "HandlerErrorCode: InternalFailure)",
			 tok);
}

/* After resource `i` failed to create at t: rollback, delete, or stay CREATE_FAILED. */
static void plan_create_failure(struct cfn_stack *st, int i, const char *reason, int64_t t)
{
	char msg[REASON_MAX];
	double slot = cfn_template_duration(&st->tmpl, st->nres) / 2.0 / (double)(st->nres + 1);
	const char *logical = i >= 0 ? st->res[i].logical_id : "";

	snprintf(st->failed_logical, sizeof(st->failed_logical), "%s", logical);
	if (i >= 0)
		step_add(st, t, STEP_RES, i, "CREATE_FAILED", reason, true);
	if (st->on_failure == ON_FAILURE_DO_NOTHING) {
		snprintf(msg, sizeof(msg), "The following resource(s) failed to create: [%s]. ", logical);
		step_add(st, at(t, 1), STEP_STACK, -1, "CREATE_FAILED", msg, false);
		return;
	}
	snprintf(msg, sizeof(msg), "The following resource(s) failed to create: [%s]. %s requested by user.",
		 logical, st->on_failure == ON_FAILURE_DELETE ? "Delete" : "Rollback");
	step_add(st, at(t, 1), STEP_STACK, -1,
		 st->on_failure == ON_FAILURE_DELETE ? "DELETE_IN_PROGRESS" : "ROLLBACK_IN_PROGRESS", msg,
		 false);
	for (int j = i, k = 1; j >= 0; j--, k++) {
		step_add(st, at(t, 1 + slot * k), STEP_RES, j, "DELETE_IN_PROGRESS", NULL, true);
		step_add(st, at(t, 1 + slot * k + slot * 0.8), STEP_RES, j, "DELETE_COMPLETE", NULL, true);
	}
	step_add(st, at(t, 2 + slot * (i + 2)), STEP_STACK, -1,
		 st->on_failure == ON_FAILURE_DELETE ? "DELETE_COMPLETE" : "ROLLBACK_COMPLETE", NULL, false);
}

static void plan_create(struct cfn_stack *st, int64_t t0, int fail_res, const char *fail_reason,
			const char *problem_logical, const char *problem_reason)
{
	double total = cfn_template_duration(&st->tmpl, st->nres);
	double slot = total / (double)(st->nres + 1);

	for (size_t i = 0; i < st->nres; i++) {
		double s = slot * ((double)i + 0.5);
		struct cfn_resource *r = &st->res[i];
		bool problem = problem_logical && strcmp(problem_logical, r->logical_id) == 0;

		step_add(st, at(t0, s), STEP_RES, (int)i, "CREATE_IN_PROGRESS", NULL, false);
		step_add(st, at(t0, s + slot * 0.1), STEP_RES, (int)i, "CREATE_IN_PROGRESS",
			 "Resource creation Initiated", true);
		if ((int)i == fail_res || problem) {
			plan_create_failure(st, (int)i, problem ? problem_reason : fail_reason,
					    at(t0, s + slot * 0.9));
			return;
		}
		if (is_hook_resource(st, r))
			step_add(st, at(t0, s + slot * 0.8), STEP_HOOK, (int)i, NULL, NULL, false);
		step_add(st, at(t0, s + slot * 0.9), STEP_RES, (int)i, "CREATE_COMPLETE", NULL, true);
	}
	if (fail_res >= 0 && st->nres == 0) {
		plan_create_failure(st, -1, fail_reason, at(t0, total / 2));
		return;
	}
	step_add(st, at(t0, total), STEP_STACK, -1, "CREATE_COMPLETE", NULL, false);
}

static bool resource_live(const struct cfn_resource *r)
{
	return !r->gone && r->status[0] && strcmp(r->status, "DELETE_COMPLETE") != 0 &&
	       strcmp(r->status, "CREATE_FAILED") != 0;
}

static void plan_delete(struct cfn_stack *st, int64_t t0, bool fail)
{
	double total = cfn_template_duration(&st->tmpl, st->nres) / 2.0;
	double slot = total / (double)(st->nres + 1);
	char reason[REASON_MAX], msg[REASON_MAX];
	int k = 0;

	for (int j = (int)st->nres - 1; j >= 0; j--) {
		struct cfn_resource *r = &st->res[j];
		if (!resource_live(r))
			continue;
		k++;
		step_add(st, at(t0, slot * k), STEP_RES, j, "DELETE_IN_PROGRESS", NULL, true);
		if (fail) {
			failure_reason(st, r, true, reason, sizeof(reason));
			step_add(st, at(t0, slot * k + slot * 0.8), STEP_RES, j, "DELETE_FAILED", reason,
				 true);
			snprintf(msg, sizeof(msg), "The following resource(s) failed to delete: [%s]. ",
				 r->logical_id);
			step_add(st, at(t0, slot * k + slot * 0.9), STEP_STACK, -1, "DELETE_FAILED", msg,
				 false);
			return;
		}
		step_add(st, at(t0, slot * k + slot * 0.8), STEP_RES, j, "DELETE_COMPLETE", NULL, true);
	}
	if (fail) {
		step_add(
		    st, at(t0, slot), STEP_STACK, -1, "DELETE_FAILED",
		    "Resource handler returned message: \"Access Denied\" (HandlerErrorCode: AccessDenied)",
		    false);
		return;
	}
	step_add(st, at(t0, total), STEP_STACK, -1, "DELETE_COMPLETE", NULL, false);
}

static int prev_index(const struct cfn_stack *st, const char *logical)
{
	for (size_t k = 0; k < st->prev.nres; k++)
		if (strcmp(st->prev.res[k].logical_id, logical) == 0)
			return (int)k;
	return -1;
}

/* The end of an update rollback: previous version restored, then complete. */
static void plan_rollback_finish(struct cfn_stack *st, int64_t t)
{
	int pi = prev_index(st, st->failed_logical);
	double slot = cfn_template_duration(&st->tmpl, st->nres) / 4.0 / (double)(st->nres + 1);

	if (pi >= 0)
		step_add(st, at(t, slot), STEP_PREV_RES, pi, "UPDATE_IN_PROGRESS", NULL, true);
	step_add(st, at(t, slot * 1.5), STEP_RESTORE, -1, NULL, NULL, false);
	if (pi >= 0)
		step_add(st, at(t, slot * 2), STEP_RES, pi, "UPDATE_COMPLETE", NULL, true);
	step_add(st, at(t, slot * 3), STEP_STACK, -1, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", NULL,
		 false);
	step_add(st, at(t, slot * 4), STEP_STACK, -1, "UPDATE_ROLLBACK_COMPLETE", NULL, false);
}

static void plan_update_failure(struct cfn_stack *st, int i, const char *reason, int64_t t,
				bool rollback_fails)
{
	char msg[REASON_MAX], why[REASON_MAX];
	bool was_new = prev_index(st, st->res[i].logical_id) < 0;

	snprintf(st->failed_logical, sizeof(st->failed_logical), "%s", st->res[i].logical_id);
	step_add(st, t, STEP_RES, i, was_new ? "CREATE_FAILED" : "UPDATE_FAILED", reason, true);
	snprintf(msg, sizeof(msg), "The following resource(s) failed to %s: [%s]. ",
		 was_new ? "create" : "update", st->res[i].logical_id);
	step_add(st, at(t, 1), STEP_STACK, -1, "UPDATE_ROLLBACK_IN_PROGRESS", msg, false);
	if (rollback_fails) {
		failure_reason(st, &st->res[i], false, why, sizeof(why));
		step_add(st, at(t, 5), STEP_RES, i, "UPDATE_FAILED", why, true);
		snprintf(msg, sizeof(msg), "The following resource(s) failed to update: [%s]. ",
			 st->res[i].logical_id);
		step_add(st, at(t, 6), STEP_STACK, -1, "UPDATE_ROLLBACK_FAILED", msg, false);
		return;
	}
	plan_rollback_finish(st, at(t, 1));
}

/*
 * The update's plan: changed and new resources, then cleanup of removed
 * ones. `changed[i]` says resource i's properties differ from before.
 */
static void plan_update(struct cfn_stack *st, int64_t t0, const bool *changed, bool fail, bool rollback_fails)
{
	double total = cfn_template_duration(&st->tmpl, st->nres) * 0.6;
	double slot = total / (double)(st->nres + 2);
	int first = -1;
	char reason[REASON_MAX];

	for (size_t i = 0; i < st->nres; i++)
		if (changed[i] && first < 0)
			first = (int)i;
	if (first < 0 && st->nres)
		first = 0;
	for (size_t i = 0; i < st->nres; i++) {
		struct cfn_resource *r = &st->res[i];
		double s = slot * ((double)i + 0.5);
		bool is_new = r->status[0] == '\0';

		if (r->gone || (!changed[i] && !is_new && !(fail && (int)i == first)))
			continue;
		step_add(st, at(t0, s), STEP_RES, (int)i,
			 is_new ? "CREATE_IN_PROGRESS" : "UPDATE_IN_PROGRESS", NULL, !is_new);
		if ((int)i == first && fail) {
			failure_reason(st, r, false, reason, sizeof(reason));
			plan_update_failure(st, (int)i, reason, at(t0, s + slot * 0.9), rollback_fails);
			return;
		}
		if (is_hook_resource(st, r))
			step_add(st, at(t0, s + slot * 0.8), STEP_HOOK, (int)i, NULL, NULL, false);
		step_add(st, at(t0, s + slot * 0.9), STEP_RES, (int)i,
			 is_new ? "CREATE_COMPLETE" : "UPDATE_COMPLETE", NULL, true);
	}
	step_add(st, at(t0, total - slot), STEP_STACK, -1, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", NULL,
		 false);
	for (size_t i = 0; i < st->nres; i++) {
		if (!st->res[i].gone)
			continue;
		st->res[i].gone = false; /* hidden once its delete completes */
		step_add(st, at(t0, total - slot * 0.5), STEP_RES, (int)i, "DELETE_IN_PROGRESS", NULL, true);
		step_add(st, at(t0, total - slot * 0.2), STEP_RES, (int)i, "DELETE_COMPLETE", NULL, true);
	}
	step_add(st, at(t0, total), STEP_STACK, -1, "UPDATE_COMPLETE", NULL, false);
}

/* A hook answered: failure rewrites the rest of the plan from the hook's time. */
static void hook_done(struct cfn_hook *h, int rc, const char *lambda_reason)
{
	struct cfn_stack *st = h->st;
	char reason[REASON_MAX], rid[48];

	st->hook_busy = false;
	if (rc == 0) {
		due_push(st);
		return;
	}
	new_uuid(rid, sizeof(rid));
	snprintf(
	    reason, sizeof(reason),
	    "Received response status [FAILED] from custom resource. Message returned: %s (RequestId: %s)",
	    lambda_reason && *lambda_reason ? lambda_reason : "Internal error", rid);
	steps_truncate(st);
	if (st->op == OP_UPDATE)
		plan_update_failure(st, h->res, reason, h->at_ms, false);
	else
		plan_create_failure(st, h->res, reason, h->at_ms);
	due_push(st);
}

static void run_hook(struct cfn_hook *h, int *rc, char *reason, size_t reason_len)
{
	reason[0] = '\0';
	if (h->kind == CFN_KIND_FORWARDER) {
		*rc = sim_cloudone_cloudtrail_stack_event(h->account, h->region, h->token ? h->token : "",
							  true);
		if (*rc != 0)
			snprintf(
			    reason, reason_len,
			    "Failed to register the stack with Trend Cloud One: the ServiceToken was not "
			    "accepted (401 Unauthorized)");
	} else {
		*rc = sim_cloudone_template_onboard(h->api_key ? h->api_key : "",
						    h->v1_token ? h->v1_token : "", h->account, h->region,
						    true, reason, reason_len);
	}
}

/*
 * Bring every stack up to `now`; called and returns with s_lock held. With
 * run_hooks the lock is dropped around each cross-module hook (other
 * modules may call sim_cfn_role_lookup while holding their own locks).
 */
static void settle_locked(int64_t now, bool run_hooks, struct cfn_fxq *fx)
{
	/* Stacks that stopped before a hook (run_hooks false) go back on s_due afterwards. */
	struct cfn_stack **held = NULL;
	size_t nheld = 0, capheld = 0;
	void *item;

	while (c1_timer_heap_pop_due(&s_due, now, &item)) {
		struct cfn_stack *st = item;
		struct cfn_hook hook;
		char reason[REASON_MAX];
		int rc = 0;

		if (st->hook_busy || st->step_next >= st->nsteps || st->steps[st->step_next].at_ms > now)
			continue; /* stale: a hook or a newer entry owns it */
		if (!stack_advance(st, now, run_hooks, fx, &hook)) {
			if (!run_hooks && st->step_next < st->nsteps &&
			    st->steps[st->step_next].at_ms <= now) {
				if (nheld == capheld) {
					capheld = capheld ? capheld * 2 : 8;
					held = c1_realloc(held, capheld * sizeof(*held));
				}
				held[nheld++] = st;
			} else {
				due_push(st); /* the next step, not yet due */
			}
			continue;
		}
		pthread_mutex_unlock(&s_lock);
		run_hook(&hook, &rc, reason, sizeof(reason));
		pthread_mutex_lock(&s_lock);
		hook_done(&hook, rc, reason);
		hook_dispose(&hook);
	}
	for (size_t i = 0; i < nheld; i++)
		c1_timer_heap_push(&s_due, held[i]->steps[held[i]->step_next].at_ms, held[i]);
	free(held);
}

static uint64_t acct_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The stacks of `account` (NULL when it has none and !create). */
static struct acct_stacks *acct_stacks(const char *account, bool create)
{
	struct acct_stacks **slot = &s_by_acct[acct_hash(account) % ACCT_SLOTS];
	for (struct acct_stacks *a = *slot; a; a = a->next)
		if (strcmp(a->account, account) == 0)
			return a;
	if (!create)
		return NULL;
	struct acct_stacks *a = c1_calloc(1, sizeof(*a));
	snprintf(a->account, sizeof(a->account), "%s", account);
	a->next = *slot;
	*slot = a;
	return a;
}

static void acct_index_clear(void)
{
	for (size_t i = 0; i < ACCT_SLOTS; i++) {
		while (s_by_acct[i]) {
			struct acct_stacks *a = s_by_acct[i];
			s_by_acct[i] = a->next;
			free(a->v);
			free(a);
		}
	}
}

/* ---- stacks ---- */

static void stack_free(struct cfn_stack *st)
{
	if (!st)
		return;
	free(st->name);
	free(st->stack_id);
	free(st->principal);
	free(st->template_url);
	cfn_template_dispose(&st->tmpl);
	cfn_kvs_free(st->params, st->nparams);
	cfn_kvs_free(st->tags, st->ntags);
	cfn_kvs_free(st->outputs, st->nout);
	cfn_kvs_free(st->pending_outputs, st->npending);
	for (size_t i = 0; i < st->ncaps; i++)
		free(st->caps[i]);
	free(st->caps);
	cfn_resources_free(st->res, st->nres);
	snapshot_dispose(&st->prev);
	free(st->reason);
	for (size_t i = 0; i < st->nevents; i++) {
		struct cfn_event *e = &st->events[i];
		free(e->logical_id);
		free(e->physical_id);
		free(e->type);
		free(e->status);
		free(e->reason);
	}
	free(st->events);
	for (size_t i = 0; i < st->nsteps; i++)
		free(st->steps[i].reason);
	free(st->steps);
	free(st);
}

static bool is_stack_arn(const char *s)
{
	return strncmp(s, "arn:aws:cloudformation:", 23) == 0;
}

/* By name: the live stack of that name; by id: any stack, deleted included. */
static struct cfn_stack *stack_find(const char *account, const char *region, const char *name_or_id)
{
	if (!name_or_id || !*name_or_id)
		return NULL;
	const struct acct_stacks *a = acct_stacks(account, false);
	for (size_t i = a ? a->n : 0; i-- > 0;) {
		struct cfn_stack *st = a->v[i];
		if (strcmp(st->region, region) != 0)
			continue;
		if (is_stack_arn(name_or_id)) {
			if (strcmp(st->stack_id, name_or_id) == 0)
				return st;
		} else if (strcmp(st->name, name_or_id) == 0 && strcmp(st->status, "DELETE_COMPLETE") != 0) {
			return st;
		}
	}
	return NULL;
}

static int64_t cfn_now(const struct sim_request *req)
{
	int64_t base = req && req->now_ms ? req->now_ms : sim_now_ms();
	return base + s_offset_ms;
}

/* ---- Query parameters ---- */

static char *form(const struct sim_request *req, const char *name)
{
	return sim_form_get(req, name);
}

static bool form_bool(const struct sim_request *req, const char *name)
{
	char *v = form(req, name);
	bool b = v && strcasecmp(v, "true") == 0;
	free(v);
	return b;
}

/* Prefix.member.N.<kname>/<vname> pairs; values may be NULL (absent). */
static struct cfn_kv *form_pairs(const struct sim_request *req, const char *prefix, const char *kname,
				 const char *vname, size_t *n_out, bool **use_prev_out)
{
	struct cfn_kv *out = NULL;
	bool *use_prev = NULL;
	size_t n = 0;

	for (size_t i = 1;; i++) {
		char field[128];
		char *k, *v;

		snprintf(field, sizeof(field), "%s.member.%zu.%s", prefix, i, kname);
		k = form(req, field);
		if (!k)
			break;
		snprintf(field, sizeof(field), "%s.member.%zu.%s", prefix, i, vname);
		v = form(req, field);
		out = c1_realloc(out, (n + 1) * sizeof(*out));
		use_prev = c1_realloc(use_prev, (n + 1) * sizeof(*use_prev));
		out[n].key = k;
		out[n].value = v;
		out[n].no_echo = false;
		snprintf(field, sizeof(field), "%s.member.%zu.UsePreviousValue", prefix, i);
		use_prev[n] = form_bool(req, field);
		n++;
	}
	*n_out = n;
	if (use_prev_out)
		*use_prev_out = use_prev;
	else
		free(use_prev);
	return out;
}

static char **form_list(const struct sim_request *req, const char *prefix, size_t *n_out)
{
	char **out = NULL;
	size_t n = 0;

	for (size_t i = 1;; i++) {
		char field[128];
		char *v;
		snprintf(field, sizeof(field), "%s.member.%zu", prefix, i);
		v = form(req, field);
		if (!v)
			break;
		out = c1_realloc(out, (n + 1) * sizeof(*out));
		out[n++] = v;
	}
	*n_out = n;
	return out;
}

static void strs_free(char **s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(s[i]);
	free(s);
}

static bool has_str(char **list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

/* ---- XML ---- */

static void x_begin(struct c1_buf *b, const char *action, bool result)
{
	c1_buf_printf(b, "<%sResponse xmlns=\"%s\">\n", action, CFN_NS);
	if (result)
		c1_buf_printf(b, "  <%sResult>\n", action);
}

static void x_end(struct c1_buf *b, const char *action, bool result)
{
	char rid[48];

	new_uuid(rid, sizeof(rid));
	if (result)
		c1_buf_printf(b, "  </%sResult>\n", action);
	c1_buf_printf(
	    b, "  <ResponseMetadata>\n    <RequestId>%s</RequestId>\n  </ResponseMetadata>\n</%sResponse>\n",
	    rid, action);
}

static void x_el(struct c1_buf *b, const char *name, const char *value)
{
	if (!value)
		return;
	c1_buf_printf(b, "<%s>", name);
	sim_xml_escape(b, value);
	c1_buf_printf(b, "</%s>", name);
}

static void x_time(struct c1_buf *b, const char *name, int64_t ms)
{
	char ts[40];

	iso_time(ts, sizeof(ts), ms);
	x_el(b, name, ts);
}

static void respond_xml(struct sim_response *resp, struct c1_buf *b)
{
	sim_respond_text(resp, 200, "text/xml", c1_buf_cstr(b));
}

static void respond_error(struct sim_response *resp, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void respond_error(struct sim_response *resp, const char *code, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sim_respond_aws_query_error(resp, 400, CFN_NS, "Sender", code, msg);
}

static bool valid_stack_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 128 || !isalpha((unsigned char)name[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '-')
			return false;
	return true;
}

/* Page offset from NextToken: 0 for none, -1 for a token we did not issue. */
static long page_offset(const struct sim_request *req)
{
	char *tok = form(req, "NextToken");
	long off = 0;

	if (tok) {
		char *end = NULL;
		if (strncmp(tok, "c1sim-page-", 11) != 0)
			off = -1;
		else {
			off = strtol(tok + 11, &end, 10);
			if (!end || *end || off < 0)
				off = -1;
		}
	}
	free(tok);
	return off;
}

static void x_next_token(struct c1_buf *b, size_t next, size_t total)
{
	char tok[48];

	if (next >= total)
		return;
	snprintf(tok, sizeof(tok), "c1sim-page-%zu", next);
	x_el(b, "NextToken", tok);
}

/* ---- parameters and capabilities ---- */

static void list_append(struct c1_buf *b, const char *item)
{
	if (b->len)
		c1_buf_puts(b, ", ");
	c1_buf_puts(b, item);
}

/*
 * The stack's parameter values: given, previous (UsePreviousValue), or the
 * Default. 0, or -1 with the ValidationError message in err.
 */
static int resolve_params(const struct cfn_template *t, const struct cfn_kv *given, size_t ngiven,
			  const bool *use_prev, const struct cfn_kv *prev, size_t nprev, struct cfn_kv **out,
			  size_t *nout, char *err, size_t err_len)
{
	struct c1_buf unknown = C1_BUF_INIT, missing = C1_BUF_INIT;
	struct cfn_kv *vals = NULL;
	size_t n = 0;
	int rc = -1;

	if (t->kind == CFN_KIND_OPAQUE) {
		vals = c1_calloc(ngiven + 1, sizeof(*vals));
		for (size_t i = 0; i < ngiven; i++) {
			const char *v = given[i].value;
			if (use_prev && use_prev[i])
				v = kv_get(prev, nprev, given[i].key);
			vals[n].key = c1_strdup(given[i].key);
			vals[n++].value = c1_strdup(v ? v : "");
		}
		rc = 0;
		goto cleanup;
	}
	for (size_t i = 0; i < ngiven; i++) {
		bool known = false;
		for (size_t k = 0; k < t->nparams; k++)
			if (strcmp(t->params[k].name, given[i].key) == 0)
				known = true;
		if (!known)
			list_append(&unknown, given[i].key);
	}
	if (unknown.len) {
		snprintf(err, err_len, "Parameters: [%s] do not exist in the template",
			 c1_buf_cstr(&unknown));
		goto cleanup;
	}
	vals = c1_calloc(t->nparams + 1, sizeof(*vals));
	for (size_t k = 0; k < t->nparams; k++) {
		const struct cfn_param_decl *d = &t->params[k];
		const char *v = NULL;
		bool found = false;

		for (size_t i = 0; i < ngiven; i++) {
			if (strcmp(given[i].key, d->name) != 0)
				continue;
			found = true;
			if (use_prev && use_prev[i]) {
				v = kv_get(prev, nprev, d->name);
				if (!v) {
					snprintf(err, err_len,
						 "Invalid input for parameter key %s. Cannot specify "
						 "usePreviousValue as "
						 "true for a parameter key not in the previous template",
						 d->name);
					goto cleanup;
				}
			} else {
				v = given[i].value ? given[i].value : "";
			}
		}
		if (!found)
			v = d->def;
		if (!v) {
			list_append(&missing, d->name);
			continue;
		}
		if (d->allowed) {
			bool ok = false;
			size_t idx;
			json_t *a;
			json_array_foreach(d->allowed, idx,
					   a) if (json_is_string(a) && strcmp(json_string_value(a), v) == 0)
			    ok = true;
			if (!ok) {
				snprintf(err, err_len, "Parameter '%s' must be one of AllowedValues",
					 d->name);
				goto cleanup;
			}
		}
		vals[n].key = c1_strdup(d->name);
		vals[n].value = c1_strdup(v);
		vals[n++].no_echo = d->no_echo;
	}
	if (missing.len) {
		snprintf(err, err_len, "Parameters: [%s] must have values", c1_buf_cstr(&missing));
		goto cleanup;
	}
	rc = 0;
cleanup:
	c1_buf_dispose(&unknown);
	c1_buf_dispose(&missing);
	if (rc != 0) {
		cfn_kvs_free(vals, n);
		vals = NULL;
		n = 0;
	}
	*out = vals;
	*nout = n;
	return rc;
}

/* The capability the template needs and the request lacks, or NULL. */
static const char *missing_capability(const struct cfn_template *t, char **caps, size_t ncaps)
{
	if (t->needs_named_iam && !has_str(caps, ncaps, "CAPABILITY_NAMED_IAM"))
		return "CAPABILITY_NAMED_IAM";
	if (t->needs_iam && !has_str(caps, ncaps, "CAPABILITY_IAM") &&
	    !has_str(caps, ncaps, "CAPABILITY_NAMED_IAM"))
		return "CAPABILITY_IAM";
	if (t->needs_auto_expand && !has_str(caps, ncaps, "CAPABILITY_AUTO_EXPAND"))
		return "CAPABILITY_AUTO_EXPAND";
	return NULL;
}

static int find_logical(const struct cfn_stack *st, const char *logical)
{
	for (size_t i = 0; i < st->nres; i++)
		if (logical && strcmp(st->res[i].logical_id, logical) == 0)
			return (int)i;
	return -1;
}

/* The resource an injected stack_fail breaks: the one doing the real work. */
static int fail_target(const struct cfn_stack *st)
{
	int i = -1;

	if (st->tmpl.kind == CFN_KIND_FORWARDER)
		i = find_logical(st, "StackLifecycleEvent");
	else if (st->tmpl.kind == CFN_KIND_ALLINONE)
		i = find_logical(st, "CloudOneOnboarding");
	else if (st->tmpl.kind == CFN_KIND_ROLE)
		i = find_logical(st, "CloudOneRole");
	if (i < 0)
		i = (int)st->nres - 1;
	return i;
}

static void scope_of(const struct cfn_stack *st, struct cfn_scope *sc)
{
	memset(sc, 0, sizeof(*sc));
	sc->account_id = st->account_id;
	sc->region = st->region;
	sc->stack_name = st->name;
	sc->stack_id = st->stack_id;
	sc->params = st->params;
	sc->nparams = st->nparams;
	sc->prev = st->res;
	sc->nprev = st->nres;
}

/* ---- actions that change stacks ---- */

static void stacks_append(struct cfn_stack *st)
{
	if (s_nstacks == s_capstacks) {
		s_capstacks = s_capstacks ? s_capstacks * 2 : 64;
		s_stacks = c1_realloc(s_stacks, s_capstacks * sizeof(*s_stacks));
	}
	s_stacks[s_nstacks++] = st;
	struct acct_stacks *a = acct_stacks(st->account_id, true);
	sim_grow((void **)&a->v, &a->cap, a->n, sizeof(*a->v));
	a->v[a->n++] = st;
	st->listed = true;
	due_push(st);
}

static void x_stack_id_result(struct sim_response *resp, const char *action, const char *stack_id)
{
	struct c1_buf b = C1_BUF_INIT;

	x_begin(&b, action, true);
	c1_buf_puts(&b, "    ");
	x_el(&b, "StackId", stack_id);
	c1_buf_puts(&b, "\n");
	x_end(&b, action, true);
	respond_xml(resp, &b);
	c1_buf_dispose(&b);
}

static bool check_name(struct sim_response *resp, const char *name)
{
	if (!name) {
		respond_error(
		    resp, "ValidationError",
		    "1 validation error detected: Value null at 'stackName' failed to satisfy constraint: "
		    "Member must not be null");
		return false;
	}
	if (!is_stack_arn(name) && !valid_stack_name(name)) {
		respond_error(
		    resp, "ValidationError",
		    "1 validation error detected: Value '%s' at 'stackName' failed to satisfy constraint: "
		    "Member must satisfy regular expression pattern: "
		    "[a-zA-Z][-a-zA-Z0-9]*|arn:[-a-zA-Z0-9:/._+]*",
		    name);
		return false;
	}
	return true;
}

static void do_create(struct sim_request *req, struct sim_response *resp, int64_t now)
{
	char *name = form(req, "StackName"), *body = form(req, "TemplateBody"),
	     *url = form(req, "TemplateURL");
	char *on_failure = form(req, "OnFailure"), *disable = form(req, "DisableRollback");
	struct cfn_kv *given = NULL, *tags = NULL;
	size_t ngiven = 0, ntags = 0, ncaps = 0;
	char **caps = NULL;
	struct cfn_stack *st = NULL;
	struct cfn_scope sc;
	char err[2048], uuid[48], reason[REASON_MAX], problem_reason[REASON_MAX];
	const char *cap, *problem_logical = NULL;
	int fail_res = -1;

	if (!check_name(resp, name))
		goto cleanup;
	if (stack_find(req->account_id, req->region, name)) {
		respond_error(resp, "AlreadyExistsException", "Stack [%s] already exists", name);
		goto cleanup;
	}
	st = c1_calloc(1, sizeof(*st));
	if (cfn_template_load(&st->tmpl, body, url, err, sizeof(err)) != 0) {
		respond_error(resp, "ValidationError", "%s", err);
		goto cleanup;
	}
	given = form_pairs(req, "Parameters", "ParameterKey", "ParameterValue", &ngiven, NULL);
	if (resolve_params(&st->tmpl, given, ngiven, NULL, NULL, 0, &st->params, &st->nparams, err,
			   sizeof(err)) != 0) {
		respond_error(resp, "ValidationError", "%s", err);
		goto cleanup;
	}
	caps = form_list(req, "Capabilities", &ncaps);
	cap = missing_capability(&st->tmpl, caps, ncaps);
	if (cap) {
		respond_error(resp, "InsufficientCapabilitiesException", "Requires capabilities : [%s]", cap);
		goto cleanup;
	}
	if (on_failure && disable) {
		respond_error(resp, "ValidationError",
			      "You cannot specify both DisableRollback and OnFailure.");
		goto cleanup;
	}
	if (on_failure && strcmp(on_failure, "ROLLBACK") != 0 && strcmp(on_failure, "DELETE") != 0 &&
	    strcmp(on_failure, "DO_NOTHING") != 0) {
		respond_error(
		    resp, "ValidationError",
		    "1 validation error detected: Value '%s' at 'onFailure' failed to satisfy constraint: "
		    "Member must satisfy enum value set: [DO_NOTHING, ROLLBACK, DELETE]",
		    on_failure);
		goto cleanup;
	}
	tags = form_pairs(req, "Tags", "Key", "Value", &ntags, NULL);
	for (size_t i = 0; i < ntags; i++)
		if (!tags[i].value)
			tags[i].value = c1_strdup("");

	snprintf(st->account_id, sizeof(st->account_id), "%s", req->account_id);
	snprintf(st->region, sizeof(st->region), "%s", req->region);
	st->name = c1_strdup(name);
	new_uuid(uuid, sizeof(uuid));
	st->stack_id =
	    c1_asprintf("arn:aws:cloudformation:%s:%s:stack/%s/%s", st->region, st->account_id, name, uuid);
	st->principal = c1_strdup(req->principal_arn);
	st->template_url = url && *url ? c1_strdup(url) : NULL;
	st->tags = tags;
	st->ntags = ntags;
	tags = NULL;
	ntags = 0;
	st->caps = caps;
	st->ncaps = ncaps;
	caps = NULL;
	ncaps = 0;
	st->on_failure = ON_FAILURE_ROLLBACK;
	if ((on_failure && strcmp(on_failure, "DELETE") == 0))
		st->on_failure = ON_FAILURE_DELETE;
	if ((on_failure && strcmp(on_failure, "DO_NOTHING") == 0) ||
	    (disable && strcasecmp(disable, "true") == 0))
		st->on_failure = ON_FAILURE_DO_NOTHING;
	st->created_ms = now;
	st->op = OP_CREATE;
	if (st->tmpl.doc) {
		scope_of(st, &sc);
		sc.prev = NULL;
		sc.nprev = 0;
		cfn_template_instantiate(&st->tmpl, &sc, &st->res, &st->nres, &st->pending_outputs,
					 &st->npending);
	}
	stack_event(st, now, "CREATE_IN_PROGRESS", "User Initiated");
	if (targeted("stack_fail", "CreateStack", st->account_id, st->name)) {
		fail_res = fail_target(st);
		if (fail_res >= 0)
			failure_reason(st, &st->res[fail_res], false, reason, sizeof(reason));
		else
			snprintf(reason, sizeof(reason), "Internal Failure");
		if (fail_res < 0)
			fail_res = 0; /* no resources: the stack itself fails */
	}
	if (cfn_template_catalog_problem(&st->tmpl, st->params, st->nparams, &problem_logical, problem_reason,
					 sizeof(problem_reason)) &&
	    find_logical(st, problem_logical) < 0)
		problem_logical = NULL;
	plan_create(st, now, fail_res, reason, problem_logical, problem_reason);
	stacks_append(st);
	x_stack_id_result(resp, "CreateStack", st->stack_id);
	st = NULL;
cleanup:
	stack_free(st);
	cfn_kvs_free(given, ngiven);
	cfn_kvs_free(tags, ntags);
	strs_free(caps, ncaps);
	free(name);
	c1_free_secure_str(body);
	free(url);
	free(on_failure);
	free(disable);
}

static bool kvs_equal(const struct cfn_kv *a, size_t na, const struct cfn_kv *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++) {
		const char *v = kv_get(b, nb, a[i].key);
		if (!v || strcmp(v, a[i].value) != 0)
			return false;
	}
	return true;
}

static void do_update(struct sim_request *req, struct sim_response *resp, int64_t now)
{
	char *name = form(req, "StackName"), *body = form(req, "TemplateBody"),
	     *url = form(req, "TemplateURL");
	bool use_prev_tmpl = form_bool(req, "UsePreviousTemplate");
	struct cfn_template tmpl = {0};
	struct cfn_kv *given = NULL, *params = NULL, *tags = NULL, *outs = NULL;
	size_t ngiven = 0, nparams = 0, ntags = 0, ncaps = 0, nout = 0, nres = 0;
	bool *use_prev = NULL, *changed = NULL, params_changed, fail, rb_fail;
	struct cfn_resource *res = NULL;
	char **caps = NULL;
	struct cfn_stack *st;
	struct cfn_scope sc;
	char err[2048];
	const char *cap;

	if (!check_name(resp, name))
		goto cleanup;
	st = stack_find(req->account_id, req->region, name);
	if (!st || strcmp(st->status, "DELETE_COMPLETE") == 0) {
		respond_error(resp, "ValidationError", "Stack [%s] does not exist", name);
		goto cleanup;
	}
	if (strcmp(st->status, "CREATE_COMPLETE") != 0 && strcmp(st->status, "UPDATE_COMPLETE") != 0 &&
	    strcmp(st->status, "UPDATE_ROLLBACK_COMPLETE") != 0) {
		respond_error(resp, "ValidationError", "Stack:%s is in %s state and can not be updated.",
			      st->stack_id, st->status);
		goto cleanup;
	}
	if (use_prev_tmpl && ((body && *body) || (url && *url))) {
		respond_error(resp, "ValidationError",
			      "You cannot specify both usePreviousTemplate and Template Body/Template URL.");
		goto cleanup;
	}
	if (use_prev_tmpl) {
		if (st->template_url)
			cfn_template_load(&tmpl, NULL, st->template_url, err, sizeof(err));
		else
			cfn_template_load(&tmpl, st->tmpl.body, NULL, err, sizeof(err));
	} else if (cfn_template_load(&tmpl, body, url, err, sizeof(err)) != 0) {
		respond_error(resp, "ValidationError", "%s", err);
		goto cleanup;
	}
	given = form_pairs(req, "Parameters", "ParameterKey", "ParameterValue", &ngiven, &use_prev);
	if (resolve_params(&tmpl, given, ngiven, use_prev, st->params, st->nparams, &params, &nparams, err,
			   sizeof(err)) != 0) {
		respond_error(resp, "ValidationError", "%s", err);
		goto cleanup;
	}
	caps = form_list(req, "Capabilities", &ncaps);
	cap = missing_capability(&tmpl, caps, ncaps);
	if (cap) {
		respond_error(resp, "InsufficientCapabilitiesException", "Requires capabilities : [%s]", cap);
		goto cleanup;
	}
	tags = form_pairs(req, "Tags", "Key", "Value", &ntags, NULL);
	for (size_t i = 0; i < ntags; i++)
		if (!tags[i].value)
			tags[i].value = c1_strdup("");
	params_changed = !kvs_equal(params, nparams, st->params, st->nparams);
	if (strcmp(tmpl.body, st->tmpl.body) == 0 && !params_changed &&
	    (ntags == 0 || kvs_equal(tags, ntags, st->tags, st->ntags))) {
		respond_error(resp, "ValidationError", "No updates are to be performed.");
		goto cleanup;
	}

	/* New version: instantiate against the current resources (ids kept). */
	if (tmpl.doc) {
		scope_of(st, &sc);
		sc.params = params;
		sc.nparams = nparams;
		cfn_template_instantiate(&tmpl, &sc, &res, &nres, &outs, &nout);
	} else {
		res = c1_calloc(1, sizeof(*res));
		outs = c1_calloc(1, sizeof(*outs));
	}
	changed = c1_calloc(nres + st->nres + 1, sizeof(*changed));
	for (size_t i = 0; i < nres; i++) {
		int old = find_logical(st, res[i].logical_id);
		if (old < 0 || st->res[old].gone || strcmp(st->res[old].type, res[i].type) != 0)
			continue;
		snprintf(res[i].status, sizeof(res[i].status), "%s", st->res[old].status);
		res[i].status_ms = st->res[old].status_ms;
		res[i].created = st->res[old].created;
		changed[i] = !json_equal(res[i].props, st->res[old].props) ||
			     (params_changed && is_hook_resource(st, &res[i]));
		if (!changed[i] && st->res[old].actual)
			res[i].actual = json_deep_copy(st->res[old].actual);
	}
	/* Resources the new version drops are deleted during cleanup. */
	for (size_t k = 0; k < st->nres; k++) {
		bool kept = false;
		for (size_t i = 0; i < nres; i++)
			if (strcmp(res[i].logical_id, st->res[k].logical_id) == 0)
				kept = true;
		if (kept || !resource_live(&st->res[k]))
			continue;
		res = c1_realloc(res, (nres + 1) * sizeof(*res));
		cfn_resource_copy(&res[nres], &st->res[k]);
		res[nres].gone = true;
		nres++;
	}
	snapshot_dispose(&st->prev);
	st->prev.valid = true;
	st->prev.tmpl = st->tmpl;
	st->prev.params = st->params;
	st->prev.nparams = st->nparams;
	st->prev.outputs = st->outputs;
	st->prev.nout = st->nout;
	st->prev.res = st->res;
	st->prev.nres = st->nres;
	st->outputs = kvs_copy(st->prev.outputs, st->prev.nout);
	st->tmpl = tmpl;
	memset(&tmpl, 0, sizeof(tmpl));
	if (!use_prev_tmpl)
		set_str(&st->template_url, url && *url ? url : NULL);
	st->params = params;
	st->nparams = nparams;
	params = NULL;
	cfn_kvs_free(st->pending_outputs, st->npending);
	st->pending_outputs = outs;
	st->npending = nout;
	outs = NULL;
	st->res = res;
	st->nres = nres;
	res = NULL;
	if (ntags) {
		cfn_kvs_free(st->tags, st->ntags);
		st->tags = tags;
		st->ntags = ntags;
		tags = NULL;
		ntags = 0;
	}
	strs_free(st->caps, st->ncaps);
	st->caps = caps;
	st->ncaps = ncaps;
	caps = NULL;
	ncaps = 0;
	st->op = OP_UPDATE;
	st->updated_ms = now;
	stack_event(st, now, "UPDATE_IN_PROGRESS", "User Initiated");
	rb_fail = targeted("update_rollback_fail", "UpdateStack", st->account_id, st->name);
	fail = rb_fail || targeted("stack_fail", "UpdateStack", st->account_id, st->name);
	plan_update(st, now, changed, fail && st->nres > 0, rb_fail);
	x_stack_id_result(resp, "UpdateStack", st->stack_id);
cleanup:
	cfn_template_dispose(&tmpl);
	cfn_kvs_free(given, ngiven);
	cfn_kvs_free(params, nparams);
	cfn_kvs_free(tags, ntags);
	cfn_kvs_free(outs, nout);
	cfn_resources_free(res, nres);
	strs_free(caps, ncaps);
	free(use_prev);
	free(changed);
	free(name);
	c1_free_secure_str(body);
	free(url);
}

static void do_delete(struct sim_request *req, struct sim_response *resp, int64_t now)
{
	char *name = form(req, "StackName");
	struct cfn_stack *st;
	struct c1_buf b = C1_BUF_INIT;

	if (!check_name(resp, name))
		goto cleanup;
	st = stack_find(req->account_id, req->region, name);
	if (st && strcmp(st->status, "DELETE_COMPLETE") != 0 &&
	    strcmp(st->status, "DELETE_IN_PROGRESS") != 0) {
		if (st->hook_busy ||
		    (status_in_progress(st->status) && strcmp(st->status, "CREATE_IN_PROGRESS") != 0)) {
			respond_error(resp, "ValidationError",
				      "Stack [%s] cannot be deleted while in status %s", st->name,
				      st->status);
			goto cleanup;
		}
		if (strcmp(st->status, "CREATE_IN_PROGRESS") == 0) {
			/* Deleting a stack being created cancels the rest of the create. */
			steps_truncate(st);
			for (size_t i = 0; i < st->nres; i++) {
				if (strcmp(st->res[i].status, "CREATE_IN_PROGRESS") != 0)
					continue;
				snprintf(st->res[i].status, sizeof(st->res[i].status), "CREATE_FAILED");
				set_str(&st->res[i].reason, "Resource creation cancelled");
				event_add(st, now, st->res[i].logical_id, st->res[i].physical_id,
					  st->res[i].type, "CREATE_FAILED", "Resource creation cancelled");
			}
		}
		steps_truncate(st);
		st->op = OP_DELETE;
		stack_event(st, now, "DELETE_IN_PROGRESS", "User Initiated");
		plan_delete(st, now, targeted("delete_fail", "DeleteStack", st->account_id, st->name));
	}
	x_begin(&b, "DeleteStack", false);
	x_end(&b, "DeleteStack", false);
	respond_xml(resp, &b);
cleanup:
	c1_buf_dispose(&b);
	free(name);
}

static void do_continue_rollback(struct sim_request *req, struct sim_response *resp, int64_t now)
{
	char *name = form(req, "StackName");
	struct cfn_stack *st;
	struct c1_buf b = C1_BUF_INIT;

	if (!check_name(resp, name))
		goto cleanup;
	st = stack_find(req->account_id, req->region, name);
	if (!st || strcmp(st->status, "DELETE_COMPLETE") == 0) {
		respond_error(resp, "ValidationError", "Stack [%s] does not exist", name);
		goto cleanup;
	}
	if (strcmp(st->status, "UPDATE_ROLLBACK_FAILED") != 0) {
		respond_error(
		    resp, "ValidationError",
		    "Stack:%s is in %s state and can not continue update rollback. ContinueUpdateRollback "
		    "is only allowed in UPDATE_ROLLBACK_FAILED state.",
		    st->stack_id, st->status);
		goto cleanup;
	}
	steps_truncate(st);
	st->op = OP_UPDATE;
	stack_event(st, now, "UPDATE_ROLLBACK_IN_PROGRESS", "User Initiated");
	plan_rollback_finish(st, now);
	x_begin(&b, "ContinueUpdateRollback", true);
	x_end(&b, "ContinueUpdateRollback", true);
	respond_xml(resp, &b);
cleanup:
	c1_buf_dispose(&b);
	free(name);
}

/* ---- drift ---- */

/* The latest finished detection of a stack, or NULL. */
static struct cfn_detection *detection_done(const struct cfn_stack *st, int64_t now)
{
	for (size_t i = s_ndets; i-- > 0;)
		if (s_dets[i].st == st && s_dets[i].done_ms <= now)
			return &s_dets[i];
	return NULL;
}

static void value_text(const json_t *v, char **out)
{
	if (json_is_string(v))
		*out = c1_strdup(json_string_value(v));
	else
		*out = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!*out)
		*out = c1_strdup("");
}

static void diff_add(json_t *diffs, const char *path, const json_t *exp, const json_t *act, const char *type)
{
	json_t *d = json_object();
	char *e = NULL, *a = NULL;

	value_text(exp ? exp : json_null(), &e);
	value_text(act ? act : json_null(), &a);
	json_object_set_new(d, "PropertyPath", json_string(path));
	json_object_set_new(d, "ExpectedValue", json_string(exp ? e : "null"));
	json_object_set_new(d, "ActualValue", json_string(act ? a : "null"));
	json_object_set_new(d, "DifferenceType", json_string(type));
	json_array_append_new(diffs, d);
	free(e);
	free(a);
}

/* Property differences as JSON-pointer paths, like CloudFormation reports them. */
static void diff_props(json_t *diffs, const char *path, const json_t *exp, const json_t *act)
{
	const char *key;
	json_t *v;

	if (json_is_object(exp) && json_is_object(act)) {
		json_object_foreach((json_t *)exp, key, v)
		{
			char *sub = c1_asprintf("%s/%s", path, key);
			json_t *other = json_object_get(act, key);
			if (!other)
				diff_add(diffs, sub, v, NULL, "REMOVE");
			else
				diff_props(diffs, sub, v, other);
			free(sub);
		}
		json_object_foreach((json_t *)act, key, v)
		{
			if (!json_object_get(exp, key)) {
				char *sub = c1_asprintf("%s/%s", path, key);
				diff_add(diffs, sub, NULL, v, "ADD");
				free(sub);
			}
		}
		return;
	}
	if (!json_equal(exp, act))
		diff_add(diffs, path, exp, act, "NOT_EQUAL");
}

static bool drift_allowed(const char *status)
{
	return strcmp(status, "CREATE_COMPLETE") == 0 || strcmp(status, "UPDATE_COMPLETE") == 0 ||
	       strcmp(status, "UPDATE_ROLLBACK_COMPLETE") == 0 ||
	       strcmp(status, "UPDATE_ROLLBACK_FAILED") == 0;
}

static struct cfn_detection *detect(struct cfn_stack *st, int64_t now)
{
	struct cfn_detection *d;

	if (s_ndets == s_capdets) {
		s_capdets = s_capdets ? s_capdets * 2 : 32;
		s_dets = c1_realloc(s_dets, s_capdets * sizeof(*s_dets));
	}
	d = &s_dets[s_ndets++];
	memset(d, 0, sizeof(*d));
	new_uuid(d->id, sizeof(d->id));
	d->st = st;
	d->started_ms = now;
	d->done_ms = sim_after_ms(now, DRIFT_SECONDS);
	d->results = json_array();
	/* Results are taken now and revealed when the detection completes. */
	for (size_t i = 0; i < st->nres; i++) {
		struct cfn_resource *r = &st->res[i];
		json_t *item, *diffs = json_array();
		const char *status = "IN_SYNC";
		char *exp, *act;

		if (!resource_live(r)) {
			json_decref(diffs);
			continue;
		}
		if (!cfn_type_drift_checkable(r->type))
			status = "NOT_CHECKED";
		else if (r->actual && !json_equal(r->actual, r->props)) {
			status = "MODIFIED";
			diff_props(diffs, "", r->props, r->actual);
			d->drifted++;
		}
		exp = json_dumps(r->props, JSON_COMPACT | JSON_SORT_KEYS);
		act = json_dumps(r->actual ? r->actual : r->props, JSON_COMPACT | JSON_SORT_KEYS);
		item = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "LogicalResourceId", r->logical_id,
				 "PhysicalResourceId", r->physical_id ? r->physical_id : "", "ResourceType",
				 r->type, "ExpectedProperties", exp ? exp : "{}", "ActualProperties",
				 act ? act : "{}", "StackResourceDriftStatus", status, "PropertyDifferences",
				 diffs);
		json_array_append_new(d->results, item);
		free(exp);
		free(act);
	}
	return d;
}

static const char *stack_drift_status(const struct cfn_stack *st, int64_t now, int64_t *checked_ms)
{
	struct cfn_detection *d = detection_done(st, now);

	*checked_ms = 0;
	if (!d)
		return "NOT_CHECKED";
	*checked_ms = d->done_ms;
	return d->drifted ? "DRIFTED" : "IN_SYNC";
}

/* ---- read actions ---- */

static void x_stack(struct c1_buf *b, const struct cfn_stack *st, int64_t now)
{
	const char *desc = json_string_value(json_object_get(st->tmpl.doc, "Description"));
	const char *drift;
	int64_t checked;

	c1_buf_puts(b, "      <member>\n        ");
	x_el(b, "StackId", st->stack_id);
	x_el(b, "StackName", st->name);
	x_el(b, "Description", desc);
	if (st->nparams) {
		c1_buf_puts(b, "\n        <Parameters>");
		for (size_t i = 0; i < st->nparams; i++) {
			c1_buf_puts(b, "<member>");
			x_el(b, "ParameterKey", st->params[i].key);
			x_el(b, "ParameterValue", st->params[i].no_echo ? "****" : st->params[i].value);
			c1_buf_puts(b, "</member>");
		}
		c1_buf_puts(b, "</Parameters>");
	}
	c1_buf_puts(b, "\n        ");
	x_time(b, "CreationTime", st->created_ms);
	if (st->updated_ms)
		x_time(b, "LastUpdatedTime", st->updated_ms);
	if (st->deleted_ms)
		x_time(b, "DeletionTime", st->deleted_ms);
	x_el(b, "StackStatus", st->status);
	x_el(b, "StackStatusReason", st->reason);
	x_el(b, "DisableRollback", st->on_failure == ON_FAILURE_DO_NOTHING ? "true" : "false");
	c1_buf_puts(b, "<NotificationARNs/>");
	if (st->ncaps) {
		c1_buf_puts(b, "<Capabilities>");
		for (size_t i = 0; i < st->ncaps; i++)
			x_el(b, "member", st->caps[i]);
		c1_buf_puts(b, "</Capabilities>");
	}
	if (st->nout) {
		c1_buf_puts(b, "\n        <Outputs>");
		for (size_t i = 0; i < st->nout; i++) {
			c1_buf_puts(b, "<member>");
			x_el(b, "OutputKey", st->outputs[i].key);
			x_el(b, "OutputValue", st->outputs[i].value);
			c1_buf_puts(b, "</member>");
		}
		c1_buf_puts(b, "</Outputs>");
	}
	c1_buf_puts(b, "\n        <Tags>");
	for (size_t i = 0; i < st->ntags; i++) {
		c1_buf_puts(b, "<member>");
		x_el(b, "Key", st->tags[i].key);
		x_el(b, "Value", st->tags[i].value);
		c1_buf_puts(b, "</member>");
	}
	c1_buf_puts(b, "</Tags>\n        ");
	x_el(b, "EnableTerminationProtection", "false");
	drift = stack_drift_status(st, now, &checked);
	c1_buf_puts(b, "<DriftInformation>");
	x_el(b, "StackDriftStatus", drift);
	if (checked)
		x_time(b, "LastCheckTimestamp", checked);
	c1_buf_puts(b, "</DriftInformation>\n      </member>\n");
}

static void do_describe_stacks(struct sim_request *req, struct sim_response *resp, int64_t now)
{
	char *name = form(req, "StackName");
	struct c1_buf b = C1_BUF_INIT;
	struct cfn_stack **list = NULL;
	size_t n = 0, end;
	long off = page_offset(req);

	if (off < 0) {
		respond_error(resp, "ValidationError", "Invalid NextToken");
		goto cleanup;
	}
	const struct acct_stacks *acct = acct_stacks(req->account_id, false);
	list = c1_calloc((acct ? acct->n : 0) + 1, sizeof(*list));
	if (name) {
		struct cfn_stack *st = stack_find(req->account_id, req->region, name);
		if (!st) {
			respond_error(resp, "ValidationError", "Stack with id %s does not exist", name);
			goto cleanup;
		}
		list[n++] = st;
	} else {
		for (size_t i = acct ? acct->n : 0; i-- > 0;) {
			struct cfn_stack *st = acct->v[i];
			if (strcmp(st->region, req->region) == 0 &&
			    strcmp(st->status, "DELETE_COMPLETE") != 0)
				list[n++] = st;
		}
	}
	x_begin(&b, "DescribeStacks", true);
	c1_buf_puts(&b, "    <Stacks>\n");
	end = (size_t)off + PAGE_SIZE < n ? (size_t)off + PAGE_SIZE : n;
	for (size_t i = (size_t)off; i < end; i++)
		x_stack(&b, list[i], now);
	c1_buf_puts(&b, "    </Stacks>\n    ");
	x_next_token(&b, end, n);
	c1_buf_puts(&b, "\n");
	x_end(&b, "DescribeStacks", true);
	respond_xml(resp, &b);
cleanup:
	c1_buf_dispose(&b);
	free(list);
	free(name);
}

static struct cfn_stack *required_stack(struct sim_request *req, struct sim_response *resp, char **name_out)
{
	struct cfn_stack *st;

	*name_out = form(req, "StackName");
	if (!*name_out) {
		respond_error(
		    resp, "ValidationError",
		    "1 validation error detected: Value null at 'stackName' failed to satisfy constraint: "
		    "Member must not be null");
		return NULL;
	}
	st = stack_find(req->account_id, req->region, *name_out);
	if (!st)
		respond_error(resp, "ValidationError", "Stack [%s] does not exist", *name_out);
	return st;
}

static void do_describe_events(struct sim_request *req, struct sim_response *resp)
{
	char *name = NULL;
	struct cfn_stack *st = required_stack(req, resp, &name);
	struct c1_buf b = C1_BUF_INIT;
	long off = page_offset(req);
	size_t end;

	if (!st)
		goto cleanup;
	if (off < 0) {
		respond_error(resp, "ValidationError", "Invalid NextToken");
		goto cleanup;
	}
	x_begin(&b, "DescribeStackEvents", true);
	c1_buf_puts(&b, "    <StackEvents>\n");
	end = (size_t)off + PAGE_SIZE < st->nevents ? (size_t)off + PAGE_SIZE : st->nevents;
	for (size_t k = (size_t)off; k < end; k++) {
		const struct cfn_event *e = &st->events[st->nevents - 1 - k]; /* newest first */
		c1_buf_puts(&b, "      <member>");
		x_el(&b, "StackId", st->stack_id);
		x_el(&b, "EventId", e->id);
		x_el(&b, "StackName", st->name);
		x_el(&b, "LogicalResourceId", e->logical_id);
		x_el(&b, "PhysicalResourceId", e->physical_id);
		x_el(&b, "ResourceType", e->type);
		x_time(&b, "Timestamp", e->at_ms);
		x_el(&b, "ResourceStatus", e->status);
		x_el(&b, "ResourceStatusReason", e->reason);
		c1_buf_puts(&b, "</member>\n");
	}
	c1_buf_puts(&b, "    </StackEvents>\n    ");
	x_next_token(&b, end, st->nevents);
	c1_buf_puts(&b, "\n");
	x_end(&b, "DescribeStackEvents", true);
	respond_xml(resp, &b);
cleanup:
	c1_buf_dispose(&b);
	free(name);
}

static void do_describe_resources(struct sim_request *req, struct sim_response *resp)
{
	char *name = form(req, "StackName"), *logical = form(req, "LogicalResourceId");
	char *physical = form(req, "PhysicalResourceId");
	struct cfn_stack *st = NULL;
	struct c1_buf b = C1_BUF_INIT;

	if (name) {
		st = stack_find(req->account_id, req->region, name);
		if (!st) {
			respond_error(resp, "ValidationError", "Stack with id %s does not exist", name);
			goto cleanup;
		}
	} else if (physical) {
		const struct acct_stacks *a = acct_stacks(req->account_id, false);
		for (size_t i = a ? a->n : 0; i-- > 0 && !st;)
			if (strcmp(a->v[i]->region, req->region) == 0)
				for (size_t k = 0; k < a->v[i]->nres; k++)
					if (a->v[i]->res[k].physical_id &&
					    strcmp(a->v[i]->res[k].physical_id, physical) == 0)
						st = a->v[i];
		if (!st) {
			respond_error(resp, "ValidationError", "Stack for %s does not exist", physical);
			goto cleanup;
		}
	} else {
		respond_error(resp, "ValidationError",
			      "Either StackName or PhysicalResourceId must be specified.");
		goto cleanup;
	}
	x_begin(&b, "DescribeStackResources", true);
	c1_buf_puts(&b, "    <StackResources>\n");
	for (size_t i = 0; i < st->nres; i++) {
		const struct cfn_resource *r = &st->res[i];
		if (r->gone || !r->status[0] || (logical && strcmp(logical, r->logical_id) != 0) ||
		    (physical && (!r->physical_id || strcmp(physical, r->physical_id) != 0)))
			continue;
		c1_buf_puts(&b, "      <member>");
		x_el(&b, "StackName", st->name);
		x_el(&b, "StackId", st->stack_id);
		x_el(&b, "LogicalResourceId", r->logical_id);
		x_el(&b, "PhysicalResourceId", r->physical_id);
		x_el(&b, "ResourceType", r->type);
		x_time(&b, "Timestamp", r->status_ms);
		x_el(&b, "ResourceStatus", r->status);
		x_el(&b, "ResourceStatusReason", r->reason);
		c1_buf_puts(
		    &b, "<DriftInformation><StackResourceDriftStatus>NOT_CHECKED</StackResourceDriftStatus>"
			"</DriftInformation></member>\n");
	}
	c1_buf_puts(&b, "    </StackResources>\n");
	x_end(&b, "DescribeStackResources", true);
	respond_xml(resp, &b);
cleanup:
	c1_buf_dispose(&b);
	free(name);
	free(logical);
	free(physical);
}

static void do_list_stacks(struct sim_request *req, struct sim_response *resp, int64_t now)
{
	size_t nfilter = 0, n = 0, end;
	char **filter = form_list(req, "StackStatusFilter", &nfilter);
	const struct acct_stacks *acct = acct_stacks(req->account_id, false);
	struct cfn_stack **list = c1_calloc((acct ? acct->n : 0) + 1, sizeof(*list));
	struct c1_buf b = C1_BUF_INIT;
	long off = page_offset(req);

	if (off < 0) {
		respond_error(resp, "ValidationError", "Invalid NextToken");
		goto cleanup;
	}
	for (size_t i = acct ? acct->n : 0; i-- > 0;) {
		struct cfn_stack *st = acct->v[i];
		if (strcmp(st->region, req->region) == 0 &&
		    (nfilter == 0 || has_str(filter, nfilter, st->status)))
			list[n++] = st;
	}
	x_begin(&b, "ListStacks", true);
	c1_buf_puts(&b, "    <StackSummaries>\n");
	end = (size_t)off + PAGE_SIZE < n ? (size_t)off + PAGE_SIZE : n;
	for (size_t i = (size_t)off; i < end; i++) {
		const struct cfn_stack *st = list[i];
		int64_t checked;
		const char *drift = stack_drift_status(st, now, &checked);
		c1_buf_puts(&b, "      <member>");
		x_el(&b, "StackId", st->stack_id);
		x_el(&b, "StackName", st->name);
		x_el(&b, "TemplateDescription",
		     json_string_value(json_object_get(st->tmpl.doc, "Description")));
		x_time(&b, "CreationTime", st->created_ms);
		if (st->updated_ms)
			x_time(&b, "LastUpdatedTime", st->updated_ms);
		if (st->deleted_ms)
			x_time(&b, "DeletionTime", st->deleted_ms);
		x_el(&b, "StackStatus", st->status);
		x_el(&b, "StackStatusReason", st->reason);
		c1_buf_puts(&b, "<DriftInformation>");
		x_el(&b, "StackDriftStatus", drift);
		if (checked)
			x_time(&b, "LastCheckTimestamp", checked);
		c1_buf_puts(&b, "</DriftInformation></member>\n");
	}
	c1_buf_puts(&b, "    </StackSummaries>\n    ");
	x_next_token(&b, end, n);
	c1_buf_puts(&b, "\n");
	x_end(&b, "ListStacks", true);
	respond_xml(resp, &b);
cleanup:
	c1_buf_dispose(&b);
	free(list);
	strs_free(filter, nfilter);
}

static void do_get_template(struct sim_request *req, struct sim_response *resp)
{
	char *name = NULL;
	struct cfn_stack *st = required_stack(req, resp, &name);
	struct c1_buf b = C1_BUF_INIT;

	if (!st)
		goto cleanup;
	x_begin(&b, "GetTemplate", true);
	c1_buf_puts(&b, "    ");
	x_el(&b, "TemplateBody", st->tmpl.body);
	c1_buf_puts(
	    &b,
	    "\n    <StagesAvailable><member>Original</member><member>Processed</member></StagesAvailable>\n");
	x_end(&b, "GetTemplate", true);
	respond_xml(resp, &b);
cleanup:
	c1_buf_dispose(&b);
	free(name);
}

static void do_detect_drift(struct sim_request *req, struct sim_response *resp, int64_t now)
{
	char *name = NULL;
	struct cfn_stack *st = required_stack(req, resp, &name);
	struct cfn_detection *d;
	struct c1_buf b = C1_BUF_INIT;

	if (!st)
		goto cleanup;
	if (!drift_allowed(st->status)) {
		respond_error(
		    resp, "ValidationError",
		    "Stack %s is in %s state. Drift detection is not supported for stacks in this state.",
		    st->stack_id, st->status);
		goto cleanup;
	}
	d = detect(st, now);
	x_begin(&b, "DetectStackDrift", true);
	c1_buf_puts(&b, "    ");
	x_el(&b, "StackDriftDetectionId", d->id);
	c1_buf_puts(&b, "\n");
	x_end(&b, "DetectStackDrift", true);
	respond_xml(resp, &b);
cleanup:
	c1_buf_dispose(&b);
	free(name);
}

static void do_drift_status(struct sim_request *req, struct sim_response *resp, int64_t now)
{
	char *id = form(req, "StackDriftDetectionId");
	struct cfn_detection *d = NULL;
	struct c1_buf b = C1_BUF_INIT;
	char count[16];

	for (size_t i = 0; id && i < s_ndets && !d; i++)
		if (strcmp(s_dets[i].id, id) == 0 && strcmp(s_dets[i].st->account_id, req->account_id) == 0 &&
		    strcmp(s_dets[i].st->region, req->region) == 0)
			d = &s_dets[i];
	if (!d) {
		respond_error(resp, "ValidationError", "Drift detection with id %s does not exist",
			      id ? id : "null");
		goto cleanup;
	}
	x_begin(&b, "DescribeStackDriftDetectionStatus", true);
	c1_buf_puts(&b, "    ");
	x_el(&b, "StackId", d->st->stack_id);
	x_el(&b, "StackDriftDetectionId", d->id);
	if (d->done_ms <= now) {
		snprintf(count, sizeof(count), "%d", d->drifted);
		x_el(&b, "StackDriftStatus", d->drifted ? "DRIFTED" : "IN_SYNC");
		x_el(&b, "DetectionStatus", "DETECTION_COMPLETE");
		x_el(&b, "DriftedStackResourceCount", count);
	} else {
		x_el(&b, "DetectionStatus", "DETECTION_IN_PROGRESS");
	}
	x_time(&b, "Timestamp", d->started_ms);
	c1_buf_puts(&b, "\n");
	x_end(&b, "DescribeStackDriftDetectionStatus", true);
	respond_xml(resp, &b);
cleanup:
	c1_buf_dispose(&b);
	free(id);
}

static void do_resource_drifts(struct sim_request *req, struct sim_response *resp, int64_t now)
{
	char *name = NULL, *max_text = form(req, "MaxResults");
	struct cfn_stack *st = required_stack(req, resp, &name);
	size_t nfilter = 0, shown = 0, matched = 0, next = 0;
	char **filter = form_list(req, "StackResourceDriftStatusFilters", &nfilter);
	struct c1_buf b = C1_BUF_INIT;
	struct cfn_detection *d;
	long off = page_offset(req), max = PAGE_SIZE;
	size_t i;
	json_t *item;

	if (!st)
		goto cleanup;
	if (max_text) {
		char *end = NULL;
		max = strtol(max_text, &end, 10);
		if (!end || *end || max < 1 || max > 100) {
			respond_error(
			    resp, "ValidationError",
			    "1 validation error detected: Value '%s' at 'maxResults' failed to satisfy "
			    "constraint: Member must have value less than or equal to 100",
			    max_text);
			goto cleanup;
		}
	}
	if (off < 0) {
		respond_error(resp, "ValidationError", "Invalid NextToken");
		goto cleanup;
	}
	d = detection_done(st, now);
	x_begin(&b, "DescribeStackResourceDrifts", true);
	c1_buf_puts(&b, "    <StackResourceDrifts>\n");
	json_array_foreach(d ? d->results : NULL, i, item)
	{
		const char *status = json_string_value(json_object_get(item, "StackResourceDriftStatus"));
		json_t *diffs = json_object_get(item, "PropertyDifferences"), *diff;
		size_t k;

		if (nfilter && !has_str(filter, nfilter, status))
			continue;
		if (matched++ < (size_t)off)
			continue;
		if (shown == (size_t)max) {
			next = matched - 1;
			break;
		}
		shown++;
		c1_buf_puts(&b, "      <member>");
		x_el(&b, "StackId", st->stack_id);
		x_el(&b, "LogicalResourceId", json_string_value(json_object_get(item, "LogicalResourceId")));
		x_el(&b, "PhysicalResourceId",
		     json_string_value(json_object_get(item, "PhysicalResourceId")));
		x_el(&b, "ResourceType", json_string_value(json_object_get(item, "ResourceType")));
		x_el(&b, "ExpectedProperties",
		     json_string_value(json_object_get(item, "ExpectedProperties")));
		x_el(&b, "ActualProperties", json_string_value(json_object_get(item, "ActualProperties")));
		c1_buf_puts(&b, "<PropertyDifferences>");
		json_array_foreach(diffs, k, diff)
		{
			c1_buf_puts(&b, "<member>");
			x_el(&b, "PropertyPath", json_string_value(json_object_get(diff, "PropertyPath")));
			x_el(&b, "ExpectedValue", json_string_value(json_object_get(diff, "ExpectedValue")));
			x_el(&b, "ActualValue", json_string_value(json_object_get(diff, "ActualValue")));
			x_el(&b, "DifferenceType",
			     json_string_value(json_object_get(diff, "DifferenceType")));
			c1_buf_puts(&b, "</member>");
		}
		c1_buf_puts(&b, "</PropertyDifferences>");
		x_el(&b, "StackResourceDriftStatus", status);
		x_time(&b, "Timestamp", d->done_ms);
		c1_buf_puts(&b, "</member>\n");
	}
	c1_buf_puts(&b, "    </StackResourceDrifts>\n    ");
	if (next)
		x_next_token(&b, next, next + 1);
	c1_buf_puts(&b, "\n");
	x_end(&b, "DescribeStackResourceDrifts", true);
	respond_xml(resp, &b);
cleanup:
	c1_buf_dispose(&b);
	strs_free(filter, nfilter);
	free(name);
	free(max_text);
}

/* ---- drift injection ---- */

/* Effects of advancing stacks from sim_cfn_role_lookup, which may run under
 * another module's lock; the next request or dump makes the calls. */
static struct cfn_fxq s_deferred = CFN_FXQ_INIT;

static void take_deferred(struct cfn_fxq *fx)
{
	for (size_t i = 0; i < s_deferred.n; i++) {
		if (fx->n == fx->cap) {
			fx->cap = fx->cap ? fx->cap * 2 : 8;
			fx->items = c1_realloc(fx->items, fx->cap * sizeof(*fx->items));
		}
		fx->items[fx->n++] = s_deferred.items[i];
	}
	free(s_deferred.items);
	memset(&s_deferred, 0, sizeof(s_deferred));
}

static bool st_busy_for_drift(const struct cfn_stack *st)
{
	return st->hook_busy || st->step_next < st->nsteps;
}

static struct cfn_stack *drift_target(const json_t *spec, char *err, size_t err_len)
{
	const char *name = json_string_value(json_object_get(spec, "stack"));
	const char *acct = json_string_value(json_object_get(spec, "account_id"));
	const char *region = json_string_value(json_object_get(spec, "region"));
	struct cfn_stack *found = NULL;
	size_t matches = 0;

	if (!name) {
		snprintf(err, err_len, "drift spec needs \"stack\" (a stack name or id)");
		return NULL;
	}
	for (size_t i = 0; i < s_nstacks; i++) {
		struct cfn_stack *st = s_stacks[i];
		if (strcmp(st->status, "DELETE_COMPLETE") == 0)
			continue;
		if (strcmp(st->name, name) != 0 && strcmp(st->stack_id, name) != 0)
			continue;
		if ((acct && strcmp(acct, st->account_id) != 0) ||
		    (region && strcmp(region, st->region) != 0))
			continue;
		found = st;
		matches++;
	}
	if (matches == 0)
		snprintf(err, err_len, "no live stack \"%s\"%s%s%s%s", name, acct ? " in account " : "",
			 acct ? acct : "", region ? " in region " : "", region ? region : "");
	else if (matches > 1) {
		snprintf(err, err_len, "stack \"%s\" matches %zu stacks; add \"account_id\" and \"region\"",
			 name, matches);
		found = NULL;
	} else if (st_busy_for_drift(found)) {
		snprintf(err, err_len, "stack \"%s\" is %s; wait until it settles", name, found->status);
		found = NULL;
	}
	return found;
}

static void drift_stack_deleted(struct cfn_stack *st, int64_t now, struct cfn_fxq *fx)
{
	stack_event(st, now, "DELETE_IN_PROGRESS", "User Initiated");
	for (size_t i = st->nres; i-- > 0;) {
		struct cfn_resource *r = &st->res[i];
		if (!resource_live(r))
			continue;
		snprintf(r->status, sizeof(r->status), "DELETE_COMPLETE");
		r->status_ms = now;
		event_add(st, now, r->logical_id, r->physical_id, r->type, "DELETE_COMPLETE", NULL);
		resource_effects(st, r, false, fx);
	}
	st->deleted_ms = now;
	st->op = OP_DELETE;
	stack_event(st, now, "DELETE_COMPLETE", NULL);
}

static int drift_parameter_changed(struct cfn_stack *st, const json_t *spec, int64_t now, struct cfn_fxq *fx,
				   char *err, size_t err_len)
{
	const char *param = json_string_value(json_object_get(spec, "parameter"));
	const char *value = json_string_value(json_object_get(spec, "value"));
	struct cfn_resource *res = NULL;
	struct cfn_kv *outs = NULL;
	size_t nres = 0, nout = 0, idx = st->nparams;
	struct cfn_scope sc;

	if (!param || !value) {
		snprintf(err, err_len, "stack_parameter_changed needs \"parameter\" and \"value\" strings");
		return -1;
	}
	for (size_t i = 0; i < st->nparams; i++)
		if (strcmp(st->params[i].key, param) == 0)
			idx = i;
	if (idx == st->nparams) {
		snprintf(err, err_len, "stack \"%s\" has no parameter \"%s\"", st->name, param);
		return -1;
	}
	c1_free_secure_str(st->params[idx].value);
	st->params[idx].value = c1_strdup(value);
	/* As if someone ran UpdateStack: resources and outputs follow the value. */
	stack_event(st, now, "UPDATE_IN_PROGRESS", "User Initiated");
	if (st->tmpl.doc) {
		scope_of(st, &sc);
		cfn_template_instantiate(&st->tmpl, &sc, &res, &nres, &outs, &nout);
		for (size_t i = 0; i < nres; i++) {
			int old = find_logical(st, res[i].logical_id);
			if (old < 0) {
				snprintf(res[i].status, sizeof(res[i].status), "CREATE_COMPLETE");
				res[i].status_ms = now;
				resource_effects(st, &res[i], true, fx);
				continue;
			}
			snprintf(res[i].status, sizeof(res[i].status), "%s", st->res[old].status);
			res[i].status_ms = st->res[old].status_ms;
			if (st->res[old].physical_id && res[i].physical_id &&
			    strcmp(st->res[old].physical_id, res[i].physical_id) == 0) {
				res[i].created = st->res[old].created;
				st->res[old].created = false; /* the registration moves over */
			} else {
				resource_effects(st, &res[i], true, fx);
			}
			if (!json_equal(res[i].props, st->res[old].props)) {
				snprintf(res[i].status, sizeof(res[i].status), "UPDATE_COMPLETE");
				res[i].status_ms = now;
				event_add(st, now, res[i].logical_id, res[i].physical_id, res[i].type,
					  "UPDATE_COMPLETE", NULL);
			}
		}
		for (size_t k = 0; k < st->nres; k++)
			if (st->res[k].created)
				resource_effects(st, &st->res[k], false, fx);
		cfn_resources_free(st->res, st->nres);
		st->res = res;
		st->nres = nres;
		cfn_kvs_free(st->outputs, st->nout);
		st->outputs = outs;
		st->nout = nout;
	}
	stack_event(st, now, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", NULL);
	stack_event(st, now, "UPDATE_COMPLETE", NULL);
	st->updated_ms = now;
	st->op = OP_UPDATE;
	return 0;
}

static int drift_resource_modified(struct cfn_stack *st, const json_t *spec, char *err, size_t err_len)
{
	const char *logical = json_string_value(json_object_get(spec, "logical_id"));
	const char *prop = json_string_value(json_object_get(spec, "property"));
	json_t *value = json_object_get(spec, "value");
	struct cfn_resource *r = NULL;
	const char *key;
	json_t *v;

	for (size_t i = 0; i < st->nres && !r; i++) {
		struct cfn_resource *c = &st->res[i];
		if (!resource_live(c) || !cfn_type_drift_checkable(c->type))
			continue;
		if (!logical || strcmp(logical, c->logical_id) == 0)
			r = c;
	}
	if (!r) {
		snprintf(err, err_len, "stack \"%s\" has no drift-checkable resource%s%s", st->name,
			 logical ? " " : "", logical ? logical : "");
		return -1;
	}
	if (!r->actual)
		r->actual = json_deep_copy(r->props ? r->props : json_object());
	if (prop) {
		json_object_set_new(r->actual, prop,
				    value ? json_deep_copy(value) : json_string("modified-out-of-band"));
		return 0;
	}
	/* No property named: change the first string property, else add one. */
	json_object_foreach(r->actual, key, v)
	{
		if (json_is_string(v)) {
			char *changed = c1_asprintf("%s-modified", json_string_value(v));
			json_object_set_new(r->actual, key, json_string(changed));
			free(changed);
			return 0;
		}
	}
	json_object_set_new(r->actual, "Description", json_string("modified out of band"));
	return 0;
}

static int cfn_inject_drift(const char *kind, const json_t *spec, char *err, size_t err_len)
{
	struct cfn_fxq fx = CFN_FXQ_INIT;
	struct cfn_stack *st;
	int64_t now;
	int rc = -1;

	if (strcmp(kind, "stack_deleted") != 0 && strcmp(kind, "stack_parameter_changed") != 0 &&
	    strcmp(kind, "stack_resource_modified") != 0)
		return 0;
	pthread_mutex_lock(&s_lock);
	now = cfn_now(NULL);
	take_deferred(&fx);
	settle_locked(now, true, &fx);
	st = drift_target(spec, err, err_len);
	if (!st)
		goto cleanup;
	if (strcmp(kind, "stack_deleted") == 0) {
		drift_stack_deleted(st, now, &fx);
		rc = 1;
	} else if (strcmp(kind, "stack_parameter_changed") == 0) {
		rc = drift_parameter_changed(st, spec, now, &fx, err, err_len) == 0 ? 1 : -1;
	} else {
		rc = drift_resource_modified(st, spec, err, err_len) == 0 ? 1 : -1;
	}
cleanup:
	pthread_mutex_unlock(&s_lock);
	fx_run(&fx);
	return rc;
}

/* ---- the service ---- */

static void cfn_handle(struct sim_request *req, struct sim_response *resp)
{
	struct cfn_fxq fx = CFN_FXQ_INIT;
	int64_t now;
	char *action_form = req->route[0] ? NULL : form(req, "Action");
	const char *action = req->route[0] ? req->route : action_form;

	pthread_mutex_lock(&s_lock);
	now = cfn_now(req);
	take_deferred(&fx);
	settle_locked(now, true, &fx);
	if (!action)
		respond_error(resp, "MissingAction", "Missing Action");
	else if (strcmp(action, "CreateStack") == 0)
		do_create(req, resp, now);
	else if (strcmp(action, "UpdateStack") == 0)
		do_update(req, resp, now);
	else if (strcmp(action, "DeleteStack") == 0)
		do_delete(req, resp, now);
	else if (strcmp(action, "DescribeStacks") == 0)
		do_describe_stacks(req, resp, now);
	else if (strcmp(action, "DescribeStackEvents") == 0)
		do_describe_events(req, resp);
	else if (strcmp(action, "DescribeStackResources") == 0)
		do_describe_resources(req, resp);
	else if (strcmp(action, "ListStacks") == 0)
		do_list_stacks(req, resp, now);
	else if (strcmp(action, "GetTemplate") == 0)
		do_get_template(req, resp);
	else if (strcmp(action, "ContinueUpdateRollback") == 0)
		do_continue_rollback(req, resp, now);
	else if (strcmp(action, "DetectStackDrift") == 0)
		do_detect_drift(req, resp, now);
	else if (strcmp(action, "DescribeStackDriftDetectionStatus") == 0)
		do_drift_status(req, resp, now);
	else if (strcmp(action, "DescribeStackResourceDrifts") == 0)
		do_resource_drifts(req, resp, now);
	else
		respond_error(resp, "InvalidAction", "Could not find operation %s for version 2010-05-15",
			      action);
	pthread_mutex_unlock(&s_lock);
	fx_run(&fx);
	free(action_form);
}

static json_t *kv_object(const struct cfn_kv *kv, size_t n, bool mask)
{
	json_t *o = json_object();
	for (size_t i = 0; i < n; i++)
		json_object_set_new(o, kv[i].key, json_string(mask && kv[i].no_echo ? "****" : kv[i].value));
	return o;
}

static json_t *time_or_null(int64_t ms)
{
	char ts[40];

	if (!ms)
		return json_null();
	iso_time(ts, sizeof(ts), ms);
	return json_string(ts);
}

static void cfn_dump_state(json_t *state)
{
	struct cfn_fxq fx = CFN_FXQ_INIT;
	json_t *arr = json_array();

	pthread_mutex_lock(&s_lock);
	take_deferred(&fx);
	settle_locked(cfn_now(NULL), true, &fx);
	for (size_t i = 0; i < s_nstacks; i++) {
		const struct cfn_stack *st = s_stacks[i];
		json_t *o = json_object(), *res = json_array();
		for (size_t k = 0; k < st->nres; k++) {
			const struct cfn_resource *r = &st->res[k];
			if (r->gone || !r->status[0])
				continue;
			json_array_append_new(res, json_pack("{s:s, s:s, s:s, s:s}", "logical_id",
							     r->logical_id, "type", r->type, "physical_id",
							     r->physical_id ? r->physical_id : "", "status",
							     r->status));
		}
		json_object_set_new(o, "account_id", json_string(st->account_id));
		json_object_set_new(o, "region", json_string(st->region));
		json_object_set_new(o, "name", json_string(st->name));
		json_object_set_new(o, "stack_id", json_string(st->stack_id));
		json_object_set_new(o, "status", json_string(st->status));
		json_object_set_new(o, "status_reason", st->reason ? json_string(st->reason) : json_null());
		json_object_set_new(o, "parameters", kv_object(st->params, st->nparams, true));
		json_object_set_new(o, "outputs", kv_object(st->outputs, st->nout, false));
		json_object_set_new(o, "tags", kv_object(st->tags, st->ntags, false));
		json_object_set_new(o, "resources", res);
		json_object_set_new(o, "created", time_or_null(st->created_ms));
		json_object_set_new(o, "updated", time_or_null(st->updated_ms));
		json_object_set_new(o, "deleted", time_or_null(st->deleted_ms));
		json_array_append_new(arr, o);
	}
	pthread_mutex_unlock(&s_lock);
	fx_run(&fx);
	json_object_set_new(state, "stacks", arr);
}

static void fxq_discard(struct cfn_fxq *q)
{
	for (size_t i = 0; i < q->n; i++) {
		free(q->items[i].a);
		c1_free_secure_str(q->items[i].b);
		c1_free_secure_str(q->items[i].c);
	}
	free(q->items);
	memset(q, 0, sizeof(*q));
}

static void cfn_reset(void)
{
	pthread_mutex_lock(&s_lock);
	for (size_t i = 0; i < s_nstacks; i++)
		stack_free(s_stacks[i]);
	free(s_stacks);
	s_stacks = NULL;
	s_nstacks = s_capstacks = 0;
	acct_index_clear();
	c1_timer_heap_dispose(&s_due);
	c1_timer_heap_init(&s_due);
	for (size_t i = 0; i < s_ndets; i++)
		json_decref(s_dets[i].results);
	free(s_dets);
	s_dets = NULL;
	s_ndets = s_capdets = 0;
	fxq_discard(&s_deferred);
	s_offset_ms = 0;
	s_forced[0] = '\0';
	pthread_mutex_unlock(&s_lock);
}

const struct sim_service sim_service_cloudformation = {
    "cloudformation", cfn_handle, cfn_dump_state, cfn_inject_drift, cfn_reset,
};

/* The live role (made by a stack that reached CREATE_COMPLETE) of `account_id`
 * whose ARN is `role_arn`, or whose name is `name`; NULL when none. s_lock held. */
static const struct cfn_resource *s_live_role_locked(const char *account_id, const char *role_arn,
						     const char *name)
{
	const struct acct_stacks *a = acct_stacks(account_id, false);
	for (size_t i = 0; a && i < a->n; i++) {
		const struct cfn_stack *st = a->v[i];
		for (size_t k = 0; k < st->nres; k++) {
			const struct cfn_resource *r = &st->res[k];
			if (strcmp(r->type, "AWS::IAM::Role") != 0 || !r->arn || !r->created ||
			    !resource_live(r))
				continue;
			if (role_arn ? strcmp(r->arn, role_arn) == 0
				     : r->physical_id && strcmp(r->physical_id, name) == 0)
				return r;
		}
	}
	return NULL;
}

bool sim_cfn_role_lookup(const char *account_id, const char *role_arn, char *external_id_out, size_t ext_len,
			 char *principal_out, size_t principal_len)
{
	if (ext_len)
		external_id_out[0] = '\0';
	if (principal_len)
		principal_out[0] = '\0';
	if (!account_id || !role_arn)
		return false;
	pthread_mutex_lock(&s_lock);
	/* No cross-module calls here: the caller may hold another module's lock. */
	settle_locked(cfn_now(NULL), false, &s_deferred);
	const struct cfn_resource *r = s_live_role_locked(account_id, role_arn, NULL);
	if (r && ext_len)
		snprintf(external_id_out, ext_len, "%s", r->external_id ? r->external_id : "");
	if (r && principal_len)
		snprintf(principal_out, principal_len, "%s", r->trust_principal ? r->trust_principal : "");
	pthread_mutex_unlock(&s_lock);
	return r != NULL;
}

bool sim_cfn_role_named(const char *account_id, const char *name, char *arn_out, size_t arn_len)
{
	if (arn_len)
		arn_out[0] = '\0';
	if (!account_id || !name)
		return false;
	pthread_mutex_lock(&s_lock);
	settle_locked(cfn_now(NULL), false, &s_deferred);
	const struct cfn_resource *r = s_live_role_locked(account_id, NULL, name);
	if (r && arn_len)
		snprintf(arn_out, arn_len, "%s", r->arn);
	pthread_mutex_unlock(&s_lock);
	return r != NULL;
}

void sim_cfn_test_advance_ms(int64_t ms)
{
	pthread_mutex_lock(&s_lock);
	s_offset_ms += ms;
	pthread_mutex_unlock(&s_lock);
}

void sim_cfn_test_force_fault(const char *effect)
{
	pthread_mutex_lock(&s_lock);
	snprintf(s_forced, sizeof(s_forced), "%s", effect ? effect : "");
	pthread_mutex_unlock(&s_lock);
}

size_t sim_cfn_test_stack_count(void)
{
	size_t n;

	pthread_mutex_lock(&s_lock);
	n = s_nstacks;
	pthread_mutex_unlock(&s_lock);
	return n;
}
