/* Container credentials (ECS task role, EKS Pod Identity), as botocore's ContainerProvider:
 * AWS_CONTAINER_CREDENTIALS_RELATIVE_URI against 169.254.170.2, or _FULL_URI, with the
 * authorization token; used for `credential_source = EcsContainer`. */
#include "engine/aws/credentials.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/net/url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_ECS_HOST   "http://169.254.170.2"
#define S_BODY_MAX   ((size_t)64 * 1024)
#define S_TOKEN_MAX  ((size_t)16 * 1024)
#define S_TIMEOUT_MS 2000L /* botocore ContainerMetadataFetcher.TIMEOUT_SECONDS */

struct s_container {
	char *url;
	char *token_file; /* read on every fetch; wins over token */
	struct c1_secret token;
	struct c1_http_transport *transport;
	char *why;
};

static void s_container_free(void *ctx)
{
	struct s_container *c = ctx;
	if (!c)
		return;
	free(c->url);
	free(c->token_file);
	c1_secret_dispose(&c->token);
	free(c->why);
	free(c);
}

static bool s_header_safe(const struct c1_secret *s)
{
	return memchr(s->value, '\r', s->len) == NULL && memchr(s->value, '\n', s->len) == NULL &&
	       strlen(s->value) == s->len;
}

static int s_container_fetch(void *ctx, struct c1_aws_credentials **out)
{
	struct s_container *c = ctx;
	struct c1_http_request req = C1_HTTP_REQUEST_INIT;
	struct c1_http_response resp = C1_HTTP_RESPONSE_INIT;
	struct c1_secret token = C1_SECRET_INIT;
	char *what = NULL, *source = NULL;
	int rc = 0;

	if (c->token_file) {
		rc = c1_aws_read_secret_file(&token, c->token_file, S_TOKEN_MAX,
					     "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
		if (rc) {
			char inner[512];
			snprintf(inner, sizeof(inner), "%s", c1_error_last());
			c1_error_set("%s: %s", c->why, inner);
			goto cleanup;
		}
	} else if (c1_secret_is_set(&c->token)) {
		c1_secret_copy(&token, &c->token);
	}
	if (c1_secret_is_set(&token)) {
		/* A token file written with `echo` ends in a newline; a header cannot carry one. */
		while (token.len > 0 &&
		       (token.value[token.len - 1] == '\n' || token.value[token.len - 1] == '\r'))
			token.value[--token.len] = '\0';
		if (token.len == 0 || !s_header_safe(&token)) {
			c1_error_set("%s: the container authorization token is empty or holds a line break",
				     c->why);
			rc = C1_ECONFIG;
			goto cleanup;
		}
		c1_headers_add(&req.headers, "Authorization", c1_secret_reveal(&token));
	}
	c1_headers_add(&req.headers, "Accept", "application/json");
	req.method = "GET";
	req.url = c->url;
	req.timeout_ms = S_TIMEOUT_MS;
	req.aws_metadata = true;
	resp.body.max = S_BODY_MAX;
	rc = c1_http_send(c->transport, &req, &resp);
	if (rc == C1_EINPROGRESS)
		goto cleanup;
	if (rc) {
		char inner[512];
		snprintf(inner, sizeof(inner), "%s", c1_error_last());
		c1_error_set("%s: the container credentials endpoint %s did not answer: %s", c->why, c->url,
			     inner);
		goto cleanup;
	}
	if (resp.status != 200) {
		c1_error_set("%s: the container credentials endpoint %s answered HTTP %ld", c->why, c->url,
			     resp.status);
		rc = resp.status == 429                         ? C1_ETHROTTLED
		     : resp.status >= 500                       ? C1_ETRANSPORT
		     : resp.status == 401 || resp.status == 403 ? C1_EAUTH
								: C1_EAPI;
		goto cleanup;
	}
	what = c1_asprintf("%s: the container credentials endpoint", c->why);
	source = c1_asprintf("%s (container credentials %s)", c->why, c->url);
	rc = c1_aws_credentials_from_metadata_json(out, c1_buf_cstr(&resp.body), resp.body.len, what, source);
cleanup:
	c1_buf_dispose_secure(&resp.body);
	c1_http_response_dispose(&resp);
	/* The request's copy of the token header is wiped too. */
	const char *auth = c1_headers_get(&req.headers, "Authorization");
	if (auth)
		c1_wipe((char *)auth, strlen(auth));
	c1_http_request_dispose(&req);
	c1_secret_dispose(&token);
	free(what);
	free(source);
	return rc;
}

/* botocore ContainerMetadataFetcher: the ECS and EKS link-local hosts besides loopback. */
static bool s_allowed_full_uri_host(const char *host)
{
	return c1_url_host_is_loopback(host) || strcmp(host, "169.254.170.2") == 0 ||
	       strcmp(host, "169.254.170.23") == 0 || strcmp(host, "fd00:ec2::23") == 0;
}

int c1_aws_credentials_provider_new_container(struct c1_aws_credentials_provider **out,
					      const struct c1_aws_container_options *opts)
{
	const char *why = opts->why ? opts->why : "container credentials";
	struct c1_url u = C1_URL_INIT;
	char *url = NULL, *desc = NULL;
	int rc = 0;

	*out = NULL;
	if (!opts->transport) {
		c1_error_set("%s: no HTTP transport to reach the container credentials endpoint", why);
		return C1_EINVALID;
	}
	const char *rel = c1_aws_env_get(opts->env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = c1_aws_env_get(opts->env, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
	if (rel && rel[0]) {
		url = c1_asprintf("%s%s%s", S_ECS_HOST, rel[0] == '/' ? "" : "/", rel);
	} else if (full && full[0]) {
		if (c1_url_parse(&u, full) != 0) {
			c1_error_set("%s: AWS_CONTAINER_CREDENTIALS_FULL_URI is not an http(s) URL", why);
			rc = C1_ECONFIG;
			goto cleanup;
		}
		if (strcmp(u.scheme, "https") != 0 && !s_allowed_full_uri_host(u.host)) {
			c1_error_set("%s: AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to a "
				     "loopback host or the ECS/EKS container endpoint (169.254.170.2, "
				     "169.254.170.23); it names %s",
				     why, u.host);
			rc = C1_ECONFIG;
			goto cleanup;
		}
		url = c1_strdup(full);
	} else {
		c1_error_set("%s: neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor "
			     "AWS_CONTAINER_CREDENTIALS_FULL_URI is set (is this running in an ECS task or "
			     "an EKS pod with Pod Identity?)",
			     why);
		rc = C1_ECONFIG;
		goto cleanup;
	}
	struct s_container *c = c1_calloc(1, sizeof(*c));
	c->url = url;
	url = NULL;
	const char *token_file = c1_aws_env_get(opts->env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *token = c1_aws_env_get(opts->env, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
	if (token_file && token_file[0])
		c->token_file = c1_strdup(token_file);
	else if (token && token[0])
		c1_secret_set(&c->token, token, strlen(token));
	c->transport = opts->transport;
	c->why = c1_strdup(why);
	desc = c1_asprintf("%s (container credentials %s)", why, c->url);
	rc = c1_aws_credentials_provider_new_cached(out, s_container_fetch, c, s_container_free, opts->clock,
						    opts->refresh_margin_ms, desc);
cleanup:
	c1_url_dispose(&u);
	free(url);
	free(desc);
	return rc;
}
