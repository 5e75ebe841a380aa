#include "engine/net/http.h"

#include <string.h>

void c1_http_request_dispose(struct c1_http_request *req)
{
	if (!req)
		return;
	/* method, url and body are borrowed; only the header list is owned. */
	c1_headers_dispose(&req->headers);
	req->method = NULL;
	req->url = NULL;
	req->body = NULL;
	req->body_len = 0;
}

void c1_http_response_dispose(struct c1_http_response *resp)
{
	if (!resp)
		return;
	c1_headers_dispose(&resp->headers);
	/* Bodies can carry tokens (STS credentials, API key creation). */
	c1_buf_dispose_secure(&resp->body);
	resp->status = 0;
}
