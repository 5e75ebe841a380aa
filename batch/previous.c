/* Earlier statuses from the state store, sorted by "account|region" for bsearch. */
#include "batch/previous.h"

#include "engine/core/alloc.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct c1_previous_pair {
	char *key;
	char *status;
};

static void s_add(void *payload, const char *account_id, const char *region, const char *status)
{
	struct c1_previous *p = payload;
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 256;
		p->items = c1_realloc(p->items, p->cap * sizeof(*p->items));
	}
	p->items[p->n++] =
	    (struct c1_previous_pair){c1_asprintf("%s|%s", account_id, region), c1_strdup(status)};
}

static int s_cmp(const void *a, const void *b)
{
	return strcmp(((const struct c1_previous_pair *)a)->key, ((const struct c1_previous_pair *)b)->key);
}

int c1_previous_load(struct c1_previous *p, struct c1_state *state, const char *run_id)
{
	int rc = c1_state_previous_statuses(state, run_id, s_add, p);
	if (rc == 0 && p->n)
		qsort(p->items, p->n, sizeof(*p->items), s_cmp);
	return rc;
}

const char *c1_previous_status(const struct c1_previous *p, const char *account_id, const char *region)
{
	char *key = c1_asprintf("%s|%s", account_id, region ? region : "");
	struct c1_previous_pair probe = {key, NULL};
	const struct c1_previous_pair *hit =
	    p->n ? bsearch(&probe, p->items, p->n, sizeof(*p->items), s_cmp) : NULL;
	free(key);
	return hit ? hit->status : NULL;
}

/* Onboarded then found in sync is no change for a reviewer; everything else compares as is. */
static bool s_in_place(const char *status)
{
	return strcmp(status, "succeeded") == 0 || strcmp(status, "unchanged") == 0;
}

const char *c1_previous_changed(const char *before, const char *now)
{
	if (!before)
		return "new";
	if (now && (strcmp(before, now) == 0 || (s_in_place(before) && s_in_place(now))))
		return "no";
	return "yes";
}

void c1_previous_dispose(struct c1_previous *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->items[i].key);
		free(p->items[i].status);
	}
	free(p->items);
	p->items = NULL;
	p->n = p->cap = 0;
}
