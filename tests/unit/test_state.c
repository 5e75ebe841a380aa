#include "harness.h"

#include "engine/core/alloc.h"
#include "engine/core/clock.h"
#include "engine/core/error.h"
#include "engine/net/api_error.h"
#include "engine/run/lock.h"
#include "engine/run/state.h"
#include "reports/report_json.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define T0_MS 1795743000000LL /* 2026-11-27T01:30:00Z */

static struct c1_state *s_open(const char *dir)
{
	struct c1_state *st = NULL;
	int rc = c1_state_open(&st, dir);
	if (rc != 0)
		c1_test_fail(__FILE__, __LINE__, "open %s: %s", dir, c1_error_last());
	return st;
}

static char *s_subdir(const char *name)
{
	return c1_asprintf("%s/%s", c1_test_tmpdir(), name);
}

/* Run one SQL statement on the db directly (outside the module under test). */
static char *s_sql_text(const char *db_path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	char *out = NULL;
	C1_CHECK(sqlite3_open(db_path, &db) == SQLITE_OK);
	C1_CHECK(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK);
	if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0))
		out = c1_strdup((const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return out;
}

static struct c1_state_run_info s_info(const char *command)
{
	struct c1_state_run_info info = {command,
					 "direct",
					 "0.1.0",
					 "/data/accounts.csv",
					 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
					 "{\"concurrency\":8,\"max_failures\":\"10%\"}"};
	return info;
}

/* A version-1 store (accounts without the `interrupted` status) is migrated
 * on open: its rows are kept and an interrupted account can be written. The
 * version-1 table is rebuilt by hand from a fresh store. */
C1_TEST(v1_store_migrates_to_interrupted_status)
{
	char *dir = s_subdir("v1");
	struct c1_state *st = s_open(dir);
	struct c1_state_run_info info = s_info("apply");
	char run[C1_STATE_RUN_ID_SIZE];
	C1_CHECK_INT(c1_state_run_begin(st, &info, run), ==, 0);
	char *path = c1_strdup(c1_state_db_path(st));
	c1_state_close(st);

	sqlite3 *db = NULL;
	C1_CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	char *sql = c1_asprintf(
	    "BEGIN; DROP TABLE accounts;"
	    "CREATE TABLE accounts (run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	    " row INTEGER NOT NULL, line INTEGER, account_id TEXT NOT NULL, region TEXT, name TEXT,"
	    " status TEXT NOT NULL CHECK (status IN ('running','succeeded','unchanged','repaired','drifted',"
	    " 'rolled_back','failed','invalid','not_started')), started_at TEXT, finished_at TEXT,"
	    " duration_ms INTEGER, reason TEXT, resources_json TEXT, drift_json TEXT, rollback_json TEXT,"
	    " PRIMARY KEY (run_id, row));"
	    "INSERT INTO accounts (run_id, row, account_id, status, reason) VALUES ('%s', 1, '111122223333',"
	    " 'failed', 'kept');"
	    "DELETE FROM schema_version WHERE version > 1; COMMIT;",
	    run);
	C1_CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
	free(sql);
	sqlite3_close(db);

	st = s_open(dir);
	char *version = s_sql_text(path, "SELECT MAX(version) FROM schema_version");
	C1_CHECK_STR(version, "2");
	char *kept = s_sql_text(path, "SELECT reason FROM accounts WHERE row = 1");
	C1_CHECK_STR(kept, "kept");
	struct c1_state_account a = {.row = 2,
				     .line = 3,
				     .account_id = "444455556666",
				     .region = "us-east-1",
				     .status = C1_ACCOUNT_INTERRUPTED,
				     .duration_ms = -1};
	C1_CHECK_INT(c1_state_account_upsert(st, run, &a), ==, 0);
	C1_CHECK_INT(c1_state_flush(st), ==, 0);
	char *status = s_sql_text(path, "SELECT status FROM accounts WHERE row = 2");
	C1_CHECK_STR(status, "interrupted");
	c1_state_close(st);
	free(status);
	free(kept);
	free(version);
	free(path);
	free(dir);
}

C1_TEST(open_creates_private_wal_store)
{
	char *dir = s_subdir("a/b/state");
	struct c1_state *st = s_open(dir);
	struct stat sb;
	char *mode = NULL;
	char *version = NULL;

	C1_CHECK(stat(dir, &sb) == 0);
	C1_CHECK_INT(sb.st_mode & 0777, ==, 0700);
	C1_CHECK(stat(c1_state_db_path(st), &sb) == 0);
	C1_CHECK_INT(sb.st_mode & 0777, ==, 0600);
	C1_CHECK_INT(c1_state_integrity_check(st), ==, 0);
	mode = s_sql_text(c1_state_db_path(st), "PRAGMA journal_mode");
	C1_CHECK_STR(mode, "wal");
	version = s_sql_text(c1_state_db_path(st), "SELECT MAX(version) FROM schema_version");
	C1_CHECK_STR(version, "2");
	c1_state_close(st);
	free(version);

	/* Reopening migrates nothing and keeps one row per version. */
	st = s_open(dir);
	version = s_sql_text(c1_state_db_path(st), "SELECT COUNT(*) FROM schema_version");
	C1_CHECK_STR(version, "2");
	c1_state_close(st);
	c1_state_close(NULL);
	free(version);
	free(mode);
	free(dir);
}

C1_TEST(newer_schema_is_refused)
{
	char *dir = s_subdir("state");
	struct c1_state *st = s_open(dir);
	char *db_path = c1_strdup(c1_state_db_path(st));
	sqlite3 *db = NULL;
	c1_state_close(st);
	C1_CHECK(sqlite3_open(db_path, &db) == SQLITE_OK);
	C1_CHECK(sqlite3_exec(db, "INSERT INTO schema_version VALUES (99)", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	st = NULL;
	C1_CHECK_INT(c1_state_open(&st, dir), ==, C1_ECONFIG);
	C1_CHECK(st == NULL);
	C1_CHECK_CONTAINS(c1_error_last(), "newer");
	C1_CHECK_CONTAINS(c1_error_last(), "state.db");
	free(db_path);
	free(dir);
}

C1_TEST(run_ids_latest_and_finish)
{
	char *dir = s_subdir("state");
	struct c1_state *st = s_open(dir);
	struct c1_fake_clock clock;
	struct c1_state_run_info info = s_info("apply");
	char first[C1_STATE_RUN_ID_SIZE];
	char second[C1_STATE_RUN_ID_SIZE];
	char latest[C1_STATE_RUN_ID_SIZE];
	enum c1_run_status status;

	c1_fake_clock_init(&clock, T0_MS);
	c1_state_set_clock(st, &clock.clock);
	C1_CHECK_INT(c1_state_run_latest(st, NULL, latest), ==, C1_ENOTFOUND);
	C1_CHECK_INT(c1_state_run_begin(st, &info, first), ==, 0);
	C1_CHECK_INT(strlen(first), ==, 21);
	C1_CHECK(strncmp(first, "20261127T013000Z-", 17) == 0);
	for (int i = 17; i < 21; i++)
		C1_CHECK(strchr("0123456789abcdef", first[i]) != NULL);

	/* Same second: still a distinct id. */
	info.command = "plan";
	C1_CHECK_INT(c1_state_run_begin(st, &info, second), ==, 0);
	C1_CHECK(strcmp(first, second) != 0);
	C1_CHECK_INT(c1_state_run_latest(st, NULL, latest), ==, 0);
	C1_CHECK_STR(latest, second);
	C1_CHECK_INT(c1_state_run_latest(st, "apply", latest), ==, 0);
	C1_CHECK_STR(latest, first);
	C1_CHECK_INT(c1_state_run_latest(st, "offboard", latest), ==, C1_ENOTFOUND);

	C1_CHECK_INT(c1_state_run_status(st, first, &status), ==, 0);
	C1_CHECK_INT(status, ==, C1_RUN_RUNNING);
	c1_fake_clock_advance(&clock, 65000);
	C1_CHECK_INT(c1_state_run_finish(st, first, C1_RUN_INTERRUPTED, "{\"total\":0}"), ==, 0);
	C1_CHECK_INT(c1_state_run_status(st, first, &status), ==, 0);
	C1_CHECK_INT(status, ==, C1_RUN_INTERRUPTED);
	C1_CHECK_INT(c1_state_run_finish(st, "no-such-run", C1_RUN_FINISHED, NULL), ==, C1_ENOTFOUND);
	C1_CHECK_INT(c1_state_run_status(st, "no-such-run", &status), ==, C1_ENOTFOUND);

	info.options_json = "[1,2]";
	C1_CHECK_INT(c1_state_run_begin(st, &info, second), ==, C1_EINVALID);
	info = s_info(NULL);
	C1_CHECK_INT(c1_state_run_begin(st, &info, second), ==, C1_EINVALID);
	c1_state_close(st);
	free(dir);
}

C1_TEST(unfinished_run_is_marked_crashed_only_when_its_holder_is_gone)
{
	char *dir = s_subdir("state");
	struct c1_state *st = s_open(dir);
	struct c1_state_run_info info = s_info("apply");
	char dead[C1_STATE_RUN_ID_SIZE];
	char live[C1_STATE_RUN_ID_SIZE];
	enum c1_run_status status;
	struct c1_lock *lock = NULL;
	int ready[2];
	int release[2];
	char byte = 0;
	pid_t pid;

	C1_CHECK_INT(c1_state_run_begin(st, &info, dead), ==, 0);
	c1_state_close(st); /* the process "dies" with the run running and no lock */

	/* Another live process holds the lock: nothing is touched. */
	C1_CHECK(pipe(ready) == 0 && pipe(release) == 0);
	pid = fork();
	C1_CHECK(pid >= 0);
	if (pid == 0) {
		struct c1_lock *child_lock = NULL;
		close(ready[0]);
		close(release[1]);
		if (c1_lock_acquire(&child_lock, dir) != 0 || write(ready[1], "k", 1) != 1)
			_exit(3);
		(void)!read(release[0], &byte, 1);
		_exit(0);
	}
	close(release[0]);
	close(ready[1]);
	C1_CHECK_INT(read(ready[0], &byte, 1), ==, 1);
	close(ready[0]);
	st = s_open(dir);
	C1_CHECK_INT(c1_state_run_status(st, dead, &status), ==, 0);
	C1_CHECK_INT(status, ==, C1_RUN_RUNNING);
	c1_state_close(st);
	close(release[1]);
	C1_CHECK_INT(waitpid(pid, NULL, 0), ==, pid);

	/* We hold the lock for `live`: only `dead` is crashed. */
	C1_CHECK_INT(c1_lock_acquire(&lock, dir), ==, 0);
	st = s_open(dir);
	C1_CHECK_INT(c1_state_run_status(st, dead, &status), ==, 0);
	C1_CHECK_INT(status, ==, C1_RUN_CRASHED);
	C1_CHECK_INT(c1_state_run_begin(st, &info, live), ==, 0);
	C1_CHECK_INT(c1_lock_set_run(lock, live), ==, 0);
	c1_state_close(st);
	st = s_open(dir);
	C1_CHECK_INT(c1_state_run_status(st, live, &status), ==, 0);
	C1_CHECK_INT(status, ==, C1_RUN_RUNNING);
	c1_state_close(st);

	/* Lock gone: `live` is now crashed too. */
	c1_lock_release(lock);
	st = s_open(dir);
	C1_CHECK_INT(c1_state_run_status(st, live, &status), ==, 0);
	C1_CHECK_INT(status, ==, C1_RUN_CRASHED);
	c1_state_close(st);
	free(dir);
}

/* Read-only runs share the lock: opening the store beside a live sharer leaves its run alone and
 * marks crashed only a run whose process is gone. */
C1_TEST(shared_lock_leaves_live_runs_and_marks_dead_ones)
{
	char *dir = s_subdir("state-shared");
	struct c1_state *st = s_open(dir);
	struct c1_state_run_info info = s_info("plan");
	char live[C1_STATE_RUN_ID_SIZE], dead[C1_STATE_RUN_ID_SIZE];
	enum c1_run_status status;
	struct c1_lock *mine = NULL;

	C1_CHECK_INT(c1_state_run_begin(st, &info, live), ==, 0); /* our pid: alive */
	C1_CHECK_INT(c1_state_run_begin(st, &info, dead), ==, 0);
	c1_state_close(st);
	pid_t gone = fork();
	C1_CHECK(gone >= 0);
	if (gone == 0)
		_exit(0);
	C1_CHECK_INT(waitpid(gone, NULL, 0), ==, gone);
	sqlite3 *db = NULL;
	char *db_path = c1_asprintf("%s/state.db", dir);
	char *sql = c1_asprintf("UPDATE runs SET pid = %ld WHERE id = '%s'", (long)gone, dead);
	C1_CHECK(sqlite3_open(db_path, &db) == SQLITE_OK);
	C1_CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	free(sql);
	free(db_path);

	C1_CHECK_INT(c1_lock_acquire_mode(&mine, dir, C1_LOCK_SHARED, 0), ==, 0);
	st = s_open(dir);
	C1_CHECK_INT(c1_state_run_status(st, live, &status), ==, 0);
	C1_CHECK_INT(status, ==, C1_RUN_RUNNING);
	C1_CHECK_INT(c1_state_run_status(st, dead, &status), ==, 0);
	C1_CHECK_INT(status, ==, C1_RUN_CRASHED);
	c1_state_close(st);
	c1_lock_release(mine);
	free(dir);
}

static void s_fill_parts(struct c1_report_account *a)
{
	struct c1_report_rollback *rb = c1_report_account_add_rollback(a);
	struct c1_report_drift *d = c1_report_account_add_drift(a);
	struct c1_report_stack *s = c1_report_account_add_stack(a);
	rb->step = c1_strdup("c1_role");
	rb->resource = c1_strdup("CloudOne-C1");
	rb->status = C1_STEP_UNDO_FAILED;
	rb->has_error = true;
	rb->error.code = c1_strdup("DELETE_FAILED");
	rb->error.message = c1_strdup("role in use");
	d->plane = C1_DRIFT_AWS;
	d->resource = c1_strdup("CloudOne-WS");
	d->kind = c1_strdup("stack_parameter_changed");
	d->expected = c1_strdup("ext-1");
	d->actual = c1_strdup("ext-2");
	s->name = c1_strdup("CloudOne-C1");
	s->id = c1_strdup("arn:aws:cloudformation:us-east-1:111122223333:stack/CloudOne-C1/1");
	s->status = c1_strdup("CREATE_COMPLETE");
	a->connector_id = c1_strdup("4711");
}

C1_TEST(accounts_steps_tenants_load_back_as_report)
{
	char *dir = s_subdir("state");
	struct c1_state *st = s_open(dir);
	struct c1_fake_clock clock;
	struct c1_state_run_info info = s_info("apply");
	char run[C1_STATE_RUN_ID_SIZE];
	struct c1_report_account parts = {0};
	char *rollback = NULL, *drift = NULL, *resources = NULL;
	struct c1_report *r = NULL;
	struct c1_state_account acct = {0};
	struct c1_state_step_outcome failed = {C1_STEP_FAILED, "Throttling", "Rate exceeded", 400, "req-1",
					       NULL,           NULL};
	struct c1_state_step_outcome done = {C1_STEP_DONE, NULL, NULL, 0, NULL, "stack", "arn:stack/1"};
	struct c1_state_tenant tenant = {"tmc12abcd", "123456789012", "us-1", C1_V1_LINKED, "ext-1", NULL};

	c1_fake_clock_init(&clock, T0_MS);
	c1_state_set_clock(st, &clock.clock);
	C1_CHECK_INT(c1_state_run_begin(st, &info, run), ==, 0);
	C1_CHECK_INT(c1_state_tenant_upsert(st, run, &tenant), ==, 0);

	/* Row 2 starts, fails one attempt, then its second attempt succeeds. */
	acct = (struct c1_state_account){.row = 2,
					 .line = 3,
					 .account_id = "111122223333",
					 .region = "us-east-1",
					 .name = "Acme",
					 .status = C1_ACCOUNT_RUNNING,
					 .started_at_ms = T0_MS,
					 .duration_ms = -1};
	C1_CHECK_INT(c1_state_account_upsert(st, run, &acct), ==, 0);
	C1_CHECK_INT(c1_state_step_start(st, run, "111122223333", "us-east-1", "preflight"), ==, 0);
	C1_CHECK_INT(c1_state_step_finish(st, run, "111122223333", "us-east-1", "preflight", &done), ==, 0);
	C1_CHECK_INT(c1_state_step_start(st, run, "111122223333", "us-east-1", "c1_role"), ==, 0);
	C1_CHECK_INT(c1_state_step_finish(st, run, "111122223333", "us-east-1", "c1_role", &failed), ==, 0);
	c1_fake_clock_advance(&clock, 2000);
	C1_CHECK_INT(c1_state_step_start(st, run, "111122223333", "us-east-1", "c1_role"), ==, 0);
	C1_CHECK_INT(c1_state_step_finish(st, run, "111122223333", "us-east-1", "c1_role", &failed), ==, 0);
	C1_CHECK_INT(c1_state_step_finish(st, run, "111122223333", "us-east-1", "cloudtrail_stack",
					  &(struct c1_state_step_outcome){.status = C1_STEP_SKIPPED}),
		     ==, 0);
	s_fill_parts(&parts);
	c1_report_account_parts_to_json(&parts, &rollback, &drift, &resources);
	/* The final write leaves name/started_at alone (NULL/0 keep them). */
	acct = (struct c1_state_account){2,         0,
					 NULL,      NULL,
					 NULL,      C1_ACCOUNT_FAILED,
					 0,         T0_MS + 4500,
					 4500,      "c1_role: Rate exceeded",
					 resources, drift,
					 rollback};
	C1_CHECK_INT(c1_state_account_upsert(st, run, &acct), ==, 0);

	/* Row 1 was still running when the run died. */
	acct = (struct c1_state_account){.row = 1,
					 .line = 2,
					 .account_id = "444455556666",
					 .region = "eu-west-2",
					 .status = C1_ACCOUNT_RUNNING,
					 .started_at_ms = T0_MS,
					 .duration_ms = -1};
	C1_CHECK_INT(c1_state_account_upsert(st, run, &acct), ==, 0);
	acct.account_id = NULL;
	acct.row = 9; /* a new row needs its account id */
	C1_CHECK(c1_state_account_upsert(st, run, &acct) != 0);
	acct.account_id = "1";
	C1_CHECK_INT(c1_state_account_upsert(st, "no-such-run", &acct), ==, C1_ENOTFOUND);

	C1_CHECK_INT(c1_state_load_report(st, "no-such-run", &r), ==, C1_ENOTFOUND);
	C1_CHECK_INT(c1_state_load_report(st, run, &r), ==, 0);
	C1_CHECK_STR(r->run.id, run);
	C1_CHECK_STR(r->run.command, "apply");
	C1_CHECK_STR(r->run.started_at, "2026-11-27T01:30:00.000Z");
	C1_CHECK(r->run.finished_at == NULL);
	C1_CHECK_STR(r->run.options_json, "{\"concurrency\":8,\"max_failures\":\"10%\"}");
	C1_CHECK_INT(r->tenants_len, ==, 1);
	C1_CHECK_STR(r->tenants[0].c1_account_id, "123456789012");
	C1_CHECK_INT(r->tenants[0].visionone, ==, C1_V1_LINKED);
	C1_CHECK_INT(r->accounts_len, ==, 2);
	C1_CHECK_INT(r->accounts[0].row, ==, 1);
	C1_CHECK_INT(r->accounts[0].status, ==, C1_ACCOUNT_FAILED);
	C1_CHECK_CONTAINS(r->accounts[0].reason, "before this account finished");

	struct c1_report_account *a = &r->accounts[1];
	C1_CHECK_STR(a->account_id, "111122223333");
	C1_CHECK_STR(a->name, "Acme");
	C1_CHECK_INT(a->status, ==, C1_ACCOUNT_FAILED);
	C1_CHECK(a->duration_s > 4.49 && a->duration_s < 4.51);
	C1_CHECK_INT(a->steps_len, ==, 3);
	C1_CHECK_STR(a->steps[0].name, "preflight");
	C1_CHECK_INT(a->steps[0].status, ==, C1_STEP_DONE);
	C1_CHECK(!a->steps[0].has_error);
	C1_CHECK_STR(a->steps[1].name, "c1_role");
	C1_CHECK_INT(a->steps[1].attempts, ==, 2);
	C1_CHECK_STR(a->steps[1].started_at, "2026-11-27T01:30:00.000Z"); /* first attempt */
	C1_CHECK_STR(a->steps[1].finished_at, "2026-11-27T01:30:02.000Z");
	C1_CHECK(a->steps[1].has_error);
	C1_CHECK_STR(a->steps[1].error.code, "Throttling");
	C1_CHECK_INT(a->steps[1].error.http_status, ==, 400);
	C1_CHECK_STR(a->steps[1].error.request_id, "req-1");
	C1_CHECK_STR(a->steps[2].name, "cloudtrail_stack");
	C1_CHECK_INT(a->steps[2].status, ==, C1_STEP_SKIPPED);
	C1_CHECK_INT(a->steps[2].attempts, ==, 0);
	C1_CHECK_INT(a->rollback_len, ==, 1);
	C1_CHECK_INT(a->rollback[0].status, ==, C1_STEP_UNDO_FAILED);
	C1_CHECK_STR(a->rollback[0].error.message, "role in use");
	C1_CHECK_INT(a->drift_len, ==, 1);
	C1_CHECK_STR(a->drift[0].actual, "ext-2");
	C1_CHECK_INT(a->stacks_len, ==, 1);
	C1_CHECK_STR(a->stacks[0].status, "CREATE_COMPLETE");
	C1_CHECK_STR(a->connector_id, "4711");
	C1_CHECK(a->cloud_account_id == NULL);
	C1_CHECK_INT(r->summary[C1_ACCOUNT_FAILED], ==, 2);
	C1_CHECK_INT(r->total, ==, 2);

	c1_report_free(r);
	c1_report_account_dispose(&parts);
	free(rollback);
	free(drift);
	free(resources);
	c1_state_close(st);
	free(dir);
}

C1_TEST(resource_ledger_transitions)
{
	char *dir = s_subdir("state");
	struct c1_state *st = s_open(dir);
	struct c1_resource_key stack = {"111122223333", "us-east-1", C1_RESOURCE_STACK, "CloudOne-C1"};
	struct c1_resource_key conn = {"111122223333", "us-east-1", C1_RESOURCE_WS_CONNECTOR, "111122223333"};
	struct c1_resource_key other = {"111122223333", "eu-west-2", C1_RESOURCE_STACK, "CloudOne-WS"};
	struct c1_resource res;
	struct c1_resource_list list;

	C1_CHECK_INT(c1_state_resource_get(st, &stack, &res), ==, C1_ENOTFOUND);
	C1_CHECK_INT(c1_state_resource_intent(st, &stack, "run-1", "{\"template\":\"c1\"}"), ==, 0);
	C1_CHECK_INT(c1_state_resource_get(st, &stack, &res), ==, 0);
	C1_CHECK_INT(res.state, ==, C1_RESOURCE_INTENT);
	C1_CHECK_STR(res.created_by_run, "run-1");
	C1_CHECK(res.physical_id == NULL);
	c1_resource_dispose(&res);

	C1_CHECK_INT(c1_state_resource_adopted(st, &conn, "run-1", "4711", NULL), ==, 0);
	C1_CHECK_INT(c1_state_resource_intent(st, &other, "run-1", NULL), ==, 0);
	C1_CHECK_INT(c1_state_resource_list_pending(st, &list), ==, 0);
	C1_CHECK_INT(list.len, ==, 2);
	c1_resource_list_dispose(&list);

	C1_CHECK_INT(c1_state_resource_created(st, &stack, "run-2", "arn:stack/1", NULL), ==, 0);
	C1_CHECK_INT(c1_state_resource_get(st, &stack, &res), ==, 0);
	C1_CHECK_INT(res.state, ==, C1_RESOURCE_CREATED);
	C1_CHECK_STR(res.physical_id, "arn:stack/1");
	C1_CHECK_STR(res.created_by_run, "run-2");
	C1_CHECK_STR(res.detail_json, "{\"template\":\"c1\"}"); /* NULL kept it */
	c1_resource_dispose(&res);

	C1_CHECK_INT(c1_state_resource_get(st, &conn, &res), ==, 0);
	C1_CHECK_INT(res.state, ==, C1_RESOURCE_ADOPTED);
	C1_CHECK(res.created_by_run == NULL);
	C1_CHECK_STR(res.updated_by_run, "run-1");
	c1_resource_dispose(&res);

	C1_CHECK_INT(c1_state_resource_list_for_account(st, "111122223333", "us-east-1", &list), ==, 0);
	C1_CHECK_INT(list.len, ==, 2);
	C1_CHECK_INT(list.items[0].kind, ==, C1_RESOURCE_STACK);
	C1_CHECK_INT(list.items[1].kind, ==, C1_RESOURCE_WS_CONNECTOR);
	c1_resource_list_dispose(&list);
	C1_CHECK_INT(c1_state_resource_list_for_account(st, "111122223333", NULL, &list), ==, 0);
	C1_CHECK_INT(list.len, ==, 3);
	c1_resource_list_dispose(&list);

	C1_CHECK_INT(c1_state_resource_delete_intent(st, &stack, "run-3"), ==, 0);
	C1_CHECK_INT(c1_state_resource_list_pending(st, &list), ==, 0);
	C1_CHECK_INT(list.len, ==, 2);
	C1_CHECK_STR(list.items[0].name, "CloudOne-WS");
	C1_CHECK_INT(list.items[1].state, ==, C1_RESOURCE_DELETE_INTENT);
	c1_resource_list_dispose(&list);
	C1_CHECK_INT(c1_state_resource_deleted(st, &stack, "run-3"), ==, 0);
	C1_CHECK_INT(c1_state_resource_get(st, &stack, &res), ==, 0);
	C1_CHECK_INT(res.state, ==, C1_RESOURCE_DELETED);
	C1_CHECK_STR(res.physical_id, "arn:stack/1");
	c1_resource_dispose(&res);

	/* Created again after deletion: a new life, old id forgotten. */
	C1_CHECK_INT(c1_state_resource_intent(st, &stack, "run-4", NULL), ==, 0);
	C1_CHECK_INT(c1_state_resource_get(st, &stack, &res), ==, 0);
	C1_CHECK(res.physical_id == NULL);
	C1_CHECK_STR(res.created_by_run, "run-4");
	c1_resource_dispose(&res);

	/* The ledger is independent of runs (no such run row exists). */
	stack.name = NULL;
	C1_CHECK_INT(c1_state_resource_intent(st, &stack, "run-5", NULL), ==, C1_EINVALID);
	c1_state_close(st);
	free(dir);
}

/* Who may undo a resource the next run finds: its creator's run unfinished,
 * or finished with this account not onboarded (the leftover of a rollback that
 * could not complete), makes it ours; an onboarded account's stays put. */
C1_TEST(found_resource_is_ours_only_when_its_creator_left_the_account_unfinished)
{
	char *dir = s_subdir("state-found");
	struct c1_state *st = s_open(dir);
	struct c1_state_run_info info = s_info("apply");
	char failed_run[C1_STATE_RUN_ID_SIZE], ok_run[C1_STATE_RUN_ID_SIZE], now[C1_STATE_RUN_ID_SIZE];
	struct c1_resource_key left = {"111122223333", "us-east-1", C1_RESOURCE_WS_CONNECTOR, "111122223333"};
	struct c1_resource_key working = {"444455556666", "us-east-1", C1_RESOURCE_WS_CONNECTOR,
					  "444455556666"};
	struct c1_resource_key unrecorded = {"777788889999", "us-east-1", C1_RESOURCE_WS_CONNECTOR,
					     "777788889999"};
	bool ours = true;

	C1_CHECK_INT(c1_state_run_begin(st, &info, failed_run), ==, 0);
	struct c1_state_account a = {.row = 1,
				     .account_id = "111122223333",
				     .region = "us-east-1",
				     .status = C1_ACCOUNT_FAILED,
				     .duration_ms = -1};
	C1_CHECK_INT(c1_state_account_upsert(st, failed_run, &a), ==, 0);
	C1_CHECK_INT(c1_state_resource_intent(st, &left, failed_run, NULL), ==, 0);
	C1_CHECK_INT(c1_state_resource_intent(st, &unrecorded, failed_run, NULL), ==, 0);
	C1_CHECK_INT(c1_state_run_finish(st, failed_run, C1_RUN_FINISHED, NULL), ==, 0);

	C1_CHECK_INT(c1_state_run_begin(st, &info, ok_run), ==, 0);
	a.row = 2;
	a.account_id = "444455556666";
	a.status = C1_ACCOUNT_SUCCEEDED;
	C1_CHECK_INT(c1_state_account_upsert(st, ok_run, &a), ==, 0);
	C1_CHECK_INT(c1_state_resource_created(st, &working, ok_run, "17", NULL), ==, 0);
	C1_CHECK_INT(c1_state_run_finish(st, ok_run, C1_RUN_FINISHED, NULL), ==, 0);

	C1_CHECK_INT(c1_state_run_begin(st, &info, now), ==, 0);
	C1_CHECK_INT(c1_state_resource_found(st, &left, now, "11", &ours), ==, 0);
	C1_CHECK(ours);
	C1_CHECK_INT(c1_state_resource_found(st, &working, now, "17", &ours), ==, 0);
	C1_CHECK(!ours);
	C1_CHECK_INT(c1_state_resource_found(st, &unrecorded, now, "19", &ours), ==, 0);
	C1_CHECK(!ours); /* the run kept no row for it: say nothing, keep */
	c1_state_close(st);
	free(dir);
}

static bool s_file_contains(const char *path, const char *needle)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t len = 0, cap = 0, nlen = strlen(needle);
	bool found = false;
	if (!f)
		return false;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			data = c1_realloc(data, cap);
		}
		size_t n = fread(data + len, 1, cap - len, f);
		if (n == 0)
			break;
		len += n;
	}
	fclose(f);
	for (size_t i = 0; i + nlen <= len && !found; i++)
		found = memcmp(data + i, needle, nlen) == 0;
	free(data);
	return found;
}

C1_TEST(no_secret_reaches_the_db_file)
{
	/* Fake secrets as a run holds them; what reaches the store is derived:
	 * the key id before ':' and remote error text after sanitizing. */
	static const char api_key[] = "tmc12abcdEXAMPLE:FAKEc1secretPART9f8e7d6c5b4a";
	static const char v1_token[] = "eyJFAKEvisiononeTOKENzzzz.payload.sig";
	static const char aws_secret[] = "wJalrFAKEsecretKEYbPxRfiCYEXAMPLE";
	char *dir = s_subdir("state");
	struct c1_state *st = s_open(dir);
	struct c1_state_run_info info = s_info("apply");
	char run[C1_STATE_RUN_ID_SIZE];
	char key_id[64];
	char message[512];
	char raw[1024];
	char *db_path = NULL;
	char *wal_path = NULL;

	snprintf(key_id, sizeof(key_id), "%.*s", (int)(strchr(api_key, ':') - api_key), api_key);
	snprintf(raw, sizeof(raw),
		 "denied: Authorization: ApiKey %s; Bearer %s; X-Amz-Security-Token=%s&X-Amz-Signature=%s",
		 api_key, v1_token, aws_secret, aws_secret);
	c1_api_error_sanitize(message, sizeof(message), c1_str_from(raw));

	C1_CHECK_INT(c1_state_run_begin(st, &info, run), ==, 0);
	struct c1_state_tenant tenant = {key_id, "123456789012", "us-1", C1_V1_FAILED, "ext", message};
	C1_CHECK_INT(c1_state_tenant_upsert(st, run, &tenant), ==, 0);
	for (int i = 0; i < 20; i++) {
		char account[16];
		struct c1_state_step_outcome o = {C1_STEP_FAILED, "AccessDenied", message, 403,
						  "req",          NULL,           NULL};
		snprintf(account, sizeof(account), "1111222%05d", i);
		struct c1_state_account a = {.row = i + 1,
					     .line = i + 2,
					     .account_id = account,
					     .region = "us-east-1",
					     .name = "n",
					     .status = C1_ACCOUNT_FAILED,
					     .started_at_ms = 1,
					     .finished_at_ms = 2,
					     .duration_ms = 1,
					     .reason = message};
		C1_CHECK_INT(c1_state_account_upsert(st, run, &a), ==, 0);
		C1_CHECK_INT(c1_state_step_start(st, run, account, "us-east-1", "cloudone_account"), ==, 0);
		C1_CHECK_INT(c1_state_step_finish(st, run, account, "us-east-1", "cloudone_account", &o), ==,
			     0);
	}
	C1_CHECK_INT(c1_state_run_finish(st, run, C1_RUN_FINISHED, "{\"failed\":20}"), ==, 0);
	db_path = c1_strdup(c1_state_db_path(st));
	wal_path = c1_asprintf("%s-wal", db_path);

	/* The store did receive the data (guards against a vacuous check). */
	C1_CHECK(s_file_contains(wal_path, key_id) || s_file_contains(db_path, key_id));
	C1_CHECK(s_file_contains(wal_path, "[REDACTED]") || s_file_contains(db_path, "[REDACTED]"));
	const char *secrets[] = {"FAKEc1secretPART", "FAKEvisiononeTOKEN", "FAKEsecretKEY"};
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		C1_CHECK(!s_file_contains(db_path, secrets[i]));
		C1_CHECK(!s_file_contains(wal_path, secrets[i]));
	}
	c1_state_close(st); /* checkpoints the WAL into the db */
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		C1_CHECK(!s_file_contains(db_path, secrets[i]));
	free(wal_path);
	free(db_path);
	free(dir);
}

struct writer_arg {
	struct c1_state *st;
	const char *run;
	int id;
	int failures;
};

static void *s_writer(void *p)
{
	struct writer_arg *w = p;
	for (int i = 0; i < 25; i++) {
		char account[16];
		char step[16];
		snprintf(account, sizeof(account), "%012d", w->id);
		snprintf(step, sizeof(step), "s%03d", i);
		struct c1_state_step_outcome o = {.status = C1_STEP_DONE};
		struct c1_resource_key key = {account, "us-east-1", C1_RESOURCE_STACK, step};
		if (c1_state_step_start(w->st, w->run, account, "us-east-1", step) != 0 ||
		    c1_state_step_finish(w->st, w->run, account, "us-east-1", step, &o) != 0 ||
		    c1_state_resource_intent(w->st, &key, w->run, NULL) != 0 ||
		    c1_state_resource_created(w->st, &key, w->run, step, NULL) != 0)
			w->failures++;
	}
	return NULL;
}

C1_TEST(threads_share_one_store)
{
	char *dir = s_subdir("state");
	struct c1_state *st = s_open(dir);
	struct c1_state_run_info info = s_info("apply");
	char run[C1_STATE_RUN_ID_SIZE];
	pthread_t threads[4];
	struct writer_arg args[4];
	struct c1_resource_list list;
	char *count = NULL;

	C1_CHECK_INT(c1_state_run_begin(st, &info, run), ==, 0);
	for (int i = 0; i < 4; i++) {
		args[i] = (struct writer_arg){st, run, i, 0};
		C1_CHECK(pthread_create(&threads[i], NULL, s_writer, &args[i]) == 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(threads[i], NULL);
		C1_CHECK_INT(args[i].failures, ==, 0);
	}
	for (int i = 0; i < 4; i++) {
		char account[16];
		snprintf(account, sizeof(account), "%012d", i);
		C1_CHECK_INT(c1_state_resource_list_for_account(st, account, NULL, &list), ==, 0);
		C1_CHECK_INT(list.len, ==, 25);
		c1_resource_list_dispose(&list);
	}
	count = s_sql_text(c1_state_db_path(st),
			   "SELECT COUNT(*) FROM steps WHERE status = 'done' AND attempts = 1");
	C1_CHECK_STR(count, "100");
	free(count);
	c1_state_close(st);
	free(dir);
}

/* The child writes ledger rows as fast as it can and reports on a pipe the
 * index of each row whose `created` call returned; it is SIGKILLed at a
 * random moment. Everything reported must be there afterwards. */
static void s_durability_child(const char *dir, int trial, int fd)
{
	struct c1_state *st = NULL;
	if (c1_state_open(&st, dir) != 0)
		_exit(3);
	for (int i = 0;; i++) {
		char name[32];
		char phys[32];
		snprintf(name, sizeof(name), "t%02d-%06d", trial, i);
		snprintf(phys, sizeof(phys), "arn-%d", i);
		struct c1_resource_key key = {"111122223333", "us-east-1", C1_RESOURCE_STACK, name};
		/* 2i: the intent returned (durable at once); 2i+1: the outcome was
		 * flushed (outcomes are grouped until a flush or the next intent). */
		int mark = 2 * i;
		if (c1_state_resource_intent(st, &key, "child", NULL) != 0)
			_exit(4);
		if (write(fd, &mark, sizeof(mark)) != (ssize_t)sizeof(mark))
			_exit(5);
		if (c1_state_resource_created(st, &key, "child", phys, NULL) != 0)
			_exit(4);
		if (i % 2 == 0 && c1_state_flush(st) != 0)
			_exit(4);
		mark = 2 * i + 1;
		if (i % 2 == 0 && write(fd, &mark, sizeof(mark)) != (ssize_t)sizeof(mark))
			_exit(5);
	}
}

C1_TEST(sigkill_never_loses_an_intent_or_a_flushed_row)
{
	char *dir = s_subdir("state");
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	int total_rows = 0;
	struct c1_state *st = s_open(dir); /* create the schema once, up front */
	c1_state_close(st);
	srand(seed);
	for (int trial = 0; trial < 12; trial++) {
		int fds[2];
		pid_t pid;
		int last = -1, v = 0, status = 0;
		struct timespec delay = {0, (long)(2 + rand() % 40) * 1000000L};
		C1_CHECK(pipe(fds) == 0);
		pid = fork();
		C1_CHECK(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			s_durability_child(dir, trial, fds[1]);
		}
		close(fds[1]);
		nanosleep(&delay, NULL);
		kill(pid, SIGKILL);
		C1_CHECK_INT(waitpid(pid, &status, 0), ==, pid);
		C1_CHECK(WIFSIGNALED(status)); /* not an early exit: it was writing when killed */
		while (read(fds[0], &v, sizeof(v)) == (ssize_t)sizeof(v))
			last = v;
		close(fds[0]);

		st = s_open(dir);
		C1_CHECK_INT(c1_state_integrity_check(st), ==, 0);
		for (int i = 0; 2 * i <= last; i++) {
			char name[32];
			char phys[32];
			struct c1_resource res;
			snprintf(name, sizeof(name), "t%02d-%06d", trial, i);
			snprintf(phys, sizeof(phys), "arn-%d", i);
			struct c1_resource_key key = {"111122223333", "us-east-1", C1_RESOURCE_STACK, name};
			if (c1_state_resource_get(st, &key, &res) != 0)
				c1_test_fail(__FILE__, __LINE__, "seed %u trial %d: intent %d of %d lost",
					     seed, trial, i, last / 2);
			/* A later intent commits the outcomes grouped before it. */
			bool settled = (i % 2 == 0 && 2 * i + 1 <= last) || 2 * (i + 1) <= last;
			if (settled) {
				C1_CHECK_INT(res.state, ==, C1_RESOURCE_CREATED);
				C1_CHECK_STR(res.physical_id, phys);
			} else {
				C1_CHECK(res.state == C1_RESOURCE_INTENT || res.state == C1_RESOURCE_CREATED);
			}
			c1_resource_dispose(&res);
		}
		total_rows += last / 2 + 1;
		c1_state_close(st);
	}
	/* At least some trials got rows written before the kill. */
	C1_CHECK_INT(total_rows, >, 0);
	free(dir);
}
