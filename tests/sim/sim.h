/* c1sim's shared model: one request/response pair per HTTP exchange, the
 * service-module table, simulated time, ids, and the credential derivations
 * of docs/simulator.md. Every service file (sim_<service>.c) builds on it. */
#ifndef C1_SIM_H
#define C1_SIM_H

#include "engine/core/buf.h"
#include "engine/core/rand.h"
#include "engine/net/headers.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct sim_request {
	const char *method;
	char *raw_path;  /* as received, percent-encoded */
	char *path;      /* decoded */
	char *raw_query; /* as received after '?', "" when none */
	struct c1_headers headers;
	struct c1_buf body;

	/* Filled by the router before a handler runs. */
	const char *service; /* "sts", "cloudformation", "s3", "cloudtrail", "cloudone", "visionone", "sim" */
	char route[128];     /* counter and fault-rule key: "CreateStack", "POST /api/cloudaccounts/aws" */
	char region[32];     /* AWS region from the signature scope; Cloud One region code for cloudone */
	char account_id[16]; /* AWS account of the caller, or the Cloud One account id */
	char principal_arn[256];
	char access_key_id[32];
	char tenant[64]; /* cloudone: API key id; visionone: V1 tenant */
	int64_t now_ms;  /* real monotonic-free wall ms at arrival */
};

/* A body fault: the answer's body grows past any sane size (huge: 64 MiB with a Content-Length;
 * endless: chunked, never ends) or never finishes arriving (slow: one byte every 50 ms, for
 * ever, far below any size cap), as a broken proxy or server would send. */
enum sim_body_fault { SIM_BODY_NONE = 0, SIM_BODY_HUGE, SIM_BODY_ENDLESS, SIM_BODY_SLOW };

struct sim_response {
	int status;
	struct c1_headers headers;
	struct c1_buf body;
	int delay_ms; /* send the answer this much later (the fault plan's latency); 0 = at once */
	enum sim_body_fault body_fault; /* send `body` followed by what this asks for */
	int damage; /* enum sim_answer_damage: how the server breaks the answer on the wire */
};

/** A service module: routes one request family and owns its state. */
struct sim_service {
	const char *name;
	/** Handle a request already routed to this service (auth checked). */
	void (*handle)(struct sim_request *req, struct sim_response *resp);
	/** Add this module's arrays to the /_sim/state document. */
	void (*dump_state)(json_t *state);
	/**
	 * Apply a drift injection if `kind` belongs to this module. Returns 1
	 * when applied, 0 when the kind is not this module's, -1 on a bad
	 * spec (message into err).
	 */
	int (*inject_drift)(const char *kind, const json_t *spec, char *err, size_t err_len);
	void (*reset)(void); /* forget everything (tests) */
};

extern const struct sim_service sim_service_sts;
extern const struct sim_service sim_service_iam;
extern const struct sim_service sim_service_cloudformation;
extern const struct sim_service sim_service_s3;
extern const struct sim_service sim_service_cloudtrail;
extern const struct sim_service sim_service_cloudone;
extern const struct sim_service sim_service_visionone;

/* ---- configuration and time (sim_world.c) ---- */

struct sim_config {
	double time_scale; /* real seconds per simulated second; 1.0 = real time */
	uint64_t seed;
};

void sim_world_init(const struct sim_config *cfg);
const struct sim_config *sim_world_config(void);
int64_t sim_now_ms(void);                                       /* wall clock, ms */
int64_t sim_after_ms(int64_t now_ms, double simulated_seconds); /* now + scaled duration */
/** Seeded, thread-safe uniform [0,1). */
double sim_random(void);
/** Fresh ids: "<prefix><hex>" unique in this process (deterministic per seed and order). */
void sim_new_id(char *out, size_t out_len, const char *prefix, size_t hex_digits);
/** An AWS-style request id (UUID form). */
void sim_new_request_id(char *out, size_t out_len);

/* ---- credentials (sim_creds.c), see docs/simulator.md ---- */

#define SIM_MASTER_KEY      "c1sim-universe-v1"
#define SIM_MSP_ACCOUNT     "999900000000"
/* Every secret c1sim hands out (AWS secret keys, session tokens, Cloud One key secrets, Vision One
 * tokens) carries this substring, so a test can grep anything the suite wrote for a leak, even of a
 * secret the test never saw (a session token c1onboard got from AssumeRole). */
#define SIM_SECRET_MARK     "sEcReTmArK"
#define SIM_SECRET_MARK_LEN 10

/** Secret of an AWS access key id (AKIA/ASIA form); 0, or -1 if the id is not a sim key. */
int sim_creds_aws_secret(char *out, size_t out_len, const char *access_key_id, char account_out[13]);
/** Mint a session for AssumeRole: writes ASIA key id, secret, token. */
void sim_creds_mint_session(char *akid, size_t akid_len, char *secret, size_t secret_len, char **token_out,
			    const char *account_id, const char *assumed_role_arn, int64_t expires_s);
/**
 * Check a session token for `access_key_id`: 0 valid (assumed ARN into
 * arn_out), -1 forged/mismatched, -2 expired.
 */
int sim_creds_check_session(const char *access_key_id, const char *token, int64_t now_s, char *arn_out,
			    size_t arn_len);
/** Long-term key id for an account: "AKIA" + account + suffix (4 chars). */
void sim_creds_aws_key_id(char out[21], const char *account_id, const char *suffix4);
/** Cloud One API key "<id>:<secret>" for a region code ("us-1") and account. Caller frees. */
char *sim_creds_cloudone_key(const char *c1_region, const char *c1_account_id);
/** Check "<id>:<secret>": 0 with region code ("us-1") and account filled, -1 bad. */
int sim_creds_cloudone_check(const char *full_key, char *region_out, size_t region_len, char account_out[13],
			     char *id_out, size_t id_len);
/** Vision One token for a tenant (8 hex). Caller frees. */
char *sim_creds_visionone_token(const char *v1_tenant);
int sim_creds_visionone_check(const char *token, char *tenant_out, size_t tenant_len);

/* ---- small helpers (sim_world.c) ---- */

/** Grow a `count`-element array of `size`-byte items so one more fits (aborts on OOM). */
void sim_grow(void **items, size_t *cap, size_t count, size_t size);
/** Bounded copy that always terminates, truncating over-long input; NULL copies "". */
void sim_copy(char *dst, size_t len, const char *src);
/** Unix ms as ISO-8601 UTC seconds ("2026-11-27T01:30:00Z"). */
void sim_format_time(char *out, size_t len, int64_t ms);

/* ---- responses (sim_respond.c) ---- */

void sim_respond_text(struct sim_response *resp, int status, const char *content_type, const char *body);
/** Serialises and consumes `doc` (json_decref). */
void sim_respond_json(struct sim_response *resp, int status, json_t *doc);
/**
 * AWS Query error document (ErrorResponse/Error/Type,Code,Message + RequestId).
 * `service_ns` is the xmlns URL (sim_aws_xmlns("sts")); `type` "Sender" or "Receiver".
 */
void sim_respond_aws_query_error(struct sim_response *resp, int status, const char *service_ns,
				 const char *type, const char *code, const char *message);
/** S3 REST error document (Error/Code,Message,RequestId,HostId; no body for HEAD). */
void sim_respond_s3_error(struct sim_response *resp, const struct sim_request *req, int status,
			  const char *code, const char *message);
/** AWS JSON 1.1 error ({"__type","message"} + x-amzn-ErrorType). */
void sim_respond_aws_json_error(struct sim_response *resp, int status, const char *code, const char *message);
/** The Query-protocol xmlns of an AWS service ("sts", "cloudformation"); static. */
const char *sim_aws_xmlns(const char *service);
/** A Cloud One error: {"message"} (default), {"error": {"message"}} or plain text (variant error_body). */
void sim_respond_cloudone_error(struct sim_response *resp, int status, const char *code, const char *msg);
/**
 * An error in the wire shape of req->service: Query XML (sts,
 * cloudformation), S3 XML, JSON 1.1 (cloudtrail), Cloud One {"message"},
 * Vision One {"error":{"code","message"}}. `code` NULL picks a default for
 * the status; `message` NULL a default text.
 */
void sim_respond_service_error(struct sim_response *resp, const struct sim_request *req, int status,
			       const char *code, const char *message);
/**
 * The throttle answer of req->service (SPEC 6): Throttling, SlowDown,
 * ThrottlingException, or 429 with Retry-After for Cloud One / Vision One.
 */
void sim_respond_throttle(struct sim_response *resp, const struct sim_request *req);
/** XML-escape `s` into `out` (append). */
void sim_xml_escape(struct c1_buf *out, const char *s);
/**
 * Form field of a Query request body (first occurrence), decoded; NULL if
 * absent. Falls back to the query string (GET Query requests). Caller frees.
 */
char *sim_form_get(const struct sim_request *req, const char *name);
/**
 * Query-string parameter (first occurrence), decoded; "" for a bare
 * `?name`; NULL if absent. Caller frees.
 */
char *sim_query_get(const struct sim_request *req, const char *name);

/* ---- faults (sim_faults.c) ---- */

enum sim_fault_effect { SIM_FAULT_NONE = 0, SIM_FAULT_ERROR, SIM_FAULT_THROTTLE };

/** Replace the fault plan with `plan` (SPEC 6 format; NULL clears it); -1 with message on a bad plan. */
int sim_faults_set(const json_t *plan, char *err, size_t err_len);
/** The latency to add to every request, ms. */
int sim_faults_latency_ms(void);
/** Add "fault_plan": {"latency_ms", "rate_limits": {service: {"per_second", "burst"}}, "rules": count}. */
void sim_faults_dump(json_t *state);
/**
 * Check a routed request against rate limits and error rules. Returns
 * SIM_FAULT_NONE, or fills status (and code for AWS) for an injected error
 * or throttle.
 */
enum sim_fault_effect sim_faults_check(const struct sim_request *req, int *status, char *code,
				       size_t code_len);
/** sim_faults_check plus the rule's "message" (the error body's text; "" = the service's default). */
enum sim_fault_effect sim_faults_check_message(const struct sim_request *req, int *status, char *code,
					       size_t code_len, char *message, size_t message_len);
/**
 * A "lost_reply" rule matching `req` fired: the request was carried out, and
 * its answer is replaced by the error `*status` (the rule's, default 500), as
 * when a gateway or a dropped connection loses a reply the backend had sent.
 */
bool sim_faults_lost_reply(const struct sim_request *req, int *status);
/**
 * A "huge_body" or "endless_body" rule matching `req` fired: the request was
 * carried out and its answer's body is followed by 64 MiB of filler or by an
 * endless stream (sim_server.c sends it). SIM_BODY_NONE otherwise.
 */
enum sim_body_fault sim_faults_body(const struct sim_request *req);
/**
 * Targeted effects a service applies itself: "stack_fail" (CreateStack of a
 * matching stack fails during creation), "delete_fail" (DeleteStack or a
 * REST DELETE fails). `stack` may be NULL for non-stack routes.
 */
bool sim_faults_targeted(const char *effect, const char *service, const char *route, const char *account_id,
			 const char *stack);

/* ---- variants (sim_variants.c): behaviours public material leaves open ---- */
/** Set variant `name` to `value` (c1sim --variant NAME=VALUE). -1 with `err` when either is unknown. */
int sim_variant_set(const char *name, const char *value, char *err, size_t err_len);
/** Set every variant to a value drawn from `seed` (c1sim --variant random=SEED). */
void sim_variants_randomize(uint64_t seed);
/** Is variant `name` set to `value`? (Unknown names are a programming error: false.) */
bool sim_variant_is(const char *name, const char *value);
/** The variant's current value (its first value by default). */
const char *sim_variant(const char *name);
/** Every variant, its values (default first) and what it stands for (c1sim variants). */
void sim_variants_print(FILE *out);
/** Add "variants": {name: value} to the state dump. */
void sim_variants_dump(json_t *state);
/* Chaos (docs/simulator.md): what happens to an answer the handler made. */
enum sim_answer_damage {
	SIM_DAMAGE_NONE = 0,
	SIM_DAMAGE_RESET,     /* headers and half the body, then a TCP reset */
	SIM_DAMAGE_TRUNCATED, /* headers announce the whole body; half is sent, then the connection closes */
	SIM_DAMAGE_MALFORMED, /* a complete 2xx whose body does not parse */
};
/** The extra delay of a "latency_spike" rule that fired for `req`, ms (0 = none). */
int sim_faults_spike_ms(const struct sim_request *req);
/** A "reset", "truncated" or "malformed" rule that fired for `req`, whose answer has `status`. */
enum sim_answer_damage sim_faults_damage(const struct sim_request *req, int status);
/** Garble a success's body so that it no longer parses as JSON or XML (same status and headers). */
void sim_respond_malform(struct sim_response *resp);

/* ---- calls between service modules ---- */

/* sim_s3.c: buckets beyond the c1sim-ct-<acct>-<region> convention. */
void sim_s3_bucket_add(const char *name, const char *region, const char *account_id);
void sim_s3_bucket_remove(const char *name);
/** true when the bucket exists; region/owner filled. */
bool sim_s3_bucket_lookup(const char *name, char region_out[32], char account_out[16]);

/* sim_cloudtrail.c: trails created by stacks. */
void sim_cloudtrail_trail_add(const char *account_id, const char *region, const char *name,
			      const char *bucket, bool multi_region);
void sim_cloudtrail_trail_remove(const char *account_id, const char *name);

/* sim_cfn.c: IAM roles that exist because a stack created them. */
/**
 * true when `role_arn` was created by a live (CREATE/UPDATE_COMPLETE) stack
 * in `account_id`; the sts:ExternalId of its trust policy (or "") into
 * external_id_out, the trusted principal (or "") into principal_out.
 */
bool sim_cfn_role_lookup(const char *account_id, const char *role_arn, char *external_id_out, size_t ext_len,
			 char *principal_out, size_t principal_len);
/** The ARN of the live role named `name` (no path) that a stack made in `account_id`; false when none. */
bool sim_cfn_role_named(const char *account_id, const char *name, char *arn_out, size_t arn_len);
/** IAM: a role made outside CloudFormation (by hand) exists from now on (a drift injection names it). */
void sim_iam_add_role(const char *role_arn);

/* sim_cloudone.c: what the CloudTrail forwarder stack's custom resource
 * reports to Cloud One. Returns 0 when `service_token` is a token Cloud One
 * issued for that account and region, -1 otherwise (the stack then fails). */
int sim_cloudone_cloudtrail_stack_event(const char *account_id, const char *region, const char *service_token,
					bool created);
/**
 * The all-in-one template's custom resources (strategy template): onboard
 * or offboard `account_id` with a Cloud One API key and Vision One token as
 * the template's Lambdas would. 0, or -1 with the Lambda's failure reason.
 */
int sim_cloudone_template_onboard(const char *api_key, const char *v1_token, const char *account_id,
				  const char *region, bool created, char *reason, size_t reason_len);

/* The external id Workload Security gives a Cloud One account (stable). */
void sim_cloudone_external_id(char *out, size_t out_len, const char *c1_account_id);

/* ---- counters (sim_server.c) ---- */

void sim_count(const char *service, const char *route, bool throttled, bool failed);

#endif
