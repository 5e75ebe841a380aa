/* Run-level pure parts: exit codes from a summary (the progress line: test_progress.c). */
#include "batch/exit_codes.h"
#include "batch/runner.h"
#include "tests/unit/harness.h"

C1_TEST(exit_codes_follow_spec)
{
	size_t s[C1_ACCOUNT_STATUS_COUNT] = {0};
	s[C1_ACCOUNT_SUCCEEDED] = 3;
	s[C1_ACCOUNT_UNCHANGED] = 2;
	C1_CHECK_INT(c1_runner_exit_code(C1_MODE_APPLY, s, false), ==, C1_EXIT_OK);
	s[C1_ACCOUNT_DRIFTED] = 1;
	C1_CHECK_INT(c1_runner_exit_code(C1_MODE_DRIFT, s, false), ==, C1_EXIT_DRIFT);
	/* an apply that leaves an account drifted could not repair it */
	C1_CHECK_INT(c1_runner_exit_code(C1_MODE_APPLY, s, false), ==, C1_EXIT_DRIFT);
	C1_CHECK_INT(c1_runner_exit_code(C1_MODE_APPLY, s, true), ==, C1_EXIT_DRIFT);
	s[C1_ACCOUNT_ROLLED_BACK] = 1;
	C1_CHECK_INT(c1_runner_exit_code(C1_MODE_APPLY, s, false), ==, C1_EXIT_FAILED);
	s[C1_ACCOUNT_ROLLED_BACK] = 0;
	s[C1_ACCOUNT_DRIFTED] = 0;
	s[C1_ACCOUNT_NOT_STARTED] = 4;
	C1_CHECK_INT(c1_runner_exit_code(C1_MODE_APPLY, s, false), ==, C1_EXIT_FAILED);
	/* plan: accounts to onboard are not a failure; pending repairs are drift */
	C1_CHECK_INT(c1_runner_exit_code(C1_MODE_PLAN, s, false), ==, C1_EXIT_OK);
	s[C1_ACCOUNT_DRIFTED] = 1;
	C1_CHECK_INT(c1_runner_exit_code(C1_MODE_PLAN, s, false), ==, C1_EXIT_OK);
	C1_CHECK_INT(c1_runner_exit_code(C1_MODE_PLAN, s, true), ==, C1_EXIT_DRIFT);
	s[C1_ACCOUNT_INVALID] = 1;
	C1_CHECK_INT(c1_runner_exit_code(C1_MODE_PLAN, s, false), ==, C1_EXIT_FAILED);
}

/* An orphan (onboarded, no longer in the spreadsheet) is drift a person must settle: 2, never 1. */
C1_TEST(orphans_exit_as_drift)
{
	size_t s[C1_ACCOUNT_STATUS_COUNT] = {0};
	s[C1_ACCOUNT_SUCCEEDED] = 3;
	s[C1_ACCOUNT_ORPHANED] = 1;
	C1_CHECK_INT(c1_runner_exit_code(C1_MODE_DRIFT, s, false), ==, C1_EXIT_DRIFT);
	C1_CHECK_INT(c1_runner_exit_code(C1_MODE_APPLY, s, false), ==, C1_EXIT_DRIFT);
	C1_CHECK_INT(c1_runner_exit_code(C1_MODE_PLAN, s, false), ==, C1_EXIT_OK);
	C1_CHECK_INT(c1_runner_exit_code(C1_MODE_PLAN, s, true), ==, C1_EXIT_DRIFT);
	s[C1_ACCOUNT_FAILED] = 1;
	C1_CHECK_INT(c1_runner_exit_code(C1_MODE_APPLY, s, false), ==, C1_EXIT_FAILED);
}
