/* The real HTTP transport on libcurl: TLS verification always on, plain
 * http only to loopback, no redirects, capped bodies; DNS and TLS sessions
 * shared by every thread through one curl share handle; connections reused
 * by the I/O loop's multi handle and by each pooled easy handle. */
#ifndef C1_NET_HTTP_CURL_H
#define C1_NET_HTTP_CURL_H

#include "engine/net/http.h"

#include <stddef.h>

struct c1_http_curl_options {
	const char *ca_bundle;   /* PEM file for CURLOPT_CAINFO; NULL = system store */
	long connect_timeout_ms; /* 0 = 10000 */
	long timeout_ms;         /* whole-request default when the request has none; 0 = 60000 */
	size_t max_body_bytes;   /* response body cap; 0 = 16 MiB */
	const char *user_agent;  /* NULL = "c1onboard/<version>" */
};

#define C1_HTTP_CURL_OPTIONS_INIT   \
	{                           \
		NULL, 0, 0, 0, NULL \
	}

/**
 * Create the libcurl transport (`opts` may be NULL for defaults). There is
 * deliberately no way to turn TLS verification off. Thread-safe: any number
 * of threads may call send at once; idle easy handles are pooled so
 * keep-alive connections are reused. Free with out->destroy(out).
 *
 * send() returns 0 for any HTTP response; C1_EINVALID for a URL or header
 * it refuses (plain http to a non-loopback host: nothing is sent);
 * C1_ETIMEOUT; C1_ETOOBIG when the body passes the cap (transfer aborted);
 * C1_ECONFIG when the server's TLS certificate is refused or the CA bundle
 * cannot be used (the same on every try: not worth retrying);
 * C1_ETRANSPORT for other failures. Messages name the method and host,
 * never the query string (presigned URLs carry signatures) nor headers.
 * The body cap is the smaller of max_body_bytes and out->body.max (if set).
 */
int c1_http_curl_new(struct c1_http_transport **out, const struct c1_http_curl_options *opts);

/*
 * submit() (http.h) runs every submitted transfer on one I/O thread through
 * libcurl's multi interface, started on the first submit: thousands of
 * requests can be in flight while the callers' threads do other work. The
 * handle is set up (headers, body copy) on the submitting thread; the I/O
 * thread only moves bytes and calls `done`.
 */

/**
 * Stop the I/O thread: transfers still in flight end at once with
 * C1_ECANCELLED (their `done` runs on this thread), later submits are refused.
 * send() keeps working. destroy() does it too; call it earlier when the
 * callbacks' targets are about to be freed. `t` must come from c1_http_curl_new.
 */
void c1_http_curl_quiesce(struct c1_http_transport *t);

#endif
