#include "engine/aws/cloudtrail.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/core/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_SERVICE      "cloudtrail"
#define S_CONTENT_TYPE "application/x-amz-json-1.1"

/* One JSON 1.1 call: POST / with X-Amz-Target; a 2xx body must be a JSON object. */
static int s_call(json_t **out, const struct c1_aws_target *target, const struct c1_sigv4_credentials *creds,
		  const char *op, const char *body, struct c1_api_error *err)
{
	struct c1_http_request hreq = C1_HTTP_REQUEST_INIT;
	struct c1_http_response resp = C1_HTTP_RESPONSE_INIT;
	char saved[512], detail[768];
	char *amz_target = NULL;
	int rc = 0;

	*out = NULL;
	if (!target || !target->transport || !target->endpoint_url || !target->clock || !target->region ||
	    !*target->region) {
		c1_error_set("cloudtrail %s has no transport, endpoint, clock or region (programming error)",
			     op);
		rc = C1_EINVALID;
		goto cleanup;
	}
	amz_target = c1_asprintf("%s%s", C1_CLOUDTRAIL_TARGET_PREFIX, op);
	hreq.method = "POST";
	hreq.url = target->endpoint_url;
	hreq.body = body;
	hreq.body_len = strlen(body);
	c1_headers_add(&hreq.headers, "Content-Type", S_CONTENT_TYPE);
	c1_headers_add(&hreq.headers, "X-Amz-Target", amz_target);
	struct c1_sigv4_params sp = {
	    .region = target->region,
	    .service = S_SERVICE,
	    .time_s = c1_clock_wall_ms(target->clock) / 1000,
	};
	rc = c1_sigv4_sign_request(&hreq, creds, &sp);
	if (rc)
		goto cleanup;
	rc = c1_http_send(target->transport, &hreq, &resp);
	if (rc) {
		snprintf(saved, sizeof(saved), "%s", c1_error_last());
		c1_api_error_from_transport(err, rc, saved);
		c1_api_error_format(err, detail, sizeof(detail));
		c1_error_set("cloudtrail %s at %s: %s", op, target->endpoint_url, detail);
		goto cleanup;
	}
	if (resp.status < 200 || resp.status > 299) {
		c1_api_error_from_response(err, C1_API_BODY_AWS_JSON, resp.status, &resp.headers,
					   c1_buf_view(&resp.body));
		c1_api_error_format(err, detail, sizeof(detail));
		c1_error_set("cloudtrail %s failed: %s", op, detail);
		rc = err->throttling ? C1_ETHROTTLED : C1_EAPI;
		if (strcmp(err->code, "TrailNotFoundException") == 0)
			rc = C1_ENOTFOUND;
		goto cleanup;
	}
	int parsed = c1_json_parse(out, c1_buf_view(&resp.body), 0, 0);
	if (parsed != 0 || !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		err->http_status = resp.status;
		snprintf(err->code, sizeof(err->code), "InvalidResponse");
		snprintf(err->message, sizeof(err->message), "%s reply is not a JSON object", op);
		err->retryable = parsed != 0; /* damaged on the way (api_error.h) */
		const char *rid = c1_headers_get(&resp.headers, "x-amzn-RequestId");
		snprintf(err->request_id, sizeof(err->request_id), "%s", rid ? rid : "");
		c1_error_set("cloudtrail %s answered HTTP %ld with a body that is not a JSON object", op,
			     resp.status);
		rc = C1_EAPI;
	}
cleanup:
	free(amz_target);
	c1_http_request_dispose(&hreq);
	c1_http_response_dispose(&resp);
	return rc;
}

void c1_cloudtrail_trail_list_dispose(struct c1_cloudtrail_trail_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->count; i++) {
		struct c1_cloudtrail_trail *t = &list->items[i];
		free(t->name);
		free(t->s3_bucket_name);
		free(t->s3_key_prefix);
		free(t->home_region);
		free(t->arn);
	}
	free(list->items);
	*list = (struct c1_cloudtrail_trail_list)C1_CLOUDTRAIL_TRAIL_LIST_INIT;
}

static char *s_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? c1_strdup(s) : NULL;
}

int c1_cloudtrail_describe_trails(struct c1_cloudtrail_trail_list *out, const struct c1_aws_target *target,
				  const struct c1_sigv4_credentials *creds, struct c1_api_error *err)
{
	struct c1_api_error local = C1_API_ERROR_INIT;
	json_t *reply = NULL;
	if (!err)
		err = &local;
	*err = (struct c1_api_error)C1_API_ERROR_INIT;
	*out = (struct c1_cloudtrail_trail_list)C1_CLOUDTRAIL_TRAIL_LIST_INIT;
	int rc = s_call(&reply, target, creds, "DescribeTrails", "{\"includeShadowTrails\":true}", err);
	if (rc)
		goto cleanup;
	json_t *arr = json_object_get(reply, "trailList");
	if (!json_is_array(arr)) {
		err->http_status = 200;
		snprintf(err->code, sizeof(err->code), "InvalidResponse");
		snprintf(err->message, sizeof(err->message), "DescribeTrails reply has no trailList");
		c1_error_set("cloudtrail DescribeTrails: reply has no trailList array");
		rc = C1_EAPI;
		goto cleanup;
	}
	out->items = c1_calloc(json_array_size(arr) + 1, sizeof(*out->items));
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *o = json_array_get(arr, i);
		if (!json_is_object(o) || !json_is_string(json_object_get(o, "Name")))
			continue;
		struct c1_cloudtrail_trail *t = &out->items[out->count++];
		t->name = s_str(o, "Name");
		t->s3_bucket_name = s_str(o, "S3BucketName");
		t->s3_key_prefix = s_str(o, "S3KeyPrefix");
		t->home_region = s_str(o, "HomeRegion");
		t->arn = s_str(o, "TrailARN");
		t->multi_region = json_is_true(json_object_get(o, "IsMultiRegionTrail"));
		t->organization = json_is_true(json_object_get(o, "IsOrganizationTrail"));
	}
cleanup:
	if (rc)
		c1_cloudtrail_trail_list_dispose(out);
	json_decref(reply);
	return rc;
}

int c1_cloudtrail_get_trail_status(bool *is_logging, const struct c1_aws_target *target,
				   const struct c1_sigv4_credentials *creds, const char *trail,
				   struct c1_api_error *err)
{
	struct c1_api_error local = C1_API_ERROR_INIT;
	json_t *reply = NULL, *req = NULL;
	char *body = NULL;
	int rc = 0;
	if (!err)
		err = &local;
	*err = (struct c1_api_error)C1_API_ERROR_INIT;
	*is_logging = false;
	if (!trail || !*trail) {
		c1_error_set("GetTrailStatus needs a trail name or ARN");
		rc = C1_EINVALID;
		goto cleanup;
	}
	req = json_object();
	if (c1_json_set_string(req, "Name", trail) != 0) {
		c1_error_set("trail name is not valid UTF-8");
		rc = C1_EINVALID;
		goto cleanup;
	}
	body = c1_json_dump(req);
	rc = s_call(&reply, target, creds, "GetTrailStatus", body, err);
	if (rc == C1_ENOTFOUND)
		c1_error_set("CloudTrail trail %.200s does not exist", trail);
	if (rc)
		goto cleanup;
	json_t *v = json_object_get(reply, "IsLogging");
	if (!json_is_boolean(v)) {
		err->http_status = 200;
		snprintf(err->code, sizeof(err->code), "InvalidResponse");
		snprintf(err->message, sizeof(err->message), "GetTrailStatus reply has no IsLogging");
		c1_error_set("cloudtrail GetTrailStatus: reply has no boolean IsLogging");
		rc = C1_EAPI;
		goto cleanup;
	}
	*is_logging = json_is_true(v);
cleanup:
	json_decref(req);
	json_decref(reply);
	free(body);
	return rc;
}
