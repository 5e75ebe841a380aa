/* Checked number parsing for untrusted text (command lines, headers, files):
 * the whole string must be a plain decimal within the caller's bounds. */
#ifndef C1_CORE_PARSE_H
#define C1_CORE_PARSE_H

/**
 * Parse `s` as an unsigned decimal (digits only: no sign, no spaces, no
 * trailing text) within [min, max] into *out. Returns 0, or C1_EINVALID
 * with *out untouched. Sets no error message: callers know the context.
 */
int c1_parse_long(long *out, const char *s, long min, long max);

#endif
