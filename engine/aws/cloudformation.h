/* CloudFormation client (Query protocol, 2010-05-15, signing name
 * "cloudformation"): stack create/update/delete/describe, events, resources,
 * templates, rollback recovery and drift detection, plus the stack status
 * classes of api-reference 2.5. One attempt per call. */
#ifndef C1_AWS_CLOUDFORMATION_H
#define C1_AWS_CLOUDFORMATION_H

#include "engine/aws/query.h"
#include "engine/aws/sigv4.h"
#include "engine/net/api_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define C1_CFN_VERSION "2010-05-15"
#define C1_CFN_SERVICE "cloudformation"

/* ---- status classes (api-reference 2.5) ---- */

enum c1_cfn_status_class {
	C1_CFN_STATUS_UNKNOWN = 0, /* not a status we know: treat as failed, report it */
	C1_CFN_STATUS_IN_PROGRESS, /* any *_IN_PROGRESS but REVIEW_IN_PROGRESS: keep polling */
	C1_CFN_STATUS_COMPLETE,    /* CREATE/UPDATE/IMPORT/DELETE_COMPLETE */
	C1_CFN_STATUS_ROLLED_BACK, /* ROLLBACK_COMPLETE, UPDATE_/IMPORT_ROLLBACK_COMPLETE */
	C1_CFN_STATUS_FAILED,      /* *_FAILED: stuck, needs recovery or an operator */
	C1_CFN_STATUS_REVIEW       /* REVIEW_IN_PROGRESS: a change set not executed, "not deployed" */
};

/** Class of a StackStatus string (NULL: UNKNOWN). Thread-safe. */
enum c1_cfn_status_class c1_cfn_status_classify(const char *status);
/** "in_progress", "complete", "rolled_back", "failed", "review", "unknown". */
const char *c1_cfn_status_class_name(enum c1_cfn_status_class cls);

/* ---- data ---- */

/** A key/value pair (parameters, outputs, tags). */
struct c1_cfn_kv {
	char *key;
	char *value;
};

struct c1_cfn_stack {
	char *stack_id;
	char *name;
	char *status;
	char *status_reason; /* NULL when absent */
	char *creation_time;
	char *last_updated_time; /* NULL when never updated */
	char *drift_status;      /* DriftInformation/StackDriftStatus, NULL when absent */
	struct c1_cfn_kv *parameters;
	size_t parameter_count;
	struct c1_cfn_kv *outputs;
	size_t output_count;
	struct c1_cfn_kv *tags;
	size_t tag_count;
};

#define C1_CFN_STACK_INIT                                                           \
	{                                                                           \
		NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, 0 \
	}

void c1_cfn_stack_dispose(struct c1_cfn_stack *stack);
/** Value of a parameter/output/tag by key in a kv array, or NULL. Borrowed. */
const char *c1_cfn_kv_get(const struct c1_cfn_kv *items, size_t count, const char *key);

/** One parameter of a create/update. Values may be secrets: they are sent, wiped, never printed. */
struct c1_cfn_parameter {
	const char *key;
	const char *value; /* ignored when use_previous */
	bool use_previous; /* UsePreviousValue=true (updates) */
};

struct c1_cfn_tag {
	const char *key;
	const char *value;
};

/** Inputs of CreateStack / UpdateStack; everything borrowed. */
struct c1_cfn_stack_input {
	const char *stack_name;    /* name (create) or name/id (update) */
	const char *template_body; /* exactly one of body / url, or ... */
	const char *template_url;
	bool use_previous_template; /* update only: instead of body/url */
	const struct c1_cfn_parameter *parameters;
	size_t parameter_count;
	const char *const *capabilities; /* "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND" */
	size_t capability_count;
	const struct c1_cfn_tag *tags;
	size_t tag_count;
	const char
	    *on_failure; /* create: "ROLLBACK" | "DELETE" | "DO_NOTHING"; NULL: CloudFormation default */
	const char *
	    client_request_token; /* idempotency token (a resumed run re-sends the same one); NULL for none */
	int timeout_minutes;      /* create: 0 for none */
};

struct c1_cfn_event {
	char *event_id;
	char *stack_id;
	char *logical_id;
	char *physical_id;
	char *resource_type;
	char *status;
	char *reason; /* NULL when absent */
	char *timestamp;
	int64_t timestamp_ms; /* 0 when the timestamp does not parse */
};

struct c1_cfn_event_page {
	struct c1_cfn_event *items; /* newest first, as CloudFormation sends them */
	size_t count;
	char *next_token; /* NULL on the last page */
};

#define C1_CFN_EVENT_PAGE_INIT \
	{                      \
		NULL, 0, NULL  \
	}

void c1_cfn_event_page_dispose(struct c1_cfn_event_page *page);
/**
 * The reasons of failed events (status ending in _FAILED with a reason),
 * oldest first so the root cause leads, at or after `since_ms` (0: all),
 * as "LogicalId (Type): reason" lines joined by "; ", or NULL when there is
 * none. Reasons that only say a resource was cancelled are left out when
 * another reason exists. Caller frees.
 */
char *c1_cfn_failure_reasons(const struct c1_cfn_event_page *page, int64_t since_ms);
/**
 * The events c1_cfn_failure_reasons quotes, as indices into page->items,
 * oldest first, at most `cap` of them. Returns how many.
 */
size_t c1_cfn_failure_events(const struct c1_cfn_event_page *page, int64_t since_ms, size_t *idx, size_t cap);

struct c1_cfn_resource {
	char *logical_id;
	char *physical_id;
	char *resource_type;
	char *status;
	char *reason;
	char *drift_status; /* DriftInformation/StackResourceDriftStatus, NULL when absent */
};

struct c1_cfn_resource_list {
	struct c1_cfn_resource *items;
	size_t count;
};

#define C1_CFN_RESOURCE_LIST_INIT \
	{                         \
		NULL, 0           \
	}

void c1_cfn_resource_list_dispose(struct c1_cfn_resource_list *list);

struct c1_cfn_drift_status {
	char *stack_id;
	char *detection_id;
	char *stack_drift_status; /* DRIFTED | IN_SYNC | NOT_CHECKED | UNKNOWN (others accepted) */
	char *detection_status;   /* DETECTION_IN_PROGRESS | DETECTION_COMPLETE | DETECTION_FAILED */
	char *reason;             /* DetectionStatusReason */
	int64_t drifted_count;    /* DriftedStackResourceCount; -1 when absent */
};

#define C1_CFN_DRIFT_STATUS_INIT                 \
	{                                        \
		NULL, NULL, NULL, NULL, NULL, -1 \
	}

void c1_cfn_drift_status_dispose(struct c1_cfn_drift_status *st);

struct c1_cfn_property_difference {
	char *path;
	char *expected;
	char *actual;
	char *type; /* ADD | REMOVE | NOT_EQUAL */
};

struct c1_cfn_resource_drift {
	char *logical_id;
	char *physical_id;
	char *resource_type;
	char *drift_status;        /* IN_SYNC | MODIFIED | DELETED | NOT_CHECKED (others accepted) */
	char *expected_properties; /* JSON text, NULL when absent */
	char *actual_properties;   /* JSON text, NULL when absent (DELETED) */
	struct c1_cfn_property_difference *differences;
	size_t difference_count;
};

struct c1_cfn_resource_drift_page {
	struct c1_cfn_resource_drift *items;
	size_t count;
	char *next_token; /* NULL on the last page */
};

#define C1_CFN_RESOURCE_DRIFT_PAGE_INIT \
	{                               \
		NULL, 0, NULL           \
	}

void c1_cfn_resource_drift_page_dispose(struct c1_cfn_resource_drift_page *page);

/* ---- calls ----
 * Each sends one request through c1_query_call (signing name
 * "cloudformation", target->region) and returns 0, or: C1_ENOTFOUND when
 * the stack does not exist (ValidationError "... does not exist") for calls
 * that name a stack; C1_ETHROTTLED (Throttling); C1_EAPI for any other
 * error response or a reply missing required fields (code
 * "InvalidResponse"); a transport code; C1_EINVALID for inputs refused
 * before sending. `err` may be NULL. Outputs are caller-owned and reset on
 * failure. Thread-safe if the transport is. Parameter values never appear
 * in messages. */

/** CreateStack → *stack_id (caller frees). */
int c1_cfn_create_stack(char **stack_id, const struct c1_aws_target *target,
			const struct c1_sigv4_credentials *creds, const struct c1_cfn_stack_input *in,
			struct c1_api_error *err);
/**
 * UpdateStack → *stack_id (caller frees). "No updates are to be performed."
 * is success with *no_updates true and *stack_id NULL.
 */
int c1_cfn_update_stack(char **stack_id, bool *no_updates, const struct c1_aws_target *target,
			const struct c1_sigv4_credentials *creds, const struct c1_cfn_stack_input *in,
			struct c1_api_error *err);
/** DeleteStack (a stack that does not exist is success, as CloudFormation answers). */
int c1_cfn_delete_stack(const struct c1_aws_target *target, const struct c1_sigv4_credentials *creds,
			const char *stack_name, const char *client_request_token, struct c1_api_error *err);
/** DescribeStacks of one stack by name or id. */
int c1_cfn_describe_stack(struct c1_cfn_stack *out, const struct c1_aws_target *target,
			  const struct c1_sigv4_credentials *creds, const char *stack_name,
			  struct c1_api_error *err);
/** One page of DescribeStackEvents; next_token NULL for the first page. */
int c1_cfn_describe_stack_events(struct c1_cfn_event_page *out, const struct c1_aws_target *target,
				 const struct c1_sigv4_credentials *creds, const char *stack_name,
				 const char *next_token, struct c1_api_error *err);
/** DescribeStackResources (all resources of the stack; the API does not page it). */
int c1_cfn_describe_stack_resources(struct c1_cfn_resource_list *out, const struct c1_aws_target *target,
				    const struct c1_sigv4_credentials *creds, const char *stack_name,
				    struct c1_api_error *err);
/** GetTemplate (Original stage) → *body (caller frees). */
int c1_cfn_get_template(char **body, const struct c1_aws_target *target,
			const struct c1_sigv4_credentials *creds, const char *stack_name,
			struct c1_api_error *err);
/** ContinueUpdateRollback (recovers UPDATE_ROLLBACK_FAILED). */
int c1_cfn_continue_update_rollback(const struct c1_aws_target *target,
				    const struct c1_sigv4_credentials *creds, const char *stack_name,
				    struct c1_api_error *err);
/** DetectStackDrift → *detection_id (caller frees). */
int c1_cfn_detect_stack_drift(char **detection_id, const struct c1_aws_target *target,
			      const struct c1_sigv4_credentials *creds, const char *stack_name,
			      struct c1_api_error *err);
/** DescribeStackDriftDetectionStatus; an unknown id is C1_EAPI (ValidationError). */
int c1_cfn_describe_stack_drift_detection_status(struct c1_cfn_drift_status *out,
						 const struct c1_aws_target *target,
						 const struct c1_sigv4_credentials *creds,
						 const char *detection_id, struct c1_api_error *err);
/** One page of DescribeStackResourceDrifts (MaxResults 100); next_token NULL for the first page. */
int c1_cfn_describe_stack_resource_drifts(struct c1_cfn_resource_drift_page *out,
					  const struct c1_aws_target *target,
					  const struct c1_sigv4_credentials *creds, const char *stack_name,
					  const char *next_token, struct c1_api_error *err);

#endif
