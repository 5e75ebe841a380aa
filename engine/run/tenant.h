/* Tenant-level steps, once per Cloud One API key: cloudone_account (key ->
 * Cloud One account and region), visionone_link (checked first, linked when
 * absent, never undone) and the Workload Security external id. Accounts
 * block on the tenant's event and read its outcome. */
#ifndef C1_RUN_TENANT_H
#define C1_RUN_TENANT_H

#include "engine/run/account_job.h"

/**
 * A tenant for `api_key` / `v1_token` (borrowed from the secret store, must
 * outlive it). Clients use C1_ENDPOINT_URL / V1_ENDPOINT_URL. On a client
 * setup failure the tenant is created already failed (its accounts fail with
 * the reason). Never returns NULL.
 */
struct c1_tenant *c1_tenant_new(struct c1_run_shared *run, const struct c1_secret *api_key,
				const struct c1_secret *v1_token);
/** Submit the tenant task (unbounded) or, when already failed, signal its event. */
void c1_tenant_start(struct c1_tenant *tenant);
void c1_tenant_free(struct c1_tenant *tenant);
/** The tenant's report entry and state row. */
void c1_tenant_report(struct c1_tenant *tenant, struct c1_report_tenant *out);

#endif
