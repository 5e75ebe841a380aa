/* CloudTrail (JSON 1.1): DescribeTrails and GetTrailStatus. Every account
 * has, in every region, one default multi-region trail `c1sim-trail`
 * logging to its convention bucket c1sim-ct-<acct>-<region> (the "existing
 * trail" a spreadsheet's bucket column points at); stacks add trails with
 * sim_cloudtrail_trail_add. A trail_deleted drift removes either kind; a
 * trail_stopped drift stops a stack's trail logging (GetTrailStatus says
 * IsLogging false) until a stack makes it again. */
#include "sim.h"

#include "engine/core/alloc.h"
#include "engine/core/json.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_DEFAULT_TRAIL "c1sim-trail"

struct s_trail {
	char account[16];
	char region[32]; /* home region; "" for a tombstone of the default trail in every region */
	char *name;
	char *bucket;
	bool multi_region;
	bool removed;
	bool stopped; /* exists, not logging */
};

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static struct s_trail *s_trails;
static size_t s_count;
static size_t s_cap;

static struct s_trail *s_find(const char *account, const char *name)
{
	for (size_t i = 0; i < s_count; i++)
		if (strcmp(s_trails[i].account, account) == 0 && strcmp(s_trails[i].name, name) == 0)
			return &s_trails[i];
	return NULL;
}

static struct s_trail *s_find_or_add(const char *account, const char *name)
{
	struct s_trail *t = s_find(account, name);
	if (t)
		return t;
	if (s_count == s_cap) {
		s_cap = s_cap ? 2 * s_cap : 32;
		s_trails = c1_realloc(s_trails, s_cap * sizeof(*s_trails));
	}
	t = &s_trails[s_count++];
	memset(t, 0, sizeof(*t));
	snprintf(t->account, sizeof(t->account), "%s", account);
	t->name = c1_strdup(name);
	return t;
}

void sim_cloudtrail_trail_add(const char *account_id, const char *region, const char *name,
			      const char *bucket, bool multi_region)
{
	pthread_mutex_lock(&s_lock);
	struct s_trail *t = s_find_or_add(account_id, name);
	snprintf(t->region, sizeof(t->region), "%s", region);
	free(t->bucket);
	t->bucket = c1_strdup(bucket ? bucket : "");
	t->multi_region = multi_region;
	t->removed = false;
	t->stopped = false;
	pthread_mutex_unlock(&s_lock);
}

void sim_cloudtrail_trail_remove(const char *account_id, const char *name)
{
	pthread_mutex_lock(&s_lock);
	struct s_trail *t = s_find_or_add(account_id, name);
	t->removed = true;
	if (!t->bucket)
		t->bucket = c1_strdup("");
	pthread_mutex_unlock(&s_lock);
}

static json_t *s_trail_json(const char *account, const char *home, const char *name, const char *bucket,
			    bool multi)
{
	char arn[256];
	snprintf(arn, sizeof(arn), "arn:aws:cloudtrail:%s:%s:trail/%s", home, account, name);
	return json_pack("{s:s, s:s, s:b, s:b, s:s, s:s, s:b, s:b, s:b, s:b}", "Name", name, "S3BucketName",
			 bucket, "IncludeGlobalServiceEvents", 1, "IsMultiRegionTrail", multi, "HomeRegion",
			 home, "TrailARN", arn, "LogFileValidationEnabled", 0, "HasCustomEventSelectors", 0,
			 "HasInsightSelectors", 0, "IsOrganizationTrail", 0);
}

/* Every trail the caller sees in its region: its own home trails, and
 * (when shadows are wanted) multi-region trails homed elsewhere. */
static json_t *s_visible(const struct sim_request *req, bool shadows)
{
	json_t *list = json_array();
	bool default_gone = false;
	pthread_mutex_lock(&s_lock);
	for (size_t i = 0; i < s_count; i++) {
		const struct s_trail *t = &s_trails[i];
		if (strcmp(t->account, req->account_id) != 0)
			continue;
		if (strcmp(t->name, S_DEFAULT_TRAIL) == 0 && t->removed)
			default_gone = true;
		if (t->removed || !t->region[0])
			continue;
		bool home = strcmp(t->region, req->region) == 0;
		if (home || (shadows && t->multi_region))
			json_array_append_new(
			    list, s_trail_json(t->account, t->region, t->name, t->bucket, t->multi_region));
	}
	bool default_overridden = s_find(req->account_id, S_DEFAULT_TRAIL) != NULL;
	pthread_mutex_unlock(&s_lock);
	if (!default_gone && !default_overridden) {
		char bucket[96];
		snprintf(bucket, sizeof(bucket), "c1sim-ct-%s-%s", req->account_id, req->region);
		json_array_insert_new(
		    list, 0, s_trail_json(req->account_id, req->region, S_DEFAULT_TRAIL, bucket, true));
	}
	return list;
}

static void s_send(struct sim_response *resp, json_t *doc)
{
	char rid[40];
	sim_new_request_id(rid, sizeof(rid));
	char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	sim_respond_text(resp, 200, "application/x-amz-json-1.1", text);
	c1_headers_set(&resp->headers, "x-amzn-RequestId", rid);
	free(text);
	json_decref(doc);
}

static bool s_names(const json_t *trail, const char *wanted)
{
	const char *name = json_string_value(json_object_get(trail, "Name"));
	const char *arn = json_string_value(json_object_get(trail, "TrailARN"));
	return (name && strcmp(name, wanted) == 0) || (arn && strcmp(arn, wanted) == 0);
}

static void s_describe_trails(struct sim_request *req, struct sim_response *resp, const json_t *body)
{
	json_t *shadow = json_object_get(body, "includeShadowTrails");
	json_t *wanted = json_object_get(body, "trailNameList");
	json_t *all = s_visible(req, !json_is_false(shadow));
	json_t *out = json_array();
	size_t i;
	json_t *t;
	json_array_foreach(all, i, t)
	{
		bool keep = !json_is_array(wanted) || json_array_size(wanted) == 0;
		size_t j;
		json_t *w;
		json_array_foreach(wanted, j, w)
		{
			if (json_is_string(w) && s_names(t, json_string_value(w)))
				keep = true;
		}
		if (keep)
			json_array_append(out, t);
	}
	json_decref(all);
	s_send(resp, json_pack("{s:o}", "trailList", out));
}

static void s_get_trail_status(struct sim_request *req, struct sim_response *resp, const json_t *body)
{
	const char *name = json_string_value(json_object_get(body, "Name"));
	char msg[400];
	if (!name || !name[0]) {
		sim_respond_aws_json_error(resp, 400, "InvalidTrailNameException",
					   "Trail name must not be empty.");
		return;
	}
	json_t *all = s_visible(req, true);
	json_t *found = NULL;
	size_t i;
	json_t *t;
	json_array_foreach(all, i, t)
	{
		if (s_names(t, name))
			found = t;
	}
	if (!found) {
		snprintf(msg, sizeof(msg), "Unknown trail: %.200s for the user: %s", name, req->account_id);
		sim_respond_aws_json_error(resp, 400, "TrailNotFoundException", msg);
	} else {
		double started = 1704067200.0; /* 2024-01-01: the universe's trails log since then */
		double latest = (double)(req->now_ms / 1000 / 300 * 300);
		const char *found_name = json_string_value(json_object_get(found, "Name"));
		pthread_mutex_lock(&s_lock);
		const struct s_trail *st = found_name ? s_find(req->account_id, found_name) : NULL;
		bool logging = !(st && st->stopped);
		pthread_mutex_unlock(&s_lock);
		s_send(resp, json_pack("{s:b, s:f, s:f}", "IsLogging", logging, "StartLoggingTime", started,
				       "LatestDeliveryTime", latest));
	}
	json_decref(all);
}

static void s_handle(struct sim_request *req, struct sim_response *resp)
{
	json_t *body = NULL;
	char msg[200];
	if (req->body.len > 0 && c1_json_parse(&body, c1_buf_view(&req->body), 0, 0) < 0) {
		sim_respond_aws_json_error(resp, 400, "SerializationException",
					   "Start of structure or map found where "
					   "not expected.");
		return;
	}
	if (!body)
		body = json_object();
	if (strcmp(req->route, "DescribeTrails") == 0) {
		s_describe_trails(req, resp, body);
	} else if (strcmp(req->route, "GetTrailStatus") == 0) {
		s_get_trail_status(req, resp, body);
	} else {
		snprintf(msg, sizeof(msg), "c1sim does not simulate CloudTrail operation %.100s", req->route);
		sim_respond_aws_json_error(resp, 400, "UnknownOperationException", msg);
	}
	json_decref(body);
}

static void s_dump(json_t *state)
{
	json_t *arr = json_array();
	pthread_mutex_lock(&s_lock);
	for (size_t i = 0; i < s_count; i++) {
		const struct s_trail *t = &s_trails[i];
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:b}", "account_id",
						     t->account, "region", t->region, "name", t->name,
						     "bucket", t->bucket ? t->bucket : "", "multi_region",
						     t->multi_region, "exists", !t->removed, "logging",
						     !t->removed && !t->stopped));
	}
	pthread_mutex_unlock(&s_lock);
	json_object_set_new(state, "trails", arr);
}

/* trail_stopped: a trail a stack made (named) stops logging. */
static int s_drift_stopped(const json_t *spec, char *err, size_t err_len)
{
	const char *account = json_string_value(json_object_get(spec, "account_id"));
	const char *name = json_string_value(json_object_get(spec, "trail"));
	if (!account || !account[0] || !name || !name[0]) {
		snprintf(err, err_len, "trail_stopped needs \"account_id\" and \"trail\"");
		return -1;
	}
	pthread_mutex_lock(&s_lock);
	struct s_trail *t = s_find(account, name);
	bool ok = t && !t->removed && t->region[0];
	if (ok)
		t->stopped = true;
	pthread_mutex_unlock(&s_lock);
	if (!ok) {
		snprintf(err, err_len, "trail_stopped: account %s has no stack-made trail %s", account, name);
		return -1;
	}
	return 1;
}

static int s_drift(const char *kind, const json_t *spec, char *err, size_t err_len)
{
	if (strcmp(kind, "trail_stopped") == 0)
		return s_drift_stopped(spec, err, err_len);
	if (strcmp(kind, "trail_deleted") != 0)
		return 0;
	const char *account = json_string_value(json_object_get(spec, "account_id"));
	const char *name = json_string_value(json_object_get(spec, "trail"));
	if (!account || !account[0]) {
		snprintf(err, err_len, "trail_deleted needs \"account_id\" (and \"trail\", default %s)",
			 S_DEFAULT_TRAIL);
		return -1;
	}
	sim_cloudtrail_trail_remove(account, name ? name : S_DEFAULT_TRAIL);
	return 1;
}

static void s_reset(void)
{
	pthread_mutex_lock(&s_lock);
	for (size_t i = 0; i < s_count; i++) {
		free(s_trails[i].name);
		free(s_trails[i].bucket);
	}
	free(s_trails);
	s_trails = NULL;
	s_count = s_cap = 0;
	pthread_mutex_unlock(&s_lock);
}

const struct sim_service sim_service_cloudtrail = {"cloudtrail", s_handle, s_dump, s_drift, s_reset};
