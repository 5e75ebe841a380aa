/* Vision One client over a scripted transport: site and V1_ENDPOINT_URL
 * handling, Bearer auth, enrollment token kept secret, connector list and
 * delete, error mapping with the Vision One error body. */
#include "harness.h"

#include "engine/core/error.h"
#include "engine/net/http_script.h"
#include "engine/trend/visionone.h"

#include <string.h>

#define V1_TOKEN "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.v1apitoken.sig"
#define ENROLL   "ZW5yb2xsbWVudFRva2VuU2VjcmV0"

struct fixture {
	struct c1_http_script *script;
	struct c1_secret token;
	struct c1_visionone_client client;
};

static int s_setup(struct fixture *f, const char *site, const char *override)
{
	f->script = c1_http_script_new();
	f->token = (struct c1_secret)C1_SECRET_INIT;
	c1_secret_set(&f->token, V1_TOKEN, strlen(V1_TOKEN));
	struct c1_visionone_config cfg = {c1_http_script_transport(f->script), &f->token, site, override, 0};
	return c1_visionone_client_init(&f->client, &cfg);
}

static void s_teardown(struct fixture *f)
{
	c1_visionone_client_dispose(&f->client);
	c1_secret_dispose(&f->token);
	c1_http_script_free(f->script);
}

C1_TEST(client_init_site_and_override)
{
	struct fixture f;
	C1_CHECK_INT(s_setup(&f, "http://api.xdr.trendmicro.com", NULL), ==, C1_ECONFIG);
	s_teardown(&f);
	C1_CHECK_INT(s_setup(&f, NULL, "http://evil.example.com:80"), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "V1_ENDPOINT_URL");
	s_teardown(&f);
	C1_CHECK_INT(s_setup(&f, "https://api.eu.xdr.trendmicro.com/", NULL), ==, 0);
	C1_CHECK_STR(f.client.origin, "https://api.eu.xdr.trendmicro.com");
	s_teardown(&f);
	C1_CHECK_INT(s_setup(&f, "https://api.eu.xdr.trendmicro.com", "http://127.0.0.1:8443"), ==, 0);
	C1_CHECK_STR(f.client.origin, "http://127.0.0.1:8443");
	s_teardown(&f);
	struct c1_visionone_client c = C1_VISIONONE_CLIENT_INIT;
	struct c1_http_script *script = c1_http_script_new();
	struct c1_visionone_config cfg = {c1_http_script_transport(script), NULL, NULL, NULL, 0};
	C1_CHECK_INT(c1_visionone_client_init(&c, &cfg), ==, C1_EINVALID);
	c1_visionone_client_dispose(&c);
	c1_http_script_free(script);
}

C1_TEST(enrollment_token_request_and_secret)
{
	struct fixture f;
	struct c1_visionone_enrollment e = C1_VISIONONE_ENROLLMENT_INIT;
	struct c1_api_error err = C1_API_ERROR_INIT;
	C1_CHECK_INT(s_setup(&f, NULL, NULL), ==, 0);
	c1_http_script_push(f.script, 200, NULL,
			    "{\"token\": \"" ENROLL
			    "\", \"connectorId\": \"0d5a7c3e-2b1f-4a9e-8c7d-6e5f4a3b2c1d\", "
			    "\"tokenExpireTime\": \"2026-11-27T02:05:06Z\"}");
	c1_http_script_push(f.script, 200, NULL, "{\"connectorId\": \"x\"}");
	c1_http_script_push(f.script, 200, NULL, "{\"token\": \"" ENROLL "\"}");
	C1_CHECK_INT(c1_visionone_enrollment_token(&e, &f.client, &err), ==, 0);
	const struct c1_http_script_request *r = c1_http_script_request(f.script, 0);
	C1_CHECK_STR(r->method, "POST");
	C1_CHECK_STR(r->url, "https://api.xdr.trendmicro.com/v1.0/preview/uic/instances/enrollment");
	C1_CHECK_STR(c1_headers_get(&r->headers, "Authorization"), "Bearer " V1_TOKEN);
	C1_CHECK_STR(c1_headers_get(&r->headers, "Content-Type"), "application/json");
	C1_CHECK(c1_headers_get(&r->headers, "api-version") == NULL);
	C1_CHECK_STR(r->body, "{\"productId\":\"scc\"}");
	C1_CHECK_STR(c1_secret_reveal(&e.token), ENROLL);
	C1_CHECK_STR(e.connector_id, "0d5a7c3e-2b1f-4a9e-8c7d-6e5f4a3b2c1d");
	C1_CHECK_STR(e.token_expire_time, "2026-11-27T02:05:06Z");
	c1_visionone_enrollment_dispose(&e);
	C1_CHECK_INT(c1_visionone_enrollment_token(&e, &f.client, &err), ==, C1_EAPI);
	C1_CHECK_STR(err.code, "InvalidResponse");
	C1_CHECK_INT(c1_visionone_enrollment_token(&e, &f.client, &err), ==, C1_EAPI);
	C1_CHECK_CONTAINS(c1_error_last(), "connectorId");
	C1_CHECK(!c1_secret_is_set(&e.token));
	C1_CHECK_NOT_CONTAINS(c1_error_last(), ENROLL);
	s_teardown(&f);
}

C1_TEST(errors_use_the_vision_one_body)
{
	struct fixture f;
	struct c1_visionone_enrollment e = C1_VISIONONE_ENROLLMENT_INIT;
	struct c1_visionone_connector_list list = C1_VISIONONE_CONNECTOR_LIST_INIT;
	struct c1_api_error err = C1_API_ERROR_INIT;
	char formatted[1024];
	C1_CHECK_INT(s_setup(&f, NULL, "http://127.0.0.1:9100"), ==, 0);
	c1_http_script_push(f.script, 401, NULL,
			    "{\"error\": {\"code\": \"InvalidCredentials\", \"message\": \"Bearer " V1_TOKEN
			    " is invalid\"}}");
	c1_http_script_push(
	    f.script, 429, NULL,
	    "{\"error\": {\"code\": \"TooManyRequests\", \"message\": \"Too many API requests\"}}");
	c1_http_script_push(
	    f.script, 403, NULL,
	    "{\"error\": {\"code\": \"AccessDenied\", \"message\": \"no\", \"innererror\": {\"code\": "
	    "\"x\", \"service\": \"uic\"}}}");
	C1_CHECK_INT(c1_visionone_enrollment_token(&e, &f.client, &err), ==, C1_EAUTH);
	C1_CHECK_STR(err.code, "InvalidCredentials");
	C1_CHECK_STR(c1_http_script_request(f.script, 0)->url,
		     "http://127.0.0.1:9100/v1.0/preview/uic/instances/enrollment");
	c1_api_error_format(&err, formatted, sizeof(formatted));
	C1_CHECK_NOT_CONTAINS(formatted, V1_TOKEN);
	C1_CHECK_NOT_CONTAINS(c1_error_last(), V1_TOKEN);
	C1_CHECK_INT(c1_visionone_list_connectors(&list, &f.client, &err), ==, C1_ETHROTTLED);
	C1_CHECK_INT(c1_visionone_list_connectors(&list, &f.client, &err), ==, C1_EAPI);
	C1_CHECK_STR(err.code, "AccessDenied");
	C1_CHECK_CONTAINS(err.message, "uic");
	s_teardown(&f);
}

C1_TEST(list_and_delete_connectors)
{
	struct fixture f;
	struct c1_visionone_connector_list list = C1_VISIONONE_CONNECTOR_LIST_INIT;
	struct c1_api_error err = C1_API_ERROR_INIT;
	C1_CHECK_INT(s_setup(&f, "https://api.xdr.trendmicro.co.jp", NULL), ==, 0);
	c1_http_script_push(
	    f.script, 200, NULL,
	    "{\"code\": \"Success\", \"data\": [{\"productId\": \"sws\", \"isConnected\": true, "
	    "\"status\": 1}, {\"productId\": \"scc\", \"connectorId\": \"c-1\", \"isConnected\": false, "
	    "\"status\": 0, \"cloudOneAccountId\": \"123456789012\"}]}");
	c1_http_script_push(f.script, 200, NULL, "{\"code\": \"Success\"}");
	c1_http_script_push(f.script, 200, NULL,
			    "{\"code\": \"Success\", \"data\": {\"connectorId\": \"c-1\"}}");
	c1_http_script_push(f.script, 404, NULL,
			    "{\"error\": {\"code\": \"NotFound\", \"message\": \"gone\"}}");
	c1_http_script_push(f.script, 500, NULL,
			    "{\"error\": {\"code\": \"InternalServerError\", \"message\": \"x\"}}");
	C1_CHECK_INT(c1_visionone_list_connectors(&list, &f.client, &err), ==, 0);
	const struct c1_http_script_request *r = c1_http_script_request(f.script, 0);
	C1_CHECK_STR(r->method, "GET");
	C1_CHECK_STR(r->url, "https://api.xdr.trendmicro.co.jp/v2.0/xdr/portal/connectors");
	C1_CHECK(c1_headers_get(&r->headers, "Content-Type") == NULL);
	C1_CHECK_INT(list.count, ==, 2);
	C1_CHECK_STR(list.items[0].product_id, "sws");
	C1_CHECK(list.items[0].is_connected);
	C1_CHECK_INT(list.items[0].status, ==, 1);
	C1_CHECK(list.items[0].connector_id == NULL);
	C1_CHECK_STR(list.items[1].connector_id, "c-1");
	C1_CHECK_STR(list.items[1].cloudone_account_id, "123456789012");
	C1_CHECK(!list.items[1].is_connected);
	c1_visionone_connector_list_dispose(&list);
	C1_CHECK_INT(c1_visionone_list_connectors(&list, &f.client, &err), ==, 0);
	C1_CHECK_INT(list.count, ==, 0);
	C1_CHECK_INT(c1_visionone_delete_connector(&f.client, "c-1", &err), ==, 0);
	C1_CHECK_STR(c1_http_script_request(f.script, 2)->method, "DELETE");
	C1_CHECK_STR(c1_http_script_request(f.script, 2)->url,
		     "https://api.xdr.trendmicro.co.jp/v2.0/xdr/portal/connectors/onpremise/c-1");
	C1_CHECK_INT(c1_visionone_delete_connector(&f.client, "c-1", &err), ==, 0);
	C1_CHECK_INT(c1_visionone_delete_connector(&f.client, "c-1", &err), ==, C1_EAPI);
	C1_CHECK(err.retryable);
	C1_CHECK_INT(c1_visionone_delete_connector(&f.client, "", &err), ==, C1_EINVALID);
	s_teardown(&f);
}

/* The link is judged only from entries tied to the account: by its
 * cloudOneAccountId, or by the connector the link returned. */
C1_TEST(link_seen_needs_a_connected_entry_tied_to_the_account)
{
	struct c1_visionone_connector items[3];
	struct c1_visionone_connector_list list = {items, 0};
	memset(items, 0, sizeof(items));
	C1_CHECK_INT(c1_visionone_link_seen(&list, "111122223333", NULL), ==, C1_V1_SEEN_NOT_LINKED);

	items[0] = (struct c1_visionone_connector){"scc", "c-1", true, 1, "999988887777"};
	list.count = 1;
	C1_CHECK_INT(c1_visionone_link_seen(&list, "111122223333", NULL), ==, C1_V1_SEEN_NOT_LINKED);
	C1_CHECK_INT(c1_visionone_link_seen(&list, "999988887777", NULL), ==, C1_V1_SEEN_LINKED);
	items[0].is_connected = false;
	C1_CHECK_INT(c1_visionone_link_seen(&list, "999988887777", NULL), ==, C1_V1_SEEN_PENDING);

	/* no account named: only the connector this run's link returned ties an entry */
	items[0] = (struct c1_visionone_connector){"sws", "c-2", true, 1, NULL};
	C1_CHECK_INT(c1_visionone_link_seen(&list, "111122223333", NULL), ==, C1_V1_SEEN_UNATTRIBUTED);
	C1_CHECK_INT(c1_visionone_link_seen(&list, "111122223333", "c-3"), ==, C1_V1_SEEN_UNATTRIBUTED);
	C1_CHECK_INT(c1_visionone_link_seen(&list, "111122223333", "c-2"), ==, C1_V1_SEEN_LINKED);
	items[0].connector_id = NULL; /* the documented fields only: nothing can be tied */
	C1_CHECK_INT(c1_visionone_link_seen(&list, "111122223333", "c-2"), ==, C1_V1_SEEN_UNATTRIBUTED);

	/* other products are not Cloud One's */
	items[0] = (struct c1_visionone_connector){"xes", "c-4", true, 1, "111122223333"};
	C1_CHECK_INT(c1_visionone_link_seen(&list, "111122223333", NULL), ==, C1_V1_SEEN_NOT_LINKED);
	C1_CHECK_STR(c1_v1_link_seen_name(C1_V1_SEEN_UNATTRIBUTED),
		     "listed entries that name no Cloud One account");
}
