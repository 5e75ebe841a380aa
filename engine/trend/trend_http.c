#include "engine/trend/trend_http.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/core/json.h"
#include "engine/net/url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void c1_trend_response_dispose(struct c1_trend_response *resp)
{
	if (!resp)
		return;
	json_decref(resp->json);
	*resp = (struct c1_trend_response)C1_TREND_RESPONSE_INIT;
}

int c1_trend_origin(char **out, const char *override, const char *var, const char *default_origin)
{
	struct c1_url u = C1_URL_INIT;
	int rc = 0;

	*out = NULL;
	if (!override || !*override) {
		*out = c1_strdup(default_origin);
		return 0;
	}
	if (c1_url_check_transport_allowed(override) != 0 || c1_url_parse(&u, override) != 0) {
		/* c1_error_set writes the slot c1_error_last() points at: copy the reason first. */
		char why[512];
		snprintf(why, sizeof(why), "%s", c1_error_last());
		c1_error_set("%s: %s", var, why);
		rc = C1_ECONFIG;
		goto cleanup;
	}
	/* The override stands in for scheme, host and port only; a path would be
	 * silently dropped, so it is refused instead of guessed at. */
	if (strcmp(u.path, "/") != 0 || u.query || strchr(override, '#')) {
		c1_error_set("%s must be only scheme, host and port (e.g. http://127.0.0.1:8080); the "
			     "real API paths are added to it, so remove the path or query",
			     var);
		rc = C1_ECONFIG;
		goto cleanup;
	}
	bool v6 = strchr(u.host, ':') != NULL;
	if (u.port_explicit)
		*out = c1_asprintf("%s://%s%s%s:%d", u.scheme, v6 ? "[" : "", u.host, v6 ? "]" : "", u.port);
	else
		*out = c1_asprintf("%s://%s%s%s", u.scheme, v6 ? "[" : "", u.host, v6 ? "]" : "");

cleanup:
	c1_url_dispose(&u);
	return rc;
}

int c1_trend_bad_reply(struct c1_api_error *err, long status, const char *what, const char *missing)
{
	if (err) {
		*err = (struct c1_api_error)C1_API_ERROR_INIT;
		err->http_status = status;
		snprintf(err->code, sizeof(err->code), "InvalidResponse");
		snprintf(err->message, sizeof(err->message), "%s: reply has %s", what, missing);
	}
	c1_error_set("%s answered HTTP %ld but the reply has %s", what, status, missing);
	return C1_EAPI;
}

char *c1_trend_json_strdup(const json_t *json, const char *path)
{
	const char *s = c1_json_get_string(json, path);
	return s ? c1_strdup(s) : NULL;
}

int c1_trend_json_take_secret(struct c1_secret *out, json_t *json, const char *path)
{
	json_t *v = c1_json_at(json, path);
	if (!json_is_string(v) || json_string_length(v) == 0)
		return C1_ENOTFOUND;
	size_t len = json_string_length(v);
	c1_secret_set(out, json_string_value(v), len);
	/* jansson owns a private heap copy of every string; zero it in place so the
	 * token does not outlive the document in freed memory. */
	c1_wipe((char *)json_string_value(v), len);
	return 0;
}

/* Services sometimes echo what they were sent; the generic scrubber only knows
 * credential shapes, so the exact secrets of this request are removed too. */
static void s_redact(char *text, size_t cap, const struct c1_secret *secret)
{
	const char *value = secret ? c1_secret_reveal(secret) : NULL;
	size_t vlen = value ? strlen(value) : 0;
	struct c1_buf out = C1_BUF_INIT;
	const char *p = text, *hit;
	if (vlen < 4 || !strstr(text, value))
		return;
	while ((hit = strstr(p, value)) != NULL) {
		c1_buf_put(&out, p, (size_t)(hit - p));
		c1_buf_puts(&out, "[REDACTED]");
		p = hit + vlen;
	}
	c1_buf_puts(&out, p);
	snprintf(text, cap, "%s", c1_buf_cstr(&out));
	c1_buf_dispose_secure(&out);
}

static int s_code_for_status(const struct c1_api_error *err)
{
	if (err->http_status == 401)
		return C1_EAUTH;
	if (err->http_status == 404)
		return C1_ENOTFOUND;
	if (err->throttling)
		return C1_ETHROTTLED;
	return C1_EAPI;
}

int c1_trend_call(struct c1_trend_response *out, struct c1_http_transport *transport,
		  const struct c1_trend_request *req, struct c1_api_error *err)
{
	struct c1_api_error local = C1_API_ERROR_INIT;
	struct c1_http_request hreq = C1_HTTP_REQUEST_INIT;
	struct c1_http_response resp = C1_HTTP_RESPONSE_INIT;
	struct c1_buf auth = C1_BUF_INIT;
	char detail[768], saved[512];
	int rc = 0;

	if (!err)
		err = &local;
	*err = (struct c1_api_error)C1_API_ERROR_INIT;
	*out = (struct c1_trend_response)C1_TREND_RESPONSE_INIT;
	if (!transport || !req || !req->method || !req->url || !req->auth_scheme) {
		c1_error_set(
		    "Trend API call lacks a transport, method, URL or auth scheme (programming error)");
		rc = C1_EINVALID;
		goto cleanup;
	}
	if (!req->credential || !c1_secret_is_set(req->credential)) {
		c1_error_set("%s: no %s credential to send; give the API key or token in the spreadsheet "
			     "or on the command line",
			     req->what, req->auth_scheme);
		rc = C1_EINVALID;
		goto cleanup;
	}

	hreq.method = req->method;
	hreq.url = req->url;
	hreq.timeout_ms = req->timeout_ms;
	c1_buf_printf(&auth, "%s ", req->auth_scheme);
	c1_buf_puts(&auth, c1_secret_reveal(req->credential));
	c1_headers_add(&hreq.headers, "Authorization", c1_buf_cstr(&auth));
	if (req->api_version)
		c1_headers_add(&hreq.headers, "api-version", req->api_version);
	c1_headers_add(&hreq.headers, "Accept", "application/json");
	if (req->body) {
		c1_headers_add(&hreq.headers, "Content-Type", "application/json");
		hreq.body = req->body;
		hreq.body_len = strlen(req->body);
	}

	rc = c1_http_send(transport, &hreq, &resp);
	if (rc) {
		snprintf(saved, sizeof(saved), "%s", c1_error_last());
		c1_api_error_from_transport(err, rc, saved);
		c1_api_error_format(err, detail, sizeof(detail));
		c1_error_set("%s: %s", req->what, detail);
		goto cleanup;
	}
	out->status = resp.status;
	if (resp.status < 200 || resp.status > 299) {
		c1_api_error_from_response(err, req->error_kind, resp.status, &resp.headers,
					   c1_buf_view(&resp.body));
		s_redact(err->message, sizeof(err->message), req->credential);
		s_redact(err->message, sizeof(err->message), req->body_secret);
		c1_api_error_format(err, detail, sizeof(detail));
		rc = s_code_for_status(err);
		if (rc == C1_EAUTH)
			c1_error_set("%s refused the %s credential (HTTP 401: %s); check that it is valid, "
				     "enabled and not expired",
				     req->what, req->auth_scheme,
				     err->message[0] ? err->message : "no message");
		else
			c1_error_set("%s failed: %s", req->what, detail);
		goto cleanup;
	}
	if (c1_str_trim(c1_buf_view(&resp.body)).len == 0)
		goto cleanup;
	rc = c1_json_parse(&out->json, c1_buf_view(&resp.body), C1_TREND_MAX_RESPONSE_BYTES, 0);
	bool unreadable = rc != 0;
	if (rc == 0 && !json_is_object(out->json))
		rc = C1_EINVALID;
	if (rc) {
		json_decref(out->json);
		out->json = NULL;
		rc = c1_trend_bad_reply(err, resp.status, req->what, "a body that is not a JSON object");
		/* Valid JSON of another shape is the server's answer; JSON that does not
		 * parse was damaged on the way (api_error.h). */
		if (err && unreadable)
			err->retryable = true;
		goto cleanup;
	}

cleanup:
	if (rc)
		c1_trend_response_dispose(out);
	c1_buf_dispose_secure(&auth);
	c1_http_request_dispose(&hreq);
	c1_http_response_dispose(&resp);
	return rc;
}
