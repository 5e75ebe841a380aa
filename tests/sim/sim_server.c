/* The listener and the router of docs/simulator.md: control plane first,
 * then SigV4 (AWS), ApiKey (Cloud One) or Bearer (Vision One)
 * authentication, latency and faults, the service handler, the counters. */
#include "sim_server.h"

#include "sim_delay.h"

#include "engine/aws/sigv4.h"
#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/core/log.h"
#include "engine/net/url.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#define S_MAX_SKEW_S (15 * 60)

struct sim_server {
	struct MHD_Daemon *daemon;
	struct sim_delay *delay;   /* NULL in thread-per-connection mode */
	_Atomic long delayed_open; /* delayed exchanges not yet completed (sent or closed) */
	int port;
	size_t max_body;
	bool tls;
	/* MHD reads the PEM texts while the daemon runs: keep our own copies. */
	char *tls_cert_pem;
	char *tls_key_pem;
};

/* One HTTP exchange while MHD feeds it to us. */
struct s_exchange {
	char *raw_uri;
	struct c1_buf body;
	bool seen;
	bool too_big;
	/* An answer waiting out its latency on a suspended connection. */
	struct sim_server *srv;
	struct MHD_Connection *conn;
	struct MHD_Response *pending;
	unsigned int pending_status;
	bool delayed;
};

struct s_counter {
	char service[16];
	char route[128];
	long count;
	long throttled;
	long failed;
};

static pthread_mutex_t s_counter_lock = PTHREAD_MUTEX_INITIALIZER;
static struct s_counter *s_counters;
static size_t s_counter_count;
static size_t s_counter_cap;
static bool s_verbose;

static const struct sim_service *const s_service_table[] = {
    &sim_service_sts,        &sim_service_iam,      &sim_service_cloudformation, &sim_service_s3,
    &sim_service_cloudtrail, &sim_service_cloudone, &sim_service_visionone,
};

const struct sim_service *const *sim_services(size_t *count)
{
	*count = sizeof(s_service_table) / sizeof(s_service_table[0]);
	return s_service_table;
}

static const struct sim_service *s_service_named(const char *name)
{
	size_t n;
	const struct sim_service *const *all = sim_services(&n);
	for (size_t i = 0; i < n; i++)
		if (name && strcmp(all[i]->name, name) == 0)
			return all[i];
	return NULL;
}

/* ---- requests and responses ---- */

void sim_request_init(struct sim_request *req, const char *method, const char *raw_uri)
{
	memset(req, 0, sizeof(*req));
	req->method = method;
	const char *uri = raw_uri && raw_uri[0] ? raw_uri : "/";
	const char *q = strchr(uri, '?');
	req->raw_path = q ? c1_strndup(uri, (size_t)(q - uri)) : c1_strdup(uri);
	req->raw_query = c1_strdup(q ? q + 1 : "");
	req->path = c1_url_decode(req->raw_path, false);
	if (!req->path)
		req->path = c1_strdup(req->raw_path);
	req->body.max = SIM_MAX_BODY_BYTES;
	req->service = "";
}

void sim_request_dispose(struct sim_request *req)
{
	if (!req)
		return;
	free(req->raw_path);
	free(req->path);
	free(req->raw_query);
	c1_headers_dispose(&req->headers);
	c1_buf_dispose(&req->body);
	req->raw_path = req->path = req->raw_query = NULL;
}

void sim_response_init(struct sim_response *resp)
{
	memset(resp, 0, sizeof(*resp));
	resp->status = 500;
}

void sim_response_dispose(struct sim_response *resp)
{
	if (!resp)
		return;
	c1_headers_dispose(&resp->headers);
	c1_buf_dispose(&resp->body);
}

/* ---- counters ---- */

void sim_count(const char *service, const char *route, bool throttled, bool failed)
{
	pthread_mutex_lock(&s_counter_lock);
	struct s_counter *c = NULL;
	for (size_t i = 0; i < s_counter_count; i++) {
		if (strcmp(s_counters[i].route, route) == 0 && strcmp(s_counters[i].service, service) == 0) {
			c = &s_counters[i];
			break;
		}
	}
	if (!c) {
		if (s_counter_count == s_counter_cap) {
			s_counter_cap = s_counter_cap ? 2 * s_counter_cap : 64;
			s_counters = c1_realloc(s_counters, s_counter_cap * sizeof(*s_counters));
		}
		c = &s_counters[s_counter_count++];
		memset(c, 0, sizeof(*c));
		snprintf(c->service, sizeof(c->service), "%s", service);
		snprintf(c->route, sizeof(c->route), "%s", route);
	}
	c->count++;
	c->throttled += throttled;
	c->failed += failed;
	pthread_mutex_unlock(&s_counter_lock);
}

void sim_counters_dump(json_t *state)
{
	json_t *arr = json_array();
	pthread_mutex_lock(&s_counter_lock);
	for (size_t i = 0; i < s_counter_count; i++) {
		const struct s_counter *c = &s_counters[i];
		json_array_append_new(arr,
				      json_pack("{s:s, s:s, s:I, s:I, s:I}", "service", c->service, "route",
						c->route, "count", (json_int_t)c->count, "throttled",
						(json_int_t)c->throttled, "failed", (json_int_t)c->failed));
	}
	pthread_mutex_unlock(&s_counter_lock);
	json_object_set_new(state, "requests", arr);
}

void sim_counters_reset(void)
{
	pthread_mutex_lock(&s_counter_lock);
	free(s_counters);
	s_counters = NULL;
	s_counter_count = s_counter_cap = 0;
	pthread_mutex_unlock(&s_counter_lock);
}

/* ---- routing helpers ---- */

static bool s_starts(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool s_istarts(const char *s, const char *prefix)
{
	return s && strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* REST route key "METHOD /path-template": any segment outside the known
 * vocabulary of the Cloud One and Vision One paths is an id. */
static void s_rest_route(struct sim_request *req)
{
	static const char *const words[] = {
	    "api",           "apikeys",    "accounts",      "connectors", "awsconnectorsettings",
	    "awsconnectors", "search",     "cloudaccounts", "aws",        "stacks",
	    "v1.0",          "v2.0",       "v3.0",          "preview",    "uic",
	    "instances",     "enrollment", "xdr",           "portal",     "onpremise",
	    "settings",      "beta",       "cam",           "externalid", "externalID",
	    "status",        "cloudtrail", "integrations"};
	struct c1_buf out = C1_BUF_INIT;
	c1_buf_printf(&out, "%s ", req->method);
	const char *p = req->path;
	if (!*p)
		c1_buf_putc(&out, '/');
	while (*p) {
		if (*p == '/') {
			c1_buf_putc(&out, '/');
			p++;
			continue;
		}
		size_t n = strcspn(p, "/");
		bool known = false;
		for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			if (strlen(words[i]) == n && strncmp(words[i], p, n) == 0)
				known = true;
		if (known)
			c1_buf_put(&out, p, n);
		else
			c1_buf_puts(&out, "{id}");
		p += n;
	}
	snprintf(req->route, sizeof(req->route), "%s", c1_buf_cstr(&out));
	c1_buf_dispose(&out);
}

static void s_aws_route(struct sim_request *req)
{
	if (strcmp(req->service, "s3") == 0) {
		sim_s3_route(req);
	} else if (strcmp(req->service, "cloudtrail") == 0) {
		const char *target = c1_headers_get(&req->headers, "X-Amz-Target");
		const char *dot = target ? strrchr(target, '.') : NULL;
		snprintf(req->route, sizeof(req->route), "%s", dot ? dot + 1 : "(no target)");
	} else {
		char *action = sim_form_get(req, "Action");
		snprintf(req->route, sizeof(req->route), "%s", action && action[0] ? action : "(no action)");
		free(action);
	}
}

/* ---- AWS authentication ---- */

enum s_auth_failure { S_UNKNOWN_KEY, S_BAD_TOKEN, S_BAD_SIGNATURE, S_EXPIRED, S_SKEW, S_MALFORMED };

/* Each protocol family answers an authentication failure its own way. */
static void s_auth_error(struct sim_request *req, struct sim_response *resp, enum s_auth_failure why,
			 const char *detail)
{
	static const char sig_msg[] =
	    "The request signature we calculated does not match the signature you "
	    "provided. Check your AWS Secret Access Key and signing method. Consult the "
	    "service documentation for details.";
	static const char invalid_msg[] = "The security token included in the request is invalid.";
	static const char expired_msg[] = "The security token included in the request is expired";
	const char *svc = req->service;
	if (strcmp(svc, "s3") == 0) {
		switch (why) {
		case S_UNKNOWN_KEY:
			sim_respond_s3_error(
			    resp, req, 403, "InvalidAccessKeyId",
			    "The AWS Access Key Id you provided does not exist in our records.");
			break;
		case S_BAD_TOKEN:
			sim_respond_s3_error(resp, req, 400, "InvalidToken",
					     "The provided token is malformed or otherwise invalid.");
			break;
		case S_BAD_SIGNATURE:
			sim_respond_s3_error(
			    resp, req, 403, "SignatureDoesNotMatch",
			    "The request signature we calculated does not match the signature you "
			    "provided. Check your key and signing method.");
			break;
		case S_EXPIRED:
			sim_respond_s3_error(resp, req, 400, "ExpiredToken",
					     "The provided token has expired.");
			break;
		case S_SKEW:
			sim_respond_s3_error(
			    resp, req, 403, "RequestTimeTooSkewed",
			    "The difference between the request time and the current time is too "
			    "large.");
			break;
		case S_MALFORMED:
			sim_respond_s3_error(resp, req, 400, "AuthorizationHeaderMalformed", detail);
			break;
		}
	} else if (strcmp(svc, "cloudtrail") == 0) {
		switch (why) {
		case S_UNKNOWN_KEY:
		case S_BAD_TOKEN:
			sim_respond_aws_json_error(resp, 400, "UnrecognizedClientException", invalid_msg);
			break;
		case S_BAD_SIGNATURE:
			sim_respond_aws_json_error(resp, 400, "InvalidSignatureException", sig_msg);
			break;
		case S_EXPIRED:
			sim_respond_aws_json_error(resp, 400, "ExpiredTokenException", expired_msg);
			break;
		case S_SKEW:
			sim_respond_aws_json_error(resp, 400, "InvalidSignatureException", detail);
			break;
		case S_MALFORMED:
			sim_respond_aws_json_error(resp, 400, "IncompleteSignatureException", detail);
			break;
		}
	} else {
		const char *ns = sim_aws_xmlns(svc);
		switch (why) {
		case S_UNKNOWN_KEY:
		case S_BAD_TOKEN:
			sim_respond_aws_query_error(resp, 403, ns, "Sender", "InvalidClientTokenId",
						    invalid_msg);
			break;
		case S_BAD_SIGNATURE:
			sim_respond_aws_query_error(resp, 403, ns, "Sender", "SignatureDoesNotMatch",
						    sig_msg);
			break;
		case S_EXPIRED:
			sim_respond_aws_query_error(resp, 403, ns, "Sender", "ExpiredToken", expired_msg);
			break;
		case S_SKEW:
			sim_respond_aws_query_error(resp, 403, ns, "Sender", "SignatureDoesNotMatch", detail);
			break;
		case S_MALFORMED:
			sim_respond_aws_query_error(resp, 400, ns, "Sender", "IncompleteSignature", detail);
			break;
		}
	}
}

static int64_t s_parse_amz_date(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	if (!s || strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z')
		return -1;
	int v[6];
	const int pos[6] = {0, 4, 6, 9, 11, 13};
	const int len[6] = {4, 2, 2, 2, 2, 2};
	for (int i = 0; i < 6; i++) {
		v[i] = 0;
		for (int j = 0; j < len[i]; j++) {
			char c = s[pos[i] + j];
			if (c < '0' || c > '9')
				return -1;
			v[i] = v[i] * 10 + (c - '0');
		}
	}
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	return (int64_t)timegm(&tm);
}

static void s_format_amz_date(char out[17], int64_t t)
{
	if (c1_sigv4_format_amz_date(out, t) < 0)
		snprintf(out, 17, "?");
}

static const char *s_aws_service(const char *name)
{
	static const char *const known[] = {"sts", "iam", "cloudformation", "s3", "cloudtrail"};
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (name && strcmp(name, known[i]) == 0)
			return known[i];
	return NULL;
}

/* Split "AKID/date/region/service/aws4_request" from a presigned URL. */
static int s_split_credential(struct c1_sigv4_authorization *az, const char *credential)
{
	const char *slash = credential ? strchr(credential, '/') : NULL;
	if (!slash)
		return -1;
	az->access_key_id = c1_strndup(credential, (size_t)(slash - credential));
	az->scope = c1_strdup(slash + 1);
	char *parts[4] = {NULL};
	char *copy = c1_strdup(az->scope);
	char *p = copy;
	int n = 0;
	while (n < 4) {
		parts[n++] = p;
		char *s = strchr(p, '/');
		if (!s)
			break;
		*s = '\0';
		p = s + 1;
	}
	int rc = -1;
	if (n == 4 && strcmp(parts[3], "aws4_request") == 0) {
		az->date = c1_strdup(parts[0]);
		az->region = c1_strdup(parts[1]);
		az->service = c1_strdup(parts[2]);
		rc = 0;
	}
	free(copy);
	return rc;
}

static bool s_aws_authenticate(struct sim_request *req, struct sim_response *resp, const char *authorization)
{
	bool ok = false;
	bool presigned = authorization == NULL;
	struct c1_sigv4_authorization az = C1_SIGV4_AUTHORIZATION_INIT;
	char *q_credential = NULL, *q_signed = NULL, *q_signature = NULL, *q_date = NULL, *q_token = NULL;
	char *q_expires = NULL;
	char secret[64] = "";
	char account[13] = "";
	char detail[256];
	const char *token = NULL;
	const char *amz_date = NULL;

	req->service = "sts"; /* error shape until the scope names the service */
	if (presigned) {
		q_credential = sim_query_get(req, "X-Amz-Credential");
		q_signed = sim_query_get(req, "X-Amz-SignedHeaders");
		q_signature = sim_query_get(req, "X-Amz-Signature");
		q_date = sim_query_get(req, "X-Amz-Date");
		q_token = sim_query_get(req, "X-Amz-Security-Token");
		q_expires = sim_query_get(req, "X-Amz-Expires");
		if (s_split_credential(&az, q_credential) < 0 || !q_signed || !q_signature ||
		    strlen(q_signature) != C1_SIGV4_HEX_LEN) {
			const char *svc = az.service ? s_aws_service(az.service) : NULL;
			req->service = svc ? svc : "s3";
			s_auth_error(req, resp, S_MALFORMED,
				     "Query-string authentication requires X-Amz-Credential, "
				     "X-Amz-SignedHeaders and X-Amz-Signature.");
			goto cleanup;
		}
		az.signed_headers = c1_strdup(q_signed);
		snprintf(az.signature, sizeof(az.signature), "%s", q_signature);
		token = q_token;
		amz_date = q_date;
	} else {
		if (c1_sigv4_authorization_parse(&az, authorization) < 0) {
			s_auth_error(req, resp, S_MALFORMED, c1_error_last());
			goto cleanup;
		}
		token = c1_headers_get(&req->headers, "X-Amz-Security-Token");
		amz_date = c1_headers_get(&req->headers, "X-Amz-Date");
	}
	const char *service = s_aws_service(az.service);
	if (!service) {
		snprintf(detail, sizeof(detail),
			 "c1sim does not simulate the AWS service '%.40s' (sts, iam, cloudformation, s3, "
			 "cloudtrail)",
			 az.service ? az.service : "");
		sim_respond_aws_query_error(resp, 400, sim_aws_xmlns("sts"), "Sender", "UnrecognizedService",
					    detail);
		snprintf(req->route, sizeof(req->route), "(unknown service)");
		goto cleanup;
	}
	req->service = service;
	snprintf(req->region, sizeof(req->region), "%s", az.region);
	s_aws_route(req);
	snprintf(req->access_key_id, sizeof(req->access_key_id), "%s", az.access_key_id);

	if (sim_creds_aws_secret(secret, sizeof(secret), az.access_key_id, account) < 0) {
		s_auth_error(req, resp, S_UNKNOWN_KEY, NULL);
		goto cleanup;
	}
	int session = 0;
	char arn[256] = "";
	if (strncmp(az.access_key_id, "ASIA", 4) == 0) {
		session =
		    sim_creds_check_session(az.access_key_id, token, req->now_ms / 1000, arn, sizeof(arn));
		if (session == -1) {
			s_auth_error(req, resp, token ? S_BAD_TOKEN : S_UNKNOWN_KEY, NULL);
			goto cleanup;
		}
	} else if (token && token[0]) {
		s_auth_error(req, resp, S_BAD_TOKEN, NULL);
		goto cleanup;
	} else {
		snprintf(arn, sizeof(arn), "arn:aws:iam::%s:user/c1sim-%s", account, az.access_key_id + 16);
	}

	int64_t signed_at = s_parse_amz_date(amz_date);
	if (signed_at < 0) {
		s_auth_error(
		    req, resp, S_MALFORMED,
		    "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
		goto cleanup;
	}
	int64_t now_s = req->now_ms / 1000;
	char a[17], b[17], c[17];
	if (presigned) {
		long expires = q_expires ? strtol(q_expires, NULL, 10) : 0;
		if (expires <= 0 || expires > C1_SIGV4_MAX_EXPIRES_S || now_s > signed_at + expires ||
		    signed_at > now_s + S_MAX_SKEW_S) {
			if (strcmp(service, "s3") == 0)
				sim_respond_s3_error(resp, req, 403, "AccessDenied", "Request has expired");
			else
				s_auth_error(req, resp, S_SKEW, "Signature expired");
			goto cleanup;
		}
	} else if (signed_at < now_s - S_MAX_SKEW_S || signed_at > now_s + S_MAX_SKEW_S) {
		s_format_amz_date(a, signed_at);
		s_format_amz_date(c, now_s);
		if (signed_at < now_s) {
			s_format_amz_date(b, now_s - S_MAX_SKEW_S);
			snprintf(detail, sizeof(detail),
				 "Signature expired: %s is now earlier than %s (%s - 15 min.)", a, b, c);
		} else {
			s_format_amz_date(b, now_s + S_MAX_SKEW_S);
			snprintf(detail, sizeof(detail),
				 "Signature not yet current: %s is still later than %s (%s + 15 min.)", a, b,
				 c);
		}
		s_auth_error(req, resp, S_SKEW, detail);
		goto cleanup;
	}

	struct c1_sigv4_verify_input in = {
	    .method = req->method,
	    .raw_path = req->raw_path,
	    .raw_query = req->raw_query[0] ? req->raw_query : NULL,
	    .headers = &req->headers,
	    .body = c1_buf_view(&req->body),
	    .signed_headers = az.signed_headers,
	    .credential_scope = az.scope,
	    .amz_date = amz_date,
	    .payload_hash = presigned && strcmp(service, "s3") == 0 ? C1_SIGV4_UNSIGNED : NULL,
	    .presigned = presigned,
	};
	if (c1_sigv4_verify(&in, secret, az.signature) != 0) {
		s_auth_error(req, resp, S_BAD_SIGNATURE, NULL);
		goto cleanup;
	}
	if (session == -2) {
		s_auth_error(req, resp, S_EXPIRED, NULL);
		goto cleanup;
	}
	snprintf(req->account_id, sizeof(req->account_id), "%s", account);
	snprintf(req->principal_arn, sizeof(req->principal_arn), "%s", arn);
	ok = true;
cleanup:
	c1_wipe(secret, sizeof(secret));
	c1_sigv4_authorization_dispose(&az);
	free(q_credential);
	free(q_signed);
	free(q_signature);
	free(q_date);
	free(q_expires);
	c1_free_secure_str(q_token);
	return ok;
}

/* ---- Cloud One and Vision One authentication ---- */

static bool s_cloudone_authenticate(struct sim_request *req, struct sim_response *resp, const char *key)
{
	char region[16];
	char account[13];
	req->service = "cloudone";
	s_rest_route(req);
	if (sim_creds_cloudone_check(key, region, sizeof(region), account, req->tenant, sizeof(req->tenant)) <
	    0) {
		sim_respond_service_error(resp, req, 401, NULL, "Invalid API Key");
		return false;
	}
	snprintf(req->region, sizeof(req->region), "%s", region);
	snprintf(req->account_id, sizeof(req->account_id), "%s", account);
	snprintf(req->principal_arn, sizeof(req->principal_arn), "urn:cloudone:identity:%s:%s:apikey/%s",
		 region, account, req->tenant);
	if (!c1_headers_get(&req->headers, "api-version")) {
		sim_respond_service_error(
		    resp, req, 400, NULL,
		    "Missing api-version header: send 'api-version: v1' with every request.");
		return false;
	}
	return true;
}

static bool s_visionone_authenticate(struct sim_request *req, struct sim_response *resp, const char *token)
{
	req->service = "visionone";
	s_rest_route(req);
	if (sim_creds_visionone_check(token, req->tenant, sizeof(req->tenant)) < 0) {
		sim_respond_service_error(resp, req, 401, "InvalidCredentials",
					  "The authentication token is invalid or has expired.");
		return false;
	}
	snprintf(req->account_id, sizeof(req->account_id), "%.8s", req->tenant);
	return true;
}

/* No credentials at all: answer as the API the path belongs to would. */
static void s_anonymous(struct sim_request *req, struct sim_response *resp)
{
	if (s_starts(req->path, "/api/")) {
		req->service = "cloudone";
		s_rest_route(req);
		sim_respond_service_error(resp, req, 401, NULL, "Invalid API Key");
	} else if (s_starts(req->path, "/v1.0/") || s_starts(req->path, "/v2.0/") ||
		   s_starts(req->path, "/v3.0/")) {
		req->service = "visionone";
		s_rest_route(req);
		sim_respond_service_error(resp, req, 401, "InvalidCredentials",
					  "Missing Authorization header.");
	} else if (strcmp(req->method, "POST") == 0) {
		req->service = "sts";
		s_aws_route(req);
		sim_respond_aws_query_error(resp, 403, sim_aws_xmlns("sts"), "Sender",
					    "MissingAuthenticationToken",
					    "Request is missing Authentication Token");
	} else {
		req->service = "s3";
		sim_s3_route(req);
		sim_respond_s3_error(resp, req, 403, "AccessDenied", "Access Denied");
	}
}

/* STS actions that are called unsigned: AssumeRoleWithWebIdentity. */
static bool s_unsigned_sts(struct sim_request *req)
{
	if (strcmp(req->method, "POST") != 0 || c1_headers_get(&req->headers, "Authorization"))
		return false;
	char *action = sim_form_get(req, "Action");
	bool yes = action && strcmp(action, "AssumeRoleWithWebIdentity") == 0;
	free(action);
	if (yes) {
		req->service = "sts";
		s_aws_route(req);
	}
	return yes;
}

/* ---- dispatch ---- */

static void s_sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0)
		;
}

static void s_ensure_request_id_header(const struct sim_request *req, struct sim_response *resp);

void sim_server_dispatch(struct sim_request *req, struct sim_response *resp)
{
	bool throttled = false;
	int64_t started = sim_now_ms();
	if (!req->now_ms)
		req->now_ms = started;
	if (!req->service)
		req->service = "";

	if (s_starts(req->path, "/_sim/") || strcmp(req->path, "/_sim") == 0) {
		req->service = "sim";
		snprintf(req->route, sizeof(req->route), "%s %s", req->method, req->path);
		sim_control_handle(req, resp);
		goto cleanup;
	}
	const char *authorization = c1_headers_get(&req->headers, "Authorization");
	bool ok;
	if (s_istarts(authorization, C1_SIGV4_ALGORITHM " ")) {
		ok = s_aws_authenticate(req, resp, authorization);
	} else if (!authorization && strstr(req->raw_query, "X-Amz-Credential=")) {
		ok = s_aws_authenticate(req, resp, NULL);
	} else if (s_istarts(authorization, "ApiKey ")) {
		ok = s_cloudone_authenticate(req, resp, authorization + strlen("ApiKey "));
	} else if (s_istarts(authorization, "Bearer ")) {
		ok = s_visionone_authenticate(req, resp, authorization + strlen("Bearer "));
	} else if (s_unsigned_sts(req)) {
		ok = true; /* the web identity token is the credential (sim_sts.c checks it) */
	} else {
		s_anonymous(req, resp);
		ok = false;
	}
	if (!ok) {
		sim_count(req->service, req->route, false, true);
		goto cleanup;
	}

	/* The answer is computed now, at arrival, and sent `latency` later. */
	resp->delay_ms = sim_faults_latency_ms() + sim_faults_spike_ms(req);
	int status = 0;
	char code[64] = "", message[256] = "";
	enum sim_fault_effect fault =
	    sim_faults_check_message(req, &status, code, sizeof(code), message, sizeof(message));
	if (fault == SIM_FAULT_THROTTLE) {
		sim_respond_throttle(resp, req);
		throttled = true;
	} else if (fault == SIM_FAULT_ERROR) {
		sim_respond_service_error(resp, req, status, code[0] ? code : NULL,
					  message[0] ? message : NULL);
	} else {
		const struct sim_service *svc = s_service_named(req->service);
		if (svc && svc->handle)
			svc->handle(req, resp);
		else
			sim_respond_service_error(resp, req, 501, NULL, "not simulated");
		int lost = 0;
		if (resp->status < 400 && sim_faults_lost_reply(req, &lost)) {
			c1_headers_dispose(&resp->headers);
			sim_respond_service_error(
			    resp, req, lost, NULL,
			    "the answer was lost on its way back (the request was carried out)");
		}
		if (resp->status < 400)
			resp->body_fault = sim_faults_body(req);
		/* Damage comes after the handler: the request was carried out, and only
		 * its answer is broken, the case a client cannot tell from a failure. */
		resp->damage = sim_faults_damage(req, resp->status);
		if (resp->damage == SIM_DAMAGE_MALFORMED)
			sim_respond_malform(resp);
	}
	s_ensure_request_id_header(req, resp);
	sim_count(req->service, req->route, throttled, !throttled && resp->status >= 400);
cleanup:
	if (s_verbose)
		C1_INFO("c1sim", "%s %s -> %s %s %d (%lld ms)", req->method, req->path, req->service,
			req->route, resp->status, (long long)(sim_now_ms() - started));
}

/* Real AWS answers every request with a request-id header, success or not:
 * S3 as x-amz-request-id, the others as x-amzn-RequestId. Handlers put the id
 * in the body (Query XML); copy it, or mint one. */
static void s_ensure_request_id_header(const struct sim_request *req, struct sim_response *resp)
{
	bool s3 = strcmp(req->service, "s3") == 0;
	const char *name = s3 ? "x-amz-request-id" : "x-amzn-RequestId";
	if (strcmp(req->service, "sts") != 0 && strcmp(req->service, "cloudformation") != 0 &&
	    strcmp(req->service, "cloudtrail") != 0 && !s3)
		return;
	if (c1_headers_get(&resp->headers, name))
		return;
	char rid[64] = "";
	const char *body = c1_buf_cstr(&resp->body);
	const char *open = strstr(body, "<RequestId>");
	const char *close = open ? strstr(open, "</RequestId>") : NULL;
	size_t len = close ? (size_t)(close - open) - strlen("<RequestId>") : 0;
	if (close && len > 0 && len < sizeof(rid)) {
		memcpy(rid, open + strlen("<RequestId>"), len);
		rid[len] = '\0';
	} else {
		sim_new_request_id(rid, sizeof(rid));
	}
	c1_headers_set(&resp->headers, name, rid);
}

/* ---- libmicrohttpd glue ---- */

/* A body fault's stream: the handler's real body, then filler until `total` (or for ever), so the
 * client sees a plausible start and must stop on its size cap or timeout, not on a parse error. */
struct s_body_stream {
	char *head;
	size_t head_len;
	uint64_t total; /* UINT64_MAX: endless */
	bool slow;      /* one byte a call, S_SLOW_BODY_BYTE_MS apart */
};

#define S_SLOW_BODY_BYTE_MS 50

static ssize_t s_body_stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct s_body_stream *b = cls;
	if (pos >= b->total)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (b->slow) {
		/* This worker waits too; a slow body is a targeted fault, not a load. */
		struct timespec pause = {0, S_SLOW_BODY_BYTE_MS * 1000000L};
		nanosleep(&pause, NULL);
		max = 1;
	}
	size_t n = 0;
	if (b->total - pos < max)
		max = (size_t)(b->total - pos);
	for (; n < max && pos + n < b->head_len; n++)
		buf[n] = b->head[pos + n];
	for (; n < max; n++)
		buf[n] = (pos + n) % 64 == 63 ? '\n' : ' ';
	return (ssize_t)n;
}

static void s_body_stream_free(void *cls)
{
	struct s_body_stream *b = cls;
	free(b->head);
	free(b);
}

static struct MHD_Response *s_body_fault_response(const struct sim_response *resp)
{
	struct s_body_stream *b = c1_calloc(1, sizeof(*b));
	b->head_len = resp->body.len;
	b->head = c1_malloc(b->head_len + 1);
	memcpy(b->head, resp->body.ptr ? resp->body.ptr : "", b->head_len);
	b->total = resp->body_fault == SIM_BODY_HUGE ? (uint64_t)64 << 20 : UINT64_MAX;
	b->slow = resp->body_fault == SIM_BODY_SLOW;
	return MHD_create_response_from_callback(resp->body_fault == SIM_BODY_HUGE ? b->total
										   : MHD_SIZE_UNKNOWN,
						 64 * 1024, s_body_stream_read, b, s_body_stream_free);
}

/* ---- chaos: an answer broken on the wire (reset, truncated) ---- */

struct s_cut {
	char *body;
	size_t cut; /* bytes of the body sent before the connection goes */
	int fd;
	bool reset;
};

/* A TCP reset now, whatever MHD does with the socket later. SO_LINGER 0 is
 * not enough: MHD shuts the write side down first, so the client would see
 * a clean FIN. connect(AF_UNSPEC) disconnects an established socket, and
 * Linux sends RST for it (tcp_disconnect); MHD's later close is harmless. */
static void s_abort_connection(int fd)
{
	struct sockaddr unspec;
	memset(&unspec, 0, sizeof(unspec));
	unspec.sa_family = AF_UNSPEC;
	if (fd >= 0)
		(void)connect(fd, &unspec, sizeof(unspec));
}

static ssize_t s_cut_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct s_cut *c = cls;
	if (pos >= c->cut) {
		if (c->reset)
			s_abort_connection(c->fd);
		return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	size_t n = c->cut - (size_t)pos;
	if (n > max)
		n = max;
	memcpy(buf, c->body + pos, n);
	return (ssize_t)n;
}

static void s_cut_free(void *cls)
{
	struct s_cut *c = cls;
	free(c->body);
	free(c);
}

static int s_conn_fd(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	return info ? info->connect_fd : -1;
}

/* Headers announcing the whole body, then half of it; NULL when there is no
 * body to cut (the caller then drops the connection before any answer). */
static struct MHD_Response *s_cut_response(struct MHD_Connection *conn, const struct sim_response *resp)
{
	if (resp->body.len < 2)
		return NULL;
	struct s_cut *c = c1_calloc(1, sizeof(*c));
	c->body = c1_malloc(resp->body.len);
	memcpy(c->body, resp->body.ptr, resp->body.len);
	c->cut = resp->body.len / 2;
	c->fd = s_conn_fd(conn);
	c->reset = resp->damage == SIM_DAMAGE_RESET;
	return MHD_create_response_from_callback(resp->body.len, 4096, s_cut_reader, c, s_cut_free);
}

static void *s_uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct sim_server *srv = cls;
	(void)conn;
	struct s_exchange *x = c1_calloc(1, sizeof(*x));
	x->raw_uri = c1_strdup(uri ? uri : "/");
	x->body.max = srv->max_body;
	x->srv = srv;
	return x;
}

static void s_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	struct s_exchange *x = *con_cls;
	if (!x)
		return;
	if (x->pending)
		MHD_destroy_response(x->pending);
	if (x->delayed)
		atomic_fetch_sub(&x->srv->delayed_open, 1);
	free(x->raw_uri);
	c1_buf_dispose(&x->body);
	free(x);
	*con_cls = NULL;
}

static enum MHD_Result s_collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
					const char *value)
{
	(void)kind;
	c1_headers_add(cls, key, value ? value : "");
	return MHD_YES;
}

static enum MHD_Result s_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				const char *version, const char *upload_data, size_t *upload_data_size,
				void **con_cls)
{
	struct sim_server *srv = cls;
	(void)url;
	(void)version;
	struct s_exchange *x = *con_cls;
	if (!x) {
		x = s_uri_log(srv, url, conn);
		*con_cls = x;
	}
	if (!x->seen) {
		x->seen = true;
		return MHD_YES;
	}
	if (x->pending) {
		/* Resumed by the timer (or by a drain at shutdown): the delay is over. */
		struct MHD_Response *r = x->pending;
		x->pending = NULL;
		enum MHD_Result rc = MHD_queue_response(conn, x->pending_status, r);
		MHD_destroy_response(r);
		return rc;
	}
	if (*upload_data_size > 0) {
		if (!x->too_big && c1_buf_put(&x->body, upload_data, *upload_data_size) < 0)
			x->too_big = true;
		*upload_data_size = 0;
		return MHD_YES;
	}

	struct sim_request req;
	struct sim_response resp;
	sim_request_init(&req, method, x->raw_uri);
	sim_response_init(&resp);
	MHD_get_connection_values(conn, MHD_HEADER_KIND, s_collect_header, &req.headers);
	if (x->too_big) {
		req.service = "sim";
		sim_respond_text(&resp, 413, "text/plain",
				 "Request body is larger than c1sim accepts (1 MiB).\n");
	} else {
		req.body = x->body;
		x->body = (struct c1_buf)C1_BUF_INIT;
		sim_server_dispatch(&req, &resp);
	}
	struct MHD_Response *r = NULL;
	if (resp.damage == SIM_DAMAGE_RESET || resp.damage == SIM_DAMAGE_TRUNCATED) {
		r = s_cut_response(conn, &resp);
		if (!r) {
			/* Nothing to cut: the connection goes before the status line. */
			if (resp.damage == SIM_DAMAGE_RESET)
				s_abort_connection(s_conn_fd(conn));
			sim_request_dispose(&req);
			sim_response_dispose(&resp);
			return MHD_NO;
		}
	} else if (resp.body_fault != SIM_BODY_NONE) {
		r = s_body_fault_response(&resp);
	} else {
		r = MHD_create_response_from_buffer(resp.body.len, resp.body.ptr ? resp.body.ptr : "",
						    MHD_RESPMEM_MUST_COPY);
	}
	for (size_t i = 0; i < resp.headers.count; i++)
		MHD_add_response_header(r, resp.headers.items[i].name, resp.headers.items[i].value);
	enum MHD_Result rc = MHD_YES;
	if (resp.delay_ms > 0 && srv->delay) {
		/* Park the connection, not the thread: the timer resumes it when due and
		 * MHD calls us again to send the stored answer. Suspend first, so a
		 * resume can never come before it. */
		x->conn = conn;
		x->pending = r;
		x->pending_status = (unsigned int)resp.status;
		x->delayed = true;
		atomic_fetch_add(&srv->delayed_open, 1);
		MHD_suspend_connection(conn);
		if (!sim_delay_add(srv->delay, sim_delay_now_ms() + resp.delay_ms, x))
			MHD_resume_connection(conn); /* shutting down: answer now */
	} else {
		if (resp.delay_ms > 0)
			s_sleep_ms(resp.delay_ms); /* thread per connection: only this one waits */
		rc = MHD_queue_response(conn, (unsigned int)resp.status, r);
		MHD_destroy_response(r);
	}
	sim_request_dispose(&req);
	sim_response_dispose(&resp);
	return rc;
}

static void s_resume(void *item)
{
	struct s_exchange *x = item;
	MHD_resume_connection(x->conn);
}

static void s_server_release(struct sim_server *srv)
{
	sim_delay_free(srv->delay);
	c1_free_secure_str(srv->tls_key_pem);
	free(srv->tls_cert_pem);
	free(srv);
}

int sim_server_start(struct sim_server **out, const struct sim_server_options *opts)
{
	struct sim_server_options defaults = SIM_SERVER_OPTIONS_INIT;
	if (!opts)
		opts = &defaults;
	if (!opts->tls_cert_pem != !opts->tls_key_pem) {
		c1_error_set(
		    "c1sim needs both --tls-cert and --tls-key to serve HTTPS (or neither for http)");
		return C1_EINVALID;
	}
	if (opts->tls_cert_pem && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		c1_error_set("this libmicrohttpd was built without TLS (MHD_FEATURE_TLS), so c1sim cannot "
			     "serve HTTPS; install a libmicrohttpd built with GnuTLS (Debian's "
			     "libmicrohttpd12 is) or run without --tls-cert/--tls-key");
		return C1_ERROR;
	}
	struct sim_server *srv = c1_calloc(1, sizeof(*srv));
	srv->max_body = opts->max_body ? opts->max_body : SIM_MAX_BODY_BYTES;
	s_verbose = opts->verbose;
	if (opts->tls_cert_pem) {
		srv->tls = true;
		srv->tls_cert_pem = c1_strdup(opts->tls_cert_pem);
		srv->tls_key_pem = c1_strdup(opts->tls_key_pem);
	}

	struct sockaddr_in addr;
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)opts->port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	if (opts->threads > 0) {
		/* MHD_ALLOW_SUSPEND_RESUME brings MHD_USE_ITC: a resume from the timer
		 * thread wakes the worker's epoll. */
		flags |= MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME;
		if (sim_delay_new(&srv->delay, s_resume) != 0) {
			s_server_release(srv);
			return C1_ERROR;
		}
	} else {
		flags |= MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL;
	}
	if (srv->tls)
		flags |= MHD_USE_TLS;
	struct MHD_OptionItem options[10] = {
	    {MHD_OPTION_SOCK_ADDR, 0, &addr},
	    {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)s_uri_log, srv},
	    {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)s_completed, srv},
	    {MHD_OPTION_CONNECTION_TIMEOUT, 120, NULL},
	    {MHD_OPTION_CONNECTION_LIMIT, 8192, NULL},
	    {MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, NULL},
	};
	size_t nopt = 6;
	if (opts->threads > 0)
		options[nopt++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, opts->threads, NULL};
	if (srv->tls) {
		options[nopt++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, srv->tls_cert_pem};
		options[nopt++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, srv->tls_key_pem};
	}
	options[nopt] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
	srv->daemon =
	    MHD_start_daemon(flags, 0, NULL, NULL, s_access, srv, MHD_OPTION_ARRAY, options, MHD_OPTION_END);
	if (!srv->daemon) {
		if (srv->tls)
			c1_error_set("could not start HTTPS on 127.0.0.1:%d: %sthe --tls-cert/--tls-key PEM "
				     "files are not a matching certificate and private key (the lines above "
				     "name the problem)",
				     opts->port, opts->port ? "the port is taken (use --port 0) or " : "");
		else
			c1_error_set("c1sim could not listen on 127.0.0.1:%d; pick another --port or use "
				     "--port 0",
				     opts->port);
		s_server_release(srv);
		return C1_ERROR;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = info ? info->port : opts->port;
	*out = srv;
	return 0;
}

int sim_server_port(const struct sim_server *srv)
{
	return srv ? srv->port : 0;
}

const char *sim_server_scheme(const struct sim_server *srv)
{
	return srv && srv->tls ? "https" : "http";
}

size_t sim_server_delayed(const struct sim_server *srv)
{
	return srv && srv->delay ? sim_delay_pending(srv->delay) : 0;
}

void sim_server_free(struct sim_server *srv)
{
	if (!srv)
		return;
	/* MHD must not be stopped with suspended connections: answer every delayed
	 * request now (and delay no new one), give the workers up to 2 s to send
	 * those answers, then stop. */
	if (srv->delay) {
		sim_delay_drain(srv->delay);
		for (int i = 0; i < 400 && atomic_load(&srv->delayed_open) > 0; i++)
			s_sleep_ms(5);
	}
	if (srv->daemon)
		MHD_stop_daemon(srv->daemon);
	s_server_release(srv);
}
