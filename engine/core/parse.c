#include "engine/core/parse.h"

#include "engine/core/error.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

int c1_parse_long(long *out, const char *s, long min, long max)
{
	/* strtol alone would accept leading spaces and a sign. */
	if (!s || !isdigit((unsigned char)s[0]))
		return C1_EINVALID;
	errno = 0;
	char *end = NULL;
	long v = strtol(s, &end, 10);
	if (errno || *end != '\0' || v < min || v > max)
		return C1_EINVALID;
	*out = v;
	return 0;
}
