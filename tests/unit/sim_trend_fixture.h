/* Test fixture for c1sim's Cloud One and Vision One modules: calls a service
 * handler directly with a hand-made request, as the router would. */
#ifndef C1_SIM_TREND_FIXTURE_H
#define C1_SIM_TREND_FIXTURE_H

#include "harness.h"
#include "sim.h"
#include "sim_trend.h"

#include "engine/core/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sim_call {
	int status;
	char *text;   /* response body, "" when none */
	json_t *json; /* parsed body, NULL when not JSON */
	char content_type[64];
};

static inline void sim_call_dispose(struct sim_call *c)
{
	free(c->text);
	json_decref(c->json);
	memset(c, 0, sizeof(*c));
}

/**
 * One request to `svc`. `auth` is the whole Authorization value (NULL: none),
 * `api_version` the api-version header (NULL: none), `now_ms` 0 for the clock.
 */
static inline struct sim_call sim_call_do(const struct sim_service *svc, const char *auth,
					  const char *api_version, const char *method, const char *path,
					  const char *query, const char *body, int64_t now_ms)
{
	struct sim_request req;
	struct sim_response resp;
	struct sim_call out;
	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	memset(&out, 0, sizeof(out));
	req.method = method;
	req.raw_path = c1_strdup(path);
	req.path = c1_strdup(path);
	req.raw_query = c1_strdup(query ? query : "");
	if (auth)
		c1_headers_add(&req.headers, "Authorization", auth);
	if (api_version)
		c1_headers_add(&req.headers, "api-version", api_version);
	if (body) {
		c1_headers_add(&req.headers, "Content-Type", "application/json");
		c1_buf_puts(&req.body, body);
	}
	req.service = svc->name;
	char *route = c1_asprintf("%s %s", method, path);
	size_t route_len = strnlen(route, sizeof(req.route) - 1);
	memcpy(req.route, route, route_len);
	req.route[route_len] = '\0';
	free(route);
	req.now_ms = now_ms > 0 ? now_ms : sim_now_ms();
	svc->handle(&req, &resp);
	out.status = resp.status;
	out.text = c1_strdup(c1_buf_cstr(&resp.body));
	const char *ct = c1_headers_get(&resp.headers, "Content-Type");
	snprintf(out.content_type, sizeof(out.content_type), "%s", ct ? ct : "");
	if (out.text[0])
		out.json = json_loads(out.text, 0, NULL);
	free(req.raw_path);
	free(req.path);
	free(req.raw_query);
	c1_headers_dispose(&req.headers);
	c1_buf_dispose(&req.body);
	c1_headers_dispose(&resp.headers);
	c1_buf_dispose(&resp.body);
	return out;
}

/** "ApiKey <key>" for a Cloud One account; caller frees. */
static inline char *sim_fixture_c1_auth(const char *c1_region, const char *c1_account)
{
	char *key = sim_creds_cloudone_key(c1_region, c1_account);
	char *auth = c1_asprintf("ApiKey %s", key);
	c1_free_secure_str(key);
	return auth;
}

/** "Bearer <token>" for a Vision One tenant; caller frees. */
static inline char *sim_fixture_v1_auth(const char *tenant)
{
	char *token = sim_creds_visionone_token(tenant);
	char *auth = c1_asprintf("Bearer %s", token);
	c1_free_secure_str(token);
	return auth;
}

/** A Cloud One call with "api-version: v1". */
static inline struct sim_call sim_c1(const char *auth, const char *method, const char *path,
				     const char *query, const char *body)
{
	return sim_call_do(&sim_service_cloudone, auth, "v1", method, path, query, body, 0);
}

static inline struct sim_call sim_v1(const char *auth, const char *method, const char *path, const char *body)
{
	return sim_call_do(&sim_service_visionone, auth, NULL, method, path, NULL, body, 0);
}

/** Fresh world: seed 1, real time, both modules empty. */
static inline void sim_fixture_reset(void)
{
	struct sim_config cfg = {1.0, 1};
	sim_world_init(&cfg);
	sim_service_cloudone.reset();
	sim_service_visionone.reset();
	sim_cloudone_test_set_role_lookup(NULL);
}

/** The /_sim/state arrays of both modules as text; caller frees. */
static inline char *sim_fixture_state_text(void)
{
	json_t *state = json_object();
	sim_service_cloudone.dump_state(state);
	sim_service_visionone.dump_state(state);
	char *text = json_dumps(state, JSON_COMPACT);
	json_decref(state);
	return text;
}

/** Array `name` of the state document; new reference. */
static inline json_t *sim_fixture_state_array(const char *name)
{
	json_t *state = json_object();
	sim_service_cloudone.dump_state(state);
	sim_service_visionone.dump_state(state);
	json_t *arr = json_incref(json_object_get(state, name));
	json_decref(state);
	return arr;
}

#endif
