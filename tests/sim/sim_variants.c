/* Variants: for each thing the api-reference marks UNCONFIRMED (and each
 * "Guessed" cell of docs/sim-trend.md) that a client's correctness depends
 * on, every plausible server behaviour, selectable at start. The first value
 * of each is c1sim's default pick. Tests run c1onboard against each value
 * (tests/integration/engine_variants.py): a client must be right in every
 * world public material allows, not only in c1sim's. */
#include "sim.h"

#include "engine/core/rand.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define S_MAX_VALUES 6

struct s_variant {
	const char *name;
	const char *values[S_MAX_VALUES]; /* NULL-terminated; [0] is the default */
	const char *about;
	int current;
};

static struct s_variant s_variants[] = {
    {"v1_list",
     {"full", "no_account_id", "minimal", "without_scc", "late", NULL},
     "Vision One GET /v2.0/xdr/portal/connectors: entries with cloudOneAccountId (full); without it "
     "(no_account_id); only the documented productId, isConnected, status (minimal); Cloud One "
     "(scc) links never listed (without_scc); a new link listed with isConnected false twice first (late)",
     0},
    {"c1_connector_get",
     {"404", "405", "200_unknown", NULL},
     "Cloud One GET visionone-connect /api/connectors (no public source shows it): 404 when not "
     "linked (404); the route does not exist (405); always 200 with a registration.status that does "
     "not say linked (200_unknown)",
     0},
    {"v1_connect_status",
     {"registered", "connected", "pending", NULL},
     "registration.status in the reply of POST visionone-connect /api/connectors",
     0},
    {"v1_reenroll",
     {"idempotent", "refused", NULL},
     "POST visionone-connect /api/connectors for a Cloud One account already linked to the same "
     "Vision One tenant: 200 with the existing registration, or 400",
     0},
    {"ws_duplicate",
     {"second", "400", "409", NULL},
     "POST /api/awsconnectors for an AWS account that has a connector: a second connector, 400 or 409",
     0},
    {"ca_duplicate",
     {"409", "400", "200_existing", NULL},
     "POST /api/cloudaccounts/aws for an AWS account already registered: 409, 400, or 200 with the "
     "existing record",
     0},
    {"delete_status",
     {"204", "200", NULL},
     "DELETE /api/awsconnectors/{id} and /api/cloudaccounts/aws/{id}: 204 without a body or 200 with {}",
     0},
    {"ca_page_size",
     {"25", "1", "100", NULL},
     "GET /api/cloudaccounts/aws: the default page size (25: up to 100 on request; 1 and 100: also the "
     "largest page)",
     0},
    {"retry_after",
     {"seconds", "http_date", "absent", NULL},
     "Retry-After on a throttled Cloud One or Vision One answer (429)",
     0},
    {"error_body",
     {"message", "error_message", "text", NULL},
     "Cloud One error bodies: {\"message\"}, {\"error\": {\"message\"}} or plain text",
     0},
};

#define S_COUNT (sizeof(s_variants) / sizeof(s_variants[0]))

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;

static struct s_variant *s_find(const char *name)
{
	for (size_t i = 0; i < S_COUNT; i++)
		if (strcmp(s_variants[i].name, name) == 0)
			return &s_variants[i];
	return NULL;
}

static int s_value_index(const struct s_variant *v, const char *value)
{
	for (int i = 0; i < S_MAX_VALUES && v->values[i]; i++)
		if (strcmp(v->values[i], value) == 0)
			return i;
	return -1;
}

static int s_value_count(const struct s_variant *v)
{
	int n = 0;
	while (n < S_MAX_VALUES && v->values[n])
		n++;
	return n;
}

int sim_variant_set(const char *name, const char *value, char *err, size_t err_len)
{
	struct s_variant *v = s_find(name);
	if (!v) {
		snprintf(err, err_len, "unknown variant \"%s\" (c1sim variants lists them)", name);
		return -1;
	}
	int k = s_value_index(v, value);
	if (k < 0) {
		snprintf(err, err_len, "variant %s has no value \"%s\" (c1sim variants lists them)", name,
			 value);
		return -1;
	}
	pthread_mutex_lock(&s_lock);
	v->current = k;
	pthread_mutex_unlock(&s_lock);
	return 0;
}

void sim_variants_randomize(uint64_t seed)
{
	struct c1_rand_xoshiro r;
	c1_rand_xoshiro_init(&r, seed);
	pthread_mutex_lock(&s_lock);
	for (size_t i = 0; i < S_COUNT; i++) {
		int k = (int)(c1_rand_next(&r.base) * s_value_count(&s_variants[i]));
		s_variants[i].current = k < s_value_count(&s_variants[i]) ? k : 0;
	}
	pthread_mutex_unlock(&s_lock);
	c1_rand_xoshiro_dispose(&r);
}

const char *sim_variant(const char *name)
{
	struct s_variant *v = s_find(name);
	if (!v)
		return "";
	pthread_mutex_lock(&s_lock);
	const char *value = v->values[v->current];
	pthread_mutex_unlock(&s_lock);
	return value;
}

bool sim_variant_is(const char *name, const char *value)
{
	return strcmp(sim_variant(name), value) == 0;
}

void sim_variants_print(FILE *out)
{
	for (size_t i = 0; i < S_COUNT; i++) {
		const struct s_variant *v = &s_variants[i];
		fprintf(out, "%s=", v->name);
		for (int k = 0; k < S_MAX_VALUES && v->values[k]; k++)
			fprintf(out, "%s%s%s", k ? "|" : "", v->values[k], k == 0 ? " (default)" : "");
		fprintf(out, "\n    %s\n", v->about);
	}
}

void sim_variants_dump(json_t *state)
{
	json_t *o = json_object();
	for (size_t i = 0; i < S_COUNT; i++)
		json_object_set_new(o, s_variants[i].name, json_string(sim_variant(s_variants[i].name)));
	json_object_set_new(state, "variants", o);
}
