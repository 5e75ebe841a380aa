/* The fault plan (SPEC 6): latency, token-bucket rate limits per AWS
 * service+account+region or per Cloud One / Vision One key, and rules that
 * inject errors or targeted stack/delete failures. One mutex guards the
 * plan, the rule hit counts and the buckets; every operation is short. */
#include "sim.h"

#include "engine/core/alloc.h"

#include <fnmatch.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_BUCKET_SLOTS 4096

struct s_rule {
	char *service;    /* glob, "*" when absent */
	char *route;      /* glob */
	char *account_id; /* exact; NULL = any */
	char *stack;      /* glob; NULL = any */
	char *effect;     /* "error", "throttle", "stack_fail", "delete_fail", "update_rollback_fail" */
	int status;
	char code[64];
	char message[256]; /* the error body's message; "" = the service's default */
	long times;
	double probability;
	long hits;
	int delay_ms; /* latency_spike: the extra delay */
	long after;   /* let this many matching requests pass before the rule may fire */
	long seen;
};

struct s_rate {
	char service[32];
	double per_second;
	double burst; /* bucket size; 0 = one second's worth (at least 1) */
};

struct s_token_bucket {
	char *key;
	double tokens;
	int64_t last_ms;
	struct s_token_bucket *next;
};

struct s_plan {
	int latency_ms;
	struct s_rate *rates;
	size_t rate_count;
	struct s_rule *rules;
	size_t rule_count;
};

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static struct s_plan s_current;
static struct s_token_bucket *s_buckets[S_BUCKET_SLOTS];

static const char *const s_rate_services[] = {"cloudone",       "visionone", "sts",
					      "cloudformation", "s3",        "cloudtrail"};
static const char *const s_effects[] = {
    "error",      "throttle",  "stack_fail",   "delete_fail", "update_rollback_fail",
    "lost_reply", "huge_body", "endless_body", "slow_body"};
/* Chaos effects damage the answer on its way out (sim_faults_spike_ms, sim_faults_damage). */
static const char *const s_chaos_effects[] = {"latency_spike", "reset", "truncated", "malformed"};

static void s_plan_dispose(struct s_plan *plan)
{
	for (size_t i = 0; i < plan->rule_count; i++) {
		free(plan->rules[i].service);
		free(plan->rules[i].route);
		free(plan->rules[i].account_id);
		free(plan->rules[i].stack);
		free(plan->rules[i].effect);
	}
	free(plan->rules);
	free(plan->rates);
	memset(plan, 0, sizeof(*plan));
}

static void s_buckets_clear(void)
{
	for (size_t i = 0; i < S_BUCKET_SLOTS; i++) {
		struct s_token_bucket *b = s_buckets[i];
		while (b) {
			struct s_token_bucket *next = b->next;
			free(b->key);
			free(b);
			b = next;
		}
		s_buckets[i] = NULL;
	}
}

static bool s_in(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

static char *s_opt_string(const json_t *obj, const char *key)
{
	const char *v = json_string_value(json_object_get(obj, key));
	return v ? c1_strdup(v) : NULL;
}

/* A latency spike without its size would be a silent no-op in a chaos plan. */
static int s_parse_chaos_rule(struct s_rule *rule, const json_t *obj, size_t index, char *err, size_t err_len)
{
	json_t *after = json_object_get(obj, "after");
	if (after && (!json_is_integer(after) || json_integer_value(after) < 0)) {
		snprintf(err, err_len,
			 "rules[%zu].after must be an integer >= 0 (matching requests let pass)", index);
		return -1;
	}
	rule->after = after ? (long)json_integer_value(after) : 0;
	json_t *delay = json_object_get(obj, "delay_ms");
	bool spike = strcmp(rule->effect, "latency_spike") == 0;
	if (!delay && !spike)
		return 0;
	if (!spike) {
		snprintf(err, err_len, "rules[%zu].delay_ms belongs to a latency_spike rule", index);
		return -1;
	}
	if (!json_is_integer(delay) || json_integer_value(delay) < 1 || json_integer_value(delay) > 60000) {
		snprintf(err, err_len,
			 "rules[%zu].delay_ms must be an integer 1..60000 (the spike's extra delay)", index);
		return -1;
	}
	rule->delay_ms = (int)json_integer_value(delay);
	return 0;
}

static int s_parse_rule(struct s_rule *rule, const json_t *obj, size_t index, char *err, size_t err_len)
{
	if (!json_is_object(obj)) {
		snprintf(err, err_len, "rules[%zu] must be an object", index);
		return -1;
	}
	const char *keys[] = {"service", "route", "account_id", "stack", "effect", "code", "message"};
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		json_t *v = json_object_get(obj, keys[k]);
		if (v && !json_is_string(v)) {
			snprintf(err, err_len, "rules[%zu].%s must be a string", index, keys[k]);
			return -1;
		}
	}
	rule->service = s_opt_string(obj, "service");
	rule->route = s_opt_string(obj, "route");
	rule->account_id = s_opt_string(obj, "account_id");
	rule->stack = s_opt_string(obj, "stack");
	rule->effect = s_opt_string(obj, "effect");
	if (!rule->effect ||
	    (!s_in(rule->effect, s_effects, sizeof(s_effects) / sizeof(s_effects[0])) &&
	     !s_in(rule->effect, s_chaos_effects, sizeof(s_chaos_effects) / sizeof(s_chaos_effects[0])))) {
		snprintf(err, err_len,
			 "rules[%zu].effect must be one of error, throttle, stack_fail, delete_fail, "
			 "update_rollback_fail, lost_reply, huge_body, endless_body, latency_spike, reset, "
			 "truncated, malformed",
			 index);
		return -1;
	}
	if (s_parse_chaos_rule(rule, obj, index, err, err_len) < 0)
		return -1;
	if (rule->account_id && strcmp(rule->account_id, "*") == 0) {
		free(rule->account_id);
		rule->account_id = NULL;
	}
	const char *code = json_string_value(json_object_get(obj, "code"));
	snprintf(rule->code, sizeof(rule->code), "%s", code ? code : "");
	const char *message = json_string_value(json_object_get(obj, "message"));
	snprintf(rule->message, sizeof(rule->message), "%s", message ? message : "");
	json_t *status = json_object_get(obj, "status");
	rule->status = 500;
	if (status) {
		if (!json_is_integer(status) || json_integer_value(status) < 400 ||
		    json_integer_value(status) > 599) {
			snprintf(err, err_len, "rules[%zu].status must be an HTTP error status 400..599",
				 index);
			return -1;
		}
		rule->status = (int)json_integer_value(status);
	}
	json_t *times = json_object_get(obj, "times");
	if (times && (!json_is_integer(times) || json_integer_value(times) < 0)) {
		snprintf(err, err_len, "rules[%zu].times must be an integer >= 0 (0 = always)", index);
		return -1;
	}
	rule->times = times ? (long)json_integer_value(times) : 0;
	json_t *prob = json_object_get(obj, "probability");
	rule->probability = 1.0;
	if (prob) {
		if (!json_is_number(prob) || json_number_value(prob) < 0 || json_number_value(prob) > 1) {
			snprintf(err, err_len, "rules[%zu].probability must be a number in 0..1", index);
			return -1;
		}
		rule->probability = json_number_value(prob);
	}
	return 0;
}

static int s_parse_plan(struct s_plan *out, const json_t *plan, char *err, size_t err_len)
{
	if (!json_is_object(plan)) {
		snprintf(err, err_len, "a fault plan must be a JSON object");
		return -1;
	}
	json_t *latency = json_object_get(plan, "latency_ms");
	if (latency) {
		if (!json_is_integer(latency) || json_integer_value(latency) < 0 ||
		    json_integer_value(latency) > 60000) {
			snprintf(err, err_len, "latency_ms must be an integer 0..60000");
			return -1;
		}
		out->latency_ms = (int)json_integer_value(latency);
	}
	json_t *rates = json_object_get(plan, "rate_limits");
	if (rates) {
		if (!json_is_object(rates)) {
			snprintf(err, err_len,
				 "rate_limits must be an object {\"service\": requests per second}");
			return -1;
		}
		out->rates = c1_calloc(json_object_size(rates) + 1, sizeof(*out->rates));
		const char *key;
		json_t *v;
		json_object_foreach((json_t *)rates, key, v)
		{
			if (!s_in(key, s_rate_services,
				  sizeof(s_rate_services) / sizeof(s_rate_services[0]))) {
				snprintf(
				    err, err_len,
				    "rate_limits: unknown service '%.40s' (use cloudone, visionone, sts, "
				    "cloudformation, s3 or cloudtrail)",
				    key);
				return -1;
			}
			/* 5, or {"per_second": 5, "burst": 10} */
			json_t *rate = json_is_object(v) ? json_object_get(v, "per_second") : v;
			json_t *burst = json_is_object(v) ? json_object_get(v, "burst") : NULL;
			if (!json_is_number(rate) || json_number_value(rate) <= 0 ||
			    (burst && (!json_is_number(burst) || json_number_value(burst) < 1))) {
				snprintf(
				    err, err_len,
				    "rate_limits.%s must be a positive number of requests per second, or "
				    "{\"per_second\": N, \"burst\": B} with B >= 1",
				    key);
				return -1;
			}
			struct s_rate *r = &out->rates[out->rate_count++];
			snprintf(r->service, sizeof(r->service), "%s", key);
			r->per_second = json_number_value(rate);
			r->burst = burst ? json_number_value(burst) : 0;
		}
	}
	json_t *rules = json_object_get(plan, "rules");
	if (rules) {
		if (!json_is_array(rules)) {
			snprintf(err, err_len, "rules must be an array");
			return -1;
		}
		out->rules = c1_calloc(json_array_size(rules) + 1, sizeof(*out->rules));
		for (size_t i = 0; i < json_array_size(rules); i++) {
			out->rule_count = i + 1; /* so dispose frees a half-parsed rule */
			if (s_parse_rule(&out->rules[i], json_array_get(rules, i), i, err, err_len) < 0)
				return -1;
		}
	}
	return 0;
}

int sim_faults_set(const json_t *plan, char *err, size_t err_len)
{
	struct s_plan next = {0};
	char scratch[8];
	if (!err) {
		err = scratch;
		err_len = sizeof(scratch);
	}
	if (plan && s_parse_plan(&next, plan, err, err_len) < 0) {
		s_plan_dispose(&next);
		return -1;
	}
	pthread_mutex_lock(&s_lock);
	s_plan_dispose(&s_current);
	s_current = next;
	s_buckets_clear();
	pthread_mutex_unlock(&s_lock);
	return 0;
}

int sim_faults_latency_ms(void)
{
	pthread_mutex_lock(&s_lock);
	int ms = s_current.latency_ms;
	pthread_mutex_unlock(&s_lock);
	return ms;
}

void sim_faults_dump(json_t *state)
{
	json_t *rates = json_object();
	pthread_mutex_lock(&s_lock);
	for (size_t i = 0; i < s_current.rate_count; i++) {
		const struct s_rate *r = &s_current.rates[i];
		double burst = r->burst > 0 ? r->burst : r->per_second < 1.0 ? 1.0 : r->per_second;
		json_object_set_new(rates, r->service,
				    json_pack("{s:f, s:f}", "per_second", r->per_second, "burst", burst));
	}
	json_t *hits = json_array();
	for (size_t i = 0; i < s_current.rule_count; i++)
		json_array_append_new(hits, json_integer(s_current.rules[i].hits));
	json_t *plan = json_pack("{s:i, s:o, s:I, s:o}", "latency_ms", s_current.latency_ms, "rate_limits",
				 rates, "rules", (json_int_t)s_current.rule_count, "rule_hits", hits);
	pthread_mutex_unlock(&s_lock);
	json_object_set_new(state, "fault_plan", plan);
}

static bool s_glob(const char *pattern, const char *s)
{
	if (!pattern || strcmp(pattern, "*") == 0)
		return true;
	return fnmatch(pattern, s ? s : "", 0) == 0;
}

static bool s_is_aws(const char *service)
{
	return strcmp(service, "sts") == 0 || strcmp(service, "cloudformation") == 0 ||
	       strcmp(service, "s3") == 0 || strcmp(service, "cloudtrail") == 0;
}

/* Does the request concern `account`? AWS: the caller's account. Cloud One
 * and Vision One requests name AWS accounts in their path or body, so a
 * rule naming an AWS account matches those too. */
static bool s_account_matches(const struct sim_request *req, const char *account)
{
	if (!account)
		return true;
	if (strcmp(req->account_id, account) == 0)
		return true;
	if (s_is_aws(req->service))
		return false;
	if (req->path && strstr(req->path, account))
		return true;
	size_t n = strlen(account);
	for (size_t i = 0; n > 0 && i + n <= req->body.len; i++)
		if (memcmp(req->body.ptr + i, account, n) == 0)
			return true;
	return false;
}

/* Count and draw for a rule whose filters matched; caller holds s_lock. */
static bool s_fire(struct s_rule *rule)
{
	/* "after" orders faults on one route: a later try can fail differently. */
	if (rule->seen < rule->after) {
		rule->seen++;
		return false;
	}
	if (rule->times > 0 && rule->hits >= rule->times)
		return false;
	if (rule->probability < 1.0 && sim_random() >= rule->probability)
		return false;
	rule->hits++;
	return true;
}

static uint64_t s_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* Take one token from the bucket named `key`; caller holds s_lock. */
static bool s_take_token(const char *key, double rate, double burst, int64_t now_ms)
{
	size_t slot = s_hash(key) % S_BUCKET_SLOTS;
	struct s_token_bucket *b = s_buckets[slot];
	while (b && strcmp(b->key, key) != 0)
		b = b->next;
	/* Capacity of one second's worth (at least one request) allows short bursts. */
	double cap = burst > 0 ? burst : rate < 1.0 ? 1.0 : rate;
	if (!b) {
		b = c1_calloc(1, sizeof(*b));
		b->key = c1_strdup(key);
		b->tokens = cap;
		b->last_ms = now_ms;
		b->next = s_buckets[slot];
		s_buckets[slot] = b;
	}
	if (now_ms > b->last_ms) {
		b->tokens += rate * (double)(now_ms - b->last_ms) / 1000.0;
		if (b->tokens > cap)
			b->tokens = cap;
		b->last_ms = now_ms;
	}
	if (b->tokens < 1.0)
		return false;
	b->tokens -= 1.0;
	return true;
}

static bool s_rate_limited(const struct sim_request *req)
{
	char key[160];
	for (size_t i = 0; i < s_current.rate_count; i++) {
		const struct s_rate *r = &s_current.rates[i];
		if (strcmp(r->service, req->service) != 0)
			continue;
		/* One bucket per AWS account and region (as AWS meters an account's API
		 * calls per region), per Cloud One API key, per Vision One tenant. */
		if (s_is_aws(req->service))
			snprintf(key, sizeof(key), "%s|%s|%s", req->service, req->account_id, req->region);
		else
			snprintf(key, sizeof(key), "%s|%s", req->service, req->tenant);
		int64_t now = req->now_ms ? req->now_ms : sim_now_ms();
		return !s_take_token(key, r->per_second, r->burst, now);
	}
	return false;
}

static void s_stack_of(const struct sim_request *req, char *out, size_t out_len)
{
	out[0] = '\0';
	if (strcmp(req->service, "cloudformation") != 0)
		return;
	char *name = sim_form_get(req, "StackName");
	if (name)
		snprintf(out, out_len, "%s", name);
	free(name);
}

enum sim_fault_effect sim_faults_check(const struct sim_request *req, int *status, char *code,
				       size_t code_len)
{
	return sim_faults_check_message(req, status, code, code_len, NULL, 0);
}

enum sim_fault_effect sim_faults_check_message(const struct sim_request *req, int *status, char *code,
					       size_t code_len, char *message, size_t message_len)
{
	enum sim_fault_effect effect = SIM_FAULT_NONE;
	char stack[256] = "";
	bool stack_known = false;
	const char *service = req->service ? req->service : "";

	pthread_mutex_lock(&s_lock);
	if (s_rate_limited(req)) {
		effect = SIM_FAULT_THROTTLE;
		goto cleanup;
	}
	for (size_t i = 0; i < s_current.rule_count; i++) {
		struct s_rule *rule = &s_current.rules[i];
		bool throttle = strcmp(rule->effect, "throttle") == 0;
		if (!throttle && strcmp(rule->effect, "error") != 0)
			continue;
		if (!s_glob(rule->service, service) || !s_glob(rule->route, req->route) ||
		    !s_account_matches(req, rule->account_id))
			continue;
		if (rule->stack) {
			if (!stack_known) {
				s_stack_of(req, stack, sizeof(stack));
				stack_known = true;
			}
			if (!stack[0] || !s_glob(rule->stack, stack))
				continue;
		}
		if (!s_fire(rule))
			continue;
		if (throttle) {
			effect = SIM_FAULT_THROTTLE;
		} else {
			effect = SIM_FAULT_ERROR;
			if (status)
				*status = rule->status;
			if (code && code_len)
				snprintf(code, code_len, "%s", rule->code);
			if (message && message_len)
				snprintf(message, message_len, "%s", rule->message);
		}
		break;
	}
cleanup:
	pthread_mutex_unlock(&s_lock);
	if (effect == SIM_FAULT_THROTTLE && status) {
		bool rest = strcmp(service, "cloudone") == 0 || strcmp(service, "visionone") == 0;
		*status = strcmp(service, "s3") == 0 ? 503 : rest ? 429 : 400;
		if (code && code_len)
			snprintf(code, code_len, "%s",
				 strcmp(service, "s3") == 0           ? "SlowDown"
				 : strcmp(service, "cloudtrail") == 0 ? "ThrottlingException"
				 : rest                               ? "TooManyRequests"
								      : "Throttling");
	}
	return effect;
}

/* The rule's `stack` filter for the post-handler effects; caller holds s_lock. */
static bool s_rule_stack_matches(const struct s_rule *rule, const struct sim_request *req)
{
	if (!rule->stack)
		return true;
	char stack[256];
	s_stack_of(req, stack, sizeof(stack));
	return stack[0] && s_glob(rule->stack, stack);
}

bool sim_faults_lost_reply(const struct sim_request *req, int *status)
{
	bool hit = false;
	const char *service = req->service ? req->service : "";
	pthread_mutex_lock(&s_lock);
	for (size_t i = 0; i < s_current.rule_count && !hit; i++) {
		struct s_rule *rule = &s_current.rules[i];
		if (strcmp(rule->effect, "lost_reply") != 0 || !s_glob(rule->service, service) ||
		    !s_glob(rule->route, req->route) || !s_account_matches(req, rule->account_id) ||
		    !s_rule_stack_matches(rule, req))
			continue;
		hit = s_fire(rule);
		if (hit)
			*status = rule->status;
	}
	pthread_mutex_unlock(&s_lock);
	return hit;
}

enum sim_body_fault sim_faults_body(const struct sim_request *req)
{
	enum sim_body_fault out = SIM_BODY_NONE;
	const char *service = req->service ? req->service : "";
	pthread_mutex_lock(&s_lock);
	for (size_t i = 0; i < s_current.rule_count && out == SIM_BODY_NONE; i++) {
		struct s_rule *rule = &s_current.rules[i];
		enum sim_body_fault kind = strcmp(rule->effect, "huge_body") == 0      ? SIM_BODY_HUGE
					   : strcmp(rule->effect, "endless_body") == 0 ? SIM_BODY_ENDLESS
					   : strcmp(rule->effect, "slow_body") == 0    ? SIM_BODY_SLOW
										       : SIM_BODY_NONE;
		if (kind == SIM_BODY_NONE || !s_glob(rule->service, service) ||
		    !s_glob(rule->route, req->route) || !s_account_matches(req, rule->account_id))
			continue;
		if (s_fire(rule))
			out = kind;
	}
	pthread_mutex_unlock(&s_lock);
	return out;
}

bool sim_faults_targeted(const char *effect, const char *service, const char *route, const char *account_id,
			 const char *stack)
{
	bool hit = false;
	pthread_mutex_lock(&s_lock);
	for (size_t i = 0; i < s_current.rule_count && !hit; i++) {
		struct s_rule *rule = &s_current.rules[i];
		if (strcmp(rule->effect, effect) != 0)
			continue;
		if (!s_glob(rule->service, service) || (route && !s_glob(rule->route, route)))
			continue;
		if (rule->account_id && (!account_id || strcmp(rule->account_id, account_id) != 0))
			continue;
		if (rule->stack && (!stack || !s_glob(rule->stack, stack)))
			continue;
		hit = s_fire(rule);
	}
	pthread_mutex_unlock(&s_lock);
	return hit;
}

/* Chaos: the first matching rule of `effect` that fires; caller holds s_lock. */
static struct s_rule *s_chaos_rule(const struct sim_request *req, const char *effect)
{
	const char *service = req->service ? req->service : "";
	for (size_t i = 0; i < s_current.rule_count; i++) {
		struct s_rule *rule = &s_current.rules[i];
		if (strcmp(rule->effect, effect) != 0 || !s_glob(rule->service, service) ||
		    !s_glob(rule->route, req->route) || !s_account_matches(req, rule->account_id) ||
		    !s_rule_stack_matches(rule, req))
			continue;
		if (s_fire(rule))
			return rule;
	}
	return NULL;
}

int sim_faults_spike_ms(const struct sim_request *req)
{
	pthread_mutex_lock(&s_lock);
	struct s_rule *rule = s_chaos_rule(req, "latency_spike");
	int ms = rule ? rule->delay_ms : 0;
	pthread_mutex_unlock(&s_lock);
	return ms;
}

enum sim_answer_damage sim_faults_damage(const struct sim_request *req, int status)
{
	enum sim_answer_damage damage = SIM_DAMAGE_NONE;
	pthread_mutex_lock(&s_lock);
	if (s_chaos_rule(req, "reset"))
		damage = SIM_DAMAGE_RESET;
	else if (s_chaos_rule(req, "truncated"))
		damage = SIM_DAMAGE_TRUNCATED;
	/* Only a success can be malformed: a client reads an error's body as a
	 * message at most, so garbling it tests nothing. 204 has no body to garble. */
	else if (status >= 200 && status < 300 && status != 204 && s_chaos_rule(req, "malformed"))
		damage = SIM_DAMAGE_MALFORMED;
	pthread_mutex_unlock(&s_lock);
	return damage;
}
