/* c1sim Vision One: Bearer auth, enrollment tokens, the enrollment token ->
 * Cloud One connect -> link flow seen from both sides and in the state,
 * unlinking, the visionone_unlinked drift, and no token in the state dump. */
#include "harness.h"
#include "sim_trend_fixture.h"

#include "engine/core/json.h"

#define C1_ACCT  "123456789012"
#define C1_OTHER "210987654321"
#define TENANT   "0a0b0c0d"
#define TENANT2  "deadbeef"

#define ENROLL_PATH "/v1.0/preview/uic/instances/enrollment"
#define LIST_PATH   "/v2.0/xdr/portal/connectors"

/* An enrollment token of `tenant`'s V1 (token and connector id out). */
static void s_enroll(const char *tenant, char *token, size_t token_len, char *connector, size_t connector_len)
{
	char *auth = sim_fixture_v1_auth(tenant);
	struct sim_call c = sim_v1(auth, "POST", ENROLL_PATH, "{\"productId\":\"scc\"}");
	C1_CHECK_INT(c.status, ==, 200);
	C1_CHECK(c1_json_get_string(c.json, "token") && c1_json_get_string(c.json, "connectorId"));
	snprintf(token, token_len, "%s", c1_json_get_string(c.json, "token"));
	snprintf(connector, connector_len, "%s", c1_json_get_string(c.json, "connectorId"));
	sim_call_dispose(&c);
	free(auth);
}

static struct sim_call s_connect(const char *c1_account, const char *token, int64_t now_ms)
{
	char *auth = sim_fixture_c1_auth("us-1", c1_account);
	char *body = c1_asprintf("{\"enrollmentToken\":\"%s\"}", token);
	struct sim_call c =
	    sim_call_do(&sim_service_cloudone, auth, "v1", "POST", "/api/connectors", NULL, body, now_ms);
	free(body);
	free(auth);
	return c;
}

static int s_list_count(const char *tenant)
{
	char *auth = sim_fixture_v1_auth(tenant);
	struct sim_call c = sim_v1(auth, "GET", LIST_PATH, NULL);
	C1_CHECK_INT(c.status, ==, 200);
	C1_CHECK_STR(c1_json_get_string(c.json, "code"), "Success");
	int n = (int)json_array_size(json_object_get(c.json, "data"));
	sim_call_dispose(&c);
	free(auth);
	return n;
}

static int s_c1_status(const char *c1_account)
{
	char *auth = sim_fixture_c1_auth("us-1", c1_account);
	struct sim_call c = sim_c1(auth, "GET", "/api/connectors", NULL, NULL);
	int status = c.status;
	if (status == 200)
		C1_CHECK_STR(c1_json_get_string(c.json, "registration.status"), "registered");
	else
		C1_CHECK(c1_json_get_string(c.json, "message") != NULL);
	sim_call_dispose(&c);
	free(auth);
	return status;
}

C1_TEST(bad_bearer_is_401_invalid_credentials)
{
	sim_fixture_reset();
	char *token = sim_creds_visionone_token(TENANT);
	char *forged =
	    c1_asprintf("Bearer v1sim.%s." SIM_SECRET_MARK "00000000000000000000000000000000", TENANT);
	char *apikey = c1_asprintf("ApiKey %s", token);
	const char *auths[] = {NULL, forged, apikey, "Bearer "};
	for (size_t i = 0; i < 4; i++) {
		struct sim_call c = sim_v1(auths[i], "GET", LIST_PATH, NULL);
		C1_CHECK_INT(c.status, ==, 401);
		C1_CHECK_STR(c1_json_get_string(c.json, "error.code"), "InvalidCredentials");
		C1_CHECK(c1_json_get_string(c.json, "error.message") != NULL);
		sim_call_dispose(&c);
	}
	free(apikey);
	free(forged);
	c1_free_secure_str(token);
}

C1_TEST(enrollment_returns_token_connector_and_expiry)
{
	sim_fixture_reset();
	char *auth = sim_fixture_v1_auth(TENANT);
	struct sim_call c = sim_v1(auth, "POST", ENROLL_PATH, "{\"productId\":\"scc\"}");
	C1_CHECK_INT(c.status, ==, 200);
	C1_CHECK_STR(c.content_type, "application/json");
	C1_CHECK(strlen(c1_json_get_string(c.json, "token")) >= 16);
	C1_CHECK(strlen(c1_json_get_string(c.json, "connectorId")) == 36);
	const char *expire = c1_json_get_string(c.json, "tokenExpireTime");
	C1_CHECK(expire && strlen(expire) == 20 && expire[10] == 'T' && expire[19] == 'Z');
	sim_call_dispose(&c);

	const char *bad[] = {"{}", "{\"productId\":\"xyz\"}", "[]"};
	for (size_t i = 0; i < 3; i++) {
		c = sim_v1(auth, "POST", ENROLL_PATH, bad[i]);
		C1_CHECK_INT(c.status, ==, 400);
		C1_CHECK(c1_json_get_string(c.json, "error.code") != NULL);
		sim_call_dispose(&c);
	}
	c = sim_v1(auth, "GET", "/v2.0/nothing", NULL);
	C1_CHECK_INT(c.status, ==, 404);
	C1_CHECK_STR(c1_json_get_string(c.json, "error.code"), "NotFound");
	sim_call_dispose(&c);
	free(auth);
}

C1_TEST(enroll_connect_link_visible_everywhere)
{
	sim_fixture_reset();
	char token[96], connector[64];
	C1_CHECK_INT(s_c1_status(C1_ACCT), ==, 404);
	C1_CHECK_INT(s_list_count(TENANT), ==, 0);
	s_enroll(TENANT, token, sizeof(token), connector, sizeof(connector));
	C1_CHECK_INT(s_list_count(TENANT), ==, 0); /* enrolled, not yet connected */

	struct sim_call c = s_connect(C1_ACCT, token, 0);
	C1_CHECK_INT(c.status, ==, 200);
	C1_CHECK_STR(c1_json_get_string(c.json, "registration.status"), "registered");
	C1_CHECK_STR(c1_json_get_string(c.json, "registration.connectorId"), connector);
	sim_call_dispose(&c);

	C1_CHECK_INT(s_c1_status(C1_ACCT), ==, 200);
	char *auth = sim_fixture_v1_auth(TENANT);
	c = sim_v1(auth, "GET", LIST_PATH, NULL);
	C1_CHECK_INT(json_array_size(json_object_get(c.json, "data")), ==, 1);
	C1_CHECK_STR(c1_json_get_string(c.json, "data.0.productId"), "scc");
	C1_CHECK_STR(c1_json_get_string(c.json, "data.0.connectorId"), connector);
	C1_CHECK_STR(c1_json_get_string(c.json, "data.0.cloudOneAccountId"), C1_ACCT);
	bool connected = false;
	int64_t status = 0;
	C1_CHECK(c1_json_get_bool(c.json, "data.0.isConnected", &connected) == 0 && connected);
	C1_CHECK(c1_json_get_int(c.json, "data.0.status", &status) == 0 && status == 1);
	sim_call_dispose(&c);
	C1_CHECK_INT(s_list_count(TENANT2), ==, 0); /* another tenant sees nothing */

	json_t *links = sim_fixture_state_array("visionone_links");
	C1_CHECK_INT(json_array_size(links), ==, 1);
	C1_CHECK_STR(c1_json_get_string(links, "0.account_id"), C1_ACCT);
	C1_CHECK_STR(c1_json_get_string(links, "0.c1_account_id"), C1_ACCT);
	C1_CHECK_STR(c1_json_get_string(links, "0.v1_tenant"), TENANT);
	C1_CHECK_STR(c1_json_get_string(links, "0.connector_id"), connector);
	C1_CHECK_STR(c1_json_get_string(links, "0.status"), "connected");
	json_decref(links);
	free(auth);
}

C1_TEST(connect_is_idempotent_per_tenant)
{
	sim_fixture_reset();
	char token[96], connector[64], token2[96], connector2[64], other[96], other_conn[64];
	s_enroll(TENANT, token, sizeof(token), connector, sizeof(connector));
	s_enroll(TENANT, token2, sizeof(token2), connector2, sizeof(connector2));
	s_enroll(TENANT2, other, sizeof(other), other_conn, sizeof(other_conn));
	C1_CHECK(strcmp(token, token2) != 0);

	const char *tokens[] = {token, token, token2};
	for (size_t i = 0; i < 3; i++) {
		struct sim_call c = s_connect(C1_ACCT, tokens[i], 0);
		C1_CHECK_INT(c.status, ==, 200);
		C1_CHECK_STR(c1_json_get_string(c.json, "registration.status"), "registered");
		C1_CHECK_STR(c1_json_get_string(c.json, "registration.connectorId"), connector);
		sim_call_dispose(&c);
	}
	/* A linked account cannot move to another tenant without unlinking. */
	struct sim_call c = s_connect(C1_ACCT, other, 0);
	C1_CHECK_INT(c.status, ==, 400);
	C1_CHECK_CONTAINS(c1_json_get_string(c.json, "message"), "another Vision One tenant");
	sim_call_dispose(&c);
	/* One token may enroll several Cloud One accounts of the tenant. */
	c = s_connect(C1_OTHER, token, 0);
	C1_CHECK_INT(c.status, ==, 200);
	sim_call_dispose(&c);
	C1_CHECK_INT(s_list_count(TENANT), ==, 2);
	json_t *links = sim_fixture_state_array("visionone_links");
	C1_CHECK_INT(json_array_size(links), ==, 2);
	json_decref(links);
}

C1_TEST(connect_refuses_unknown_expired_or_missing_token)
{
	sim_fixture_reset();
	char token[96], connector[64];
	s_enroll(TENANT, token, sizeof(token), connector, sizeof(connector));
	struct sim_call c = s_connect(C1_ACCT, "v1enr-not-issued", 0);
	C1_CHECK_INT(c.status, ==, 400);
	C1_CHECK_CONTAINS(c1_json_get_string(c.json, "message"), "enrollment token");
	sim_call_dispose(&c);
	/* Valid for one simulated hour (time scale 1 here). */
	c = s_connect(C1_ACCT, token, sim_now_ms() + 2 * 3600 * 1000);
	C1_CHECK_INT(c.status, ==, 400);
	C1_CHECK_CONTAINS(c1_json_get_string(c.json, "message"), "expired");
	sim_call_dispose(&c);
	c = s_connect(C1_ACCT, token, sim_now_ms() + 3000 * 1000);
	C1_CHECK_INT(c.status, ==, 200);
	sim_call_dispose(&c);

	char *auth = sim_fixture_c1_auth("us-1", C1_OTHER);
	const char *bad[] = {"{}", "{\"enrollmentToken\":\"\"}", "{\"enrollmentToken\":5}"};
	for (size_t i = 0; i < 3; i++) {
		c = sim_c1(auth, "POST", "/api/connectors", NULL, bad[i]);
		C1_CHECK_INT(c.status, ==, 400);
		sim_call_dispose(&c);
	}
	c = sim_call_do(&sim_service_cloudone, auth, NULL, "POST", "/api/connectors", NULL, "{}", 0);
	C1_CHECK_INT(c.status, ==, 400);
	C1_CHECK_CONTAINS(c1_json_get_string(c.json, "message"), "api-version");
	sim_call_dispose(&c);
	C1_CHECK_INT(s_c1_status(C1_OTHER), ==, 404);
	free(auth);
}

C1_TEST(expiry_follows_time_scale)
{
	struct sim_config cfg = {0.001, 1}; /* one simulated hour = 3.6 real seconds */
	sim_world_init(&cfg);
	sim_service_cloudone.reset();
	sim_service_visionone.reset();
	char token[96], connector[64];
	s_enroll(TENANT, token, sizeof(token), connector, sizeof(connector));
	struct sim_call c = s_connect(C1_ACCT, token, sim_now_ms() + 5000);
	C1_CHECK_INT(c.status, ==, 400);
	sim_call_dispose(&c);
	c = s_connect(C1_ACCT, token, sim_now_ms() + 1000);
	C1_CHECK_INT(c.status, ==, 200);
	sim_call_dispose(&c);
	sim_fixture_reset();
}

C1_TEST(unlink_removes_the_link)
{
	sim_fixture_reset();
	char token[96], connector[64], path[128];
	s_enroll(TENANT, token, sizeof(token), connector, sizeof(connector));
	struct sim_call c = s_connect(C1_ACCT, token, 0);
	sim_call_dispose(&c);
	snprintf(path, sizeof(path), "/v2.0/xdr/portal/connectors/onpremise/%s", connector);

	char *other = sim_fixture_v1_auth(TENANT2);
	c = sim_v1(other, "DELETE", path, NULL);
	C1_CHECK_INT(c.status, ==, 404);
	C1_CHECK_STR(c1_json_get_string(c.json, "error.code"), "NotFound");
	sim_call_dispose(&c);
	C1_CHECK_INT(s_list_count(TENANT), ==, 1);

	char *auth = sim_fixture_v1_auth(TENANT);
	c = sim_v1(auth, "DELETE", path, NULL);
	C1_CHECK_INT(c.status, ==, 200);
	C1_CHECK(c.json != NULL);
	C1_CHECK_STR(c1_json_get_string(c.json, "code"), "Success");
	sim_call_dispose(&c);
	C1_CHECK_INT(s_list_count(TENANT), ==, 0);
	C1_CHECK_INT(s_c1_status(C1_ACCT), ==, 404);
	json_t *links = sim_fixture_state_array("visionone_links");
	C1_CHECK_INT(json_array_size(links), ==, 0);
	json_decref(links);

	c = sim_v1(auth, "DELETE", path, NULL);
	C1_CHECK_INT(c.status, ==, 404);
	sim_call_dispose(&c);
	/* Unlinked, the account may join another tenant. */
	char token2[96], connector2[64];
	s_enroll(TENANT2, token2, sizeof(token2), connector2, sizeof(connector2));
	c = s_connect(C1_ACCT, token2, 0);
	C1_CHECK_INT(c.status, ==, 200);
	sim_call_dispose(&c);
	C1_CHECK_INT(s_list_count(TENANT2), ==, 1);
	free(auth);
	free(other);
}

C1_TEST(drift_visionone_unlinked)
{
	sim_fixture_reset();
	char token[96], connector[64], err[256] = "";
	s_enroll(TENANT, token, sizeof(token), connector, sizeof(connector));
	struct sim_call c = s_connect(C1_ACCT, token, 0);
	sim_call_dispose(&c);
	json_t *spec = json_pack("{s:s,s:s}", "kind", "visionone_unlinked", "c1_account_id", C1_ACCT);
	json_t *bad = json_pack("{s:s}", "kind", "visionone_unlinked");
	C1_CHECK_INT(sim_service_visionone.inject_drift("connector_deleted", spec, err, sizeof(err)), ==, 0);
	C1_CHECK_INT(sim_service_cloudone.inject_drift("visionone_unlinked", spec, err, sizeof(err)), ==, 0);
	C1_CHECK_INT(sim_service_visionone.inject_drift("visionone_unlinked", bad, err, sizeof(err)), ==, -1);
	C1_CHECK_CONTAINS(err, "c1_account_id");
	C1_CHECK_INT(sim_service_visionone.inject_drift("visionone_unlinked", spec, err, sizeof(err)), ==, 1);
	C1_CHECK_INT(s_list_count(TENANT), ==, 0);
	C1_CHECK_INT(s_c1_status(C1_ACCT), ==, 404);
	C1_CHECK_INT(sim_service_visionone.inject_drift("visionone_unlinked", spec, err, sizeof(err)), ==,
		     -1);
	json_decref(spec);
	json_decref(bad);
}

C1_TEST(state_dump_holds_no_token)
{
	sim_fixture_reset();
	char token[96], connector[64], spare[96], spare_conn[64];
	s_enroll(TENANT, token, sizeof(token), connector, sizeof(connector));
	s_enroll(TENANT, spare, sizeof(spare), spare_conn, sizeof(spare_conn));
	struct sim_call c = s_connect(C1_ACCT, token, 0);
	sim_call_dispose(&c);
	char *bearer = sim_creds_visionone_token(TENANT);
	char *state = sim_fixture_state_text();
	C1_CHECK_CONTAINS(state, connector);
	C1_CHECK_NOT_CONTAINS(state, token);
	C1_CHECK_NOT_CONTAINS(state, spare);
	C1_CHECK_NOT_CONTAINS(state, bearer);
	free(state);
	c1_free_secure_str(bearer);
}
