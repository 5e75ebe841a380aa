#include "engine/core/suggest.h"

#include <stdint.h>
#include <string.h>

static char s_fold(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

size_t c1_suggest_distance(const char *a, size_t la, const char *b, size_t lb)
{
	enum { W = C1_SUGGEST_MAX + 1 };
	size_t d[W * W];
	if (la > C1_SUGGEST_MAX || lb > C1_SUGGEST_MAX)
		return SIZE_MAX;
	for (size_t i = 0; i <= la; i++)
		d[i * W] = i;
	for (size_t j = 0; j <= lb; j++)
		d[j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			char ai = s_fold(a[i - 1]), bj = s_fold(b[j - 1]);
			size_t best = d[(i - 1) * W + j] + 1;
			if (d[i * W + j - 1] + 1 < best)
				best = d[i * W + j - 1] + 1;
			if (d[(i - 1) * W + j - 1] + (ai == bj ? 0 : 1) < best)
				best = d[(i - 1) * W + j - 1] + (ai == bj ? 0 : 1);
			if (i > 1 && j > 1 && ai == s_fold(b[j - 2]) && s_fold(a[i - 2]) == bj &&
			    d[(i - 2) * W + j - 2] + 1 < best)
				best = d[(i - 2) * W + j - 2] + 1;
			d[i * W + j] = best;
		}
	}
	return d[la * W + lb];
}

const char *c1_suggest_nearest(const char *word, const char *const *candidates)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX, wlen = strlen(word);
	for (const char *const *c = candidates; *c; c++) {
		size_t clen = strlen(*c);
		size_t dist = c1_suggest_distance(word, wlen, *c, clen);
		size_t limit = clen / 3 > 2 ? clen / 3 : 2;
		if (dist <= limit && dist < best_d) {
			best = *c;
			best_d = dist;
		}
	}
	return best;
}
