/* S3 (REST-XML): HeadBucket, GetBucketLocation (empty LocationConstraint
 * for us-east-1) and ListBuckets, path style and virtual-host style.
 * Buckets: every `c1sim-ct-<acct>-<region>` exists in <region> for <acct>;
 * buckets added by stacks or POST /_sim/buckets exist too; a removed
 * bucket (stack delete, bucket_deleted drift) stays gone until re-added. */
#include "sim.h"
#include "sim_server.h"

#include "engine/core/alloc.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define S_NS            "http://s3.amazonaws.com/doc/2006-03-01/"
#define S_CONVENTION    "c1sim-ct-"
#define S_CREATION_DATE "2024-01-01T00:00:00.000Z"

struct s_bucket {
	char *name;
	char region[32];
	char account[16];
	bool removed;
};

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static struct s_bucket *s_buckets;
static size_t s_count;
static size_t s_cap;

static struct s_bucket *s_find(const char *name)
{
	for (size_t i = 0; i < s_count; i++)
		if (strcmp(s_buckets[i].name, name) == 0)
			return &s_buckets[i];
	return NULL;
}

static struct s_bucket *s_find_or_add(const char *name)
{
	struct s_bucket *b = s_find(name);
	if (b)
		return b;
	if (s_count == s_cap) {
		s_cap = s_cap ? 2 * s_cap : 32;
		s_buckets = c1_realloc(s_buckets, s_cap * sizeof(*s_buckets));
	}
	b = &s_buckets[s_count++];
	memset(b, 0, sizeof(*b));
	b->name = c1_strdup(name);
	return b;
}

void sim_s3_bucket_add(const char *name, const char *region, const char *account_id)
{
	pthread_mutex_lock(&s_lock);
	struct s_bucket *b = s_find_or_add(name);
	snprintf(b->region, sizeof(b->region), "%s", region);
	snprintf(b->account, sizeof(b->account), "%s", account_id);
	b->removed = false;
	pthread_mutex_unlock(&s_lock);
}

void sim_s3_bucket_remove(const char *name)
{
	pthread_mutex_lock(&s_lock);
	struct s_bucket *b = s_find_or_add(name);
	b->removed = true;
	pthread_mutex_unlock(&s_lock);
}

static bool s_region_like(const char *r)
{
	size_t n = strlen(r);
	int dashes = 0;
	if (n < 9 || n > 25 || !isdigit((unsigned char)r[n - 1]) || !islower((unsigned char)r[0]))
		return false;
	for (const char *p = r; *p; p++) {
		if (*p == '-')
			dashes++;
		else if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p))
			return false;
	}
	return dashes >= 2;
}

/* c1sim-ct-<12 digits>-<region> */
static bool s_convention(const char *name, char region_out[32], char account_out[16])
{
	size_t plen = strlen(S_CONVENTION);
	if (strncmp(name, S_CONVENTION, plen) != 0 || strlen(name) < plen + 13)
		return false;
	const char *acct = name + plen;
	for (int i = 0; i < 12; i++)
		if (!isdigit((unsigned char)acct[i]))
			return false;
	if (acct[12] != '-' || !s_region_like(acct + 13) || strlen(acct + 13) >= 32)
		return false;
	snprintf(account_out, 16, "%.12s", acct);
	snprintf(region_out, 32, "%s", acct + 13);
	return true;
}

bool sim_s3_bucket_lookup(const char *name, char region_out[32], char account_out[16])
{
	bool found = false;
	pthread_mutex_lock(&s_lock);
	const struct s_bucket *b = s_find(name);
	if (b) {
		found = !b->removed;
		if (found) {
			snprintf(region_out, 32, "%s", b->region);
			snprintf(account_out, 16, "%s", b->account);
		}
	}
	pthread_mutex_unlock(&s_lock);
	if (!b)
		found = s_convention(name, region_out, account_out);
	return found;
}

/* ---- routing ---- */

void sim_s3_request_bucket(const struct sim_request *req, char *out, size_t out_len)
{
	out[0] = '\0';
	const char *host = c1_headers_get(&req->headers, "Host");
	if (host) {
		size_t hn = strcspn(host, ":");
		char h[256];
		snprintf(h, sizeof(h), "%.*s", (int)hn, host);
		char *cut = strstr(h, ".s3.");
		if (!cut)
			cut = strstr(h, ".s3-");
		if (!cut) {
			size_t n = strlen(h);
			if (n > 10 && strcasecmp(h + n - 10, ".localhost") == 0)
				cut = h + n - 10;
		}
		if (cut && cut > h) {
			snprintf(out, out_len, "%.*s", (int)(cut - h), h);
			return;
		}
	}
	const char *p = req->path;
	while (*p == '/')
		p++;
	size_t n = strcspn(p, "/");
	snprintf(out, out_len, "%.*s", (int)n, p);
}

/* The object key part of the path (after the bucket), "" when none. */
static const char *s_key(const struct sim_request *req, bool virtual_host)
{
	const char *p = req->path;
	while (*p == '/')
		p++;
	if (!virtual_host)
		p += strcspn(p, "/");
	while (*p == '/')
		p++;
	return p;
}

static bool s_virtual_host(const struct sim_request *req, const char *bucket)
{
	const char *p = req->path;
	while (*p == '/')
		p++;
	size_t n = strcspn(p, "/");
	return bucket[0] && (strlen(bucket) != n || strncmp(p, bucket, n) != 0);
}

static bool s_has_param(const struct sim_request *req, const char *name)
{
	char *v = sim_query_get(req, name);
	bool has = v != NULL;
	free(v);
	return has;
}

void sim_s3_route(struct sim_request *req)
{
	char bucket[256];
	const char *m = req->method;
	sim_s3_request_bucket(req, bucket, sizeof(bucket));
	const char *key = s_key(req, s_virtual_host(req, bucket));
	const char *route;
	if (!bucket[0])
		route = strcmp(m, "GET") == 0 ? "ListBuckets" : NULL;
	else if (key[0])
		route = strcmp(m, "HEAD") == 0     ? "HeadObject"
			: strcmp(m, "GET") == 0    ? "GetObject"
			: strcmp(m, "PUT") == 0    ? "PutObject"
			: strcmp(m, "DELETE") == 0 ? "DeleteObject"
						   : NULL;
	else if (strcmp(m, "HEAD") == 0)
		route = "HeadBucket";
	else if (strcmp(m, "GET") == 0 && s_has_param(req, "location"))
		route = "GetBucketLocation";
	else if (strcmp(m, "GET") == 0)
		route = s_has_param(req, "list-type") ? "ListObjectsV2" : "ListObjects";
	else if (strcmp(m, "PUT") == 0)
		route = "CreateBucket";
	else if (strcmp(m, "DELETE") == 0)
		route = "DeleteBucket";
	else
		route = NULL;
	if (route)
		snprintf(req->route, sizeof(req->route), "%s", route);
	else
		snprintf(req->route, sizeof(req->route), "%s /{bucket}%s", m, key[0] ? "/{key}" : "");
}

/* ---- handlers ---- */

static void s_head_bucket(struct sim_request *req, struct sim_response *resp, const char *bucket)
{
	char region[32], owner[16];
	if (!sim_s3_bucket_lookup(bucket, region, owner)) {
		sim_respond_s3_error(resp, req, 404, "NoSuchBucket", "The specified bucket does not exist");
		return;
	}
	/* x-amz-bucket-region comes back whether or not the caller may read it. */
	c1_headers_set(&resp->headers, "x-amz-bucket-region", region);
	if (strcmp(owner, req->account_id) != 0) {
		sim_respond_s3_error(resp, req, 403, "AccessDenied", "Access Denied");
		return;
	}
	c1_headers_set(&resp->headers, "x-amz-access-point-alias", "false");
	sim_respond_text(resp, 200, "application/xml", NULL);
}

static void s_get_bucket_location(struct sim_request *req, struct sim_response *resp, const char *bucket)
{
	char region[32], owner[16];
	if (!sim_s3_bucket_lookup(bucket, region, owner)) {
		sim_respond_s3_error(resp, req, 404, "NoSuchBucket", "The specified bucket does not exist");
		return;
	}
	if (strcmp(owner, req->account_id) != 0) {
		sim_respond_s3_error(resp, req, 403, "AccessDenied", "Access Denied");
		return;
	}
	struct c1_buf xml = C1_BUF_INIT;
	c1_buf_puts(&xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	if (strcmp(region, "us-east-1") == 0)
		c1_buf_puts(&xml, "<LocationConstraint xmlns=\"" S_NS "\"/>");
	else
		c1_buf_printf(&xml, "<LocationConstraint xmlns=\"" S_NS "\">%s</LocationConstraint>", region);
	sim_respond_text(resp, 200, "application/xml", c1_buf_cstr(&xml));
	c1_buf_dispose(&xml);
}

static void s_put_bucket(struct c1_buf *xml, const char *name, const char *region)
{
	c1_buf_puts(xml, "<Bucket><Name>");
	sim_xml_escape(xml, name);
	c1_buf_printf(xml,
		      "</Name><CreationDate>" S_CREATION_DATE "</CreationDate><BucketRegion>%s</BucketRegion>"
		      "</Bucket>",
		      region);
}

/* The caller's registered buckets, plus its convention bucket in the
 * signing region (the convention universe is unbounded, so only that one). */
static void s_list_buckets(struct sim_request *req, struct sim_response *resp)
{
	struct c1_buf xml = C1_BUF_INIT;
	char conv[96];
	char region[32], owner[16];
	snprintf(conv, sizeof(conv), S_CONVENTION "%s-%s", req->account_id, req->region);
	c1_buf_printf(&xml,
		      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListAllMyBucketsResult xmlns=\"" S_NS
		      "\">"
		      "<Owner><ID>c1sim%s</ID><DisplayName>c1sim-%s</DisplayName></Owner><Buckets>",
		      req->account_id, req->account_id);
	bool conv_listed = false;
	pthread_mutex_lock(&s_lock);
	for (size_t i = 0; i < s_count; i++) {
		const struct s_bucket *b = &s_buckets[i];
		if (strcmp(b->name, conv) == 0)
			conv_listed = true;
		if (!b->removed && strcmp(b->account, req->account_id) == 0)
			s_put_bucket(&xml, b->name, b->region);
	}
	pthread_mutex_unlock(&s_lock);
	if (!conv_listed && sim_s3_bucket_lookup(conv, region, owner))
		s_put_bucket(&xml, conv, region);
	c1_buf_puts(&xml, "</Buckets></ListAllMyBucketsResult>");
	sim_respond_text(resp, 200, "application/xml", c1_buf_cstr(&xml));
	c1_buf_dispose(&xml);
}

static void s_handle(struct sim_request *req, struct sim_response *resp)
{
	char bucket[256];
	char rid[24];
	sim_s3_request_bucket(req, bucket, sizeof(bucket));
	if (strcmp(req->route, "ListBuckets") == 0)
		s_list_buckets(req, resp);
	else if (strcmp(req->route, "HeadBucket") == 0)
		s_head_bucket(req, resp, bucket);
	else if (strcmp(req->route, "GetBucketLocation") == 0)
		s_get_bucket_location(req, resp, bucket);
	else
		sim_respond_s3_error(resp, req, 501, "NotImplemented",
				     "A header you provided implies functionality that is not implemented");
	if (resp->status < 400) {
		sim_new_id(rid, sizeof(rid), "", 16);
		c1_headers_set(&resp->headers, "x-amz-request-id", rid);
	}
}

static void s_dump(json_t *state)
{
	json_t *arr = json_array();
	pthread_mutex_lock(&s_lock);
	for (size_t i = 0; i < s_count; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:b}", "name", s_buckets[i].name,
						     "region", s_buckets[i].region, "account_id",
						     s_buckets[i].account, "exists", !s_buckets[i].removed));
	pthread_mutex_unlock(&s_lock);
	json_object_set_new(state, "buckets", arr);
}

static int s_drift(const char *kind, const json_t *spec, char *err, size_t err_len)
{
	if (strcmp(kind, "bucket_deleted") != 0)
		return 0;
	const char *name = json_string_value(json_object_get(spec, "bucket"));
	if (!name || !name[0]) {
		snprintf(err, err_len, "bucket_deleted needs \"bucket\": the bucket name");
		return -1;
	}
	sim_s3_bucket_remove(name);
	return 1;
}

static void s_reset(void)
{
	pthread_mutex_lock(&s_lock);
	for (size_t i = 0; i < s_count; i++)
		free(s_buckets[i].name);
	free(s_buckets);
	s_buckets = NULL;
	s_count = s_cap = 0;
	pthread_mutex_unlock(&s_lock);
}

const struct sim_service sim_service_s3 = {"s3", s_handle, s_dump, s_drift, s_reset};
