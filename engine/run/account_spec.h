/* What the engine is given for one account: the values of its spreadsheet
 * row that onboarding acts on. Strings are borrowed from the caller, who
 * keeps them for the whole run; secrets are never here (the tenant holds
 * them, resolved). */
#ifndef C1_RUN_ACCOUNT_SPEC_H
#define C1_RUN_ACCOUNT_SPEC_H

#include <stdbool.h>
#include <stddef.h>

/* CloudFormation allows 50 tags per stack; c1onboard adds c1onboard:account and c1onboard:run. */
#define C1_ACCOUNT_MAX_TAGS 48

/** A key/value pair (borrowed strings). */
struct c1_kv {
	const char *key;
	const char *value;
};

struct c1_account_spec {
	size_t line; /* spreadsheet line, for messages */
	const char *account_id;
	const char *name; /* "" when none */
	const char *profile;
	const char *region; /* "" = the Cloud One API key's region */
	const char *bucket; /* "" when create_new_trail */
	bool create_new_trail;
	const char *stack_name;
	const struct c1_kv *tags;
	size_t tag_count;
};

#endif
