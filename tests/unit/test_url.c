/* URL parsing, the loopback rule for plain http, and RFC 3986 encoding. */
#include "harness.h"

#include "engine/core/error.h"
#include "engine/net/url.h"

#include <stdlib.h>

C1_TEST(parse_https_defaults)
{
	struct c1_url u = C1_URL_INIT;
	C1_CHECK_INT(c1_url_parse(&u, "HTTPS://Accounts.CloudOne.TrendMicro.com"), ==, 0);
	C1_CHECK_STR(u.scheme, "https");
	C1_CHECK_STR(u.host, "accounts.cloudone.trendmicro.com");
	C1_CHECK_INT(u.port, ==, 443);
	C1_CHECK(!u.port_explicit);
	C1_CHECK_STR(u.path, "/");
	C1_CHECK(u.query == NULL);
	c1_url_dispose(&u);
	c1_url_dispose(&u); /* twice is fine */
}

C1_TEST(parse_port_path_query_fragment)
{
	struct c1_url u = C1_URL_INIT;
	C1_CHECK_INT(c1_url_parse(&u, "http://127.0.0.1:8080/api/apikeys?limit=5&cursor=a%2Fb#frag"), ==, 0);
	C1_CHECK_STR(u.scheme, "http");
	C1_CHECK_STR(u.host, "127.0.0.1");
	C1_CHECK_INT(u.port, ==, 8080);
	C1_CHECK(u.port_explicit);
	C1_CHECK_STR(u.path, "/api/apikeys");
	C1_CHECK_STR(u.query, "limit=5&cursor=a%2Fb");
	c1_url_dispose(&u);

	C1_CHECK_INT(c1_url_parse(&u, "http://localhost?x=1"), ==, 0);
	C1_CHECK_STR(u.path, "/");
	C1_CHECK_STR(u.query, "x=1");
	C1_CHECK_INT(u.port, ==, 80);
	c1_url_dispose(&u);

	C1_CHECK_INT(c1_url_parse(&u, "https://h/p?"), ==, 0);
	C1_CHECK_STR(u.query, "");
	c1_url_dispose(&u);
}

C1_TEST(parse_ipv6_brackets)
{
	struct c1_url u = C1_URL_INIT;
	C1_CHECK_INT(c1_url_parse(&u, "http://[::1]:9000/x"), ==, 0);
	C1_CHECK_STR(u.host, "::1");
	C1_CHECK_INT(u.port, ==, 9000);
	C1_CHECK_STR(u.path, "/x");
	c1_url_dispose(&u);

	C1_CHECK_INT(c1_url_parse(&u, "https://[2001:DB8::1]"), ==, 0);
	C1_CHECK_STR(u.host, "2001:db8::1");
	C1_CHECK_INT(u.port, ==, 443);
	c1_url_dispose(&u);

	C1_CHECK_INT(c1_url_parse(&u, "http://[::1/x"), ==, C1_EINVALID);
	C1_CHECK_INT(c1_url_parse(&u, "http://[::1]x/"), ==, C1_EINVALID);
	C1_CHECK_INT(c1_url_parse(&u, "http://[zz::1]/"), ==, C1_EINVALID);
	C1_CHECK_INT(c1_url_parse(&u, "http://[]/"), ==, C1_EINVALID);
	C1_CHECK(u.host == NULL); /* untouched on failure */
}

C1_TEST(parse_rejects_bad_urls)
{
	struct c1_url u = C1_URL_INIT;
	const char *bad[] = {"",
			     "example.com/path",
			     "/relative",
			     "ftp://example.com/",
			     "file:///etc/passwd",
			     "https://",
			     "https:///path",
			     "https://host:/",
			     "https://host:0/",
			     "https://host:65536/",
			     "https://host:123456/",
			     "https://host:8x/",
			     "https://ho st/",
			     "https://host/pa th",
			     "https://ho%41st/",
			     "https://host\n/",
			     "https://h\xc3\xa9/"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (c1_url_parse(&u, bad[i]) != C1_EINVALID)
			c1_test_fail(__FILE__, __LINE__, "accepted bad URL #%zu '%s'", i, bad[i]);
		C1_CHECK(strlen(c1_error_last()) > 0);
	}
	C1_CHECK_INT(c1_url_parse(&u, NULL), ==, C1_EINVALID);
}

C1_TEST(parse_refuses_userinfo_without_echoing_it)
{
	struct c1_url u = C1_URL_INIT;
	C1_CHECK_INT(c1_url_parse(&u, "https://AKIDEXAMPLE:s3cr3tValue@example.com/"), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), "user info");
	C1_CHECK_NOT_CONTAINS(c1_error_last(), "s3cr3tValue");
	/* '@' in the path or query is not userinfo. */
	C1_CHECK_INT(c1_url_parse(&u, "https://example.com/a@b?c=d@e"), ==, 0);
	C1_CHECK_STR(u.host, "example.com");
	c1_url_dispose(&u);
}

C1_TEST(error_message_hides_query)
{
	struct c1_url u = C1_URL_INIT;
	C1_CHECK_INT(c1_url_parse(&u, "gopher://bucket.s3.amazonaws.com/k?X-Amz-Signature=deadbeef"), ==,
		     C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), "gopher");
	C1_CHECK_NOT_CONTAINS(c1_error_last(), "deadbeef");
}

C1_TEST(loopback_hosts)
{
	C1_CHECK(c1_url_host_is_loopback("localhost"));
	C1_CHECK(c1_url_host_is_loopback("LOCALHOST"));
	C1_CHECK(c1_url_host_is_loopback("localhost."));
	C1_CHECK(c1_url_host_is_loopback("127.0.0.1"));
	C1_CHECK(c1_url_host_is_loopback("127.255.3.4"));
	C1_CHECK(c1_url_host_is_loopback("::1"));
	C1_CHECK(c1_url_host_is_loopback("[::1]"));
	C1_CHECK(c1_url_host_is_loopback("0:0:0:0:0:0:0:1"));

	C1_CHECK(!c1_url_host_is_loopback(NULL));
	C1_CHECK(!c1_url_host_is_loopback(""));
	C1_CHECK(!c1_url_host_is_loopback("128.0.0.1"));
	C1_CHECK(!c1_url_host_is_loopback("10.0.0.1"));
	C1_CHECK(!c1_url_host_is_loopback("0.0.0.0"));
	C1_CHECK(!c1_url_host_is_loopback("::"));
	C1_CHECK(!c1_url_host_is_loopback("::ffff:127.0.0.1"));
	C1_CHECK(!c1_url_host_is_loopback("127.0.0.1.evil.com"));
	C1_CHECK(!c1_url_host_is_loopback("localhost.evil.com"));
	C1_CHECK(!c1_url_host_is_loopback("evil-localhost"));
	C1_CHECK(!c1_url_host_is_loopback("127.1"));
	C1_CHECK(!c1_url_host_is_loopback("0x7f.0.0.1"));
}

C1_TEST(transport_rule)
{
	C1_CHECK_INT(c1_url_check_transport_allowed("https://cloudformation.us-east-1.amazonaws.com/"), ==,
		     0);
	C1_CHECK_INT(c1_url_check_transport_allowed("http://127.0.0.1:4566/"), ==, 0);
	C1_CHECK_INT(c1_url_check_transport_allowed("http://localhost:8080/api"), ==, 0);
	C1_CHECK_INT(c1_url_check_transport_allowed("http://[::1]:8080/api"), ==, 0);

	C1_CHECK_INT(c1_url_check_transport_allowed("http://sts.amazonaws.com/?Action=x"), ==, C1_EINVALID);
	C1_CHECK_CONTAINS(c1_error_last(), "sts.amazonaws.com");
	C1_CHECK_CONTAINS(c1_error_last(), "https");
	C1_CHECK_INT(c1_url_check_transport_allowed("http://10.0.0.5/"), ==, C1_EINVALID);
	C1_CHECK_INT(c1_url_check_transport_allowed("http://localhost.attacker.net/"), ==, C1_EINVALID);
	C1_CHECK_INT(c1_url_check_transport_allowed("ftp://localhost/"), ==, C1_EINVALID);
	C1_CHECK_INT(c1_url_check_transport_allowed("not a url"), ==, C1_EINVALID);
}

C1_TEST(encode_rfc3986)
{
	char *e = c1_url_encode("AZaz09-_.~ /+=&?%\xc3\xa9", true);
	C1_CHECK_STR(e, "AZaz09-_.~%20%2F%2B%3D%26%3F%25%C3%A9");
	free(e);
	e = c1_url_encode("a b/c", false);
	C1_CHECK_STR(e, "a%20b/c");
	free(e);
	e = c1_url_encode("", true);
	C1_CHECK_STR(e, "");
	free(e);
}

C1_TEST(decode_roundtrip_and_malformed)
{
	const char *orig = "key=va lue/\xc3\xa9&x~";
	char *e = c1_url_encode(orig, true);
	char *d = c1_url_decode(e, false);
	C1_CHECK_STR(d, orig);
	free(e);
	free(d);

	d = c1_url_decode("a+b%2bc", true);
	C1_CHECK_STR(d, "a b+c");
	free(d);
	d = c1_url_decode("a+b", false);
	C1_CHECK_STR(d, "a+b");
	free(d);
	d = c1_url_decode("100%", false);
	C1_CHECK_STR(d, "100%");
	free(d);
	d = c1_url_decode("%4", false);
	C1_CHECK_STR(d, "%4");
	free(d);
	d = c1_url_decode("%zz%41", false);
	C1_CHECK_STR(d, "%zzA");
	free(d);
}

/* Plain http only to loopback; the AWS metadata hosts only for the metadata credential requests
 * (an endpoint_url or C1_ENDPOINT_URL naming one is refused like any other host). */
C1_TEST(metadata_hosts_are_plain_http_only_for_metadata_requests)
{
	C1_CHECK_INT(c1_url_check_transport_allowed("http://169.254.169.254/latest/api/token"), ==,
		     C1_EINVALID);
	C1_CHECK_INT(c1_url_check_transport_allowed("http://169.254.170.2/v2/credentials"), ==, C1_EINVALID);
	C1_CHECK_INT(c1_url_check_metadata_transport_allowed("http://169.254.169.254/latest/api/token"), ==,
		     0);
	C1_CHECK_INT(c1_url_check_metadata_transport_allowed("http://169.254.170.2/v2/credentials"), ==, 0);
	C1_CHECK_INT(c1_url_check_metadata_transport_allowed("http://10.0.0.1/x"), ==, C1_EINVALID);
	C1_CHECK_INT(c1_url_check_metadata_transport_allowed("http://127.0.0.1:8080/x"), ==, 0);
	C1_CHECK_INT(c1_url_check_transport_allowed("https://169.254.169.254/x"), ==, 0);
}
