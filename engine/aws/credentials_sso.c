/* IAM Identity Center (SSO): the access token the AWS CLI cached after `aws sso login` (read only:
 * never refreshed or written) exchanged at the portal's GetRoleCredentials for role credentials,
 * cached until shortly before they expire. */
#include "engine/aws/credentials.h"

#include "engine/aws/sts.h"
#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/core/json.h"
#include "engine/net/url.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_CACHE_MAX ((size_t)1024 * 1024)
#define S_BODY_MAX  ((size_t)64 * 1024)

struct s_sso {
	char *profile;
	char *cache_file;
	char *account_id;
	char *role_name;
	char *url; /* .../federation/credentials?role_name=...&account_id=... */
	struct c1_http_transport *transport;
	const struct c1_clock *clock;
	char *description;
};

static void s_sso_free(void *ctx)
{
	struct s_sso *s = ctx;
	if (!s)
		return;
	free(s->profile);
	free(s->cache_file);
	free(s->account_id);
	free(s->role_name);
	free(s->url);
	free(s->description);
	free(s);
}

static int s_login_hint(const struct s_sso *s, const char *detail)
{
	c1_error_set("the SSO token for profile %s has expired (or is missing): run `aws sso login "
		     "--profile %s`%s%s%s",
		     s->profile, s->profile, detail ? " (" : "", detail ? detail : "", detail ? ")" : "");
	return C1_EAUTH;
}

/* expiresAt as the CLI writes it: "2026-01-01T00:00:00Z" (older: "...UTC"). */
static int s_parse_expires(int64_t *out, const char *v)
{
	char buf[64];
	size_t n = strlen(v);
	if (n > 3 && n < sizeof(buf) && strcmp(v + n - 3, "UTC") == 0) {
		snprintf(buf, sizeof(buf), "%.*sZ", (int)(n - 3), v);
		return c1_sts_parse_time_ms(out, buf);
	}
	return c1_sts_parse_time_ms(out, v);
}

/* The cached access token, when present and not expired. */
static int s_load_token(struct s_sso *s, struct c1_secret *token)
{
	struct c1_secret raw = C1_SECRET_INIT;
	json_t *doc = NULL;
	int64_t expires_ms = 0;
	int rc = c1_aws_read_secret_file(&raw, s->cache_file, S_CACHE_MAX, "SSO token cache file");
	if (rc) {
		rc = s_login_hint(s, "no readable token in the AWS CLI's SSO cache");
		goto cleanup;
	}
	if (c1_json_parse(&doc, (struct c1_str){raw.value, raw.len}, S_CACHE_MAX, 16) != 0 ||
	    !json_is_object(doc)) {
		rc = s_login_hint(s, "the cached token file is not JSON");
		goto cleanup;
	}
	const char *access = c1_json_get_string(doc, "accessToken");
	const char *expires = c1_json_get_string(doc, "expiresAt");
	if (!access || !access[0] || !expires) {
		rc = s_login_hint(s, "the cached token has no accessToken or expiresAt");
		goto cleanup;
	}
	if (s_parse_expires(&expires_ms, expires) != 0) {
		rc = s_login_hint(s, "the cached token's expiresAt is not a time");
		goto cleanup;
	}
	if (c1_clock_wall_ms(s->clock) >= expires_ms) {
		rc = s_login_hint(s, NULL);
		goto cleanup;
	}
	c1_secret_set(token, access, strlen(access));
cleanup:
	if (doc) {
		c1_json_wipe_strings(doc);
		json_decref(doc);
	}
	c1_secret_dispose(&raw);
	return rc;
}

static int s_sso_fetch(void *ctx, struct c1_aws_credentials **out)
{
	struct s_sso *s = ctx;
	struct c1_secret token = C1_SECRET_INIT;
	struct c1_http_request req = C1_HTTP_REQUEST_INIT;
	struct c1_http_response resp = C1_HTTP_RESPONSE_INIT;
	json_t *doc = NULL;
	int rc = s_load_token(s, &token);
	if (rc)
		goto cleanup;
	req.method = "GET";
	req.url = s->url;
	c1_headers_add(&req.headers, "x-amz-sso_bearer_token", c1_secret_reveal(&token));
	c1_headers_add(&req.headers, "Accept", "application/json");
	resp.body.max = S_BODY_MAX;
	rc = c1_http_send(s->transport, &req, &resp);
	if (rc == C1_EINPROGRESS)
		goto cleanup;
	if (rc) {
		char inner[512];
		snprintf(inner, sizeof(inner), "%s", c1_error_last());
		c1_error_set("profile %s: SSO GetRoleCredentials (%s in %s) did not answer: %s", s->profile,
			     s->role_name, s->account_id, inner);
		goto cleanup;
	}
	if (resp.status == 401) {
		rc = s_login_hint(s, "the SSO portal refused the cached token");
		goto cleanup;
	}
	if (resp.status != 200) {
		char code[96] = "";
		json_t *err = NULL;
		if (c1_json_parse(&err, c1_buf_view(&resp.body), S_BODY_MAX, 8) == 0) {
			const char *m = c1_json_get_string(err, "message");
			if (!m)
				m = c1_json_get_string(err, "Message");
			const char *t = c1_headers_get(&resp.headers, "x-amzn-ErrorType");
			snprintf(code, sizeof(code), "%.60s%s%.30s", t ? t : "", t && m ? ": " : "",
				 m ? m : "");
			json_decref(err);
		}
		c1_error_set("profile %s: SSO GetRoleCredentials for role %s in account %s answered HTTP "
			     "%ld%s%s%s",
			     s->profile, s->role_name, s->account_id, resp.status, code[0] ? " (" : "", code,
			     code[0] ? ")" : "");
		rc = resp.status == 429   ? C1_ETHROTTLED
		     : resp.status >= 500 ? C1_ETRANSPORT
		     : resp.status == 403 ? C1_EAUTH
					  : C1_EAPI;
		goto cleanup;
	}
	int64_t expiration_ms = 0;
	if (c1_json_parse(&doc, c1_buf_view(&resp.body), S_BODY_MAX, 8) != 0 || !json_is_object(doc)) {
		c1_error_set("profile %s: SSO GetRoleCredentials answered a body that is not JSON",
			     s->profile);
		rc = C1_ETRANSPORT; /* cut or garbled on the way: may pass when sent again */
		goto cleanup;
	}
	const char *akid = c1_json_get_string(doc, "roleCredentials.accessKeyId");
	const char *secret = c1_json_get_string(doc, "roleCredentials.secretAccessKey");
	const char *session = c1_json_get_string(doc, "roleCredentials.sessionToken");
	if (!akid || !akid[0] || !secret || !secret[0] ||
	    c1_json_get_int(doc, "roleCredentials.expiration", &expiration_ms) != 0) {
		c1_error_set("profile %s: SSO GetRoleCredentials answered without roleCredentials "
			     "(accessKeyId, secretAccessKey, expiration)",
			     s->profile);
		rc = C1_EAPI;
		goto cleanup;
	}
	*out = c1_aws_credentials_new(akid, secret, session, expiration_ms, s->description);
cleanup:
	if (doc) {
		c1_json_wipe_strings(doc);
		json_decref(doc);
	}
	const char *h = c1_headers_get(&req.headers, "x-amz-sso_bearer_token");
	if (h)
		c1_wipe((char *)h, strlen(h));
	c1_http_request_dispose(&req);
	c1_buf_dispose_secure(&resp.body);
	c1_http_response_dispose(&resp);
	c1_secret_dispose(&token);
	return rc;
}

static char *s_sha1_hex(const char *s)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	EVP_Digest(s, strlen(s), md, &len, EVP_sha1(), NULL);
	char *hex = c1_malloc(len * 2 + 1);
	for (unsigned int i = 0; i < len; i++)
		snprintf(hex + i * 2, 3, "%02x", md[i]);
	hex[len * 2] = '\0';
	return hex;
}

int c1_aws_credentials_provider_new_sso(struct c1_aws_credentials_provider **out,
					const struct c1_aws_sso_options *opts)
{
	char *dir = NULL, *key = NULL, *role = NULL, *acct = NULL, *base = NULL;
	int rc = 0;
	*out = NULL;
	if (!opts->profile || !opts->start_url || !opts->sso_region || !opts->account_id ||
	    !opts->role_name || !opts->transport) {
		c1_error_set("SSO provider needs a profile, start URL, region, account id, role name and "
			     "transport");
		return C1_EINVALID;
	}
	if (opts->cache_dir && opts->cache_dir[0]) {
		dir = c1_strdup(opts->cache_dir);
	} else {
		const char *home = c1_aws_env_get(opts->env, "HOME");
		if (!home || !home[0]) {
			c1_error_set("profile %s uses SSO, but HOME is not set to find the AWS CLI's SSO "
				     "token cache (~/.aws/sso/cache)",
				     opts->profile);
			rc = C1_ECONFIG;
			goto cleanup;
		}
		dir = c1_asprintf("%s/.aws/sso/cache", home);
	}
	if (opts->portal_url && opts->portal_url[0]) {
		if (c1_url_check_transport_allowed(opts->portal_url) != 0) {
			char inner[512];
			snprintf(inner, sizeof(inner), "%s", c1_error_last());
			c1_error_set("profile %s: SSO endpoint: %s", opts->profile, inner);
			rc = C1_ECONFIG;
			goto cleanup;
		}
		base = c1_strdup(opts->portal_url);
		size_t n = strlen(base);
		while (n > 0 && base[n - 1] == '/')
			base[--n] = '\0';
	} else {
		base = c1_asprintf("https://portal.sso.%s.%s", opts->sso_region,
				   strncmp(opts->sso_region, "cn-", 3) == 0 ? "amazonaws.com.cn"
									    : "amazonaws.com");
	}
	struct s_sso *s = c1_calloc(1, sizeof(*s));
	key = s_sha1_hex(opts->session_name ? opts->session_name : opts->start_url);
	s->profile = c1_strdup(opts->profile);
	s->cache_file = c1_asprintf("%s/%s.json", dir, key);
	s->account_id = c1_strdup(opts->account_id);
	s->role_name = c1_strdup(opts->role_name);
	role = c1_url_encode(opts->role_name, true);
	acct = c1_url_encode(opts->account_id, true);
	s->url = c1_asprintf("%s/federation/credentials?role_name=%s&account_id=%s", base, role, acct);
	s->transport = opts->transport;
	s->clock = opts->clock ? opts->clock : c1_clock_system();
	s->description = c1_asprintf(
	    "profile \"%s\": SSO role %s in account %s%s%s", opts->profile, opts->role_name, opts->account_id,
	    opts->session_name ? " via sso-session " : "", opts->session_name ? opts->session_name : "");
	rc = c1_aws_credentials_provider_new_cached(out, s_sso_fetch, s, s_sso_free, s->clock,
						    opts->refresh_margin_ms, s->description);
cleanup:
	free(dir);
	free(key);
	free(role);
	free(acct);
	free(base);
	return rc;
}
