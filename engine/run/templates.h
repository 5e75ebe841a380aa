/* The CloudFormation TemplateBody (JSON) of the two stacks c1onboard deploys
 * from its own templates: the Workload Security role (`<base>-WS`) and the
 * new trail with its bucket (`<base>-Trail`). */
#ifndef C1_RUN_TEMPLATES_H
#define C1_RUN_TEMPLATES_H

/* The AWS account Workload Security assumes the role from (api-reference 1.4). */
#define C1_WS_TRUSTED_PRINCIPAL "arn:aws:iam::147995105371:root"

/** The ws_role template: parameter ExternalId, output RoleArn. Static. */
const char *c1_template_ws_role(void);
/** The new_trail template: a bucket, its policy and a multi-region trail; output BucketName. Static. */
const char *c1_template_new_trail(void);

#endif
