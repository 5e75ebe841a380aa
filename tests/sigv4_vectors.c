/* Golden-file runner for SigV4: `sigv4_vectors DIR` runs every case under
 * DIR (or DIR itself when it is one case) and compares the canonical
 * request, string to sign and signature/Authorization stage by stage.
 * Two layouts: the classic suite (<case>.req/.creq/.sts/.authz) and the
 * aws-c-auth suite (context.json + request.txt + header-* / query-* files).
 * A session token is signed or added after signing as the case's own
 * expected canonical request says (post-sts-token/readme.txt has both kinds).
 * Every case is also fed back through the verifier. Exit 0 only when every
 * case matched; 77 when nothing failed but some case was unsupported. */
#include "engine/aws/sigv4.h"
#include "engine/core/alloc.h"
#include "engine/core/buf.h"
#include "engine/core/error.h"
#include "engine/net/headers.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#define S_PASS        0
#define S_FAIL        1
#define S_UNSUPPORTED 77

/* Fixed inputs of the classic suite, from its README. */
#define S_AKID         "AKIDEXAMPLE"
#define S_SECRET       "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define S_REGION       "us-east-1"
#define S_SERVICE      "service"
#define S_CLASSIC_TIME 1440938160 /* 2015-08-30T12:36:00Z */
#define S_TOKEN_HEADER "x-amz-security-token"

struct s_raw_request {
	char *method;
	char *target; /* path?query as written */
	struct c1_headers headers;
	struct c1_buf body;
};

static char *s_read_file(const char *path, size_t *len_out)
{
	FILE *f = fopen(path, "rb");
	struct c1_buf buf = C1_BUF_INIT;
	char chunk[4096];
	size_t n;
	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (c1_buf_put(&buf, chunk, n) != 0)
			break;
	fclose(f);
	if (len_out)
		*len_out = buf.len;
	return c1_buf_detach(&buf);
}

static bool s_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static bool s_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static const char *s_basename(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static void s_raw_request_dispose(struct s_raw_request *r)
{
	free(r->method);
	free(r->target);
	c1_headers_dispose(&r->headers);
	c1_buf_dispose(&r->body);
}

/* Raw HTTP/1.1: request line, "Name:value" headers (obs-fold continuation
 * lines start with whitespace and are joined with one space), blank line,
 * body. Both LF-terminated and unterminated last lines are accepted. */
static int s_parse_raw_request(struct s_raw_request *out, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	const char *line_end = nl ? nl : end;
	const char *sp1 = memchr(p, ' ', (size_t)(line_end - p));
	const char *sp2 = NULL;
	for (const char *q = line_end; q > p; q--)
		if (q[-1] == ' ') {
			sp2 = q - 1;
			break;
		}
	if (!sp1 || !sp2 || sp2 <= sp1)
		return -1;
	out->method = c1_strndup(p, (size_t)(sp1 - p));
	out->target = c1_strndup(sp1 + 1, (size_t)(sp2 - sp1 - 1));
	p = nl ? nl + 1 : end;

	char *last_name = NULL;
	struct c1_buf last_value = C1_BUF_INIT;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		line_end = nl ? nl : end;
		const char *next = nl ? nl + 1 : end;
		if (line_end == p) { /* blank line: the body follows */
			p = next;
			c1_buf_put(&out->body, p, (size_t)(end - p));
			p = end;
			break;
		}
		if (*p == ' ' || *p == '\t') {
			c1_buf_putc(&last_value, ' ');
			c1_buf_put(&last_value, p, (size_t)(line_end - p));
		} else {
			if (last_name)
				c1_headers_add(&out->headers, last_name, c1_buf_cstr(&last_value));
			free(last_name);
			const char *colon = memchr(p, ':', (size_t)(line_end - p));
			if (!colon) {
				c1_buf_dispose(&last_value);
				return -1;
			}
			last_name = c1_strndup(p, (size_t)(colon - p));
			c1_buf_clear(&last_value);
			c1_buf_put(&last_value, colon + 1, (size_t)(line_end - colon - 1));
		}
		p = next;
	}
	if (last_name)
		c1_headers_add(&out->headers, last_name, c1_buf_cstr(&last_value));
	free(last_name);
	c1_buf_dispose(&last_value);
	return 0;
}

static char *s_url_of(const struct s_raw_request *r)
{
	const char *host = c1_headers_get(&r->headers, "Host");
	return c1_asprintf("https://%s%s", host ? host : "example.amazonaws.com", r->target);
}

static int s_check_stage(const char *case_name, const char *stage, const char *expected, const char *actual)
{
	if (!expected) {
		printf("FAIL %s: expected file for stage '%s' is missing\n", case_name, stage);
		return S_FAIL;
	}
	if (strcmp(expected, actual) != 0) {
		printf("FAIL %s: stage '%s' differs\n--- expected\n%s\n--- actual\n%s\n---\n", case_name,
		       stage, expected, actual);
		return S_FAIL;
	}
	return S_PASS;
}

static char *s_expected(const char *dir, const char *name)
{
	char *path = c1_asprintf("%s/%s", dir, name);
	char *text = s_read_file(path, NULL);
	free(path);
	return text;
}

static void s_split_target(const char *target, char **path, char **query)
{
	const char *q = strchr(target, '?');
	*path = q ? c1_strndup(target, (size_t)(q - target)) : c1_strdup(target);
	*query = q ? c1_strdup(q + 1) : NULL;
}

/* Feed the signed request back through the verifier: it must accept it and
 * must reject it once the signature is flipped. */
static int s_verify_roundtrip(const char *case_name, const struct c1_http_request *req, const char *target,
			      enum c1_sigv4_path_mode mode)
{
	struct c1_sigv4_authorization authz = C1_SIGV4_AUTHORIZATION_INIT;
	char *path = NULL, *query = NULL;
	int result = S_PASS;

	if (c1_sigv4_authorization_parse(&authz, c1_headers_get(&req->headers, "Authorization")) != 0) {
		printf("FAIL %s: stage 'verify' cannot parse Authorization: %s\n", case_name,
		       c1_error_last());
		result = S_FAIL;
		goto cleanup;
	}
	s_split_target(target, &path, &query);
	struct c1_sigv4_verify_input in = {
	    .method = req->method,
	    .raw_path = path,
	    .raw_query = query,
	    .headers = &req->headers,
	    .body = {req->body ? req->body : "", req->body_len},
	    .signed_headers = authz.signed_headers,
	    .credential_scope = authz.scope,
	    .path_mode = mode,
	};
	int rc = c1_sigv4_verify(&in, S_SECRET, authz.signature);
	if (rc != 0) {
		printf("FAIL %s: stage 'verify' rejected the signed request: %s\n", case_name,
		       c1_error_last());
		result = S_FAIL;
		goto cleanup;
	}
	authz.signature[0] = authz.signature[0] == '0' ? '1' : '0';
	if (c1_sigv4_verify(&in, S_SECRET, authz.signature) != C1_EAUTH) {
		printf("FAIL %s: stage 'verify' accepted a wrong signature\n", case_name);
		result = S_FAIL;
	}

cleanup:
	free(path);
	free(query);
	c1_sigv4_authorization_dispose(&authz);
	return result;
}

/* The value of the first "name:value" line of text whose name matches
 * (case-insensitively), or NULL. Works on raw requests and canonical
 * requests alike: both put one header per line. */
static char *s_line_value(const char *text, const char *name)
{
	size_t nlen = strlen(name);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncasecmp(p, name, nlen) == 0 && p[nlen] == ':')
			return c1_strndup(p + nlen + 1, strcspn(p + nlen + 1, "\r\n"));
	}
	return NULL;
}

/* The suite's post-sts-token/readme.txt describes two kinds of token case:
 * "before" (the token is part of the canonical request) and "after" (added
 * once the signature is computed). Which one a case is follows from its own
 * expected canonical request, not from its folder, so one folder can hold
 * both. The token's value comes from the request, the expected signed
 * request or the canonical request, whichever carries it. Returns S_PASS
 * with *token NULL for a case without a token. */
static int s_classic_token(char **token, bool *signed_out, const char *name, const char *req_text,
			   const char *exp_creq, const char *exp_sreq)
{
	char *in_creq = exp_creq ? s_line_value(exp_creq, S_TOKEN_HEADER) : NULL;
	*token = s_line_value(req_text, S_TOKEN_HEADER);
	if (!*token && exp_sreq)
		*token = s_line_value(exp_sreq, S_TOKEN_HEADER);
	if (!*token && in_creq)
		*token = c1_strdup(in_creq);
	*signed_out = in_creq != NULL;
	if (in_creq && strcmp(in_creq, *token) != 0) {
		printf("FAIL %s: the request's session token differs from the one in the expected canonical "
		       "request\n",
		       name);
		free(in_creq);
		return S_FAIL;
	}
	free(in_creq);
	return S_PASS;
}

static int s_digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* "YYYYMMDDTHHMMSSZ" (compact) or "YYYY-MM-DDTHH:MM:SSZ" (extended). */
static int s_parse_time(int64_t *out, const char *s)
{
	struct tm tm;
	size_t len = s ? strlen(s) : 0;
	bool extended = len == 20;
	if (len != 16 && len != 20)
		return -1;
	const int off[6] = {
	    0, extended ? 5 : 4, extended ? 8 : 6, extended ? 11 : 9, extended ? 14 : 11, extended ? 17 : 13};
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = s_digits(s + off[0], 4) - 1900;
	tm.tm_mon = s_digits(s + off[1], 2) - 1;
	tm.tm_mday = s_digits(s + off[2], 2);
	tm.tm_hour = s_digits(s + off[3], 2);
	tm.tm_min = s_digits(s + off[4], 2);
	tm.tm_sec = s_digits(s + off[5], 2);
	if (tm.tm_year < 0 || tm.tm_mon < 0 || tm.tm_mday < 0 || tm.tm_hour < 0 || tm.tm_min < 0 ||
	    tm.tm_sec < 0 || s[len - 1] != 'Z')
		return -1;
	*out = (int64_t)timegm(&tm);
	return 0;
}

static int s_run_classic(const char *dir)
{
	const char *name = s_basename(dir);
	struct s_raw_request raw = {NULL, NULL, C1_HEADERS_INIT, C1_BUF_INIT};
	struct c1_http_request req = C1_HTTP_REQUEST_INIT;
	struct c1_sigv4_trace trace = C1_SIGV4_TRACE_INIT;
	char *req_path = c1_asprintf("%s/%s.req", dir, name);
	char *creq_name = c1_asprintf("%s.creq", name), *sts_name = c1_asprintf("%s.sts", name);
	char *authz_name = c1_asprintf("%s.authz", name), *sreq_name = c1_asprintf("%s.sreq", name);
	char *text = NULL, *url = NULL, *token = NULL, *exp_creq = NULL, *exp_sts = NULL, *exp_authz = NULL;
	char *exp_sreq = NULL;
	size_t len = 0;
	int result = S_PASS;

	text = s_read_file(req_path, &len);
	if (!text || s_parse_raw_request(&raw, text, len) != 0) {
		printf("FAIL %s: cannot read or parse %s\n", name, req_path);
		result = S_FAIL;
		goto cleanup;
	}
	struct c1_sigv4_params params = {
	    .region = S_REGION, .service = S_SERVICE, .time_s = S_CLASSIC_TIME, .trace = &trace};
	if (c1_headers_get(&raw.headers, "X-Amz-Date") &&
	    s_parse_time(&params.time_s, c1_headers_get(&raw.headers, "X-Amz-Date")) != 0) {
		printf("FAIL %s: unparsable X-Amz-Date in .req\n", name);
		result = S_FAIL;
		goto cleanup;
	}
	exp_creq = s_expected(dir, creq_name);
	exp_sts = s_expected(dir, sts_name);
	exp_authz = s_expected(dir, authz_name);
	exp_sreq = s_expected(dir, sreq_name);
	bool token_signed = false;
	result = s_classic_token(&token, &token_signed, name, text, exp_creq, exp_sreq);
	if (result != S_PASS)
		goto cleanup;
	params.omit_session_token = token && !token_signed;
	/* The signer places the token itself, signed or not. */
	c1_headers_remove(&raw.headers, "X-Amz-Security-Token");
	url = s_url_of(&raw);
	req.method = raw.method;
	req.url = url;
	c1_headers_copy(&req.headers, &raw.headers);
	req.body = raw.body.len ? raw.body.ptr : NULL;
	req.body_len = raw.body.len;
	struct c1_sigv4_credentials creds = {S_AKID, S_SECRET, token};
	if (c1_sigv4_sign_request(&req, &creds, &params) != 0) {
		printf("FAIL %s: signing failed: %s\n", name, c1_error_last());
		result = S_FAIL;
		goto cleanup;
	}
	result |= s_check_stage(name, "canonical request", exp_creq, c1_buf_cstr(&trace.canonical_request));
	result |= s_check_stage(name, "string to sign", exp_sts, c1_buf_cstr(&trace.string_to_sign));
	const char *authz = c1_headers_get(&req.headers, "Authorization");
	result |= s_check_stage(name, "authorization", exp_authz, authz ? authz : "(none)");
	if (token) {
		const char *sent = c1_headers_get(&req.headers, "X-Amz-Security-Token");
		result |= s_check_stage(name, "session token header", token, sent ? sent : "(none)");
	}
	if (result == S_PASS)
		result = s_verify_roundtrip(name, &req, raw.target, C1_SIGV4_PATH_AUTO);

cleanup:
	if (result == S_PASS)
		printf("PASS %s\n", name);
	free(req_path);
	free(creq_name);
	free(sts_name);
	free(authz_name);
	free(sreq_name);
	free(exp_sreq);
	free(text);
	free(url);
	free(token);
	free(exp_creq);
	free(exp_sts);
	free(exp_authz);
	c1_http_request_dispose(&req);
	c1_sigv4_trace_dispose(&trace);
	s_raw_request_dispose(&raw);
	return result;
}

struct s_context {
	char *akid, *secret, *token, *region, *service;
	int64_t time_s;
	int expires_s;
	bool normalize, sign_body, omit_token;
};

static void s_context_dispose(struct s_context *c)
{
	free(c->akid);
	free(c->secret);
	free(c->token);
	free(c->region);
	free(c->service);
}

static const char *const s_known_keys[] = {
    "credentials", "expiration_in_seconds", "normalize", "region", "service", "sign_body",
    "timestamp",   "omit_session_token"};

/* Returns S_PASS, S_FAIL (malformed) or S_UNSUPPORTED (a key we do not implement). */
static int s_load_context(struct s_context *c, const char *dir, const char *name)
{
	char *path = c1_asprintf("%s/context.json", dir);
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr);
	int result = S_PASS;
	const char *key;
	json_t *val;

	free(path);
	if (!root) {
		printf("FAIL %s: context.json: %s\n", name, jerr.text);
		return S_FAIL;
	}
	json_object_foreach(root, key, val)
	{
		bool known = false;
		for (size_t i = 0; i < sizeof(s_known_keys) / sizeof(s_known_keys[0]); i++)
			known |= strcmp(key, s_known_keys[i]) == 0;
		if (!known) {
			printf("UNSUPPORTED %s: context.json key \"%s\" is not implemented by this signer\n",
			       name, key);
			result = S_UNSUPPORTED;
		}
	}
	json_t *creds = json_object_get(root, "credentials");
	const char *akid = json_string_value(json_object_get(creds, "access_key_id"));
	const char *secret = json_string_value(json_object_get(creds, "secret_access_key"));
	const char *token = json_string_value(json_object_get(creds, "token"));
	const char *region = json_string_value(json_object_get(root, "region"));
	const char *service = json_string_value(json_object_get(root, "service"));
	const char *ts = json_string_value(json_object_get(root, "timestamp"));
	if (!akid || !secret || !region || !service || !ts || s_parse_time(&c->time_s, ts) != 0) {
		printf("FAIL %s: context.json lacks credentials, region, service or an ISO timestamp\n",
		       name);
		result = S_FAIL;
		goto cleanup;
	}
	c->akid = c1_strdup(akid);
	c->secret = c1_strdup(secret);
	c->token = token ? c1_strdup(token) : NULL;
	c->region = c1_strdup(region);
	c->service = c1_strdup(service);
	c->expires_s = (int)json_integer_value(json_object_get(root, "expiration_in_seconds"));
	c->normalize = json_is_true(json_object_get(root, "normalize"));
	c->sign_body = json_is_true(json_object_get(root, "sign_body"));
	c->omit_token = json_is_true(json_object_get(root, "omit_session_token"));
	if (!json_object_get(root, "normalize")) {
		printf("FAIL %s: context.json has no \"normalize\" flag\n", name);
		result = S_FAIL;
	}

cleanup:
	json_decref(root);
	return result;
}

/* Both sides parsed the same way; names compared case-insensitively. */
static int s_compare_header_sets(const char *name, const struct c1_headers *expected,
				 const struct c1_headers *actual)
{
	bool *used = c1_calloc(actual->count + 1, sizeof(bool));
	int result = S_PASS;
	if (expected->count != actual->count)
		result = S_FAIL;
	for (size_t i = 0; i < expected->count && result == S_PASS; i++) {
		bool found = false;
		for (size_t j = 0; j < actual->count && !found; j++) {
			if (used[j] || strcasecmp(expected->items[i].name, actual->items[j].name) != 0 ||
			    strcmp(expected->items[i].value, actual->items[j].value) != 0)
				continue;
			used[j] = found = true;
		}
		if (!found)
			result = S_FAIL;
	}
	free(used);
	if (result != S_PASS) {
		printf("FAIL %s: stage 'signed request headers' differs; actual:\n", name);
		for (size_t j = 0; j < actual->count; j++)
			printf("  %s:%s\n", actual->items[j].name, actual->items[j].value);
	}
	return result;
}

struct s_pairs {
	char **items; /* "name=value", decoded */
	size_t count;
};

static int s_str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void s_decode_into(struct c1_buf *out, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '%' && i + 2 < n) {
			char hex[3] = {p[i + 1], p[i + 2], '\0'};
			char *end = NULL;
			long v = strtol(hex, &end, 16);
			if (end == hex + 2) {
				c1_buf_putc(out, (char)v);
				i += 2;
				continue;
			}
		}
		c1_buf_putc(out, p[i]);
	}
}

static void s_query_pairs(struct s_pairs *out, const char *query)
{
	size_t cap = 1;
	for (const char *p = query; *p; p++)
		cap += *p == '&';
	out->items = c1_calloc(cap, sizeof(char *));
	out->count = 0;
	const char *p = query;
	while (*p) {
		size_t n = strcspn(p, "&");
		if (n) {
			struct c1_buf b = C1_BUF_INIT;
			s_decode_into(&b, p, n);
			out->items[out->count++] = c1_buf_detach(&b);
		}
		p += n + (p[n] == '&');
	}
	qsort(out->items, out->count, sizeof(char *), s_str_cmp);
}

static void s_pairs_dispose(struct s_pairs *p)
{
	for (size_t i = 0; i < p->count; i++)
		free(p->items[i]);
	free(p->items);
}

/* Parameter order in the presigned URL is not normative: compare the
 * decoded name=value multisets and the path. */
static int s_compare_presigned(const char *name, const char *expected_target, const char *url)
{
	const char *target = strstr(url, "://");
	target = target ? strchr(target + 3, '/') : NULL;
	char *epath = NULL, *equery = NULL, *apath = NULL, *aquery = NULL;
	struct s_pairs ep = {NULL, 0}, ap = {NULL, 0};
	int result = S_PASS;

	if (!target) {
		printf("FAIL %s: presigned URL has no path: %s\n", name, url);
		return S_FAIL;
	}
	s_split_target(expected_target, &epath, &equery);
	s_split_target(target, &apath, &aquery);
	s_query_pairs(&ep, equery ? equery : "");
	s_query_pairs(&ap, aquery ? aquery : "");
	bool same = strcmp(epath, apath) == 0 && ep.count == ap.count;
	for (size_t i = 0; same && i < ep.count; i++)
		same = strcmp(ep.items[i], ap.items[i]) == 0;
	if (!same) {
		printf("FAIL %s: stage 'presigned url' differs\n--- expected\n%s\n--- actual\n%s\n---\n",
		       name, expected_target, target);
		result = S_FAIL;
	}
	free(epath);
	free(equery);
	free(apath);
	free(aquery);
	s_pairs_dispose(&ep);
	s_pairs_dispose(&ap);
	return result;
}

static int s_run_v4suite(const char *dir)
{
	const char *name = s_basename(dir);
	struct s_context ctx = {0};
	struct s_raw_request raw = {NULL, NULL, C1_HEADERS_INIT, C1_BUF_INIT};
	struct s_raw_request signed_raw = {NULL, NULL, C1_HEADERS_INIT, C1_BUF_INIT};
	struct s_raw_request presigned_raw = {NULL, NULL, C1_HEADERS_INIT, C1_BUF_INIT};
	struct c1_http_request req = C1_HTTP_REQUEST_INIT;
	struct c1_sigv4_trace trace = C1_SIGV4_TRACE_INIT, qtrace = C1_SIGV4_TRACE_INIT;
	char *path = c1_asprintf("%s/request.txt", dir);
	char *text = NULL, *url = NULL, *presigned = NULL;
	char *e_hcreq = NULL, *e_hsts = NULL, *e_hsig = NULL, *e_hsreq = NULL;
	char *e_qcreq = NULL, *e_qsts = NULL, *e_qsig = NULL, *e_qsreq = NULL;
	size_t len = 0;
	int result = S_PASS;

	result = s_load_context(&ctx, dir, name);
	if (result != S_PASS)
		goto cleanup;
	text = s_read_file(path, &len);
	if (!text || s_parse_raw_request(&raw, text, len) != 0) {
		printf("FAIL %s: cannot read or parse %s\n", name, path);
		result = S_FAIL;
		goto cleanup;
	}
	e_hcreq = s_expected(dir, "header-canonical-request.txt");
	/* As in the classic suite, the expected canonical request says whether
	 * the token is signed; context.json's omit_session_token must agree. */
	char *creq_token = e_hcreq ? s_line_value(e_hcreq, S_TOKEN_HEADER) : NULL;
	bool token_signed = creq_token != NULL;
	free(creq_token);
	if (ctx.token && ctx.omit_token == token_signed) {
		printf("FAIL %s: context.json omit_session_token is %s but header-canonical-request.txt %s "
		       "the token\n",
		       name, ctx.omit_token ? "true" : "false", token_signed ? "signs" : "does not sign");
		result = S_FAIL;
		goto cleanup;
	}
	enum c1_sigv4_path_mode mode = ctx.normalize ? C1_SIGV4_PATH_NORMALIZE : C1_SIGV4_PATH_ENCODE_ONLY;
	struct c1_sigv4_credentials creds = {ctx.akid, ctx.secret, ctx.token};
	struct c1_sigv4_params params = {.region = ctx.region,
					 .service = ctx.service,
					 .time_s = ctx.time_s,
					 .add_content_sha256 = ctx.sign_body,
					 .omit_session_token = ctx.token && !token_signed,
					 .path_mode = mode,
					 .trace = &trace};

	/* Header variant. */
	url = s_url_of(&raw);
	req.method = raw.method;
	req.url = url;
	c1_headers_copy(&req.headers, &raw.headers);
	req.body = raw.body.len ? raw.body.ptr : NULL;
	req.body_len = raw.body.len;
	if (c1_sigv4_sign_request(&req, &creds, &params) != 0) {
		printf("FAIL %s: header signing failed: %s\n", name, c1_error_last());
		result = S_FAIL;
		goto cleanup;
	}
	e_hsts = s_expected(dir, "header-string-to-sign.txt");
	e_hsig = s_expected(dir, "header-signature.txt");
	e_hsreq = s_expected(dir, "header-signed-request.txt");
	result |=
	    s_check_stage(name, "header canonical request", e_hcreq, c1_buf_cstr(&trace.canonical_request));
	result |= s_check_stage(name, "header string to sign", e_hsts, c1_buf_cstr(&trace.string_to_sign));
	result |= s_check_stage(name, "header signature", e_hsig, trace.signature);
	if (!e_hsreq || s_parse_raw_request(&signed_raw, e_hsreq, strlen(e_hsreq)) != 0) {
		printf("FAIL %s: cannot parse header-signed-request.txt\n", name);
		result = S_FAIL;
	} else {
		const char *exp_authz = c1_headers_get(&signed_raw.headers, "Authorization");
		const char *authz = c1_headers_get(&req.headers, "Authorization");
		result |= s_check_stage(name, "header authorization", exp_authz, authz ? authz : "(none)");
		result |= s_compare_header_sets(name, &signed_raw.headers, &req.headers);
	}
	if (result == S_PASS)
		result = s_verify_roundtrip(name, &req, raw.target, mode);

	/* Query (presign) variant. */
	struct c1_http_request qreq = {raw.method, url, raw.headers, req.body, req.body_len, 0, false};
	params.trace = &qtrace;
	params.add_content_sha256 = false;
	if (c1_sigv4_presign_url(&presigned, &qreq, &creds, &params, ctx.expires_s) != 0) {
		printf("FAIL %s: presigning failed: %s\n", name, c1_error_last());
		result = S_FAIL;
		goto cleanup;
	}
	e_qcreq = s_expected(dir, "query-canonical-request.txt");
	e_qsts = s_expected(dir, "query-string-to-sign.txt");
	e_qsig = s_expected(dir, "query-signature.txt");
	e_qsreq = s_expected(dir, "query-signed-request.txt");
	result |=
	    s_check_stage(name, "query canonical request", e_qcreq, c1_buf_cstr(&qtrace.canonical_request));
	result |= s_check_stage(name, "query string to sign", e_qsts, c1_buf_cstr(&qtrace.string_to_sign));
	result |= s_check_stage(name, "query signature", e_qsig, qtrace.signature);
	if (!e_qsreq || s_parse_raw_request(&presigned_raw, e_qsreq, strlen(e_qsreq)) != 0) {
		printf("FAIL %s: cannot parse query-signed-request.txt\n", name);
		result = S_FAIL;
	} else {
		result |= s_compare_presigned(name, presigned_raw.target, presigned);
	}

cleanup:
	if (result == S_PASS)
		printf("PASS %s\n", name);
	free(path);
	free(text);
	free(url);
	free(presigned);
	free(e_hcreq);
	free(e_hsts);
	free(e_hsig);
	free(e_hsreq);
	free(e_qcreq);
	free(e_qsts);
	free(e_qsig);
	free(e_qsreq);
	c1_http_request_dispose(&req);
	c1_sigv4_trace_dispose(&trace);
	c1_sigv4_trace_dispose(&qtrace);
	s_raw_request_dispose(&raw);
	s_raw_request_dispose(&signed_raw);
	s_raw_request_dispose(&presigned_raw);
	s_context_dispose(&ctx);
	return result;
}

struct s_totals {
	int passed, failed, unsupported;
};

static void s_count(struct s_totals *t, int result)
{
	if (result == S_PASS)
		t->passed++;
	else if (result == S_UNSUPPORTED)
		t->unsupported++;
	else
		t->failed++;
}

static void s_walk(const char *dir, struct s_totals *totals)
{
	char *probe = c1_asprintf("%s/%s.req", dir, s_basename(dir));
	char *probe2 = c1_asprintf("%s/request.txt", dir);
	bool classic = s_exists(probe), v4 = s_exists(probe2);
	free(probe);
	free(probe2);
	if (classic) {
		s_count(totals, s_run_classic(dir));
		return;
	}
	if (v4) {
		s_count(totals, s_run_v4suite(dir));
		return;
	}

	struct dirent **entries = NULL;
	int n = scandir(dir, &entries, NULL, alphasort);
	bool any_subdir = false;
	for (int i = 0; i < n; i++) {
		char *child = c1_asprintf("%s/%s", dir, entries[i]->d_name);
		if (entries[i]->d_name[0] != '.' && s_is_dir(child)) {
			any_subdir = true;
			s_walk(child, totals);
		} else if (entries[i]->d_name[0] != '.') {
			/* A loose .req or request file outside a case folder would be a case we skipped. */
			const char *dot = strrchr(entries[i]->d_name, '.');
			if (dot && (strcmp(dot, ".req") == 0 || strcmp(dot, ".creq") == 0)) {
				printf("UNSUPPORTED %s: case file outside a case folder of the same name\n",
				       child);
				totals->unsupported++;
			}
		}
		free(child);
		free(entries[i]);
	}
	free(entries);
	if (n < 0) {
		printf("FAIL %s: cannot read directory\n", dir);
		totals->failed++;
	} else if (!any_subdir) {
		printf("UNSUPPORTED %s: folder holds no case this runner understands\n", dir);
		totals->unsupported++;
	}
}

int main(int argc, char **argv)
{
	struct s_totals totals = {0, 0, 0};
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR   (a suite folder or one case folder)\n", argv[0]);
		return 2;
	}
	if (!s_is_dir(argv[1])) {
		fprintf(stderr, "%s: %s is not a directory\n", argv[0], argv[1]);
		return 2;
	}
	s_walk(argv[1], &totals);
	printf("%d passed, %d failed, %d unsupported\n", totals.passed, totals.failed, totals.unsupported);
	if (totals.failed || totals.passed + totals.unsupported == 0)
		return S_FAIL;
	return totals.unsupported ? S_UNSUPPORTED : S_PASS;
}
