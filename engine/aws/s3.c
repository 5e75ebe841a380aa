#include "engine/aws/s3.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/core/xml.h"
#include "engine/net/url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_SERVICE "s3"

static int s_check_bucket(const char *bucket)
{
	size_t n = bucket ? strlen(bucket) : 0;
	bool ok = n >= 3 && n <= 63;
	for (size_t i = 0; ok && i < n; i++) {
		char c = bucket[i];
		ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
	}
	ok = ok && bucket[0] != '.' && bucket[0] != '-' && bucket[n - 1] != '.' && bucket[n - 1] != '-';
	if (ok)
		return 0;
	c1_error_set("\"%.80s\" is not an S3 bucket name (3-63 lower-case letters, digits, '.' and '-')",
		     bucket ? bucket : "");
	return C1_EINVALID;
}

char *c1_s3_bucket_url(const struct c1_aws_target *target, const char *bucket, bool path_style,
		       const char *subresource_query)
{
	struct c1_url u = C1_URL_INIT;
	char *out = NULL;
	if (!target || !target->endpoint_url || c1_url_parse(&u, target->endpoint_url) != 0)
		goto cleanup;
	const char *q = subresource_query ? "?" : "";
	const char *qv = subresource_query ? subresource_query : "";
	/* Dotted names break the TLS wildcard certificate of virtual-host style. */
	if (path_style || strchr(bucket, '.')) {
		size_t n = strlen(target->endpoint_url);
		while (n > 0 && target->endpoint_url[n - 1] == '/')
			n--;
		out = c1_asprintf("%.*s/%s%s%s", (int)n, target->endpoint_url, bucket, q, qv);
	} else if (u.port_explicit) {
		out = c1_asprintf("%s://%s.%s:%d/%s%s", u.scheme, bucket, u.host, u.port, q, qv);
	} else {
		out = c1_asprintf("%s://%s.%s/%s%s", u.scheme, bucket, u.host, q, qv);
	}
cleanup:
	c1_url_dispose(&u);
	return out;
}

static int s_send(struct c1_http_response *resp, const struct c1_aws_target *target,
		  const struct c1_sigv4_credentials *creds, const char *method, const char *url,
		  const char *what, struct c1_api_error *err)
{
	struct c1_http_request hreq = C1_HTTP_REQUEST_INIT;
	char saved[512], detail[768];
	int rc = 0;
	if (!target || !target->transport || !target->clock || !target->region || !*target->region) {
		c1_error_set("S3 %s has no transport, clock or region (programming error)", what);
		rc = C1_EINVALID;
		goto cleanup;
	}
	hreq.method = method;
	hreq.url = url;
	struct c1_sigv4_params sp = {
	    .region = target->region,
	    .service = S_SERVICE,
	    .time_s = c1_clock_wall_ms(target->clock) / 1000,
	    .add_content_sha256 = true,
	    .path_mode = C1_SIGV4_PATH_AUTO,
	};
	rc = c1_sigv4_sign_request(&hreq, creds, &sp);
	if (rc)
		goto cleanup;
	rc = c1_http_send(target->transport, &hreq, resp);
	if (rc) {
		snprintf(saved, sizeof(saved), "%s", c1_error_last());
		c1_api_error_from_transport(err, rc, saved);
		c1_api_error_format(err, detail, sizeof(detail));
		c1_error_set("s3 %s at %s: %s", what, target->endpoint_url, detail);
	}
cleanup:
	c1_http_request_dispose(&hreq);
	return rc;
}

static int s_fail(struct c1_api_error *err, const struct c1_http_response *resp, const char *what,
		  const char *bucket)
{
	char detail[768];
	c1_api_error_from_response(err, C1_API_BODY_AWS_S3_XML, resp->status, &resp->headers,
				   c1_buf_view(&resp->body));
	c1_api_error_format(err, detail, sizeof(detail));
	if (resp->status == 404) {
		c1_error_set("S3 bucket %s does not exist (%s)", bucket, detail);
		return C1_ENOTFOUND;
	}
	c1_error_set("s3 %s of bucket %s failed: %s", what, bucket, detail);
	return err->throttling ? C1_ETHROTTLED : C1_EAPI;
}

int c1_s3_head_bucket(struct c1_s3_bucket_info *out, const struct c1_aws_target *target,
		      const struct c1_sigv4_credentials *creds, const char *bucket, bool path_style,
		      struct c1_api_error *err)
{
	struct c1_api_error local = C1_API_ERROR_INIT;
	struct c1_http_response resp = C1_HTTP_RESPONSE_INIT;
	char *url = NULL;
	if (!err)
		err = &local;
	*err = (struct c1_api_error)C1_API_ERROR_INIT;
	memset(out, 0, sizeof(*out));
	int rc = s_check_bucket(bucket);
	if (rc)
		goto cleanup;
	url = c1_s3_bucket_url(target, bucket, path_style, NULL);
	if (!url) {
		rc = C1_EINVALID;
		goto cleanup;
	}
	rc = s_send(&resp, target, creds, "HEAD", url, "HeadBucket", err);
	if (rc)
		goto cleanup;
	out->http_status = resp.status;
	const char *region = c1_headers_get(&resp.headers, "x-amz-bucket-region");
	if (region)
		snprintf(out->region, sizeof(out->region), "%s", region);
	if (resp.status >= 200 && resp.status <= 299) {
		out->accessible = true;
	} else if (resp.status == 403) {
		out->forbidden = true;
	} else if ((resp.status == 301 || resp.status == 307 || resp.status == 400) && out->region[0]) {
		/* HEAD has no body: the region header is the whole redirect. */
		out->moved = true;
	} else {
		rc = s_fail(err, &resp, "HeadBucket", bucket);
		memset(out, 0, sizeof(*out));
	}
cleanup:
	free(url);
	c1_http_response_dispose(&resp);
	return rc;
}

int c1_s3_get_bucket_location(char out[32], const struct c1_aws_target *target,
			      const struct c1_sigv4_credentials *creds, const char *bucket, bool path_style,
			      struct c1_api_error *err)
{
	struct c1_api_error local = C1_API_ERROR_INIT;
	struct c1_http_response resp = C1_HTTP_RESPONSE_INIT;
	xmlDoc *doc = NULL;
	char *url = NULL, *loc = NULL;
	if (!err)
		err = &local;
	*err = (struct c1_api_error)C1_API_ERROR_INIT;
	out[0] = '\0';
	int rc = s_check_bucket(bucket);
	if (rc)
		goto cleanup;
	url = c1_s3_bucket_url(target, bucket, path_style, "location");
	if (!url) {
		rc = C1_EINVALID;
		goto cleanup;
	}
	rc = s_send(&resp, target, creds, "GET", url, "GetBucketLocation", err);
	if (rc)
		goto cleanup;
	if (resp.status < 200 || resp.status > 299) {
		rc = s_fail(err, &resp, "GetBucketLocation", bucket);
		goto cleanup;
	}
	xmlNode *root = NULL;
	bool parsed = c1_xml_parse(&doc, c1_buf_view(&resp.body), 64 * 1024) == 0;
	if (parsed)
		root = c1_xml_root(doc);
	if (!root || strcmp(c1_xml_name(root), "LocationConstraint") != 0) {
		err->http_status = resp.status;
		snprintf(err->code, sizeof(err->code), "InvalidResponse");
		snprintf(err->message, sizeof(err->message),
			 "GetBucketLocation reply has no LocationConstraint");
		err->retryable = !parsed; /* damaged on the way (api_error.h) */
		c1_error_set("s3 GetBucketLocation of %s: reply has no LocationConstraint element", bucket);
		rc = C1_EAPI;
		goto cleanup;
	}
	loc = c1_xml_text(root, "LocationConstraint");
	struct c1_str v = c1_str_trim(c1_str_from(loc));
	if (v.len == 0)
		snprintf(out, 32, "us-east-1");
	else if (c1_str_eq_cstr(v, "EU"))
		snprintf(out, 32, "eu-west-1");
	else
		snprintf(out, 32, "%.*s", (int)(v.len < 31 ? v.len : 31), v.ptr);
cleanup:
	free(url);
	free(loc);
	c1_xml_free(doc);
	c1_http_response_dispose(&resp);
	return rc;
}
