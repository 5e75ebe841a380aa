/* libxml2 helpers for service responses: bounded, network-free parsing with
 * no DTDs or entities, and namespace-blind lookups by local element name
 * ("GetCallerIdentityResult/Account", "member" lists). */
#ifndef C1_CORE_XML_H
#define C1_CORE_XML_H

#include "engine/core/buf.h"
#include "engine/core/secret.h"

#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>

#define C1_XML_DEFAULT_MAX ((size_t)16 * 1024 * 1024)

/**
 * Parse `text` into a new document (*out, free with c1_xml_free).
 * Refuses a document larger than `max_bytes` (0: C1_XML_DEFAULT_MAX) with
 * C1_ETOOBIG, and malformed XML or any DOCTYPE (no responses we read carry
 * one; it is how entity expansion and XXE attacks start) with C1_EINVALID.
 * Never touches the network or the file system. Thread-safe.
 */
int c1_xml_parse(xmlDoc **out, struct c1_str text, size_t max_bytes);
void c1_xml_free(xmlDoc *doc);
/** The root element, or NULL. */
xmlNode *c1_xml_root(xmlDoc *doc);

/** Local name of an element ("Account" for <sts:Account>); "" for NULL. */
const char *c1_xml_name(const xmlNode *node);
/**
 * The first element matching the '/'-separated local-name `path`, where the
 * first step may match `from` itself or any descendant (document order) and
 * each further step a direct child. NULL when absent or `from` is NULL.
 */
xmlNode *c1_xml_find(xmlNode *from, const char *path);
/** First child element of `parent` named `name` (NULL name: any element). */
xmlNode *c1_xml_child(xmlNode *parent, const char *name);
/** Next sibling element with the same local name as `node`: walks "member" lists. */
xmlNode *c1_xml_next(xmlNode *node);

/** Text content of the element at `path` as a new string (caller frees); NULL when absent. */
char *c1_xml_text(xmlNode *from, const char *path);
/**
 * Copy the text at `path` into `out` (a secret) and zero the copies held by
 * the document; 0, or C1_ENOTFOUND when the element is absent or empty.
 */
int c1_xml_take_secret(struct c1_secret *out, xmlNode *from, const char *path);

#endif
