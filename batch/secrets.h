/* Secret references: turns `env:VAR` and `file:PATH` into a struct c1_secret (refusing unsafe
 * files and multi-line values), and a store that resolves each distinct reference of a
 * spreadsheet once and checks the Cloud One key / Vision One token pairing on the values. */
#ifndef C1_BATCH_SECRETS_H
#define C1_BATCH_SECRETS_H

#include "batch/account.h"
#include "batch/csv_intake.h"
#include "engine/core/secret.h"

#define C1_SECRET_FILE_MAX ((size_t)64 * 1024)

/**
 * Resolve one reference into `out` (any old value is wiped first).
 * - `env:VAR`: the variable's value; unset or empty is an error.
 * - `file:PATH` (`~/` expands to $HOME): a regular file of at most 64 KiB with no group/other
 *   permission bits (mode 0600 or stricter), read through one descriptor (fstat on the open
 *   file, so a swap between check and read is not possible); one trailing newline is removed.
 * The value must be non-empty and one line (no control characters): it ends up in HTTP headers.
 * `where` says who asked (e.g. "accounts.csv:7 cloudone_api_key"); it goes into messages.
 * Returns 0, or C1_ECONFIG with c1_error_last() naming the reference and `where`, never the value.
 */
int c1_secret_resolve(struct c1_secret *out, const char *ref, const char *where);

/** Resolved references, each read once. Build it before the run starts; afterwards lookups of
 *  resolved references only read, so worker threads may share it. */
struct c1_secret_store;

struct c1_secret_store *c1_secret_store_new(void);
/** Wipe every secret and free the store. NULL is fine. */
void c1_secret_store_free(struct c1_secret_store *store);

/**
 * The secret for `ref`, resolved on first use (a failure is remembered too, so an unset
 * variable is read and reported once). `*out` is borrowed from the store and stays where it is
 * until the store is freed: later lookups add entries without moving earlier ones (tenants keep
 * their key and token pointers for the whole run). Returns 0 or the C1_ECONFIG of the first
 * resolution, with its message in c1_error_last().
 */
int c1_secret_store_get(struct c1_secret_store *store, const struct c1_secret **out, const char *ref,
			const char *where);

/**
 * Resolve the two references of every valid row of `list`. A reference that fails is reported
 * once (at the first row that uses it, or on line 0 when it came from --cloudone-api-key /
 * --visionone-token), and every row using it becomes invalid. Then rows whose Cloud One API
 * keys are the same value (even through different references) must have the same Vision One
 * token value (compared in constant time); the row that disagrees is reported, naming the
 * earlier line, and becomes invalid. Messages name references, never values.
 * Returns 0, or C1_ECONFIG when anything was reported.
 */
int c1_secret_store_resolve_rows(struct c1_secret_store *store, struct c1_account_list *list,
				 struct c1_intake_errors *errors);

#endif
