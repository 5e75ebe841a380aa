/* Strategy `template` (SPEC 4, last paragraph): one CloudFormation stack per
 * account, `<stack_name>`, from the published all-in-one template; the
 * template's Lambdas do the Cloud One and Vision One work and CloudFormation
 * does the rollback. c1onboard preflights, follows the stack, quotes the
 * failed events, and deletes a rolled-back stack so nothing is left. */
#ifndef C1_RUN_STRATEGY_TEMPLATE_H
#define C1_RUN_STRATEGY_TEMPLATE_H

#include "engine/run/account_job.h"

#include <stddef.h>

/* The step name of the template stack in report.json and the state store. */
#define C1_TEMPLATE_STEP_NAME "template"

/* The published all-in-one template and the community bucket its Lambdas'
 * code comes from (the defaults of --template-url and --qs-bucket). */
#define C1_DEFAULT_TEMPLATE_URL                                                                   \
	"https://cloudone-community.s3.us-east-1.amazonaws.com/templates/trend-cloudone-onboard/" \
	"main.template.yaml"
#define C1_DEFAULT_QS_BUCKET "cloudone-community"

extern const struct c1_strategy_ops c1_strategy_template;

/**
 * The TemplateURL a run deploys, into `out` (`n` bytes). An explicit
 * --template-url wins; otherwise, when --qs-bucket or --qs-prefix differ
 * from the seed's, the template is expected where the community bucket keeps
 * it, under that bucket and prefix:
 * `https://<qs-bucket>.s3.amazonaws.com/<qs-prefix>templates/trend-cloudone-onboard/main.template.yaml`;
 * otherwise the seed's URL. Pure (NULLs mean the defaults). Returns 0, or
 * C1_ETOOBIG when `out` is too small.
 */
int c1_strategy_template_url(char *out, size_t n, const char *template_url, const char *qs_bucket,
			     const char *qs_prefix);

/**
 * Add the template step ("template") and the stack that exists after the
 * run to the account's report entry. Called by c1_account_job_report for
 * jobs of this strategy, before the entry is written to the state store.
 */
void c1_strategy_template_report(struct c1_account_job *job, struct c1_report_account *out);

#endif
