/* Stateless credentials (docs/simulator.md): every secret is an HMAC of
 * the credential's public part under the simulator master key, so `gen`
 * and the server never share a file. */
#include "sim.h"

#include "engine/core/alloc.h"
#include "engine/trend/regions.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAC_LEN      32
#define S_TOKEN_PREFIX "c1sim1." SIM_SECRET_MARK "."

static void s_mac(unsigned char out[S_MAC_LEN], const char *domain, const char *data, size_t data_len)
{
	unsigned int len = S_MAC_LEN;
	size_t dlen = strlen(domain);
	char *msg = c1_malloc(dlen + data_len + 1);
	memcpy(msg, domain, dlen);
	memcpy(msg + dlen, data, data_len);
	HMAC(EVP_sha256(), SIM_MASTER_KEY, (int)strlen(SIM_MASTER_KEY), (const unsigned char *)msg,
	     dlen + data_len, out, &len);
	free(msg);
}

static void s_hex(char *out, const unsigned char *bytes, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[bytes[i] >> 4];
		out[2 * i + 1] = hex[bytes[i] & 0xf];
	}
	out[2 * n] = '\0';
}

static bool s_all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

static bool s_is_key_id(const char *id)
{
	if (!id || strlen(id) != 20)
		return false;
	if (strncmp(id, "AKIA", 4) != 0 && strncmp(id, "ASIA", 4) != 0)
		return false;
	if (!s_all_digits(id + 4, 12))
		return false;
	for (int i = 16; i < 20; i++)
		if (!isupper((unsigned char)id[i]) && !isdigit((unsigned char)id[i]))
			return false;
	return true;
}

int sim_creds_aws_secret(char *out, size_t out_len, const char *access_key_id, char account_out[13])
{
	unsigned char mac[S_MAC_LEN];
	unsigned char b64[64];
	if (!s_is_key_id(access_key_id) || out_len < 41)
		return -1;
	s_mac(mac, "aws:", access_key_id, strlen(access_key_id));
	EVP_EncodeBlock(b64, mac, S_MAC_LEN);
	/* 40 characters like a real secret key: the mark, then the MAC's base64 */
	memcpy(out, SIM_SECRET_MARK, SIM_SECRET_MARK_LEN);
	for (int i = SIM_SECRET_MARK_LEN; i < 40; i++)
		out[i] = b64[i] == '+' ? 'A' : b64[i] == '/' ? 'b' : (char)b64[i];
	out[40] = '\0';
	if (account_out) {
		memcpy(account_out, access_key_id + 4, 12);
		account_out[12] = '\0';
	}
	c1_wipe(mac, sizeof(mac));
	c1_wipe(b64, sizeof(b64));
	return 0;
}

void sim_creds_aws_key_id(char out[21], const char *account_id, const char *suffix4)
{
	snprintf(out, 21, "AKIA%.12s%.4s", account_id, suffix4);
}

/* base64url without padding. */
static char *s_b64url(const unsigned char *data, size_t len)
{
	char *out = c1_malloc(4 * ((len + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	size_t n = strlen(out);
	while (n > 0 && out[n - 1] == '=')
		out[--n] = '\0';
	for (size_t i = 0; i < n; i++)
		out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
	return out;
}

/* Decode base64url (no padding) into a new NUL-terminated string; NULL on bad input. */
static char *s_b64url_decode(const char *s, size_t len)
{
	if (len == 0 || len > 4096 || len % 4 == 1)
		return NULL;
	size_t padded = (len + 3) / 4 * 4;
	char *tmp = c1_malloc(padded + 1);
	char *out = NULL;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '-')
			c = '+';
		else if (c == '_')
			c = '/';
		else if (!isalnum((unsigned char)c))
			goto cleanup;
		tmp[i] = c;
	}
	for (size_t i = len; i < padded; i++)
		tmp[i] = '=';
	tmp[padded] = '\0';
	out = c1_malloc(padded / 4 * 3 + 1);
	int n = EVP_DecodeBlock((unsigned char *)out, (const unsigned char *)tmp, (int)padded);
	if (n < 0) {
		free(out);
		out = NULL;
		goto cleanup;
	}
	n -= (int)(padded - len); /* EVP_DecodeBlock counts padding as zero bytes */
	out[n] = '\0';
cleanup:
	free(tmp);
	return out;
}

void sim_creds_mint_session(char *akid, size_t akid_len, char *secret, size_t secret_len, char **token_out,
			    const char *account_id, const char *assumed_role_arn, int64_t expires_s)
{
	char suffix[8];
	char key_id[21];
	unsigned char mac[S_MAC_LEN];
	char mac_hex[2 * S_MAC_LEN + 1];
	json_t *doc = NULL;
	char *payload_json = NULL;
	char *payload = NULL;

	sim_new_id(suffix, sizeof(suffix), "", 4);
	for (char *p = suffix; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	snprintf(key_id, sizeof(key_id), "ASIA%.12s%.4s", account_id, suffix);
	snprintf(akid, akid_len, "%s", key_id);
	sim_creds_aws_secret(secret, secret_len, key_id, NULL);

	doc = json_pack("{s:s, s:s, s:I}", "k", key_id, "a", assumed_role_arn, "e", (json_int_t)expires_s);
	payload_json = json_dumps(doc, JSON_COMPACT);
	payload = s_b64url((const unsigned char *)payload_json, strlen(payload_json));
	s_mac(mac, "sts:", payload, strlen(payload));
	s_hex(mac_hex, mac, S_MAC_LEN);
	*token_out = c1_asprintf(S_TOKEN_PREFIX "%s.%s", payload, mac_hex);

	json_decref(doc);
	free(payload_json);
	free(payload);
}

int sim_creds_check_session(const char *access_key_id, const char *token, int64_t now_s, char *arn_out,
			    size_t arn_len)
{
	int rc = -1;
	char *payload_json = NULL;
	json_t *doc = NULL;
	unsigned char mac[S_MAC_LEN];
	char mac_hex[2 * S_MAC_LEN + 1];

	if (!token || strncmp(token, S_TOKEN_PREFIX, strlen(S_TOKEN_PREFIX)) != 0 ||
	    !s_is_key_id(access_key_id))
		goto cleanup;
	const char *payload = token + strlen(S_TOKEN_PREFIX);
	const char *dot = strchr(payload, '.');
	if (!dot || strlen(dot + 1) != 2 * S_MAC_LEN)
		goto cleanup;
	size_t payload_len = (size_t)(dot - payload);
	s_mac(mac, "sts:", payload, payload_len);
	s_hex(mac_hex, mac, S_MAC_LEN);
	if (CRYPTO_memcmp(mac_hex, dot + 1, 2 * S_MAC_LEN) != 0)
		goto cleanup;
	payload_json = s_b64url_decode(payload, payload_len);
	if (!payload_json)
		goto cleanup;
	doc = json_loads(payload_json, 0, NULL);
	const char *k = json_string_value(json_object_get(doc, "k"));
	const char *a = json_string_value(json_object_get(doc, "a"));
	json_t *e = json_object_get(doc, "e");
	if (!k || !a || !json_is_integer(e) || strcmp(k, access_key_id) != 0)
		goto cleanup;
	if (arn_out)
		snprintf(arn_out, arn_len, "%s", a);
	rc = json_integer_value(e) <= now_s ? -2 : 0;
cleanup:
	json_decref(doc);
	free(payload_json);
	return rc;
}

/* "us-1" <-> "us1": the region code without its dash. */
static bool s_region_compact(char *out, size_t out_len, const char *c1_region)
{
	size_t n = 0;
	if (!c1_regions_aws_for_cloudone(c1_region))
		return false;
	for (const char *p = c1_region; *p && n + 1 < out_len; p++)
		if (*p != '-')
			out[n++] = *p;
	out[n] = '\0';
	return true;
}

char *sim_creds_cloudone_key(const char *c1_region, const char *c1_account_id)
{
	char compact[16];
	unsigned char mac[S_MAC_LEN];
	char mac_hex[2 * S_MAC_LEN + 1];
	if (!s_region_compact(compact, sizeof(compact), c1_region))
		snprintf(compact, sizeof(compact), "us1");
	char *id = c1_asprintf("c1sim%s%.12s", compact, c1_account_id);
	s_mac(mac, "c1:", id, strlen(id));
	s_hex(mac_hex, mac, S_MAC_LEN);
	char *key = c1_asprintf("%s:" SIM_SECRET_MARK "%.32s", id, mac_hex);
	c1_wipe(mac_hex, sizeof(mac_hex));
	free(id);
	return key;
}

int sim_creds_cloudone_check(const char *full_key, char *region_out, size_t region_len, char account_out[13],
			     char *id_out, size_t id_len)
{
	unsigned char mac[S_MAC_LEN];
	char mac_hex[2 * S_MAC_LEN + 1];
	char id[64];
	char region[16];
	if (!full_key)
		return -1;
	const char *colon = strchr(full_key, ':');
	if (!colon || colon == full_key || (size_t)(colon - full_key) >= sizeof(id) ||
	    strlen(colon + 1) != SIM_SECRET_MARK_LEN + 32 ||
	    strncmp(colon + 1, SIM_SECRET_MARK, SIM_SECRET_MARK_LEN) != 0)
		return -1;
	size_t id_n = (size_t)(colon - full_key);
	memcpy(id, full_key, id_n);
	id[id_n] = '\0';
	/* c1sim + <letters><digits> + 12-digit account */
	if (id_n < 5 + 3 + 12 || strncmp(id, "c1sim", 5) != 0 || !s_all_digits(id + id_n - 12, 12))
		return -1;
	const char *code = id + 5;
	size_t code_n = id_n - 5 - 12;
	size_t letters = 0;
	while (letters < code_n && isalpha((unsigned char)code[letters]))
		letters++;
	if (letters == 0 || letters == code_n || code_n + 2 > sizeof(region) ||
	    !s_all_digits(code + letters, code_n - letters))
		return -1;
	snprintf(region, sizeof(region), "%.*s-%.*s", (int)letters, code, (int)(code_n - letters),
		 code + letters);
	if (!c1_regions_aws_for_cloudone(region))
		return -1;
	s_mac(mac, "c1:", id, id_n);
	s_hex(mac_hex, mac, S_MAC_LEN);
	int ok = CRYPTO_memcmp(mac_hex, colon + 1 + SIM_SECRET_MARK_LEN, 32) == 0;
	c1_wipe(mac_hex, sizeof(mac_hex));
	if (!ok)
		return -1;
	if (region_out)
		snprintf(region_out, region_len, "%s", region);
	if (account_out)
		snprintf(account_out, 13, "%s", id + id_n - 12);
	if (id_out)
		snprintf(id_out, id_len, "%s", id);
	return 0;
}

char *sim_creds_visionone_token(const char *v1_tenant)
{
	unsigned char mac[S_MAC_LEN];
	char mac_hex[2 * S_MAC_LEN + 1];
	s_mac(mac, "v1:", v1_tenant, strlen(v1_tenant));
	s_hex(mac_hex, mac, S_MAC_LEN);
	char *token = c1_asprintf("v1sim.%s." SIM_SECRET_MARK "%.32s", v1_tenant, mac_hex);
	c1_wipe(mac_hex, sizeof(mac_hex));
	return token;
}

int sim_creds_visionone_check(const char *token, char *tenant_out, size_t tenant_len)
{
	unsigned char mac[S_MAC_LEN];
	char mac_hex[2 * S_MAC_LEN + 1];
	char tenant[9];
	if (!token || strncmp(token, "v1sim.", 6) != 0 ||
	    strlen(token) != 6 + 8 + 1 + SIM_SECRET_MARK_LEN + 32 || token[14] != '.' ||
	    strncmp(token + 15, SIM_SECRET_MARK, SIM_SECRET_MARK_LEN) != 0)
		return -1;
	for (int i = 0; i < 8; i++)
		if (!isxdigit((unsigned char)token[6 + i]))
			return -1;
	memcpy(tenant, token + 6, 8);
	tenant[8] = '\0';
	s_mac(mac, "v1:", tenant, 8);
	s_hex(mac_hex, mac, S_MAC_LEN);
	int ok = CRYPTO_memcmp(mac_hex, token + 15 + SIM_SECRET_MARK_LEN, 32) == 0;
	c1_wipe(mac_hex, sizeof(mac_hex));
	if (!ok)
		return -1;
	if (tenant_out)
		snprintf(tenant_out, tenant_len, "%s", tenant);
	return 0;
}
