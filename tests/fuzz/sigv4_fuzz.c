/* Fuzz target for SigV4 canonicalisation (engine/aws/sigv4.c) of arbitrary paths, queries and
 * headers. Input: a flags byte, then lines "METHOD", "path", "query", then "name: value"
 * header lines. Every path mode builds a canonical request; then the request is signed and, when
 * its URL is one a client could send, verified the way c1sim verifies it: a signature the signer
 * made must verify (the two sides share code, but not the path/query split). */
#include "engine/aws/sigv4.h"
#include "engine/core/alloc.h"
#include "engine/core/buf.h"
#include "engine/net/headers.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define S_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

static char *s_line(const char **p, const char *end)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	const char *stop = nl ? nl : end;
	char *line = c1_strndup(*p, (size_t)(stop - *p));
	*p = nl ? nl + 1 : end;
	return line;
}

/* Only what a client could put on the wire after the host: no fragment, no second '?', no
 * bytes a URL cannot carry raw. */
static bool s_sendable(const char *path, const char *query)
{
	if (path[0] != '/' || strpbrk(path, "?#") || strchr(query, '#'))
		return false;
	for (const char *s = path; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	for (const char *s = query; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

static void s_sign_and_verify(const char *method, const char *path, const char *query,
			      const struct c1_headers *headers, uint8_t flags)
{
	static const char *const services[] = {"s3", "sts", "cloudformation", "cloudtrail"};
	const char *service = services[flags & 3];
	struct c1_sigv4_credentials creds = {"AKIDEXAMPLE", S_SECRET, (flags & 4) ? "session-token" : NULL};
	struct c1_sigv4_params params = {0};
	struct c1_http_request req = C1_HTTP_REQUEST_INIT;
	struct c1_sigv4_authorization authz = C1_SIGV4_AUTHORIZATION_INIT;
	char *url = c1_asprintf("https://example.amazonaws.com%s%s%s", path, *query ? "?" : "", query);
	char *presigned = NULL;

	params.region = "us-east-1";
	params.service = service;
	params.time_s = 1440938160;
	params.add_content_sha256 = (flags & 8) != 0;
	params.path_mode = (enum c1_sigv4_path_mode)((flags >> 4) & 3);
	req.method = method;
	req.url = url;
	req.body = "body";
	req.body_len = 4;
	c1_headers_copy(&req.headers, headers);
	if (c1_sigv4_presign_url(&presigned, &req, &creds, &params, 1 + (flags >> 6) * 1000) == 0)
		free(presigned);
	if (c1_sigv4_sign_request(&req, &creds, &params) != 0)
		goto cleanup;
	if (c1_sigv4_authorization_parse(&authz, c1_headers_get(&req.headers, "Authorization")) != 0) {
		fprintf(stderr, "the signer wrote an Authorization header its parser refuses\n");
		abort();
	}
	if (!s_sendable(path, query))
		goto cleanup;
	struct c1_sigv4_verify_input in = {0};
	in.method = method;
	in.raw_path = path;
	in.raw_query = *query ? query : NULL;
	in.headers = &req.headers;
	in.body = (struct c1_str){"body", 4};
	in.signed_headers = authz.signed_headers;
	in.credential_scope = authz.scope;
	in.path_mode = params.path_mode;
	int rc = c1_sigv4_verify(&in, S_SECRET, authz.signature);
	if (rc != 0) {
		fprintf(stderr, "a signature the signer made does not verify (rc %d)\n", rc);
		abort();
	}
cleanup:
	c1_sigv4_authorization_dispose(&authz);
	req.method = NULL;
	req.url = NULL;
	req.body = NULL;
	c1_http_request_dispose(&req);
	free(url);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	uint8_t flags = data[0];
	const char *p = (const char *)data + 1, *end = (const char *)data + size;
	char *method = s_line(&p, end);
	char *path = s_line(&p, end);
	char *query = s_line(&p, end);
	struct c1_headers headers = C1_HEADERS_INIT;
	while (p < end) {
		char *line = s_line(&p, end);
		char *colon = strchr(line, ':');
		if (colon && colon > line) {
			*colon = '\0';
			c1_headers_add(&headers, line, colon[1] == ' ' ? colon + 2 : colon + 1);
		}
		free(line);
	}
	/* a C string stops at NUL: what follows one is not part of the request */
	size_t path_len = strlen(path), query_len = strlen(query);

	for (int mode = C1_SIGV4_PATH_NORMALIZE; mode <= C1_SIGV4_PATH_AS_IS; mode++) {
		struct c1_buf canonical = C1_BUF_INIT, signed_headers = C1_BUF_INIT;
		struct c1_sigv4_canonical_input in = {0};
		in.method = method;
		in.path = (struct c1_str){path, path_len};
		in.query = (struct c1_str){query, query_len};
		in.headers = &headers;
		in.signed_headers = (flags & 0x80) ? "host;x-amz-date" : NULL;
		in.payload_hash = C1_SIGV4_UNSIGNED;
		in.path_mode = (enum c1_sigv4_path_mode)mode;
		in.drop_signature_param = (flags & 0x40) != 0;
		(void)c1_sigv4_canonical_request(&canonical, &signed_headers, &in);
		c1_buf_dispose(&canonical);
		c1_buf_dispose(&signed_headers);
	}
	struct c1_sigv4_authorization authz = C1_SIGV4_AUTHORIZATION_INIT;
	if (c1_sigv4_authorization_parse(&authz, query) == 0)
		c1_sigv4_authorization_dispose(&authz);
	if (*method)
		s_sign_and_verify(method, path, query, &headers, flags);

	c1_headers_dispose(&headers);
	free(method);
	free(path);
	free(query);
	return 0;
}
