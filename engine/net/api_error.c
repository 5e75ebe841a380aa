#include "engine/net/api_error.h"

#include "engine/core/alloc.h"
#include "engine/core/clock.h"
#include "engine/core/error.h"
#include "engine/core/xml.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Bodies past this are not parsed (only excerpted): error bodies are small. */
#define S_MAX_PARSE_BYTES ((size_t)1024 * 1024)
/* Scrubbing looks this far into a body; the message keeps far less. */
#define S_MAX_SCRUB_BYTES ((size_t)16 * 1024)
#define S_MAX_RETRY_S     (7L * 24 * 3600)
#define S_REDACTED        "[REDACTED]"

/* AWS SDK standard retry mode (api-reference 2.2). */
static const char *const s_throttling_codes[] = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
};

static const char *const s_transient_codes[] = {
    "RequestTimeout",
    "RequestTimeoutException",
    "PriorRequestNotComplete",
};

static bool s_in_list(const char *code, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(code, list[i]) == 0)
			return true;
	return false;
}

#define S_IN(code, list) s_in_list((code), (list), sizeof(list) / sizeof((list)[0]))

/* ---- Scrubbing and printable copies ---- */

enum s_rule_kind {
	S_AFTER_SPACE, /* "Bearer <token>": needs whitespace, then a token */
	S_VALUE,       /* "X-Amz-Signature=<token>": prefix ends with its separator */
	S_SIGV4,       /* "AWS4-HMAC-SHA256 Credential=..., Signature=<hex>" */
	S_ELEMENT      /* "<SecretAccessKey>...<": up to the next tag */
};

struct s_rule {
	const char *prefix;
	enum s_rule_kind kind;
};

static const struct s_rule s_rules[] = {
    {"AWS4-HMAC-SHA256", S_SIGV4},
    {"ApiKey", S_AFTER_SPACE},
    {"Bearer", S_AFTER_SPACE},
    {"Basic", S_AFTER_SPACE},
    {"X-Amz-Signature=", S_VALUE},
    {"X-Amz-Security-Token=", S_VALUE},
    {"X-Amz-Credential=", S_VALUE},
    {"x-amz-security-token:", S_VALUE},
    {"api-secret-key:", S_VALUE},
    {"Signature=", S_VALUE},
    {"Credential=", S_VALUE},
    {"aws_secret_access_key=", S_VALUE},
    {"aws_session_token=", S_VALUE},
    {"<SecretAccessKey>", S_ELEMENT},
    {"<SessionToken>", S_ELEMENT},
    /* the credential sources' tokens, should a service echo a request back */
    {"WebIdentityToken=", S_VALUE},
    {"x-amz-sso_bearer_token:", S_VALUE},
    {"x-aws-ec2-metadata-token:", S_VALUE},
};

static bool s_is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool s_token_char(char c)
{
	return !(c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '"' || c == '\'' || c == '<' ||
		 c == '>' || c == ',' || c == ';' || c == '&' || c == ')' || c == ']' || c == '}' ||
		 c == '\0');
}

/* Length of the credential after a matched prefix at `p` (0: no match). */
static size_t s_match_rule(const struct s_rule *rule, const char *p, size_t left, size_t *prefix_len)
{
	size_t plen = strlen(rule->prefix), i = 0;
	if (left < plen || strncasecmp(p, rule->prefix, plen) != 0)
		return 0;
	*prefix_len = plen;
	i = plen;
	switch (rule->kind) {
	case S_AFTER_SPACE:
		if (i >= left || (p[i] != ' ' && p[i] != '\t'))
			return 0;
		while (i < left && (p[i] == ' ' || p[i] == '\t'))
			i++;
		*prefix_len = i;
		while (i < left && s_token_char(p[i]))
			i++;
		return i - *prefix_len;
	case S_VALUE:
		while (i < left && p[i] == ' ')
			i++;
		*prefix_len = i;
		while (i < left && s_token_char(p[i]))
			i++;
		return i - *prefix_len;
	case S_SIGV4: {
		if (i >= left || (p[i] != ' ' && p[i] != '\t'))
			return 0;
		*prefix_len = i + 1;
		size_t end = i;
		while (end < left && p[end] != '\n' && p[end] != '"' && p[end] != '<')
			end++;
		/* Up to the end of the signature when there is one, else the whole line. */
		for (size_t j = i; j + 10 <= end; j++) {
			if (strncmp(p + j, "Signature=", 10) == 0) {
				size_t k = j + 10;
				while (k < end && s_is_alnum(p[k]))
					k++;
				return k - *prefix_len;
			}
		}
		return end - *prefix_len;
	}
	case S_ELEMENT:
		while (i < left && p[i] != '<')
			i++;
		return i - plen;
	}
	return 0;
}

static void s_scrub(struct c1_buf *out, struct c1_str text)
{
	size_t i = 0;
	while (i < text.len) {
		bool boundary = i == 0 || !s_is_alnum(text.ptr[i - 1]);
		bool hit = false;
		for (size_t r = 0; boundary && r < sizeof(s_rules) / sizeof(s_rules[0]); r++) {
			size_t prefix_len = 0;
			size_t n = s_match_rule(&s_rules[r], text.ptr + i, text.len - i, &prefix_len);
			if (n == 0)
				continue;
			c1_buf_put(out, text.ptr + i, prefix_len);
			c1_buf_puts(out, S_REDACTED);
			i += prefix_len + n;
			hit = true;
			break;
		}
		if (!hit)
			c1_buf_putc(out, text.ptr[i++]);
	}
}

/* Length of the valid UTF-8 sequence at p (0 when invalid). */
static size_t s_utf8_len(const unsigned char *p, size_t left)
{
	size_t n;
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void c1_api_error_sanitize(char *out, size_t out_len, struct c1_str text)
{
	struct c1_buf scrubbed = C1_BUF_INIT;
	size_t o = 0;

	if (!out || out_len == 0)
		return;
	out[0] = '\0';
	if (text.len > S_MAX_SCRUB_BYTES)
		text.len = S_MAX_SCRUB_BYTES;
	s_scrub(&scrubbed, text);
	const unsigned char *p = (const unsigned char *)c1_buf_cstr(&scrubbed);
	size_t len = scrubbed.len;
	size_t room = out_len - 1;
	bool truncated = false;

	/* Skip leading whitespace; collapse runs of whitespace/control characters. */
	size_t i = 0;
	while (i < len && (p[i] <= ' ' || p[i] == 0x7f))
		i++;
	while (i < len) {
		char piece[4];
		size_t n = 1, consumed = 1;
		if (p[i] <= ' ' || p[i] == 0x7f) {
			while (i + consumed < len && (p[i + consumed] <= ' ' || p[i + consumed] == 0x7f))
				consumed++;
			piece[0] = ' ';
		} else if (p[i] < 0x80) {
			piece[0] = (char)p[i];
		} else {
			n = s_utf8_len(p + i, len - i);
			if (n == 0) {
				piece[0] = '?';
				n = 1;
			} else {
				memcpy(piece, p + i, n);
				consumed = n;
			}
		}
		if (o + n > room) {
			truncated = true;
			break;
		}
		memcpy(out + o, piece, n);
		o += n;
		i += consumed;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	if (truncated && room >= 3) {
		/* Make room for "..." without splitting a UTF-8 sequence. */
		while (o > 0 && o + 3 > room)
			o--;
		while (o > 0 && ((unsigned char)out[o] & 0xc0) == 0x80)
			o--;
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	c1_buf_dispose_secure(&scrubbed);
}

/* Identifier-like fields (codes, regions) keep [A-Za-z0-9._-] only. */
static void s_set_ident(char *dst, size_t dst_len, struct c1_str value)
{
	size_t o = 0;
	for (size_t i = 0; i < value.len && o + 1 < dst_len; i++) {
		char c = value.ptr[i];
		if (s_is_alnum(c) || c == '.' || c == '_' || c == '-')
			dst[o++] = c;
	}
	dst[o] = '\0';
}

static void s_set_code(struct c1_api_error *out, struct c1_str code)
{
	s_set_ident(out->code, sizeof(out->code), code);
}

/* "aws.protocoltests#FooError:http://internal..." -> "FooError". */
static void s_set_aws_json_code(struct c1_api_error *out, const char *raw)
{
	const char *hash = strrchr(raw, '#');
	const char *p = hash ? hash + 1 : raw;
	s_set_code(out, (struct c1_str){p, strcspn(p, ":")});
}

static void s_set_text(char *dst, size_t dst_len, const char *text)
{
	c1_api_error_sanitize(dst, dst_len, c1_str_from(text));
}

/* ---- Body parsers ---- */

static bool s_parse_xml(struct c1_api_error *out, struct c1_str body, bool s3)
{
	xmlDoc *doc = NULL;
	char *code = NULL, *message = NULL, *request_id = NULL;
	bool ok = false;

	if (body.len > S_MAX_PARSE_BYTES || c1_xml_parse(&doc, body, S_MAX_PARSE_BYTES) != 0)
		goto cleanup;
	xmlNode *root = c1_xml_root(doc);
	code = c1_xml_text(root, "Error/Code");
	if (!code)
		goto cleanup;
	message = c1_xml_text(root, "Error/Message");
	request_id = c1_xml_text(root, s3 ? "Error/RequestId" : "RequestId");
	if (!request_id)
		request_id = c1_xml_text(root, "RequestId");
	if (!request_id)
		request_id = c1_xml_text(root, "RequestID"); /* EC2 spelling */
	s_set_code(out, c1_str_from(code));
	if (message)
		s_set_text(out->message, sizeof(out->message), message);
	if (request_id && !out->request_id[0])
		s_set_text(out->request_id, sizeof(out->request_id), request_id);
	ok = out->code[0] != '\0';

cleanup:
	free(code);
	free(message);
	free(request_id);
	c1_xml_free(doc);
	return ok;
}

static json_t *s_load_json(struct c1_str body)
{
	if (body.len == 0 || body.len > S_MAX_PARSE_BYTES)
		return NULL;
	json_t *root = json_loadb(body.ptr, body.len, JSON_REJECT_DUPLICATES, NULL);
	if (root && !json_is_object(root)) {
		json_decref(root);
		return NULL;
	}
	return root;
}

static const char *s_json_str(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static bool s_parse_aws_json(struct c1_api_error *out, struct c1_str body, const struct c1_headers *headers)
{
	json_t *root = s_load_json(body);
	const char *type = root ? s_json_str(root, "__type") : NULL;
	if (!type && root)
		type = s_json_str(root, "code");
	if (!type)
		type = c1_headers_get(headers, "x-amzn-ErrorType");
	if (type)
		s_set_aws_json_code(out, type);
	const char *msg = root ? s_json_str(root, "message") : NULL;
	if (!msg && root)
		msg = s_json_str(root, "Message");
	if (!msg && root)
		msg = s_json_str(root, "errorMessage");
	if (msg)
		s_set_text(out->message, sizeof(out->message), msg);
	bool ok = root != NULL;
	json_decref(root);
	return ok;
}

static void s_append_fields(struct c1_buf *text, json_t *fields)
{
	const char *key;
	json_t *val;
	bool first = true;
	json_object_foreach(fields, key, val)
	{
		c1_buf_printf(text, "%s%s: ", first ? " (fields: " : "; ", key);
		if (json_is_string(val)) {
			c1_buf_puts(text, json_string_value(val));
		} else {
			char *dumped = json_dumps(val, JSON_COMPACT | JSON_ENCODE_ANY);
			c1_buf_puts(text, dumped ? dumped : "?");
			free(dumped);
		}
		first = false;
	}
	if (!first)
		c1_buf_putc(text, ')');
}

static bool s_parse_cloudone_json(struct c1_api_error *out, struct c1_str body)
{
	struct c1_buf text = C1_BUF_INIT;
	json_t *root = s_load_json(body);
	if (!root)
		return false;
	json_t *error = json_object_get(root, "error");
	const char *msg = s_json_str(root, "message");
	if (!msg && json_is_object(error))
		msg = s_json_str(error, "message");
	if (!msg)
		msg = s_json_str(root, "error"); /* some gateways answer {"error": "text"} */
	const char *code = s_json_str(root, "code");
	if (!code && json_is_object(error))
		code = s_json_str(error, "code");
	if (code)
		s_set_code(out, c1_str_from(code));
	c1_buf_puts(&text, msg ? msg : "");
	json_t *fields = json_object_get(root, "fields");
	if (json_is_object(fields))
		s_append_fields(&text, fields);
	s_set_text(out->message, sizeof(out->message), c1_buf_cstr(&text));
	c1_buf_dispose(&text);
	json_decref(root);
	return true;
}

static bool s_parse_visionone_json(struct c1_api_error *out, struct c1_str body)
{
	struct c1_buf text = C1_BUF_INIT;
	json_t *root = s_load_json(body);
	if (!root)
		return false;
	json_t *error = json_object_get(root, "error");
	if (!json_is_object(error)) {
		json_decref(root);
		return s_parse_cloudone_json(out, body); /* {"message": ...} from a gateway */
	}
	const char *code = s_json_str(error, "code");
	if (code)
		s_set_code(out, c1_str_from(code));
	c1_buf_puts(&text, s_json_str(error, "message") ? s_json_str(error, "message") : "");
	json_t *inner = json_object_get(error, "innererror");
	if (json_is_object(inner) && s_json_str(inner, "code"))
		c1_buf_printf(&text, " (inner error: %s%s%s)", s_json_str(inner, "code"),
			      s_json_str(inner, "service") ? ", service " : "",
			      s_json_str(inner, "service") ? s_json_str(inner, "service") : "");
	s_set_text(out->message, sizeof(out->message), c1_buf_cstr(&text));
	c1_buf_dispose(&text);
	json_decref(root);
	return true;
}

/* S3 answers HEAD (and some redirects) with no body: the status is the code. */
static const char *s_s3_status_code(long status)
{
	switch (status) {
	case 301: return "PermanentRedirect";
	case 302: return "Found";
	case 304: return "NotModified";
	case 307: return "TemporaryRedirect";
	case 400: return "BadRequest";
	case 403: return "Forbidden";
	case 404: return "NotFound";
	case 405: return "MethodNotAllowed";
	case 409: return "Conflict";
	case 412: return "PreconditionFailed";
	case 500: return "InternalError";
	case 503: return "ServiceUnavailable";
	default: return NULL;
	}
}

static bool s_all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static long s_parse_ms_header(const char *value)
{
	struct c1_str v = c1_str_trim(c1_str_from(value));
	char tmp[24];
	if (v.len == 0 || v.len >= sizeof(tmp))
		return -1;
	memcpy(tmp, v.ptr, v.len);
	tmp[v.len] = '\0';
	if (!s_all_digits(tmp))
		return -1;
	long long ms = strtoll(tmp, NULL, 10);
	return ms > S_MAX_RETRY_S * 1000 ? S_MAX_RETRY_S * 1000 : (long)ms;
}

void c1_api_error_from_response(struct c1_api_error *out, enum c1_api_body_kind kind, long status,
				const struct c1_headers *headers, struct c1_str body)
{
	static const struct c1_headers no_headers = C1_HEADERS_INIT;
	bool parsed = false;

	*out = (struct c1_api_error)C1_API_ERROR_INIT;
	out->http_status = status;
	if (!headers)
		headers = &no_headers;
	if (!body.ptr)
		body = (struct c1_str){"", 0};

	const char *rid = c1_headers_get(headers, "x-amzn-RequestId");
	if (!rid)
		rid = c1_headers_get(headers, "x-amz-request-id");
	if (rid)
		s_set_text(out->request_id, sizeof(out->request_id), rid);
	const char *region = c1_headers_get(headers, "x-amz-bucket-region");
	if (region)
		s_set_ident(out->bucket_region, sizeof(out->bucket_region), c1_str_from(region));

	switch (kind) {
	case C1_API_BODY_AWS_QUERY_XML: parsed = s_parse_xml(out, body, false); break;
	case C1_API_BODY_AWS_S3_XML:
		parsed = s_parse_xml(out, body, true);
		if (!parsed && c1_str_trim(body).len == 0 && s_s3_status_code(status)) {
			s_set_code(out, c1_str_from(s_s3_status_code(status)));
			parsed = true;
		}
		if (out->bucket_region[0] && (status == 301 || status == 307) && !out->message[0])
			snprintf(out->message, sizeof(out->message), "the bucket is in region %s",
				 out->bucket_region);
		break;
	case C1_API_BODY_AWS_JSON: parsed = s_parse_aws_json(out, body, headers); break;
	case C1_API_BODY_CLOUDONE_JSON: parsed = s_parse_cloudone_json(out, body); break;
	case C1_API_BODY_VISIONONE_JSON: parsed = s_parse_visionone_json(out, body); break;
	}
	if (!out->code[0])
		snprintf(out->code, sizeof(out->code), "HTTP%ld", status);
	if (!parsed && !out->message[0])
		c1_api_error_sanitize(out->message, sizeof(out->message), body);

	const char *amz_retry = c1_headers_get(headers, "x-amz-retry-after");
	const char *retry_after = c1_headers_get(headers, "Retry-After");
	if (amz_retry)
		out->retry_after_ms = s_parse_ms_header(amz_retry);
	if (out->retry_after_ms < 0 && retry_after) {
		const char *date = c1_headers_get(headers, "Date");
		int64_t now = date ? c1_api_parse_http_date_ms(date) : -1;
		if (now < 0)
			now = c1_clock_wall_ms(c1_clock_system());
		out->retry_after_ms = c1_api_parse_retry_after_ms(retry_after, now);
	}
	c1_api_error_classify(out);
}

void c1_api_error_from_transport(struct c1_api_error *out, int rc, const char *message)
{
	const char *code;
	*out = (struct c1_api_error)C1_API_ERROR_INIT;
	switch (rc) {
	case C1_ETIMEOUT: code = "RequestTimeout"; break;
	case C1_ETRANSPORT: code = "TransportError"; break;
	case C1_ETOOBIG: code = "ResponseTooLarge"; break;
	case C1_EINVALID: code = "InvalidRequest"; break;
	case C1_ECANCELLED: code = "Cancelled"; break;
	case C1_ECONFIG: code = "ConfigurationError"; break; /* e.g. a refused TLS certificate */
	default: code = "ClientError"; break;
	}
	snprintf(out->code, sizeof(out->code), "%s", code);
	out->timeout = rc == C1_ETIMEOUT;
	s_set_text(out->message, sizeof(out->message), message ? message : "");
	c1_api_error_classify(out);
}

void c1_api_error_classify(struct c1_api_error *err)
{
	err->throttling = S_IN(err->code, s_throttling_codes) || err->http_status == 429;
	err->retryable = err->throttling || S_IN(err->code, s_transient_codes);
	switch (err->http_status) {
	case 0:
		/* An answer too large to read is a lost answer: the request may have been carried out,
		 * so the caller must try again (a create looks first) rather than fail, or a rollback
		 * would not know about what the create made. */
		err->retryable = err->retryable || strcmp(err->code, "TransportError") == 0 ||
				 strcmp(err->code, "ResponseTooLarge") == 0;
		break;
	case 500:
	case 502:
	case 503:
	case 504: err->retryable = true; break;
	default: break;
	}
}

/* ---- Dates ---- */

static int64_t s_days_from_civil(int64_t y, int m, int d)
{
	/* Howard Hinnant's algorithm: proleptic Gregorian days since 1970-01-01. */
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int s_month(const char *p)
{
	static const char *const names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	for (int i = 0; i < 12; i++)
		if (strncmp(p, names[i], 3) == 0)
			return i + 1;
	return 0;
}

/* Reads exactly `min`..`max` digits. */
static bool s_num(const char **p, int min, int max, int *out)
{
	int n = 0, v = 0;
	while (n < max && (*p)[n] >= '0' && (*p)[n] <= '9') {
		v = v * 10 + ((*p)[n] - '0');
		n++;
	}
	if (n < min)
		return false;
	*p += n;
	*out = v;
	return true;
}

static bool s_time_of_day(const char **p, int *h, int *mi, int *s)
{
	if (!s_num(p, 2, 2, h) || **p != ':')
		return false;
	(*p)++;
	if (!s_num(p, 2, 2, mi) || **p != ':')
		return false;
	(*p)++;
	return s_num(p, 2, 2, s);
}

int64_t c1_api_parse_http_date_ms(const char *value)
{
	const char *p = value;
	int day = 0, month = 0, year = 0, h = 0, mi = 0, s = 0;

	if (!p)
		return -1;
	while (*p == ' ')
		p++;
	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')) /* weekday */
		p++;
	if (*p == ',') {
		/* IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT" or RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT". */
		p++;
		while (*p == ' ')
			p++;
		if (!s_num(&p, 1, 2, &day))
			return -1;
		char sep = *p;
		if (sep != ' ' && sep != '-')
			return -1;
		p++;
		month = s_month(p);
		if (!month)
			return -1;
		p += 3;
		if (*p != sep)
			return -1;
		p++;
		const char *ystart = p;
		if (!s_num(&p, 2, 4, &year) || (p - ystart != 2 && p - ystart != 4))
			return -1;
		if (p - ystart == 2)
			year += year >= 70 ? 1900 : 2000;
		if (*p++ != ' ' || !s_time_of_day(&p, &h, &mi, &s))
			return -1;
		while (*p == ' ')
			p++;
		if (strncmp(p, "GMT", 3) != 0)
			return -1;
		p += 3;
	} else {
		/* asctime "Sun Nov  6 08:49:37 1994". */
		while (*p == ' ')
			p++;
		month = s_month(p);
		if (!month)
			return -1;
		p += 3;
		while (*p == ' ')
			p++;
		if (!s_num(&p, 1, 2, &day) || *p++ != ' ' || !s_time_of_day(&p, &h, &mi, &s) || *p++ != ' ' ||
		    !s_num(&p, 4, 4, &year))
			return -1;
	}
	while (*p == ' ')
		p++;
	if (*p || day < 1 || day > 31 || h > 23 || mi > 59 || s > 60)
		return -1;
	int64_t days = s_days_from_civil(year, month, day);
	return ((days * 24 + h) * 60 + mi) * 60000 + (int64_t)s * 1000;
}

long c1_api_parse_retry_after_ms(const char *value, int64_t now_wall_ms)
{
	struct c1_str v = c1_str_trim(c1_str_from(value));
	char tmp[64];
	if (v.len == 0 || v.len >= sizeof(tmp))
		return -1;
	memcpy(tmp, v.ptr, v.len);
	tmp[v.len] = '\0';
	if (s_all_digits(tmp)) {
		if (v.len > 12)
			return S_MAX_RETRY_S * 1000;
		long long secs = strtoll(tmp, NULL, 10);
		return secs > S_MAX_RETRY_S ? S_MAX_RETRY_S * 1000 : (long)(secs * 1000);
	}
	int64_t when = c1_api_parse_http_date_ms(tmp);
	if (when < 0)
		return -1;
	int64_t delta = when - now_wall_ms;
	if (delta < 0)
		return 0;
	return delta > S_MAX_RETRY_S * 1000 ? S_MAX_RETRY_S * 1000 : (long)delta;
}

void c1_api_error_format(const struct c1_api_error *err, char *out, size_t out_len)
{
	if (!out || out_len == 0)
		return;
	if (!err) {
		snprintf(out, out_len, "unknown error");
		return;
	}
	const char *sep = err->message[0] ? ": " : "";
	if (err->http_status == 0)
		snprintf(out, out_len, "%s%s%s", err->code[0] ? err->code : "TransportError", sep,
			 err->message);
	else if (err->request_id[0])
		snprintf(out, out_len, "%s (HTTP %ld, request %s)%s%s", err->code, err->http_status,
			 err->request_id, sep, err->message);
	else
		snprintf(out, out_len, "%s (HTTP %ld)%s%s", err->code, err->http_status, sep, err->message);
}
