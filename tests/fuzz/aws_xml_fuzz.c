/* Fuzz target for the AWS XML readers: the Query protocol (STS, CloudFormation, IAM replies and
 * <ErrorResponse>), S3's REST replies and <Error>, and the XML helpers under them. The input is
 * one HTTP answer (fuzz_response.h) replayed for the call its selector names, so every reply
 * parser meets arbitrary status, headers and body; nothing is sent and nothing is written. */
#include "fuzz_response.h"

#include "engine/aws/cloudformation.h"
#include "engine/aws/iam.h"
#include "engine/aws/query.h"
#include "engine/aws/s3.h"
#include "engine/aws/sts.h"
#include "engine/core/clock.h"
#include "engine/core/xml.h"
#include "engine/net/api_error.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void s_cfn(unsigned which, const struct c1_aws_target *t, const struct c1_sigv4_credentials *c,
		  struct c1_api_error *err)
{
	static const struct c1_cfn_parameter params[] = {{"ExternalID", "abc", false}, {"Old", NULL, true}};
	static const char *const caps[] = {"CAPABILITY_NAMED_IAM"};
	struct c1_cfn_stack_input in = {0};
	in.stack_name = "c1-stack";
	in.template_url = "https://bucket.s3.amazonaws.com/t.yaml";
	in.parameters = params;
	in.parameter_count = 2;
	in.capabilities = caps;
	in.capability_count = 1;
	char *s = NULL;
	bool no_updates = false;
	switch (which) {
	case 0: {
		struct c1_cfn_stack st = C1_CFN_STACK_INIT;
		if (c1_cfn_describe_stack(&st, t, c, "c1-stack", err) == 0)
			(void)c1_cfn_kv_get(st.outputs, st.output_count, "RoleArn");
		c1_cfn_stack_dispose(&st);
		break;
	}
	case 1: {
		struct c1_cfn_event_page page = C1_CFN_EVENT_PAGE_INIT;
		if (c1_cfn_describe_stack_events(&page, t, c, "c1-stack", "tok", err) == 0) {
			size_t idx[8];
			free(c1_cfn_failure_reasons(&page, 0));
			(void)c1_cfn_failure_events(&page, 1000, idx, 8);
		}
		c1_cfn_event_page_dispose(&page);
		break;
	}
	case 2: {
		struct c1_cfn_resource_list list = C1_CFN_RESOURCE_LIST_INIT;
		c1_cfn_describe_stack_resources(&list, t, c, "c1-stack", err);
		c1_cfn_resource_list_dispose(&list);
		break;
	}
	case 3: c1_cfn_get_template(&s, t, c, "c1-stack", err); break;
	case 4: c1_cfn_create_stack(&s, t, c, &in, err); break;
	case 5: c1_cfn_update_stack(&s, &no_updates, t, c, &in, err); break;
	case 6: c1_cfn_delete_stack(t, c, "c1-stack", "token-1", err); break;
	case 7: c1_cfn_continue_update_rollback(t, c, "c1-stack", err); break;
	case 8: c1_cfn_detect_stack_drift(&s, t, c, "c1-stack", err); break;
	case 9: {
		struct c1_cfn_drift_status st = C1_CFN_DRIFT_STATUS_INIT;
		c1_cfn_describe_stack_drift_detection_status(&st, t, c, "det-1", err);
		c1_cfn_drift_status_dispose(&st);
		break;
	}
	default: {
		struct c1_cfn_resource_drift_page page = C1_CFN_RESOURCE_DRIFT_PAGE_INIT;
		c1_cfn_describe_stack_resource_drifts(&page, t, c, "c1-stack", NULL, err);
		c1_cfn_resource_drift_page_dispose(&page);
		break;
	}
	}
	free(s);
}

/* Walks the helpers over whatever document parsed, the way the clients look things up. */
static void s_xml(struct c1_str body)
{
	xmlDoc *doc = NULL;
	if (c1_xml_parse(&doc, body, 64 * 1024) != 0)
		return;
	xmlNode *root = c1_xml_root(doc);
	for (xmlNode *m = c1_xml_find(root, "member"); m; m = c1_xml_next(m))
		free(c1_xml_text(m, "Key"));
	free(c1_xml_text(root, "Error/Code"));
	struct c1_secret secret = C1_SECRET_INIT;
	if (c1_xml_take_secret(&secret, root, "Credentials/SecretAccessKey") == 0)
		c1_secret_dispose(&secret);
	(void)c1_xml_name(c1_xml_child(root, NULL));
	c1_xml_free(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_response answer;
	struct fuzz_transport transport;
	struct c1_fake_clock clock;
	struct c1_api_error err = C1_API_ERROR_INIT;
	const struct c1_sigv4_credentials creds = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
						   NULL};

	fuzz_response_parse(&answer, data, size);
	fuzz_transport_init(&transport, &answer);
	c1_fake_clock_init(&clock, 1700000000000);
	struct c1_aws_target target = {&transport.base, "https://cloudformation.us-east-1.amazonaws.com",
				       "us-east-1", &clock.clock};
	unsigned which = answer.selector % 20;
	if (which < 11) {
		s_cfn(which, &target, &creds, &err);
	} else if (which == 11) {
		struct c1_sts_identity id = C1_STS_IDENTITY_INIT;
		c1_sts_get_caller_identity(&id, &target, &creds, &err);
		c1_sts_identity_dispose(&id);
	} else if (which == 12) {
		struct c1_sts_credentials out = C1_STS_CREDENTIALS_INIT;
		struct c1_sts_assume_role_input in = {"arn:aws:iam::111122223333:role/c1", "s", "ext-id",
						      900};
		c1_sts_assume_role(&out, &target, &creds, &in, &err);
		c1_sts_credentials_dispose(&out);
	} else if (which == 13) {
		c1_iam_get_role(&target, &creds, "c1-role", &err);
	} else if (which == 14 || which == 15) {
		struct c1_s3_bucket_info info;
		target.endpoint_url = "https://s3.us-east-1.amazonaws.com";
		c1_s3_head_bucket(&info, &target, &creds, "c1-bucket", which == 15, &err);
	} else if (which == 16 || which == 17) {
		char region[32];
		target.endpoint_url = "https://s3.us-east-1.amazonaws.com";
		c1_s3_get_bucket_location(region, &target, &creds, "c1-bucket", which == 17, &err);
	} else if (which == 18) {
		c1_api_error_from_response(
		    &err, answer.selector & 32 ? C1_API_BODY_AWS_S3_XML : C1_API_BODY_AWS_QUERY_XML,
		    answer.status, &answer.headers, answer.body);
	} else {
		s_xml(answer.body);
	}
	char text[1024];
	c1_api_error_format(&err, text, sizeof(text));
	fuzz_response_dispose(&answer);
	return 0;
}
