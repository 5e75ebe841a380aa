/* Fuzz target for error replies (engine/net/api_error.c): any status, headers and body of any
 * of the five body kinds must give a bounded, printable, secret-free error and never fail. The
 * input is one HTTP answer (fuzz_response.h); its selector picks the body kind. */
#include "fuzz_response.h"

#include "engine/net/api_error.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void s_check_text(const char *field, const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	if (n == cap) {
		fprintf(stderr, "%s not terminated\n", field);
		abort();
	}
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)s[i] < 0x20) {
			fprintf(stderr, "%s holds control byte 0x%02x\n", field, (unsigned char)s[i]);
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum c1_api_body_kind kinds[] = {C1_API_BODY_AWS_QUERY_XML, C1_API_BODY_AWS_S3_XML,
						      C1_API_BODY_AWS_JSON, C1_API_BODY_CLOUDONE_JSON,
						      C1_API_BODY_VISIONONE_JSON};
	struct fuzz_response answer;
	struct c1_api_error err = C1_API_ERROR_INIT;
	char text[1024];

	fuzz_response_parse(&answer, data, size);
	c1_api_error_from_response(&err, kinds[answer.selector % 5], answer.status, &answer.headers,
				   answer.body);
	s_check_text("code", err.code, sizeof(err.code));
	s_check_text("message", err.message, sizeof(err.message));
	s_check_text("request_id", err.request_id, sizeof(err.request_id));
	s_check_text("bucket_region", err.bucket_region, sizeof(err.bucket_region));
	if (err.retry_after_ms < -1)
		abort();
	c1_api_error_format(&err, text, sizeof(text));

	/* The header parsers on their own, over every value the input carries. */
	for (size_t i = 0; i < answer.headers.count; i++) {
		const char *v = answer.headers.items[i].value;
		(void)c1_api_parse_retry_after_ms(v, 1700000000000);
		(void)c1_api_parse_http_date_ms(v);
	}
	c1_api_error_sanitize(text, 1 + answer.selector % sizeof(text), answer.body);
	s_check_text("sanitized", text, sizeof(text));
	fuzz_response_dispose(&answer);
	return 0;
}
