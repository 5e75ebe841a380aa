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
enum c1_tenant_index_state { C1_INDEX_EMPTY = 0, C1_INDEX_FILLING, C1_INDEX_READY, C1_INDEX_FAILED };

/**
 * The tenant's cloud-account index for a task of one of its accounts: 0 when
 * it is filled; C1_TASK_BLOCK with ctx->block_on set while it is being filled
 * (the first caller starts the fill: one GET per page, each through the
 * tenant's rate limiter and retries); C1_ERROR with `err` when the listing
 * failed (e.g. an unexpected reply shape: every account of the tenant stops
 * at its cloud-account step rather than guess).
 */
int c1_tenant_cloud_index(struct c1_tenant *tenant, struct c1_task_ctx *ctx, struct c1_api_error *err);

/** The tenant's report entry and state row. */
void c1_tenant_report(struct c1_tenant *tenant, struct c1_report_tenant *out);

#endif
