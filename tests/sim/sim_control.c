/* The unauthenticated /_sim/ control plane: state dump, fault plan, drift
 * injection, extra buckets and a reset for tests. JSON in, JSON out. */
#include "sim_server.h"

#include "engine/core/json.h"

#include <stdio.h>
#include <string.h>

/* Kinds named in SPEC 6 plus the ones c1sim's own modules add. */
static const char *const s_drift_kinds[] = {"connector_deleted",
					    "cloud_account_deleted",
					    "connector_role_changed",
					    "cloud_account_role_changed",
					    "stack_deleted",
					    "stack_parameter_changed",
					    "stack_resource_modified",
					    "visionone_unlinked",
					    "bucket_deleted",
					    "trail_deleted",
					    "trail_stopped"};

/* Arrays the SPEC promises even when a module has nothing to report. */
static const char *const s_state_arrays[] = {"stacks", "ws_connectors", "cloud_accounts",
					     "cloudtrail_integrations", "visionone_links"};

static void s_error(struct sim_response *resp, int status, const char *message)
{
	sim_respond_json(resp, status, json_pack("{s:s}", "error", message));
}

static json_t *s_body_json(const struct sim_request *req, struct sim_response *resp)
{
	json_t *doc = NULL;
	if (c1_json_parse(&doc, c1_buf_view(&req->body), SIM_MAX_BODY_BYTES, 0) < 0 || !json_is_object(doc)) {
		json_decref(doc);
		s_error(resp, 400, "the request body must be a JSON object");
		return NULL;
	}
	return doc;
}

static void s_state(struct sim_response *resp)
{
	json_t *state = json_object();
	size_t n;
	const struct sim_service *const *all = sim_services(&n);
	for (size_t i = 0; i < n; i++)
		if (all[i]->dump_state)
			all[i]->dump_state(state);
	for (size_t i = 0; i < sizeof(s_state_arrays) / sizeof(s_state_arrays[0]); i++)
		if (!json_is_array(json_object_get(state, s_state_arrays[i])))
			json_object_set_new(state, s_state_arrays[i], json_array());
	sim_counters_dump(state);
	sim_faults_dump(state);
	sim_variants_dump(state);
	sim_respond_json(resp, 200, state);
}

/* The counters and the plan without the world: cheap at any size (benchmarks). */
static void s_requests(struct sim_response *resp)
{
	json_t *doc = json_object();
	sim_counters_dump(doc);
	sim_faults_dump(doc);
	sim_respond_json(resp, 200, doc);
}

static void s_faults(const struct sim_request *req, struct sim_response *resp)
{
	char err[256] = "";
	json_t *plan = s_body_json(req, resp);
	if (!plan)
		return;
	if (sim_faults_set(plan, err, sizeof(err)) < 0)
		s_error(resp, 400, err);
	else
		sim_respond_json(resp, 200, json_pack("{s:b}", "ok", 1));
	json_decref(plan);
}

static void s_drift(const struct sim_request *req, struct sim_response *resp)
{
	char err[256] = "";
	json_t *spec = s_body_json(req, resp);
	if (!spec)
		return;
	const char *kind = json_string_value(json_object_get(spec, "kind"));
	size_t n;
	const struct sim_service *const *all = sim_services(&n);
	int applied = 0;
	for (size_t i = 0; kind && i < n && applied == 0; i++)
		if (all[i]->inject_drift)
			applied = all[i]->inject_drift(kind, spec, err, sizeof(err));
	if (applied > 0) {
		sim_respond_json(resp, 200, json_pack("{s:b, s:s}", "ok", 1, "kind", kind));
	} else if (applied < 0) {
		s_error(resp, 400, err[0] ? err : "the drift specification is not usable");
	} else {
		char msg[512];
		int len =
		    snprintf(msg, sizeof(msg), "unknown drift kind '%.60s'; known kinds:", kind ? kind : "");
		for (size_t i = 0; i < sizeof(s_drift_kinds) / sizeof(s_drift_kinds[0]); i++)
			len += snprintf(msg + len, sizeof(msg) - (size_t)len, "%s %s", i ? "," : "",
					s_drift_kinds[i]);
		s_error(resp, 400, msg);
	}
	json_decref(spec);
}

static bool s_account_ok(const char *a)
{
	if (!a || strlen(a) != 12)
		return false;
	for (int i = 0; i < 12; i++)
		if (a[i] < '0' || a[i] > '9')
			return false;
	return true;
}

static void s_buckets(const struct sim_request *req, struct sim_response *resp)
{
	json_t *doc = s_body_json(req, resp);
	if (!doc)
		return;
	const char *name = json_string_value(json_object_get(doc, "name"));
	const char *region = json_string_value(json_object_get(doc, "region"));
	const char *account = json_string_value(json_object_get(doc, "account_id"));
	if (!name || strlen(name) < 3 || strlen(name) > 63 || !region || !region[0] || strlen(region) > 31 ||
	    !s_account_ok(account)) {
		s_error(resp, 400,
			"give {\"name\": 3-63 chars, \"region\": \"eu-west-2\", \"account_id\": 12 digits}");
	} else {
		sim_s3_bucket_add(name, region, account);
		sim_respond_json(
		    resp, 201,
		    json_pack("{s:s, s:s, s:s}", "name", name, "region", region, "account_id", account));
	}
	json_decref(doc);
}

void sim_reset_all(void)
{
	size_t n;
	const struct sim_service *const *all = sim_services(&n);
	for (size_t i = 0; i < n; i++)
		if (all[i]->reset)
			all[i]->reset();
	sim_faults_set(NULL, NULL, 0);
	sim_counters_reset();
	sim_world_reset();
}

void sim_control_handle(struct sim_request *req, struct sim_response *resp)
{
	const char *m = req->method;
	const char *p = req->path;
	bool get = strcmp(m, "GET") == 0;
	bool post = strcmp(m, "POST") == 0;
	if (get && strcmp(p, "/_sim/state") == 0) {
		s_state(resp);
	} else if (get && strcmp(p, "/_sim/requests") == 0) {
		s_requests(resp);
	} else if (get && strcmp(p, "/_sim/health") == 0) {
		sim_respond_json(resp, 200, json_pack("{s:b}", "ok", 1));
	} else if (post && strcmp(p, "/_sim/faults") == 0) {
		s_faults(req, resp);
	} else if (post && strcmp(p, "/_sim/drift") == 0) {
		s_drift(req, resp);
	} else if (post && strcmp(p, "/_sim/buckets") == 0) {
		s_buckets(req, resp);
	} else if (post && strcmp(p, "/_sim/reset") == 0) {
		sim_reset_all();
		sim_respond_json(resp, 200, json_pack("{s:b}", "ok", 1));
	} else {
		s_error(resp, 404,
			"unknown control route; use GET /_sim/state, /_sim/requests or /_sim/health, POST "
			"/_sim/faults, "
			"/_sim/drift, /_sim/buckets or /_sim/reset");
	}
}
