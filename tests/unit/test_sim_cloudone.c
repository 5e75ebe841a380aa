/* c1sim Cloud One: every route's happy path, auth and api-version checks,
 * 404s, the chosen duplicate behaviours, search semantics, the deploymentURL,
 * the forwarder's token check, the template Lambdas, drift and the state dump. */
#include "harness.h"
#include "sim_trend_fixture.h"

#include "engine/core/json.h"
#include "engine/net/url.h"

#define C1_ACCT  "123456789012"
#define C1_OTHER "210987654321"
#define AWS_A    "111122223333"
#define AWS_B    "444455556666"
#define AWS_C    "777788889999"

/* Roles the fake lookup reports as created by a live stack. */
struct fake_role {
	char arn[160];
	char ext[128];
	char principal[200];
};
static struct fake_role s_roles[16];
static int s_nroles;

static bool s_fake_lookup(const char *account_id, const char *role_arn, char *ext, size_t ext_len,
			  char *principal, size_t principal_len)
{
	for (int i = 0; i < s_nroles; i++) {
		if (strcmp(s_roles[i].arn, role_arn) != 0 || strncmp(role_arn + 13, account_id, 12) != 0)
			continue;
		snprintf(ext, ext_len, "%s", s_roles[i].ext);
		snprintf(principal, principal_len, "%s", s_roles[i].principal);
		return true;
	}
	return false;
}

static void s_add_role(const char *arn, const char *ext, const char *principal)
{
	snprintf(s_roles[s_nroles].arn, sizeof(s_roles[0].arn), "%s", arn);
	snprintf(s_roles[s_nroles].ext, sizeof(s_roles[0].ext), "%s", ext);
	snprintf(s_roles[s_nroles].principal, sizeof(s_roles[0].principal), "%s", principal);
	s_nroles++;
}

static void s_setup(void)
{
	sim_fixture_reset();
	s_nroles = 0;
	sim_cloudone_test_set_role_lookup(s_fake_lookup);
}

/* A Workload Security role for `aws` trusting WS with c1_account's external id. */
static void s_ws_role(const char *aws, const char *c1_account, char *arn_out, size_t arn_len)
{
	char ext[64];
	snprintf(arn_out, arn_len, "arn:aws:iam::%s:role/c1-ws-role", aws);
	sim_cloudone_external_id(ext, sizeof(ext), c1_account);
	s_add_role(arn_out, ext, "arn:aws:iam::147995105371:root");
}

/* The OIDC role of a cloud-account-management-role stack in `aws`. */
static void s_cam_role(const char *aws, const char *c1_region, char *arn_out, size_t arn_len)
{
	char principal[200];
	snprintf(arn_out, arn_len, "arn:aws:iam::%s:role/CloudOneRole-abc", aws);
	snprintf(principal, sizeof(principal),
		 "arn:aws:iam::%s:oidc-provider/cloudaccounts.%s.cloudone.trendmicro.com", aws, c1_region);
	s_add_role(arn_out, "", principal);
}

static int64_t s_create_connector(const char *auth, const char *role_arn, const char *account_id)
{
	char *body = account_id ? c1_asprintf("{\"crossAccountRoleArn\":\"%s\",\"accountId\":\"%s\"}",
					      role_arn, account_id)
				: c1_asprintf("{\"crossAccountRoleArn\":\"%s\"}", role_arn);
	struct sim_call c = sim_c1(auth, "POST", "/api/awsconnectors", NULL, body);
	C1_CHECK_INT(c.status, ==, 200);
	int64_t id = 0;
	C1_CHECK(c1_json_get_int(c.json, "ID", &id) == 0);
	sim_call_dispose(&c);
	free(body);
	return id;
}

static void s_register_account(const char *auth, const char *aws)
{
	char role[160];
	s_cam_role(aws, "us-1", role, sizeof(role));
	char *body = c1_asprintf("{\"roleARN\":\"%s\"}", role);
	struct sim_call c = sim_c1(auth, "POST", "/api/cloudaccounts/aws", NULL, body);
	C1_CHECK_INT(c.status, ==, 201);
	sim_call_dispose(&c);
	free(body);
}

C1_TEST(apikey_urn_names_region_and_account)
{
	s_setup();
	char *key = sim_creds_cloudone_key("gb-1", C1_ACCT);
	char *auth = c1_asprintf("ApiKey %s", key);
	char id[64], path[128], urn[160];
	snprintf(id, sizeof(id), "%.*s", (int)strcspn(key, ":"), key);
	snprintf(path, sizeof(path), "/api/apikeys/%s", id);
	snprintf(urn, sizeof(urn), "urn:cloudone:identity:gb-1:%s:apikey/%s", C1_ACCT, id);

	struct sim_call c = sim_c1(auth, "GET", path, NULL, NULL);
	C1_CHECK_INT(c.status, ==, 200);
	C1_CHECK_STR(c.content_type, "application/json");
	C1_CHECK_STR(c1_json_get_string(c.json, "urn"), urn);
	C1_CHECK_STR(c1_json_get_string(c.json, "id"), id);
	C1_CHECK_STR(c1_json_get_string(c.json, "roleID"), "full-access");
	bool enabled = false;
	C1_CHECK(c1_json_get_bool(c.json, "enabled", &enabled) == 0 && enabled);
	C1_CHECK_NOT_CONTAINS(c.text, strchr(key, ':') + 1);
	sim_call_dispose(&c);

	c = sim_c1(auth, "GET", "/api/apikeys/someoneelse", NULL, NULL);
	C1_CHECK_INT(c.status, ==, 404);
	C1_CHECK(c1_json_get_string(c.json, "message") != NULL);
	sim_call_dispose(&c);
	free(auth);
	c1_free_secure_str(key);
}

C1_TEST(bad_or_missing_key_is_401_invalid_api_key)
{
	s_setup();
	char *key = sim_creds_cloudone_key("us-1", C1_ACCT);
	char *forged =
	    c1_asprintf("ApiKey %.*s:00000000000000000000000000000000", (int)strcspn(key, ":"), key);
	char *bearer = c1_asprintf("Bearer %s", key);
	const char *auths[] = {NULL, forged, bearer, "ApiKey ", "ApiKey nocolon"};
	for (size_t i = 0; i < sizeof(auths) / sizeof(auths[0]); i++) {
		struct sim_call c = sim_c1(auths[i], "GET", "/api/awsconnectorsettings", NULL, NULL);
		C1_CHECK_INT(c.status, ==, 401);
		C1_CHECK_STR(c1_json_get_string(c.json, "message"), "Invalid API Key");
		sim_call_dispose(&c);
	}
	free(forged);
	free(bearer);
	c1_free_secure_str(key);
}

C1_TEST(api_version_header_required)
{
	s_setup();
	char *auth = sim_fixture_c1_auth("us-1", C1_ACCT);
	struct sim_call c =
	    sim_call_do(&sim_service_cloudone, auth, NULL, "GET", "/api/awsconnectorsettings", NULL, NULL, 0);
	C1_CHECK_INT(c.status, ==, 400);
	C1_CHECK_CONTAINS(c1_json_get_string(c.json, "message"), "api-version");
	sim_call_dispose(&c);

	c = sim_call_do(&sim_service_cloudone, auth, "v2", "GET", "/api/awsconnectorsettings", NULL, NULL, 0);
	C1_CHECK_INT(c.status, ==, 400);
	sim_call_dispose(&c);

	/* Header names are case-insensitive: "Api-Version" (the docs' spelling) works too. */
	struct sim_request req;
	struct sim_response resp;
	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	req.method = "GET";
	req.path = "/api/awsconnectorsettings";
	req.raw_path = req.path;
	req.raw_query = "";
	c1_headers_add(&req.headers, "Authorization", auth);
	c1_headers_add(&req.headers, "Api-Version", "v1");
	sim_service_cloudone.handle(&req, &resp);
	C1_CHECK_INT(resp.status, ==, 200);
	c1_headers_dispose(&req.headers);
	c1_headers_dispose(&resp.headers);
	c1_buf_dispose(&resp.body);
	free(auth);
}

C1_TEST(unknown_path_404_wrong_method_405)
{
	s_setup();
	char *auth = sim_fixture_c1_auth("us-1", C1_ACCT);
	struct sim_call c = sim_c1(auth, "GET", "/api/nothing-here", NULL, NULL);
	C1_CHECK_INT(c.status, ==, 404);
	C1_CHECK(c1_json_get_string(c.json, "message") != NULL);
	sim_call_dispose(&c);
	c = sim_c1(auth, "PUT", "/api/awsconnectors", NULL, "{}");
	C1_CHECK_INT(c.status, ==, 405);
	sim_call_dispose(&c);
	c = sim_c1(auth, "POST", "/api/awsconnectors", NULL, "not json");
	C1_CHECK_INT(c.status, ==, 400);
	sim_call_dispose(&c);
	free(auth);
}

C1_TEST(external_id_stable_per_cloudone_account)
{
	s_setup();
	char *auth = sim_fixture_c1_auth("us-1", C1_ACCT);
	char *other = sim_fixture_c1_auth("de-1", C1_OTHER);
	char want[64];
	sim_cloudone_external_id(want, sizeof(want), C1_ACCT);
	struct sim_call a = sim_c1(auth, "GET", "/api/awsconnectorsettings", NULL, NULL);
	struct sim_call b = sim_c1(auth, "GET", "/api/awsconnectorsettings", NULL, NULL);
	struct sim_call o = sim_c1(other, "GET", "/api/awsconnectorsettings", NULL, NULL);
	C1_CHECK_INT(a.status, ==, 200);
	C1_CHECK_STR(c1_json_get_string(a.json, "externalId"), want);
	C1_CHECK_STR(c1_json_get_string(b.json, "externalId"), want);
	C1_CHECK(strcmp(c1_json_get_string(o.json, "externalId"), want) != 0);
	C1_CHECK_INT(strlen(want), ==, 36);
	sim_call_dispose(&a);
	sim_call_dispose(&b);
	sim_call_dispose(&o);
	free(auth);
	free(other);
}

C1_TEST(connector_create_get_list)
{
	s_setup();
	char *auth = sim_fixture_c1_auth("us-1", C1_ACCT);
	char role[160], path[64];
	s_ws_role(AWS_A, C1_ACCT, role, sizeof(role));
	char *body = c1_asprintf("{\"displayName\":\"prod\",\"crossAccountRoleArn\":\"%s\"}", role);
	struct sim_call c = sim_c1(auth, "POST", "/api/awsconnectors", NULL, body);
	C1_CHECK_INT(c.status, ==, 200);
	int64_t id = 0, sync = 0;
	C1_CHECK(c1_json_get_int(c.json, "ID", &id) == 0 && id > 0);
	C1_CHECK_STR(c1_json_get_string(c.json, "accountId"), AWS_A); /* filled from the role ARN */
	C1_CHECK_STR(c1_json_get_string(c.json, "displayName"), "prod");
	C1_CHECK_STR(c1_json_get_string(c.json, "crossAccountRoleArn"), role);
	C1_CHECK(c1_json_get_int(c.json, "lastSyncTime", &sync) == 0 && sync > 0);
	sim_call_dispose(&c);

	snprintf(path, sizeof(path), "/api/awsconnectors/%lld", (long long)id);
	c = sim_c1(auth, "GET", path, NULL, NULL);
	C1_CHECK_INT(c.status, ==, 200);
	C1_CHECK_STR(c1_json_get_string(c.json, "accountId"), AWS_A);
	sim_call_dispose(&c);

	c = sim_c1(auth, "GET", "/api/awsconnectors", NULL, NULL);
	C1_CHECK_INT(c.status, ==, 200);
	C1_CHECK_INT(json_array_size(json_object_get(c.json, "awsConnectors")), ==, 1);
	sim_call_dispose(&c);

	json_t *conns = sim_fixture_state_array("ws_connectors");
	C1_CHECK_INT(json_array_size(conns), ==, 1);
	C1_CHECK_STR(c1_json_get_string(conns, "0.account_id"), AWS_A);
	C1_CHECK_STR(c1_json_get_string(conns, "0.cross_account_role_arn"), role);
	C1_CHECK_STR(c1_json_get_string(conns, "0.c1_account_id"), C1_ACCT);
	C1_CHECK_STR(c1_json_get_string(conns, "0.display_name"), "prod");
	json_decref(conns);
	free(body);
	free(auth);
}

C1_TEST(connector_create_refuses_unassumable_role)
{
	s_setup();
	char *auth = sim_fixture_c1_auth("us-1", C1_ACCT);
	char good[160], ext[64];
	s_ws_role(AWS_A, C1_ACCT, good, sizeof(good));
	sim_cloudone_external_id(ext, sizeof(ext), C1_ACCT);
	s_add_role("arn:aws:iam::" AWS_B ":role/wrong-ext", "not-the-id", "arn:aws:iam::147995105371:root");
	s_add_role("arn:aws:iam::" AWS_B ":role/wrong-principal", ext, "arn:aws:iam::999999999999:root");
	/* A role whose ARN names another account than the one it lives in. */
	s_add_role("arn:aws:iam::" AWS_C ":role/elsewhere", ext, "arn:aws:iam::147995105371:root");
	const char *assume_bodies[] = {
	    "{\"crossAccountRoleArn\":\"arn:aws:iam::" AWS_B ":role/missing\"}",
	    "{\"crossAccountRoleArn\":\"arn:aws:iam::" AWS_B ":role/wrong-ext\"}",
	    "{\"crossAccountRoleArn\":\"arn:aws:iam::" AWS_B ":role/wrong-principal\"}",
	};
	for (size_t i = 0; i < 3; i++) {
		struct sim_call c = sim_c1(auth, "POST", "/api/awsconnectors", NULL, assume_bodies[i]);
		C1_CHECK_INT(c.status, ==, 400);
		C1_CHECK_CONTAINS(c1_json_get_string(c.json, "message"), "Unable to assume role");
		sim_call_dispose(&c);
	}
	char *mismatch = c1_asprintf("{\"crossAccountRoleArn\":\"%s\",\"accountId\":\"%s\"}", good, AWS_B);
	const char *bad_bodies[] = {"{}", "{\"crossAccountRoleArn\":\"arn:aws:iam::12:role/x\"}",
				    "{\"crossAccountRoleArn\":\"arn:aws:s3:::bucket\"}", mismatch};
	for (size_t i = 0; i < 4; i++) {
		struct sim_call c = sim_c1(auth, "POST", "/api/awsconnectors", NULL, bad_bodies[i]);
		C1_CHECK_INT(c.status, ==, 400);
		C1_CHECK(c1_json_get_string(c.json, "message") != NULL);
		sim_call_dispose(&c);
	}
	/* Another tenant's external id does not fit this tenant's role. */
	char *other = sim_fixture_c1_auth("us-1", C1_OTHER);
	char *body = c1_asprintf("{\"crossAccountRoleArn\":\"%s\"}", good);
	struct sim_call c = sim_c1(other, "POST", "/api/awsconnectors", NULL, body);
	C1_CHECK_INT(c.status, ==, 400);
	sim_call_dispose(&c);
	json_t *conns = sim_fixture_state_array("ws_connectors");
	C1_CHECK_INT(json_array_size(conns), ==, 0);
	json_decref(conns);
	free(body);
	free(other);
	free(mismatch);
	free(auth);
}

C1_TEST(connector_duplicate_create_makes_second_record)
{
	s_setup();
	char *auth = sim_fixture_c1_auth("us-1", C1_ACCT);
	char role[160];
	s_ws_role(AWS_A, C1_ACCT, role, sizeof(role));
	int64_t first = s_create_connector(auth, role, AWS_A);
	int64_t second = s_create_connector(auth, role, AWS_A);
	C1_CHECK(first != second);
	json_t *conns = sim_fixture_state_array("ws_connectors");
	C1_CHECK_INT(json_array_size(conns), ==, 2);
	C1_CHECK_STR(c1_json_get_string(conns, "1.account_id"), AWS_A);
	json_decref(conns);
	free(auth);
}

C1_TEST(connector_get_delete_404_and_204)
{
	s_setup();
	char *auth = sim_fixture_c1_auth("us-1", C1_ACCT);
	char *other = sim_fixture_c1_auth("us-1", C1_OTHER);
	char role[160], path[64];
	s_ws_role(AWS_A, C1_ACCT, role, sizeof(role));
	int64_t id = s_create_connector(auth, role, NULL);
	snprintf(path, sizeof(path), "/api/awsconnectors/%lld", (long long)id);

	const char *missing[] = {"/api/awsconnectors/999", "/api/awsconnectors/abc", "/api/awsconnectors/-1"};
	for (size_t i = 0; i < 3; i++) {
		struct sim_call c = sim_c1(auth, "GET", missing[i], NULL, NULL);
		C1_CHECK_INT(c.status, ==, 404);
		C1_CHECK(c1_json_get_string(c.json, "message") != NULL);
		sim_call_dispose(&c);
	}
	/* Another tenant sees neither the connector nor can delete it. */
	struct sim_call c = sim_c1(other, "GET", path, NULL, NULL);
	C1_CHECK_INT(c.status, ==, 404);
	sim_call_dispose(&c);
	c = sim_c1(other, "DELETE", path, NULL, NULL);
	C1_CHECK_INT(c.status, ==, 404);
	sim_call_dispose(&c);

	c = sim_c1(auth, "DELETE", path, NULL, NULL);
	C1_CHECK_INT(c.status, ==, 204);
	C1_CHECK_STR(c.text, "");
	sim_call_dispose(&c);
	c = sim_c1(auth, "GET", path, NULL, NULL);
	C1_CHECK_INT(c.status, ==, 404);
	sim_call_dispose(&c);
	c = sim_c1(auth, "DELETE", path, NULL, NULL);
	C1_CHECK_INT(c.status, ==, 404);
	sim_call_dispose(&c);
	free(other);
	free(auth);
}

/* One connector's {role, display name} as GET /api/awsconnectors/{id} shows them. */
static void s_check_connector(const char *auth, const char *path, const char *role, const char *display)
{
	struct sim_call c = sim_c1(auth, "GET", path, NULL, NULL);
	C1_CHECK_INT(c.status, ==, 200);
	C1_CHECK_STR(c1_json_get_string(c.json, "crossAccountRoleArn"), role);
	C1_CHECK_STR(c1_json_get_string(c.json, "displayName"), display);
	C1_CHECK_STR(c1_json_get_string(c.json, "accountId"), AWS_A);
	sim_call_dispose(&c);
}

C1_TEST(connector_update_changes_only_given_fields)
{
	s_setup();
	char *auth = sim_fixture_c1_auth("us-1", C1_ACCT);
	char *other = sim_fixture_c1_auth("us-1", C1_OTHER);
	char role[160], role2[160], ext[64], path[64];
	s_ws_role(AWS_A, C1_ACCT, role, sizeof(role));
	sim_cloudone_external_id(ext, sizeof(ext), C1_ACCT);
	snprintf(role2, sizeof(role2), "arn:aws:iam::%s:role/c1-ws-role-2", AWS_A);
	s_add_role(role2, ext, "arn:aws:iam::147995105371:root");
	char *create = c1_asprintf("{\"displayName\":\"prod\",\"crossAccountRoleArn\":\"%s\"}", role);
	struct sim_call c = sim_c1(auth, "POST", "/api/awsconnectors", NULL, create);
	C1_CHECK_INT(c.status, ==, 200);
	int64_t id = 0, sync = 0, id2 = 0;
	C1_CHECK(c1_json_get_int(c.json, "ID", &id) == 0);
	sim_call_dispose(&c);
	snprintf(path, sizeof(path), "/api/awsconnectors/%lld", (long long)id);

	/* The role alone: the display name stays. */
	char *body = c1_asprintf("{\"crossAccountRoleArn\":\"%s\"}", role2);
	c = sim_c1(auth, "POST", path, NULL, body);
	C1_CHECK_INT(c.status, ==, 200);
	C1_CHECK_STR(c.content_type, "application/json");
	C1_CHECK(c1_json_get_int(c.json, "ID", &id2) == 0 && id2 == id);
	C1_CHECK_STR(c1_json_get_string(c.json, "crossAccountRoleArn"), role2);
	C1_CHECK_STR(c1_json_get_string(c.json, "displayName"), "prod");
	sim_call_dispose(&c);
	s_check_connector(auth, path, role2, "prod");

	/* The name alone, with sync=true: the role stays, lastSyncTime moves. */
	int64_t later = sim_now_ms() + 3600 * 1000;
	c = sim_call_do(&sim_service_cloudone, auth, "v1", "POST", path, "sync=true",
			"{\"displayName\":\"renamed\"}", later);
	C1_CHECK_INT(c.status, ==, 200);
	C1_CHECK(c1_json_get_int(c.json, "lastSyncTime", &sync) == 0 && sync == later);
	sim_call_dispose(&c);
	c = sim_c1(auth, "POST", path, "sync=false", "{}");
	C1_CHECK_INT(c.status, ==, 200);
	C1_CHECK(c1_json_get_int(c.json, "lastSyncTime", &sync) == 0 && sync == later);
	sim_call_dispose(&c);
	s_check_connector(auth, path, role2, "renamed");

	/* Refused: nothing changes. */
	char *mismatch = c1_asprintf("{\"accountId\":\"%s\"}", AWS_B);
	s_add_role("arn:aws:iam::" AWS_B ":role/c1-ws-role", ext, "arn:aws:iam::147995105371:root");
	const char *bad_bodies[] = {
	    "not json",
	    "{\"crossAccountRoleArn\":\"c1-ws-role\"}",
	    "{\"crossAccountRoleArn\":\"\"}",
	    "{\"crossAccountRoleArn\":42}",
	    "{\"crossAccountRoleArn\":\"arn:aws:iam::" AWS_B ":role/c1-ws-role\"}", /* another account */
	    "{\"displayName\":7}",
	    "{\"accessKey\":\"AKIAEXAMPLE\"}",
	    mismatch,
	};
	for (size_t i = 0; i < sizeof(bad_bodies) / sizeof(bad_bodies[0]); i++) {
		c = sim_c1(auth, "POST", path, NULL, bad_bodies[i]);
		C1_CHECK_INT(c.status, ==, 400);
		C1_CHECK(c1_json_get_string(c.json, "message") != NULL);
		sim_call_dispose(&c);
	}
	c = sim_c1(auth, "POST", path, NULL,
		   "{\"crossAccountRoleArn\":\"arn:aws:iam::" AWS_A ":role/missing\"}");
	C1_CHECK_INT(c.status, ==, 400);
	C1_CHECK_CONTAINS(c1_json_get_string(c.json, "message"), "Unable to assume role");
	sim_call_dispose(&c);
	c = sim_c1(auth, "POST", path, "sync=maybe", "{}");
	C1_CHECK_INT(c.status, ==, 400);
	sim_call_dispose(&c);
	s_check_connector(auth, path, role2, "renamed");

	/* Unknown ids, another tenant's connector, auth and api-version as on every route. */
	const char *missing[] = {"/api/awsconnectors/999", "/api/awsconnectors/abc"};
	for (size_t i = 0; i < 2; i++) {
		c = sim_c1(auth, "POST", missing[i], NULL, body);
		C1_CHECK_INT(c.status, ==, 404);
		C1_CHECK(c1_json_get_string(c.json, "message") != NULL);
		sim_call_dispose(&c);
	}
	c = sim_c1(other, "POST", path, NULL, body);
	C1_CHECK_INT(c.status, ==, 404);
	sim_call_dispose(&c);
	c = sim_c1(NULL, "POST", path, NULL, body);
	C1_CHECK_INT(c.status, ==, 401);
	C1_CHECK_STR(c1_json_get_string(c.json, "message"), "Invalid API Key");
	sim_call_dispose(&c);
	c = sim_call_do(&sim_service_cloudone, auth, NULL, "POST", path, NULL, body, 0);
	C1_CHECK_INT(c.status, ==, 400);
	C1_CHECK_CONTAINS(c1_json_get_string(c.json, "message"), "api-version");
	sim_call_dispose(&c);

	json_t *conns = sim_fixture_state_array("ws_connectors");
	C1_CHECK_INT(json_array_size(conns), ==, 1);
	C1_CHECK_STR(c1_json_get_string(conns, "0.cross_account_role_arn"), role2);
	json_decref(conns);
	free(mismatch);
	free(body);
	free(create);
	free(other);
	free(auth);
}

static int s_search_count(const char *auth, const char *body, int *status)
{
	struct sim_call c = sim_c1(auth, "POST", "/api/awsconnectors/search", NULL, body);
	*status = c.status;
	int n = (int)json_array_size(json_object_get(c.json, "awsConnectors"));
	sim_call_dispose(&c);
	return n;
}

C1_TEST(connector_search_filter_semantics)
{
	s_setup();
	char *auth = sim_fixture_c1_auth("us-1", C1_ACCT);
	char *other = sim_fixture_c1_auth("us-1", C1_OTHER);
	char ra[160], rb[160], rc[160], ro[160];
	int status = 0;
	s_ws_role(AWS_A, C1_ACCT, ra, sizeof(ra));
	s_ws_role(AWS_B, C1_ACCT, rb, sizeof(rb));
	snprintf(rc, sizeof(rc), "arn:aws:iam::%s:role/other-name", AWS_C);
	char ext[64];
	sim_cloudone_external_id(ext, sizeof(ext), C1_ACCT);
	s_add_role(rc, ext, "arn:aws:iam::147995105371:root");
	s_create_connector(auth, ra, AWS_A);
	s_create_connector(auth, ra, AWS_A);
	s_create_connector(auth, rb, NULL);
	s_create_connector(auth, rc, NULL);
	/* Another tenant's connector for the same AWS account is never returned. */
	snprintf(ro, sizeof(ro), "arn:aws:iam::%s:role/c1-ws-role-other", AWS_A);
	sim_cloudone_external_id(ext, sizeof(ext), C1_OTHER);
	s_add_role(ro, ext, "arn:aws:iam::147995105371:root");
	s_create_connector(other, ro, NULL);

	C1_CHECK_INT(s_search_count(auth,
				    "{\"maxItems\":5000,\"searchCriteria\":[{\"fieldName\":\"accountId\","
				    "\"stringTest\":\"equal\",\"stringValue\":\"" AWS_A
				    "\",\"stringWildcards\":false}]}",
				    &status),
		     ==, 2);
	C1_CHECK_INT(status, ==, 200);
	/* Trend's minimal form: stringTest defaults to equal. */
	C1_CHECK_INT(s_search_count(auth,
				    "{\"maxItems\":1,\"searchCriteria\":[{\"fieldName\":\"accountId\","
				    "\"stringValue\":\"" AWS_A "\"}]}",
				    &status),
		     ==, 1);
	C1_CHECK_INT(s_search_count(
			 auth,
			 "{\"searchCriteria\":[{\"fieldName\":\"accountId\",\"stringValue\":\"" AWS_B "\"}]}",
			 &status),
		     ==, 1);
	char *by_role =
	    c1_asprintf("{\"searchCriteria\":[{\"fieldName\":\"crossAccountRoleArn\",\"stringValue\":"
			"\"%s\",\"stringWildcards\":false}]}",
			rc);
	C1_CHECK_INT(s_search_count(auth, by_role, &status), ==, 1);
	C1_CHECK_INT(s_search_count(auth, "{\"searchCriteria\":[]}", &status), ==, 4);
	C1_CHECK_INT(s_search_count(auth, "{}", &status), ==, 4);
	/* Wildcards: % any run, _ one character; on by default, literal when off. */
	C1_CHECK_INT(s_search_count(auth,
				    "{\"searchCriteria\":[{\"fieldName\":\"crossAccountRoleArn\","
				    "\"stringValue\":\"%:role/c1-ws-%\"}]}",
				    &status),
		     ==, 3);
	C1_CHECK_INT(s_search_count(
			 auth,
			 "{\"searchCriteria\":[{\"fieldName\":\"accountId\",\"stringValue\":\"1111_222%\"}]}",
			 &status),
		     ==, 2);
	C1_CHECK_INT(
	    s_search_count(auth,
			   "{\"searchCriteria\":[{\"fieldName\":\"accountId\",\"stringValue\":\"1111%\","
			   "\"stringWildcards\":false}]}",
			   &status),
	    ==, 0);
	C1_CHECK_INT(
	    s_search_count(auth,
			   "{\"searchCriteria\":[{\"fieldName\":\"accountId\",\"stringTest\":\"not-equal\","
			   "\"stringValue\":\"" AWS_A "\"}]}",
			   &status),
	    ==, 2);
	/* Criteria are AND-ed. */
	char *both = c1_asprintf("{\"searchCriteria\":[{\"fieldName\":\"accountId\",\"stringValue\":\"%s\"},"
				 "{\"fieldName\":\"crossAccountRoleArn\",\"stringValue\":\"%s\"}]}",
				 AWS_A, rb);
	C1_CHECK_INT(s_search_count(auth, both, &status), ==, 0);
	C1_CHECK_INT(s_search_count(auth,
				    "{\"searchCriteria\":[{\"fieldName\":\"ID\",\"idTest\":\"greater-than\","
				    "\"idValue\":2}]}",
				    &status),
		     ==, 2);
	s_search_count(auth, "{\"searchCriteria\":[{\"fieldName\":\"nope\",\"stringValue\":\"x\"}]}",
		       &status);
	C1_CHECK_INT(status, ==, 400);
	s_search_count(auth, "{\"maxItems\":-1}", &status);
	C1_CHECK_INT(status, ==, 400);
	free(both);
	free(by_role);
	free(other);
	free(auth);
}

C1_TEST(cloud_account_create_get_delete_and_duplicate_409)
{
	s_setup();
	char *auth = sim_fixture_c1_auth("us-1", C1_ACCT);
	char role[160];
	s_cam_role(AWS_A, "us-1", role, sizeof(role));
	char *body = c1_asprintf("{\"roleARN\":\"%s\",\"alias\":\"prod\",\"description\":\"d\"}", role);
	struct sim_call c = sim_c1(auth, "POST", "/api/cloudaccounts/aws", NULL, body);
	C1_CHECK_INT(c.status, ==, 201);
	C1_CHECK_STR(c1_json_get_string(c.json, "id"), AWS_A);
	C1_CHECK_STR(c1_json_get_string(c.json, "roleARN"), role);
	C1_CHECK_STR(c1_json_get_string(c.json, "state"), "managed");
	C1_CHECK_STR(c1_json_get_string(c.json, "alias"), "prod");
	C1_CHECK(c1_json_get_string(c.json, "created") != NULL);
	sim_call_dispose(&c);

	c = sim_c1(auth, "POST", "/api/cloudaccounts/aws", NULL, body);
	C1_CHECK_INT(c.status, ==, 409);
	C1_CHECK_CONTAINS(c1_json_get_string(c.json, "message"), "already exists");
	sim_call_dispose(&c);

	c = sim_c1(auth, "GET", "/api/cloudaccounts/aws/" AWS_A, NULL, NULL);
	C1_CHECK_INT(c.status, ==, 200);
	C1_CHECK_STR(c1_json_get_string(c.json, "id"), AWS_A);
	sim_call_dispose(&c);

	json_t *accts = sim_fixture_state_array("cloud_accounts");
	C1_CHECK_INT(json_array_size(accts), ==, 1);
	C1_CHECK_STR(c1_json_get_string(accts, "0.account_id"), AWS_A);
	C1_CHECK_STR(c1_json_get_string(accts, "0.id"), AWS_A);
	C1_CHECK_STR(c1_json_get_string(accts, "0.role_arn"), role);
	C1_CHECK_STR(c1_json_get_string(accts, "0.c1_account_id"), C1_ACCT);
	json_decref(accts);

	c = sim_c1(auth, "DELETE", "/api/cloudaccounts/aws/" AWS_A, NULL, NULL);
	C1_CHECK_INT(c.status, ==, 204);
	sim_call_dispose(&c);
	const char *gone[] = {"/api/cloudaccounts/aws/" AWS_A, "/api/cloudaccounts/aws/abc"};
	for (size_t i = 0; i < 2; i++) {
		c = sim_c1(auth, "GET", gone[i], NULL, NULL);
		C1_CHECK_INT(c.status, ==, 404);
		C1_CHECK(c1_json_get_string(c.json, "message") != NULL);
		sim_call_dispose(&c);
		c = sim_c1(auth, "DELETE", gone[i], NULL, NULL);
		C1_CHECK_INT(c.status, ==, 404);
		sim_call_dispose(&c);
	}
	free(body);
	free(auth);
}

C1_TEST(cloud_account_needs_live_oidc_role)
{
	s_setup();
	char *auth = sim_fixture_c1_auth("us-1", C1_ACCT);
	char ws[160], de[160];
	s_ws_role(AWS_A, C1_ACCT, ws, sizeof(ws));
	s_cam_role(AWS_B, "de-1", de, sizeof(de)); /* trusts another region's Cloud One */
	char *bodies[] = {c1_asprintf("{\"roleARN\":\"%s\"}", ws), c1_asprintf("{\"roleARN\":\"%s\"}", de),
			  c1_asprintf("{\"roleARN\":\"arn:aws:iam::%s:role/none\"}", AWS_C), c1_strdup("{}"),
			  c1_strdup("{\"roleARN\":\"role\"}")};
	for (size_t i = 0; i < 5; i++) {
		struct sim_call c = sim_c1(auth, "POST", "/api/cloudaccounts/aws", NULL, bodies[i]);
		C1_CHECK_INT(c.status, ==, 400);
		C1_CHECK(c1_json_get_string(c.json, "message") != NULL);
		sim_call_dispose(&c);
		free(bodies[i]);
	}
	json_t *accts = sim_fixture_state_array("cloud_accounts");
	C1_CHECK_INT(json_array_size(accts), ==, 0);
	json_decref(accts);
	free(auth);
}

C1_TEST(cloud_account_list_pages_with_cursor)
{
	s_setup();
	char *auth = sim_fixture_c1_auth("us-1", C1_ACCT);
	const char *accounts[] = {"500000000000", "100000000000", "300000000000", "200000000000",
				  "400000000000"};
	for (size_t i = 0; i < 5; i++)
		s_register_account(auth, accounts[i]);
	char seen[5][16];
	int n = 0, pages = 0;
	char *cursor = c1_strdup("");
	do {
		char *enc = c1_url_encode(cursor, true);
		char *query = *cursor ? c1_asprintf("limit=2&cursor=%s", enc) : c1_strdup("limit=2");
		struct sim_call c = sim_c1(auth, "GET", "/api/cloudaccounts/aws", query, NULL);
		C1_CHECK_INT(c.status, ==, 200);
		json_t *items = json_object_get(c.json, "cloudAccounts");
		C1_CHECK(json_is_array(items) && json_array_size(items) <= 2);
		for (size_t i = 0; i < json_array_size(items); i++)
			snprintf(seen[n++], sizeof(seen[0]), "%s",
				 c1_json_get_string(json_array_get(items, i), "id"));
		free(cursor);
		cursor = c1_strdup(c1_json_get_string(c.json, "next"));
		sim_call_dispose(&c);
		free(query);
		free(enc);
		pages++;
	} while (*cursor && pages < 10);
	C1_CHECK_INT(pages, ==, 3);
	C1_CHECK_INT(n, ==, 5);
	C1_CHECK_STR(seen[0], "100000000000");
	C1_CHECK_STR(seen[4], "500000000000");
	free(cursor);

	struct sim_call c = sim_c1(auth, "GET", "/api/cloudaccounts/aws", NULL, NULL);
	C1_CHECK_INT(json_array_size(json_object_get(c.json, "cloudAccounts")), ==, 5);
	C1_CHECK_STR(c1_json_get_string(c.json, "next"), "");
	sim_call_dispose(&c);
	c = sim_c1(auth, "GET", "/api/cloudaccounts/aws", "limit=0", NULL);
	C1_CHECK_INT(json_array_size(json_object_get(c.json, "cloudAccounts")), ==, 5);
	sim_call_dispose(&c);
	const char *bad[] = {"limit=-1", "limit=x", "cursor=bogus"};
	for (size_t i = 0; i < 3; i++) {
		c = sim_c1(auth, "GET", "/api/cloudaccounts/aws", bad[i], NULL);
		C1_CHECK_INT(c.status, ==, 400);
		sim_call_dispose(&c);
	}
	/* Another tenant's list is its own. */
	char *other = sim_fixture_c1_auth("us-1", C1_OTHER);
	c = sim_c1(other, "GET", "/api/cloudaccounts/aws", NULL, NULL);
	C1_CHECK_INT(json_array_size(json_object_get(c.json, "cloudAccounts")), ==, 0);
	sim_call_dispose(&c);
	free(other);
	free(auth);
}

/* The deploymentURL's parameters as a client must read them: after the first
 * '?' of the fragment, split on '&', then on the first '=', values decoded. */
struct dep_params {
	char *keys[16];
	char *values[16];
	char *raw_values[16];
	int n;
};

static void s_dep_parse(struct dep_params *out, const char *url)
{
	memset(out, 0, sizeof(*out));
	const char *frag = strchr(url, '#');
	C1_CHECK(frag != NULL);
	const char *q = strchr(frag, '?');
	C1_CHECK(q != NULL);
	q++;
	while (*q && out->n < 16) {
		size_t len = strcspn(q, "&");
		const char *eq = memchr(q, '=', len);
		C1_CHECK(eq != NULL);
		out->keys[out->n] = c1_strndup(q, (size_t)(eq - q));
		out->raw_values[out->n] = c1_strndup(eq + 1, len - (size_t)(eq - q) - 1);
		out->values[out->n] = c1_url_decode(out->raw_values[out->n], false);
		out->n++;
		q += len;
		if (*q == '&')
			q++;
	}
}

static const char *s_dep_get(const struct dep_params *p, const char *key, bool raw)
{
	for (int i = 0; i < p->n; i++)
		if (strcmp(p->keys[i], key) == 0)
			return raw ? p->raw_values[i] : p->values[i];
	return NULL;
}

static void s_dep_free(struct dep_params *p)
{
	for (int i = 0; i < p->n; i++) {
		free(p->keys[i]);
		free(p->values[i]);
		free(p->raw_values[i]);
	}
}

/* POST /api/stacks for `aws` in `region`; the ServiceToken into token_out. */
static void s_deployment(const char *auth, const char *aws, const char *region, char *token_out,
			 size_t token_len, struct dep_params *params)
{
	char *body = c1_asprintf("{\"providerAccountID\":\"%s\",\"awsRegion\":\"%s\"}", aws, region);
	struct sim_call c = sim_c1(auth, "POST", "/api/stacks", NULL, body);
	C1_CHECK_INT(c.status, ==, 200);
	const char *url = c1_json_get_string(c.json, "deploymentURL");
	C1_CHECK(url != NULL);
	s_dep_parse(params, url);
	snprintf(token_out, token_len, "%s", s_dep_get(params, "param_ServiceToken", false));
	sim_call_dispose(&c);
	free(body);
}

C1_TEST(cloudtrail_deployment_url_parses_like_the_abi)
{
	s_setup();
	char *auth = sim_fixture_c1_auth("gb-1", C1_ACCT);
	char role[160], token[128];
	s_cam_role(AWS_A, "gb-1", role, sizeof(role));
	char *body = c1_asprintf("{\"roleARN\":\"%s\"}", role);
	struct sim_call c = sim_c1(auth, "POST", "/api/cloudaccounts/aws", NULL, body);
	C1_CHECK_INT(c.status, ==, 201);
	sim_call_dispose(&c);

	struct dep_params p;
	s_deployment(auth, AWS_A, "eu-west-2", token, sizeof(token), &p);
	C1_CHECK_STR(s_dep_get(&p, "templateUrl", true),
		     "https://cloud-trail-client-stack-template-prod-eu-west-2.s3.eu-west-2.amazonaws.com"
		     "/templates/cloudtrail-forwarder.template");
	C1_CHECK(s_dep_get(&p, "stackName", false) && *s_dep_get(&p, "stackName", false));
	C1_CHECK_STR(s_dep_get(&p, "param_S3BucketName", false),
		     "cloud-trail-client-stack-template-prod-eu-west-2");
	C1_CHECK(s_dep_get(&p, "param_S3BucketKey", false) != NULL);
	C1_CHECK(strlen(token) >= 16);
	/* ServiceURL arrives percent-encoded (Trend's "decode url" fix). */
	C1_CHECK_CONTAINS(s_dep_get(&p, "param_ServiceURL", true), "https%3A%2F%2F");
	C1_CHECK_STR(s_dep_get(&p, "param_ServiceURL", false),
		     "https://cloudtrail.gb-1.cloudone.trendmicro.com");
	C1_CHECK_STR(p.keys[p.n - 1], "param_APIVersion");
	C1_CHECK_STR(p.values[p.n - 1], "v1");

	json_t *cts = sim_fixture_state_array("cloudtrail_integrations");
	C1_CHECK_INT(json_array_size(cts), ==, 1);
	C1_CHECK_STR(c1_json_get_string(cts, "0.account_id"), AWS_A);
	C1_CHECK_STR(c1_json_get_string(cts, "0.region"), "eu-west-2");
	C1_CHECK_STR(c1_json_get_string(cts, "0.status"), "pending");
	C1_CHECK_STR(c1_json_get_string(cts, "0.c1_account_id"), C1_ACCT);
	json_decref(cts);
	char *state = sim_fixture_state_text();
	C1_CHECK_NOT_CONTAINS(state, token);
	free(state);
	s_dep_free(&p);
	free(body);
	free(auth);
}

C1_TEST(cloudtrail_stack_needs_registered_account_and_valid_input)
{
	s_setup();
	char *auth = sim_fixture_c1_auth("us-1", C1_ACCT);
	const char *bodies[] = {
	    "{\"providerAccountID\":\"" AWS_A "\",\"awsRegion\":\"us-east-1\"}", /* not a cloud account yet */
	    "{\"providerAccountID\":\"12345\",\"awsRegion\":\"us-east-1\"}",
	    "{\"awsRegion\":\"us-east-1\"}",
	    "{\"providerAccountID\":\"" AWS_A "\",\"awsRegion\":\"moon\"}",
	};
	for (size_t i = 0; i < 4; i++) {
		struct sim_call c = sim_c1(auth, "POST", "/api/stacks", NULL, bodies[i]);
		C1_CHECK_INT(c.status, ==, 400);
		C1_CHECK(c1_json_get_string(c.json, "message") != NULL);
		sim_call_dispose(&c);
	}
	json_t *cts = sim_fixture_state_array("cloudtrail_integrations");
	C1_CHECK_INT(json_array_size(cts), ==, 0);
	json_decref(cts);
	free(auth);
}

C1_TEST(cloudtrail_stack_event_checks_the_token)
{
	s_setup();
	char *auth = sim_fixture_c1_auth("us-1", C1_ACCT);
	char token[128], token2[128];
	struct dep_params p, p2;
	s_register_account(auth, AWS_A);
	s_deployment(auth, AWS_A, "us-east-1", token, sizeof(token), &p);

	C1_CHECK_INT(sim_cloudone_cloudtrail_stack_event(AWS_A, "us-east-1", "forged-token", true), ==, -1);
	C1_CHECK_INT(sim_cloudone_cloudtrail_stack_event(AWS_A, "us-west-2", token, true), ==, -1);
	C1_CHECK_INT(sim_cloudone_cloudtrail_stack_event(AWS_B, "us-east-1", token, true), ==, -1);
	json_t *cts = sim_fixture_state_array("cloudtrail_integrations");
	C1_CHECK_STR(c1_json_get_string(cts, "0.status"), "pending");
	json_decref(cts);

	C1_CHECK_INT(sim_cloudone_cloudtrail_stack_event(AWS_A, "us-east-1", token, true), ==, 0);
	cts = sim_fixture_state_array("cloudtrail_integrations");
	C1_CHECK_STR(c1_json_get_string(cts, "0.status"), "active");
	json_decref(cts);

	/* A second deploymentURL for the same account+region: one integration, both tokens work. */
	s_deployment(auth, AWS_A, "us-east-1", token2, sizeof(token2), &p2);
	C1_CHECK(strcmp(token, token2) != 0);
	cts = sim_fixture_state_array("cloudtrail_integrations");
	C1_CHECK_INT(json_array_size(cts), ==, 1);
	int64_t issued = 0;
	C1_CHECK(c1_json_get_int(cts, "0.deployment_urls_issued", &issued) == 0);
	C1_CHECK_INT(issued, ==, 2);
	json_decref(cts);

	C1_CHECK_INT(sim_cloudone_cloudtrail_stack_event(AWS_A, "us-east-1", token, false), ==, 0);
	cts = sim_fixture_state_array("cloudtrail_integrations");
	C1_CHECK_INT(json_array_size(cts), ==, 0);
	json_decref(cts);
	C1_CHECK_INT(sim_cloudone_cloudtrail_stack_event(AWS_A, "us-east-1", "forged-token", false), ==, -1);
	C1_CHECK_INT(sim_cloudone_cloudtrail_stack_event(AWS_A, "us-east-1", token2, true), ==, 0);
	cts = sim_fixture_state_array("cloudtrail_integrations");
	C1_CHECK_STR(c1_json_get_string(cts, "0.status"), "active");
	json_decref(cts);
	s_dep_free(&p);
	s_dep_free(&p2);
	free(auth);
}

C1_TEST(template_onboard_validates_then_creates_and_removes)
{
	s_setup();
	char reason[256] = "";
	char *key = sim_creds_cloudone_key("us-1", C1_ACCT);
	char *v1 = sim_creds_visionone_token("0a0b0c0d");
	char *forged = c1_asprintf("%.*s:" SIM_SECRET_MARK "ffffffffffffffffffffffffffffffff",
				   (int)strcspn(key, ":"), key);

	C1_CHECK_INT(
	    sim_cloudone_template_onboard(forged, v1, AWS_A, "us-east-1", true, reason, sizeof(reason)), ==,
	    -1);
	C1_CHECK_STR(reason, "Invalid API Key");
	C1_CHECK_INT(sim_cloudone_template_onboard(key, "v1sim.0a0b0c0d.00", AWS_A, "us-east-1", true, reason,
						   sizeof(reason)),
		     ==, -1);
	C1_CHECK_CONTAINS(reason, "InvalidCredentials");
	json_t *links = sim_fixture_state_array("visionone_links");
	C1_CHECK_INT(json_array_size(links), ==, 0);
	json_decref(links);

	C1_CHECK_INT(sim_cloudone_template_onboard(key, v1, AWS_A, "us-east-1", true, reason, sizeof(reason)),
		     ==, 0);
	C1_CHECK_INT(sim_cloudone_template_onboard(key, v1, AWS_B, "us-east-1", true, reason, sizeof(reason)),
		     ==, 0);
	json_t *conns = sim_fixture_state_array("ws_connectors");
	json_t *accts = sim_fixture_state_array("cloud_accounts");
	json_t *cts = sim_fixture_state_array("cloudtrail_integrations");
	links = sim_fixture_state_array("visionone_links");
	C1_CHECK_INT(json_array_size(conns), ==, 2);
	C1_CHECK_INT(json_array_size(accts), ==, 2);
	C1_CHECK_INT(json_array_size(cts), ==, 2);
	C1_CHECK_INT(json_array_size(links), ==, 1); /* once per Cloud One account */
	C1_CHECK_STR(c1_json_get_string(conns, "0.created_by"), "template");
	C1_CHECK_STR(c1_json_get_string(accts, "0.created_by"), "template");
	C1_CHECK_STR(c1_json_get_string(cts, "0.status"), "active");
	C1_CHECK_STR(c1_json_get_string(links, "0.v1_tenant"), "0a0b0c0d");
	C1_CHECK_STR(c1_json_get_string(links, "0.account_id"), C1_ACCT);
	json_decref(conns);
	json_decref(accts);
	json_decref(cts);
	json_decref(links);

	/* Onboarding an account that is already a cloud account fails like the Lambda would. */
	C1_CHECK_INT(sim_cloudone_template_onboard(key, v1, AWS_A, "us-east-1", true, reason, sizeof(reason)),
		     ==, -1);
	C1_CHECK_CONTAINS(reason, "already exists");

	C1_CHECK_INT(
	    sim_cloudone_template_onboard(forged, v1, AWS_A, "us-east-1", false, reason, sizeof(reason)), ==,
	    -1);
	C1_CHECK_INT(
	    sim_cloudone_template_onboard(key, v1, AWS_A, "us-east-1", false, reason, sizeof(reason)), ==, 0);
	conns = sim_fixture_state_array("ws_connectors");
	accts = sim_fixture_state_array("cloud_accounts");
	cts = sim_fixture_state_array("cloudtrail_integrations");
	links = sim_fixture_state_array("visionone_links");
	C1_CHECK_INT(json_array_size(conns), ==, 1);
	C1_CHECK_STR(c1_json_get_string(conns, "0.account_id"), AWS_B);
	C1_CHECK_INT(json_array_size(accts), ==, 1);
	C1_CHECK_INT(json_array_size(cts), ==, 1);
	C1_CHECK_INT(json_array_size(links), ==, 1); /* the tenant link stays for the other accounts */
	json_decref(conns);
	json_decref(accts);
	json_decref(cts);
	json_decref(links);

	/* The connector the template made is visible through the API. */
	char *auth = c1_asprintf("ApiKey %s", key);
	struct sim_call c = sim_c1(auth, "GET", "/api/awsconnectors", NULL, NULL);
	C1_CHECK_INT(json_array_size(json_object_get(c.json, "awsConnectors")), ==, 1);
	sim_call_dispose(&c);
	c1_free_secure_str(auth);
	free(forged);
	c1_free_secure_str(v1);
	c1_free_secure_str(key);
}

C1_TEST(drift_deletes_connector_and_cloud_account)
{
	s_setup();
	char *auth = sim_fixture_c1_auth("us-1", C1_ACCT);
	char role[160], err[256] = "";
	s_ws_role(AWS_A, C1_ACCT, role, sizeof(role));
	s_create_connector(auth, role, NULL);
	s_register_account(auth, AWS_A);
	json_t *spec = json_pack("{s:s,s:s}", "kind", "connector_deleted", "account_id", AWS_A);
	json_t *bad = json_pack("{s:s}", "kind", "connector_deleted");
	C1_CHECK_INT(sim_service_cloudone.inject_drift("stack_deleted", spec, err, sizeof(err)), ==, 0);
	C1_CHECK_INT(sim_service_cloudone.inject_drift("connector_deleted", bad, err, sizeof(err)), ==, -1);
	C1_CHECK_CONTAINS(err, "account_id");
	C1_CHECK_INT(sim_service_cloudone.inject_drift("connector_deleted", spec, err, sizeof(err)), ==, 1);
	struct sim_call c = sim_c1(auth, "GET", "/api/awsconnectors", NULL, NULL);
	C1_CHECK_INT(json_array_size(json_object_get(c.json, "awsConnectors")), ==, 0);
	sim_call_dispose(&c);
	/* Nothing left to delete: a bad spec, said so. */
	C1_CHECK_INT(sim_service_cloudone.inject_drift("connector_deleted", spec, err, sizeof(err)), ==, -1);

	C1_CHECK_INT(sim_service_cloudone.inject_drift("cloud_account_deleted", spec, err, sizeof(err)), ==,
		     1);
	c = sim_c1(auth, "GET", "/api/cloudaccounts/aws/" AWS_A, NULL, NULL);
	C1_CHECK_INT(c.status, ==, 404);
	sim_call_dispose(&c);
	json_t *accts = sim_fixture_state_array("cloud_accounts");
	C1_CHECK_INT(json_array_size(accts), ==, 0);
	json_decref(accts);
	json_decref(spec);
	json_decref(bad);
	free(auth);
}

C1_TEST(drift_changes_connector_and_cloud_account_role)
{
	s_setup();
	char *auth = sim_fixture_c1_auth("us-1", C1_ACCT);
	char role[160], path[64], err[256] = "";
	const char *foreign = "arn:aws:iam::" AWS_A ":role/c1sim-foreign-role";
	const char *chosen = "arn:aws:iam::" AWS_A ":role/console-edit";
	s_ws_role(AWS_A, C1_ACCT, role, sizeof(role));
	int64_t id = s_create_connector(auth, role, NULL);
	snprintf(path, sizeof(path), "/api/awsconnectors/%lld", (long long)id);
	s_register_account(auth, AWS_A);
	json_t *spec = json_pack("{s:s}", "account_id", AWS_A);
	json_t *valued = json_pack("{s:s,s:s}", "account_id", AWS_A, "value", chosen);
	json_t *bad_value = json_pack("{s:s,s:s}", "account_id", AWS_A, "value", "nope");
	json_t *nobody = json_pack("{s:s}", "account_id", AWS_B);
	json_t *no_account = json_object();

	C1_CHECK_INT(sim_service_cloudone.inject_drift("connector_role_changed", spec, err, sizeof(err)), ==,
		     1);
	struct sim_call c = sim_c1(auth, "GET", path, NULL, NULL);
	C1_CHECK_STR(c1_json_get_string(c.json, "crossAccountRoleArn"), foreign);
	sim_call_dispose(&c);
	C1_CHECK_INT(sim_service_cloudone.inject_drift("connector_role_changed", valued, err, sizeof(err)),
		     ==, 1);
	c = sim_c1(auth, "GET", path, NULL, NULL);
	C1_CHECK_STR(c1_json_get_string(c.json, "crossAccountRoleArn"), chosen);
	sim_call_dispose(&c);
	C1_CHECK_INT(sim_service_cloudone.inject_drift("connector_role_changed", bad_value, err, sizeof(err)),
		     ==, -1);
	C1_CHECK_CONTAINS(err, "value");
	C1_CHECK_INT(
	    sim_service_cloudone.inject_drift("connector_role_changed", no_account, err, sizeof(err)), ==,
	    -1);
	C1_CHECK_CONTAINS(err, "account_id");
	C1_CHECK_INT(sim_service_cloudone.inject_drift("connector_role_changed", nobody, err, sizeof(err)),
		     ==, -1);
	C1_CHECK_CONTAINS(err, "no Workload Security connector");

	C1_CHECK_INT(sim_service_cloudone.inject_drift("cloud_account_role_changed", spec, err, sizeof(err)),
		     ==, 1);
	c = sim_c1(auth, "GET", "/api/cloudaccounts/aws/" AWS_A, NULL, NULL);
	C1_CHECK_INT(c.status, ==, 200);
	C1_CHECK_STR(c1_json_get_string(c.json, "roleARN"), foreign);
	sim_call_dispose(&c);
	C1_CHECK_INT(
	    sim_service_cloudone.inject_drift("cloud_account_role_changed", valued, err, sizeof(err)), ==, 1);
	C1_CHECK_INT(
	    sim_service_cloudone.inject_drift("cloud_account_role_changed", nobody, err, sizeof(err)), ==,
	    -1);
	C1_CHECK_CONTAINS(err, "no cloud account");

	/* Changed in place: still one record each, same connector id. */
	json_t *conns = sim_fixture_state_array("ws_connectors");
	json_t *accts = sim_fixture_state_array("cloud_accounts");
	int64_t got = 0;
	C1_CHECK_INT(json_array_size(conns), ==, 1);
	C1_CHECK(c1_json_get_int(json_array_get(conns, 0), "id", &got) == 0 && got == id);
	C1_CHECK_INT(json_array_size(accts), ==, 1);
	C1_CHECK_STR(c1_json_get_string(accts, "0.role_arn"), chosen);
	json_decref(conns);
	json_decref(accts);
	json_decref(spec);
	json_decref(valued);
	json_decref(bad_value);
	json_decref(nobody);
	json_decref(no_account);
	free(auth);
}

C1_TEST(delete_fail_fault_keeps_the_connector)
{
	s_setup();
	char *auth = sim_fixture_c1_auth("us-1", C1_ACCT);
	char role[160], path[64], err[256] = "";
	s_ws_role(AWS_A, C1_ACCT, role, sizeof(role));
	int64_t id = s_create_connector(auth, role, NULL);
	snprintf(path, sizeof(path), "/api/awsconnectors/%lld", (long long)id);
	json_t *plan =
	    json_pack("{s:[{s:s,s:s,s:s,s:s}]}", "rules", "service", "cloudone", "route",
		      "DELETE /api/awsconnectors/{id}", "account_id", AWS_A, "effect", "delete_fail");
	C1_CHECK_INT(sim_faults_set(plan, err, sizeof(err)), ==, 0);
	struct sim_call c = sim_c1(auth, "DELETE", path, NULL, NULL);
	C1_CHECK_INT(c.status, ==, 500);
	sim_call_dispose(&c);
	json_t *conns = sim_fixture_state_array("ws_connectors");
	C1_CHECK_INT(json_array_size(conns), ==, 1);
	json_decref(conns);
	json_t *empty = json_object();
	C1_CHECK_INT(sim_faults_set(empty, err, sizeof(err)), ==, 0);
	c = sim_c1(auth, "DELETE", path, NULL, NULL);
	C1_CHECK_INT(c.status, ==, 204);
	sim_call_dispose(&c);
	json_decref(empty);
	json_decref(plan);
	free(auth);
}

C1_TEST(state_dump_holds_no_secret)
{
	s_setup();
	char *key = sim_creds_cloudone_key("us-1", C1_ACCT);
	char *auth = c1_asprintf("ApiKey %s", key);
	char *v1 = sim_creds_visionone_token("0a0b0c0d");
	char role[160], token[128], reason[256];
	struct dep_params p;
	s_ws_role(AWS_A, C1_ACCT, role, sizeof(role));
	s_create_connector(auth, role, NULL);
	s_register_account(auth, AWS_A);
	s_deployment(auth, AWS_A, "us-east-1", token, sizeof(token), &p);
	C1_CHECK_INT(sim_cloudone_template_onboard(key, v1, AWS_B, "us-east-1", true, reason, sizeof(reason)),
		     ==, 0);
	char *state = sim_fixture_state_text();
	C1_CHECK_CONTAINS(state, AWS_A);
	C1_CHECK_NOT_CONTAINS(state, strchr(key, ':') + 1);
	C1_CHECK_NOT_CONTAINS(state, token);
	C1_CHECK_NOT_CONTAINS(state, strrchr(v1, '.') + 1);
	C1_CHECK_NOT_CONTAINS(state, "token\"");
	free(state);
	s_dep_free(&p);
	c1_free_secure_str(v1);
	c1_free_secure_str(auth);
	c1_free_secure_str(key);
}
