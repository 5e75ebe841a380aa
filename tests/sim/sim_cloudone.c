/* c1sim Cloud One: API keys (identity), visionone-connect, Workload Security
 * AWS connectors, Cloud Account Management and the CloudTrail integration
 * (api-reference 1.3-1.7), plus what the all-in-one template's Lambdas do.
 * Guessed behaviour is listed in docs/sim-trend.md. */
#include "sim.h"
#include "sim_trend.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/core/json.h"
#include "engine/core/parse.h"
#include "engine/net/url.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define WS_TRUSTED_PRINCIPAL "arn:aws:iam::147995105371:root"
#define WS_TRUSTED_ACCOUNT   "147995105371"
#define WS_MAX_ITEMS         5000
#define CA_DEFAULT_LIMIT     25
#define CA_MAX_LIMIT         100
#define CA_CURSOR_PREFIX     "ca1."
#define C1_MAX_BODY          ((size_t)1024 * 1024)
#define TEMPLATE_WS_ROLE     "TrendMicroCloudOneWorkloadSecurityRole"
#define TEMPLATE_CAM_ROLE    "CloudOneCloudAccountManagementRole"

struct ws_connector {
	int64_t id;
	char c1_account_id[16];
	char c1_region[16];
	char account_id[16];
	char *display_name;
	char *role_arn;
	int64_t created_ms;
	int64_t synced_ms; /* lastSyncTime: creation, then each update with sync=true */
	bool by_template;
};

struct cloud_account {
	char c1_account_id[16];
	char c1_region[16];
	char account_id[16];
	char *role_arn;
	char *alias;
	char *description;
	int64_t created_ms;
	bool by_template;
};

/* A ServiceToken handed out in a deploymentURL; a credential, never dumped.
 * Tokens stay valid after their integration goes (a re-created stack with
 * the same parameters works again). */
struct ct_token {
	char *token;
	char account_id[16];
	char region[32];
	char c1_account_id[16];
	char c1_region[16];
};

struct ct_integration {
	char c1_account_id[16];
	char c1_region[16];
	char account_id[16];
	char region[32];
	bool active;
	bool by_template;
	int urls_issued;
	int64_t created_ms;
};

static struct {
	pthread_mutex_t lock;
	struct ws_connector *conns;
	size_t n_conns, cap_conns;
	int64_t next_connector_id;
	struct cloud_account *accts;
	size_t n_accts, cap_accts;
	struct ct_token *tokens;
	size_t n_tokens, cap_tokens;
	struct ct_integration *cts;
	size_t n_cts, cap_cts;
	sim_role_lookup_fn role_lookup;
} s_c1 = {.lock = PTHREAD_MUTEX_INITIALIZER, .next_connector_id = 1};

/* One authenticated Cloud One call. */
struct c1_call {
	struct sim_request *req;
	struct sim_response *resp;
	char account[16]; /* Cloud One account id */
	char region[16];  /* Cloud One region code, "us-1" */
	char key_id[64];
	int64_t now_ms;
};

/* ---- small helpers ---- */

static bool s_is_account(const char *s)
{
	if (!s)
		return false;
	for (int i = 0; i < 12; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return s[12] == '\0';
}

/* "arn:aws:iam::<12 digits>:role/<path/name>" -> the account. */
static bool s_role_account(const char *arn, char out[16])
{
	static const char prefix[] = "arn:aws:iam::";
	if (!arn || strncmp(arn, prefix, sizeof(prefix) - 1) != 0)
		return false;
	const char *a = arn + sizeof(prefix) - 1;
	for (int i = 0; i < 12; i++)
		if (!isdigit((unsigned char)a[i]))
			return false;
	if (strncmp(a + 12, ":role/", 6) != 0)
		return false;
	const char *name = a + 18;
	size_t len = strlen(name);
	if (len == 0 || len > 512 || name[len - 1] == '/')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("+=,.@_-/", name[i]))
			return false;
	memcpy(out, a, 12);
	out[12] = '\0';
	return true;
}

static bool s_is_aws_region(const char *r)
{
	size_t len = r ? strlen(r) : 0;
	if (len < 9 || len > 25 || !isdigit((unsigned char)r[len - 1]) || r[len - 2] != '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!islower((unsigned char)r[i]) && !isdigit((unsigned char)r[i]) && r[i] != '-')
			return false;
	return true;
}

static int64_t s_now(const struct sim_request *req)
{
	return req->now_ms > 0 ? req->now_ms : sim_now_ms();
}

/* Cloud One's error body: {"message": "..."} (api-reference 1.1), or as the error_body variant says. */
static void s_fail(struct sim_response *resp, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void s_fail(struct sim_response *resp, int status, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sim_respond_cloudone_error(resp, status, NULL, msg);
}

/* A DELETE's success: 204 without a body, or 200 with {} (variant delete_status). */
static void s_no_content(struct sim_response *resp)
{
	if (sim_variant_is("delete_status", "200")) {
		sim_respond_json(resp, 200, json_object());
		return;
	}
	resp->status = 204;
	c1_buf_clear(&resp->body);
}

/* The request body as a JSON object, or NULL after answering 400. */
static json_t *s_body(struct c1_call *call)
{
	json_t *doc = NULL;
	if (c1_json_parse(&doc, c1_buf_view(&call->req->body), C1_MAX_BODY, 0) != 0 || !json_is_object(doc)) {
		json_decref(doc);
		s_fail(call->resp, 400, "The request body must be a JSON object");
		return NULL;
	}
	return doc;
}

/* Optional string member: true when absent or a string (value into *out, may be NULL). */
static bool s_opt_string(const json_t *body, const char *key, const char **out)
{
	json_t *v = json_object_get(body, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return true;
	if (!json_is_string(v))
		return false;
	*out = json_string_value(v);
	return true;
}

/* A query parameter of the raw query, decoded; NULL when absent. Caller frees. */
static char *s_query_get(const char *raw_query, const char *name)
{
	size_t name_len = strlen(name);
	const char *p = raw_query ? raw_query : "";
	while (*p) {
		size_t item_len = strcspn(p, "&");
		if (item_len > name_len && strncmp(p, name, name_len) == 0 && p[name_len] == '=') {
			char *raw = c1_strndup(p + name_len + 1, item_len - name_len - 1);
			char *value = c1_url_decode(raw, true);
			free(raw);
			return value;
		}
		if (item_len == name_len && strncmp(p, name, name_len) == 0)
			return c1_strdup("");
		p += item_len;
		if (*p == '&')
			p++;
	}
	return NULL;
}

static sim_role_lookup_fn s_role_lookup_fn(void)
{
	pthread_mutex_lock(&s_c1.lock);
	sim_role_lookup_fn fn = s_c1.role_lookup ? s_c1.role_lookup : sim_cfn_role_lookup;
	pthread_mutex_unlock(&s_c1.lock);
	return fn;
}

/* Set when another server (moto) plays AWS: its stacks are invisible here,
 * so roles are taken on trust instead of being looked up. */
static bool s_trust_roles;

void sim_cloudone_set_trust_roles(bool trust)
{
	s_trust_roles = trust;
}

void sim_cloudone_test_set_role_lookup(sim_role_lookup_fn fn)
{
	pthread_mutex_lock(&s_c1.lock);
	s_c1.role_lookup = fn;
	pthread_mutex_unlock(&s_c1.lock);
}

void sim_cloudone_external_id(char *out, size_t out_len, const char *c1_account_id)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	char data[64];
	int n = snprintf(data, sizeof(data), "ws-external-id:%s", c1_account_id ? c1_account_id : "");
	HMAC(EVP_sha256(), SIM_MASTER_KEY, (int)strlen(SIM_MASTER_KEY), (const unsigned char *)data,
	     (size_t)n, mac, &mac_len);
	/* UUID-shaped, like the ids Workload Security shows in its console. */
	snprintf(out, out_len, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", mac[0],
		 mac[1], mac[2], mac[3], mac[4], mac[5], mac[6], mac[7], mac[8], mac[9], mac[10], mac[11],
		 mac[12], mac[13], mac[14], mac[15]);
}

/* ---- state primitives (lock held) ---- */

static struct ws_connector *s_conn_add_locked(const char *c1_account, const char *c1_region,
					      const char *account_id, const char *display_name,
					      const char *role_arn, int64_t now_ms, bool by_template)
{
	sim_grow((void **)&s_c1.conns, &s_c1.cap_conns, s_c1.n_conns, sizeof(*s_c1.conns));
	struct ws_connector *c = &s_c1.conns[s_c1.n_conns++];
	memset(c, 0, sizeof(*c));
	c->id = s_c1.next_connector_id++;
	sim_copy(c->c1_account_id, sizeof(c->c1_account_id), c1_account);
	sim_copy(c->c1_region, sizeof(c->c1_region), c1_region);
	sim_copy(c->account_id, sizeof(c->account_id), account_id);
	c->display_name = c1_strdup(display_name);
	c->role_arn = c1_strdup(role_arn);
	c->created_ms = now_ms;
	c->synced_ms = now_ms;
	c->by_template = by_template;
	return c;
}

static void s_conn_remove_at_locked(size_t i)
{
	free(s_c1.conns[i].display_name);
	free(s_c1.conns[i].role_arn);
	memmove(&s_c1.conns[i], &s_c1.conns[i + 1], (s_c1.n_conns - i - 1) * sizeof(*s_c1.conns));
	s_c1.n_conns--;
}

static struct cloud_account *s_acct_find_locked(const char *c1_account, const char *account_id, size_t *index)
{
	for (size_t i = 0; i < s_c1.n_accts; i++) {
		if (strcmp(s_c1.accts[i].c1_account_id, c1_account) == 0 &&
		    strcmp(s_c1.accts[i].account_id, account_id) == 0) {
			if (index)
				*index = i;
			return &s_c1.accts[i];
		}
	}
	return NULL;
}

static struct cloud_account *s_acct_add_locked(const char *c1_account, const char *c1_region,
					       const char *account_id, const char *role_arn,
					       const char *alias, const char *description, int64_t now_ms,
					       bool by_template)
{
	sim_grow((void **)&s_c1.accts, &s_c1.cap_accts, s_c1.n_accts, sizeof(*s_c1.accts));
	struct cloud_account *a = &s_c1.accts[s_c1.n_accts++];
	memset(a, 0, sizeof(*a));
	sim_copy(a->c1_account_id, sizeof(a->c1_account_id), c1_account);
	sim_copy(a->c1_region, sizeof(a->c1_region), c1_region);
	sim_copy(a->account_id, sizeof(a->account_id), account_id);
	a->role_arn = c1_strdup(role_arn);
	a->alias = c1_strdup(alias ? alias : "");
	a->description = c1_strdup(description ? description : "");
	a->created_ms = now_ms;
	a->by_template = by_template;
	return a;
}

static void s_acct_remove_at_locked(size_t i)
{
	free(s_c1.accts[i].role_arn);
	free(s_c1.accts[i].alias);
	free(s_c1.accts[i].description);
	memmove(&s_c1.accts[i], &s_c1.accts[i + 1], (s_c1.n_accts - i - 1) * sizeof(*s_c1.accts));
	s_c1.n_accts--;
}

static struct ct_integration *s_ct_find_locked(const char *c1_account, const char *account_id,
					       const char *region, size_t *index)
{
	for (size_t i = 0; i < s_c1.n_cts; i++) {
		struct ct_integration *ct = &s_c1.cts[i];
		if ((!c1_account || strcmp(ct->c1_account_id, c1_account) == 0) &&
		    strcmp(ct->account_id, account_id) == 0 && strcmp(ct->region, region) == 0) {
			if (index)
				*index = i;
			return ct;
		}
	}
	return NULL;
}

static struct ct_integration *s_ct_add_locked(const char *c1_account, const char *c1_region,
					      const char *account_id, const char *region, int64_t now_ms)
{
	sim_grow((void **)&s_c1.cts, &s_c1.cap_cts, s_c1.n_cts, sizeof(*s_c1.cts));
	struct ct_integration *ct = &s_c1.cts[s_c1.n_cts++];
	memset(ct, 0, sizeof(*ct));
	sim_copy(ct->c1_account_id, sizeof(ct->c1_account_id), c1_account);
	sim_copy(ct->c1_region, sizeof(ct->c1_region), c1_region);
	sim_copy(ct->account_id, sizeof(ct->account_id), account_id);
	sim_copy(ct->region, sizeof(ct->region), region);
	ct->created_ms = now_ms;
	return ct;
}

static void s_ct_remove_at_locked(size_t i)
{
	memmove(&s_c1.cts[i], &s_c1.cts[i + 1], (s_c1.n_cts - i - 1) * sizeof(*s_c1.cts));
	s_c1.n_cts--;
}

/* ---- JSON views ---- */

static json_t *s_connector_json(const struct ws_connector *c)
{
	json_t *o = json_object();
	c1_json_set_int(o, "ID", c->id);
	c1_json_set_string(o, "displayName", c->display_name);
	c1_json_set_string(o, "accountId", c->account_id);
	c1_json_set_string(o, "crossAccountRoleArn", c->role_arn);
	c1_json_set_bool(o, "useInstanceRole", false);
	c1_json_set_bool(o, "workspacesEnabled", false);
	c1_json_set_int(o, "lastSyncTime", c->synced_ms);
	json_object_set_new(o, "syncedRegions", json_array());
	return o;
}

static json_t *s_account_json(const struct cloud_account *a)
{
	char created[32];
	sim_format_time(created, sizeof(created), a->created_ms);
	json_t *o = json_object();
	c1_json_set_string(o, "id", a->account_id);
	c1_json_set_string(o, "roleARN", a->role_arn);
	c1_json_set_string(o, "alias", a->alias);
	c1_json_set_string(o, "description", a->description);
	c1_json_set_string(o, "state", "managed");
	c1_json_set_string(o, "created", created);
	c1_json_set_string(o, "lastModified", created);
	return o;
}

static json_t *s_registration_json(const struct sim_v1_link *link)
{
	char created[32];
	sim_format_time(created, sizeof(created), link->created_ms);
	return json_pack("{s:{s:s,s:s,s:s}}", "registration", "status", sim_variant("v1_connect_status"),
			 "connectorId", link->connector_id, "created", created);
}

/* ---- identity ---- */

static void s_apikey_get(struct c1_call *call, const char *id)
{
	char urn[160], activity[32];
	/* Only the caller's own key is visible to it (another id: 404, as for a deleted key). */
	if (strcmp(id, call->key_id) != 0) {
		/* Not echoed: a client that pastes the whole key into the path would see its secret. */
		s_fail(call->resp, 404, "API key was not found");
		return;
	}
	snprintf(urn, sizeof(urn), "urn:cloudone:identity:%s:%s:apikey/%s", call->region, call->account,
		 call->key_id);
	sim_format_time(activity, sizeof(activity), call->now_ms);
	json_t *o = json_object();
	c1_json_set_string(o, "id", call->key_id);
	c1_json_set_string(o, "alias", "c1sim");
	c1_json_set_string(o, "description", "c1sim API key");
	c1_json_set_string(o, "roleID", "full-access");
	c1_json_set_string(o, "locale", "en-US");
	c1_json_set_string(o, "timezone", "UTC");
	c1_json_set_string(o, "created", "2024-01-01T00:00:00Z");
	c1_json_set_string(o, "lastModified", "2024-01-01T00:00:00Z");
	c1_json_set_string(o, "lastActivity", activity);
	c1_json_set_bool(o, "enabled", true);
	c1_json_set_string(o, "urn", urn);
	sim_respond_json(call->resp, 200, o);
}

/* ---- visionone-connect ---- */

static void s_v1_connect(struct c1_call *call)
{
	struct sim_v1_link link;
	json_t *body = s_body(call);
	if (!body)
		return;
	const char *token = NULL;
	if (!s_opt_string(body, "enrollmentToken", &token) || !token || !*token) {
		s_fail(call->resp, 400, "enrollmentToken is required: request one from Vision One first");
		goto cleanup;
	}
	if (sim_variant_is("v1_reenroll", "refused") && sim_visionone_link_get(&link, call->account)) {
		s_fail(call->resp, 400, "This Cloud One account is already registered with Vision One");
		goto cleanup;
	}
	int rc = sim_visionone_redeem(&link, token, call->now_ms, call->account, call->region);
	if (rc == C1_ENOTFOUND)
		s_fail(call->resp, 400, "Invalid enrollment token");
	else if (rc == C1_ETIMEOUT)
		s_fail(call->resp, 400, "The enrollment token has expired; generate a new one in Vision One");
	else if (rc != 0)
		s_fail(call->resp, 400,
		       "This Cloud One account is already registered with another Vision One tenant");
	else
		sim_respond_json(call->resp, 200, s_registration_json(&link));
cleanup:
	json_decref(body);
}

static void s_v1_status(struct c1_call *call)
{
	struct sim_v1_link link;
	if (sim_variant_is("c1_connector_get", "405")) {
		s_fail(call->resp, 405, "Method not allowed");
		return;
	}
	if (sim_variant_is("c1_connector_get", "200_unknown")) {
		sim_respond_json(call->resp, 200,
				 json_pack("{s:{s:s}}", "registration", "status", "unknown"));
		return;
	}
	if (!sim_visionone_link_get(&link, call->account)) {
		s_fail(call->resp, 404, "This Cloud One account is not registered with Vision One");
		return;
	}
	sim_respond_json(call->resp, 200, s_registration_json(&link));
}

/* ---- Workload Security connectors ---- */

static void s_ws_settings(struct c1_call *call)
{
	char ext[64];
	sim_cloudone_external_id(ext, sizeof(ext), call->account);
	sim_respond_json(call->resp, 200, json_pack("{s:s}", "externalId", ext));
}

static bool s_ws_principal_ok(const char *principal)
{
	return strcmp(principal, WS_TRUSTED_PRINCIPAL) == 0 || strcmp(principal, WS_TRUSTED_ACCOUNT) == 0;
}

/* A connector of this tenant for AWS account `account_id` (lock held). */
static bool s_conn_of_account_locked(const char *c1_account, const char *account_id)
{
	for (size_t i = 0; i < s_c1.n_conns; i++)
		if (strcmp(s_c1.conns[i].c1_account_id, c1_account) == 0 &&
		    strcmp(s_c1.conns[i].account_id, account_id) == 0)
			return true;
	return false;
}

static void s_ws_create(struct c1_call *call)
{
	char role_account[16], ext_want[64], ext[256] = "", principal[256] = "";
	const char *role = NULL, *account = NULL, *display = NULL;
	json_t *body = s_body(call);
	if (!body)
		return;
	if (json_object_get(body, "accessKey") || json_is_true(json_object_get(body, "useInstanceRole"))) {
		s_fail(call->resp, 400, "Only crossAccountRoleArn connectors are supported");
		goto cleanup;
	}
	if (!s_opt_string(body, "crossAccountRoleArn", &role) || !role || !*role) {
		s_fail(call->resp, 400, "crossAccountRoleArn is required");
		goto cleanup;
	}
	if (!s_role_account(role, role_account)) {
		s_fail(call->resp, 400, "crossAccountRoleArn \"%.300s\" is not an IAM role ARN", role);
		goto cleanup;
	}
	if (!s_opt_string(body, "accountId", &account) || (account && !s_is_account(account))) {
		s_fail(call->resp, 400, "accountId must be a 12-digit AWS account id");
		goto cleanup;
	}
	if (account && strcmp(account, role_account) != 0) {
		s_fail(call->resp, 400, "accountId %s does not match the account of crossAccountRoleArn (%s)",
		       account, role_account);
		goto cleanup;
	}
	if (!s_opt_string(body, "displayName", &display)) {
		s_fail(call->resp, 400, "displayName must be a string");
		goto cleanup;
	}
	sim_cloudone_external_id(ext_want, sizeof(ext_want), call->account);
	sim_role_lookup_fn lookup = s_role_lookup_fn();
	if (!s_trust_roles && (!lookup(role_account, role, ext, sizeof(ext), principal, sizeof(principal)) ||
			       !s_ws_principal_ok(principal) || strcmp(ext, ext_want) != 0)) {
		s_fail(call->resp, 400,
		       "Unable to assume role %.300s. Check that the role exists, trusts %s and requires the "
		       "external ID of this account (GET /api/awsconnectorsettings).",
		       role, WS_TRUSTED_PRINCIPAL);
		goto cleanup;
	}
	pthread_mutex_lock(&s_c1.lock);
	if (!sim_variant_is("ws_duplicate", "second") &&
	    s_conn_of_account_locked(call->account, role_account)) {
		pthread_mutex_unlock(&s_c1.lock);
		s_fail(call->resp, sim_variant_is("ws_duplicate", "409") ? 409 : 400,
		       "An AWS connector for account %s already exists", role_account);
		goto cleanup;
	}
	/* By default a second connector for the same account is created: the real
	 * answer is unknown, and the worst case makes client duplicates visible. */
	struct ws_connector *c =
	    s_conn_add_locked(call->account, call->region, role_account,
			      display && *display ? display : role_account, role, call->now_ms, false);
	json_t *out = s_connector_json(c);
	pthread_mutex_unlock(&s_c1.lock);
	sim_respond_json(call->resp, 200, out);
cleanup:
	json_decref(body);
}

static void s_ws_list(struct c1_call *call)
{
	json_t *items = json_array();
	pthread_mutex_lock(&s_c1.lock);
	for (size_t i = 0; i < s_c1.n_conns; i++)
		if (strcmp(s_c1.conns[i].c1_account_id, call->account) == 0)
			json_array_append_new(items, s_connector_json(&s_c1.conns[i]));
	pthread_mutex_unlock(&s_c1.lock);
	sim_respond_json(call->resp, 200, json_pack("{s:o}", "awsConnectors", items));
}

/* A connector id from the path: digits only, else not found. */
static bool s_parse_id(const char *s, int64_t *out)
{
	char *end = NULL;
	if (!s || !isdigit((unsigned char)*s) || strlen(s) > 18)
		return false;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

static void s_ws_get(struct c1_call *call, const char *id_text)
{
	int64_t id = 0;
	json_t *out = NULL;
	if (s_parse_id(id_text, &id)) {
		pthread_mutex_lock(&s_c1.lock);
		for (size_t i = 0; i < s_c1.n_conns && !out; i++)
			if (s_c1.conns[i].id == id && strcmp(s_c1.conns[i].c1_account_id, call->account) == 0)
				out = s_connector_json(&s_c1.conns[i]);
		pthread_mutex_unlock(&s_c1.lock);
	}
	if (!out) {
		s_fail(call->resp, 404, "The AWS connector %.32s does not exist", id_text);
		return;
	}
	sim_respond_json(call->resp, 200, out);
}

static void s_ws_delete(struct c1_call *call, const char *id_text)
{
	int64_t id = 0;
	bool found = false, failed = false;
	if (s_parse_id(id_text, &id)) {
		pthread_mutex_lock(&s_c1.lock);
		for (size_t i = 0; i < s_c1.n_conns; i++) {
			if (s_c1.conns[i].id != id || strcmp(s_c1.conns[i].c1_account_id, call->account) != 0)
				continue;
			found = true;
			if (sim_faults_targeted("delete_fail", "cloudone", "DELETE /api/awsconnectors/{id}",
						s_c1.conns[i].account_id, NULL))
				failed = true;
			else
				s_conn_remove_at_locked(i);
			break;
		}
		pthread_mutex_unlock(&s_c1.lock);
	}
	if (!found)
		s_fail(call->resp, 404, "The AWS connector %.32s does not exist", id_text);
	else if (failed)
		s_fail(call->resp, 500, "Internal server error");
	else
		s_no_content(call->resp);
}

/* The connector `id` of this tenant, or NULL (lock held). */
static struct ws_connector *s_conn_find_locked(const char *c1_account, int64_t id)
{
	for (size_t i = 0; i < s_c1.n_conns; i++)
		if (s_c1.conns[i].id == id && strcmp(s_c1.conns[i].c1_account_id, c1_account) == 0)
			return &s_c1.conns[i];
	return NULL;
}

/* POST /api/awsconnectors/{id}?sync=true|false with a partial AWSConnector:
 * the fields given change, the others stay (api-reference 1.4). A new role
 * is checked as on create; the account of a connector never changes. */
static void s_ws_update(struct c1_call *call, const char *id_text)
{
	char conn_account[16] = "", role_account[16], ext_want[64], ext[256] = "", principal[256] = "";
	const char *role = NULL, *account = NULL, *display = NULL;
	char *sync_text = NULL;
	json_t *body = NULL, *out = NULL;
	int64_t id = 0;
	bool sync = false;

	if (s_parse_id(id_text, &id)) {
		pthread_mutex_lock(&s_c1.lock);
		const struct ws_connector *c = s_conn_find_locked(call->account, id);
		if (c)
			sim_copy(conn_account, sizeof(conn_account), c->account_id);
		pthread_mutex_unlock(&s_c1.lock);
	}
	if (!conn_account[0]) {
		s_fail(call->resp, 404, "The AWS connector %.32s does not exist", id_text);
		goto cleanup;
	}
	sync_text = s_query_get(call->req->raw_query, "sync");
	if (sync_text && strcmp(sync_text, "true") != 0 && strcmp(sync_text, "false") != 0) {
		s_fail(call->resp, 400, "sync must be true or false");
		goto cleanup;
	}
	sync = sync_text && strcmp(sync_text, "true") == 0;
	body = s_body(call);
	if (!body)
		goto cleanup;
	if (json_object_get(body, "accessKey") || json_object_get(body, "secretKey") ||
	    json_is_true(json_object_get(body, "useInstanceRole"))) {
		s_fail(call->resp, 400, "Only crossAccountRoleArn connectors are supported");
		goto cleanup;
	}
	if (!s_opt_string(body, "crossAccountRoleArn", &role) || (role && !*role)) {
		s_fail(call->resp, 400, "crossAccountRoleArn must be a non-empty string");
		goto cleanup;
	}
	if (!s_opt_string(body, "displayName", &display)) {
		s_fail(call->resp, 400, "displayName must be a string");
		goto cleanup;
	}
	if (!s_opt_string(body, "accountId", &account) || (account && strcmp(account, conn_account) != 0)) {
		s_fail(call->resp, 400, "accountId cannot change: connector %.32s belongs to AWS account %s",
		       id_text, conn_account);
		goto cleanup;
	}
	if (role) {
		if (!s_role_account(role, role_account)) {
			s_fail(call->resp, 400, "crossAccountRoleArn \"%.300s\" is not an IAM role ARN",
			       role);
			goto cleanup;
		}
		if (strcmp(role_account, conn_account) != 0) {
			s_fail(call->resp, 400,
			       "crossAccountRoleArn is in account %s, not in the connector's AWS account %s",
			       role_account, conn_account);
			goto cleanup;
		}
		sim_cloudone_external_id(ext_want, sizeof(ext_want), call->account);
		sim_role_lookup_fn lookup = s_role_lookup_fn();
		if (!s_trust_roles &&
		    (!lookup(role_account, role, ext, sizeof(ext), principal, sizeof(principal)) ||
		     !s_ws_principal_ok(principal) || strcmp(ext, ext_want) != 0)) {
			s_fail(call->resp, 400,
			       "Unable to assume role %.300s. Check that the role exists, trusts %s and "
			       "requires "
			       "the external ID of this account (GET /api/awsconnectorsettings).",
			       role, WS_TRUSTED_PRINCIPAL);
			goto cleanup;
		}
	}
	pthread_mutex_lock(&s_c1.lock);
	/* Looked up again: the lock was let go for the role check. */
	struct ws_connector *c = s_conn_find_locked(call->account, id);
	if (c) {
		if (role) {
			free(c->role_arn);
			c->role_arn = c1_strdup(role);
		}
		if (display) {
			free(c->display_name);
			c->display_name = c1_strdup(*display ? display : c->account_id);
		}
		if (sync)
			c->synced_ms = call->now_ms;
		out = s_connector_json(c);
	}
	pthread_mutex_unlock(&s_c1.lock);
	if (!out) {
		s_fail(call->resp, 404, "The AWS connector %.32s does not exist", id_text);
		goto cleanup;
	}
	sim_respond_json(call->resp, 200, out);
cleanup:
	free(sync_text);
	json_decref(body);
}

/* SQL-LIKE match: '%' any run, '_' one character (Workload Security string search). */
static bool s_like(const char *s, const char *p)
{
	const char *star = NULL, *resume = NULL;
	while (*s) {
		if (*p == '_' || (*p && *p != '%' && *p == *s)) {
			s++;
			p++;
		} else if (*p == '%') {
			star = p++;
			resume = s;
		} else if (star) {
			p = star + 1;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*p == '%')
		p++;
	return *p == '\0';
}

enum ws_field { WS_F_ACCOUNT_ID, WS_F_ROLE_ARN, WS_F_DISPLAY_NAME, WS_F_ID };
enum ws_op { WS_LT, WS_LE, WS_EQ, WS_GE, WS_GT, WS_NE };

struct ws_criterion {
	enum ws_field field;
	enum ws_op op;
	bool wildcards;
	const char *text; /* borrowed from the request body */
	int64_t id;
};

static bool s_op_parse(const char *s, enum ws_op *out)
{
	static const char *names[] = {"less-than",    "less-than-or-equal", "equal", "greater-than-or-equal",
				      "greater-than", "not-equal"};
	for (int i = 0; i < 6; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum ws_op)i;
			return true;
		}
	}
	return false;
}

/* Compile one SearchCriteria object; false with a message in err. */
static bool s_criterion_parse(const json_t *c, struct ws_criterion *out, char *err, size_t err_len)
{
	const char *field = NULL, *test = NULL;
	memset(out, 0, sizeof(*out));
	if (!json_is_object(c) || !s_opt_string(c, "fieldName", &field) || !field) {
		snprintf(err, err_len, "Each search criterion needs a fieldName");
		return false;
	}
	if (strcmp(field, "ID") == 0) {
		out->field = WS_F_ID;
		out->op = WS_EQ;
		if (!s_opt_string(c, "idTest", &test) || (test && !s_op_parse(test, &out->op))) {
			snprintf(err, err_len, "Invalid idTest");
			return false;
		}
		json_t *v = json_object_get(c, "idValue");
		if (!json_is_integer(v)) {
			snprintf(err, err_len, "An ID criterion needs an integer idValue");
			return false;
		}
		out->id = json_integer_value(v);
		return true;
	}
	if (strcmp(field, "accountId") == 0)
		out->field = WS_F_ACCOUNT_ID;
	else if (strcmp(field, "crossAccountRoleArn") == 0)
		out->field = WS_F_ROLE_ARN;
	else if (strcmp(field, "displayName") == 0)
		out->field = WS_F_DISPLAY_NAME;
	else {
		snprintf(err, err_len, "Invalid search field \"%.64s\"", field);
		return false;
	}
	out->op = WS_EQ;
	if (!s_opt_string(c, "stringTest", &test) ||
	    (test && strcmp(test, "equal") != 0 && strcmp(test, "not-equal") != 0)) {
		snprintf(err, err_len, "stringTest must be \"equal\" or \"not-equal\"");
		return false;
	}
	if (test && strcmp(test, "not-equal") == 0)
		out->op = WS_NE;
	if (!s_opt_string(c, "stringValue", &out->text) || !out->text) {
		snprintf(err, err_len, "A %s criterion needs a stringValue", field);
		return false;
	}
	json_t *w = json_object_get(c, "stringWildcards");
	if (w && !json_is_boolean(w)) {
		snprintf(err, err_len, "stringWildcards must be true or false");
		return false;
	}
	out->wildcards = w ? json_is_true(w) : true;
	return true;
}

static bool s_criterion_match(const struct ws_criterion *c, const struct ws_connector *conn)
{
	if (c->field == WS_F_ID) {
		switch (c->op) {
		case WS_LT: return conn->id < c->id;
		case WS_LE: return conn->id <= c->id;
		case WS_EQ: return conn->id == c->id;
		case WS_GE: return conn->id >= c->id;
		case WS_GT: return conn->id > c->id;
		case WS_NE: return conn->id != c->id;
		}
		return false;
	}
	const char *value = c->field == WS_F_ACCOUNT_ID ? conn->account_id
			    : c->field == WS_F_ROLE_ARN ? conn->role_arn
							: conn->display_name;
	bool eq = c->wildcards ? s_like(value, c->text) : strcmp(value, c->text) == 0;
	return c->op == WS_NE ? !eq : eq;
}

static void s_ws_search(struct c1_call *call)
{
	struct ws_criterion *crit = NULL;
	char err[256];
	int64_t max_items = WS_MAX_ITEMS;
	json_t *body = s_body(call);
	if (!body)
		return;
	json_t *mi = json_object_get(body, "maxItems");
	if (mi && !json_is_null(mi)) {
		if (!json_is_integer(mi) || json_integer_value(mi) < 0) {
			s_fail(call->resp, 400, "maxItems must be a non-negative integer");
			goto cleanup;
		}
		if (json_integer_value(mi) > 0 && json_integer_value(mi) < WS_MAX_ITEMS)
			max_items = json_integer_value(mi);
	}
	json_t *list = json_object_get(body, "searchCriteria");
	if (list && !json_is_null(list) && !json_is_array(list)) {
		s_fail(call->resp, 400, "searchCriteria must be an array");
		goto cleanup;
	}
	size_t n = json_is_array(list) ? json_array_size(list) : 0;
	crit = c1_calloc(n ? n : 1, sizeof(*crit));
	for (size_t i = 0; i < n; i++) {
		if (!s_criterion_parse(json_array_get(list, i), &crit[i], err, sizeof(err))) {
			s_fail(call->resp, 400, "%s", err);
			goto cleanup;
		}
	}
	json_t *items = json_array();
	pthread_mutex_lock(&s_c1.lock);
	/* Connectors are kept in ID order, so results come back sorted by ID. */
	for (size_t i = 0; i < s_c1.n_conns && (int64_t)json_array_size(items) < max_items; i++) {
		const struct ws_connector *c = &s_c1.conns[i];
		bool match = strcmp(c->c1_account_id, call->account) == 0;
		for (size_t k = 0; match && k < n; k++)
			match = s_criterion_match(&crit[k], c);
		if (match)
			json_array_append_new(items, s_connector_json(c));
	}
	pthread_mutex_unlock(&s_c1.lock);
	sim_respond_json(call->resp, 200, json_pack("{s:o}", "awsConnectors", items));
cleanup:
	free(crit);
	json_decref(body);
}

/* ---- Cloud Account Management ---- */

/* The role must be the OIDC role of a live cloud-account-management-role
 * stack: it trusts the Cloud One OIDC provider (of this account's region
 * when the provider host is known). */
static bool s_cam_role_ok(const struct c1_call *call, const char *principal, const char *ext)
{
	char host[96];
	if (!strstr(principal, ":oidc-provider/"))
		return false;
	snprintf(host, sizeof(host), "oidc-provider/cloudaccounts.%s.cloudone.trendmicro.com", call->region);
	if (strstr(principal, "oidc-provider/cloudaccounts.") && !strstr(principal, host))
		return false;
	if (strstr(ext, "urn:cloudone:identity:")) {
		char acct[24];
		snprintf(acct, sizeof(acct), ":%s:", call->account);
		if (!strstr(ext, acct))
			return false;
	}
	return true;
}

static void s_ca_create(struct c1_call *call)
{
	char role_account[16], ext[256] = "", principal[256] = "";
	const char *role = NULL, *alias = NULL, *description = NULL;
	json_t *body = s_body(call);
	json_t *out = NULL;
	if (!body)
		return;
	if (!s_opt_string(body, "roleARN", &role) || !role || !*role) {
		s_fail(call->resp, 400, "roleARN is required");
		goto cleanup;
	}
	if (!s_role_account(role, role_account)) {
		s_fail(call->resp, 400, "roleARN \"%.300s\" is not an IAM role ARN", role);
		goto cleanup;
	}
	if (!s_opt_string(body, "alias", &alias) || !s_opt_string(body, "description", &description)) {
		s_fail(call->resp, 400, "alias and description must be strings");
		goto cleanup;
	}
	sim_role_lookup_fn lookup = s_role_lookup_fn();
	if (!s_trust_roles && (!lookup(role_account, role, ext, sizeof(ext), principal, sizeof(principal)) ||
			       !s_cam_role_ok(call, principal, ext))) {
		s_fail(call->resp, 400,
		       "Unable to assume role %.300s. Deploy the cloud-account-management-role template for "
		       "this Cloud One account and pass its CloudOneRoleArn output.",
		       role);
		goto cleanup;
	}
	pthread_mutex_lock(&s_c1.lock);
	const struct cloud_account *existing = s_acct_find_locked(call->account, role_account, NULL);
	bool take_existing = existing && sim_variant_is("ca_duplicate", "200_existing");
	if (!existing)
		out = s_account_json(s_acct_add_locked(call->account, call->region, role_account, role, alias,
						       description, call->now_ms, false));
	else if (take_existing)
		out = s_account_json(existing);
	pthread_mutex_unlock(&s_c1.lock);
	if (!out)
		s_fail(call->resp, sim_variant_is("ca_duplicate", "400") ? 400 : 409,
		       "AWS account %s already exists", role_account);
	else
		sim_respond_json(call->resp, take_existing ? 200 : 201, out);
cleanup:
	json_decref(body);
}

static int s_ca_cmp(const void *a, const void *b)
{
	const struct cloud_account *x = *(const struct cloud_account *const *)a;
	const struct cloud_account *y = *(const struct cloud_account *const *)b;
	return strcmp(x->account_id, y->account_id);
}

static void s_ca_list(struct c1_call *call)
{
	char *limit_text = s_query_get(call->req->raw_query, "limit");
	char *cursor = s_query_get(call->req->raw_query, "cursor");
	const struct cloud_account **page = NULL;
	const char *after = "";
	/* The variant's size is the default page; a size other than c1sim's own
	 * default is also the cap, so a client must follow `next`. */
	long page_variant = CA_DEFAULT_LIMIT;
	(void)c1_parse_long(&page_variant, sim_variant("ca_page_size"), 1, CA_MAX_LIMIT);
	int64_t page_size = page_variant;
	int64_t cap = page_size == CA_DEFAULT_LIMIT ? CA_MAX_LIMIT : page_size;
	int64_t limit = page_size;
	if (limit_text && *limit_text) {
		char *end = NULL;
		errno = 0;
		long long v = strtoll(limit_text, &end, 10);
		if (errno || *end || end == limit_text) {
			s_fail(call->resp, 400, "limit must be an integer");
			goto cleanup;
		}
		if (v < 0) {
			s_fail(call->resp, 400, "limit must not be negative");
			goto cleanup;
		}
		limit = v == 0 ? page_size : v > cap ? cap : v;
	}
	if (cursor && *cursor) {
		size_t plen = strlen(CA_CURSOR_PREFIX);
		if (strncmp(cursor, CA_CURSOR_PREFIX, plen) != 0 || !s_is_account(cursor + plen)) {
			s_fail(call->resp, 400, "Invalid cursor");
			goto cleanup;
		}
		after = cursor + plen;
	}
	json_t *items = json_array();
	char next[32] = "";
	size_t n = 0;
	pthread_mutex_lock(&s_c1.lock);
	page = c1_calloc(s_c1.n_accts ? s_c1.n_accts : 1, sizeof(*page));
	for (size_t i = 0; i < s_c1.n_accts; i++)
		if (strcmp(s_c1.accts[i].c1_account_id, call->account) == 0 &&
		    strcmp(s_c1.accts[i].account_id, after) > 0)
			page[n++] = &s_c1.accts[i];
	qsort(page, n, sizeof(*page), s_ca_cmp);
	for (size_t i = 0; i < n && (int64_t)i < limit; i++)
		json_array_append_new(items, s_account_json(page[i]));
	if ((int64_t)n > limit)
		snprintf(next, sizeof(next), "%s%s", CA_CURSOR_PREFIX, page[limit - 1]->account_id);
	pthread_mutex_unlock(&s_c1.lock);
	sim_respond_json(call->resp, 200, json_pack("{s:o,s:s}", "cloudAccounts", items, "next", next));
cleanup:
	free(page);
	free(limit_text);
	free(cursor);
}

static void s_ca_get(struct c1_call *call, const char *id)
{
	json_t *out = NULL;
	if (s_is_account(id)) {
		pthread_mutex_lock(&s_c1.lock);
		const struct cloud_account *a = s_acct_find_locked(call->account, id, NULL);
		if (a)
			out = s_account_json(a);
		pthread_mutex_unlock(&s_c1.lock);
	}
	if (!out) {
		s_fail(call->resp, 404, "Cloud account %.32s was not found", id);
		return;
	}
	sim_respond_json(call->resp, 200, out);
}

static void s_ca_delete(struct c1_call *call, const char *id)
{
	bool found = false, failed = false;
	size_t index = 0;
	if (s_is_account(id)) {
		pthread_mutex_lock(&s_c1.lock);
		if (s_acct_find_locked(call->account, id, &index)) {
			found = true;
			failed = sim_faults_targeted("delete_fail", "cloudone",
						     "DELETE /api/cloudaccounts/aws/{id}", id, NULL);
			if (!failed)
				s_acct_remove_at_locked(index);
		}
		pthread_mutex_unlock(&s_c1.lock);
	}
	if (!found)
		s_fail(call->resp, 404, "Cloud account %.32s was not found", id);
	else if (failed)
		s_fail(call->resp, 500, "Internal server error");
	else
		s_no_content(call->resp);
}

/* ---- CloudTrail integration ---- */

static void s_ct_stack(struct c1_call *call)
{
	const char *account = NULL, *region = NULL;
	char token[64] = "", bucket[96], template_url[256], service_url[128];
	char *url_enc = NULL, *key_enc = NULL, *deployment = NULL;
	json_t *body = s_body(call);
	if (!body)
		return;
	if (!s_opt_string(body, "providerAccountID", &account) || !s_is_account(account)) {
		s_fail(call->resp, 400, "providerAccountID must be a 12-digit AWS account id");
		goto cleanup;
	}
	if (!s_opt_string(body, "awsRegion", &region) || !s_is_aws_region(region)) {
		s_fail(call->resp, 400, "awsRegion must be an AWS region such as us-east-1");
		goto cleanup;
	}
	sim_new_id(token, sizeof(token), "", 40);
	pthread_mutex_lock(&s_c1.lock);
	bool registered = s_acct_find_locked(call->account, account, NULL) != NULL;
	if (registered) {
		sim_grow((void **)&s_c1.tokens, &s_c1.cap_tokens, s_c1.n_tokens, sizeof(*s_c1.tokens));
		struct ct_token *t = &s_c1.tokens[s_c1.n_tokens++];
		memset(t, 0, sizeof(*t));
		t->token = c1_strdup(token);
		sim_copy(t->account_id, sizeof(t->account_id), account);
		sim_copy(t->region, sizeof(t->region), region);
		sim_copy(t->c1_account_id, sizeof(t->c1_account_id), call->account);
		sim_copy(t->c1_region, sizeof(t->c1_region), call->region);
		struct ct_integration *ct = s_ct_find_locked(call->account, account, region, NULL);
		if (!ct)
			ct = s_ct_add_locked(call->account, call->region, account, region, call->now_ms);
		ct->urls_issued++;
	}
	pthread_mutex_unlock(&s_c1.lock);
	if (!registered) {
		s_fail(call->resp, 400,
		       "AWS account %s is not a cloud account of this Cloud One account; add it with POST "
		       "/api/cloudaccounts/aws first",
		       account);
		goto cleanup;
	}
	snprintf(bucket, sizeof(bucket), "cloud-trail-client-stack-template-prod-%s", region);
	snprintf(template_url, sizeof(template_url),
		 "https://%s.s3.%s.amazonaws.com/templates/cloudtrail-forwarder.template", bucket, region);
	snprintf(service_url, sizeof(service_url), "https://cloudtrail.%s.cloudone.trendmicro.com",
		 call->region);
	url_enc = c1_url_encode(service_url, true);
	key_enc = c1_url_encode("cloudtrail-forwarder/lambda/", true);
	/* A console quick-create link: the parameters are in the fragment, after
	 * its own '?' (the one before '#' carries the console region). */
	deployment = c1_asprintf("https://%s.console.aws.amazon.com/cloudformation/home?region=%s"
				 "#/stacks/quickcreate?templateUrl=%s&stackName=cloudone-cloudtrail-forwarder"
				 "&param_S3BucketName=%s&param_S3BucketKey=%s&param_ServiceToken=%s"
				 "&param_ServiceURL=%s&param_APIVersion=v1",
				 region, region, template_url, bucket, key_enc, token, url_enc);
	sim_respond_json(call->resp, 200, json_pack("{s:s}", "deploymentURL", deployment));
cleanup:
	c1_wipe(token, sizeof(token));
	c1_free_secure_str(deployment);
	free(url_enc);
	free(key_enc);
	json_decref(body);
}

int sim_cloudone_cloudtrail_stack_event(const char *account_id, const char *region, const char *service_token,
					bool created)
{
	int rc = -1;
	if (!account_id || !region || !service_token)
		return -1;
	pthread_mutex_lock(&s_c1.lock);
	for (size_t i = 0; i < s_c1.n_tokens; i++) {
		const struct ct_token *t = &s_c1.tokens[i];
		if (strcmp(t->token, service_token) != 0 || strcmp(t->account_id, account_id) != 0 ||
		    strcmp(t->region, region) != 0)
			continue;
		size_t index = 0;
		struct ct_integration *ct = s_ct_find_locked(t->c1_account_id, account_id, region, &index);
		if (created) {
			if (!ct)
				ct = s_ct_add_locked(t->c1_account_id, t->c1_region, account_id, region,
						     sim_now_ms());
			ct->active = true;
		} else if (ct) {
			s_ct_remove_at_locked(index);
		}
		rc = 0;
		break;
	}
	pthread_mutex_unlock(&s_c1.lock);
	return rc;
}

/* ---- the all-in-one template's Lambdas ---- */

static int s_template_offboard(const char *c1_account, const char *account_id, const char *region)
{
	size_t index = 0;
	pthread_mutex_lock(&s_c1.lock);
	for (size_t i = s_c1.n_conns; i-- > 0;)
		if (s_c1.conns[i].by_template && strcmp(s_c1.conns[i].c1_account_id, c1_account) == 0 &&
		    strcmp(s_c1.conns[i].account_id, account_id) == 0)
			s_conn_remove_at_locked(i);
	struct cloud_account *a = s_acct_find_locked(c1_account, account_id, &index);
	if (a && a->by_template)
		s_acct_remove_at_locked(index);
	struct ct_integration *ct = s_ct_find_locked(c1_account, account_id, region, &index);
	if (ct && ct->by_template)
		s_ct_remove_at_locked(index);
	pthread_mutex_unlock(&s_c1.lock);
	return 0;
}

int sim_cloudone_template_onboard(const char *api_key, const char *v1_token, const char *account_id,
				  const char *region, bool created, char *reason, size_t reason_len)
{
	char c1_region[16], c1_account[13], key_id[64], tenant[64], role[128];
	struct sim_v1_link link;
	int64_t now = sim_now_ms();
	if (!api_key || sim_creds_cloudone_check(api_key, c1_region, sizeof(c1_region), c1_account, key_id,
						 sizeof(key_id)) != 0) {
		snprintf(reason, reason_len, "Invalid API Key");
		return -1;
	}
	if (!s_is_account(account_id) || !s_is_aws_region(region)) {
		snprintf(reason, reason_len, "Invalid AWS account or region");
		return -1;
	}
	if (!created)
		return s_template_offboard(c1_account, account_id, region);
	if (!v1_token || sim_creds_visionone_check(v1_token, tenant, sizeof(tenant)) != 0) {
		snprintf(reason, reason_len, "Vision One enrollment failed: InvalidCredentials");
		return -1;
	}
	pthread_mutex_lock(&s_c1.lock);
	bool exists = s_acct_find_locked(c1_account, account_id, NULL) != NULL;
	pthread_mutex_unlock(&s_c1.lock);
	if (exists) {
		snprintf(reason, reason_len, "AWS account %s already exists", account_id);
		return -1;
	}
	/* Vision One is linked once per Cloud One account; later stacks reuse it. */
	if (sim_visionone_link_tenant(&link, tenant, now, c1_account, c1_region) != 0) {
		snprintf(reason, reason_len,
			 "This Cloud One account is already registered with another Vision One tenant");
		return -1;
	}
	pthread_mutex_lock(&s_c1.lock);
	if (s_acct_find_locked(c1_account, account_id, NULL)) {
		pthread_mutex_unlock(&s_c1.lock);
		snprintf(reason, reason_len, "AWS account %s already exists", account_id);
		return -1;
	}
	snprintf(role, sizeof(role), "arn:aws:iam::%s:role/%s", account_id, TEMPLATE_WS_ROLE);
	s_conn_add_locked(c1_account, c1_region, account_id, account_id, role, now, true);
	snprintf(role, sizeof(role), "arn:aws:iam::%s:role/%s", account_id, TEMPLATE_CAM_ROLE);
	s_acct_add_locked(c1_account, c1_region, account_id, role, "", "", now, true);
	struct ct_integration *ct = s_ct_find_locked(c1_account, account_id, region, NULL);
	if (!ct)
		ct = s_ct_add_locked(c1_account, c1_region, account_id, region, now);
	ct->active = true;
	ct->by_template = true;
	pthread_mutex_unlock(&s_c1.lock);
	return 0;
}

/* ---- routing ---- */

/* The key's region and account come from the key itself (docs/simulator.md),
 * so a handler called directly still authenticates. */
static bool s_authenticate(struct c1_call *call)
{
	char account[13];
	const char *auth = c1_headers_get(&call->req->headers, "Authorization");
	if (!auth || strncasecmp(auth, "ApiKey ", 7) != 0)
		return false;
	const char *key = auth + 7;
	while (*key == ' ')
		key++;
	if (sim_creds_cloudone_check(key, call->region, sizeof(call->region), account, call->key_id,
				     sizeof(call->key_id)) != 0)
		return false;
	sim_copy(call->account, sizeof(call->account), account);
	return true;
}

/* `path` is prefix + one non-empty segment: that segment, else NULL. */
static const char *s_segment(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);
	if (strncmp(path, prefix, n) != 0 || path[n] == '\0' || strchr(path + n, '/'))
		return NULL;
	return path + n;
}

static void s_method_not_allowed(struct c1_call *call)
{
	s_fail(call->resp, 405, "Method %.16s is not allowed on %.128s", call->req->method, call->req->path);
}

static void cloudone_handle(struct sim_request *req, struct sim_response *resp)
{
	struct c1_call call = {.req = req, .resp = resp, .now_ms = s_now(req)};
	const char *m = req->method ? req->method : "";
	const char *p = req->path ? req->path : "";
	const char *seg = NULL;
	bool get = strcmp(m, "GET") == 0, post = strcmp(m, "POST") == 0, del = strcmp(m, "DELETE") == 0;
	if (!s_authenticate(&call)) {
		s_fail(resp, 401, "Invalid API Key");
		return;
	}
	const char *version = c1_headers_get(&req->headers, "api-version");
	if (!version || !*version) {
		s_fail(resp, 400, "Missing required header api-version; send \"api-version: v1\"");
		return;
	}
	if (strcmp(version, "v1") != 0) {
		s_fail(resp, 400, "Unsupported api-version \"%.16s\"; send \"api-version: v1\"", version);
		return;
	}
	if ((seg = s_segment(p, "/api/apikeys/"))) {
		get ? s_apikey_get(&call, seg) : s_method_not_allowed(&call);
	} else if (strcmp(p, "/api/connectors") == 0) {
		post ? s_v1_connect(&call) : get ? s_v1_status(&call) : s_method_not_allowed(&call);
	} else if (strcmp(p, "/api/awsconnectorsettings") == 0) {
		get ? s_ws_settings(&call) : s_method_not_allowed(&call);
	} else if (strcmp(p, "/api/awsconnectors") == 0) {
		post ? s_ws_create(&call) : get ? s_ws_list(&call) : s_method_not_allowed(&call);
	} else if (strcmp(p, "/api/awsconnectors/search") == 0) {
		post ? s_ws_search(&call) : s_method_not_allowed(&call);
	} else if ((seg = s_segment(p, "/api/awsconnectors/"))) {
		get    ? s_ws_get(&call, seg)
		: post ? s_ws_update(&call, seg)
		: del  ? s_ws_delete(&call, seg)
		       : s_method_not_allowed(&call);
	} else if (strcmp(p, "/api/cloudaccounts/aws") == 0) {
		post ? s_ca_create(&call) : get ? s_ca_list(&call) : s_method_not_allowed(&call);
	} else if ((seg = s_segment(p, "/api/cloudaccounts/aws/"))) {
		get ? s_ca_get(&call, seg) : del ? s_ca_delete(&call, seg) : s_method_not_allowed(&call);
	} else if (strcmp(p, "/api/stacks") == 0) {
		post ? s_ct_stack(&call) : s_method_not_allowed(&call);
	} else {
		s_fail(resp, 404, "Not found: no Cloud One API at %.128s", p);
	}
}

/* ---- state, drift, reset ---- */

static void cloudone_dump_state(json_t *state)
{
	json_t *conns = json_array(), *accts = json_array(), *cts = json_array();
	char created[32];
	pthread_mutex_lock(&s_c1.lock);
	for (size_t i = 0; i < s_c1.n_conns; i++) {
		const struct ws_connector *c = &s_c1.conns[i];
		json_t *o = json_object();
		c1_json_set_int(o, "id", c->id);
		c1_json_set_string(o, "account_id", c->account_id);
		c1_json_set_string(o, "cross_account_role_arn", c->role_arn);
		c1_json_set_string(o, "display_name", c->display_name);
		c1_json_set_string(o, "c1_account_id", c->c1_account_id);
		c1_json_set_string(o, "c1_region", c->c1_region);
		c1_json_set_string(o, "created_by", c->by_template ? "template" : "api");
		json_array_append_new(conns, o);
	}
	for (size_t i = 0; i < s_c1.n_accts; i++) {
		const struct cloud_account *a = &s_c1.accts[i];
		sim_format_time(created, sizeof(created), a->created_ms);
		json_t *o = json_object();
		c1_json_set_string(o, "id", a->account_id);
		c1_json_set_string(o, "account_id", a->account_id);
		c1_json_set_string(o, "role_arn", a->role_arn);
		c1_json_set_string(o, "alias", a->alias);
		c1_json_set_string(o, "state", "managed");
		c1_json_set_string(o, "c1_account_id", a->c1_account_id);
		c1_json_set_string(o, "c1_region", a->c1_region);
		c1_json_set_string(o, "created", created);
		c1_json_set_string(o, "created_by", a->by_template ? "template" : "api");
		json_array_append_new(accts, o);
	}
	for (size_t i = 0; i < s_c1.n_cts; i++) {
		const struct ct_integration *ct = &s_c1.cts[i];
		json_t *o = json_object();
		c1_json_set_string(o, "account_id", ct->account_id);
		c1_json_set_string(o, "region", ct->region);
		c1_json_set_string(o, "status", ct->active ? "active" : "pending");
		c1_json_set_string(o, "c1_account_id", ct->c1_account_id);
		c1_json_set_string(o, "c1_region", ct->c1_region);
		c1_json_set_int(o, "deployment_urls_issued", ct->urls_issued);
		c1_json_set_string(o, "created_by", ct->by_template ? "template" : "api");
		json_array_append_new(cts, o);
	}
	pthread_mutex_unlock(&s_c1.lock);
	json_object_set_new(state, "ws_connectors", conns);
	json_object_set_new(state, "cloud_accounts", accts);
	json_object_set_new(state, "cloudtrail_integrations", cts);
}

/* The role a `*_role_changed` drift sets: the spec's "value", else a role of
 * the same account that c1onboard did not create. Caller frees; NULL after
 * writing `err`. */
static char *s_drift_role(const char *kind, const json_t *spec, const char *account, char *err,
			  size_t err_len)
{
	char role_account[16];
	json_t *v = json_object_get(spec, "value");
	if (!v || json_is_null(v)) {
		char *role = c1_asprintf("arn:aws:iam::%s:role/c1sim-foreign-role", account);
		sim_iam_add_role(role); /* someone made it: IAM knows it */
		return role;
	}
	if (!json_is_string(v) || !s_role_account(json_string_value(v), role_account)) {
		snprintf(err, err_len,
			 "%s: \"value\" must be an IAM role ARN (arn:aws:iam::<12 digits>:role/<name>)",
			 kind);
		return NULL;
	}
	sim_iam_add_role(json_string_value(v));
	return c1_strdup(json_string_value(v));
}

static int cloudone_inject_drift(const char *kind, const json_t *spec, char *err, size_t err_len)
{
	bool del_conn = strcmp(kind, "connector_deleted") == 0;
	bool del_acct = strcmp(kind, "cloud_account_deleted") == 0;
	bool role_conn = strcmp(kind, "connector_role_changed") == 0;
	bool role_acct = strcmp(kind, "cloud_account_role_changed") == 0;
	bool connectors = del_conn || role_conn;
	char *role = NULL;
	int changed = 0;
	if (!del_conn && !del_acct && !role_conn && !role_acct)
		return 0;
	const char *account = c1_json_get_string(spec, "account_id");
	const char *c1_account = c1_json_get_string(spec, "c1_account_id");
	if (!s_is_account(account)) {
		snprintf(err, err_len, "%s needs \"account_id\" (a 12-digit AWS account id)", kind);
		return -1;
	}
	if (role_conn || role_acct) {
		role = s_drift_role(kind, spec, account, err, err_len);
		if (!role)
			return -1;
	}
	pthread_mutex_lock(&s_c1.lock);
	if (connectors) {
		for (size_t i = s_c1.n_conns; i-- > 0;) {
			struct ws_connector *c = &s_c1.conns[i];
			if (strcmp(c->account_id, account) != 0 ||
			    (c1_account && strcmp(c->c1_account_id, c1_account) != 0))
				continue;
			if (del_conn) {
				s_conn_remove_at_locked(i);
			} else {
				free(c->role_arn);
				c->role_arn = c1_strdup(role);
			}
			changed++;
		}
	} else {
		for (size_t i = s_c1.n_accts; i-- > 0;) {
			struct cloud_account *a = &s_c1.accts[i];
			if (strcmp(a->account_id, account) != 0 ||
			    (c1_account && strcmp(a->c1_account_id, c1_account) != 0))
				continue;
			if (del_acct) {
				s_acct_remove_at_locked(i);
			} else {
				free(a->role_arn);
				a->role_arn = c1_strdup(role);
			}
			changed++;
		}
	}
	pthread_mutex_unlock(&s_c1.lock);
	free(role);
	if (!changed) {
		snprintf(err, err_len, "%s: AWS account %s has no %s", kind, account,
			 connectors ? "Workload Security connector" : "cloud account");
		return -1;
	}
	return 1;
}

static void cloudone_reset(void)
{
	pthread_mutex_lock(&s_c1.lock);
	while (s_c1.n_conns)
		s_conn_remove_at_locked(s_c1.n_conns - 1);
	while (s_c1.n_accts)
		s_acct_remove_at_locked(s_c1.n_accts - 1);
	for (size_t i = 0; i < s_c1.n_tokens; i++)
		c1_free_secure_str(s_c1.tokens[i].token);
	free(s_c1.conns);
	free(s_c1.accts);
	free(s_c1.tokens);
	free(s_c1.cts);
	s_c1.conns = NULL;
	s_c1.accts = NULL;
	s_c1.tokens = NULL;
	s_c1.cts = NULL;
	s_c1.n_conns = s_c1.cap_conns = s_c1.n_accts = s_c1.cap_accts = 0;
	s_c1.n_tokens = s_c1.cap_tokens = s_c1.n_cts = s_c1.cap_cts = 0;
	s_c1.next_connector_id = 1;
	pthread_mutex_unlock(&s_c1.lock);
}

const struct sim_service sim_service_cloudone = {
    .name = "cloudone",
    .handle = cloudone_handle,
    .dump_state = cloudone_dump_state,
    .inject_drift = cloudone_inject_drift,
    .reset = cloudone_reset,
};
