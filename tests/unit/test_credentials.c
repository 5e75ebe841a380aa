/* Credential providers: static keys, environment, credential_process, AssumeRole (scripted STS),
 * web identity, IMDSv2, container credentials, IAM Identity Center (SSO),
 * the profile resolver's choice and its refusals, caching/refresh, and that no message or
 * source string carries a secret. */
#include "harness.h"

#include "engine/aws/config_file.h"
#include "engine/aws/credentials.h"
#include "engine/core/alloc.h"
#include "engine/core/clock.h"
#include "engine/core/error.h"
#include "engine/net/http_script.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

struct fake_env {
	const char *const *vars;
};

static const char *fake_getenv(void *ctx, const char *name)
{
	const struct fake_env *fe = ctx;
	for (size_t i = 0; fe->vars && fe->vars[i]; i += 2)
		if (strcmp(fe->vars[i], name) == 0)
			return fe->vars[i + 1];
	return NULL;
}

static const char *const no_vars[] = {NULL};
static struct fake_env s_no_env = {no_vars};
static struct c1_aws_env s_env = {fake_getenv, &s_no_env};

/* Every secret value used below; none may appear in a message or a source string. */
static const char *const s_secrets[] = {"wJalrMGMTSECRET", "MGMTSESSIONTOKEN",
					"PROCSECRETKEY",   "PROCTOKEN",
					"ROLEASECRET",     "ROLEATOKEN",
					"ROLEBSECRET",     "ROLEBTOKEN",
					"ENVSECRET",       "ENVTOKEN",
					"STDOUTSECRET",    "WEBTOKENONE",
					"WEBTOKENTWO",     "IMDSSESSIONTOK",
					"IMDSSECRET",      "ECSAUTHTOKEN",
					"ECSFILETOKEN",    "ECSSECRET",
					"SSOACCESSTOK",    "SSOSECRET",
					"SSOSESSIONTOK",   NULL};

static void check_no_secret(const char *text)
{
	for (size_t i = 0; s_secrets[i]; i++)
		C1_CHECK_NOT_CONTAINS(text, s_secrets[i]);
}

static struct c1_aws_config *parse_ok(const char *config, const char *creds)
{
	struct c1_aws_config *cfg = NULL;
	int rc = c1_aws_config_parse(&cfg, config, config ? strlen(config) : 0, "/t/config", creds,
				     creds ? strlen(creds) : 0, "/t/credentials");
	if (rc)
		c1_test_fail(__FILE__, __LINE__, "parse failed: %s", c1_error_last());
	return cfg;
}

/* Resolve the profile's provider; returns rc and leaves the message in c1_error_last(). */
static int provider_for(struct c1_aws_credentials_provider **out, const struct c1_aws_config *cfg,
			const char *profile, const struct c1_aws_profile_provider_options *opts)
{
	struct c1_aws_profile_provider_options local = {.env = &s_env};
	int rc = c1_aws_credentials_provider_for_profile(out, cfg, profile, opts ? opts : &local);
	if (rc)
		check_no_secret(c1_error_last());
	return rc;
}

static const char *s_mgmt_creds =
    "[mgmt]\naws_access_key_id = AKIAMGMT\naws_secret_access_key = wJalrMGMTSECRET\n"
    "aws_session_token = MGMTSESSIONTOKEN\n";

C1_TEST(static_keys_from_credentials_file)
{
	struct c1_aws_config *cfg = parse_ok(NULL, s_mgmt_creds);
	struct c1_aws_credentials_provider *p = NULL;
	struct c1_aws_credentials *c = NULL;
	C1_CHECK_INT(provider_for(&p, cfg, "mgmt", NULL), ==, 0);
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, 0);
	C1_CHECK_STR(c1_secret_reveal(&c->access_key_id), "AKIAMGMT");
	C1_CHECK_STR(c1_secret_reveal(&c->secret_access_key), "wJalrMGMTSECRET");
	C1_CHECK_STR(c1_secret_reveal(&c->session_token), "MGMTSESSIONTOKEN");
	C1_CHECK_INT(c->expiration_ms, ==, 0);
	C1_CHECK_STR(c->source, "profile \"mgmt\": static keys in /t/credentials");
	struct c1_sigv4_credentials view;
	c1_aws_credentials_sigv4_view(c, &view);
	C1_CHECK_STR(view.access_key_id, "AKIAMGMT");
	C1_CHECK_STR(view.session_token, "MGMTSESSIONTOKEN");
	/* the credentials outlive the provider while referenced */
	c1_aws_credentials_provider_release(p);
	C1_CHECK_STR(c1_secret_reveal(&c->secret_access_key), "wJalrMGMTSECRET");
	c1_aws_credentials_release(c);
	c1_aws_config_free(cfg);
}

C1_TEST(partial_key_pair_is_an_error)
{
	struct c1_aws_config *cfg =
	    parse_ok("[profile half]\naws_access_key_id = AKIAHALF\n"
		     "[profile split]\naws_secret_access_key = wJalrMGMTSECRET\n"
		     "[profile secretonly]\naws_secret_access_key = wJalrMGMTSECRET\n",
		     "[split]\naws_access_key_id = AKIASPLIT\n");
	struct c1_aws_credentials_provider *p = NULL;
	C1_CHECK_INT(provider_for(&p, cfg, "half", NULL), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "\"half\"");
	C1_CHECK_CONTAINS(c1_error_last(), "/t/config");
	C1_CHECK_CONTAINS(c1_error_last(), "aws_secret_access_key");
	/* botocore checks each file on its own: the key id in credentials needs its secret there too */
	C1_CHECK_INT(provider_for(&p, cfg, "split", NULL), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "/t/credentials");
	/* a secret without key id is no credentials at all */
	C1_CHECK_INT(provider_for(&p, cfg, "secretonly", NULL), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "has no credentials");
	C1_CHECK(p == NULL);
	c1_aws_config_free(cfg);
}

C1_TEST(environment_provider)
{
	struct c1_aws_credentials_provider *p = NULL;
	struct c1_aws_credentials *c = NULL;
	const char *const vars[] = {
	    "AWS_ACCESS_KEY_ID", "AKIAENV", "AWS_SECRET_ACCESS_KEY", "ENVSECRET", "AWS_SESSION_TOKEN",
	    "ENVTOKEN",          NULL};
	struct fake_env fe = {vars};
	struct c1_aws_env env = {fake_getenv, &fe};
	C1_CHECK_INT(c1_aws_credentials_provider_new_env(&p, &env, "test"), ==, 0);
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, 0);
	C1_CHECK_STR(c1_secret_reveal(&c->access_key_id), "AKIAENV");
	C1_CHECK_STR(c1_secret_reveal(&c->secret_access_key), "ENVSECRET");
	C1_CHECK_STR(c1_secret_reveal(&c->session_token), "ENVTOKEN");
	check_no_secret(c->source);
	c1_aws_credentials_release(c);
	c1_aws_credentials_provider_release(p);

	const char *const half[] = {"AWS_ACCESS_KEY_ID", "AKIAENV", NULL};
	fe.vars = half;
	C1_CHECK_INT(c1_aws_credentials_provider_new_env(&p, &env, "test"), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "AWS_SECRET_ACCESS_KEY");
	fe.vars = no_vars;
	C1_CHECK_INT(c1_aws_credentials_provider_new_env(&p, &env, "test"), ==, C1_ENOTFOUND);
	C1_CHECK(p == NULL);
}

/* ---- credential_process */

static const char *write_script(const char *name, const char *body)
{
	char *text = c1_asprintf("#!/bin/sh\n%s\n", body);
	const char *path = c1_test_write_file(name, text, 0700);
	free(text);
	return path;
}

static int count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	int n = 0, ch;
	if (!f)
		return 0;
	while ((ch = fgetc(f)) != EOF)
		n += ch == '\n';
	fclose(f);
	return n;
}

static struct c1_aws_config *process_config(const char *command)
{
	char *config = c1_asprintf("[profile proc]\ncredential_process = %s\n", command);
	struct c1_aws_config *cfg = parse_ok(config, NULL);
	free(config);
	return cfg;
}

#define T0_MS 1704067200000LL /* 2024-01-01T00:00:00Z */

C1_TEST(process_success_cache_and_refresh)
{
	const char *count = c1_asprintf("%s/count", c1_test_tmpdir());
	const char *script = write_script(
	    "creds.sh",
	    "echo run >> \"$1\"\n"
	    "printf '{\"Version\": 1, \"AccessKeyId\": \"AKIAPROC\", \"SecretAccessKey\": "
	    "\"PROCSECRETKEY\",'\n"
	    "printf ' \"SessionToken\": \"PROCTOKEN\", \"Expiration\": \"2024-01-01T01:00:00Z\"}'\n"
	    "echo 'some diagnostics' >&2");
	char *command = c1_asprintf("'%s' '%s'", script, count);
	struct c1_aws_config *cfg = process_config(command);
	struct c1_fake_clock fc;
	c1_fake_clock_init(&fc, T0_MS);
	struct c1_aws_profile_provider_options opts = {.env = &s_env, .clock = &fc.clock};
	struct c1_aws_credentials_provider *p = NULL;
	struct c1_aws_credentials *c = NULL;
	C1_CHECK_INT(provider_for(&p, cfg, "proc", &opts), ==, 0);
	C1_CHECK_INT(count_lines(count), ==, 0); /* nothing runs before the first get */
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, 0);
	C1_CHECK_STR(c1_secret_reveal(&c->access_key_id), "AKIAPROC");
	C1_CHECK_STR(c1_secret_reveal(&c->secret_access_key), "PROCSECRETKEY");
	C1_CHECK_STR(c1_secret_reveal(&c->session_token), "PROCTOKEN");
	C1_CHECK_INT(c->expiration_ms, ==, T0_MS + 3600 * 1000);
	C1_CHECK_STR(c->source, "profile \"proc\": credential_process");
	c1_aws_credentials_release(c);
	/* within validity: cached */
	c1_fake_clock_advance(&fc, 50 * 60 * 1000);
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, 0);
	c1_aws_credentials_release(c);
	C1_CHECK_INT(count_lines(count), ==, 1);
	/* inside the 5-minute margin: run again */
	c1_fake_clock_advance(&fc, 6 * 60 * 1000);
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, 0);
	c1_aws_credentials_release(c);
	C1_CHECK_INT(count_lines(count), ==, 2);
	c1_aws_credentials_provider_release(p);
	c1_aws_config_free(cfg);
	free(command);
	free((char *)count);
}

C1_TEST(process_without_expiration_runs_once)
{
	const char *count = c1_asprintf("%s/count", c1_test_tmpdir());
	const char *script =
	    write_script("creds.sh", "echo run >> \"$1\"\n"
				     "echo '{\"Version\": 1.0, \"AccessKeyId\": \"AKIAPROC\", "
				     "\"SecretAccessKey\": \"PROCSECRETKEY\", \"SessionToken\": null}'");
	char *command = c1_asprintf("%s %s", script, count);
	struct c1_aws_config *cfg = process_config(command);
	struct c1_aws_credentials_provider *p = NULL;
	struct c1_aws_credentials *c = NULL;
	C1_CHECK_INT(provider_for(&p, cfg, "proc", NULL), ==, 0);
	for (int i = 0; i < 3; i++) {
		C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, 0);
		C1_CHECK(!c1_secret_is_set(&c->session_token));
		C1_CHECK_INT(c->expiration_ms, ==, 0);
		c1_aws_credentials_release(c);
	}
	C1_CHECK_INT(count_lines(count), ==, 1);
	c1_aws_credentials_provider_release(p);
	c1_aws_config_free(cfg);
	free(command);
	free((char *)count);
}

/* Run a credential_process that should fail; returns the rc of get(). */
static int process_fails(const char *body, long timeout_ms)
{
	const char *script = write_script("bad.sh", body);
	struct c1_aws_config *cfg = process_config(script);
	struct c1_aws_profile_provider_options opts = {.env = &s_env, .process_timeout_ms = timeout_ms};
	struct c1_aws_credentials_provider *p = NULL;
	struct c1_aws_credentials *c = NULL;
	C1_CHECK_INT(provider_for(&p, cfg, "proc", &opts), ==, 0);
	int rc = c1_aws_credentials_provider_get(p, &c);
	C1_CHECK(c == NULL);
	check_no_secret(c1_error_last());
	C1_CHECK_CONTAINS(c1_error_last(), "\"proc\"");
	c1_aws_credentials_provider_release(p);
	c1_aws_config_free(cfg);
	return rc;
}

C1_TEST(process_failures)
{
	C1_CHECK_INT(process_fails("echo '{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": "
				   "\"STDOUTSECRET\"}'\necho 'token expired, run login' >&2\nexit 3",
				   0),
		     ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "status 3");
	C1_CHECK_CONTAINS(c1_error_last(), "token expired, run login");

	C1_CHECK_INT(process_fails("echo 'not json STDOUTSECRET'", 0), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "JSON");

	C1_CHECK_INT(process_fails("echo '{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": "
				   "\"STDOUTSECRET\"}'",
				   0),
		     ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "Version");

	C1_CHECK_INT(process_fails("echo '{\"Version\": 1, \"AccessKeyId\": \"STDOUTSECRET\"}'", 0), ==,
		     C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "SecretAccessKey");

	C1_CHECK_INT(process_fails("echo '{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": "
				   "\"STDOUTSECRET\", \"Expiration\": \"tomorrow\"}'",
				   0),
		     ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "Expiration");

	/* stderr is truncated in the message */
	C1_CHECK_INT(
	    process_fails("i=0; while [ $i -lt 200 ]; do printf 'xxxxxxxxxx' >&2; i=$((i+1)); done; exit 1",
			  0),
	    ==, C1_ECONFIG);
	C1_CHECK_INT(strlen(c1_error_last()), <, 700);
	C1_CHECK_CONTAINS(c1_error_last(), "...");
}

C1_TEST(process_timeout_kills_the_process_group)
{
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	/* a grandchild keeps stdout open: only killing the group ends the wait */
	C1_CHECK_INT(process_fails("sleep 20 &\nsleep 20", 300), ==, C1_ETIMEOUT);
	clock_gettime(CLOCK_MONOTONIC, &b);
	C1_CHECK_CONTAINS(c1_error_last(), "did not finish");
	long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	C1_CHECK_INT(ms, <, 3000);
}

C1_TEST(process_not_found_and_bad_quoting)
{
	struct c1_aws_config *cfg = process_config("/nonexistent/helper --flag");
	struct c1_aws_credentials_provider *p = NULL;
	struct c1_aws_credentials *c = NULL;
	C1_CHECK_INT(provider_for(&p, cfg, "proc", NULL), ==, 0);
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "/nonexistent/helper");
	c1_aws_credentials_provider_release(p);
	c1_aws_config_free(cfg);

	cfg = process_config("/bin/helper 'unbalanced");
	C1_CHECK_INT(provider_for(&p, cfg, "proc", NULL), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "quote");
	c1_aws_config_free(cfg);
}

C1_TEST(provider_precedence_like_botocore)
{
	const char *script = write_script("p.sh", "echo '{\"Version\": 1, \"AccessKeyId\": \"AKIAPROC\", "
						  "\"SecretAccessKey\": \"PROCSECRETKEY\"}'");
	char *config = c1_asprintf("[profile both]\ncredential_process = %s\n"
				   "aws_access_key_id = AKIACONFIG\naws_secret_access_key = wJalrMGMTSECRET\n"
				   "[profile credsfile]\ncredential_process = %s\n",
				   script, script);
	struct c1_aws_config *cfg = parse_ok(
	    config, "[credsfile]\naws_access_key_id = AKIACREDS\naws_secret_access_key = wJalrMGMTSECRET\n");
	struct c1_aws_credentials_provider *p = NULL;
	struct c1_aws_credentials *c = NULL;
	/* credential_process beats static keys in the config file ... */
	C1_CHECK_INT(provider_for(&p, cfg, "both", NULL), ==, 0);
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, 0);
	C1_CHECK_STR(c1_secret_reveal(&c->access_key_id), "AKIAPROC");
	c1_aws_credentials_release(c);
	c1_aws_credentials_provider_release(p);
	/* ... but static keys in the credentials file beat credential_process */
	C1_CHECK_INT(provider_for(&p, cfg, "credsfile", NULL), ==, 0);
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, 0);
	C1_CHECK_STR(c1_secret_reveal(&c->access_key_id), "AKIACREDS");
	c1_aws_credentials_release(c);
	c1_aws_credentials_provider_release(p);
	c1_aws_config_free(cfg);
	free(config);
}

/* ---- AssumeRole through a scripted transport */

static char *sts_xml(const char *akid, const char *secret, const char *token, const char *expiration)
{
	return c1_asprintf("<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
			   "  <AssumeRoleResult>\n"
			   "    <Credentials>\n"
			   "      <AccessKeyId>%s</AccessKeyId>\n"
			   "      <SecretAccessKey>%s</SecretAccessKey>\n"
			   "      <SessionToken>%s</SessionToken>\n"
			   "      <Expiration>%s</Expiration>\n"
			   "    </Credentials>\n"
			   "    <AssumedRoleUser><Arn>arn:aws:sts::111122223333:assumed-role/X/s</Arn>"
			   "<AssumedRoleId>AROAX:s</AssumedRoleId></AssumedRoleUser>\n"
			   "  </AssumeRoleResult>\n"
			   "  <ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>\n"
			   "</AssumeRoleResponse>\n",
			   akid, secret, token, expiration);
}

static void push_sts(struct c1_http_script *s, const char *akid, const char *secret, const char *token,
		     const char *expiration)
{
	char *xml = sts_xml(akid, secret, token, expiration);
	c1_http_script_push(s, 200, "Content-Type: text/xml\nx-amzn-RequestId: req-1", xml);
	free(xml);
}

static const char *s_role_config = "[profile acct-a]\n"
				   "role_arn = arn:aws:iam::111122223333:role/OnboardA\n"
				   "source_profile = mgmt\n"
				   "external_id = ext-1234\n"
				   "role_session_name = c1-batch\n"
				   "duration_seconds = 1800\n"
				   "region = eu-west-1\n"
				   "[profile acct-b]\n"
				   "role_arn = arn:aws:iam::444455556666:role/OnboardB\n"
				   "source_profile = acct-a\n"
				   "region = us-east-2\n";

C1_TEST(assume_role_request_cache_and_refresh)
{
	struct c1_aws_config *cfg = parse_ok(s_role_config, s_mgmt_creds);
	struct c1_http_script *script = c1_http_script_new();
	struct c1_fake_clock fc;
	c1_fake_clock_init(&fc, T0_MS);
	struct c1_aws_profile_provider_options opts = {
	    .env = &s_env, .transport = c1_http_script_transport(script), .clock = &fc.clock};
	struct c1_aws_credentials_provider *p = NULL;
	struct c1_aws_credentials *c = NULL;

	C1_CHECK_INT(provider_for(&p, cfg, "acct-a", &opts), ==, 0);
	C1_CHECK_INT(c1_http_script_count(script), ==, 0);
	push_sts(script, "ASIAROLEA", "ROLEASECRET", "ROLEATOKEN", "2024-01-01T01:00:00Z");
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, 0);
	C1_CHECK_STR(c1_secret_reveal(&c->access_key_id), "ASIAROLEA");
	C1_CHECK_STR(c1_secret_reveal(&c->secret_access_key), "ROLEASECRET");
	C1_CHECK_STR(c1_secret_reveal(&c->session_token), "ROLEATOKEN");
	C1_CHECK_INT(c->expiration_ms, ==, T0_MS + 3600 * 1000);
	C1_CHECK_STR(c->source, "profile \"acct-a\": assume-role arn:aws:iam::111122223333:role/OnboardA via "
				"profile \"mgmt\": static keys in /t/credentials");
	c1_aws_credentials_release(c);

	C1_CHECK_INT(c1_http_script_count(script), ==, 1);
	const struct c1_http_script_request *req = c1_http_script_request(script, 0);
	C1_CHECK_STR(req->method, "POST");
	C1_CHECK_STR(req->url,
		     "https://sts.eu-west-1.amazonaws.com"); /* regional, from the profile's region */
	C1_CHECK_CONTAINS(req->body, "Action=AssumeRole");
	C1_CHECK_CONTAINS(req->body, "RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2FOnboardA");
	C1_CHECK_CONTAINS(req->body, "RoleSessionName=c1-batch");
	C1_CHECK_CONTAINS(req->body, "ExternalId=ext-1234");
	C1_CHECK_CONTAINS(req->body, "DurationSeconds=1800");
	/* signed with the source profile's keys */
	C1_CHECK_CONTAINS(c1_headers_get(&req->headers, "Authorization"),
			  "Credential=AKIAMGMT/20240101/eu-west-1/sts/");
	C1_CHECK_STR(c1_headers_get(&req->headers, "X-Amz-Security-Token"), "MGMTSESSIONTOKEN");

	/* within expiry minus margin: no new call */
	c1_fake_clock_advance(&fc, 54 * 60 * 1000);
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, 0);
	c1_aws_credentials_release(c);
	C1_CHECK_INT(c1_http_script_count(script), ==, 1);
	/* past expiry minus the 5-minute margin: one new call */
	push_sts(script, "ASIAROLEA2", "ROLEASECRET", "ROLEATOKEN", "2024-01-01T02:00:00Z");
	c1_fake_clock_advance(&fc, 2 * 60 * 1000);
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, 0);
	C1_CHECK_STR(c1_secret_reveal(&c->access_key_id), "ASIAROLEA2");
	c1_aws_credentials_release(c);
	C1_CHECK_INT(c1_http_script_count(script), ==, 2);

	/* a failed refresh while the old credentials are still valid keeps them */
	c1_fake_clock_advance(&fc, 61 * 60 * 1000); /* 01:57, expiry 02:00 */
	c1_http_script_push(
	    script, 403, "Content-Type: text/xml",
	    "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>no</Message>"
	    "</Error><RequestId>r2</RequestId></ErrorResponse>");
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, 0);
	C1_CHECK_STR(c1_secret_reveal(&c->access_key_id), "ASIAROLEA2");
	c1_aws_credentials_release(c);
	C1_CHECK_INT(c1_http_script_count(script), ==, 3);
	/* once expired, the failure surfaces with the role and the STS code */
	c1_fake_clock_advance(&fc, 5 * 60 * 1000);
	c1_http_script_push(
	    script, 403, "Content-Type: text/xml",
	    "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>no</Message>"
	    "</Error><RequestId>r3</RequestId></ErrorResponse>");
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, C1_EAPI);
	C1_CHECK_CONTAINS(c1_error_last(), "OnboardA");
	C1_CHECK_CONTAINS(c1_error_last(), "AccessDenied");
	check_no_secret(c1_error_last());
	C1_CHECK_INT(c1_http_script_count(script), ==, 4);
	/* answers that may pass when sent again say so by their code (the engine
	 * retries them instead of judging the row invalid) */
	c1_http_script_push(
	    script, 400, "Content-Type: text/xml",
	    "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>"
	    "</Error><RequestId>r4</RequestId></ErrorResponse>");
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, C1_ETHROTTLED);
	c1_http_script_push(script, 503, "Content-Type: text/xml", "");
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, C1_ETRANSPORT);
	c1_http_script_push(script, 200, "Content-Type: text/xml",
			    "<AssumeRoleResponse><AssumeRoleResult><Cred");
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, C1_ETRANSPORT);
	C1_CHECK_CONTAINS(c1_error_last(), "OnboardA");

	c1_aws_credentials_provider_release(p);
	c1_http_script_free(script);
	c1_aws_config_free(cfg);
}

C1_TEST(assume_role_chain_of_two)
{
	struct c1_aws_config *cfg = parse_ok(s_role_config, s_mgmt_creds);
	struct c1_http_script *script = c1_http_script_new();
	struct c1_fake_clock fc;
	c1_fake_clock_init(&fc, T0_MS);
	struct c1_aws_profile_provider_options opts = {
	    .env = &s_env, .transport = c1_http_script_transport(script), .clock = &fc.clock};
	struct c1_aws_credentials_provider *p = NULL;
	struct c1_aws_credentials *c = NULL;

	C1_CHECK_INT(provider_for(&p, cfg, "acct-b", &opts), ==, 0);
	C1_CHECK_STR(p->description,
		     "profile \"acct-b\": assume-role arn:aws:iam::444455556666:role/OnboardB via "
		     "profile \"acct-a\": assume-role arn:aws:iam::111122223333:role/OnboardA via "
		     "profile \"mgmt\": static keys in /t/credentials");
	push_sts(script, "ASIAROLEA", "ROLEASECRET", "ROLEATOKEN", "2024-01-01T01:00:00Z");
	push_sts(script, "ASIAROLEB", "ROLEBSECRET", "ROLEBTOKEN", "2024-01-01T01:00:00Z");
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, 0);
	C1_CHECK_STR(c1_secret_reveal(&c->access_key_id), "ASIAROLEB");
	check_no_secret(c->source);
	c1_aws_credentials_release(c);
	C1_CHECK_INT(c1_http_script_count(script), ==, 2);
	const struct c1_http_script_request *first = c1_http_script_request(script, 0);
	const struct c1_http_script_request *second = c1_http_script_request(script, 1);
	C1_CHECK_CONTAINS(first->body, "role%2FOnboardA");
	C1_CHECK_CONTAINS(c1_headers_get(&first->headers, "Authorization"), "Credential=AKIAMGMT/");
	C1_CHECK_CONTAINS(second->body, "role%2FOnboardB");
	C1_CHECK_NOT_CONTAINS(second->body, "ExternalId"); /* acct-b has none */
	C1_CHECK_CONTAINS(c1_headers_get(&second->headers, "Authorization"), "Credential=ASIAROLEA/");
	C1_CHECK_STR(c1_headers_get(&second->headers, "X-Amz-Security-Token"), "ROLEATOKEN");
	/* every hop uses the STS endpoint of the top-level profile (botocore) */
	C1_CHECK_STR(first->url, "https://sts.us-east-2.amazonaws.com");
	C1_CHECK_STR(second->url, "https://sts.us-east-2.amazonaws.com");

	c1_aws_credentials_provider_release(p);
	c1_http_script_free(script);
	c1_aws_config_free(cfg);
}

C1_TEST(source_profile_loops_and_self_reference)
{
	struct c1_aws_config *cfg =
	    parse_ok("[profile a]\nrole_arn = arn:aws:iam::111122223333:role/A\n"
		     "source_profile = b\n"
		     "[profile b]\nrole_arn = arn:aws:iam::111122223333:role/B\n"
		     "source_profile = a\n"
		     "[profile self]\nrole_arn = arn:aws:iam::111122223333:role/S\n"
		     "source_profile = self\n"
		     "[profile selfkeys]\nrole_arn = arn:aws:iam::111122223333:role/K\n"
		     "source_profile = selfkeys\n",
		     "[selfkeys]\naws_access_key_id = AKIASELF\n"
		     "aws_secret_access_key = wJalrMGMTSECRET\n");
	struct c1_http_script *script = c1_http_script_new();
	struct c1_fake_clock fc;
	c1_fake_clock_init(&fc, T0_MS);
	struct c1_aws_profile_provider_options opts = {
	    .env = &s_env, .transport = c1_http_script_transport(script), .clock = &fc.clock};
	struct c1_aws_credentials_provider *p = NULL;
	struct c1_aws_credentials *c = NULL;

	C1_CHECK_INT(provider_for(&p, cfg, "a", &opts), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "loop: a -> b -> a");
	C1_CHECK_INT(provider_for(&p, cfg, "self", &opts), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "loop");
	/* a role profile naming itself uses its own static keys as the source (botocore) */
	C1_CHECK_INT(provider_for(&p, cfg, "selfkeys", &opts), ==, 0);
	push_sts(script, "ASIAROLEA", "ROLEASECRET", "ROLEATOKEN", "2024-01-01T01:00:00Z");
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, 0);
	C1_CHECK_STR(c1_secret_reveal(&c->access_key_id), "ASIAROLEA");
	C1_CHECK_CONTAINS(c1_headers_get(&c1_http_script_request(script, 0)->headers, "Authorization"),
			  "Credential=AKIASELF/");
	/* no region anywhere: the global STS endpoint */
	C1_CHECK_STR(c1_http_script_request(script, 0)->url, "https://sts.amazonaws.com");
	c1_aws_credentials_release(c);
	c1_aws_credentials_provider_release(p);
	c1_http_script_free(script);
	c1_aws_config_free(cfg);
}

C1_TEST(credential_source_environment)
{
	struct c1_aws_config *cfg =
	    parse_ok("[profile e]\nrole_arn = arn:aws:iam::111122223333:role/E\n"
		     "credential_source = Environment\nregion = us-west-2\n"
		     "[profile imds]\nrole_arn = arn:aws:iam::111122223333:role/E\n"
		     "credential_source = Ec2InstanceMetadata\n"
		     "[profile typo]\nrole_arn = arn:aws:iam::111122223333:role/E\n"
		     "credential_source = environment\n"
		     "[profile both]\nrole_arn = arn:aws:iam::111122223333:role/E\n"
		     "credential_source = Environment\nsource_profile = e\n"
		     "[profile neither]\nrole_arn = arn:aws:iam::111122223333:role/E\n",
		     NULL);
	const char *const vars[] = {"AWS_ACCESS_KEY_ID", "AKIAENV", "AWS_SECRET_ACCESS_KEY", "ENVSECRET",
				    NULL};
	struct fake_env fe = {vars};
	struct c1_aws_env env = {fake_getenv, &fe};
	struct c1_http_script *script = c1_http_script_new();
	struct c1_fake_clock fc;
	c1_fake_clock_init(&fc, T0_MS);
	struct c1_aws_profile_provider_options opts = {
	    .env = &env, .transport = c1_http_script_transport(script), .clock = &fc.clock};
	struct c1_aws_credentials_provider *p = NULL;
	struct c1_aws_credentials *c = NULL;

	C1_CHECK_INT(provider_for(&p, cfg, "e", &opts), ==, 0);
	push_sts(script, "ASIAROLEA", "ROLEASECRET", "ROLEATOKEN", "2024-01-01T01:00:00Z");
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, 0);
	C1_CHECK_CONTAINS(c1_headers_get(&c1_http_script_request(script, 0)->headers, "Authorization"),
			  "Credential=AKIAENV/");
	C1_CHECK_CONTAINS(c->source, "credential_source Environment");
	c1_aws_credentials_release(c);
	c1_aws_credentials_provider_release(p);

	/* IMDS is built (nothing fetched yet) */
	C1_CHECK_INT(provider_for(&p, cfg, "imds", &opts), ==, 0);
	c1_aws_credentials_provider_release(p);
	C1_CHECK_INT(provider_for(&p, cfg, "typo", &opts), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "not valid");
	C1_CHECK_INT(provider_for(&p, cfg, "both", &opts), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "both source_profile and credential_source");
	C1_CHECK_INT(provider_for(&p, cfg, "neither", &opts), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "neither source_profile nor credential_source");

	fe.vars = no_vars;
	C1_CHECK_INT(provider_for(&p, cfg, "e", &opts), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "AWS_ACCESS_KEY_ID");
	c1_http_script_free(script);
	c1_aws_config_free(cfg);
}

C1_TEST(unsupported_profiles_are_refused)
{
	struct c1_aws_config *cfg =
	    parse_ok("[profile sso]\nsso_account_id = 111122223333\nsso_role_name = Admin\n"
		     "sso_session = corp\n"
		     "[profile web]\nweb_identity_token_file = /tmp/token\n"
		     "[profile mfa]\nrole_arn = arn:aws:iam::111122223333:role/M\n"
		     "source_profile = mgmt\nmfa_serial = arn:aws:iam::111122223333:mfa/u\n"
		     "[profile dangling]\nrole_arn = arn:aws:iam::111122223333:role/D\n"
		     "source_profile = ghost\n"
		     "[profile empty]\nregion = us-east-1\n"
		     "[profile srcempty]\nrole_arn = arn:aws:iam::111122223333:role/D\n"
		     "source_profile = empty\n"
		     "[profile baddur]\nrole_arn = arn:aws:iam::111122223333:role/D\n"
		     "source_profile = mgmt\nduration_seconds = 1h\n",
		     s_mgmt_creds);
	struct c1_http_script *script = c1_http_script_new();
	struct c1_aws_profile_provider_options opts = {.env = &s_env,
						       .transport = c1_http_script_transport(script)};
	struct c1_aws_credentials_provider *p = NULL;

	C1_CHECK_INT(provider_for(&p, cfg, "sso", &opts), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "sso-session corp");
	C1_CHECK_INT(provider_for(&p, cfg, "web", &opts), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "no role ARN");
	C1_CHECK_INT(provider_for(&p, cfg, "mfa", &opts), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "mfa_serial");
	C1_CHECK_CONTAINS(c1_error_last(), "/t/config:10");
	C1_CHECK_INT(provider_for(&p, cfg, "dangling", &opts), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "source_profile \"ghost\"");
	C1_CHECK_INT(provider_for(&p, cfg, "empty", &opts), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "profile \"empty\" has no credentials");
	C1_CHECK_INT(provider_for(&p, cfg, "srcempty", &opts), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "source profile \"empty\" must have credentials");
	C1_CHECK_INT(provider_for(&p, cfg, "baddur", &opts), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "duration_seconds");
	C1_CHECK_INT(provider_for(&p, cfg, "nosuch", &opts), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "profile \"nosuch\"");
	C1_CHECK_CONTAINS(c1_error_last(), "/t/config");
	C1_CHECK_CONTAINS(c1_error_last(), "/t/credentials");
	C1_CHECK(p == NULL);
	C1_CHECK_INT(c1_http_script_count(script), ==, 0);
	c1_http_script_free(script);
	c1_aws_config_free(cfg);
}

C1_TEST(default_profile_from_aws_profile)
{
	struct c1_aws_config *cfg = parse_ok(NULL, s_mgmt_creds);
	const char *const vars[] = {"AWS_PROFILE", "mgmt", NULL};
	struct fake_env fe = {vars};
	struct c1_aws_env env = {fake_getenv, &fe};
	struct c1_aws_profile_provider_options opts = {.env = &env};
	struct c1_aws_credentials_provider *p = NULL;
	C1_CHECK_INT(provider_for(&p, cfg, NULL, &opts), ==, 0);
	C1_CHECK_CONTAINS(p->description, "\"mgmt\"");
	c1_aws_credentials_provider_release(p);
	opts.env = &s_env;
	C1_CHECK_INT(provider_for(&p, cfg, NULL, &opts), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "profile \"default\"");
	c1_aws_config_free(cfg);
}

/* ---- concurrency: callers waiting for one refresh share it */

struct slow_transport {
	struct c1_http_transport base;
	struct c1_http_transport *inner;
};

static int slow_send(struct c1_http_transport *self, const struct c1_http_request *req,
		     struct c1_http_response *out)
{
	struct slow_transport *s = (struct slow_transport *)self;
	struct timespec ts = {0, 150 * 1000000L};
	nanosleep(&ts, NULL);
	return c1_http_send(s->inner, req, out);
}

struct worker {
	struct c1_aws_credentials_provider *p;
	int rc;
	char akid[32];
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct c1_aws_credentials *c = NULL;
	w->rc = c1_aws_credentials_provider_get(w->p, &c);
	if (c)
		snprintf(w->akid, sizeof(w->akid), "%s", c1_secret_reveal(&c->access_key_id));
	c1_aws_credentials_release(c);
	return NULL;
}

C1_TEST(concurrent_callers_make_one_sts_call)
{
	struct c1_aws_config *cfg = parse_ok(s_role_config, s_mgmt_creds);
	struct c1_http_script *script = c1_http_script_new();
	struct slow_transport slow = {{slow_send, NULL, NULL}, c1_http_script_transport(script)};
	struct c1_fake_clock fc;
	c1_fake_clock_init(&fc, T0_MS);
	struct c1_aws_profile_provider_options opts = {
	    .env = &s_env, .transport = &slow.base, .clock = &fc.clock};
	struct c1_aws_credentials_provider *p = NULL;
	C1_CHECK_INT(provider_for(&p, cfg, "acct-a", &opts), ==, 0);
	for (int i = 0; i < 8; i++)
		push_sts(script, "ASIAROLEA", "ROLEASECRET", "ROLEATOKEN", "2024-01-01T01:00:00Z");
	pthread_t threads[8];
	struct worker workers[8];
	for (int i = 0; i < 8; i++) {
		workers[i] = (struct worker){p, -100, ""};
		C1_CHECK_INT(pthread_create(&threads[i], NULL, worker_main, &workers[i]), ==, 0);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(threads[i], NULL);
		C1_CHECK_INT(workers[i].rc, ==, 0);
		C1_CHECK_STR(workers[i].akid, "ASIAROLEA");
	}
	C1_CHECK_INT(c1_http_script_count(script), ==, 1);
	c1_aws_credentials_provider_release(p);
	c1_http_script_free(script);
	c1_aws_config_free(cfg);
}

/* ---- AssumeRoleWithWebIdentity */

static void push_web_sts(struct c1_http_script *s, const char *akid, const char *expiration)
{
	char *xml = c1_asprintf(
	    "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
	    "<AssumeRoleWithWebIdentityResult><SubjectFromWebIdentityToken>sub</SubjectFromWebIdentityToken>"
	    "<AssumedRoleUser><Arn>arn:aws:sts::111122223333:assumed-role/W/pod</Arn>"
	    "<AssumedRoleId>AROAW:pod</AssumedRoleId></AssumedRoleUser><Credentials>"
	    "<SessionToken>ROLEATOKEN</SessionToken><SecretAccessKey>ROLEASECRET</SecretAccessKey>"
	    "<Expiration>%s</Expiration><AccessKeyId>%s</AccessKeyId></Credentials>"
	    "<Provider>oidc.example</Provider></AssumeRoleWithWebIdentityResult>"
	    "<ResponseMetadata><RequestId>w-1</RequestId></ResponseMetadata>"
	    "</AssumeRoleWithWebIdentityResponse>",
	    expiration, akid);
	c1_http_script_push(s, 200, "Content-Type: text/xml", xml);
	free(xml);
}

C1_TEST(web_identity_request_cache_refresh_and_token_reread)
{
	const char *token_path = c1_test_write_file("web-token", "WEBTOKENONE", 0600);
	char *config =
	    c1_asprintf("[profile web]\nrole_arn = arn:aws:iam::111122223333:role/W\n"
			"web_identity_token_file = %s\nrole_session_name = pod\nregion = us-west-2\n"
			"[profile norole]\nweb_identity_token_file = %s\n"
			"[profile bare]\nregion = us-west-2\n",
			token_path, token_path);
	struct c1_aws_config *cfg = parse_ok(config, NULL);
	struct c1_http_script *script = c1_http_script_new();
	struct c1_fake_clock fc;
	c1_fake_clock_init(&fc, T0_MS);
	struct c1_aws_profile_provider_options opts = {
	    .env = &s_env, .transport = c1_http_script_transport(script), .clock = &fc.clock};
	struct c1_aws_credentials_provider *p = NULL;
	struct c1_aws_credentials *c = NULL;

	C1_CHECK_INT(provider_for(&p, cfg, "web", &opts), ==, 0);
	C1_CHECK_INT(c1_http_script_count(script), ==, 0);
	push_web_sts(script, "ASIAWEB1", "2024-01-01T01:00:00Z");
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, 0);
	C1_CHECK_STR(c1_secret_reveal(&c->access_key_id), "ASIAWEB1");
	C1_CHECK_STR(c1_secret_reveal(&c->secret_access_key), "ROLEASECRET");
	C1_CHECK_STR(c1_secret_reveal(&c->session_token), "ROLEATOKEN");
	C1_CHECK_INT(c->expiration_ms, ==, T0_MS + 3600 * 1000);
	C1_CHECK_CONTAINS(c->source, "web identity arn:aws:iam::111122223333:role/W");
	check_no_secret(c->source);
	c1_aws_credentials_release(c);
	const struct c1_http_script_request *req = c1_http_script_request(script, 0);
	C1_CHECK_STR(req->method, "POST");
	C1_CHECK_STR(req->url, "https://sts.us-west-2.amazonaws.com");
	C1_CHECK_CONTAINS(req->body, "Action=AssumeRoleWithWebIdentity");
	C1_CHECK_CONTAINS(req->body, "RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2FW");
	C1_CHECK_CONTAINS(req->body, "RoleSessionName=pod");
	C1_CHECK_CONTAINS(req->body, "WebIdentityToken=WEBTOKENONE");
	/* unsigned: the token is the credential */
	C1_CHECK(c1_headers_get(&req->headers, "Authorization") == NULL);
	C1_CHECK(c1_headers_get(&req->headers, "X-Amz-Security-Token") == NULL);

	/* cached until expiry minus the margin */
	c1_fake_clock_advance(&fc, 54 * 60 * 1000);
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, 0);
	c1_aws_credentials_release(c);
	C1_CHECK_INT(c1_http_script_count(script), ==, 1);
	/* Kubernetes rotated the token: the refresh reads the file again */
	c1_test_write_file("web-token", "WEBTOKENTWO", 0600);
	c1_fake_clock_advance(&fc, 2 * 60 * 1000);
	push_web_sts(script, "ASIAWEB2", "2024-01-01T02:00:00Z");
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, 0);
	C1_CHECK_STR(c1_secret_reveal(&c->access_key_id), "ASIAWEB2");
	c1_aws_credentials_release(c);
	C1_CHECK_INT(c1_http_script_count(script), ==, 2);
	C1_CHECK_CONTAINS(c1_http_script_request(script, 1)->body, "WebIdentityToken=WEBTOKENTWO");

	/* STS refuses the token: the code and the role, never the token */
	c1_fake_clock_advance(&fc, 2 * 3600 * 1000);
	c1_http_script_push(script, 400, "Content-Type: text/xml",
			    "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code>"
			    "<Message>Couldn't retrieve verification key</Message></Error>"
			    "<RequestId>w-2</RequestId></ErrorResponse>");
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, C1_EAPI);
	C1_CHECK_CONTAINS(c1_error_last(), "InvalidIdentityToken");
	C1_CHECK_CONTAINS(c1_error_last(), "role/W");
	check_no_secret(c1_error_last());
	c1_aws_credentials_provider_release(p);

	/* missing pieces */
	C1_CHECK_INT(provider_for(&p, cfg, "norole", &opts), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "profile \"norole\"");
	C1_CHECK_CONTAINS(c1_error_last(), "add role_arn");
	C1_CHECK_INT(provider_for(&p, cfg, "bare", &opts), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "has no credentials");

	/* the environment's web identity serves a profile without credentials of its own */
	const char *const vars[] = {"AWS_WEB_IDENTITY_TOKEN_FILE", token_path, "AWS_ROLE_ARN",
				    "arn:aws:iam::111122223333:role/EnvW", NULL};
	struct fake_env fe = {vars};
	struct c1_aws_env env = {fake_getenv, &fe};
	opts.env = &env;
	C1_CHECK_INT(provider_for(&p, cfg, "bare", &opts), ==, 0);
	C1_CHECK_CONTAINS(p->description, "from the environment");
	push_web_sts(script, "ASIAWEB3", "2024-01-01T05:00:00Z");
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, 0);
	C1_CHECK_STR(c1_secret_reveal(&c->access_key_id), "ASIAWEB3");
	c1_aws_credentials_release(c);
	C1_CHECK_CONTAINS(c1_http_script_request(script, 3)->body, "role%2FEnvW");
	C1_CHECK_CONTAINS(c1_http_script_request(script, 3)->body, "RoleSessionName=c1onboard-");
	c1_aws_credentials_provider_release(p);
	const char *const no_role[] = {"AWS_WEB_IDENTITY_TOKEN_FILE", token_path, NULL};
	fe.vars = no_role;
	C1_CHECK_INT(provider_for(&p, cfg, "bare", &opts), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "AWS_ROLE_ARN");

	/* an unreadable token file names the path at fetch time */
	const char *const gone[] = {"AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent/token", "AWS_ROLE_ARN",
				    "arn:aws:iam::111122223333:role/EnvW", NULL};
	fe.vars = gone;
	C1_CHECK_INT(provider_for(&p, cfg, "bare", &opts), ==, 0);
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "/nonexistent/token");
	c1_aws_credentials_provider_release(p);

	c1_http_script_free(script);
	c1_aws_config_free(cfg);
	free(config);
}

/* ---- credential_source Ec2InstanceMetadata (IMDSv2) */

static const char *s_imds_creds_json =
    "{\"Code\": \"Success\", \"LastUpdated\": \"2024-01-01T00:00:00Z\", \"Type\": \"AWS-HMAC\", "
    "\"AccessKeyId\": \"ASIAIMDS\", \"SecretAccessKey\": \"IMDSSECRET\", \"Token\": \"ROLEBTOKEN\", "
    "\"Expiration\": \"2024-01-01T06:00:00Z\"}";

C1_TEST(imds_v2_token_then_credentials_then_assume_role)
{
	struct c1_aws_config *cfg = parse_ok("[profile ec2]\nrole_arn = arn:aws:iam::111122223333:role/E\n"
					     "credential_source = Ec2InstanceMetadata\nregion = us-east-2\n",
					     NULL);
	const char *const vars[] = {"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:8111/", NULL};
	struct fake_env fe = {vars};
	struct c1_aws_env env = {fake_getenv, &fe};
	struct c1_http_script *script = c1_http_script_new();
	struct c1_fake_clock fc;
	c1_fake_clock_init(&fc, T0_MS);
	struct c1_aws_profile_provider_options opts = {
	    .env = &env, .transport = c1_http_script_transport(script), .clock = &fc.clock};
	struct c1_aws_credentials_provider *p = NULL;
	struct c1_aws_credentials *c = NULL;

	C1_CHECK_INT(provider_for(&p, cfg, "ec2", &opts), ==, 0);
	C1_CHECK_INT(c1_http_script_count(script), ==, 0);
	c1_http_script_push(script, 200, "Content-Type: text/plain", "IMDSSESSIONTOK");
	c1_http_script_push(script, 200, "Content-Type: text/plain", "c1-instance-role\n");
	c1_http_script_push(script, 200, "Content-Type: text/plain", s_imds_creds_json);
	push_sts(script, "ASIAROLEA", "ROLEASECRET", "ROLEATOKEN", "2024-01-01T01:00:00Z");
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, 0);
	C1_CHECK_STR(c1_secret_reveal(&c->access_key_id), "ASIAROLEA");
	C1_CHECK_CONTAINS(c->source, "credential_source Ec2InstanceMetadata");
	check_no_secret(c->source);
	c1_aws_credentials_release(c);
	C1_CHECK_INT(c1_http_script_count(script), ==, 4);
	const struct c1_http_script_request *r0 = c1_http_script_request(script, 0);
	const struct c1_http_script_request *r1 = c1_http_script_request(script, 1);
	const struct c1_http_script_request *r2 = c1_http_script_request(script, 2);
	const struct c1_http_script_request *r3 = c1_http_script_request(script, 3);
	C1_CHECK_STR(r0->method, "PUT");
	C1_CHECK_STR(r0->url, "http://127.0.0.1:8111/latest/api/token");
	C1_CHECK_STR(c1_headers_get(&r0->headers, "x-aws-ec2-metadata-token-ttl-seconds"), "21600");
	C1_CHECK_STR(r1->method, "GET");
	C1_CHECK_STR(r1->url, "http://127.0.0.1:8111/latest/meta-data/iam/security-credentials/");
	C1_CHECK_STR(c1_headers_get(&r1->headers, "x-aws-ec2-metadata-token"), "IMDSSESSIONTOK");
	C1_CHECK_STR(r2->url,
		     "http://127.0.0.1:8111/latest/meta-data/iam/security-credentials/c1-instance-role");
	C1_CHECK_STR(c1_headers_get(&r2->headers, "x-aws-ec2-metadata-token"), "IMDSSESSIONTOK");
	/* the instance role's keys sign the AssumeRole */
	C1_CHECK_CONTAINS(c1_headers_get(&r3->headers, "Authorization"), "Credential=ASIAIMDS/");
	C1_CHECK_STR(c1_headers_get(&r3->headers, "X-Amz-Security-Token"), "ROLEBTOKEN");

	/* refresh of the role: the instance credentials (valid till 06:00) are reused */
	c1_fake_clock_advance(&fc, 56 * 60 * 1000);
	push_sts(script, "ASIAROLEA2", "ROLEASECRET", "ROLEATOKEN", "2024-01-01T02:00:00Z");
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, 0);
	C1_CHECK_STR(c1_secret_reveal(&c->access_key_id), "ASIAROLEA2");
	c1_aws_credentials_release(c);
	C1_CHECK_INT(c1_http_script_count(script), ==, 5);
	c1_aws_credentials_provider_release(p);

	/* no IMDSv2 (405): IMDSv1 without a token; no role: a clear error */
	C1_CHECK_INT(provider_for(&p, cfg, "ec2", &opts), ==, 0);
	c1_http_script_push(script, 405, NULL, "");
	c1_http_script_push(script, 404, NULL, "");
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, C1_EAUTH);
	C1_CHECK_CONTAINS(c1_error_last(), "no IAM role");
	C1_CHECK(c1_headers_get(&c1_http_script_request(script, 6)->headers, "x-aws-ec2-metadata-token") ==
		 NULL);
	c1_aws_credentials_provider_release(p);

	/* AWS_EC2_METADATA_DISABLED refuses at once */
	const char *const off[] = {"AWS_EC2_METADATA_DISABLED", "true", NULL};
	fe.vars = off;
	C1_CHECK_INT(provider_for(&p, cfg, "ec2", &opts), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "AWS_EC2_METADATA_DISABLED");
	/* plain http elsewhere than loopback or the link-local address is refused */
	const char *const far[] = {"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://metadata.example.com", NULL};
	fe.vars = far;
	C1_CHECK_INT(provider_for(&p, cfg, "ec2", &opts), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "plain http");
	/* the default is the fixed link-local address */
	fe.vars = no_vars;
	C1_CHECK_INT(provider_for(&p, cfg, "ec2", &opts), ==, 0);
	C1_CHECK_CONTAINS(p->description, "credential_source Ec2InstanceMetadata");
	c1_http_script_push(script, 200, NULL, "IMDSSESSIONTOK");
	c1_http_script_push(script, 500, NULL, "");
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==,
		     C1_ETRANSPORT); /* may pass when sent again */
	C1_CHECK_STR(c1_http_script_request(script, 7)->url, "http://169.254.169.254/latest/api/token");
	check_no_secret(c1_error_last());
	c1_aws_credentials_provider_release(p);
	c1_http_script_free(script);
	c1_aws_config_free(cfg);
}

/* ---- credential_source EcsContainer */

C1_TEST(ecs_container_credentials_with_authorization_token)
{
	struct c1_aws_config *cfg = parse_ok("[profile ecs]\nrole_arn = arn:aws:iam::111122223333:role/C\n"
					     "credential_source = EcsContainer\nregion = eu-west-1\n",
					     NULL);
	const char *const vars[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9911/creds",
				    "AWS_CONTAINER_AUTHORIZATION_TOKEN", "ECSAUTHTOKEN", NULL};
	struct fake_env fe = {vars};
	struct c1_aws_env env = {fake_getenv, &fe};
	struct c1_http_script *script = c1_http_script_new();
	struct c1_fake_clock fc;
	c1_fake_clock_init(&fc, T0_MS);
	struct c1_aws_profile_provider_options opts = {
	    .env = &env, .transport = c1_http_script_transport(script), .clock = &fc.clock};
	struct c1_aws_credentials_provider *p = NULL;
	struct c1_aws_credentials *c = NULL;

	C1_CHECK_INT(provider_for(&p, cfg, "ecs", &opts), ==, 0);
	c1_http_script_push(script, 200, "Content-Type: application/json",
			    "{\"AccessKeyId\": \"ASIAECS\", \"SecretAccessKey\": \"ECSSECRET\", \"Token\": "
			    "\"ROLEBTOKEN\", \"Expiration\": \"2024-01-01T06:00:00Z\", \"RoleArn\": \"x\"}");
	push_sts(script, "ASIAROLEA", "ROLEASECRET", "ROLEATOKEN", "2024-01-01T01:00:00Z");
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, 0);
	C1_CHECK_STR(c1_secret_reveal(&c->access_key_id), "ASIAROLEA");
	c1_aws_credentials_release(c);
	const struct c1_http_script_request *r0 = c1_http_script_request(script, 0);
	C1_CHECK_STR(r0->method, "GET");
	C1_CHECK_STR(r0->url, "http://127.0.0.1:9911/creds");
	C1_CHECK_STR(c1_headers_get(&r0->headers, "Authorization"), "ECSAUTHTOKEN");
	C1_CHECK_CONTAINS(c1_headers_get(&c1_http_script_request(script, 1)->headers, "Authorization"),
			  "Credential=ASIAECS/");
	c1_aws_credentials_provider_release(p);

	/* RELATIVE_URI goes to the fixed ECS address; the token file wins and is read per fetch */
	const char *token_path = c1_test_write_file("ecs-token", "ECSFILETOKEN\n", 0600);
	const char *const rel[] = {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
				   "/v2/credentials/abc",
				   "AWS_CONTAINER_AUTHORIZATION_TOKEN",
				   "ECSAUTHTOKEN",
				   "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
				   token_path,
				   NULL};
	fe.vars = rel;
	C1_CHECK_INT(provider_for(&p, cfg, "ecs", &opts), ==, 0);
	c1_http_script_push(script, 403, NULL, "{\"message\": \"no\"}");
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, C1_EAUTH);
	C1_CHECK_CONTAINS(c1_error_last(), "HTTP 403");
	check_no_secret(c1_error_last());
	const struct c1_http_script_request *r2 = c1_http_script_request(script, 2);
	C1_CHECK_STR(r2->url, "http://169.254.170.2/v2/credentials/abc");
	C1_CHECK_STR(c1_headers_get(&r2->headers, "Authorization"), "ECSFILETOKEN");
	c1_aws_credentials_provider_release(p);

	/* FULL_URI over plain http to a remote host is refused; no URI at all is explained */
	const char *const remote[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://creds.example.com/x",
				      NULL};
	fe.vars = remote;
	C1_CHECK_INT(provider_for(&p, cfg, "ecs", &opts), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "must be https");
	fe.vars = no_vars;
	C1_CHECK_INT(provider_for(&p, cfg, "ecs", &opts), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	c1_http_script_free(script);
	c1_aws_config_free(cfg);
}

/* ---- IAM Identity Center (SSO) */

static const char *s_sso_config =
    "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
    "sso_region = eu-west-1\n"
    "[profile sso]\nsso_session = corp\nsso_account_id = 111122223333\n"
    "sso_role_name = Admin\nregion = us-east-1\n"
    "[profile legacy]\nsso_start_url = https://legacy.awsapps.com/start\n"
    "sso_region = us-east-2\nsso_account_id = 444455556666\nsso_role_name = Ops\n"
    "[profile norole]\nsso_session = corp\nsso_account_id = 111122223333\n"
    "[profile nosession]\nsso_session = gone\nsso_account_id = 111122223333\n"
    "sso_role_name = Admin\n"
    "[profile clash]\nsso_session = corp\nsso_region = us-west-2\n"
    "sso_account_id = 111122223333\nsso_role_name = Admin\n";

/* sha1("corp") and sha1("https://legacy.awsapps.com/start"): the AWS CLI's cache file names */
#define S_CORP_CACHE   ".aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json"
#define S_LEGACY_CACHE ".aws/sso/cache/79e435d7a515078e81c9dffc35f38d5687ebd3a7.json"

static void write_sso_token(const char *name, const char *expires)
{
	char *json =
	    c1_asprintf("{\"startUrl\": \"https://corp.awsapps.com/start\", \"region\": \"eu-west-1\", "
			"\"accessToken\": \"SSOACCESSTOK\", \"expiresAt\": \"%s\"}",
			expires);
	c1_test_write_file(name, json, 0600);
	free(json);
}

static void push_role_credentials(struct c1_http_script *s, const char *akid, long long expiration_ms)
{
	char *json = c1_asprintf("{\"roleCredentials\": {\"accessKeyId\": \"%s\", \"secretAccessKey\": "
				 "\"SSOSECRET\", \"sessionToken\": \"SSOSESSIONTOK\", \"expiration\": %lld}}",
				 akid, expiration_ms);
	c1_http_script_push(s, 200, "Content-Type: application/json", json);
	free(json);
}

C1_TEST(sso_token_cache_get_role_credentials_and_refresh)
{
	struct c1_aws_config *cfg = parse_ok(s_sso_config, NULL);
	const char *const vars[] = {"HOME", c1_test_tmpdir(), NULL};
	struct fake_env fe = {vars};
	struct c1_aws_env env = {fake_getenv, &fe};
	struct c1_http_script *script = c1_http_script_new();
	struct c1_fake_clock fc;
	c1_fake_clock_init(&fc, T0_MS);
	struct c1_aws_profile_provider_options opts = {
	    .env = &env, .transport = c1_http_script_transport(script), .clock = &fc.clock};
	struct c1_aws_credentials_provider *p = NULL;
	struct c1_aws_credentials *c = NULL;

	char *dir = c1_asprintf("%s/.aws", c1_test_tmpdir());
	mkdir(dir, 0700);
	free(dir);
	dir = c1_asprintf("%s/.aws/sso", c1_test_tmpdir());
	mkdir(dir, 0700);
	free(dir);
	dir = c1_asprintf("%s/.aws/sso/cache", c1_test_tmpdir());
	mkdir(dir, 0700);
	free(dir);
	write_sso_token(S_CORP_CACHE, "2024-01-01T08:00:00Z");
	C1_CHECK_INT(provider_for(&p, cfg, "sso", &opts), ==, 0);
	C1_CHECK_INT(c1_http_script_count(script), ==, 0);
	push_role_credentials(script, "ASIASSO1", T0_MS + 3600 * 1000);
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, 0);
	C1_CHECK_STR(c1_secret_reveal(&c->access_key_id), "ASIASSO1");
	C1_CHECK_STR(c1_secret_reveal(&c->secret_access_key), "SSOSECRET");
	C1_CHECK_STR(c1_secret_reveal(&c->session_token), "SSOSESSIONTOK");
	C1_CHECK_INT(c->expiration_ms, ==, T0_MS + 3600 * 1000);
	C1_CHECK_CONTAINS(c->source, "SSO role Admin in account 111122223333");
	check_no_secret(c->source);
	c1_aws_credentials_release(c);
	const struct c1_http_script_request *r0 = c1_http_script_request(script, 0);
	C1_CHECK_STR(r0->method, "GET");
	C1_CHECK_STR(r0->url, "https://portal.sso.eu-west-1.amazonaws.com/federation/credentials"
			      "?role_name=Admin&account_id=111122223333");
	C1_CHECK_STR(c1_headers_get(&r0->headers, "x-amz-sso_bearer_token"), "SSOACCESSTOK");
	C1_CHECK(c1_headers_get(&r0->headers, "Authorization") == NULL);

	/* cached until expiration minus the margin, then fetched again */
	c1_fake_clock_advance(&fc, 54 * 60 * 1000);
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, 0);
	c1_aws_credentials_release(c);
	C1_CHECK_INT(c1_http_script_count(script), ==, 1);
	c1_fake_clock_advance(&fc, 2 * 60 * 1000);
	push_role_credentials(script, "ASIASSO2", T0_MS + 2 * 3600 * 1000);
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, 0);
	C1_CHECK_STR(c1_secret_reveal(&c->access_key_id), "ASIASSO2");
	c1_aws_credentials_release(c);
	C1_CHECK_INT(c1_http_script_count(script), ==, 2);

	/* the portal refuses the token (401): log in again */
	c1_fake_clock_advance(&fc, 2 * 3600 * 1000);
	c1_http_script_push(script, 401, "x-amzn-ErrorType: UnauthorizedException",
			    "{\"message\": \"Session token not found or invalid\"}");
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, C1_EAUTH);
	C1_CHECK_CONTAINS(c1_error_last(), "run `aws sso login --profile sso`");
	check_no_secret(c1_error_last());
	/* the cached token expired: no call, the exact hint */
	c1_fake_clock_advance(&fc, 6 * 3600 * 1000);
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, C1_EAUTH);
	C1_CHECK_CONTAINS(c1_error_last(), "the SSO token for profile sso has expired (or is missing): run "
					   "`aws sso login --profile sso`");
	check_no_secret(c1_error_last());
	C1_CHECK_INT(c1_http_script_count(script), ==, 3);
	c1_aws_credentials_provider_release(p);

	/* legacy profile: the cache key is the start URL; missing file -> the same hint */
	c1_fake_clock_init(&fc, T0_MS);
	C1_CHECK_INT(provider_for(&p, cfg, "legacy", &opts), ==, 0);
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, C1_EAUTH);
	C1_CHECK_CONTAINS(c1_error_last(),
			  "the SSO token for profile legacy has expired (or is missing): run "
			  "`aws sso login --profile legacy`");
	C1_CHECK_INT(c1_http_script_count(script), ==, 3);
	write_sso_token(S_LEGACY_CACHE, "2024-01-01T08:00:00UTC"); /* older CLIs wrote "UTC" */
	push_role_credentials(script, "ASIASSO3", T0_MS + 3600 * 1000);
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, 0);
	C1_CHECK_STR(c1_secret_reveal(&c->access_key_id), "ASIASSO3");
	c1_aws_credentials_release(c);
	C1_CHECK_STR(c1_http_script_request(script, 3)->url,
		     "https://portal.sso.us-east-2.amazonaws.com/federation/"
		     "credentials?role_name=Ops&account_id=444455556666");
	c1_aws_credentials_provider_release(p);

	/* the portal endpoint follows the SDK convention (AWS_ENDPOINT_URL_SSO) */
	const char *const ep[] = {"HOME", c1_test_tmpdir(), "AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:7007",
				  NULL};
	fe.vars = ep;
	C1_CHECK_INT(provider_for(&p, cfg, "sso", &opts), ==, 0);
	push_role_credentials(script, "ASIASSO4", T0_MS + 3600 * 1000);
	C1_CHECK_INT(c1_aws_credentials_provider_get(p, &c), ==, 0);
	c1_aws_credentials_release(c);
	C1_CHECK_STR(c1_http_script_request(script, 4)->url,
		     "http://127.0.0.1:7007/federation/credentials?role_name=Admin&account_id=111122223333");
	c1_aws_credentials_provider_release(p);
	fe.vars = vars;

	/* incomplete profiles are refused before anything is read or sent */
	C1_CHECK_INT(provider_for(&p, cfg, "norole", &opts), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(),
			  "profile \"norole\" is configured to use SSO but is missing required "
			  "configuration: sso_role_name");
	C1_CHECK_INT(provider_for(&p, cfg, "nosession", &opts), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "[sso-session gone]");
	C1_CHECK_INT(provider_for(&p, cfg, "clash", &opts), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "sso_region differs");
	C1_CHECK_INT(c1_http_script_count(script), ==, 5);
	c1_http_script_free(script);
	c1_aws_config_free(cfg);
}
