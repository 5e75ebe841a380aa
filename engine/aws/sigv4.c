#include "engine/aws/sigv4.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define S_SHA256_LEN 32

/* Headers a proxy or the transport may add, drop or rewrite: signing them
 * would break the signature in transit (same list idea as aws-c-auth). */
static const char *const s_unsigned_headers[] = {
    "authorization", "user-agent", "x-amzn-trace-id", "expect",  "transfer-encoding",   "connection",
    "keep-alive",    "te",         "trailer",         "upgrade", "proxy-authorization", "proxy-connection",
};

void c1_sigv4_trace_dispose(struct c1_sigv4_trace *trace)
{
	if (!trace)
		return;
	c1_buf_dispose(&trace->canonical_request);
	c1_buf_dispose(&trace->string_to_sign);
	trace->signature[0] = '\0';
}

void c1_sigv4_authorization_dispose(struct c1_sigv4_authorization *authz)
{
	if (!authz)
		return;
	free(authz->access_key_id);
	free(authz->scope);
	free(authz->date);
	free(authz->region);
	free(authz->service);
	free(authz->signed_headers);
	*authz = (struct c1_sigv4_authorization)C1_SIGV4_AUTHORIZATION_INIT;
}

static bool s_is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
	       c == '_' || c == '.' || c == '~';
}

static int s_hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool s_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void s_hex(char *out, const unsigned char *bytes, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 0xf];
	}
	out[2 * len] = '\0';
}

/* RFC 3986 encoding: only unreserved characters (and '/' when kept) pass. */
static int s_encode(struct c1_buf *out, struct c1_str s, bool keep_slash)
{
	static const char digits[] = "0123456789ABCDEF";
	int rc = 0;
	for (size_t i = 0; i < s.len && rc == 0; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		if (s_is_unreserved(c) || (keep_slash && c == '/')) {
			rc = c1_buf_putc(out, (char)c);
		} else {
			char esc[3] = {'%', digits[c >> 4], digits[c & 0xf]};
			rc = c1_buf_put(out, esc, sizeof(esc));
		}
	}
	return rc;
}

/* Percent-decoding without '+' handling: a query as sent by our own code or
 * an SDK never uses '+' for space. A '%' not followed by two hex digits is
 * kept literally, so re-encoding yields %25 (what AWS computes too). */
static int s_decode(struct c1_buf *out, struct c1_str s)
{
	int rc = 0;
	for (size_t i = 0; i < s.len && rc == 0; i++) {
		if (s.ptr[i] == '%' && i + 2 < s.len && s_hex_value(s.ptr[i + 1]) >= 0 &&
		    s_hex_value(s.ptr[i + 2]) >= 0) {
			rc = c1_buf_putc(out,
					 (char)(s_hex_value(s.ptr[i + 1]) * 16 + s_hex_value(s.ptr[i + 2])));
			i += 2;
		} else {
			rc = c1_buf_putc(out, s.ptr[i]);
		}
	}
	return rc;
}

/* S3 keeps the sent path: only normalize its encoding (valid escapes pass
 * with upper-case hex, anything else unsafe is escaped once). */
static int s_encode_as_is(struct c1_buf *out, struct c1_str s)
{
	static const char digits[] = "0123456789ABCDEF";
	int rc = 0;
	for (size_t i = 0; i < s.len && rc == 0; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		if (c == '%' && i + 2 < s.len && s_hex_value(s.ptr[i + 1]) >= 0 &&
		    s_hex_value(s.ptr[i + 2]) >= 0) {
			int v = s_hex_value(s.ptr[i + 1]) * 16 + s_hex_value(s.ptr[i + 2]);
			char esc[3] = {'%', digits[v >> 4], digits[v & 0xf]};
			rc = c1_buf_put(out, esc, sizeof(esc));
			i += 2;
		} else if (s_is_unreserved(c) || c == '/') {
			rc = c1_buf_putc(out, (char)c);
		} else {
			char esc[3] = {'%', digits[c >> 4], digits[c & 0xf]};
			rc = c1_buf_put(out, esc, sizeof(esc));
		}
	}
	return rc;
}

/* Remove "." and ".." segments and empty segments ("//"), keeping a
 * trailing slash; the result always starts with "/". */
static int s_normalize_path(struct c1_buf *out, struct c1_str path)
{
	struct c1_str *segs = NULL;
	size_t count = 0;
	int rc = 0;
	size_t start = 0;

	segs = c1_calloc(path.len / 2 + 2, sizeof(*segs));
	for (size_t i = 0; i <= path.len; i++) {
		if (i < path.len && path.ptr[i] != '/')
			continue;
		struct c1_str seg = {path.ptr + start, i - start};
		start = i + 1;
		if (seg.len == 0 || c1_str_eq_cstr(seg, "."))
			continue;
		if (c1_str_eq_cstr(seg, "..")) {
			if (count)
				count--;
			continue;
		}
		segs[count++] = seg;
	}
	for (size_t i = 0; i < count && rc == 0; i++) {
		rc = c1_buf_putc(out, '/');
		if (rc == 0)
			rc = c1_buf_put(out, segs[i].ptr, segs[i].len);
	}
	if (rc == 0 && (count == 0 || (path.len && path.ptr[path.len - 1] == '/')))
		rc = c1_buf_putc(out, '/');
	free(segs);
	return rc;
}

static int s_canonical_uri(struct c1_buf *out, struct c1_str path, enum c1_sigv4_path_mode mode)
{
	struct c1_buf norm = C1_BUF_INIT;
	int rc = 0;

	if (path.len == 0)
		path = C1_STR("/");
	switch (mode) {
	case C1_SIGV4_PATH_AS_IS: rc = s_encode_as_is(out, path); break;
	case C1_SIGV4_PATH_ENCODE_ONLY: rc = s_encode(out, path, true); break;
	case C1_SIGV4_PATH_AUTO:
	case C1_SIGV4_PATH_NORMALIZE:
	default:
		rc = s_normalize_path(&norm, path);
		if (rc == 0)
			rc = s_encode(out, c1_buf_view(&norm), true);
		break;
	}
	c1_buf_dispose(&norm);
	return rc;
}

struct s_query_pair {
	char *key; /* encoded */
	char *value;
};

static int s_pair_cmp(const void *a, const void *b)
{
	const struct s_query_pair *pa = a, *pb = b;
	int c = strcmp(pa->key, pb->key);
	return c ? c : strcmp(pa->value, pb->value);
}

static int s_encode_component(char **out, struct c1_str raw)
{
	struct c1_buf dec = C1_BUF_INIT, enc = C1_BUF_INIT;
	int rc = s_decode(&dec, raw);
	if (rc == 0)
		rc = s_encode(&enc, c1_buf_view(&dec), false);
	c1_buf_dispose_secure(&dec);
	if (rc == 0)
		*out = c1_buf_detach(&enc);
	c1_buf_dispose_secure(&enc);
	return rc;
}

/* Decode each name and value, re-encode it strictly, sort by name then
 * value: the same bytes whatever encoding the sender used. */
static int s_canonical_query(struct c1_buf *out, struct c1_str query, bool drop_signature)
{
	struct s_query_pair *pairs = NULL;
	size_t count = 0, start = 0;
	int rc = 0;

	pairs = c1_calloc(query.len / 2 + 1, sizeof(*pairs));
	for (size_t i = 0; i <= query.len && rc == 0; i++) {
		if (i < query.len && query.ptr[i] != '&')
			continue;
		struct c1_str item = {query.ptr + start, i - start};
		start = i + 1;
		if (item.len == 0)
			continue;
		const char *eq = memchr(item.ptr, '=', item.len);
		struct c1_str key = {item.ptr, eq ? (size_t)(eq - item.ptr) : item.len};
		struct c1_str value = {eq ? eq + 1 : "", eq ? item.len - key.len - 1 : 0};
		rc = s_encode_component(&pairs[count].key, key);
		if (rc == 0)
			rc = s_encode_component(&pairs[count].value, value);
		if (rc == 0 && drop_signature && strcmp(pairs[count].key, "X-Amz-Signature") == 0) {
			free(pairs[count].key);
			free(pairs[count].value);
			pairs[count].key = pairs[count].value = NULL;
			continue;
		}
		if (pairs[count].key)
			count++;
	}
	if (rc == 0)
		qsort(pairs, count, sizeof(*pairs), s_pair_cmp);
	for (size_t i = 0; i < count && rc == 0; i++)
		rc = c1_buf_printf(out, "%s%s=%s", i ? "&" : "", pairs[i].key, pairs[i].value);
	for (size_t i = 0; i <= count && i <= query.len / 2; i++) {
		c1_free_secure_str(pairs[i].key);
		c1_free_secure_str(pairs[i].value);
	}
	free(pairs);
	return rc;
}

static char *s_lower(const char *s)
{
	char *p = c1_strdup(s);
	for (char *q = p; *q; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q - 'A' + 'a');
	return p;
}

static bool s_is_unsigned_header(const char *lname)
{
	for (size_t i = 0; i < sizeof(s_unsigned_headers) / sizeof(s_unsigned_headers[0]); i++)
		if (strcmp(lname, s_unsigned_headers[i]) == 0)
			return true;
	return false;
}

static int s_strptr_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted, de-duplicated lower-case header names to sign: every signable
 * header, or the names in `wanted` (';'-separated) when given. */
static size_t s_signed_names(char ***out, const struct c1_headers *headers, const char *wanted)
{
	char **names = NULL;
	size_t count = 0;

	if (wanted) {
		size_t cap = 1;
		for (const char *p = wanted; *p; p++)
			cap += *p == ';';
		names = c1_calloc(cap, sizeof(*names));
		const char *p = wanted;
		while (*p) {
			const char *end = strchr(p, ';');
			size_t n = end ? (size_t)(end - p) : strlen(p);
			if (n) {
				char *name = c1_strndup(p, n);
				names[count++] = s_lower(name);
				free(name);
			}
			p += n + (end ? 1 : 0);
		}
	} else {
		names = c1_calloc(headers->count + 1, sizeof(*names));
		for (size_t i = 0; i < headers->count; i++) {
			char *lname = s_lower(headers->items[i].name);
			if (s_is_unsigned_header(lname)) {
				free(lname);
				continue;
			}
			names[count++] = lname;
		}
	}
	qsort(names, count, sizeof(*names), s_strptr_cmp);
	size_t kept = 0;
	for (size_t i = 0; i < count; i++) {
		if (kept && strcmp(names[kept - 1], names[i]) == 0) {
			free(names[i]);
			continue;
		}
		names[kept++] = names[i];
	}
	*out = names;
	return kept;
}

static void s_free_names(char **names, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

/* Trim, and collapse every run of whitespace (including obs-fold line
 * breaks) into one space. */
static int s_canonical_value(struct c1_buf *out, const char *value)
{
	struct c1_str v = c1_str_from(value);
	int rc = 0;
	while (v.len && s_is_space(v.ptr[0])) {
		v.ptr++;
		v.len--;
	}
	while (v.len && s_is_space(v.ptr[v.len - 1]))
		v.len--;
	for (size_t i = 0; i < v.len && rc == 0; i++) {
		if (s_is_space(v.ptr[i])) {
			if (i > 0 && s_is_space(v.ptr[i - 1]))
				continue;
			rc = c1_buf_putc(out, ' ');
		} else {
			rc = c1_buf_putc(out, v.ptr[i]);
		}
	}
	return rc;
}

static int s_join_names(struct c1_buf *out, char **names, size_t count)
{
	int rc = 0;
	for (size_t i = 0; i < count && rc == 0; i++)
		rc = c1_buf_printf(out, "%s%s", i ? ";" : "", names[i]);
	return rc;
}

int c1_sigv4_canonical_request(struct c1_buf *out, struct c1_buf *signed_headers_out,
			       const struct c1_sigv4_canonical_input *in)
{
	char **names = NULL;
	size_t count = 0;
	int rc = 0;

	rc = c1_buf_printf(out, "%s\n", in->method);
	if (rc == 0)
		rc = s_canonical_uri(out, in->path, in->path_mode);
	if (rc == 0)
		rc = c1_buf_putc(out, '\n');
	if (rc == 0)
		rc = s_canonical_query(out, in->query, in->drop_signature_param);
	if (rc == 0)
		rc = c1_buf_putc(out, '\n');
	if (rc)
		goto cleanup;

	count = s_signed_names(&names, in->headers, in->signed_headers);
	for (size_t n = 0; n < count && rc == 0; n++) {
		bool first = true;
		rc = c1_buf_printf(out, "%s:", names[n]);
		for (size_t i = 0; i < in->headers->count && rc == 0; i++) {
			if (strcasecmp(in->headers->items[i].name, names[n]) != 0)
				continue;
			if (!first)
				rc = c1_buf_putc(out, ',');
			if (rc == 0)
				rc = s_canonical_value(out, in->headers->items[i].value);
			first = false;
		}
		if (rc == 0)
			rc = c1_buf_putc(out, '\n');
	}
	if (rc == 0)
		rc = c1_buf_putc(out, '\n');
	if (rc == 0)
		rc = s_join_names(out, names, count);
	if (rc == 0)
		rc = c1_buf_printf(out, "\n%s", in->payload_hash);
	if (rc == 0 && signed_headers_out)
		rc = s_join_names(signed_headers_out, names, count);

cleanup:
	s_free_names(names, count);
	return rc;
}

void c1_sigv4_sha256_hex(char out_hex[C1_SIGV4_HEX_LEN + 1], struct c1_str data)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	if (EVP_Digest(data.ptr ? data.ptr : "", data.len, md, &md_len, EVP_sha256(), NULL) != 1 ||
	    md_len != S_SHA256_LEN) {
		/* Only a broken OpenSSL gets here; an all-zero hash fails verification loudly. */
		memset(md, 0, sizeof(md));
	}
	s_hex(out_hex, md, S_SHA256_LEN);
}

int c1_sigv4_string_to_sign(struct c1_buf *out, const char *amz_date, const char *scope,
			    struct c1_str canonical_request)
{
	char hash[C1_SIGV4_HEX_LEN + 1];
	c1_sigv4_sha256_hex(hash, canonical_request);
	return c1_buf_printf(out, "%s\n%s\n%s\n%s", C1_SIGV4_ALGORITHM, amz_date, scope, hash);
}

/* Splits "date/region/service/aws4_request" into views. */
static int s_split_scope(struct c1_str parts[3], const char *scope)
{
	const char *p = scope ? scope : "";
	for (int i = 0; i < 3; i++) {
		const char *slash = strchr(p, '/');
		if (!slash || slash == p)
			goto bad;
		parts[i].ptr = p;
		parts[i].len = (size_t)(slash - p);
		p = slash + 1;
	}
	if (strcmp(p, "aws4_request") != 0 || parts[0].len != 8)
		goto bad;
	for (size_t i = 0; i < 8; i++)
		if (parts[0].ptr[i] < '0' || parts[0].ptr[i] > '9')
			goto bad;
	return 0;
bad:
	c1_error_set("malformed SigV4 credential scope (want YYYYMMDD/region/service/aws4_request)");
	return C1_EINVALID;
}

/* HMAC-SHA256 contexts are copied from one made at first use: the one-shot
 * HMAC() looks the algorithm up in OpenSSL's provider store on every call,
 * which cost more than the hashing (about 30 us a signature against 5-10 us,
 * side by side). A context re-initialised with a new key keeps its digest,
 * so a signature's five MACs share one copy. */
static EVP_MAC_CTX *s_hmac_proto;
static pthread_once_t s_hmac_once = PTHREAD_ONCE_INIT;

static void s_hmac_proto_free(void)
{
	EVP_MAC_CTX_free(s_hmac_proto);
	s_hmac_proto = NULL;
}

static void s_hmac_proto_init(void)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	EVP_MAC_free(mac); /* the context keeps its own reference */
	char digest[] = "SHA256";
	OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
			       OSSL_PARAM_construct_end()};
	if (ctx && EVP_MAC_CTX_set_params(ctx, params) != 1) {
		EVP_MAC_CTX_free(ctx);
		ctx = NULL;
	}
	s_hmac_proto = ctx;
	/* OpenSSL registered its own exit cleanup when the fetch initialised it;
	 * exit handlers run last-registered first, so this copy goes before it. */
	if (ctx)
		atexit(s_hmac_proto_free);
}

static EVP_MAC_CTX *s_hmac_ctx(void)
{
	pthread_once(&s_hmac_once, s_hmac_proto_init);
	EVP_MAC_CTX *ctx = s_hmac_proto ? EVP_MAC_CTX_dup(s_hmac_proto) : NULL;
	if (!ctx)
		c1_error_set("HMAC-SHA256 is not available in OpenSSL");
	return ctx;
}

static int s_hmac(EVP_MAC_CTX *ctx, unsigned char out[S_SHA256_LEN], const void *key, size_t key_len,
		  struct c1_str data)
{
	size_t len = 0;
	if (EVP_MAC_init(ctx, key, key_len, NULL) != 1 ||
	    EVP_MAC_update(ctx, (const unsigned char *)data.ptr, data.len) != 1 ||
	    EVP_MAC_final(ctx, out, &len, S_SHA256_LEN) != 1 || len != S_SHA256_LEN) {
		c1_error_set("HMAC-SHA256 failed in OpenSSL");
		return C1_ERROR;
	}
	return 0;
}

int c1_sigv4_signature(char out_hex[C1_SIGV4_HEX_LEN + 1], const char *secret_access_key, const char *scope,
		       struct c1_str string_to_sign)
{
	struct c1_str parts[3];
	unsigned char k1[S_SHA256_LEN], k2[S_SHA256_LEN];
	char *seed = NULL;
	EVP_MAC_CTX *mac = NULL;
	int rc = 0;

	out_hex[0] = '\0';
	rc = s_split_scope(parts, scope);
	if (rc)
		goto cleanup;
	if (!(mac = s_hmac_ctx())) {
		rc = C1_ERROR;
		goto cleanup;
	}
	seed = c1_asprintf("AWS4%s", secret_access_key ? secret_access_key : "");
	rc = s_hmac(mac, k1, seed, strlen(seed), parts[0]);                     /* kDate */
	rc = rc ? rc : s_hmac(mac, k2, k1, sizeof(k1), parts[1]);               /* kRegion */
	rc = rc ? rc : s_hmac(mac, k1, k2, sizeof(k2), parts[2]);               /* kService */
	rc = rc ? rc : s_hmac(mac, k2, k1, sizeof(k1), C1_STR("aws4_request")); /* kSigning */
	rc = rc ? rc : s_hmac(mac, k1, k2, sizeof(k2), string_to_sign);
	if (rc == 0)
		s_hex(out_hex, k1, S_SHA256_LEN);

cleanup:
	EVP_MAC_CTX_free(mac); /* clears the key it holds */
	c1_wipe(k1, sizeof(k1));
	c1_wipe(k2, sizeof(k2));
	c1_free_secure_str(seed);
	return rc;
}

int c1_sigv4_format_amz_date(char out[17], int64_t time_s)
{
	struct tm tm;
	time_t t = (time_t)time_s;
	out[0] = '\0';
	if (time_s < 0 || time_s > 253402300799LL || !gmtime_r(&t, &tm) ||
	    strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) != 16) {
		c1_error_set("signing time %lld is outside 1970..9999", (long long)time_s);
		return C1_EINVALID;
	}
	return 0;
}

/* One signature from a canonical input: the code path shared by signing,
 * presigning and verification. */
static int s_sign(char sig[C1_SIGV4_HEX_LEN + 1], struct c1_buf *signed_headers_out,
		  const struct c1_sigv4_canonical_input *in, const char *amz_date, const char *scope,
		  const char *secret, struct c1_sigv4_trace *trace)
{
	struct c1_buf creq = C1_BUF_INIT, sts = C1_BUF_INIT;
	int rc = 0;

	rc = c1_sigv4_canonical_request(&creq, signed_headers_out, in);
	if (rc == 0)
		rc = c1_sigv4_string_to_sign(&sts, amz_date, scope, c1_buf_view(&creq));
	if (rc == 0)
		rc = c1_sigv4_signature(sig, secret, scope, c1_buf_view(&sts));
	if (rc == 0 && trace) {
		c1_buf_clear(&trace->canonical_request);
		c1_buf_clear(&trace->string_to_sign);
		rc = c1_buf_put(&trace->canonical_request, creq.ptr, creq.len);
		if (rc == 0)
			rc = c1_buf_put(&trace->string_to_sign, sts.ptr, sts.len);
		memcpy(trace->signature, sig, C1_SIGV4_HEX_LEN + 1);
	}
	/* The canonical request can hold a session token header. */
	c1_buf_dispose_secure(&creq);
	c1_buf_dispose(&sts);
	return rc;
}

struct s_url_parts {
	struct c1_str origin;    /* "https://user@host:8443" */
	struct c1_str authority; /* "host:8443" without userinfo */
	struct c1_str path;      /* "/a/b", may be empty */
	struct c1_str query;     /* without "?" */
};

static int s_split_url(struct s_url_parts *out, const char *url)
{
	const char *p = url ? strstr(url, "://") : NULL;
	if (!p || p == url)
		goto bad;
	for (const char *s = url; s < p; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
			goto bad;
	const char *auth = p + 3;
	size_t auth_len = strcspn(auth, "/?#");
	if (auth_len == 0)
		goto bad;
	out->origin = (struct c1_str){url, (size_t)(auth + auth_len - url)};
	out->authority = (struct c1_str){auth, auth_len};
	const char *at = memchr(auth, '@', auth_len);
	while (at) {
		out->authority = (struct c1_str){at + 1, auth_len - (size_t)(at + 1 - auth)};
		at = memchr(at + 1, '@', auth_len - (size_t)(at + 1 - auth));
	}
	if (out->authority.len == 0)
		goto bad;
	const char *path = auth + auth_len;
	size_t path_len = strcspn(path, "?#");
	out->path = (struct c1_str){path, path_len};
	out->query = (struct c1_str){"", 0};
	if (path[path_len] == '?') {
		const char *q = path + path_len + 1;
		out->query = (struct c1_str){q, strcspn(q, "#")};
	}
	return 0;
bad:
	c1_error_set("cannot sign request: \"%.200s\" is not an absolute URL (want https://host/path)",
		     url ? url : "(null)");
	return C1_EINVALID;
}

/* RFC 9110 tchar. SignedHeaders joins names with ';', so a name holding ';' (or anything else
 * outside a token) would sign one header and tell the verifier it was two: the request could
 * never verify. Such a name is not valid HTTP anyway. */
static bool s_is_token(const char *name)
{
	if (!*name)
		return false;
	for (const unsigned char *s = (const unsigned char *)name; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      (*s && strchr("!#$%&'*+-.^_`|~", *s))))
			return false;
	}
	return true;
}

static int s_check_inputs(const struct c1_http_request *req, const struct c1_sigv4_credentials *creds,
			  const struct c1_sigv4_params *params)
{
	if (!req || !req->method || !*req->method) {
		c1_error_set("cannot sign request: no HTTP method");
		return C1_EINVALID;
	}
	if (!creds || !creds->access_key_id || !*creds->access_key_id || !creds->secret_access_key ||
	    !*creds->secret_access_key) {
		c1_error_set("cannot sign request: access key id or secret access key is empty; check the "
			     "credentials source");
		return C1_EINVALID;
	}
	if (strpbrk(creds->access_key_id, "/ \r\n,")) {
		c1_error_set("cannot sign request: access key id contains '/', ',' or whitespace");
		return C1_EINVALID;
	}
	if (!params || !params->region || !*params->region || !params->service || !*params->service ||
	    strchr(params->region, '/') || strchr(params->service, '/')) {
		c1_error_set(
		    "cannot sign request: signing region and service must be set and contain no '/'");
		return C1_EINVALID;
	}
	for (size_t i = 0; i < req->headers.count; i++) {
		if (!s_is_token(req->headers.items[i].name)) {
			c1_error_set("cannot sign request: a header name is not an HTTP token (RFC 9110)");
			return C1_EINVALID;
		}
	}
	return 0;
}

static enum c1_sigv4_path_mode s_resolve_path_mode(enum c1_sigv4_path_mode mode, const char *service)
{
	if (mode != C1_SIGV4_PATH_AUTO)
		return mode;
	return strcmp(service, "s3") == 0 ? C1_SIGV4_PATH_AS_IS : C1_SIGV4_PATH_NORMALIZE;
}

static bool s_has_token(const struct c1_sigv4_credentials *creds)
{
	return creds->session_token && *creds->session_token;
}

int c1_sigv4_sign_request(struct c1_http_request *req, const struct c1_sigv4_credentials *creds,
			  const struct c1_sigv4_params *params)
{
	struct s_url_parts url;
	struct c1_buf scope = C1_BUF_INIT, signed_headers = C1_BUF_INIT, authz = C1_BUF_INIT;
	char amz_date[17], payload_hash[C1_SIGV4_HEX_LEN + 1], sig[C1_SIGV4_HEX_LEN + 1];
	char *host = NULL;
	int rc = 0;

	rc = s_check_inputs(req, creds, params);
	if (rc == 0)
		rc = s_split_url(&url, req->url);
	if (rc == 0)
		rc = c1_sigv4_format_amz_date(amz_date, params->time_s);
	if (rc)
		goto cleanup;

	if (!c1_headers_get(&req->headers, "Host")) {
		host = c1_str_dup(url.authority);
		c1_headers_add(&req->headers, "Host", host);
	}
	c1_headers_remove(&req->headers, "Authorization");
	c1_headers_set(&req->headers, "X-Amz-Date", amz_date);
	if (params->unsigned_payload)
		memcpy(payload_hash, C1_SIGV4_UNSIGNED, sizeof(C1_SIGV4_UNSIGNED));
	else
		c1_sigv4_sha256_hex(payload_hash, (struct c1_str){req->body, req->body ? req->body_len : 0});
	/* A receiver takes the payload hash from this header when it is there (S3, botocore, c1sim),
	 * so one left from an earlier signing must say what this signature covers. */
	if (params->add_content_sha256 || c1_headers_get(&req->headers, "x-amz-content-sha256"))
		c1_headers_set(&req->headers, "x-amz-content-sha256", payload_hash);
	c1_headers_remove(&req->headers, "X-Amz-Security-Token");
	if (s_has_token(creds) && !params->omit_session_token)
		c1_headers_add(&req->headers, "X-Amz-Security-Token", creds->session_token);

	rc = c1_buf_printf(&scope, "%.8s/%s/%s/aws4_request", amz_date, params->region, params->service);
	if (rc)
		goto cleanup;
	struct c1_sigv4_canonical_input in = {
	    .method = req->method,
	    .path = url.path,
	    .query = url.query,
	    .headers = &req->headers,
	    .signed_headers = NULL,
	    .payload_hash = payload_hash,
	    .path_mode = s_resolve_path_mode(params->path_mode, params->service),
	    .drop_signature_param = false,
	};
	rc = s_sign(sig, &signed_headers, &in, amz_date, c1_buf_cstr(&scope), creds->secret_access_key,
		    params->trace);
	if (rc == 0)
		rc = c1_buf_printf(&authz, "%s Credential=%s/%s, SignedHeaders=%s, Signature=%s",
				   C1_SIGV4_ALGORITHM, creds->access_key_id, c1_buf_cstr(&scope),
				   c1_buf_cstr(&signed_headers), sig);
	if (rc)
		goto cleanup;
	c1_headers_set(&req->headers, "Authorization", c1_buf_cstr(&authz));
	if (s_has_token(creds) && params->omit_session_token)
		c1_headers_add(&req->headers, "X-Amz-Security-Token", creds->session_token);

cleanup:
	free(host);
	c1_buf_dispose(&scope);
	c1_buf_dispose(&signed_headers);
	c1_buf_dispose(&authz);
	return rc;
}

static int s_put_param(struct c1_buf *q, const char *name, const char *value)
{
	int rc = c1_buf_printf(q, "%s%s=", q->len ? "&" : "", name);
	if (rc == 0)
		rc = s_encode(q, c1_str_from(value), false);
	return rc;
}

int c1_sigv4_presign_url(char **out, const struct c1_http_request *req,
			 const struct c1_sigv4_credentials *creds, const struct c1_sigv4_params *params,
			 int expires_s)
{
	struct s_url_parts url;
	struct c1_headers headers = C1_HEADERS_INIT;
	struct c1_buf scope = C1_BUF_INIT, credential = C1_BUF_INIT, names_list = C1_BUF_INIT;
	struct c1_buf query = C1_BUF_INIT, result = C1_BUF_INIT;
	char amz_date[17], payload_hash[C1_SIGV4_HEX_LEN + 1], sig[C1_SIGV4_HEX_LEN + 1], expires[16];
	char **names = NULL;
	size_t name_count = 0;
	int rc = 0;

	*out = NULL;
	rc = s_check_inputs(req, creds, params);
	if (rc == 0)
		rc = s_split_url(&url, req->url);
	if (rc == 0)
		rc = c1_sigv4_format_amz_date(amz_date, params->time_s);
	if (rc)
		goto cleanup;
	if (expires_s < 1 || expires_s > C1_SIGV4_MAX_EXPIRES_S) {
		c1_error_set("presigned URL lifetime %d s is outside 1..%d s", expires_s,
			     C1_SIGV4_MAX_EXPIRES_S);
		rc = C1_EINVALID;
		goto cleanup;
	}

	c1_headers_copy(&headers, &req->headers);
	if (!c1_headers_get(&headers, "Host")) {
		char *host = c1_str_dup(url.authority);
		c1_headers_add(&headers, "Host", host);
		free(host);
	}
	name_count = s_signed_names(&names, &headers, NULL);
	rc = s_join_names(&names_list, names, name_count);
	rc = rc ? rc
		: c1_buf_printf(&scope, "%.8s/%s/%s/aws4_request", amz_date, params->region, params->service);
	rc = rc ? rc : c1_buf_printf(&credential, "%s/%s", creds->access_key_id, c1_buf_cstr(&scope));
	snprintf(expires, sizeof(expires), "%d", expires_s);
	rc = rc ? rc : c1_buf_put(&query, url.query.ptr, url.query.len);
	rc = rc ? rc : s_put_param(&query, "X-Amz-Algorithm", C1_SIGV4_ALGORITHM);
	rc = rc ? rc : s_put_param(&query, "X-Amz-Credential", c1_buf_cstr(&credential));
	rc = rc ? rc : s_put_param(&query, "X-Amz-Date", amz_date);
	rc = rc ? rc : s_put_param(&query, "X-Amz-Expires", expires);
	rc = rc ? rc : s_put_param(&query, "X-Amz-SignedHeaders", c1_buf_cstr(&names_list));
	if (rc == 0 && s_has_token(creds) && !params->omit_session_token)
		rc = s_put_param(&query, "X-Amz-Security-Token", creds->session_token);
	if (rc)
		goto cleanup;

	if (params->unsigned_payload)
		memcpy(payload_hash, C1_SIGV4_UNSIGNED, sizeof(C1_SIGV4_UNSIGNED));
	else
		c1_sigv4_sha256_hex(payload_hash, (struct c1_str){req->body, req->body ? req->body_len : 0});
	struct c1_sigv4_canonical_input in = {
	    .method = req->method,
	    .path = url.path,
	    .query = c1_buf_view(&query),
	    .headers = &headers,
	    .signed_headers = c1_buf_cstr(&names_list),
	    .payload_hash = payload_hash,
	    .path_mode = s_resolve_path_mode(params->path_mode, params->service),
	    .drop_signature_param = false,
	};
	rc = s_sign(sig, NULL, &in, amz_date, c1_buf_cstr(&scope), creds->secret_access_key, params->trace);

	/* The sent query is the canonical one, so the server recomputes the same bytes. */
	rc = rc ? rc : c1_buf_put(&result, url.origin.ptr, url.origin.len);
	rc = rc ? rc : s_encode_as_is(&result, url.path.len ? url.path : C1_STR("/"));
	rc = rc ? rc : c1_buf_putc(&result, '?');
	rc = rc ? rc : s_canonical_query(&result, c1_buf_view(&query), false);
	rc = rc ? rc : c1_buf_printf(&result, "&X-Amz-Signature=%s", sig);
	if (rc == 0 && s_has_token(creds) && params->omit_session_token) {
		rc = c1_buf_puts(&result, "&X-Amz-Security-Token=");
		rc = rc ? rc : s_encode(&result, c1_str_from(creds->session_token), false);
	}
	if (rc == 0)
		*out = c1_buf_detach(&result);

cleanup:
	s_free_names(names, name_count);
	c1_headers_dispose(&headers);
	c1_buf_dispose(&scope);
	c1_buf_dispose(&credential);
	c1_buf_dispose(&names_list);
	c1_buf_dispose_secure(&query);
	c1_buf_dispose_secure(&result);
	return rc;
}

static char *s_dup_view(const char *p, size_t n)
{
	return c1_strndup(p, n);
}

int c1_sigv4_authorization_parse(struct c1_sigv4_authorization *out, const char *value)
{
	const char *p = value ? value : "";
	bool have_cred = false, have_signed = false, have_sig = false;
	int rc = 0;

	*out = (struct c1_sigv4_authorization)C1_SIGV4_AUTHORIZATION_INIT;
	size_t alg_len = strlen(C1_SIGV4_ALGORITHM);
	if (strncmp(p, C1_SIGV4_ALGORITHM, alg_len) != 0 || (p[alg_len] != ' ' && p[alg_len] != '\t')) {
		c1_error_set("Authorization header does not start with \"%s \"", C1_SIGV4_ALGORITHM);
		rc = C1_EINVALID;
		goto cleanup;
	}
	p += alg_len;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		size_t n = strcspn(p, ",");
		struct c1_str item = c1_str_trim((struct c1_str){p, n});
		p += n;
		const char *eq = memchr(item.ptr, '=', item.len);
		if (!eq) {
			c1_error_set("Authorization header has a component without '='");
			rc = C1_EINVALID;
			goto cleanup;
		}
		struct c1_str key = {item.ptr, (size_t)(eq - item.ptr)};
		struct c1_str val = {eq + 1, item.len - key.len - 1};
		if (c1_str_eq_cstr(key, "Credential") && !have_cred) {
			const char *slash = memchr(val.ptr, '/', val.len);
			if (!slash || slash == val.ptr) {
				c1_error_set("Authorization Credential is not <access key id>/<scope>");
				rc = C1_EINVALID;
				goto cleanup;
			}
			out->access_key_id = s_dup_view(val.ptr, (size_t)(slash - val.ptr));
			out->scope = s_dup_view(slash + 1, val.len - (size_t)(slash + 1 - val.ptr));
			struct c1_str parts[3];
			rc = s_split_scope(parts, out->scope);
			if (rc)
				goto cleanup;
			out->date = c1_str_dup(parts[0]);
			out->region = c1_str_dup(parts[1]);
			out->service = c1_str_dup(parts[2]);
			have_cred = true;
		} else if (c1_str_eq_cstr(key, "SignedHeaders") && !have_signed) {
			out->signed_headers = c1_str_dup(val);
			have_signed = true;
		} else if (c1_str_eq_cstr(key, "Signature") && !have_sig) {
			if (val.len != C1_SIGV4_HEX_LEN) {
				c1_error_set("Authorization Signature is not 64 hex characters");
				rc = C1_EINVALID;
				goto cleanup;
			}
			memcpy(out->signature, val.ptr, val.len);
			out->signature[val.len] = '\0';
			have_sig = true;
		}
	}
	if (!have_cred || !have_signed || !have_sig) {
		c1_error_set("Authorization header lacks %s", !have_cred     ? "Credential"
							      : !have_signed ? "SignedHeaders"
									     : "Signature");
		rc = C1_EINVALID;
	}

cleanup:
	if (rc)
		c1_sigv4_authorization_dispose(out);
	return rc;
}

int c1_sigv4_compute_signature(char out_hex[C1_SIGV4_HEX_LEN + 1], const struct c1_sigv4_verify_input *in,
			       const char *secret_access_key, struct c1_sigv4_trace *trace)
{
	struct c1_str parts[3];
	char body_hash[C1_SIGV4_HEX_LEN + 1];
	char *service = NULL;
	int rc = 0;

	out_hex[0] = '\0';
	rc = s_split_scope(parts, in->credential_scope);
	if (rc)
		goto cleanup;
	const char *amz_date = in->amz_date ? in->amz_date : c1_headers_get(in->headers, "X-Amz-Date");
	if (!amz_date || strlen(amz_date) != 16) {
		c1_error_set("request has no X-Amz-Date (YYYYMMDDTHHMMSSZ) to verify against");
		rc = C1_EINVALID;
		goto cleanup;
	}
	if (strncmp(amz_date, parts[0].ptr, 8) != 0) {
		c1_error_set("credential scope date does not match X-Amz-Date");
		rc = C1_EINVALID;
		goto cleanup;
	}
	if (!in->signed_headers || !*in->signed_headers) {
		c1_error_set("request names no signed headers");
		rc = C1_EINVALID;
		goto cleanup;
	}
	const char *payload_hash = in->payload_hash;
	if (!payload_hash)
		payload_hash = c1_headers_get(in->headers, "x-amz-content-sha256");
	if (!payload_hash) {
		c1_sigv4_sha256_hex(body_hash, in->body);
		payload_hash = body_hash;
	}
	service = c1_str_dup(parts[2]);
	struct c1_sigv4_canonical_input cin = {
	    .method = in->method ? in->method : "",
	    .path = c1_str_from(in->raw_path),
	    .query = c1_str_from(in->raw_query),
	    .headers = in->headers,
	    .signed_headers = in->signed_headers,
	    .payload_hash = payload_hash,
	    .path_mode = s_resolve_path_mode(in->path_mode, service),
	    .drop_signature_param = in->presigned,
	};
	rc = s_sign(out_hex, NULL, &cin, amz_date, in->credential_scope, secret_access_key, trace);

cleanup:
	free(service);
	return rc;
}

int c1_sigv4_verify(const struct c1_sigv4_verify_input *in, const char *secret_access_key,
		    const char *signature_hex)
{
	char expected[C1_SIGV4_HEX_LEN + 1];
	int rc = c1_sigv4_compute_signature(expected, in, secret_access_key, NULL);
	if (rc)
		return rc;
	const char *claimed = c1_headers_get(in->headers, "x-amz-content-sha256");
	if (!in->payload_hash && claimed && strcmp(claimed, C1_SIGV4_UNSIGNED) != 0 &&
	    strncmp(claimed, "STREAMING-", 10) != 0) {
		char actual[C1_SIGV4_HEX_LEN + 1];
		c1_sigv4_sha256_hex(actual, in->body);
		if (strcmp(actual, claimed) != 0) {
			c1_error_set("x-amz-content-sha256 does not match the request body");
			return C1_EAUTH;
		}
	}
	if (!signature_hex || strlen(signature_hex) != C1_SIGV4_HEX_LEN ||
	    CRYPTO_memcmp(expected, signature_hex, C1_SIGV4_HEX_LEN) != 0) {
		c1_error_set("the request signature does not match the one computed from the secret key");
		return C1_EAUTH;
	}
	return 0;
}
