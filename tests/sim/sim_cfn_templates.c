/* c1sim CloudFormation templates: loading and validation (JSON simulated
 * generically, YAML accepted as opaque), the TemplateURL catalog of the three
 * Trend templates, conditions and the intrinsic functions c1onboard's
 * templates use (Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::If, Fn::Select). */
#include "sim_cfn.h"

#include "engine/core/alloc.h"
#include "engine/trend/regions.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the catalog ---- */

/* Stand-ins for Trend-hosted templates: parameters and outputs as
 * api-reference 1.5/1.6 documents them; resources are a plausible minimum
 * (the real contents are not public). JSON is valid YAML, so GetTemplate
 * on the .yaml URL still returns a YAML document. */
static const char s_role_template[] =
    "{\n"
    "  \"AWSTemplateFormatVersion\": \"2010-09-09\",\n"
    "  \"Description\": \"Trend Cloud One cloud account management role (c1sim stand-in)\",\n"
    "  \"Parameters\": {\n"
    "    \"CloudOneRegion\": {\"Type\": \"String\", \"Description\": \"Cloud One region, e.g. us-1\"},\n"
    "    \"CloudOneAccountID\": {\"Type\": \"String\", \"Description\": \"12-digit Cloud One account id\"},\n"
    "    \"CloudOneOIDCProviderURL\": {\"Type\": \"String\",\n"
    "      \"Description\": \"cloudaccounts.<region>.cloudone.trendmicro.com\"}\n"
    "  },\n"
    "  \"Resources\": {\n"
    "    \"CloudOneOIDCProvider\": {\"Type\": \"AWS::IAM::OIDCProvider\", \"Properties\": {\n"
    "      \"Url\": {\"Fn::Sub\": \"https://${CloudOneOIDCProviderURL}\"},\n"
    "      \"ClientIdList\": [{\"Fn::Sub\": \"arn:aws:iam::${AWS::AccountId}:root\"}]}},\n"
    "    \"CloudOneRole\": {\"Type\": \"AWS::IAM::Role\", \"Properties\": {\n"
    "      \"AssumeRolePolicyDocument\": {\"Version\": \"2012-10-17\", \"Statement\": [{\n"
    "        \"Effect\": \"Allow\", \"Principal\": {\"Federated\": {\"Ref\": \"CloudOneOIDCProvider\"}},\n"
    "        \"Action\": [\"sts:AssumeRoleWithWebIdentity\", \"sts:SetSourceIdentity\"],\n"
    "        \"Condition\": {\"StringEquals\": {\"cloudone:sub\": {\"Fn::Sub\":\n"
    "          "
    "\"urn:cloudone:identity:${CloudOneRegion}:${CloudOneAccountID}:account/${CloudOneAccountID}\"}}}}]},\n"
    "      \"ManagedPolicyArns\": [\"arn:aws:iam::aws:policy/SecurityAudit\"]}}\n"
    "  },\n"
    "  \"Outputs\": {\n"
    "    \"CloudOneRoleArn\": {\"Description\": \"Role Cloud One assumes\",\n"
    "      \"Value\": {\"Fn::GetAtt\": [\"CloudOneRole\", \"Arn\"]}}\n"
    "  }\n"
    "}\n";

static const char s_forwarder_template[] =
    "{\n"
    "  \"AWSTemplateFormatVersion\": \"2010-09-09\",\n"
    "  \"Transform\": \"AWS::Serverless-2016-10-31\",\n"
    "  \"Description\": \"Trend Cloud One CloudTrail forwarder (c1sim stand-in)\",\n"
    "  \"Parameters\": {\n"
    "    \"ExistingCloudtrailBucketName\": {\"Type\": \"String\", \"Default\": \"\"},\n"
    "    \"ServiceToken\": {\"Type\": \"String\", \"Default\": \"\", \"NoEcho\": \"true\"},\n"
    "    \"ServiceURL\": {\"Type\": \"String\", \"Default\": "
    "\"https://cloudtrail.us-1.cloudone.trendmicro.com\"},\n"
    "    \"S3BucketName\": {\"Type\": \"String\", \"Default\": "
    "\"cloud-trail-client-stack-template-prod-us-east-1\"},\n"
    "    \"APIVersion\": {\"Type\": \"String\", \"Default\": \"v1\"}\n"
    "  },\n"
    "  \"Conditions\": {\n"
    "    \"CreateBucket\": {\"Fn::Equals\": [{\"Ref\": \"ExistingCloudtrailBucketName\"}, \"\"]}\n"
    "  },\n"
    "  \"Resources\": {\n"
    "    \"CloudTrailBucket\": {\"Type\": \"AWS::S3::Bucket\", \"Condition\": \"CreateBucket\", "
    "\"Properties\": {\n"
    "      \"BucketName\": {\"Fn::Sub\": "
    "\"${AWS::AccountId}-${AWS::Region}-cloud-one-cloudtrail-bucket\"}}},\n"
    "    \"CloudTrail\": {\"Type\": \"AWS::CloudTrail::Trail\", \"Condition\": \"CreateBucket\", "
    "\"Properties\": {\n"
    "      \"S3BucketName\": {\"Ref\": \"CloudTrailBucket\"}, \"IsLogging\": true, \"IsMultiRegionTrail\": "
    "true}},\n"
    "    \"ForwarderRole\": {\"Type\": \"AWS::IAM::Role\", \"Properties\": {\n"
    "      \"AssumeRolePolicyDocument\": {\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": "
    "\"Allow\",\n"
    "        \"Principal\": {\"Service\": \"lambda.amazonaws.com\"}, \"Action\": \"sts:AssumeRole\"}]}}},\n"
    "    \"TokenSecret\": {\"Type\": \"AWS::SecretsManager::Secret\", \"Properties\": {\n"
    "      \"Description\": \"Cloud One CloudTrail service token\"}},\n"
    "    \"ForwarderFunction\": {\"Type\": \"AWS::Lambda::Function\", \"Properties\": {\n"
    "      \"Runtime\": \"python3.12\", \"Handler\": \"main.handler\",\n"
    "      \"Role\": {\"Fn::GetAtt\": [\"ForwarderRole\", \"Arn\"]},\n"
    "      \"Code\": {\"S3Bucket\": {\"Ref\": \"S3BucketName\"}, \"S3Key\": \"lambda/forwarder/main.zip\"},\n"
    "      \"Environment\": {\"Variables\": {\"SERVICE_URL\": {\"Ref\": \"ServiceURL\"},\n"
    "        \"API_VERSION\": {\"Ref\": \"APIVersion\"}}}}},\n"
    "    \"StackLifecycleFunction\": {\"Type\": \"AWS::Lambda::Function\", \"Properties\": {\n"
    "      \"Runtime\": \"python3.12\", \"Handler\": \"main.handler\",\n"
    "      \"Role\": {\"Fn::GetAtt\": [\"ForwarderRole\", \"Arn\"]},\n"
    "      \"Code\": {\"S3Bucket\": {\"Ref\": \"S3BucketName\"}, \"S3Key\": "
    "\"lambda/stacklifecycle/main.zip\"}}},\n"
    "    \"StackLifecycleEvent\": {\"Type\": \"Custom::StackLifecycleEvent\", \"Properties\": {\n"
    "      \"ServiceToken\": {\"Fn::GetAtt\": [\"StackLifecycleFunction\", \"Arn\"]},\n"
    "      \"ServiceURL\": {\"Ref\": \"ServiceURL\"}, \"APIVersion\": {\"Ref\": \"APIVersion\"},\n"
    "      \"BucketName\": {\"Fn::If\": [\"CreateBucket\", {\"Ref\": \"CloudTrailBucket\"},\n"
    "        {\"Ref\": \"ExistingCloudtrailBucketName\"}]}}},\n"
    "    \"LogGroup\": {\"Type\": \"AWS::Logs::LogGroup\", \"Properties\": {\"RetentionInDays\": 14}}\n"
    "  }\n"
    "}\n";

static const char s_allinone_template[] =
    "{\n"
    "  \"AWSTemplateFormatVersion\": \"2010-09-09\",\n"
    "  \"Description\": \"Integrate Trend Cloud One with AWS (all-in-one, c1sim stand-in)\",\n"
    "  \"Parameters\": {\n"
    "    \"CloudOneApiKey\": {\"Type\": \"String\", \"NoEcho\": \"true\"},\n"
    "    \"VisionOneServiceToken\": {\"Type\": \"String\", \"NoEcho\": \"true\"},\n"
    "    \"CreateNewTrail\": {\"Type\": \"String\", \"Default\": \"false\"},\n"
    "    \"ExistingCloudtrailBucketName\": {\"Type\": \"String\", \"Default\": \"\"},\n"
    "    \"QSS3BucketName\": {\"Type\": \"String\", \"Default\": \"cloudone-community\"},\n"
    "    \"QSS3KeyPrefix\": {\"Type\": \"String\", \"Default\": \"\"}\n"
    "  },\n"
    "  \"Conditions\": {\n"
    "    \"NewTrail\": {\"Fn::Or\": [{\"Fn::Equals\": [{\"Ref\": \"CreateNewTrail\"}, \"true\"]},\n"
    "      {\"Fn::Equals\": [{\"Ref\": \"CreateNewTrail\"}, \"Yes\"]}]}\n"
    "  },\n"
    "  \"Resources\": {\n"
    "    \"OnboardingRole\": {\"Type\": \"AWS::IAM::Role\", \"Properties\": {\n"
    "      \"RoleName\": {\"Fn::Sub\": \"${AWS::StackName}-onboarding-${AWS::Region}\"},\n"
    "      \"AssumeRolePolicyDocument\": {\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": "
    "\"Allow\",\n"
    "        \"Principal\": {\"Service\": \"lambda.amazonaws.com\"}, \"Action\": \"sts:AssumeRole\"}]}}},\n"
    "    \"OnboardingFunction\": {\"Type\": \"AWS::Lambda::Function\", \"Properties\": {\n"
    "      \"Runtime\": \"python3.12\", \"Handler\": \"app.handler\",\n"
    "      \"Role\": {\"Fn::GetAtt\": [\"OnboardingRole\", \"Arn\"]},\n"
    "      \"Code\": {\"S3Bucket\": {\"Ref\": \"QSS3BucketName\"},\n"
    "        \"S3Key\": {\"Fn::Sub\": \"${QSS3KeyPrefix}functions/packages/onboarding.zip\"}}}},\n"
    "    \"TrailStack\": {\"Type\": \"AWS::CloudFormation::Stack\", \"Condition\": \"NewTrail\", "
    "\"Properties\": {\n"
    "      \"TemplateURL\": {\"Fn::Sub\": \"https://${QSS3BucketName}.s3.amazonaws.com/${QSS3KeyPrefix}"
    "templates/trail.template.yaml\"}}},\n"
    "    \"CloudOneOnboarding\": {\"Type\": \"Custom::CloudOneOnboarding\", \"Properties\": {\n"
    "      \"ServiceToken\": {\"Fn::GetAtt\": [\"OnboardingFunction\", \"Arn\"]},\n"
    "      \"CreateNewTrail\": {\"Ref\": \"CreateNewTrail\"},\n"
    "      \"ExistingCloudtrailBucketName\": {\"Ref\": \"ExistingCloudtrailBucketName\"}}}\n"
    "  }\n"
    "}\n";

struct catalog_entry {
	const char *suffix;
	enum cfn_kind kind;
	const char *text;
	double seconds;
};

static const struct catalog_entry s_catalog[] = {
    {"/templates/aws/cloud-account-management-role.template", CFN_KIND_ROLE, s_role_template, 60},
    {"/templates/cloudtrail-forwarder.template", CFN_KIND_FORWARDER, s_forwarder_template, 180},
    {"/main.template.yaml", CFN_KIND_ALLINONE, s_allinone_template, 180},
};

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

static const struct catalog_entry *catalog_find(const char *url)
{
	char path[1024];
	const char *p = url;
	size_t len;

	if (strncmp(p, "https://", 8) == 0)
		p += 8;
	else if (strncmp(p, "http://", 7) == 0)
		p += 7;
	else
		return NULL;
	p = strchr(p, '/');
	if (!p)
		return NULL;
	len = strcspn(p, "?#");
	if (len >= sizeof(path))
		return NULL;
	memcpy(path, p, len);
	path[len] = '\0';
	for (size_t i = 0; i < sizeof(s_catalog) / sizeof(s_catalog[0]); i++)
		if (ends_with(path, s_catalog[i].suffix))
			return &s_catalog[i];
	return NULL;
}

/* ---- type facts ---- */

bool cfn_type_is_iam(const char *type)
{
	return strncmp(type, "AWS::IAM::", 10) == 0 && strcmp(type, "AWS::IAM::OIDCProvider") != 0;
}

bool cfn_type_drift_checkable(const char *type)
{
	return strncmp(type, "Custom::", 8) != 0 &&
	       strcmp(type, "AWS::CloudFormation::CustomResource") != 0 &&
	       strcmp(type, "AWS::CloudFormation::Stack") != 0;
}

/* The property that names a resource, making it a "named IAM" resource. */
static const char *name_property(const char *type)
{
	static const struct {
		const char *type, *prop;
	} names[] = {
	    {"AWS::IAM::Role", "RoleName"},
	    {"AWS::IAM::User", "UserName"},
	    {"AWS::IAM::Group", "GroupName"},
	    {"AWS::IAM::ManagedPolicy", "ManagedPolicyName"},
	    {"AWS::IAM::InstanceProfile", "InstanceProfileName"},
	    {"AWS::S3::Bucket", "BucketName"},
	    {"AWS::CloudTrail::Trail", "TrailName"},
	    {"AWS::Lambda::Function", "FunctionName"},
	    {"AWS::Logs::LogGroup", "LogGroupName"},
	    {"AWS::Events::Rule", "Name"},
	    {"AWS::SecretsManager::Secret", "Name"},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i].type, type) == 0)
			return names[i].prop;
	return NULL;
}

static bool is_pseudo(const char *name)
{
	static const char *const pseudo[] = {"AWS::AccountId", "AWS::Region",          "AWS::StackName",
					     "AWS::StackId",   "AWS::Partition",       "AWS::URLSuffix",
					     "AWS::NoValue",   "AWS::NotificationARNs"};
	for (size_t i = 0; i < sizeof(pseudo) / sizeof(pseudo[0]); i++)
		if (strcmp(pseudo[i], name) == 0)
			return true;
	return false;
}

/* ---- loading and validation ---- */

static bool json_truthy(const json_t *v)
{
	if (json_is_true(v))
		return true;
	return json_is_string(v) && strcasecmp(json_string_value(v), "true") == 0;
}

static void param_value_text(const json_t *v, char **out)
{
	if (json_is_string(v))
		*out = c1_strdup(json_string_value(v));
	else if (json_is_integer(v))
		*out = c1_asprintf("%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		*out = c1_asprintf("%g", json_real_value(v));
	else if (json_is_boolean(v))
		*out = c1_strdup(json_is_true(v) ? "true" : "false");
	else
		*out = NULL;
}

/* Ref/GetAtt targets that name nothing: CloudFormation rejects the template. */
static void find_unresolved(const json_t *v, const json_t *params, const json_t *resources,
			    const json_t *conds, struct c1_buf *missing)
{
	const char *key;
	json_t *item;
	size_t i;

	if (json_is_array(v)) {
		json_array_foreach(v, i, item) find_unresolved(item, params, resources, conds, missing);
		return;
	}
	if (!json_is_object(v))
		return;
	json_object_foreach((json_t *)v, key, item)
	{
		const char *target = NULL;
		char getatt[256];

		if (strcmp(key, "Ref") == 0 && json_is_string(item)) {
			target = json_string_value(item);
		} else if (strcmp(key, "Fn::GetAtt") == 0) {
			if (json_is_array(item) && json_is_string(json_array_get(item, 0)))
				target = json_string_value(json_array_get(item, 0));
			else if (json_is_string(item)) {
				size_t n = strcspn(json_string_value(item), ".");
				if (n < sizeof(getatt)) {
					memcpy(getatt, json_string_value(item), n);
					getatt[n] = '\0';
					target = getatt;
				}
			}
		}
		if (target && !is_pseudo(target) && !json_object_get(params, target) &&
		    !json_object_get(resources, target)) {
			if (missing->len)
				c1_buf_puts(missing, ", ");
			c1_buf_puts(missing, target);
		}
		if (!target)
			find_unresolved(item, params, resources, conds, missing);
	}
}

static int load_json(struct cfn_template *t, char *err, size_t err_len)
{
	json_error_t jerr;
	json_t *params, *resources, *p;
	const char *key;
	struct c1_buf missing = C1_BUF_INIT;
	size_t i = 0;
	int rc = -1;

	t->doc = json_loads(t->body, JSON_REJECT_DUPLICATES, &jerr);
	if (!t->doc || !json_is_object(t->doc)) {
		snprintf(err, err_len, "Template format error: JSON not well-formed. (line %d, column %d)",
			 jerr.line, jerr.column);
		goto cleanup;
	}
	resources = json_object_get(t->doc, "Resources");
	if (!json_is_object(resources) || json_object_size(resources) == 0) {
		snprintf(err, err_len,
			 "Template format error: At least one Resources member must be defined.");
		goto cleanup;
	}
	params = json_object_get(t->doc, "Parameters");
	if (params && !json_is_object(params)) {
		snprintf(err, err_len, "Template format error: Parameters must be an object.");
		goto cleanup;
	}
	t->nparams = json_object_size(params);
	t->params = c1_calloc(t->nparams + 1, sizeof(*t->params));
	json_object_foreach(params, key, p)
	{
		struct cfn_param_decl *d = &t->params[i++];
		d->name = c1_strdup(key);
		param_value_text(json_object_get(p, "Default"), &d->def);
		d->no_echo = json_truthy(json_object_get(p, "NoEcho"));
		d->allowed = json_is_array(json_object_get(p, "AllowedValues"))
				 ? json_object_get(p, "AllowedValues")
				 : NULL;
	}
	json_object_foreach(resources, key, p)
	{
		const char *type = json_string_value(json_object_get(p, "Type"));
		const char *np;

		if (!type || (strncmp(type, "AWS::", 5) != 0 && strncmp(type, "Custom::", 8) != 0)) {
			snprintf(err, err_len, "Template format error: Unrecognized resource types: [%s]",
				 type ? type : "(missing Type)");
			goto cleanup;
		}
		if (cfn_type_is_iam(type)) {
			t->needs_iam = true;
			np = name_property(type);
			if (np && json_object_get(json_object_get(p, "Properties"), np))
				t->needs_named_iam = true;
		}
		if (strcmp(type, "AWS::CloudFormation::Stack") == 0 ||
		    strncmp(type, "AWS::Serverless::", 17) == 0)
			t->needs_auto_expand = true;
	}
	if (json_object_get(t->doc, "Transform"))
		t->needs_auto_expand = true;
	find_unresolved(resources, params, resources, json_object_get(t->doc, "Conditions"), &missing);
	find_unresolved(json_object_get(t->doc, "Outputs"), params, resources,
			json_object_get(t->doc, "Conditions"), &missing);
	if (missing.len) {
		snprintf(
		    err, err_len,
		    "Template format error: Unresolved resource dependencies [%s] in the Resources block of "
		    "the template",
		    c1_buf_cstr(&missing));
		goto cleanup;
	}
	rc = 0;
cleanup:
	c1_buf_dispose(&missing);
	return rc;
}

int cfn_template_load(struct cfn_template *out, const char *body, const char *url, char *err, size_t err_len)
{
	const struct catalog_entry *entry = NULL;
	const char *p;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (body && *body && url && *url) {
		snprintf(err, err_len, "You cannot specify both TemplateURL and TemplateBody.");
		goto cleanup;
	}
	if ((!body || !*body) && (!url || !*url)) {
		snprintf(err, err_len, "Either Template URL or Template Body must be specified.");
		goto cleanup;
	}
	if (url && *url) {
		entry = catalog_find(url);
		if (!entry) {
			snprintf(err, err_len,
				 "TemplateURL must reference a valid S3 object to which you have access.");
			goto cleanup;
		}
		out->kind = entry->kind;
		out->body = c1_strdup(entry->text);
		out->create_seconds = entry->seconds;
	} else {
		out->body = c1_strdup(body);
		out->kind = CFN_KIND_GENERIC;
	}
	for (p = out->body; *p && isspace((unsigned char)*p); p++)
		;
	if (*p != '{') {
		/* c1onboard sends JSON; YAML is accepted and simulated as an empty stack. */
		out->kind = CFN_KIND_OPAQUE;
		out->create_seconds = 30;
		rc = 0;
		goto cleanup;
	}
	if (load_json(out, err, err_len) != 0)
		goto cleanup;
	rc = 0;
cleanup:
	if (rc != 0)
		cfn_template_dispose(out);
	return rc;
}

void cfn_template_dispose(struct cfn_template *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nparams; i++) {
		free(t->params[i].name);
		free(t->params[i].def);
	}
	free(t->params);
	free(t->body);
	json_decref(t->doc);
	memset(t, 0, sizeof(*t));
}

double cfn_template_duration(const struct cfn_template *t, size_t nresources)
{
	double total = 20;
	const char *key;
	json_t *r;

	if (t->create_seconds > 0)
		return t->create_seconds;
	json_object_foreach(json_object_get(t->doc, "Resources"), key, r)
	{
		const char *type = json_string_value(json_object_get(r, "Type"));
		if (cfn_type_is_iam(type))
			total += 40;
		else if (strcmp(type, "AWS::Lambda::Function") == 0 || strncmp(type, "Custom::", 8) == 0)
			total += 30;
		else if (strcmp(type, "AWS::S3::Bucket") == 0)
			total += 20;
		else
			total += 10;
	}
	(void)nresources;
	if (total < 30)
		total = 30;
	if (total > 180)
		total = 180;
	return total;
}

/* ---- instantiation: conditions, physical ids, intrinsics ---- */

struct rctx {
	const struct cfn_template *t;
	const struct cfn_scope *scope;
	struct cfn_resource *res;
	size_t nres;
	json_t *conds; /* name -> evaluated bool (json true/false) */
};

static const char *scope_param(const struct cfn_scope *s, const char *name)
{
	for (size_t i = 0; i < s->nparams; i++)
		if (strcmp(s->params[i].key, name) == 0)
			return s->params[i].value;
	return NULL;
}

static struct cfn_resource *ctx_res(const struct rctx *c, const char *logical)
{
	for (size_t i = 0; i < c->nres; i++)
		if (strcmp(c->res[i].logical_id, logical) == 0)
			return &c->res[i];
	return NULL;
}

static json_t *resolve(const json_t *v, struct rctx *c);

static const char *str_or(const char *s, const char *fallback)
{
	return s ? s : fallback;
}

static char *ref_value(struct rctx *c, const char *name)
{
	const struct cfn_scope *s = c->scope;
	const char *p;
	struct cfn_resource *r;

	if (strcmp(name, "AWS::AccountId") == 0)
		return c1_strdup(s->account_id);
	if (strcmp(name, "AWS::Region") == 0)
		return c1_strdup(s->region);
	if (strcmp(name, "AWS::StackName") == 0)
		return c1_strdup(s->stack_name);
	if (strcmp(name, "AWS::StackId") == 0)
		return c1_strdup(s->stack_id);
	if (strcmp(name, "AWS::Partition") == 0)
		return c1_strdup("aws");
	if (strcmp(name, "AWS::URLSuffix") == 0)
		return c1_strdup("amazonaws.com");
	p = scope_param(s, name);
	if (p)
		return c1_strdup(p);
	r = ctx_res(c, name);
	if (r)
		return c1_strdup(r->physical_id ? r->physical_id : "");
	return c1_strdup("");
}

static char *getatt_value(struct rctx *c, const char *logical, const char *attr)
{
	struct cfn_resource *r = ctx_res(c, logical);

	if (!r)
		return c1_strdup("");
	if (strcmp(attr, "Arn") == 0)
		return c1_strdup(r->arn ? r->arn : "");
	if (strcmp(attr, "RoleId") == 0)
		return c1_asprintf("AROA%.16s", r->physical_id ? r->physical_id : "");
	if (strcmp(attr, "DomainName") == 0 && strcmp(r->type, "AWS::S3::Bucket") == 0)
		return c1_asprintf("%s.s3.amazonaws.com", r->physical_id);
	return c1_strdup(r->physical_id ? r->physical_id : "");
}

/* "${Name}", "${Res.Attr}", "${!Literal}" with optional extra variables. */
static char *sub_string(struct rctx *c, const char *tmpl, const json_t *vars)
{
	struct c1_buf out = C1_BUF_INIT;
	const char *p = tmpl;

	while (*p) {
		const char *open = strstr(p, "${"), *close;
		char name[256];
		size_t n;
		char *val = NULL;

		if (!open) {
			c1_buf_puts(&out, p);
			break;
		}
		c1_buf_put(&out, p, (size_t)(open - p));
		close = strchr(open, '}');
		if (!close) {
			c1_buf_puts(&out, open);
			break;
		}
		n = (size_t)(close - open - 2);
		if (n >= sizeof(name))
			n = sizeof(name) - 1;
		memcpy(name, open + 2, n);
		name[n] = '\0';
		if (name[0] == '!') {
			c1_buf_printf(&out, "${%s}", name + 1);
		} else if (vars && json_object_get(vars, name)) {
			json_t *r = resolve(json_object_get(vars, name), c);
			if (json_is_string(r))
				c1_buf_puts(&out, json_string_value(r));
			json_decref(r);
		} else if (strchr(name, '.') && !is_pseudo(name)) {
			char *dot = strchr(name, '.');
			*dot = '\0';
			val = getatt_value(c, name, dot + 1);
		} else {
			val = ref_value(c, name);
		}
		if (val)
			c1_buf_puts(&out, val);
		free(val);
		p = close + 1;
	}
	return c1_buf_detach(&out);
}

static bool eval_condition(const json_t *v, struct rctx *c);

static bool cond_named(struct rctx *c, const char *name)
{
	json_t *have = json_object_get(c->conds, name);
	json_t *def;
	bool val;

	if (have)
		return json_is_true(have);
	def = json_object_get(json_object_get(c->t->doc, "Conditions"), name);
	json_object_set_new(c->conds, name, json_false()); /* guards against cycles */
	val = def ? eval_condition(def, c) : false;
	json_object_set_new(c->conds, name, json_boolean(val));
	return val;
}

static bool eval_condition(const json_t *v, struct rctx *c)
{
	json_t *arg;
	size_t i;

	if (!json_is_object(v) || json_object_size(v) != 1)
		return json_truthy(v);
	if ((arg = json_object_get(v, "Condition")) && json_is_string(arg))
		return cond_named(c, json_string_value(arg));
	if ((arg = json_object_get(v, "Fn::Equals")) && json_array_size(arg) == 2) {
		json_t *a = resolve(json_array_get(arg, 0), c), *b = resolve(json_array_get(arg, 1), c);
		bool eq = json_equal(a, b);
		json_decref(a);
		json_decref(b);
		return eq;
	}
	if ((arg = json_object_get(v, "Fn::Not")) && json_array_size(arg) == 1)
		return !eval_condition(json_array_get(arg, 0), c);
	if ((arg = json_object_get(v, "Fn::And"))) {
		json_t *item;
		json_array_foreach(arg, i, item) if (!eval_condition(item, c)) return false;
		return true;
	}
	if ((arg = json_object_get(v, "Fn::Or"))) {
		json_t *item;
		json_array_foreach(arg, i, item) if (eval_condition(item, c)) return true;
		return false;
	}
	return false;
}

/* A new reference with intrinsics evaluated; NULL for AWS::NoValue. */
static json_t *resolve(const json_t *v, struct rctx *c)
{
	json_t *arg, *out, *item;
	const char *key;
	size_t i;

	if (json_is_array(v)) {
		out = json_array();
		json_array_foreach(v, i, item)
		{
			json_t *r = resolve(item, c);
			if (r)
				json_array_append_new(out, r);
		}
		return out;
	}
	if (!json_is_object(v))
		return json_incref((json_t *)v);
	if (json_object_size(v) == 1) {
		if ((arg = json_object_get(v, "Ref")) && json_is_string(arg)) {
			if (strcmp(json_string_value(arg), "AWS::NoValue") == 0)
				return NULL;
			char *s = ref_value(c, json_string_value(arg));
			out = json_string(s);
			free(s);
			return out ? out : json_string("");
		}
		if ((arg = json_object_get(v, "Fn::GetAtt"))) {
			char *s = NULL;
			if (json_is_array(arg) && json_array_size(arg) == 2)
				s = getatt_value(c, str_or(json_string_value(json_array_get(arg, 0)), ""),
						 str_or(json_string_value(json_array_get(arg, 1)), ""));
			else if (json_is_string(arg)) {
				char *copy = c1_strdup(json_string_value(arg)), *dot = strchr(copy, '.');
				if (dot)
					*dot = '\0';
				s = getatt_value(c, copy, dot ? dot + 1 : "");
				free(copy);
			}
			out = json_string(s ? s : "");
			free(s);
			return out ? out : json_string("");
		}
		if ((arg = json_object_get(v, "Fn::Sub"))) {
			char *s = NULL;
			if (json_is_string(arg))
				s = sub_string(c, json_string_value(arg), NULL);
			else if (json_is_array(arg) && json_is_string(json_array_get(arg, 0)))
				s = sub_string(c, json_string_value(json_array_get(arg, 0)),
					       json_array_get(arg, 1));
			out = json_string(s ? s : "");
			free(s);
			return out ? out : json_string("");
		}
		if ((arg = json_object_get(v, "Fn::Join")) && json_array_size(arg) == 2) {
			struct c1_buf b = C1_BUF_INIT;
			const char *delim = str_or(json_string_value(json_array_get(arg, 0)), "");
			json_t *list = resolve(json_array_get(arg, 1), c);
			json_array_foreach(list, i, item)
			{
				if (i)
					c1_buf_puts(&b, delim);
				if (json_is_string(item))
					c1_buf_puts(&b, json_string_value(item));
			}
			json_decref(list);
			out = json_string(c1_buf_cstr(&b));
			c1_buf_dispose(&b);
			return out ? out : json_string("");
		}
		if ((arg = json_object_get(v, "Fn::Select")) && json_array_size(arg) == 2) {
			json_t *idx = resolve(json_array_get(arg, 0), c),
			       *list = resolve(json_array_get(arg, 1), c);
			long long n =
			    json_is_integer(idx)
				? json_integer_value(idx)
				: (json_is_string(idx) ? strtoll(json_string_value(idx), NULL, 10) : 0);
			out = json_incref(json_array_get(list, (size_t)n));
			json_decref(idx);
			json_decref(list);
			return out ? out : json_string("");
		}
		if ((arg = json_object_get(v, "Fn::If")) && json_array_size(arg) == 3) {
			bool cond = json_is_string(json_array_get(arg, 0)) &&
				    cond_named(c, json_string_value(json_array_get(arg, 0)));
			return resolve(json_array_get(arg, cond ? 1 : 2), c);
		}
		if ((arg = json_object_get(v, "Fn::Base64")))
			return resolve(arg, c);
	}
	out = json_object();
	json_object_foreach((json_t *)v, key, item)
	{
		json_t *r = resolve(item, c);
		if (r)
			json_object_set_new(out, key, r);
	}
	return out;
}

static void random_suffix(char *out, size_t n, bool lower)
{
	static const char upper_set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	static const char lower_set[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	for (size_t i = 0; i < n; i++) {
		size_t k = (size_t)(sim_random() * 36.0);
		out[i] = (lower ? lower_set : upper_set)[k % 36];
	}
	out[n] = '\0';
}

static const char *arn_service(const char *type)
{
	static char svc[64];
	const char *p = strncmp(type, "AWS::", 5) == 0 ? type + 5 : type;
	size_t n = strcspn(p, ":");
	if (n >= sizeof(svc))
		n = sizeof(svc) - 1;
	for (size_t i = 0; i < n; i++)
		svc[i] = (char)tolower((unsigned char)p[i]);
	svc[n] = '\0';
	return svc;
}

/* Physical id and ARN as the resource's service would name it. */
static void assign_identity(struct cfn_resource *r, const json_t *props, const struct cfn_scope *s,
			    const struct cfn_resource *prev)
{
	const char *np = name_property(r->type);
	const char *given = np ? json_string_value(json_object_get(props, np)) : NULL;
	char suffix[16], generated[256];
	const char *acct = s->account_id, *region = s->region;

	free(r->physical_id);
	free(r->arn);
	r->physical_id = NULL;
	r->arn = NULL;
	if (prev && strcmp(prev->type, r->type) == 0 && prev->physical_id &&
	    (!given || strcmp(given, prev->physical_id) == 0)) {
		r->physical_id = c1_strdup(prev->physical_id);
		r->arn = prev->arn ? c1_strdup(prev->arn) : NULL;
		return;
	}
	random_suffix(suffix, 12, strcmp(r->type, "AWS::S3::Bucket") == 0);
	if (strcmp(r->type, "AWS::S3::Bucket") == 0) {
		char *lower = c1_asprintf("%s-%s-%s", s->stack_name, r->logical_id, suffix);
		for (char *q = lower; *q; q++)
			*q = (char)tolower((unsigned char)*q);
		snprintf(generated, sizeof(generated), "%.63s", lower);
		free(lower);
	} else {
		snprintf(generated, sizeof(generated), "%.40s-%.10s-%s", s->stack_name, r->logical_id,
			 suffix);
	}
	if (strcmp(r->type, "AWS::IAM::Role") == 0) {
		const char *path = json_string_value(json_object_get(props, "Path"));
		r->physical_id = c1_strdup(given ? given : generated);
		r->arn = c1_asprintf("arn:aws:iam::%s:role%s%s", acct, path ? path : "/", r->physical_id);
	} else if (strcmp(r->type, "AWS::IAM::ManagedPolicy") == 0) {
		r->physical_id = c1_asprintf("arn:aws:iam::%s:policy/%s", acct, given ? given : generated);
		r->arn = c1_strdup(r->physical_id);
	} else if (strcmp(r->type, "AWS::IAM::OIDCProvider") == 0) {
		const char *url = json_string_value(json_object_get(props, "Url"));
		if (url && strncmp(url, "https://", 8) == 0)
			url += 8;
		r->physical_id = c1_asprintf("arn:aws:iam::%s:oidc-provider/%s", acct, url ? url : generated);
		r->arn = c1_strdup(r->physical_id);
	} else if (strcmp(r->type, "AWS::S3::Bucket") == 0) {
		r->physical_id = c1_strdup(given ? given : generated);
		r->arn = c1_asprintf("arn:aws:s3:::%s", r->physical_id);
	} else if (strcmp(r->type, "AWS::CloudTrail::Trail") == 0) {
		r->physical_id = c1_strdup(given ? given : generated);
		r->arn = c1_asprintf("arn:aws:cloudtrail:%s:%s:trail/%s", region, acct, r->physical_id);
	} else if (strcmp(r->type, "AWS::Lambda::Function") == 0) {
		r->physical_id = c1_strdup(given ? given : generated);
		r->arn = c1_asprintf("arn:aws:lambda:%s:%s:function:%s", region, acct, r->physical_id);
	} else if (strcmp(r->type, "AWS::SecretsManager::Secret") == 0) {
		char six[8];
		random_suffix(six, 6, false);
		r->physical_id = c1_asprintf("arn:aws:secretsmanager:%s:%s:secret:%s-%s", region, acct,
					     given ? given : generated, six);
		r->arn = c1_strdup(r->physical_id);
	} else if (strcmp(r->type, "AWS::CloudFormation::Stack") == 0) {
		char uuid[64];
		sim_new_request_id(uuid, sizeof(uuid));
		r->physical_id =
		    c1_asprintf("arn:aws:cloudformation:%s:%s:stack/%s/%s", region, acct, generated, uuid);
		r->arn = c1_strdup(r->physical_id);
	} else {
		r->physical_id = c1_strdup(given ? given : generated);
		r->arn =
		    c1_asprintf("arn:aws:%s:%s:%s:%s", arn_service(r->type), region, acct, r->physical_id);
	}
}

/* The trusted principal and sts:ExternalId of a role's trust policy. */
static void read_trust(struct cfn_resource *r)
{
	const json_t *doc = json_object_get(r->props, "AssumeRolePolicyDocument");
	json_t *stmt = json_object_get(doc, "Statement"), *principal, *cond, *op;
	const char *key;
	const char *pr = "", *ext = "";

	if (json_is_array(stmt))
		stmt = json_array_get(stmt, 0);
	principal = json_object_get(stmt, "Principal");
	if (json_is_string(principal)) {
		pr = json_string_value(principal);
	} else if (json_is_object(principal)) {
		json_t *who = json_object_get(principal, "AWS");
		if (!who)
			who = json_object_get(principal, "Federated");
		if (!who)
			who = json_object_get(principal, "Service");
		if (json_is_array(who))
			who = json_array_get(who, 0);
		if (json_is_string(who))
			pr = json_string_value(who);
	}
	cond = json_object_get(stmt, "Condition");
	json_object_foreach(cond, key, op)
	{
		json_t *e = json_object_get(op, "sts:ExternalId");
		if (json_is_array(e))
			e = json_array_get(e, 0);
		if (json_is_string(e)) {
			ext = json_string_value(e);
			break;
		}
	}
	r->trust_principal = c1_strdup(pr);
	r->external_id = c1_strdup(ext);
}

void cfn_template_instantiate(const struct cfn_template *t, const struct cfn_scope *scope,
			      struct cfn_resource **res_out, size_t *nres_out, struct cfn_kv **out_out,
			      size_t *nout_out)
{
	struct rctx c = {t, scope, NULL, 0, json_object()};
	json_t *resources = json_object_get(t->doc, "Resources");
	json_t *outputs = json_object_get(t->doc, "Outputs");
	const char *key;
	json_t *def;
	struct cfn_kv *outs = NULL;
	size_t nout = 0;

	c.res = c1_calloc(json_object_size(resources) + 1, sizeof(*c.res));
	json_object_foreach(resources, key, def)
	{
		const char *cond = json_string_value(json_object_get(def, "Condition"));
		if (cond && !cond_named(&c, cond))
			continue;
		c.res[c.nres].logical_id = c1_strdup(key);
		c.res[c.nres].type = c1_strdup(json_string_value(json_object_get(def, "Type")));
		c.nres++;
	}
	/* Two passes: ids first (names may use parameters), then properties that
	 * refer to other resources' ids. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < c.nres; i++) {
			struct cfn_resource *r = &c.res[i];
			json_t *decl =
			    json_object_get(json_object_get(resources, r->logical_id), "Properties");
			json_t *props = decl ? resolve(decl, &c) : json_object();
			if (pass == 0) {
				const struct cfn_resource *prev = NULL;
				for (size_t k = 0; k < scope->nprev; k++)
					if (strcmp(scope->prev[k].logical_id, r->logical_id) == 0 &&
					    !scope->prev[k].gone)
						prev = &scope->prev[k];
				assign_identity(r, props, scope, prev);
				json_decref(props);
			} else {
				r->props = props;
				if (strcmp(r->type, "AWS::IAM::Role") == 0)
					read_trust(r);
			}
		}
	}
	outs = c1_calloc(json_object_size(outputs) + 1, sizeof(*outs));
	json_object_foreach(outputs, key, def)
	{
		const char *cond = json_string_value(json_object_get(def, "Condition"));
		json_t *v;
		if (cond && !cond_named(&c, cond))
			continue;
		v = resolve(json_object_get(def, "Value"), &c);
		outs[nout].key = c1_strdup(key);
		param_value_text(v, &outs[nout].value);
		if (!outs[nout].value)
			outs[nout].value = c1_strdup("");
		nout++;
		json_decref(v);
	}
	json_decref(c.conds);
	*res_out = c.res;
	*nres_out = c.nres;
	*out_out = outs;
	*nout_out = nout;
}

void cfn_resources_free(struct cfn_resource *res, size_t n)
{
	if (!res)
		return;
	for (size_t i = 0; i < n; i++) {
		struct cfn_resource *r = &res[i];
		free(r->logical_id);
		free(r->type);
		free(r->physical_id);
		free(r->arn);
		json_decref(r->props);
		json_decref(r->actual);
		free(r->reason);
		free(r->trust_principal);
		free(r->external_id);
	}
	free(res);
}

void cfn_kvs_free(struct cfn_kv *kv, size_t n)
{
	if (!kv)
		return;
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		c1_free_secure_str(kv[i].value);
	}
	free(kv);
}

static char *dup_or_null(const char *s)
{
	return s ? c1_strdup(s) : NULL;
}

void cfn_resource_copy(struct cfn_resource *dst, const struct cfn_resource *src)
{
	*dst = *src;
	dst->logical_id = dup_or_null(src->logical_id);
	dst->type = dup_or_null(src->type);
	dst->physical_id = dup_or_null(src->physical_id);
	dst->arn = dup_or_null(src->arn);
	dst->props = src->props ? json_deep_copy(src->props) : NULL;
	dst->actual = src->actual ? json_deep_copy(src->actual) : NULL;
	dst->reason = dup_or_null(src->reason);
	dst->trust_principal = dup_or_null(src->trust_principal);
	dst->external_id = dup_or_null(src->external_id);
}

static const char *kv_get(const struct cfn_kv *kv, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(kv[i].key, key) == 0)
			return kv[i].value;
	return NULL;
}

static bool all_digits(const char *s, size_t n)
{
	if (!s || strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

bool cfn_template_catalog_problem(const struct cfn_template *t, const struct cfn_kv *params, size_t nparams,
				  const char **logical_out, char *reason, size_t reason_len)
{
	if (t->kind == CFN_KIND_ROLE) {
		const char *region = kv_get(params, nparams, "CloudOneRegion");
		const char *acct = kv_get(params, nparams, "CloudOneAccountID");
		const char *url = kv_get(params, nparams, "CloudOneOIDCProviderURL");
		char want[160];

		if (!region || !c1_regions_aws_for_cloudone(region) || !all_digits(acct, 12)) {
			*logical_out = "CloudOneRole";
			snprintf(reason, reason_len,
				 "Resource handler returned message: \"Invalid principal in policy: "
				 "urn:cloudone:identity:%s:%s\" (RequestToken: %08x, HandlerErrorCode: "
				 "InvalidRequest)",
				 region ? region : "", acct ? acct : "",
				 (unsigned)(sim_random() * 4294967295.0));
			return true;
		}
		snprintf(want, sizeof(want), "cloudaccounts.%s.cloudone.trendmicro.com", region);
		if (!url || strcmp(url, want) != 0) {
			*logical_out = "CloudOneOIDCProvider";
			snprintf(
			    reason, reason_len,
			    "Resource handler returned message: \"Could not connect to the OIDC provider "
			    "https://%s to obtain its thumbprint\" (HandlerErrorCode: InvalidRequest)",
			    url ? url : "");
			return true;
		}
	}
	return false;
}
