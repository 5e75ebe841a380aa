/* Vision One client (api-reference 1.8): the enrollment token that links a
 * Cloud One account, the connector list (read-only link check) and connector
 * removal. Bearer-token auth; one attempt per call. */
#ifndef C1_TREND_VISIONONE_H
#define C1_TREND_VISIONONE_H

#include "engine/core/secret.h"
#include "engine/net/api_error.h"
#include "engine/net/http.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define C1_VISIONONE_DEFAULT_SITE "https://api.xdr.trendmicro.com"

struct c1_visionone_config {
	struct c1_http_transport *transport; /* borrowed; must outlive the client */
	const struct c1_secret *token;       /* the Vision One API token; copied */
	const char *site_url; /* "https://api.eu.xdr.trendmicro.com"; NULL: C1_VISIONONE_DEFAULT_SITE */
	const char *endpoint_override; /* V1_ENDPOINT_URL as read by the caller; NULL or "" for none */
	long timeout_ms;               /* per request; 0: transport default */
};

/** A ready client; read-only after init, so workers may share it. */
struct c1_visionone_client {
	struct c1_http_transport *transport;
	struct c1_secret token;
	char *origin; /* scheme://host[:port] requests go to */
	long timeout_ms;
};

#define C1_VISIONONE_CLIENT_INIT              \
	{                                     \
		NULL, C1_SECRET_INIT, NULL, 0 \
	}

/**
 * Check `cfg` and build a client: a token must be given (C1_EINVALID), the
 * site must be an https origin and the override pass c1_trend_origin (both
 * C1_ECONFIG). Dispose with c1_visionone_client_dispose (also after failure).
 */
int c1_visionone_client_init(struct c1_visionone_client *out, const struct c1_visionone_config *cfg);
void c1_visionone_client_dispose(struct c1_visionone_client *client);

/* Calls return 0, or C1_EAUTH (401), C1_ENOTFOUND (404 where documented),
 * C1_ETHROTTLED (429), C1_EAPI (other statuses; a reply missing what is
 * needed: code "InvalidResponse"), a transport code, or C1_EINVALID.
 * `err` (may be NULL) gets kind VISIONONE_JSON. Thread-safe if the
 * transport is. */

struct c1_visionone_enrollment {
	struct c1_secret token; /* the enrollment token: a credential */
	char *connector_id;
	char *token_expire_time; /* as sent (RFC 3339); NULL when absent */
};

#define C1_VISIONONE_ENROLLMENT_INIT       \
	{                                  \
		C1_SECRET_INIT, NULL, NULL \
	}

void c1_visionone_enrollment_dispose(struct c1_visionone_enrollment *e);
/** POST /v1.0/preview/uic/instances/enrollment {"productId": "scc"}: token and connectorId required. */
int c1_visionone_enrollment_token(struct c1_visionone_enrollment *out,
				  const struct c1_visionone_client *client, struct c1_api_error *err);

struct c1_visionone_connector {
	char *product_id;   /* "scc", "sws", ... */
	char *connector_id; /* NULL when absent */
	bool is_connected;
	int64_t status;            /* 0 red, 1 green; -1 when absent */
	char *cloudone_account_id; /* "cloudOneAccountId" when the site reports it, else NULL */
};

struct c1_visionone_connector_list {
	struct c1_visionone_connector *items;
	size_t count;
};

#define C1_VISIONONE_CONNECTOR_LIST_INIT \
	{                                \
		NULL, 0                  \
	}

void c1_visionone_connector_list_dispose(struct c1_visionone_connector_list *list);
/** GET /v2.0/xdr/portal/connectors → `data[]` (a missing `data` is an empty list). */
int c1_visionone_list_connectors(struct c1_visionone_connector_list *out,
				 const struct c1_visionone_client *client, struct c1_api_error *err);
/* What Vision One's connector list says about one Cloud One account's link. */
enum c1_v1_link_seen {
	C1_V1_SEEN_NOT_LINKED = 0, /* no Cloud One entry, or entries that name other accounts */
	C1_V1_SEEN_LINKED,         /* an entry of this account (or connector) with isConnected true */
	C1_V1_SEEN_PENDING,        /* an entry of this account, not connected (yet) */
	C1_V1_SEEN_UNATTRIBUTED,   /* Cloud One entries that name no account: cannot tell whose */
};

/**
 * Judge the link of Cloud One account `c1_account_id` from `list` by its
 * documented fields (productId "scc"/"sws", isConnected) and what ties an
 * entry to the account: its cloudOneAccountId, or `connector_id` (the one
 * linking returned; NULL when unknown). Only a tied, connected entry is a
 * link: an entry nobody can attribute never is.
 */
enum c1_v1_link_seen c1_visionone_link_seen(const struct c1_visionone_connector_list *list,
					    const char *c1_account_id, const char *connector_id);
const char *c1_v1_link_seen_name(enum c1_v1_link_seen seen);

/** DELETE /v2.0/xdr/portal/connectors/onpremise/{id}; 404 (already gone) is success. */
int c1_visionone_delete_connector(const struct c1_visionone_client *client, const char *connector_id,
				  struct c1_api_error *err);

#endif
