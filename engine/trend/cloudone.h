/* Cloud One client (api-reference Part 1): identity (API key -> account and
 * region), Vision One enrollment, Workload Security AWS connectors, Cloud
 * Account Management and the CloudTrail integration. One attempt per call. */
#ifndef C1_TREND_CLOUDONE_H
#define C1_TREND_CLOUDONE_H

#include "engine/core/secret.h"
#include "engine/net/api_error.h"
#include "engine/net/http.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define C1_CLOUDONE_ACCOUNTS_ORIGIN "https://accounts.cloudone.trendmicro.com"
#define C1_CLOUDONE_API_VERSION     "v1"
/* Stop following `next` after this many pages: a server that never ends the list is broken. */
#define C1_CLOUDONE_MAX_PAGES       1000

/** What a client needs; everything borrowed for the duration of c1_cloudone_client_init. */
struct c1_cloudone_config {
	struct c1_http_transport *transport; /* borrowed; must outlive the client */
	const struct c1_secret *api_key;     /* "<id>:<secret>"; copied */
	const char *region; /* Cloud One region ("us-1"); NULL until known (get_apikey works without) */
	const char *endpoint_override; /* C1_ENDPOINT_URL as read by the caller; NULL or "" for none */
	long timeout_ms;               /* per request; 0: transport default */
};

/** A ready client. Read-only after init, so workers may share it. */
struct c1_cloudone_client {
	struct c1_http_transport *transport;
	struct c1_secret api_key;
	char key_id[128];      /* the part before the first ':'; an identifier, not a secret */
	char region[32];       /* "" until set */
	char *override_origin; /* "http://127.0.0.1:8080" or NULL */
	long timeout_ms;
};

#define C1_CLOUDONE_CLIENT_INIT                       \
	{                                             \
		NULL, C1_SECRET_INIT, "", "", NULL, 0 \
	}

/**
 * Check `cfg` and build a client: the key must contain ':' with a non-empty
 * id before it (C1_EINVALID otherwise, the key never quoted), the region
 * (when given) must look like a Cloud One region (C1_EINVALID), and the
 * override must pass c1_trend_origin (C1_ECONFIG). Dispose with
 * c1_cloudone_client_dispose (also after a failed init).
 */
int c1_cloudone_client_init(struct c1_cloudone_client *out, const struct c1_cloudone_config *cfg);
/** Set the Cloud One region once it is known (not thread-safe: before sharing). 0 or C1_EINVALID. */
int c1_cloudone_client_set_region(struct c1_cloudone_client *client, const char *c1_region);
void c1_cloudone_client_dispose(struct c1_cloudone_client *client);

/**
 * Full URL of `path` ("/api/awsconnectors") on `service` ("workload",
 * "cloudaccounts", "cloudtrail", "visionone-connect"; NULL for the global
 * accounts host), with the override applied. Caller frees. NULL (with a
 * message) when a regional service is asked for before the region is set.
 */
char *c1_cloudone_url(const struct c1_cloudone_client *client, const char *service, const char *path);

/* Every call below sends one request and returns 0, or:
 * C1_EAUTH (401: the key is invalid, deleted or locked),
 * C1_ENOTFOUND (404 where "absent" is an answer; documented per call),
 * C1_ETHROTTLED (429), C1_EAPI (any other error status, or a reply without
 * the fields needed: code "InvalidResponse"), a transport code (C1_ETIMEOUT,
 * C1_ETRANSPORT, ...), or C1_EINVALID for inputs refused before sending.
 * `err` (may be NULL) is filled with kind CLOUDONE_JSON. Outputs are
 * caller-owned and reset on failure. Thread-safe if the transport is. */

/** API key identity (GET accounts/api/apikeys/{id}). */
struct c1_cloudone_apikey {
	char *id;
	char *urn;           /* "urn:cloudone:identity:us-1:123456789012:apikey/<id>" */
	char region[32];     /* from the URN, index 3: "us-1" */
	char account_id[16]; /* from the URN, index 4: 12 digits */
	char *alias;
	char *role_id;
	bool enabled; /* true when the field is absent */
};

#define C1_CLOUDONE_APIKEY_INIT                      \
	{                                            \
		NULL, NULL, "", "", NULL, NULL, true \
	}

void c1_cloudone_apikey_dispose(struct c1_cloudone_apikey *key);
/** Split a Cloud One URN: region (index 3, [a-z0-9-]) and account (index 4, 12 digits). 0 or C1_EINVALID. */
int c1_cloudone_parse_urn(const char *urn, char region[32], char account_id[16]);
/** The key's own record; a URN that does not parse is C1_EAPI "InvalidResponse". */
int c1_cloudone_get_apikey(struct c1_cloudone_apikey *out, const struct c1_cloudone_client *client,
			   struct c1_api_error *err);

/** Vision One registration of the Cloud One account (visionone-connect). */
struct c1_cloudone_v1_registration {
	char *status;       /* registration.status, e.g. "registered" */
	char *connector_id; /* registration.connectorId when present */
};

#define C1_CLOUDONE_V1_REGISTRATION_INIT \
	{                                \
		NULL, NULL               \
	}

void c1_cloudone_v1_registration_dispose(struct c1_cloudone_v1_registration *reg);
/** POST /api/connectors {"enrollmentToken"}: link the Cloud One account to Vision One. */
int c1_cloudone_visionone_connect(struct c1_cloudone_v1_registration *out,
				  const struct c1_cloudone_client *client,
				  const struct c1_secret *enrollment_token, struct c1_api_error *err);
/** GET workload /api/awsconnectorsettings → the tenant's external id (caller frees). */
int c1_cloudone_ws_external_id(char **out, const struct c1_cloudone_client *client, struct c1_api_error *err);

/** A Workload Security AWS connector. */
struct c1_cloudone_ws_connector {
	int64_t id; /* "ID" */
	char *display_name;
	char *account_id;
	char *cross_account_role_arn;
};

#define C1_CLOUDONE_WS_CONNECTOR_INIT \
	{                             \
		0, NULL, NULL, NULL   \
	}

struct c1_cloudone_ws_connector_list {
	struct c1_cloudone_ws_connector *items;
	size_t count;
};

#define C1_CLOUDONE_WS_CONNECTOR_LIST_INIT \
	{                                  \
		NULL, 0                    \
	}

void c1_cloudone_ws_connector_dispose(struct c1_cloudone_ws_connector *conn);
void c1_cloudone_ws_connector_list_dispose(struct c1_cloudone_ws_connector_list *list);

/** POST /api/awsconnectors {displayName, accountId, crossAccountRoleArn}. display_name NULL: the account id.
 */
int c1_cloudone_ws_connector_create(struct c1_cloudone_ws_connector *out,
				    const struct c1_cloudone_client *client, const char *display_name,
				    const char *account_id, const char *role_arn, struct c1_api_error *err);
/** GET /api/awsconnectors/{id}; C1_ENOTFOUND when it does not exist. */
int c1_cloudone_ws_connector_get(struct c1_cloudone_ws_connector *out,
				 const struct c1_cloudone_client *client, int64_t id,
				 struct c1_api_error *err);
/**
 * POST /api/awsconnectors/{id} {"crossAccountRoleArn": role_arn}: point an
 * existing connector at another role (a partial body: the other fields stay
 * as they are; no `sync` query, so Workload Security keeps its own schedule).
 * `out` is the updated connector. C1_ENOTFOUND when the connector does not
 * exist; C1_EINVALID (nothing sent) for an id <= 0 or a role that is not an ARN.
 */
int c1_cloudone_ws_connector_update(struct c1_cloudone_ws_connector *out,
				    const struct c1_cloudone_client *client, int64_t id, const char *role_arn,
				    struct c1_api_error *err);
/**
 * POST /api/awsconnectors/search with the explicit accountId equal filter
 * (api-reference 1.4); every hit into `out` (none: count 0, returns 0).
 */
int c1_cloudone_ws_connector_search(struct c1_cloudone_ws_connector_list *out,
				    const struct c1_cloudone_client *client, const char *account_id,
				    struct c1_api_error *err);
/**
 * The one connector of `account_id`: 0 with `out`, C1_ENOTFOUND when there
 * is none, C1_ERROR with err code "DuplicateConnectors" and a message
 * listing their IDs when there are several (never picks one).
 */
int c1_cloudone_ws_connector_find(struct c1_cloudone_ws_connector *out,
				  const struct c1_cloudone_client *client, const char *account_id,
				  struct c1_api_error *err);
/** DELETE /api/awsconnectors/{id}; 404 (already gone) is success. */
int c1_cloudone_ws_connector_delete(const struct c1_cloudone_client *client, int64_t id,
				    struct c1_api_error *err);

/** A Cloud Account Management AWS account. */
struct c1_cloudone_cloud_account {
	char *id; /* the AWS account id */
	char *role_arn;
	char *alias;
	char *description;
	char *state; /* "managed", ... */
	char *created;
};

#define C1_CLOUDONE_CLOUD_ACCOUNT_INIT             \
	{                                          \
		NULL, NULL, NULL, NULL, NULL, NULL \
	}

struct c1_cloudone_cloud_account_list {
	struct c1_cloudone_cloud_account *items;
	size_t count;
};

#define C1_CLOUDONE_CLOUD_ACCOUNT_LIST_INIT \
	{                                   \
		NULL, 0                     \
	}

void c1_cloudone_cloud_account_dispose(struct c1_cloudone_cloud_account *acct);
void c1_cloudone_cloud_account_list_dispose(struct c1_cloudone_cloud_account_list *list);

/** POST /api/cloudaccounts/aws {roleARN, alias, description} (alias/description may be NULL). */
int c1_cloudone_cloud_account_create(struct c1_cloudone_cloud_account *out,
				     const struct c1_cloudone_client *client, const char *role_arn,
				     const char *alias, const char *description, struct c1_api_error *err);
/**
 * GET /api/cloudaccounts/aws, following `next` as `cursor` until it is
 * absent or empty (at most C1_CLOUDONE_MAX_PAGES requests; each is one
 * attempt, the first failure ends the call). A reply that is not an object
 * with a `cloudAccounts` array is C1_ERROR with err code
 * "UnexpectedReplyShape" ("unexpected reply shape"): api-reference 1.5 says
 * stop rather than guess.
 */
int c1_cloudone_cloud_account_list(struct c1_cloudone_cloud_account_list *out,
				   const struct c1_cloudone_client *client, struct c1_api_error *err);
/**
 * One page of GET /api/cloudaccounts/aws: `cursor` NULL or empty for the
 * first page; `*next_cursor` (caller frees) is the page's non-empty `next`,
 * or NULL on the last page. Same shape rule as the full list. For callers
 * that pace every page through a rate limiter (the per-tenant index).
 */
int c1_cloudone_cloud_account_page(struct c1_cloudone_cloud_account_list *out, char **next_cursor,
				   const struct c1_cloudone_client *client, const char *cursor,
				   struct c1_api_error *err);
/** GET /api/cloudaccounts/aws/{aws account id}; C1_ENOTFOUND when absent. */
int c1_cloudone_cloud_account_get(struct c1_cloudone_cloud_account *out,
				  const struct c1_cloudone_client *client, const char *aws_account_id,
				  struct c1_api_error *err);
/** DELETE /api/cloudaccounts/aws/{aws account id}; 404 (already gone) is success. */
int c1_cloudone_cloud_account_delete(const struct c1_cloudone_client *client, const char *aws_account_id,
				     struct c1_api_error *err);

/** The forwarder stack's inputs, from the deploymentURL of POST cloudtrail /api/stacks. */
struct c1_cloudone_cloudtrail_params {
	char *template_url;             /* templateUrl */
	char *s3_bucket_name;           /* param_S3BucketName */
	char *s3_bucket_key;            /* param_S3BucketKey (optional; NULL when absent) */
	struct c1_secret service_token; /* param_ServiceToken: a credential */
	char *service_url;              /* param_ServiceURL, decoded */
	char *api_version;              /* param_APIVersion */
};

#define C1_CLOUDONE_CLOUDTRAIL_PARAMS_INIT                   \
	{                                                    \
		NULL, NULL, NULL, C1_SECRET_INIT, NULL, NULL \
	}

void c1_cloudone_cloudtrail_params_dispose(struct c1_cloudone_cloudtrail_params *params);
/**
 * Parse a deploymentURL (api-reference 1.6): the query after the first '?'
 * that follows the '#' when there is a fragment (else the first '?'), split
 * on '&', each item on its first '=', every value percent-decoded, unknown
 * items ignored. templateUrl, S3BucketName, ServiceToken, ServiceURL and
 * APIVersion are required: C1_EINVALID naming the missing item otherwise.
 * Messages never contain the URL or the token.
 */
int c1_cloudone_parse_deployment_url(struct c1_cloudone_cloudtrail_params *out, const char *url);
/** POST cloudtrail /api/stacks {providerAccountID, awsRegion} → parsed deploymentURL. */
int c1_cloudone_cloudtrail_stack(struct c1_cloudone_cloudtrail_params *out,
				 const struct c1_cloudone_client *client, const char *provider_account_id,
				 const char *aws_region, struct c1_api_error *err);

#endif
