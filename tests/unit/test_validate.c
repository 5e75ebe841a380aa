/* `c1onboard validate` end to end: exit codes 0/65/78/64 and what the user reads. */
#include "harness.h"

#include "batch/commands.h"
#include "batch/exit_codes.h"
#include "engine/core/alloc.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char *s_config = "[profile msp]\nregion = us-east-1\n"
			      "[profile acct-a]\nrole_arn = arn:aws:iam::111122223333:role/Admin\n"
			      "source_profile = msp\n"
			      "[profile acct-b]\naws_access_key_id = AKIAEXAMPLEB\n";
static const char *s_credentials = "[msp]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
				   "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";

static void s_setup(void)
{
	setenv("AWS_CONFIG_FILE", c1_test_write_file("config", s_config, 0600), 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", c1_test_write_file("credentials", s_credentials, 0600), 1);
	setenv("C1_KEY", "keyid:not-a-real-secret", 1);
	setenv("V1_TOKEN", "v1-not-a-real-token", 1);
	unsetenv("AWS_PROFILE");
	unsetenv("C1_ENDPOINT_URL");
	unsetenv("V1_ENDPOINT_URL");
	unsetenv("AWS_ENDPOINT_URL");
}

static int s_validate(const char *csv_path)
{
	char *argv[] = {"c1onboard", "validate", (char *)csv_path, NULL};
	return c1_cli_main(3, argv);
}

#define HEADER "account_id,profile,bucket,cloudone_api_key,visionone_token\n"

C1_TEST(valid_spreadsheet_exits_0)
{
	s_setup();
	const char *csv = c1_test_write_file(
	    "ok.csv", HEADER "111122223333,acct-a,trail-bucket,env:C1_KEY,env:V1_TOKEN\n", 0644);
	C1_CHECK_INT(s_validate(csv), ==, C1_EXIT_OK);
}

C1_TEST(spreadsheet_error_exits_65)
{
	s_setup();
	const char *csv = c1_test_write_file(
	    "bad.csv", HEADER "11112222333,acct-a,trail-bucket,env:C1_KEY,env:V1_TOKEN\n", 0644);
	C1_CHECK_INT(s_validate(csv), ==, C1_EXIT_DATAERR);
	C1_CHECK_INT(s_validate("/nonexistent/accounts.csv"), ==, C1_EXIT_DATAERR);
}

C1_TEST(unset_secret_variable_exits_78)
{
	s_setup();
	unsetenv("V1_TOKEN");
	const char *csv = c1_test_write_file(
	    "ok.csv", HEADER "111122223333,acct-a,trail-bucket,env:C1_KEY,env:V1_TOKEN\n", 0644);
	C1_CHECK_INT(s_validate(csv), ==, C1_EXIT_CONFIG);
}

C1_TEST(unknown_or_broken_profile_exits_78)
{
	s_setup();
	const char *csv = c1_test_write_file(
	    "p.csv", HEADER "111122223333,acct-zz,trail-bucket,env:C1_KEY,env:V1_TOKEN\n", 0644);
	C1_CHECK_INT(s_validate(csv), ==, C1_EXIT_CONFIG);
	/* acct-b has an access key id but no secret: a partial pair. */
	csv = c1_test_write_file("p2.csv",
				 HEADER "111122223333,acct-b,trail-bucket,env:C1_KEY,env:V1_TOKEN\n", 0644);
	C1_CHECK_INT(s_validate(csv), ==, C1_EXIT_CONFIG);
}

C1_TEST(plain_http_endpoint_off_loopback_exits_78)
{
	s_setup();
	const char *csv = c1_test_write_file(
	    "ok.csv", HEADER "111122223333,acct-a,trail-bucket,env:C1_KEY,env:V1_TOKEN\n", 0644);
	setenv("C1_ENDPOINT_URL", "http://cloudone.example.com", 1);
	C1_CHECK_INT(s_validate(csv), ==, C1_EXIT_CONFIG);
	setenv("C1_ENDPOINT_URL", "http://127.0.0.1:8080", 1);
	C1_CHECK_INT(s_validate(csv), ==, C1_EXIT_OK);
	setenv("AWS_ENDPOINT_URL", "http://aws.example.com", 1);
	C1_CHECK_INT(s_validate(csv), ==, C1_EXIT_CONFIG);
}

C1_TEST(spreadsheet_errors_win_over_config_errors)
{
	s_setup();
	unsetenv("C1_KEY");
	const char *csv =
	    c1_test_write_file("mix.csv",
			       HEADER "111122223333,acct-a,trail-bucket,env:C1_KEY,env:V1_TOKEN\n"
				      "1234,acct-a,trail-bucket,env:C1_KEY,env:V1_TOKEN\n",
			       0644);
	C1_CHECK_INT(s_validate(csv), ==, C1_EXIT_DATAERR);
}

C1_TEST(example_spreadsheet_validates_with_example_config)
{
	setenv("AWS_CONFIG_FILE", c1_test_source_path("examples/aws/config"), 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", c1_test_source_path("examples/aws/credentials"), 1);
	setenv("C1_API_KEY_T1", "k1:s1", 1);
	setenv("V1_TOKEN_T1", "t1", 1);
	setenv("C1_API_KEY_T2", "k2:s2", 1);
	setenv("V1_TOKEN_T2", "t2", 1);
	C1_CHECK_INT(s_validate(c1_test_source_path("examples/accounts.csv")), ==, C1_EXIT_OK);
	C1_CHECK_INT(s_validate(c1_test_source_path("examples/bad-accounts.csv")), ==, C1_EXIT_DATAERR);
}

/* Run validate with stderr in a file; returns the exit code, *err the text (caller frees). */
static int s_validate_capture(const char *csv_path, char **err)
{
	char *path = c1_asprintf("%s/validate.err", c1_test_tmpdir());
	fflush(stderr);
	int saved = dup(2);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	close(fd);
	int rc = s_validate(csv_path);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	FILE *f = fopen(path, "r");
	char buf[8192];
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = '\0';
	*err = c1_strdup(buf);
	free(path);
	return rc;
}

static const char *s_sources_config =
    "[profile msp]\nregion = us-east-1\n"
    "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n"
    "[profile sso]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Admin\n"
    "[profile sso-legacy]\nsso_start_url = https://legacy.awsapps.com/start\nsso_region = us-east-2\n"
    "sso_account_id = 111122223333\nsso_role_name = Admin\n"
    "[profile imds]\nrole_arn = arn:aws:iam::111122223333:role/Admin\n"
    "credential_source = Ec2InstanceMetadata\n"
    "[profile ecs]\nrole_arn = arn:aws:iam::111122223333:role/Admin\ncredential_source = EcsContainer\n"
    "[profile env]\nrole_arn = arn:aws:iam::111122223333:role/Admin\ncredential_source = Environment\n"
    "[profile web]\nrole_arn = arn:aws:iam::111122223333:role/Admin\n"
    "web_identity_token_file = /var/run/secrets/eks.amazonaws.com/serviceaccount/token\n"
    "[profile sso-half]\nsso_session = corp\nsso_account_id = 111122223333\n"
    "[profile web-half]\nweb_identity_token_file = /var/run/secrets/token\n";

C1_TEST(credential_sources_validate_offline)
{
	s_setup();
	setenv("AWS_CONFIG_FILE", c1_test_write_file("config-sources", s_sources_config, 0600), 1);
	setenv("HOME", c1_test_tmpdir(), 1); /* no SSO token cache there: validate does not read it */
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/creds", 1);
	setenv("AWS_ACCESS_KEY_ID", "AKIAVALIDATEENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "not-a-real-secret-validate", 1);
	unsetenv("AWS_EC2_METADATA_DISABLED");
	char *err = NULL;
	const char *csv =
	    c1_test_write_file("sources.csv",
			       HEADER "111122223333,sso,trail-bucket,env:C1_KEY,env:V1_TOKEN\n"
				      "111122223334,sso-legacy,trail-bucket,env:C1_KEY,env:V1_TOKEN\n"
				      "111122223335,imds,trail-bucket,env:C1_KEY,env:V1_TOKEN\n"
				      "111122223336,ecs,trail-bucket,env:C1_KEY,env:V1_TOKEN\n"
				      "111122223337,env,trail-bucket,env:C1_KEY,env:V1_TOKEN\n"
				      "111122223338,web,trail-bucket,env:C1_KEY,env:V1_TOKEN\n",
			       0644);
	C1_CHECK_INT(s_validate_capture(csv, &err), ==, C1_EXIT_OK);
	free(err);

	csv = c1_test_write_file("half.csv",
				 HEADER "111122223333,sso-half,trail-bucket,env:C1_KEY,env:V1_TOKEN\n"
					"111122223334,web-half,trail-bucket,env:C1_KEY,env:V1_TOKEN\n",
				 0644);
	C1_CHECK_INT(s_validate_capture(csv, &err), ==, C1_EXIT_CONFIG);
	C1_CHECK_CONTAINS(err, "profile \"sso-half\" is configured to use SSO but is missing required "
			       "configuration: sso_role_name");
	C1_CHECK_CONTAINS(err, "profile \"web-half\" uses web_identity_token_file but has no role ARN: add "
			       "role_arn");
	C1_CHECK_NOT_CONTAINS(err, "/var/run/secrets/token");
	free(err);

	/* a container source without its endpoint variables says what is missing */
	unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	csv = c1_test_write_file("ecs.csv", HEADER "111122223336,ecs,trail-bucket,env:C1_KEY,env:V1_TOKEN\n",
				 0644);
	C1_CHECK_INT(s_validate_capture(csv, &err), ==, C1_EXIT_CONFIG);
	C1_CHECK_CONTAINS(err, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	free(err);
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
}
