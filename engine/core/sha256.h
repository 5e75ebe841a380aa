/* SHA-256 digests as lowercase hex (OpenSSL EVP): the input spreadsheet's
 * fingerprint recorded in the state store and report.json (run.input_sha256). */
#ifndef C1_CORE_SHA256_H
#define C1_CORE_SHA256_H

#include <stddef.h>

#define C1_SHA256_HEX_SIZE 65 /* 64 hex digits + NUL */

/** Hex digest of `len` bytes at `data` into `out`. Returns 0, or C1_ERROR if OpenSSL fails. Thread-safe. */
int c1_sha256_hex(char out[C1_SHA256_HEX_SIZE], const void *data, size_t len);

/**
 * Hex digest of the file at `path`, read in chunks (any size). Returns 0,
 * C1_ENOTFOUND when the file does not exist, or C1_ERROR (unreadable, I/O
 * error) with a message naming the path. `out` is "" on failure. Thread-safe.
 */
int c1_sha256_file_hex(char out[C1_SHA256_HEX_SIZE], const char *path);

#endif
