#include "engine/net/url.h"

#include "engine/core/alloc.h"
#include "engine/core/buf.h"
#include "engine/core/error.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Longest URL we accept: presigned S3 URLs are a few KB; anything far bigger
 * is a mistake or an attack on a parser. */
#define C1_URL_MAX_LEN  (64 * 1024)
#define C1_URL_HOST_MAX 253

static void s_lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static bool s_host_char_ok(char c)
{
	/* RFC 3986 reg-name minus percent-encoding: DNS names never need it. */
	return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_';
}

/* A view for messages: never echo the query (presigned URLs carry signatures). */
static struct c1_str s_url_for_message(const char *url)
{
	size_t n = strcspn(url, "?#");
	if (n > 200)
		n = 200;
	struct c1_str s = {url, n};
	return s;
}

static int s_parse_port(const char *p, size_t len, int *out)
{
	if (len == 0 || len > 5)
		return C1_EINVALID;
	int v = 0;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return C1_EINVALID;
		v = v * 10 + (p[i] - '0');
	}
	if (v < 1 || v > 65535)
		return C1_EINVALID;
	*out = v;
	return 0;
}

int c1_url_parse(struct c1_url *out, const char *url)
{
	int rc = C1_EINVALID;
	struct c1_url u = C1_URL_INIT;
	struct c1_str shown = s_url_for_message(url ? url : "");

	if (!url || !*url) {
		c1_error_set("empty URL; give an absolute https:// URL");
		goto cleanup;
	}
	size_t total = strlen(url);
	if (total > C1_URL_MAX_LEN) {
		c1_error_set("URL longer than %d bytes", C1_URL_MAX_LEN);
		goto cleanup;
	}
	for (size_t i = 0; i < total; i++) {
		unsigned char c = (unsigned char)url[i];
		if (c <= 0x20 || c >= 0x7f) {
			c1_error_set(
			    "URL '%.*s' contains a space or control/non-ASCII byte; percent-encode it",
			    (int)shown.len, shown.ptr);
			goto cleanup;
		}
	}

	const char *sep = strstr(url, "://");
	if (!sep) {
		c1_error_set("URL '%.*s' is not absolute; expected https://host[:port]/path", (int)shown.len,
			     shown.ptr);
		goto cleanup;
	}
	u.scheme = c1_strndup(url, (size_t)(sep - url));
	s_lower(u.scheme);
	if (strcmp(u.scheme, "http") != 0 && strcmp(u.scheme, "https") != 0) {
		c1_error_set("URL '%.*s' has scheme '%s'; only http and https are supported", (int)shown.len,
			     shown.ptr, u.scheme);
		goto cleanup;
	}

	const char *auth = sep + 3;
	size_t auth_len = strcspn(auth, "/?#");
	const char *rest = auth + auth_len;
	if (memchr(auth, '@', auth_len)) {
		c1_error_set("URL '%s://...' carries user info before '@'; credentials never go in URLs, "
			     "remove them",
			     u.scheme);
		goto cleanup;
	}
	if (auth_len == 0) {
		c1_error_set("URL '%.*s' has no host", (int)shown.len, shown.ptr);
		goto cleanup;
	}

	const char *host = auth;
	size_t host_len;
	const char *port_part = NULL;
	size_t port_len = 0;
	if (auth[0] == '[') {
		const char *close = memchr(auth, ']', auth_len);
		if (!close) {
			c1_error_set("URL '%.*s' has an unterminated IPv6 '[' host", (int)shown.len,
				     shown.ptr);
			goto cleanup;
		}
		host = auth + 1;
		host_len = (size_t)(close - host);
		const char *after = close + 1;
		size_t after_len = auth_len - (size_t)(after - auth);
		if (after_len > 0) {
			if (after[0] != ':') {
				c1_error_set("URL '%.*s' has junk after the IPv6 host", (int)shown.len,
					     shown.ptr);
				goto cleanup;
			}
			port_part = after + 1;
			port_len = after_len - 1;
		}
		char tmp[INET6_ADDRSTRLEN + 1];
		struct in6_addr a6;
		if (host_len == 0 || host_len >= sizeof(tmp)) {
			c1_error_set("URL '%.*s' has an invalid IPv6 host", (int)shown.len, shown.ptr);
			goto cleanup;
		}
		memcpy(tmp, host, host_len);
		tmp[host_len] = '\0';
		if (inet_pton(AF_INET6, tmp, &a6) != 1) {
			c1_error_set("URL '%.*s' has an invalid IPv6 host", (int)shown.len, shown.ptr);
			goto cleanup;
		}
	} else {
		const char *colon = memchr(auth, ':', auth_len);
		host_len = colon ? (size_t)(colon - auth) : auth_len;
		if (colon) {
			port_part = colon + 1;
			port_len = auth_len - host_len - 1;
		}
		if (host_len == 0 || host_len > C1_URL_HOST_MAX) {
			c1_error_set("URL '%.*s' has an empty or too long host", (int)shown.len, shown.ptr);
			goto cleanup;
		}
		for (size_t i = 0; i < host_len; i++) {
			if (!s_host_char_ok(host[i])) {
				c1_error_set("URL '%.*s' has an invalid character in its host",
					     (int)shown.len, shown.ptr);
				goto cleanup;
			}
		}
	}
	u.host = c1_strndup(host, host_len);
	s_lower(u.host);

	if (port_part) {
		if (s_parse_port(port_part, port_len, &u.port) != 0) {
			c1_error_set("URL '%.*s' has an invalid port (expected 1-65535)", (int)shown.len,
				     shown.ptr);
			goto cleanup;
		}
		u.port_explicit = true;
	} else {
		u.port = strcmp(u.scheme, "https") == 0 ? 443 : 80;
	}

	/* The fragment never goes on the wire; drop it. */
	size_t path_len = strcspn(rest, "?#");
	u.path = path_len ? c1_strndup(rest, path_len) : c1_strdup("/");
	if (rest[path_len] == '?') {
		const char *q = rest + path_len + 1;
		u.query = c1_strndup(q, strcspn(q, "#"));
	}

	*out = u;
	u = (struct c1_url)C1_URL_INIT;
	rc = 0;
cleanup:
	c1_url_dispose(&u);
	return rc;
}

void c1_url_dispose(struct c1_url *url)
{
	if (!url)
		return;
	free(url->scheme);
	free(url->host);
	free(url->path);
	free(url->query);
	*url = (struct c1_url)C1_URL_INIT;
}

bool c1_url_host_is_loopback(const char *host)
{
	if (!host || !*host)
		return false;
	char tmp[INET6_ADDRSTRLEN + 1];
	size_t len = strlen(host);
	if (host[0] == '[' && len >= 2 && host[len - 1] == ']') {
		host++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof(tmp))
		return false;
	memcpy(tmp, host, len);
	tmp[len] = '\0';
	/* A trailing dot names the same host. */
	if (len > 1 && tmp[len - 1] == '.')
		tmp[len - 1] = '\0';
	if (strcasecmp(tmp, "localhost") == 0)
		return true;
	struct in_addr a4;
	/* inet_pton accepts only the strict dotted-quad form, so "127.1" and
	 * "0x7f.0.0.1" (which resolvers may treat differently) are not loopback. */
	if (inet_pton(AF_INET, tmp, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	struct in6_addr a6;
	if (inet_pton(AF_INET6, tmp, &a6) == 1)
		return memcmp(&a6, &in6addr_loopback, sizeof(a6)) == 0;
	return false;
}

bool c1_url_host_is_aws_metadata(const char *host)
{
	static const char *const hosts[] = {"169.254.169.254", "fd00:ec2::254", "169.254.170.2",
					    "169.254.170.23", "fd00:ec2::23"};
	for (size_t i = 0; host && i < sizeof(hosts) / sizeof(hosts[0]); i++)
		if (strcmp(host, hosts[i]) == 0)
			return true;
	return false;
}

static int s_check_transport(const char *url, bool metadata)
{
	struct c1_url u = C1_URL_INIT;
	int rc = c1_url_parse(&u, url);
	if (rc)
		goto cleanup;
	if (strcmp(u.scheme, "https") == 0)
		goto cleanup;
	if (!c1_url_host_is_loopback(u.host) && !(metadata && c1_url_host_is_aws_metadata(u.host))) {
		c1_error_set("refusing plain http to '%s': only loopback hosts (localhost, 127.0.0.0/8, ::1) "
			     "may use http; use https:// for this endpoint",
			     u.host);
		rc = C1_EINVALID;
	}
cleanup:
	c1_url_dispose(&u);
	return rc;
}

int c1_url_check_transport_allowed(const char *url)
{
	return s_check_transport(url, false);
}

int c1_url_check_metadata_transport_allowed(const char *url)
{
	return s_check_transport(url, true);
}

static bool s_unreserved(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

char *c1_url_encode(const char *s, bool encode_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len = s ? strlen(s) : 0;
	char *out = c1_malloc(len * 3 + 1);
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (s_unreserved(c) || (c == '/' && !encode_slash)) {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return out;
}

static int s_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *c1_url_decode(const char *s, bool form)
{
	size_t len = s ? strlen(s) : 0;
	char *out = c1_malloc(len + 1);
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		int hi, lo;
		/* A malformed escape is kept literally rather than failing: the
		 * caller decodes values it received, not values it must trust. */
		if (c == '%' && i + 2 < len && (hi = s_hexval(s[i + 1])) >= 0 &&
		    (lo = s_hexval(s[i + 2])) >= 0) {
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+' && form) {
			out[o++] = ' ';
		} else {
			out[o++] = c;
		}
	}
	out[o] = '\0';
	return out;
}
