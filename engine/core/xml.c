#include "engine/core/xml.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>

static pthread_once_t s_init_once = PTHREAD_ONCE_INIT;

static void s_init(void)
{
	/* libxml2 must be initialised once before threads parse concurrently. */
	xmlInitParser();
}

int c1_xml_parse(xmlDoc **out, struct c1_str text, size_t max_bytes)
{
	xmlParserCtxt *ctxt = NULL;
	xmlDoc *doc = NULL;
	int rc = 0;

	*out = NULL;
	if (max_bytes == 0)
		max_bytes = C1_XML_DEFAULT_MAX;
	if (max_bytes > INT_MAX)
		max_bytes = INT_MAX;
	if (text.len > max_bytes) {
		c1_error_set("XML response of %zu bytes exceeds the %zu-byte limit", text.len, max_bytes);
		rc = C1_ETOOBIG;
		goto cleanup;
	}
	if (text.len == 0) {
		c1_error_set("expected an XML response body but it was empty");
		rc = C1_EINVALID;
		goto cleanup;
	}
	pthread_once(&s_init_once, s_init);
	ctxt = xmlNewParserCtxt();
	if (!ctxt) {
		c1_error_set("cannot create an XML parser (out of memory in libxml2)");
		rc = C1_ERROR;
		goto cleanup;
	}
	/* No XML_PARSE_NOENT (entities stay unexpanded), no DTD loading, no
	 * network; errors go to the context instead of stderr. */
	doc = xmlCtxtReadMemory(ctxt, text.ptr, (int)text.len, NULL, NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc) {
		const xmlError *e = xmlCtxtGetLastError(ctxt);
		struct c1_str msg = c1_str_trim(c1_str_from(e && e->message ? e->message : "unknown error"));
		while (msg.len && (msg.ptr[msg.len - 1] == '\n' || msg.ptr[msg.len - 1] == '\r'))
			msg.len--;
		c1_error_set("response is not well-formed XML (line %d: %.*s)", e ? e->line : 0,
			     (int)(msg.len > 160 ? 160 : msg.len), msg.ptr);
		rc = C1_EINVALID;
		goto cleanup;
	}
	if (doc->intSubset || doc->extSubset) {
		c1_error_set("XML response carries a DOCTYPE, which no AWS response has; refusing it");
		rc = C1_EINVALID;
		goto cleanup;
	}
	if (!xmlDocGetRootElement(doc)) {
		c1_error_set("XML response has no root element");
		rc = C1_EINVALID;
		goto cleanup;
	}
	*out = doc;
	doc = NULL;

cleanup:
	if (doc)
		xmlFreeDoc(doc);
	if (ctxt)
		xmlFreeParserCtxt(ctxt);
	return rc;
}

void c1_xml_free(xmlDoc *doc)
{
	if (doc)
		xmlFreeDoc(doc);
}

xmlNode *c1_xml_root(xmlDoc *doc)
{
	return doc ? xmlDocGetRootElement(doc) : NULL;
}

const char *c1_xml_name(const xmlNode *node)
{
	return node && node->name ? (const char *)node->name : "";
}

static bool s_is(const xmlNode *n, const char *name, size_t len)
{
	return n->type == XML_ELEMENT_NODE && n->name && strlen((const char *)n->name) == len &&
	       memcmp(n->name, name, len) == 0;
}

static xmlNode *s_child_n(xmlNode *parent, const char *name, size_t len)
{
	for (xmlNode *c = parent ? parent->children : NULL; c; c = c->next)
		if (s_is(c, name, len))
			return c;
	return NULL;
}

/* Follow the remaining steps as direct children; "" means `node` itself. */
static xmlNode *s_follow(xmlNode *node, const char *rest)
{
	while (node && *rest) {
		size_t len = strcspn(rest, "/");
		node = s_child_n(node, rest, len);
		rest += len;
		if (*rest == '/')
			rest++;
	}
	return node;
}

static xmlNode *s_search(xmlNode *node, const char *first, size_t len, const char *rest)
{
	for (; node; node = node->next) {
		if (node->type != XML_ELEMENT_NODE)
			continue;
		if (s_is(node, first, len)) {
			xmlNode *hit = s_follow(node, rest);
			if (hit)
				return hit;
		}
		xmlNode *hit = s_search(node->children, first, len, rest);
		if (hit)
			return hit;
	}
	return NULL;
}

xmlNode *c1_xml_find(xmlNode *from, const char *path)
{
	if (!from || !path || !*path)
		return from && path && !*path ? from : NULL;
	size_t len = strcspn(path, "/");
	const char *rest = path[len] == '/' ? path + len + 1 : path + len;
	if (s_is(from, path, len)) {
		xmlNode *hit = s_follow(from, rest);
		if (hit)
			return hit;
	}
	return s_search(from->children, path, len, rest);
}

xmlNode *c1_xml_child(xmlNode *parent, const char *name)
{
	if (!name) {
		for (xmlNode *c = parent ? parent->children : NULL; c; c = c->next)
			if (c->type == XML_ELEMENT_NODE)
				return c;
		return NULL;
	}
	return s_child_n(parent, name, strlen(name));
}

xmlNode *c1_xml_next(xmlNode *node)
{
	if (!node || !node->name)
		return NULL;
	size_t len = strlen((const char *)node->name);
	for (xmlNode *s = node->next; s; s = s->next)
		if (s_is(s, (const char *)node->name, len))
			return s;
	return NULL;
}

char *c1_xml_text(xmlNode *from, const char *path)
{
	xmlNode *node = c1_xml_find(from, path);
	if (!node)
		return NULL;
	xmlChar *content = xmlNodeGetContent(node);
	char *text = c1_strdup(content ? (const char *)content : "");
	xmlFree(content);
	return text;
}

int c1_xml_take_secret(struct c1_secret *out, xmlNode *from, const char *path)
{
	xmlNode *node = c1_xml_find(from, path);
	xmlChar *content = node ? xmlNodeGetContent(node) : NULL;
	int rc = 0;

	if (!content || !*content) {
		rc = C1_ENOTFOUND;
		goto cleanup;
	}
	c1_secret_set(out, (const char *)content, strlen((const char *)content));
	for (xmlNode *c = node->children; c; c = c->next) {
		if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content &&
		    !(node->doc && node->doc->dict && xmlDictOwns(node->doc->dict, c->content)))
			c1_wipe(c->content, strlen((const char *)c->content));
	}

cleanup:
	if (content) {
		c1_wipe(content, strlen((const char *)content));
		xmlFree(content);
	}
	return rc;
}
