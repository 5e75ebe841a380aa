#include "engine/core/sha256.h"

#include "engine/core/error.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

static void s_to_hex(char out[C1_SHA256_HEX_SIZE], const unsigned char *md, unsigned int md_len)
{
	static const char digits[] = "0123456789abcdef";
	for (unsigned int i = 0; i < md_len && i < 32; i++) {
		out[2 * i] = digits[md[i] >> 4];
		out[2 * i + 1] = digits[md[i] & 0x0f];
	}
	out[64] = '\0';
}

int c1_sha256_hex(char out[C1_SHA256_HEX_SIZE], const void *data, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	out[0] = '\0';
	if (!EVP_Digest(data ? data : "", len, md, &md_len, EVP_sha256(), NULL) || md_len != 32) {
		c1_error_set("SHA-256 failed inside OpenSSL");
		return C1_ERROR;
	}
	s_to_hex(out, md, md_len);
	return 0;
}

int c1_sha256_file_hex(char out[C1_SHA256_HEX_SIZE], const char *path)
{
	int rc = C1_ERROR;
	FILE *f = NULL;
	EVP_MD_CTX *ctx = NULL;
	unsigned char chunk[64 * 1024];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;

	out[0] = '\0';
	f = fopen(path, "rb");
	if (!f) {
		rc = errno == ENOENT ? C1_ENOTFOUND : C1_ERROR;
		c1_error_set("cannot read %s to hash it: %s", path, strerror(errno));
		goto cleanup;
	}
	ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		c1_error_set("SHA-256 failed inside OpenSSL while hashing %s", path);
		goto cleanup;
	}
	for (;;) {
		size_t n = fread(chunk, 1, sizeof(chunk), f);
		if (n > 0 && !EVP_DigestUpdate(ctx, chunk, n)) {
			c1_error_set("SHA-256 failed inside OpenSSL while hashing %s", path);
			goto cleanup;
		}
		if (n < sizeof(chunk))
			break;
	}
	if (ferror(f)) {
		c1_error_set("read error while hashing %s", path);
		goto cleanup;
	}
	if (!EVP_DigestFinal_ex(ctx, md, &md_len) || md_len != 32) {
		c1_error_set("SHA-256 failed inside OpenSSL while hashing %s", path);
		goto cleanup;
	}
	s_to_hex(out, md, md_len);
	rc = 0;
cleanup:
	EVP_MD_CTX_free(ctx);
	if (f)
		fclose(f);
	return rc;
}
