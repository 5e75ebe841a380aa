#include "engine/core/json.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"

#include <stdlib.h>
#include <string.h>

/* Jansson recurses per nesting level; check depth on the raw text first so
 * a hostile body cannot drive the parser deep. */
static bool s_depth_ok(struct c1_str text, int max_depth)
{
	int depth = 0;
	bool in_string = false;
	for (size_t i = 0; i < text.len; i++) {
		char c = text.ptr[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == '{' || c == '[') {
			if (++depth > max_depth)
				return false;
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	return true;
}

int c1_json_parse(json_t **out, struct c1_str text, size_t max_bytes, int max_depth)
{
	json_error_t err;
	if (!max_bytes)
		max_bytes = C1_JSON_MAX_BYTES;
	if (max_depth <= 0)
		max_depth = C1_JSON_MAX_DEPTH;
	*out = NULL;
	if (text.len > max_bytes) {
		c1_error_set("JSON document of %zu bytes is over the %zu-byte limit", text.len, max_bytes);
		return C1_ETOOBIG;
	}
	if (!s_depth_ok(text, max_depth)) {
		c1_error_set("JSON nested deeper than %d levels", max_depth);
		return C1_EINVALID;
	}
	json_t *v =
	    json_loadb(text.ptr ? text.ptr : "", text.len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
	if (!v) {
		c1_error_set("invalid JSON at line %d column %d", err.line, err.column);
		return C1_EINVALID;
	}
	*out = v;
	return 0;
}

json_t *c1_json_at(const json_t *root, const char *path)
{
	json_t *cur = (json_t *)root;
	const char *p = path ? path : "";
	while (cur && *p) {
		size_t n = strcspn(p, ".");
		char seg[256];
		if (n == 0 || n >= sizeof(seg))
			return NULL;
		memcpy(seg, p, n);
		seg[n] = '\0';
		if (json_is_object(cur)) {
			cur = json_object_get(cur, seg);
		} else if (json_is_array(cur)) {
			char *end = NULL;
			unsigned long long idx = strtoull(seg, &end, 10);
			if (seg[0] < '0' || seg[0] > '9' || *end != '\0')
				return NULL;
			cur = idx < json_array_size(cur) ? json_array_get(cur, (size_t)idx) : NULL;
		} else {
			return NULL;
		}
		p += n;
		if (*p == '.')
			p++;
	}
	return cur;
}

const char *c1_json_get_string(const json_t *root, const char *path)
{
	return json_string_value(c1_json_at(root, path));
}

int c1_json_get_int(const json_t *root, const char *path, int64_t *out)
{
	json_t *v = c1_json_at(root, path);
	if (!v)
		return C1_ENOTFOUND;
	if (!json_is_integer(v))
		return C1_EINVALID;
	*out = (int64_t)json_integer_value(v);
	return 0;
}

int c1_json_get_bool(const json_t *root, const char *path, bool *out)
{
	json_t *v = c1_json_at(root, path);
	if (!v)
		return C1_ENOTFOUND;
	if (!json_is_boolean(v))
		return C1_EINVALID;
	*out = json_is_true(v);
	return 0;
}

static void s_set(json_t *obj, const char *key, json_t *value)
{
	if (!value || json_object_set_new(obj, key, value) != 0)
		abort(); /* out of memory, or a caller bug (not an object, key not UTF-8) */
}

int c1_json_set_string(json_t *obj, const char *key, const char *value)
{
	json_t *v = value ? json_string(value) : json_null();
	if (!v) {
		c1_error_set("value for JSON field '%.64s' is not valid UTF-8", key);
		return C1_EINVALID;
	}
	s_set(obj, key, v);
	return 0;
}

void c1_json_set_int(json_t *obj, const char *key, int64_t value)
{
	s_set(obj, key, json_integer((json_int_t)value));
}

void c1_json_set_bool(json_t *obj, const char *key, bool value)
{
	s_set(obj, key, json_boolean(value));
}

char *c1_json_dump(const json_t *value)
{
	char *s = json_dumps(value, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	if (!s)
		abort();
	/* Hand back memory from our allocator so callers free() it uniformly. */
	char *copy = c1_strdup(s);
	free(s);
	return copy;
}

void c1_json_wipe_strings(json_t *v)
{
	const char *key;
	json_t *item;
	if (json_is_string(v)) {
		c1_wipe((char *)json_string_value(v), json_string_length(v));
		return;
	}
	json_object_foreach(v, key, item)
	{
		c1_json_wipe_strings(item);
	}
}
