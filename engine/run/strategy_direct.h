/* Strategy `direct` (SPEC 4): c1onboard runs every integration step itself,
 * for apply (create / adopt / repair, rollback on failure), plan and drift
 * (the same checks, read-only) and offboard (reverse order removal). */
#ifndef C1_RUN_STRATEGY_DIRECT_H
#define C1_RUN_STRATEGY_DIRECT_H

#include "engine/run/account_job.h"

extern const struct c1_strategy_ops c1_strategy_direct;

/** The expected parameters of the cloud-account-management-role stack. */
char *c1_direct_c1_role_template_url(const char *aws_region);

#endif
