#include "engine/trend/visionone.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/core/json.h"
#include "engine/net/url.h"
#include "engine/trend/trend_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_ENV_OVERRIDE "V1_ENDPOINT_URL"

int c1_visionone_client_init(struct c1_visionone_client *out, const struct c1_visionone_config *cfg)
{
	char *site = NULL;
	int rc = 0;

	*out = (struct c1_visionone_client)C1_VISIONONE_CLIENT_INIT;
	if (!cfg || !cfg->transport) {
		c1_error_set("Vision One client has no transport (programming error)");
		return C1_EINVALID;
	}
	out->transport = cfg->transport;
	out->timeout_ms = cfg->timeout_ms;
	if (!cfg->token || !c1_secret_is_set(cfg->token) || cfg->token->len == 0) {
		c1_error_set("no Vision One API token; give visionone_token in the spreadsheet or "
			     "--visionone-token");
		rc = C1_EINVALID;
		goto cleanup;
	}
	c1_secret_copy(&out->token, cfg->token);
	const char *site_url = cfg->site_url && *cfg->site_url ? cfg->site_url : C1_VISIONONE_DEFAULT_SITE;
	/* The site goes through the same origin check as an override, so it cannot carry a path. */
	rc = c1_trend_origin(&site, site_url, "Vision One site URL", NULL);
	if (rc)
		goto cleanup;
	if (cfg->endpoint_override && *cfg->endpoint_override)
		rc = c1_trend_origin(&out->origin, cfg->endpoint_override, S_ENV_OVERRIDE, NULL);
	else if (strncmp(site, "https://", 8) != 0) {
		c1_error_set("Vision One site URL must use https (plain http only through V1_ENDPOINT_URL)");
		rc = C1_ECONFIG;
	} else {
		out->origin = site;
		site = NULL;
	}
cleanup:
	free(site);
	return rc;
}

void c1_visionone_client_dispose(struct c1_visionone_client *client)
{
	if (!client)
		return;
	c1_secret_dispose(&client->token);
	free(client->origin);
	*client = (struct c1_visionone_client)C1_VISIONONE_CLIENT_INIT;
}

static int s_call(struct c1_trend_response *out, const struct c1_visionone_client *client, const char *method,
		  const char *path, const char *what_path, const char *body, struct c1_api_error *err)
{
	char *url = c1_asprintf("%s%s", client->origin ? client->origin : "", path);
	char *what = c1_asprintf("Vision One %s %s", method, what_path);
	struct c1_trend_request req = {
	    .method = method,
	    .url = url,
	    .auth_scheme = "Bearer",
	    .credential = &client->token,
	    .api_version = NULL,
	    .body = body,
	    .error_kind = C1_API_BODY_VISIONONE_JSON,
	    .what = what,
	    .timeout_ms = client->timeout_ms,
	};
	int rc = c1_trend_call(out, client->transport, &req, err);
	free(url);
	free(what);
	return rc;
}

void c1_visionone_enrollment_dispose(struct c1_visionone_enrollment *e)
{
	if (!e)
		return;
	c1_secret_dispose(&e->token);
	free(e->connector_id);
	free(e->token_expire_time);
	*e = (struct c1_visionone_enrollment)C1_VISIONONE_ENROLLMENT_INIT;
}

int c1_visionone_enrollment_token(struct c1_visionone_enrollment *out,
				  const struct c1_visionone_client *client, struct c1_api_error *err)
{
	struct c1_trend_response resp = C1_TREND_RESPONSE_INIT;
	const char *what = "Vision One POST /v1.0/preview/uic/instances/enrollment";
	*out = (struct c1_visionone_enrollment)C1_VISIONONE_ENROLLMENT_INIT;
	int rc = s_call(&resp, client, "POST", "/v1.0/preview/uic/instances/enrollment",
			"/v1.0/preview/uic/instances/enrollment", "{\"productId\":\"scc\"}", err);
	if (rc)
		goto cleanup;
	if (!resp.json) {
		rc = c1_trend_bad_reply(err, resp.status, what, "an empty body");
		goto cleanup;
	}
	if (c1_trend_json_take_secret(&out->token, resp.json, "token") != 0) {
		rc = c1_trend_bad_reply(err, resp.status, what, "no \"token\"");
		goto cleanup;
	}
	out->connector_id = c1_trend_json_strdup(resp.json, "connectorId");
	out->token_expire_time = c1_trend_json_strdup(resp.json, "tokenExpireTime");
	if (!out->connector_id || !*out->connector_id)
		rc = c1_trend_bad_reply(err, resp.status, what, "no \"connectorId\"");
cleanup:
	if (rc)
		c1_visionone_enrollment_dispose(out);
	c1_trend_response_dispose(&resp);
	return rc;
}

void c1_visionone_connector_list_dispose(struct c1_visionone_connector_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->count; i++) {
		free(list->items[i].product_id);
		free(list->items[i].connector_id);
		free(list->items[i].cloudone_account_id);
	}
	free(list->items);
	*list = (struct c1_visionone_connector_list)C1_VISIONONE_CONNECTOR_LIST_INIT;
}

int c1_visionone_list_connectors(struct c1_visionone_connector_list *out,
				 const struct c1_visionone_client *client, struct c1_api_error *err)
{
	struct c1_trend_response resp = C1_TREND_RESPONSE_INIT;
	const char *what = "Vision One GET /v2.0/xdr/portal/connectors";
	*out = (struct c1_visionone_connector_list)C1_VISIONONE_CONNECTOR_LIST_INIT;
	int rc = s_call(&resp, client, "GET", "/v2.0/xdr/portal/connectors", "/v2.0/xdr/portal/connectors",
			NULL, err);
	if (rc)
		goto cleanup;
	json_t *data = resp.json ? json_object_get(resp.json, "data") : NULL;
	if (!data || json_is_null(data))
		goto cleanup;
	if (!json_is_array(data)) {
		rc = c1_trend_bad_reply(err, resp.status, what, "a \"data\" that is not an array");
		goto cleanup;
	}
	out->items = c1_calloc(json_array_size(data) + 1, sizeof(*out->items));
	for (size_t i = 0; i < json_array_size(data); i++) {
		json_t *o = json_array_get(data, i);
		if (!json_is_object(o))
			continue;
		struct c1_visionone_connector *c = &out->items[out->count++];
		c->product_id = c1_trend_json_strdup(o, "productId");
		c->connector_id = c1_trend_json_strdup(o, "connectorId");
		c->cloudone_account_id = c1_trend_json_strdup(o, "cloudOneAccountId");
		c->is_connected = json_is_true(json_object_get(o, "isConnected"));
		if (c1_json_get_int(o, "status", &c->status) != 0)
			c->status = -1;
	}
cleanup:
	if (rc)
		c1_visionone_connector_list_dispose(out);
	c1_trend_response_dispose(&resp);
	return rc;
}

static bool s_eq(const char *a, const char *b)
{
	return a && b && *a && strcmp(a, b) == 0;
}

enum c1_v1_link_seen c1_visionone_link_seen(const struct c1_visionone_connector_list *list,
					    const char *c1_account_id, const char *connector_id)
{
	bool mine_pending = false, names_accounts = false, cloud_one_entries = false;
	for (size_t i = 0; list && i < list->count; i++) {
		const struct c1_visionone_connector *c = &list->items[i];
		/* Cloud One's products: scc (the enrollment the ABI makes), sws (Workload Security). */
		if (!s_eq(c->product_id, "scc") && !s_eq(c->product_id, "sws"))
			continue;
		cloud_one_entries = true;
		names_accounts = names_accounts || (c->cloudone_account_id && *c->cloudone_account_id);
		bool mine = s_eq(c->cloudone_account_id, c1_account_id) ||
			    (!c->cloudone_account_id && s_eq(c->connector_id, connector_id));
		if (mine && c->is_connected)
			return C1_V1_SEEN_LINKED;
		mine_pending = mine_pending || mine;
	}
	if (mine_pending)
		return C1_V1_SEEN_PENDING;
	if (!cloud_one_entries || names_accounts)
		return C1_V1_SEEN_NOT_LINKED;
	return C1_V1_SEEN_UNATTRIBUTED;
}

const char *c1_v1_link_seen_name(enum c1_v1_link_seen seen)
{
	switch (seen) {
	case C1_V1_SEEN_LINKED: return "connected";
	case C1_V1_SEEN_PENDING: return "listed but not connected";
	case C1_V1_SEEN_UNATTRIBUTED: return "listed entries that name no Cloud One account";
	default: return "not listed";
	}
}

int c1_visionone_delete_connector(const struct c1_visionone_client *client, const char *connector_id,
				  struct c1_api_error *err)
{
	struct c1_trend_response resp = C1_TREND_RESPONSE_INIT;
	if (!connector_id || !*connector_id) {
		c1_error_set("no Vision One connector id to delete");
		return C1_EINVALID;
	}
	char *enc = c1_url_encode(connector_id, true);
	char *path = c1_asprintf("/v2.0/xdr/portal/connectors/onpremise/%s", enc);
	int rc =
	    s_call(&resp, client, "DELETE", path, "/v2.0/xdr/portal/connectors/onpremise/{id}", NULL, err);
	if (rc == C1_ENOTFOUND) {
		if (err)
			*err = (struct c1_api_error)C1_API_ERROR_INIT;
		c1_error_clear();
		rc = 0;
	}
	c1_trend_response_dispose(&resp);
	free(enc);
	free(path);
	return rc;
}
