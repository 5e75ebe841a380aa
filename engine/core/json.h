/* Small jansson helpers: bounded parsing (size cap, nesting guard), lookups
 * by dotted path ("registration.status", "items.0.id") and object building. */
#ifndef C1_CORE_JSON_H
#define C1_CORE_JSON_H

#include "engine/core/buf.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define C1_JSON_MAX_BYTES ((size_t)8 * 1024 * 1024)
#define C1_JSON_MAX_DEPTH 64

/**
 * Parse `text` into a new reference (`*out`, caller json_decref()s).
 * max_bytes/max_depth 0 mean C1_JSON_MAX_BYTES/C1_JSON_MAX_DEPTH.
 * C1_ETOOBIG above the size cap; C1_EINVALID for bad syntax, duplicate keys
 * or nesting deeper than max_depth. Messages give line/column only, never
 * the text (bodies may hold tokens). Thread-safe.
 */
int c1_json_parse(json_t **out, struct c1_str text, size_t max_bytes, int max_depth);

/** Zero every string of `v` (nested in objects too) before jansson frees it: parsed bodies
 *  holding credentials or tokens. */
void c1_json_wipe_strings(json_t *v);

/** Value at a dotted path; numeric segments index arrays. NULL when absent. Borrowed. */
json_t *c1_json_at(const json_t *root, const char *path);
/** String at path, borrowed; NULL when absent or not a string. */
const char *c1_json_get_string(const json_t *root, const char *path);
/** Integer at path: C1_ENOTFOUND when absent, C1_EINVALID when not an integer. */
int c1_json_get_int(const json_t *root, const char *path, int64_t *out);
/** Boolean at path: C1_ENOTFOUND when absent, C1_EINVALID when not true/false. */
int c1_json_get_bool(const json_t *root, const char *path, bool *out);

/** Set a string member (copied; NULL sets JSON null). C1_EINVALID when not UTF-8. */
int c1_json_set_string(json_t *obj, const char *key, const char *value);
/** Number/boolean setters; `obj` must be an object and `key` UTF-8 (aborts otherwise). */
void c1_json_set_int(json_t *obj, const char *key, int64_t value);
void c1_json_set_bool(json_t *obj, const char *key, bool value);
/** Compact text with keys in insertion order; caller frees. */
char *c1_json_dump(const json_t *value);

#endif
