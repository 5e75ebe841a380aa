/* "Changed since the previous run": each account's status in the most recent
 * earlier run of the state store that had it, and the rule for what counts
 * as a change (succeeded then unchanged is none). results.csv and the run's
 * report both read it. */
#ifndef C1_BATCH_PREVIOUS_H
#define C1_BATCH_PREVIOUS_H

#include "engine/run/state.h"

#include <stddef.h>

struct c1_previous_pair;

struct c1_previous {
	struct c1_previous_pair *items; /* sorted by account|region */
	size_t n, cap;
};

#define C1_PREVIOUS_INIT   \
	{                  \
		NULL, 0, 0 \
	}

/** Load the statuses of the runs before `run_id`. 0, or the store's error. */
int c1_previous_load(struct c1_previous *prev, struct c1_state *state, const char *run_id);
/** The account's earlier status; NULL when no earlier run had it (it is new). */
const char *c1_previous_status(const struct c1_previous *prev, const char *account_id, const char *region);
/** "new" (no earlier status), "no" (the same outcome) or "yes". */
const char *c1_previous_changed(const char *before, const char *now);
void c1_previous_dispose(struct c1_previous *prev);

#endif
