#include "engine/trend/cloudone.h"

#include "engine/core/alloc.h"
#include "engine/core/buf.h"
#include "engine/core/error.h"
#include "engine/core/json.h"
#include "engine/net/url.h"
#include "engine/trend/trend_http.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_ENV_OVERRIDE "C1_ENDPOINT_URL"

/* ---- client ---- */

static bool s_region_ok(const char *r)
{
	size_t n = r ? strlen(r) : 0;
	if (n == 0 || n >= 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((r[i] >= 'a' && r[i] <= 'z') || (r[i] >= '0' && r[i] <= '9') || r[i] == '-'))
			return false;
	return r[0] != '-' && r[n - 1] != '-';
}

static bool s_digits(const char *s, size_t n)
{
	if (!s || strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

int c1_cloudone_client_set_region(struct c1_cloudone_client *client, const char *c1_region)
{
	if (!s_region_ok(c1_region)) {
		c1_error_set("\"%.40s\" is not a Cloud One region code (like us-1 or de-1)",
			     c1_region ? c1_region : "");
		return C1_EINVALID;
	}
	snprintf(client->region, sizeof(client->region), "%s", c1_region);
	return 0;
}

int c1_cloudone_client_init(struct c1_cloudone_client *out, const struct c1_cloudone_config *cfg)
{
	int rc = 0;
	*out = (struct c1_cloudone_client)C1_CLOUDONE_CLIENT_INIT;
	if (!cfg || !cfg->transport) {
		c1_error_set("Cloud One client has no transport (programming error)");
		return C1_EINVALID;
	}
	out->transport = cfg->transport;
	out->timeout_ms = cfg->timeout_ms;
	const char *key = cfg->api_key ? c1_secret_reveal(cfg->api_key) : NULL;
	const char *colon = key ? strchr(key, ':') : NULL;
	if (!colon || colon == key || !colon[1] || (size_t)(colon - key) >= sizeof(out->key_id)) {
		c1_error_set("the Cloud One API key is not of the form <key id>:<secret>; copy the whole "
			     "key shown when it was created");
		rc = C1_EINVALID;
		goto cleanup;
	}
	c1_secret_copy(&out->api_key, cfg->api_key);
	snprintf(out->key_id, sizeof(out->key_id), "%.*s", (int)(colon - key), key);
	if (cfg->region && *cfg->region) {
		rc = c1_cloudone_client_set_region(out, cfg->region);
		if (rc)
			goto cleanup;
	}
	if (cfg->endpoint_override && *cfg->endpoint_override) {
		rc = c1_trend_origin(&out->override_origin, cfg->endpoint_override, S_ENV_OVERRIDE, NULL);
		if (rc)
			goto cleanup;
	}
cleanup:
	return rc;
}

void c1_cloudone_client_dispose(struct c1_cloudone_client *client)
{
	if (!client)
		return;
	c1_secret_dispose(&client->api_key);
	free(client->override_origin);
	*client = (struct c1_cloudone_client)C1_CLOUDONE_CLIENT_INIT;
}

char *c1_cloudone_url(const struct c1_cloudone_client *client, const char *service, const char *path)
{
	if (client->override_origin)
		return c1_asprintf("%s%s", client->override_origin, path);
	if (!service)
		return c1_asprintf("%s%s", C1_CLOUDONE_ACCOUNTS_ORIGIN, path);
	if (!client->region[0]) {
		c1_error_set("the Cloud One region is not known yet: resolve the API key before calling %s",
			     service);
		return NULL;
	}
	return c1_asprintf("https://%s.%s.cloudone.trendmicro.com%s", service, client->region, path);
}

/* One request; `what` is built from method and path template for messages. */
static int s_call_secret(struct c1_trend_response *out, const struct c1_cloudone_client *client,
			 const char *method, const char *service, const char *path, const char *what_path,
			 json_t *body, const struct c1_secret *body_secret, struct c1_api_error *err)
{
	char *url = c1_cloudone_url(client, service, path);
	char *text = body ? c1_json_dump(body) : NULL;
	char *what = c1_asprintf("Cloud One %s %s %s", method, service ? service : "accounts", what_path);
	int rc;
	if (!url) {
		*out = (struct c1_trend_response)C1_TREND_RESPONSE_INIT;
		if (err) {
			*err = (struct c1_api_error)C1_API_ERROR_INIT;
			snprintf(err->code, sizeof(err->code), "NoRegion");
		}
		rc = C1_EINVALID;
		goto cleanup;
	}
	struct c1_trend_request req = {
	    .method = method,
	    .url = url,
	    .auth_scheme = "ApiKey",
	    .credential = &client->api_key,
	    .api_version = C1_CLOUDONE_API_VERSION,
	    .body = text,
	    .body_secret = body_secret,
	    .error_kind = C1_API_BODY_CLOUDONE_JSON,
	    .what = what,
	    .timeout_ms = client->timeout_ms,
	};
	rc = c1_trend_call(out, client->transport, &req, err);
cleanup:
	free(url);
	c1_free_secure_str(text);
	free(what);
	return rc;
}

static int s_call(struct c1_trend_response *out, const struct c1_cloudone_client *client, const char *method,
		  const char *service, const char *path, const char *what_path, json_t *body,
		  struct c1_api_error *err)
{
	return s_call_secret(out, client, method, service, path, what_path, body, NULL, err);
}

/* The reply must be an object; an empty 2xx body is a broken reply for calls that return data. */
static int s_need_json(const struct c1_trend_response *resp, struct c1_api_error *err, const char *what)
{
	if (resp->json)
		return 0;
	return c1_trend_bad_reply(err, resp->status, what, "an empty body");
}

/* ---- identity ---- */

void c1_cloudone_apikey_dispose(struct c1_cloudone_apikey *key)
{
	if (!key)
		return;
	free(key->id);
	free(key->urn);
	free(key->alias);
	free(key->role_id);
	*key = (struct c1_cloudone_apikey)C1_CLOUDONE_APIKEY_INIT;
}

int c1_cloudone_parse_urn(const char *urn, char region[32], char account_id[16])
{
	/* urn:cloudone:identity:<region>:<account>:<type>/<id> */
	const char *parts[6] = {0};
	size_t lens[6] = {0};
	size_t n = 0;
	const char *p = urn ? urn : "";
	while (n < 6) {
		size_t len = strcspn(p, ":");
		parts[n] = p;
		lens[n] = len;
		n++;
		if (!p[len])
			break;
		p += len + 1;
	}
	if (n < 5 || lens[0] != 3 || strncmp(parts[0], "urn", 3) != 0 || lens[1] != 8 ||
	    strncmp(parts[1], "cloudone", 8) != 0 || lens[3] == 0 || lens[3] >= 32 || lens[4] != 12)
		goto bad;
	char r[32], a[16];
	snprintf(r, sizeof(r), "%.*s", (int)lens[3], parts[3]);
	snprintf(a, sizeof(a), "%.*s", (int)lens[4], parts[4]);
	if (!s_region_ok(r) || !s_digits(a, 12))
		goto bad;
	snprintf(region, 32, "%s", r);
	snprintf(account_id, 16, "%s", a);
	return 0;
bad:
	c1_error_set("\"%.160s\" is not a Cloud One URN (want urn:cloudone:identity:<region>:<12-digit "
		     "account>:...)",
		     urn ? urn : "");
	return C1_EINVALID;
}

int c1_cloudone_get_apikey(struct c1_cloudone_apikey *out, const struct c1_cloudone_client *client,
			   struct c1_api_error *err)
{
	struct c1_trend_response resp = C1_TREND_RESPONSE_INIT;
	char *enc = c1_url_encode(client->key_id, true);
	char *path = c1_asprintf("/api/apikeys/%s", enc);
	const char *what = "Cloud One GET /api/apikeys/{id}";
	int rc;

	*out = (struct c1_cloudone_apikey)C1_CLOUDONE_APIKEY_INIT;
	rc = s_call(&resp, client, "GET", NULL, path, "/api/apikeys/{id}", NULL, err);
	if (rc == C1_ENOTFOUND)
		c1_error_set(
		    "Cloud One does not know API key %s (HTTP 404); check the key or create a new one",
		    client->key_id);
	if (rc)
		goto cleanup;
	rc = s_need_json(&resp, err, what);
	if (rc)
		goto cleanup;
	out->urn = c1_trend_json_strdup(resp.json, "urn");
	out->id = c1_trend_json_strdup(resp.json, "id");
	out->alias = c1_trend_json_strdup(resp.json, "alias");
	out->role_id = c1_trend_json_strdup(resp.json, "roleID");
	bool enabled = true;
	if (c1_json_get_bool(resp.json, "enabled", &enabled) == 0)
		out->enabled = enabled;
	if (!out->urn || c1_cloudone_parse_urn(out->urn, out->region, out->account_id) != 0) {
		rc = c1_trend_bad_reply(err, resp.status, what, "no valid \"urn\"");
		goto cleanup;
	}
	if (!out->id)
		out->id = c1_strdup(client->key_id);

cleanup:
	if (rc)
		c1_cloudone_apikey_dispose(out);
	c1_trend_response_dispose(&resp);
	free(enc);
	free(path);
	return rc;
}

/* ---- Vision One connect ---- */

void c1_cloudone_v1_registration_dispose(struct c1_cloudone_v1_registration *reg)
{
	if (!reg)
		return;
	free(reg->status);
	free(reg->connector_id);
	*reg = (struct c1_cloudone_v1_registration)C1_CLOUDONE_V1_REGISTRATION_INIT;
}

static int s_registration(struct c1_cloudone_v1_registration *out, const struct c1_trend_response *resp,
			  struct c1_api_error *err, const char *what)
{
	int rc = s_need_json(resp, err, what);
	if (rc)
		return rc;
	out->status = c1_trend_json_strdup(resp->json, "registration.status");
	out->connector_id = c1_trend_json_strdup(resp->json, "registration.connectorId");
	if (!out->status)
		return c1_trend_bad_reply(err, resp->status, what, "no \"registration.status\"");
	return 0;
}

int c1_cloudone_visionone_connect(struct c1_cloudone_v1_registration *out,
				  const struct c1_cloudone_client *client,
				  const struct c1_secret *enrollment_token, struct c1_api_error *err)
{
	struct c1_trend_response resp = C1_TREND_RESPONSE_INIT;
	json_t *body = json_object();
	int rc;

	*out = (struct c1_cloudone_v1_registration)C1_CLOUDONE_V1_REGISTRATION_INIT;
	if (!enrollment_token || !c1_secret_is_set(enrollment_token)) {
		c1_error_set("no Vision One enrollment token to link the Cloud One account with");
		rc = C1_EINVALID;
		goto cleanup;
	}
	rc = c1_json_set_string(body, "enrollmentToken", c1_secret_reveal(enrollment_token));
	if (rc) {
		c1_error_set("the Vision One enrollment token is not valid UTF-8");
		goto cleanup;
	}
	rc = s_call_secret(&resp, client, "POST", "visionone-connect", "/api/connectors", "/api/connectors",
			   body, enrollment_token, err);
	if (rc)
		goto cleanup;
	rc = s_registration(out, &resp, err, "Cloud One POST visionone-connect /api/connectors");

cleanup:
	if (rc)
		c1_cloudone_v1_registration_dispose(out);
	if (body) {
		/* The token was copied into the object: wipe it before jansson frees it. */
		json_t *tok = json_object_get(body, "enrollmentToken");
		if (json_is_string(tok))
			c1_wipe((char *)json_string_value(tok), json_string_length(tok));
	}
	json_decref(body);
	c1_trend_response_dispose(&resp);
	return rc;
}

/* ---- Workload Security ---- */

int c1_cloudone_ws_external_id(char **out, const struct c1_cloudone_client *client, struct c1_api_error *err)
{
	struct c1_trend_response resp = C1_TREND_RESPONSE_INIT;
	const char *what = "Cloud One GET workload /api/awsconnectorsettings";
	*out = NULL;
	int rc = s_call(&resp, client, "GET", "workload", "/api/awsconnectorsettings",
			"/api/awsconnectorsettings", NULL, err);
	if (rc == 0)
		rc = s_need_json(&resp, err, what);
	if (rc == 0) {
		*out = c1_trend_json_strdup(resp.json, "externalId");
		if (!*out || !**out) {
			free(*out);
			*out = NULL;
			rc = c1_trend_bad_reply(err, resp.status, what, "no \"externalId\"");
		}
	}
	c1_trend_response_dispose(&resp);
	return rc;
}

void c1_cloudone_ws_connector_dispose(struct c1_cloudone_ws_connector *conn)
{
	if (!conn)
		return;
	free(conn->display_name);
	free(conn->account_id);
	free(conn->cross_account_role_arn);
	*conn = (struct c1_cloudone_ws_connector)C1_CLOUDONE_WS_CONNECTOR_INIT;
}

void c1_cloudone_ws_connector_list_dispose(struct c1_cloudone_ws_connector_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->count; i++)
		c1_cloudone_ws_connector_dispose(&list->items[i]);
	free(list->items);
	*list = (struct c1_cloudone_ws_connector_list)C1_CLOUDONE_WS_CONNECTOR_LIST_INIT;
}

static bool s_connector_from_json(struct c1_cloudone_ws_connector *out, const json_t *obj)
{
	*out = (struct c1_cloudone_ws_connector)C1_CLOUDONE_WS_CONNECTOR_INIT;
	if (!json_is_object(obj) || c1_json_get_int(obj, "ID", &out->id) != 0)
		return false;
	out->display_name = c1_trend_json_strdup(obj, "displayName");
	out->account_id = c1_trend_json_strdup(obj, "accountId");
	out->cross_account_role_arn = c1_trend_json_strdup(obj, "crossAccountRoleArn");
	return true;
}

static int s_one_connector(struct c1_cloudone_ws_connector *out, const struct c1_trend_response *resp,
			   struct c1_api_error *err, const char *what)
{
	int rc = s_need_json(resp, err, what);
	if (rc == 0 && !s_connector_from_json(out, resp->json))
		rc = c1_trend_bad_reply(err, resp->status, what, "no integer \"ID\"");
	return rc;
}

static int s_check_account(const char *account_id)
{
	if (s_digits(account_id, 12))
		return 0;
	c1_error_set("\"%.40s\" is not a 12-digit AWS account id", account_id ? account_id : "");
	return C1_EINVALID;
}

int c1_cloudone_ws_connector_create(struct c1_cloudone_ws_connector *out,
				    const struct c1_cloudone_client *client, const char *display_name,
				    const char *account_id, const char *role_arn, struct c1_api_error *err)
{
	struct c1_trend_response resp = C1_TREND_RESPONSE_INIT;
	json_t *body = json_object();
	int rc;

	*out = (struct c1_cloudone_ws_connector)C1_CLOUDONE_WS_CONNECTOR_INIT;
	rc = s_check_account(account_id);
	if (rc)
		goto cleanup;
	if (!role_arn || strncmp(role_arn, "arn:", 4) != 0) {
		c1_error_set("Workload Security connector for %s needs an IAM role ARN", account_id);
		rc = C1_EINVALID;
		goto cleanup;
	}
	rc = c1_json_set_string(body, "displayName", display_name ? display_name : account_id);
	if (rc == 0)
		rc = c1_json_set_string(body, "accountId", account_id);
	if (rc == 0)
		rc = c1_json_set_string(body, "crossAccountRoleArn", role_arn);
	if (rc) {
		c1_error_set("connector display name for %s is not valid UTF-8", account_id);
		goto cleanup;
	}
	rc = s_call(&resp, client, "POST", "workload", "/api/awsconnectors", "/api/awsconnectors", body, err);
	if (rc == 0)
		rc = s_one_connector(out, &resp, err, "Cloud One POST workload /api/awsconnectors");
cleanup:
	if (rc)
		c1_cloudone_ws_connector_dispose(out);
	json_decref(body);
	c1_trend_response_dispose(&resp);
	return rc;
}

int c1_cloudone_ws_connector_get(struct c1_cloudone_ws_connector *out,
				 const struct c1_cloudone_client *client, int64_t id,
				 struct c1_api_error *err)
{
	struct c1_trend_response resp = C1_TREND_RESPONSE_INIT;
	char *path = c1_asprintf("/api/awsconnectors/%" PRId64, id);
	*out = (struct c1_cloudone_ws_connector)C1_CLOUDONE_WS_CONNECTOR_INIT;
	int rc = s_call(&resp, client, "GET", "workload", path, "/api/awsconnectors/{id}", NULL, err);
	if (rc == C1_ENOTFOUND)
		c1_error_set("Workload Security connector %" PRId64 " does not exist", id);
	if (rc == 0)
		rc = s_one_connector(out, &resp, err, "Cloud One GET workload /api/awsconnectors/{id}");
	if (rc)
		c1_cloudone_ws_connector_dispose(out);
	c1_trend_response_dispose(&resp);
	free(path);
	return rc;
}

int c1_cloudone_ws_connector_update(struct c1_cloudone_ws_connector *out,
				    const struct c1_cloudone_client *client, int64_t id, const char *role_arn,
				    struct c1_api_error *err)
{
	struct c1_trend_response resp = C1_TREND_RESPONSE_INIT;
	json_t *body = json_object();
	char *path = NULL;
	int rc;

	*out = (struct c1_cloudone_ws_connector)C1_CLOUDONE_WS_CONNECTOR_INIT;
	if (id <= 0) {
		c1_error_set("Workload Security connector id %" PRId64 " is not valid (programming error)",
			     id);
		rc = C1_EINVALID;
		goto cleanup;
	}
	if (!role_arn || strncmp(role_arn, "arn:", 4) != 0) {
		c1_error_set("Workload Security connector %" PRId64 " needs an IAM role ARN", id);
		rc = C1_EINVALID;
		goto cleanup;
	}
	/* Only the role: a partial body leaves every other field (the console's display name) as it is. */
	rc = c1_json_set_string(body, "crossAccountRoleArn", role_arn);
	if (rc) {
		c1_error_set("the role ARN for connector %" PRId64 " is not valid UTF-8", id);
		goto cleanup;
	}
	path = c1_asprintf("/api/awsconnectors/%" PRId64, id);
	rc = s_call(&resp, client, "POST", "workload", path, "/api/awsconnectors/{id}", body, err);
	if (rc == C1_ENOTFOUND)
		c1_error_set("Workload Security connector %" PRId64 " does not exist", id);
	if (rc == 0)
		rc = s_one_connector(out, &resp, err, "Cloud One POST workload /api/awsconnectors/{id}");
cleanup:
	if (rc)
		c1_cloudone_ws_connector_dispose(out);
	json_decref(body);
	free(path);
	c1_trend_response_dispose(&resp);
	return rc;
}

int c1_cloudone_ws_connector_search(struct c1_cloudone_ws_connector_list *out,
				    const struct c1_cloudone_client *client, const char *account_id,
				    struct c1_api_error *err)
{
	struct c1_trend_response resp = C1_TREND_RESPONSE_INIT;
	const char *what = "Cloud One POST workload /api/awsconnectors/search";
	json_t *body = NULL;
	int rc;

	*out = (struct c1_cloudone_ws_connector_list)C1_CLOUDONE_WS_CONNECTOR_LIST_INIT;
	rc = s_check_account(account_id);
	if (rc)
		goto cleanup;
	body = json_pack("{s:i, s:[{s:s, s:s, s:s, s:b}]}", "maxItems", 5000, "searchCriteria", "fieldName",
			 "accountId", "stringTest", "equal", "stringValue", account_id, "stringWildcards", 0);
	rc = s_call(&resp, client, "POST", "workload", "/api/awsconnectors/search",
		    "/api/awsconnectors/search", body, err);
	if (rc)
		goto cleanup;
	rc = s_need_json(&resp, err, what);
	if (rc)
		goto cleanup;
	json_t *arr = json_object_get(resp.json, "awsConnectors");
	if (!arr || json_is_null(arr))
		goto cleanup; /* api-reference 1.4: a missing array means no hit */
	if (!json_is_array(arr)) {
		rc = c1_trend_bad_reply(err, resp.status, what, "an \"awsConnectors\" that is not an array");
		goto cleanup;
	}
	out->items = c1_calloc(json_array_size(arr) + 1, sizeof(*out->items));
	for (size_t i = 0; i < json_array_size(arr); i++) {
		if (!s_connector_from_json(&out->items[out->count], json_array_get(arr, i))) {
			rc = c1_trend_bad_reply(err, resp.status, what,
						"a connector without an integer \"ID\"");
			goto cleanup;
		}
		out->count++;
	}
cleanup:
	if (rc)
		c1_cloudone_ws_connector_list_dispose(out);
	json_decref(body);
	c1_trend_response_dispose(&resp);
	return rc;
}

int c1_cloudone_ws_connector_find(struct c1_cloudone_ws_connector *out,
				  const struct c1_cloudone_client *client, const char *account_id,
				  struct c1_api_error *err)
{
	struct c1_cloudone_ws_connector_list list = C1_CLOUDONE_WS_CONNECTOR_LIST_INIT;
	struct c1_buf ids = C1_BUF_INIT;
	*out = (struct c1_cloudone_ws_connector)C1_CLOUDONE_WS_CONNECTOR_INIT;
	int rc = c1_cloudone_ws_connector_search(&list, client, account_id, err);
	if (rc)
		goto cleanup;
	if (list.count == 0) {
		c1_error_set("no Workload Security connector for AWS account %s", account_id);
		rc = C1_ENOTFOUND;
		goto cleanup;
	}
	if (list.count > 1) {
		for (size_t i = 0; i < list.count && i < 20; i++)
			c1_buf_printf(&ids, "%s%" PRId64, i ? ", " : "", list.items[i].id);
		if (list.count > 20)
			c1_buf_puts(&ids, ", ...");
		if (err) {
			*err = (struct c1_api_error)C1_API_ERROR_INIT;
			err->http_status = 200;
			snprintf(err->code, sizeof(err->code), "DuplicateConnectors");
			snprintf(err->message, sizeof(err->message),
				 "%zu Workload Security connectors exist for AWS account %s (IDs %s)",
				 list.count, account_id, c1_buf_cstr(&ids));
		}
		c1_error_set("%zu Workload Security connectors exist for AWS account %s (IDs %s); delete the "
			     "extra ones in the Cloud One console, then run again",
			     list.count, account_id, c1_buf_cstr(&ids));
		rc = C1_ERROR;
		goto cleanup;
	}
	*out = list.items[0];
	list.items[0] = (struct c1_cloudone_ws_connector)C1_CLOUDONE_WS_CONNECTOR_INIT;
cleanup:
	c1_cloudone_ws_connector_list_dispose(&list);
	c1_buf_dispose(&ids);
	return rc;
}

/* DELETE where 404 means the work is already done. */
static int s_delete(const struct c1_cloudone_client *client, const char *service, const char *path,
		    const char *what_path, struct c1_api_error *err)
{
	struct c1_trend_response resp = C1_TREND_RESPONSE_INIT;
	int rc = s_call(&resp, client, "DELETE", service, path, what_path, NULL, err);
	if (rc == C1_ENOTFOUND) {
		if (err)
			*err = (struct c1_api_error)C1_API_ERROR_INIT;
		c1_error_clear();
		rc = 0;
	}
	c1_trend_response_dispose(&resp);
	return rc;
}

int c1_cloudone_ws_connector_delete(const struct c1_cloudone_client *client, int64_t id,
				    struct c1_api_error *err)
{
	char *path = c1_asprintf("/api/awsconnectors/%" PRId64, id);
	int rc = s_delete(client, "workload", path, "/api/awsconnectors/{id}", err);
	free(path);
	return rc;
}

/* ---- Cloud Account Management ---- */

void c1_cloudone_cloud_account_dispose(struct c1_cloudone_cloud_account *acct)
{
	if (!acct)
		return;
	free(acct->id);
	free(acct->role_arn);
	free(acct->alias);
	free(acct->description);
	free(acct->state);
	free(acct->created);
	*acct = (struct c1_cloudone_cloud_account)C1_CLOUDONE_CLOUD_ACCOUNT_INIT;
}

void c1_cloudone_cloud_account_list_dispose(struct c1_cloudone_cloud_account_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->count; i++)
		c1_cloudone_cloud_account_dispose(&list->items[i]);
	free(list->items);
	*list = (struct c1_cloudone_cloud_account_list)C1_CLOUDONE_CLOUD_ACCOUNT_LIST_INIT;
}

static bool s_account_from_json(struct c1_cloudone_cloud_account *out, const json_t *obj)
{
	*out = (struct c1_cloudone_cloud_account)C1_CLOUDONE_CLOUD_ACCOUNT_INIT;
	if (!json_is_object(obj) || !c1_json_get_string(obj, "id"))
		return false;
	out->id = c1_trend_json_strdup(obj, "id");
	out->role_arn = c1_trend_json_strdup(obj, "roleARN");
	out->alias = c1_trend_json_strdup(obj, "alias");
	out->description = c1_trend_json_strdup(obj, "description");
	out->state = c1_trend_json_strdup(obj, "state");
	out->created = c1_trend_json_strdup(obj, "created");
	return true;
}

static int s_one_account(struct c1_cloudone_cloud_account *out, const struct c1_trend_response *resp,
			 struct c1_api_error *err, const char *what)
{
	int rc = s_need_json(resp, err, what);
	if (rc == 0 && !s_account_from_json(out, resp->json))
		rc = c1_trend_bad_reply(err, resp->status, what, "no string \"id\"");
	return rc;
}

int c1_cloudone_cloud_account_create(struct c1_cloudone_cloud_account *out,
				     const struct c1_cloudone_client *client, const char *role_arn,
				     const char *alias, const char *description, struct c1_api_error *err)
{
	struct c1_trend_response resp = C1_TREND_RESPONSE_INIT;
	json_t *body = json_object();
	int rc = 0;

	*out = (struct c1_cloudone_cloud_account)C1_CLOUDONE_CLOUD_ACCOUNT_INIT;
	if (!role_arn || strncmp(role_arn, "arn:", 4) != 0) {
		c1_error_set(
		    "registering a cloud account needs the CloudOneRoleArn output of the role stack");
		rc = C1_EINVALID;
		goto cleanup;
	}
	rc = c1_json_set_string(body, "roleARN", role_arn);
	if (rc == 0 && alias)
		rc = c1_json_set_string(body, "alias", alias);
	if (rc == 0 && description)
		rc = c1_json_set_string(body, "description", description);
	if (rc) {
		c1_error_set("cloud account alias or description is not valid UTF-8");
		goto cleanup;
	}
	rc = s_call(&resp, client, "POST", "cloudaccounts", "/api/cloudaccounts/aws",
		    "/api/cloudaccounts/aws", body, err);
	if (rc == 0)
		rc = s_one_account(out, &resp, err, "Cloud One POST cloudaccounts /api/cloudaccounts/aws");
cleanup:
	if (rc)
		c1_cloudone_cloud_account_dispose(out);
	json_decref(body);
	c1_trend_response_dispose(&resp);
	return rc;
}

static int s_unexpected_shape(struct c1_api_error *err, long status)
{
	if (err) {
		*err = (struct c1_api_error)C1_API_ERROR_INIT;
		err->http_status = status;
		snprintf(err->code, sizeof(err->code), "UnexpectedReplyShape");
		snprintf(err->message, sizeof(err->message),
			 "unexpected reply shape from GET /api/cloudaccounts/aws (want {\"cloudAccounts\": "
			 "[...]})");
	}
	c1_error_set(
	    "Cloud One GET cloudaccounts /api/cloudaccounts/aws: unexpected reply shape (want an object "
	    "with a \"cloudAccounts\" array); stopping for this tenant rather than guessing");
	return C1_ERROR;
}

int c1_cloudone_cloud_account_page(struct c1_cloudone_cloud_account_list *out, char **next_cursor,
				   const struct c1_cloudone_client *client, const char *cursor,
				   struct c1_api_error *err)
{
	struct c1_trend_response resp = C1_TREND_RESPONSE_INIT;
	char *enc = cursor && *cursor ? c1_url_encode(cursor, true) : NULL;
	char *path =
	    enc ? c1_asprintf("/api/cloudaccounts/aws?cursor=%s", enc) : c1_strdup("/api/cloudaccounts/aws");
	int rc;

	*out = (struct c1_cloudone_cloud_account_list)C1_CLOUDONE_CLOUD_ACCOUNT_LIST_INIT;
	*next_cursor = NULL;
	rc = s_call(&resp, client, "GET", "cloudaccounts", path, "/api/cloudaccounts/aws", NULL, err);
	if (rc)
		goto cleanup;
	json_t *arr = resp.json ? json_object_get(resp.json, "cloudAccounts") : NULL;
	json_t *next = resp.json ? json_object_get(resp.json, "next") : NULL;
	if (!json_is_array(arr) || (next && !json_is_string(next) && !json_is_null(next))) {
		rc = s_unexpected_shape(err, resp.status);
		goto cleanup;
	}
	/* exact size up front: the page is parsed into the array with no growth */
	if (json_array_size(arr))
		out->items = c1_calloc(json_array_size(arr), sizeof(*out->items));
	for (size_t i = 0; i < json_array_size(arr); i++) {
		if (!s_account_from_json(&out->items[out->count], json_array_get(arr, i))) {
			rc = s_unexpected_shape(err, resp.status);
			goto cleanup;
		}
		out->count++;
	}
	if (json_is_string(next) && json_string_length(next))
		*next_cursor = c1_strdup(json_string_value(next));
cleanup:
	if (rc)
		c1_cloudone_cloud_account_list_dispose(out);
	free(enc);
	free(path);
	c1_trend_response_dispose(&resp);
	return rc;
}

int c1_cloudone_cloud_account_list(struct c1_cloudone_cloud_account_list *out,
				   const struct c1_cloudone_client *client, struct c1_api_error *err)
{
	char *cursor = NULL;
	int rc = 0;

	*out = (struct c1_cloudone_cloud_account_list)C1_CLOUDONE_CLOUD_ACCOUNT_LIST_INIT;
	for (int page = 0;; page++) {
		if (page >= C1_CLOUDONE_MAX_PAGES) {
			c1_error_set("Cloud One GET /api/cloudaccounts/aws returned more than %d pages; the "
				     "server keeps answering with a next cursor",
				     C1_CLOUDONE_MAX_PAGES);
			rc = s_unexpected_shape(err, 200);
			break;
		}
		struct c1_cloudone_cloud_account_list one = C1_CLOUDONE_CLOUD_ACCOUNT_LIST_INIT;
		char *next = NULL;
		rc = c1_cloudone_cloud_account_page(&one, &next, client, cursor, err);
		free(cursor);
		cursor = next;
		if (rc)
			break;
		if (one.count) {
			out->items = c1_realloc(out->items, (out->count + one.count) * sizeof(*out->items));
			memcpy(out->items + out->count, one.items, one.count * sizeof(*one.items));
			out->count += one.count;
		}
		free(one.items);
		if (!cursor)
			break;
	}
	if (rc)
		c1_cloudone_cloud_account_list_dispose(out);
	free(cursor);
	return rc;
}

int c1_cloudone_cloud_account_get(struct c1_cloudone_cloud_account *out,
				  const struct c1_cloudone_client *client, const char *aws_account_id,
				  struct c1_api_error *err)
{
	struct c1_trend_response resp = C1_TREND_RESPONSE_INIT;
	char *path = NULL;
	*out = (struct c1_cloudone_cloud_account)C1_CLOUDONE_CLOUD_ACCOUNT_INIT;
	int rc = s_check_account(aws_account_id);
	if (rc)
		goto cleanup;
	path = c1_asprintf("/api/cloudaccounts/aws/%s", aws_account_id);
	rc = s_call(&resp, client, "GET", "cloudaccounts", path, "/api/cloudaccounts/aws/{id}", NULL, err);
	if (rc == C1_ENOTFOUND)
		c1_error_set("AWS account %s is not a Cloud One cloud account", aws_account_id);
	if (rc == 0)
		rc =
		    s_one_account(out, &resp, err, "Cloud One GET cloudaccounts /api/cloudaccounts/aws/{id}");
cleanup:
	if (rc)
		c1_cloudone_cloud_account_dispose(out);
	c1_trend_response_dispose(&resp);
	free(path);
	return rc;
}

int c1_cloudone_cloud_account_delete(const struct c1_cloudone_client *client, const char *aws_account_id,
				     struct c1_api_error *err)
{
	int rc = s_check_account(aws_account_id);
	if (rc)
		return rc;
	char *path = c1_asprintf("/api/cloudaccounts/aws/%s", aws_account_id);
	rc = s_delete(client, "cloudaccounts", path, "/api/cloudaccounts/aws/{id}", err);
	free(path);
	return rc;
}

/* ---- CloudTrail integration ---- */

void c1_cloudone_cloudtrail_params_dispose(struct c1_cloudone_cloudtrail_params *params)
{
	if (!params)
		return;
	free(params->template_url);
	free(params->s3_bucket_name);
	free(params->s3_bucket_key);
	c1_secret_dispose(&params->service_token);
	free(params->service_url);
	free(params->api_version);
	*params = (struct c1_cloudone_cloudtrail_params)C1_CLOUDONE_CLOUDTRAIL_PARAMS_INIT;
}

static void s_take(char **slot, char *value)
{
	/* A repeated item: the last one wins, as a browser would read it. */
	free(*slot);
	*slot = value;
}

int c1_cloudone_parse_deployment_url(struct c1_cloudone_cloudtrail_params *out, const char *url)
{
	int rc = 0;
	const char *missing = NULL;

	*out = (struct c1_cloudone_cloudtrail_params)C1_CLOUDONE_CLOUDTRAIL_PARAMS_INIT;
	const char *hash = url ? strchr(url, '#') : NULL;
	const char *q = hash ? strchr(hash, '?') : NULL;
	if (!q)
		q = url ? strchr(url, '?') : NULL;
	if (!q) {
		c1_error_set("the CloudTrail deploymentURL from Cloud One has no query part");
		rc = C1_EINVALID;
		goto cleanup;
	}
	for (const char *p = q + 1; *p;) {
		size_t len = strcspn(p, "&");
		const char *eq = memchr(p, '=', len);
		if (eq) {
			size_t klen = (size_t)(eq - p);
			char *raw = c1_strndup(eq + 1, len - klen - 1);
			char *value = c1_url_decode(raw, false);
			c1_free_secure_str(raw);
#define S_KEY(name) (klen == sizeof(name) - 1 && memcmp(p, name, klen) == 0)
			if (S_KEY("templateUrl")) {
				s_take(&out->template_url, value);
			} else if (S_KEY("param_S3BucketName")) {
				s_take(&out->s3_bucket_name, value);
			} else if (S_KEY("param_S3BucketKey")) {
				s_take(&out->s3_bucket_key, value);
			} else if (S_KEY("param_ServiceURL")) {
				s_take(&out->service_url, value);
			} else if (S_KEY("param_APIVersion")) {
				s_take(&out->api_version, value);
			} else if (S_KEY("param_ServiceToken")) {
				c1_secret_set(&out->service_token, value, strlen(value));
				c1_free_secure_str(value);
			} else {
				c1_free_secure_str(value);
			}
#undef S_KEY
		}
		p += len;
		if (*p == '&')
			p++;
	}
	if (!out->template_url || !*out->template_url)
		missing = "templateUrl";
	else if (!out->s3_bucket_name || !*out->s3_bucket_name)
		missing = "param_S3BucketName";
	else if (!c1_secret_is_set(&out->service_token) || out->service_token.len == 0)
		missing = "param_ServiceToken";
	else if (!out->service_url || !*out->service_url)
		missing = "param_ServiceURL";
	else if (!out->api_version || !*out->api_version)
		missing = "param_APIVersion";
	if (missing) {
		c1_error_set("the CloudTrail deploymentURL from Cloud One has no %s item", missing);
		rc = C1_EINVALID;
	}
cleanup:
	if (rc)
		c1_cloudone_cloudtrail_params_dispose(out);
	return rc;
}

int c1_cloudone_cloudtrail_stack(struct c1_cloudone_cloudtrail_params *out,
				 const struct c1_cloudone_client *client, const char *provider_account_id,
				 const char *aws_region, struct c1_api_error *err)
{
	struct c1_trend_response resp = C1_TREND_RESPONSE_INIT;
	const char *what = "Cloud One POST cloudtrail /api/stacks";
	json_t *body = NULL;
	char saved[256];
	int rc;

	*out = (struct c1_cloudone_cloudtrail_params)C1_CLOUDONE_CLOUDTRAIL_PARAMS_INIT;
	rc = s_check_account(provider_account_id);
	if (rc)
		goto cleanup;
	if (!aws_region || !*aws_region) {
		c1_error_set("the CloudTrail integration of %s needs an AWS region", provider_account_id);
		rc = C1_EINVALID;
		goto cleanup;
	}
	body = json_pack("{s:s, s:s}", "providerAccountID", provider_account_id, "awsRegion", aws_region);
	rc = s_call(&resp, client, "POST", "cloudtrail", "/api/stacks", "/api/stacks", body, err);
	if (rc)
		goto cleanup;
	rc = s_need_json(&resp, err, what);
	if (rc)
		goto cleanup;
	json_t *url = json_object_get(resp.json, "deploymentURL");
	if (!json_is_string(url)) {
		rc = c1_trend_bad_reply(err, resp.status, what, "no \"deploymentURL\"");
		goto cleanup;
	}
	rc = c1_cloudone_parse_deployment_url(out, json_string_value(url));
	/* The URL carries the ServiceToken: zero the document's copy whatever happened. */
	c1_wipe((char *)json_string_value(url), json_string_length(url));
	if (rc) {
		snprintf(saved, sizeof(saved), "%s", c1_error_last());
		rc = c1_trend_bad_reply(err, resp.status, what, "an unusable \"deploymentURL\"");
		if (err)
			snprintf(err->message, sizeof(err->message), "%s", saved);
		c1_error_set("%s: %s", what, saved);
	}
cleanup:
	if (rc)
		c1_cloudone_cloudtrail_params_dispose(out);
	json_decref(body);
	c1_trend_response_dispose(&resp);
	return rc;
}
