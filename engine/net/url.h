/* URL parsing, percent-encoding and the transport rule: https anywhere,
 * plain http only to loopback (and the fixed link-local AWS metadata hosts). */
#ifndef C1_NET_URL_H
#define C1_NET_URL_H

#include <stdbool.h>

struct c1_url {
	char *scheme; /* lower-case, "http" or "https" */
	char *host;   /* without brackets for IPv6 */
	int port;     /* explicit port or the scheme default */
	bool port_explicit;
	char *path;  /* starts with "/"; "/" when absent */
	char *query; /* after "?", without it; NULL when absent */
};

#define C1_URL_INIT                              \
	{                                        \
		NULL, NULL, 0, false, NULL, NULL \
	}

/** C1_EINVALID with a message naming the URL when it is not absolute http(s). */
int c1_url_parse(struct c1_url *out, const char *url);
void c1_url_dispose(struct c1_url *url);
bool c1_url_host_is_loopback(const char *host); /* localhost, 127.0.0.0/8, ::1 */
/** The fixed link-local hosts of the EC2 instance metadata service (169.254.169.254, fd00:ec2::254)
 * and the ECS/EKS container credentials endpoints (169.254.170.2, 169.254.170.23, fd00:ec2::23):
 * AWS serves them only over plain http, on the instance's own link. */
bool c1_url_host_is_aws_metadata(const char *host);
/** 0 for https, or http to loopback or an AWS metadata host (the documented exception);
 * C1_EINVALID with a how-to-fix message otherwise. */
int c1_url_check_transport_allowed(const char *url);
/** The same, also allowing plain http to the AWS link-local metadata hosts
 *  (c1_url_host_is_aws_metadata): only for the instance and container credential requests. */
int c1_url_check_metadata_transport_allowed(const char *url);
/** RFC 3986 percent-encoding of everything but unreserved chars (and '/' unless encode_slash). Caller frees.
 */
char *c1_url_encode(const char *s, bool encode_slash);
/** Percent-decode (and '+' to space when form is true). Caller frees. */
char *c1_url_decode(const char *s, bool form);

#endif
