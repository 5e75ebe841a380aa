/* c1sim fault plans: rule matching, `times`, seeded probability, token
 * buckets, targeted effects and plan validation. */
#include "harness.h"
#include "sim.h"
#include "sim_server.h"

#include <stdio.h>
#include <string.h>

static void s_plan(const char *text)
{
	char err[256] = "";
	json_t *plan = json_loads(text, 0, NULL);
	C1_CHECK(plan != NULL);
	if (sim_faults_set(plan, err, sizeof(err)) != 0)
		c1_test_fail(__FILE__, __LINE__, "plan refused: %s", err);
	json_decref(plan);
}

/* A routed request as the router leaves it for the fault check. */
static void s_req(struct sim_request *req, const char *service, const char *route, const char *account,
		  const char *region, int64_t now_ms)
{
	sim_request_init(req, "POST", "/");
	req->service = service;
	snprintf(req->route, sizeof(req->route), "%s", route);
	snprintf(req->account_id, sizeof(req->account_id), "%s", account);
	snprintf(req->region, sizeof(req->region), "%s", region);
	snprintf(req->tenant, sizeof(req->tenant), "key-%s", account);
	req->now_ms = now_ms;
}

static enum sim_fault_effect s_check(const char *service, const char *route, const char *account,
				     int64_t now_ms, int *status, char *code)
{
	struct sim_request req;
	s_req(&req, service, route, account, "us-east-1", now_ms);
	enum sim_fault_effect e = sim_faults_check(&req, status, code, 64);
	sim_request_dispose(&req);
	return e;
}

C1_TEST(error_rule_fires_times_then_stops)
{
	int status = 0;
	char code[64] = "";
	sim_reset_all();
	s_plan("{\"rules\":[{\"service\":\"cloudformation\",\"route\":\"CreateStack\",\"account_id\":"
	       "\"111122223333\","
	       "\"effect\":\"error\",\"status\":503,\"code\":\"ServiceUnavailable\",\"times\":2}]}");
	C1_CHECK_INT(s_check("cloudformation", "CreateStack", "111122223333", 1, &status, code), ==,
		     SIM_FAULT_ERROR);
	C1_CHECK_INT(status, ==, 503);
	C1_CHECK_STR(code, "ServiceUnavailable");
	C1_CHECK_INT(s_check("cloudformation", "CreateStack", "111122223333", 1, &status, code), ==,
		     SIM_FAULT_ERROR);
	C1_CHECK_INT(s_check("cloudformation", "CreateStack", "111122223333", 1, &status, code), ==,
		     SIM_FAULT_NONE);
	sim_faults_set(NULL, NULL, 0);
}

C1_TEST(rule_filters_service_route_and_account)
{
	int status = 0;
	char code[64] = "";
	sim_reset_all();
	s_plan("{\"rules\":[{\"service\":\"cloudformation\",\"route\":\"Describe*\",\"account_id\":"
	       "\"111122223333\","
	       "\"effect\":\"error\",\"status\":500}]}");
	C1_CHECK_INT(s_check("cloudformation", "DescribeStacks", "111122223333", 1, &status, code), ==,
		     SIM_FAULT_ERROR);
	C1_CHECK_INT(status, ==, 500);
	C1_CHECK_INT(s_check("cloudformation", "CreateStack", "111122223333", 1, &status, code), ==,
		     SIM_FAULT_NONE);
	C1_CHECK_INT(s_check("cloudformation", "DescribeStacks", "444455556666", 1, &status, code), ==,
		     SIM_FAULT_NONE);
	C1_CHECK_INT(s_check("sts", "DescribeStacks", "111122223333", 1, &status, code), ==, SIM_FAULT_NONE);
	sim_faults_set(NULL, NULL, 0);
}

C1_TEST(cloudone_rule_matches_the_aws_account_in_the_body)
{
	struct sim_request req;
	int status = 0;
	sim_reset_all();
	s_plan("{\"rules\":[{\"service\":\"cloudone\",\"route\":\"POST /api/cloudaccounts/aws\","
	       "\"account_id\":\"111122223333\",\"effect\":\"error\",\"status\":500}]}");
	s_req(&req, "cloudone", "POST /api/cloudaccounts/aws", "900000000001", "us-1", 1);
	c1_buf_puts(&req.body, "{\"roleARN\":\"arn:aws:iam::111122223333:role/x\"}");
	C1_CHECK_INT(sim_faults_check(&req, &status, NULL, 0), ==, SIM_FAULT_ERROR);
	c1_buf_clear(&req.body);
	c1_buf_puts(&req.body, "{\"roleARN\":\"arn:aws:iam::444455556666:role/x\"}");
	C1_CHECK_INT(sim_faults_check(&req, &status, NULL, 0), ==, SIM_FAULT_NONE);
	sim_request_dispose(&req);
	sim_faults_set(NULL, NULL, 0);
}

static void s_pattern(char *out, int n)
{
	for (int i = 0; i < n; i++)
		out[i] =
		    s_check("s3", "HeadBucket", "111122223333", 1, NULL, NULL) == SIM_FAULT_ERROR ? 'x' : '.';
	out[n] = '\0';
}

C1_TEST(probability_is_deterministic_for_a_seed)
{
	char first[201], second[201], other[201];
	struct sim_config cfg = {1.0, 42};
	const char *plan =
	    "{\"rules\":[{\"service\":\"*\",\"route\":\"*\",\"effect\":\"error\",\"status\":503,"
	    "\"probability\":0.25}]}";
	sim_world_init(&cfg);
	sim_reset_all();
	s_plan(plan);
	s_pattern(first, 200);
	sim_reset_all();
	s_plan(plan);
	s_pattern(second, 200);
	C1_CHECK_STR(first, second);
	cfg.seed = 43;
	sim_world_init(&cfg);
	s_plan(plan);
	s_pattern(other, 200);
	C1_CHECK(strcmp(first, other) != 0);
	int hits = 0;
	for (int i = 0; i < 200; i++)
		hits += first[i] == 'x';
	C1_CHECK_INT(hits, >, 25); /* 50 expected */
	C1_CHECK_INT(hits, <, 80);
	sim_faults_set(NULL, NULL, 0);
}

C1_TEST(rate_limit_token_bucket_per_account_and_region)
{
	int status = 0;
	char code[64] = "";
	sim_reset_all();
	s_plan("{\"rate_limits\":{\"cloudformation\":2}}");
	int64_t t = 1000000;
	C1_CHECK_INT(s_check("cloudformation", "DescribeStacks", "111122223333", t, &status, code), ==,
		     SIM_FAULT_NONE);
	C1_CHECK_INT(s_check("cloudformation", "DescribeStacks", "111122223333", t, &status, code), ==,
		     SIM_FAULT_NONE);
	C1_CHECK_INT(s_check("cloudformation", "DescribeStacks", "111122223333", t, &status, code), ==,
		     SIM_FAULT_THROTTLE);
	C1_CHECK_INT(status, ==, 400);
	C1_CHECK_STR(code, "Throttling");
	/* Another account has its own bucket; other services are not limited. */
	C1_CHECK_INT(s_check("cloudformation", "DescribeStacks", "444455556666", t, &status, code), ==,
		     SIM_FAULT_NONE);
	C1_CHECK_INT(s_check("sts", "AssumeRole", "111122223333", t, &status, code), ==, SIM_FAULT_NONE);
	/* Half a second refills one token at 2/s. */
	C1_CHECK_INT(s_check("cloudformation", "CreateStack", "111122223333", t + 500, &status, code), ==,
		     SIM_FAULT_NONE);
	C1_CHECK_INT(s_check("cloudformation", "CreateStack", "111122223333", t + 500, &status, code), ==,
		     SIM_FAULT_THROTTLE);
	sim_faults_set(NULL, NULL, 0);
}

static enum sim_fault_effect s_check_at(const char *service, const char *account, const char *region,
					const char *tenant, int64_t now_ms)
{
	struct sim_request req;
	s_req(&req, service, "R", account, region, now_ms);
	snprintf(req.tenant, sizeof(req.tenant), "%s", tenant);
	enum sim_fault_effect e = sim_faults_check(&req, NULL, NULL, 0);
	sim_request_dispose(&req);
	return e;
}

/* The benchmark's limits: CloudFormation per (account, region), Cloud One per
 * API key (each tenant its own bucket), with an explicit burst. */
C1_TEST(rate_limit_keys_and_burst)
{
	sim_reset_all();
	s_plan("{\"rate_limits\":{\"cloudformation\":{\"per_second\":1,\"burst\":3},\"cloudone\":2}}");
	int64_t t = 2000000;
	for (int i = 0; i < 3; i++)
		C1_CHECK_INT(s_check_at("cloudformation", "111122223333", "us-east-1", "", t), ==,
			     SIM_FAULT_NONE);
	C1_CHECK_INT(s_check_at("cloudformation", "111122223333", "us-east-1", "", t), ==,
		     SIM_FAULT_THROTTLE);
	/* Same account, another region: its own bucket. */
	C1_CHECK_INT(s_check_at("cloudformation", "111122223333", "eu-west-2", "", t), ==, SIM_FAULT_NONE);
	/* One second refills one token at 1/s. */
	C1_CHECK_INT(s_check_at("cloudformation", "111122223333", "us-east-1", "", t + 1000), ==,
		     SIM_FAULT_NONE);
	C1_CHECK_INT(s_check_at("cloudformation", "111122223333", "us-east-1", "", t + 1000), ==,
		     SIM_FAULT_THROTTLE);
	/* Cloud One: the key, not the AWS account the request names, owns the bucket. */
	C1_CHECK_INT(s_check_at("cloudone", "111122223333", "us-1", "keyA", t), ==, SIM_FAULT_NONE);
	C1_CHECK_INT(s_check_at("cloudone", "444455556666", "us-1", "keyA", t), ==, SIM_FAULT_NONE);
	C1_CHECK_INT(s_check_at("cloudone", "777788889999", "us-1", "keyA", t), ==, SIM_FAULT_THROTTLE);
	C1_CHECK_INT(s_check_at("cloudone", "111122223333", "us-1", "keyB", t), ==, SIM_FAULT_NONE);
	sim_faults_set(NULL, NULL, 0);
}

C1_TEST(throttle_status_follows_the_service)
{
	int status = 0;
	char code[64] = "";
	sim_reset_all();
	s_plan("{\"rules\":[{\"effect\":\"throttle\"}]}");
	C1_CHECK_INT(s_check("s3", "HeadBucket", "111122223333", 1, &status, code), ==, SIM_FAULT_THROTTLE);
	C1_CHECK_INT(status, ==, 503);
	C1_CHECK_STR(code, "SlowDown");
	C1_CHECK_INT(s_check("cloudtrail", "DescribeTrails", "111122223333", 1, &status, code), ==,
		     SIM_FAULT_THROTTLE);
	C1_CHECK_STR(code, "ThrottlingException");
	C1_CHECK_INT(s_check("cloudone", "GET /api/apikeys/{id}", "111122223333", 1, &status, code), ==,
		     SIM_FAULT_THROTTLE);
	C1_CHECK_INT(status, ==, 429);
	sim_faults_set(NULL, NULL, 0);
}

C1_TEST(targeted_stack_fail_and_delete_fail)
{
	sim_reset_all();
	s_plan("{\"rules\":[{\"service\":\"cloudformation\",\"route\":\"CreateStack\",\"stack\":\"*-CTrl\","
	       "\"account_id\":\"111122223333\",\"effect\":\"stack_fail\"},"
	       "{\"service\":\"cloudformation\",\"route\":\"DeleteStack\",\"effect\":\"delete_fail\","
	       "\"times\":1}]}");
	C1_CHECK(
	    sim_faults_targeted("stack_fail", "cloudformation", "CreateStack", "111122223333", "C1-CTrl"));
	C1_CHECK(
	    !sim_faults_targeted("stack_fail", "cloudformation", "CreateStack", "111122223333", "C1-WS"));
	C1_CHECK(
	    !sim_faults_targeted("stack_fail", "cloudformation", "CreateStack", "444455556666", "C1-CTrl"));
	C1_CHECK(!sim_faults_targeted("stack_fail", "cloudformation", "CreateStack", "111122223333", NULL));
	/* Targeted effects never surface as request errors. */
	C1_CHECK_INT(s_check("cloudformation", "CreateStack", "111122223333", 1, NULL, NULL), ==,
		     SIM_FAULT_NONE);
	C1_CHECK(sim_faults_targeted("delete_fail", "cloudformation", "DeleteStack", "444455556666", "any"));
	C1_CHECK(!sim_faults_targeted("delete_fail", "cloudformation", "DeleteStack", "444455556666", "any"));
	sim_faults_set(NULL, NULL, 0);
}

C1_TEST(body_faults_match_route_account_and_times)
{
	struct sim_request req;
	sim_reset_all();
	s_plan("{\"rules\":[{\"service\":\"cloudone\",\"route\":\"POST /api/stacks\",\"account_id\":"
	       "\"111122223333\",\"effect\":\"endless_body\",\"times\":1},"
	       "{\"service\":\"cloudformation\",\"route\":\"DescribeStacks\",\"effect\":\"huge_body\"}]}");
	s_req(&req, "cloudone", "POST /api/stacks", "444455556666", "us-1", 1);
	C1_CHECK_INT(sim_faults_body(&req), ==, SIM_BODY_NONE); /* another account */
	snprintf(req.account_id, sizeof(req.account_id), "111122223333");
	C1_CHECK_INT(sim_faults_body(&req), ==, SIM_BODY_ENDLESS);
	C1_CHECK_INT(sim_faults_body(&req), ==, SIM_BODY_NONE); /* times: 1 */
	sim_request_dispose(&req);
	s_req(&req, "cloudformation", "DescribeStacks", "444455556666", "us-east-1", 1);
	C1_CHECK_INT(sim_faults_body(&req), ==, SIM_BODY_HUGE);
	C1_CHECK_INT(sim_faults_body(&req), ==, SIM_BODY_HUGE); /* times: 0 = always */
	sim_request_dispose(&req);
	sim_faults_set(NULL, NULL, 0);
}

C1_TEST(bad_plans_are_refused_and_keep_the_old_plan)
{
	char err[256] = "";
	sim_reset_all();
	s_plan("{\"latency_ms\":7}");
	json_t *bad = json_loads("{\"rules\":[{\"effect\":\"explode\"}]}", 0, NULL);
	C1_CHECK_INT(sim_faults_set(bad, err, sizeof(err)), ==, -1);
	C1_CHECK_CONTAINS(err, "rules[0].effect");
	json_decref(bad);
	bad = json_loads("{\"rate_limits\":{\"cloudfoo\":3}}", 0, NULL);
	C1_CHECK_INT(sim_faults_set(bad, err, sizeof(err)), ==, -1);
	C1_CHECK_CONTAINS(err, "cloudfoo");
	json_decref(bad);
	bad = json_loads("{\"rate_limits\":{\"cloudone\":{\"per_second\":5,\"burst\":0}}}", 0, NULL);
	C1_CHECK_INT(sim_faults_set(bad, err, sizeof(err)), ==, -1);
	C1_CHECK_CONTAINS(err, "burst");
	json_decref(bad);
	bad = json_loads("{\"rules\":[{\"effect\":\"error\",\"probability\":2}]}", 0, NULL);
	C1_CHECK_INT(sim_faults_set(bad, err, sizeof(err)), ==, -1);
	json_decref(bad);
	C1_CHECK_INT(sim_faults_latency_ms(), ==, 7);
	sim_faults_set(NULL, NULL, 0);
	C1_CHECK_INT(sim_faults_latency_ms(), ==, 0);
}

/* Chaos effects: each fires by its own filters and `times`, a spike adds its
 * delay, and only a success with a body is garbled (an error body is read as
 * a message at most). */
C1_TEST(chaos_effects_spike_reset_truncated_malformed)
{
	struct sim_request req;
	sim_reset_all();
	s_plan("{\"rules\":["
	       "{\"service\":\"cloudformation\",\"route\":\"DescribeStacks\",\"effect\":\"latency_spike\","
	       "\"delay_ms\":250,\"times\":1},"
	       "{\"service\":\"cloudone\",\"route\":\"*\",\"effect\":\"reset\",\"times\":1},"
	       "{\"service\":\"cloudone\",\"route\":\"*\",\"effect\":\"truncated\",\"times\":1},"
	       "{\"service\":\"sts\",\"route\":\"AssumeRole\",\"effect\":\"malformed\",\"times\":1}]}");
	s_req(&req, "cloudformation", "DescribeStacks", "111122223333", "us-east-1", 1);
	C1_CHECK_INT(sim_faults_spike_ms(&req), ==, 250);
	C1_CHECK_INT(sim_faults_spike_ms(&req), ==, 0);
	C1_CHECK_INT(sim_faults_damage(&req, 200), ==, SIM_DAMAGE_NONE);
	sim_request_dispose(&req);
	s_req(&req, "cloudone", "GET /api/apikeys/{id}", "111122223333", "us-1", 1);
	C1_CHECK_INT(sim_faults_damage(&req, 200), ==, SIM_DAMAGE_RESET);
	C1_CHECK_INT(sim_faults_damage(&req, 500), ==, SIM_DAMAGE_TRUNCATED);
	C1_CHECK_INT(sim_faults_damage(&req, 200), ==, SIM_DAMAGE_NONE);
	sim_request_dispose(&req);
	s_req(&req, "sts", "AssumeRole", "111122223333", "us-east-1", 1);
	C1_CHECK_INT(sim_faults_damage(&req, 403), ==, SIM_DAMAGE_NONE);
	C1_CHECK_INT(sim_faults_damage(&req, 204), ==, SIM_DAMAGE_NONE);
	C1_CHECK_INT(sim_faults_damage(&req, 200), ==, SIM_DAMAGE_MALFORMED);
	C1_CHECK_INT(sim_faults_damage(&req, 200), ==, SIM_DAMAGE_NONE);
	sim_request_dispose(&req);

	struct sim_response resp;
	sim_response_init(&resp);
	sim_respond_json(&resp, 200, json_pack("{s:s}", "externalId", "abc"));
	sim_respond_malform(&resp);
	C1_CHECK_INT(resp.status, ==, 200);
	json_t *doc = json_loadb(resp.body.ptr, resp.body.len, 0, NULL);
	C1_CHECK(doc == NULL);
	json_decref(doc);
	C1_CHECK(resp.body.len > 0 && memcmp(resp.body.ptr, "{\"exter", 7) == 0);
	sim_response_dispose(&resp);

	char err[256] = "";
	json_t *bad = json_loads("{\"rules\":[{\"route\":\"*\",\"effect\":\"latency_spike\"}]}", 0, NULL);
	C1_CHECK_INT(sim_faults_set(bad, err, sizeof(err)), ==, -1);
	C1_CHECK_CONTAINS(err, "delay_ms");
	json_decref(bad);
	bad = json_loads("{\"rules\":[{\"route\":\"*\",\"effect\":\"reset\",\"delay_ms\":5}]}", 0, NULL);
	C1_CHECK_INT(sim_faults_set(bad, err, sizeof(err)), ==, -1);
	C1_CHECK_CONTAINS(err, "latency_spike");
	json_decref(bad);
	sim_faults_set(NULL, NULL, 0);
}

/* "after" lets the first matching requests pass, so one route's faults come
 * in order; requests the filters do not match do not count. */
C1_TEST(after_lets_matching_requests_pass_first)
{
	int status = 0;
	char code[64] = "";
	sim_reset_all();
	s_plan("{\"rules\":[{\"service\":\"cloudformation\",\"route\":\"CreateStack\",\"account_id\":"
	       "\"111122223333\",\"effect\":\"error\",\"status\":400,\"after\":2,\"times\":1}]}");
	C1_CHECK_INT(s_check("cloudformation", "CreateStack", "444455556666", 1, &status, code), ==,
		     SIM_FAULT_NONE);
	C1_CHECK_INT(s_check("cloudformation", "CreateStack", "111122223333", 1, &status, code), ==,
		     SIM_FAULT_NONE);
	C1_CHECK_INT(s_check("cloudformation", "CreateStack", "111122223333", 1, &status, code), ==,
		     SIM_FAULT_NONE);
	C1_CHECK_INT(s_check("cloudformation", "CreateStack", "111122223333", 1, &status, code), ==,
		     SIM_FAULT_ERROR);
	C1_CHECK_INT(status, ==, 400);
	C1_CHECK_INT(s_check("cloudformation", "CreateStack", "111122223333", 1, &status, code), ==,
		     SIM_FAULT_NONE);
	json_t *bad =
	    json_loads("{\"rules\":[{\"route\":\"*\",\"effect\":\"error\",\"after\":-1}]}", 0, NULL);
	char err[256] = "";
	C1_CHECK_INT(sim_faults_set(bad, err, sizeof(err)), ==, -1);
	C1_CHECK_CONTAINS(err, "after");
	json_decref(bad);
	sim_faults_set(NULL, NULL, 0);
}
