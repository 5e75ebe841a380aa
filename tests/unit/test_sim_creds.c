/* c1sim's stateless credentials: derivations round-trip, forgeries and
 * expired sessions are refused. */
#include "harness.h"
#include "sim.h"

#include "engine/core/alloc.h"

#include <stdlib.h>
#include <string.h>

C1_TEST(aws_secret_is_derived_from_the_key_id)
{
	char key_id[21];
	char secret[64], again[64], other[64];
	char account[13];
	sim_creds_aws_key_id(key_id, "111122223333", "AB12");
	C1_CHECK_STR(key_id, "AKIA111122223333AB12");
	C1_CHECK_INT(sim_creds_aws_secret(secret, sizeof(secret), key_id, account), ==, 0);
	C1_CHECK_STR(account, "111122223333");
	C1_CHECK_INT(strlen(secret), ==, 40);
	C1_CHECK(strpbrk(secret, "+/=") == NULL);
	C1_CHECK_INT(sim_creds_aws_secret(again, sizeof(again), key_id, NULL), ==, 0);
	C1_CHECK_STR(secret, again);
	sim_creds_aws_key_id(key_id, "111122223333", "AB13");
	C1_CHECK_INT(sim_creds_aws_secret(other, sizeof(other), key_id, NULL), ==, 0);
	C1_CHECK(strcmp(secret, other) != 0);
}

C1_TEST(non_sim_access_keys_are_unknown)
{
	char secret[64];
	C1_CHECK_INT(sim_creds_aws_secret(secret, sizeof(secret), "AKIAIOSFODNN7EXAMPLE", NULL), ==, -1);
	C1_CHECK_INT(sim_creds_aws_secret(secret, sizeof(secret), "AKIA111122223333ab12", NULL), ==, -1);
	C1_CHECK_INT(sim_creds_aws_secret(secret, sizeof(secret), "AKIA11112222333AB12", NULL), ==, -1);
	C1_CHECK_INT(sim_creds_aws_secret(secret, sizeof(secret), "XKIA111122223333AB12", NULL), ==, -1);
}

static const char s_arn[] = "arn:aws:sts::111122223333:assumed-role/OrganizationAccountAccessRole/c1";

C1_TEST(session_round_trip)
{
	char akid[32], secret[64], expected[64], arn[256] = "";
	char *token = NULL;
	sim_creds_mint_session(akid, sizeof(akid), secret, sizeof(secret), &token, "111122223333", s_arn,
			       2000000000);
	C1_CHECK_INT(strncmp(akid, "ASIA111122223333", 16), ==, 0);
	C1_CHECK_INT(strlen(akid), ==, 20);
	C1_CHECK_INT(sim_creds_aws_secret(expected, sizeof(expected), akid, NULL), ==, 0);
	C1_CHECK_STR(secret, expected);
	C1_CHECK_INT(strncmp(token, "c1sim1.", 7), ==, 0);
	C1_CHECK_INT(sim_creds_check_session(akid, token, 1900000000, arn, sizeof(arn)), ==, 0);
	C1_CHECK_STR(arn, s_arn);
	free(token);
}

C1_TEST(forged_session_tokens_are_refused)
{
	char akid[32], other[32], secret[64];
	char *token = NULL, *token2 = NULL;
	sim_creds_mint_session(akid, sizeof(akid), secret, sizeof(secret), &token, "111122223333", s_arn,
			       2000000000);
	sim_creds_mint_session(other, sizeof(other), secret, sizeof(secret), &token2, "111122223333", s_arn,
			       2000000000);
	/* Flip the last MAC digit. */
	char *bad = c1_strdup(token);
	size_t n = strlen(bad);
	bad[n - 1] = bad[n - 1] == '0' ? '1' : '0';
	C1_CHECK_INT(sim_creds_check_session(akid, bad, 1900000000, NULL, 0), ==, -1);
	/* Change the payload (claims a later expiry) without re-signing. */
	memcpy(bad, token, strlen(token) + 1);
	bad[8] = bad[8] == 'A' ? 'B' : 'A';
	C1_CHECK_INT(sim_creds_check_session(akid, bad, 1900000000, NULL, 0), ==, -1);
	/* A valid token presented with another key id. */
	C1_CHECK_INT(sim_creds_check_session(other, token, 1900000000, NULL, 0), ==, -1);
	C1_CHECK_INT(sim_creds_check_session(akid, "c1sim1.garbage", 1900000000, NULL, 0), ==, -1);
	C1_CHECK_INT(sim_creds_check_session(akid, NULL, 1900000000, NULL, 0), ==, -1);
	free(bad);
	free(token);
	free(token2);
}

C1_TEST(expired_sessions_are_reported_as_expired)
{
	char akid[32], secret[64];
	char *token = NULL;
	sim_creds_mint_session(akid, sizeof(akid), secret, sizeof(secret), &token, "111122223333", s_arn,
			       1000);
	C1_CHECK_INT(sim_creds_check_session(akid, token, 999, NULL, 0), ==, 0);
	C1_CHECK_INT(sim_creds_check_session(akid, token, 1000, NULL, 0), ==, -2);
	C1_CHECK_INT(sim_creds_check_session(akid, token, 5000, NULL, 0), ==, -2);
	free(token);
}

C1_TEST(cloudone_key_round_trip)
{
	char region[16], account[13], id[64];
	char *key = sim_creds_cloudone_key("gb-1", "123456789012");
	C1_CHECK_INT(strncmp(key, "c1simgb1123456789012:", 21), ==, 0);
	C1_CHECK_INT(sim_creds_cloudone_check(key, region, sizeof(region), account, id, sizeof(id)), ==, 0);
	C1_CHECK_STR(region, "gb-1");
	C1_CHECK_STR(account, "123456789012");
	C1_CHECK_STR(id, "c1simgb1123456789012");
	/* A wrong secret, and the right secret moved to another account. */
	char *bad = c1_strdup(key);
	bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == 'a' ? 'b' : 'a';
	C1_CHECK_INT(sim_creds_cloudone_check(bad, NULL, 0, NULL, NULL, 0), ==, -1);
	memcpy(bad, key, strlen(key));
	bad[19] = bad[19] == '2' ? '3' : '2';
	C1_CHECK_INT(sim_creds_cloudone_check(bad, NULL, 0, NULL, NULL, 0), ==, -1);
	C1_CHECK_INT(sim_creds_cloudone_check("nocolon", NULL, 0, NULL, NULL, 0), ==, -1);
	free(bad);
	free(key);
}

C1_TEST(visionone_token_round_trip)
{
	char tenant[16];
	char *token = sim_creds_visionone_token("0a1b2c3d");
	C1_CHECK_INT(sim_creds_visionone_check(token, tenant, sizeof(tenant)), ==, 0);
	C1_CHECK_STR(tenant, "0a1b2c3d");
	token[7] = token[7] == '1' ? '2' : '1'; /* another tenant, same MAC */
	C1_CHECK_INT(sim_creds_visionone_check(token, tenant, sizeof(tenant)), ==, -1);
	C1_CHECK_INT(sim_creds_visionone_check("v1sim.0a1b2c3d.short", NULL, 0), ==, -1);
	free(token);
}

/* The suite greps everything it wrote for SIM_SECRET_MARK (tests/integration/engine_lib.py), which
 * finds a leak only if every secret c1sim hands out carries it, also the ones minted at run time. */
C1_TEST(every_secret_carries_the_mark)
{
	char key_id[21], secret[64], akid[32], session_secret[64];
	char *token = NULL;
	sim_creds_aws_key_id(key_id, "111122223333", "AB12");
	C1_CHECK_INT(sim_creds_aws_secret(secret, sizeof(secret), key_id, NULL), ==, 0);
	C1_CHECK(strstr(secret, SIM_SECRET_MARK) != NULL);
	sim_creds_mint_session(akid, sizeof(akid), session_secret, sizeof(session_secret), &token,
			       "111122223333", s_arn, 2000000000);
	C1_CHECK(strstr(session_secret, SIM_SECRET_MARK) != NULL);
	C1_CHECK(strstr(token, SIM_SECRET_MARK) != NULL);
	char *key = sim_creds_cloudone_key("us-1", "123456789012");
	C1_CHECK(strstr(strchr(key, ':'), SIM_SECRET_MARK) != NULL);
	C1_CHECK(strstr(key, SIM_SECRET_MARK) > strchr(key, ':')); /* the key id part is not secret */
	char *v1 = sim_creds_visionone_token("0a1b2c3d");
	C1_CHECK(strstr(v1, SIM_SECRET_MARK) != NULL);
	/* nothing public carries it: key ids stay mark-free */
	C1_CHECK(strstr(akid, SIM_SECRET_MARK) == NULL && strstr(key_id, SIM_SECRET_MARK) == NULL);
	free(v1);
	free(key);
	free(token);
}
