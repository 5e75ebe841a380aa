/* c1sim CloudFormation internals shared by sim_cfn.c (Query API, the stack
 * machine, drift), sim_cfn_templates.c (template loading, intrinsics, catalog)
 * plus test hooks. */
#ifndef C1_SIM_CFN_H
#define C1_SIM_CFN_H

#include "sim.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CFN_NS "http://cloudformation.amazonaws.com/doc/2010-05-15/"

/** Which simulation a template gets: generic JSON, opaque YAML, or a catalog entry. */
enum cfn_kind { CFN_KIND_GENERIC = 0, CFN_KIND_OPAQUE, CFN_KIND_ROLE, CFN_KIND_FORWARDER, CFN_KIND_ALLINONE };

struct cfn_param_decl {
	char *name;
	char *def; /* NULL: no Default */
	bool no_echo;
	json_t *allowed; /* borrowed from the template document; NULL when absent */
};

/** A loaded template: what GetTemplate returns plus what validation needs. */
struct cfn_template {
	enum cfn_kind kind;
	char *body;  /* as given, or the catalog text */
	json_t *doc; /* NULL for opaque (YAML) bodies */
	struct cfn_param_decl *params;
	size_t nparams;
	bool needs_iam, needs_named_iam, needs_auto_expand;
	double create_seconds; /* simulated duration of a create */
};

/** A key/value pair (parameters, outputs, tags). */
struct cfn_kv {
	char *key;
	char *value; /* parameters: wiped on free (may be a credential) */
	bool no_echo;
};

struct cfn_resource {
	char *logical_id;
	char *type;
	char *physical_id;
	char *arn;
	json_t *props;  /* resolved, template-declared properties (drift "expected") */
	json_t *actual; /* NULL: as expected; set by stack_resource_modified drift */
	char status[48];
	char *reason;
	int64_t status_ms;
	char *trust_principal; /* IAM roles: AssumeRolePolicyDocument principal */
	char *external_id;     /* IAM roles: sts:ExternalId condition, "" when none */
	bool created;          /* reached CREATE_COMPLETE (effects registered) */
	bool gone;             /* removed by an update; hidden from listings */
};

/* ---- sim_cfn_templates.c ---- */

/**
 * Load `body` (TemplateBody) or `url` (TemplateURL, looked up in the catalog).
 * 0, or -1 with the ValidationError message in err.
 */
int cfn_template_load(struct cfn_template *out, const char *body, const char *url, char *err, size_t err_len);
void cfn_template_dispose(struct cfn_template *t);

/** What instantiation needs to know about the stack. */
struct cfn_scope {
	const char *account_id;
	const char *region;
	const char *stack_name;
	const char *stack_id;
	const struct cfn_kv *params;
	size_t nparams;
	const struct cfn_resource *prev; /* resources of the previous version (physical ids kept) */
	size_t nprev;
};

/**
 * Resources (template order, conditions applied) and outputs of `t` for
 * `scope`. Arrays are new; free with cfn_resources_free / cfn_kvs_free.
 */
void cfn_template_instantiate(const struct cfn_template *t, const struct cfn_scope *scope,
			      struct cfn_resource **res_out, size_t *nres_out, struct cfn_kv **out_out,
			      size_t *nout_out);
void cfn_resources_free(struct cfn_resource *res, size_t n);
void cfn_kvs_free(struct cfn_kv *kv, size_t n);
/** Deep copy of one resource into `dst`. */
void cfn_resource_copy(struct cfn_resource *dst, const struct cfn_resource *src);

/**
 * Problems a catalog template's Lambdas or handlers would hit with these
 * parameter values (not the cross-module hooks): the failing logical id and
 * reason, or false when none.
 */
bool cfn_template_catalog_problem(const struct cfn_template *t, const struct cfn_kv *params, size_t nparams,
				  const char **logical_out, char *reason, size_t reason_len);

/** Simulated seconds a create of this template takes. */
double cfn_template_duration(const struct cfn_template *t, size_t nresources);

/** IAM resource types need CAPABILITY_IAM; true for the types the trust check cares about. */
bool cfn_type_is_iam(const char *type);
/** Resource types drift detection can check (not custom resources or nested stacks). */
bool cfn_type_drift_checkable(const char *type);

/* ---- sim_cfn.c test hooks ---- */

/** Shift every CloudFormation clock read by `ms` (tests pass time without sleeping). */
void sim_cfn_test_advance_ms(int64_t ms);
/**
 * Make the next targeted-fault check of `effect` ("stack_fail", "delete_fail",
 * "update_rollback_fail") fire once, as a matching fault rule would.
 */
void sim_cfn_test_force_fault(const char *effect);
/** Number of stacks known (any status), for tests. */
size_t sim_cfn_test_stack_count(void);

#endif
