/* What c1sim's Cloud One (sim_cloudone.c) and Vision One (sim_visionone.c)
 * modules share: the Vision One links of Cloud One accounts, and the test
 * hooks of the Cloud One module. */
#ifndef C1_SIM_TREND_H
#define C1_SIM_TREND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** How long a Vision One enrollment token stays valid, simulated seconds. */
#define SIM_V1_ENROLLMENT_TTL_S 3600.0

/** One Cloud One account linked to a Vision One tenant. */
struct sim_v1_link {
	char c1_account_id[16];
	char c1_region[16];
	char v1_tenant[16];
	char connector_id[48];
	char product_id[16];
	int64_t created_ms;
	int listed; /* times GET connectors showed it (variant v1_list=late) */
};

/**
 * Link a Cloud One account with the Vision One enrollment token `token`
 * (issued by POST /v1.0/preview/uic/instances/enrollment). Re-linking an
 * account already linked to the same tenant succeeds and returns the
 * existing link. Returns 0 (link into `out`), C1_ENOTFOUND for a token never
 * issued, C1_ETIMEOUT for an expired one, C1_EINVALID when the account is
 * linked to another tenant. Thread-safe.
 */
int sim_visionone_redeem(struct sim_v1_link *out, const char *token, int64_t now_ms,
			 const char *c1_account_id, const char *c1_region);

/**
 * Link a Cloud One account to `v1_tenant` without a token (what the
 * all-in-one template's Lambdas do in one go). Same returns as redeem.
 */
int sim_visionone_link_tenant(struct sim_v1_link *out, const char *v1_tenant, int64_t now_ms,
			      const char *c1_account_id, const char *c1_region);

/** true when the Cloud One account is linked (link into `out`, may be NULL). Thread-safe. */
bool sim_visionone_link_get(struct sim_v1_link *out, const char *c1_account_id);

/** Role lookup with sim_cfn_role_lookup's contract. */
typedef bool (*sim_role_lookup_fn)(const char *account_id, const char *role_arn, char *external_id_out,
				   size_t ext_len, char *principal_out, size_t principal_len);

/**
 * Tests: replace the role lookup the Cloud One module uses (NULL restores
 * sim_cfn_role_lookup), so connector and cloud-account rules can be tested
 * without running stacks.
 */
void sim_cloudone_test_set_role_lookup(sim_role_lookup_fn fn);
/** Accept any role ARN in the right account (c1sim --skip-role-verification). */
void sim_cloudone_set_trust_roles(bool trust);

#endif
