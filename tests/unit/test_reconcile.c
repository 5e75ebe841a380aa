/* The pure half of the reconcile loop, on tables of cases: what each run mode
 * does (c1_mode_policy) and the diffs of a stack, a Workload Security
 * connector and a Cloud One cloud account against what the row wants. Each
 * row is {observed, desired, expected change}; a failing row names itself. */
#include "engine/run/reconcile.h"
#include "tests/unit/harness.h"

#include <stdio.h>
#include <string.h>

#define MAX_PARAMS 4

/* What a change must look like. NULL strings must be NULL; note "" must be
 * empty, otherwise the note must contain it. */
struct want_change {
	enum c1_plan_action action;
	const char *drift;
	const char *want, *have;
	const char *note;
};

static void s_check_change(const char *label, const struct c1_change *got, enum c1_drift_plane plane,
			   const char *resource, const struct want_change *w)
{
	char where[160];
	snprintf(where, sizeof(where), "case \"%s\"", label);
	if (got->action != w->action)
		c1_test_fail(__FILE__, __LINE__, "%s: action %s, want %s", where,
			     c1_plan_action_name(got->action), c1_plan_action_name(w->action));
	if (got->plane != plane)
		c1_test_fail(__FILE__, __LINE__, "%s: plane %d, want %d", where, (int)got->plane, (int)plane);
	if (!got->resource || strcmp(got->resource, resource) != 0)
		c1_test_fail(__FILE__, __LINE__, "%s: resource \"%s\", want \"%s\"", where,
			     got->resource ? got->resource : "(null)", resource);
	const char *names[] = {"drift", "want", "have"};
	const char *gots[] = {got->drift, got->want, got->have};
	const char *wants[] = {w->drift, w->want, w->have};
	for (int i = 0; i < 3; i++) {
		bool same =
		    (!gots[i] && !wants[i]) || (gots[i] && wants[i] && strcmp(gots[i], wants[i]) == 0);
		if (!same)
			c1_test_fail(__FILE__, __LINE__, "%s: %s \"%s\", want \"%s\"", where, names[i],
				     gots[i] ? gots[i] : "(null)", wants[i] ? wants[i] : "(null)");
	}
	if (!w->note[0] ? got->note[0] != '\0' : !strstr(got->note, w->note))
		c1_test_fail(__FILE__, __LINE__, "%s: note \"%s\", want %s\"%s\"", where, got->note,
			     w->note[0] ? "one containing " : "", w->note);
}

/* ---- mode policy ---- */

C1_TEST(mode_policy_of_each_mode)
{
	static const struct {
		enum c1_run_mode mode;
		struct c1_mode_policy want;
	} cases[] = {
	    /* apply changes resources and undoes a failed account's */
	    {C1_MODE_APPLY,
	     {.acts = true, .rolls_back = true, .checks_bucket = true, .deploys_stacks = true}},
	    /* plan only records what apply would do */
	    {C1_MODE_PLAN, {.records_plan = true, .checks_bucket = true, .deploys_stacks = true}},
	    /* drift only reports differences */
	    {C1_MODE_DRIFT,
	     {.reports_drift = true,
	      .checks_bucket = true,
	      .deploys_stacks = true,
	      .detects_resource_drift = true}},
	    /* offboard acts toward every resource being absent; nothing to roll back or deploy */
	    {C1_MODE_OFFBOARD, {.acts = true, .toward_absent = true}},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct c1_mode_policy *p = c1_mode_policy(cases[i].mode);
		const struct c1_mode_policy *w = &cases[i].want;
		C1_CHECK(p != NULL);
		C1_CHECK_INT(p->acts, ==, w->acts);
		C1_CHECK_INT(p->records_plan, ==, w->records_plan);
		C1_CHECK_INT(p->reports_drift, ==, w->reports_drift);
		C1_CHECK_INT(p->toward_absent, ==, w->toward_absent);
		C1_CHECK_INT(p->rolls_back, ==, w->rolls_back);
		C1_CHECK_INT(p->checks_bucket, ==, w->checks_bucket);
		C1_CHECK_INT(p->deploys_stacks, ==, w->deploys_stacks);
		C1_CHECK_INT(p->detects_resource_drift, ==, w->detects_resource_drift);
		/* the policy is static storage: the same answer every time */
		C1_CHECK(c1_mode_policy(cases[i].mode) == p);
	}
	/* the modes that only look never act */
	C1_CHECK(!c1_mode_policy(C1_MODE_PLAN)->acts && !c1_mode_policy(C1_MODE_DRIFT)->acts);
}

/* ---- stacks ---- */

struct stack_case {
	const char *label;
	const char *status; /* NULL: the stack is absent */
	struct c1_cfn_kv have[MAX_PARAMS];
	struct c1_cfn_parameter want[MAX_PARAMS];
	bool secret_renewed;
	bool no_updates;
	struct want_change expect;
};

static size_t s_count_kv(const struct c1_cfn_kv *kv)
{
	size_t n = 0;
	while (n < MAX_PARAMS && kv[n].key)
		n++;
	return n;
}

static size_t s_count_params(const struct c1_cfn_parameter *p)
{
	size_t n = 0;
	while (n < MAX_PARAMS && p[n].key)
		n++;
	return n;
}

#define KV(k, v)                         \
	{                                \
		(char *)(k), (char *)(v) \
	}
#define PARAM(k, v)             \
	{                       \
		(k), (v), false \
	}
#define SETTLED_PARAMS                                                       \
	.have = {KV("ExternalId", "ext-1"), KV("RoleName", "CloudOneRole")}, \
	.want = {                                                            \
	    PARAM("ExternalId", "ext-1"),                                    \
	    PARAM("RoleName", "CloudOneRole"),                               \
	}
#define RECOVER(st)                                                                                       \
	{                                                                                                 \
		.action = C1_PLAN_UPDATE, .drift = "stack_status", .want = "CREATE_COMPLETE", .have = st, \
		.note = st                                                                                \
	}
#define STUCK(st)                                                                                          \
	{                                                                                                  \
		.action = C1_PLAN_MANUAL, .drift = "stack_status", .want = "CREATE_COMPLETE", .have = st,  \
		.note =                                                                                    \
		    "stack in state " st ", which c1onboard cannot recover: fix it in the CloudFormation " \
		    "console"                                                                              \
	}
#define UNCHANGED                                       \
	{                                               \
		.action = C1_PLAN_UNCHANGED, .note = "" \
	}

static const struct stack_case s_stack_cases[] = {
    /* absent: create it */
    {"absent", NULL, .want = {PARAM("ExternalId", "ext-1")},
     .expect = {.action = C1_PLAN_CREATE, .drift = "stack_missing", .want = "CREATE_COMPLETE", .note = ""}},
    {"delete_complete is absent", "DELETE_COMPLETE", SETTLED_PARAMS,
     .expect = {.action = C1_PLAN_CREATE, .drift = "stack_missing", .want = "CREATE_COMPLETE", .note = ""}},
    /* a status CloudFormation lets c1onboard recover from: update, the status as note */
    {"create in progress", "CREATE_IN_PROGRESS", SETTLED_PARAMS, .expect = RECOVER("CREATE_IN_PROGRESS")},
    {"update in progress", "UPDATE_IN_PROGRESS", SETTLED_PARAMS, .expect = RECOVER("UPDATE_IN_PROGRESS")},
    {"delete in progress", "DELETE_IN_PROGRESS", SETTLED_PARAMS, .expect = RECOVER("DELETE_IN_PROGRESS")},
    {"cleanup in progress", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", SETTLED_PARAMS,
     .expect = RECOVER("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")},
    {"review in progress", "REVIEW_IN_PROGRESS", SETTLED_PARAMS, .expect = RECOVER("REVIEW_IN_PROGRESS")},
    {"rollback complete", "ROLLBACK_COMPLETE", SETTLED_PARAMS, .expect = RECOVER("ROLLBACK_COMPLETE")},
    {"create failed", "CREATE_FAILED", SETTLED_PARAMS, .expect = RECOVER("CREATE_FAILED")},
    {"rollback failed", "ROLLBACK_FAILED", SETTLED_PARAMS, .expect = RECOVER("ROLLBACK_FAILED")},
    {"delete failed", "DELETE_FAILED", SETTLED_PARAMS, .expect = RECOVER("DELETE_FAILED")},
    {"update rollback failed", "UPDATE_ROLLBACK_FAILED", SETTLED_PARAMS,
     .expect = RECOVER("UPDATE_ROLLBACK_FAILED")},
    /* recovery wins over a settled look: a stuck stack is not compared, even when CloudFormation
     * said an update would change nothing */
    {"recoverable status with no_updates", "ROLLBACK_COMPLETE", SETTLED_PARAMS, .no_updates = true,
     .expect = RECOVER("ROLLBACK_COMPLETE")},
    /* no recovery: a person has to fix it */
    {"import rollback failed", "IMPORT_ROLLBACK_FAILED", SETTLED_PARAMS,
     .expect = STUCK("IMPORT_ROLLBACK_FAILED")},
    {"update failed", "UPDATE_FAILED", SETTLED_PARAMS, .expect = STUCK("UPDATE_FAILED")},
    {"unknown status", "SOMETHING_NEW", SETTLED_PARAMS, .expect = STUCK("SOMETHING_NEW")},
    /* settled and matching: nothing to do */
    {"create complete, same params", "CREATE_COMPLETE", SETTLED_PARAMS, .expect = UNCHANGED},
    {"update complete, same params", "UPDATE_COMPLETE", SETTLED_PARAMS, .expect = UNCHANGED},
    {"update rollback complete, same params", "UPDATE_ROLLBACK_COMPLETE", SETTLED_PARAMS,
     .expect = UNCHANGED},
    {"import complete, same params", "IMPORT_COMPLETE", SETTLED_PARAMS, .expect = UNCHANGED},
    {"import rollback complete, same params", "IMPORT_ROLLBACK_COMPLETE", SETTLED_PARAMS,
     .expect = UNCHANGED},
    {"no params wanted", "CREATE_COMPLETE", .have = {KV("ExternalId", "ext-1")}, .expect = UNCHANGED},
    /* a differing parameter: update, the first difference as "Key=have" */
    {"param differs", "CREATE_COMPLETE", .have = {KV("ExternalId", "ext-1"), KV("RoleName", "OtherRole")},
     .want = {PARAM("ExternalId", "ext-1"), PARAM("RoleName", "CloudOneRole")},
     .expect = {.action = C1_PLAN_UPDATE,
		.drift = "parameter_changed",
		.want = "RoleName=CloudOneRole",
		.have = "RoleName=OtherRole",
		.note = "RoleName=OtherRole"}},
    {"first of two differences", "UPDATE_COMPLETE",
     .have = {KV("ExternalId", "ext-0"), KV("RoleName", "OtherRole")},
     .want = {PARAM("ExternalId", "ext-1"), PARAM("RoleName", "CloudOneRole")},
     .expect = {.action = C1_PLAN_UPDATE,
		.drift = "parameter_changed",
		.want = "ExternalId=ext-1",
		.have = "ExternalId=ext-0",
		.note = "ExternalId=ext-0"}},
    {"param missing on the stack", "CREATE_COMPLETE", .have = {KV("ExternalId", "ext-1")},
     .want = {PARAM("ExternalId", "ext-1"), PARAM("RoleName", "CloudOneRole")},
     .expect = {.action = C1_PLAN_UPDATE,
		.drift = "parameter_changed",
		.want = "RoleName=CloudOneRole",
		.have = "RoleName=(absent)",
		.note = "RoleName=(absent)"}},
    {"empty value echoed", "CREATE_COMPLETE", .have = {KV("ExternalId", "")},
     .want = {PARAM("ExternalId", "ext-1")},
     .expect = {.action = C1_PLAN_UPDATE,
		.drift = "parameter_changed",
		.want = "ExternalId=ext-1",
		.have = "ExternalId=",
		.note = "ExternalId="}},
    /* a differing ServiceToken is named, its value never quoted */
    {"service token differs", "CREATE_COMPLETE", .have = {KV("ServiceToken", "arn:old-token")},
     .want = {PARAM("ServiceToken", "arn:new-token")},
     .expect = {.action = C1_PLAN_UPDATE,
		.drift = "parameter_changed",
		.want = "ServiceToken", /* a secret: named, its value never shown */
		.have = "ServiceToken",
		.note = "ServiceToken"}},
    /* NoEcho parameters read "****": they cannot be compared and do not count as a difference */
    {"noecho value skipped", "CREATE_COMPLETE", .have = {KV("ExternalId", "ext-1"), KV("Secret", "****")},
     .want = {PARAM("ExternalId", "ext-1"), PARAM("Secret", "the-real-secret")}, .expect = UNCHANGED},
    /* a desired value not known yet (NULL) is not compared */
    {"unknown desired value skipped", "CREATE_COMPLETE",
     .have = {KV("ExternalId", "ext-1"), KV("RoleArn", "arn:aws:iam::1:role/x")},
     .want = {PARAM("ExternalId", "ext-1"), PARAM("RoleArn", NULL)}, .expect = UNCHANGED},
    {"unknown desired value absent on the stack", "CREATE_COMPLETE", .have = {KV("ExternalId", "ext-1")},
     .want = {PARAM("RoleArn", NULL), PARAM("ExternalId", "ext-1")}, .expect = UNCHANGED},
    /* a renewed NoEcho secret must reach the stack though nothing echoed differs */
    {"secret renewed", "CREATE_COMPLETE", SETTLED_PARAMS, .secret_renewed = true,
     .expect = {.action = C1_PLAN_UPDATE, .note = ""}},
    {"secret renewed and a param differs", "CREATE_COMPLETE", .have = {KV("ExternalId", "ext-2")},
     .want = {PARAM("ExternalId", "ext-1")}, .secret_renewed = true,
     .expect = {.action = C1_PLAN_UPDATE,
		.drift = "parameter_changed",
		.want = "ExternalId=ext-1",
		.have = "ExternalId=ext-2",
		.note = "ExternalId=ext-2"}},
    /* CloudFormation said an update changes nothing: in sync */
    {"no updates, secret renewed", "CREATE_COMPLETE", SETTLED_PARAMS, .secret_renewed = true,
     .no_updates = true, .expect = UNCHANGED},
    {"no updates, param differs", "CREATE_COMPLETE", .have = {KV("ExternalId", "ext-2")},
     .want = {PARAM("ExternalId", "ext-1")}, .no_updates = true, .expect = UNCHANGED},
};

C1_TEST(diff_stack_table)
{
	for (size_t i = 0; i < sizeof(s_stack_cases) / sizeof(s_stack_cases[0]); i++) {
		const struct stack_case *c = &s_stack_cases[i];
		struct c1_cfn_stack st = C1_CFN_STACK_INIT;
		st.name = (char *)"CloudOne-WS";
		st.status = (char *)c->status;
		st.parameters = (struct c1_cfn_kv *)c->have;
		st.parameter_count = s_count_kv(c->have);
		struct c1_stack_desired want = {.name = "CloudOne-WS",
						.params = c->want,
						.param_count = s_count_params(c->want),
						.secret_renewed = c->secret_renewed};
		struct c1_change out;
		memset(&out, 0x5a, sizeof(out)); /* no field may be left from before */
		c1_diff_stack(c->status ? &st : NULL, &want, c->no_updates, &out);
		s_check_change(c->label, &out, C1_DRIFT_AWS, "CloudOne-WS", &c->expect);
		/* a drift entry's actual value points into the change itself, not at freed memory */
		if (c->expect.drift && strcmp(c->expect.drift, "parameter_changed") == 0)
			C1_CHECK(out.have == out.note);
		C1_CHECK_NOT_CONTAINS(out.note, "arn:old-token");
		C1_CHECK_NOT_CONTAINS(out.note, "arn:new-token");
		C1_CHECK_NOT_CONTAINS(out.note, "the-real-secret");
		C1_CHECK(!out.want || !strstr(out.want, "arn:new-token"));
	}
}

/* A custom comparison (the template strategy's) replaces the parameter comparison entirely. */
struct match_spy {
	int calls;
	const struct c1_cfn_stack *st;
	const struct c1_stack_desired *want;
};
static struct match_spy s_spy;

static bool s_match_says_differs(const struct c1_cfn_stack *st, const struct c1_stack_desired *want,
				 char *diff, size_t diff_len)
{
	s_spy.calls++;
	s_spy.st = st;
	s_spy.want = want;
	snprintf(diff, diff_len, "TemplateVersion=%s", "v1");
	return false;
}

static bool s_match_says_same(const struct c1_cfn_stack *st, const struct c1_stack_desired *want, char *diff,
			      size_t diff_len)
{
	(void)diff;
	(void)diff_len;
	s_spy.calls++;
	s_spy.st = st;
	s_spy.want = want;
	return true;
}

C1_TEST(diff_stack_uses_custom_match)
{
	struct c1_cfn_kv have[] = {KV("ExternalId", "ext-1")};
	struct c1_cfn_parameter same[] = {PARAM("ExternalId", "ext-1")};
	struct c1_cfn_parameter other[] = {PARAM("ExternalId", "ext-9")};
	struct c1_cfn_stack st = C1_CFN_STACK_INIT;
	st.name = (char *)"CloudOne";
	st.status = (char *)"UPDATE_COMPLETE";
	st.parameters = have;
	st.parameter_count = 1;
	struct c1_change out;

	/* the echoed params match, but the callback says the stack differs: update with its diff */
	memset(&s_spy, 0, sizeof(s_spy));
	struct c1_stack_desired want = {
	    .name = "CloudOne", .params = same, .param_count = 1, .match = s_match_says_differs};
	c1_diff_stack(&st, &want, false, &out);
	C1_CHECK_INT(s_spy.calls, ==, 1);
	C1_CHECK(s_spy.st == &st && s_spy.want == &want);
	s_check_change("custom differs", &out, C1_DRIFT_AWS, "CloudOne",
		       &(struct want_change){.action = C1_PLAN_UPDATE,
					     .drift = "parameter_changed",
					     .have = "TemplateVersion=v1",
					     .note = "TemplateVersion=v1"});

	/* a param differs, but the callback says the stack matches: unchanged */
	memset(&s_spy, 0, sizeof(s_spy));
	want = (struct c1_stack_desired){
	    .name = "CloudOne", .params = other, .param_count = 1, .match = s_match_says_same};
	c1_diff_stack(&st, &want, false, &out);
	C1_CHECK_INT(s_spy.calls, ==, 1);
	s_check_change("custom same", &out, C1_DRIFT_AWS, "CloudOne", &(struct want_change)UNCHANGED);

	/* the callback says nothing about a stack that is absent or not settled */
	memset(&s_spy, 0, sizeof(s_spy));
	c1_diff_stack(NULL, &want, false, &out);
	C1_CHECK_INT(out.action, ==, C1_PLAN_CREATE);
	st.status = (char *)"ROLLBACK_COMPLETE";
	c1_diff_stack(&st, &want, false, &out);
	C1_CHECK_INT(out.action, ==, C1_PLAN_UPDATE);
	C1_CHECK_INT(s_spy.calls, ==, 0);
}

C1_TEST(stack_params_match_table)
{
	struct c1_cfn_kv have[] = {KV("A", "1"), KV("B", "2"), KV("Tok", "****")};
	struct c1_cfn_stack st = C1_CFN_STACK_INIT;
	st.parameters = have;
	st.parameter_count = 3;
	static const struct {
		const char *label;
		struct c1_cfn_parameter want[MAX_PARAMS];
		bool match;
		const char *diff;
	} cases[] = {
	    {"nothing wanted", {{0}}, true, ""},
	    {"all equal", {PARAM("A", "1"), PARAM("B", "2")}, true, ""},
	    {"second differs", {PARAM("A", "1"), PARAM("B", "3")}, false, "B=2"},
	    {"first difference wins", {PARAM("B", "9"), PARAM("A", "9")}, false, "B=2"},
	    {"absent on the stack", {PARAM("C", "x")}, false, "C=(absent)"},
	    {"NoEcho skipped", {PARAM("Tok", "secret"), PARAM("A", "1")}, true, ""},
	    {"NULL skipped", {PARAM("A", NULL), PARAM("C", NULL)}, true, ""},
	    {"ServiceToken named only", {PARAM("ServiceToken", "arn:x")}, false, "ServiceToken"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char diff[64] = "";
		bool m = c1_stack_params_match(&st, cases[i].want, s_count_params(cases[i].want), diff,
					       sizeof(diff));
		if (m != cases[i].match || strcmp(diff, cases[i].diff) != 0)
			c1_test_fail(__FILE__, __LINE__, "case \"%s\": match %d diff \"%s\", want %d \"%s\"",
				     cases[i].label, m, diff, cases[i].match, cases[i].diff);
	}
	/* the difference is cut to the caller's buffer */
	struct c1_cfn_parameter b[] = {PARAM("B", "3")};
	char small[3] = "zz";
	C1_CHECK(!c1_stack_params_match(&st, b, 1, small, sizeof(small)));
	C1_CHECK_STR(small, "B=");
}

/* ---- Cloud One resources ---- */

#define ACCOUNT "123456789012"
#define ROLE_A  "arn:aws:iam::123456789012:role/CloudOneRole"
#define ROLE_B  "arn:aws:iam::123456789012:role/SomeoneElsesRole"

struct role_case {
	const char *label;
	bool found;
	const char *have_role, *want_role;
	struct want_change connector, cloud_account;
};

static const struct role_case s_role_cases[] = {
    {"absent",
     false,
     NULL,
     ROLE_A,
     {.action = C1_PLAN_CREATE, .drift = "missing", .want = ACCOUNT, .note = ""},
     {.action = C1_PLAN_CREATE, .drift = "missing", .want = ACCOUNT, .note = ""}},
    {"absent, role not known yet",
     false,
     NULL,
     NULL,
     {.action = C1_PLAN_CREATE, .drift = "missing", .want = ACCOUNT, .note = ""},
     {.action = C1_PLAN_CREATE, .drift = "missing", .want = ACCOUNT, .note = ""}},
    {"same role", true, ROLE_A, ROLE_A, UNCHANGED, UNCHANGED},
    /* Workload Security switches a connector's role in place; Cloud One cannot */
    {"different role",
     true,
     ROLE_B,
     ROLE_A,
     {.action = C1_PLAN_UPDATE, .drift = "role_changed", .want = ROLE_A, .have = ROLE_B, .note = ""},
     {.action = C1_PLAN_MANUAL,
      .drift = "role_changed",
      .want = ROLE_A,
      .have = ROLE_B,
      .note = "Cloud One cloud account " ACCOUNT " uses role " ROLE_B ", not " ROLE_A
	      "; fix it in the Cloud One console or offboard and apply again"}},
    /* the role the stack gives is not known (plan before the role stack exists): no claim */
    {"want role unknown", true, ROLE_B, NULL, UNCHANGED, UNCHANGED},
    {"have role unknown", true, NULL, ROLE_A, UNCHANGED, UNCHANGED},
};

C1_TEST(diff_connector_table)
{
	for (size_t i = 0; i < sizeof(s_role_cases) / sizeof(s_role_cases[0]); i++) {
		const struct role_case *c = &s_role_cases[i];
		struct c1_change out;
		memset(&out, 0x5a, sizeof(out));
		c1_diff_connector(ACCOUNT, c->found, c->have_role, c->want_role, &out);
		s_check_change(c->label, &out, C1_DRIFT_CLOUDONE, "ws_connector", &c->connector);
	}
}

C1_TEST(diff_cloud_account_table)
{
	for (size_t i = 0; i < sizeof(s_role_cases) / sizeof(s_role_cases[0]); i++) {
		const struct role_case *c = &s_role_cases[i];
		struct c1_change out;
		memset(&out, 0x5a, sizeof(out));
		c1_diff_cloud_account(ACCOUNT, c->found, c->have_role, c->want_role, false, &out);
		s_check_change(c->label, &out, C1_DRIFT_CLOUDONE, "cloud_account", &c->cloud_account);
	}
}

/* IAM said the role is gone (NoSuchEntity): whatever the row wants, apply registers the account again. */
C1_TEST(diff_cloud_account_role_gone_is_a_reregistration)
{
	static const char *const wants[] = {ROLE_A, NULL};
	for (size_t i = 0; i < 2; i++) {
		struct c1_change out;
		c1_diff_cloud_account(ACCOUNT, true, ROLE_B, wants[i], true, &out);
		C1_CHECK_INT(out.action, ==, C1_PLAN_UPDATE);
		C1_CHECK_STR(out.drift, "role_missing");
		C1_CHECK_STR(out.have, ROLE_B);
		C1_CHECK(wants[i] ? out.want && strcmp(out.want, ROLE_A) == 0 : out.want == NULL);
		C1_CHECK_CONTAINS(out.note, "re-register");
		C1_CHECK_CONTAINS(out.note, ROLE_B);
		C1_CHECK_CONTAINS(out.note, "not carried over");
	}
	/* gone but absent, or with no role to name: nothing to re-register */
	struct c1_change out;
	c1_diff_cloud_account(ACCOUNT, false, NULL, ROLE_A, true, &out);
	C1_CHECK_INT(out.action, ==, C1_PLAN_CREATE);
	c1_diff_cloud_account(ACCOUNT, true, NULL, ROLE_A, true, &out);
	C1_CHECK_INT(out.action, ==, C1_PLAN_UNCHANGED);
}

/* Resources changed outside CloudFormation: one entry each, and an otherwise unchanged stack is manual. */
C1_TEST(diff_stack_resources_makes_an_unchanged_stack_manual)
{
	struct c1_cfn_property_difference diff = {"/MaxSessionDuration", "3600", "7200", "NOT_EQUAL"};
	struct c1_cfn_resource_drift items[2] = {
	    {"Role", "CloudOneRole", "AWS::IAM::Role", "MODIFIED", "{}", "{}", &diff, 1},
	    {"Queue", NULL, "AWS::SQS::Queue", "DELETED", "{\"x\":1}", NULL, NULL, 0},
	};
	struct c1_cfn_resource_drift_page page = {items, 2, NULL};
	struct c1_change ch;
	memset(&ch, 0, sizeof(ch));
	ch.action = C1_PLAN_UNCHANGED;
	ch.resource = "CloudOne-C1";
	c1_diff_stack_resources(&page, &ch);
	C1_CHECK_INT(ch.action, ==, C1_PLAN_MANUAL);
	C1_CHECK_INT(ch.resource_drift_count, ==, 2);
	C1_CHECK_CONTAINS(ch.note, "2 resource(s) of stack CloudOne-C1 changed outside CloudFormation");
	C1_CHECK_CONTAINS(ch.note, "Role MODIFIED");
	/* a stack apply updates anyway keeps its action */
	memset(&ch, 0, sizeof(ch));
	ch.action = C1_PLAN_UPDATE;
	c1_diff_stack_resources(&page, &ch);
	C1_CHECK_INT(ch.action, ==, C1_PLAN_UPDATE);
	/* none: nothing changes */
	struct c1_cfn_resource_drift_page none = {NULL, 0, NULL};
	memset(&ch, 0, sizeof(ch));
	c1_diff_stack_resources(&none, &ch);
	C1_CHECK_INT(ch.resource_drift_count, ==, 0);

	const char *kind = NULL;
	char expected[64], actual[64];
	c1_resource_drift_entry(&items[0], &kind, expected, sizeof(expected), actual, sizeof(actual));
	C1_CHECK_STR(kind, "resource_modified");
	C1_CHECK_STR(expected, "/MaxSessionDuration=3600");
	C1_CHECK_STR(actual, "/MaxSessionDuration=7200");
	c1_resource_drift_entry(&items[1], &kind, expected, sizeof(expected), actual, sizeof(actual));
	C1_CHECK_STR(kind, "resource_deleted");
	C1_CHECK_STR(expected, "{\"x\":1}");
	C1_CHECK_STR(actual, "");
	/* many differences are cut to the buffer, never past it */
	struct c1_cfn_property_difference many[8];
	for (int i = 0; i < 8; i++)
		many[i] = (struct c1_cfn_property_difference){"/Policies/0/PolicyDocument/Statement", "a",
							      "b", "X"};
	struct c1_cfn_resource_drift big = {"R", NULL, "T", "MODIFIED", NULL, NULL, many, 8};
	char small[40];
	c1_resource_drift_entry(&big, &kind, small, sizeof(small), actual, sizeof(actual));
	C1_CHECK_INT(strlen(small), <, sizeof(small));
}

/* ---- the row's trail and bucket (c1_diff_trail) ---- */

#define T_ACCOUNT "111122223333"
#define T_REGION  "eu-west-2"
#define T_STACK   "CloudOne-Trail"
#define T_CTRL    "CloudOne-CTrl"
#define T_TRAIL   "CloudOne-Trail-Trail-ABC123"
#define T_BUCKET  "c1onboard-trail-111122223333-eu-west-2"
#define T_ROWBKT  "org-log-archive-bucket"

#define GONE    C1_SEEN_ABSENT
#define THERE   C1_SEEN_PRESENT
#define UNKNOWN C1_SEEN_UNKNOWN

struct trail_case {
	const char *label;
	bool new_trail;
	const char *trail; /* the trail's name as the look learned it */
	enum c1_seen trail_seen, logging, bucket_seen;
	bool stack_changed; /* the stack's own diff said `before`; otherwise unchanged */
	enum c1_plan_action before;
	const char *before_drift;
	enum c1_plan_action action;
	struct c1_change_entry entries[C1_CHANGE_MAX_ENTRIES]; /* {resource, drift, want, have} */
	const char *note[3];                                   /* each must be in the note */
	const char *not_in_note;
};

#define E(res, kind, w, h)      \
	{                       \
		res, kind, w, h \
	}

/* designated fields: what a case leaves out is zero (no entries, no note) */
#define NEW(t, ts, lg, bs) \
	.new_trail = true, .trail = (t), .trail_seen = (ts), .logging = (lg), .bucket_seen = (bs)
#define EXISTING(t, ts, lg, bs) \
	.new_trail = false, .trail = (t), .trail_seen = (ts), .logging = (lg), .bucket_seen = (bs)

static const struct trail_case s_trail_cases[] = {
    {.label = "all there and logging", NEW(T_TRAIL, THERE, THERE, THERE), .action = C1_PLAN_UNCHANGED},
    /* a look that could not tell claims nothing */
    {.label = "nothing known", NEW(NULL, UNKNOWN, UNKNOWN, UNKNOWN), .action = C1_PLAN_UNCHANGED},
    {.label = "trail gone",
     NEW(T_TRAIL, GONE, UNKNOWN, THERE),
     .action = C1_PLAN_MANUAL,
     .entries = {E(T_TRAIL, "trail_missing", "exists", NULL)},
     .note = {"trail " T_TRAIL " of stack " T_STACK " no longer exists",
	      "delete the stacks " T_CTRL " and " T_STACK " (in that order; " T_STACK
	      " deletes bucket " T_BUCKET ", so copy its logs out",
	      "account " T_ACCOUNT ", region " T_REGION}},
    {.label = "bucket gone",
     NEW(T_TRAIL, THERE, THERE, GONE),
     .action = C1_PLAN_MANUAL,
     .entries = {E(T_BUCKET, "bucket_missing", "exists", NULL)},
     .note = {"bucket " T_BUCKET " of stack " T_STACK " no longer exists",
	      "delete the stacks " T_CTRL " and " T_STACK " (in that order)", "run apply again"}},
    {.label = "trail and bucket gone",
     NEW(T_TRAIL, GONE, UNKNOWN, GONE),
     .action = C1_PLAN_MANUAL,
     .entries = {E(T_TRAIL, "trail_missing", "exists", NULL), E(T_BUCKET, "bucket_missing", "exists", NULL)},
     .note = {"trail " T_TRAIL " and bucket " T_BUCKET " of stack " T_STACK " no longer exist"}},
    /* the stack's trail could not be named (DescribeStackResources failed): its logical resource */
    {.label = "trail gone, name not learned",
     NEW(NULL, GONE, UNKNOWN, THERE),
     .action = C1_PLAN_MANUAL,
     .entries = {E(T_STACK "/Trail", "trail_missing", "exists", NULL)},
     .note = {"trail " T_STACK "/Trail of stack"}},
    {.label = "not logging",
     NEW(T_TRAIL, THERE, GONE, THERE),
     .action = C1_PLAN_MANUAL,
     .entries = {E(T_TRAIL, "trail_not_logging", "IsLogging=true", "IsLogging=false")},
     .note = {"trail " T_TRAIL " of stack " T_STACK " is not logging", "Start logging", "account " T_ACCOUNT},
     .not_in_note = "delete the stacks"},
    /* a trail found gone cannot be logging: one entry */
    {.label = "trail gone, logging said no",
     NEW(T_TRAIL, GONE, GONE, THERE),
     .action = C1_PLAN_MANUAL,
     .entries = {E(T_TRAIL, "trail_missing", "exists", NULL)},
     .note = {"no longer exists"}},
    /* deleting the stacks fixes both: the note says that, not how to start the trail */
    {.label = "not logging, bucket gone",
     NEW(T_TRAIL, THERE, GONE, GONE),
     .action = C1_PLAN_MANUAL,
     .entries = {E(T_TRAIL, "trail_not_logging", "IsLogging=true", "IsLogging=false"),
		 E(T_BUCKET, "bucket_missing", "exists", NULL)},
     .note = {"bucket " T_BUCKET " of stack", "delete the stacks"},
     .not_in_note = "Start logging"},
    /* resource drift already made the stack manual: the trail's note is the fix */
    {.label = "trail gone on a stack with resource drift",
     NEW(T_TRAIL, GONE, UNKNOWN, THERE),
     .stack_changed = true,
     .before = C1_PLAN_MANUAL,
     .action = C1_PLAN_MANUAL,
     .entries = {E(T_TRAIL, "trail_missing", "exists", NULL)},
     .note = {"delete the stacks"}},
    {.label = "existing bucket gone",
     EXISTING(NULL, UNKNOWN, UNKNOWN, GONE),
     .action = C1_PLAN_MANUAL,
     .entries = {E(T_ROWBKT, "bucket_missing", "exists", NULL)},
     .note = {"bucket " T_ROWBKT ", which the row names", "recreate the bucket", "the row's bucket column"},
     .not_in_note = "delete the stacks"},
    {.label = "existing bucket there", EXISTING(NULL, UNKNOWN, UNKNOWN, THERE), .action = C1_PLAN_UNCHANGED},
    /* a trail of a row that names its bucket is not c1onboard's to judge */
    {.label = "existing bucket, trail fields ignored",
     EXISTING(T_TRAIL, GONE, GONE, UNKNOWN),
     .action = C1_PLAN_UNCHANGED},
    /* updating or creating the forwarder toward a missing bucket helps no one; the stack's drift stays */
    {.label = "existing bucket gone, forwarder parameter changed",
     EXISTING(NULL, UNKNOWN, UNKNOWN, GONE),
     .stack_changed = true,
     .before = C1_PLAN_UPDATE,
     .before_drift = "parameter_changed",
     .action = C1_PLAN_MANUAL,
     .entries = {E(T_ROWBKT, "bucket_missing", "exists", NULL)},
     .note = {"recreate the bucket"}},
    {.label = "existing bucket gone, forwarder stack missing",
     EXISTING(NULL, UNKNOWN, UNKNOWN, GONE),
     .stack_changed = true,
     .before = C1_PLAN_CREATE,
     .before_drift = "stack_missing",
     .action = C1_PLAN_MANUAL,
     .entries = {E(T_ROWBKT, "bucket_missing", "exists", NULL)},
     .note = {"recreate the bucket"}},
};

static bool s_same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void s_check_trail_case(const struct trail_case *c, const struct c1_change *got)
{
	if (got->action != c->action)
		c1_test_fail(__FILE__, __LINE__, "case \"%s\": action %s, want %s", c->label,
			     c1_plan_action_name(got->action), c1_plan_action_name(c->action));
	if (!s_same(got->drift, c->before_drift))
		c1_test_fail(__FILE__, __LINE__, "case \"%s\": the stack's own drift \"%s\" was changed",
			     c->label, got->drift ? got->drift : "(null)");
	size_t want_n = 0;
	while (want_n < C1_CHANGE_MAX_ENTRIES && c->entries[want_n].drift)
		want_n++;
	if (got->entry_count != want_n)
		c1_test_fail(__FILE__, __LINE__, "case \"%s\": %zu entries, want %zu", c->label,
			     got->entry_count, want_n);
	for (size_t i = 0; i < want_n && i < got->entry_count; i++) {
		const struct c1_change_entry *g = &got->entries[i], *w = &c->entries[i];
		if (strcmp(g->resource, w->resource) != 0 || !s_same(g->drift, w->drift) ||
		    !s_same(g->want, w->want) || !s_same(g->have, w->have))
			c1_test_fail(__FILE__, __LINE__,
				     "case \"%s\": entry %zu is {%s, %s, %s, %s}, want {%s, %s, %s, %s}",
				     c->label, i, g->resource, g->drift, g->want ? g->want : "(null)",
				     g->have ? g->have : "(null)", w->resource, w->drift,
				     w->want ? w->want : "(null)", w->have ? w->have : "(null)");
	}
	for (int i = 0; i < 3 && c->note[i]; i++)
		if (!strstr(got->note, c->note[i]))
			c1_test_fail(__FILE__, __LINE__, "case \"%s\": note \"%s\" lacks \"%s\"", c->label,
				     got->note, c->note[i]);
	if (c->not_in_note && strstr(got->note, c->not_in_note))
		c1_test_fail(__FILE__, __LINE__, "case \"%s\": note \"%s\" has \"%s\"", c->label, got->note,
			     c->not_in_note);
	if (want_n == 0 && got->note[0])
		c1_test_fail(__FILE__, __LINE__, "case \"%s\": note \"%s\", want none", c->label, got->note);
}

C1_TEST(diff_trail_table)
{
	for (size_t i = 0; i < sizeof(s_trail_cases) / sizeof(s_trail_cases[0]); i++) {
		const struct trail_case *c = &s_trail_cases[i];
		struct c1_trail_observed o = {.account_id = T_ACCOUNT,
					      .region = T_REGION,
					      .trail_stack = c->new_trail ? T_STACK : NULL,
					      .ctrl_stack = T_CTRL,
					      .bucket = c->new_trail ? T_BUCKET : T_ROWBKT,
					      .bucket_seen = c->bucket_seen,
					      .trail = c->trail,
					      .trail_seen = c->trail_seen,
					      .logging = c->logging};
		struct c1_change ch;
		memset(&ch, 0, sizeof(ch));
		ch.action = c->stack_changed ? c->before : C1_PLAN_UNCHANGED;
		ch.drift = c->before_drift;
		ch.resource = c->new_trail ? T_STACK : T_CTRL;
		c1_diff_trail(&o, &ch);
		s_check_trail_case(c, &ch);
	}
}

C1_TEST(diff_trail_long_names_stay_in_bounds)
{
	char trail[400], bucket[400];
	memset(trail, 't', sizeof(trail) - 1);
	trail[sizeof(trail) - 1] = '\0';
	memset(bucket, 'b', sizeof(bucket) - 1);
	bucket[sizeof(bucket) - 1] = '\0';
	struct c1_trail_observed o = {T_ACCOUNT, T_REGION, T_STACK, T_CTRL, bucket,
				      GONE,      trail,    GONE,    UNKNOWN};
	struct c1_change ch;
	memset(&ch, 0, sizeof(ch));
	c1_diff_trail(&o, &ch);
	C1_CHECK_INT(ch.action, ==, C1_PLAN_MANUAL);
	C1_CHECK_INT(ch.entry_count, ==, 2);
	C1_CHECK_INT(strlen(ch.note), <, sizeof(ch.note));
	C1_CHECK_INT(strlen(ch.entries[0].resource), <, sizeof(ch.entries[0].resource));
	C1_CHECK(strncmp(ch.entries[1].resource, "bbbb", 4) == 0);
}
