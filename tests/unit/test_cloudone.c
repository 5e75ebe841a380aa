/* Cloud One client over a scripted transport: URLs (real hosts and the
 * C1_ENDPOINT_URL override), headers, bodies, reply parsing, the status
 * mapping, pagination, deploymentURL parsing and that no key or token ever
 * reaches a message. Reply shapes from api-reference Part 1 and
 * docs/sim-trend.md. */
#include "harness.h"

#include "engine/core/error.h"
#include "engine/net/http_script.h"
#include "engine/trend/cloudone.h"
#include "engine/trend/trend_http.h"

#include <stdlib.h>
#include <string.h>

#define KEY_ID    "2Ab9cD3eF4gH5iJ6kL7mN8oP9qR"
#define KEY_SEC   "zzSecretPartOfTheKey0123456789"
#define API_KEY   KEY_ID ":" KEY_SEC
#define ACCOUNT   "123456789012"
#define ROLE      "arn:aws:iam::123456789012:role/TrendMicroCloudOneWorkloadSecurityRole"
#define SVC_TOKEN "Tk9SVkljZVRva2VuU2VjcmV0MTIz"
#define ENROLL    "eyJhbGciOiJIUzI1NiJ9.enrollment.token"

struct fixture {
	struct c1_http_script *script;
	struct c1_secret key;
	struct c1_cloudone_client client;
};

static void s_setup(struct fixture *f, const char *region, const char *override)
{
	f->script = c1_http_script_new();
	f->key = (struct c1_secret)C1_SECRET_INIT;
	c1_secret_set(&f->key, API_KEY, strlen(API_KEY));
	struct c1_cloudone_config cfg = {c1_http_script_transport(f->script), &f->key, region, override, 0};
	C1_CHECK_INT(c1_cloudone_client_init(&f->client, &cfg), ==, 0);
}

static void s_teardown(struct fixture *f)
{
	c1_cloudone_client_dispose(&f->client);
	c1_secret_dispose(&f->key);
	c1_http_script_free(f->script);
}

static const struct c1_http_script_request *s_req(struct fixture *f, size_t i)
{
	const struct c1_http_script_request *r = c1_http_script_request(f->script, i);
	C1_CHECK(r != NULL);
	return r;
}

static void s_check_headers(const struct c1_http_script_request *r, bool body)
{
	C1_CHECK_STR(c1_headers_get(&r->headers, "Authorization"), "ApiKey " API_KEY);
	C1_CHECK_STR(c1_headers_get(&r->headers, "api-version"), "v1");
	if (body)
		C1_CHECK_STR(c1_headers_get(&r->headers, "Content-Type"), "application/json");
	else
		C1_CHECK(c1_headers_get(&r->headers, "Content-Type") == NULL);
}

static void s_no_secret(const char *text)
{
	C1_CHECK_NOT_CONTAINS(text, KEY_SEC);
	C1_CHECK_NOT_CONTAINS(text, SVC_TOKEN);
	C1_CHECK_NOT_CONTAINS(text, ENROLL);
}

C1_TEST(client_init_checks_key_region_and_override)
{
	struct c1_http_script *script = c1_http_script_new();
	struct c1_secret key = C1_SECRET_INIT;
	struct c1_cloudone_client c = C1_CLOUDONE_CLIENT_INIT;
	struct c1_cloudone_config cfg = {c1_http_script_transport(script), &key, NULL, NULL, 0};
	c1_secret_set(&key, "noColonSecretValue", 18);
	C1_CHECK_INT(c1_cloudone_client_init(&c, &cfg), ==, C1_EINVALID);
	C1_CHECK_NOT_CONTAINS(c1_error_last(), "noColonSecretValue");
	c1_cloudone_client_dispose(&c);
	c1_secret_set(&key, ":secretOnly", 11);
	C1_CHECK_INT(c1_cloudone_client_init(&c, &cfg), ==, C1_EINVALID);
	c1_cloudone_client_dispose(&c);
	c1_secret_set(&key, API_KEY, strlen(API_KEY));
	cfg.region = "US 1";
	C1_CHECK_INT(c1_cloudone_client_init(&c, &cfg), ==, C1_EINVALID);
	c1_cloudone_client_dispose(&c);
	cfg.region = NULL;
	cfg.endpoint_override = "http://cloudone.example.com";
	C1_CHECK_INT(c1_cloudone_client_init(&c, &cfg), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "C1_ENDPOINT_URL");
	c1_cloudone_client_dispose(&c);
	cfg.endpoint_override = "http://127.0.0.1:8080/api";
	C1_CHECK_INT(c1_cloudone_client_init(&c, &cfg), ==, C1_ECONFIG);
	c1_cloudone_client_dispose(&c);
	cfg.endpoint_override = "http://127.0.0.1:8080/";
	C1_CHECK_INT(c1_cloudone_client_init(&c, &cfg), ==, 0);
	C1_CHECK_STR(c.key_id, KEY_ID);
	c1_cloudone_client_dispose(&c);
	c1_cloudone_client_dispose(&c);
	c1_secret_dispose(&key);
	c1_http_script_free(script);
}

/* The refusal names the variable and keeps the reason whole: the message used to be formatted
 * into the error slot it was read from ("C1_ENDPOINT_URL: C1_ENDPOINT_URL: owed only for ..."). */
C1_TEST(override_refusal_keeps_the_reason)
{
	char *origin = NULL;
	C1_CHECK_INT(c1_trend_origin(&origin, "http://cloudone.example.com", "C1_ENDPOINT_URL", NULL), ==,
		     C1_ECONFIG);
	C1_CHECK(origin == NULL);
	C1_CHECK_CONTAINS(c1_error_last(),
			  "C1_ENDPOINT_URL: refusing plain http to 'cloudone.example.com': only loopback");
	C1_CHECK_NOT_CONTAINS(c1_error_last(), "C1_ENDPOINT_URL: C1_ENDPOINT_URL");
	C1_CHECK_INT(c1_trend_origin(&origin, "not a url", "V1_ENDPOINT_URL", NULL), ==, C1_ECONFIG);
	C1_CHECK(strncmp(c1_error_last(), "V1_ENDPOINT_URL: ", 17) == 0);
	C1_CHECK_NOT_CONTAINS(c1_error_last() + 17, "V1_ENDPOINT_URL");
}

C1_TEST(urls_real_hosts_and_override)
{
	struct fixture f;
	s_setup(&f, NULL, NULL);
	char *u = c1_cloudone_url(&f.client, NULL, "/api/apikeys/x");
	C1_CHECK_STR(u, "https://accounts.cloudone.trendmicro.com/api/apikeys/x");
	free(u);
	C1_CHECK(c1_cloudone_url(&f.client, "workload", "/api/awsconnectors") == NULL);
	C1_CHECK_CONTAINS(c1_error_last(), "region is not known");
	C1_CHECK_INT(c1_cloudone_client_set_region(&f.client, "de-1"), ==, 0);
	u = c1_cloudone_url(&f.client, "workload", "/api/awsconnectors");
	C1_CHECK_STR(u, "https://workload.de-1.cloudone.trendmicro.com/api/awsconnectors");
	free(u);
	s_teardown(&f);
	s_setup(&f, "us-1", "http://[::1]:18080");
	u = c1_cloudone_url(&f.client, "cloudaccounts", "/api/cloudaccounts/aws");
	C1_CHECK_STR(u, "http://[::1]:18080/api/cloudaccounts/aws");
	free(u);
	u = c1_cloudone_url(&f.client, NULL, "/api/apikeys/k");
	C1_CHECK_STR(u, "http://[::1]:18080/api/apikeys/k");
	free(u);
	s_teardown(&f);
}

/* A reply that does not parse was damaged on the way and may pass when sent
 * again; valid JSON of the wrong shape is the server's answer and does not. */
C1_TEST(unreadable_reply_is_retryable_wrong_shape_is_not)
{
	struct fixture f;
	struct c1_cloudone_apikey key = C1_CLOUDONE_APIKEY_INIT;
	struct c1_api_error err = C1_API_ERROR_INIT;
	s_setup(&f, NULL, NULL);
	c1_http_script_push(f.script, 200, "Content-Type: application/json", "{\"id\": \"" KEY_ID "\", \"ur");
	c1_http_script_push(f.script, 200, "Content-Type: application/json", "[1, 2]");
	C1_CHECK_INT(c1_cloudone_get_apikey(&key, &f.client, &err), ==, C1_EAPI);
	C1_CHECK_STR(err.code, "InvalidResponse");
	C1_CHECK(err.retryable);
	C1_CHECK_INT(c1_cloudone_get_apikey(&key, &f.client, &err), ==, C1_EAPI);
	C1_CHECK_STR(err.code, "InvalidResponse");
	C1_CHECK(!err.retryable);
	c1_cloudone_apikey_dispose(&key);
	s_teardown(&f);
}

C1_TEST(get_apikey_parses_urn)
{
	struct fixture f;
	struct c1_cloudone_apikey key = C1_CLOUDONE_APIKEY_INIT;
	struct c1_api_error err = C1_API_ERROR_INIT;
	s_setup(&f, NULL, NULL);
	c1_http_script_push(f.script, 200, "Content-Type: application/json",
			    "{\"id\": \"" KEY_ID "\", \"alias\": \"msp-batch\", \"roleID\": \"full-access\", "
			    "\"enabled\": true, \"created\": \"2026-01-02T03:04:05Z\", \"urn\": "
			    "\"urn:cloudone:identity:de-1:" ACCOUNT ":apikey/" KEY_ID "\"}");
	c1_http_script_push(f.script, 200, NULL,
			    "{\"id\": \"x\", \"urn\": \"urn:cloudone:identity:de-1:12345:apikey/x\"}");
	c1_http_script_push(f.script, 200, NULL, "[1, 2]");
	C1_CHECK_INT(c1_cloudone_get_apikey(&key, &f.client, &err), ==, 0);
	const struct c1_http_script_request *r = s_req(&f, 0);
	C1_CHECK_STR(r->method, "GET");
	C1_CHECK_STR(r->url, "https://accounts.cloudone.trendmicro.com/api/apikeys/" KEY_ID);
	s_check_headers(r, false);
	C1_CHECK_STR(key.region, "de-1");
	C1_CHECK_STR(key.account_id, ACCOUNT);
	C1_CHECK_STR(key.alias, "msp-batch");
	C1_CHECK_STR(key.role_id, "full-access");
	C1_CHECK(key.enabled);
	c1_cloudone_apikey_dispose(&key);
	C1_CHECK_INT(c1_cloudone_get_apikey(&key, &f.client, &err), ==, C1_EAPI);
	C1_CHECK_STR(err.code, "InvalidResponse");
	C1_CHECK_CONTAINS(c1_error_last(), "urn");
	C1_CHECK_INT(c1_cloudone_get_apikey(&key, &f.client, &err), ==, C1_EAPI);
	C1_CHECK(key.urn == NULL);
	s_no_secret(c1_error_last());
	s_teardown(&f);
}

C1_TEST(parse_urn_rules)
{
	char r[32], a[16];
	C1_CHECK_INT(c1_cloudone_parse_urn("urn:cloudone:identity:us-1:" ACCOUNT ":account/" ACCOUNT, r, a),
		     ==, 0);
	C1_CHECK_STR(r, "us-1");
	C1_CHECK_STR(a, ACCOUNT);
	C1_CHECK_INT(c1_cloudone_parse_urn("urn:cloudone:identity:trend-us-1:" ACCOUNT ":apikey/x", r, a), ==,
		     0);
	C1_CHECK_STR(r, "trend-us-1");
	const char *bad[] = {"",
			     "urn:cloudone:identity:us-1",
			     "urn:cloudone:identity:us-1:12345678901a:apikey/x",
			     "urn:other:identity:us-1:" ACCOUNT ":apikey/x",
			     "urn:cloudone:identity::" ACCOUNT ":x",
			     "urn:cloudone:identity:US_1:" ACCOUNT ":x",
			     NULL};
	for (size_t i = 0; i < 7; i++)
		C1_CHECK_INT(c1_cloudone_parse_urn(bad[i], r, a), ==, C1_EINVALID);
}

C1_TEST(unauthorized_and_throttled_mapping)
{
	struct fixture f;
	struct c1_cloudone_apikey key = C1_CLOUDONE_APIKEY_INIT;
	struct c1_api_error err = C1_API_ERROR_INIT;
	char *ext = NULL;
	s_setup(&f, "us-1", NULL);
	c1_http_script_push(f.script, 401, NULL, "{\"message\": \"Invalid API Key\"}");
	c1_http_script_push(f.script, 429, "Retry-After: 7", "{\"message\": \"Too many API requests\"}");
	c1_http_script_push(f.script, 500, NULL, "{\"message\": \"Internal error\"}");
	c1_http_script_push_error(f.script, C1_ETRANSPORT, "connection refused");
	C1_CHECK_INT(c1_cloudone_get_apikey(&key, &f.client, &err), ==, C1_EAUTH);
	C1_CHECK_INT(err.http_status, ==, 401);
	C1_CHECK_STR(err.message, "Invalid API Key");
	C1_CHECK_CONTAINS(c1_error_last(), "Invalid API Key");
	s_no_secret(c1_error_last());
	C1_CHECK_INT(c1_cloudone_ws_external_id(&ext, &f.client, &err), ==, C1_ETHROTTLED);
	C1_CHECK(err.throttling);
	C1_CHECK_INT(err.retry_after_ms, ==, 7000);
	C1_CHECK_INT(c1_cloudone_ws_external_id(&ext, &f.client, &err), ==, C1_EAPI);
	C1_CHECK(err.retryable);
	C1_CHECK_INT(c1_cloudone_ws_external_id(&ext, &f.client, &err), ==, C1_ETRANSPORT);
	C1_CHECK(ext == NULL);
	s_teardown(&f);
}

C1_TEST(visionone_connect_and_registration)
{
	struct fixture f;
	struct c1_cloudone_v1_registration reg = C1_CLOUDONE_V1_REGISTRATION_INIT;
	struct c1_secret tok = C1_SECRET_INIT;
	struct c1_api_error err = C1_API_ERROR_INIT;
	char formatted[1024];
	s_setup(&f, "gb-1", "http://127.0.0.1:9000");
	c1_secret_set(&tok, ENROLL, strlen(ENROLL));
	c1_http_script_push(
	    f.script, 200, NULL,
	    "{\"registration\": {\"status\": \"registered\", \"connectorId\": "
	    "\"6f1c2a9e-1111-4a4a-8b8b-123456789abc\", \"created\": \"2026-11-27T01:00:00Z\"}}");
	c1_http_script_push(f.script, 400, NULL, "{\"message\": \"enrollment token " ENROLL " expired\"}");
	C1_CHECK_INT(c1_cloudone_visionone_connect(&reg, &f.client, &tok, &err), ==, 0);
	const struct c1_http_script_request *r = s_req(&f, 0);
	C1_CHECK_STR(r->method, "POST");
	C1_CHECK_STR(r->url, "http://127.0.0.1:9000/api/connectors");
	s_check_headers(r, true);
	C1_CHECK_STR(r->body, "{\"enrollmentToken\":\"" ENROLL "\"}");
	C1_CHECK_STR(reg.status, "registered");
	C1_CHECK_STR(reg.connector_id, "6f1c2a9e-1111-4a4a-8b8b-123456789abc");
	c1_cloudone_v1_registration_dispose(&reg);
	/* A service that echoes the token back must not get it into our messages. */
	C1_CHECK_INT(c1_cloudone_visionone_connect(&reg, &f.client, &tok, &err), ==, C1_EAPI);
	C1_CHECK_INT(err.http_status, ==, 400);
	C1_CHECK_CONTAINS(err.message, "enrollment token [REDACTED] expired");
	c1_api_error_format(&err, formatted, sizeof(formatted));
	s_no_secret(formatted);
	s_no_secret(err.message);
	s_no_secret(c1_error_last());
	c1_secret_dispose(&tok);
	s_teardown(&f);
}

C1_TEST(ws_external_id_and_connector_create_get)
{
	struct fixture f;
	char *ext = NULL;
	struct c1_cloudone_ws_connector c = C1_CLOUDONE_WS_CONNECTOR_INIT;
	struct c1_api_error err = C1_API_ERROR_INIT;
	s_setup(&f, "us-1", NULL);
	c1_http_script_push(f.script, 200, NULL,
			    "{\"externalId\": \"8d3f2c1a-59b7-4e2a-9c61-0f4b7a3d2e18\"}");
	c1_http_script_push(f.script, 200, NULL,
			    "{\"ID\": 42, \"displayName\": \"prod\", \"accountId\": \"" ACCOUNT
			    "\", \"crossAccountRoleArn\": \"" ROLE "\", \"workspacesEnabled\": false}");
	c1_http_script_push(f.script, 200, NULL, "{\"ID\": 42, \"accountId\": \"" ACCOUNT "\"}");
	c1_http_script_push(f.script, 404, NULL, "{\"message\": \"The AWS connector does not exist.\"}");
	c1_http_script_push(f.script, 200, NULL, "{\"displayName\": \"no id\"}");
	C1_CHECK_INT(c1_cloudone_ws_external_id(&ext, &f.client, &err), ==, 0);
	C1_CHECK_STR(ext, "8d3f2c1a-59b7-4e2a-9c61-0f4b7a3d2e18");
	C1_CHECK_STR(s_req(&f, 0)->url,
		     "https://workload.us-1.cloudone.trendmicro.com/api/awsconnectorsettings");
	C1_CHECK_INT(c1_cloudone_ws_connector_create(&c, &f.client, "prod", ACCOUNT, ROLE, &err), ==, 0);
	C1_CHECK_STR(s_req(&f, 1)->url, "https://workload.us-1.cloudone.trendmicro.com/api/awsconnectors");
	C1_CHECK_STR(s_req(&f, 1)->body, "{\"displayName\":\"prod\",\"accountId\":\"" ACCOUNT
					 "\",\"crossAccountRoleArn\":\"" ROLE "\"}");
	s_check_headers(s_req(&f, 1), true);
	C1_CHECK_INT(c.id, ==, 42);
	C1_CHECK_STR(c.display_name, "prod");
	C1_CHECK_STR(c.cross_account_role_arn, ROLE);
	c1_cloudone_ws_connector_dispose(&c);
	C1_CHECK_INT(c1_cloudone_ws_connector_get(&c, &f.client, 42, &err), ==, 0);
	C1_CHECK_STR(s_req(&f, 2)->url, "https://workload.us-1.cloudone.trendmicro.com/api/awsconnectors/42");
	C1_CHECK(c.display_name == NULL);
	c1_cloudone_ws_connector_dispose(&c);
	C1_CHECK_INT(c1_cloudone_ws_connector_get(&c, &f.client, 7, &err), ==, C1_ENOTFOUND);
	C1_CHECK_INT(c1_cloudone_ws_connector_create(&c, &f.client, NULL, ACCOUNT, ROLE, &err), ==, C1_EAPI);
	C1_CHECK_STR(err.code, "InvalidResponse");
	C1_CHECK_STR(s_req(&f, 4)->body, "{\"displayName\":\"" ACCOUNT "\",\"accountId\":\"" ACCOUNT
					 "\",\"crossAccountRoleArn\":\"" ROLE "\"}");
	C1_CHECK_INT(c1_cloudone_ws_connector_create(&c, &f.client, NULL, "12345", ROLE, &err), ==,
		     C1_EINVALID);
	C1_CHECK_INT(c1_http_script_count(f.script), ==, 5);
	free(ext);
	s_teardown(&f);
}

C1_TEST(ws_connector_update_sends_only_the_role)
{
	struct fixture f;
	struct c1_cloudone_ws_connector c = C1_CLOUDONE_WS_CONNECTOR_INIT;
	struct c1_api_error err = C1_API_ERROR_INIT;
	const char *role2 = "arn:aws:iam::" ACCOUNT ":role/CloudOne-WS-Role-2";
	s_setup(&f, "us-1", NULL);
	c1_http_script_push(f.script, 200, NULL,
			    "{\"ID\": 42, \"displayName\": \"prod\", \"accountId\": \"" ACCOUNT
			    "\", \"crossAccountRoleArn\": \"arn:aws:iam::" ACCOUNT
			    ":role/CloudOne-WS-Role-2\", \"lastSyncTime\": 1767225600000}");
	c1_http_script_push(f.script, 404, NULL, "{\"message\": \"The AWS connector 42 does not exist.\"}");
	c1_http_script_push(f.script, 400, NULL, "{\"message\": \"Unable to assume role\"}");
	c1_http_script_push(f.script, 200, NULL, "{\"displayName\": \"no id\"}");

	C1_CHECK_INT(c1_cloudone_ws_connector_update(&c, &f.client, 42, role2, &err), ==, 0);
	const struct c1_http_script_request *r = s_req(&f, 0);
	C1_CHECK_STR(r->method, "POST");
	C1_CHECK_STR(r->url, "https://workload.us-1.cloudone.trendmicro.com/api/awsconnectors/42");
	/* A partial body: displayName and accountId are left as the console has them. */
	C1_CHECK_STR(r->body,
		     "{\"crossAccountRoleArn\":\"arn:aws:iam::" ACCOUNT ":role/CloudOne-WS-Role-2\"}");
	s_check_headers(r, true);
	C1_CHECK_INT(c.id, ==, 42);
	C1_CHECK_STR(c.cross_account_role_arn, role2);
	C1_CHECK_STR(c.display_name, "prod");
	c1_cloudone_ws_connector_dispose(&c);

	C1_CHECK_INT(c1_cloudone_ws_connector_update(&c, &f.client, 42, role2, &err), ==, C1_ENOTFOUND);
	C1_CHECK_INT(err.http_status, ==, 404);
	C1_CHECK_CONTAINS(c1_error_last(), "connector 42 does not exist");
	C1_CHECK(c.cross_account_role_arn == NULL);
	C1_CHECK_INT(c1_cloudone_ws_connector_update(&c, &f.client, 42, role2, &err), ==, C1_EAPI);
	C1_CHECK_INT(err.http_status, ==, 400);
	C1_CHECK_STR(err.message, "Unable to assume role");
	C1_CHECK(!err.retryable);
	C1_CHECK_INT(c1_cloudone_ws_connector_update(&c, &f.client, 42, role2, &err), ==, C1_EAPI);
	C1_CHECK_STR(err.code, "InvalidResponse");
	C1_CHECK(c.id == 0 && c.display_name == NULL);
	s_no_secret(c1_error_last());

	/* Refused before sending. */
	C1_CHECK_INT(c1_cloudone_ws_connector_update(&c, &f.client, 0, role2, &err), ==, C1_EINVALID);
	C1_CHECK_INT(c1_cloudone_ws_connector_update(&c, &f.client, 42, "CloudOne-WS-Role-2", &err), ==,
		     C1_EINVALID);
	C1_CHECK_INT(c1_cloudone_ws_connector_update(&c, &f.client, 42, NULL, &err), ==, C1_EINVALID);
	C1_CHECK_INT(c1_http_script_count(f.script), ==, 4);
	s_teardown(&f);
}

C1_TEST(ws_connector_search_find_duplicates_delete)
{
	struct fixture f;
	struct c1_cloudone_ws_connector c = C1_CLOUDONE_WS_CONNECTOR_INIT;
	struct c1_api_error err = C1_API_ERROR_INIT;
	s_setup(&f, "us-1", NULL);
	c1_http_script_push(f.script, 200, NULL,
			    "{\"awsConnectors\": [{\"ID\": 5, \"accountId\": \"" ACCOUNT
			    "\", \"crossAccountRoleArn\": "
			    "\"" ROLE "\"}]}");
	c1_http_script_push(f.script, 200, NULL, "{\"awsConnectors\": []}");
	c1_http_script_push(f.script, 200, NULL, "{}");
	c1_http_script_push(f.script, 200, NULL,
			    "{\"awsConnectors\": [{\"ID\": 5, \"accountId\": \"" ACCOUNT "\"}, {\"ID\": 9, "
			    "\"accountId\": \"" ACCOUNT "\"}]}");
	c1_http_script_push(f.script, 204, NULL, NULL);
	c1_http_script_push(f.script, 404, NULL, "{\"message\": \"not found\"}");
	c1_http_script_push(f.script, 500, NULL, "{\"message\": \"delete failed\"}");
	C1_CHECK_INT(c1_cloudone_ws_connector_find(&c, &f.client, ACCOUNT, &err), ==, 0);
	C1_CHECK_INT(c.id, ==, 5);
	c1_cloudone_ws_connector_dispose(&c);
	const struct c1_http_script_request *r = s_req(&f, 0);
	C1_CHECK_STR(r->method, "POST");
	C1_CHECK_STR(r->url, "https://workload.us-1.cloudone.trendmicro.com/api/awsconnectors/search");
	C1_CHECK_STR(r->body,
		     "{\"maxItems\":5000,\"searchCriteria\":[{\"fieldName\":\"accountId\",\"stringTest\":"
		     "\"equal\",\"stringValue\":\"" ACCOUNT "\",\"stringWildcards\":false}]}");
	C1_CHECK_INT(c1_cloudone_ws_connector_find(&c, &f.client, ACCOUNT, &err), ==, C1_ENOTFOUND);
	C1_CHECK_INT(c1_cloudone_ws_connector_find(&c, &f.client, ACCOUNT, &err), ==, C1_ENOTFOUND);
	C1_CHECK_INT(c1_cloudone_ws_connector_find(&c, &f.client, ACCOUNT, &err), ==, C1_ERROR);
	C1_CHECK_STR(err.code, "DuplicateConnectors");
	C1_CHECK_CONTAINS(err.message, "IDs 5, 9");
	C1_CHECK_CONTAINS(c1_error_last(), "2 Workload Security connectors exist for AWS account " ACCOUNT);
	C1_CHECK(c.display_name == NULL && c.id == 0);
	C1_CHECK_INT(c1_cloudone_ws_connector_delete(&f.client, 5, &err), ==, 0);
	C1_CHECK_STR(s_req(&f, 4)->method, "DELETE");
	C1_CHECK_STR(s_req(&f, 4)->url, "https://workload.us-1.cloudone.trendmicro.com/api/awsconnectors/5");
	s_check_headers(s_req(&f, 4), false);
	C1_CHECK_INT(c1_cloudone_ws_connector_delete(&f.client, 5, &err), ==, 0); /* 404: already gone */
	C1_CHECK_INT(err.http_status, ==, 0);
	C1_CHECK_INT(c1_cloudone_ws_connector_delete(&f.client, 5, &err), ==, C1_EAPI);
	C1_CHECK_STR(err.message, "delete failed");
	s_teardown(&f);
}

C1_TEST(cloud_account_create_get_delete)
{
	struct fixture f;
	struct c1_cloudone_cloud_account a = C1_CLOUDONE_CLOUD_ACCOUNT_INIT;
	struct c1_api_error err = C1_API_ERROR_INIT;
	s_setup(&f, "jp-1", NULL);
	c1_http_script_push(
	    f.script, 201, NULL,
	    "{\"id\": \"" ACCOUNT "\", \"roleARN\": \"arn:aws:iam::" ACCOUNT
	    ":role/CloudOneRole\", \"created\": \"2026-11-27T01:00:00Z\", \"alias\": \"prod\", "
	    "\"description\": \"by c1onboard\", \"state\": \"managed\"}");
	c1_http_script_push(f.script, 409, NULL, "{\"message\": \"AWS account " ACCOUNT " already exists\"}");
	c1_http_script_push(f.script, 200, NULL, "{\"id\": \"" ACCOUNT "\", \"state\": \"managed\"}");
	c1_http_script_push(f.script, 404, NULL, NULL);
	c1_http_script_push(f.script, 204, NULL, NULL);
	c1_http_script_push(f.script, 404, NULL, "{\"message\": \"gone\"}");
	C1_CHECK_INT(c1_cloudone_cloud_account_create(&a, &f.client,
						      "arn:aws:iam::" ACCOUNT ":role/CloudOneRole", "prod",
						      "by c1onboard", &err),
		     ==, 0);
	C1_CHECK_STR(s_req(&f, 0)->url,
		     "https://cloudaccounts.jp-1.cloudone.trendmicro.com/api/cloudaccounts/aws");
	C1_CHECK_STR(s_req(&f, 0)->body,
		     "{\"roleARN\":\"arn:aws:iam::" ACCOUNT
		     ":role/CloudOneRole\",\"alias\":\"prod\",\"description\":\"by c1onboard\"}");
	C1_CHECK_STR(a.id, ACCOUNT);
	C1_CHECK_STR(a.state, "managed");
	C1_CHECK_STR(a.alias, "prod");
	c1_cloudone_cloud_account_dispose(&a);
	C1_CHECK_INT(c1_cloudone_cloud_account_create(&a, &f.client, "arn:aws:iam::" ACCOUNT ":role/R", NULL,
						      NULL, &err),
		     ==, C1_EAPI);
	C1_CHECK_INT(err.http_status, ==, 409);
	C1_CHECK_CONTAINS(err.message, "already exists");
	C1_CHECK_STR(s_req(&f, 1)->body, "{\"roleARN\":\"arn:aws:iam::" ACCOUNT ":role/R\"}");
	C1_CHECK_INT(c1_cloudone_cloud_account_get(&a, &f.client, ACCOUNT, &err), ==, 0);
	C1_CHECK_STR(s_req(&f, 2)->url,
		     "https://cloudaccounts.jp-1.cloudone.trendmicro.com/api/cloudaccounts/aws/" ACCOUNT);
	c1_cloudone_cloud_account_dispose(&a);
	C1_CHECK_INT(c1_cloudone_cloud_account_get(&a, &f.client, ACCOUNT, &err), ==, C1_ENOTFOUND);
	C1_CHECK_INT(c1_cloudone_cloud_account_delete(&f.client, ACCOUNT, &err), ==, 0);
	C1_CHECK_STR(s_req(&f, 4)->method, "DELETE");
	C1_CHECK_INT(c1_cloudone_cloud_account_delete(&f.client, ACCOUNT, &err), ==, 0);
	C1_CHECK_INT(c1_cloudone_cloud_account_delete(&f.client, "../../x", &err), ==, C1_EINVALID);
	C1_CHECK_INT(c1_http_script_count(f.script), ==, 6);
	s_teardown(&f);
}

C1_TEST(cloud_account_list_follows_cursor_and_refuses_other_shapes)
{
	struct fixture f;
	struct c1_cloudone_cloud_account_list list = C1_CLOUDONE_CLOUD_ACCOUNT_LIST_INIT;
	struct c1_api_error err = C1_API_ERROR_INIT;
	s_setup(&f, "us-1", "http://localhost:7000");
	c1_http_script_push(f.script, 200, NULL,
			    "{\"cloudAccounts\": [{\"id\": \"111122223333\", \"roleARN\": \"r1\"}, {\"id\": "
			    "\"222233334444\"}], \"next\": \"b2Zmc2V0PTI=/+&\"}");
	c1_http_script_push(f.script, 200, NULL,
			    "{\"cloudAccounts\": [{\"id\": \"" ACCOUNT "\"}], \"next\": \"\"}");
	c1_http_script_push(f.script, 200, NULL, "{\"accounts\": []}");
	c1_http_script_push(f.script, 200, NULL, "{\"cloudAccounts\": [{\"id\": \"1\"}, \"x\"]}");
	c1_http_script_push(f.script, 200, NULL, "{\"cloudAccounts\": []}");
	C1_CHECK_INT(c1_cloudone_cloud_account_list(&list, &f.client, &err), ==, 0);
	C1_CHECK_INT(list.count, ==, 3);
	C1_CHECK_STR(list.items[0].id, "111122223333");
	C1_CHECK_STR(list.items[0].role_arn, "r1");
	C1_CHECK_STR(list.items[2].id, ACCOUNT);
	C1_CHECK_STR(s_req(&f, 0)->url, "http://localhost:7000/api/cloudaccounts/aws");
	C1_CHECK_STR(s_req(&f, 1)->url,
		     "http://localhost:7000/api/cloudaccounts/aws?cursor=b2Zmc2V0PTI%3D%2F%2B%26");
	c1_cloudone_cloud_account_list_dispose(&list);
	C1_CHECK_INT(c1_cloudone_cloud_account_list(&list, &f.client, &err), ==, C1_ERROR);
	C1_CHECK_STR(err.code, "UnexpectedReplyShape");
	C1_CHECK_CONTAINS(c1_error_last(), "unexpected reply shape");
	C1_CHECK_INT(c1_cloudone_cloud_account_list(&list, &f.client, &err), ==, C1_ERROR);
	C1_CHECK_INT(list.count, ==, 0);
	C1_CHECK_INT(c1_cloudone_cloud_account_list(&list, &f.client, &err), ==, 0);
	C1_CHECK_INT(list.count, ==, 0);
	s_teardown(&f);
}

/* The simulator's form: a '?' before the fragment, the real query after "#/stacks/quickcreate?". */
#define DEPLOY_URL                                                                                          \
	"https://eu-central-1.console.aws.amazon.com/cloudformation/home?region=eu-central-1#/stacks/"      \
	"quickcreate?templateUrl=https://"                                                                  \
	"cloud-trail-client-stack-template-prod-eu-central-1.s3.eu-central-1."                              \
	"amazonaws.com/templates/cloudtrail-forwarder.template&stackName=cloudone-cloudtrail-forwarder"     \
	"&param_S3BucketName=cloud-trail-client-stack-template-prod-eu-central-1&param_S3BucketKey="        \
	"cloudtrail-forwarder%2Flambda%2F&param_ServiceToken=" SVC_TOKEN "&param_ServiceURL=https%3A%2F%2F" \
	"cloudtrail.de-1.cloudone.trendmicro.com&param_Unknown=x%ZZ&param_APIVersion=v1"

C1_TEST(deployment_url_parsing)
{
	struct c1_cloudone_cloudtrail_params p = C1_CLOUDONE_CLOUDTRAIL_PARAMS_INIT;
	C1_CHECK_INT(c1_cloudone_parse_deployment_url(&p, DEPLOY_URL), ==, 0);
	C1_CHECK_STR(p.template_url,
		     "https://cloud-trail-client-stack-template-prod-eu-central-1.s3.eu-central-1."
		     "amazonaws.com/templates/cloudtrail-forwarder.template");
	C1_CHECK_STR(p.s3_bucket_name, "cloud-trail-client-stack-template-prod-eu-central-1");
	C1_CHECK_STR(p.s3_bucket_key, "cloudtrail-forwarder/lambda/");
	C1_CHECK_STR(c1_secret_reveal(&p.service_token), SVC_TOKEN);
	C1_CHECK_STR(p.service_url, "https://cloudtrail.de-1.cloudone.trendmicro.com");
	C1_CHECK_STR(p.api_version, "v1");
	c1_cloudone_cloudtrail_params_dispose(&p);
	/* The ABI form: no '?' before the fragment; optional S3BucketKey absent. */
	C1_CHECK_INT(
	    c1_cloudone_parse_deployment_url(
		&p,
		"https://console.aws.amazon.com/cloudformation/home#/stacks/quickcreate?templateUrl=https://"
		"b.s3.amazonaws.com/t&param_S3BucketName=b&param_ServiceToken=" SVC_TOKEN
		"&param_ServiceURL=https://cloudtrail.us-1.cloudone.trendmicro.com&param_APIVersion=v1"),
	    ==, 0);
	C1_CHECK(p.s3_bucket_key == NULL);
	C1_CHECK_STR(p.service_url, "https://cloudtrail.us-1.cloudone.trendmicro.com");
	c1_cloudone_cloudtrail_params_dispose(&p);
	/* Without a fragment: the first '?'. */
	C1_CHECK_INT(c1_cloudone_parse_deployment_url(
			 &p, "https://x/?templateUrl=t&param_S3BucketName=b&param_"
			     "ServiceToken=" SVC_TOKEN "&param_ServiceURL=u&param_APIVersion=v1"),
		     ==, 0);
	C1_CHECK_STR(p.template_url, "t");
	c1_cloudone_cloudtrail_params_dispose(&p);
	const char *missing[] = {
	    "https://x/#/stacks/"
	    "quickcreate?templateUrl=t&param_S3BucketName=b&param_ServiceURL=u&param_APIVersion=v1",
	    "https://x/?templateUrl=t&param_S3BucketName=b&param_ServiceToken=" SVC_TOKEN
	    "&param_APIVersion=v1",
	    "https://x/?param_S3BucketName=b&param_ServiceToken=" SVC_TOKEN
	    "&param_ServiceURL=u&param_APIVersion=v1",
	    "https://x/no-query/" SVC_TOKEN,
	};
	const char *names[] = {"param_ServiceToken", "param_ServiceURL", "templateUrl", "no query"};
	for (size_t i = 0; i < 4; i++) {
		C1_CHECK_INT(c1_cloudone_parse_deployment_url(&p, missing[i]), ==, C1_EINVALID);
		C1_CHECK_CONTAINS(c1_error_last(), names[i]);
		s_no_secret(c1_error_last());
		C1_CHECK(!c1_secret_is_set(&p.service_token) && p.template_url == NULL);
	}
}

C1_TEST(cloudtrail_stack_request_and_token_safety)
{
	struct fixture f;
	struct c1_cloudone_cloudtrail_params p = C1_CLOUDONE_CLOUDTRAIL_PARAMS_INIT;
	struct c1_api_error err = C1_API_ERROR_INIT;
	char formatted[1024];
	s_setup(&f, "de-1", NULL);
	c1_http_script_push(f.script, 200, NULL, "{\"deploymentURL\": \"" DEPLOY_URL "\"}");
	c1_http_script_push(f.script, 200, NULL,
			    "{\"deploymentURL\": \"https://x/?templateUrl=t&param_ServiceToken=" SVC_TOKEN
			    "\"}");
	c1_http_script_push(f.script, 200, NULL, "{\"other\": 1}");
	c1_http_script_push(f.script, 400, NULL, "{\"message\": \"AWS account is not a cloud account\"}");
	C1_CHECK_INT(c1_cloudone_cloudtrail_stack(&p, &f.client, ACCOUNT, "eu-central-1", &err), ==, 0);
	const struct c1_http_script_request *r = s_req(&f, 0);
	C1_CHECK_STR(r->method, "POST");
	C1_CHECK_STR(r->url, "https://cloudtrail.de-1.cloudone.trendmicro.com/api/stacks");
	C1_CHECK_STR(r->body, "{\"providerAccountID\":\"" ACCOUNT "\",\"awsRegion\":\"eu-central-1\"}");
	s_check_headers(r, true);
	C1_CHECK_STR(c1_secret_reveal(&p.service_token), SVC_TOKEN);
	C1_CHECK_STR(p.s3_bucket_key, "cloudtrail-forwarder/lambda/");
	c1_cloudone_cloudtrail_params_dispose(&p);
	C1_CHECK_INT(c1_cloudone_cloudtrail_stack(&p, &f.client, ACCOUNT, "eu-central-1", &err), ==, C1_EAPI);
	C1_CHECK_STR(err.code, "InvalidResponse");
	C1_CHECK_CONTAINS(c1_error_last(), "param_S3BucketName");
	c1_api_error_format(&err, formatted, sizeof(formatted));
	s_no_secret(formatted);
	s_no_secret(c1_error_last());
	C1_CHECK(!c1_secret_is_set(&p.service_token));
	C1_CHECK_INT(c1_cloudone_cloudtrail_stack(&p, &f.client, ACCOUNT, "eu-central-1", &err), ==, C1_EAPI);
	C1_CHECK_CONTAINS(c1_error_last(), "deploymentURL");
	C1_CHECK_INT(c1_cloudone_cloudtrail_stack(&p, &f.client, ACCOUNT, "eu-central-1", &err), ==, C1_EAPI);
	C1_CHECK_INT(err.http_status, ==, 400);
	C1_CHECK_INT(c1_cloudone_cloudtrail_stack(&p, &f.client, "1234", "eu-central-1", &err), ==,
		     C1_EINVALID);
	C1_CHECK_INT(c1_http_script_count(f.script), ==, 4);
	s_teardown(&f);
}
