/* A run: options and checked rows in, account results and report.json out.
 * Owns the run-wide pieces (state store and lock, transport, rate limiter,
 * scheduler, tenants, jobs) and the exit code of plan/apply/drift/offboard. */
#ifndef C1_BATCH_RUNNER_H
#define C1_BATCH_RUNNER_H

#include "batch/account.h"
#include "batch/options.h"
#include "batch/secrets.h"
#include "engine/aws/config_file.h"
#include "engine/run/account_job.h"

/** Everything a run needs; borrowed. */
struct c1_runner_input {
	const struct c1_options *opts;
	enum c1_run_mode mode;
	const struct c1_account_list *list;
	struct c1_secret_store *secrets;
	const struct c1_aws_config *aws;
	const struct c1_strategy_ops *strategy; /* NULL: direct */
};

/**
 * Run every selected valid row (--only, --shard) through the scheduler,
 * write report.json (+ latest) and the state store. SIGINT/SIGTERM stop
 * admission, let in-flight accounts reach a safe point and record the run
 * as interrupted (exit 1). Returns the process exit code (SPEC 2): 0, 1, 2
 * (drift), 75 (state-dir lock busy), 78 (configuration), 70 (internal).
 */
int c1_runner_run(const struct c1_runner_input *in);

/** The exit code of a finished run from its summary (pure; for tests). */
int c1_runner_exit_code(enum c1_run_mode mode, const size_t summary[C1_ACCOUNT_STATUS_COUNT],
			bool fail_on_drift);

#endif
