#include "harness.h"

#include "engine/core/error.h"
#include "engine/core/sha256.h"

#include <stdio.h>
#include <string.h>

C1_TEST(known_vectors)
{
	char hex[C1_SHA256_HEX_SIZE];
	C1_CHECK_INT(c1_sha256_hex(hex, "", 0), ==, 0);
	C1_CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	C1_CHECK_INT(c1_sha256_hex(hex, "abc", 3), ==, 0);
	C1_CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

C1_TEST(file_matches_buffer_across_chunks)
{
	static char big[200000];
	char want[C1_SHA256_HEX_SIZE];
	char got[C1_SHA256_HEX_SIZE];
	const char *path;
	for (size_t i = 0; i < sizeof(big) - 1; i++)
		big[i] = (char)('a' + i % 26);
	path = c1_test_write_file("accounts.csv", big, 0600);
	C1_CHECK_INT(c1_sha256_hex(want, big, strlen(big)), ==, 0);
	C1_CHECK_INT(c1_sha256_file_hex(got, path), ==, 0);
	C1_CHECK_STR(got, want);
}

C1_TEST(missing_file_is_not_found)
{
	char hex[C1_SHA256_HEX_SIZE];
	char path[512];
	snprintf(path, sizeof(path), "%s/none.csv", c1_test_tmpdir());
	C1_CHECK_INT(c1_sha256_file_hex(hex, path), ==, C1_ENOTFOUND);
	C1_CHECK_STR(hex, "");
	C1_CHECK_CONTAINS(c1_error_last(), "none.csv");
}
