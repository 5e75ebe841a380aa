#include "engine/aws/cloudformation.h"

#include "engine/aws/sts.h" /* c1_sts_parse_time_ms */
#include "engine/core/alloc.h"
#include "engine/core/buf.h"
#include "engine/core/error.h"
#include "engine/core/xml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- status classes ---- */

static bool s_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

enum c1_cfn_status_class c1_cfn_status_classify(const char *status)
{
	if (!status || !*status)
		return C1_CFN_STATUS_UNKNOWN;
	if (strcmp(status, "REVIEW_IN_PROGRESS") == 0)
		return C1_CFN_STATUS_REVIEW;
	if (s_ends_with(status, "_IN_PROGRESS"))
		return C1_CFN_STATUS_IN_PROGRESS;
	if (s_ends_with(status, "_FAILED"))
		return C1_CFN_STATUS_FAILED;
	if (strcmp(status, "ROLLBACK_COMPLETE") == 0 || strcmp(status, "UPDATE_ROLLBACK_COMPLETE") == 0 ||
	    strcmp(status, "IMPORT_ROLLBACK_COMPLETE") == 0)
		return C1_CFN_STATUS_ROLLED_BACK;
	if (strcmp(status, "CREATE_COMPLETE") == 0 || strcmp(status, "UPDATE_COMPLETE") == 0 ||
	    strcmp(status, "IMPORT_COMPLETE") == 0 || strcmp(status, "DELETE_COMPLETE") == 0)
		return C1_CFN_STATUS_COMPLETE;
	return C1_CFN_STATUS_UNKNOWN;
}

const char *c1_cfn_status_class_name(enum c1_cfn_status_class cls)
{
	switch (cls) {
	case C1_CFN_STATUS_IN_PROGRESS: return "in_progress";
	case C1_CFN_STATUS_COMPLETE: return "complete";
	case C1_CFN_STATUS_ROLLED_BACK: return "rolled_back";
	case C1_CFN_STATUS_FAILED: return "failed";
	case C1_CFN_STATUS_REVIEW: return "review";
	case C1_CFN_STATUS_UNKNOWN: break;
	}
	return "unknown";
}

/* ---- XML helpers ---- */

/* Text of a direct child (nested lists reuse names like "member"). */
static char *s_text(xmlNode *parent, const char *name)
{
	xmlNode *c = c1_xml_child(parent, name);
	return c ? c1_xml_text(c, name) : NULL;
}

static void s_kv_list(struct c1_cfn_kv **items, size_t *count, xmlNode *parent, const char *list,
		      const char *key_name, const char *value_name)
{
	xmlNode *l = c1_xml_child(parent, list);
	size_t n = 0;
	for (xmlNode *m = c1_xml_child(l, "member"); m; m = c1_xml_next(m))
		n++;
	*items = n ? c1_calloc(n, sizeof(**items)) : NULL;
	*count = 0;
	for (xmlNode *m = c1_xml_child(l, "member"); m; m = c1_xml_next(m)) {
		char *k = s_text(m, key_name);
		if (!k)
			continue;
		(*items)[*count].key = k;
		(*items)[*count].value = s_text(m, value_name);
		if (!(*items)[*count].value)
			(*items)[*count].value = c1_strdup("");
		(*count)++;
	}
}

static void s_kv_free(struct c1_cfn_kv *items, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		free(items[i].key);
		/* Parameter values can be tokens (NoEcho ones come back masked, others not). */
		c1_free_secure_str(items[i].value);
	}
	free(items);
}

const char *c1_cfn_kv_get(const struct c1_cfn_kv *items, size_t count, const char *key)
{
	for (size_t i = 0; i < count && key; i++)
		if (strcmp(items[i].key, key) == 0)
			return items[i].value;
	return NULL;
}

void c1_cfn_stack_dispose(struct c1_cfn_stack *s)
{
	if (!s)
		return;
	free(s->stack_id);
	free(s->name);
	free(s->status);
	free(s->status_reason);
	free(s->creation_time);
	free(s->last_updated_time);
	free(s->drift_status);
	s_kv_free(s->parameters, s->parameter_count);
	s_kv_free(s->outputs, s->output_count);
	s_kv_free(s->tags, s->tag_count);
	*s = (struct c1_cfn_stack)C1_CFN_STACK_INIT;
}

/* ---- calls ---- */

static bool s_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

/* Names: [A-Za-z][A-Za-z0-9-]{0,127}; calls other than create also take a stack ARN. */
static int s_check_name(const char *name, bool allow_arn, const char *what)
{
	size_t n = name ? strlen(name) : 0;
	if (allow_arn && n > 4 && strncmp(name, "arn:", 4) == 0 && n <= 2048)
		return 0;
	bool ok =
	    n >= 1 && n <= 128 && ((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z'));
	for (size_t i = 0; ok && i < n; i++)
		ok = s_name_char(name[i]);
	if (ok)
		return 0;
	c1_error_set(
	    "%s: \"%.140s\" is not a stack name (a letter, then letters, digits and '-', at most 128)", what,
	    name ? name : "");
	return C1_EINVALID;
}

static bool s_missing_stack(const struct c1_api_error *err)
{
	return strcmp(err->code, "ValidationError") == 0 && strstr(err->message, "does not exist") != NULL;
}

/* One call; a missing stack becomes C1_ENOTFOUND when the caller names a stack. */
static int s_call(struct c1_query_response *resp, const struct c1_aws_target *target,
		  const struct c1_sigv4_credentials *creds, const char *action,
		  const struct c1_query_params *params, const char *stack_name, struct c1_api_error *err)
{
	struct c1_api_error local = C1_API_ERROR_INIT;
	struct c1_query_request req = {C1_CFN_SERVICE, action, C1_CFN_VERSION, params, 0};
	if (!err)
		err = &local;
	int rc = c1_query_call(resp, target, creds, &req, err);
	if (rc == C1_EAPI && stack_name && s_missing_stack(err)) {
		c1_error_set("stack %s does not exist in %s", stack_name, target->region);
		rc = C1_ENOTFOUND;
	}
	return rc;
}

static int s_bad_response(struct c1_api_error *err, const struct c1_query_response *resp, const char *action,
			  const char *what)
{
	if (err) {
		*err = (struct c1_api_error)C1_API_ERROR_INIT;
		err->http_status = resp->status;
		snprintf(err->code, sizeof(err->code), "InvalidResponse");
		snprintf(err->message, sizeof(err->message), "%s response has no %s", action, what);
		snprintf(err->request_id, sizeof(err->request_id), "%s", resp->request_id);
	}
	c1_error_set("cloudformation %s: response (request %s) has no %s", action, resp->request_id, what);
	return C1_EAPI;
}

static void s_add_stack_input(struct c1_query_params *p, const struct c1_cfn_stack_input *in, bool update)
{
	c1_query_params_add(p, "StackName", in->stack_name);
	if (update && in->use_previous_template)
		c1_query_params_add(p, "UsePreviousTemplate", "true");
	c1_query_params_add(p, "TemplateBody", in->template_body);
	c1_query_params_add(p, "TemplateURL", in->template_url);
	for (size_t i = 0; i < in->parameter_count; i++) {
		const struct c1_cfn_parameter *par = &in->parameters[i];
		c1_query_params_add_member(p, "Parameters", i + 1, "ParameterKey", par->key);
		if (par->use_previous)
			c1_query_params_add_member(p, "Parameters", i + 1, "UsePreviousValue", "true");
		else
			c1_query_params_add_member(p, "Parameters", i + 1, "ParameterValue",
						   par->value ? par->value : "");
	}
	for (size_t i = 0; i < in->capability_count; i++)
		c1_query_params_add_member(p, "Capabilities", i + 1, NULL, in->capabilities[i]);
	for (size_t i = 0; i < in->tag_count; i++) {
		c1_query_params_add_member(p, "Tags", i + 1, "Key", in->tags[i].key);
		c1_query_params_add_member(p, "Tags", i + 1, "Value",
					   in->tags[i].value ? in->tags[i].value : "");
	}
	if (!update) {
		c1_query_params_add(p, "OnFailure", in->on_failure);
		if (in->timeout_minutes > 0)
			c1_query_params_add_int(p, "TimeoutInMinutes", in->timeout_minutes);
	}
	c1_query_params_add(p, "ClientRequestToken", in->client_request_token);
}

static int s_check_input(const struct c1_cfn_stack_input *in, bool update)
{
	const char *what = update ? "UpdateStack" : "CreateStack";
	if (!in) {
		c1_error_set("%s without input (programming error)", what);
		return C1_EINVALID;
	}
	int rc = s_check_name(in->stack_name, update, what);
	if (rc)
		return rc;
	int sources =
	    (in->template_body != NULL) + (in->template_url != NULL) + (update && in->use_previous_template);
	if (sources != 1) {
		c1_error_set("%s of %s needs exactly one of a template body, a template URL%s", what,
			     in->stack_name, update ? " or the previous template" : "");
		return C1_EINVALID;
	}
	for (size_t i = 0; i < in->parameter_count; i++) {
		if (!in->parameters[i].key || !*in->parameters[i].key) {
			c1_error_set("%s of %s: parameter %zu has no name", what, in->stack_name, i + 1);
			return C1_EINVALID;
		}
	}
	for (size_t i = 0; i < in->tag_count; i++) {
		if (!in->tags[i].key || !*in->tags[i].key) {
			c1_error_set("%s of %s: tag %zu has no key", what, in->stack_name, i + 1);
			return C1_EINVALID;
		}
	}
	return 0;
}

int c1_cfn_create_stack(char **stack_id, const struct c1_aws_target *target,
			const struct c1_sigv4_credentials *creds, const struct c1_cfn_stack_input *in,
			struct c1_api_error *err)
{
	struct c1_query_params params = C1_QUERY_PARAMS_INIT;
	struct c1_query_response resp = C1_QUERY_RESPONSE_INIT;
	*stack_id = NULL;
	if (err)
		*err = (struct c1_api_error)C1_API_ERROR_INIT;
	int rc = s_check_input(in, false);
	if (rc)
		goto cleanup;
	s_add_stack_input(&params, in, false);
	rc = s_call(&resp, target, creds, "CreateStack", &params, NULL, err);
	if (rc)
		goto cleanup;
	*stack_id = s_text(resp.result, "StackId");
	if (!*stack_id)
		rc = s_bad_response(err, &resp, "CreateStack", "StackId");
cleanup:
	c1_query_params_dispose(&params);
	c1_query_response_dispose(&resp);
	return rc;
}

int c1_cfn_update_stack(char **stack_id, bool *no_updates, const struct c1_aws_target *target,
			const struct c1_sigv4_credentials *creds, const struct c1_cfn_stack_input *in,
			struct c1_api_error *err)
{
	struct c1_query_params params = C1_QUERY_PARAMS_INIT;
	struct c1_query_response resp = C1_QUERY_RESPONSE_INIT;
	struct c1_api_error local = C1_API_ERROR_INIT;
	if (!err)
		err = &local;
	*err = (struct c1_api_error)C1_API_ERROR_INIT;
	*stack_id = NULL;
	*no_updates = false;
	int rc = s_check_input(in, true);
	if (rc)
		goto cleanup;
	s_add_stack_input(&params, in, true);
	rc = s_call(&resp, target, creds, "UpdateStack", &params, in->stack_name, err);
	if (rc == C1_EAPI && strcmp(err->code, "ValidationError") == 0 &&
	    strstr(err->message, "No updates are to be performed")) {
		*no_updates = true;
		*err = (struct c1_api_error)C1_API_ERROR_INIT;
		c1_error_clear();
		rc = 0;
		goto cleanup;
	}
	if (rc)
		goto cleanup;
	*stack_id = s_text(resp.result, "StackId");
	if (!*stack_id)
		rc = s_bad_response(err, &resp, "UpdateStack", "StackId");
cleanup:
	c1_query_params_dispose(&params);
	c1_query_response_dispose(&resp);
	return rc;
}

int c1_cfn_delete_stack(const struct c1_aws_target *target, const struct c1_sigv4_credentials *creds,
			const char *stack_name, const char *client_request_token, struct c1_api_error *err)
{
	struct c1_query_params params = C1_QUERY_PARAMS_INIT;
	struct c1_query_response resp = C1_QUERY_RESPONSE_INIT;
	if (err)
		*err = (struct c1_api_error)C1_API_ERROR_INIT;
	int rc = s_check_name(stack_name, true, "DeleteStack");
	if (rc)
		goto cleanup;
	c1_query_params_add(&params, "StackName", stack_name);
	c1_query_params_add(&params, "ClientRequestToken", client_request_token);
	rc = s_call(&resp, target, creds, "DeleteStack", &params, NULL, err);
cleanup:
	c1_query_params_dispose(&params);
	c1_query_response_dispose(&resp);
	return rc;
}

static void s_parse_stack(struct c1_cfn_stack *out, xmlNode *m)
{
	out->stack_id = s_text(m, "StackId");
	out->name = s_text(m, "StackName");
	out->status = s_text(m, "StackStatus");
	out->status_reason = s_text(m, "StackStatusReason");
	out->creation_time = s_text(m, "CreationTime");
	out->last_updated_time = s_text(m, "LastUpdatedTime");
	out->drift_status = s_text(c1_xml_child(m, "DriftInformation"), "StackDriftStatus");
	s_kv_list(&out->parameters, &out->parameter_count, m, "Parameters", "ParameterKey", "ParameterValue");
	s_kv_list(&out->outputs, &out->output_count, m, "Outputs", "OutputKey", "OutputValue");
	s_kv_list(&out->tags, &out->tag_count, m, "Tags", "Key", "Value");
}

int c1_cfn_describe_stack(struct c1_cfn_stack *out, const struct c1_aws_target *target,
			  const struct c1_sigv4_credentials *creds, const char *stack_name,
			  struct c1_api_error *err)
{
	struct c1_query_params params = C1_QUERY_PARAMS_INIT;
	struct c1_query_response resp = C1_QUERY_RESPONSE_INIT;
	*out = (struct c1_cfn_stack)C1_CFN_STACK_INIT;
	if (err)
		*err = (struct c1_api_error)C1_API_ERROR_INIT;
	int rc = s_check_name(stack_name, true, "DescribeStacks");
	if (rc)
		goto cleanup;
	c1_query_params_add(&params, "StackName", stack_name);
	rc = s_call(&resp, target, creds, "DescribeStacks", &params, stack_name, err);
	if (rc)
		goto cleanup;
	xmlNode *m = c1_xml_child(c1_xml_child(resp.result, "Stacks"), "member");
	if (!m) {
		/* Not what AWS does for a name, but an empty list is still "no such stack". */
		c1_error_set("stack %s does not exist in %s", stack_name, target->region);
		rc = C1_ENOTFOUND;
		goto cleanup;
	}
	s_parse_stack(out, m);
	if (!out->stack_id || !out->status)
		rc = s_bad_response(err, &resp, "DescribeStacks", "StackId or StackStatus");
cleanup:
	if (rc)
		c1_cfn_stack_dispose(out);
	c1_query_params_dispose(&params);
	c1_query_response_dispose(&resp);
	return rc;
}

void c1_cfn_event_page_dispose(struct c1_cfn_event_page *page)
{
	if (!page)
		return;
	for (size_t i = 0; i < page->count; i++) {
		struct c1_cfn_event *e = &page->items[i];
		free(e->event_id);
		free(e->stack_id);
		free(e->logical_id);
		free(e->physical_id);
		free(e->resource_type);
		free(e->status);
		free(e->reason);
		free(e->timestamp);
	}
	free(page->items);
	free(page->next_token);
	*page = (struct c1_cfn_event_page)C1_CFN_EVENT_PAGE_INIT;
}

static size_t s_count_members(xmlNode *list)
{
	size_t n = 0;
	for (xmlNode *m = c1_xml_child(list, "member"); m; m = c1_xml_next(m))
		n++;
	return n;
}

int c1_cfn_describe_stack_events(struct c1_cfn_event_page *out, const struct c1_aws_target *target,
				 const struct c1_sigv4_credentials *creds, const char *stack_name,
				 const char *next_token, struct c1_api_error *err)
{
	struct c1_query_params params = C1_QUERY_PARAMS_INIT;
	struct c1_query_response resp = C1_QUERY_RESPONSE_INIT;
	*out = (struct c1_cfn_event_page)C1_CFN_EVENT_PAGE_INIT;
	if (err)
		*err = (struct c1_api_error)C1_API_ERROR_INIT;
	int rc = s_check_name(stack_name, true, "DescribeStackEvents");
	if (rc)
		goto cleanup;
	c1_query_params_add(&params, "StackName", stack_name);
	c1_query_params_add(&params, "NextToken", next_token);
	rc = s_call(&resp, target, creds, "DescribeStackEvents", &params, stack_name, err);
	if (rc)
		goto cleanup;
	xmlNode *list = c1_xml_child(resp.result, "StackEvents");
	size_t n = s_count_members(list);
	out->items = n ? c1_calloc(n, sizeof(*out->items)) : NULL;
	for (xmlNode *m = c1_xml_child(list, "member"); m; m = c1_xml_next(m)) {
		struct c1_cfn_event *e = &out->items[out->count++];
		e->event_id = s_text(m, "EventId");
		e->stack_id = s_text(m, "StackId");
		e->logical_id = s_text(m, "LogicalResourceId");
		e->physical_id = s_text(m, "PhysicalResourceId");
		e->resource_type = s_text(m, "ResourceType");
		e->status = s_text(m, "ResourceStatus");
		e->reason = s_text(m, "ResourceStatusReason");
		e->timestamp = s_text(m, "Timestamp");
		if (!e->timestamp || c1_sts_parse_time_ms(&e->timestamp_ms, e->timestamp) != 0)
			e->timestamp_ms = 0;
	}
	out->next_token = s_text(resp.result, "NextToken");
	if (out->next_token && !*out->next_token) {
		free(out->next_token);
		out->next_token = NULL;
	}
cleanup:
	if (rc)
		c1_cfn_event_page_dispose(out);
	c1_query_params_dispose(&params);
	c1_query_response_dispose(&resp);
	return rc;
}

static bool s_cancel_noise(const char *reason)
{
	return strstr(reason, "Resource creation cancelled") || strstr(reason, "Resource update cancelled") ||
	       strstr(reason, "The following resource(s) failed to");
}

size_t c1_cfn_failure_events(const struct c1_cfn_event_page *page, int64_t since_ms, size_t *idx, size_t cap)
{
	size_t n = 0;
	bool have_real = false;
	if (!page)
		return 0;
	for (int pass = 0; pass < 2; pass++) {
		/* Pass 0 finds whether a cause other than "cancelled" exists; pass 1 picks. */
		for (size_t k = page->count; k-- > 0;) {
			const struct c1_cfn_event *e = &page->items[k];
			if (!e->status || !e->reason || !*e->reason || !s_ends_with(e->status, "_FAILED"))
				continue;
			if (since_ms && e->timestamp_ms && e->timestamp_ms < since_ms)
				continue;
			bool noise = s_cancel_noise(e->reason);
			if (pass == 0) {
				have_real = have_real || !noise;
				continue;
			}
			if ((noise && have_real) || n >= cap)
				continue;
			idx[n++] = k;
		}
	}
	return n;
}

char *c1_cfn_failure_reasons(const struct c1_cfn_event_page *page, int64_t since_ms)
{
	struct c1_buf out = C1_BUF_INIT;
	size_t idx[64];
	size_t n = c1_cfn_failure_events(page, since_ms, idx, sizeof(idx) / sizeof(idx[0]));
	for (size_t i = 0; i < n; i++) {
		const struct c1_cfn_event *e = &page->items[idx[i]];
		c1_buf_printf(&out, "%s%s (%s): %s", out.len ? "; " : "", e->logical_id ? e->logical_id : "?",
			      e->resource_type ? e->resource_type : "?", e->reason);
	}
	if (out.len == 0) {
		c1_buf_dispose(&out);
		return NULL;
	}
	return c1_buf_detach(&out);
}

void c1_cfn_resource_list_dispose(struct c1_cfn_resource_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->count; i++) {
		free(list->items[i].logical_id);
		free(list->items[i].physical_id);
		free(list->items[i].resource_type);
		free(list->items[i].status);
		free(list->items[i].reason);
		free(list->items[i].drift_status);
	}
	free(list->items);
	*list = (struct c1_cfn_resource_list)C1_CFN_RESOURCE_LIST_INIT;
}

int c1_cfn_describe_stack_resources(struct c1_cfn_resource_list *out, const struct c1_aws_target *target,
				    const struct c1_sigv4_credentials *creds, const char *stack_name,
				    struct c1_api_error *err)
{
	struct c1_query_params params = C1_QUERY_PARAMS_INIT;
	struct c1_query_response resp = C1_QUERY_RESPONSE_INIT;
	*out = (struct c1_cfn_resource_list)C1_CFN_RESOURCE_LIST_INIT;
	if (err)
		*err = (struct c1_api_error)C1_API_ERROR_INIT;
	int rc = s_check_name(stack_name, true, "DescribeStackResources");
	if (rc)
		goto cleanup;
	c1_query_params_add(&params, "StackName", stack_name);
	rc = s_call(&resp, target, creds, "DescribeStackResources", &params, stack_name, err);
	if (rc)
		goto cleanup;
	xmlNode *list = c1_xml_child(resp.result, "StackResources");
	size_t n = s_count_members(list);
	out->items = n ? c1_calloc(n, sizeof(*out->items)) : NULL;
	for (xmlNode *m = c1_xml_child(list, "member"); m; m = c1_xml_next(m)) {
		struct c1_cfn_resource *r = &out->items[out->count++];
		r->logical_id = s_text(m, "LogicalResourceId");
		r->physical_id = s_text(m, "PhysicalResourceId");
		r->resource_type = s_text(m, "ResourceType");
		r->status = s_text(m, "ResourceStatus");
		r->reason = s_text(m, "ResourceStatusReason");
		r->drift_status = s_text(c1_xml_child(m, "DriftInformation"), "StackResourceDriftStatus");
	}
cleanup:
	if (rc)
		c1_cfn_resource_list_dispose(out);
	c1_query_params_dispose(&params);
	c1_query_response_dispose(&resp);
	return rc;
}

/* Calls that name a stack and return one optional text field. */
static int s_simple(char **out, const struct c1_aws_target *target, const struct c1_sigv4_credentials *creds,
		    const char *action, const char *key, const char *value, bool names_stack,
		    const char *extra_key, const char *extra_value, const char *field,
		    struct c1_api_error *err)
{
	struct c1_query_params params = C1_QUERY_PARAMS_INIT;
	struct c1_query_response resp = C1_QUERY_RESPONSE_INIT;
	int rc = 0;
	if (out)
		*out = NULL;
	if (err)
		*err = (struct c1_api_error)C1_API_ERROR_INIT;
	if (names_stack)
		rc = s_check_name(value, true, action);
	else if (!value || !*value) {
		c1_error_set("%s needs %s", action, key);
		rc = C1_EINVALID;
	}
	if (rc)
		goto cleanup;
	c1_query_params_add(&params, key, value);
	c1_query_params_add(&params, extra_key, extra_value);
	rc = s_call(&resp, target, creds, action, &params, names_stack ? value : NULL, err);
	if (rc || !out)
		goto cleanup;
	*out = s_text(resp.result, field);
	if (!*out)
		rc = s_bad_response(err, &resp, action, field);
cleanup:
	c1_query_params_dispose(&params);
	c1_query_response_dispose(&resp);
	return rc;
}

int c1_cfn_get_template(char **body, const struct c1_aws_target *target,
			const struct c1_sigv4_credentials *creds, const char *stack_name,
			struct c1_api_error *err)
{
	return s_simple(body, target, creds, "GetTemplate", "StackName", stack_name, true, "TemplateStage",
			"Original", "TemplateBody", err);
}

int c1_cfn_continue_update_rollback(const struct c1_aws_target *target,
				    const struct c1_sigv4_credentials *creds, const char *stack_name,
				    struct c1_api_error *err)
{
	return s_simple(NULL, target, creds, "ContinueUpdateRollback", "StackName", stack_name, true, NULL,
			NULL, NULL, err);
}

int c1_cfn_detect_stack_drift(char **detection_id, const struct c1_aws_target *target,
			      const struct c1_sigv4_credentials *creds, const char *stack_name,
			      struct c1_api_error *err)
{
	return s_simple(detection_id, target, creds, "DetectStackDrift", "StackName", stack_name, true, NULL,
			NULL, "StackDriftDetectionId", err);
}

void c1_cfn_drift_status_dispose(struct c1_cfn_drift_status *st)
{
	if (!st)
		return;
	free(st->stack_id);
	free(st->detection_id);
	free(st->stack_drift_status);
	free(st->detection_status);
	free(st->reason);
	*st = (struct c1_cfn_drift_status)C1_CFN_DRIFT_STATUS_INIT;
}

int c1_cfn_describe_stack_drift_detection_status(struct c1_cfn_drift_status *out,
						 const struct c1_aws_target *target,
						 const struct c1_sigv4_credentials *creds,
						 const char *detection_id, struct c1_api_error *err)
{
	struct c1_query_params params = C1_QUERY_PARAMS_INIT;
	struct c1_query_response resp = C1_QUERY_RESPONSE_INIT;
	char *count = NULL;
	int rc = 0;
	*out = (struct c1_cfn_drift_status)C1_CFN_DRIFT_STATUS_INIT;
	if (err)
		*err = (struct c1_api_error)C1_API_ERROR_INIT;
	if (!detection_id || !*detection_id || strlen(detection_id) > 36) {
		c1_error_set(
		    "DescribeStackDriftDetectionStatus needs the id DetectStackDrift returned (at most 36 "
		    "characters)");
		rc = C1_EINVALID;
		goto cleanup;
	}
	c1_query_params_add(&params, "StackDriftDetectionId", detection_id);
	rc = s_call(&resp, target, creds, "DescribeStackDriftDetectionStatus", &params, NULL, err);
	if (rc)
		goto cleanup;
	out->stack_id = s_text(resp.result, "StackId");
	out->detection_id = s_text(resp.result, "StackDriftDetectionId");
	out->stack_drift_status = s_text(resp.result, "StackDriftStatus");
	out->detection_status = s_text(resp.result, "DetectionStatus");
	out->reason = s_text(resp.result, "DetectionStatusReason");
	count = s_text(resp.result, "DriftedStackResourceCount");
	if (count && *count) {
		char *end = NULL;
		long long v = strtoll(count, &end, 10);
		out->drifted_count = (end && *end == '\0' && v >= 0) ? v : -1;
	}
	if (!out->detection_status)
		rc = s_bad_response(err, &resp, "DescribeStackDriftDetectionStatus", "DetectionStatus");
cleanup:
	if (rc)
		c1_cfn_drift_status_dispose(out);
	free(count);
	c1_query_params_dispose(&params);
	c1_query_response_dispose(&resp);
	return rc;
}

void c1_cfn_resource_drift_page_dispose(struct c1_cfn_resource_drift_page *page)
{
	if (!page)
		return;
	for (size_t i = 0; i < page->count; i++) {
		struct c1_cfn_resource_drift *d = &page->items[i];
		free(d->logical_id);
		free(d->physical_id);
		free(d->resource_type);
		free(d->drift_status);
		free(d->expected_properties);
		free(d->actual_properties);
		for (size_t j = 0; j < d->difference_count; j++) {
			free(d->differences[j].path);
			free(d->differences[j].expected);
			free(d->differences[j].actual);
			free(d->differences[j].type);
		}
		free(d->differences);
	}
	free(page->items);
	free(page->next_token);
	*page = (struct c1_cfn_resource_drift_page)C1_CFN_RESOURCE_DRIFT_PAGE_INIT;
}

int c1_cfn_describe_stack_resource_drifts(struct c1_cfn_resource_drift_page *out,
					  const struct c1_aws_target *target,
					  const struct c1_sigv4_credentials *creds, const char *stack_name,
					  const char *next_token, struct c1_api_error *err)
{
	struct c1_query_params params = C1_QUERY_PARAMS_INIT;
	struct c1_query_response resp = C1_QUERY_RESPONSE_INIT;
	*out = (struct c1_cfn_resource_drift_page)C1_CFN_RESOURCE_DRIFT_PAGE_INIT;
	if (err)
		*err = (struct c1_api_error)C1_API_ERROR_INIT;
	int rc = s_check_name(stack_name, true, "DescribeStackResourceDrifts");
	if (rc)
		goto cleanup;
	c1_query_params_add(&params, "StackName", stack_name);
	c1_query_params_add_int(&params, "MaxResults", 100);
	c1_query_params_add(&params, "NextToken", next_token);
	rc = s_call(&resp, target, creds, "DescribeStackResourceDrifts", &params, stack_name, err);
	if (rc)
		goto cleanup;
	xmlNode *list = c1_xml_child(resp.result, "StackResourceDrifts");
	size_t n = s_count_members(list);
	out->items = n ? c1_calloc(n, sizeof(*out->items)) : NULL;
	for (xmlNode *m = c1_xml_child(list, "member"); m; m = c1_xml_next(m)) {
		struct c1_cfn_resource_drift *d = &out->items[out->count++];
		d->logical_id = s_text(m, "LogicalResourceId");
		d->physical_id = s_text(m, "PhysicalResourceId");
		d->resource_type = s_text(m, "ResourceType");
		d->drift_status = s_text(m, "StackResourceDriftStatus");
		d->expected_properties = s_text(m, "ExpectedProperties");
		d->actual_properties = s_text(m, "ActualProperties");
		xmlNode *diffs = c1_xml_child(m, "PropertyDifferences");
		size_t dn = s_count_members(diffs);
		d->differences = dn ? c1_calloc(dn, sizeof(*d->differences)) : NULL;
		for (xmlNode *x = c1_xml_child(diffs, "member"); x; x = c1_xml_next(x)) {
			struct c1_cfn_property_difference *pd = &d->differences[d->difference_count++];
			pd->path = s_text(x, "PropertyPath");
			pd->expected = s_text(x, "ExpectedValue");
			pd->actual = s_text(x, "ActualValue");
			pd->type = s_text(x, "DifferenceType");
		}
	}
	out->next_token = s_text(resp.result, "NextToken");
	if (out->next_token && !*out->next_token) {
		free(out->next_token);
		out->next_token = NULL;
	}
cleanup:
	if (rc)
		c1_cfn_resource_drift_page_dispose(out);
	c1_query_params_dispose(&params);
	c1_query_response_dispose(&resp);
	return rc;
}
