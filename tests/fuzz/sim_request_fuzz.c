/* Fuzz target for c1sim's request handling (tests/sim/): routing, the SigV4 / ApiKey / Bearer
 * checks, and every service's form, query and JSON parsing. Input: a flags byte, a request
 * line "METHOD URI", "Name: value" header lines, a blank line, the body. The flags can make the
 * request authentic (signed with a key the simulator accepts, or carrying a valid Cloud One /
 * Vision One credential) so the fuzzer reaches the handlers behind authentication. The world is
 * reset after every input so runs replay the same; nothing is written to disk. */
#include "sim.h"
#include "sim_server.h"

#include "engine/aws/sigv4.h"
#include "engine/core/alloc.h"
#include "engine/net/headers.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define S_NOW_S 1700000000

static void s_sign(struct sim_request *req, const char *uri, uint8_t flags)
{
	static const char *const services[] = {"sts", "cloudformation", "s3", "cloudtrail"};
	char akid[21], secret[64];
	struct c1_http_request http = C1_HTTP_REQUEST_INIT;
	struct c1_sigv4_credentials creds = {akid, secret, NULL};
	struct c1_sigv4_params params = {0};
	char *url = c1_asprintf("http://127.0.0.1:1%s", uri);

	sim_creds_aws_key_id(akid, (flags & 8) ? "111122223333" : SIM_MSP_ACCOUNT, "FUZZ");
	if (sim_creds_aws_secret(secret, sizeof(secret), akid, NULL) != 0)
		goto cleanup;
	params.region = "us-east-1";
	params.service = services[(flags >> 4) & 3];
	params.time_s = S_NOW_S;
	params.add_content_sha256 = strcmp(params.service, "s3") == 0;
	http.method = req->method;
	http.url = url;
	http.body = req->body.ptr;
	http.body_len = req->body.len;
	c1_headers_copy(&http.headers, &req->headers);
	if (c1_sigv4_sign_request(&http, &creds, &params) == 0) {
		c1_headers_dispose(&req->headers);
		c1_headers_copy(&req->headers, &http.headers);
	}
cleanup:
	http.method = NULL;
	http.url = NULL;
	http.body = NULL;
	c1_http_request_dispose(&http);
	free(url);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	if (!ready) {
		sim_world_init(NULL);
		ready = true;
	}
	if (size == 0)
		return 0;
	uint8_t flags = data[0];
	const char *p = (const char *)data + 1, *end = (const char *)data + size;
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	const char *line_end = nl ? nl : end;
	const char *sp = memchr(p, ' ', (size_t)(line_end - p));
	char *method = c1_strndup(p, sp ? (size_t)(sp - p) : (size_t)(line_end - p));
	char *uri = sp ? c1_strndup(sp + 1, (size_t)(line_end - sp - 1)) : c1_strdup("/");
	struct sim_request req;
	struct sim_response resp;

	sim_request_init(&req, method, uri);
	sim_response_init(&resp);
	p = nl ? nl + 1 : end;
	while (p < end && *p != '\n') {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		e = e ? e : end;
		const char *colon = memchr(p, ':', (size_t)(e - p));
		if (colon && colon > p) {
			char *name = c1_strndup(p, (size_t)(colon - p));
			char *value =
			    c1_strndup(colon + 1 + (colon + 1 < e && colon[1] == ' '),
				       (size_t)(e - colon - 1 - (colon + 1 < e && colon[1] == ' ')));
			c1_headers_add(&req.headers, name, value);
			free(name);
			free(value);
		}
		p = e < end ? e + 1 : end;
	}
	if (p < end)
		c1_buf_put(&req.body, p + 1, (size_t)(end - p - 1));

	char *credential = NULL;
	switch (flags & 7) {
	case 1: s_sign(&req, uri, flags); break;
	case 2:
	case 3: {
		credential = (flags & 7) == 2 ? sim_creds_cloudone_key("us-1", "111122223333")
					      : sim_creds_visionone_token("0a1b2c3d");
		char *header = c1_asprintf("%s %s", (flags & 7) == 2 ? "ApiKey" : "Bearer", credential);
		c1_headers_set(&req.headers, "Authorization", header);
		free(header);
		break;
	}
	default: break; /* as sent: the authentication checks themselves */
	}
	req.now_ms = (int64_t)S_NOW_S * 1000;
	sim_server_dispatch(&req, &resp);

	free(credential);
	sim_request_dispose(&req);
	sim_response_dispose(&resp);
	free(method);
	free(uri);
	sim_reset_all();
	return 0;
}
