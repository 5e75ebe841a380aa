/* AWS shared config/credentials files: sections, profiles, comments, continuation lines,
 * nested sub-settings, precedence between the files, paths from the environment, errors with
 * file:line, and the same parse as botocore on tricky files (when botocore is importable). */
#include "harness.h"

#include "engine/aws/config_file.h"
#include "engine/core/alloc.h"
#include "engine/core/buf.h"
#include "engine/core/error.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A fake environment: NULL-terminated name/value pairs. */
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

static struct c1_aws_config *parse_ok(const char *config, const char *creds)
{
	struct c1_aws_config *cfg = NULL;
	int rc = c1_aws_config_parse(&cfg, config, config ? strlen(config) : 0, "/t/config", creds,
				     creds ? strlen(creds) : 0, "/t/credentials");
	if (rc)
		c1_test_fail(__FILE__, __LINE__, "parse failed: %s", c1_error_last());
	return cfg;
}

static int parse_err(const char *config, const char *creds)
{
	struct c1_aws_config *cfg = NULL;
	int rc = c1_aws_config_parse(&cfg, config, config ? strlen(config) : 0, "/t/config", creds,
				     creds ? strlen(creds) : 0, "/t/credentials");
	C1_CHECK(cfg == NULL || rc == 0);
	c1_aws_config_free(cfg);
	return rc;
}

static const char *get(const struct c1_aws_config *cfg, const char *profile, const char *key)
{
	return c1_aws_profile_get(c1_aws_config_profile(cfg, profile), key);
}

C1_TEST(profile_sections_in_config_and_credentials)
{
	struct c1_aws_config *cfg = parse_ok("[default]\nregion = us-east-1\n"
					     "[profile a]\nregion = eu-west-1\n"
					     "[b]\nregion = not-a-profile\n"
					     "[profile \"c d\"]\nregion = ap-south-1\n"
					     "[profile]\nregion = ignored\n"
					     "[profile x y z]\nregion = ignored\n",
					     "[x]\naws_access_key_id = AKIAX\n"
					     "[profile y]\naws_access_key_id = AKIAY\n");
	C1_CHECK_STR(get(cfg, "default", "region"), "us-east-1");
	C1_CHECK_STR(get(cfg, "a", "region"), "eu-west-1");
	C1_CHECK(c1_aws_config_profile(cfg, "b") == NULL); /* bare [b] in config is not a profile */
	C1_CHECK_STR(get(cfg, "c d", "region"), "ap-south-1");
	C1_CHECK_STR(get(cfg, "x", "aws_access_key_id"), "AKIAX");
	/* In the credentials file every section is a profile, "profile y" included. */
	C1_CHECK(c1_aws_config_profile(cfg, "y") == NULL);
	C1_CHECK_STR(get(cfg, "profile y", "aws_access_key_id"), "AKIAY");
	size_t n = 0;
	const char *const *names = c1_aws_config_profile_names(cfg, &n);
	C1_CHECK_INT(n, ==, 5);
	C1_CHECK_STR(names[0], "default");
	C1_CHECK_STR(names[1], "a");
	C1_CHECK_STR(names[2], "c d");
	C1_CHECK_STR(names[3], "x");
	C1_CHECK_STR(names[4], "profile y");
	C1_CHECK(names[5] == NULL);
	c1_aws_config_free(cfg);
}

C1_TEST(credentials_file_overrides_config_per_key)
{
	struct c1_aws_config *cfg = parse_ok("[profile acct]\nregion = eu-west-1\noutput = json\n",
					     "[acct]\nregion = us-west-2\naws_access_key_id = AKIA1\n");
	const struct c1_aws_profile *p = c1_aws_config_profile(cfg, "acct");
	C1_CHECK_STR(c1_aws_profile_get(p, "region"), "us-west-2");
	C1_CHECK_STR(c1_aws_profile_get(p, "output"), "json");
	const struct c1_aws_setting *s = c1_aws_profile_setting_in(p, "region", C1_AWS_FILE_CONFIG);
	C1_CHECK_STR(s->value, "eu-west-1");
	C1_CHECK_INT(s->line, ==, 2);
	C1_CHECK(c1_aws_profile_setting(p, "region")->file == C1_AWS_FILE_CREDENTIALS);
	C1_CHECK(c1_aws_profile_in_file(p, C1_AWS_FILE_CONFIG));
	C1_CHECK(c1_aws_profile_in_file(p, C1_AWS_FILE_CREDENTIALS));
	c1_aws_config_free(cfg);
}

C1_TEST(comments_delimiters_and_case)
{
	struct c1_aws_config *cfg = parse_ok("# leading comment\n"
					     "; another\n"
					     "[default]\n"
					     "   # indented comment\n"
					     "Region = us-east-1 # not a comment\n"
					     "output: json\n"
					     "role_arn=arn:aws:iam::111122223333:role/X\n"
					     "empty =\n"
					     "  spaced   =   a b c   \n"
					     "blank =\n"
					     "[Default]\nregion = other\n",
					     NULL);
	C1_CHECK_STR(get(cfg, "default", "region"), "us-east-1 # not a comment");
	C1_CHECK_STR(get(cfg, "default", "output"), "json");
	C1_CHECK_STR(get(cfg, "default", "role_arn"), "arn:aws:iam::111122223333:role/X");
	/* The indented line continues "empty =": it becomes a nested block, as in configparser. */
	const struct c1_aws_setting *empty =
	    c1_aws_profile_setting(c1_aws_config_profile(cfg, "default"), "empty");
	C1_CHECK(empty && empty->nested);
	C1_CHECK_STR(c1_aws_setting_sub(empty, "spaced"), "a b c");
	C1_CHECK(get(cfg, "default", "spaced") == NULL);
	C1_CHECK(get(cfg, "default", "Region") == NULL);         /* keys are lower-cased */
	C1_CHECK(c1_aws_config_profile(cfg, "Default") == NULL); /* section names are not */
	c1_aws_config_free(cfg);
}

C1_TEST(continuation_lines_and_nested_blocks)
{
	struct c1_aws_config *cfg = parse_ok("[profile a]\n"
					     "s3 =\n"
					     "  addressing_style = path\n"
					     "\n"
					     "  Signature_Version = s3v4\n"
					     "multi = first\n"
					     "  second\n"
					     "\n"
					     "\tthird\n"
					     "region = eu-west-1\n",
					     NULL);
	const struct c1_aws_profile *p = c1_aws_config_profile(cfg, "a");
	const struct c1_aws_setting *s3 = c1_aws_profile_setting(p, "s3");
	C1_CHECK(s3 && s3->nested);
	C1_CHECK_STR(c1_aws_setting_sub(s3, "addressing_style"), "path");
	C1_CHECK_STR(c1_aws_setting_sub(s3, "Signature_Version"), "s3v4"); /* nested keys keep case */
	C1_CHECK(c1_aws_profile_get(p, "s3") == NULL);
	C1_CHECK_STR(c1_aws_profile_get(p, "multi"), "first\nsecond\n\nthird");
	C1_CHECK_STR(c1_aws_profile_get(p, "region"), "eu-west-1");
	c1_aws_config_free(cfg);
}

C1_TEST(services_and_sso_sections)
{
	struct c1_aws_config *cfg = parse_ok("[profile acct-a]\nservices = local\n"
					     "[services local]\n"
					     "cloudformation =\n"
					     "  endpoint_url = http://localhost:4566\n"
					     "sts =\n"
					     "  endpoint_url = http://127.0.0.1:4567\n"
					     "[sso-session corp]\nsso_region = us-east-1\n",
					     NULL);
	const struct c1_aws_section *svc = c1_aws_config_services(cfg, "local");
	C1_CHECK(svc != NULL);
	C1_CHECK_STR(c1_aws_setting_sub(c1_aws_section_setting(svc, "cloudformation"), "endpoint_url"),
		     "http://localhost:4566");
	C1_CHECK_STR(c1_aws_setting_sub(c1_aws_section_setting(svc, "sts"), "endpoint_url"),
		     "http://127.0.0.1:4567");
	C1_CHECK(c1_aws_config_services(cfg, "other") == NULL);
	C1_CHECK_STR(c1_aws_section_setting(c1_aws_config_sso_session(cfg, "corp"), "sso_region")->value,
		     "us-east-1");
	C1_CHECK(c1_aws_config_profile(cfg, "local") == NULL);
	c1_aws_config_free(cfg);
}

C1_TEST(default_section_feeds_every_section)
{
	struct c1_aws_config *cfg = parse_ok("[DEFAULT]\nregion = eu-central-1\noutput = text\n"
					     "[profile a]\noutput = json\n",
					     NULL);
	C1_CHECK_STR(get(cfg, "a", "region"), "eu-central-1");
	C1_CHECK_STR(get(cfg, "a", "output"), "json");
	C1_CHECK(c1_aws_config_profile(cfg, "DEFAULT") == NULL);
	c1_aws_config_free(cfg);
}

C1_TEST(line_endings_crlf_and_cr)
{
	struct c1_aws_config *cfg =
	    parse_ok("[default]\r\nregion = us-east-1\r\n[profile b]\routput = json\r", NULL);
	C1_CHECK_STR(get(cfg, "default", "region"), "us-east-1");
	C1_CHECK_STR(get(cfg, "b", "output"), "json");
	c1_aws_config_free(cfg);
}

C1_TEST(secrets_are_kept_in_secret_type)
{
	struct c1_aws_config *cfg = parse_ok(NULL, "[default]\naws_access_key_id = AKIAEXAMPLE\n"
						   "aws_secret_access_key = wJalrSECRETKEY\n"
						   "aws_session_token = TOKENSECRET\n");
	const struct c1_aws_profile *p = c1_aws_config_profile(cfg, "default");
	C1_CHECK(c1_aws_profile_get(p, "aws_secret_access_key") == NULL);
	C1_CHECK(c1_aws_profile_get(p, "aws_session_token") == NULL);
	C1_CHECK(c1_aws_profile_has(p, "aws_secret_access_key"));
	const struct c1_aws_setting *s = c1_aws_profile_setting(p, "aws_secret_access_key");
	C1_CHECK(s->is_secret && s->value == NULL);
	C1_CHECK_STR(c1_secret_reveal(&s->secret), "wJalrSECRETKEY");
	C1_CHECK_STR(c1_aws_profile_get(p, "aws_access_key_id"), "AKIAEXAMPLE");
	c1_aws_config_free(cfg);
}

C1_TEST(malformed_line_names_file_and_line)
{
	C1_CHECK_INT(parse_err("[default]\nregion = x\nthis line has no delimiter\n", NULL), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "/t/config:3");
	C1_CHECK_CONTAINS(c1_error_last(), "key = value");

	/* Credentials-file lines are never echoed: they may be a pasted secret. */
	C1_CHECK_INT(parse_err(NULL, "[default]\naws_access_key_id = A\nwJalrPASTEDSECRET\n"), ==,
		     C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "/t/credentials:3");
	C1_CHECK_NOT_CONTAINS(c1_error_last(), "wJalrPASTEDSECRET");

	C1_CHECK_INT(parse_err("region = x\n[default]\n", NULL), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "/t/config:1");
	C1_CHECK_CONTAINS(c1_error_last(), "outside any section");

	C1_CHECK_INT(parse_err("[default]\n= x\n", NULL), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "/t/config:2");

	C1_CHECK_INT(parse_err("[profile a]\ns3 =\n  addressing_style\n", NULL), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "/t/config:3");
}

C1_TEST(duplicates_are_errors)
{
	C1_CHECK_INT(parse_err("[default]\nregion = a\n\n[default]\nregion = b\n", NULL), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "/t/config:4");
	C1_CHECK_CONTAINS(c1_error_last(), "line 1");
	C1_CHECK_INT(parse_err("[default]\nregion = a\nREGION = b\n", NULL), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "/t/config:3");
	/* The same profile in both files is not a duplicate. */
	struct c1_aws_config *cfg = parse_ok("[default]\nregion = a\n", "[default]\nregion = b\n");
	c1_aws_config_free(cfg);
}

C1_TEST(encoding_errors)
{
	C1_CHECK_INT(parse_err("[default]\nregion = \xff\n", NULL), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "/t/config:2");
	C1_CHECK_CONTAINS(c1_error_last(), "UTF-8");
	C1_CHECK_INT(parse_err("\xef\xbb\xbf[default]\nregion = x\n", NULL), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "byte order mark");
	struct c1_aws_config *cfg = NULL;
	C1_CHECK_INT(c1_aws_config_parse(&cfg, "[default]\n\0x", 12, "/t/config", NULL, 0, NULL), ==,
		     C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "NUL");
	/* Non-ASCII text and Unicode spaces are fine. */
	cfg = parse_ok("[profile caf\xc3\xa9]\n\xc2\xa0region = eu-west-3\xc2\xa0\n", NULL);
	C1_CHECK_STR(get(cfg, "caf\xc3\xa9", "region"), "eu-west-3");
	c1_aws_config_free(cfg);
}

C1_TEST(load_paths_from_environment)
{
	const char *dir = c1_test_tmpdir();
	char *awsdir = c1_asprintf("%s/.aws", dir);
	char *cmd = c1_asprintf("mkdir -p '%s'", awsdir);
	C1_CHECK_INT(system(cmd), ==, 0);
	free(cmd);
	char *home_cfg = c1_asprintf("%s/config", awsdir);
	FILE *f = fopen(home_cfg, "w");
	C1_CHECK(f != NULL);
	fputs("[profile home]\nregion = eu-west-1\n", f);
	fclose(f);
	c1_test_write_file("other-config", "[profile other]\nregion = us-west-2\n", 0600);
	c1_test_write_file("creds", "[other]\naws_access_key_id = AKIA\naws_secret_access_key = S\n", 0600);

	/* Defaults: ~/.aws/config with HOME from the injected environment; no credentials file. */
	const char *vars1[] = {"HOME", dir, NULL};
	struct fake_env fe1 = {vars1};
	struct c1_aws_env env1 = {fake_getenv, &fe1};
	struct c1_aws_config_options opts = {&env1, 0, NULL, NULL};
	struct c1_aws_config *cfg = NULL;
	C1_CHECK_INT(c1_aws_config_load(&cfg, &opts), ==, 0);
	C1_CHECK_STR(get(cfg, "home", "region"), "eu-west-1");
	C1_CHECK_STR(c1_aws_config_path(cfg, C1_AWS_FILE_CONFIG), home_cfg);
	char *home_creds = c1_asprintf("%s/credentials", awsdir);
	C1_CHECK_STR(c1_aws_config_path(cfg, C1_AWS_FILE_CREDENTIALS), home_creds);
	c1_aws_config_free(cfg);

	/* AWS_CONFIG_FILE with ~ and AWS_SHARED_CREDENTIALS_FILE with ${VAR}. */
	const char *vars2[] = {"HOME",
			       dir,
			       "AWS_CONFIG_FILE",
			       "~/other-config",
			       "AWS_SHARED_CREDENTIALS_FILE",
			       "${BASE}/creds",
			       "BASE",
			       dir,
			       NULL};
	struct fake_env fe2 = {vars2};
	struct c1_aws_env env2 = {fake_getenv, &fe2};
	opts.env = &env2;
	C1_CHECK_INT(c1_aws_config_load(&cfg, &opts), ==, 0);
	C1_CHECK(c1_aws_config_profile(cfg, "home") == NULL);
	C1_CHECK_STR(get(cfg, "other", "region"), "us-west-2");
	C1_CHECK_STR(get(cfg, "other", "aws_access_key_id"), "AKIA");
	c1_aws_config_free(cfg);

	/* Missing files are empty; "~user" and a "~" not at the start are not expanded. */
	const char *vars3[] = {"HOME",
			       dir,
			       "AWS_CONFIG_FILE",
			       "~nosuchuser/config",
			       "AWS_SHARED_CREDENTIALS_FILE",
			       "/nonexistent/~/credentials",
			       NULL};
	struct fake_env fe3 = {vars3};
	struct c1_aws_env env3 = {fake_getenv, &fe3};
	opts.env = &env3;
	C1_CHECK_INT(c1_aws_config_load(&cfg, &opts), ==, 0);
	C1_CHECK_STR(c1_aws_config_path(cfg, C1_AWS_FILE_CONFIG), "~nosuchuser/config");
	size_t n = 99;
	c1_aws_config_profile_names(cfg, &n);
	C1_CHECK_INT(n, ==, 0);
	c1_aws_config_free(cfg);

	/* A malformed file on disk: the message names the real path and line. */
	const char *bad = c1_test_write_file("bad-config", "[default]\nregion = x\noops\n", 0600);
	const char *vars4[] = {"HOME", dir, "AWS_CONFIG_FILE", bad, NULL};
	struct fake_env fe4 = {vars4};
	struct c1_aws_env env4 = {fake_getenv, &fe4};
	opts.env = &env4;
	C1_CHECK_INT(c1_aws_config_load(&cfg, &opts), ==, C1_ECONFIG);
	char *where = c1_asprintf("%s:3", bad);
	C1_CHECK_CONTAINS(c1_error_last(), where);
	free(where);

	/* The size cap. */
	opts.max_file_bytes = 10;
	C1_CHECK_INT(c1_aws_config_load(&cfg, &opts), ==, C1_ECONFIG);
	C1_CHECK_CONTAINS(c1_error_last(), "limit");
	free(home_cfg);
	free(home_creds);
	free(awsdir);
}

C1_TEST(default_profile_name_from_environment)
{
	const char *v0[] = {NULL};
	struct fake_env f0 = {v0};
	struct c1_aws_env e0 = {fake_getenv, &f0};
	C1_CHECK_STR(c1_aws_default_profile_name(&e0), "default");
	const char *v1[] = {"AWS_PROFILE", "acct-a", NULL};
	struct fake_env f1 = {v1};
	struct c1_aws_env e1 = {fake_getenv, &f1};
	C1_CHECK_STR(c1_aws_default_profile_name(&e1), "acct-a");
	const char *v2[] = {"AWS_PROFILE", "", NULL};
	struct fake_env f2 = {v2};
	struct c1_aws_env e2 = {fake_getenv, &f2};
	C1_CHECK_STR(c1_aws_default_profile_name(&e2), "default");
}

C1_TEST(shlex_split_like_python)
{
	char **argv = NULL;
	size_t argc = 0;
	C1_CHECK_INT(
	    c1_aws_shlex_split(&argv, &argc, "/bin/tool --a 'x y' \"q \\\"z\\\" \\n\" back\\ slash '' end"),
	    ==, 0);
	C1_CHECK_INT(argc, ==, 7);
	C1_CHECK_STR(argv[0], "/bin/tool");
	C1_CHECK_STR(argv[1], "--a");
	C1_CHECK_STR(argv[2], "x y");
	C1_CHECK_STR(argv[3], "q \"z\" \\n");
	C1_CHECK_STR(argv[4], "back slash");
	C1_CHECK_STR(argv[5], "");
	C1_CHECK_STR(argv[6], "end");
	C1_CHECK(argv[7] == NULL);
	c1_aws_argv_free(argv);
	C1_CHECK_INT(c1_aws_shlex_split(&argv, &argc, "a 'b"), ==, C1_EINVALID);
	C1_CHECK_INT(c1_aws_shlex_split(&argv, &argc, "a b\\"), ==, C1_EINVALID);
	C1_CHECK_INT(c1_aws_shlex_split(&argv, &argc, "   "), ==, 0);
	C1_CHECK_INT(argc, ==, 0);
	c1_aws_argv_free(argv);
}

/* ---- comparison with botocore itself */

static json_t *our_view(const char *config_path, const char *creds_path)
{
	struct c1_aws_config *cfg = NULL;
	const char *vars[] = {"AWS_CONFIG_FILE", config_path, "AWS_SHARED_CREDENTIALS_FILE", creds_path,
			      NULL};
	struct fake_env fe = {vars};
	struct c1_aws_env env = {fake_getenv, &fe};
	struct c1_aws_config_options opts = {&env, 0, NULL, NULL};
	if (c1_aws_config_load(&cfg, &opts) != 0)
		return json_pack("{s:b}", "error", 1);
	json_t *profiles = json_object();
	size_t n = 0;
	const char *const *names = c1_aws_config_profile_names(cfg, &n);
	static const char *const keys[] = {"region",
					   "output",
					   "role_arn",
					   "source_profile",
					   "s3",
					   "services",
					   "aws_access_key_id",
					   "aws_secret_access_key",
					   "endpoint_url",
					   "multi",
					   "x",
					   "credential_process",
					   "colon",
					   "empty",
					   "weird key",
					   NULL};
	for (size_t i = 0; i < n; i++) {
		const struct c1_aws_profile *p = c1_aws_config_profile(cfg, names[i]);
		json_t *obj = json_object();
		for (size_t k = 0; keys[k]; k++) {
			const struct c1_aws_setting *s = c1_aws_profile_setting(p, keys[k]);
			if (!s)
				continue;
			if (s->nested) {
				json_t *sub = json_object();
				for (size_t j = 0; j < s->sub_count; j++)
					json_object_set_new(sub, s->sub[j].key, json_string(s->sub[j].value));
				json_object_set_new(obj, keys[k], sub);
			} else {
				json_object_set_new(
				    obj, keys[k],
				    json_string(s->is_secret ? c1_secret_reveal(&s->secret) : s->value));
			}
		}
		json_object_set_new(profiles, names[i], obj);
	}
	c1_aws_config_free(cfg);
	return json_pack("{s:o}", "profiles", profiles);
}

static const char *s_botocore_script =
    "import json,sys\n"
    "from botocore.configloader import load_config, raw_config_parse\n"
    "keys=['region','output','role_arn','source_profile','s3','services','aws_access_key_id',"
    "'aws_secret_access_key','endpoint_url','multi','x','credential_process','colon','empty','weird key']\n"
    "out=[]\n"
    "for i in range(1,len(sys.argv),2):\n"
    "    try:\n"
    "        try: cfg=load_config(sys.argv[i])['profiles']\n"
    "        except Exception as e:\n"
    "            if type(e).__name__!='ConfigNotFound': raise\n"
    "            cfg={}\n"
    "        try: cr=raw_config_parse(sys.argv[i+1])\n"
    "        except Exception as e:\n"
    "            if type(e).__name__!='ConfigNotFound': raise\n"
    "            cr={}\n"
    "    except Exception as e:\n"
    "        out.append({'error':True}); continue\n"
    "    for k,v in cr.items():\n"
    "        cfg.setdefault(k,{}).update(v)\n"
    "    out.append({'profiles':{p:{k:v for k,v in d.items() if k in keys} for p,d in cfg.items()}})\n"
    "print(json.dumps(out))\n";

static bool botocore_available(void)
{
	return system("python3 -c 'import botocore.configloader' >/dev/null 2>&1") == 0;
}

/* Pairs of (config, credentials) contents; NULL = file absent. */
static const char *const s_tricky[][2] = {
    {"# c\n[default]\nregion = us-east-1 ; not a comment\n  \n[profile  \"a b\" ]\nregion: eu-west-1\n"
     "[profiles x]\nregion = ap-south-1\n[ default ]\nregion = spaced\n[profile default]\noutput = json\n",
     "[ default ]\nregion = cred-spaced\n[x]\nregion = cred-x\noutput = text\n"},
    {"[profile n]\ns3 =\n  addressing_style = path\n\n  # comment inside\n  signature_version=s3v4\n"
     "multi = one\n    two\n\n  three\n\nempty =\n\nx = a\n\t[not a section]\n",
     NULL},
    {"[DEFAULT]\nregion = dflt\n[profile p]\noutput = json\n[default]\n", "[DEFAULT]\noutput = text\n[c]\n"},
    {"[profile r]\r\nrole_arn = arn:aws:iam::1:role/R\r\nsource_profile = r\r\ncolon: a=b:c\r\n"
     "Weird Key = v\r\n",
     "[r]\raws_access_key_id = AKIA\raws_secret_access_key = S3CR3T\r"},
    {"[profile e]\n\xc2\xa0region = eu-west-3\xc2\xa0\n", NULL},
    {"[default]\nregion = a\n[default]\nregion = b\n", NULL},
    {"[default]\nregion = a\nRegion = b\n", NULL},
    {"region = x\n", NULL},
    {"[default]\nnodelimiter\n", NULL},
    {"[profile q]\ns3 =\n  nodelim\n", NULL},
    {"\xef\xbb\xbf[default]\nregion = x\n", NULL},
    {"[profile 'unterminated]\nregion = x\n[profile ok]\nregion = y\n", "[a]\n[b]\n"},
    {"[default]\n= x\n", NULL},
    {NULL, "[default]\nregion=x\n[default]\n"},
};

C1_TEST(same_parse_as_botocore)
{
	if (!botocore_available()) {
		printf("SKIP: python3 with botocore is not importable\n");
		return;
	}
	size_t count = sizeof(s_tricky) / sizeof(s_tricky[0]);
	struct c1_buf cmd = C1_BUF_INIT;
	const char *script = c1_test_write_file("cmp.py", s_botocore_script, 0600);
	c1_buf_printf(&cmd, "python3 '%s'", script);
	char **paths = c1_calloc(count * 2, sizeof(*paths));
	for (size_t i = 0; i < count; i++) {
		for (int f = 0; f < 2; f++) {
			char *name = c1_asprintf("case%zu-%s", i, f ? "credentials" : "config");
			if (s_tricky[i][f])
				paths[i * 2 + f] = c1_strdup(c1_test_write_file(name, s_tricky[i][f], 0600));
			else
				paths[i * 2 + f] = c1_asprintf("%s/%s", c1_test_tmpdir(), name);
			free(name);
			c1_buf_printf(&cmd, " '%s'", paths[i * 2 + f]);
		}
	}
	FILE *p = popen(c1_buf_cstr(&cmd), "r");
	C1_CHECK(p != NULL);
	json_error_t jerr;
	json_t *theirs = json_loadf(p, 0, &jerr);
	C1_CHECK_INT(pclose(p), ==, 0);
	C1_CHECK(json_is_array(theirs));
	C1_CHECK_INT(json_array_size(theirs), ==, count);
	for (size_t i = 0; i < count; i++) {
		json_t *ours = our_view(paths[i * 2], paths[i * 2 + 1]);
		if (!json_equal(ours, json_array_get(theirs, i))) {
			char *a = json_dumps(ours, JSON_SORT_KEYS);
			char *b = json_dumps(json_array_get(theirs, i), JSON_SORT_KEYS);
			c1_test_fail(__FILE__, __LINE__,
				     "case %zu differs:\n ours:     %s\n botocore: %s\n(%s)", i, a, b,
				     c1_error_last());
		}
		json_decref(ours);
	}
	json_decref(theirs);
	for (size_t i = 0; i < count * 2; i++)
		free(paths[i]);
	free(paths);
	c1_buf_dispose(&cmd);
}
