/* "Did you mean": the nearest of a set of names to a mistyped one, by edit distance
 * (optimal string alignment: insert, delete, substitute, swap two neighbours). Used for
 * spreadsheet columns, commands and options. */
#ifndef C1_CORE_SUGGEST_H
#define C1_CORE_SUGGEST_H

#include <stddef.h>

#define C1_SUGGEST_MAX 64 /* longer names are never compared */

/** Edit distance of a[0..la) and b[0..lb), ASCII case-insensitive; SIZE_MAX when either is
 *  longer than C1_SUGGEST_MAX. */
size_t c1_suggest_distance(const char *a, size_t la, const char *b, size_t lb);

/** The candidate nearest to `word` (NULL-terminated list), or NULL when none is within a
 *  plausible typo: distance at most max(2, length / 3) of the candidate. */
const char *c1_suggest_nearest(const char *word, const char *const *candidates);

#endif
