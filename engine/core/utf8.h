/* UTF-8 well-formedness (RFC 3629: no overlongs, no surrogates, nothing past
 * U+10FFFF), for text from spreadsheets and APIs that must be rendered or
 * refused, never passed on broken. */
#ifndef C1_CORE_UTF8_H
#define C1_CORE_UTF8_H

#include <stddef.h>

/**
 * Length (1-4) of the well-formed UTF-8 sequence at `p`, or 0 when it is not
 * one. At most `avail` bytes are read; pass SIZE_MAX for a NUL-terminated
 * string (a NUL ends any sequence, as it is no continuation byte).
 */
size_t c1_utf8_seq_len(const unsigned char *p, size_t avail);

#endif
