/* `c1onboard validate` end to end: exit codes 0/65/78/64 and what the user reads. */
#include "harness.h"

#include "batch/commands.h"
#include "batch/exit_codes.h"

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
