#include "engine/aws/query.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_CONTENT_TYPE "application/x-www-form-urlencoded; charset=utf-8"

void c1_query_params_add(struct c1_query_params *params, const char *key, const char *value)
{
	if (!value)
		return;
	if (params->count == params->cap) {
		params->cap = params->cap ? params->cap * 2 : 8;
		params->items = c1_realloc(params->items, params->cap * sizeof(*params->items));
	}
	params->items[params->count].key = c1_strdup(key);
	params->items[params->count].value = c1_strdup(value);
	params->count++;
}

void c1_query_params_add_int(struct c1_query_params *params, const char *key, long long value)
{
	char num[32];
	snprintf(num, sizeof(num), "%lld", value);
	c1_query_params_add(params, key, num);
}

void c1_query_params_add_member(struct c1_query_params *params, const char *list, size_t index,
				const char *field, const char *value)
{
	char *key = field ? c1_asprintf("%s.member.%zu.%s", list, index, field)
			  : c1_asprintf("%s.member.%zu", list, index);
	c1_query_params_add(params, key, value);
	free(key);
}

const char *c1_query_params_get(const struct c1_query_params *params, const char *key)
{
	for (size_t i = 0; params && i < params->count; i++)
		if (strcmp(params->items[i].key, key) == 0)
			return params->items[i].value;
	return NULL;
}

void c1_query_params_dispose(struct c1_query_params *params)
{
	if (!params)
		return;
	for (size_t i = 0; i < params->count; i++) {
		free(params->items[i].key);
		c1_free_secure_str(params->items[i].value);
	}
	free(params->items);
	params->items = NULL;
	params->count = params->cap = 0;
}

static int s_form_encode(struct c1_buf *out, const char *s)
{
	static const char digits[] = "0123456789ABCDEF";
	int rc = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p && rc == 0; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '_' || *p == '.' || *p == '~') {
			rc = c1_buf_putc(out, (char)*p);
		} else {
			char esc[3] = {'%', digits[*p >> 4], digits[*p & 0xf]};
			rc = c1_buf_put(out, esc, sizeof(esc));
		}
	}
	return rc;
}

static int s_put_pair(struct c1_buf *out, const char *key, const char *value)
{
	int rc = out->len ? c1_buf_putc(out, '&') : 0;
	if (rc == 0)
		rc = s_form_encode(out, key);
	if (rc == 0)
		rc = c1_buf_putc(out, '=');
	if (rc == 0)
		rc = s_form_encode(out, value);
	return rc;
}

int c1_query_encode(struct c1_buf *out, const char *action, const char *version,
		    const struct c1_query_params *params)
{
	int rc = s_put_pair(out, "Action", action);
	if (rc == 0)
		rc = s_put_pair(out, "Version", version);
	for (size_t i = 0; params && i < params->count && rc == 0; i++)
		rc = s_put_pair(out, params->items[i].key, params->items[i].value);
	return rc;
}

void c1_query_response_dispose(struct c1_query_response *resp)
{
	if (!resp)
		return;
	c1_xml_free(resp->doc);
	*resp = (struct c1_query_response)C1_QUERY_RESPONSE_INIT;
}

static int s_check(const struct c1_aws_target *target, const struct c1_query_request *req, bool creds)
{
	if (!target || !target->transport || !target->endpoint_url || !*target->endpoint_url ||
	    !target->clock) {
		c1_error_set("AWS call has no transport, endpoint URL or clock (programming error)");
		return C1_EINVALID;
	}
	if (creds && (!target->region || !*target->region)) {
		c1_error_set(
		    "no AWS region to sign %s requests for; set a region for the profile or account row",
		    req && req->service ? req->service : "AWS");
		return C1_EINVALID;
	}
	if (!req || !req->service || !*req->service || !req->action || !*req->action || !req->version ||
	    !*req->version) {
		c1_error_set("Query-protocol call lacks a service, action or version (programming error)");
		return C1_EINVALID;
	}
	return 0;
}

static void s_copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

int c1_query_call(struct c1_query_response *out, const struct c1_aws_target *target,
		  const struct c1_sigv4_credentials *creds, const struct c1_query_request *req,
		  struct c1_api_error *err)
{
	struct c1_api_error local = C1_API_ERROR_INIT;
	struct c1_buf body = C1_BUF_INIT;
	struct c1_http_request hreq = C1_HTTP_REQUEST_INIT;
	struct c1_http_response resp = C1_HTTP_RESPONSE_INIT;
	char detail[768], saved[512];
	char *result_name = NULL;
	int rc = 0;

	if (!err)
		err = &local;
	*err = (struct c1_api_error)C1_API_ERROR_INIT;
	*out = (struct c1_query_response)C1_QUERY_RESPONSE_INIT;
	rc = s_check(target, req, creds != NULL);
	if (rc)
		goto cleanup;
	rc = c1_query_encode(&body, req->action, req->version, req->params);
	if (rc)
		goto cleanup;

	hreq.method = "POST";
	hreq.url = target->endpoint_url;
	hreq.body = body.ptr;
	hreq.body_len = body.len;
	hreq.timeout_ms = req->timeout_ms;
	c1_headers_add(&hreq.headers, "Content-Type", S_CONTENT_TYPE);
	int64_t wall_ms = c1_clock_wall_ms(target->clock);
	struct c1_sigv4_params sp = {
	    .region = target->region,
	    .service = req->service,
	    .time_s = wall_ms / 1000,
	};
	if (creds) {
		rc = c1_sigv4_sign_request(&hreq, creds, &sp);
		if (rc)
			goto cleanup;
	}

	rc = c1_http_send(target->transport, &hreq, &resp);
	if (rc) {
		s_copy(saved, sizeof(saved), c1_error_last());
		c1_api_error_from_transport(err, rc, saved);
		c1_api_error_format(err, detail, sizeof(detail));
		c1_error_set("%s %s at %s: %s", req->service, req->action, target->endpoint_url, detail);
		goto cleanup;
	}
	out->status = resp.status;
	if (resp.status < 200 || resp.status > 299) {
		c1_api_error_from_response(err, C1_API_BODY_AWS_QUERY_XML, resp.status, &resp.headers,
					   c1_buf_view(&resp.body));
		c1_api_error_format(err, detail, sizeof(detail));
		c1_error_set("%s %s failed: %s", req->service, req->action, detail);
		rc = err->throttling ? C1_ETHROTTLED : C1_EAPI;
		goto cleanup;
	}

	rc = c1_xml_parse(&out->doc, c1_buf_view(&resp.body), C1_XML_DEFAULT_MAX);
	if (rc) {
		s_copy(saved, sizeof(saved), c1_error_last());
		err->http_status = resp.status;
		s_copy(err->code, sizeof(err->code), "InvalidResponse");
		c1_api_error_sanitize(err->message, sizeof(err->message), c1_str_from(saved));
		const char *rid = c1_headers_get(&resp.headers, "x-amzn-RequestId");
		s_copy(err->request_id, sizeof(err->request_id), rid);
		c1_api_error_classify(err);
		err->retryable = true; /* cut or garbled on the way (api_error.h) */
		c1_error_set("%s %s answered HTTP %ld with an unreadable body: %s", req->service, req->action,
			     resp.status, saved);
		rc = C1_EAPI;
		goto cleanup;
	}
	xmlNode *root = c1_xml_root(out->doc);
	result_name = c1_asprintf("%sResult", req->action);
	out->result = c1_xml_child(root, result_name);
	if (!out->result)
		out->result = root;
	char *rid = c1_xml_text(root, "ResponseMetadata/RequestId");
	if (rid)
		s_copy(out->request_id, sizeof(out->request_id), rid);
	else
		s_copy(out->request_id, sizeof(out->request_id),
		       c1_headers_get(&resp.headers, "x-amzn-RequestId"));
	free(rid);

cleanup:
	if (rc)
		c1_query_response_dispose(out);
	free(result_name);
	c1_buf_dispose_secure(&body);
	c1_http_request_dispose(&hreq);
	c1_http_response_dispose(&resp);
	return rc;
}
