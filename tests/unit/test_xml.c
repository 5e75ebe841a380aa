/* XML helpers: namespace-blind lookups, member lists, refusal of DTDs,
 * size caps, malformed input, and wiping of secrets taken from a document. */
#include "harness.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/core/xml.h"

#include <stdlib.h>
#include <string.h>

static const char s_stacks[] =
    "<?xml version=\"1.0\"?>\n"
    "<DescribeStacksResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\">\n"
    "  <DescribeStacksResult>\n"
    "    <Stacks>\n"
    "      <member><StackName>one</StackName><Tags><member><Key>a</Key></member></Tags></member>\n"
    "      <member><StackName>two</StackName></member>\n"
    "      <member><StackName>three &amp; more</StackName></member>\n"
    "    </Stacks>\n"
    "  </DescribeStacksResult>\n"
    "  <ResponseMetadata><RequestId>abc-123</RequestId></ResponseMetadata>\n"
    "</DescribeStacksResponse>\n";

C1_TEST(find_by_local_name_path)
{
	xmlDoc *doc = NULL;
	C1_CHECK_INT(c1_xml_parse(&doc, C1_STR(s_stacks), 0), ==, 0);
	xmlNode *root = c1_xml_root(doc);
	C1_CHECK_STR(c1_xml_name(root), "DescribeStacksResponse");
	char *rid = c1_xml_text(root, "ResponseMetadata/RequestId");
	C1_CHECK_STR(rid, "abc-123");
	free(rid);
	/* The first step may be the start node itself. */
	char *same = c1_xml_text(root, "DescribeStacksResponse/ResponseMetadata/RequestId");
	C1_CHECK_STR(same, "abc-123");
	free(same);
	C1_CHECK(c1_xml_find(root, "Stacks/Nope") == NULL);
	C1_CHECK(c1_xml_text(root, "Missing") == NULL);
	C1_CHECK(c1_xml_find(NULL, "Stacks") == NULL);
	/* Descendant search backtracks: the first "member" with a Key child is nested. */
	char *key = c1_xml_text(root, "member/Key");
	C1_CHECK_STR(key, "a");
	free(key);
	c1_xml_free(doc);
}

C1_TEST(iterate_member_list)
{
	xmlDoc *doc = NULL;
	const char *want[] = {"one", "two", "three & more"};
	size_t n = 0;
	C1_CHECK_INT(c1_xml_parse(&doc, C1_STR(s_stacks), 0), ==, 0);
	xmlNode *stacks = c1_xml_find(c1_xml_root(doc), "DescribeStacksResult/Stacks");
	for (xmlNode *m = c1_xml_child(stacks, "member"); m; m = c1_xml_next(m)) {
		char *name = c1_xml_text(m, "StackName");
		C1_CHECK(n < 3);
		C1_CHECK_STR(name, want[n]);
		free(name);
		n++;
	}
	C1_CHECK_INT(n, ==, 3);
	C1_CHECK(c1_xml_child(NULL, "member") == NULL);
	C1_CHECK(c1_xml_next(NULL) == NULL);
	c1_xml_free(doc);
}

C1_TEST(namespaced_prefixes_are_ignored)
{
	xmlDoc *doc = NULL;
	const char *text =
	    "<a:Root xmlns:a=\"urn:a\" xmlns:b=\"urn:b\"><b:Inner><a:Leaf>v</a:Leaf></b:Inner></a:Root>";
	C1_CHECK_INT(c1_xml_parse(&doc, c1_str_from(text), 0), ==, 0);
	char *v = c1_xml_text(c1_xml_root(doc), "Inner/Leaf");
	C1_CHECK_STR(v, "v");
	free(v);
	c1_xml_free(doc);
}

C1_TEST(doctype_and_entities_refused)
{
	xmlDoc *doc = NULL;
	const char *xxe = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
			  "<r>&x;</r>";
	C1_CHECK_INT(c1_xml_parse(&doc, c1_str_from(xxe), 0), ==, C1_EINVALID);
	C1_CHECK(doc == NULL);
	C1_CHECK_CONTAINS(c1_error_last(), "DOCTYPE");
	const char *lol =
	    "<!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]><l>&b;</l>";
	C1_CHECK_INT(c1_xml_parse(&doc, c1_str_from(lol), 0), ==, C1_EINVALID);
	C1_CHECK(doc == NULL);
}

C1_TEST(malformed_empty_and_oversized)
{
	xmlDoc *doc = NULL;
	C1_CHECK_INT(c1_xml_parse(&doc, C1_STR("<a><b></a>"), 0), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), "not well-formed XML");
	C1_CHECK_INT(c1_xml_parse(&doc, C1_STR(""), 0), ==, C1_EINVALID);
	C1_CHECK_INT(c1_xml_parse(&doc, C1_STR("just text"), 0), ==, C1_EINVALID);
	C1_CHECK_INT(c1_xml_parse(&doc, C1_STR(s_stacks), 100), ==, C1_ETOOBIG);
	C1_CHECK(doc == NULL);
}

C1_TEST(take_secret_wipes_document_copy)
{
	xmlDoc *doc = NULL;
	struct c1_secret secret = C1_SECRET_INIT;
	const char *text = "<R><Credentials><SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
			   "</SecretAccessKey><Empty/></Credentials></R>";
	C1_CHECK_INT(c1_xml_parse(&doc, c1_str_from(text), 0), ==, 0);
	xmlNode *root = c1_xml_root(doc);
	C1_CHECK_INT(c1_xml_take_secret(&secret, root, "Credentials/SecretAccessKey"), ==, 0);
	C1_CHECK_STR(c1_secret_reveal(&secret), "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");
	char *left = c1_xml_text(root, "Credentials/SecretAccessKey");
	C1_CHECK(left != NULL);
	C1_CHECK_NOT_CONTAINS(left, "wJalr");
	free(left);
	C1_CHECK_INT(c1_xml_take_secret(&secret, root, "Credentials/Empty"), ==, C1_ENOTFOUND);
	C1_CHECK_INT(c1_xml_take_secret(&secret, root, "Credentials/Missing"), ==, C1_ENOTFOUND);
	c1_secret_dispose(&secret);
	c1_xml_free(doc);
}

/* An AWS answer nested 10,000 deep is refused with a message (libxml2's depth limit, kept by not
 * passing XML_PARSE_HUGE), never a crash. */
C1_TEST(nesting_10000_deep_is_refused)
{
	const size_t depth = 10000;
	char *text = c1_malloc(depth * 7 + 16);
	xmlDoc *doc = NULL;
	size_t n = 0;
	for (size_t i = 0; i < depth; i++) {
		memcpy(text + n, "<a>", 3);
		n += 3;
	}
	for (size_t i = 0; i < depth; i++) {
		memcpy(text + n, "</a>", 4);
		n += 4;
	}
	C1_CHECK_INT(c1_xml_parse(&doc, (struct c1_str){text, n}, 0), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), "not well-formed XML");
	C1_CHECK(doc == NULL);
	free(text);
}
