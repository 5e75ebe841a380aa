/* c1sim Vision One: enrollment tokens (Bearer-authenticated), the list of
 * connected Cloud One accounts, and unlinking (api-reference 1.8). The links
 * themselves live here; sim_cloudone.c creates them through sim_trend.h. */
#include "sim.h"
#include "sim_trend.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/core/json.h"

#include <pthread.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define V1_MAX_BODY ((size_t)1024 * 1024)

/* An issued enrollment token; the token is a credential and is never dumped. */
struct v1_enrollment {
	char *token;
	char v1_tenant[16];
	char connector_id[48];
	char product_id[16];
	int64_t expires_ms;
};

static struct {
	pthread_mutex_t lock;
	struct v1_enrollment *enrollments;
	size_t n_enrollments, cap_enrollments;
	struct sim_v1_link *links;
	size_t n_links, cap_links;
} s_v1 = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* Vision One's error body: {"error": {"code", "message"}}. */
static void s_fail(struct sim_response *resp, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void s_fail(struct sim_response *resp, int status, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sim_respond_json(resp, status, json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg));
}

/* Called with the lock held. */
static struct sim_v1_link *s_link_find(const char *c1_account_id)
{
	for (size_t i = 0; i < s_v1.n_links; i++)
		if (strcmp(s_v1.links[i].c1_account_id, c1_account_id) == 0)
			return &s_v1.links[i];
	return NULL;
}

static void s_link_remove_at(size_t i)
{
	memmove(&s_v1.links[i], &s_v1.links[i + 1], (s_v1.n_links - i - 1) * sizeof(*s_v1.links));
	s_v1.n_links--;
}

static void s_enrollment_remove_at(size_t i)
{
	c1_free_secure_str(s_v1.enrollments[i].token);
	memmove(&s_v1.enrollments[i], &s_v1.enrollments[i + 1],
		(s_v1.n_enrollments - i - 1) * sizeof(*s_v1.enrollments));
	s_v1.n_enrollments--;
}

/* Lock held. The link is keyed by Cloud One account: one V1 tenant each. */
static int s_link_locked(struct sim_v1_link *out, const char *v1_tenant, const char *connector_id,
			 const char *product_id, int64_t now_ms, const char *c1_account_id,
			 const char *c1_region)
{
	struct sim_v1_link *link = s_link_find(c1_account_id);
	if (link) {
		if (strcmp(link->v1_tenant, v1_tenant) != 0) {
			c1_error_set("Cloud One account %s is already connected to another Vision One tenant",
				     c1_account_id);
			return C1_EINVALID;
		}
		*out = *link;
		return 0;
	}
	sim_grow((void **)&s_v1.links, &s_v1.cap_links, s_v1.n_links, sizeof(*s_v1.links));
	link = &s_v1.links[s_v1.n_links++];
	memset(link, 0, sizeof(*link));
	sim_copy(link->c1_account_id, sizeof(link->c1_account_id), c1_account_id);
	sim_copy(link->c1_region, sizeof(link->c1_region), c1_region);
	sim_copy(link->v1_tenant, sizeof(link->v1_tenant), v1_tenant);
	sim_copy(link->connector_id, sizeof(link->connector_id), connector_id);
	sim_copy(link->product_id, sizeof(link->product_id), product_id);
	link->created_ms = now_ms;
	*out = *link;
	return 0;
}

int sim_visionone_redeem(struct sim_v1_link *out, const char *token, int64_t now_ms,
			 const char *c1_account_id, const char *c1_region)
{
	int rc = C1_ENOTFOUND;
	pthread_mutex_lock(&s_v1.lock);
	for (size_t i = 0; token && i < s_v1.n_enrollments; i++) {
		struct v1_enrollment *e = &s_v1.enrollments[i];
		if (strcmp(e->token, token) != 0)
			continue;
		if (now_ms >= e->expires_ms) {
			c1_error_set("the enrollment token has expired; request a new one from Vision One");
			rc = C1_ETIMEOUT;
			goto cleanup;
		}
		rc = s_link_locked(out, e->v1_tenant, e->connector_id, e->product_id, now_ms, c1_account_id,
				   c1_region);
		goto cleanup;
	}
	c1_error_set("the enrollment token was not issued by Vision One");
cleanup:
	pthread_mutex_unlock(&s_v1.lock);
	return rc;
}

int sim_visionone_link_tenant(struct sim_v1_link *out, const char *v1_tenant, int64_t now_ms,
			      const char *c1_account_id, const char *c1_region)
{
	char connector_id[48];
	sim_new_request_id(connector_id, sizeof(connector_id));
	pthread_mutex_lock(&s_v1.lock);
	int rc = s_link_locked(out, v1_tenant, connector_id, "scc", now_ms, c1_account_id, c1_region);
	pthread_mutex_unlock(&s_v1.lock);
	return rc;
}

bool sim_visionone_link_get(struct sim_v1_link *out, const char *c1_account_id)
{
	pthread_mutex_lock(&s_v1.lock);
	struct sim_v1_link *link = s_link_find(c1_account_id);
	if (link && out)
		*out = *link;
	pthread_mutex_unlock(&s_v1.lock);
	return link != NULL;
}

static int64_t s_now(const struct sim_request *req)
{
	return req->now_ms > 0 ? req->now_ms : sim_now_ms();
}

static void s_enroll(struct sim_request *req, struct sim_response *resp, const char *tenant)
{
	json_t *body = NULL;
	char token[64], connector_id[48], expire_text[32];
	if (c1_json_parse(&body, c1_buf_view(&req->body), V1_MAX_BODY, 0) != 0 || !json_is_object(body)) {
		s_fail(resp, 400, "BadRequest", "The request body must be a JSON object");
		goto cleanup;
	}
	const char *product = c1_json_get_string(body, "productId");
	if (!product || !*product) {
		s_fail(resp, 400, "BadRequest", "Missing required field: productId");
		goto cleanup;
	}
	if (strcmp(product, "scc") != 0 && strcmp(product, "sws") != 0) {
		s_fail(resp, 400, "BadRequest", "Unsupported productId; use \"scc\"");
		goto cleanup;
	}
	int64_t now = s_now(req);
	int64_t expires = sim_after_ms(now, SIM_V1_ENROLLMENT_TTL_S);
	sim_new_id(token, sizeof(token), "v1enr", 40);
	sim_new_request_id(connector_id, sizeof(connector_id));
	sim_format_time(expire_text, sizeof(expire_text), expires);

	pthread_mutex_lock(&s_v1.lock);
	/* Expired tokens are dead weight: drop them as new ones arrive. */
	for (size_t i = s_v1.n_enrollments; i-- > 0;)
		if (s_v1.enrollments[i].expires_ms <= now)
			s_enrollment_remove_at(i);
	sim_grow((void **)&s_v1.enrollments, &s_v1.cap_enrollments, s_v1.n_enrollments,
		 sizeof(*s_v1.enrollments));
	struct v1_enrollment *e = &s_v1.enrollments[s_v1.n_enrollments++];
	memset(e, 0, sizeof(*e));
	e->token = c1_strdup(token);
	sim_copy(e->v1_tenant, sizeof(e->v1_tenant), tenant);
	sim_copy(e->connector_id, sizeof(e->connector_id), connector_id);
	sim_copy(e->product_id, sizeof(e->product_id), product);
	e->expires_ms = expires;
	pthread_mutex_unlock(&s_v1.lock);

	sim_respond_json(resp, 200,
			 json_pack("{s:s,s:s,s:s}", "token", token, "connectorId", connector_id,
				   "tokenExpireTime", expire_text));
cleanup:
	c1_wipe(token, sizeof(token));
	json_decref(body);
}

static void s_list(struct sim_response *resp, const char *tenant)
{
	json_t *data = json_array();
	char created[32];
	pthread_mutex_lock(&s_v1.lock);
	for (size_t i = 0; i < s_v1.n_links; i++) {
		struct sim_v1_link *l = &s_v1.links[i];
		if (strcmp(l->v1_tenant, tenant) != 0)
			continue;
		if (sim_variant_is("v1_list", "without_scc") && strcmp(l->product_id, "scc") == 0)
			continue;
		/* A link that takes a while to show as connected (variant late). */
		bool connected = !sim_variant_is("v1_list", "late") || l->listed >= 2;
		l->listed++;
		sim_format_time(created, sizeof(created), l->created_ms);
		json_t *e = sim_variant_is("v1_list", "minimal")
				? json_pack("{s:s,s:b,s:i}", "productId", l->product_id, "isConnected",
					    connected, "status", connected ? 1 : 0)
				: json_pack("{s:s,s:s,s:b,s:i,s:s}", "productId", l->product_id,
					    "connectorId", l->connector_id, "isConnected", connected,
					    "status", connected ? 1 : 0, "createdTime", created);
		if (sim_variant_is("v1_list", "full")) {
			json_object_set_new(e, "cloudOneAccountId", json_string(l->c1_account_id));
			json_object_set_new(e, "cloudOneRegion", json_string(l->c1_region));
		}
		json_array_append_new(data, e);
	}
	pthread_mutex_unlock(&s_v1.lock);
	sim_respond_json(resp, 200, json_pack("{s:s,s:o}", "code", "Success", "data", data));
}

static void s_unlink(struct sim_response *resp, const char *tenant, const char *connector_id)
{
	bool found = false;
	pthread_mutex_lock(&s_v1.lock);
	for (size_t i = s_v1.n_links; i-- > 0;) {
		if (strcmp(s_v1.links[i].v1_tenant, tenant) == 0 &&
		    strcmp(s_v1.links[i].connector_id, connector_id) == 0) {
			s_link_remove_at(i);
			found = true;
		}
	}
	/* A connector that was enrolled but never connected goes too, with its token. */
	for (size_t i = s_v1.n_enrollments; i-- > 0;) {
		if (strcmp(s_v1.enrollments[i].v1_tenant, tenant) == 0 &&
		    strcmp(s_v1.enrollments[i].connector_id, connector_id) == 0) {
			s_enrollment_remove_at(i);
			found = true;
		}
	}
	pthread_mutex_unlock(&s_v1.lock);
	if (!found) {
		s_fail(resp, 404, "NotFound", "Connector %s was not found", connector_id);
		return;
	}
	sim_respond_json(resp, 200,
			 json_pack("{s:s,s:s,s:{s:s}}", "code", "Success", "message", "Connector deleted",
				   "data", "connectorId", connector_id));
}

/* The tenant comes from the token itself (docs/simulator.md), so a handler
 * called directly still authenticates. */
static bool s_authenticate(const struct sim_request *req, char *tenant, size_t tenant_len)
{
	const char *auth = c1_headers_get(&req->headers, "Authorization");
	if (!auth || strncasecmp(auth, "Bearer ", 7) != 0)
		return false;
	const char *token = auth + 7;
	while (*token == ' ')
		token++;
	return sim_creds_visionone_check(token, tenant, tenant_len) == 0;
}

#define V1_UNLINK_PREFIX "/v2.0/xdr/portal/connectors/onpremise/"

static void visionone_handle(struct sim_request *req, struct sim_response *resp)
{
	char tenant[64];
	const char *m = req->method ? req->method : "";
	const char *p = req->path ? req->path : "";
	if (!s_authenticate(req, tenant, sizeof(tenant))) {
		s_fail(resp, 401, "InvalidCredentials",
		       "The authentication token is invalid or has been revoked");
		return;
	}
	if (strcmp(p, "/v1.0/preview/uic/instances/enrollment") == 0) {
		if (strcmp(m, "POST") == 0)
			s_enroll(req, resp, tenant);
		else
			s_fail(resp, 405, "MethodNotAllowed", "%s is not allowed on this resource", m);
	} else if (strcmp(p, "/v2.0/xdr/portal/connectors") == 0) {
		if (strcmp(m, "GET") == 0)
			s_list(resp, tenant);
		else
			s_fail(resp, 405, "MethodNotAllowed", "%s is not allowed on this resource", m);
	} else if (strncmp(p, V1_UNLINK_PREFIX, strlen(V1_UNLINK_PREFIX)) == 0 &&
		   p[strlen(V1_UNLINK_PREFIX)] != '\0' && !strchr(p + strlen(V1_UNLINK_PREFIX), '/') &&
		   strlen(p + strlen(V1_UNLINK_PREFIX)) < 48) {
		if (strcmp(m, "DELETE") == 0)
			s_unlink(resp, tenant, p + strlen(V1_UNLINK_PREFIX));
		else
			s_fail(resp, 405, "MethodNotAllowed", "%s is not allowed on this resource", m);
	} else {
		s_fail(resp, 404, "NotFound", "No Vision One API at this path");
	}
}

static void visionone_dump_state(json_t *state)
{
	json_t *links = json_array();
	char created[32];
	pthread_mutex_lock(&s_v1.lock);
	for (size_t i = 0; i < s_v1.n_links; i++) {
		const struct sim_v1_link *l = &s_v1.links[i];
		sim_format_time(created, sizeof(created), l->created_ms);
		/* account_id carries the Cloud One account (SPEC 6: links are per Cloud One account). */
		json_array_append_new(
		    links, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "account_id", l->c1_account_id,
				     "c1_account_id", l->c1_account_id, "c1_region", l->c1_region,
				     "v1_tenant", l->v1_tenant, "connector_id", l->connector_id, "product_id",
				     l->product_id, "status", "connected", "created", created));
	}
	pthread_mutex_unlock(&s_v1.lock);
	json_object_set_new(state, "visionone_links", links);
}

static int visionone_inject_drift(const char *kind, const json_t *spec, char *err, size_t err_len)
{
	if (strcmp(kind, "visionone_unlinked") != 0)
		return 0;
	const char *c1_account = c1_json_get_string(spec, "c1_account_id");
	if (!c1_account || !*c1_account) {
		snprintf(err, err_len,
			 "visionone_unlinked needs \"c1_account_id\" (the Cloud One account id)");
		return -1;
	}
	bool found = false;
	pthread_mutex_lock(&s_v1.lock);
	for (size_t i = s_v1.n_links; i-- > 0;) {
		if (strcmp(s_v1.links[i].c1_account_id, c1_account) == 0) {
			s_link_remove_at(i);
			found = true;
		}
	}
	pthread_mutex_unlock(&s_v1.lock);
	if (!found) {
		snprintf(err, err_len, "Cloud One account %s is not linked to Vision One", c1_account);
		return -1;
	}
	return 1;
}

static void visionone_reset(void)
{
	pthread_mutex_lock(&s_v1.lock);
	for (size_t i = 0; i < s_v1.n_enrollments; i++)
		c1_free_secure_str(s_v1.enrollments[i].token);
	free(s_v1.enrollments);
	free(s_v1.links);
	s_v1.enrollments = NULL;
	s_v1.links = NULL;
	s_v1.n_enrollments = s_v1.cap_enrollments = 0;
	s_v1.n_links = s_v1.cap_links = 0;
	pthread_mutex_unlock(&s_v1.lock);
}

const struct sim_service sim_service_visionone = {
    .name = "visionone",
    .handle = visionone_handle,
    .dump_state = visionone_dump_state,
    .inject_drift = visionone_inject_drift,
    .reset = visionone_reset,
};
