/* Response builders in the real wire shapes of each API family, and the
 * form-field reader of Query requests. */
#include "sim.h"

#include "engine/core/alloc.h"
#include "engine/net/url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void sim_respond_text(struct sim_response *resp, int status, const char *content_type, const char *body)
{
	resp->status = status;
	if (content_type)
		c1_headers_set(&resp->headers, "Content-Type", content_type);
	c1_buf_clear(&resp->body);
	if (body)
		c1_buf_puts(&resp->body, body);
}

void sim_respond_json(struct sim_response *resp, int status, json_t *doc)
{
	char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	sim_respond_text(resp, status, "application/json", text ? text : "null");
	free(text);
	json_decref(doc);
}

void sim_xml_escape(struct c1_buf *out, const char *s)
{
	for (const char *p = s ? s : ""; *p; p++) {
		switch (*p) {
		case '&': c1_buf_puts(out, "&amp;"); break;
		case '<': c1_buf_puts(out, "&lt;"); break;
		case '>': c1_buf_puts(out, "&gt;"); break;
		case '"': c1_buf_puts(out, "&quot;"); break;
		case '\'': c1_buf_puts(out, "&apos;"); break;
		default: c1_buf_putc(out, *p); break;
		}
	}
}

const char *sim_aws_xmlns(const char *service)
{
	if (service && strcmp(service, "cloudformation") == 0)
		return "http://cloudformation.amazonaws.com/doc/2010-05-15/";
	return "https://sts.amazonaws.com/doc/2011-06-15/";
}

void sim_respond_aws_query_error(struct sim_response *resp, int status, const char *service_ns,
				 const char *type, const char *code, const char *message)
{
	char rid[40];
	struct c1_buf xml = C1_BUF_INIT;
	sim_new_request_id(rid, sizeof(rid));
	c1_buf_printf(&xml, "<ErrorResponse xmlns=\"%s\">\n  <Error>\n    <Type>", service_ns);
	sim_xml_escape(&xml, type);
	c1_buf_puts(&xml, "</Type>\n    <Code>");
	sim_xml_escape(&xml, code);
	c1_buf_puts(&xml, "</Code>\n    <Message>");
	sim_xml_escape(&xml, message);
	c1_buf_printf(&xml, "</Message>\n  </Error>\n  <RequestId>%s</RequestId>\n</ErrorResponse>\n", rid);
	sim_respond_text(resp, status, "text/xml", c1_buf_cstr(&xml));
	c1_headers_set(&resp->headers, "x-amzn-RequestId", rid);
	c1_buf_dispose(&xml);
}

void sim_respond_s3_error(struct sim_response *resp, const struct sim_request *req, int status,
			  const char *code, const char *message)
{
	char rid[24];
	char host_id[48];
	struct c1_buf xml = C1_BUF_INIT;
	sim_new_id(rid, sizeof(rid), "", 16);
	for (char *p = rid; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	sim_new_id(host_id, sizeof(host_id), "c1sim/", 32);
	c1_headers_set(&resp->headers, "x-amz-request-id", rid);
	c1_headers_set(&resp->headers, "x-amz-id-2", host_id);
	if (req && req->method && strcmp(req->method, "HEAD") == 0) {
		/* S3 answers HEAD errors with the status alone. */
		resp->status = status;
		c1_buf_clear(&resp->body);
		return;
	}
	c1_buf_puts(&xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>");
	sim_xml_escape(&xml, code);
	c1_buf_puts(&xml, "</Code><Message>");
	sim_xml_escape(&xml, message);
	c1_buf_printf(&xml, "</Message><RequestId>%s</RequestId><HostId>%s</HostId></Error>", rid, host_id);
	sim_respond_text(resp, status, "application/xml", c1_buf_cstr(&xml));
	c1_buf_dispose(&xml);
}

void sim_respond_aws_json_error(struct sim_response *resp, int status, const char *code, const char *message)
{
	char rid[40];
	sim_new_request_id(rid, sizeof(rid));
	json_t *doc = json_pack("{s:s, s:s}", "__type", code, "message", message ? message : "");
	char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	sim_respond_text(resp, status, "application/x-amz-json-1.1", text);
	c1_headers_set(&resp->headers, "x-amzn-RequestId", rid);
	c1_headers_set(&resp->headers, "x-amzn-ErrorType", code);
	free(text);
	json_decref(doc);
}

static bool s_is(const struct sim_request *req, const char *service)
{
	return req && req->service && strcmp(req->service, service) == 0;
}

static const char *s_default_message(int status)
{
	switch (status) {
	case 400: return "Bad request";
	case 401: return "Invalid API Key";
	case 403: return "Access denied";
	case 404: return "Not found";
	case 429: return "Too many API requests";
	case 500: return "Internal server error";
	case 502: return "Bad gateway";
	case 503: return "Service unavailable";
	case 504: return "Gateway timeout";
	default: return "Injected failure";
	}
}

void sim_respond_cloudone_error(struct sim_response *resp, int status, const char *code, const char *msg)
{
	if (sim_variant_is("error_body", "text")) {
		sim_respond_text(resp, status, "text/plain; charset=utf-8", msg);
		return;
	}
	json_t *doc = json_object();
	json_t *where = doc;
	if (sim_variant_is("error_body", "error_message")) {
		where = json_object();
		json_object_set_new(doc, "error", where);
	}
	json_object_set_new(where, "message", json_string(msg));
	if (code)
		json_object_set_new(where, "code", json_string(code));
	sim_respond_json(resp, status, doc);
}

/* Retry-After of a throttled Trend answer, as the retry_after variant says. */
static void s_retry_after(struct sim_response *resp)
{
	if (sim_variant_is("retry_after", "absent"))
		return;
	if (sim_variant_is("retry_after", "http_date")) {
		char date[64];
		time_t at = time(NULL) + 1;
		struct tm tm;
		gmtime_r(&at, &tm);
		strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		c1_headers_set(&resp->headers, "Retry-After", date);
		return;
	}
	c1_headers_set(&resp->headers, "Retry-After", "1");
}

void sim_respond_service_error(struct sim_response *resp, const struct sim_request *req, int status,
			       const char *code, const char *message)
{
	const char *msg = message ? message : s_default_message(status);
	if (s_is(req, "s3")) {
		if (!code)
			code = status == 503   ? "ServiceUnavailable"
			       : status >= 500 ? "InternalError"
					       : "InvalidRequest";
		sim_respond_s3_error(resp, req, status, code, msg);
	} else if (s_is(req, "cloudtrail")) {
		if (!code)
			code = status == 503   ? "ServiceUnavailableException"
			       : status >= 500 ? "InternalFailure"
					       : "InvalidParameterException";
		sim_respond_aws_json_error(resp, status, code, msg);
	} else if (s_is(req, "cloudone")) {
		sim_respond_cloudone_error(resp, status, code, msg);
	} else if (s_is(req, "visionone")) {
		if (!code)
			code = status == 401   ? "InvalidCredentials"
			       : status == 403 ? "AccessDenied"
			       : status == 404 ? "NotFound"
			       : status == 429 ? "TooManyRequests"
			       : status >= 500 ? "InternalServerError"
					       : "BadRequest";
		sim_respond_json(resp, status,
				 json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", msg));
	} else if (s_is(req, "sim")) {
		sim_respond_json(resp, status, json_pack("{s:s}", "error", msg));
	} else {
		if (!code)
			code = status == 503   ? "ServiceUnavailable"
			       : status >= 500 ? "InternalFailure"
					       : "ValidationError";
		sim_respond_aws_query_error(resp, status, sim_aws_xmlns(req ? req->service : NULL),
					    status >= 500 ? "Receiver" : "Sender", code, msg);
	}
}

void sim_respond_throttle(struct sim_response *resp, const struct sim_request *req)
{
	if (s_is(req, "s3")) {
		sim_respond_s3_error(resp, req, 503, "SlowDown", "Please reduce your request rate.");
	} else if (s_is(req, "cloudtrail")) {
		sim_respond_aws_json_error(resp, 400, "ThrottlingException", "Rate exceeded");
	} else if (s_is(req, "cloudone")) {
		sim_respond_cloudone_error(resp, 429, NULL, "Too many API requests");
		s_retry_after(resp);
	} else if (s_is(req, "visionone")) {
		sim_respond_json(resp, 429,
				 json_pack("{s:{s:s, s:s}}", "error", "code", "TooManyRequests", "message",
					   "Too many API requests"));
		s_retry_after(resp);
	} else {
		sim_respond_aws_query_error(resp, 400, sim_aws_xmlns(req ? req->service : NULL), "Sender",
					    "Throttling", "Rate exceeded");
	}
}

static char *s_form_lookup(const char *form, size_t len, const char *name)
{
	size_t name_len = strlen(name);
	const char *p = form;
	const char *end = form + len;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *field_end = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(field_end - p));
		const char *key_end = eq ? eq : field_end;
		char *key = c1_strndup(p, (size_t)(key_end - p));
		char *dkey = c1_url_decode(key, true);
		bool hit = dkey && strlen(dkey) == name_len && memcmp(dkey, name, name_len) == 0;
		free(key);
		free(dkey);
		if (hit) {
			char *raw = eq ? c1_strndup(eq + 1, (size_t)(field_end - eq - 1)) : c1_strdup("");
			char *value = c1_url_decode(raw, true);
			free(raw);
			return value;
		}
		p = field_end + 1;
	}
	return NULL;
}

char *sim_form_get(const struct sim_request *req, const char *name)
{
	char *v = NULL;
	if (req->body.len > 0)
		v = s_form_lookup(req->body.ptr, req->body.len, name);
	if (!v && req->raw_query && req->raw_query[0])
		v = s_form_lookup(req->raw_query, strlen(req->raw_query), name);
	return v;
}

char *sim_query_get(const struct sim_request *req, const char *name)
{
	if (!req->raw_query || !req->raw_query[0])
		return NULL;
	return s_form_lookup(req->raw_query, strlen(req->raw_query), name);
}

void sim_respond_malform(struct sim_response *resp)
{
	/* Half the real body keeps what a parser sees first plausible (a proxy's
	 * cut buffer, a half-written reply); the tail then breaks JSON and XML
	 * alike, so no client can read it as a success. */
	size_t keep = resp->body.len / 2;
	struct c1_buf out = C1_BUF_INIT;
	c1_buf_put(&out, resp->body.ptr ? resp->body.ptr : "", keep);
	c1_buf_puts(&out, "\x1f<<c1sim:malformed{\"");
	c1_buf_dispose(&resp->body);
	resp->body = out;
}
