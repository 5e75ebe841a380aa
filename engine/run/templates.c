/* Template bodies kept as JSON text: CloudFormation accepts JSON, and the
 * simulator instantiates JSON templates generically. */
#include "engine/run/templates.h"

static const char s_ws_role[] =
    "{\"AWSTemplateFormatVersion\": \"2010-09-09\",\n"
    " \"Description\": \"Trend Cloud One Workload Security cross-account role (c1onboard)\",\n"
    " \"Parameters\": {\"ExternalId\": {\"Type\": \"String\", \"MinLength\": 2}},\n"
    " \"Resources\": {\n"
    "  \"WorkloadSecurityRole\": {\"Type\": \"AWS::IAM::Role\", \"Properties\": {\n"
    "   \"AssumeRolePolicyDocument\": {\"Version\": \"2012-10-17\", \"Statement\": [{\n"
    "    \"Effect\": \"Allow\", \"Principal\": {\"AWS\": \"" C1_WS_TRUSTED_PRINCIPAL "\"},\n"
    "    \"Action\": \"sts:AssumeRole\",\n"
    "    \"Condition\": {\"StringEquals\": {\"sts:ExternalId\": {\"Ref\": \"ExternalId\"}}}}]},\n"
    "   \"Policies\": [{\"PolicyName\": \"WorkloadSecurityDiscovery\", \"PolicyDocument\": {\n"
    "    \"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Resource\": \"*\",\n"
    "     \"Action\": [\"ec2:DescribeImages\", \"ec2:DescribeInstances\", \"ec2:DescribeRegions\",\n"
    "      \"ec2:DescribeVpcs\", \"ec2:DescribeSubnets\", \"ec2:DescribeAvailabilityZones\",\n"
    "      \"ec2:DescribeSecurityGroups\", \"workspaces:DescribeWorkspaces\",\n"
    "      \"workspaces:DescribeWorkspaceDirectories\", \"workspaces:DescribeWorkspaceBundles\",\n"
    "      \"workspaces:DescribeTags\", \"iam:ListAccountAliases\", \"iam:GetRole\",\n"
    "      \"iam:GetRolePolicy\"]}]}}]}}},\n"
    " \"Outputs\": {\"RoleArn\": {\"Value\": {\"Fn::GetAtt\": [\"WorkloadSecurityRole\", \"Arn\"]}}}}\n";

static const char s_new_trail[] =
    "{\"AWSTemplateFormatVersion\": \"2010-09-09\",\n"
    " \"Description\": \"Multi-region CloudTrail trail and bucket for Trend Cloud One (c1onboard)\",\n"
    " \"Resources\": {\n"
    "  \"TrailBucket\": {\"Type\": \"AWS::S3::Bucket\", \"DeletionPolicy\": \"Delete\", \"Properties\": {\n"
    "   \"BucketName\": {\"Fn::Sub\": \"c1onboard-trail-${AWS::AccountId}-${AWS::Region}\"},\n"
    "   \"PublicAccessBlockConfiguration\": {\"BlockPublicAcls\": true, \"BlockPublicPolicy\": true,\n"
    "    \"IgnorePublicAcls\": true, \"RestrictPublicBuckets\": true}}},\n"
    "  \"TrailBucketPolicy\": {\"Type\": \"AWS::S3::BucketPolicy\", \"Properties\": {\n"
    "   \"Bucket\": {\"Ref\": \"TrailBucket\"},\n"
    "   \"PolicyDocument\": {\"Version\": \"2012-10-17\", \"Statement\": [\n"
    "    {\"Effect\": \"Allow\", \"Principal\": {\"Service\": \"cloudtrail.amazonaws.com\"},\n"
    "     \"Action\": \"s3:GetBucketAcl\", \"Resource\": {\"Fn::GetAtt\": [\"TrailBucket\", \"Arn\"]}},\n"
    "    {\"Effect\": \"Allow\", \"Principal\": {\"Service\": \"cloudtrail.amazonaws.com\"},\n"
    "     \"Action\": \"s3:PutObject\",\n"
    "     \"Resource\": {\"Fn::Sub\": \"${TrailBucket.Arn}/AWSLogs/${AWS::AccountId}/*\"},\n"
    "     \"Condition\": {\"StringEquals\": {\"s3:x-amz-acl\": \"bucket-owner-full-control\"}}}]}}},\n"
    "  \"Trail\": {\"Type\": \"AWS::CloudTrail::Trail\", \"DependsOn\": \"TrailBucketPolicy\",\n"
    "   \"Properties\": {\"S3BucketName\": {\"Ref\": \"TrailBucket\"}, \"IsLogging\": true,\n"
    "    \"IsMultiRegionTrail\": true, \"IncludeGlobalServiceEvents\": true}}},\n"
    " \"Outputs\": {\"BucketName\": {\"Value\": {\"Ref\": \"TrailBucket\"}}}}\n";

const char *c1_template_ws_role(void)
{
	return s_ws_role;
}

const char *c1_template_new_trail(void)
{
	return s_new_trail;
}
